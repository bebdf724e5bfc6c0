/* test_session.c: handshake, key derivation, sealed messages, replay window and error messages
 * (proto/session.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "proto/mpwrite.h"
#include "proto/session.h"
#include "testutil.h"

#define NOW 1767225600ULL /* 2026-01-01T00:00:00Z */

static struct tu_key child, parent, other;

static const uint8_t secret[PK_JOIN_SECRET_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static int setup(void **state)
{
	(void)state;
	tu_key(&child, 1);
	tu_key(&parent, 2);
	tu_key(&other, 3);
	return 0;
}

/* A completed handshake: both sides' sessions, and the messages that made them. */
struct pair {
	struct pk_session c, p;
	uint8_t *hello, *welcome;
	size_t hello_len, welcome_len;
};

static void handshake(struct pair *x)
{
	struct pk_handshake hs;
	struct pk_hello h;

	assert_int_equal(
	    pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &x->hello, &x->hello_len), 0);
	assert_int_equal(pk_hello_read(x->hello, x->hello_len, parent.pub, NOW, &h, NULL), 0);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW, &x->p, &x->welcome, &x->welcome_len),
	                 0);
	assert_int_equal(pk_welcome_read(&hs, x->welcome, x->welcome_len, &x->c, NULL, NULL), 0);
}

static void pair_free(struct pair *x)
{
	free(x->hello);
	free(x->welcome);
	pk_session_wipe(&x->c);
	pk_session_wipe(&x->p);
}

static uint8_t *forge_welcome(const struct tu_key *signer, const uint8_t from[PK_PUB_BYTES],
                              const uint8_t hello_hash[PK_HASH_BYTES], size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t eph[PK_EPH_BYTES], id[PK_SESSION_ID_BYTES];

	memset(eph, 9, sizeof(eph));
	memset(id, 7, sizeof(id));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 5);
	tu_pack_str(&pk, PK_WELCOME_TAG);
	tu_pack_bin(&pk, from, PK_PUB_BYTES);
	tu_pack_bin(&pk, hello_hash, PK_HASH_BYTES);
	tu_pack_bin(&pk, eph, PK_EPH_BYTES);
	tu_pack_bin(&pk, id, PK_SESSION_ID_BYTES);
	return tu_envelope(&sb, signer, len);
}

static void test_handshake_round_trip(void **state)
{
	struct pair x;
	uint8_t *msg, *plain;
	size_t len, plen;
	uint64_t counter;
	char text[64];

	(void)state;
	handshake(&x);
	assert_memory_equal(x.c.id, x.p.id, PK_SESSION_ID_BYTES);
	assert_memory_equal(x.c.c2p, x.p.c2p, PK_SESSION_KEY_BYTES);
	assert_memory_equal(x.c.p2c, x.p.p2c, PK_SESSION_KEY_BYTES);
	assert_memory_not_equal(x.c.c2p, x.c.p2c, PK_SESSION_KEY_BYTES);
	assert_int_equal(pk_msg_kind(x.hello, x.hello_len), PK_MSG_HELLO);
	assert_int_equal(pk_msg_kind(x.welcome, x.welcome_len), PK_MSG_WELCOME);

	for (uint64_t i = 1; i <= 5; i++) {
		size_t tlen =
		    (size_t)snprintf(text, sizeof(text), "request %llu", (unsigned long long)i);

		/* The last one is empty: a zero-length plaintext seals and opens too. */
		if (i == 5)
			tlen = 0;
		assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)text, tlen, &msg, &len), 0);
		assert_true(x.c.sent == i);
		assert_int_equal(pk_msg_kind(msg, len), PK_MSG_SEALED);
		assert_int_equal(pk_open_request(&x.p, msg, len, &plain, &plen, &counter), 0);
		assert_true(counter == i);
		assert_int_equal(plen, tlen);
		assert_memory_equal(plain, text, tlen);
		free(plain);
		free(msg);

		tlen = (size_t)snprintf(text, sizeof(text), "reply %llu", (unsigned long long)i);
		assert_int_equal(
		    pk_seal_reply(&x.p, counter, (const uint8_t *)text, tlen, &msg, &len), 0);
		assert_int_equal(pk_open_reply(&x.c, x.c.sent, msg, len, &plain, &plen), 0);
		assert_int_equal(plen, tlen);
		assert_memory_equal(plain, text, tlen);
		free(plain);
		free(msg);
	}
	pair_free(&x);
}

static void test_handshake_fresh_each_time(void **state)
{
	struct pair a, b;

	(void)state;
	handshake(&a);
	handshake(&b);
	assert_memory_not_equal(a.c.id, b.c.id, PK_SESSION_ID_BYTES);
	assert_memory_not_equal(a.c.c2p, b.c.c2p, PK_SESSION_KEY_BYTES);
	pair_free(&a);
	pair_free(&b);
}

static void test_handshake_wipes(void **state)
{
	struct pk_handshake hs, zero;
	struct pk_session s;
	struct pk_hello h;
	uint8_t *hello, *welcome;
	size_t hlen, wlen;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &hello, &hlen), 0);
	assert_memory_not_equal(hs.eph_sec, zero.eph_sec, PK_EPH_BYTES);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	assert_memory_equal(h.child, child.pub, PK_PUB_BYTES);
	assert_memory_equal(h.parent, parent.pub, PK_PUB_BYTES);
	assert_memory_equal(h.child_eph, hs.eph_pub, PK_EPH_BYTES);
	assert_memory_equal(h.hash, hs.hello_hash, PK_HASH_BYTES);
	assert_false(h.has_join);
	assert_true(h.time == NOW);
	/* Only the parent named in the hello may answer it. */
	assert_int_equal(pk_welcome_make(&h, other.sec, NOW, &s, &welcome, &wlen), PK_EINVAL);
	assert_null(welcome);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW, &s, &welcome, &wlen), 0);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), 0);
	assert_memory_equal(&hs, &zero, sizeof(hs));
	pk_session_wipe(&s);
	free(hello);
	free(welcome);
}

