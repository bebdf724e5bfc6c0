/* test_compress.c: zstd frames (proto/compress.h) and their use in sessions (proto/session.h,
 * SPEC section 15 "Compression"): the frame checks, the negotiation in the handshake with
 * current and earlier versions on either side, and sealed messages compressed both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>
#include <zstd.h>

#include "proto/compress.h"
#include "proto/mpread.h"
#include "proto/session.h"
#include "testutil.h"

#define NOW 1767225600ULL /* 2026-01-01T00:00:00Z */
#define LEVEL 3

static struct tu_key child, parent;

static int setup(void **state)
{
	(void)state;
	tu_key(&child, 1);
	tu_key(&parent, 2);
	return 0;
}

/* A message that compresses well, as a batch of changesets does (repeated field names). */
static uint8_t *text_msg(size_t n)
{
	static const char words[] = "[\"kegiatan\",{\"nama\":\"Posyandu\",\"desa\":\"Sukamaju\"}] ";
	uint8_t *m = malloc(n);

	assert_non_null(m);
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)words[i % (sizeof(words) - 1)];
	m[0] = 0x92; /* a MessagePack array, as every sync message */
	return m;
}

/* A frame of one raw block holding `have` bytes, whose header declares `declared` bytes (one
 * byte of content size, single segment): made by hand to say what the test needs. */
static size_t raw_frame(uint8_t *out, uint8_t declared, size_t have)
{
	size_t n = 0;
	uint32_t bh = (uint32_t)(have << 3) | 1; /* last block, raw, size */

	memcpy(out, "\x28\xb5\x2f\xfd", 4);
	n = 4;
	out[n++] = 0x20; /* single segment, 1-byte content size */
	out[n++] = declared;
	out[n++] = (uint8_t)bh;
	out[n++] = (uint8_t)(bh >> 8);
	out[n++] = (uint8_t)(bh >> 16);
	memset(out + n, 'a', have);
	return n + have;
}

static void test_pack_round_trip(void **state)
{
	uint8_t *m = text_msg(10000), *f, *back;
	size_t flen, blen;

	(void)state;
	assert_int_equal(pk_zstd_pack(LEVEL, m, 10000, &f, &flen), 0);
	assert_non_null(f);
	assert_true(flen < 10000 / 10);
	assert_true(pk_zstd_is_frame(f, flen));
	assert_int_equal(ZSTD_getFrameContentSize(f, flen), 10000);
	assert_int_equal(pk_zstd_unpack(f, flen, PK_PLAIN_MAX, &back, &blen), 0);
	assert_int_equal(blen, 10000);
	assert_memory_equal(back, m, 10000);
	free(back);
	/* The bound is inclusive: a frame of exactly max bytes passes, one byte less refuses. */
	assert_int_equal(pk_zstd_unpack(f, flen, 10000, &back, &blen), 0);
	free(back);
	assert_int_equal(pk_zstd_unpack(f, flen, 9999, &back, &blen), PK_ETOOBIG);
	assert_null(back);
	free(f);
	free(m);
}

static void test_pack_when_it_pays(void **state)
{
	uint8_t *m = text_msg(PK_ZSTD_MIN_INPUT), rnd[4096], *f;
	size_t flen;

	(void)state;
	/* Under PK_ZSTD_MIN_INPUT bytes: never a frame. */
	assert_int_equal(pk_zstd_pack(LEVEL, m, PK_ZSTD_MIN_INPUT - 1, &f, &flen), 0);
	assert_null(f);
	assert_int_equal(pk_zstd_pack(LEVEL, m, PK_ZSTD_MIN_INPUT, &f, &flen), 0);
	assert_non_null(f);
	free(f);
	/* Random bytes (keys, signatures) do not compress: sent as they are. */
	randombytes_buf(rnd, sizeof(rnd));
	assert_int_equal(pk_zstd_pack(LEVEL, rnd, sizeof(rnd), &f, &flen), 0);
	assert_null(f);
	assert_int_equal(pk_zstd_pack(0, m, PK_ZSTD_MIN_INPUT, &f, &flen), PK_EINVAL);
	assert_int_equal(pk_zstd_pack(PK_ZSTD_LEVEL_MAX + 1, m, PK_ZSTD_MIN_INPUT, &f, &flen),
	                 PK_EINVAL);
	free(m);
}

