/*
 * rekap_kumuh.c: the kumuh report: slum area, households and houses per region and year, with
 * a total per year (a stock: years are never added up). One accumulator per region and year;
 * areas are summed in whole square metres (luas_ha to 4 decimals), so totals do not depend on
 * the order of float additions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "rekap.h"

struct km_cell {
	uint64_t records, m2, kk, rumah;
	uint64_t n_kk, n_rumah; /* records that give jumlah_kk, jumlah_rumah */
};

struct km {
	struct rekap *rk;
	struct smap groups; /* region codes at the level asked */
	struct smap cells;  /* struct rekap_pair (group, year) -> struct km_cell */
	bool year[YEAR_MAX - YEAR_MIN + 1];
	int err;
};

/* Adds a measure that a record may leave out. */
static int km_opt(uint64_t *sum, uint64_t *n, const struct fget *f)
{
	if (!f->present)
		return 0;
	(*n)++;
	return rpt_sum(sum, (uint64_t)f->i);
}

static int km_visit(const struct store_record *r, void *arg)
{
	struct km *k = arg;
	struct fget f[] = {{.name = "tahun"},
	                   {.name = "luas_ha"},
	                   {.name = "jumlah_kk"},
	                   {.name = "jumlah_rumah"}};
	struct km_cell *c;
	long g, i;

	if (rekap_fields("kumuh", r->value, r->value_len, f, 4) != 0 || !f[0].present ||
	    !f[1].present || f[0].i < YEAR_MIN || f[0].i > YEAR_MAX || !isfinite(f[1].d) ||
	    f[1].d < 0 || f[1].d > 1e9 || (f[2].present && f[2].i < 0) ||
	    (f[3].present && f[3].i < 0)) {
		k->rk->bad++;
		return 0;
	}
	if (k->rk->tahun != 0 && f[0].i != k->rk->tahun)
		return 0;
	if ((g = smap_put(&k->groups, r->region, rekap_group_len(r->region, k->rk->level))) < 0)
		goto nomem;
	struct rekap_pair p = {(uint32_t)g, (uint32_t)f[0].i};
	if ((i = smap_put(&k->cells, &p, sizeof(p))) < 0)
		goto nomem;
	k->year[f[0].i - YEAR_MIN] = true;
	c = smap_val(&k->cells, (size_t)i);
	c->records++;
	if (rpt_sum(&c->m2, (uint64_t)llround(f[1].d * 10000.0)) != 0 ||
	    km_opt(&c->kk, &c->n_kk, &f[2]) != 0 || km_opt(&c->rumah, &c->n_rumah, &f[3]) != 0) {
		k->err = PK_ETOOBIG;
		return 1;
	}
	return 0;
nomem:
	k->err = PK_ENOMEM;
	return 1;
}

static const struct km_cell *km_cell(const struct km *k, size_t g, int year)
{
	struct rekap_pair p = {(uint32_t)g, (uint32_t)year};
	long i = smap_get(&k->cells, &p, sizeof(p));

	return i < 0 ? NULL : smap_val(&k->cells, (size_t)i);
}

/* The title, the JSON members before the rows and the columns: per year the records (JSON
 * only), then per measure a column per year, each measure a text table of its own. Returns the
 * first per-year column. */
