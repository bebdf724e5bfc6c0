/*
 * test_report.c: the report model and its renderer (cli/report.h, cli/render.h): text columns
 * aligned by characters (not bytes) and cut with "...", CSV quoting, JSON types and shape, the
 * checked sums (a sum past 2^63 - 1 is an error, not a wrapped number) and exact big numbers;
 * the page to print (render_html.c): every string escaped, cells as text shows them, the total
 * in the table's footer, notes kept with their rows, the letterhead and its date.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

/* The unit test Makefile rule links only the libraries, so the CLI modules are compiled in. */
#include "cli/csv.c"
#include "cli/render.c"
#include "cli/render_html.c"
#include "cli/report.c"

/* Renders r in fmt into a malloc'd string; *err gets rpt_write's result. */
static char *render(const struct report *r, enum rpt_fmt fmt, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*err = rpt_write(r, fmt, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *render_ok(const struct report *r, enum rpt_fmt fmt)
{
	int err;
	char *s = render(r, fmt, &err);

	assert_int_equal(err, 0);
	return s;
}

/* 14 March 2026, 10:05 UTC: the letterhead's date with TZ=UTC (set in main). */
#define MADE ((time_t)1773482700)

/* Renders r as a page to print under a fixed letterhead; *err gets rpt_write_html's result. */
static char *render_html(const struct report *r, int *err)
{
	const struct rpt_page page = {"Pokja PKP <Kota> & \"Bekasi\"", "Kota Bekasi (32.75)", MADE,
	                              NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*err = rpt_write_html(r, &page, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *render_html_ok(const struct report *r)
{
	int err;
	char *s = render_html(r, &err);

	assert_int_equal(err, 0);
	return s;
}

/* A report with a name column (cut at 12 characters) and a number column, two rows and a
 * total. */
static struct report *two_rows(const char *name0, const char *name1)
{
	struct report *r = rpt_new("rows");

	assert_non_null(r);
	rpt_title(r, "Title\n\n", "(none)\n");
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 12, "NAME", "name", {"name"}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "BIAYA", "biaya", {"biaya"}});
	rpt_str(r, rpt_row(r), 0, name0);
	rpt_int(r, 0, 1, 1250000);
	rpt_str(r, rpt_row(r), 0, name1);
	rpt_int(r, 1, 1, 7);
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	rpt_add(r, RPT_TOTAL, 1, 1250000);
	rpt_add(r, RPT_TOTAL, 1, 7);
	assert_int_equal(rpt_error(r), 0);
	return r;
}

/* Multibyte names take as many columns as they have characters: "Pélé – ok" (9 characters,
 * 12 bytes) pads like an ASCII name of 9; numbers are right-aligned and grouped with '.'. */
static void test_text_align_utf8(void **state)
{
	struct report *r = two_rows("P\xc3\xa9l\xc3\xa9 \xe2\x80\x93 ok", "Bekasi");
	char *s = render_ok(r, RPT_TEXT);

	(void)state;
	assert_string_equal(s, "Title\n\n"
	                       "NAME           BIAYA\n"
	                       "P\xc3\xa9l\xc3\xa9 \xe2\x80\x93 ok  1.250.000\n"
	                       "Bekasi             7\n"
	                       "TOTAL      1.250.007\n");
	free(s);
	rpt_free(r);
}

/* A name over text_max characters is cut to text_max with "...", counting characters: the cut
 * never splits a multibyte character. CSV and JSON keep the whole name. */
static void test_text_cut(void **state)
{
	/* 17 characters, 21 bytes: cut to 9 characters (13 bytes) and "...". */
	struct report *r = two_rows("P\xc3\xa9l\xc3\xa9 \xe2\x80\x93 Jawa Barat", "x");
	char *s = render_ok(r, RPT_TEXT), *c;

	(void)state;
	assert_string_equal(s, "Title\n\n"
	                       "NAME              BIAYA\n"
	                       "P\xc3\xa9l\xc3\xa9 \xe2\x80\x93 Ja...  1.250.000\n"
	                       "x                     7\n"
	                       "TOTAL         1.250.007\n");
	free(s);
	c = render_ok(r, RPT_CSV);
	assert_non_null(strstr(c, "\r\nP\xc3\xa9l\xc3\xa9 \xe2\x80\x93 Jawa Barat,1250000\r\n"));
	free(c);
	rpt_free(r);
}

/* RFC 4180: a field with a comma, a quote, CR or LF is quoted, quotes doubled; rows end in
 * CRLF; numbers are plain digits; the total comes last. */
static void test_csv_quoting(void **state)
{
	struct report *r = two_rows("Aliansi, \"mitra\"", "line\nbreak");
	char *s = render_ok(r, RPT_CSV);

	(void)state;
	assert_string_equal(s, "name,biaya\r\n"
	                       "\"Aliansi, \"\"mitra\"\"\",1250000\r\n"
	                       "\"line\nbreak\",7\r\n"
	                       "TOTAL,1250007\r\n");
	free(s);
	rpt_free(r);
}

/* JSON: meta members first, in order; integers as integers, hectares as exact reals, a null
 * cell as null, an absent cell left out, nested paths as objects (an RPT_OBJ column even when
 * empty), key columns left out of the total. */
static void test_json_types(void **state)
{
	struct report *r = rpt_new("rows");
	json_error_t e;
	json_t *j, *row;
	char *s;

	(void)state;
	rpt_meta_str(r, "report", "uji");
	rpt_meta_str(r, "tahun", NULL);
	rpt_meta_list(r, "years");
	rpt_meta_push_int(r, "years", 2025);
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "W", "wilayah", {"wilayah"}});
	rpt_col(r, &(struct rpt_col){RPT_HA, 0, 0, 0, "HA", "luas", {"tahun", "2025", "luas_ha"}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "KK", "kk", {"tahun", "2025", "kk"}});
	rpt_col(r, &(struct rpt_col){RPT_OBJ, 0, 0, 0, NULL, NULL, {"per_sumber"}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "N", "n", {"n"}});
	rpt_str(r, rpt_row(r), 0, "32");
	rpt_int(r, 0, 1, 406234); /* 40.6234 ha */
	rpt_null(r, 0, 2);
	rpt_int(r, 0, 4, 3);
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	rpt_int(r, RPT_TOTAL, 1, 30000); /* 3.0 ha */
	s = render_ok(r, RPT_JSON);
	assert_non_null(strstr(s, "\"luas_ha\": 40.6234"));
	assert_non_null(strstr(s, "\"luas_ha\": 3.0"));
	assert_non_null(j = json_loads(s, 0, &e));
	assert_string_equal(json_string_value(json_object_get(j, "report")), "uji");
	assert_true(json_is_null(json_object_get(j, "tahun")));
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "years"), 0)), 2025);
	row = json_array_get(json_object_get(j, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "wilayah")), "32");
	assert_true(json_is_real(
	    json_object_get(json_object_get(json_object_get(row, "tahun"), "2025"), "luas_ha")));
	assert_true(json_is_null(
	    json_object_get(json_object_get(json_object_get(row, "tahun"), "2025"), "kk")));
	assert_int_equal(json_object_size(json_object_get(row, "per_sumber")), 0);
	assert_true(json_is_integer(json_object_get(row, "n")));
	/* The total: no key column, absent cells left out, the empty object kept. */
	row = json_object_get(j, "total");
	assert_null(json_object_get(row, "wilayah"));
	assert_null(json_object_get(row, "n"));
	assert_int_equal(json_object_size(json_object_get(row, "per_sumber")), 0);
	assert_null(json_object_get(json_object_get(json_object_get(row, "tahun"), "2025"), "kk"));
	/* Members in the order set. */
	assert_true(strstr(s, "\"report\"") < strstr(s, "\"tahun\""));
	assert_true(strstr(s, "\"years\"") < strstr(s, "\"rows\""));
	assert_true(strstr(s, "\"rows\"") < strstr(s, "\"total\""));
	json_decref(j);
	free(s);
	rpt_free(r);
}

