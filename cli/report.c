/* report.c: the report model of `pokjactl rekap` (see report.h): building it, with a sticky
 * error. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/error.h"
#include "report.h"

static void set_err(struct report *r, int err)
{
	if (r->err == 0)
		r->err = err;
}

/* A copy of s (NULL stays NULL). */
static char *copy(struct report *r, const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		set_err(r, PK_ENOMEM);
	return c;
}

struct report *rpt_new(const char *rows_name)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->meta = json_object();
	r->rows_name = strdup(rows_name);
	if (r->meta == NULL || r->rows_name == NULL) {
		rpt_free(r);
		return NULL;
	}
	return r;
}

static void free_row(struct rpt_row *w, size_t ncols)
{
	for (size_t c = 0; w->cells != NULL && c < ncols; c++)
		free(w->cells[c].s);
	for (size_t i = 0; i < w->nitems; i++) {
		free(w->items[i].code);
		free(w->items[i].name);
		for (size_t k = 0; k < RPT_ITEM_MORE; k++)
			free(w->items[i].more[k].s);
	}
	free(w->cells);
	free(w->note);
	free(w->items);
}

void rpt_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrows; i++)
		free_row(&r->rows[i], r->ncols);
	free_row(&r->total, r->ncols);
	for (size_t c = 0; c < r->ncols; c++) {
		free(r->cols[c].text);
		free(r->cols[c].csv);
		for (size_t i = 0; i < RPT_PATH_MAX; i++)
			free(r->cols[c].json[i]);
	}
	for (int s = 0; s < r->nsections; s++)
		free(r->headings[s]);
	free(r->headings);
	free(r->cols);
	free(r->rows);
	free(r->title);
	free(r->empty);
	free(r->footer);
	free(r->rows_name);
	json_decref(r->meta);
	free(r);
}

int rpt_error(const struct report *r)
{
	return r->err;
}

void rpt_footer(struct report *r, const char *lines)
{
	size_t have = r->footer != NULL ? strlen(r->footer) : 0, add = strlen(lines);
	char *f;

	if (r->err != 0)
		return;
	if ((f = realloc(r->footer, have + add + 1)) == NULL) {
		r->err = PK_ENOMEM;
		return;
	}
	memcpy(f + have, lines, add + 1);
	r->footer = f;
}

void rpt_title(struct report *r, const char *title, const char *empty)
{
	free(r->title);
	free(r->empty);
	r->title = copy(r, title);
	r->empty = copy(r, empty);
}

/* Makes room for section s in headings. */
static int need_section(struct report *r, int s)
{
	char **h;

	if (s < r->nsections)
		return 0;
	if (s < 0 || (h = realloc(r->headings, (size_t)(s + 1) * sizeof(*h))) == NULL) {
		set_err(r, s < 0 ? PK_EINVAL : PK_ENOMEM);
		return -1;
	}
	for (int i = r->nsections; i <= s; i++)
		h[i] = NULL;
	r->headings = h;
	r->nsections = s + 1;
	return 0;
}

void rpt_heading(struct report *r, int section, const char *heading)
{
	if (need_section(r, section) != 0)
		return;
	free(r->headings[section]);
	r->headings[section] = copy(r, heading);
}

/* Sets j (a new reference, NULL when out of memory) at key in the meta object, or appends it to
 * the array there. */
static void meta_put(struct report *r, const char *key, json_t *j, bool push)
{
	json_t *list = json_object_get(r->meta, key);

	if (j == NULL || (push && !json_is_array(list)))
		set_err(r, j == NULL ? PK_ENOMEM : PK_EINVAL);
	else if ((push ? json_array_append(list, j) : json_object_set(r->meta, key, j)) != 0)
		set_err(r, PK_ENOMEM);
	json_decref(j);
}

static json_t *json_str(struct report *r, const char *s)
{
	(void)r;
	return s == NULL ? json_null() : json_string(s);
}

void rpt_meta_str(struct report *r, const char *key, const char *s)
{
	meta_put(r, key, json_str(r, s), false);
}

/* A JSON integer; NULL, with the error set, past jansson's 2^63 - 1 (never for a year). */
static json_t *json_int(struct report *r, uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	set_err(r, PK_ETOOBIG);
	return NULL;
}

void rpt_meta_int(struct report *r, const char *key, uint64_t v)
{
	meta_put(r, key, json_int(r, v), false);
}

void rpt_meta_list(struct report *r, const char *key)
{
	meta_put(r, key, json_array(), false);
}

void rpt_meta_push_str(struct report *r, const char *key, const char *s)
{
	meta_put(r, key, json_str(r, s), true);
}

void rpt_meta_push_int(struct report *r, const char *key, uint64_t v)
{
	meta_put(r, key, json_int(r, v), true);
}

size_t rpt_col(struct report *r, const struct rpt_col *c)
{
	struct rpt_column *cols, *n;

	if (r->nrows > 0 || r->total.cells != NULL || c->text_max > RPT_TEXT_MAX ||
	    (c->type == RPT_OBJ && c->json[0] == NULL)) {
		set_err(r, PK_EINVAL);
		return 0;
	}
	if ((c->text != NULL && need_section(r, c->section) != 0) ||
	    (cols = realloc(r->cols, (r->ncols + 1) * sizeof(*cols))) == NULL) {
		set_err(r, PK_ENOMEM);
		return 0;
	}
	r->cols = cols;
	n = &cols[r->ncols];
	memset(n, 0, sizeof(*n));
	n->c = *c;
	n->c.text = n->text = copy(r, c->text);
	n->c.csv = n->csv = copy(r, c->csv);
	for (size_t i = 0; i < RPT_PATH_MAX && c->json[i] != NULL; i++, n->depth++)
		n->c.json[i] = n->json[i] = copy(r, c->json[i]);
	return r->ncols++;
}

