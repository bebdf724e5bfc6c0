/*
 * config.c: pokjad.conf (see config.h): reading, checking and printing it by the one table of
 * keys in config_keys.c.
 *
 * The file is INI as pokjad.8 (CONFIGURATION) describes it: [section] headers, "name = value"
 * lines, comments starting with ';' or '#' (at the start of a line, or after white space). The
 * reader here numbers the lines, reports every malformed one (not only the first), knows about a
 * section that holds no keys, and never reads an indented line as the continuation of the previous
 * value. (It replaced libinih, which could do none of these, and sat behind a reader doing them.)
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "log.h"

#define LINE_MAX_BYTES 512 /* a line with its NUL: "url = " and the longest URL fit */

/* The state of one read; cfg collects the values and is copied out only when all is well. */
struct parse {
	FILE *f;
	const char *name;
	struct config cfg;
	struct config_diag *d;
	char *line;
	size_t cap;
	unsigned lineno;
	const char *section; /* the table's name of the current section; NULL before the first */
	bool skip;           /* inside a bad or unknown section: its keys were reported with it */
	unsigned section_line;
	unsigned set_line[CONFIG_ITEMS_MAX]; /* the line that set each key, 0 when none did */
	unsigned
	    set_section[CONFIG_ITEMS_MAX]; /* the line of the section header it was set under */
	bool bad[CONFIG_ITEMS_MAX];        /* set to a bad value: the rules between keys skip it */
	int read_errno;
};

static void *field(const struct item *it, struct config *cfg)
{
	return (char *)cfg + it->off;
}

static const void *cfield(const struct item *it, const struct config *cfg)
{
	return (const char *)cfg + it->off;
}

