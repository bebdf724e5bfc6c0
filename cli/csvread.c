/* csvread.c: the CSV reader (see csvread.h). One pass over the buffer, writing each unquoted
 * cell back at or before where it was read, so nothing is copied. */
#include "csvread.h"

#include <stdlib.h>
#include <string.h>

/* ',' or ';': whichever the first line holds more of outside quotes (',' on a tie). */
static char detect_sep(const char *p, const char *end)
{
	size_t commas = 0, semis = 0;
	bool quoted = false;

	for (; p < end && (quoted || *p != '\n'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			commas++;
		else if (!quoted && *p == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

static int push_cell(struct csv_doc *doc, const char *s, size_t len)
{
	if (doc->ncells == doc->cellcap) {
		size_t cap = doc->cellcap ? doc->cellcap * 2 : 256;
		struct csv_cell *n = realloc(doc->cells, cap * sizeof(*n));

		if (n == NULL)
			return PK_ENOMEM;
		doc->cells = n;
		doc->cellcap = cap;
	}
	doc->cells[doc->ncells++] = (struct csv_cell){s, len};
	return 0;
}

static int push_row(struct csv_doc *doc, size_t line, size_t first)
{
	bool blank = true;

	for (size_t i = first; i < doc->ncells && blank; i++)
		blank = doc->cells[i].len == 0;
	if (blank) { /* a blank line or a row of empty cells: nothing to keep */
		doc->ncells = first;
		return 0;
	}
	if (doc->nrows == doc->rowcap) {
		size_t cap = doc->rowcap ? doc->rowcap * 2 : 64;
		struct csv_row *n = realloc(doc->rows, cap * sizeof(*n));

		if (n == NULL)
			return PK_ENOMEM;
		doc->rows = n;
		doc->rowcap = cap;
	}
	doc->rows[doc->nrows++] = (struct csv_row){line, first, doc->ncells - first};
	return 0;
}

int csv_parse(char *buf, size_t len, struct csv_doc *doc, struct pk_diag *d)
{
	char *r = buf, *w = buf, *end = buf + len, *cell;
	size_t line = 1, row_line, first;
	bool more;
	int err;

	memset(doc, 0, sizeof(*doc));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		doc->bom = true;
		r = w = buf + 3;
	}
	doc->sep = detect_sep(r, end);
	while (r < end) {
		row_line = line;
		first = doc->ncells;
		for (;;) { /* one cell per pass */
			cell = w;
			if (r < end && *r == '"') {
				size_t opened = line;

				for (r++;; r++) {
					if (r >= end)
						return pk_diagf(
						    d, PK_EDECODE,
						    "line %zu: a quote (\") opens a cell and is "
						    "never closed",
						    opened);
					if (*r == '"' && r + 1 < end && r[1] == '"') {
						*w++ = *r++;
					} else if (*r == '"') {
						r++;
						break;
					} else {
						line += *r == '\n';
						*w++ = *r;
					}
				}
			}
			/* Unquoted text, or what follows a closing quote, up to the cell's end; a
			 * CR right before the line's end belongs to the line break. */
			while (r < end && *r != doc->sep && *r != '\n' &&
			       !(*r == '\r' && (r + 1 == end || r[1] == '\n')))
				*w++ = *r++;
			if ((err = push_cell(doc, cell, (size_t)(w - cell))) != 0)
				return err;
			/* Step over the separator or line break before the NUL, which may land
			 * where it was (w never passes r). */
			more = r < end && *r == doc->sep;
			if (more)
				r++;
			else if (r < end && *r == '\r')
				r++;
			if (!more && r < end && *r == '\n') {
				r++;
				line++;
			}
			*w++ = '\0';
			if (!more)
				break;
		}
		if ((err = push_row(doc, row_line, first)) != 0)
			return err;
	}
	return 0;
}

void csv_doc_free(struct csv_doc *doc)
{
	free(doc->cells);
	free(doc->rows);
	memset(doc, 0, sizeof(*doc));
}
