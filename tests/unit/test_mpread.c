/* test_mpread.c: the bounded msgpack reader (proto/mpread.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/error.h"
#include "proto/mpread.h"

#define B(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* A copy of buf in a heap block of exactly len bytes, so that ASan sees any read past it. */
static uint8_t *exact(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, buf, len);
	return p;
}

static void test_peek(void **state)
{
	static const struct {
		uint8_t b;
		enum pk_mpt t;
	} cases[] = {
	    {0x00, PK_MPT_UINT},  {0x7f, PK_MPT_UINT},  {0xcc, PK_MPT_UINT},  {0xcf, PK_MPT_UINT},
	    {0xe0, PK_MPT_INT},   {0xff, PK_MPT_INT},   {0xd0, PK_MPT_INT},   {0xd3, PK_MPT_INT},
	    {0x80, PK_MPT_MAP},   {0x8f, PK_MPT_MAP},   {0xde, PK_MPT_MAP},   {0xdf, PK_MPT_MAP},
	    {0x90, PK_MPT_ARRAY}, {0x9f, PK_MPT_ARRAY}, {0xdc, PK_MPT_ARRAY}, {0xdd, PK_MPT_ARRAY},
	    {0xa0, PK_MPT_STR},   {0xbf, PK_MPT_STR},   {0xd9, PK_MPT_STR},   {0xda, PK_MPT_STR},
	    {0xdb, PK_MPT_STR},   {0xc4, PK_MPT_BIN},   {0xc5, PK_MPT_BIN},   {0xc6, PK_MPT_BIN},
	    {0xc0, PK_MPT_NIL},   {0xc2, PK_MPT_BOOL},  {0xc3, PK_MPT_BOOL},  {0xca, PK_MPT_FLOAT},
	    {0xcb, PK_MPT_FLOAT}, {0xc1, PK_MPT_NONE},  {0xc7, PK_MPT_NONE},  {0xc8, PK_MPT_NONE},
	    {0xc9, PK_MPT_NONE},  {0xd4, PK_MPT_NONE},  {0xd5, PK_MPT_NONE},  {0xd8, PK_MPT_NONE},
	};
	struct pk_mpr r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pk_mpr_init(&r, &cases[i].b, 1);
		assert_int_equal(pk_mpr_peek(&r), cases[i].t);
	}
	pk_mpr_init(&r, NULL, 0);
	assert_int_equal(pk_mpr_peek(&r), PK_MPT_NONE);
	assert_int_equal(pk_mpr_left(&r), 0);
}

/* Reads one unsigned integer from the whole buffer, which it must consume. */
static void uint_ok(const uint8_t *buf, size_t len, uint64_t want)
{
	struct pk_mpr r;
	uint64_t v = 12345;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(pk_mpr_uint(&r, &v), 0);
	assert_true(v == want);
	assert_int_equal(pk_mpr_left(&r), 0);
}

static void int_ok(const uint8_t *buf, size_t len, int64_t want)
{
	struct pk_mpr r;
	int64_t v = 12345;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(pk_mpr_int(&r, &v), 0);
	assert_true(v == want);
	assert_int_equal(pk_mpr_left(&r), 0);
}

static void uint_bad(const uint8_t *buf, size_t len)
{
	struct pk_mpr r;
	uint64_t v;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(pk_mpr_uint(&r, &v), PK_EDECODE);
	assert_ptr_equal(r.p, buf);
}

static void int_bad(const uint8_t *buf, size_t len)
{
	struct pk_mpr r;
	int64_t v;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(pk_mpr_int(&r, &v), PK_EDECODE);
	assert_ptr_equal(r.p, buf);
}

