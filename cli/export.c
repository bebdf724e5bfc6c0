/*
 * export.c: a collection's live records as CSV (RFC 4180, or the dialect of Excel in an
 * Indonesian locale), a JSON array, JSON Lines or an xlsx workbook (export.h), for `pokjactl
 * export` and the web application's export buttons.
 *
 * Records are written as store_list hands them over, page by page, so memory stays flat however
 * large the collection: no text format builds the whole output first (xlsx does: libxlsxwriter
 * keeps the workbook in memory until it writes the file). Every format carries the same
 * columns: key, wilayah, nama_wilayah (the official name), the schema's fields in schema order,
 * diubah (the record's last change, ISO 8601 UTC of its hybrid clock), and diubah_oleh and
 * diubah_oleh_wilayah (the name and region of the node that wrote it, recfind.h's author); for
 * the collections whose records are verified (verif.h), status_verifikasi and
 * catatan_verifikasi, the derived verification state and the note of the verdict that decides it
 * (import ignores these columns, as it ignores the diubah ones).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "i18n.h"
#include "csv.h"
#include "csvin.h"
#include "proto/hlc.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/wilayah.h"
#include "recfind.h"
#include "recjson.h"
#include "sheet.h"
#include "verif.h"
#include "xlsx.h"

/* Progress on a terminal every so many records. */
#define PROGRESS_EVERY 10000

/* Column names the export adds beside the schema's fields. */
const char *const export_extra_columns[] = {"key",
                                            "wilayah",
                                            "nama_wilayah",
                                            "diubah",
                                            "diubah_oleh",
                                            "diubah_oleh_wilayah",
                                            "status_verifikasi",
                                            "catatan_verifikasi"};

struct export
{
	const struct pk_collection *coll;
	enum export_format fmt;
	FILE *f;
	struct csv csv;
	bool excel;        /* CSV for spreadsheets: ';', decimal comma, text cells marked */
	struct xlsx *xl;   /* FMT_XLSX */
	size_t n;          /* records written */
	size_t bad;        /* stored records that did not decode */
	bool nomem;        /* a record could not be converted for lack of memory */
	bool failed;       /* a write to f failed: the walk stopped */
	bool too_many;     /* more records than an xlsx sheet holds: the walk stopped */
	bool progress;     /* show a count on stderr */
	struct pk_diag xd; /* the xlsx library's error */
	struct cli_authors as;
	bool states;    /* the collection's records are verified: two more columns */
	struct vidx vx; /* the verdicts, when states */
};

/*
 * The shortest decimal text that reads back (strtod) as exactly x: 12.5, 0.1, 1000000, 1.5e-7.
 * Positional notation for exponents -4..15, as Python's repr does, else d.ddde[-]X. No ".0" on
 * integral values: 12 is the shortest text of 12.0, and every JSON reader gives it back equal.
 */
static void num_text(double x, char out[40])
{
	char e[40], digits[24];
	int p, exp, nd = 0, o = 0;
	const char *s;

	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, x);
		if (strtod(e, NULL) == x)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, x); /* "-d.ddde+XX" */
	s = e;
	if (*s == '-')
		out[o++] = *s++;
	for (; *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp = atoi(s + 1);
	if (exp >= -4 && exp < 16) {
		if (exp < 0) {
			out[o++] = '0';
			out[o++] = '.';
			for (int i = -1; i > exp; i--)
				out[o++] = '0';
			for (int i = 0; i < nd; i++)
				out[o++] = digits[i];
		} else {
			for (int i = 0; i <= exp; i++)
				out[o++] = i < nd ? digits[i] : '0';
			if (nd > exp + 1) {
				out[o++] = '.';
				for (int i = exp + 1; i < nd; i++)
					out[o++] = digits[i];
			}
		}
		out[o] = '\0';
		return;
	}
	out[o++] = digits[0];
	if (nd > 1) {
		out[o++] = '.';
		for (int i = 1; i < nd; i++)
			out[o++] = digits[i];
	}
	snprintf(out + o, (size_t)(40 - o), "e%d", exp);
}

/* {"key", "wilayah", "nama_wilayah", fields..., "diubah", "diubah_oleh",
 * "diubah_oleh_wilayah"} of a live record written by a, or NULL when the value does not decode
 * (*nomem tells when memory ran out instead). */