static void test_hello_wrong_parent(void **state)
{
	struct pk_handshake hs;
	struct pk_hello h;
	struct pk_diag d;
	uint8_t *hello;
	size_t len;

	(void)state;
	assert_int_equal(pk_hello_make(&hs, child.sec, other.pub, NOW, NULL, &hello, &len), 0);
	assert_int_equal(pk_hello_read(hello, len, parent.pub, NOW, &h, &d), PK_EAUTH);
	assert_non_null(strstr(d.msg, "another parent"));
	assert_int_equal(pk_hello_read(hello, len, other.pub, NOW, &h, NULL), 0);
	pk_handshake_wipe(&hs);
	free(hello);
}

/* A hello with a join proof fits PK_HELLO_MAX (the gate's limit before a session, SPEC section
 * 14); one byte more than PK_HELLO_MAX is refused at its length before anything is decoded. */
static void test_hello_max(void **state)
{
	uint8_t token[PK_JOIN_SECRET_BYTES], *hello, *big;
	struct pk_handshake hs;
	struct pk_hello h;
	struct pk_diag d;
	size_t len;

	(void)state;
	memset(token, 7, sizeof(token));
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, UINT64_MAX, token, &hello, &len),
	                 0);
	assert_true(len <= PK_HELLO_MAX);
	print_message("# the largest hello: %zu bytes of %u\n", len, PK_HELLO_MAX);
	big = calloc(1, PK_HELLO_MAX + 1);
	assert_non_null(big);
	memcpy(big, hello, len);
	assert_int_equal(pk_hello_read(big, PK_HELLO_MAX + 1, parent.pub, NOW, &h, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "exceeds"));
	pk_handshake_wipe(&hs);
	free(hello);
	free(big);
}

static void test_hello_forged_signature(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pk_hello h;
	uint8_t eph[PK_EPH_BYTES], *hello;
	size_t len;

	(void)state;
	memset(eph, 5, sizeof(eph));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	tu_pack_str(&pk, PK_HELLO_TAG);
	tu_pack_bin(&pk, child.pub, PK_PUB_BYTES);
	tu_pack_bin(&pk, parent.pub, PK_PUB_BYTES);
	tu_pack_bin(&pk, eph, PK_EPH_BYTES);
	msgpack_pack_uint64(&pk, NOW);
	msgpack_pack_nil(&pk);
	hello = tu_envelope(&sb, &other, &len); /* names the child, signed by another key */
	assert_int_equal(pk_hello_read(hello, len, parent.pub, NOW, &h, NULL), PK_ESIG);
	free(hello);
}

/* A hello is never refused for its time (a child with a wrong clock must still learn how wrong
 * it is): the parent reads the skew instead, saturated at the ends of the clock. */
static void test_hello_skew(void **state)
{
	static const int64_t offs[] = {0, 599, -599, 601, -601, 7200, -86400};
	struct pk_handshake hs;
	struct pk_hello h;
	uint8_t *hello;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub,
		                               (uint64_t)((int64_t)NOW + offs[i]), NULL, &hello,
		                               &len),
		                 0);
		assert_int_equal(pk_hello_read(hello, len, parent.pub, NOW, &h, NULL), 0);
		assert_int_equal(h.skew, offs[i]);
		pk_handshake_wipe(&hs);
		free(hello);
	}
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, UINT64_MAX, NULL, &hello, &len),
	                 0);
	assert_int_equal(pk_hello_read(hello, len, parent.pub, 0, &h, NULL), 0);
	assert_true(h.skew == INT64_MAX);
	pk_handshake_wipe(&hs);
	free(hello);
	assert_true(pk_clock_skew(0, UINT64_MAX) == -INT64_MAX);
	assert_true(pk_clock_skew(5, 7) == -2);
}

/* The welcome carries the parent's clock (its sixth element); a five-element welcome from an
 * older parent still reads, with the time unknown (0). */
static void test_welcome_time(void **state)
{
	struct pk_handshake hs;
	struct pk_session p, c;
	struct pk_hello h;
	struct pk_mpw w;
	uint8_t *hello, *welcome;
	size_t hlen, wlen;
	uint64_t t = 1;

	(void)state;
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &hello, &hlen), 0);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW - 7380, &h, NULL), 0);
	assert_int_equal(h.skew, 7380);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW - 7380, &p, &welcome, &wlen), 0);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, &t, NULL), 0);
	assert_int_equal(t, NOW - 7380);
	assert_int_equal(pk_clock_skew(t, NOW), -7380);
	assert_memory_equal(p.c2p, c.c2p, PK_SESSION_KEY_BYTES);
	free(welcome);
	pk_session_wipe(&p);
	pk_session_wipe(&c);
	pk_handshake_wipe(&hs);
	free(hello);

	/* The old layout: [tag, parent, hello_hash, parent_eph, session], signed. */
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &hello, &hlen), 0);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	{
		uint8_t eph_sec[PK_EPH_BYTES], eph_pub[PK_EPH_BYTES], id[PK_SESSION_ID_BYTES];

		memset(eph_sec, 7, sizeof(eph_sec));
		crypto_scalarmult_base(eph_pub, eph_sec);
		memset(id, 9, sizeof(id));
		pk_mpw_init(&w);
		pk_mpw_put_array(&w, 5);
		pk_mpw_put_cstr(&w, PK_WELCOME_TAG);
		pk_mpw_put_bin(&w, parent.pub, PK_PUB_BYTES);
		pk_mpw_put_bin(&w, h.hash, PK_HASH_BYTES);
		pk_mpw_put_bin(&w, eph_pub, PK_EPH_BYTES);
		pk_mpw_put_bin(&w, id, PK_SESSION_ID_BYTES);
		assert_int_equal(pk_mpw_finish_signed(&w, parent.sec, &welcome, &wlen), 0);
	}
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, &t, NULL), 0);
	assert_int_equal(t, 0);
	free(welcome);
	pk_session_wipe(&c);
	pk_handshake_wipe(&hs);
	free(hello);
}

