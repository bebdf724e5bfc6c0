/* rekap.c: what the aggregators of `pokjactl rekap` share (see rekap.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/record.h"
#include "proto/wilayah.h"
#include "refs.h"
#include "i18n.h"
#include "rekap.h"
#include "render.h"

const char *const rekap_by_names[] = {"wilayah", "sumber_biaya", "strategi",
                                      "status",  "verifikasi",   NULL};
const char *const rekap_level_names[] = {"nasional",  "provinsi", "kabupaten",
                                         "kecamatan", "desa",     NULL};
const char *const rekap_level_titles[] = {"nasional", "provinsi", "kabupaten/kota", "kecamatan",
                                          "desa/kelurahan"};
const char *const rekap_statuses[] = {"rencana", "berjalan", "selesai", "batal"};

/* Length of a code truncated to each level: "", "32", "32.75", "32.75.01", "32.75.01.1001". */
static const size_t level_len[] = {0, 2, 5, 8, 13};

int rekap_fields(const char *coll, const uint8_t *v, size_t len, struct fget *f, size_t n)
{
	struct pk_rec r;
	struct pk_rec_val val;

	for (size_t i = 0; i < n; i++) {
		f[i].present = false;
		f[i].slen = 0;
	}
	if (pk_record_open(&r, pk_schema_find(coll, strlen(coll)), v, len) != 0)
		return PK_EDECODE;
	for (size_t i = 0; i < n; i++) {
		int err = pk_record_get_named(&r, f[i].name, &val);

		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0 || val.slen > UINT32_MAX)
			return PK_EDECODE;
		f[i].present = true;
		f[i].i = val.i;
		f[i].d = val.d;
		f[i].s = val.s;
		f[i].slen = (uint32_t)val.slen;
	}
	return 0;
}

size_t rekap_norm_text(const struct fget *f, char *disp, char *key)
{
	size_t n = 0;
	bool blank = false;

	for (uint32_t i = 0; f->present && i < f->slen; i++) {
		char ch = f->s[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			blank = n > 0;
			continue;
		}
		if (blank) {
			disp[n] = key[n] = ' ';
			n++;
			blank = false;
		}
		disp[n] = ch;
		key[n] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		n++;
	}
	disp[n] = key[n] = '\0';
	return n;
}

int rekap_keep_label(char **label, const char *disp)
{
	char *copy;

	if (*label != NULL && strcmp(disp, *label) >= 0)
		return 0;
	if ((copy = strdup(disp)) == NULL)
		return PK_ENOMEM;
	free(*label);
	*label = copy;
	return 0;
}

size_t rekap_group_len(const char *region, int level)
{
	size_t len = strlen(region);

	return len > level_len[level] ? level_len[level] : len;
}

int rekap_code_level(const char *code)
{
	return pk_region_level(code, strlen(code));
}

const char *rekap_code_text(const char *code)
{
	return code[0] ? code : "\"\"";
}

void rekap_place(const char *code, char *buf, size_t n)
{
	if (code[0] == '\0')
		snprintf(buf, n, "Indonesia");
	else
		snprintf(buf, n, "%s (%s)", pk_wilayah_name(code), code);
}

void rekap_title(const struct rekap *rk, const char *what, char *buf, size_t n)
{
	char place[256], years[32];

	if (rk->tahun != 0)
		snprintf(years, sizeof(years), _(", tahun %d"), rk->tahun);
	else
		snprintf(years, sizeof(years), "%s", _(", all years"));
	rekap_place(rk->region, place, sizeof(place));
	/* TRANSLATORS: "Recap of kegiatan in Jawa Barat (32), all years": the collection, the
	 * place and the years (", all years" or ", tahun 2026"). */
	snprintf(buf, n, _("Recap of %s in %s%s"), what, place, years);
}

void rekap_meta(const struct rekap *rk, struct report *r, const char *report, const char *region)
{
	rpt_meta_str(r, "report", report);
	rpt_meta_str(r, "region", region);
	rpt_meta_str(r, "region_name", pk_wilayah_name(region));
	if (rk->tahun != 0)
		rpt_meta_int(r, "tahun", (uint64_t)rk->tahun);
	else if (strcmp(report, "arahan") != 0)
		rpt_meta_str(r, "tahun", NULL);
}

static int ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->key, y->key);
}

struct ord *rekap_sort_keys(const struct smap *m, bool none_last, bool by_status)
{
	struct ord *o = malloc((m->n ? m->n : 1) * sizeof(*o));

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		o[i].key = o[i].label = m->keys[i];
		o[i].idx = i;
		o[i].rank = none_last && m->keys[i][0] == '\0' ? NSTATUS : 0;
		for (int st = 0; by_status && st < ST_NONE; st++)
			if (strcmp(m->keys[i], rekap_statuses[st]) == 0)
				o[i].rank = st;
		/* --by verifikasi: the states in their order (never a status name). */
		for (int st = 0; by_status && st < PK_VS_COUNT; st++)
			if (strcmp(m->keys[i], pk_vstate_name((enum pk_vstate)st)) == 0)
				o[i].rank = st;
	}
	qsort(o, m->n, sizeof(*o), ord_cmp);
	return o;
}

