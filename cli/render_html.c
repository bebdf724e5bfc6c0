/*
 * render_html.c: the report model (cli/report.h) as one HTML page to print for a Pokja's
 * meeting: the node's letterhead and the date, the title, then each table the text output has,
 * with its headers, the cells as text shows them (render.c's rpt_cell_text, whole rather than
 * cut: a page wraps a long name where a terminal cannot) and the total row, and the notes under
 * their rows. The style sheet is in the page and nothing is loaded from elsewhere, so the file
 * can be mailed or printed offline. One pass over the rows per table; nothing is allocated.
 */
#include <string.h>

#include "render.h"

/* The style of the page. For print: A4 landscape; the header row of a table repeats on every
 * page (thead); the total row (tfoot) is shown once, at the end, since browsers repeat a footer
 * group on every page too; a row is never split across pages, nor a row from its note. */
static const char html_style[] =
    "@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm;\n"
    "  @bottom-right { content: counter(page) \" / \" counter(pages); font-size: 8pt; } }\n"
    "html { font: 10pt/1.35 \"DejaVu Sans\", \"Liberation Sans\", Arial, sans-serif; "
    "color: #000; background: #fff; }\n"
    "body { margin: 0 auto; padding: 8mm; max-width: 277mm; }\n"
    "@media print { body { padding: 0; max-width: none; } }\n"
    "header { display: flex; justify-content: space-between; align-items: flex-end; "
    "gap: 8mm;\n"
    "  border-bottom: 2pt solid #000; padding-bottom: 2mm; margin-bottom: 5mm; }\n"
    ".org { font-size: 15pt; font-weight: bold; }\n"
    ".place { font-size: 11pt; }\n"
    ".made { text-align: right; white-space: nowrap; }\n"
    "h1 { font-size: 13pt; margin: 0 0 1mm 0; }\n"
    "h2 { font-size: 11pt; margin: 6mm 0 2mm 0; break-after: avoid; "
    "page-break-after: avoid; }\n"
    "p { margin: 0 0 2mm 0; }\n"
    "table { border-collapse: collapse; margin: 3mm 0 4mm 0; "
    "font-variant-numeric: tabular-nums; }\n"
    "th, td { border: 0.5pt solid #777; padding: 0.8mm 2mm; text-align: left; "
    "vertical-align: top; }\n"
    "th { background: #e6e6e6; -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
    ".n { text-align: right; white-space: nowrap; }\n"
    "thead { display: table-header-group; }\n"
    "tfoot { display: table-row-group; }\n"
    "tfoot td { font-weight: bold; border-top: 1.5pt solid #000; }\n"
    "tr, tbody.keep { break-inside: avoid; page-break-inside: avoid; }\n"
    "td.note { white-space: pre-wrap; font-family: \"DejaVu Sans Mono\", \"Liberation Mono\", "
    "monospace;\n"
    "  font-size: 8.5pt; color: #333; }\n"
    "td.empty { font-style: italic; }\n";

/* Indonesian month names, for the date on the letterhead. */
static const char *const html_months[] = {"Januari",   "Februari", "Maret",    "April",
                                          "Mei",       "Juni",     "Juli",     "Agustus",
                                          "September", "Oktober",  "November", "Desember"};

/* Writes the first n bytes of s as HTML text: the five characters that could end text or an
 * attribute value as character references. */
static void html_esc(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(s[i], f);
		}
}

static void html_str(FILE *f, const char *s)
{
	html_esc(f, s, strlen(s));
}

