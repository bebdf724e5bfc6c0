/*
 * cmd_arahan.c: `pokjactl arahan`, the directives a secretariat has to act on: each target
 * node in this node's subtree (or in --region) whose latest tindak_lanjut is not selesai and
 * whose deadline has passed or falls within --due days, most overdue first, with whether its
 * receipt arrived and its latest status (cli/followup.h reads them, as rekap arahan does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "i18n.h"
#include "followup.h"
#include "proto/wilayah.h"

#define DUE_DEFAULT 14
#define DUE_MAX 3650
#define CELL (PK_KEY_MAX + 16) /* a text cell: a key, or 40 characters of UTF-8 */

/* s cut to at most 40 characters (never inside one), "..." at the end when cut. */
static void cut40(char out[CELL], const char *s)
{
	size_t o = 0, chars = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && chars++ == 37 && pk_utf8_width(s) > 3) {
			memcpy(out + o, "...", 4);
			return;
		}
		if (o + 4 >= CELL)
			break;
		out[o++] = *s;
	}
	out[o] = '\0';
}

static void days_text(char *buf, size_t cap, int64_t left)
{
	if (left < 0)
		snprintf(buf, cap, _("%lld late"), (long long)-left);
	else if (left == 0)
		snprintf(buf, cap, "%s", _("today"));
	else
		snprintf(buf, cap, _("%lld left"), (long long)left);
}

static int print_json(const struct followup *fu, const struct fu_due *rows, size_t n, long due)
{
	char today[11];
	json_t *list = json_array(), *o;

	pk_days_date(fu->today, today);
	for (size_t i = 0; list != NULL && i < n; i++) {
		const struct fu_due *r = &rows[i];

		o = followup_due_json(r);
		if (o == NULL || json_array_append_new(list, o) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	o = list == NULL
	        ? NULL
	        : json_pack("{s:s, s:s, s:i, s:I, s:o}", "region", fu->scope, "today", today,
	                    "due_days", (int)due, "count", (json_int_t)n, "arahan", list);
	if (o == NULL)
		return PK_ENOMEM;
	cli_print_json(o);
	json_decref(o);
	return 0;
}

/* One table for people, as wide as its widest cells. */
static void print_text(const struct followup *fu, const struct fu_due *rows, size_t n, long due)
{
	enum { K, J, F, T, NM, B, DY, R, S, NCOL };
	/* TRANSLATORS: column headings of pokjactl arahan --due; JUDUL and BATAS are field names.
	 */
	static const char *const head[NCOL] = {N_("KEY"),    "JUDUL",        N_("FROM"),
	                                       N_("TARGET"), N_("NAME"),     "BATAS",
	                                       N_("DAYS"),   N_("RECEIVED"), N_("STATUS")};
	char place[256], today[11], (*cells)[NCOL][CELL] = calloc(n + 1, sizeof(*cells));
	size_t w[NCOL] = {0};

	if (cells == NULL)
		return;
	pk_days_date(fu->today, today);
	if (fu->scope[0] == '\0')
		snprintf(place, sizeof(place), "Indonesia");
	else
		snprintf(place, sizeof(place), "%s (%s)", pk_wilayah_name(fu->scope), fu->scope);
	printf(_("Directives overdue or due within %ld days in %s on %s\n\n"), due, place, today);
	if (n == 0) {
		printf("%s\n", _("(nothing overdue or due)"));
		free(cells);
		return;
	}
	for (int c = 0; c < NCOL; c++)
		snprintf(cells[0][c], CELL, "%s", _(head[c]));
	for (size_t i = 0; i < n; i++) {
		const struct fu_due *r = &rows[i];
		char(*row)[CELL] = cells[i + 1];

		snprintf(row[K], CELL, "%s", r->d->key);
		cut40(row[J], r->d->judul);
		snprintf(row[F], CELL, "%s", followup_region_text(r->d->region));
		snprintf(row[T], CELL, "%s", r->t->region);
		cut40(row[NM], pk_wilayah_name(r->t->region));
		snprintf(row[B], CELL, "%s", r->d->batas);
		days_text(row[DY], CELL, r->left);
		if (r->t->diterima != 0)
			pk_days_date(followup_day_of(r->t->diterima), row[R]);
		else
			snprintf(row[R], CELL, "%s", _("not yet"));
		snprintf(row[S], CELL, "%s",
		         r->t->tl_key[0] == '\0'      ? _("no tindak_lanjut")
		         : r->t->status == PK_TL_NONE ? _("no status")
		                                      : pk_tl_status_name(r->t->status));
	}
	for (size_t i = 0; i <= n; i++)
		for (int c = 0; c < NCOL; c++) {
			size_t cw = pk_utf8_width(cells[i][c]);

			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t i = 0; i <= n; i++) {
		for (int c = 0; c < NCOL; c++) {
			size_t pad = w[c] - pk_utf8_width(cells[i][c]);

			if (c > 0)
				fputs("  ", stdout);
			if (c == DY)
				printf("%*s%s", (int)pad, "", cells[i][c]);
			else
				printf("%s%*s", cells[i][c], c + 1 < NCOL ? (int)pad : 0, "");
		}
		putchar('\n');
	}
	free(cells);
}

int cmd_arahan(struct cli *c, int argc, char **argv)
{
	const char *due_s = NULL, *region = NULL, *today_s = NULL;
	struct cli_opt opts[] = {{"due", &due_s, NULL},
	                         {"region", &region, NULL},
	                         {"today", &today_s, NULL},
	                         {NULL, NULL, NULL}};
	struct store_node node;
	struct followup fu;
	struct fu_due *rows;
	struct pk_diag d = {""};
	struct store *s = NULL;
	int64_t today = followup_today();
	long due = DUE_DEFAULT;
	size_t n = 0;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, NULL, 0, 0, &npos)) != 0)
		return rc;
	if (due_s != NULL) {
		char *end;

		due = strtol(due_s, &end, 10);
		if (due_s[0] < '0' || due_s[0] > '9' || *end != '\0' || due > DUE_MAX)
			return cli_usagef(
			    c, "--due must be a number of days from 0 to %d, not '%.20s'", DUE_MAX,
			    due_s);
	}
	if (today_s != NULL && pk_date_days(today_s, strlen(today_s), &today) != 0)
		return cli_usagef(c, "--today must be a date YYYY-MM-DD, not '%.20s'", today_s);
	if (region != NULL && cli_region_ok(region, NULL, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	err = followup_load(&fu, s, region != NULL ? region : node.region, today);
	store_close(s);
	if (err != 0) {
		followup_free(&fu);
		return cli_fail(c, "reading the store: %s", pk_strerror(err));
	}
	if ((rows = followup_due(&fu, due, &n)) == NULL) {
		followup_free(&fu);
		return cli_fail(c, "out of memory");
	}
	if (c->json)
		err = print_json(&fu, rows, n, due);
	else
		print_text(&fu, rows, n, due);
	rc = err != 0 ? cli_fail(c, "out of memory") : EXIT_OK;
	if (rc == EXIT_OK && fu.bad > 0)
		rc = cli_fail(c,
		              "%zu stored records do not decode and were left out; run 'pokjactl "
		              "verify'",
		              fu.bad);
	free(rows);
	followup_free(&fu);
	return rc;
}
