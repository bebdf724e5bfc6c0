/*
 * recnorm.c: field values as people write them, made into the values the schema takes (see
 * recnorm.h).
 *
 * Each type reads its text here and nowhere else; the rules a value must then meet (ranges,
 * string lengths, the date, choice and code syntax) are proto/schema.c's, asked through
 * pk_field_check_*. Messages are whole sentences, one format string each, that name the field,
 * quote what was given (at most 40 bytes, control characters as '?') and say how to write it.
 */
#include "recnorm.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/region.h"
#include "proto/wilayah.h"
#include "i18n.h"
#include "sheet.h"

/* Room for a number's text; longer text is no number. */
#define NUM_TEXT_MAX 64
/* Words compared for a suggestion ("did you mean ...?") are at most this long. */
#define WORD_MAX 64

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *recnorm_trim(const char *s, size_t *len)
{
	while (*len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

/*
 * What was given, for a message: at most 40 bytes (cut where a UTF-8 character starts, then
 * "..."), control characters as '?', so that a hostile value cannot garble a line.
 */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = len < 40 && len < size - 4 ? len : (size - 4 < 40 ? size - 4 : 40);

	if (n < len)
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* Whether s[0..len) equals word, letters compared without case and runs of spaces as one. */
static bool same_words(const char *word, const char *s, size_t len)
{
	size_t i = 0;

	for (; *word != '\0'; word++) {
		if (i == len || lower(*word) != lower(s[i]))
			return false;
		i++;
		if (*word == ' ')
			while (i < len && s[i] == ' ')
				i++;
	}
	return i == len;
}

/* The edit distance (insertions, deletions, substitutions) between a and b, letters compared
 * without case; both at most WORD_MAX bytes. O(alen * blen). */
static size_t distance(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t row[WORD_MAX + 1];

	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t up = row[j];
			size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[blen];
}

/* The word of the NULL-ended list nearest to s when it is a close misspelling of one (at most
 * two edits, and fewer than half the word's letters), else NULL. The first wins a tie. */
static const char *nearest(const char *const *words, const char *s, size_t len)
{
	const char *best = NULL;
	size_t best_d = 3;

	if (len > WORD_MAX)
		return NULL;
	for (; *words != NULL; words++) {
		size_t wlen = strlen(*words), dist;

		if (wlen > WORD_MAX)
			continue;
		dist = distance(*words, wlen, s, len);
		if (dist < best_d && dist * 2 < wlen) {
			best = *words;
			best_d = dist;
		}
	}
	return best;
}

/* ---- months */

/* The names of the months, Indonesian and English, with their common abbreviations. */
static const struct {
	const char *name;
	int month;
} month_names[] = {
    {"januari", 1},   {"january", 1},  {"jan", 1},       {"februari", 2},  {"pebruari", 2},
    {"february", 2},  {"feb", 2},      {"peb", 2},       {"maret", 3},     {"march", 3},
    {"mar", 3},       {"april", 4},    {"apr", 4},       {"mei", 5},       {"may", 5},
    {"juni", 6},      {"june", 6},     {"jun", 6},       {"juli", 7},      {"july", 7},
    {"jul", 7},       {"agustus", 8},  {"august", 8},    {"agu", 8},       {"agt", 8},
    {"ags", 8},       {"aug", 8},      {"september", 9}, {"sep", 9},       {"sept", 9},
    {"oktober", 10},  {"october", 10}, {"okt", 10},      {"oct", 10},      {"november", 11},
    {"nopember", 11}, {"nov", 11},     {"nop", 11},      {"desember", 12}, {"december", 12},
    {"des", 12},      {"dec", 12},
};

/* The Indonesian names, for suggestions; and the English ones, for messages (marked for the
 * catalog, translated where used: Indonesian messages name the month in Indonesian). */
static const char *const bulan[] = {"Januari",  "Februari", "Maret",   "April",     "Mei",
                                    "Juni",     "Juli",     "Agustus", "September", "Oktober",
                                    "November", "Desember", NULL};
static const char *const month_en[] = {
    N_("January"), N_("February"), N_("March"),     N_("April"),   N_("May"),      N_("June"),
    N_("July"),    N_("August"),   N_("September"), N_("October"), N_("November"), N_("December")};

/* The month (1..12) a name or abbreviation in s[0..len) names, in any letter case and with a
 * dot after it ("Agt."), or 0. */
static int month_number(const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	for (size_t i = 0; i < sizeof(month_names) / sizeof(month_names[0]); i++)
		if (same_words(month_names[i].name, s, len))
			return month_names[i].month;
	return 0;
}

/* Whether an integer field holds a month: the schema says so in its meaning, as it says which
 * integers are rupiah (sheet_field_kind). */
static bool month_field(const struct pk_field *f)
{
	return f->type == PK_T_INT && f->min >= 1 && f->max <= 12 && f->doc != NULL &&
	       strncmp(f->doc, "month", 5) == 0;
}

static int days_in(int year, int month)
{
	static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return mdays[month - 1];
}

/* ---- numbers */

enum numread {
	NR_OK,
	NR_BAD,       /* no number */
	NR_GROUPING,  /* whole number wanted, and its dots group nothing: "1.5" */
	NR_FRACTION,  /* whole number wanted, and it has a fraction: "12,5" */
	NR_AMBIGUOUS, /* "1.250" for a field with fractions, as a person typed it */
	NR_RANGE,     /* beyond what 64 bits hold */
};

static bool digits_only(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return len > 0;
}

/* Whether s (digits and dots only) groups thousands with dots: 1.250 or 12.500.000. */
static bool grouped(const char *s, size_t len)
{
	size_t run = 0, groups = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (run == 0 || (groups > 0 && run != 3) || run > 3)
				return false;
			groups++;
			run = 0;
		} else if (is_digit(s[i])) {
			run++;
		} else {
			return false;
		}
	}
	return groups > 0 && run == 3;
}

