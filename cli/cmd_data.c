/* cmd_data.c: the record commands: put, get, list, del, import. */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/wilayah.h"
#include "recjson.h"

#define JSON_INPUT_MAX (1u << 20)    /* one record's JSON text */
#define IMPORT_MAX ((size_t)4 << 30) /* a whole import file, read into memory */

/* A record parsed from JSON, ready to become one op. */
struct rec_in {
	const struct pk_collection *coll;
	char region[PK_REGION_MAX + 1];
	char key[PK_KEY_MAX + 1];
	uint8_t *value;
	size_t value_len;
};

/* A new record key: 48 bits of milliseconds and 80 random bits in Crockford base32 (26
 * characters), so keys sort by creation time and never collide in practice. */
static void new_key(char out[27])
{
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t b[16];
	uint64_t ms = node_now_ms();
	unsigned acc = 0, bits = 0;
	int o = 0;

	for (int i = 5; i >= 0; i--, ms >>= 8)
		b[i] = (uint8_t)ms;
	pk_random(b + 6, 10);
	/* 128 bits as 26 base32 digits: two leading zero bits pad the first digit. */
	bits = 2;
	for (int i = 0; i < 16; i++) {
		acc = (acc << 8) | b[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = digits[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
}

/* Takes a string member out of obj into buf. Returns 0, or PK_ESCHEMA when it is not a string
 * or too long. Absent leaves buf untouched and returns 0. */
static int take_str(json_t *obj, const char *name, char *buf, size_t cap, bool *present,
                    struct pk_diag *d)
{
	json_t *v = json_object_get(obj, name);

	*present = false;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return pk_diagf(d, PK_ESCHEMA, "'%s' must be a string of at most %zu bytes", name,
		                cap - 1);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	*present = true;
	json_object_del(obj, name);
	return 0;
}

/*
 * Turns a JSON object into a record of collection `coll_name` (or of the collection its
 * "collection" member names, when coll_name is NULL), for a node in region `home`. key, when
 * not NULL, is the key given on the command line. Consumes members key/wilayah/collection.
 */
static int record_from_json(json_t *obj, const char *coll_name, const char *key, const char *home,
                            struct rec_in *r, struct pk_diag *d)
{
	char coll[PK_COLL_MAX + 1] = "", jkey[PK_KEY_MAX + 1];
	bool has_coll, has_key, has_region;
	int err;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj))
		return pk_diagf(d, PK_ESCHEMA, "a record must be a JSON object");
	if ((err = take_str(obj, "collection", coll, sizeof(coll), &has_coll, d)) != 0 ||
	    (err = take_str(obj, "key", jkey, sizeof(jkey), &has_key, d)) != 0 ||
	    (err = take_str(obj, "wilayah", r->region, sizeof(r->region), &has_region, d)) != 0)
		return err;
	if (coll_name != NULL && has_coll && strcmp(coll, coll_name) != 0)
		return pk_diagf(d, PK_ESCHEMA, "'collection' says '%s' but the command says '%s'",
		                coll, coll_name);
	if (coll_name == NULL && !has_coll)
		return pk_diagf(d, PK_ESCHEMA, "no 'collection' member");
	if (coll_name == NULL)
		coll_name = coll;
	r->coll = pk_schema_find(coll_name, strlen(coll_name));
	if (r->coll == NULL)
		return pk_diagf(d, PK_ESCHEMA, "unknown collection '%s' (see 'pokjactl schema')",
		                coll_name);
	if (key != NULL && has_key && strcmp(key, jkey) != 0)
		return pk_diagf(d, PK_ESCHEMA, "'key' says '%s' but the command says '%s'", jkey,
		                key);
	if (key == NULL && has_key)
		key = jkey;
	if (key != NULL && !pk_key_valid(key, strlen(key)))
		return pk_diagf(d, PK_ESCHEMA,
		                "key '%.40s' is not 1 to %d characters of "
		                "A-Z a-z 0-9 . _ : -",
		                key, PK_KEY_MAX);
	if (key != NULL)
		snprintf(r->key, sizeof(r->key), "%s", key);
	else
		new_key(r->key);
	if (!has_region)
		snprintf(r->region, sizeof(r->region), "%s", home);
	if ((err = cli_region_ok(r->region, home, d)) != 0)
		return err;
	return recjson_encode(r->coll, obj, &r->value, &r->value_len, d);
}

static void rec_op(const struct rec_in *r, struct pk_op *op)
{
	pk_op_set(op, r->coll->name, r->region, r->key, r->value, r->value_len);
}

int cmd_put(struct cli *c, int argc, char **argv)
{
	const char *text = NULL;
	struct cli_opt opts[] = {{"json", &text, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	struct store_node node;
	struct store_written w;
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct rec_in r = {0};
	struct pk_op op;
	json_error_t jerr;
	json_t *obj = NULL;
	char *pos[2];
	size_t len;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 2, &npos)) != 0)
		return rc;
	if (text == NULL) {
		fprintf(stderr, "pokjactl put: --json JSON (or --json - for stdin) is required\n");
		return cli_usage(c);
	}
	if (strcmp(text, "-") == 0) {
		if ((rc = cli_read_file(c, "-", JSON_INPUT_MAX, &buf, &len)) != 0)
			return rc;
		obj = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	} else {
		obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (obj == NULL) {
		rc = cli_fail(c, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		              jerr.column);
		goto out;
	}
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	if ((err = record_from_json(obj, pos[0], npos > 1 ? pos[1] : NULL, node.region, &r, &d)) !=
	    0) {
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	}
	rec_op(&r, &op);
	if ((err = store_write(s, sec, &op, 1, node_now_ms(), &w, NULL, NULL, &d)) != 0) {
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	printf("%s\n", r.key);
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	json_decref(obj);
	free(r.value);
	free(buf);
	return rc;
}

/* A record copied out of a store callback. */
struct found {
	char region[PK_REGION_MAX + 1];
	char key[PK_KEY_MAX + 1];
	uint8_t *value;
	size_t value_len;
};

struct found_list {
	struct found f[16];
	int n;
};

static int collect(const struct store_record *r, void *arg)
{
	struct found_list *l = arg;
	struct found *f;

	if (l->n == 16)
		return 1;
	f = &l->f[l->n];
	snprintf(f->region, sizeof(f->region), "%s", r->region);
	snprintf(f->key, sizeof(f->key), "%s", r->key);
	f->value = malloc(r->value_len ? r->value_len : 1);
	if (f->value == NULL)
		return -1;
	memcpy(f->value, r->value, r->value_len);
	f->value_len = r->value_len;
	l->n++;
	return 0;
}

static void found_free(struct found_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->f[i].value);
	l->n = 0;
}

/* Finds the one live record coll/key (in region when given). Prints the error itself. */
static int find_one(const struct cli *c, struct store *s, const char *coll, const char *key,
                    const char *region, struct found_list *l)
{
	int n;

	if (pk_schema_find(coll, strlen(coll)) == NULL)
		return cli_fail(c, "unknown collection '%s' (see 'pokjactl schema')", coll);
	if (!pk_key_valid(key, strlen(key)))
		return cli_fail(c, "'%.40s' is not a record key", key);
	if (region != NULL && !pk_region_valid(region, strlen(region)))
		return cli_fail(c, "'%.20s' is not a region code", region);
	l->n = 0;
	n = store_get(s, coll, key, region, collect, l);
	if (n < 0)
		return cli_fail(c, "%s", pk_strerror(n));
	if (l->n == 0)
		return cli_fail(c, "no record %s/%s%s%s", coll, key, region ? " in region " : "",
		                region ? region : "");
	if (l->n > 1) {
		fprintf(stderr, "pokjactl %s: %s/%s exists in %d regions:", c->cmd, coll, key,
		        l->n);
		for (int i = 0; i < l->n; i++)
			fprintf(stderr, " %s", l->f[i].region[0] ? l->f[i].region : "\"\"");
		fprintf(stderr, "; choose one with --region\n");
		found_free(l);
		return EXIT_FAIL;
	}
	return 0;
}

/* {"key":..., "wilayah":..., fields...}, or NULL when the value does not decode. */
static json_t *record_json(const struct pk_collection *coll, const char *key, const char *region,
                           const uint8_t *value, size_t len)
{
	json_t *o = json_pack("{s:s, s:s}", "key", key, "wilayah", region);

	if (o != NULL && recjson_decode(coll, value, len, o) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void print_record_text(const char *coll, json_t *o)
{
	const struct pk_wilayah *w;
	const char *name, *region = json_string_value(json_object_get(o, "wilayah"));
	json_t *v;

	printf("%s/%s\n", coll, json_string_value(json_object_get(o, "key")));
	w = pk_wilayah_find(region, strlen(region));
	printf("  %-22s %s%s%s\n", "wilayah", region[0] ? region : "\"\" (nasional)",
	       w && region[0] ? " " : "", w && region[0] ? w->name : "");
	json_object_foreach(o, name, v)
	{
		if (strcmp(name, "key") == 0 || strcmp(name, "wilayah") == 0)
			continue;
		if (json_is_string(v)) {
			printf("  %-22s %s\n", name, json_string_value(v));
		} else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			printf("  %-22s %s\n", name, t ? t : "?");
			free(t);
		}
	}
}

int cmd_get(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct found_list l = {.n = 0};
	struct store_node node;
	struct store *s;
	char *pos[2];
	int npos, rc;
	json_t *o;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	rc = find_one(c, s, pos[0], pos[1], region, &l);
	store_close(s);
	if (rc != 0)
		return rc;
	o = record_json(pk_schema_find(pos[0], strlen(pos[0])), l.f[0].key, l.f[0].region,
	                l.f[0].value, l.f[0].value_len);
	found_free(&l);
	if (o == NULL)
		return cli_fail(c, "the stored record does not decode; run 'pokjactl verify'");
	if (c->json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		print_record_text(pos[0], o);
	}
	json_decref(o);
	return EXIT_OK;
}

struct list_ctx {
	const struct pk_collection *coll;
	bool json;
	size_t n, bad;
};

/* One line for people: key, region, and the first few field values. */
static void print_record_line(json_t *o)
{
	const char *name;
	json_t *v;
	char line[160];
	size_t used = 0;
	int shown = 0;

	json_object_foreach(o, name, v)
	{
		if (strcmp(name, "key") == 0 || strcmp(name, "wilayah") == 0 || shown == 3)
			continue;
		if (json_is_string(v))
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
			                         shown ? " | " : "", json_string_value(v));
		else if (json_is_integer(v))
			used +=
			    (size_t)snprintf(line + used, sizeof(line) - used, "%s%lld",
			                     shown ? " | " : "", (long long)json_integer_value(v));
		else
			continue;
		shown++;
		if (used >= sizeof(line) - 1)
			break;
	}
	if (used > 70)
		memcpy(line + 67, "...", 4);
	printf("%-26s  %-13s  %s\n", json_string_value(json_object_get(o, "key")),
	       json_string_value(json_object_get(o, "wilayah")), used ? line : "");
}

static int list_visit(const struct store_record *r, void *arg)
{
	struct list_ctx *x = arg;
	json_t *o = record_json(x->coll, r->key, r->region, r->value, r->value_len);

	if (o == NULL) {
		x->bad++;
		return 0;
	}
	if (x->json) {
		fputs(x->n ? ",\n" : "\n", stdout);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		print_record_line(o);
	}
	x->n++;
	json_decref(o);
	return 0;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct list_ctx x = {NULL, false, 0, 0};
	struct store_node node;
	struct store *s;
	char *pos[1];
	int npos, rc, n;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((x.coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%s' (see 'pokjactl schema')", pos[0]);
	if (region != NULL && !pk_region_valid(region, strlen(region)))
		return cli_fail(c,
		                "'%.20s' is not a region code (a prefix must be a whole code: "
		                "32, 32.75, ...)",
		                region);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	x.json = c->json;
	if (x.json)
		fputs("[", stdout);
	n = store_list(s, x.coll->name, region, false, list_visit, &x);
	store_close(s);
	if (x.json)
		fputs(x.n ? "\n]\n" : "]\n", stdout);
	else
		printf("(%zu record%s)\n", x.n, x.n == 1 ? "" : "s");
	if (n < 0)
		return cli_fail(c, "%s", pk_strerror(n));
	if (x.bad > 0)
		return cli_fail(c, "%zu stored records do not decode; run 'pokjactl verify'",
		                x.bad);
	return EXIT_OK;
}

int cmd_del(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct found_list l = {.n = 0};
	struct store_node node;
	struct store_written w;
	struct pk_diag d = {""};
	struct store *s;
	struct pk_op op;
	char *pos[2];
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		return rc;
	if ((rc = find_one(c, s, pos[0], pos[1], region, &l)) != 0)
		goto out;
	pk_op_set(&op, pos[0], l.f[0].region, pos[1], NULL, 0);
	if ((err = store_write(s, sec, &op, 1, node_now_ms(), &w, NULL, NULL, &d)) != 0)
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(err));
	else
		printf("deleted %s/%s in region %s\n", pos[0], pos[1],
		       l.f[0].region[0] ? l.f[0].region : "\"\"");
	found_free(&l);
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	return rc;
}

/* ---- import ------------------------------------------------------------------------------- */

/* One non-blank line of the input file. */
struct line {
	const char *p;
	size_t len;
	size_t lineno;
};

struct import {
	struct line *lines;
	struct rec_in *recs; /* recs[i] is made from lines[i] */
	size_t n;
	const char *home;
	bool tty;
	atomic_size_t checked;
};

/* A slice of the lines, checked on one thread. */
struct import_part {
	pthread_t tid;
	struct import *im;
	size_t from, to;
	size_t bad; /* index of the first bad line, or `to` */
	struct pk_diag why;
};

static void import_free(struct import *im)
{
	for (size_t i = 0; im->recs != NULL && i < im->n; i++)
		free(im->recs[i].value);
	free(im->recs);
	free(im->lines);
}

static void write_progress(size_t done, size_t total, void *arg)
{
	struct import *im = arg;

	if (im->tty)
		fprintf(stderr, "\rwriting: %zu/%zu records", done, total);
}

/* Splits buf into its non-blank lines. */
static int split_lines(const char *buf, size_t len, struct import *im)
{
	size_t cap = 1024, lineno = 0;
	const char *p = buf, *end = buf + len, *nl;
	struct line *nlines;

	if ((im->lines = malloc(cap * sizeof(*im->lines))) == NULL)
		return PK_ENOMEM;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')
				continue;
			if (im->n == cap) {
				cap *= 2;
				if ((nlines = realloc(im->lines, cap * sizeof(*nlines))) == NULL)
					return PK_ENOMEM;
				im->lines = nlines;
			}
			im->lines[im->n++] = (struct line){p, n, lineno};
			break;
		}
		p += n + 1;
	}
	return 0;
}

