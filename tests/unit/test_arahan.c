/* test_arahan.c: directive follow-up rules (proto/arahan.h): targets, receipt keys, the
 * weights of a status, on time and overdue against a fixed "today", and date arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/arahan.h"
#include "proto/error.h"
#include "proto/schema.h"
#include "proto/wilayah.h"

struct got {
	char list[64][PK_REGION_MAX + 1];
	int n, stop_after;
};

static int take(const char *node, void *arg)
{
	struct got *g = arg;

	if (g->n < 64)
		snprintf(g->list[g->n], sizeof(g->list[0]), "%s", node);
	g->n++;
	return g->stop_after != 0 && g->n >= g->stop_after;
}

static int targets(const char *writer, const char *sasaran, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return pk_arahan_targets(writer, sasaran, take, g);
}

static void test_targets(void **state)
{
	struct got g;
	int n;

	(void)state;
	/* National to the whole country: each province, from the official list. */
	n = targets("", "", &g);
	assert_int_equal(n, 38);
	assert_int_equal(g.n, 38);
	assert_string_equal(g.list[0], "11");
	for (int i = 0; i < 38; i++)
		assert_int_equal(pk_region_level(g.list[i], strlen(g.list[i])), PK_LEVEL_PROVINCE);
	assert_true(pk_arahan_targets_node("", "", "32"));
	assert_false(pk_arahan_targets_node("", "", "32.75")); /* not a district */
	assert_false(pk_arahan_targets_node("", "", ""));      /* never the writer */
	assert_false(pk_arahan_targets_node("", "", "99"));    /* not on the official list */

	/* National to a province: the province alone, which closes it. */
	n = targets("", "32", &g);
	assert_int_equal(n, 1);
	assert_string_equal(g.list[0], "32");
	assert_true(pk_arahan_targets_node("", "32", "32"));
	assert_false(pk_arahan_targets_node("", "32", "32.75"));
	assert_false(pk_arahan_targets_node("", "32", "32.73"));

	/* Province to its own region: each of its 27 kabupaten/kota. */
	n = targets("32", "32", &g);
	assert_int_equal(n, 27);
	assert_string_equal(g.list[0], "32.01");
	assert_string_equal(g.list[26], "32.79");
	assert_true(pk_arahan_targets_node("32", "32", "32.75"));
	assert_false(pk_arahan_targets_node("32", "32", "32"));
	assert_false(pk_arahan_targets_node("32", "32", "33.74"));
	assert_false(pk_arahan_targets_node("32", "32", "32.75.01"));

	/* To a kabupaten/kota, from the national node or its province: that node. */
	n = targets("", "32.75", &g);
	assert_int_equal(n, 1);
	assert_string_equal(g.list[0], "32.75");
	assert_true(pk_arahan_targets_node("32", "32.75", "32.75"));
	assert_false(pk_arahan_targets_node("32", "32.75", "32"));
	/* To a kecamatan or desa: its kabupaten/kota, which keeps its records. */
	n = targets("32", "32.73.01", &g);
	assert_int_equal(n, 1);
	assert_string_equal(g.list[0], "32.73");
	assert_true(pk_arahan_targets_node("", "32.75.01.1001", "32.75"));

	/* Nobody: a district's own region or its kecamatan, and outside the writer's region. */
	assert_int_equal(targets("32.75", "32.75", &g), 0);
	assert_int_equal(targets("32.75", "32.75.01", &g), 0);
	assert_int_equal(targets("32", "33", &g), 0);
	assert_int_equal(targets("32", "33.74", &g), 0);
	assert_int_equal(targets("32", "", &g), 0);
	assert_false(pk_arahan_targets_node("32", "33", "33"));

	/* Malformed codes. */
	assert_int_equal(targets("3", "32", &g), PK_EREGION);
	assert_int_equal(targets("", "32.x", &g), PK_EREGION);
	assert_false(pk_arahan_targets_node("", "32", "32x"));

	/* fn stops the walk. */
	memset(&g, 0, sizeof(g));
	g.stop_after = 3;
	assert_int_equal(pk_arahan_targets("", "", take, &g), 3);
	assert_int_equal(g.n, 3);
}

static void test_wilayah_children(void **state)
{
	(void)state;
	assert_int_equal(pk_wilayah_children("", NULL, NULL), 38);
	assert_int_equal(pk_wilayah_children("32", NULL, NULL), 27);
	assert_int_equal(pk_wilayah_children("33", NULL, NULL), 35);
	assert_true(pk_wilayah_children("32.75", NULL, NULL) > 0); /* its kecamatan */
	assert_int_equal(pk_wilayah_children("99", NULL, NULL), 0);
	assert_int_equal(pk_wilayah_children("3x", NULL, NULL), 0);
}