/*
 * The number in s[0..len) as C text that strtoll (whole) or strtod reads, in out, by the rules
 * of recnorm.h's RECNORM_* flags in how. A whole number's fraction of zeros ("15.000.000,00")
 * is left out. An exponent ("2.5e-7", as export writes some numbers) is read for fractions only.
 */
static enum numread number_text(const char *s, size_t len, unsigned how, bool whole,
                                char out[NUM_TEXT_MAX])
{
	size_t o = 0, i = 0, end = len, comma = len, dots = 0, ilen, flen = 0;
	const char *ip, *fp = NULL;

	if (len == 0 || len >= NUM_TEXT_MAX)
		return NR_BAD;
	if (s[0] == '-' || s[0] == '+')
		out[o++] = s[i++];
	for (size_t k = i; k < len; k++)
		if (s[k] == 'e' || s[k] == 'E') {
			size_t e = k + 1 + (k + 1 < len && (s[k + 1] == '-' || s[k + 1] == '+'));

			if (whole || !digits_only(s + e, len - e))
				return NR_BAD;
			end = k;
			break;
		}
	for (size_t k = i; k < end; k++) {
		if (s[k] == ',') {
			if (comma != len || (how & RECNORM_POINT))
				return NR_BAD;
			comma = k;
		} else if (s[k] == '.') {
			dots++;
		} else if (!is_digit(s[k])) {
			return NR_BAD;
		}
	}
	ip = s + i;
	if (comma != len) {
		/* A decimal comma: the dots before it, if any, group thousands. */
		ilen = comma - i;
		fp = s + comma + 1;
		flen = end - comma - 1;
		if (!digits_only(fp, flen) ||
		    (dots > 0 ? !grouped(ip, ilen) : !digits_only(ip, ilen)))
			return NR_BAD;
	} else if (dots == 0) {
		ilen = end - i;
	} else if (grouped(ip, end - i)) {
		/* 1.250 or 1.250.000: thousands, except a lone group where dots are decimal points
		 * (a CSV file with ',' between cells), or ambiguous in text a person typed. */
		ilen = end - i;
		if (!whole && dots == 1 && (how & RECNORM_POINT)) {
			ilen = (size_t)((const char *)memchr(ip, '.', end - i) - ip);
			fp = ip + ilen + 1;
			flen = end - i - ilen - 1;
		} else if (!whole && dots == 1 && !(how & RECNORM_COMMA)) {
			return NR_AMBIGUOUS;
		}
	} else {
		/* One dot that groups nothing: a decimal point ("12.5"), no whole number. */
		if (dots > 1)
			return NR_BAD;
		if (whole)
			return NR_GROUPING;
		ilen = (size_t)((const char *)memchr(ip, '.', end - i) - ip);
		fp = ip + ilen + 1;
		flen = end - i - ilen - 1;
		if (ilen == 0 || flen == 0)
			return NR_BAD;
	}
	for (size_t k = 0; k < ilen; k++)
		if (ip[k] != '.')
			out[o++] = ip[k];
	if (o == 0 || !is_digit(out[o - 1]))
		return NR_BAD;
	if (fp != NULL && whole) {
		for (size_t k = 0; k < flen; k++)
			if (fp[k] != '0')
				return NR_FRACTION;
	} else if (fp != NULL) {
		out[o++] = '.';
		memcpy(out + o, fp, flen);
		o += flen;
	}
	if (end != len) {
		memcpy(out + o, s + end, len - end);
		o += len - end;
	}
	out[o] = '\0';
	return NR_OK;
}