/* rpt_sum adds up to RPT_INT_MAX (2^63 - 1) and refuses one more, leaving the sum as it was;
 * rpt_add makes the overflow the report's error, which rpt_write returns instead of writing a
 * wrapped sum. */
static void test_overflow(void **state)
{
	uint64_t acc = RPT_INT_MAX - 5;
	struct report *r;
	char *s;
	int err;

	(void)state;
	assert_int_equal(rpt_sum(&acc, 5), 0);
	assert_true(acc == RPT_INT_MAX);
	assert_int_equal(rpt_sum(&acc, 1), PK_ETOOBIG);
	assert_true(acc == RPT_INT_MAX);
	acc = 0;
	assert_int_equal(rpt_sum(&acc, RPT_INT_MAX), 0);
	assert_int_equal(rpt_sum(&acc, RPT_INT_MAX), PK_ETOOBIG);
	acc = 0;
	assert_int_equal(rpt_sum(&acc, UINT64_MAX), PK_ETOOBIG);
	assert_true(acc == 0);

	r = two_rows("a", "b");
	rpt_add(r, RPT_TOTAL, 1, RPT_INT_MAX - 1250007);
	assert_int_equal(rpt_error(r), 0);
	rpt_add(r, RPT_TOTAL, 1, 1);
	assert_int_equal(rpt_error(r), PK_ETOOBIG);
	for (int fmt = RPT_TEXT; fmt <= RPT_JSON; fmt++) {
		s = render(r, (enum rpt_fmt)fmt, &err);
		assert_int_equal(err, PK_ETOOBIG);
		free(s);
	}
	s = render_html(r, &err);
	assert_int_equal(err, PK_ETOOBIG);
	free(s);
	rpt_free(r);
}

