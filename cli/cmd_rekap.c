/*
 * cmd_rekap.c: `pokjactl rekap`, the recap reports a Pokja secretariat or the ministry asks for:
 * kegiatan (activities, participants and budgets by funding source, per region, funding source,
 * strategy or status), arahan (which targeted kabupaten/kota have followed each directive up)
 * and kumuh (slum hectares per region per year).
 *
 * This file parses the options and opens the store read-only; an aggregator (cli/rekap_*.c)
 * fills one report model, which cli/render.c writes as text, CSV or JSON (cli/render_xlsx.c as
 * an xlsx workbook, cli/render_html.c as a page to print under the node's letterhead). The
 * report is built in memory (it is small) and written at the end, to stdout or atomically to
 * -o FILE, so a failure never leaves half a report behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "followup.h"
#include "proto/region.h"
#include "rekap.h"
#include "render.h"
#include "xlsx.h"

static int word_index(const char *const *words, const char *w)
{
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

/* Prints why a report could not be made; returns EXIT_FAIL. */
static int why(const struct cli *c, int err)
{
	if (err == PK_ENOMEM)
		return cli_fail(c, "out of memory");
	if (err == PK_ETOOBIG)
		return cli_fail(c,
		                "a total is too large to give exactly (over 2^63 - 1 rupiah, or an "
		                "area of 10^11 ha or more)");
	return cli_fail(c, "reading the store: %s", pk_strerror(err));
}

/* Builds the report and writes it as an xlsx workbook, atomically to outpath. */
static int run_xlsx(struct cli *c, struct rekap *rk, struct store *s, int rep, const char *outpath)
{
	struct report *r = rpt_new(rep == REKAP_ARAHAN ? "arahan" : "rows");
	struct cli_out out = {NULL, NULL, ""};
	struct pk_diag d;
	struct xlsx *x = NULL;
	int err = PK_ENOMEM, rc;

	if (r != NULL)
		err = rekap_fill(rk, s, rep, r);
	if (err == 0)
		err = rpt_error(r);
	if (err != 0) {
		rpt_free(r);
		return why(c, err);
	}
	if ((rc = cli_out_open(c, outpath, 0644, &out)) != 0) {
		rpt_free(r);
		return rc;
	}
	if ((x = xlsx_new(out.tmp)) == NULL) {
		rc = cli_fail(c, "out of memory");
	} else {
		err = rpt_write_xlsx(r, x);
		if (xlsx_close(x, d.msg, sizeof(d.msg)) != 0)
			rc = cli_fail(c, "writing %s: %s", outpath, d.msg);
		else if (err != 0)
			rc = why(c, err);
		else
			rc = cli_out_commit(c, &out);
	}
	cli_out_abort(&out);
	rpt_free(r);
	if (rc == EXIT_OK && rk->bad > 0)
		rc = cli_fail(c,
		              "%zu stored records do not decode and were left out; run 'pokjactl "
		              "verify'",
		              rk->bad);
	return rc;
}

/* Builds the report in memory and writes it whole to stdout or atomically to outpath, so that
 * a failure never leaves half a report behind. page: see build. */
static int run(struct cli *c, struct rekap *rk, struct store *s, int rep, enum rpt_fmt fmt,
               const struct rpt_page *page, const char *outpath)
{
	char *buf = NULL;
	size_t len = 0;
	int err = rekap_build(rk, s, rep, fmt, page, &buf, &len), rc = EXIT_OK;

	if (err != 0)
		rc = why(c, err);
	else if (outpath != NULL)
		rc = cli_write_file(c, outpath, (const uint8_t *)buf, len);
	else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		rc = cli_fail(c, "writing the report: %s", strerror(errno));
	if (rc == EXIT_OK && rk->bad > 0)
		rc = cli_fail(c,
		              "%zu stored records do not decode and were left out; run 'pokjactl "
		              "verify'",
		              rk->bad);
	free(buf);
	return rc;
}

