/*
 * test_changeset.c: changeset encoding, decoding, signing and checks (proto/changeset.h), and
 * the test vectors of proto/SPEC.md, section 13.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "testutil.h"

/* ---- the vectors --------------------------------------------------------------------------- */

/* clang-format off */
/* Key seed bytes 0x00..0x1f (tu_key(k, 0)); the certificate subject's 0x20..0x3f (tu_key 1). */
#define VEC_PUB "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define VEC_SUBJECT_PUB "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
#define VEC_HLC 115816896921600000ULL /* pk_hlc_from_ms(1767225600000) */
#define VEC_VALUE "82a46e616d61b1536f7369616c6973617369205250334b50a5746168756ecd07ea"
#define VEC_CS                                                                                     \
	"92c49d96b1706f6b6a612d6368616e67657365742d31c42003a107bff3ce10be1d70dd18e74bc09967e4d630" \
	"9ba50d5f1ddc8664125531b801c42000000000000000000000000000000000000000000000000000000000000" \
	"00000cf019b76daa80000009194a86b6567696174616ea533322e3735a76b672d30303031c42182a46e616d61" \
	"b1536f7369616c6973617369205250334b50a5746168756ecd07eac440a03fb3d02d129bdd565da1ff07c20e7e" \
	"a1f14e29449a9f1e26c2ec17e2c619bd0195e2fc0c841c78db64337f73c893b9be7bc0d73a358bb680a838ee0" \
	"6820700"
#define VEC_CS_SIG                                                                                 \
	"a03fb3d02d129bdd565da1ff07c20e7ea1f14e29449a9f1e26c2ec17e2c619bd0195e2fc0c841c78db64337f7" \
	"3c893b9be7bc0d73a358bb680a838ee06820700"
#define VEC_CS_HASH "26f8c4e61981470e0b429bff3639045518d39c6607709f84230b06cb22fabd45"
#define VEC_CERT                                                                                   \
	"92c47e98ac706f6b6a612d636572742d3101c42029acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c8" \
	"9794bc9322966dd7a23332bd506f6b6a6120504b502050726f76696e7369204a617761204261726174ce6955b" \
	"900ce6b36ec80c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8c440aa5f" \
	"5b807e831dc7de29fb7f53dfe4fc3ee909dda31fb0b16c274b0bf05836291606a168545f66c5a13c3d5822e48f" \
	"0a4a3629a021103512fd2cfb901495870b"
#define VEC_CERT_SIG                                                                               \
	"aa5f5b807e831dc7de29fb7f53dfe4fc3ee909dda31fb0b16c274b0bf05836291606a168545f66c5a13c3d58" \
	"22e48f0a4a3629a021103512fd2cfb901495870b"
/* clang-format on */

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char *h = tu_hex(p, n);

	assert_string_equal(h, want);
	free(h);
}

static void test_vector_changeset(void **state)
{
	uint8_t seed[PK_SEED_BYTES], pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], hash[PK_HASH_BYTES];
	struct pk_cs_head h = {.seq = 1, .prev = {0}, .hlc = pk_hlc_from_ms(1767225600000ULL)};
	struct pk_changeset cs;
	struct pk_cs_iter it;
	struct pk_op op, got;
	uint8_t *value, *out;
	size_t vlen, len;

	(void)state;
	for (int i = 0; i < PK_SEED_BYTES; i++)
		seed[i] = (uint8_t)i;
	pk_key_from_seed(seed, pub, sec);
	assert_hex(pub, PK_PUB_BYTES, VEC_PUB);
	assert_true(h.hlc == VEC_HLC);

	value = tu_kegiatan("Sosialisasi RP3KP", 2026, &vlen);
	assert_hex(value, vlen, VEC_VALUE);
	assert_int_equal(pk_schema_validate(pk_schema_find("kegiatan", 8), value, vlen, NULL), 0);
	op = tu_op("kegiatan", "32.75", "kg-0001", value, vlen);
	assert_int_equal(pk_cs_encode(&h, &op, 1, pub, sec, &out, &len), 0);
	assert_hex(out, len, VEC_CS);

	assert_int_equal(pk_cs_decode(out, len, &cs, NULL), 0);
	assert_true(pk_cs_sig_ok(&cs));
	assert_hex(cs.sig, PK_SIG_BYTES, VEC_CS_SIG);
	pk_cs_hash(&cs, hash);
	assert_hex(hash, PK_HASH_BYTES, VEC_CS_HASH);
	assert_true(cs.seq == 1 && cs.hlc == VEC_HLC && cs.nops == 1);
	pk_cs_iter_init(&it, &cs);
	assert_true(pk_cs_iter_next(&it, &got));
	assert_int_equal(got.value_len, vlen);
	assert_memory_equal(got.value, value, vlen);
	assert_int_equal(pk_cs_check_records(&cs, NULL), 0);
	free(out);
	free(value);
}

