/*
 * cmd_import.c: `pokjactl import`: bulk loading of JSON Lines or CSV files.
 *
 * Both formats take one path: each line (JSONL) or row (CSV, through cli/csvin.c) becomes a
 * JSON object, which rec_from_json checks against the schema and the official region list and
 * encodes exactly as `put` does; an item that would be written must be the node's own (its region
 * owned by the node, SPEC section 5). Every item is checked first, on several threads, and every
 * error is reported (the first REC_ERRORS_KEPT of them, in file order, then a count); when any item
 * has one, nothing is written. Then each item is compared with the live record its key names (in
 * its region): one equal to it is left out (unchanged); one that would change it is refused, as is
 * a record named by two items, unless --replace is given (then the record is replaced whole, the
 * last item of a record winning); an item without a key is a new record. The records left are
 * written in one store transaction (store_write_if, which checks again that the records taken for
 * new are still absent), as many changesets as the size limits need.
 *
 * The writing goes in chunks of IMPORT_CHUNK_OPS records, each one store transaction
 * (store_write_mark) that also records how many of the file's items are in, under an id made
 * from the file's bytes and the options that read it (SPEC section 11, "Bulk imports"). Each
 * commit wakes pokjad, which pushes the chunk up while the next one is written. An import
 * stopped at any moment (SIGINT and SIGTERM at the next chunk boundary, SIGKILL anywhere)
 * leaves whole chunks and its mark; the same command on the same file says which lines are in
 * and writes only the items after them, so no record is written twice, rows without a key
 * included.
 *
 * For the tests only: POKJACTL_TEST_IMPORT_PAUSE_MS=N sleeps N ms after every chunk but the
 * last, so that a test can stop an import between chunks without a huge file.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "jsonline.h"
#include "csvin.h"
#include "csvread.h"
#include "recin.h"
#include "refs.h"

#define JSON_INPUT_MAX (1u << 20)    /* one record's JSON text */
#define IMPORT_MAX ((size_t)4 << 30) /* a whole import file, read into memory */
#define IMPORT_THREADS 4
#define IMPORT_CHUNK_OPS 8192 /* records per write transaction (about 4 changesets) */

/* Set by SIGINT or SIGTERM while an import runs: it stops at the next chunk boundary. */
static volatile sig_atomic_t import_stop;

/* One non-blank line of a JSONL file. */
struct line {
	const char *p;
	size_t len;
	size_t lineno;
};

struct import {
	bool csv;
	struct line *lines; /* JSONL: the items */
	struct csv_doc doc; /* CSV: the items are doc.rows[1 ..] */
	struct csvin ci;
	const char *coll;    /* --collection, or NULL */
	struct rec_in *recs; /* recs[i] is made from item i */
	struct item *items;  /* items[i]: what the store holds for recs[i] */
	size_t n;
	const char *home;
	bool tty;
	atomic_size_t checked;
	size_t from;           /* items[0 .. from) are in from an earlier run: left alone */
	size_t written_before; /* records of this run's earlier chunks (progress) */
	size_t total;          /* records this run writes (progress) */
};

/* An item against the store and the other items of the file. */
struct item {
	bool live;     /* its key names a live record (in its region) */
	bool same;     /* ... equal to it: left out as unchanged */
	size_t prev;   /* the item before it of the same record, or SIZE_MAX */
	bool has_next; /* a later item names the same record */
};

/* A slice of the items, checked on one thread. */
struct import_part {
	pthread_t tid;
	struct import *im;
	size_t from, to;
	struct rec_errors errs;
	struct rec_errors scratch; /* one item's, before they join errs */
	bool nomem;
};

static void import_free(struct import *im)
{
	for (size_t i = 0; im->recs != NULL && i < im->n; i++)
		rec_in_free(&im->recs[i]);
	free(im->recs);
	free(im->items);
	free(im->lines);
	csvin_free(&im->ci);
	csv_doc_free(&im->doc);
}

