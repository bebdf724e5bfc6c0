/* test_region.c: region code syntax, levels and containment (proto/region.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/region.h"

static int level(const char *code)
{
	return pk_region_level(code, strlen(code));
}

static bool within(const char *inner, const char *outer)
{
	return pk_region_within(inner, strlen(inner), outer, strlen(outer));
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(level(""), PK_LEVEL_NATIONAL);
	assert_int_equal(level("32"), PK_LEVEL_PROVINCE);
	assert_int_equal(level("32.75"), PK_LEVEL_KABKOTA);
	assert_int_equal(level("32.75.01"), PK_LEVEL_KECAMATAN);
	assert_int_equal(level("32.75.01.1001"), PK_LEVEL_DESA);
	assert_int_equal(strlen("32.75.01.1001"), PK_REGION_MAX);
	assert_string_equal(pk_level_name(PK_LEVEL_KABKOTA), "kabupaten/kota");
	assert_string_equal(pk_level_name(7), "invalid");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "3",
	    "320",
	    "32.",
	    ".32",
	    "32.7",
	    "32.755",
	    "32-75",
	    "3a",
	    "32.75.1",
	    "32.75.01.100",
	    "32.75.01.10011",
	    "32.75.01.1001.",
	    "32..75",
	    " 32",
	    "32 ",
	    "32.75.01.1001.01",
	    "x",
	    "32.75.0a",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(level(bad[i]), PK_EREGION);
		assert_false(pk_region_valid(bad[i], strlen(bad[i])));
	}
	/* The length, not a NUL, ends a code. */
	assert_false(pk_region_valid("32\0"
	                             "75",
	                             5));
	assert_true(pk_region_valid("32.75junk", 5));
}

static void test_within(void **state)
{
	(void)state;
	assert_true(within("32.75", "32"));
	assert_true(within("32.75", "32.75"));
	assert_true(within("32.75.01.1001", "32.75"));
	assert_true(within("32", ""));
	assert_true(within("", ""));
	assert_true(within("32.75.01.1001", ""));
	assert_false(within("32.75", "32.7")); /* "32.7" is not a code */
	assert_false(within("32.75", "3"));
	assert_false(within("32.75", "32.76"));
	assert_false(within("32", "32.75")); /* the outer one is smaller */
	assert_false(within("", "32"));
	assert_false(within("33.75", "32"));
	assert_false(within("32.16", "32.1"));
	assert_false(within("32.x", "")); /* an invalid inner code is inside nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