static void test_vector_cert(void **state)
{
	struct tu_key root, subject;
	struct pk_cert c;
	uint8_t *out;
	size_t len;

	(void)state;
	tu_key(&root, 0);
	tu_key(&subject, 1);
	assert_hex(root.pub, PK_PUB_BYTES, VEC_PUB);
	assert_hex(subject.pub, PK_PUB_BYTES, VEC_SUBJECT_PUB);
	out = tu_cert(&root, &subject, 1, "32", "Pokja PKP Provinsi Jawa Barat", 1767225600,
	              1798761600, &len);
	assert_non_null(out);
	assert_hex(out, len, VEC_CERT);
	assert_int_equal(pk_cert_decode(out, len, &c, NULL), 0);
	assert_true(pk_cert_sig_ok(&c));
	assert_hex(c.sig, PK_SIG_BYTES, VEC_CERT_SIG);
	free(out);
}

/* ---- round trip ---------------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
	struct tu_origin o;
	struct pk_changeset cs;
	struct pk_cs_iter it;
	struct pk_op ops[3], got;
	uint8_t *v1, *v2, *buf, prev[PK_HASH_BYTES];
	size_t l1, l2, len;
	uint32_t i = 0;

	(void)state;
	tu_origin_init(&o, 7, TU_T0_MS << 16);
	v1 = tu_kegiatan("Rapat koordinasi", 2026, &l1);
	v2 = tu_kegiatan("Advokasi bupati", 2027, &l2);
	ops[0] = tu_op("kegiatan", "32.75", "kg-1", v1, l1);
	ops[1] = tu_op("kegiatan", "32.75.01.1001", "kg:2_x.y-z", v2, l2);
	ops[2] = tu_op("anggota", "", "ang-3", NULL, 0);
	for (int k = 0; k < PK_HASH_BYTES; k++)
		prev[k] = (uint8_t)(0xa0 + k);
	buf = tu_cs_make(&o, 42, prev, 0x0123456789abcdefULL, ops, 3, &len);

	assert_int_equal(pk_cs_decode(buf, len, &cs, NULL), 0);
	assert_ptr_equal(cs.raw, buf);
	assert_int_equal(cs.raw_len, len);
	assert_ptr_equal(cs.sig, buf + len - PK_SIG_BYTES);
	assert_true(cs.body > buf && cs.body + cs.body_len <= cs.sig);
	assert_memory_equal(cs.origin, o.key.pub, PK_PUB_BYTES);
	assert_memory_equal(cs.prev, prev, PK_HASH_BYTES);
	assert_true(cs.seq == 42);
	assert_true(cs.hlc == 0x0123456789abcdefULL);
	assert_int_equal(cs.nops, 3);
	assert_true(pk_cs_sig_ok(&cs));

	pk_cs_iter_init(&it, &cs);
	while (pk_cs_iter_next(&it, &got)) {
		assert_true(i < 3);
		assert_int_equal(got.coll_len, ops[i].coll_len);
		assert_memory_equal(got.coll, ops[i].coll, got.coll_len);
		assert_int_equal(got.region_len, ops[i].region_len);
		assert_memory_equal(got.region, ops[i].region, got.region_len);
		assert_int_equal(got.key_len, ops[i].key_len);
		assert_memory_equal(got.key, ops[i].key, got.key_len);
		if (ops[i].value == NULL) {
			assert_null(got.value);
			assert_int_equal(got.value_len, 0);
		} else {
			assert_non_null(got.value);
			assert_int_equal(got.value_len, ops[i].value_len);
			assert_memory_equal(got.value, ops[i].value, got.value_len);
			/* Values are views into the changeset's own bytes. */
			assert_true(got.value > buf && got.value + got.value_len <= buf + len);
		}
		i++;
	}
	assert_int_equal(i, 3);
	assert_false(pk_cs_iter_next(&it, &got));
	assert_int_equal(pk_cs_check_records(&cs, NULL), 0);
	free(buf);
	free(v1);
	free(v2);
}