static void test_welcome_impostor(void **state)
{
	struct pk_handshake hs, kept;
	struct pk_session s;
	struct pk_hello h;
	uint8_t *hello, *welcome;
	size_t hlen, wlen;

	(void)state;
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &hello, &hlen), 0);
	kept = hs;

	/* Names the expected parent, signed by another key. */
	welcome = forge_welcome(&other, parent.pub, hs.hello_hash, &wlen);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), PK_ESIG);
	free(welcome);
	/* Names and is signed by the impostor. */
	welcome = forge_welcome(&other, other.pub, hs.hello_hash, &wlen);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), PK_EAUTH);
	free(welcome);
	/* The impostor's own well-made welcome to a hello it read as addressed to itself. */
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	memcpy(h.parent, other.pub, PK_PUB_BYTES);
	assert_int_equal(pk_welcome_make(&h, other.sec, NOW, &s, &welcome, &wlen), 0);
	pk_session_wipe(&s);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), PK_EAUTH);
	free(welcome);
	/* Refusals leave the handshake as it was, so the real welcome still works. */
	assert_memory_equal(&hs, &kept, sizeof(hs));
	memcpy(h.parent, parent.pub, PK_PUB_BYTES);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW, &s, &welcome, &wlen), 0);
	pk_session_wipe(&s);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), 0);
	pk_session_wipe(&s);
	pk_handshake_wipe(&kept);
	free(welcome);
	free(hello);
}

static void test_welcome_other_hello(void **state)
{
	struct pk_handshake hs1, hs2;
	struct pk_session s;
	struct pk_hello h;
	struct pk_diag d;
	uint8_t *hello1, *hello2, *welcome;
	size_t len1, len2, wlen;

	(void)state;
	assert_int_equal(pk_hello_make(&hs1, child.sec, parent.pub, NOW, NULL, &hello1, &len1), 0);
	assert_int_equal(pk_hello_make(&hs2, child.sec, parent.pub, NOW, NULL, &hello2, &len2), 0);
	assert_int_equal(pk_hello_read(hello1, len1, parent.pub, NOW, &h, NULL), 0);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW, &s, &welcome, &wlen), 0);
	pk_session_wipe(&s);
	assert_int_equal(pk_welcome_read(&hs2, welcome, wlen, &s, NULL, &d), PK_EAUTH);
	assert_non_null(strstr(d.msg, "another hello"));
	assert_int_equal(pk_welcome_read(&hs1, welcome, wlen, &s, NULL, NULL), 0);
	pk_session_wipe(&s);
	pk_handshake_wipe(&hs2);
	free(hello1);
	free(hello2);
	free(welcome);
}

static void test_join_proof(void **state)
{
	struct pk_handshake hs;
	struct pk_hello h;
	uint8_t wrong[PK_JOIN_SECRET_BYTES], want[PK_HASH_BYTES], *hello;
	size_t len;

	(void)state;
	memcpy(wrong, secret, sizeof(wrong));
	wrong[31] ^= 1;
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, secret, &hello, &len), 0);
	assert_int_equal(pk_hello_read(hello, len, parent.pub, NOW, &h, NULL), 0);
	assert_true(h.has_join);
	pk_join_proof(want, secret, child.pub, hs.eph_pub);
	assert_memory_equal(h.join, want, PK_HASH_BYTES);
	assert_true(pk_join_proof_ok(&h, secret));
	assert_false(pk_join_proof_ok(&h, wrong));
	/* The proof binds the child's key and ephemeral key. */
	pk_join_proof(want, secret, other.pub, hs.eph_pub);
	assert_memory_not_equal(h.join, want, PK_HASH_BYTES);
	pk_handshake_wipe(&hs);
	free(hello);

	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, NULL, &hello, &len), 0);
	assert_int_equal(pk_hello_read(hello, len, parent.pub, NOW, &h, NULL), 0);
	assert_false(h.has_join);
	assert_false(pk_join_proof_ok(&h, secret));
	pk_handshake_wipe(&hs);
	free(hello);
}

/* Every byte of a request, flipped in turn, is refused and leaves the parent's window alone;
 * the same for a reply at the child. */
static void test_sealed_tamper(void **state)
{
	struct pair x;
	struct pk_session before;
	uint8_t *req, *rep, *copy, *plain;
	size_t rlen, plen_, len;
	uint64_t counter;
	int err;

	(void)state;
	handshake(&x);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"hello there", 11, &req, &rlen), 0);
	before = x.p;
	copy = malloc(rlen);
	assert_non_null(copy);
	for (size_t i = 0; i < rlen; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			memcpy(copy, req, rlen);
			copy[i] ^= (uint8_t)(1u << bit);
			err = pk_open_request(&x.p, copy, rlen, &plain, &plen_, &counter);
			assert_true(err == PK_EAUTH || err == PK_EDECODE || err == PK_EVERSION ||
			            err == PK_EREPLAY);
			assert_null(plain);
			assert_memory_equal(&x.p, &before, sizeof(before));
		}
	}
	free(copy);
	assert_int_equal(pk_open_request(&x.p, req, rlen, &plain, &plen_, &counter), 0);
	free(plain);

	assert_int_equal(pk_seal_reply(&x.p, counter, (const uint8_t *)"general", 7, &rep, &len),
	                 0);
	copy = malloc(len);
	assert_non_null(copy);
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, rep, len);
		copy[i] ^= 0x01;
		err = pk_open_reply(&x.c, counter, copy, len, &plain, &plen_);
		assert_true(err == PK_EAUTH || err == PK_EDECODE || err == PK_EVERSION);
	}
	assert_int_equal(pk_open_reply(&x.c, counter, rep, len, &plain, &plen_), 0);
	free(plain);
	free(copy);
	free(rep);
	free(req);
	pair_free(&x);
}