static void diag_add(struct parse *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds "FILE:LINE: ..." (line 0: "FILE: ...") to p->d, or only counts it when d is full. */
static void diag_add(struct parse *p, unsigned line, const char *fmt, ...)
{
	struct config_diag *d = p->d;
	va_list ap;
	char *m;
	int k;

	if (d->count < CONFIG_DIAG_MAX) {
		m = d->msg[d->count];
		if (line > 0)
			k = snprintf(m, CONFIG_DIAG_BYTES, "%s:%u: ", p->name, line);
		else
			k = snprintf(m, CONFIG_DIAG_BYTES, "%s: ", p->name);
		if (k >= 0 && k < CONFIG_DIAG_BYTES) {
			va_start(ap, fmt);
			vsnprintf(m + k, CONFIG_DIAG_BYTES - (size_t)k, fmt, ap);
			va_end(ap);
		}
		d->line[d->count] = line;
	}
	d->count++;
}

/* Puts the kept errors in line order; the cross-key checks add theirs after the last line. */
static void diag_sort(struct config_diag *d)
{
	unsigned n = d->count < CONFIG_DIAG_MAX ? d->count : CONFIG_DIAG_MAX;
	char msg[CONFIG_DIAG_BYTES];
	unsigned line;

	for (unsigned i = 1; i < n; i++) {
		for (unsigned j = i; j > 0 && d->line[j - 1] > d->line[j]; j--) {
			line = d->line[j];
			d->line[j] = d->line[j - 1];
			d->line[j - 1] = line;
			memcpy(msg, d->msg[j], sizeof(msg));
			memcpy(d->msg[j], d->msg[j - 1], sizeof(msg));
			memcpy(d->msg[j - 1], msg, sizeof(msg));
		}
	}
}

/* ---- formatting values */

static void fmt_number(char *buf, size_t n, const struct item *it, uint64_t v)
{
	unsigned long long u = v;

	switch (it->type) {
	case T_SIZE:
		if (v > 0 && v % MIB == 0)
			snprintf(buf, n, "%lluM", u / MIB);
		else if (v > 0 && v % KIB == 0)
			snprintf(buf, n, "%lluK", u / KIB);
		else
			snprintf(buf, n, "%llu", u);
		break;
	case T_DURATION:
		if (v > 0 && v % HOUR == 0)
			snprintf(buf, n, "%lluh", u / HOUR);
		else if (v > 0 && v % MIN == 0)
			snprintf(buf, n, "%llum", u / MIN);
		else if (v % SEC == 0)
			snprintf(buf, n, "%llus", u / SEC);
		else
			snprintf(buf, n, "%llums", u);
		break;
	default:
		snprintf(buf, n, "%llu", u);
		break;
	}
}

/* The value as the file would spell it: canonical, so that reading it back gives v again. */
static void fmt_value(char *buf, size_t n, const struct item *it, const struct config *cfg)
{
	const struct config_key *key;
	int e;

	switch (it->type) {
	case T_URL:
	case T_STR:
		snprintf(buf, n, "%s", (const char *)cfield(it, cfg));
		break;
	case T_KEY:
		key = cfield(it, cfg);
		if (key->set && n > 2 * PK_PUB_BYTES)
			pk_hex(buf, key->pub, PK_PUB_BYTES);
		else
			buf[0] = '\0';
		break;
	case T_ENUM:
		memcpy(&e, cfield(it, cfg), sizeof(e));
		snprintf(buf, n, "%s", it->names[e]);
		break;
	default:
		fmt_number(buf, n, it, *(const uint32_t *)cfield(it, cfg));
		break;
	}
}

/* What the key accepts, for the printed comments and the error messages. */
static void fmt_allowed(char *buf, size_t n, const struct item *it)
{
	char lo[32], hi[32];
	size_t k;

	switch (it->type) {
	case T_URL:
		snprintf(buf, n, "%s",
		         it->flags & F_HTTP    ? "http://HOST:PORT"
		         : it->flags & F_HTTPS ? "https://HOST:PORT, http://HOST:PORT"
		         : it->flags & F_ANY_HOST
		             ? PK_("tcp://HOST:PORT (HOST empty or * for every interface)")
		             : "tcp://HOST:PORT");
		break;
	case T_KEY:
		snprintf(buf, n, "%s", PK_("64 hex digits"));
		break;
	case T_STR:
		snprintf(buf, n, "%s",
		         it->flags & F_IDENT
		             ? PK_("a name of a-z, 0-9 and _, not starting with a digit")
		             : PK_("text"));
		break;
	case T_ENUM:
		buf[0] = '\0';
		for (size_t i = 0; it->names[i] != NULL; i++) {
			k = strlen(buf);
			snprintf(buf + k, n - k, "%s%s",
			         i == 0             ? ""
			         : it->names[i + 1] ? ", "
			                            : PK_(" or "),
			         it->names[i]);
		}
		break;
	default:
		fmt_number(lo, sizeof(lo), it, it->min);
		fmt_number(hi, sizeof(hi), it, it->max);
		snprintf(buf, n, "%s..%s", lo, hi);
		break;
	}
}

/* ---- reading values */

static bool is_empty(const struct item *it, const struct config *cfg)
{
	if (it->type == T_URL || it->type == T_STR)
		return ((const char *)cfield(it, cfg))[0] == '\0';
	if (it->type == T_KEY)
		return !((const struct config_key *)cfield(it, cfg))->set;
	return false;
}

/*
 * Digits followed by one of the units' suffixes. Returns 0 with *v in the stored unit, or -1
 * when s is not such a number. Values too large for any range come out as UINT64_MAX, so that
 * the caller reports them as out of range rather than as malformed.
 */
static int parse_number(const char *s, const struct unit *units, uint64_t *v)
{
	const uint64_t huge = 1000000000000ULL; /* above every range even in milliseconds */
	uint64_t n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > huge)
			n = huge + 1; /* saturate: keeps reading the digits, never overflows */
	}
	for (const struct unit *u = units; u->suffix != NULL; u++) {
		if (strcmp(p, u->suffix) == 0) {
			*v = n > huge ? UINT64_MAX : n * u->mult;
			return 0;
		}
	}
	return -1;
}

