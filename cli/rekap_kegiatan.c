/*
 * rekap_kegiatan.c: the kegiatan report: activities, their status, participants and cost per
 * group (region, funding source, strategy or status), and the cost per funding source. One
 * accumulator per group and per group and source; cancelled activities are counted but their
 * participants and cost are kept apart (BIAYA BATAL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "rekap.h"

struct kg_row {
	uint64_t biaya, batal; /* biaya of the activities not cancelled, and of the cancelled */
	uint64_t count, peserta, status[NSTATUS];
	char *label; /* --by sumber_biaya or strategi: the spelling shown */
};

struct kg {
	struct rekap *rk;
	struct smap groups;  /* group key -> struct kg_row */
	struct smap sources; /* funding sources seen ("" for none) -> char *label */
	struct smap cells;   /* struct rekap_pair (group, source) -> uint64_t biaya */
	int err;
};

/* The status of a record (ST_NONE without one), or -1 for a value not in the schema. */
static int kg_status(const struct fget *f)
{
	if (!f->present)
		return ST_NONE;
	for (int st = 0; st < ST_NONE; st++)
		if (strlen(rekap_statuses[st]) == f->slen &&
		    memcmp(rekap_statuses[st], f->s, f->slen) == 0)
			return st;
	return -1;
}

/* Adds one activity to its group (and, unless cancelled, its group and source). */
static int kg_add(struct kg *k, long g, int st, const struct fget *f)
{
	struct kg_row *row = smap_val(&k->groups, (size_t)g);
	char disp[PK_STR_MAX + 1], fold[PK_STR_MAX + 1];
	uint64_t biaya = f[2].present ? (uint64_t)f[2].i : 0;
	long s, cell;
	size_t klen;

	row->count++;
	row->status[st]++;
	if (st == ST_BATAL)
		return rpt_sum(&row->batal, biaya);
	if (rpt_sum(&row->peserta, f[1].present ? (uint64_t)f[1].i : 0) != 0 ||
	    rpt_sum(&row->biaya, biaya) != 0)
		return PK_ETOOBIG;
	if (k->rk->by == BY_SUMBER)
		return 0;
	klen = rekap_norm_text(&f[3], disp, fold);
	if ((s = smap_put(&k->sources, fold, klen)) < 0 ||
	    rekap_keep_label(smap_val(&k->sources, (size_t)s), disp) != 0)
		return PK_ENOMEM;
	struct rekap_pair p = {(uint32_t)g, (uint32_t)s};
	if ((cell = smap_put(&k->cells, &p, sizeof(p))) < 0)
		return PK_ENOMEM;
	return rpt_sum(smap_val(&k->cells, (size_t)cell), biaya);
}

static int kg_visit(const struct store_record *r, void *arg)
{
	struct kg *k = arg;
	struct rekap *rk = k->rk;
	struct fget f[] = {{.name = "tahun"},    {.name = "jumlah_peserta"},
	                   {.name = "biaya"},    {.name = "sumber_biaya"},
	                   {.name = "strategi"}, {.name = "status"}};
	char disp[PK_STR_MAX + 1], fold[PK_STR_MAX + 1];
	struct kg_row *row;
	const char *key = fold;
	size_t klen;
	int st;
	long g;

	if (rekap_fields("kegiatan", r->value, r->value_len, f, 6) != 0 || !f[0].present ||
	    (f[1].present && f[1].i < 0) || (f[2].present && f[2].i < 0) ||
	    f[3].slen > PK_STR_MAX || f[4].slen > PK_STR_MAX) {
		rk->bad++;
		return 0;
	}
	if (rk->tahun != 0 && f[0].i != rk->tahun)
		return 0;
	if ((st = kg_status(&f[5])) < 0) {
		rk->bad++;
		return 0;
	}
	switch (rk->by) {
	case BY_WILAYAH:
		key = r->region;
		klen = rekap_group_len(r->region, rk->level);
		break;
	case BY_SUMBER:
		klen = rekap_norm_text(&f[3], disp, fold);
		break;
	case BY_STRATEGI:
		klen = rekap_norm_text(&f[4], disp, fold);
		break;
	case BY_VERIFIKASI:
		key = "";
		if (vidx_verifiable("kegiatan", r->region)) {
			struct pk_version rec = {.hlc = r->hlc};
			const struct vinfo *vi;

			memcpy(rec.origin, r->origin, PK_PUB_BYTES);
			vi = vidx_state(rk->vx, "kegiatan", r->region, r->key, &rec, NULL, NULL);
			key = pk_vstate_name(vi != NULL ? vi->state : PK_VS_BELUM);
		}
		klen = strlen(key);
		break;
	default:
		key = st == ST_NONE ? "" : rekap_statuses[st];
		klen = strlen(key);
		break;
	}
	if ((g = smap_put(&k->groups, key, klen)) < 0) {
		k->err = PK_ENOMEM;
		return 1;
	}
	row = smap_val(&k->groups, (size_t)g);
	if (rk->by == BY_SUMBER || rk->by == BY_STRATEGI)
		k->err = rekap_keep_label(&row->label, disp);
	if (k->err == 0)
		k->err = kg_add(k, g, st, f);
	return k->err != 0;
}