static void test_replay(void **state)
{
	struct pair x;
	struct pk_session before;
	uint8_t *req, *plain;
	size_t len, plen;
	uint64_t counter;

	(void)state;
	handshake(&x);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"x", 1, &req, &len), 0);
	assert_int_equal(pk_open_request(&x.p, req, len, &plain, &plen, &counter), 0);
	free(plain);
	before = x.p;
	assert_int_equal(pk_open_request(&x.p, req, len, &plain, &plen, &counter), PK_EREPLAY);
	assert_null(plain);
	assert_memory_equal(&x.p, &before, sizeof(before));
	free(req);
	pair_free(&x);
}

/* pk_check_request says what pk_open_request would, and records nothing; pk_sealed_prefix reads
 * the session id from the first PK_SEALED_PREFIX bytes alone (the listen port's resumed
 * connections, SPEC section 14). */
static void test_check_request(void **state)
{
	struct pair x;
	struct pk_session before;
	uint8_t *req, *plain, id[PK_SESSION_ID_BYTES];
	size_t len, plen;
	uint64_t counter;

	(void)state;
	handshake(&x);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"resume", 6, &req, &len), 0);
	assert_int_equal(pk_sealed_prefix(req, PK_SEALED_PREFIX, id), 0);
	assert_memory_equal(id, x.p.id, PK_SESSION_ID_BYTES);
	assert_int_equal(pk_sealed_prefix(req, PK_SEALED_PREFIX - 1, id), PK_EDECODE);
	before = x.p;
	assert_int_equal(pk_check_request(&x.p, req, len), 0);
	assert_int_equal(pk_check_request(&x.p, req, len), 0);
	assert_memory_equal(&x.p, &before, sizeof(before));
	/* An altered box, another session's id: refused as pk_open_request refuses them. */
	req[len - 1] ^= 1;
	assert_int_equal(pk_check_request(&x.p, req, len), PK_EAUTH);
	req[len - 1] ^= 1;
	req[20] ^= 1;
	assert_int_equal(pk_check_request(&x.p, req, len), PK_EAUTH);
	req[20] ^= 1;
	/* Once opened, the same request is a replay. */
	assert_int_equal(pk_open_request(&x.p, req, len, &plain, &plen, &counter), 0);
	free(plain);
	assert_int_equal(pk_check_request(&x.p, req, len), PK_EREPLAY);
	free(req);
	pair_free(&x);
}

/* Requests 1..n sealed by the child, kept for opening in any order. */
struct batch {
	uint8_t *msg[201];
	size_t len[201];
};

static void seal_batch(struct pk_session *c, struct batch *b, size_t n)
{
	memset(b, 0, sizeof(*b));
	for (size_t i = 1; i <= n; i++)
		assert_int_equal(
		    pk_seal_request(c, (const uint8_t *)&i, sizeof(i), &b->msg[i], &b->len[i]), 0);
}

static void free_batch(struct batch *b)
{
	for (size_t i = 0; i < 201; i++)
		free(b->msg[i]);
}

static int open_n(struct pk_session *p, const struct batch *b, size_t i)
{
	uint8_t *plain;
	size_t plen;
	uint64_t counter;
	int err = pk_open_request(p, b->msg[i], b->len[i], &plain, &plen, &counter);

	if (err == 0) {
		assert_true(counter == i);
		assert_int_equal(plen, sizeof(i));
		assert_memory_equal(plain, &i, sizeof(i));
	}
	free(plain);
	return err;
}

static void test_window(void **state)
{
	struct pair x;
	static struct batch b;

	(void)state;
	handshake(&x);
	seal_batch(&x.c, &b, 200);
	assert_int_equal(open_n(&x.p, &b, 100), 0);
	/* 63 below the highest: accepted once. */
	assert_int_equal(open_n(&x.p, &b, 37), 0);
	assert_int_equal(open_n(&x.p, &b, 37), PK_EREPLAY);
	/* 64 below: too old to tell, refused. */
	assert_int_equal(open_n(&x.p, &b, 36), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 1), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 99), 0);
	assert_int_equal(open_n(&x.p, &b, 50), 0);
	assert_int_equal(open_n(&x.p, &b, 101), 0);
	assert_true(x.p.highest == 101);
	/* 37 is now 64 below, 38 is 63 below. */
	assert_int_equal(open_n(&x.p, &b, 37), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 38), 0);
	assert_int_equal(open_n(&x.p, &b, 50), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 99), PK_EREPLAY);
	/* A jump of more than the window forgets everything below it. */
	assert_int_equal(open_n(&x.p, &b, 200), 0);
	assert_int_equal(open_n(&x.p, &b, 136), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 137), 0);
	assert_int_equal(open_n(&x.p, &b, 102), PK_EREPLAY);
	assert_int_equal(open_n(&x.p, &b, 200), PK_EREPLAY);
	for (size_t i = 138; i < 200; i++)
		assert_int_equal(open_n(&x.p, &b, i), 0);
	for (size_t i = 1; i <= 200; i++)
		assert_int_equal(open_n(&x.p, &b, i), PK_EREPLAY);
	free_batch(&b);
	pair_free(&x);
}

