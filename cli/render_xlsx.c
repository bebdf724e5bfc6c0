/*
 * render_xlsx.c: the report model (cli/report.h) as an xlsx workbook (cli/xlsx.h): one sheet per
 * table the text output has, with the CSV column names as the header, the rows and the total
 * row; counts and rupiah as numbers with thousands separators, hectares as numbers with two
 * decimals. A report with items (arahan) gets a sheet more with one row per item, as its CSV.
 */
#include <stdio.h>
#include <string.h>

#include "proto/error.h"
#include "i18n.h"
#include "render.h"
#include "xlsx.h"

#define SHEET_NAME_MAX 31 /* Excel's limit, in characters */
#define COLS_MAX 256

/* A sheet name from a text table's heading: its words before '(' or ':', without the
 * characters Excel refuses in a name, at most 31 bytes; "tabel N" when that leaves nothing. */
static void sheet_name(const struct report *r, int section, char out[SHEET_NAME_MAX + 1])
{
	const char *h = section < r->nsections && r->headings[section] ? r->headings[section] : "";
	size_t o = 0;

	for (; *h && *h != '(' && *h != ':' && *h != '\n' && o < SHEET_NAME_MAX; h++)
		if (((unsigned char)*h & 0x80) ==
		    0) /* ASCII only: a cut never splits a character */
			out[o++] = strchr("[]*?/\\'", *h) ? ' ' : *h;
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (o == 0)
		snprintf(out, SHEET_NAME_MAX + 1, section == 0 ? "rekap" : "tabel %d", section + 1);
}

static void cell(struct xlsx *x, size_t row, size_t col, const struct rpt_column *c,
                 const struct rpt_cell *v)
{
	if (v->kind != RPT_VAL)
		return;
	if (c->c.type == RPT_INT)
		xlsx_int(x, row, col, (int64_t)v->n, true);
	else if (c->c.type == RPT_HA)
		xlsx_num(x, row, col, (double)v->n / 10000.0, true);
	else if (c->c.type == RPT_STR)
		xlsx_text(x, row, col, v->s);
}

/* The columns of table `section` in CSV: the key columns and the section's own. */
static size_t section_cols(const struct report *r, int section, size_t *cols)
{
	size_t n = 0;

	for (size_t c = 0; c < r->ncols && n < COLS_MAX; c++)
		if (r->cols[c].csv != NULL && r->cols[c].c.type != RPT_OBJ &&
		    ((r->cols[c].c.flags & RPT_KEY) || r->cols[c].c.section == section))
			cols[n++] = c;
	return n;
}

static void table(const struct report *r, struct xlsx *x, int section, const size_t *cols, size_t n)
{
	const char *heads[COLS_MAX];
	char name[SHEET_NAME_MAX + 1];
	size_t row = 1;

	sheet_name(r, section, name);
	for (size_t i = 0; i < n; i++)
		heads[i] = r->cols[cols[i]].csv;
	xlsx_sheet(x, name, heads, n);
	for (size_t i = 0; i < r->nrows; i++, row++)
		for (size_t k = 0; k < n; k++)
			cell(x, row, k, &r->cols[cols[k]], &r->rows[i].cells[cols[k]]);
	if (r->total.cells != NULL && !r->has_items) /* as in CSV */
		for (size_t k = 0; k < n; k++)
			cell(x, row, k, &r->cols[cols[k]], &r->total.cells[cols[k]]);
}

/* One row per item, after the row's key columns (arahan: a directive and each target). */
static void items(const struct report *r, struct xlsx *x, const size_t *cols, size_t n)
{
	const char *heads[COLS_MAX + 3 + RPT_ITEM_MORE];
	size_t row = 1, nk = 0, keys[COLS_MAX], nh;
	bool flag = r->items.csv[2] != NULL;

	for (size_t i = 0; i < n; i++)
		if (r->cols[cols[i]].c.flags & RPT_KEY) {
			keys[nk] = cols[i];
			heads[nk++] = r->cols[cols[i]].csv;
		}
	nh = nk;
	for (size_t i = 0; i < 3; i++)
		if (r->items.csv[i] != NULL)
			heads[nh++] = r->items.csv[i];
	for (size_t k = 0; k < r->items.nmore; k++)
		heads[nh++] = r->items.more[k].csv;
	/* TRANSLATORS: the name of the workbook sheet that lists a recap's items, one per row. */
	xlsx_sheet(x, _("items"), heads, nh);
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t j = 0; j < r->rows[i].nitems; j++, row++) {
			const struct rpt_item *it = &r->rows[i].items[j];
			size_t c = nk + 2 + flag;

			for (size_t k = 0; k < nk; k++)
				cell(x, row, k, &r->cols[keys[k]], &r->rows[i].cells[keys[k]]);
			xlsx_text(x, row, nk, it->code);
			xlsx_text(x, row, nk + 1, it->name);
			if (flag)
				xlsx_text(x, row, nk + 2, it->yes ? _("yes") : _("no"));
			for (size_t k = 0; k < r->items.nmore; k++, c++) {
				const struct rpt_cell *v = &it->more[k];

				if (v->kind != RPT_VAL)
					continue;
				if (r->items.more[k].type == RPT_INT)
					xlsx_int(x, row, c, (int64_t)v->n, false);
				else
					xlsx_text(x, row, c, v->s);
			}
		}
}

int rpt_write_xlsx(const struct report *r, struct xlsx *x)
{
	size_t cols[COLS_MAX], n;

	if (r->err != 0)
		return r->err;
	for (int s = 0; s < (r->nsections > 0 ? r->nsections : 1); s++) {
		n = section_cols(r, s, cols);
		/* A table with only key columns has nothing of its own (text leaves it out too). */
		bool own = false;
		for (size_t i = 0; i < n && !own; i++)
			own = !(r->cols[cols[i]].c.flags & RPT_KEY);
		if (s == 0 || own)
			table(r, x, s, cols, n);
	}
	if (r->has_items) {
		n = section_cols(r, 0, cols);
		items(r, x, cols, n);
	}
	return 0;
}