static json_t *record_object(const struct pk_collection *coll, const struct store_record *r,
                             const struct cli_author *a, bool *nomem)
{
	const struct pk_wilayah *w = pk_wilayah_find(r->region, strlen(r->region));
	char when[32];
	json_t *o;
	int err;

	*nomem = false;
	cli_hlc_time(when, r->hlc);
	o = json_pack("{s:s, s:s, s:s}", "key", r->key, "wilayah", r->region, "nama_wilayah",
	              w != NULL ? w->name : "");
	if (o == NULL) {
		*nomem = true;
		return NULL;
	}
	err = recjson_decode(coll, r->value, r->value_len, o);
	if (err == 0 &&
	    (json_object_set_new(o, "diubah", json_string(when)) != 0 ||
	     json_object_set_new(o, "diubah_oleh", json_string(a->name)) != 0 ||
	     json_object_set_new(o, "diubah_oleh_wilayah", json_string(a->region)) != 0))
		err = PK_ENOMEM;
	if (err != 0) {
		*nomem = err == PK_ENOMEM;
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One JSON value, compact, UTF-8 as is; numbers with a fraction by num_text. */
static void json_value_out(FILE *f, json_t *v)
{
	char num[40];

	if (json_is_real(v)) {
		num_text(json_real_value(v), num);
		fputs(num, f);
	} else {
		json_dumpf(v, f, JSON_ENCODE_ANY | JSON_COMPACT);
	}
}

/* The record object compact on one line (no newline). Member names are schema field names and
 * the fixed columns, all plain ASCII, so they need no escaping. */
static void json_record_out(FILE *f, json_t *o)
{
	const char *name;
	json_t *v;
	bool first = true;

	fputc('{', f);
	json_object_foreach(o, name, v)
	{
		fprintf(f, "%s\"%s\":", first ? "" : ",", name);
		json_value_out(f, v);
		first = false;
	}
	fputc('}', f);
}

/* A text cell; for spreadsheets with the mark when a spreadsheet would read it as a number, a
 * date or a formula (see sheet.h). */
static void csv_text(struct export *x, const char *s, size_t len)
{
	csv_marked(&x->csv, x->excel && sheet_needs_mark(s, len) ? SHEET_MARK : "", s, len);
}

/* One CSV cell for a field value: absent empty, strings as is, a strlist as JSON array text,
 * numbers with a decimal comma for spreadsheets. */
static void csv_value(struct export *x, json_t *v)
{
	struct csv *w = &x->csv;
	char num[40], *dot;
	char *t;

	if (v == NULL) {
		csv_field(w, "", 0);
	} else if (json_is_string(v)) {
		csv_text(x, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		csv_str(w, num);
	} else if (json_is_real(v)) {
		num_text(json_real_value(v), num);
		if (x->excel && (dot = strchr(num, '.')) != NULL)
			*dot = ',';
		csv_str(w, num);
	} else if (json_is_boolean(v)) {
		csv_str(w, json_is_true(v) ? "true" : "false");
	} else {
		t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (t == NULL)
			x->nomem = true;
		csv_str(w, t);
		free(t);
	}
}

static void csv_header(struct export *x)
{
	csv_str(&x->csv, "key");
	csv_str(&x->csv, "wilayah");
	csv_str(&x->csv, "nama_wilayah");
	for (size_t i = 0; i < x->coll->nfields; i++)
		csv_str(&x->csv, x->coll->fields[i].name);
	csv_str(&x->csv, "diubah");
	csv_str(&x->csv, "diubah_oleh");
	csv_str(&x->csv, "diubah_oleh_wilayah");
	if (x->states) {
		csv_str(&x->csv, "status_verifikasi");
		csv_str(&x->csv, "catatan_verifikasi");
	}
	csv_end_row(&x->csv);
}

/*
 * The wilayah cell of a record in CSV and xlsx: its code, and for the whole country the word
 * `nasional` (CSVIN_NATIONAL), because an empty cell reads back as the importing node's own
 * region: a national record exported at a province must not come back as the province's.
 */
static const char *region_cell(json_t *o)
{
	const char *r = json_string_value(json_object_get(o, "wilayah"));

	return r == NULL || r[0] != '\0' ? r : CSVIN_NATIONAL;
}

static void csv_record_out(struct export *x, json_t *o)
{
	json_t *w = json_string(region_cell(o));

	csv_value(x, json_object_get(o, "key"));
	csv_value(x, w);
	json_decref(w);
	csv_value(x, json_object_get(o, "nama_wilayah"));
	for (size_t i = 0; i < x->coll->nfields; i++)
		csv_value(x, json_object_get(o, x->coll->fields[i].name));
	csv_value(x, json_object_get(o, "diubah"));
	csv_value(x, json_object_get(o, "diubah_oleh"));
	csv_value(x, json_object_get(o, "diubah_oleh_wilayah"));
	if (x->states) {
		csv_value(x, json_object_get(o, "status_verifikasi"));
		csv_value(x, json_object_get(o, "catatan_verifikasi"));
	}
	csv_end_row(&x->csv);
}

/* The header row of the xlsx sheet, named after the collection, and its columns' formats. */
static void xlsx_header(struct export *x)
{
	const char *names[PK_REC_FIELDS_MAX + 8];
	size_t n = 0, tail = x->states ? 5 : 3;

	names[n++] = "key";
	names[n++] = "wilayah";
	names[n++] = "nama_wilayah";
	for (size_t i = 0; i < x->coll->nfields && n < PK_REC_FIELDS_MAX + 3; i++)
		names[n++] = x->coll->fields[i].name;
	names[n++] = "diubah";
	names[n++] = "diubah_oleh";
	names[n++] = "diubah_oleh_wilayah";
	if (x->states) {
		names[n++] = "status_verifikasi";
		names[n++] = "catatan_verifikasi";
	}
	xlsx_sheet(x->xl, x->coll->name, names, n);
	for (size_t c = 0; c < n; c++)
		xlsx_column_kind(x->xl, c,
		                 c >= 3 && c < n - tail ? sheet_field_kind(&x->coll->fields[c - 3])
		                                        : sheet_extra_kind(names[c]));
}

/* One row of the xlsx sheet: every cell typed by its field (see sheet.h). */
static void xlsx_record_out(struct export *x, json_t *o, uint64_t hlc)
{
	size_t row = x->n + 1, col = 0;
	char *t;

	xlsx_text(x->xl, row, col++, json_string_value(json_object_get(o, "key")));
	xlsx_text(x->xl, row, col++, region_cell(o));
	xlsx_text(x->xl, row, col++, json_string_value(json_object_get(o, "nama_wilayah")));
	for (size_t i = 0; i < x->coll->nfields; i++, col++) {
		const struct pk_field *f = &x->coll->fields[i];
		json_t *v = json_object_get(o, f->name);

		if (v == NULL)
			continue;
		switch (sheet_field_kind(f)) {
		case SK_INT:
		case SK_RUPIAH:
			xlsx_int(x->xl, row, col, json_integer_value(v),
			         sheet_field_kind(f) == SK_RUPIAH);
			break;
		case SK_NUM:
			xlsx_num(x->xl, row, col, json_number_value(v), false);
			break;
		case SK_BOOL:
			xlsx_bool(x->xl, row, col, json_is_true(v));
			break;
		case SK_DATE:
			xlsx_date(x->xl, row, col, json_string_value(v));
			break;
		case SK_LIST:
			if ((t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
				x->nomem = true;
			else
				xlsx_text(x->xl, row, col, t);
			free(t);
			break;
		default:
			xlsx_text(x->xl, row, col, json_string_value(v));
			break;
		}
	}
	xlsx_time_ms(x->xl, row, col++, pk_hlc_ms(hlc));
	xlsx_text(x->xl, row, col++, json_string_value(json_object_get(o, "diubah_oleh")));
	xlsx_text(x->xl, row, col++, json_string_value(json_object_get(o, "diubah_oleh_wilayah")));
	if (x->states) {
		const char *note = json_string_value(json_object_get(o, "catatan_verifikasi"));

		xlsx_text(x->xl, row, col++,
		          json_string_value(json_object_get(o, "status_verifikasi")));
		if (note != NULL)
			xlsx_text(x->xl, row, col, note);
	}
}

/* status_verifikasi and catatan_verifikasi of the record into o (verif.h); "" for a record that
 * no node verifies (the national node's own). 0 or PK_ENOMEM. */
static int add_state(struct export *x, const struct store_record *r, json_t *o)
{
	struct pk_version rec = {.hlc = r->hlc};
	const struct vinfo *vi = NULL;

	memcpy(rec.origin, r->origin, PK_PUB_BYTES);
	if (vidx_verifiable(r->coll, r->region))
		vi = vidx_state(&x->vx, r->coll, r->region, r->key, &rec, NULL, NULL);
	if (json_object_set_new(o, "status_verifikasi",
	                        json_string(!vidx_verifiable(r->coll, r->region) ? ""
	                                    : vi != NULL ? pk_vstate_name(vi->state)
	                                                 : pk_vstate_name(PK_VS_BELUM))) != 0)
		return PK_ENOMEM;
	if (vi != NULL && vi->catatan != NULL &&
	    json_object_set_new(o, "catatan_verifikasi", json_string(vi->catatan)) != 0)
		return PK_ENOMEM;
	return 0;
}

static int export_visit(const struct store_record *r, void *arg)
{
	struct export *x = arg;
	bool nomem;
	json_t *o = record_object(x->coll, r, cli_author(&x->as, r->origin), &nomem);

	if (o == NULL) {
		if (nomem) {
			x->nomem = true;
			return 1;
		}
		x->bad++;
		return 0;
	}
	if (x->states && add_state(x, r, o) != 0) {
		json_decref(o);
		x->nomem = true;
		return 1;
	}
	switch (x->fmt) {
	case FMT_CSV:
		csv_record_out(x, o);
		break;
	case FMT_XLSX:
		if (x->n + 1 >= XLSX_ROWS_MAX) {
			json_decref(o);
			x->too_many = true;
			return 1;
		}
		xlsx_record_out(x, o, r->hlc);
		break;
	case FMT_JSON:
		fputs(x->n ? ",\n" : "\n", x->f);
		json_record_out(x->f, o);
		break;
	case FMT_JSONL:
		json_record_out(x->f, o);
		fputc('\n', x->f);
		break;
	}
	json_decref(o);
	x->n++;
	if (x->progress && x->n % PROGRESS_EVERY == 0)
		cli_progress("exporting: %zu records", x->n);
	if (ferror(x->f)) {
		x->failed = true;
		return 1;
	}
	return x->nomem ? 1 : 0;
}

enum export_outcome export_run(struct store *s, const struct store_node *node,
                               const struct export_opts *o, struct export_result *res)
{
	struct export x;
	int n;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	x.coll = o->coll;
	x.fmt = o->fmt;
	x.f = o->f;
	x.excel = o->excel;
	x.progress = o->progress;
	x.csv.f = x.f;
	cli_authors_init(&x.as, s, node);
	x.states = vidx_applies(x.coll->name);
	if (x.states && (n = vidx_load(&x.vx, s)) != 0) {
		res->err = n;
		return EXPORT_STORE;
	}
	x.csv.sep = x.excel ? ';' : ',';
	if (x.excel)
		fputs("\xef\xbb\xbf", x.f); /* the byte order mark tells Excel the file is UTF-8 */
	if (x.fmt == FMT_XLSX && (x.xl = xlsx_new(o->xlsx_path)) == NULL) {
		vidx_free(&x.vx);
		return EXPORT_NOMEM;
	}
	if (x.fmt == FMT_CSV)
		csv_header(&x);
	else if (x.fmt == FMT_XLSX)
		xlsx_header(&x);
	else if (x.fmt == FMT_JSON)
		fputc('[', x.f);
	n = store_list(s, x.coll->name, o->region, false, export_visit, &x);
	vidx_free(&x.vx);
	res->n = x.n;
	res->bad = x.bad;
	if (x.progress && x.n >= PROGRESS_EVERY)
		cli_progress("exporting: %zu records\n", x.n);
	if (x.fmt == FMT_JSON)
		fputs(x.n ? "\n]\n" : "]\n", x.f);
	if (x.xl != NULL) {
		int err = xlsx_close(x.xl, res->xlsx_why, sizeof(res->xlsx_why));

		if (n >= 0 && !x.nomem && !x.too_many && err != 0)
			return EXPORT_XLSX_FAILED;
	}
	if (n < 0) {
		res->err = n;
		return EXPORT_STORE;
	}
	if (x.nomem)
		return EXPORT_NOMEM;
	if (x.too_many)
		return EXPORT_TOO_MANY;
	if (x.bad > 0)
		return EXPORT_BAD;
	if (fflush(x.f) != 0 || ferror(x.f) || x.failed)
		return EXPORT_WRITE;
	return EXPORT_OK;
}