static void test_uint_widths(void **state)
{
	(void)state;
	uint_ok(B(0x00), 0);
	uint_ok(B(0x7f), 127);
	uint_ok(B(0xcc, 0x80), 128);
	uint_ok(B(0xcc, 0xff), 255);
	uint_ok(B(0xcd, 0x01, 0x00), 256);
	uint_ok(B(0xcd, 0xff, 0xff), 65535);
	uint_ok(B(0xce, 0x00, 0x01, 0x00, 0x00), 65536);
	uint_ok(B(0xce, 0xff, 0xff, 0xff, 0xff), 4294967295u);
	uint_ok(B(0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00), 4294967296ull);
	uint_ok(B(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), UINT64_MAX);
	/* Signed encodings of non-negative values fit an unsigned result. */
	uint_ok(B(0xd0, 0x05), 5);
	uint_ok(B(0xd1, 0x7f, 0xff), 32767);
	uint_ok(B(0xd2, 0x00, 0x00, 0x00, 0x00), 0);
	uint_ok(B(0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), (uint64_t)INT64_MAX);
}

static void test_int_widths(void **state)
{
	(void)state;
	int_ok(B(0xff), -1);
	int_ok(B(0xe0), -32);
	int_ok(B(0x05), 5);
	int_ok(B(0xd0, 0x80), -128);
	int_ok(B(0xd0, 0xdf), -33);
	int_ok(B(0xd0, 0x7f), 127);
	int_ok(B(0xd1, 0x80, 0x00), -32768);
	int_ok(B(0xd1, 0xff, 0x7f), -129);
	int_ok(B(0xd2, 0x80, 0x00, 0x00, 0x00), INT32_MIN);
	int_ok(B(0xd2, 0xff, 0xff, 0x7f, 0xff), -32769);
	int_ok(B(0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), INT64_MIN);
	int_ok(B(0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff), -2147483649ll);
	int_ok(B(0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), INT64_MAX);
	/* Unsigned encodings fit a signed result while the value does. */
	int_ok(B(0xcc, 0xff), 255);
	int_ok(B(0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), INT64_MAX);
}