static void test_encode_refusals(void **state)
{
	struct pk_cs_head h = {.seq = 1, .prev = {0}, .hlc = 1};
	struct tu_key k;
	struct pk_op *many, big;
	uint8_t *out = (uint8_t *)"x", *v;
	size_t len = 5, vlen;

	(void)state;
	tu_key(&k, 3);
	v = tu_kegiatan("A", 2026, &vlen);
	many = calloc(PK_CS_MAX_OPS + 1, sizeof(*many));
	assert_non_null(many);
	for (size_t i = 0; i <= PK_CS_MAX_OPS; i++)
		many[i] = tu_op("kegiatan", "32", "k", v, vlen);

	assert_int_equal(pk_cs_encode(&h, many, 0, k.pub, k.sec, &out, &len), PK_EINVAL);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(pk_cs_encode(&h, many, PK_CS_MAX_OPS + 1, k.pub, k.sec, &out, &len),
	                 PK_EINVAL);
	h.seq = 0;
	assert_int_equal(pk_cs_encode(&h, many, 1, k.pub, k.sec, &out, &len), PK_EINVAL);
	h.seq = 1;
	/* The most ops allowed encode and decode. */
	assert_int_equal(pk_cs_encode(&h, many, PK_CS_MAX_OPS, k.pub, k.sec, &out, &len), 0);
	{
		struct pk_changeset cs;
		assert_int_equal(pk_cs_decode(out, len, &cs, NULL), 0);
		assert_int_equal(cs.nops, PK_CS_MAX_OPS);
		assert_true(pk_cs_sig_ok(&cs));
	}
	free(out);

	/* 17 values of 64 KiB exceed PK_CS_MAX_BYTES. */
	{
		uint8_t *blob = calloc(1, PK_VALUE_MAX_BYTES);
		assert_non_null(blob);
		big = tu_op("kegiatan", "32", "k", blob, PK_VALUE_MAX_BYTES);
		for (int i = 0; i < 17; i++)
			many[i] = big;
		assert_int_equal(pk_cs_encode(&h, many, 17, k.pub, k.sec, &out, &len), PK_ETOOBIG);
		assert_null(out);
		free(blob);
	}
	free(many);
	free(v);
}

/* pk_cs_op_size is an upper bound on what an op adds to an encoding. */
static void test_op_size_bound(void **state)
{
	static const size_t sizes[] = {0, 1, 31, 32, 255, 256, 65535, 65536};
	struct pk_cs_head h = {.seq = 1, .prev = {0}, .hlc = 1};
	struct tu_key k;
	struct pk_op ops[2];
	uint8_t *blob, *a, *b;
	size_t la, lb;

	(void)state;
	tu_key(&k, 3);
	blob = calloc(1, 65536);
	assert_non_null(blob);
	ops[0] = tu_op("kegiatan", "32", "k", blob, 1);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ops[1] = tu_op("kegiatan", "32.75.01.1001", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
		               sizes[i] ? blob : NULL, sizes[i]);
		assert_int_equal(pk_cs_encode(&h, ops, 1, k.pub, k.sec, &a, &la), 0);
		assert_int_equal(pk_cs_encode(&h, ops, 2, k.pub, k.sec, &b, &lb), 0);
		assert_true(lb - la <= pk_cs_op_size(&ops[1]));
		free(a);
		free(b);
	}
	free(blob);
}

/* ---- signatures and hashes ----------------------------------------------------------------- */