static void test_receipt_key(void **state)
{
	char a[PK_PENERIMAAN_KEY_LEN + 1], b[PK_PENERIMAAN_KEY_LEN + 1];
	char longkey[129];

	(void)state;
	pk_penerimaan_key("", "ar-nas", a);
	pk_penerimaan_key("", "ar-nas", b);
	assert_string_equal(a, b); /* deterministic */
	assert_int_equal(strlen(a), PK_PENERIMAAN_KEY_LEN);
	assert_true(pk_key_valid(a, strlen(a)));
	assert_memory_equal(a, "terima-", 7);
	pk_penerimaan_key("32", "ar-nas", b); /* another region, the same key */
	assert_string_not_equal(a, b);
	pk_penerimaan_key("3", "2ar", a); /* the separator keeps these apart */
	pk_penerimaan_key("32", "ar", b);
	assert_string_not_equal(a, b);
	memset(longkey, 'k', 128);
	longkey[128] = '\0';
	pk_penerimaan_key("32.75", longkey, a); /* a key of 128 bytes still fits */
	assert_true(pk_key_valid(a, strlen(a)));
}

static void test_weights_and_due(void **state)
{
	int64_t today, deadline, before, after;

	(void)state;
	assert_int_equal(pk_tl_status_parse("selesai", 7), PK_TL_SELESAI);
	assert_int_equal(pk_tl_status_parse("dilaksanakan", 12), PK_TL_DILAKSANAKAN);
	assert_int_equal(pk_tl_status_parse("direncanakan", 12), PK_TL_DIRENCANAKAN);
	assert_int_equal(pk_tl_status_parse("selesa", 6), PK_TL_NONE);
	assert_int_equal(pk_tl_status_parse(NULL, 0), PK_TL_NONE);
	assert_string_equal(pk_tl_status_name(PK_TL_SELESAI), "selesai");
	/* Only selesai counts whole; dilaksanakan half; planned or no status nothing. */
	assert_int_equal(pk_tl_weight2(PK_TL_SELESAI), 2);
	assert_int_equal(pk_tl_weight2(PK_TL_DILAKSANAKAN), 1);
	assert_int_equal(pk_tl_weight2(PK_TL_DIRENCANAKAN), 0);
	assert_int_equal(pk_tl_weight2(PK_TL_NONE), 0);

	assert_int_equal(pk_date_days("2026-06-30", 10, &deadline), 0);
	assert_int_equal(pk_date_days("2026-06-29", 10, &before), 0);
	assert_int_equal(pk_date_days("2026-07-01", 10, &after), 0);
	today = after;
	/* Not done: overdue only after the deadline day; the deadline day itself is on time. */
	assert_int_equal(pk_arahan_due(PK_TL_DIRENCANAKAN, PK_NO_DAY, deadline, today),
	                 PK_DUE_OVERDUE);
	assert_int_equal(pk_arahan_due(PK_TL_DILAKSANAKAN, PK_NO_DAY, deadline, deadline),
	                 PK_DUE_OPEN);
	assert_int_equal(pk_arahan_due(PK_TL_NONE, PK_NO_DAY, deadline, before), PK_DUE_OPEN);
	assert_int_equal(pk_arahan_due(PK_TL_NONE, PK_NO_DAY, PK_NO_DAY, today), PK_DUE_OPEN);
	/* Done: on time on or before the deadline, late (terlambat) after it. */
	assert_int_equal(pk_arahan_due(PK_TL_SELESAI, deadline, deadline, today), PK_DUE_DONE);
	assert_int_equal(pk_arahan_due(PK_TL_SELESAI, after, deadline, today), PK_DUE_LATE);
	assert_int_equal(pk_arahan_due(PK_TL_SELESAI, after, PK_NO_DAY, today), PK_DUE_DONE);
	assert_string_equal(pk_due_name(PK_DUE_OVERDUE), "overdue");
	assert_string_equal(pk_due_name(PK_DUE_LATE), "late");
}

static void test_dates(void **state)
{
	int64_t d;
	char buf[11];

	(void)state;
	assert_int_equal(pk_date_days("1970-01-01", 10, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(pk_date_days("2000-03-01", 10, &d), 0);
	assert_int_equal(d, 11017);
	assert_int_equal(pk_date_days("2024-02-29", 10, &d), 0); /* a leap day */
	pk_days_date(d + 1, buf);
	assert_string_equal(buf, "2024-03-01");
	assert_int_equal(pk_date_days("2023-02-29", 10, &d), PK_EINVAL);
	assert_int_equal(pk_date_days("2026-13-01", 10, &d), PK_EINVAL);
	assert_int_equal(pk_date_days("2026-6-30", 9, &d), PK_EINVAL);
	for (int64_t day = -800; day < 120000; day += 37) {
		int64_t back;

		pk_days_date(day, buf);
		assert_int_equal(pk_date_days(buf, 10, &back), 0);
		assert_int_equal(back, day);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_targets),     cmocka_unit_test(test_wilayah_children),
	    cmocka_unit_test(test_receipt_key), cmocka_unit_test(test_weights_and_due),
	    cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
