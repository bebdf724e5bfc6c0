/*
 * render.c: the one renderer of the report model (see render.h). The text renderer measures
 * every cell of a table before printing it, so each text table takes two passes over the rows;
 * JSON is built whole with jansson, then dumped.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "proto/error.h"
#include "proto/schema.h"
#include "render.h"

#define NUM_BUF 64

/* ---- numbers ------------------------------------------------------------------------------- */

/* The decimal digits of v. */
static char *dec(uint64_t v, char buf[NUM_BUF])
{
	snprintf(buf, NUM_BUF, "%llu", (unsigned long long)v);
	return buf;
}

/* v for people, thousands separated by '.' as written in Indonesia: 1.250.000. */
static char *grouped(uint64_t v, char buf[NUM_BUF])
{
	char d[NUM_BUF];
	size_t n = strlen(dec(v, d)), o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = '.';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

/* An area in square metres as hectares for people: two decimals after a comma, 1.250,75. */
static char *ha_text(uint64_t m2, char buf[NUM_BUF])
{
	uint64_t h = m2 / 100 + (m2 % 100 >= 50); /* hundredths of a hectare, rounded half up */
	char whole[NUM_BUF];

	snprintf(buf, NUM_BUF, "%s,%02u", grouped(h / 100, whole), (unsigned)(h % 100));
	return buf;
}

/* An area in square metres as an exact number of hectares for machines: 12.5, 3.0, 0.0001. */
static char *ha_plain(uint64_t m2, char buf[NUM_BUF])
{
	unsigned frac = (unsigned)(m2 % 10000);
	int digits = 4;

	if (frac == 0) {
		snprintf(buf, NUM_BUF, "%llu.0", (unsigned long long)(m2 / 10000));
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, NUM_BUF, "%llu.%0*u", (unsigned long long)(m2 / 10000), digits, frac);
	return buf;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* s cut to max characters (0: no limit) with "..." at the end, in buf when cut. */
static const char *cut_text(const char *s, size_t max, char buf[RPT_CELL_BUF])
{
	size_t len = strlen(s), keep, w = 0;

	if (max <= 3 || pk_utf8_width(s) <= max)
		return s;
	for (keep = 0; keep < len; keep++)
		if (((unsigned char)s[keep] & 0xc0) != 0x80 && w++ == max - 3)
			break;
	memcpy(buf, s, keep);
	strcpy(buf + keep, "...");
	return buf;
}

const char *rpt_cell_text(const struct rpt_column *c, const struct rpt_cell *v, bool cut,
                          char buf[RPT_CELL_BUF])
{
	if (v->kind != RPT_VAL)
		return v->kind == RPT_ABSENT && c->c.type == RPT_STR ? "" : "-";
	switch (c->c.type) {
	case RPT_INT:
		return grouped(v->n, buf);
	case RPT_HA:
		return ha_text(v->n, buf);
	default:
		return cut ? cut_text(v->s, c->c.text_max, buf) : v->s;
	}
}

/* The lines of a text table: the header, then the rows and the total when with_rows. */
static const char *line_cell(const struct report *r, size_t line, const struct rpt_column *c,
                             size_t col, char buf[RPT_CELL_BUF])
{
	if (line == 0)
		return c->text;
	if (line <= r->nrows)
		return rpt_cell_text(c, &r->rows[line - 1].cells[col], true, buf);
	return rpt_cell_text(c, &r->total.cells[col], true, buf);
}

/* Prints text table `section`: the key columns and the section's own, as wide as their widest
 * cell, numbers on the right, two spaces apart. */
static int text_table(const struct report *r, FILE *f, int section, bool with_rows)
{
	size_t *vis = malloc((r->ncols + 1) * sizeof(*vis)), *w = calloc(r->ncols + 1, sizeof(*w));
	size_t nvis = 0, nlines = with_rows ? r->nrows + 1 + (r->total.cells != NULL) : 1;
	char buf[RPT_CELL_BUF];

	if (vis == NULL || w == NULL) {
		free(vis);
		free(w);
		return PK_ENOMEM;
	}
	for (size_t c = 0; c < r->ncols; c++)
		if (rpt_in_table(&r->cols[c], section))
			vis[nvis++] = c;
	for (size_t l = 0; l < nlines; l++)
		for (size_t v = 0; v < nvis; v++) {
			size_t cw = pk_utf8_width(line_cell(r, l, &r->cols[vis[v]], vis[v], buf));

			if (cw > w[v])
				w[v] = cw;
		}
	for (size_t l = 0; l < nlines; l++) {
		for (size_t v = 0; v < nvis; v++) {
			const struct rpt_column *c = &r->cols[vis[v]];
			const char *s = line_cell(r, l, c, vis[v], buf);
			size_t pad = w[v] - pk_utf8_width(s);
			bool right = rpt_right(c);

			if (v > 0)
				fputs("  ", f);
			if (right)
				fprintf(f, "%*s", (int)pad, "");
			fputs(s, f);
			if (!right && v + 1 < nvis)
				fprintf(f, "%*s", (int)pad, "");
		}
		fputc('\n', f);
		if (section == 0 && l > 0 && l <= r->nrows && r->rows[l - 1].note != NULL)
			fputs(r->rows[l - 1].note, f);
	}
	free(vis);
	free(w);
	return 0;
}

bool rpt_in_table(const struct rpt_column *c, int section)
{
	return c->text != NULL && ((c->c.flags & RPT_KEY) || c->c.section == section);
}

bool rpt_right(const struct rpt_column *c)
{
	return c->c.type != RPT_STR || (c->c.flags & RPT_RIGHT);
}

bool rpt_table_shown(const struct report *r, int section)
{
	if (section == 0)
		return true;
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].text != NULL && !(r->cols[c].c.flags & RPT_KEY) &&
		    r->cols[c].c.section == section)
			return true;
	return false;
}

