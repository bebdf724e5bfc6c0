/*
 * csvread.h: a CSV reader for files that come back from spreadsheets: RFC 4180 (',' between
 * cells) or the dialect of Excel in an Indonesian locale (';' between cells), with or without a
 * UTF-8 byte order mark, rows ending in LF or CRLF, cells quoted with '"' (quotes doubled
 * inside, line breaks allowed). The separator is the one of ',' and ';' the header line holds
 * more of. The whole file is in memory; cells are unquoted in place, so they cost no copy.
 */
#ifndef CLI_CSVREAD_H
#define CLI_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/error.h"

struct csv_cell {
	const char *s; /* NUL-terminated, inside the parsed buffer */
	size_t len;
};

struct csv_row {
	size_t line;  /* the file line the row starts on, from 1 */
	size_t first; /* its cells are cells[first .. first + n - 1] */
	size_t n;
};

struct csv_doc {
	char sep; /* ',' or ';' */
	bool bom; /* the file began with a UTF-8 byte order mark */
	struct csv_cell *cells;
	size_t ncells, cellcap;
	struct csv_row *rows; /* rows[0] is the header; blank rows are left out */
	size_t nrows, rowcap;
};

/*
 * Parses buf, len bytes followed by at least one more byte it may overwrite (the cells are
 * unquoted and NUL-terminated in place; the cells point into buf, which must outlive doc). A row
 * of empty cells only (a blank line, or ";;;" as spreadsheets write an empty row) is left out.
 * Returns 0, PK_EDECODE with "line N: ..." in d (a quote never closed), or PK_ENOMEM. Free doc
 * with csv_doc_free after either.
 */
int csv_parse(char *buf, size_t len, struct csv_doc *doc, struct pk_diag *d);

void csv_doc_free(struct csv_doc *doc);

#endif
