/*
 * test_jsonline.c: the import's fast JSON reader (cli/jsonline.h) takes only what jansson takes,
 * into values json_equal to jansson's with the members in jansson's order; whatever it leaves
 * (NULL) jansson reads or refuses. Checked on chosen lines and on many random changes of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/jsonline.h"

/* The fast reader's answer for s agrees with jansson's; returns whether it took s itself. */
static bool agrees(const char *s, size_t n)
{
	json_error_t e;
	json_t *fast = jsonline_object(s, n);
	json_t *ref = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e);
	bool took = fast != NULL;

	if (fast != NULL) {
		const char *k1, *k2;
		void *i1, *i2;

		if (ref == NULL)
			fail_msg("fast reader took what jansson refuses: %.*s (%s)", (int)n, s,
			         e.text);
		assert_true(json_equal(fast, ref));
		/* The same members in the same order (errors name fields in that order). */
		for (i1 = json_object_iter(fast), i2 = json_object_iter(ref);
		     i1 != NULL && i2 != NULL;
		     i1 = json_object_iter_next(fast, i1), i2 = json_object_iter_next(ref, i2)) {
			k1 = json_object_iter_key(i1);
			k2 = json_object_iter_key(i2);
			assert_string_equal(k1, k2);
		}
		assert_true(i1 == NULL && i2 == NULL);
	}
	json_decref(fast);
	json_decref(ref);
	return took;
}

static bool agrees_s(const char *s)
{
	return agrees(s, strlen(s));
}

static void test_taken(void **state)
{
	(void)state;
	assert_true(agrees_s("{\"collection\":\"kegiatan\",\"key\":\"k-1\",\"tahun\":2026}"));
	assert_true(agrees_s("  {}  \r\n"));
	assert_true(agrees_s("{ \"a\" : [ ] , \"b\" : [1, \"x\", [true, false, null]] }"));
	assert_true(agrees_s("{\"nama\":\"Rapat \\\"A\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}"));
	assert_true(agrees_s("{\"k\\n\":\"v\\t\",\"x\":\"y\\\\\"}"));
	assert_true(agrees_s("{\"n\":-0,\"m\":-9223372036854775808,\"p\":9223372036854775807}"));
	assert_true(agrees_s("{\"s\":\"Sulawesi — Kota Bandung ✓ 𝄞\"}"));
	assert_true(agrees_s("{\"\":\"empty key\"}"));
}

static void test_left_to_jansson(void **state)
{
	static const char *const lines[] = {
	    "",
	    "   ",
	    "[1, 2]",
	    "\"text\"",
	    "{\"a\":1,\"a\":2}",
	    "{\"a\":1.5}",
	    "{\"a\":1e3}",
	    "{\"a\":01}",
	    "{\"a\":-}",
	    "{\"a\":9223372036854775808}",
	    "{\"a\":\"\\u0041\"}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":{\"b\":1}}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":\"\xff\"}",
	    "{\"a\":\"\xed\xa0\x80\"}",
	    "{\"a\":\"\xc0\xaf\"}",
	    "{\"a\":1,}",
	    "{\"a\":1} x",
	    "{\"a\":1}{",
	    "{\"a\" 1}",
	    "{a:1}",
	    "{\"a\":tru}",
	    "{\"a\":[1,]}",
	    "{\"a\":[[[[[1]]]]]}",
	    "{\"a\":\"unterminated}",
	    "{\"a\":1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_false(agrees_s(lines[i]));
}

/* Random byte changes of a typical line: whatever the fast reader takes, jansson takes alike. */
static void test_mutations(void **state)
{
	static const char base[] =
	    "{\"collection\":\"kegiatan\",\"key\":\"keg-000001\",\"wilayah\":\"32.75\","
	    "\"nama\":\"Rapat \\\"koordinasi\\\" Pokja\",\"tahun\":2026,\"bulan\":3,"
	    "\"peserta\":[\"A\",\"B\",[1,-2]],\"aktif\":true,\"catatan\":null}";
	static const char alphabet[] = "{}[]\":,\\ -019e.tfnu\x01\xc3\xa9\xff";
	char line[sizeof(base) + 8];
	unsigned seed = 12345, taken = 0;

	(void)state;
	assert_true(agrees(base, sizeof(base) - 1));
	for (int round = 0; round < 50000; round++) {
		size_t n = sizeof(base) - 1;

		memcpy(line, base, n);
		for (int k = 0; k < 1 + round % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			seed = seed * 1103515245u + 12345u;
			char c = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 8) % 4 == 0 && n > 1) { /* delete */
				memmove(line + at, line + at + 1, n - at - 1);
				n--;
			} else {
				line[at] = c;
			}
		}
		taken += agrees(line, n);
	}
	/* Some changes keep the line valid (a letter of a value): the fast path did run. */
	assert_true(taken > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_taken),
	    cmocka_unit_test(test_left_to_jansson),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