static void test_reply_counters(void **state)
{
	struct pair x;
	uint8_t *req1, *req2, *rep1, *rep2, *plain;
	size_t l1, l2, r1, r2, plen;
	uint64_t c1, c2;

	(void)state;
	handshake(&x);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"a", 1, &req1, &l1), 0);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"b", 1, &req2, &l2), 0);
	/* Nothing accepted yet: no reply may be sealed. */
	assert_int_equal(pk_seal_reply(&x.p, 1, (const uint8_t *)"r", 1, &rep1, &r1), PK_EINVAL);
	assert_int_equal(pk_open_request(&x.p, req2, l2, &plain, &plen, &c2), 0);
	free(plain);
	assert_true(c2 == 2);
	/* 1 lies below the highest but was not accepted. */
	assert_int_equal(pk_seal_reply(&x.p, 1, (const uint8_t *)"r", 1, &rep1, &r1), PK_EINVAL);
	assert_int_equal(pk_seal_reply(&x.p, 0, (const uint8_t *)"r", 1, &rep1, &r1), PK_EINVAL);
	assert_int_equal(pk_open_request(&x.p, req1, l1, &plain, &plen, &c1), 0);
	free(plain);
	assert_int_equal(pk_seal_reply(&x.p, c1, (const uint8_t *)"r1", 2, &rep1, &r1), 0);
	/* One reply per counter: a second would reuse the nonce. */
	assert_int_equal(pk_seal_reply(&x.p, c1, (const uint8_t *)"r1", 2, &rep2, &r2), PK_ESTATE);
	assert_null(rep2);
	assert_int_equal(pk_seal_reply(&x.p, c2, (const uint8_t *)"r2", 2, &rep2, &r2), 0);

	assert_int_equal(pk_open_reply(&x.c, 2, rep1, r1, &plain, &plen), PK_EAUTH);
	assert_null(plain);
	assert_int_equal(pk_open_reply(&x.c, 1, rep2, r2, &plain, &plen), PK_EAUTH);
	assert_int_equal(pk_open_reply(&x.c, 3, rep1, r1, &plain, &plen), PK_EINVAL);
	assert_int_equal(pk_open_reply(&x.c, 0, rep1, r1, &plain, &plen), PK_EINVAL);
	assert_int_equal(pk_open_reply(&x.c, 1, rep1, r1, &plain, &plen), 0);
	assert_memory_equal(plain, "r1", 2);
	free(plain);
	assert_int_equal(pk_open_reply(&x.c, 2, rep2, r2, &plain, &plen), 0);
	assert_memory_equal(plain, "r2", 2);
	free(plain);
	free(req1);
	free(req2);
	free(rep1);
	free(rep2);
	pair_free(&x);
}

static void test_direction_confusion(void **state)
{
	struct pair x;
	struct pk_session fresh;
	uint8_t *req, *rep, *plain;
	size_t rlen, plen, len;
	uint64_t counter;

	(void)state;
	handshake(&x);
	assert_int_equal(pk_seal_request(&x.c, (const uint8_t *)"up", 2, &req, &rlen), 0);
	/* The child's own request fed back to it as the reply to that counter. */
	assert_int_equal(pk_open_reply(&x.c, 1, req, rlen, &plain, &plen), PK_EAUTH);
	assert_int_equal(pk_open_request(&x.p, req, rlen, &plain, &plen, &counter), 0);
	free(plain);
	assert_int_equal(pk_seal_reply(&x.p, counter, (const uint8_t *)"down", 4, &rep, &len), 0);
	/* A reply fed to the parent as a request, with a window that has not seen its counter. */
	fresh = x.p;
	fresh.highest = 0;
	fresh.seen = 1;
	assert_int_equal(pk_open_request(&fresh, rep, len, &plain, &plen, &counter), PK_EAUTH);
	assert_int_equal(pk_open_request(&x.p, rep, len, &plain, &plen, &counter), PK_EREPLAY);
	free(req);
	free(rep);
	pair_free(&x);
}

static void test_other_session(void **state)
{
	struct pair a, b;
	uint8_t *req, *rep, *plain, id[PK_SESSION_ID_BYTES];
	size_t len, rlen, plen;
	uint64_t counter;

	(void)state;
	handshake(&a);
	handshake(&b);
	assert_int_equal(pk_seal_request(&a.c, (const uint8_t *)"a", 1, &req, &len), 0);
	assert_int_equal(pk_sealed_session(req, len, id, &counter), 0);
	assert_memory_equal(id, a.p.id, PK_SESSION_ID_BYTES);
	assert_true(counter == 1);
	assert_int_equal(pk_sealed_session(req, len, id, NULL), 0);
	assert_int_equal(pk_open_request(&b.p, req, len, &plain, &plen, &counter), PK_EAUTH);
	/* Same id, other keys: the box does not open. */
	memcpy(b.p.id, a.p.id, PK_SESSION_ID_BYTES);
	assert_int_equal(pk_open_request(&b.p, req, len, &plain, &plen, &counter), PK_EAUTH);
	assert_int_equal(pk_open_request(&a.p, req, len, &plain, &plen, &counter), 0);
	free(plain);
	assert_int_equal(pk_seal_reply(&a.p, 1, (const uint8_t *)"r", 1, &rep, &rlen), 0);
	b.c.sent = 1;
	assert_int_equal(pk_open_reply(&b.c, 1, rep, rlen, &plain, &plen), PK_EAUTH);
	assert_int_equal(pk_sealed_session(NULL, 0, id, NULL), PK_EDECODE);
	free(req);
	free(rep);
	pair_free(&a);
	pair_free(&b);
}