/* The length of s without the line ends at its end. */
static size_t html_trimmed(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* Each non-empty line of text as an element: the first in first_tag, the others in
 * other_tag. */
static void html_lines(FILE *f, const char *text, const char *first_tag, const char *other_tag)
{
	const char *tag = first_tag;

	while (text != NULL && *text != '\0') {
		size_t n = strcspn(text, "\n");

		if (n > 0) {
			fprintf(f, "<%s>", tag);
			html_esc(f, text, n);
			fprintf(f, "</%s>\n", tag);
			tag = other_tag;
		}
		text += n + (text[n] == '\n');
	}
}

/* The letterhead: the node's name and region, and when the report was made (local time, in
 * the words of an Indonesian letter: "14 Maret 2026, 10.05"). */
static void html_letterhead(FILE *f, const struct rpt_page *p)
{
	struct tm tm;
	char iso[40];

	fputs("<header>\n<div>\n<div class=\"org\">", f);
	html_str(f, p->org ? p->org : "");
	fputs("</div>\n<div class=\"place\">", f);
	html_str(f, p->place ? p->place : "");
	fputs("</div>\n</div>\n<div class=\"made\">\n", f);
	if (localtime_r(&p->made, &tm) != NULL && tm.tm_mon >= 0 && tm.tm_mon < 12 &&
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S%z", &tm) > 0)
		fprintf(f, "<time datetime=\"%s\">%d %s %d, %02d.%02d</time>\n", iso, tm.tm_mday,
		        html_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	fputs("</div>\n</header>\n", f);
}

/* One row of table `section`: its cells as text shows them, numbers on the right. */
static void html_row(const struct report *r, FILE *f, int section, const struct rpt_row *row)
{
	char buf[RPT_CELL_BUF];

	fputs("<tr>", f);
	for (size_t c = 0; c < r->ncols; c++) {
		const struct rpt_column *col = &r->cols[c];

		if (!rpt_in_table(col, section))
			continue;
		fputs(rpt_right(col) ? "<td class=\"n\">" : "<td>", f);
		html_str(f, rpt_cell_text(col, &row->cells[c], false, buf));
		fputs("</td>", f);
	}
	fputs("</tr>\n", f);
}

/* Table `section`: the header row, then the rows (a row with a note in a group of its own
 * with the note, so that a page break keeps them together) and the total; without rows, the
 * line for an empty report. */
static void html_table(const struct report *r, FILE *f, int section, bool with_rows)
{
	size_t ncols = 0;
	bool in_body = false;

	fputs("<table>\n<thead><tr>", f);
	for (size_t c = 0; c < r->ncols; c++) {
		const struct rpt_column *col = &r->cols[c];

		if (!rpt_in_table(col, section))
			continue;
		ncols++;
		fputs(rpt_right(col) ? "<th class=\"n\">" : "<th>", f);
		html_str(f, col->text);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n", f);
	if (!with_rows) {
		fprintf(f, "<tbody><tr><td class=\"empty\" colspan=\"%zu\">", ncols);
		if (r->empty != NULL)
			html_esc(f, r->empty, html_trimmed(r->empty));
		fputs("</td></tr></tbody>\n</table>\n", f);
		return;
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const char *note = section == 0 ? r->rows[i].note : NULL;

		if (note != NULL && in_body)
			fputs("</tbody>\n", f);
		if (note != NULL || !in_body)
			fputs(note != NULL ? "<tbody class=\"keep\">\n" : "<tbody>\n", f);
		in_body = true;
		html_row(r, f, section, &r->rows[i]);
		if (note == NULL)
			continue;
		fprintf(f, "<tr><td class=\"note\" colspan=\"%zu\">", ncols);
		html_esc(f, note, html_trimmed(note));
		fputs("</td></tr>\n</tbody>\n", f);
		in_body = false;
	}
	if (in_body)
		fputs("</tbody>\n", f);
	if (r->total.cells != NULL) {
		fputs("<tfoot>\n", f);
		html_row(r, f, section, &r->total);
		fputs("</tfoot>\n", f);
	}
	fputs("</table>\n", f);
}

int rpt_write_html(const struct report *r, const struct rpt_page *page, FILE *f)
{
	const char *title = r->title ? r->title : "";

	if (r->err != 0)
		return r->err;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
	        page->lang != NULL ? page->lang : "id");
	html_esc(f, title, strcspn(title, "\n"));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_style);
	html_letterhead(f, page);
	fputs("<main>\n", f);
	html_lines(f, title, "h1", "p");
	if (r->nrows == 0) {
		html_table(r, f, 0, false); /* as text: the header of the first table, no total */
	} else {
		for (int s = 0; s < r->nsections; s++) {
			if (!rpt_table_shown(r, s))
				continue;
			fputs("<section>\n", f);
			html_lines(f, r->headings[s], "h2", "p");
			html_table(r, f, s, true);
			fputs("</section>\n", f);
		}
	}
	fputs("</main>\n</body>\n</html>\n", f);
	return 0;
}