/* Integers up to 2^63 - 1 are written exactly in every format; a larger one set directly is the
 * report's error, not a wrapped or rounded number. */
static void test_big_exact(void **state)
{
	struct report *r = two_rows("a", "b");
	char *s;
	int err;

	(void)state;
	rpt_int(r, 0, 1, 9000000000000000000ull);
	rpt_int(r, RPT_TOTAL, 1, RPT_INT_MAX);
	s = render_ok(r, RPT_JSON);
	assert_non_null(strstr(s, "\"biaya\": 9000000000000000000\n"));
	assert_non_null(strstr(s, "\"biaya\": 9223372036854775807\n"));
	free(s);
	s = render_ok(r, RPT_TEXT);
	assert_non_null(strstr(s, "9.000.000.000.000.000.000\n"));
	free(s);
	s = render_ok(r, RPT_CSV);
	assert_non_null(strstr(s, "TOTAL,9223372036854775807\r\n"));
	free(s);
	rpt_int(r, 1, 1, RPT_INT_MAX + 1);
	s = render(r, RPT_JSON, &err);
	assert_int_equal(err, PK_ETOOBIG);
	free(s);
	rpt_free(r);
}

/* An area of 10^11 ha or more cannot be written exactly as a JSON real: an error. */
static void test_area_limit(void **state)
{
	struct report *r = rpt_new("rows");
	char *s;
	int err;

	(void)state;
	rpt_col(r, &(struct rpt_col){RPT_HA, 0, 0, 0, "HA", "ha", {"ha"}});
	rpt_int(r, rpt_row(r), 0, 999999999999999ull);
	s = render_ok(r, RPT_JSON);
	assert_non_null(strstr(s, "\"ha\": 99999999999.9999\n"));
	free(s);
	s = render_ok(r, RPT_TEXT);
	assert_non_null(strstr(s, "100.000.000.000,00\n"));
	free(s);
	rpt_int(r, 0, 0, 1000000000000000ull);
	s = render(r, RPT_JSON, &err);
	assert_int_equal(err, PK_ETOOBIG);
	free(s);
	rpt_free(r);
}

/* Text tables: key columns in every table, a table of no columns of its own skipped, headings,
 * notes under rows, "-" for a missing number; without rows only the first header and the empty
 * line. */
static void test_text_sections(void **state)
{
	struct report *r = rpt_new("rows");
	char *s;

	(void)state;
	rpt_title(r, "T\n\n", "(none)\n");
	rpt_heading(r, 1, "Second:\n\n");
	rpt_heading(r, 2, "Unused:\n\n");
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "K", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "A", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 1, 0, "B", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_STR, 0, 2, 0, NULL, "csv only", {NULL}});
	s = render_ok(r, RPT_TEXT);
	assert_string_equal(s, "T\n\nK  A\n(none)\n");
	free(s);
	rpt_str(r, rpt_row(r), 0, "x");
	rpt_int(r, 0, 1, 1);
	rpt_note(r, 0, "  a note\n");
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	rpt_int(r, RPT_TOTAL, 1, 1);
	rpt_int(r, RPT_TOTAL, 2, 0);
	s = render_ok(r, RPT_TEXT);
	assert_string_equal(s, "T\n\n"
	                       "K      A\n"
	                       "x      1\n"
	                       "  a note\n"
	                       "TOTAL  1\n"
	                       "\n"
	                       "Second:\n\n"
	                       "K      B\n"
	                       "x      -\n"
	                       "TOTAL  0\n");
	free(s);
	rpt_free(r);
}

