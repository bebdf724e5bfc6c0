/*
 * render.h: the one renderer of a report model (cli/report.h): aligned text tables for people,
 * CSV (RFC 4180, cli/csv.h) and JSON (jansson, two spaces per level) for machines, and xlsx
 * workbooks (cli/xlsx.h) for spreadsheets.
 */
#ifndef CLI_RENDER_H
#define CLI_RENDER_H

#include <stdio.h>

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

#endif