static void test_negative_vs_unsigned(void **state)
{
	(void)state;
	/* A negative value never reads as unsigned. */
	uint_bad(B(0xff));
	uint_bad(B(0xe0));
	uint_bad(B(0xd0, 0xff));
	uint_bad(B(0xd1, 0x80, 0x00));
	uint_bad(B(0xd2, 0xff, 0xff, 0xff, 0xff));
	uint_bad(B(0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
	/* An unsigned value above INT64_MAX never reads as signed. */
	int_bad(B(0xcf, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
	int_bad(B(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
	/* Neither reads other types. */
	uint_bad(B(0xc0));
	uint_bad(B(0xc3));
	uint_bad(B(0xa1, 0x31));
	uint_bad(B(0xca, 0x3f, 0x80, 0x00, 0x00));
	int_bad(B(0xc4, 0x01, 0x00));
	int_bad(B(0x90));
	int_bad(B(0xc1));
}

static void test_float(void **state)
{
	struct pk_mpr r;
	double v = 0;

	(void)state;
	pk_mpr_init(&r, B(0xca, 0x3f, 0xc0, 0x00, 0x00)); /* float32 1.5 */
	assert_int_equal(pk_mpr_peek(&r), PK_MPT_FLOAT);
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(pk_mpr_left(&r), 0);

	pk_mpr_init(&r, B(0xca, 0xc1, 0x20, 0x00, 0x00)); /* float32 -10.0 */
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == -10.0);

	pk_mpr_init(&r, B(0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18)); /* float64 pi */
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == 3.141592653589793);
	assert_int_equal(pk_mpr_left(&r), 0);

	pk_mpr_init(&r, B(0xcb, 0xc0, 0x5e, 0xdd, 0x2f, 0x1a, 0x9f, 0xbe, 0x77)); /* -123.456 */
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == -123.456);

	/* Integers of any encoding read as numbers. */
	pk_mpr_init(&r, B(0xd0, 0x9c));
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == -100.0);
	pk_mpr_init(&r, B(0xcd, 0x07, 0xea));
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == 2026.0);
	pk_mpr_init(&r, B(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
	assert_int_equal(pk_mpr_num(&r, &v), 0);
	assert_true(v == 18446744073709551615.0);

	/* Not numbers. */
	pk_mpr_init(&r, B(0xc0));
	assert_int_equal(pk_mpr_num(&r, &v), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 1);
	pk_mpr_init(&r, B(0xa1, 0x31));
	assert_int_equal(pk_mpr_num(&r, &v), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 2);
	pk_mpr_init(&r, NULL, 0);
	assert_int_equal(pk_mpr_num(&r, &v), PK_EDECODE);
}

/* Checks pk_mpr_str (or _bin) reads the whole buffer as a payload of want_len bytes. */
static void bytes_ok(bool str, const uint8_t *buf, size_t len, size_t want_len)
{
	struct pk_mpr r;
	const uint8_t *b = NULL;
	const char *s = NULL;
	uint32_t n = 99;
	uint8_t *copy = exact(buf, len);

	pk_mpr_init(&r, copy, len);
	if (str) {
		assert_int_equal(pk_mpr_str(&r, &s, &n), 0);
		b = (const uint8_t *)s;
	} else {
		assert_int_equal(pk_mpr_bin(&r, &b, &n), 0);
	}
	assert_int_equal(n, want_len);
	assert_ptr_equal(b, copy + len - want_len);
	assert_int_equal(pk_mpr_left(&r), 0);
	/* Every shorter prefix is refused, and the reader stays put. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = exact(buf, cut);
		pk_mpr_init(&r, p, cut);
		if (str)
			assert_int_equal(pk_mpr_str(&r, &s, &n), PK_EDECODE);
		else
			assert_int_equal(pk_mpr_bin(&r, &b, &n), PK_EDECODE);
		assert_ptr_equal(r.p, p);
		free(p);
	}
	free(copy);
}

/* A header of `hlen` bytes followed by plen payload bytes 'x'. */
static uint8_t *with_payload(const uint8_t *hdr, size_t hlen, size_t plen, size_t *len)
{
	uint8_t *p = malloc(hlen + plen);

	assert_non_null(p);
	memcpy(p, hdr, hlen);
	memset(p + hlen, 'x', plen);
	*len = hlen + plen;
	return p;
}

static void test_str_bin_widths(void **state)
{
	static const struct {
		bool str;
		uint8_t hdr[5];
		size_t hlen, plen;
	} cases[] = {
	    {true, {0xa0}, 1, 0},
	    {true, {0xa3}, 1, 3},
	    {true, {0xbf}, 1, 31},
	    {true, {0xd9, 0x00}, 2, 0},
	    {true, {0xd9, 0xff}, 2, 255},
	    {true, {0xda, 0x01, 0x00}, 3, 256},
	    {true, {0xda, 0xff, 0xff}, 3, 65535},
	    {true, {0xdb, 0x00, 0x01, 0x00, 0x00}, 5, 65536},
	    {false, {0xc4, 0x00}, 2, 0},
	    {false, {0xc4, 0x20}, 2, 32},
	    {false, {0xc5, 0x01, 0x00}, 3, 256},
	    {false, {0xc6, 0x00, 0x00, 0x01, 0x01}, 5, 257},
	};
	struct pk_mpr r;
	const uint8_t *b;
	const char *s;
	uint32_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *buf = with_payload(cases[i].hdr, cases[i].hlen, cases[i].plen, &len);
		/* Long payloads: truncation is checked for the short ones only (cost). */
		if (len < 400) {
			bytes_ok(cases[i].str, buf, len, cases[i].plen);
		} else {
			pk_mpr_init(&r, buf, len);
			if (cases[i].str)
				assert_int_equal(pk_mpr_str(&r, &s, &n), 0);
			else
				assert_int_equal(pk_mpr_bin(&r, &b, &n), 0);
			assert_int_equal(n, cases[i].plen);
			assert_int_equal(pk_mpr_left(&r), 0);
			pk_mpr_init(&r, buf, len - 1);
			if (cases[i].str)
				assert_int_equal(pk_mpr_str(&r, &s, &n), PK_EDECODE);
			else
				assert_int_equal(pk_mpr_bin(&r, &b, &n), PK_EDECODE);
			assert_ptr_equal(r.p, buf);
		}
		free(buf);
	}
	/* A string is not a binary and the other way round. */
	pk_mpr_init(&r, B(0xa1, 0x41));
	assert_int_equal(pk_mpr_bin(&r, &b, &n), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 2);
	pk_mpr_init(&r, B(0xc4, 0x01, 0x41));
	assert_int_equal(pk_mpr_str(&r, &s, &n), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 3);
	/* A 32-bit length far beyond the input. */
	pk_mpr_init(&r, B(0xdb, 0xff, 0xff, 0xff, 0xff, 0x41));
	assert_int_equal(pk_mpr_str(&r, &s, &n), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 6);
	pk_mpr_init(&r, B(0xc6, 0x80, 0x00, 0x00, 0x00));
	assert_int_equal(pk_mpr_bin(&r, &b, &n), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 5);
}

static void test_nil_bool(void **state)
{
	struct pk_mpr r;
	bool v = false;

	(void)state;
	pk_mpr_init(&r, B(0xc0, 0xc3, 0xc2));
	assert_int_equal(pk_mpr_bool(&r, &v), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 3);
	assert_int_equal(pk_mpr_nil(&r), 0);
	assert_int_equal(pk_mpr_nil(&r), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 2);
	assert_int_equal(pk_mpr_bool(&r, &v), 0);
	assert_true(v);
	assert_int_equal(pk_mpr_bool(&r, &v), 0);
	assert_false(v);
	assert_int_equal(pk_mpr_left(&r), 0);
	assert_int_equal(pk_mpr_nil(&r), PK_EDECODE);
	assert_int_equal(pk_mpr_bool(&r, &v), PK_EDECODE);
	pk_mpr_init(&r, B(0x00));
	assert_int_equal(pk_mpr_nil(&r), PK_EDECODE);
	assert_int_equal(pk_mpr_bool(&r, &v), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 1);
}

static void container_ok(bool map, const uint8_t *buf, size_t len, uint32_t want, size_t hlen)
{
	struct pk_mpr r;
	uint32_t n = 0;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(map ? pk_mpr_map(&r, &n) : pk_mpr_array(&r, &n), 0);
	assert_int_equal(n, want);
	assert_int_equal(pk_mpr_left(&r), len - hlen);
}

static void container_bad(bool map, const uint8_t *buf, size_t len)
{
	struct pk_mpr r;
	uint32_t n = 0;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(map ? pk_mpr_map(&r, &n) : pk_mpr_array(&r, &n), PK_EDECODE);
	assert_ptr_equal(r.p, buf);
}

static void test_containers(void **state)
{
	uint8_t big[3 + 70000];

	(void)state;
	container_ok(false, B(0x90), 0, 1);
	container_ok(false, B(0x92, 0x01, 0x02), 2, 1);
	container_ok(false, B(0x9f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 15, 1);
	container_ok(false, B(0xdc, 0x00, 0x02, 0x01, 0x02), 2, 3);
	container_ok(false, B(0xdd, 0x00, 0x00, 0x00, 0x01, 0xc0), 1, 5);
	container_ok(true, B(0x80), 0, 1);
	container_ok(true, B(0x81, 0x01, 0x02), 1, 1);
	container_ok(true, B(0xde, 0x00, 0x01, 0xa1, 0x61, 0x01), 1, 3);
	container_ok(true, B(0xdf, 0x00, 0x00, 0x00, 0x02, 1, 2, 3, 4), 2, 5);
	memset(big, 0xc0, sizeof(big));
	big[0] = 0xdc;
	big[1] = 0xff;
	big[2] = 0xff;
	container_ok(false, big, 3 + 65535, 65535, 3);

	/* Counts larger than the bytes left are refused. */
	container_bad(false, B(0x91));
	container_bad(false, B(0x93, 0x01, 0x02));
	container_bad(false, B(0xdc, 0x00, 0x03, 0x01, 0x02));
	container_bad(false, B(0xdd, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02));
	container_bad(false, B(0xdd, 0x80, 0x00, 0x00, 0x00));
	container_bad(true, B(0x81, 0x01));    /* one pair needs two items */
	container_bad(true, B(0x82, 1, 2, 3)); /* two pairs, three bytes */
	container_bad(true, B(0xde, 0x00, 0x02, 1, 2, 3));
	container_bad(true, B(0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2));
	container_bad(true, B(0xdf, 0x80, 0x00, 0x00, 0x01));
	/* Truncated headers. */
	container_bad(false, B(0xdc));
	container_bad(false, B(0xdc, 0x00));
	container_bad(false, B(0xdd, 0x00, 0x00, 0x00));
	container_bad(true, B(0xde, 0x00));
	container_bad(true, B(0xdf, 0x00, 0x00));
	/* Wrong types. */
	container_bad(false, B(0x80));
	container_bad(true, B(0x90));
	container_bad(false, B(0xc0));
	container_bad(true, B(0xa0));
	container_bad(false, NULL, 0);
}

static void test_truncated_scalars(void **state)
{
	static const uint8_t full[][9] = {
	    {0xcc, 0x80},
	    {0xcd, 0x01, 0x00},
	    {0xce, 0x00, 0x01, 0x00, 0x00},
	    {0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},
	    {0xd0, 0x80},
	    {0xd1, 0x80, 0x00},
	    {0xd2, 0x80, 0x00, 0x00, 0x00},
	    {0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	    {0xca, 0x3f, 0xc0, 0x00, 0x00},
	    {0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18},
	};
	static const size_t lens[] = {2, 3, 5, 9, 2, 3, 5, 9, 5, 9};
	struct pk_mpr r;
	uint64_t u;
	int64_t i;
	double v;

	(void)state;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		for (size_t cut = 0; cut < lens[k]; cut++) {
			uint8_t *p = exact(full[k], cut);
			pk_mpr_init(&r, p, cut);
			assert_int_equal(pk_mpr_uint(&r, &u), PK_EDECODE);
			assert_int_equal(pk_mpr_int(&r, &i), PK_EDECODE);
			assert_int_equal(pk_mpr_num(&r, &v), PK_EDECODE);
			assert_int_equal(pk_mpr_skip(&r, 4), PK_EDECODE);
			assert_ptr_equal(r.p, p);
			free(p);
		}
		/* The whole item reads (as a number at least) and skips. */
		pk_mpr_init(&r, full[k], lens[k]);
		assert_int_equal(pk_mpr_num(&r, &v), 0);
		assert_int_equal(pk_mpr_left(&r), 0);
		pk_mpr_init(&r, full[k], lens[k]);
		assert_int_equal(pk_mpr_skip(&r, 0), 0);
		assert_int_equal(pk_mpr_left(&r), 0);
	}
}

/* A document with every accepted type at several widths, nested. */
/* clang-format off */
static const uint8_t doc[] = {
    0x8a,                                           /* map of 10 pairs */
    0xa1, 'a', 0xc0,                                /* "a": nil */
    0xa1, 'b', 0xc3,                                /* "b": true */
    0xa1, 'c', 0xcd, 0x12, 0x34,                    /* "c": 0x1234 */
    0xa1, 'd', 0xd2, 0xff, 0xff, 0xff, 0x00,        /* "d": -256 */
    0xa1, 'e', 0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, /* "e": pi */
    0xa1, 'f', 0xd9, 0x03, 'x', 'y', 'z',           /* "f": str8 */
    0xa1, 'g', 0xc5, 0x00, 0x02, 0xde, 0xad,        /* "g": bin16 */
    0xa1, 'h', 0x93, 0x01, 0x92, 0xe0, 0xca, 0x3f, 0x80, 0x00, 0x00, 0x80, /* nested arrays */
    0xa1, 'i', 0xde, 0x00, 0x01, 0xa0, 0xdc, 0x00, 0x01, 0xc2, /* {"": [false]} */
    0xa1, 'j', 0xcf, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* uint64 */
};
/* clang-format on */

/* Reads doc with the typed functions, checking every value. */
static int read_doc(struct pk_mpr *r)
{
	const char *s;
	const uint8_t *b;
	uint32_t n, m;
	uint64_t u;
	int64_t i;
	double v;
	bool t;

	if (pk_mpr_map(r, &n) != 0 || n != 10)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_nil(r))
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_bool(r, &t) || !t)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_uint(r, &u) || u != 0x1234)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_int(r, &i) || i != -256)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_num(r, &v) || v != 3.141592653589793)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_str(r, &s, &m) || m != 3 || memcmp(s, "xyz", 3))
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_bin(r, &b, &m) || m != 2 || b[0] != 0xde)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_array(r, &n) || n != 3 || pk_mpr_uint(r, &u) ||
	    u != 1 || pk_mpr_array(r, &n) || n != 2 || pk_mpr_int(r, &i) || i != -32 ||
	    pk_mpr_num(r, &v) || v != 1.0 || pk_mpr_map(r, &n) || n != 0)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_map(r, &n) || n != 1 || pk_mpr_str(r, &s, &m) ||
	    m != 0 || pk_mpr_array(r, &n) || n != 1 || pk_mpr_bool(r, &t) || t)
		return -1;
	if (pk_mpr_str(r, &s, &m) || pk_mpr_uint(r, &u) || u != 0x0102030405060708ull)
		return -1;
	return pk_mpr_left(r) == 0 ? 0 : -1;
}