/* Items: one CSV line per item after the row's cells (one with empty cells for a row without
 * items, no total line); in JSON two lists split by the flag, not in the total. */
static void test_items(void **state)
{
	static const struct rpt_items items = {
	    {"kab", "name", "done"}, {"wilayah", "name"}, "yes_list", "no_list", 0, {{0}}};
	struct report *r = rpt_new("arahan");
	json_error_t e;
	json_t *j, *row;
	char *s;

	(void)state;
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "KEY", "key", {"key"}});
	rpt_items(r, &items);
	rpt_str(r, rpt_row(r), 0, "a");
	rpt_item(r, 0, "32.73", "Kota Bandung", true);
	rpt_item(r, 0, "32.75", "Kota Bekasi", false);
	rpt_str(r, rpt_row(r), 0, "b");
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	s = render_ok(r, RPT_CSV);
	assert_string_equal(s, "key,kab,name,done\r\n"
	                       "a,32.73,Kota Bandung,yes\r\n"
	                       "a,32.75,Kota Bekasi,no\r\n"
	                       "b,,,\r\n");
	free(s);
	s = render_ok(r, RPT_JSON);
	assert_non_null(j = json_loads(s, 0, &e));
	row = json_array_get(json_object_get(j, "arahan"), 0);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(row, "yes_list"), 0), "wilayah")),
	                    "32.73");
	assert_int_equal(json_array_size(json_object_get(row, "no_list")), 1);
	row = json_array_get(json_object_get(j, "arahan"), 1);
	assert_int_equal(json_array_size(json_object_get(row, "yes_list")), 0);
	assert_null(json_object_get(json_object_get(j, "total"), "yes_list"));
	json_decref(j);
	free(s);
	rpt_free(r);
}

/* Items with typed cells of their own, all in one list (no flag): CSV gives each cell (digits,
 * the string, "" for null), JSON each member (null for null, left out when never set). */
static void test_items_more(void **state)
{
	static const struct rpt_items items = {
	    {"sasaran", "nama", NULL},
	    {"wilayah", "name"},
	    "sasaran",
	    NULL,
	    2,
	    {{RPT_INT, "diterima", "diterima"}, {RPT_STR, "status", "status"}}};
	struct report *r = rpt_new("arahan");
	json_error_t e;
	json_t *j, *list;
	char *s;

	(void)state;
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "KEY", "key", {"key"}});
	rpt_items(r, &items);
	rpt_str(r, rpt_row(r), 0, "a");
	rpt_item(r, 0, "32", "Jawa Barat", false);
	rpt_item_int(r, 0, 0, 1780376400);
	rpt_item_str(r, 0, 1, "selesai");
	rpt_item(r, 0, "33", "Jawa Tengah", true);
	rpt_item_str(r, 0, 0, NULL);
	s = render_ok(r, RPT_CSV);
	assert_string_equal(s, "key,sasaran,nama,diterima,status\r\n"
	                       "a,32,Jawa Barat,1780376400,selesai\r\n"
	                       "a,33,Jawa Tengah,,\r\n");
	free(s);
	s = render_ok(r, RPT_JSON);
	assert_non_null(j = json_loads(s, 0, &e));
	list = json_object_get(json_array_get(json_object_get(j, "arahan"), 0), "sasaran");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "diterima")),
	                 1780376400);
	assert_true(json_is_null(json_object_get(json_array_get(list, 1), "diterima")));
	assert_null(json_object_get(json_array_get(list, 1), "status"));
	json_decref(j);
	free(s);
	/* A cell beyond the declared ones is a misuse, reported by rpt_error. */
	rpt_item_str(r, 0, 2, "x");
	assert_int_equal(rpt_error(r), PK_EINVAL);
	rpt_free(r);
}

/* The page: one document that loads nothing, the letterhead escaped with its date in local
 * time, the title as the heading, cells as text shows them (grouped rupiah, hectares with a
 * decimal comma, "-" for a missing number) but not cut, numbers on the right, and the total
 * row, bold by the style, in the table's footer after the rows. */