static void test_every_flip_detected(void **state)
{
	struct tu_origin o;
	struct pk_changeset cs, fake;
	struct pk_op op;
	uint8_t *v, *buf, *copy, h0[PK_HASH_BYTES], h1[PK_HASH_BYTES];
	size_t vlen, len;
	static const uint8_t masks[] = {0x01, 0x80, 0xff};

	(void)state;
	tu_origin_init(&o, 9, TU_T0_MS << 16);
	v = tu_kegiatan("Sosialisasi", 2026, &vlen);
	op = tu_op("kegiatan", "32.75", "kg-0001", v, vlen);
	buf = tu_cs_next(&o, 0, &op, 1, &len);
	assert_int_equal(pk_cs_decode(buf, len, &cs, NULL), 0);
	assert_true(pk_cs_sig_ok(&cs));
	pk_cs_hash(&cs, h0);
	pk_hash(h1, buf, len);
	assert_memory_equal(h0, h1, PK_HASH_BYTES); /* the hash covers the whole encoding */
	assert_memory_equal(h0, o.prev, PK_HASH_BYTES);

	copy = malloc(len);
	assert_non_null(copy);
	for (size_t i = 0; i < len; i++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			memcpy(copy, buf, len);
			copy[i] ^= masks[m];
			if (pk_cs_decode(copy, len, &cs, NULL) == 0 && pk_cs_sig_ok(&cs))
				fail_msg("byte %zu ^ 0x%02x: still decodes and verifies", i,
				         masks[m]);
			memset(&fake, 0, sizeof(fake));
			fake.raw = copy;
			fake.raw_len = len;
			pk_cs_hash(&fake, h1);
			if (memcmp(h0, h1, PK_HASH_BYTES) == 0)
				fail_msg("byte %zu ^ 0x%02x: same hash", i, masks[m]);
		}
	}
	/* A valid changeset under another origin's key does not verify. */
	memcpy(copy, buf, len);
	{
		struct tu_key other;
		uint8_t *p;
		tu_key(&other, 10);
		p = memmem(copy, len, o.key.pub, PK_PUB_BYTES);
		assert_non_null(p);
		memcpy(p, other.pub, PK_PUB_BYTES);
		assert_int_equal(pk_cs_decode(copy, len, &cs, NULL), 0);
		assert_false(pk_cs_sig_ok(&cs));
	}
	free(copy);
	free(buf);
	free(v);
}

static void test_truncation_every_length(void **state)
{
	struct tu_origin o;
	struct pk_changeset cs;
	struct pk_op ops[2];
	uint8_t *v, *buf;
	size_t vlen, len;

	(void)state;
	tu_origin_init(&o, 9, TU_T0_MS << 16);
	v = tu_kegiatan("Sosialisasi", 2026, &vlen);
	ops[0] = tu_op("kegiatan", "32.75", "kg-0001", v, vlen);
	ops[1] = tu_op("kegiatan", "32.75", "kg-0002", NULL, 0);
	buf = tu_cs_next(&o, 0, ops, 2, &len);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, buf, cut);
		assert_int_not_equal(pk_cs_decode(p, cut, &cs, NULL), 0);
		free(p);
	}
	free(buf);
	free(v);
}

/* ---- structural refusals ------------------------------------------------------------------- */

enum mutation {
	M_NONE,
	M_ENV3,          /* envelope of 3 elements */
	M_ENV_NOT_ARRAY, /* envelope is a map */
	M_BODY_STR,      /* body as str, not bin */
	M_BODY5,         /* body array of 5 */
	M_BODY7,         /* body array of 7 */
	M_TAG_BIN,       /* the tag as bin */
	M_ORIGIN31,      /* 31-byte origin */
	M_ORIGIN_STR,    /* origin as str */
	M_SEQ_STR,       /* sequence as str */
	M_SEQ_NEG,       /* sequence as a negative int */
	M_PREV31,        /* 31-byte prev */
	M_HLC_NEG,       /* negative clock */
	M_HLC_FLOAT,     /* clock as float */
	M_OPS_MAP,       /* ops as a map */
	M_OPS_MORE,      /* ops header counts one more op than there is */
	M_OP3,           /* op of 3 elements */
	M_OP5,           /* op of 5 elements */
	M_COLL_BIN,      /* collection as bin */
	M_REGION_INT,    /* region as int */
	M_KEY_NIL,       /* key as nil */
	M_VALUE_STR,     /* value as str */
	M_VALUE_INT,     /* value as int */
	M_BODY_TRAIL,    /* a byte after the ops inside the body */
	M_ENV_TRAIL,     /* a byte after the envelope */
	M_SIG63,         /* 63-byte signature */
	M_SIG_STR,       /* signature as str */
};

struct spec {
	const char *tag;
	uint64_t seq;
	uint8_t prev[PK_HASH_BYTES];
	uint64_t hlc;
	const struct pk_op *ops;
	uint32_t nops;
	enum mutation m;
};

static void pstr(msgpack_packer *pk, const void *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void pbin(msgpack_packer *pk, const void *b, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, b, n);
}

