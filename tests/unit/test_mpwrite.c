/* test_mpwrite.c: the msgpack writer (proto/mpwrite.h), read back with proto/mpread.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <malloc.h> /* malloc_usable_size */

#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/mpread.h"
#include "proto/mpwrite.h"

/* A bin larger than msgpack-c's first sbuffer allocation (8 KiB), so the buffer must grow. */
#define BIG 10000

static uint8_t big[BIG];

/* The write callback of a writer that runs out of memory once it holds fail_limit bytes: like
 * msgpack_sbuffer_write when realloc fails, it writes nothing and returns -1. Later, smaller
 * writes may still fit, which is how a truncated encoding could pass unnoticed. */
static size_t fail_limit;

static int failing_write(void *data, const char *buf, size_t len)
{
	msgpack_sbuffer *sb = data;

	if (sb->size + len > fail_limit)
		return -1;
	return msgpack_sbuffer_write(data, buf, len);
}

static void init_failing(struct pk_mpw *w, size_t limit)
{
	pk_mpw_init(w);
	fail_limit = limit;
	w->pk.callback = failing_write;
}

/* One item of every kind, at the edges of msgpack's size classes. */
static void put_all(struct pk_mpw *w)
{
	static const uint64_t uints[] = {0,     127,   128,        255,        256,
	                                 65535, 65536, UINT32_MAX, 1ULL << 32, UINT64_MAX};
	static const char s32[] = "0123456789abcdef0123456789abcdef";

	pk_mpw_put_array(w, 10);
	pk_mpw_put_cstr(w, "tag");
	pk_mpw_put_str(w, NULL, 0);
	pk_mpw_put_str(w, s32, 32);
	pk_mpw_put_bin(w, NULL, 0);
	pk_mpw_put_bin(w, big, 255);
	pk_mpw_put_bin(w, big, BIG);
	pk_mpw_put_array(w, sizeof(uints) / sizeof(uints[0]));
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
		pk_mpw_put_uint(w, uints[i]);
	pk_mpw_put_nil(w);
	pk_mpw_put_bool(w, true);
	pk_mpw_put_bool(w, false);
}