static uint64_t kg_cell(const struct kg *k, size_t g, size_t s)
{
	struct rekap_pair p = {(uint32_t)g, (uint32_t)s};
	long i = smap_get(&k->cells, &p, sizeof(p));

	return i < 0 ? 0 : *(uint64_t *)smap_val(&k->cells, (size_t)i);
}

/* A number column in text table `section`, in CSV, and at j0 (or j0.j1) in JSON. */
static size_t kg_col(struct report *r, int section, const char *text, const char *csv,
                     const char *j0, const char *j1)
{
	return rpt_col(r, &(struct rpt_col){RPT_INT, 0, section, 0, text, csv, {j0, j1}});
}

/* The title, the JSON members before the rows and the columns. Returns the first value
 * column; the others follow it. */
static size_t kg_head(const struct kg *k, struct report *r, const struct ord *so)
{
	static const char *const st_heads[] = {"RENCANA", "BERJALAN", "SELESAI", "BATAL",
	                                       "TANPA STATUS"};
	static const char *const st_keys[] = {"rencana", "berjalan", "selesai", "batal",
	                                      "tanpa_status"};
	const struct rekap *rk = k->rk;
	char line[256], title[512], buf[PK_STR_MAX + 16];
	size_t first;

	rekap_title(rk, "kegiatan", line, sizeof(line));
	/* TRANSLATORS: the title, then what the grouping is ("provinsi", "sumber_biaya", ...);
	 * PESERTA, BIAYA and BIAYA BATAL are the column headers. */
	snprintf(title, sizeof(title),
	         _("%s, by %s\nPESERTA and BIAYA leave out cancelled activities (status batal); "
	           "BIAYA BATAL is their cost.\n\n"),
	         line,
	         rk->by == BY_WILAYAH ? rekap_level_titles[rk->level] : rekap_by_names[rk->by]);
	rpt_title(r, title, _("(no kegiatan records)\n"));
	rpt_heading(r, 1, _("BIAYA by sumber_biaya (rupiah, without cancelled activities):\n\n"));
	rekap_meta(rk, r, "kegiatan", rk->region);
	rpt_meta_str(r, "by", rekap_by_names[rk->by]);
	if (rk->by == BY_WILAYAH)
		rpt_meta_str(r, "level", rekap_level_names[rk->level]);
	if (rk->by != BY_SUMBER)
		rpt_meta_list(r, "sumber_biaya");
	for (size_t s = 0; rk->by != BY_SUMBER && s < k->sources.n; s++)
		rpt_meta_push_str(r, "sumber_biaya", so[s].label);

	rekap_group_cols(r, rk->by);
	/* The text headers are Indonesian field names in both languages: the columns are named
	 * as the records' fields and statuses are. */
	first = kg_col(r, 0, "KEGIATAN", "kegiatan", "kegiatan", NULL);
	for (int st = 0; rk->by != BY_STATUS && st < NSTATUS; st++)
		kg_col(r, 0, st_heads[st], st_keys[st], "status", st_keys[st]);
	kg_col(r, 0, "PESERTA", "jumlah_peserta", "jumlah_peserta", NULL);
	kg_col(r, 0, "BIAYA", "biaya", "biaya", NULL);
	kg_col(r, 0, "BIAYA BATAL", "biaya_batal", "biaya_batal", NULL);
	if (rk->by == BY_SUMBER)
		return first;
	rpt_col(r, &(struct rpt_col){RPT_OBJ, 0, 0, 0, NULL, NULL, {"biaya_per_sumber"}});
	for (size_t s = 0; s < k->sources.n; s++) {
		snprintf(buf, sizeof(buf), "biaya:%s", so[s].label);
		kg_col(r, 1, so[s].label, buf, "biaya_per_sumber", so[s].label);
	}
	return first;
}