/* Encodes a (possibly malformed) changeset by hand and signs its body with k. */
static uint8_t *raw_cs(const struct spec *sp, const struct tu_key *k, size_t *len)
{
	msgpack_sbuffer body, env;
	msgpack_packer pk;
	uint8_t sig[PK_SIG_BYTES], *out;
	enum mutation m = sp->m;

	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, m == M_BODY5 ? 5 : m == M_BODY7 ? 7 : 6);
	if (m == M_TAG_BIN)
		pbin(&pk, sp->tag, strlen(sp->tag));
	else
		pstr(&pk, sp->tag, strlen(sp->tag));
	if (m == M_ORIGIN_STR)
		pstr(&pk, k->pub, PK_PUB_BYTES);
	else
		pbin(&pk, k->pub, m == M_ORIGIN31 ? 31 : PK_PUB_BYTES);
	if (m == M_SEQ_STR)
		pstr(&pk, "1", 1);
	else if (m == M_SEQ_NEG)
		msgpack_pack_int64(&pk, -1);
	else
		msgpack_pack_uint64(&pk, sp->seq);
	pbin(&pk, sp->prev, m == M_PREV31 ? 31 : PK_HASH_BYTES);
	if (m == M_HLC_NEG)
		msgpack_pack_int64(&pk, -5);
	else if (m == M_HLC_FLOAT)
		msgpack_pack_double(&pk, 1.0);
	else
		msgpack_pack_uint64(&pk, sp->hlc);
	if (m == M_BODY5) {
		/* the ops are left out */
	} else {
		if (m == M_OPS_MAP)
			msgpack_pack_map(&pk, sp->nops);
		else
			msgpack_pack_array(&pk, sp->nops + (m == M_OPS_MORE ? 1 : 0));
		for (uint32_t i = 0; i < sp->nops; i++) {
			const struct pk_op *op = &sp->ops[i];
			msgpack_pack_array(&pk, m == M_OP3 ? 3 : m == M_OP5 ? 5 : 4);
			if (m == M_COLL_BIN)
				pbin(&pk, op->coll, op->coll_len);
			else
				pstr(&pk, op->coll, op->coll_len);
			if (m == M_REGION_INT)
				msgpack_pack_int(&pk, 32);
			else
				pstr(&pk, op->region, op->region_len);
			if (m == M_KEY_NIL)
				msgpack_pack_nil(&pk);
			else
				pstr(&pk, op->key, op->key_len);
			if (m == M_OP3)
				continue;
			if (m == M_VALUE_STR)
				pstr(&pk, "x", 1);
			else if (m == M_VALUE_INT)
				msgpack_pack_int(&pk, 7);
			else if (op->value == NULL)
				msgpack_pack_nil(&pk);
			else
				pbin(&pk, op->value, op->value_len);
			if (m == M_OP5)
				msgpack_pack_nil(&pk);
		}
		if (m == M_BODY7)
			msgpack_pack_nil(&pk);
	}
	if (m == M_BODY_TRAIL)
		msgpack_pack_nil(&pk);
	pk_sign(sig, (const uint8_t *)body.data, body.size, k->sec);

	msgpack_sbuffer_init(&env);
	msgpack_packer_init(&pk, &env, msgpack_sbuffer_write);
	if (m == M_ENV_NOT_ARRAY)
		msgpack_pack_map(&pk, 1);
	else
		msgpack_pack_array(&pk, m == M_ENV3 ? 3 : 2);
	if (m == M_BODY_STR)
		pstr(&pk, body.data, body.size);
	else
		pbin(&pk, body.data, body.size);
	if (m == M_SIG_STR)
		pstr(&pk, sig, PK_SIG_BYTES);
	else
		pbin(&pk, sig, m == M_SIG63 ? 63 : PK_SIG_BYTES);
	if (m == M_ENV3 || m == M_ENV_TRAIL)
		msgpack_pack_nil(&pk);
	out = malloc(env.size);
	assert_non_null(out);
	memcpy(out, env.data, env.size);
	*len = env.size;
	msgpack_sbuffer_destroy(&body);
	msgpack_sbuffer_destroy(&env);
	return out;
}

/* Decodes sp's encoding; returns the error, and asserts that a refusal explains itself. */
static int decode_spec(const struct spec *sp, const struct tu_key *k)
{
	struct pk_changeset cs;
	struct pk_diag d = {""};
	size_t len;
	uint8_t *buf = raw_cs(sp, k, &len);
	int err = pk_cs_decode(buf, len, &cs, &d);

	if (err != 0)
		assert_true(d.msg[0] != '\0');
	else
		assert_true(pk_cs_sig_ok(&cs));
	free(buf);
	return err;
}