static int check_line(struct import *im, size_t i, struct pk_diag *d)
{
	const struct line *l = &im->lines[i];
	json_error_t jerr;
	json_t *obj;
	int err;

	if (l->len > JSON_INPUT_MAX)
		return pk_diagf(d, PK_ETOOBIG, "line longer than %u bytes", JSON_INPUT_MAX);
	obj = json_loadb(l->p, l->len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL)
		return pk_diagf(d, PK_EDECODE, "invalid JSON: %s (column %d)", jerr.text,
		                jerr.column);
	err = record_from_json(obj, NULL, NULL, im->home, &im->recs[i], d);
	json_decref(obj);
	return err;
}

static void *check_part(void *arg)
{
	struct import_part *part = arg;
	struct import *im = part->im;

	part->bad = part->to;
	for (size_t i = part->from; i < part->to; i++) {
		if (check_line(im, i, &part->why) != 0) {
			part->bad = i;
			break;
		}
		if (atomic_fetch_add(&im->checked, 1) % 10000 == 9999 && im->tty && part->from == 0)
			fprintf(stderr, "\rchecking: %zu records", atomic_load(&im->checked));
	}
	return NULL;
}

/*
 * Checks every line, on as many threads as there are cores (at most IMPORT_THREADS): JSON
 * parsing and record encoding are most of an import's work, and each line stands alone.
 * Reports the first bad line in file order. Nothing is written here.
 */