/* "Rp", "Rp." or "Rp " in front of s, in any letter case: its length, or 0. */
static size_t rupiah_prefix(const char *s, size_t len)
{
	size_t n;

	if (len < 2 || lower(s[0]) != 'r' || lower(s[1]) != 'p')
		return 0;
	n = 2;
	if (n < len && s[n] == '.')
		n++;
	while (n < len && s[n] == ' ')
		n++;
	return n;
}

static int int_text(const struct pk_field *f, const char *s, size_t len, unsigned how, json_t **out,
                    struct pk_diag *d)
{
	bool rupiah = sheet_field_kind(f) == SK_RUPIAH;
	char num[NUM_TEXT_MAX], buf[48], *end;
	const char *t = s;
	size_t tlen = len, rp;
	long long x;
	int m;

	shown(s, len, buf, sizeof(buf));
	if (month_field(f) && len > 0 && !is_digit(s[0])) {
		const char *near;

		if ((m = month_number(s, len)) > 0) {
			if (pk_field_check_int(f, m, d) != 0)
				return PK_ESCHEMA;
			return (*out = json_integer(m)) != NULL ? 0 : PK_ENOMEM;
		}
		if ((near = nearest(bulan, s, len)) != NULL)
			return pk_diagf(
			    d, PK_ESCHEMA,
			    _("field '%s': \"%s\" is not a month; did you mean %s? (1 to 12 "
			      "or a month's name: Maret, Mar, March)"),
			    f->name, buf, near);
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" is not a month; write 1 to 12 or a month's name "
		      "(Maret, Mar, March)"),
		    f->name, buf);
	}
	if ((rp = rupiah_prefix(t, tlen)) > 0) {
		if (!rupiah)
			return pk_diagf(
			    d, PK_ESCHEMA,
			    _("field '%s': \"%s\" is not an amount of rupiah; write the whole "
			      "number without Rp"),
			    f->name, buf);
		t += rp;
		tlen -= rp;
	}
	/* "15.000.000,-": the dash says "no sen". */
	if (rupiah && tlen >= 2 && (t[tlen - 2] == ',' || t[tlen - 2] == '.') && t[tlen - 1] == '-')
		tlen -= 2;
	switch (number_text(t, tlen, how, true, num)) {
	case NR_OK:
		break;
	case NR_GROUPING:
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" is not a whole number: a dot groups thousands, "
		      "three digits at a time (1.500 is one thousand five hundred)"),
		    f->name, buf);
	case NR_FRACTION:
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" has a fraction; the field takes a whole number"), f->name,
		    buf);
	default:
		if (rupiah)
			return pk_diagf(
			    d, PK_ESCHEMA,
			    _("field '%s': \"%s\" is not an amount of rupiah; write it as "
			      "15000000, 15.000.000 or Rp 15.000.000"),
			    f->name, buf);
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': \"%s\" is not a whole number; write it with digits "
		                  "(1250), dots may group thousands (1.250)"),
		                f->name, buf);
	}
	errno = 0;
	x = strtoll(num, &end, 10);
	if (errno != 0 || *end != '\0')
		return pk_diagf(d, PK_ESCHEMA, _("field '%s': \"%s\" is outside %lld..%lld"),
		                f->name, buf, (long long)f->min, (long long)f->max);
	if (pk_field_check_int(f, x, d) != 0)
		return PK_ESCHEMA;
	return (*out = json_integer(x)) != NULL ? 0 : PK_ENOMEM;
}