static void check_all(const uint8_t *buf, size_t len)
{
	struct pk_mpr r;
	const char *s;
	const uint8_t *b;
	uint32_t n;
	uint64_t v;
	bool t;

	pk_mpr_init(&r, buf, len);
	assert_int_equal(pk_mpr_array(&r, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(pk_mpr_str(&r, &s, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "tag", 3);
	assert_int_equal(pk_mpr_str(&r, &s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pk_mpr_str(&r, &s, &n), 0);
	assert_int_equal(n, 32);
	assert_memory_equal(s, "0123456789abcdef0123456789abcdef", 32);
	assert_int_equal(pk_mpr_bin(&r, &b, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pk_mpr_bin(&r, &b, &n), 0);
	assert_int_equal(n, 255);
	assert_memory_equal(b, big, 255);
	assert_int_equal(pk_mpr_bin(&r, &b, &n), 0);
	assert_int_equal(n, BIG);
	assert_memory_equal(b, big, BIG);
	assert_int_equal(pk_mpr_array(&r, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(pk_mpr_uint(&r, &v), 0);
	assert_true(v == 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pk_mpr_uint(&r, &v), 0);
	assert_true(v == 1ULL << 32);
	assert_int_equal(pk_mpr_uint(&r, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pk_mpr_nil(&r), 0);
	assert_int_equal(pk_mpr_bool(&r, &t), 0);
	assert_true(t);
	assert_int_equal(pk_mpr_bool(&r, &t), 0);
	assert_false(t);
	assert_int_equal(pk_mpr_left(&r), 0);
}

static void test_round_trip(void **state)
{
	struct pk_mpw w;
	uint8_t *out;
	size_t len;

	(void)state;
	pk_mpw_init(&w);
	put_all(&w);
	assert_int_equal(pk_mpw_finish(&w, &out, &len), 0);
	check_all(out, len);
	pk_mpw_destroy(&w); /* harmless after finish */
	free(out);
}

/* msgpack-c's shortest forms, which the encoders' test vectors depend on. */
static void test_exact_bytes(void **state)
{
	static const uint8_t want[] = {0x97, 0xa2, 'a',  'b',  0xc4, 0x02, 0x01, 0x02,
	                               0xcc, 0xc8, 0x7f, 0xc0, 0xc3, 0xc5, 0x01, 0x00};
	struct pk_mpw w;
	uint8_t *out;
	size_t len;

	(void)state;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 7);
	pk_mpw_put_cstr(&w, "ab");
	pk_mpw_put_bin(&w, (const uint8_t[]){1, 2}, 2);
	pk_mpw_put_uint(&w, 200);
	pk_mpw_put_uint(&w, 127);
	pk_mpw_put_nil(&w);
	pk_mpw_put_bool(&w, true);
	pk_mpw_put_bin_head(&w, 256);
	assert_int_equal(pk_mpw_finish(&w, &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	free(out);
}

/* Every point at which a write can fail is reported, and nothing leaks (checked under ASan). */
static void test_failed_write(void **state)
{
	struct pk_mpw w;
	uint8_t *out, *good;
	size_t len, goodlen;

	(void)state;
	pk_mpw_init(&w);
	put_all(&w);
	assert_int_equal(pk_mpw_finish(&w, &good, &goodlen), 0);
	for (size_t n = 0; n < goodlen; n++) {
		init_failing(&w, n);
		put_all(&w);
		out = (uint8_t *)1;
		len = 1;
		assert_int_equal(pk_mpw_finish(&w, &out, &len), PK_ENOMEM);
		assert_null(out);
		assert_int_equal(len, 0);
		pk_mpw_destroy(&w);
	}
	init_failing(&w, goodlen);
	put_all(&w);
	assert_int_equal(pk_mpw_finish(&w, &out, &len), 0);
	assert_int_equal(len, goodlen);
	assert_memory_equal(out, good, goodlen);
	free(out);
	free(good);
}

static void test_empty_and_destroy(void **state)
{
	struct pk_mpw w;
	uint8_t *out;
	size_t len;

	(void)state;
	pk_mpw_init(&w);
	assert_int_equal(pk_mpw_finish(&w, &out, &len), PK_EINVAL);
	assert_null(out);
	assert_int_equal(len, 0);

	pk_mpw_init(&w); /* abandoned halfway */
	pk_mpw_put_array(&w, 2);
	pk_mpw_put_bin(&w, big, BIG);
	pk_mpw_destroy(&w);
	pk_mpw_destroy(&w);
}

static void test_sign_envelope(void **state)
{
	uint8_t seed[PK_SEED_BYTES], pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct pk_mpw w;
	struct pk_mpr r;
	const uint8_t *body, *sig;
	uint8_t *out, *env;
	size_t len, envlen;
	uint32_t n, blen;

	(void)state;
	memset(seed, 7, sizeof(seed));
	pk_key_from_seed(seed, pub, sec);
	pk_mpw_init(&w);
	put_all(&w);
	assert_int_equal(pk_mpw_finish(&w, &out, &len), 0);
	assert_int_equal(pk_mpw_sign_envelope(out, len, sec, &env, &envlen), 0);

	pk_mpr_init(&r, env, envlen);
	assert_int_equal(pk_mpr_array(&r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pk_mpr_bin(&r, &body, &blen), 0);
	assert_int_equal(blen, len);
	assert_memory_equal(body, out, len);
	assert_int_equal(pk_mpr_bin(&r, &sig, &n), 0);
	assert_int_equal(n, PK_SIG_BYTES);
	assert_int_equal(pk_mpr_left(&r), 0);
	assert_true(pk_sig_ok(sig, body, blen, pub));
	check_all(body, blen);
	free(out);

	/* finish_signed gives the same envelope (ed25519 signatures are deterministic). */
	pk_mpw_init(&w);
	put_all(&w);
	assert_int_equal(pk_mpw_finish_signed(&w, sec, &out, &len), 0);
	assert_int_equal(len, envlen);
	assert_memory_equal(out, env, envlen);
	free(out);
	free(env);

	/* A failed write in the body fails the whole envelope. */
	init_failing(&w, 100);
	put_all(&w);
	env = (uint8_t *)1;
	assert_int_equal(pk_mpw_finish_signed(&w, sec, &env, &envlen), PK_ENOMEM);
	assert_null(env);
	assert_int_equal(envlen, 0);
}

/* A finished encoding holds about its own bytes, not msgpack-c's 8 KiB growth step: an import
 * keeps 100,000 record values in memory until its one write (it held 500 MB instead of 100). */
static void test_fits(void **state)
{
	struct pk_mpw w;
	uint8_t *out;
	size_t len;

	(void)state;
	pk_mpw_init(&w);
	pk_mpw_put_map(&w, 1);
	pk_mpw_put_cstr(&w, "nama");
	pk_mpw_put_cstr(&w, "Rapat koordinasi");
	assert_int_equal(pk_mpw_finish(&w, &out, &len), 0);
	assert_int_equal(len, 1 + 5 + 17);
	assert_true(malloc_usable_size(out) < 256);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_exact_bytes),
	    cmocka_unit_test(test_failed_write),  cmocka_unit_test(test_empty_and_destroy),
	    cmocka_unit_test(test_sign_envelope), cmocka_unit_test(test_fits),
	};

	if (pk_crypto_init() != 0)
		return 1;
	for (size_t i = 0; i < BIG; i++)
		big[i] = (uint8_t)(i * 31 + 7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
