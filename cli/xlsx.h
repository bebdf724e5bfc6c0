/*
 * xlsx.h: spreadsheets (.xlsx) for export, rekap and template, the one user of libxlsxwriter.
 * Each sheet has a bold header row, frozen below it, and column widths fitted to what was
 * written (capped, so that long prose does not make a column a screen wide). Cells are typed:
 * text stays text (a code such as 32.10 never becomes a number), numbers are numbers (rupiah
 * with thousands separators), dates and times are real dates with a date format.
 *
 * Writers never fail on their own: the first error sticks and xlsx_close reports it. The whole
 * workbook is held in memory until xlsx_close writes it to the path given to xlsx_new (for an
 * atomic result, a temporary file that the caller renames: cli_out).
 */
#ifndef CLI_XLSX_H
#define CLI_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sheet.h"

struct xlsx;

/* A new workbook to be written to path; NULL when out of memory. */
struct xlsx *xlsx_new(const char *path);

/* Adds a sheet (name at most 31 characters) and makes it the one written to; its header is
 * headers[0 .. n - 1], bold, with the panes frozen below it. */
void xlsx_sheet(struct xlsx *x, const char *name, const char *const *headers, size_t n);

/* The default format of a column of the current sheet, for cells typed in later (a template):
 * SK_CODE and SK_TEXT as text, SK_DATE as a date, SK_RUPIAH with thousands separators. */
void xlsx_column_kind(struct xlsx *x, size_t col, enum sheet_kind kind);

/* An in-cell list of the allowed values (a NULL-terminated list) for rows 1 .. last_row of
 * column col of the current sheet. */
void xlsx_choices(struct xlsx *x, size_t col, size_t last_row, const char *const *choices);

/* Cells of the current sheet; row 0 is the header, so data starts at row 1. */
void xlsx_text(struct xlsx *x, size_t row, size_t col, const char *s);
void xlsx_int(struct xlsx *x, size_t row, size_t col, int64_t v, bool rupiah);
/* A number; hundredths: shown with two decimals and thousands separators (hectares). */
void xlsx_num(struct xlsx *x, size_t row, size_t col, double v, bool hundredths);
void xlsx_bool(struct xlsx *x, size_t row, size_t col, bool v);
/* A date "YYYY-MM-DD" as a date (any other text as text). */
void xlsx_date(struct xlsx *x, size_t row, size_t col, const char *ymd);
/* A time in milliseconds since 1970, UTC, as a date and time. */
void xlsx_time_ms(struct xlsx *x, size_t row, size_t col, uint64_t ms);

/* Writes the file and frees x. Returns 0, or PK_EIO with the reason in why (libxlsxwriter's,
 * or "more rows than a sheet holds"). */
int xlsx_close(struct xlsx *x, char *why, size_t n);

/* The most rows a sheet holds, its header included (Excel's limit). */
#define XLSX_ROWS_MAX 1048576u

#endif