static void test_structural_refusals(void **state)
{
	static const struct {
		enum mutation m;
		int err;
	} cases[] = {
	    {M_NONE, 0},
	    {M_ENV3, PK_EDECODE},
	    {M_ENV_NOT_ARRAY, PK_EDECODE},
	    {M_BODY_STR, PK_EDECODE},
	    {M_BODY5, PK_EDECODE},
	    {M_BODY7, PK_EDECODE},
	    {M_TAG_BIN, PK_EDECODE},
	    {M_ORIGIN31, PK_EDECODE},
	    {M_ORIGIN_STR, PK_EDECODE},
	    {M_SEQ_STR, PK_EDECODE},
	    {M_SEQ_NEG, PK_EDECODE},
	    {M_PREV31, PK_EDECODE},
	    {M_HLC_NEG, PK_EDECODE},
	    {M_HLC_FLOAT, PK_EDECODE},
	    {M_OPS_MAP, PK_EDECODE},
	    {M_OPS_MORE, PK_EDECODE},
	    {M_OP3, PK_EDECODE},
	    {M_OP5, PK_EDECODE},
	    {M_COLL_BIN, PK_EDECODE},
	    {M_REGION_INT, PK_EDECODE},
	    {M_KEY_NIL, PK_EDECODE},
	    {M_VALUE_STR, PK_EDECODE},
	    {M_VALUE_INT, PK_EDECODE},
	    {M_BODY_TRAIL, PK_EDECODE},
	    {M_ENV_TRAIL, PK_EDECODE},
	    {M_SIG63, PK_EDECODE},
	    {M_SIG_STR, PK_EDECODE},
	};
	struct tu_key k;
	struct pk_op ops[2];
	struct spec sp;
	uint8_t *v;
	size_t vlen;

	(void)state;
	tu_key(&k, 4);
	v = tu_kegiatan("Pelatihan", 2026, &vlen);
	ops[0] = tu_op("kegiatan", "32.75", "kg-1", v, vlen);
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", NULL, 0);
	memset(&sp, 0, sizeof(sp));
	sp.tag = PK_CS_TAG;
	sp.seq = 3;
	memset(sp.prev, 0x55, PK_HASH_BYTES);
	sp.hlc = TU_T0_MS << 16;
	sp.ops = ops;
	sp.nops = 2;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp.m = cases[i].m;
		int err = decode_spec(&sp, &k);
		if (err != cases[i].err)
			fail_msg("mutation %d: got %d (%s), want %d", (int)cases[i].m, err,
			         pk_strerror(err), cases[i].err);
	}
	sp.m = M_NONE;

	/* The tag names the format version. */
	sp.tag = "pokja-changeset-2";
	assert_int_equal(decode_spec(&sp, &k), PK_EVERSION);
	sp.tag = "pokja-changeset-1 ";
	assert_int_equal(decode_spec(&sp, &k), PK_EVERSION);
	sp.tag = "";
	assert_int_equal(decode_spec(&sp, &k), PK_EVERSION);
	sp.tag = PK_CS_TAG;

	/* Sequence 0, and a first changeset with a previous hash. */
	sp.seq = 0;
	assert_int_equal(decode_spec(&sp, &k), PK_EDECODE);
	sp.seq = 1;
	assert_int_equal(decode_spec(&sp, &k), PK_EDECODE);
	memset(sp.prev, 0, PK_HASH_BYTES);
	assert_int_equal(decode_spec(&sp, &k), 0);
	sp.prev[31] = 1;
	assert_int_equal(decode_spec(&sp, &k), PK_EDECODE);
	sp.seq = 2;
	assert_int_equal(decode_spec(&sp, &k), 0);
	memset(sp.prev, 0, PK_HASH_BYTES);
	assert_int_equal(decode_spec(&sp, &k), 0); /* a zero prev is only special for seq 1 */
	sp.seq = UINT64_MAX;
	assert_int_equal(decode_spec(&sp, &k), 0);
	sp.seq = 2;

	/* Zero ops, and one more than allowed. */
	sp.nops = 0;
	assert_int_equal(decode_spec(&sp, &k), PK_EDECODE);
	{
		struct pk_op *many = calloc(PK_CS_MAX_OPS + 1, sizeof(*many));
		assert_non_null(many);
		for (size_t i = 0; i <= PK_CS_MAX_OPS; i++)
			many[i] = ops[1];
		sp.ops = many;
		sp.nops = PK_CS_MAX_OPS + 1;
		assert_int_equal(decode_spec(&sp, &k), PK_EDECODE);
		sp.nops = PK_CS_MAX_OPS;
		assert_int_equal(decode_spec(&sp, &k), 0);
		free(many);
	}
	sp.ops = ops;
	sp.nops = 2;
	free(v);
}