/* The title, then each text table used, a blank line apart; without rows, the header of table
 * 0 and the empty line. */
static int write_text(const struct report *r, FILE *f)
{
	int err = 0, printed = 0;

	fputs(r->title ? r->title : "", f);
	if (r->nrows == 0) {
		err = text_table(r, f, 0, false);
		fputs(r->empty ? r->empty : "", f);
	}
	for (int s = 0; r->nrows > 0 && s < r->nsections && err == 0; s++) {
		if (!rpt_table_shown(r, s))
			continue;
		if (printed++ > 0)
			fputc('\n', f);
		if (r->headings[s] != NULL)
			fputs(r->headings[s], f);
		err = text_table(r, f, s, true);
	}
	if (err == 0 && r->footer != NULL) {
		fputc('\n', f);
		fputs(r->footer, f);
	}
	return err;
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static void csv_cell(struct csv *w, const struct rpt_column *c, const struct rpt_cell *v)
{
	char buf[NUM_BUF];

	if (v->kind != RPT_VAL)
		csv_str(w, "");
	else if (c->c.type == RPT_INT)
		csv_str(w, dec(v->n, buf));
	else if (c->c.type == RPT_HA)
		csv_str(w, ha_plain(v->n, buf));
	else
		csv_str(w, v->s);
}

/* An item's more cell in CSV: digits or the string, "" when absent or null. */
static void csv_more(struct csv *w, const struct rpt_item_col *c, const struct rpt_cell *v)
{
	char buf[NUM_BUF];

	if (v->kind != RPT_VAL)
		csv_str(w, "");
	else
		csv_str(w, c->type == RPT_INT ? dec(v->n, buf) : v->s);
}

/* The CSV cells of one row, then (with items) of item i, or empty ones when i is none. */
static void csv_line(const struct report *r, struct csv *w, const struct rpt_row *row, size_t i)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].csv != NULL)
			csv_cell(w, &r->cols[c], &row->cells[c]);
	if (r->has_items) {
		const struct rpt_item *it = i < row->nitems ? &row->items[i] : NULL;
		static const struct rpt_cell none = {RPT_ABSENT, 0, NULL};

		csv_str(w, it ? it->code : "");
		csv_str(w, it ? it->name : "");
		if (r->items.csv[2] != NULL)
			csv_str(w, it ? (it->yes ? "yes" : "no") : "");
		for (size_t k = 0; k < r->items.nmore; k++)
			csv_more(w, &r->items.more[k], it ? &it->more[k] : &none);
	}
	csv_end_row(w);
}

/* The header line, a line per row (per item with items), and the total unless with items. */
static int write_csv(const struct report *r, FILE *f)
{
	struct csv w = {f, false, 0};

	for (size_t c = 0; c < r->ncols; c++)
		if (r->cols[c].csv != NULL)
			csv_str(&w, r->cols[c].csv);
	for (size_t i = 0; r->has_items && i < 3; i++)
		if (r->items.csv[i] != NULL)
			csv_str(&w, r->items.csv[i]);
	for (size_t k = 0; r->has_items && k < r->items.nmore; k++)
		csv_str(&w, r->items.more[k].csv);
	csv_end_row(&w);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct rpt_row *row = &r->rows[i];

		for (size_t j = 0; j < (row->nitems ? row->nitems : 1); j++)
			csv_line(r, &w, row, j);
	}
	if (!r->has_items && r->total.cells != NULL)
		csv_line(r, &w, &r->total, 0);
	return 0;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

