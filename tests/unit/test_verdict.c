/* test_verdict.c: the derived verification state of a record (proto/verdict.h; SPEC section 5,
 * "Verification state"): which verdict counts, in every order of verdicts and changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/verdict.h"

/* A version at clock hlc from an origin whose key is all `who`. */
static struct pk_version ver(uint64_t hlc, uint8_t who)
{
	struct pk_version v = {.hlc = hlc};

	memset(v.origin, who, sizeof(v.origin));
	return v;
}

static struct pk_verdict verdict(const char *region, uint64_t hlc, uint8_t who, enum pk_vstate st)
{
	return (struct pk_verdict){region, ver(hlc, who), st};
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pk_vstate_name(PK_VS_BELUM), "belum diverifikasi");
	assert_string_equal(pk_vstate_name(PK_VS_DISETUJUI), "disetujui");
	assert_string_equal(pk_vstate_name(PK_VS_PERBAIKAN), "perlu perbaikan");
	assert_string_equal(pk_vstate_name(PK_VS_DITOLAK), "ditolak");
	assert_int_equal(pk_vstate_of_hasil("diterima", 8), PK_VS_DISETUJUI);
	assert_int_equal(pk_vstate_of_hasil("perbaikan", 9), PK_VS_PERBAIKAN);
	assert_int_equal(pk_vstate_of_hasil("ditolak", 7), PK_VS_DITOLAK);
	assert_int_equal(pk_vstate_of_hasil("diterim", 7), -1);
}

static void test_ancestor(void **state)
{
	(void)state;
	assert_true(pk_verdict_ancestor("32", "32.75"));
	assert_true(pk_verdict_ancestor("", "32.75"));
	assert_true(pk_verdict_ancestor("", "32"));
	assert_true(pk_verdict_ancestor("32", "32.75.01.1001")); /* owned by 32.75 */
	assert_false(pk_verdict_ancestor("32.75", "32.75.01"));  /* the owner itself */
	assert_false(pk_verdict_ancestor("32.75", "32.75"));
	assert_false(pk_verdict_ancestor("32", "32"));
	assert_false(pk_verdict_ancestor("33", "32.75")); /* not above it */
	assert_false(pk_verdict_ancestor("32.74", "32.75"));
	assert_false(pk_verdict_ancestor("32.75", "32")); /* below it */
	assert_false(pk_verdict_ancestor("", ""));        /* the national node's own: no one */
	assert_false(pk_verdict_ancestor("3x", "32.75"));
}

/* The newest verdict of an ancestor counts, only when newer than the record's last change. */
static void test_order(void **state)
{
	struct pk_version rec = ver(100, 1);
	struct pk_verdict v[3];

	(void)state;
	assert_int_equal(pk_verdict_pick("32.75", &rec, NULL, 0, NULL), -1);
	v[0] = verdict("32", 200, 2, PK_VS_PERBAIKAN);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 1, NULL), 0);
	/* The record changed after the verdict: back to belum diverifikasi. */
	rec = ver(300, 1);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 1, NULL), -1);
	/* A newer verdict counts again; the newest of several wins, in any order. */
	v[1] = verdict("32", 400, 2, PK_VS_DISETUJUI);
	v[2] = verdict("", 350, 3, PK_VS_DITOLAK);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, NULL), 1);
	{
		struct pk_verdict w[3] = {v[1], v[2], v[0]};
		assert_int_equal(pk_verdict_pick("32.75", &rec, w, 3, NULL), 0);
	}
	/* The national node's verdict is the newest: it counts. */
	v[2] = verdict("", 500, 3, PK_VS_DITOLAK);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, NULL), 2);
	/* With `by`, only that verifier's: the province's newest is 400, newer than 300. */
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, "32"), 1);
	/* A change at 450 sends it back to the province's queue, not to the nation's. */
	rec = ver(450, 1);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, "32"), -1);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, ""), 2);
	/* Equal clocks: the origin decides, as for records (SPEC section 9). */
	rec = ver(500, 2);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, NULL), 2);
	rec = ver(500, 4);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 3, NULL), -1);
}

/* A verdict written by a node that is not an ancestor (a sibling, the owner itself, a node
 * below) is ignored even when it is the newest. */
static void test_non_ancestor(void **state)
{
	struct pk_version rec = ver(100, 1);
	struct pk_verdict v[4] = {
	    verdict("32", 200, 2, PK_VS_PERBAIKAN),
	    verdict("33", 300, 5, PK_VS_DITOLAK),
	    verdict("32.75", 400, 1, PK_VS_DISETUJUI),
	    verdict("32.74", 500, 6, PK_VS_DISETUJUI),
	};

	(void)state;
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 4, NULL), 0);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v + 1, 3, NULL), -1);
	assert_int_equal(pk_verdict_pick("32.75", &rec, v, 4, "33"), -1);
	/* A kecamatan's record is owned by its kabupaten/kota: 32.75 cannot verify it. */
	assert_int_equal(pk_verdict_pick("32.75.01", &rec, v + 2, 1, NULL), -1);
	assert_int_equal(pk_verdict_pick("32.75.01", &rec, v, 1, NULL), 0);
}

/* A deleted record's tombstone is its last change: every verdict before it is older, and a
 * record put again under the same key starts unverified. */
static void test_deleted(void **state)
{
	struct pk_verdict v[1] = {verdict("32", 200, 2, PK_VS_DISETUJUI)};
	struct pk_version tomb = ver(300, 1), again = ver(400, 1);

	(void)state;
	assert_int_equal(pk_verdict_pick("32.75", &tomb, v, 1, NULL), -1);
	assert_int_equal(pk_verdict_pick("32.75", &again, v, 1, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),   cmocka_unit_test(test_ancestor),
	    cmocka_unit_test(test_order),   cmocka_unit_test(test_non_ancestor),
	    cmocka_unit_test(test_deleted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