/* One op per call, with everything else valid. */
static int decode_op(const struct tu_key *k, struct pk_op op)
{
	struct spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.tag = PK_CS_TAG;
	sp.seq = 1;
	sp.hlc = 1;
	sp.ops = &op;
	sp.nops = 1;
	return decode_spec(&sp, k);
}

static void test_op_refusals(void **state)
{
	struct tu_key k;
	char longkey[PK_KEY_MAX + 2], longcoll[PK_COLL_MAX + 2];
	uint8_t *blob, *v;
	size_t vlen;

	(void)state;
	tu_key(&k, 5);
	v = tu_kegiatan("X", 2026, &vlen);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32.75", "kg", v, vlen)), 0);
	/* Region codes. */
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "", "kg", v, vlen)), 0);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32.75.01.1001", "kg", v, vlen)), 0);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32.7", "kg", v, vlen)), PK_EREGION);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "3", "kg", v, vlen)), PK_EREGION);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32.", "kg", v, vlen)), PK_EREGION);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "ab", "kg", NULL, 0)), PK_EREGION);
	/* Keys. */
	memset(longkey, 'k', sizeof(longkey));
	longkey[PK_KEY_MAX] = '\0';
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", longkey, v, vlen)), 0);
	longkey[PK_KEY_MAX] = 'k';
	longkey[PK_KEY_MAX + 1] = '\0';
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", longkey, v, vlen)), PK_ESCHEMA);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "", v, vlen)), PK_ESCHEMA);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "kg 1", v, vlen)), PK_ESCHEMA);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "kg/1", NULL, 0)), PK_ESCHEMA);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "kg\xc3\xa9", v, vlen)), PK_ESCHEMA);
	/* Collection names: the length is checked here, the name by pk_cs_check_records. */
	memset(longcoll, 'c', sizeof(longcoll));
	longcoll[PK_COLL_MAX] = '\0';
	assert_int_equal(decode_op(&k, tu_op(longcoll, "32", "kg", v, vlen)), 0);
	longcoll[PK_COLL_MAX] = 'c';
	longcoll[PK_COLL_MAX + 1] = '\0';
	assert_int_equal(decode_op(&k, tu_op(longcoll, "32", "kg", v, vlen)), PK_ESCHEMA);
	assert_int_equal(decode_op(&k, tu_op("", "32", "kg", v, vlen)), PK_ESCHEMA);
	/* Value size. */
	blob = calloc(1, PK_VALUE_MAX_BYTES + 1);
	assert_non_null(blob);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "kg", blob, PK_VALUE_MAX_BYTES)), 0);
	assert_int_equal(decode_op(&k, tu_op("kegiatan", "32", "kg", blob, PK_VALUE_MAX_BYTES + 1)),
	                 PK_ETOOBIG);
	free(blob);
	free(v);
}

static void test_oversize(void **state)
{
	struct tu_key k;
	struct pk_op ops[17];
	struct spec sp;
	struct pk_changeset cs;
	uint8_t *blob, *buf;
	size_t len;

	(void)state;
	tu_key(&k, 6);
	blob = calloc(1, PK_VALUE_MAX_BYTES);
	assert_non_null(blob);
	for (int i = 0; i < 17; i++)
		ops[i] = tu_op("kegiatan", "32", "kg", blob, PK_VALUE_MAX_BYTES);
	memset(&sp, 0, sizeof(sp));
	sp.tag = PK_CS_TAG;
	sp.seq = 1;
	sp.hlc = 1;
	sp.ops = ops;
	sp.nops = 17; /* about 1.1 MB */
	buf = raw_cs(&sp, &k, &len);
	assert_true(len > PK_CS_MAX_BYTES);
	assert_int_equal(pk_cs_decode(buf, len, &cs, NULL), PK_ETOOBIG);
	free(buf);
	sp.nops = 15; /* under the limit */
	buf = raw_cs(&sp, &k, &len);
	assert_true(len <= PK_CS_MAX_BYTES);
	assert_int_equal(pk_cs_decode(buf, len, &cs, NULL), 0);
	free(buf);
	/* Any buffer over the limit is refused before it is read. */
	buf = calloc(1, PK_CS_MAX_BYTES + 1);
	assert_non_null(buf);
	assert_int_equal(pk_cs_decode(buf, PK_CS_MAX_BYTES + 1, &cs, NULL), PK_ETOOBIG);
	free(buf);
	free(blob);
}