/* Sets a value cell of row and adds it to the total. */
static void kg_put(struct report *r, size_t row, size_t *col, uint64_t v)
{
	rpt_int(r, row, *col, v);
	rpt_add(r, RPT_TOTAL, (*col)++, v);
}

static void kg_fill(const struct kg *k, struct report *r, const struct ord *go,
                    const struct ord *so)
{
	const struct rekap *rk = k->rk;
	size_t first = kg_head(k, r, so);

	/* The total starts at 0 in every value column (a report without rows gives zeros). */
	rekap_group_cells(r, RPT_TOTAL, rk, NULL);
	for (size_t c = first; c < r->ncols; c++)
		rpt_int(r, RPT_TOTAL, c, 0);
	for (size_t i = 0; i < k->groups.n; i++) {
		const struct kg_row *g = smap_val(&k->groups, go[i].idx);
		size_t row = rpt_row(r), col = first;

		rekap_group_cells(r, row, rk, &go[i]);
		kg_put(r, row, &col, g->count);
		for (int st = 0; rk->by != BY_STATUS && st < NSTATUS; st++)
			kg_put(r, row, &col, g->status[st]);
		kg_put(r, row, &col, g->peserta);
		kg_put(r, row, &col, g->biaya);
		kg_put(r, row, &col, g->batal);
		col++; /* biaya_per_sumber */
		for (size_t s = 0; rk->by != BY_SUMBER && s < k->sources.n; s++)
			kg_put(r, row, &col, kg_cell(k, go[i].idx, so[s].idx));
	}
}

int rekap_kegiatan(struct rekap *rk, struct store *s, struct report *r)
{
	struct kg k = {rk,
	               {.vsize = sizeof(struct kg_row)},
	               {.vsize = sizeof(char *)},
	               {.vsize = sizeof(uint64_t)},
	               0};
	struct ord *go = NULL, *so = NULL;
	int n;

	n = store_list(s, "kegiatan", rk->region, false, kg_visit, &k);
	if (n < 0 || (n = k.err) != 0)
		goto out;
	go = rekap_sort_keys(&k.groups, rk->by != BY_WILAYAH,
	                     rk->by == BY_STATUS || rk->by == BY_VERIFIKASI);
	so = rekap_sort_keys(&k.sources, true, false);
	if (go == NULL || so == NULL) {
		n = PK_ENOMEM;
		goto out;
	}
	/* What to show for each group and source: the spelling kept, or what "none" means. */
	for (size_t i = 0; i < k.groups.n; i++) {
		const struct kg_row *g = smap_val(&k.groups, go[i].idx);

		if (go[i].key[0] == '\0' && rk->by != BY_WILAYAH)
			go[i].label = rk->by == BY_SUMBER       ? "(tanpa sumber)"
			              : rk->by == BY_STRATEGI   ? "(tanpa strategi)"
			              : rk->by == BY_VERIFIKASI ? "(nasional: tidak diverifikasi)"
			                                        : "(tanpa status)";
		else if (g->label != NULL)
			go[i].label = g->label;
	}
	for (size_t i = 0; i < k.sources.n; i++)
		so[i].label =
		    so[i].key[0] ? *(char **)smap_val(&k.sources, so[i].idx) : "(tanpa sumber)";
	kg_fill(&k, r, go, so);
	n = 0;
out:
	free(go);
	free(so);
	for (size_t i = 0; i < k.groups.n; i++)
		free(((struct kg_row *)smap_val(&k.groups, i))->label);
	for (size_t i = 0; i < k.sources.n; i++)
		free(*(char **)smap_val(&k.sources, i));
	smap_free(&k.groups);
	smap_free(&k.sources);
	smap_free(&k.cells);
	return n < 0 ? n : 0;
}