static void test_truncation_every_length(void **state)
{
	struct pk_mpr r;

	(void)state;
	pk_mpr_init(&r, doc, sizeof(doc));
	assert_int_equal(read_doc(&r), 0);
	pk_mpr_init(&r, doc, sizeof(doc));
	assert_int_equal(pk_mpr_skip(&r, 3), 0);
	assert_int_equal(pk_mpr_left(&r), 0);

	for (size_t cut = 0; cut < sizeof(doc); cut++) {
		uint8_t *p = exact(doc, cut);

		pk_mpr_init(&r, p, cut);
		assert_int_equal(pk_mpr_skip(&r, 8), PK_EDECODE);
		assert_ptr_equal(r.p, p); /* a failed skip leaves the reader where it was */
		pk_mpr_init(&r, p, cut);
		assert_int_not_equal(read_doc(&r), 0);
		assert_true(r.p >= p && r.p <= p + cut);
		free(p);
	}
}

static void test_skip_depth(void **state)
{
	static const uint8_t nested[] = {0x91, 0x91, 0x91, 0x01};                  /* [[[1]]] */
	static const uint8_t mapnest[] = {0x81, 0xa1, 'k', 0x81, 0xa1, 'l', 0x90}; /* {k:{l:[]}} */
	uint8_t *deep;
	struct pk_mpr r;
	size_t n = 100000;

	(void)state;
	pk_mpr_init(&r, nested, sizeof(nested));
	assert_int_equal(pk_mpr_skip(&r, 2), PK_EDECODE);
	assert_ptr_equal(r.p, nested);
	assert_int_equal(pk_mpr_skip(&r, 3), 0);
	assert_int_equal(pk_mpr_left(&r), 0);

	pk_mpr_init(&r, mapnest, sizeof(mapnest));
	assert_int_equal(pk_mpr_skip(&r, 2), PK_EDECODE);
	assert_ptr_equal(r.p, mapnest);
	assert_int_equal(pk_mpr_skip(&r, 3), 0);
	assert_int_equal(pk_mpr_left(&r), 0);

	/* Depth 0 skips scalars only. */
	pk_mpr_init(&r, B(0x90));
	assert_int_equal(pk_mpr_skip(&r, 0), PK_EDECODE);
	pk_mpr_init(&r, B(0x80));
	assert_int_equal(pk_mpr_skip(&r, -1), PK_EDECODE);
	pk_mpr_init(&r, B(0xa2, 'o', 'k'));
	assert_int_equal(pk_mpr_skip(&r, 0), 0);
	assert_int_equal(pk_mpr_left(&r), 0);

	/* 100000 nested arrays: refused at the limit, with no deep recursion. */
	deep = malloc(n + 1);
	assert_non_null(deep);
	memset(deep, 0x91, n);
	deep[n] = 0xc0;
	pk_mpr_init(&r, deep, n + 1);
	assert_int_equal(pk_mpr_skip(&r, 64), PK_EDECODE);
	assert_ptr_equal(r.p, deep);
	free(deep);

	/* Types the reader does not accept are not skipped. */
	pk_mpr_init(&r, B(0xc1));
	assert_int_equal(pk_mpr_skip(&r, 4), PK_EDECODE);
	pk_mpr_init(&r, B(0xd4, 0x01, 0x02));
	assert_int_equal(pk_mpr_skip(&r, 4), PK_EDECODE);
	pk_mpr_init(&r, B(0x92, 0x01, 0xc7, 0x00, 0x01));
	assert_int_equal(pk_mpr_skip(&r, 4), PK_EDECODE);
	assert_int_equal(pk_mpr_left(&r), 5);
	pk_mpr_init(&r, NULL, 0);
	assert_int_equal(pk_mpr_skip(&r, 4), PK_EDECODE);
}