/* A cell as a JSON value (a new reference; NULL: out of memory or PK_ETOOBIG in *err). */
static json_t *cell_json(const struct rpt_column *c, const struct rpt_cell *v, int *err)
{
	if (v->kind != RPT_VAL)
		return json_null();
	switch (c->c.type) {
	case RPT_INT:
		return json_integer((json_int_t)v->n); /* at most RPT_INT_MAX */
	case RPT_HA:
		/* Exact: a decimal of at most 15 digits survives the double and "%.15g". */
		if (v->n >= 1000000000000000ull) {
			*err = PK_ETOOBIG;
			return NULL;
		}
		return json_real((double)v->n / 10000.0);
	default:
		return json_string(v->s);
	}
}

/* The object at name in parent, made when missing (NULL when out of memory). */
static json_t *json_child(json_t *parent, const char *name)
{
	json_t *o = json_object_get(parent, name);

	if (o == NULL && json_object_set_new(parent, name, o = json_object()) != 0)
		return NULL;
	return o;
}

/* An item as a JSON object: its code, name and more cells (null when null, left out when
 * absent). NULL when out of memory. */
static json_t *item_json(const struct report *r, const struct rpt_item *it)
{
	json_t *o = json_pack("{s:s, s:s}", r->items.json[0], it->code, r->items.json[1], it->name);

	for (size_t k = 0; o != NULL && k < r->items.nmore; k++) {
		const struct rpt_cell *v = &it->more[k];
		json_t *j;

		if (v->kind == RPT_ABSENT)
			continue;
		j = v->kind == RPT_NULL                ? json_null()
		    : r->items.more[k].type == RPT_INT ? json_integer((json_int_t)v->n)
		                                       : json_string(v->s);
		if (j == NULL || json_object_set_new(o, r->items.more[k].json, j) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* The members of one row (or of the total, without the key columns) in a new object. */
static json_t *row_json(const struct report *r, const struct rpt_row *row, bool total, int *err)
{
	json_t *o = json_object(), *parent, *v;

	for (size_t c = 0; o != NULL && c < r->ncols; c++) {
		const struct rpt_column *col = &r->cols[c];

		if (col->depth == 0 || (total && (col->c.flags & RPT_KEY)) ||
		    (row->cells[c].kind == RPT_ABSENT && col->c.type != RPT_OBJ))
			continue;
		parent = o;
		for (size_t i = 0; parent != NULL && i + 1 < col->depth; i++)
			parent = json_child(parent, col->json[i]);
		if (col->c.type == RPT_OBJ)
			v = parent ? json_child(parent, col->json[col->depth - 1]) : NULL;
		else if ((v = cell_json(col, &row->cells[c], err)) != NULL &&
		         (parent == NULL ||
		          json_object_set_new(parent, col->json[col->depth - 1], v) != 0))
			v = NULL;
		if (v == NULL) {
			json_decref(o);
			o = NULL;
		}
	}
	for (int yes = 1; o != NULL && r->has_items && !total && yes >= 0; yes--) {
		bool one = r->items.list_no == NULL;
		json_t *list;

		if (one && !yes)
			break;
		list = json_array();
		for (size_t i = 0; list != NULL && i < row->nitems; i++) {
			const struct rpt_item *it = &row->items[i];

			if (!one && it->yes != (bool)yes)
				continue;
			if (json_array_append_new(list, item_json(r, it)) != 0) {
				json_decref(list);
				list = NULL;
			}
		}
		if (json_object_set_new(o, yes ? r->items.list_yes : r->items.list_no, list) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* The meta members, the rows under rows_name, the total; two spaces per level. */
static int write_json(const struct report *r, FILE *f)
{
	json_t *root = json_copy(r->meta), *rows = json_array(), *total = NULL, *o;
	int err = 0;
	char *text = NULL;

	if (root == NULL || rows == NULL || json_object_set(root, r->rows_name, rows) != 0)
		goto out;
	for (size_t i = 0; i < r->nrows; i++)
		if ((o = row_json(r, &r->rows[i], false, &err)) == NULL ||
		    json_array_append_new(rows, o) != 0)
			goto out;
	if (r->total.cells != NULL && ((total = row_json(r, &r->total, true, &err)) == NULL ||
	                               json_object_set(root, "total", total) != 0))
		goto out;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	if (text == NULL)
		goto out;
	fputs(text, f);
	fputc('\n', f);
out:
	if (text == NULL && err == 0)
		err = PK_ENOMEM;
	free(text);
	json_decref(total);
	json_decref(rows);
	json_decref(root);
	return err;
}

int rpt_write(const struct report *r, enum rpt_fmt fmt, FILE *f)
{
	if (r->err != 0)
		return r->err;
	switch (fmt) {
	case RPT_CSV:
		return write_csv(r, f);
	case RPT_JSON:
		return write_json(r, f);
	default:
		return write_text(r, f);
	}
}
