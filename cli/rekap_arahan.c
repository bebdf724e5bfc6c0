/*
 * rekap_arahan.c: the arahan report: for each directive with a target in the region, the nodes
 * it targets (pk_arahan_targets: a province aimed at is the one target; the writer's own region
 * targets every node one level below), and per target whether its receipt arrived and when,
 * its latest tindak_lanjut and status, and whether it is on time, overdue or done late
 * (cli/followup.h). The follow-up rate weighs each target's latest status: selesai 1,
 * dilaksanakan 1/2, direncanakan or none 0, over the number of targets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "followup.h"
#include "proto/wilayah.h"
#include "i18n.h"
#include "rekap.h"

#define TEXT_LIST_MAX 10 /* targets listed under a directive in a text report */

/* "12,5%" of part in whole, one decimal, for people; "-" when whole is 0. */
static void percent(char buf[32], size_t part, size_t whole)
{
	if (whole == 0) {
		snprintf(buf, 32, "-");
		return;
	}
	unsigned long long tenths = (part * 1000ull + whole / 2) / whole;
	snprintf(buf, 32, "%llu,%llu%%", tenths / 10, tenths % 10);
}

/* A Unix time's local date, for people. */
static void day_text(uint64_t unix_seconds, char out[11])
{
	int64_t day = followup_day_of(unix_seconds);

	if (day == PK_NO_DAY)
		snprintf(out, 11, "?");
	else
		pk_days_date(day, out);
}

/* One target for people: "32.75 Kota Bekasi (received 2026-12-07; dilaksanakan; overdue)". */
static void target_line(FILE *f, const struct fu_target *t)
{
	char day[11];

	fprintf(f, "%s %s (", t->region, pk_wilayah_name(t->region));
	if (t->diterima != 0) {
		day_text(t->diterima, day);
		fprintf(f, _("received %s; "), day);
	} else {
		fputs(_("not received; "), f);
	}
	if (t->tl_key[0] == '\0')
		fputs(_("no tindak_lanjut"), f);
	else
		fputs(t->status != PK_TL_NONE ? pk_tl_status_name(t->status) : _("no status"), f);
	if (t->due == PK_DUE_OVERDUE || t->due == PK_DUE_LATE)
		fprintf(f, "; %s", t->due == PK_DUE_LATE ? _("done late") : _("overdue"));
	fputs(")\n", f);
}

/* The note under a directive in a text report: the targets not selesai yet, the first
 * TEXT_LIST_MAX of them, then those selesai late. NULL when out of memory. */
static char *ar_note(const struct fu_directive *d)
{
	/* TRANSLATORS: the two labels before the lists of targets, each followed by ": " and
	 * the first target; the lines below them are indented to line up. */
	const char *label = _("not selesai"), *late = _("done late");
	int indent = (int)(strlen(label) > strlen(late) ? strlen(label) : strlen(late)) + 4;
	char *buf = NULL;
	size_t len = 0, shown = 0, open = d->n - d->by_status[PK_TL_SELESAI];
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		if (d->t[i].status == PK_TL_SELESAI)
			continue;
		if (shown == TEXT_LIST_MAX) {
			fprintf(f, "%*s", indent, "");
			fprintf(f, _("... and %zu more\n"), open - shown);
			break;
		}
		if (shown == 0)
			fprintf(f, "  %s:%*s", label, indent - 3 - (int)strlen(label), "");
		else
			fprintf(f, "%*s", indent, "");
		target_line(f, &d->t[i]);
		shown++;
	}
	shown = 0;
	for (size_t i = 0; i < d->n && shown < TEXT_LIST_MAX; i++)
		if (d->t[i].due == PK_DUE_LATE) {
			if (shown++ == 0)
				fprintf(f, "  %s:%*s", late, indent - 3 - (int)strlen(late), "");
			else
				fprintf(f, "%*s", indent, "");
			target_line(f, &d->t[i]);
		}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

enum {
	C_ARAHAN,
	C_KEY,
	C_JUDUL_TEXT,
	C_WIL_TEXT,
	C_SAS_TEXT,
	C_WILAYAH,
	C_JUDUL,
	C_SASARAN,
	C_BATAS,
	C_TARGETS,
	C_RECEIVED,
	C_SELESAI,
	C_DILAKSANAKAN,
	C_DIRENCANAKAN,
	C_OVERDUE,
	C_LATE,
	C_RATE,
	C_RATE_NUM,
	C_NITEMS
};

