/*
 * csv.h: CSV output per RFC 4180, shared by export, rekap and template. Rows end in CRLF; a
 * field is quoted when it holds the separator (a comma, or ';' for the Excel dialect), a double
 * quote, CR or LF, with quotes doubled. Text is written as given (the store holds only valid
 * UTF-8). Reading CSV is cli/csvread.h.
 */
#ifndef CLI_CSV_H
#define CLI_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct csv {
	FILE *f;
	bool row_started; /* a field was written on the current row */
	char sep;         /* between fields: ',' (also when 0) or ';' */
};

/* Writes one field of len bytes (a comma first unless it opens the row). */
void csv_field(struct csv *w, const char *s, size_t len);

/* csv_field with the bytes of mark (no separator, quote or line break in them) in front. */
void csv_marked(struct csv *w, const char *mark, const char *s, size_t len);

/* csv_field with a NUL-terminated string; NULL writes an empty field. */
void csv_str(struct csv *w, const char *s);

/* Ends the current row with CRLF. */
void csv_end_row(struct csv *w);

#endif