static int num_text(const struct pk_field *f, const char *s, size_t len, unsigned how, json_t **out,
                    struct pk_diag *d)
{
	char num[NUM_TEXT_MAX], buf[48], *end;
	double x;

	shown(s, len, buf, sizeof(buf));
	switch (number_text(s, len, how, false, num)) {
	case NR_OK:
		break;
	case NR_AMBIGUOUS:
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" could be a fraction or a thousands group; write "
		      "a fraction with a decimal comma (1,25) and a whole number without "
		      "dots (1250)"),
		    f->name, buf);
	default:
		if (how & RECNORM_POINT)
			return pk_diagf(
			    d, PK_ESCHEMA,
			    _("field '%s': \"%s\" is not a number; write it as 12.5 (this "
			      "file has ',' between cells, so a dot is the decimal point)"),
			    f->name, buf);
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" is not a number; write it as 12,5 or 1.250.000 "
		      "(a decimal comma, dots grouping thousands)"),
		    f->name, buf);
	}
	x = strtod(num, &end);
	if (*end != '\0' || !isfinite(x))
		return pk_diagf(d, PK_ESCHEMA, _("field '%s': \"%s\" is outside %lld..%lld"),
		                f->name, buf, (long long)f->min, (long long)f->max);
	if (pk_field_check_num(f, x, d) != 0)
		return PK_ESCHEMA;
	return (*out = json_real(x)) != NULL ? 0 : PK_ENOMEM;
}

/* ---- dates */