/* Item cells: the receipt, the latest follow-up, the state against the deadline. */
enum { I_DITERIMA, I_TL, I_STATUS, I_TENGGAT };

/* The title, the JSON members before the rows, the columns and the items. */
static void ar_head(const struct followup *fu, const struct rekap *rk, struct report *r)
{
	static const struct rpt_col cols[] = {
	    [C_ARAHAN] = {RPT_INT, 0, 0, 0, NULL, NULL, {"arahan"}}, /* the total's count */
	    [C_KEY] = {RPT_STR, RPT_KEY, 0, TEXT_CELL_MAX, N_("KEY"), "key", {"key"}},
	    [C_JUDUL_TEXT] = {RPT_STR, RPT_KEY, 0, TEXT_CELL_MAX, N_("JUDUL"), NULL, {NULL}},
	    [C_WIL_TEXT] = {RPT_STR, RPT_KEY, 0, 0, N_("FROM"), NULL, {NULL}},
	    [C_SAS_TEXT] = {RPT_STR, RPT_KEY, 0, 0, N_("SASARAN"), NULL, {NULL}},
	    [C_WILAYAH] = {RPT_STR, RPT_KEY, 0, 0, NULL, "wilayah", {"wilayah"}},
	    [C_JUDUL] = {RPT_STR, RPT_KEY, 0, 0, NULL, "judul", {"judul"}},
	    [C_SASARAN] = {RPT_STR, RPT_KEY, 0, 0, NULL, "wilayah_sasaran", {"wilayah_sasaran"}},
	    [C_BATAS] = {RPT_STR,
	                 RPT_KEY,
	                 0,
	                 0,
	                 N_("BATAS"),
	                 "batas_tindak_lanjut",
	                 {"batas_tindak_lanjut"}},
	    [C_TARGETS] = {RPT_INT, 0, 0, 0, N_("TARGETS"), "targets", {"targets"}},
	    [C_RECEIVED] = {RPT_INT, 0, 0, 0, N_("RECEIVED"), "received", {"received"}},
	    [C_SELESAI] = {RPT_INT, 0, 0, 0, N_("SELESAI"), "selesai", {"selesai"}},
	    [C_DILAKSANAKAN] =
	        {RPT_INT, 0, 0, 0, N_("DILAKSANAKAN"), "dilaksanakan", {"dilaksanakan"}},
	    [C_DIRENCANAKAN] = {RPT_INT, 0, 0, 0, NULL, "direncanakan", {"direncanakan"}},
	    [C_OVERDUE] = {RPT_INT, 0, 0, 0, N_("OVERDUE"), "overdue", {"overdue"}},
	    [C_LATE] = {RPT_INT, 0, 0, 0, N_("LATE"), "late", {"late"}},
	    [C_RATE] = {RPT_STR, RPT_RIGHT, 0, 0, N_("RATE"), NULL, {NULL}},
	    /* The rate for machines, 0 to 1 with four decimals: RPT_HA's fixed point (1/10,000
	     * of the unit), which gives exact decimals in JSON and CSV. */
	    [C_RATE_NUM] = {RPT_HA, 0, 0, 0, NULL, "rate", {"rate"}},
	};
	static const struct rpt_items items = {
	    {"sasaran", "nama_sasaran", NULL},
	    {"wilayah", "name"},
	    "sasaran",
	    NULL,
	    4,
	    {[I_DITERIMA] = {RPT_INT, "diterima", "diterima"},
	     [I_TL] = {RPT_STR, "tindak_lanjut", "tindak_lanjut"},
	     [I_STATUS] = {RPT_STR, "status", "status"},
	     [I_TENGGAT] = {RPT_STR, "tenggat", "tenggat"}}};
	char title[512], place[256], today[11];

	rekap_place(fu->scope, place, sizeof(place));
	pk_days_date(fu->today, today);
	snprintf(
	    title, sizeof(title),
	    _("Follow-up of arahan in %s on %s: the nodes each directive targets, their "
	      "receipts and their latest tindak_lanjut\n"
	      "(rate: selesai 1, dilaksanakan 1/2, direncanakan or none 0, over the targets)\n\n"),
	    place, today);
	rpt_title(r, title, _("(no arahan targets this region)\n"));
	rekap_meta(rk, r, "arahan", fu->scope);
	rpt_meta_str(r, "today", today);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
		struct rpt_col col = cols[c];

		if (col.text != NULL)
			col.text = _(col.text);
		rpt_col(r, &col);
	}
	rpt_items(r, &items);
}

