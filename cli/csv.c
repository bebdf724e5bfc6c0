/* csv.c: RFC 4180 field quoting (see csv.h). */
#include <string.h>

#include "csv.h"

void csv_marked(struct csv *w, const char *mark, const char *s, size_t len)
{
	char sep = w->sep ? w->sep : ',';
	bool quote = false;

	if (w->row_started)
		fputc(sep, w->f);
	w->row_started = true;
	fputs(mark, w->f);
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		fwrite(s, 1, len, w->f);
		return;
	}
	fputc('"', w->f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', w->f);
		fputc(s[i], w->f);
	}
	fputc('"', w->f);
}

void csv_field(struct csv *w, const char *s, size_t len)
{
	csv_marked(w, "", s, len);
}

void csv_str(struct csv *w, const char *s)
{
	csv_field(w, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void csv_end_row(struct csv *w)
{
	fputs("\r\n", w->f);
	w->row_started = false;
}