/* Every single-byte input, and every two-byte one, is handled without reading past the end. */
static void test_all_short_inputs(void **state)
{
	struct pk_mpr r;
	const char *s;
	const uint8_t *b;
	uint32_t n;
	uint64_t u;
	int64_t i;
	double v;
	bool t;

	(void)state;
	for (unsigned x = 0; x < 65536; x++) {
		for (size_t len = 1; len <= 2; len++) {
			uint8_t *p;
			if (len == 1 && x > 255)
				continue;
			p = malloc(len);
			assert_non_null(p);
			p[0] = (uint8_t)(len == 1 ? x : x >> 8);
			if (len == 2)
				p[1] = (uint8_t)x;
#define TRY(call)                                                                                  \
	do {                                                                                       \
		pk_mpr_init(&r, p, len);                                                           \
		if ((call) != 0)                                                                   \
			assert_ptr_equal(r.p, p);                                                  \
		else                                                                               \
			assert_true(r.p > p && r.p <= p + len);                                    \
	} while (0)
			TRY(pk_mpr_uint(&r, &u));
			TRY(pk_mpr_int(&r, &i));
			TRY(pk_mpr_num(&r, &v));
			TRY(pk_mpr_str(&r, &s, &n));
			TRY(pk_mpr_bin(&r, &b, &n));
			TRY(pk_mpr_array(&r, &n));
			TRY(pk_mpr_map(&r, &n));
			TRY(pk_mpr_nil(&r));
			TRY(pk_mpr_bool(&r, &t));
			TRY(pk_mpr_skip(&r, 8));
#undef TRY
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_peek),
	    cmocka_unit_test(test_uint_widths),
	    cmocka_unit_test(test_int_widths),
	    cmocka_unit_test(test_negative_vs_unsigned),
	    cmocka_unit_test(test_float),
	    cmocka_unit_test(test_str_bin_widths),
	    cmocka_unit_test(test_nil_bool),
	    cmocka_unit_test(test_containers),
	    cmocka_unit_test(test_truncated_scalars),
	    cmocka_unit_test(test_truncation_every_length),
	    cmocka_unit_test(test_skip_depth),
	    cmocka_unit_test(test_all_short_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
