/*
 * test_webquery.c: how the web server reads an address (daemon/web_int.h): percent-decoding
 * (web_unescape: %XX, '+' as a space; a truncated or non-hex escape, an encoded NUL and an
 * overlong result refused) and query parameters (web_query: found by whole name, decoded,
 * absent or malformed as NULL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/web_int.h"

static void test_unescape(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(web_unescape("a%20b+c", 7, out, sizeof(out)), 0);
	assert_string_equal(out, "a b c");
	assert_int_equal(web_unescape("%3Cscript%3e", 12, out, sizeof(out)), 0);
	assert_string_equal(out, "<script>");
	assert_int_equal(web_unescape("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* truncated, not hex, an encoded NUL, too long for the buffer */
	assert_int_equal(web_unescape("ab%2", 4, out, sizeof(out)), -1);
	assert_int_equal(web_unescape("%zz", 3, out, sizeof(out)), -1);
	assert_int_equal(web_unescape("%+1", 3, out, sizeof(out)), -1);
	assert_int_equal(web_unescape("a%00b", 5, out, sizeof(out)), -1);
	assert_int_equal(web_unescape("0123456789abcdef", 16, out, sizeof(out)), -1);
	/* the length given, not the NUL, ends the input */
	assert_int_equal(web_unescape("abc%41", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
}

static void test_query(void **state)
{
	struct web_req r;
	char buf[32];

	(void)state;
	memset(&r, 0, sizeof(r));
	snprintf(r.query, sizeof(r.query), "%s",
	         "q=Rp+15.000&region=32.75&regionx=1&tahun=&bad=%z");
	assert_string_equal(web_query(&r, "q", buf, sizeof(buf)), "Rp 15.000");
	assert_string_equal(web_query(&r, "region", buf, sizeof(buf)), "32.75");
	assert_string_equal(web_query(&r, "regionx", buf, sizeof(buf)), "1");
	assert_string_equal(web_query(&r, "tahun", buf, sizeof(buf)), "");
	assert_null(web_query(&r, "reg", buf, sizeof(buf)));  /* a whole name only */
	assert_null(web_query(&r, "page", buf, sizeof(buf))); /* absent */
	assert_null(web_query(&r, "bad", buf, sizeof(buf)));  /* malformed */
	assert_null(web_query(&r, "q", buf, 4));              /* too long for buf */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_unescape),
	                                   cmocka_unit_test(test_query)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