static void test_unpack_bomb(void **state)
{
	uint8_t hdr[16], *zeros, *f, *back = (uint8_t *)1;
	size_t flen, blen;
	uint64_t tb = UINT64_C(1) << 40;

	(void)state;
	/* A frame that declares 1 TiB: refused by its header, as too-big, before any allocation
	 * (an attempt to allocate would have failed with PK_ENOMEM instead). */
	memcpy(hdr, "\x28\xb5\x2f\xfd", 4);
	hdr[4] = 0xe0; /* 8-byte content size, single segment */
	for (int i = 0; i < 8; i++)
		hdr[5 + i] = (uint8_t)(tb >> (8 * i));
	hdr[13] = 0x01; /* last raw block of 0 bytes */
	hdr[14] = 0;
	hdr[15] = 0;
	assert_int_equal(ZSTD_getFrameContentSize(hdr, sizeof(hdr)), tb);
	assert_int_equal(pk_zstd_unpack(hdr, sizeof(hdr), PK_PLAIN_MAX, &back, &blen), PK_ETOOBIG);
	assert_null(back);
	/* A real frame one byte over the plaintext limit: a few hundred bytes that would become
	 * 4 MB. */
	zeros = calloc(1, PK_PLAIN_MAX + 1);
	assert_non_null(zeros);
	zeros[0] = 0x92;
	assert_int_equal(pk_zstd_pack(1, zeros, PK_PLAIN_MAX + 1, &f, &flen), 0);
	assert_non_null(f);
	assert_true(flen < 4096);
	assert_int_equal(pk_zstd_unpack(f, flen, PK_PLAIN_MAX, &back, &blen), PK_ETOOBIG);
	free(f);
	free(zeros);
}