static bool host_char(char c, bool bracketed)
{
	if (isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_')
		return true;
	return bracketed && c == ':';
}

/* SCHEME://HOST:PORT with PORT 1..65535; HOST a name, an IPv4 address or [an IPv6 address]. */
static bool url_valid(const char *s, const char *scheme, bool any_host)
{
	const char *host, *colon, *q;
	size_t hlen, slen = strlen(scheme);
	long port;
	char *end;

	if (strncmp(s, scheme, slen) != 0)
		return false;
	host = s + slen;
	if ((colon = strrchr(host, ':')) == NULL || !isdigit((unsigned char)colon[1]) ||
	    strlen(colon + 1) > 5)
		return false;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return false;
	hlen = (size_t)(colon - host);
	if (hlen == 0 || (hlen == 1 && host[0] == '*'))
		return any_host;
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return false;
		for (q = host + 1; q < colon - 1; q++)
			if (!host_char(*q, true))
				return false;
		return true;
	}
	for (q = host; q < colon; q++)
		if (!host_char(*q, false))
			return false;
	return true;
}

/* An SQL name that needs no quoting and cannot be confused: [a-z_][a-z0-9_]*. */
static bool ident_valid(const char *s)
{
	if (!(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* A T_STR value into p->cfg: printable ASCII or UTF-8, shorter than its buffer. */
static int set_str(struct parse *p, const struct item *it, const char *value, size_t len)
{
	if (len >= it->max) {
		diag_add(p, p->lineno, PK_("[%s] %s: the value is longer than %u characters"),
		         it->section, it->name, (unsigned)it->max - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
			diag_add(p, p->lineno, PK_("[%s] %s: the value holds a control character"),
			         it->section, it->name);
			return -1;
		}
	}
	if ((it->flags & F_IDENT) && !ident_valid(value)) {
		diag_add(p, p->lineno, PK_("[%s] %s: '%.40s' is not %s"), it->section, it->name,
		         value, PK_("a name of a-z, 0-9 and _ that does not start with a digit"));
		return -1;
	}
	memcpy(field(it, &p->cfg), value, len + 1);
	return 0;
}

/* Stores value into p->cfg. Returns 0, or -1 after reporting what is wrong with it. */
static int set_value(struct parse *p, const struct item *it, const char *value)
{
	const struct unit *units = it->type == T_SIZE       ? config_size_units
	                           : it->type == T_DURATION ? config_duration_units
	                                                    : config_count_units;
	const char *what = it->type == T_SIZE ? PK_("a size (bytes, or a number with K or M)")
	                   : it->type == T_DURATION
	                       ? PK_("a duration (seconds, or a number with ms, s, m or h)")
	                       : PK_("a whole number");
	struct config_key *key;
	char allowed[128];
	uint64_t v;
	size_t len = strlen(value);
	int e;

	fmt_allowed(allowed, sizeof(allowed), it);
	switch (it->type) {
	case T_STR:
		return set_str(p, it, value, len);
	case T_URL:
		if (len >= CONFIG_URL_MAX) {
			diag_add(p, p->lineno, PK_("[%s] %s: the URL is longer than %d characters"),
			         it->section, it->name, CONFIG_URL_MAX - 1);
			return -1;
		}
		if (len > 0 &&
		    !url_valid(value, it->flags & (F_HTTP | F_HTTPS) ? "http://" : "tcp://",
		               it->flags & F_ANY_HOST) &&
		    !(it->flags & F_HTTPS && url_valid(value, "https://", false))) {
			diag_add(p, p->lineno, PK_("[%s] %s: '%.60s' is not %s, or empty"),
			         it->section, it->name, value, allowed);
			return -1;
		}
		memcpy(field(it, &p->cfg), value, len + 1);
		return 0;
	case T_KEY:
		key = field(it, &p->cfg);
		if (len == 0) {
			key->set = false;
			return 0;
		}
		if (len != 2 * PK_PUB_BYTES || pk_unhex(key->pub, PK_PUB_BYTES, value, len) != 0) {
			diag_add(p, p->lineno,
			         PK_("[%s] %s: expected %s, or empty (got %zu characters%s)"),
			         it->section, it->name, allowed, len,
			         len == 2 * PK_PUB_BYTES ? PK_(", not all hex") : "");
			return -1;
		}
		key->set = true;
		return 0;
	case T_ENUM:
		for (e = 0; it->names[e] != NULL; e++) {
			if (strcmp(value, it->names[e]) == 0) {
				memcpy(field(it, &p->cfg), &e, sizeof(e));
				return 0;
			}
		}
		diag_add(p, p->lineno, PK_("[%s] %s: '%.40s' is not one of %s"), it->section,
		         it->name, value, allowed);
		return -1;
	default:
		if (parse_number(value, units, &v) != 0) {
			diag_add(p, p->lineno, PK_("[%s] %s: '%.40s' is not %s; allowed %s"),
			         it->section, it->name, value, what, allowed);
			return -1;
		}
		if (v < it->min || v > it->max) {
			diag_add(p, p->lineno, PK_("[%s] %s: %.40s is out of range %s"),
			         it->section, it->name, value, allowed);
			return -1;
		}
		*(uint32_t *)field(it, &p->cfg) = (uint32_t)v;
		return 0;
	}
}

/* ---- reading the file */

static const struct item *find_item(const char *section, const char *name)
{
	for (size_t i = 0; i < config_nitems; i++)
		if (strcmp(config_items[i].section, section) == 0 &&
		    strcmp(config_items[i].name, name) == 0)
			return &config_items[i];
	return NULL;
}

/* The table's spelling of a section name, or NULL when there is no such section. */
static const char *find_section(const char *name, size_t len)
{
	for (size_t i = 0; i < config_nitems; i++)
		if (strlen(config_items[i].section) == len &&
		    memcmp(config_items[i].section, name, len) == 0)
			return config_items[i].section;
	return NULL;
}

/* "node, parent, sync, limits, log" or, with section set, that section's keys. */
static void list_names(char *buf, size_t n, const char *section)
{
	const char *prev = NULL, *s;
	size_t k;

	buf[0] = '\0';
	for (size_t i = 0; i < config_nitems; i++) {
		if (section != NULL && strcmp(config_items[i].section, section) != 0)
			continue;
		s = section != NULL ? config_items[i].name : config_items[i].section;
		if (prev != NULL && strcmp(prev, s) == 0)
			continue;
		k = strlen(buf);
		snprintf(buf + k, n - k, "%s%s", buf[0] ? ", " : "", s);
		prev = s;
	}
}

/* A "[name]" line (s starts with '[' and has no trailing blanks). */
static void section_header(struct parse *p, char *s)
{
	size_t len = strlen(s);
	char known[128];
	char *name, *end;

	p->section = NULL;
	p->skip = true;
	if (len < 2 || s[len - 1] != ']') {
		diag_add(p, p->lineno, PK_("expected ']' at the end of the section header '%.40s'"),
		         s);
		return;
	}
	name = s + 1;
	end = s + len - 1;
	while (name < end && isspace((unsigned char)*name))
		name++;
	while (end > name && isspace((unsigned char)end[-1]))
		end--;
	if ((p->section = find_section(name, (size_t)(end - name))) == NULL) {
		list_names(known, sizeof(known), NULL);
		diag_add(p, p->lineno, PK_("unknown section [%.*s] (sections: %s)"),
		         (int)(end - name > 40 ? 40 : end - name), name, known);
		return;
	}
	p->skip = false;
	p->section_line = p->lineno;
}

/*
 * Reads the next physical line and puts into buf (of num bytes) what is left of it to handle: a
 * trimmed "name = value" line, or "" for a blank line, a comment, a section header (handled
 * here) or a malformed line (reported here, with its number). NULL at the end of the file or on
 * a read error (read_errno).
 */
static char *next_line(struct parse *p, char *buf, int num)
{
	ssize_t n;
	size_t len;
	char *s, *e, *c;

	errno = 0;
	if ((n = getline(&p->line, &p->cap, p->f)) < 0) {
		if (ferror(p->f))
			p->read_errno = errno != 0 ? errno : EIO;
		return NULL;
	}
	p->lineno++;
	buf[0] = '\0';
	s = p->line;
	if ((size_t)n != strlen(s)) {
		diag_add(p, p->lineno, PK_("the line holds a NUL byte"));
		return buf;
	}
	if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3; /* a UTF-8 byte order mark */
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return buf;
	for (c = s + 1; *c != '\0'; c++) {
		if ((*c == ';' || *c == '#') && isspace((unsigned char)c[-1])) {
			*c = '\0'; /* a comment after the value */
			break;
		}
	}
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (*s == '[') {
		section_header(p, s);
		return buf;
	}
	if (strchr(s, '=') == NULL) {
		diag_add(p, p->lineno,
		         PK_("expected 'name = value', a [section] or a comment, not '%.40s'"), s);
		return buf;
	}
	if ((len = strlen(s)) + 1 > (size_t)num) {
		diag_add(p, p->lineno, PK_("the line is too long (at most %d characters)"),
		         num - 1);
		return buf;
	}
	memcpy(buf, s, len + 1);
	return buf;
}

/* One "name = value" line, name and value trimmed. Always goes on, to report every error. */
static int on_pair(struct parse *p, const char *name, const char *value)
{
	const struct item *it;
	char known[160];
	size_t i;

	if (p->skip)
		return 1;
	if (name[0] == '\0') {
		diag_add(p, p->lineno, PK_("expected a key name before '='"));
		return 1;
	}
	if (p->section == NULL) {
		diag_add(p, p->lineno, PK_("'%.40s' comes before any [section]"), name);
		return 1;
	}
	if ((it = find_item(p->section, name)) == NULL) {
		list_names(known, sizeof(known), p->section);
		diag_add(p, p->lineno, PK_("unknown key '%.40s' in [%s] (keys: %s)"), name,
		         p->section, known);
		return 1;
	}
	i = (size_t)(it - config_items);
	if (p->set_line[i] != 0) {
		diag_add(p, p->lineno, PK_("duplicate key '%s' in [%s] (first set on line %u)"),
		         it->name, it->section, p->set_line[i]);
		return 1;
	}
	p->set_line[i] = p->lineno;
	p->set_section[i] = p->section_line;
	p->bad[i] = set_value(p, it, value) != 0;
	return 1;
}

/*
 * Whether the host of a valid URL is a loopback address: 127.0.0.0/8 written as a dotted quad,
 * [::1] or localhost. Any other name might resolve anywhere, so it counts as remote.
 */
static bool url_loopback(const char *url)
{
	const char *host = strstr(url, "://") + 3, *colon = strrchr(host, ':');
	size_t hlen = (size_t)(colon - host);
	unsigned a, b, c, d;
	char tail;

	if ((hlen == 9 && strncmp(host, "localhost", 9) == 0) ||
	    (hlen == 5 && strncmp(host, "[::1]", 5) == 0))
		return true;
	return sscanf(host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 5 && tail == ':' &&
	       a == 127 && b < 256 && c < 256 && d < 256;
}

/* The rules between keys (needs, at_most, loopback_unless), once every line is read. */
static void check_relations(struct parse *p)
{
	const struct item *it, *other;
	char a[32], b[32];
	size_t i, j;
	unsigned line;

	for (i = 0; i < config_nitems; i++) {
		it = &config_items[i];
		if (p->bad[i])
			continue;
		if (it->needs != NULL && !is_empty(it, &p->cfg)) {
			other = find_item(it->section, it->needs);
			j = (size_t)(other - config_items);
			if (!p->bad[j] && is_empty(other, &p->cfg)) {
				line = p->set_line[j] != 0 ? p->set_line[j] : p->set_section[i];
				diag_add(p, line,
				         PK_("[%s] %s is missing: it is required when %s is set"),
				         it->section, other->name, it->name);
			}
		}
		if (it->at_most != NULL) {
			other = find_item(it->section, it->at_most);
			j = (size_t)(other - config_items);
			if (!p->bad[j] && *(const uint32_t *)cfield(it, &p->cfg) >
			                      *(const uint32_t *)cfield(other, &p->cfg)) {
				fmt_value(a, sizeof(a), it, &p->cfg);
				fmt_value(b, sizeof(b), other, &p->cfg);
				line = p->set_line[i] > p->set_line[j] ? p->set_line[i]
				                                       : p->set_line[j];
				diag_add(p, line, PK_("[%s] %s (%s) is greater than %s (%s)"),
				         it->section, it->name, a, other->name, b);
			}
		}
		if (it->loopback_unless != NULL && !is_empty(it, &p->cfg) &&
		    strncmp(cfield(it, &p->cfg), "https://", 8) != 0 &&
		    !url_loopback(cfield(it, &p->cfg))) {
			other = find_item(it->section, it->loopback_unless);
			j = (size_t)(other - config_items);
			if (!p->bad[j] && *(const int *)cfield(other, &p->cfg) == 0 &&
			    it->flags & F_HTTPS)
				diag_add(
				    p, p->set_line[i],
				    PK_("[%s] %s: %.60s is plain HTTP on an address that is not "
				        "loopback, so passwords would cross the network readable; "
				        "use https:// with [%s] tls_cert and tls_key ('pokjactl "
				        "web "
				        "cert' makes a pair), or set [%s] %s = yes"),
				    it->section, it->name, (const char *)cfield(it, &p->cfg),
				    it->section, it->section, other->name);
			else if (!p->bad[j] && *(const int *)cfield(other, &p->cfg) == 0)
				diag_add(
				    p, p->set_line[i],
				    PK_("[%s] %s: %.60s is not loopback (127.0.0.1, [::1], "
				        "localhost); "
				        "use one, or set [%s] %s = yes to serve metrics there"),
				    it->section, it->name, (const char *)cfield(it, &p->cfg),
				    it->section, other->name);
		}
	}
	/* https:// needs its certificate and key. */
	if (strncmp(p->cfg.web, "https://", 8) == 0 &&
	    (p->cfg.web_tls_cert[0] == '\0' || p->cfg.web_tls_key[0] == '\0')) {
		it = find_item("web", "listen");
		diag_add(
		    p, p->set_line[it - config_items],
		    PK_("[web] listen %.60s is https://: set [web] tls_cert and tls_key to the "
		        "certificate and key files ('pokjactl web cert' makes a self-signed pair)"),
		    p->cfg.web);
	}
}

void config_defaults(struct config *cfg)
{
	int e;

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < config_nitems; i++) {
		switch (config_items[i].type) {
		case T_URL:
		case T_KEY:
			break; /* empty, from the memset */
		case T_STR:
			if (config_items[i].str_def != NULL)
				snprintf(field(&config_items[i], cfg), config_items[i].max, "%s",
				         config_items[i].str_def);
			break;
		case T_ENUM:
			e = (int)config_items[i].def;
			memcpy(field(&config_items[i], cfg), &e, sizeof(e));
			break;
		default:
			*(uint32_t *)field(&config_items[i], cfg) = (uint32_t)config_items[i].def;
			break;
		}
	}
}

int config_read(FILE *f, const char *name, struct config *cfg, struct config_diag *d)
{
	struct config_diag local;
	struct parse *p;
	char buf[LINE_MAX_BYTES];
	int err = 0;

	if (d == NULL)
		d = &local;
	memset(d, 0, sizeof(*d));
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return PK_ENOMEM;
	p->f = f;
	p->name = name;
	p->d = d;
	config_defaults(&p->cfg);
	while (next_line(p, buf, sizeof(buf)) != NULL) {
		char *name_end, *value;

		if (buf[0] == '\0')
			continue; /* next_line checked that a non-empty line holds a '=' */
		name_end = strchr(buf, '=');
		value = name_end + 1;
		while (name_end > buf && isspace((unsigned char)name_end[-1]))
			name_end--;
		*name_end = '\0';
		while (isspace((unsigned char)*value))
			value++;
		on_pair(p, buf, value);
	}
	if (p->read_errno != 0) {
		diag_add(p, 0, PK_("cannot read: %s"), strerror(p->read_errno));
		err = PK_EIO;
		goto out;
	}
	check_relations(p);
	diag_sort(d);
	if (d->count > 0) {
		err = PK_EINVAL;
		goto out;
	}
	*cfg = p->cfg;
out:
	free(p->line);
	free(p);
	return err;
}

/* What a file that is not a regular file is, for the error ("FILE: is a directory; ..."). */
static const char *file_kind(mode_t m)
{
	/* TRANSLATORS: these complete "FILE: is %s; the configuration must be a regular file". */
	if (S_ISDIR(m))
		return PK_("a directory");
	if (S_ISFIFO(m))
		return PK_("a FIFO");
	if (S_ISCHR(m) || S_ISBLK(m))
		return PK_("a device");
	if (S_ISSOCK(m))
		return PK_("a socket");
	return PK_("not a regular file");
}

int config_load(const char *path, struct config *cfg, struct config_diag *d)
{
	struct parse p = {.name = path};
	struct config_diag local;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	FILE *f;
	int fd, err = PK_EIO;

	if (d == NULL)
		d = &local;
	memset(d, 0, sizeof(*d));
	p.d = d;
	/* O_NONBLOCK: a FIFO must not block the open; the type is checked before any read. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			config_defaults(cfg);
			return 0;
		}
		diag_add(&p, 0, PK_("cannot open: %s"), strerror(errno));
		return PK_EIO;
	}
	if (fstat(fd, &st) != 0) {
		diag_add(&p, 0, PK_("cannot read: %s"), strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(&p, 0, PK_("is %s; the configuration must be a regular file"),
		         file_kind(st.st_mode));
		err = PK_EINVAL;
		goto out;
	}
	/* Read at most one byte past the limit: a file that grows meanwhile is caught too. */
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	while (len <= CONFIG_FILE_MAX &&
	       (n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			diag_add(&p, 0, PK_("cannot read: %s"), strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX) {
		diag_add(&p, 0, PK_("is larger than %d bytes; a configuration is a few lines"),
		         CONFIG_FILE_MAX);
		err = PK_EINVAL;
		goto out;
	}
	if (len == 0) { /* every key at its default; fmemopen takes no empty buffer */
		config_defaults(cfg);
		err = 0;
		goto out;
	}
	if ((f = fmemopen(buf, len, "r")) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	err = config_read(f, path, cfg, d);
	fclose(f);
out:
	free(buf);
	close(fd);
	return err;
}

int config_print(FILE *f, const struct config *cfg)
{
	char value[CONFIG_STR_MAX], def[CONFIG_STR_MAX], allowed[128];
	const char *section = NULL;
	struct config defaults;
	const struct item *it;

	config_defaults(&defaults);
	fputs("# pokjad.conf: the settings of pokjad, read from the node folder when it starts.\n"
	      "# \"name = value\" lines under [section] headers; comments start with # or ;.\n"
	      "# Durations: seconds, or a number with ms, s, m or h (1500ms, 90s, 2m, 1h).\n"
	      "# Sizes: bytes, or a number with K or M (64K, 1M).\n",
	      f);
	for (size_t i = 0; i < config_nitems; i++) {
		it = &config_items[i];
		if (section == NULL || strcmp(section, it->section) != 0)
			fprintf(f, "\n[%s]\n", it->section);
		else
			fputc('\n', f);
		section = it->section;
		fmt_allowed(allowed, sizeof(allowed), it);
		fmt_value(def, sizeof(def), it, &defaults);
		fmt_value(value, sizeof(value), it, cfg);
		fprintf(f, "# %s\n# %s%s; default %s.\n%s =%s%s\n", it->doc, allowed,
		        is_empty(it, &defaults) ? ", or empty" : "", def[0] ? def : "empty",
		        it->name, value[0] ? " " : "", value);
	}
	return fflush(f) != 0 || ferror(f) ? PK_EIO : 0;
}