static void test_html_page(void **state)
{
	static const char head[] =
	    "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
	struct report *r = rpt_new("rows");
	char *s;

	(void)state;
	rpt_title(r, "Recap of kumuh\nsecond line\n\n", "(none)\n");
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 12, "NAME", "name", {"name"}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "BIAYA", "biaya", {"biaya"}});
	rpt_col(r, &(struct rpt_col){RPT_HA, 0, 0, 0, "LUAS", "luas", {"luas"}});
	rpt_str(r, rpt_row(r), 0, "Kecamatan Bekasi Timur");
	rpt_int(r, 0, 1, 1250000);
	rpt_int(r, 0, 2, 125000); /* 12.5 ha */
	rpt_str(r, rpt_row(r), 0, "Bekasi");
	rpt_int(r, 1, 1, 7);
	rpt_null(r, 1, 2);
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	rpt_int(r, RPT_TOTAL, 1, 1250007);
	rpt_int(r, RPT_TOTAL, 2, 125000);
	s = render_html_ok(r);
	assert_true(strncmp(s, head, strlen(head)) == 0);
	assert_non_null(strstr(s, "<title>Recap of kumuh</title>"));
	assert_non_null(strstr(s, "<div class=\"org\">Pokja PKP &lt;Kota&gt; &amp; "
	                          "&quot;Bekasi&quot;</div>\n<div class=\"place\">Kota Bekasi "
	                          "(32.75)</div>"));
	assert_non_null(strstr(s, "<time datetime=\"2026-03-14T10:05:00+0000\">14 Maret 2026, "
	                          "10.05</time>"));
	assert_non_null(strstr(s, "<h1>Recap of kumuh</h1>\n<p>second line</p>\n"));
	assert_non_null(strstr(s,
	                       "<table>\n"
	                       "<thead><tr><th>NAME</th><th class=\"n\">BIAYA</th>"
	                       "<th class=\"n\">LUAS</th></tr></thead>\n"
	                       "<tbody>\n"
	                       "<tr><td>Kecamatan Bekasi Timur</td><td class=\"n\">1.250.000</td>"
	                       "<td class=\"n\">12,50</td></tr>\n"
	                       "<tr><td>Bekasi</td><td class=\"n\">7</td>"
	                       "<td class=\"n\">-</td></tr>\n"
	                       "</tbody>\n"
	                       "<tfoot>\n"
	                       "<tr><td>TOTAL</td><td class=\"n\">1.250.007</td>"
	                       "<td class=\"n\">12,50</td></tr>\n"
	                       "</tfoot>\n"
	                       "</table>\n"));
	assert_non_null(strstr(s, "tfoot td { font-weight: bold;"));
	assert_non_null(strstr(s, "@page { size: A4 landscape;"));
	assert_non_null(strstr(s, "thead { display: table-header-group; }"));
	/* Self-contained: nothing fetched, nothing run. */
	assert_null(strstr(s, "http"));
	assert_null(strstr(s, "src="));
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "url("));
	assert_true(strlen(s) > 16 && strcmp(s + strlen(s) - 16, "</body>\n</html>\n") == 0);
	free(s);
	rpt_free(r);
}

/* Every string from records, headers, headings, notes and the title is text on the page: a
 * name that is markup is shown, never run. */