static void test_unpack_no_size(void **state)
{
	uint8_t *m = text_msg(5000), *f, *back;
	size_t cap = ZSTD_compressBound(5000), flen, blen;
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	(void)state;
	f = malloc(cap);
	assert_non_null(f);
	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0)));
	flen = ZSTD_compress2(cc, f, cap, m, 5000);
	assert_false(ZSTD_isError(flen));
	assert_int_equal(ZSTD_getFrameContentSize(f, flen), ZSTD_CONTENTSIZE_UNKNOWN);
	assert_int_equal(pk_zstd_unpack(f, flen, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	assert_null(back);
	ZSTD_freeCCtx(cc);
	free(f);
	free(m);
}

static void test_unpack_bad_frames(void **state)
{
	uint8_t *m = text_msg(5000), *f, *g, *back, buf[64];
	size_t flen, blen, n;

	(void)state;
	assert_int_equal(pk_zstd_pack(LEVEL, m, 5000, &f, &flen), 0);
	g = malloc(flen + 16);
	assert_non_null(g);
	/* Truncated anywhere after the magic. */
	for (size_t cut = 4; cut < flen; cut += (cut < 16 ? 1 : 7))
		assert_int_equal(pk_zstd_unpack(f, cut, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	/* Not a frame at all, or shorter than the magic. */
	assert_int_equal(pk_zstd_unpack(m, 5000, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	assert_int_equal(pk_zstd_unpack(f, 3, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	/* A second frame after the first: content nobody declared. */
	memcpy(g, f, flen);
	memcpy(g + flen, f, 16 < flen ? 16 : flen);
	assert_int_equal(pk_zstd_unpack(g, flen + 16, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	/* A corrupt block: the first block's type set to the reserved 3. */
	n = raw_frame(buf, 9, 9);
	assert_int_equal(pk_zstd_unpack(buf, n, PK_PLAIN_MAX, &back, &blen), 0);
	assert_int_equal(blen, 9);
	free(back);
	buf[6] |= 0x06; /* block type bits 1-2 = 3, reserved */
	assert_int_equal(pk_zstd_unpack(buf, n, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	assert_null(back);
	/* Content of another size than declared, either way. */
	n = raw_frame(buf, 10, 9);
	assert_int_equal(pk_zstd_unpack(buf, n, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	n = raw_frame(buf, 8, 9);
	assert_int_equal(pk_zstd_unpack(buf, n, PK_PLAIN_MAX, &back, &blen), PK_EDECODE);
	assert_null(back);
	free(g);
	free(f);
	free(m);
}

/* The number of elements of a hello's or welcome's signed body. */
static uint32_t body_fields(const uint8_t *msg, size_t len)
{
	struct pk_mpr r;
	const uint8_t *body;
	uint32_t n, blen;

	pk_mpr_init(&r, msg, len);
	assert_int_equal(pk_mpr_array(&r, &n), 0);
	assert_int_equal(pk_mpr_bin(&r, &body, &blen), 0);
	pk_mpr_init(&r, body, blen);
	assert_int_equal(pk_mpr_array(&r, &n), 0);
	return n;
}

/* One handshake with these levels on each side (0: off). Returns the negotiated features, the
 * same on both sides (asserted), and checks the element counts of hello and welcome. */
static uint64_t negotiate(int clevel, int plevel, struct pk_session *c, struct pk_session *p)
{
	struct pk_handshake hs;
	struct pk_hello h;
	uint8_t *hello, *welcome;
	size_t hlen, wlen;

	assert_int_equal(
	    pk_hello_make_zstd(&hs, child.sec, parent.pub, NOW, NULL, clevel, &hello, &hlen), 0);
	assert_int_equal(body_fields(hello, hlen), clevel > 0 ? 7 : 6);
	assert_true(hlen <= PK_HELLO_MAX);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	assert_int_equal(h.has_features, clevel > 0);
	assert_int_equal(pk_welcome_make_zstd(&h, parent.sec, NOW, plevel, p, &welcome, &wlen), 0);
	assert_int_equal(body_fields(welcome, wlen), clevel > 0 ? 7 : 6);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, c, NULL, NULL), 0);
	assert_int_equal(c->features, p->features);
	assert_int_equal(c->level, clevel);
	assert_int_equal(p->level, plevel);
	free(hello);
	free(welcome);
	return c->features;
}

static void test_negotiation_matrix(void **state)
{
	struct pk_session c, p;

	(void)state;
	/* Both of this version, both on. */
	assert_int_equal(negotiate(LEVEL, LEVEL, &c, &p), PK_FEAT_ZSTD);
	assert_int_equal(negotiate(1, PK_ZSTD_LEVEL_MAX, &c, &p), PK_FEAT_ZSTD);
	/* Level 0 at either end: off. The child's hello is then the 6-element one. */
	assert_int_equal(negotiate(0, LEVEL, &c, &p), 0);
	assert_int_equal(negotiate(LEVEL, 0, &c, &p), 0);
	assert_int_equal(negotiate(0, 0, &c, &p), 0);
	pk_session_wipe(&c);
	pk_session_wipe(&p);
}

/* A welcome as a parent of the previous version makes it (6 elements, no features), or with a
 * 7th element `features` when fields is 7. eph is the parent's ephemeral public key. */
static uint8_t *old_welcome(const uint8_t hello_hash[PK_HASH_BYTES], const uint8_t *eph, int fields,
                            uint64_t features, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t id[PK_SESSION_ID_BYTES];

	memset(id, 7, sizeof(id));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, (size_t)fields);
	tu_pack_str(&pk, PK_WELCOME_TAG);
	tu_pack_bin(&pk, parent.pub, PK_PUB_BYTES);
	tu_pack_bin(&pk, hello_hash, PK_HASH_BYTES);
	tu_pack_bin(&pk, eph, PK_EPH_BYTES);
	tu_pack_bin(&pk, id, PK_SESSION_ID_BYTES);
	msgpack_pack_uint64(&pk, NOW);
	if (fields == 7)
		msgpack_pack_uint64(&pk, features);
	return tu_envelope(&sb, &parent, len);
}

/* A hello as a child of the previous version makes it: 6 elements, no features. */
static uint8_t *old_hello(const uint8_t *eph, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	tu_pack_str(&pk, PK_HELLO_TAG);
	tu_pack_bin(&pk, child.pub, PK_PUB_BYTES);
	tu_pack_bin(&pk, parent.pub, PK_PUB_BYTES);
	tu_pack_bin(&pk, eph, PK_EPH_BYTES);
	msgpack_pack_uint64(&pk, NOW);
	msgpack_pack_nil(&pk);
	return tu_envelope(&sb, &child, len);
}

static void test_old_parent(void **state)
{
	struct pk_handshake hs, keep;
	struct pk_session c;
	uint8_t *hello, *welcome, eph_sec[PK_EPH_BYTES], eph[PK_EPH_BYTES];
	uint8_t *m = text_msg(4000), *sealed;
	size_t hlen, wlen, slen;

	(void)state;
	randombytes_buf(eph_sec, sizeof(eph_sec));
	crypto_scalarmult_base(eph, eph_sec);
	assert_int_equal(
	    pk_hello_make_zstd(&hs, child.sec, parent.pub, NOW, NULL, LEVEL, &hello, &hlen), 0);
	keep = hs;
	/* The previous version's welcome (6 elements) to a hello with features: nothing is
	 * negotiated, and requests go out as they are, uncompressed. */
	welcome = old_welcome(hs.hello_hash, eph, 6, 0, &wlen);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, NULL, NULL), 0);
	assert_int_equal(c.features, 0);
	assert_int_equal(pk_seal_request(&c, m, 4000, &sealed, &slen), 0);
	assert_true(slen >= 4000 + 16);
	free(sealed);
	free(welcome);
	/* A parent may only choose among what the hello offered. */
	hs = keep;
	welcome = old_welcome(hs.hello_hash, eph, 7, PK_FEAT_ZSTD | 0x2, &wlen);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, NULL, NULL), PK_EDECODE);
	free(welcome);
	/* ... and a 7-element welcome answers only a hello that had features. */
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &sealed, &slen), 0);
	free(sealed);
	welcome = old_welcome(hs.hello_hash, eph, 7, 0, &wlen);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, NULL, NULL), PK_EDECODE);
	free(welcome);
	pk_handshake_wipe(&hs);
	pk_handshake_wipe(&keep);
	pk_session_wipe(&c);
	free(hello);
	free(m);
}

static void test_old_child(void **state)
{
	struct pk_hello h;
	struct pk_session p;
	uint8_t eph_sec[PK_EPH_BYTES], eph[PK_EPH_BYTES], *hello, *welcome, *mine;
	size_t hlen, wlen, mlen;
	struct pk_handshake hs;

	(void)state;
	randombytes_buf(eph_sec, sizeof(eph_sec));
	crypto_scalarmult_base(eph, eph_sec);
	hello = old_hello(eph, &hlen);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	assert_false(h.has_features);
	/* A parent with compression on answers the previous version's 6-element welcome. */
	assert_int_equal(pk_welcome_make_zstd(&h, parent.sec, NOW, LEVEL, &p, &welcome, &wlen), 0);
	assert_int_equal(body_fields(welcome, wlen), 6);
	assert_int_equal(p.features, 0);
	/* With level 0 this version's hello is byte for byte the previous version's form. */
	assert_int_equal(pk_hello_make_zstd(&hs, child.sec, parent.pub, NOW, NULL, 0, &mine, &mlen),
	                 0);
	assert_int_equal(body_fields(mine, mlen), 6);
	assert_int_equal(mlen, hlen);
	free(welcome);
	free(hello);
	free(mine);
	pk_handshake_wipe(&hs);
	pk_session_wipe(&p);
}

static void test_unknown_bits(void **state)
{
	struct pk_hello h;
	struct pk_session p;
	uint8_t *hello, *welcome, *other;
	size_t hlen, wlen, olen;
	struct pk_handshake hs;

	(void)state;
	assert_int_equal(
	    pk_hello_make_zstd(&hs, child.sec, parent.pub, NOW, NULL, LEVEL, &hello, &hlen), 0);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	h.features |= 0xf0; /* as if a later child offered more */
	assert_int_equal(pk_welcome_make_zstd(&h, parent.sec, NOW, LEVEL, &p, &welcome, &wlen), 0);
	assert_int_equal(p.features, PK_FEAT_ZSTD);
	assert_int_equal(
	    pk_welcome_make_zstd(&h, parent.sec, NOW, PK_ZSTD_LEVEL_MAX + 1, &p, &other, &olen),
	    PK_EINVAL);
	assert_null(other);
	assert_int_equal(
	    pk_hello_make_zstd(&hs, child.sec, parent.pub, NOW, NULL, -1, &other, &olen),
	    PK_EINVAL);
	assert_null(other);
	free(welcome);
	free(hello);
	pk_session_wipe(&p);
}

/* Opens a sealed request with a copy of the parent's session that does not decompress: what
 * the box holds. */
static uint8_t *box_plain(const struct pk_session *p, const uint8_t *msg, size_t len, size_t *plen)
{
	struct pk_session raw = *p;
	uint8_t *plain;
	uint64_t counter;

	raw.features = 0;
	assert_int_equal(pk_open_request(&raw, msg, len, &plain, plen, &counter), 0);
	pk_session_wipe(&raw);
	return plain;
}

static void test_sealed_both_ways(void **state)
{
	struct pk_session c, p;
	uint8_t *m = text_msg(20000), *small = text_msg(100), *sealed, *plain, *inner;
	size_t slen, plen, ilen;
	uint64_t counter;

	(void)state;
	assert_int_equal(negotiate(LEVEL, LEVEL, &c, &p), PK_FEAT_ZSTD);
	/* Up: a large request crosses as a frame, far shorter, and opens to the message. */
	assert_int_equal(pk_seal_request(&c, m, 20000, &sealed, &slen), 0);
	assert_true(slen < 20000 / 10);
	inner = box_plain(&p, sealed, slen, &ilen);
	assert_true(pk_zstd_is_frame(inner, ilen));
	free(inner);
	assert_int_equal(pk_open_request(&p, sealed, slen, &plain, &plen, &counter), 0);
	assert_int_equal(plen, 20000);
	assert_memory_equal(plain, m, 20000);
	free(plain);
	free(sealed);
	/* Down: the reply too. */
	assert_int_equal(pk_seal_reply(&p, counter, m, 20000, &sealed, &slen), 0);
	assert_true(slen < 20000 / 10);
	assert_int_equal(pk_open_reply(&c, counter, sealed, slen, &plain, &plen), 0);
	assert_int_equal(plen, 20000);
	assert_memory_equal(plain, m, 20000);
	free(plain);
	free(sealed);
	/* A short message is sent as it is: the box holds the message itself. */
	assert_int_equal(pk_seal_request(&c, small, 100, &sealed, &slen), 0);
	inner = box_plain(&p, sealed, slen, &ilen);
	assert_int_equal(ilen, 100);
	assert_memory_equal(inner, small, 100);
	free(inner);
	assert_int_equal(pk_open_request(&p, sealed, slen, &plain, &plen, &counter), 0);
	assert_memory_equal(plain, small, 100);
	free(plain);
	free(sealed);
	/* Level 0 on this side: negotiated, but this side sends as it is. */
	c.level = 0;
	assert_int_equal(pk_seal_request(&c, m, 20000, &sealed, &slen), 0);
	assert_true(slen > 20000);
	assert_int_equal(pk_open_request(&p, sealed, slen, &plain, &plen, &counter), 0);
	assert_memory_equal(plain, m, 20000);
	free(plain);
	free(sealed);
	/* Without negotiation nothing is compressed: the same message crosses whole. */
	assert_int_equal(negotiate(LEVEL, 0, &c, &p), 0);
	assert_int_equal(pk_seal_request(&c, m, 20000, &sealed, &slen), 0);
	assert_true(slen > 20000);
	free(sealed);
	pk_session_wipe(&c);
	pk_session_wipe(&p);
	free(m);
	free(small);
}

/* Seals plaintext as it is (a peer that sends its own frames) and opens it at the parent. */
static int open_crafted(struct pk_session *c, struct pk_session *p, const uint8_t *pt, size_t len)
{
	struct pk_session raw = *c;
	uint8_t *sealed, *plain = (uint8_t *)1;
	size_t slen, plen;
	uint64_t counter;
	int err;

	raw.features = 0;
	assert_int_equal(pk_seal_request(&raw, pt, len, &sealed, &slen), 0);
	c->sent = raw.sent;
	pk_session_wipe(&raw);
	err = pk_open_request(p, sealed, slen, &plain, &plen, &counter);
	if (err != 0)
		assert_null(plain);
	free(plain);
	free(sealed);
	return err;
}

static void test_sealed_refusals(void **state)
{
	struct pk_session c, p;
	uint8_t hdr[16], buf[64];
	uint64_t tb = UINT64_C(1) << 40;
	size_t n;

	(void)state;
	assert_int_equal(negotiate(LEVEL, LEVEL, &c, &p), PK_FEAT_ZSTD);
	memcpy(hdr, "\x28\xb5\x2f\xfd", 4);
	hdr[4] = 0xe0;
	for (int i = 0; i < 8; i++)
		hdr[5 + i] = (uint8_t)(tb >> (8 * i));
	hdr[13] = 0x01;
	hdr[14] = 0;
	hdr[15] = 0;
	/* A bomb: too-big. Other bad frames: malformed. A good crafted frame opens. */
	assert_int_equal(open_crafted(&c, &p, hdr, sizeof(hdr)), PK_ETOOBIG);
	assert_string_equal(pk_errmsg_code(PK_ETOOBIG), "too-big");
	n = raw_frame(buf, 10, 9);
	assert_int_equal(open_crafted(&c, &p, buf, n), PK_EDECODE);
	assert_string_equal(pk_errmsg_code(PK_EDECODE), "malformed");
	assert_int_equal(open_crafted(&c, &p, buf, 7), PK_EDECODE);
	n = raw_frame(buf, 9, 9);
	assert_int_equal(open_crafted(&c, &p, buf, n), 0);
	/* Without negotiation the same frame is not looked into: the sync layer refuses it,
	 * as it refuses any plaintext that is not a MessagePack array. */
	assert_int_equal(negotiate(LEVEL, 0, &c, &p), 0);
	assert_int_equal(open_crafted(&c, &p, hdr, sizeof(hdr)), 0);
	pk_session_wipe(&c);
	pk_session_wipe(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pack_round_trip),   cmocka_unit_test(test_pack_when_it_pays),
	    cmocka_unit_test(test_unpack_bomb),       cmocka_unit_test(test_unpack_no_size),
	    cmocka_unit_test(test_unpack_bad_frames), cmocka_unit_test(test_negotiation_matrix),
	    cmocka_unit_test(test_old_parent),        cmocka_unit_test(test_old_child),
	    cmocka_unit_test(test_unknown_bits),      cmocka_unit_test(test_sealed_both_ways),
	    cmocka_unit_test(test_sealed_refusals),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