/* A number of 1 to n digits in s[0..len), or -1. */
static int small_number(const char *s, size_t len, size_t n)
{
	int v = 0;

	if (len == 0 || len > n || !digits_only(s, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * A date as YYYY-MM-DD, or the day first as Indonesians write it: "17-08-2026", "17/08/2026",
 * "17.08.2026", "17 Agustus 2026", "17 Agt 2026" (any month name of month_names).
 */
static int date_text(const struct pk_field *f, const char *s, size_t len, json_t **out,
                     struct pk_diag *d)
{
	const char *tok[3];
	size_t tlen[3], n = 0, i = 0;
	char buf[48], iso[40];
	int y, m, day;

	shown(s, len, buf, sizeof(buf));
	while (i < len) {
		size_t start;

		while (i < len && strchr(" -/.,", s[i]) != NULL)
			i++;
		if (i == len)
			break;
		if (n == 3)
			goto bad;
		start = i;
		while (i < len && strchr(" -/.,", s[i]) == NULL)
			i++;
		tok[n] = s + start;
		tlen[n++] = i - start;
	}
	if (n != 3)
		goto bad;
	if (tlen[0] == 4 && digits_only(tok[0], 4)) {
		y = small_number(tok[0], tlen[0], 4);
		m = small_number(tok[1], tlen[1], 2);
		day = small_number(tok[2], tlen[2], 2);
	} else {
		day = small_number(tok[0], tlen[0], 2);
		m = digits_only(tok[1], tlen[1]) ? small_number(tok[1], tlen[1], 2)
		                                 : month_number(tok[1], tlen[1]);
		if (m == 0 && !digits_only(tok[1], tlen[1]))
			goto bad; /* no month's name */
		if (day >= 0 && m > 0 && digits_only(tok[2], tlen[2]) && tlen[2] != 4)
			return pk_diagf(d, PK_ESCHEMA,
			                _("field '%s': \"%s\" has no four-digit year; write it as "
			                  "17/08/2026 or 2026-08-17"),
			                f->name, buf);
		y = tlen[2] == 4 ? small_number(tok[2], tlen[2], 4) : -1;
	}
	if (y < 0 || m < 0 || day < 0)
		goto bad;
	if (m < 1 || m > 12)
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': \"%s\" is not a date: there is no month %d (the day "
		                  "comes first: 17/08/2026)"),
		                f->name, buf, m);
	if (y < 1900 || y > 2999)
		return pk_diagf(
		    d, PK_ESCHEMA,
		    _("field '%s': \"%s\" is not a date this system takes: the year must "
		      "be 1900 to 2999"),
		    f->name, buf);
	if (day < 1 || day > days_in(y, m))
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': \"%s\" is not a date: %s %d has no day %d"), f->name,
		                buf, _(month_en[m - 1]), y, day);
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, day);
	if (pk_field_check_str(f, iso, strlen(iso), d) != 0)
		return PK_ESCHEMA;
	return (*out = json_string(iso)) != NULL ? 0 : PK_ENOMEM;
bad:
	return pk_diagf(d, PK_ESCHEMA,
	                _("field '%s': \"%s\" is not a date; write it as 2026-08-17, 17-08-2026, "
	                  "17/08/2026 or 17 Agustus 2026 (the day first)"),
	                f->name, buf);
}

/* ---- choices, regions, lists, true/false */

static int enum_text(const struct pk_field *f, const char *s, size_t len, json_t **out,
                     struct pk_diag *d)
{
	char list[200], buf[48];
	const char *near;

	for (const char *const *ch = f->choices; *ch != NULL; ch++)
		if (same_words(*ch, s, len))
			return (*out = json_string(*ch)) != NULL ? 0 : PK_ENOMEM;
	pk_field_choices(f, list, sizeof(list));
	shown(s, len, buf, sizeof(buf));
	if ((near = nearest(f->choices, s, len)) != NULL)
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': \"%s\" is not one of %s; did you mean \"%s\"?"),
		                f->name, buf, list, near);
	return pk_diagf(d, PK_ESCHEMA, _("field '%s': \"%s\" is not one of %s"), f->name, buf,
	                list);
}

int recnorm_region(const char *s, size_t len, bool listed, struct pk_diag *d)
{
	const struct pk_wilayah *w;
	char buf[48];

	if (!pk_region_valid(s, len)) {
		shown(s, len, buf, sizeof(buf));
		if ((w = pk_wilayah_undotted(s, len)) != NULL)
			return pk_diagf(d, PK_EREGION,
			                _("'%s' is not a region code; did you mean %s (%s)?"), buf,
			                w->code, w->name);
		return pk_diagf(d, PK_EREGION,
		                _("'%s' is not a region code (forms: 32, 32.75, 32.75.01, "
		                  "32.75.01.1001; \"\" for the whole country)"),
		                buf);
	}
	if (listed && pk_wilayah_find(s, len) == NULL)
		return pk_diagf(
		    d, PK_EREGION,
		    _("region '%s' is not on the official Kemendagri list (find a code by "
		      "name with 'pokjactl wilayah NAME')"),
		    s);
	return 0;
}

