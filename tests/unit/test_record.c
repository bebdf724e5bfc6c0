/* test_record.c: the record value format (proto/record.h): encode from typed fields, read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/record.h"

static struct pk_diag diag;

static const struct pk_collection *coll(const char *name)
{
	const struct pk_collection *c = pk_schema_find(name, strlen(name));

	assert_non_null(c);
	return c;
}

static const struct pk_field *field(const struct pk_collection *c, const char *name)
{
	const struct pk_field *f = pk_schema_field(c, name, strlen(name));

	assert_non_null(f);
	return f;
}

/* The bytes a kegiatan {nama, tahun, biaya} encodes to: keys sorted (biaya, nama, tahun), the
 * ints in their shortest forms. Given out of order, they come out in this order. */
static void test_encode_bytes(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	struct pk_rec_val v[3] = {
	    {.f = field(c, "tahun"), .i = 2026},
	    {.f = field(c, "nama"), .s = "Rapat", .slen = 5},
	    {.f = field(c, "biaya"), .i = 15000000},
	};
	static const uint8_t want[] = {0x83, 0xa5, 'b', 'i', 'a', 'y', 'a',  0xce, 0x00, 0xe4, 0xe1,
	                               0xc0, 0xa4, 'n', 'a', 'm', 'a', 0xa5, 'R',  'a',  'p',  'a',
	                               't',  0xa5, 't', 'a', 'h', 'u', 'n',  0xcd, 0x07, 0xea};
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(pk_record_encode(c, v, 3, &out, &len, &diag), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	free(out);
}

/* Every type round-trips; an absent field is PK_ENOTFOUND, by index and by name. */
static void test_round_trip(void **state)
{
	const struct pk_collection *k = coll("kumuh"), *r = coll("rapat");
	struct pk_rec_str peserta[] = {{"Bappeda", 7}, {"Dinas PUPR", 10}};
	struct pk_rec_val kv[] = {
	    {.f = field(k, "luas_ha"), .d = 12.5},
	    {.f = field(k, "tahun"), .i = 2025},
	};
	struct pk_rec_val rv[] = {
	    {.f = field(r, "judul"), .s = "Rakor", .slen = 5},
	    {.f = field(r, "tanggal"), .s = "2026-03-01", .slen = 10},
	    {.f = field(r, "peserta"), .list = peserta, .nlist = 2},
	};
	struct pk_rec rec;
	struct pk_rec_val got;
	const char *s;
	uint32_t slen;
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(pk_record_encode(k, kv, 2, &out, &len, &diag), 0);
	assert_int_equal(pk_record_open(&rec, k, out, len), 0);
	assert_int_equal(pk_record_get_named(&rec, "luas_ha", &got), 0);
	assert_true(got.d == 12.5);
	assert_int_equal(pk_record_get_named(&rec, "tahun", &got), 0);
	assert_int_equal(got.i, 2025);
	assert_int_equal(pk_record_get_named(&rec, "jumlah_kk", &got), PK_ENOTFOUND);
	assert_int_equal(pk_record_get_named(&rec, "no_such_field", &got), PK_ENOTFOUND);
	assert_int_equal(pk_record_get(&rec, 999, &got), PK_ENOTFOUND);
	free(out);

	assert_int_equal(pk_record_encode(r, rv, 3, &out, &len, &diag), 0);
	assert_int_equal(pk_record_open(&rec, r, out, len), 0);
	assert_int_equal(pk_record_get_named(&rec, "judul", &got), 0);
	assert_int_equal(got.slen, 5);
	assert_memory_equal(got.s, "Rakor", 5);
	assert_int_equal(pk_record_get_named(&rec, "peserta", &got), 0);
	assert_int_equal(got.nitems, 2);
	assert_int_equal(pk_mpr_str(&got.items, &s, &slen), 0);
	assert_int_equal(slen, 7);
	assert_memory_equal(s, "Bappeda", 7);
	assert_int_equal(pk_mpr_str(&got.items, &s, &slen), 0);
	assert_memory_equal(s, "Dinas PUPR", 10);
	free(out);
}

/* What the encoder refuses, each with its code and the field named. */
static void test_encode_refusals(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	static char long_name[PK_STR_MAX + 2];
	struct pk_rec_val v[2];
	uint8_t *out = (uint8_t *)"x";
	size_t len = 9;

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	v[0] = (struct pk_rec_val){.f = field(c, "nama"), .s = long_name, .slen = PK_STR_MAX + 1};
	v[1] = (struct pk_rec_val){.f = field(c, "tahun"), .i = 2026};
	assert_int_equal(pk_record_encode(c, v, 2, &out, &len, &diag), PK_ESCHEMA);
	assert_non_null(strstr(diag.msg, "'nama'"));
	assert_null(out);
	assert_int_equal(len, 0);

	v[0] = (struct pk_rec_val){.f = field(c, "tahun"), .i = 2026};
	v[1] = (struct pk_rec_val){.f = field(c, "tahun"), .i = 2027};
	assert_int_equal(pk_record_encode(c, v, 2, &out, &len, &diag), PK_ESCHEMA);
	assert_non_null(strstr(diag.msg, "given twice"));

	/* Out of range and a required field missing: the schema's verdicts. */
	v[0] = (struct pk_rec_val){.f = field(c, "nama"), .s = "x", .slen = 1};
	v[1] = (struct pk_rec_val){.f = field(c, "tahun"), .i = 1999};
	assert_int_equal(pk_record_encode(c, v, 2, &out, &len, &diag), PK_ESCHEMA);
	assert_non_null(strstr(diag.msg, "tahun"));
	assert_int_equal(pk_record_encode(c, v, 1, &out, &len, &diag), PK_ESCHEMA);
	assert_null(out);
}

/* pk_record_open refuses what is not a record of the collection; get checks the types. */
static void test_open_refusals(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	static const uint8_t not_map[] = {0x91, 0x01};
	static const uint8_t unknown[] = {0x81, 0xa3, 'z', 'z', 'z', 0x01};
	static const uint8_t twice[] = {0x82, 0xa5, 't', 'a', 'h', 'u', 'n', 0x01,
	                                0xa5, 't',  'a', 'h', 'u', 'n', 0x02};
	static const uint8_t trailing[] = {0x81, 0xa5, 't', 'a', 'h', 'u', 'n', 0x01, 0xc0};
	static const uint8_t wrong_type[] = {0x81, 0xa5, 't', 'a', 'h', 'u', 'n', 0xa1, 'x'};
	static const uint8_t bad_utf8[] = {0x81, 0xa4, 'n', 'a', 'm', 'a', 0xa1, 0xff};
	struct pk_rec r;
	struct pk_rec_val v;

	(void)state;
	assert_int_equal(pk_record_open(&r, c, not_map, sizeof(not_map)), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, unknown, sizeof(unknown)), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, twice, sizeof(twice)), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, trailing, sizeof(trailing)), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, trailing, 0), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, NULL, trailing, sizeof(trailing) - 1), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, wrong_type, sizeof(wrong_type)), 0);
	assert_int_equal(pk_record_get_named(&r, "tahun", &v), PK_EDECODE);
	assert_int_equal(pk_record_open(&r, c, bad_utf8, sizeof(bad_utf8)), 0);
	assert_int_equal(pk_record_get_named(&r, "nama", &v), PK_EDECODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_bytes),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_open_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