/* The rate in 1/10,000: weight2 halves over 2 * n targets, rounded half up. */
static uint64_t rate_num(size_t weight2, size_t n)
{
	return n == 0 ? 0 : (weight2 * 10000ull + n) / (2 * n);
}

static void ar_counts(struct report *r, size_t row, const size_t *cnt, size_t n, size_t weight2)
{
	char buf[32];

	rpt_int(r, row, C_TARGETS, n);
	rpt_int(r, row, C_RECEIVED, cnt[0]);
	rpt_int(r, row, C_SELESAI, cnt[1]);
	rpt_int(r, row, C_DILAKSANAKAN, cnt[2]);
	rpt_int(r, row, C_DIRENCANAKAN, cnt[3]);
	rpt_int(r, row, C_OVERDUE, cnt[4]);
	rpt_int(r, row, C_LATE, cnt[5]);
	percent(buf, weight2, 2 * n);
	rpt_str(r, row, C_RATE, buf);
	if (n == 0)
		rpt_null(r, row, C_RATE_NUM);
	else
		rpt_int(r, row, C_RATE_NUM, rate_num(weight2, n));
}

static int ar_fill(const struct followup *fu, const struct rekap *rk, struct report *r)
{
	size_t total[6] = {0}, targets = 0, weight2 = 0;
	char buf[64], *note;

	ar_head(fu, rk, r);
	for (size_t i = 0; i < fu->n; i++) {
		const struct fu_directive *d = &fu->d[i];
		size_t row = rpt_row(r);
		size_t cnt[6] = {d->received,
		                 d->by_status[PK_TL_SELESAI],
		                 d->by_status[PK_TL_DILAKSANAKAN],
		                 d->by_status[PK_TL_DIRENCANAKAN],
		                 d->by_due[PK_DUE_OVERDUE],
		                 d->by_due[PK_DUE_LATE]};

		rpt_str(r, row, C_KEY, d->key);
		rpt_str(r, row, C_JUDUL_TEXT, d->judul);
		rpt_str(r, row, C_WIL_TEXT, followup_region_text(d->region));
		rpt_str(r, row, C_SAS_TEXT, followup_region_text(d->sasaran));
		rpt_str(r, row, C_WILAYAH, d->region);
		rpt_str(r, row, C_JUDUL, d->judul);
		rpt_str(r, row, C_SASARAN, d->sasaran);
		rpt_str(r, row, C_BATAS, d->batas[0] ? d->batas : NULL);
		ar_counts(r, row, cnt, d->n, d->weight2);
		if (d->n == 0) {
			rpt_note(r, row,
			         _("  targets no node: a kabupaten/kota's own region or "
			           "kecamatan, or a region outside its writer's\n"));
		} else if (d->by_status[PK_TL_SELESAI] < d->n || d->by_due[PK_DUE_LATE] > 0) {
			if ((note = ar_note(d)) == NULL)
				return PK_ENOMEM;
			rpt_note(r, row, note);
			free(note);
		}
		for (size_t j = 0; j < d->n; j++) {
			const struct fu_target *t = &d->t[j];

			rpt_item(r, row, t->region, pk_wilayah_name(t->region), false);
			if (t->diterima != 0)
				rpt_item_int(r, row, I_DITERIMA, t->diterima);
			else
				rpt_item_str(r, row, I_DITERIMA, NULL);
			rpt_item_str(r, row, I_TL, t->tl_key[0] ? t->tl_key : NULL);
			rpt_item_str(r, row, I_STATUS,
			             t->status != PK_TL_NONE ? pk_tl_status_name(t->status) : NULL);
			rpt_item_str(r, row, I_TENGGAT, pk_due_name(t->due));
		}
		for (size_t k = 0; k < 6; k++)
			total[k] += cnt[k];
		targets += d->n;
		weight2 += d->weight2;
	}
	snprintf(buf, sizeof(buf), _("%zu arahan"), fu->n);
	rpt_str(r, RPT_TOTAL, C_KEY, _("TOTAL"));
	rpt_str(r, RPT_TOTAL, C_JUDUL_TEXT, buf);
	rpt_int(r, RPT_TOTAL, C_ARAHAN, fu->n);
	ar_counts(r, RPT_TOTAL, total, targets, weight2);
	return 0;
}

int rekap_arahan(struct rekap *rk, struct store *s, struct report *r)
{
	struct followup fu;
	int err = followup_load(&fu, s, rk->region, rk->today);

	rk->bad += fu.bad;
	if (err == 0)
		err = ar_fill(&fu, rk, r);
	followup_free(&fu);
	return err < 0 ? err : 0;
}