static int region_text(const struct pk_field *f, const char *s, size_t len, unsigned how,
                       json_t **out, struct pk_diag *d)
{
	struct pk_diag why;

	if (recnorm_region(s, len, (how & RECNORM_LISTED) != 0, &why) != 0)
		return pk_diagf(d, PK_ESCHEMA, _("field '%s': %s"), f->name, why.msg);
	if (pk_field_check_str(f, s, len, d) != 0)
		return PK_ESCHEMA;
	return (*out = json_stringn(s, len)) != NULL ? 0 : PK_ENOMEM;
}

/* What a JSON value is, for messages: marked for the catalog, translated where used. */
static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return N_("an object");
	case JSON_ARRAY:
		return N_("an array");
	case JSON_STRING:
		return N_("a string");
	case JSON_INTEGER:
		return N_("an integer");
	case JSON_REAL:
		return N_("a number with a fraction");
	case JSON_TRUE:
	case JSON_FALSE:
		return N_("true/false");
	case JSON_NULL:
		return N_("null");
	}
	return N_("unknown");
}

/* `want` is marked with N_() by the caller and translated here. */
static int wrong_type(const struct pk_field *f, const char *want, const json_t *v,
                      struct pk_diag *d)
{
	return pk_diagf(d, PK_ESCHEMA, _("field '%s': expected %s, not %s"), f->name, _(want),
	                _(json_kind(v)));
}

/* Checks a JSON array as a list field's value. */
static int list_check(const struct pk_field *f, const json_t *arr, struct pk_diag *d)
{
	size_t n = json_array_size(arr);

	if (n > PK_LIST_MAX)
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': %zu items, more than the limit of %d"), f->name, n,
		                PK_LIST_MAX);
	for (size_t k = 0; k < n; k++) {
		const json_t *item = json_array_get(arr, k);

		if (!json_is_string(item))
			return pk_diagf(d, PK_ESCHEMA,
			                _("field '%s': item %zu is %s, not a string"), f->name,
			                k + 1, _(json_kind(item)));
		if (pk_field_check_str(f, json_string_value(item), json_string_length(item), d) !=
		    0)
			return PK_ESCHEMA;
	}
	return 0;
}

/* A comma list "a, b,c" as a JSON array of its items, spaces around each trimmed and empty
 * items left out ("" is the empty list). NULL when out of memory. */
static json_t *comma_list(const char *s, size_t len)
{
	json_t *arr = json_array();
	size_t i = 0;

	while (arr != NULL && i < len) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t end = comma != NULL ? (size_t)(comma - s) : len, ilen = end - i;
		const char *item = recnorm_trim(s + i, &ilen);

		if (ilen > 0 && json_array_append_new(arr, json_stringn(item, ilen)) != 0) {
			json_decref(arr);
			return NULL;
		}
		i = end + 1;
	}
	return arr;
}

/* A list written as text: JSON array text ("[\"a\",\"b\"]") or a comma list ("a, b"). */
static int list_text(const struct pk_field *f, const char *s, size_t len, json_t **out,
                     struct pk_diag *d)
{
	size_t tlen = len;
	json_error_t jerr;
	char buf[48];
	json_t *v;

	if (len == 0 || recnorm_trim(s, &tlen)[0] != '[')
		v = comma_list(s, len);
	else if ((v = json_loadb(s, len, JSON_DECODE_ANY, &jerr)) == NULL || !json_is_array(v)) {
		json_decref(v);
		return pk_diagf(d, PK_ESCHEMA,
		                _("field '%s': \"%s\" is not a list; write JSON array text such as "
		                  "[\"a\",\"b\"] or the items with commas between them (a, b)"),
		                f->name, shown(s, len, buf, sizeof(buf)));
	}
	if (v == NULL)
		return PK_ENOMEM;
	if (list_check(f, v, d) != 0) {
		json_decref(v);
		return PK_ESCHEMA;
	}
	*out = v;
	return 0;
}

static int bool_text(const struct pk_field *f, const char *s, size_t len, json_t **out,
                     struct pk_diag *d)
{
	static const char *const yes[] = {"true", "ya", "benar", NULL};
	static const char *const no[] = {"false", "tidak", "salah", NULL};
	char buf[48];

