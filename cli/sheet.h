/*
 * sheet.h: what spreadsheets make of the columns of a collection, shared by the CSV and xlsx
 * exports, the CSV import and `template`: which kind of cell each column is (text, a code that
 * must stay text, a whole number, rupiah, a date, ...), and the mark that keeps a text cell text
 * in a CSV file meant for a spreadsheet.
 *
 * The mark: a spreadsheet opening a CSV file turns a cell that reads as a number, a date or a
 * formula into one (32.10 becomes 32.1, 0812... loses its 0, 2025-03-04 becomes a date written
 * back as 04/03/2025, =... runs). The Excel dialect of export (--excel) writes such a text cell
 * with an invisible ZERO WIDTH SPACE (U+200B) in front: no spreadsheet reads that as a number
 * or a formula, it survives editing and saving, and import takes it off again. The ="32.10"
 * formula trick does not survive a save (the spreadsheet writes back the value 32.10, which it
 * reads as a number the next time), and an apostrophe shows in the cell.
 */
#ifndef CLI_SHEET_H
#define CLI_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/schema.h"

enum sheet_kind {
	SK_TEXT,     /* a string: names, prose, enum values */
	SK_CODE,     /* a string that is a code or key: region codes, record keys, hex */
	SK_INT,      /* a whole number */
	SK_RUPIAH,   /* a whole number of rupiah, shown with thousands separators */
	SK_NUM,      /* a number that may have a fraction */
	SK_BOOL,     /* true or false */
	SK_DATE,     /* YYYY-MM-DD */
	SK_DATETIME, /* diubah: ISO 8601 UTC with milliseconds */
	SK_LIST,     /* a string list, as JSON array text */
};

/* The kind of a schema field. */
enum sheet_kind sheet_field_kind(const struct pk_field *f);

/* The kind of a column an export adds: key, wilayah, diubah_oleh_wilayah (SK_CODE),
 * nama_wilayah, diubah_oleh (SK_TEXT), diubah (SK_DATETIME). */
enum sheet_kind sheet_extra_kind(const char *name);

/* The mark (U+200B in UTF-8) and its length. */
#define SHEET_MARK "\xe2\x80\x8b"
#define SHEET_MARK_LEN 3

/* Whether a text cell needs the mark in a CSV file for spreadsheets: it is not empty and
 * starts with a digit, '+', '-', '=', '@', '.', ',' or a space (what a spreadsheet may read as a
 * number, a date or a formula). */
bool sheet_needs_mark(const char *s, size_t len);

/* s without the mark in front, when it has one (*len adjusted). */
const char *sheet_unmark(const char *s, size_t *len);

/* A short description of a field's type for people ("whole number 2000..2100", "date
 * YYYY-MM-DD", "one of: rencana, berjalan, ...") into buf. */
const char *sheet_type_text(const struct pk_field *f, char *buf, size_t n);

#endif