/* An exact-length copy, so that the sanitizers catch a read past the end. */
static uint8_t *dup_n(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n > 0 ? n : 1);

	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static void test_truncation(void **state)
{
	struct pk_handshake hs, kept;
	struct pk_hello h;
	struct pk_session c, p, pbefore, s;
	struct pk_errmsg e;
	uint8_t *hello, *welcome, *req, *rep, *err, *plain, *cut, id[PK_SESSION_ID_BYTES];
	size_t hlen, wlen, qlen, rlen, elen, plen;
	uint64_t counter;

	(void)state;
	assert_int_equal(pk_hello_make(&hs, child.sec, parent.pub, NOW, secret, &hello, &hlen), 0);
	assert_int_equal(pk_hello_read(hello, hlen, parent.pub, NOW, &h, NULL), 0);
	assert_int_equal(pk_welcome_make(&h, parent.sec, NOW, &p, &welcome, &wlen), 0);
	kept = hs;
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &c, NULL, NULL), 0);
	hs = kept;
	assert_int_equal(pk_seal_request(&c, (const uint8_t *)"truncate me", 11, &req, &qlen), 0);
	assert_int_equal(pk_open_request(&p, req, qlen, &plain, &plen, &counter), 0);
	free(plain);
	assert_int_equal(pk_seal_reply(&p, counter, (const uint8_t *)"and me", 6, &rep, &rlen), 0);
	assert_int_equal(pk_errmsg_make("busy", "try again later", &err, &elen), 0);
	p.highest = 0; /* so that the request's counter is fresh again */
	p.seen = 1;
	pbefore = p;

	for (size_t n = 0; n < hlen; n++) {
		cut = dup_n(hello, n);
		assert_int_not_equal(pk_hello_read(cut, n, parent.pub, NOW, &h, NULL), 0);
		(void)pk_msg_kind(cut, n);
		free(cut);
	}
	for (size_t n = 0; n < wlen; n++) {
		cut = dup_n(welcome, n);
		assert_int_not_equal(pk_welcome_read(&hs, cut, n, &s, NULL, NULL), 0);
		assert_memory_equal(&hs, &kept, sizeof(hs));
		(void)pk_msg_kind(cut, n);
		free(cut);
	}
	for (size_t n = 0; n < qlen; n++) {
		cut = dup_n(req, n);
		assert_int_not_equal(pk_open_request(&p, cut, n, &plain, &plen, &counter), 0);
		assert_memory_equal(&p, &pbefore, sizeof(p));
		assert_int_not_equal(pk_sealed_session(cut, n, id, &counter), 0);
		(void)pk_msg_kind(cut, n);
		free(cut);
	}
	for (size_t n = 0; n < rlen; n++) {
		cut = dup_n(rep, n);
		assert_int_not_equal(pk_open_reply(&c, 1, cut, n, &plain, &plen), 0);
		free(cut);
	}
	for (size_t n = 0; n < elen; n++) {
		cut = dup_n(err, n);
		assert_int_not_equal(pk_errmsg_read(cut, n, &e), 0);
		(void)pk_msg_kind(cut, n);
		free(cut);
	}
	/* Whole, every one still reads. */
	assert_int_equal(pk_open_request(&p, req, qlen, &plain, &plen, &counter), 0);
	free(plain);
	assert_int_equal(pk_open_reply(&c, 1, rep, rlen, &plain, &plen), 0);
	free(plain);
	assert_int_equal(pk_errmsg_read(err, elen, &e), 0);
	assert_int_equal(pk_welcome_read(&hs, welcome, wlen, &s, NULL, NULL), 0);
	pk_session_wipe(&s);
	pk_session_wipe(&c);
	pk_session_wipe(&p);
	pk_handshake_wipe(&kept);
	free(hello);
	free(welcome);
	free(req);
	free(rep);
	free(err);
}

static void test_oversize(void **state)
{
	struct pair x;
	struct pk_handshake hs;
	struct pk_hello h;
	struct pk_errmsg e;
	struct pk_session s;
	uint8_t *big, *msg, *plain, id[PK_SESSION_ID_BYTES];
	size_t len, plen;
	uint64_t counter;

	(void)state;
	handshake(&x);
	memset(&hs, 0, sizeof(hs));
	big = calloc(1, PK_MSG_MAX + 1);
	assert_non_null(big);
	/* A valid message followed by padding: refused for its size before anything else. */
	memcpy(big, x.hello, x.hello_len);
	assert_int_equal(pk_hello_read(big, PK_MSG_MAX + 1, parent.pub, NOW, &h, NULL), PK_ETOOBIG);
	assert_int_equal(pk_msg_kind(big, PK_MSG_MAX + 1), PK_MSG_UNKNOWN);
	memcpy(big, x.welcome, x.welcome_len);
	assert_int_equal(pk_welcome_read(&hs, big, PK_MSG_MAX + 1, &s, NULL, NULL), PK_ETOOBIG);
	assert_int_equal(pk_open_request(&x.p, big, PK_MSG_MAX + 1, &plain, &plen, &counter),
	                 PK_ETOOBIG);
	assert_int_equal(pk_sealed_session(big, PK_MSG_MAX + 1, id, NULL), PK_ETOOBIG);
	assert_int_equal(pk_errmsg_read(big, PK_MSG_MAX + 1, &e), PK_ETOOBIG);

	/* The largest plaintext fits in a message; one byte more does not seal. */
	assert_int_equal(pk_seal_request(&x.c, big, PK_PLAIN_MAX + 1, &msg, &len), PK_ETOOBIG);
	assert_null(msg);
	assert_true(x.c.sent == 0);
	assert_int_equal(pk_seal_request(&x.c, big, PK_PLAIN_MAX, &msg, &len), 0);
	assert_true(len <= PK_MSG_MAX);
	assert_int_equal(pk_open_request(&x.p, msg, len, &plain, &plen, &counter), 0);
	assert_int_equal(plen, PK_PLAIN_MAX);
	free(plain);
	free(msg);
	assert_int_equal(pk_seal_reply(&x.p, 1, big, PK_PLAIN_MAX + 1, &msg, &len), PK_ETOOBIG);
	assert_int_equal(pk_seal_reply(&x.p, 1, big, PK_PLAIN_MAX, &msg, &len), 0);
	assert_true(len <= PK_MSG_MAX);
	assert_int_equal(pk_open_reply(&x.c, 1, msg, len, &plain, &plen), 0);
	assert_int_equal(plen, PK_PLAIN_MAX);
	free(plain);
	assert_int_equal(pk_open_reply(&x.c, 1, big, PK_MSG_MAX + 1, &plain, &plen), PK_ETOOBIG);
	free(msg);
	free(big);
	pair_free(&x);
}