void rekap_group_cols(struct report *r, enum rekap_by by)
{
	static const char *const heads[] = {N_("WILAYAH"), N_("SUMBER_BIAYA"), N_("STRATEGI"),
	                                    N_("STATUS"), N_("VERIFIKASI")};

	if (by != BY_WILAYAH) {
		rpt_col(r, &(struct rpt_col){RPT_STR,
		                             RPT_KEY,
		                             0,
		                             TEXT_CELL_MAX,
		                             _(heads[by]),
		                             rekap_by_names[by],
		                             {rekap_by_names[by]}});
		return;
	}
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, _("WILAYAH"), NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, TEXT_CELL_MAX, _("NAME"), NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, NULL, "wilayah", {"wilayah"}});
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, NULL, "name", {"name"}});
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, NULL, "level", {"level"}});
}

void rekap_group_cells(struct report *r, size_t row, const struct rekap *rk, const struct ord *o)
{
	char name[256];
	int l;

	if (row == RPT_TOTAL) {
		rpt_str(r, row, 0, _("TOTAL"));
		if (rk->by == BY_WILAYAH)
			rpt_str(r, row, 2, "TOTAL");
		return;
	}
	rpt_str(r, row, 0, rk->by == BY_WILAYAH ? rekap_code_text(o->key) : o->label);
	if (rk->by != BY_WILAYAH)
		return;
	/* A row above the grouping level says which level it is at. */
	l = rekap_code_level(o->key);
	if (l >= 0 && l < rk->level)
		snprintf(name, sizeof(name), "%s (tingkat %s)", pk_wilayah_name(o->key),
		         rekap_level_titles[l]);
	else
		snprintf(name, sizeof(name), "%s", pk_wilayah_name(o->key));
	rpt_str(r, row, 1, name);
	rpt_str(r, row, 2, o->key);
	rpt_str(r, row, 3, pk_wilayah_name(o->key));
	rpt_str(r, row, 4, l >= 0 ? rekap_level_names[l] : "?");
}

/* Notes one dangling reference in the report, as a JSON item and a line after the tables. */
static void rekap_dangling_note(struct report *r, const char *coll, const char *region,
                                const char *key, const char *field, const char *what)
{
	char line[600];
	json_t *o;

	if (json_object_get(r->meta, "dangling_references") == NULL) {
		rpt_meta_list(r, "dangling_references");
		rpt_footer(r,
		           _("Dangling references (a record that names one not held here: it may "
		             "still be on its way; 'pokjactl verify' lists them all):\n"));
	}
	snprintf(line, sizeof(line), "  %s/%s/%s: %s\n", coll, region[0] ? region : "\"\"", key,
	         what);
	rpt_footer(r, line);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "collection", coll, "wilayah", region, "key",
	              key, "field", field, "what", what);
	if (o == NULL ||
	    json_array_append_new(json_object_get(r->meta, "dangling_references"), o) != 0)
		r->err = r->err ? r->err : PK_ENOMEM;
}

static int dangling_visit(const struct ref_dangling *d, void *arg)
{
	char why[300];

	refs_why(d->t, d->found, why, sizeof(why));
	rekap_dangling_note(arg, d->coll, d->region, d->key, d->t->field, why);
	return 0;
}

int rekap_dangling(const struct rekap *rk, struct store *s, const char *home, const char *report,
                   const char *extra, struct report *r)
{
	const char *colls[] = {report, extra, NULL};
	int n = refs_dangling(s, home, rk->region, colls, dangling_visit, r);

	return n < 0 ? n : 0;
}

const char *const rekap_report_names[] = {"kegiatan", "arahan", "kumuh", NULL};

/* Fills report rep: the aggregator, then the dangling references in its scope (rekap.h). With
 * --by verifikasi the verdicts are read first, once. */
int rekap_fill(struct rekap *rk, struct store *s, int rep, struct report *r)
{
	struct store_node node;
	struct vidx vx;
	int err;

	if ((err = store_node_get(s, &node)) != 0)
		return err;
	memset(&vx, 0, sizeof(vx));
	if (rk->by == BY_VERIFIKASI && (err = vidx_load(&vx, s)) != 0)
		return err;
	rk->vx = &vx;
	err = rep == REKAP_KEGIATAN ? rekap_kegiatan(rk, s, r)
	      : rep == REKAP_ARAHAN ? rekap_arahan(rk, s, r)
	                            : rekap_kumuh(rk, s, r);
	if (err == 0)
		err = rekap_dangling(rk, s, node.region, rekap_report_names[rep],
		                     rep == REKAP_ARAHAN ? "tindak_lanjut" : NULL, r);
	rk->vx = NULL;
	vidx_free(&vx);
	return err;
}

/* Fills report rep and writes it into a malloc'd buffer (*buf, *len): as a page to print
 * under page's letterhead when page is set, else in fmt. */
int rekap_build(struct rekap *rk, struct store *s, int rep, enum rpt_fmt fmt,
                const struct rpt_page *page, char **buf, size_t *len)
{
	struct report *r = rpt_new(rep == REKAP_ARAHAN ? "arahan" : "rows");
	FILE *f = NULL;
	int err = PK_ENOMEM;

	if (r == NULL || (f = open_memstream(buf, len)) == NULL)
		goto out;
	err = rekap_fill(rk, s, rep, r);
	if (err == 0)
		err = page != NULL ? rpt_write_html(r, page, f) : rpt_write(r, fmt, f);
out:
	if (f != NULL && fclose(f) != 0 && err == 0)
		err = PK_ENOMEM;
	rpt_free(r);
	return err;
}