static size_t km_head(const struct km *k, struct report *r, const int *years, size_t ny)
{
	static const char *const names[] = {"luas_ha", "jumlah_kk", "jumlah_rumah"};
	static const char *const titles[] = {
	    N_("luas_ha: slum area in hectares\n\n"),
	    N_("jumlah_kk: households in slum areas (sums of the records that give it)\n\n"),
	    N_("jumlah_rumah: houses in slum areas (sums of the records that give it)\n\n")};
	const struct rekap *rk = k->rk;
	char title[512], y[16], csv[64];
	size_t first;

	rekap_title(rk, "kumuh", title, sizeof(title));
	snprintf(title + strlen(title), sizeof(title) - strlen(title), _(", by %s\n\n"),
	         rekap_level_titles[rk->level]);
	rpt_title(r, title, _("(no kumuh records)\n"));
	rekap_meta(rk, r, "kumuh", rk->region);
	rpt_meta_str(r, "level", rekap_level_names[rk->level]);
	rpt_meta_list(r, "years");
	for (size_t i = 0; i < ny; i++)
		rpt_meta_push_int(r, "years", (uint64_t)years[i]);

	/* The columns point at y and csv, filled before each rpt_col, which copies them. */
	rekap_group_cols(r, BY_WILAYAH);
	first = rpt_col(r, &(struct rpt_col){RPT_OBJ, 0, 0, 0, NULL, NULL, {"tahun"}}) + 1;
	for (size_t i = 0; i < ny; i++) {
		struct rpt_col records = {RPT_INT, 0, 0, 0, NULL, NULL, {"tahun", y, "records"}};

		snprintf(y, sizeof(y), "%d", years[i]);
		rpt_col(r, &records);
	}
	for (int m = 0; m < 3; m++) {
		rpt_heading(r, m, _(titles[m]));
		for (size_t i = 0; i < ny; i++) {
			struct rpt_col measure = {m == 0 ? RPT_HA : RPT_INT, 0, m, 0, y, csv,
			                          {"tahun", y, names[m]}};

			snprintf(y, sizeof(y), "%d", years[i]);
			snprintf(csv, sizeof(csv), "%s:%d", names[m], years[i]);
			rpt_col(r, &measure);
		}
	}
	return first;
}

/* Sets the cells of one year in row (columns col + i * ny for records and the measures) and
 * adds them to the total. */
static void km_put(struct report *r, size_t row, size_t col, size_t ny, const struct km_cell *c)
{
	rpt_int(r, row, col, c->records);
	rpt_add(r, RPT_TOTAL, col, c->records);
	rpt_int(r, row, col + ny, c->m2);
	rpt_add(r, RPT_TOTAL, col + ny, c->m2);
	rpt_null(r, row, col + 2 * ny);
	rpt_null(r, row, col + 3 * ny);
	if (c->n_kk > 0) {
		rpt_int(r, row, col + 2 * ny, c->kk);
		rpt_add(r, RPT_TOTAL, col + 2 * ny, c->kk);
	}
	if (c->n_rumah > 0) {
		rpt_int(r, row, col + 3 * ny, c->rumah);
		rpt_add(r, RPT_TOTAL, col + 3 * ny, c->rumah);
	}
}

static void km_fill(const struct km *k, struct report *r, const struct ord *go, const int *years,
                    size_t ny)
{
	size_t first = km_head(k, r, years, ny);

	rekap_group_cells(r, RPT_TOTAL, k->rk, NULL);
	for (size_t i = 0; i < ny; i++) {
		rpt_int(r, RPT_TOTAL, first + i, 0);
		rpt_int(r, RPT_TOTAL, first + ny + i, 0);
		rpt_null(r, RPT_TOTAL, first + 2 * ny + i);
		rpt_null(r, RPT_TOTAL, first + 3 * ny + i);
	}
	for (size_t g = 0; g < k->groups.n; g++) {
		size_t row = rpt_row(r);

		rekap_group_cells(r, row, k->rk, &go[g]);
		for (size_t i = 0; i < ny; i++) {
			const struct km_cell *c = km_cell(k, go[g].idx, years[i]);

			if (c != NULL)
				km_put(r, row, first + i, ny, c);
		}
	}
}

int rekap_kumuh(struct rekap *rk, struct store *s, struct report *r)
{
	struct km k = {.rk = rk, .cells = {.vsize = sizeof(struct km_cell)}};
	int years[YEAR_MAX - YEAR_MIN + 1];
	struct ord *go = NULL;
	size_t ny = 0;
	int n;

	n = store_list(s, "kumuh", rk->region, false, km_visit, &k);
	if (n < 0 || (n = k.err) != 0)
		goto out;
	if ((go = rekap_sort_keys(&k.groups, false, false)) == NULL) {
		n = PK_ENOMEM;
		goto out;
	}
	for (int y = YEAR_MIN; y <= YEAR_MAX; y++)
		if (k.year[y - YEAR_MIN])
			years[ny++] = y;
	km_fill(&k, r, go, years, ny);
out:
	free(go);
	smap_free(&k.groups);
	smap_free(&k.cells);
	return n < 0 ? n : 0;
}