static void write_progress(size_t done, size_t total, void *arg)
{
	struct import *im = arg;

	(void)total;
	if (im->tty)
		cli_progress("writing: %zu/%zu records", im->written_before + done, im->total);
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

static size_t item_line(const struct import *im, size_t i)
{
	return im->csv ? im->doc.rows[i + 1].line : im->lines[i].lineno;
}

/* Checks item i into im->recs[i]; its errors go to part->errs. */
static void check_item(struct import_part *part, size_t i)
{
	struct import *im = part->im;
	size_t line = item_line(im, i);
	json_error_t jerr;
	json_t *obj;

	if (im->csv) {
		if ((obj = csvin_row(&im->ci, i + 1, &part->errs, &part->nomem)) == NULL)
			return;
	} else {
		const struct line *l = &im->lines[i];

		if (l->len > JSON_INPUT_MAX) {
			rec_error_add(&part->errs, line, "line longer than %u bytes",
			              JSON_INPUT_MAX);
			return;
		}
		/* The fast reader takes the usual flat lines; jansson the rest, and words errors.
		 */
		obj = jsonline_object(l->p, l->len);
		if (obj == NULL)
			obj = json_loadb(l->p, l->len, JSON_REJECT_DUPLICATES, &jerr);
		if (obj == NULL) {
			rec_error_add(&part->errs, line, "invalid JSON: %s (column %d)",
			              cli_json_error(&jerr), jerr.column);
			return;
		}
	}
	part->scratch.n = part->scratch.more = 0;
	if (rec_from_json(obj, im->coll, NULL, im->home, im->csv ? csvin_how(&im->ci) : 0,
	                  &im->recs[i], &part->scratch, line) == PK_ENOMEM)
		part->nomem = true;
	for (size_t k = 0; k < part->scratch.n; k++) {
		const char *msg = part->scratch.e[k].msg;

		/* In a CSV file a field, key or wilayah is a column: say so, as csvin does. */
		if (im->csv && strncmp(msg, "field '", 7) == 0)
			rec_error_add(&part->errs, line, "column '%s", msg + 7);
		else if (im->csv && strncmp(msg, "wilayah: ", 9) == 0)
			rec_error_add(&part->errs, line, "column 'wilayah': %s", msg + 9);
		else if (im->csv && strncmp(msg, "key '", 5) == 0)
			rec_error_add(&part->errs, line, "column 'key': %s", msg);
		else
			rec_error_add(&part->errs, line, "%s", msg);
	}
	part->errs.more += part->scratch.more;
	json_decref(obj);
}

static void *check_part(void *arg)
{
	struct import_part *part = arg;
	struct import *im = part->im;

	for (size_t i = part->from; i < part->to && !part->nomem && !import_stop; i++) {
		check_item(part, i);
		if (atomic_fetch_add(&im->checked, 1) % 10000 == 9999 && im->tty && part->from == 0)
			cli_progress("checking: %zu records", atomic_load(&im->checked));
	}
	return NULL;
}

/* Prints the errors of every list in file order, at most REC_ERRORS_KEPT, then a count of the
 * rest; returns their number. */
static size_t report_errors(const struct cli *c, const char *path, struct rec_errors *const *lists,
                            int nlists)
{
	size_t total = 0, shown = 0;

	for (int t = 0; t < nlists; t++) {
		for (size_t k = 0; k < lists[t]->n; k++, shown++)
			if (shown < REC_ERRORS_KEPT)
				fprintf(stderr, "pokjactl %s: %s:%zu: %s\n", c->cmd, path,
				        lists[t]->e[k].line, lists[t]->e[k].msg);
		total += lists[t]->n + lists[t]->more;
	}
	if (total > REC_ERRORS_KEPT)
		fprintf(stderr, _("pokjactl %s: ... and %zu more errors\n"), c->cmd,
		        total - REC_ERRORS_KEPT);
	return total;
}

/*
 * Checks every item, on as many threads as there are cores (at most IMPORT_THREADS): parsing
 * and record encoding are most of an import's work, and each item stands alone. Reports every
 * error. Nothing is written here.
 */
static int import_check(const struct cli *c, const char *path, struct import *im)
{
	struct import_part *parts;
	struct rec_errors *lists[IMPORT_THREADS];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int nparts = im->n < 2000 ? 1
	                          : (int)(cores < 1                ? 1
	                                  : cores > IMPORT_THREADS ? IMPORT_THREADS
	                                                           : cores);
	size_t per = (im->n + (size_t)nparts - 1) / (size_t)nparts, nerr;
	bool nomem = false;

	if ((parts = calloc((size_t)nparts, sizeof(*parts))) == NULL ||
	    (im->n > 0 && (im->recs = calloc(im->n, sizeof(*im->recs))) == NULL)) {
		free(parts);
		return cli_fail(c, "out of memory for %zu records", im->n);
	}
	/* Shared state that must be set up before threads touch it. */
	json_object_seed(0);
	for (int t = 0; t < nparts; t++) {
		parts[t].im = im;
		parts[t].from = (size_t)t * per < im->n ? (size_t)t * per : im->n;
		parts[t].to = parts[t].from + per < im->n ? parts[t].from + per : im->n;
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
	for (int t = 0; t < nparts; t++) {
		nomem = nomem || parts[t].nomem;
		lists[t] = &parts[t].errs;
	}
	nerr = nomem || import_stop ? 0 : report_errors(c, path, lists, nparts);
	free(parts);
	if (import_stop)
		return cli_fail(c, "interrupted while checking %s; nothing was imported", path);
	if (nomem)
		return cli_fail(c, "out of memory checking %s; nothing was imported", path);
	if (nerr > 0)
		return cli_fail(c, "%zu error%s in %s; nothing was imported", nerr,
		                nerr == 1 ? "" : "s", path);
	return 0;
}

/* Whether a live record is there and equals rec (the same encoded value: the encoding is
 * canonical). */
struct same_ctx {
	const struct rec_in *rec;
	bool live, same;
};

static int same_visit(const struct store_record *r, void *arg)
{
	struct same_ctx *x = arg;

	x->live = true;
	x->same =
	    r->value_len == x->rec->value_len && memcmp(r->value, x->rec->value, r->value_len) == 0;
	return 1;
}

static int rec_cmp(const struct rec_in *a, const struct rec_in *b)
{
	int k = strcmp(a->coll->name, b->coll->name);

	if (k == 0)
		k = strcmp(a->region, b->region);
	return k != 0 ? k : strcmp(a->key, b->key);
}

static const struct import *sort_im; /* qsort has no argument: the import being sorted */

static int by_record(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int k = rec_cmp(&sort_im->recs[i], &sort_im->recs[j]);

	return k != 0 ? k : (i < j ? -1 : 1);
}

/*
 * Fills im->items: each item against the live record its key names, and the items that name the
 * same record as another (O(n log n) for the items with keys, one short read each). Items
 * without a key get new keys and stand alone.
 */
static int import_compare(const struct cli *c, struct store *s, struct import *im)
{
	size_t *idx = NULL, nk = 0;
	int err;

	if (im->n > 0 && (im->items = calloc(im->n, sizeof(*im->items))) == NULL)
		return cli_fail(c, "out of memory");
	for (size_t i = 0; i < im->n; i++) {
		struct same_ctx x = {&im->recs[i], false, false};

		im->items[i].prev = SIZE_MAX;
		if (i < im->from || !im->recs[i].keyed)
			continue;
		nk++;
		err = store_get(s, im->recs[i].coll->name, im->recs[i].key, im->recs[i].region,
		                same_visit, &x);
		if (err < 0)
			return cli_fail(c, "reading the store: %s", pk_strerror(err));
		im->items[i].live = x.live;
		im->items[i].same = x.same;
	}
	if (nk < 2)
		return 0;
	if ((idx = malloc(nk * sizeof(*idx))) == NULL)
		return cli_fail(c, "out of memory");
	nk = 0;
	for (size_t i = im->from; i < im->n; i++)
		if (im->recs[i].keyed)
			idx[nk++] = i;
	sort_im = im;
	qsort(idx, nk, sizeof(*idx), by_record);
	for (size_t k = 1; k < nk; k++) {
		if (rec_cmp(&im->recs[idx[k - 1]], &im->recs[idx[k]]) != 0)
			continue;
		im->items[idx[k]].prev = idx[k - 1];
		im->items[idx[k - 1]].has_next = true;
	}
	free(idx);
	return 0;
}

/*
 * Without --replace an import adds records and leaves unchanged ones alone: an item that would
 * change a live record, or that names the same record as an earlier item (unless equal to the
 * live record, and so left out), is an error reported with its line, and nothing is imported.
 */
static int import_refuse_changes(const struct cli *c, const char *path, const struct import *im)
{
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	const char *what = im->csv ? "row" : "line";
	size_t nerr;

	if (errs == NULL)
		return cli_fail(c, "out of memory");
	for (size_t i = im->from; i < im->n; i++) {
		const struct rec_in *r = &im->recs[i];
		const struct item *it = &im->items[i];

		if (it->same)
			continue;
		if (it->live)
			rec_error_add(
			    errs, item_line(im, i),
			    "record %s/%s exists already in region %s and this %s changes it",
			    r->coll->name, r->key, r->region[0] ? r->region : "\"\"", what);
		else if (it->prev != SIZE_MAX)
			rec_error_add(errs, item_line(im, i), "the same record as %s %zu", what,
			              item_line(im, it->prev));
	}
	nerr = report_errors(c, path, &errs, 1);
	free(errs);
	if (nerr == 0)
		return 0;
	return cli_fail(c,
	                "%zu %s%s would change a record that exists already or name%s one twice; "
	                "nothing was imported (to update records from an edited export use "
	                "--replace: it replaces each such record whole, the last %s of a record "
	                "winning; 'pokjactl edit' changes some fields of one)",
	                nerr, what, nerr == 1 ? "" : "s", nerr == 1 ? "s" : "", what);
}

/*
 * An item to be written must be a record of this node's own (SPEC section 5, "Ownership"); an
 * unchanged one is left out before this, so that an export holding other offices' records
 * imports back with only this node's edits. Every such item is reported with its line.
 */
static int import_refuse_foreign(const struct cli *c, const char *path, const struct import *im)
{
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	const char *what = im->csv ? "row" : "line";
	struct pk_diag d;
	size_t nerr;

	if (errs == NULL)
		return cli_fail(c, "out of memory");
	for (size_t i = im->from; i < im->n; i++)
		if (!im->items[i].same && cli_region_own(im->recs[i].region, im->home, &d) != 0)
			rec_error_add(errs, item_line(im, i), "record %s/%s: %s",
			              im->recs[i].coll->name, im->recs[i].key, d.msg);
	nerr = report_errors(c, path, &errs, 1);
	free(errs);
	if (nerr == 0)
		return 0;
	return cli_fail(c,
	                "%zu %s%s would write another node's records; nothing was imported (a "
	                "node imports only its own records: the others are left out when "
	                "unchanged)",
	                nerr, what, nerr == 1 ? "" : "s");
}

/*
 * The references of every item to be written must name records held here or written by the
 * same import (refs.h): all items are added as pending first, so a row may name a record that
 * another row of the file creates, before or after it; a verdict (verifikasi) must be one
 * this node may give. Every bad reference is reported with its line.
 */
static int import_refuse_dangling(const struct cli *c, const char *path, struct store *s,
                                  const struct import *im, bool replace)
{
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	struct refcheck rck;
	size_t nerr = 0;
	int err = 0;

	if (errs == NULL)
		return cli_fail(c, "out of memory");
	refs_check_init(&rck, s, im->home);
	for (size_t i = 0; i < im->n && err == 0; i++)
		err = refs_check_pending(&rck, im->recs[i].coll->name, im->recs[i].region,
		                         im->recs[i].key);
	for (size_t i = im->from; i < im->n && err >= 0; i++) {
		const struct rec_in *r = &im->recs[i];

		if (im->items[i].same || (replace && im->items[i].has_next))
			continue;
		err = refs_check(&rck, r->coll, r->region, r->value, r->value_len, NULL, 0, errs,
		                 item_line(im, i));
	}
	refs_check_free(&rck);
	if (err >= 0)
		nerr = report_errors(c, path, &errs, 1);
	free(errs);
	if (err < 0)
		return cli_fail(c, "checking references: %s; nothing was imported",
		                pk_strerror(err));
	if (nerr == 0)
		return 0;
	return cli_fail(c,
	                "%zu reference%s cannot be written here (the lines above say why); "
	                "nothing was imported",
	                nerr, nerr == 1 ? "" : "s");
}

/* Reads the CSV file's header; prints its errors. */
static int csv_start(const struct cli *c, const char *path, uint8_t **buf, size_t len,
                     struct import *im)
{
	const struct pk_collection *coll = pk_schema_find(im->coll, strlen(im->coll));
	struct rec_errors errs = {.n = 0, .more = 0};
	struct pk_diag d = {""};
	uint8_t *nb;
	int err;

	/* csv_parse ends the last cell with a NUL one byte beyond the data. */
	if ((nb = realloc(*buf, len + 1)) == NULL)
		return cli_fail(c, "out of memory reading %s", path);
	*buf = nb;
	if ((err = csv_parse((char *)nb, len, &im->doc, &d)) != 0)
		return cli_fail(c, "%s: %s; nothing was imported", path,
		                err == PK_ENOMEM ? "out of memory" : d.msg);
	if (im->doc.nrows == 0)
		return 0;
	im->n = im->doc.nrows - 1;
	if ((err = csvin_header(&im->ci, coll, &im->doc, &errs)) == PK_ENOMEM)
		return cli_fail(c, "out of memory reading %s", path);
	if (err != 0) {
		for (size_t k = 0; k < errs.n; k++)
			fprintf(stderr, "pokjactl %s: %s:%zu: %s\n", c->cmd, path, errs.e[k].line,
			        errs.e[k].msg);
		return cli_fail(c, "the header of %s is wrong; nothing was imported", path);
	}
	return 0;
}

/* Whether path names a CSV file by its extension. */
static bool csv_name(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

static void import_on_signal(int sig)
{
	(void)sig;
	import_stop = 1;
}

/* The hash of the file's bytes, on a thread of its own while a JSON Lines file is checked (the
 * check only reads the buffer); a CSV file is hashed before its reader unquotes it in place. */
struct file_hash {
	pthread_t tid;
	bool started;
	const uint8_t *buf;
	size_t len;
	uint8_t out[PK_HASH_BYTES];
};

static void *file_hash_run(void *arg)
{
	struct file_hash *h = arg;

	pk_hash(h->out, h->buf, h->len);
	return NULL;
}

static void file_hash_start(struct file_hash *h, const uint8_t *buf, size_t len, bool now)
{
	h->buf = buf;
	h->len = len;
	h->started = !now && pthread_create(&h->tid, NULL, file_hash_run, h) == 0;
	if (!h->started)
		file_hash_run(h);
}

static void file_hash_wait(struct file_hash *h)
{
	if (h->started)
		pthread_join(h->tid, NULL);
	h->started = false;
}

/* The import's id (SPEC section 11, "Bulk imports"): the file's bytes (their hash) and the
 * options that read them, so that only the same command on the same file resumes. */
static void import_id(uint8_t id[PK_HASH_BYTES], const uint8_t file[PK_HASH_BYTES], bool csv,
                      const char *coll, bool replace)
{
	uint8_t msg[128 + PK_HASH_BYTES];
	size_t n;

	n = (size_t)snprintf((char *)msg, 128, "pokja-import-1%c%s%c%s%c%c", 0,
	                     csv ? "csv" : "jsonl", 0, coll != NULL ? coll : "", 0,
	                     replace ? 1 : 0);
	memcpy(msg + n, file, PK_HASH_BYTES);
	pk_hash(id, msg, n + PK_HASH_BYTES);
}

/* The file line where item i begins, or one past the file's last item line when i == n. */
static size_t next_line(const struct import *im, size_t i)
{
	return i < im->n ? item_line(im, i) : item_line(im, im->n - 1) + 1;
}

/* Sleeps the test hook's pause (POKJACTL_TEST_IMPORT_PAUSE_MS) between two chunks. */
static void test_pause(void)
{
	const char *v = getenv("POKJACTL_TEST_IMPORT_PAUSE_MS");
	long ms = v != NULL ? strtol(v, NULL, 10) : 0;
	struct timespec ts;

	if (ms <= 0 || ms > 60000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && !import_stop)
		;
}

/* What the chunks wrote, for the report. */
struct import_done {
	struct store_written w;
	size_t records; /* written by this run */
	size_t in;      /* items in, this run's and earlier runs' */
};

/*
 * Writes ops[0 .. nops) (opitem[k]: the item op k comes from) in chunks of IMPORT_CHUNK_OPS,
 * each with the import's mark. Stops between chunks when import_stop is set. Returns 0 (all
 * written), 1 (stopped), or a store refusal with d; *done says how far it got either way.
 */
static int import_write(struct store *s, const uint8_t *sec, struct import *im,
                        const struct store_import *start, const struct pk_op *ops,
                        const struct store_cond *conds, const size_t *opitem, size_t nops,
                        struct import_done *done, struct pk_diag *d)
{
	struct store_import mark = *start;
	struct store_written cw;
	size_t k = 0, end;
	int err;

	im->total = nops;
	done->in = im->from;
	do {
		end = nops - k > IMPORT_CHUNK_OPS ? k + IMPORT_CHUNK_OPS : nops;
		mark.done = end == nops;
		mark.items = end == nops ? im->n : opitem[end];
		mark.next_line = next_line(im, (size_t)mark.items);
		mark.records = start->records + end;
		mark.updated_ms = node_now_ms();
		im->written_before = k;
		err = store_write_mark(s, sec, ops + k, conds + k, end - k, node_now_ms(), &mark,
		                       &cw, write_progress, im, d);
		if (err != 0)
			return err;
		if (done->w.first_seq == 0)
			done->w.first_seq = cw.first_seq;
		if (cw.last_seq != 0)
			done->w.last_seq = cw.last_seq;
		done->w.changesets += cw.changesets;
		done->records = end;
		done->in = (size_t)mark.items;
		k = end;
		if (k < nops)
			test_pause();
	} while (k < nops && !import_stop);
	return k < nops ? 1 : 0;
}

/* --json for an import that stopped part way: err > 0 interrupted, < 0 the store's refusal. */
static void print_stopped(int err, size_t last, const struct import_done *done)
{
	printf("{\"stopped\": \"%s\", \"reason\": ", err > 0 ? "interrupted" : "refused");
	if (err > 0)
		printf("null");
	else
		printf("\"%s\"", pk_errtag(err));
	printf(", \"lines_in\": %zu, \"resume_from_line\": %zu, \"records\": %zu, "
	       "\"changesets\": %zu, \"first_seq\": %llu, \"last_seq\": %llu}\n",
	       last, last + 1, done->records, done->w.changesets,
	       (unsigned long long)done->w.first_seq, (unsigned long long)done->w.last_seq);
}

int cmd_import(struct cli *c, int argc, char **argv)
{
	const char *format = NULL, *coll = NULL;
	bool replace = false;
	struct cli_opt opts[] = {{"format", &format, NULL},
	                         {"collection", &coll, NULL},
	                         {"replace", NULL, &replace},
	                         {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	struct import im;
	struct store_node node;
	struct store_import mark;
	struct import_done done;
	struct file_hash fh = {.started = false};
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct pk_op *ops = NULL;
	struct store_cond *conds = NULL;
	size_t *opitem = NULL, len, nops = 0, unchanged = 0, superseded = 0, resumed = 0;
	struct sigaction sa, old_int, old_term;
	char *pos[1];
	int npos, rc, err;

	memset(&im, 0, sizeof(im));
	memset(&done, 0, sizeof(done));
	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if (format != NULL && strcmp(format, "csv") != 0 && strcmp(format, "jsonl") != 0)
		return cli_usagef(c, "unknown format '%.40s' (csv or jsonl)", format);
	im.csv = format != NULL ? strcmp(format, "csv") == 0 : csv_name(pos[0]);
	if (im.csv && coll == NULL)
		return cli_usagef(c, "a CSV file needs --collection NAME: the collection its rows "
		                     "belong to (see 'pokjactl schema')");
	if (coll != NULL && pk_schema_find(coll, strlen(coll)) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", coll);
	im.coll = coll;
	im.tty = isatty(STDERR_FILENO) != 0;
	/* SIGINT and SIGTERM stop the import where it can stop cleanly: between chunks. */
	import_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = import_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	im.home = node.region;
	if ((rc = cli_read_file(c, pos[0], IMPORT_MAX, &buf, &len)) != 0)
		goto out;
	memset(&mark, 0, sizeof(mark));
	file_hash_start(&fh, buf, len, im.csv);
	if (im.csv)
		rc = csv_start(c, pos[0], &buf, len, &im);
	else if (split_lines((const char *)buf, len, &im) != 0)
		rc = cli_fail(c, "out of memory reading %s", pos[0]);
	if (rc != 0 || (rc = import_check(c, pos[0], &im)) != 0)
		goto out;
	file_hash_wait(&fh);
	import_id(mark.id, fh.out, im.csv, coll, replace);
	/* An earlier run of this very import stopped after some chunks: go on after them. */
	err = store_import_get(s, mark.id, &mark);
	if (err != 0 && err != PK_ENOTFOUND) {
		rc = cli_fail(c, "reading the store: %s", pk_strerror(err));
		goto out;
	}
	if (err == 0 && mark.items > 0 && mark.items <= im.n) {
		im.from = (size_t)mark.items;
		resumed = next_line(&im, im.from) - 1;
		fprintf(stderr,
		        _("pokjactl %s: lines 1-%zu of %s were imported by an earlier run of this "
		          "command (%llu records); continuing from line %zu\n"),
		        c->cmd, resumed, pos[0], (unsigned long long)mark.records, resumed + 1);
	} else {
		mark.records = 0;
	}
	if ((rc = import_compare(c, s, &im)) != 0)
		goto out;
	if ((rc = import_refuse_foreign(c, pos[0], &im)) != 0)
		goto out;
	if (!replace && (rc = import_refuse_changes(c, pos[0], &im)) != 0)
		goto out;
	if ((rc = import_refuse_dangling(c, pos[0], s, &im, replace)) != 0)
		goto out;
	if (im.n > 0 && ((ops = calloc(im.n, sizeof(*ops))) == NULL ||
	                 (conds = calloc(im.n, sizeof(*conds))) == NULL ||
	                 (opitem = calloc(im.n, sizeof(*opitem))) == NULL)) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	/* A record equal to the one stored is left out: re-importing an edited export writes
	 * (and sends up the hierarchy) only the rows that changed. With --replace an item followed
	 * by another of the same record is left out too: the last one wins. Without it, a keyed
	 * record taken for new is checked again in the write's transaction: another writer may
	 * have come in between. */
	for (size_t i = im.from; i < im.n; i++) {
		if (replace && im.items[i].has_next) {
			superseded++;
			continue;
		}
		if (im.items[i].same) {
			unchanged++;
			continue;
		}
		rec_op(&im.recs[i], &ops[nops]);
		opitem[nops] = i;
		conds[nops++].kind = !replace && im.recs[i].keyed ? STORE_IF_ABSENT : STORE_IF_ANY;
	}
	if (import_stop) {
		rc = cli_fail(c, "interrupted before writing; nothing was imported");
		goto out;
	}
	/* With nothing to write, a mark left by an earlier run still goes (a write of no ops). */
	if (nops > 0 || im.from > 0) {
		err = import_write(s, sec, &im, &mark, ops, conds, opitem, nops, &done, &d);
		if (im.tty && nops > 0)
			fputc('\n', stderr);
		if (err < 0 && done.in == 0) {
			rc = cli_fail(c, "refused: %s; nothing was imported",
			              d.msg[0] ? d.msg : pk_strerror(err));
			goto out;
		}
		if (err != 0) {
			size_t last = next_line(&im, done.in) - 1;

			if (err < 0)
				cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(err));
			/* "stopped": "interrupted" (a signal), or "refused" with the store's reason
			 * tag (SPEC section 19). */
			if (c->json)
				print_stopped(err, last, &done);
			rc = cli_fail(
			    c,
			    "stopped: lines 1-%zu of %s are in (%zu records written now); run "
			    "the same command again to continue from line %zu",
			    last, pos[0], done.records, last + 1);
			goto out;
		}
	}
	if (c->json) {
		printf("{\"records\": %zu, \"unchanged\": %zu, \"superseded\": %zu, "
		       "\"changesets\": %zu, \"first_seq\": %llu, \"last_seq\": %llu, "
		       "\"resumed_after_line\": %zu, \"records_before\": %llu}\n",
		       nops, unchanged, superseded, done.w.changesets,
		       (unsigned long long)done.w.first_seq, (unsigned long long)done.w.last_seq,
		       resumed, (unsigned long long)mark.records);
	} else if (im.n == 0) {
		printf(_("no records in %s\n"), pos[0]);
	} else {
		if (nops == 0)
			printf(_("nothing to import: the %zu record%s of %s equal%s those stored"),
			       unchanged, unchanged == 1 ? "" : "s", pos[0],
			       unchanged == 1 ? "s" : "");
		else
			printf(_("imported %zu record%s in %zu changeset%s (sequence %llu..%llu)"),
			       nops, nops == 1 ? "" : "s", done.w.changesets,
			       done.w.changesets == 1 ? "" : "s",
			       (unsigned long long)done.w.first_seq,
			       (unsigned long long)done.w.last_seq);
		if (nops > 0 && unchanged > 0)
			printf(_("; %zu unchanged, left out"), unchanged);
		if (superseded > 0)
			printf(_("; %zu replaced by a later %s of the same record, left out"),
			       superseded, im.csv ? "row" : "line");
		fputc('\n', stdout);
	}
	rc = EXIT_OK;
out:
	file_hash_wait(&fh);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	memset(sec, 0, sizeof(sec));
	store_close(s);
	free(ops);
	free(conds);
	free(opitem);
	import_free(&im);
	free(buf);
	return rc;
}