/* ---- records against the schema ------------------------------------------------------------ */

static int check(const struct tu_key *k, const struct pk_op *ops, uint32_t n, struct pk_diag *d)
{
	struct tu_origin o;
	struct pk_changeset cs;
	uint8_t *buf;
	size_t len;
	int err;

	memset(&o, 0, sizeof(o));
	o.key = *k;
	buf = tu_cs_next(&o, 0, ops, n, &len);
	assert_int_equal(pk_cs_decode(buf, len, &cs, NULL), 0);
	err = pk_cs_check_records(&cs, d);
	free(buf);
	return err;
}

static void test_check_records(void **state)
{
	static const char *const k_nama[] = {"nama"};
	static const char *const v_nama[] = {"Tanpa tahun"};
	static const char *const k_unsorted[] = {"tahun", "nama"};
	static const char *const v_unsorted[] = {"2026", "Terbalik"};
	static const bool i_unsorted[] = {true, false};
	struct tu_key k;
	struct pk_diag d;
	struct pk_op ops[3];
	uint8_t *good, *old, *notahun, *unsorted, notmap[] = {0x93, 0x01, 0x02, 0x03};
	size_t lg, lo, ln, lu;

	(void)state;
	tu_key(&k, 8);
	good = tu_kegiatan("Baik", 2026, &lg);
	old = tu_kegiatan("Terlalu lama", 1999, &lo);
	notahun = tu_map(&ln, 1, k_nama, v_nama, NULL);
	unsorted = tu_map(&lu, 2, k_unsorted, v_unsorted, i_unsorted);

	ops[0] = tu_op("kegiatan", "32.75", "kg-1", good, lg);
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", NULL, 0);
	assert_int_equal(check(&k, ops, 2, NULL), 0);

	/* Unknown collection, also for a delete. */
	ops[1] = tu_op("kegiatanx", "32.75", "kg-2", good, lg);
	memset(&d, 0, sizeof(d));
	assert_int_equal(check(&k, ops, 2, &d), PK_ESCHEMA);
	assert_non_null(strstr(d.msg, "operation 1"));
	assert_non_null(strstr(d.msg, "kegiatanx"));
	ops[1] = tu_op("rapatx", "32.75", "kg-2", NULL, 0);
	assert_int_equal(check(&k, ops, 2, NULL), PK_ESCHEMA);

	/* Schema violations: out of range, missing required field, unsorted keys, not a map. */
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", old, lo);
	memset(&d, 0, sizeof(d));
	assert_int_equal(check(&k, ops, 2, &d), PK_ESCHEMA);
	assert_non_null(strstr(d.msg, "kg-2"));
	assert_non_null(strstr(d.msg, "tahun"));
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", notahun, ln);
	assert_int_equal(check(&k, ops, 2, NULL), PK_ESCHEMA);
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", unsorted, lu);
	assert_int_equal(check(&k, ops, 2, NULL), PK_ESCHEMA);
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", notmap, sizeof(notmap));
	assert_int_equal(check(&k, ops, 2, NULL), PK_EDECODE);
	/* A value valid for one collection but not for another. */
	ops[1] = tu_op("rapat", "32.75", "rp-1", good, lg);
	assert_int_equal(check(&k, ops, 2, NULL), PK_ESCHEMA);
	/* The refusal is found whatever the op's position. */
	ops[0] = tu_op("kegiatan", "32.75", "kg-2", old, lo);
	ops[1] = tu_op("kegiatan", "32.75", "kg-1", good, lg);
	ops[2] = tu_op("kegiatan", "32.75", "kg-3", good, lg);
	memset(&d, 0, sizeof(d));
	assert_int_equal(check(&k, ops, 3, &d), PK_ESCHEMA);
	assert_non_null(strstr(d.msg, "operation 0"));
	free(good);
	free(old);
	free(notahun);
	free(unsorted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_changeset),
	    cmocka_unit_test(test_vector_cert),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_op_size_bound),
	    cmocka_unit_test(test_every_flip_detected),
	    cmocka_unit_test(test_truncation_every_length),
	    cmocka_unit_test(test_structural_refusals),
	    cmocka_unit_test(test_op_refusals),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_check_records),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