static void test_html_escape(void **state)
{
	struct report *r = rpt_new("rows");
	char *s;

	(void)state;
	rpt_title(r, "Recap of <b>\n\n", NULL);
	rpt_heading(r, 1, "<i>second</i>:\n\n");
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "<K>", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "A&B", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 1, 0, "<script>alert(1)</script>", NULL, {NULL}});
	rpt_str(r, rpt_row(r), 0, "<script>alert(1)</script>");
	rpt_int(r, 0, 1, 1);
	rpt_note(r, 0, "  Dana \"CSR\" & 'hibah' <x>\n");
	s = render_html_ok(r);
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "<i>"));
	assert_null(strstr(s, "<K>"));
	assert_non_null(strstr(s, "<title>Recap of &lt;b&gt;</title>"));
	assert_non_null(strstr(s, "<h2>&lt;i&gt;second&lt;/i&gt;:</h2>"));
	assert_non_null(strstr(s, "<th>&lt;K&gt;</th><th class=\"n\">A&amp;B</th>"));
	assert_non_null(strstr(s, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
	assert_non_null(strstr(s, "<th class=\"n\">&lt;script&gt;alert(1)&lt;/script&gt;</th>"));
	assert_non_null(strstr(
	    s, "<td class=\"note\" colspan=\"2\">  Dana &quot;CSR&quot; &amp; &#39;hibah&#39; "
	       "&lt;x&gt;</td>"));
	free(s);
	rpt_free(r);
}

/* A row with a note shares a group of its own with the note (kept together on paper); only
 * the first table has notes, as in text; a table without columns of its own is left out;
 * without rows, the first table's header and the line for an empty report, and no total. */
static void test_html_notes_empty(void **state)
{
	struct report *r = rpt_new("rows");
	char *s;

	(void)state;
	rpt_title(r, "T\n\n", "(no kegiatan records)\n");
	rpt_heading(r, 1, "Second:\n\n");
	rpt_heading(r, 2, "Unused:\n\n");
	rpt_col(r, &(struct rpt_col){RPT_STR, RPT_KEY, 0, 0, "K", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "A", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 1, 0, "B", NULL, {NULL}});
	rpt_col(r, &(struct rpt_col){RPT_STR, 0, 2, 0, NULL, "csv only", {NULL}});
	rpt_str(r, RPT_TOTAL, 0, "TOTAL");
	s = render_html_ok(r);
	assert_non_null(strstr(s, "<thead><tr><th>K</th><th class=\"n\">A</th></tr></thead>\n"
	                          "<tbody><tr><td class=\"empty\" colspan=\"2\">(no kegiatan "
	                          "records)</td></tr></tbody>\n</table>\n</main>"));
	assert_null(strstr(s, "<tfoot>"));
	assert_null(strstr(s, "Second"));
	free(s);
	rpt_str(r, rpt_row(r), 0, "x");
	rpt_note(r, 0, "  a note\n  of two lines\n");
	rpt_str(r, rpt_row(r), 0, "y");
	rpt_str(r, rpt_row(r), 0, "z");
	rpt_note(r, 2, "  z's note\n");
	s = render_html_ok(r);
	assert_non_null(strstr(s, "<tbody class=\"keep\">\n"
	                          "<tr><td>x</td><td class=\"n\">-</td></tr>\n"
	                          "<tr><td class=\"note\" colspan=\"2\">  a note\n  of two "
	                          "lines</td></tr>\n"
	                          "</tbody>\n"
	                          "<tbody>\n"
	                          "<tr><td>y</td><td class=\"n\">-</td></tr>\n"
	                          "</tbody>\n"
	                          "<tbody class=\"keep\">\n"
	                          "<tr><td>z</td><td class=\"n\">-</td></tr>\n"
	                          "<tr><td class=\"note\" colspan=\"2\">  z&#39;s note</td></tr>\n"
	                          "</tbody>\n"
	                          "<tfoot>\n"));
	assert_non_null(strstr(s, "<section>\n<h2>Second:</h2>\n<table>\n"
	                          "<thead><tr><th>K</th><th class=\"n\">B</th></tr></thead>\n"
	                          "<tbody>\n<tr><td>x</td><td class=\"n\">-</td></tr>\n"));
	assert_null(strstr(s, "Unused"));
	assert_null(strstr(s, "csv only"));
	/* Notes belong to the first table only. */
	assert_null(strstr(strstr(s, "Second:"), "note\""));
	free(s);
	rpt_free(r);
}

/* Columns after the first row, or a bad cell, are the report's error. */
static void test_misuse(void **state)
{
	struct report *r = two_rows("a", "b");
	char *s;
	int err;

	(void)state;
	rpt_col(r, &(struct rpt_col){RPT_INT, 0, 0, 0, "LATE", NULL, {NULL}});
	assert_int_equal(rpt_error(r), PK_EINVAL);
	s = render(r, RPT_TEXT, &err);
	assert_int_equal(err, PK_EINVAL);
	free(s);
	rpt_free(r);
	r = two_rows("a", "b");
	rpt_int(r, 5, 0, 1);
	assert_int_equal(rpt_error(r), PK_EINVAL);
	rpt_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_align_utf8), cmocka_unit_test(test_text_cut),
	    cmocka_unit_test(test_csv_quoting),     cmocka_unit_test(test_json_types),
	    cmocka_unit_test(test_overflow),        cmocka_unit_test(test_big_exact),
	    cmocka_unit_test(test_area_limit),      cmocka_unit_test(test_text_sections),
	    cmocka_unit_test(test_items),           cmocka_unit_test(test_items_more),
	    cmocka_unit_test(test_misuse),          cmocka_unit_test(test_html_page),
	    cmocka_unit_test(test_html_escape),     cmocka_unit_test(test_html_notes_empty),
	};

	/* The letterhead's date is in local time: UTC here, whatever the machine's zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
