/* test_wilayah.c: the built-in region list (proto/wilayah.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/region.h"
#include "proto/wilayah.h"

struct tally {
	size_t by_level[5];
	size_t total;
	char last[PK_REGION_MAX + 1];
	bool ordered;
	const char *want_in; /* a name or code every hit must match, or NULL */
};

static int count_cb(const struct pk_wilayah *w, void *arg)
{
	struct tally *t = arg;

	assert_true(w->level >= 0 && w->level <= 4);
	assert_int_equal(pk_region_level(w->code, strlen(w->code)), w->level);
	assert_true(w->name[0] != '\0');
	t->by_level[w->level]++;
	if (t->total > 0 && strcmp(t->last, w->code) >= 0)
		t->ordered = false;
	strcpy(t->last, w->code);
	t->total++;
	return 0;
}

static const struct pk_wilayah *find(const char *code)
{
	return pk_wilayah_find(code, strlen(code));
}

static void test_counts(void **state)
{
	struct tally t = {.ordered = true};
	size_t n;

	(void)state;
	/* "" is a prefix of every code, so the empty query lists everything, in code order. */
	n = pk_wilayah_search("", SIZE_MAX, count_cb, &t);
	assert_int_equal(n, t.total);
	assert_true(t.ordered);
	assert_int_equal(t.by_level[PK_LEVEL_NATIONAL], 1);
	assert_int_equal(t.by_level[PK_LEVEL_PROVINCE], 38);
	assert_int_equal(t.by_level[PK_LEVEL_KABKOTA], 514);
	assert_int_equal(t.by_level[PK_LEVEL_KECAMATAN], 7285);
	assert_int_equal(t.by_level[PK_LEVEL_DESA], 83762);
}

static void test_find(void **state)
{
	const struct pk_wilayah *w;

	(void)state;
	w = find("32.75");
	assert_non_null(w);
	assert_string_equal(w->code, "32.75");
	assert_string_equal(w->name, "Kota Bekasi");
	assert_int_equal(w->level, PK_LEVEL_KABKOTA);
	assert_string_equal(find("32.16")->name, "Kabupaten Bekasi");
	assert_string_equal(find("32")->name, "Jawa Barat");
	assert_string_equal(find("11")->name, "Aceh");
	w = find("");
	assert_non_null(w);
	assert_string_equal(w->name, "Indonesia");
	assert_int_equal(w->level, PK_LEVEL_NATIONAL);
	assert_string_equal(find("11.01.01.2001")->name, "Keude Bakongan");
	/* The length bounds the code. */
	assert_string_equal(pk_wilayah_find("32.75.xx", 5)->name, "Kota Bekasi");
	/* Not on the list, or not a code at all. */
	assert_null(find("32.99"));
	assert_null(find("99"));
	assert_null(find("32.7"));
	assert_null(find("3275"));
	assert_null(find("Kota Bekasi"));
	assert_null(pk_wilayah_find(NULL, 3));
}

/* One name for a code wherever it is printed: the list's, or the one unlisted marker. */
static void test_name(void **state)
{
	(void)state;
	assert_string_equal(pk_wilayah_name("32.75"), "Kota Bekasi");
	assert_string_equal(pk_wilayah_name(""), "Indonesia");
	assert_string_equal(pk_wilayah_name("32.99"), PK_WILAYAH_UNLISTED);
	assert_string_equal(pk_wilayah_name("not a code"), PK_WILAYAH_UNLISTED);
	assert_string_equal(pk_wilayah_name(NULL), "Indonesia");
}

static void test_quoted_names(void **state)
{
	(void)state;
	/* RFC 4180 quotes in the CSV: a doubled quote and a comma inside a quoted name. */
	assert_string_equal(find("35.29.22")->name, "Ra\"as");
	assert_string_equal(find("12.07.28.1007")->name, "Lubuk Pakam I,II");
	assert_string_equal(find("14.02.09.2010")->name, "Lambang Sari I, II, III");
	assert_string_equal(find("94.04.10.2004")->name, "T\"Singa");
	/* UTF-8 passes through unchanged. */
	assert_string_equal(find("53.07.01.2021")->name, "Regapu\xe2\x80\x99u");
}

struct collect {
	const char *codes[64];
	size_t n;
};

static int collect_cb(const struct pk_wilayah *w, void *arg)
{
	struct collect *c = arg;

	if (c->n < 64)
		c->codes[c->n] = w->code;
	c->n++;
	return 0;
}

static int stop_cb(const struct pk_wilayah *w, void *arg)
{
	(void)w;
	return ++*(int *)arg == 2;
}

static void test_search(void **state)
{
	struct collect c = {.n = 0};
	struct tally t = {.ordered = true};
	int calls = 0;
	size_t n;

	(void)state;
	/* By name, without case: Kota Bekasi and Kabupaten Bekasi, plus places named after them. */
	n = pk_wilayah_search("bEkAsI", 64, collect_cb, &c);
	assert_int_equal(n, c.n);
	assert_true(n >= 2);
	bool kota = false, kab = false;
	for (size_t i = 0; i < c.n && i < 64; i++) {
		const struct pk_wilayah *w = find(c.codes[i]);

		assert_non_null(w);
		assert_non_null(strcasestr(w->name, "bekasi"));
		kota |= strcmp(w->code, "32.75") == 0;
		kab |= strcmp(w->code, "32.16") == 0;
	}
	assert_true(kota && kab);

	/* By code: a prefix at a component boundary gives the region and everything inside it. */
	n = pk_wilayah_search("32.75", SIZE_MAX, count_cb, &t);
	assert_int_equal(t.by_level[PK_LEVEL_KABKOTA], 1);
	assert_int_equal(t.by_level[PK_LEVEL_KECAMATAN], 12); /* Kota Bekasi's 12 kecamatan */
	assert_int_equal(t.by_level[PK_LEVEL_DESA], 56);
	assert_int_equal(n, 69);
	assert_true(t.ordered);
	/* "32.7" ends inside a component: no code matches, and no name contains it. */
	assert_int_equal(pk_wilayah_search("32.7", SIZE_MAX, NULL, NULL), 0);
	assert_int_equal(pk_wilayah_search("zzzz-no-such-place", SIZE_MAX, NULL, NULL), 0);

	/* max bounds the count, and fn can stop early. */
	assert_int_equal(pk_wilayah_search("a", 5, NULL, NULL), 5);
	assert_int_equal(pk_wilayah_search("a", 0, NULL, NULL), 0);
	assert_int_equal(pk_wilayah_search("a", 100, stop_cb, &calls), 2);
	assert_int_equal(calls, 2);
	assert_int_equal(pk_wilayah_search(NULL, 10, NULL, NULL), 0);
}

static void test_notice(void **state)
{
	const char *s = pk_wilayah_notice();

	(void)state;
	assert_non_null(strstr(s, "idn-area-data 4.0.1"));
	assert_non_null(strstr(s, "ODbL"));
	assert_null(strchr(s, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts),       cmocka_unit_test(test_find),
	    cmocka_unit_test(test_quoted_names), cmocka_unit_test(test_search),
	    cmocka_unit_test(test_notice),       cmocka_unit_test(test_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
