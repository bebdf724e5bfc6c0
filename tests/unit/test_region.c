/* test_region.c: region code syntax, levels, containment and ownership (proto/region.h). */
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

static int owner_len(const char *code)
{
	return pk_region_owner_len(code, strlen(code));
}

static bool owned(const char *code, const char *writer)
{
	return pk_region_owned(code, strlen(code), writer, strlen(writer));
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

/* The owner of a code: itself at node level (national, province, kabupaten/kota), its
 * kabupaten/kota below that. */
static void test_owner_len(void **state)
{
	static const char *const codes[] = {
	    "", "32", "32.75", "32.75.01", "32.75.01.1001", "91.02.03.2001"};
	static const char *const bad[] = {"3", "32.7", "32.", "32.75.1", "32.75.01.100", "x"};

	(void)state;
	assert_int_equal(PK_NODE_LEVEL_MAX, PK_LEVEL_KABKOTA);
	assert_int_equal(owner_len(""), 0);
	assert_int_equal(owner_len("32"), 2);
	assert_int_equal(owner_len("32.75"), 5);
	assert_int_equal(owner_len("32.75.01"), 5);
	assert_int_equal(owner_len("32.75.01.1001"), 5);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(owner_len(bad[i]), PK_EREGION);
	/* The length, not a NUL, ends a code. */
	assert_int_equal(pk_region_owner_len("32.75.01junk", 8), 5);
	assert_int_equal(pk_region_owner_len("32junk", 2), 2);
	/* The owner is a code at node level that contains the code. */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int n = owner_len(codes[i]);
		assert_true(n >= 0 && (size_t)n <= strlen(codes[i]));
		assert_true(pk_region_level(codes[i], (size_t)n) <= PK_NODE_LEVEL_MAX);
		assert_true(pk_region_within(codes[i], strlen(codes[i]), codes[i], (size_t)n));
	}
}

static void test_owned(void **state)
{
	static const char *const codes[] = {"",      "32",       "33",       "32.75",
	                                    "32.76", "32.75.01", "32.75.02", "32.75.01.1001",
	                                    "33.75", "33.75.01"};

	(void)state;
	/* National: region "" only, nothing below it. */
	assert_true(owned("", ""));
	assert_false(owned("32", ""));
	assert_false(owned("32.75", ""));
	assert_false(owned("32.75.01.1001", ""));
	/* A province: its own code only. */
	assert_true(owned("32", "32"));
	assert_false(owned("32.75", "32"));
	assert_false(owned("32.75.01", "32"));
	assert_false(owned("32.75.01.1001", "32"));
	assert_false(owned("33", "32"));
	assert_false(owned("", "32"));
	/* A kabupaten/kota: its code and every kecamatan and desa under it. */
	assert_true(owned("32.75", "32.75"));
	assert_true(owned("32.75.01", "32.75"));
	assert_true(owned("32.75.02", "32.75"));
	assert_true(owned("32.75.01.1001", "32.75"));
	assert_true(owned("32.75.02.2002", "32.75"));
	assert_false(owned("32.76", "32.75"));
	assert_false(owned("32.76.01.1001", "32.75"));
	assert_false(owned("33.75.01", "32.75"));
	assert_false(owned("32", "32.75"));
	assert_false(owned("", "32.75"));
	/* A kecamatan or desa owns nothing, not even its own code: its kabupaten/kota does. */
	assert_false(owned("32.75.01", "32.75.01"));
	assert_false(owned("32.75.01.1001", "32.75.01"));
	assert_false(owned("32.75.01.1001", "32.75.01.1001"));
	/* Malformed codes, on either side: "32.7" is not a code, nor a prefix of one. */
	assert_false(owned("32.7", "32.7"));
	assert_false(owned("32.75", "32.7"));
	assert_false(owned("32.7", "32"));
	assert_false(owned("32.75.0a", "32.75"));
	assert_false(owned("32.75", "x"));
	assert_false(owned("x", ""));
	assert_false(owned("32.75", "32.75 "));
	/* The lengths, not NULs, end both codes. */
	assert_true(pk_region_owned("32.75.01junk", 8, "32.75xx", 5));
	assert_false(pk_region_owned("32.75.01junk", 8, "32.75xx", 6));
	/* Over all pairs: owned implies within, and each code has exactly one owner. */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int owners = 0;
		for (size_t j = 0; j < sizeof(codes) / sizeof(codes[0]); j++) {
			if (!owned(codes[i], codes[j]))
				continue;
			owners++;
			assert_true(within(codes[i], codes[j]));
			assert_int_equal(owner_len(codes[i]), strlen(codes[j]));
		}
		/* Every code's owner is in the list (it holds each kabupaten/kota above a
		 * kecamatan or desa). */
		assert_int_equal(owners, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_levels), cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_within), cmocka_unit_test(test_owner_len),
	    cmocka_unit_test(test_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
