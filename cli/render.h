/*
 * render.h: the one renderer of a report model (cli/report.h): aligned text tables for people,
 * CSV (RFC 4180, cli/csv.h) and JSON (jansson, two spaces per level) for machines, xlsx
 * workbooks (cli/xlsx.h) for spreadsheets, and one HTML page to print (render_html.c).
 */
#ifndef CLI_RENDER_H
#define CLI_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "report.h"

enum rpt_fmt { RPT_TEXT, RPT_CSV, RPT_JSON };

/*
 * Writes r to f in fmt. Returns 0, the report's sticky error, PK_ENOMEM, or PK_ETOOBIG when a
 * value cannot be written exactly in JSON (an area of 10^11 ha or more). Text and CSV write as
 * they go: the caller writes to a memory stream and keeps the output only on success.
 */
int rpt_write(const struct report *r, enum rpt_fmt fmt, FILE *f);

/* Writes r into workbook x (render_xlsx.c): a sheet per text table, and one of items. Returns 0
 * or the report's sticky error; xlsx_close reports the workbook's own. */
struct xlsx;
int rpt_write_xlsx(const struct report *r, struct xlsx *x);

/* What a printed page says above the report: who made it, where, and when. */
struct rpt_page {
	const char *org;   /* the node's name */
	const char *place; /* its region for people: "Kota Bekasi (32.75)" */
	time_t made;       /* when the report was made, shown in local time */
	const char *lang;  /* the language of its words, for <html lang>: "id" (NULL) or "en" */
};

/*
 * Writes r to f as one self-contained HTML page to print (render_html.c): the letterhead of
 * page, the report's title, each text table with its headers, cells as text shows them (text
 * never cut) and the total row, and the notes under their rows. Every string is escaped; the
 * page loads nothing and runs nothing. Returns 0 or the report's sticky error; writes as it
 * goes, as rpt_write does.
 */
int rpt_write_html(const struct report *r, const struct rpt_page *page, FILE *f);

/*
 * The text tables, for every renderer for people: whether column c appears in text table
 * `section` (a key column in every table), whether it is right-aligned (numbers, and text
 * flagged RPT_RIGHT), and whether table `section` is shown at all (table 0 always, another when
 * it has columns of its own).
 */
bool rpt_in_table(const struct rpt_column *c, int section);
bool rpt_right(const struct rpt_column *c);
bool rpt_table_shown(const struct report *r, int section);

/* The largest cell text for people: RPT_TEXT_MAX characters of 4 bytes, "..." and a NUL. */
#define RPT_CELL_BUF (4 * RPT_TEXT_MAX + 4)

/*
 * What a cell shows for people, as in the text tables: counts and rupiah grouped with '.'
 * ("1.250.000"), hectares with a decimal comma ("12,50"), "-" for a missing number, text as it
 * is or, with cut, cut to its column's text_max characters with "...". Returns the cell's own
 * string or buf; the cell's string lives as long as the report.
 */
const char *rpt_cell_text(const struct rpt_column *c, const struct rpt_cell *v, bool cut,
                          char buf[RPT_CELL_BUF]);

#endif