	for (int i = 0; yes[i] != NULL; i++) {
		if (same_words(yes[i], s, len))
			return (*out = json_true()) != NULL ? 0 : PK_ENOMEM;
		if (same_words(no[i], s, len))
			return (*out = json_false()) != NULL ? 0 : PK_ENOMEM;
	}
	return pk_diagf(d, PK_ESCHEMA,
	                _("field '%s': \"%s\" is not true or false (ya/tidak and benar/salah also "
	                  "do)"),
	                f->name, shown(s, len, buf, sizeof(buf)));
}

/* A field's value written as text, by its type. */
static int text_value(const struct pk_field *f, const char *s, size_t len, unsigned how,
                      json_t **out, struct pk_diag *d)
{
	const char *t = s;
	size_t tlen = len;

	if (f->type != PK_T_STR && f->type != PK_T_TEXT && f->type != PK_T_STRLIST)
		t = recnorm_trim(s, &tlen);
	switch (f->type) {
	case PK_T_INT:
		return int_text(f, t, tlen, how, out, d);
	case PK_T_NUM:
		return num_text(f, t, tlen, how, out, d);
	case PK_T_DATE:
		return date_text(f, t, tlen, out, d);
	case PK_T_ENUM:
		return enum_text(f, t, tlen, out, d);
	case PK_T_REGION:
		return region_text(f, t, tlen, how, out, d);
	case PK_T_BOOL:
		return bool_text(f, t, tlen, out, d);
	case PK_T_STRLIST:
		return list_text(f, t, tlen, out, d);
	case PK_T_REF:
	case PK_T_STR:
	case PK_T_TEXT:
		break;
	}
	if (pk_field_check_str(f, t, tlen, d) != 0)
		return PK_ESCHEMA;
	return (*out = json_stringn(t, tlen)) != NULL ? 0 : PK_ENOMEM;
}

int recnorm_value(const struct pk_field *f, json_t *v, unsigned how, json_t **out,
                  struct pk_diag *d)
{
	double x;
	int err;

	*out = NULL;
	if (json_is_string(v)) {
		err = text_value(f, json_string_value(v), json_string_length(v), how, out, d);
		goto out;
	}
	switch (f->type) {
	case PK_T_INT:
		if (json_is_integer(v)) {
			if (pk_field_check_int(f, json_integer_value(v), d) != 0)
				return PK_ESCHEMA;
			break;
		}
		if (!json_is_real(v))
			return wrong_type(f, N_("an integer"), v, d);
		/* 12.0 is 12 (some tools write reals); 12.5 is no integer. */
		x = json_real_value(v);
		if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) ||
		    (double)(int64_t)x != x)
			return pk_diagf(d, PK_ESCHEMA, _("field '%s': expected an integer, not %g"),
			                f->name, x);
		if (pk_field_check_int(f, (int64_t)x, d) != 0)
			return PK_ESCHEMA;
		*out = json_integer((json_int_t)x);
		err = 0;
		goto out;
	case PK_T_NUM:
		if (!json_is_number(v))
			return wrong_type(f, N_("a number"), v, d);
		if (pk_field_check_num(f, json_number_value(v), d) != 0)
			return PK_ESCHEMA;
		break;
	case PK_T_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(f, N_("true or false"), v, d);
		break;
	case PK_T_STRLIST:
		if (!json_is_array(v))
			return wrong_type(f, N_("an array of strings"), v, d);
		if (list_check(f, v, d) != 0)
			return PK_ESCHEMA;
		break;
	case PK_T_DATE:
		return wrong_type(f, N_("a date string YYYY-MM-DD"), v, d);
	default:
		return wrong_type(f, N_("a string"), v, d);
	}
	*out = json_incref(v);
	return 0;
out:
	if (err == PK_ENOMEM || (err == 0 && *out == NULL))
		return pk_diagf(d, PK_ENOMEM, _("out of memory"));
	return err;
}