int cmd_rekap(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *level = NULL, *tahun = NULL, *by = NULL, *outpath = NULL;
	const char *format = NULL, *today = NULL;
	bool csv = false, xlsx = false, html = false;
	struct cli_opt opts[] = {
	    {"region", &region, NULL}, {"level", &level, NULL}, {"tahun", &tahun, NULL},
	    {"by", &by, NULL},         {"csv", NULL, &csv},     {"o", &outpath, NULL},
	    {"format", &format, NULL}, {"today", &today, NULL}, {NULL, NULL, NULL}};
	struct rekap rk = {.by = BY_WILAYAH, .level = -1};
	struct store_node node;
	struct rpt_page page;
	char place[256];
	struct pk_diag d = {""};
	struct store *s = NULL;
	char *pos[1];
	int npos, rc, rep, rlevel, byi = BY_WILAYAH;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rep = word_index(rekap_report_names, pos[0])) < 0)
		return cli_usagef(c, "no report '%s' (kegiatan, arahan or kumuh)", pos[0]);
	if (csv && c->json)
		return cli_usagef(c, "--csv and --json exclude each other");
	if (format != NULL) {
		if ((csv || c->json) && strcmp(format, csv ? "csv" : "json") != 0)
			return cli_usagef(c, "--%s and --format %.20s exclude each other",
			                  csv ? "csv" : "json", format);
		if (strcmp(format, "csv") == 0)
			csv = true;
		else if (strcmp(format, "json") == 0)
			c->json = true;
		else if (strcmp(format, "xlsx") == 0)
			xlsx = true;
		else if (strcmp(format, "html") == 0)
			html = true;
		else if (strcmp(format, "text") != 0)
			return cli_usagef(
			    c, "unknown format '%.40s' (text, csv, json, xlsx or html)", format);
	}
	if (xlsx && outpath == NULL)
		return cli_usagef(c, "an xlsx workbook is a binary file, not for a terminal or a "
		                     "pipe: give -o FILE.xlsx");
	if (by != NULL && rep != REKAP_KEGIATAN)
		return cli_usagef(c, "--by belongs to 'rekap kegiatan'");
	if (by != NULL && (byi = word_index(rekap_by_names, by)) < 0)
		return cli_usagef(
		    c,
		    "--by must be wilayah, sumber_biaya, strategi, status or verifikasi, not "
		    "'%s'",
		    by);
	rk.by = (enum rekap_by)byi;
	if (today != NULL && rep != REKAP_ARAHAN)
		return cli_usagef(c, "--today belongs to 'rekap arahan'");
	rk.today = followup_today();
	if (today != NULL && pk_date_days(today, strlen(today), &rk.today) != 0)
		return cli_usagef(c, "--today must be a date YYYY-MM-DD, not '%.20s'", today);
	if (tahun != NULL && rep == REKAP_ARAHAN)
		return cli_usagef(c, "--tahun belongs to 'rekap kegiatan' and 'rekap kumuh'");
	if (tahun != NULL) {
		char *end;
		long y = strtol(tahun, &end, 10);

		if (tahun[0] < '0' || tahun[0] > '9' || *end != '\0' || y < YEAR_MIN ||
		    y > YEAR_MAX)
			return cli_usagef(c, "--tahun must be a year from %d to %d, not '%.20s'",
			                  YEAR_MIN, YEAR_MAX, tahun);
		rk.tahun = (int)y;
	}
	if (level != NULL && (rep == REKAP_ARAHAN || rk.by != BY_WILAYAH))
		return cli_usagef(c, "--level belongs to 'rekap kumuh' and 'rekap kegiatan --by "
		                     "wilayah'");
	if (level != NULL && (rk.level = word_index(rekap_level_names, level)) < 1)
		return cli_usagef(c,
		                  "--level must be provinsi, kabupaten, kecamatan or desa, not "
		                  "'%s'",
		                  level);
	if (region != NULL && cli_region_ok(region, NULL, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	snprintf(rk.region, sizeof(rk.region), "%s", region != NULL ? region : node.region);
	rlevel = rekap_code_level(rk.region);
	if (rk.level < 0) {
		rk.level = rlevel < PK_LEVEL_DESA ? rlevel + 1 : PK_LEVEL_DESA;
	} else if (rk.level < rlevel) {
		store_close(s);
		return cli_usagef(c, "--level %s lies above the region %s (a %s)", level, rk.region,
		                  _(pk_level_name(rlevel)));
	}
	/* The letterhead is the node's, whatever --region the report covers. */
	rekap_place(node.region, place, sizeof(place));
	page = (struct rpt_page){node.name, place, (time_t)(node_now_ms() / 1000),
	                         i18n_lang() == I18N_EN ? "en" : "id"};
	if (xlsx)
		rc = run_xlsx(c, &rk, s, rep, outpath);
	else
		rc = run(c, &rk, s, rep,
		         csv       ? RPT_CSV
		         : c->json ? RPT_JSON
		                   : RPT_TEXT,
		         html ? &page : NULL, outpath);
	store_close(s);
	return rc;
}