void rpt_items(struct report *r, const struct rpt_items *spec)
{
	r->items = *spec;
	r->has_items = true;
}

static int init_row(struct report *r, struct rpt_row *w)
{
	memset(w, 0, sizeof(*w));
	if ((w->cells = calloc(r->ncols ? r->ncols : 1, sizeof(*w->cells))) == NULL) {
		set_err(r, PK_ENOMEM);
		return -1;
	}
	return 0;
}

size_t rpt_row(struct report *r)
{
	struct rpt_row *rows;

	if (r->err != 0)
		return 0;
	if (r->nrows == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16;

		if ((rows = realloc(r->rows, ncap * sizeof(*rows))) == NULL) {
			set_err(r, PK_ENOMEM);
			return 0;
		}
		r->rows = rows;
		r->cap = ncap;
	}
	if (init_row(r, &r->rows[r->nrows]) != 0)
		return 0;
	return r->nrows++;
}

/* The row numbered row, or NULL after an error (and for a bad number). */
static struct rpt_row *row_at(struct report *r, size_t row)
{
	if (r->err != 0)
		return NULL;
	if (row == RPT_TOTAL) {
		if (r->total.cells == NULL && init_row(r, &r->total) != 0)
			return NULL;
		return &r->total;
	}
	if (row >= r->nrows) {
		set_err(r, PK_EINVAL);
		return NULL;
	}
	return &r->rows[row];
}

static struct rpt_cell *cell_at(struct report *r, size_t row, size_t col)
{
	struct rpt_row *w = row_at(r, row);

	if (w == NULL)
		return NULL;
	if (col >= r->ncols) {
		set_err(r, PK_EINVAL);
		return NULL;
	}
	return &w->cells[col];
}

void rpt_str(struct report *r, size_t row, size_t col, const char *s)
{
	struct rpt_cell *c = cell_at(r, row, col);

	if (c == NULL)
		return;
	free(c->s);
	c->s = copy(r, s);
	c->kind = s == NULL ? RPT_NULL : RPT_VAL;
}

void rpt_int(struct report *r, size_t row, size_t col, uint64_t v)
{
	struct rpt_cell *c = cell_at(r, row, col);

	if (v > RPT_INT_MAX)
		set_err(r, PK_ETOOBIG);
	else if (c != NULL) {
		c->kind = RPT_VAL;
		c->n = v;
	}
}

void rpt_null(struct report *r, size_t row, size_t col)
{
	struct rpt_cell *c = cell_at(r, row, col);

	if (c != NULL)
		c->kind = RPT_NULL;
}

int rpt_sum(uint64_t *acc, uint64_t v)
{
	if (v > RPT_INT_MAX || *acc > RPT_INT_MAX - v)
		return PK_ETOOBIG;
	*acc += v;
	return 0;
}

void rpt_add(struct report *r, size_t row, size_t col, uint64_t v)
{
	struct rpt_cell *c = cell_at(r, row, col);

	if (c == NULL)
		return;
	if (c->kind != RPT_VAL)
		c->n = 0;
	c->kind = RPT_VAL;
	if (rpt_sum(&c->n, v) != 0)
		set_err(r, PK_ETOOBIG);
}

void rpt_note(struct report *r, size_t row, const char *note)
{
	struct rpt_row *w = row_at(r, row);

	if (w != NULL) {
		free(w->note);
		w->note = copy(r, note);
	}
}

void rpt_item(struct report *r, size_t row, const char *code, const char *name, bool yes)
{
	struct rpt_row *w = row_at(r, row);
	struct rpt_item *it;

	if (w == NULL)
		return;
	if (w->nitems == w->icap) {
		size_t ncap = w->icap ? w->icap * 2 : 16;

		if ((it = realloc(w->items, ncap * sizeof(*it))) == NULL) {
			set_err(r, PK_ENOMEM);
			return;
		}
		w->items = it;
		w->icap = ncap;
	}
	it = &w->items[w->nitems++];
	memset(it, 0, sizeof(*it));
	it->code = copy(r, code);
	it->name = copy(r, name);
	it->yes = yes;
}

/* Cell k of the more cells of row's last item, or NULL (PK_EINVAL set when misused). */
static struct rpt_cell *item_cell(struct report *r, size_t row, size_t k)
{
	struct rpt_row *w = row_at(r, row);

	if (w == NULL)
		return NULL;
	if (w->nitems == 0 || k >= r->items.nmore) {
		set_err(r, PK_EINVAL);
		return NULL;
	}
	return &w->items[w->nitems - 1].more[k];
}

void rpt_item_str(struct report *r, size_t row, size_t k, const char *s)
{
	struct rpt_cell *v = item_cell(r, row, k);

	if (v == NULL)
		return;
	free(v->s);
	v->s = NULL;
	v->kind = s == NULL ? RPT_NULL : RPT_VAL;
	if (s != NULL)
		v->s = copy(r, s);
}

void rpt_item_int(struct report *r, size_t row, size_t k, uint64_t v)
{
	struct rpt_cell *c = item_cell(r, row, k);

	if (c == NULL)
		return;
	if (v > RPT_INT_MAX) {
		set_err(r, PK_ETOOBIG);
		return;
	}
	c->kind = RPT_VAL;
	c->n = v;
}