static uint8_t *pack_errmsg(const char *tag, const char *code, const char *text, int extra,
                            size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3 + (extra ? 1 : 0));
	tu_pack_str(&pk, tag);
	tu_pack_str(&pk, code);
	tu_pack_str(&pk, text);
	if (extra)
		msgpack_pack_nil(&pk);
	*len = sb.size;
	return (uint8_t *)msgpack_sbuffer_release(&sb);
}

static void test_errmsg(void **state)
{
	static const char *const codes[] = {"unknown-session", "replay",    "refused",
	                                    "too-big",         "malformed", "busy"};
	struct pk_errmsg e;
	char long_text[PK_ERRMSG_TEXT_MAX + 2];
	uint8_t *msg;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(
		    pk_errmsg_make(codes[i], "Kota Bekasi \xe2\x80\x94 sibuk", &msg, &len), 0);
		assert_int_equal(pk_msg_kind(msg, len), PK_MSG_ERROR);
		assert_int_equal(pk_errmsg_read(msg, len, &e), 0);
		assert_string_equal(e.code, codes[i]);
		assert_string_equal(e.text, "Kota Bekasi \xe2\x80\x94 sibuk");
		free(msg);
	}
	assert_int_equal(pk_errmsg_make("refused", "", &msg, &len), 0);
	assert_int_equal(pk_errmsg_read(msg, len, &e), 0);
	assert_string_equal(e.text, "");
	free(msg);
	memset(long_text, 'a', PK_ERRMSG_TEXT_MAX);
	long_text[PK_ERRMSG_TEXT_MAX] = '\0';
	assert_int_equal(pk_errmsg_make("busy", long_text, &msg, &len), 0);
	assert_int_equal(pk_errmsg_read(msg, len, &e), 0);
	assert_int_equal(strlen(e.text), PK_ERRMSG_TEXT_MAX);
	free(msg);

	long_text[PK_ERRMSG_TEXT_MAX] = 'a';
	long_text[PK_ERRMSG_TEXT_MAX + 1] = '\0';
	assert_int_equal(pk_errmsg_make("busy", long_text, &msg, &len), PK_EINVAL);
	assert_null(msg);
	assert_int_equal(pk_errmsg_make("no-such-code", "x", &msg, &len), PK_EINVAL);
	assert_int_equal(pk_errmsg_make("busy", "\xc0\x80", &msg, &len), PK_EINVAL);

	/* Readers take any well-formed code (a newer parent's), and nothing else. */
	msg = pack_errmsg(PK_ERRMSG_TAG, "rate-limited-2", "x", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), 0);
	assert_string_equal(e.code, "rate-limited-2");
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "Busy", "x", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "", "x", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "abcdefghijklmnopqrstuvwxyz-abcdef", "x", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "busy", "a\xff", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "busy", long_text, 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg(PK_ERRMSG_TAG, "busy", "x", 1, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EDECODE);
	free(msg);
	msg = pack_errmsg("pokja-error-2", "busy", "x", 0, &len);
	assert_int_equal(pk_errmsg_read(msg, len, &e), PK_EVERSION);
	assert_int_equal(pk_msg_kind(msg, len), PK_MSG_UNKNOWN);
	free(msg);

	assert_string_equal(pk_errmsg_code(PK_ETOOBIG), "too-big");
	assert_string_equal(pk_errmsg_code(PK_EDECODE), "malformed");
	assert_string_equal(pk_errmsg_code(PK_EVERSION), "malformed");
	assert_string_equal(pk_errmsg_code(PK_EREPLAY), "replay");
	assert_string_equal(pk_errmsg_code(PK_ENOTFOUND), "unknown-session");
	assert_string_equal(pk_errmsg_code(PK_ESIG), "refused");
	assert_string_equal(pk_errmsg_code(PK_EAUTH), "refused");
}