#define IMPORT_THREADS 4
static int import_check(const struct cli *c, const char *path, struct import *im)
{
	struct import_part parts[IMPORT_THREADS];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nparts = im->n < 2000 ? 1
	                          : (int)(cores < 1                ? 1
	                                  : cores > IMPORT_THREADS ? IMPORT_THREADS
	                                                           : cores);
	size_t per = (im->n + (size_t)nparts - 1) / (size_t)nparts;

	if (im->n > 0 && (im->recs = calloc(im->n, sizeof(*im->recs))) == NULL)
		return cli_fail(c, "out of memory for %zu records", im->n);
	/* Shared state that must be set up before threads touch it. */
	json_object_seed(0);
	for (int t = 0; t < nparts; t++) {
		parts[t].im = im;
		parts[t].from = (size_t)t * per < im->n ? (size_t)t * per : im->n;
		parts[t].to = parts[t].from + per < im->n ? parts[t].from + per : im->n;
		parts[t].why.msg[0] = '\0';
		if (t == 0 || pthread_create(&parts[t].tid, NULL, check_part, &parts[t]) != 0)
			parts[t].tid = 0;
	}
	for (int t = 0; t < nparts; t++)
		if (parts[t].tid == 0)
			check_part(&parts[t]);
	for (int t = 1; t < nparts; t++)
		if (parts[t].tid != 0)
			pthread_join(parts[t].tid, NULL);
	if (im->tty && im->n >= 10000)
		fputc('\n', stderr);
	for (int t = 0; t < nparts; t++)
		if (parts[t].bad < parts[t].to)
			return cli_fail(c, "%s:%zu: %s; nothing was imported", path,
			                im->lines[parts[t].bad].lineno, parts[t].why.msg);
	return 0;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	struct import im;
	struct store_node node;
	struct store_written w = {0, 0, 0};
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct pk_op *ops = NULL;
	char *pos[1];
	size_t len;
	int npos, rc, err;

	memset(&im, 0, sizeof(im));
	if ((rc = cli_parse(c, argc, argv, NULL, pos, 1, 1, &npos)) != 0)
		return rc;
	im.tty = isatty(STDERR_FILENO) != 0;
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	im.home = node.region;
	if ((rc = cli_read_file(c, pos[0], IMPORT_MAX, &buf, &len)) != 0)
		goto out;
	if (split_lines((const char *)buf, len, &im) != 0) {
		rc = cli_fail(c, "out of memory reading %s", pos[0]);
		goto out;
	}
	if ((rc = import_check(c, pos[0], &im)) != 0)
		goto out;
	if (im.n > 0) {
		if ((ops = calloc(im.n, sizeof(*ops))) == NULL) {
			rc = cli_fail(c, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < im.n; i++)
			rec_op(&im.recs[i], &ops[i]);
		err = store_write(s, sec, ops, im.n, node_now_ms(), &w, write_progress, &im, &d);
		if (im.tty)
			fputc('\n', stderr);
		if (err != 0) {
			rc = cli_fail(c, "refused: %s; nothing was imported",
			              d.msg[0] ? d.msg : pk_strerror(err));
			goto out;
		}
	}
	if (c->json)
		printf("{\"records\": %zu, \"changesets\": %zu, \"first_seq\": %llu, "
		       "\"last_seq\": %llu}\n",
		       im.n, w.changesets, (unsigned long long)w.first_seq,
		       (unsigned long long)w.last_seq);
	else if (im.n == 0)
		printf("no records in %s\n", pos[0]);
	else
		printf("imported %zu record%s in %zu changeset%s (sequence %llu..%llu)\n", im.n,
		       im.n == 1 ? "" : "s", w.changesets, w.changesets == 1 ? "" : "s",
		       (unsigned long long)w.first_seq, (unsigned long long)w.last_seq);
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	free(ops);
	import_free(&im);
	free(buf);
	return rc;
}