static void test_msg_kind(void **state)
{
	static const uint8_t garbage[][8] = {
	    {0xc0},                   /* nil */
	    {0x90},                   /* [] */
	    {0x91, 0x01},             /* [1] */
	    {0x92, 0xc4, 0x00, 0xc4}, /* [bin(0), ...: the body is empty */
	    {0x91, 0xa1, 'x'},        /* ["x"] */
	    {0xa1, 'x'},              /* "x" */
	    {0xd4, 0x00, 0x00},       /* ext */
	};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *msg, zero[PK_PUB_BYTES] = {0};
	size_t len;

	(void)state;
	assert_int_equal(pk_msg_kind(NULL, 0), PK_MSG_UNKNOWN);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		assert_int_equal(pk_msg_kind(garbage[i], sizeof(garbage[i])), PK_MSG_UNKNOWN);
	/* A signed envelope of another kind (a certificate tag) is not a hello. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	tu_pack_str(&pk, "pokja-cert-1");
	tu_pack_bin(&pk, zero, sizeof(zero));
	msg = tu_envelope(&sb, &other, &len);
	assert_int_equal(pk_msg_kind(msg, len), PK_MSG_UNKNOWN);
	free(msg);
	/* The kind looks at the tag only; the reader refuses the rest. */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 1);
	tu_pack_str(&pk, PK_SEALED_TAG);
	assert_int_equal(pk_msg_kind((const uint8_t *)sb.data, sb.size), PK_MSG_SEALED);
	msgpack_sbuffer_destroy(&sb);
}

/* The "Session" vector of SPEC section 13, checked independently with Python's cryptography
 * (X25519, ChaCha20-Poly1305), hashlib's BLAKE2b and a separate HChaCha20. */
#define V_CHILD_EPH "79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a"
#define V_PARENT_EPH "675dd574ed7789310b3d2e7681f3790b466c773b1521fecf36577958371ea52f"
#define V_C2P "421eab1b9d718da8e36998efb5f78dcf993977e2a0b84b2f37d93e25310f2442"
#define V_P2C "64bb5df39fcb9ed226983271293c50cdf2b14b140c2dc99c940a1eb12a32b247"
#define V_HEAD "94ae706f6b6a612d7365616c65642d31c410000102030405060708090a0b0c0d0e0f01c418"
#define V_REQUEST V_HEAD "3892c66ca9fd0db95f83fdbf9e656d3d4289235492e912a7"
#define V_REPLY V_HEAD "64d6561667fe112e7ce05b1c013b17df67838dc057f389a9"

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
	char *got = tu_hex(p, n);

	assert_string_equal(got, hex);
	free(got);
}

static void test_vector(void **state)
{
	static const uint8_t heads[] = {0x92, 0xa5, 'h', 'e', 'a', 'd', 's', 0x90};
	struct pk_session c, p;
	uint8_t csec[PK_EPH_BYTES], psec[PK_EPH_BYTES], ce[PK_EPH_BYTES], pe[PK_EPH_BYTES];
	uint8_t hh[PK_HASH_BYTES], wh[PK_HASH_BYTES], id[PK_SESSION_ID_BYTES];
	uint8_t *msg, *plain;
	size_t len, plen;
	uint64_t counter;

	(void)state;
	for (int i = 0; i < PK_EPH_BYTES; i++) {
		csec[i] = (uint8_t)(0x40 + i);
		psec[i] = (uint8_t)(0x60 + i);
	}
	for (int i = 0; i < PK_SESSION_ID_BYTES; i++)
		id[i] = (uint8_t)i;
	memset(hh, 0xaa, sizeof(hh));
	memset(wh, 0xbb, sizeof(wh));
	assert_int_equal(pk_unhex(ce, sizeof(ce), V_CHILD_EPH, strlen(V_CHILD_EPH)), 0);
	assert_int_equal(pk_unhex(pe, sizeof(pe), V_PARENT_EPH, strlen(V_PARENT_EPH)), 0);
	assert_int_equal(pk_session_derive(&c, csec, pe, ce, pe, hh, wh, id), 0);
	assert_int_equal(pk_session_derive(&p, psec, ce, ce, pe, hh, wh, id), 0);
	assert_hex(c.c2p, PK_SESSION_KEY_BYTES, V_C2P);
	assert_hex(c.p2c, PK_SESSION_KEY_BYTES, V_P2C);
	assert_memory_equal(&c, &p, sizeof(c));

	assert_int_equal(pk_seal_request(&c, heads, sizeof(heads), &msg, &len), 0);
	assert_hex(msg, len, V_REQUEST);
	assert_int_equal(pk_open_request(&p, msg, len, &plain, &plen, &counter), 0);
	assert_memory_equal(plain, heads, sizeof(heads));
	free(plain);
	free(msg);
	assert_int_equal(pk_seal_reply(&p, counter, heads, sizeof(heads), &msg, &len), 0);
	assert_hex(msg, len, V_REPLY);
	free(msg);

	/* A small-order public key (here zero) gives an all-zero q: refused, the session wiped. */
	memset(pe, 0, sizeof(pe));
	assert_int_equal(pk_session_derive(&c, csec, pe, ce, pe, hh, wh, id), PK_EAUTH);
	for (size_t i = 0; i < sizeof(c); i++)
		assert_int_equal(((const uint8_t *)&c)[i], 0);
	pk_session_wipe(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_round_trip),
	    cmocka_unit_test(test_handshake_fresh_each_time),
	    cmocka_unit_test(test_handshake_wipes),
	    cmocka_unit_test(test_hello_wrong_parent),
	    cmocka_unit_test(test_hello_max),
	    cmocka_unit_test(test_hello_forged_signature),
	    cmocka_unit_test(test_hello_skew),
	    cmocka_unit_test(test_welcome_time),
	    cmocka_unit_test(test_welcome_impostor),
	    cmocka_unit_test(test_welcome_other_hello),
	    cmocka_unit_test(test_join_proof),
	    cmocka_unit_test(test_sealed_tamper),
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_check_request),
	    cmocka_unit_test(test_window),
	    cmocka_unit_test(test_reply_counters),
	    cmocka_unit_test(test_direction_confusion),
	    cmocka_unit_test(test_other_session),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_errmsg),
	    cmocka_unit_test(test_msg_kind),
	    cmocka_unit_test(test_vector),
	};

	tu_init();
	return cmocka_run_group_tests(tests, setup, NULL);
}
