/* test_syncmsg.c: sync messages and invite tokens (proto/syncmsg.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "daemon/web_int.h"
#include "proto/bundle.h"
#include "proto/error.h"
#include "proto/enroll.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"
#include "testutil.h"

/* ---- helpers ---- */

/* A msgpack builder for hand-made (often malformed) messages. */
struct mp {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void mp_init(struct mp *m)
{
	msgpack_sbuffer_init(&m->sb);
	msgpack_packer_init(&m->pk, &m->sb, msgpack_sbuffer_write);
}

static void mp_str(struct mp *m, const char *s)
{
	msgpack_pack_str(&m->pk, strlen(s));
	msgpack_pack_str_body(&m->pk, s, strlen(s));
}

static void mp_bin(struct mp *m, const uint8_t *b, size_t n)
{
	msgpack_pack_bin(&m->pk, n);
	if (n > 0)
		msgpack_pack_bin_body(&m->pk, b, n);
}

/* Appends raw bytes (a header written by hand). */
static void mp_raw(struct mp *m, const void *p, size_t n)
{
	msgpack_sbuffer_write(&m->sb, p, n);
}

static void mp_head(struct mp *m, uint8_t fill, uint64_t seq)
{
	uint8_t origin[PK_PUB_BYTES];

	memset(origin, fill, sizeof(origin));
	msgpack_pack_array(&m->pk, 2);
	mp_bin(m, origin, sizeof(origin));
	msgpack_pack_uint64(&m->pk, seq);
}

static const uint8_t *mp_data(const struct mp *m)
{
	return (const uint8_t *)m->sb.data;
}

static int mp_decode(const struct mp *m, enum pk_sync_dir dir, struct pk_sync_msg *msg,
                     struct pk_diag *d)
{
	return pk_sync_decode(mp_data(m), m->sb.size, dir, msg, d);
}

static void mp_free(struct mp *m)
{
	msgpack_sbuffer_destroy(&m->sb);
}

/* Head i: origins ascend with i (its first four bytes are i, big-endian). */
static void make_head(struct pk_head *h, unsigned i, uint64_t seq)
{
	for (unsigned k = 0; k < PK_PUB_BYTES; k++)
		h->origin[k] = (uint8_t)(i * 31 + k);
	h->origin[0] = (uint8_t)(i >> 24);
	h->origin[1] = (uint8_t)(i >> 16);
	h->origin[2] = (uint8_t)(i >> 8);
	h->origin[3] = (uint8_t)i;
	h->seq = seq;
}

/* n blobs; blob i is len[i] bytes of (i + 1), in one buffer the caller frees. */
static uint8_t *make_blobs(struct pk_blob *b, size_t n, const size_t *len)
{
	size_t total = 1, off = 0;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++)
		total += len[i];
	buf = malloc(total);
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		memset(buf + off, (int)(i + 1), len[i]);
		b[i].p = buf + off;
		b[i].len = len[i];
		off += len[i];
	}
	return buf;
}

/* Every prefix of buf, in a buffer of exactly that size, is refused as malformed. */
static void check_truncations(const uint8_t *buf, size_t len)
{
	struct pk_sync_msg m;

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, buf, cut);
		for (int dir = PK_SYNC_REQUEST; dir <= PK_SYNC_REPLY; dir++) {
			assert_int_equal(pk_sync_decode(p, cut, (enum pk_sync_dir)dir, &m, NULL),
			                 PK_EDECODE);
			assert_int_equal(m.kind, PK_SYNC_NONE);
		}
		free(p);
	}
}

/* ---- round trips ---- */

static void test_heads_round_trip(void **state)
{
	static const uint64_t seqs[] = {
	    2, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffffULL, 0x100000000ULL, UINT64_MAX};
	struct pk_head h[20];
	struct pk_sync_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 20; i++)
		make_head(&h[i], i, seqs[i % (sizeof(seqs) / sizeof(seqs[0]))]);
	for (size_t n = 0; n <= 20; n += (n < 3 ? 1 : 13)) { /* 0, 1, 2, 3, 16 */
		assert_int_equal(pk_sync_heads_encode(h, n, &buf, &len), 0);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
		assert_int_equal(m.kind, PK_SYNC_HEADS);
		tu_check_heads(&m.heads, h, n);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
		assert_int_equal(m.kind, PK_SYNC_HEADS_REPLY);
		tu_check_heads(&m.heads, h, n);
		assert_string_equal(pk_sync_kind_name(m.kind), "heads");
		free(buf);
	}
	assert_int_equal(pk_sync_heads_encode(NULL, 0, &buf, &len), 0);
	assert_int_equal(len, 8); /* 92 a5 "heads" 90 */
	free(buf);
	assert_int_equal(pk_sync_heads_encode(NULL, 1, &buf, &len), PK_EINVAL);
	assert_null(buf);
}

static void test_push_round_trip(void **state)
{
	static const size_t clen[] = {0, 300, 1024};
	static const size_t slen[] = {1, 255, 256, 70000, 0};
	struct pk_blob certs[3], cs[5];
	struct pk_sync_msg m;
	uint8_t *cbuf, *sbuf, *buf;
	size_t len, size;

	(void)state;
	cbuf = make_blobs(certs, 3, clen);
	sbuf = make_blobs(cs, 5, slen);
	assert_int_equal(pk_sync_push_encode(certs, 3, cs, 5, &buf, &len), 0);
	assert_int_equal(len, pk_sync_push_size(certs, 3, cs, 5));
	size = pk_sync_push_size(certs, 3, NULL, 0);
	for (size_t i = 0; i < 5; i++)
		size += pk_sync_blob_cost(i, cs[i].len);
	assert_int_equal(size, len);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_PUSH);
	tu_check_blobs(&m.certs, buf, len, certs, 3);
	tu_check_blobs(&m.changesets, buf, len, cs, 5);
	assert_string_equal(pk_sync_kind_name(m.kind), "push");
	free(buf);

	/* Empty, and the limits themselves. */
	assert_int_equal(pk_sync_push_encode(NULL, 0, NULL, 0, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_true(m.certs.n == 0 && m.changesets.n == 0);
	free(buf);
	{
		struct pk_blob many[PK_SYNC_PUSH_MAX_CS];
		static const uint8_t one = 7;

		for (size_t i = 0; i < PK_SYNC_PUSH_MAX_CS; i++) {
			many[i].p = &one;
			many[i].len = 1;
		}
		assert_int_equal(pk_sync_push_encode(many, PK_SYNC_PUSH_MAX_CERTS, many,
		                                     PK_SYNC_PUSH_MAX_CS, &buf, &len),
		                 0);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
		assert_int_equal(m.certs.n, PK_SYNC_PUSH_MAX_CERTS);
		assert_int_equal(m.changesets.n, PK_SYNC_PUSH_MAX_CS);
		free(buf);
	}
	free(cbuf);
	free(sbuf);
}

static void test_pull_round_trip(void **state)
{
	struct pk_head h[3];
	struct pk_sync_msg m;
	uint8_t *buf;
	size_t len;

	(void)state;
	for (unsigned i = 0; i < 3; i++)
		make_head(&h[i], i + 5, 1000 * i + 1);
	assert_int_equal(
	    pk_sync_pull_encode(h, 3, PK_SYNC_WAIT_MAX_MS, PK_SYNC_PULL_MAX_BYTES, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_PULL);
	tu_check_heads(&m.heads, h, 3);
	assert_true(m.wait_ms == PK_SYNC_WAIT_MAX_MS);
	assert_true(m.max_bytes == PK_SYNC_PULL_MAX_BYTES);
	free(buf);
	assert_int_equal(pk_sync_pull_encode(NULL, 0, 0, 0, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_true(m.heads.n == 0 && m.wait_ms == 0 && m.max_bytes == 0);
	free(buf);
}

static void test_join_round_trip(void **state)
{
	uint8_t req[PK_REQUEST_MAX_BYTES], *set, *buf;
	struct pk_sync_msg m;
	size_t len;

	(void)state;
	memset(req, 0x5a, sizeof(req));
	assert_int_equal(pk_sync_join_encode(req, sizeof(req), &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_JOIN);
	assert_int_equal(m.blob.len, sizeof(req));
	assert_memory_equal(m.blob.p, req, sizeof(req));
	free(buf);

	set = malloc(PK_CERTSET_MAX_BYTES);
	assert_non_null(set);
	memset(set, 0xa5, PK_CERTSET_MAX_BYTES);
	assert_int_equal(pk_sync_joined_encode(set, PK_CERTSET_MAX_BYTES, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_JOINED);
	assert_int_equal(m.blob.len, PK_CERTSET_MAX_BYTES);
	assert_memory_equal(m.blob.p, set, PK_CERTSET_MAX_BYTES);
	assert_string_equal(pk_sync_kind_name(m.kind), "joined");
	free(buf);
	free(set);
}

static void test_pushed_round_trip(void **state)
{
	const struct pk_refusal rf[] = {
	    {0, "bad-signature"},
	    {3, "gap"},
	    {PK_SYNC_PUSH_MAX_CS - 1, "lineage"},
	    {7, "a234567890123456789012345678901234567890123456789012345678901234"}, /* 64 */
	};
	struct pk_head h[2];
	struct pk_sync_msg m;
	struct pk_sync_iter it;
	struct pk_refused got;
	uint8_t *buf;
	size_t len, k = 0;

	(void)state;
	make_head(&h[0], 1, 17);
	make_head(&h[1], 2, 1);
	assert_int_equal(pk_sync_pushed_encode(rf, 4, h, 2, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_PUSHED);
	assert_int_equal(m.refused.n, 4);
	pk_sync_iter_init(&it, &m.refused);
	while (pk_sync_next_refused(&it, &got)) {
		assert_int_equal(got.index, rf[k].index);
		assert_string_equal(got.reason, rf[k].reason);
		k++;
	}
	assert_int_equal(k, 4);
	assert_int_equal(it.err, 0);
	tu_check_heads(&m.heads, h, 2);
	free(buf);
	assert_int_equal(pk_sync_pushed_encode(NULL, 0, NULL, 0, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_true(m.refused.n == 0 && m.heads.n == 0);
	free(buf);
}

static void test_pulled_round_trip(void **state)
{
	size_t lens[40];
	struct pk_blob cs[40];
	struct pk_sync_msg m;
	uint8_t *blobs, *buf;
	size_t len, size;

	(void)state;
	for (size_t i = 0; i < 40; i++)
		lens[i] = (i * 37) % 300;
	blobs = make_blobs(cs, 40, lens);
	/* Every count across the fixarray / array16 boundary: the sizes add up exactly. */
	size = pk_sync_pulled_size(NULL, 0);
	for (size_t n = 0; n <= 40; n++) {
		bool more = n % 2 == 1;

		assert_int_equal(pk_sync_pulled_encode(cs, n, more, &buf, &len), 0);
		assert_int_equal(len, size);
		assert_int_equal(len, pk_sync_pulled_size(cs, n));
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
		assert_int_equal(m.kind, PK_SYNC_PULLED);
		assert_int_equal(m.more, more);
		tu_check_blobs(&m.changesets, buf, len, cs, n);
		free(buf);
		if (n < 40)
			size += pk_sync_blob_cost(n, cs[n].len);
	}
	free(blobs);
}

static void test_blob_cost(void **state)
{
	(void)state;
	assert_int_equal(pk_sync_blob_cost(0, 0), 2);
	assert_int_equal(pk_sync_blob_cost(0, 255), 257);
	assert_int_equal(pk_sync_blob_cost(0, 256), 259);
	assert_int_equal(pk_sync_blob_cost(0, 65535), 65538);
	assert_int_equal(pk_sync_blob_cost(0, 65536), 65541);
	assert_int_equal(pk_sync_blob_cost(14, 1), 3);
	assert_int_equal(pk_sync_blob_cost(15, 1), 5); /* the array header grows by 2 */
	assert_int_equal(pk_sync_blob_cost(16, 1), 3);
	assert_int_equal(pk_sync_blob_cost(65535, 1), 5); /* array16 -> array32 */
	assert_int_equal(pk_sync_blob_cost(65536, 1), 3);
	assert_true(pk_sync_blob_cost(0, SIZE_MAX) == SIZE_MAX);
	assert_int_equal(pk_sync_pulled_size(NULL, 0), 10); /* 93 a6 "pulled" 90 c2 */
	assert_int_equal(pk_sync_push_size(NULL, 0, NULL, 0), 8);
}

/* ---- limits ---- */

/* ["push", certs, changesets] with ncerts and ncs blobs of the given sizes. */
static void mp_push(struct mp *m, size_t ncerts, size_t cert_len, size_t ncs, size_t cs_len)
{
	uint8_t *zero = calloc(1, cert_len > cs_len ? cert_len + 1 : cs_len + 1);

	assert_non_null(zero);
	mp_init(m);
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "push");
	msgpack_pack_array(&m->pk, ncerts);
	for (size_t i = 0; i < ncerts; i++)
		mp_bin(m, zero, cert_len);
	msgpack_pack_array(&m->pk, ncs);
	for (size_t i = 0; i < ncs; i++)
		mp_bin(m, zero, cs_len);
	free(zero);
}

static void test_push_limits(void **state)
{
	struct pk_blob b[PK_SYNC_PUSH_MAX_CS + 1];
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *big, *buf;
	size_t len;

	(void)state;
	big = calloc(1, PK_SYNC_CS_BLOB_MAX + 1);
	assert_non_null(big);
	for (size_t i = 0; i <= PK_SYNC_PUSH_MAX_CS; i++) {
		b[i].p = big;
		b[i].len = 1;
	}
	/* 1,025 changesets, 17 certificates. */
	assert_int_equal(pk_sync_push_encode(NULL, 0, b, PK_SYNC_PUSH_MAX_CS + 1, &buf, &len),
	                 PK_ETOOBIG);
	assert_null(buf);
	assert_int_equal(pk_sync_push_encode(b, PK_SYNC_PUSH_MAX_CERTS + 1, NULL, 0, &buf, &len),
	                 PK_ETOOBIG);
	mp_push(&mp, 0, 0, PK_SYNC_PUSH_MAX_CS + 1, 1);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "1025 changesets"));
	assert_int_equal(m.kind, PK_SYNC_NONE);
	mp_free(&mp);
	mp_push(&mp, PK_SYNC_PUSH_MAX_CERTS + 1, 1, 0, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), PK_ETOOBIG);
	mp_free(&mp);

	/* A certificate of 1,025 bytes, a changeset of 1 MiB + 65. */
	b[0].len = PK_CERT_MAX_BYTES + 1;
	assert_int_equal(pk_sync_push_encode(b, 1, NULL, 0, &buf, &len), PK_ETOOBIG);
	b[0].len = PK_SYNC_CS_BLOB_MAX + 1;
	assert_int_equal(pk_sync_push_encode(NULL, 0, b, 1, &buf, &len), PK_ETOOBIG);
	b[0].len = PK_SYNC_CS_BLOB_MAX;
	assert_int_equal(pk_sync_push_encode(NULL, 0, b, 1, &buf, &len), 0);
	free(buf);
	mp_push(&mp, 1, PK_CERT_MAX_BYTES + 1, 0, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), PK_ETOOBIG);
	mp_free(&mp);
	mp_push(&mp, 1, PK_CERT_MAX_BYTES, 1, PK_SYNC_CS_BLOB_MAX);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), 0);
	mp_free(&mp);
	mp_push(&mp, 0, 0, 1, PK_SYNC_CS_BLOB_MAX + 1);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "changesets"));
	mp_free(&mp);

	/* Four changesets of the largest size make a message over the limit. */
	for (size_t i = 0; i < 4; i++) {
		b[i].p = big;
		b[i].len = PK_SYNC_CS_BLOB_MAX;
	}
	assert_true(pk_sync_push_size(NULL, 0, b, 4) > PK_SYNC_MSG_MAX);
	assert_int_equal(pk_sync_push_encode(NULL, 0, b, 4, &buf, &len), PK_ETOOBIG);
	assert_int_equal(pk_sync_pulled_encode(b, 4, false, &buf, &len), PK_ETOOBIG);
	assert_null(buf);
	assert_int_equal(pk_sync_pulled_encode(b, 3, false, &buf, &len), 0);
	free(buf);
	free(big);
}

static void test_message_size_limit(void **state)
{
	struct pk_sync_msg m;
	struct pk_blob b;
	uint8_t *big, *buf;
	size_t len;

	(void)state;
	/* A pulled reply of exactly PK_SYNC_MSG_MAX bytes: one changeset array of several
	 * blobs whose sizes add up. 10 fixed bytes + 3 x (5 + 1 MiB) + one filler blob. */
	big = calloc(1, PK_SYNC_MSG_MAX + 1);
	assert_non_null(big);
	{
		struct pk_blob cs[4];
		size_t used = pk_sync_pulled_size(NULL, 0);

		for (size_t i = 0; i < 3; i++) {
			cs[i].p = big;
			cs[i].len = PK_CS_MAX_BYTES;
			used += pk_sync_blob_cost(i, cs[i].len);
		}
		cs[3].p = big;
		cs[3].len = PK_SYNC_MSG_MAX - used - 5; /* bin32 header */
		assert_true(cs[3].len <= PK_SYNC_CS_BLOB_MAX && cs[3].len > 0xffff);
		assert_int_equal(pk_sync_pulled_encode(cs, 4, true, &buf, &len), 0);
		assert_int_equal(len, PK_SYNC_MSG_MAX);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
		assert_int_equal(m.changesets.n, 4);
		assert_true(m.more);
		free(buf);
		cs[3].len++;
		assert_int_equal(pk_sync_pulled_encode(cs, 4, true, &buf, &len), PK_ETOOBIG);
	}
	/* Any buffer over the limit is refused before it is read. */
	assert_int_equal(pk_sync_decode(big, PK_SYNC_MSG_MAX + 1, PK_SYNC_REPLY, &m, NULL),
	                 PK_ETOOBIG);
	assert_true(PK_SYNC_MSG_MAX + PK_SEAL_OVERHEAD == PK_MSG_MAX);

	/* Join: the request and the certificate set have their own limits. */
	b.p = big;
	b.len = PK_REQUEST_MAX_BYTES + 1;
	assert_int_equal(pk_sync_join_encode(b.p, b.len, &buf, &len), PK_ETOOBIG);
	assert_int_equal(pk_sync_joined_encode(b.p, PK_CERTSET_MAX_BYTES + 1, &buf, &len),
	                 PK_ETOOBIG);
	assert_int_equal(pk_sync_join_encode(NULL, 3, &buf, &len), PK_EINVAL);
	{
		struct mp mp;

		mp_init(&mp);
		msgpack_pack_array(&mp.pk, 2);
		mp_str(&mp, "join");
		mp_bin(&mp, big, PK_REQUEST_MAX_BYTES + 1);
		assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), PK_ETOOBIG);
		mp_free(&mp);
		mp_init(&mp);
		msgpack_pack_array(&mp.pk, 2);
		mp_str(&mp, "joined");
		mp_bin(&mp, big, PK_CERTSET_MAX_BYTES + 1);
		assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, NULL), PK_ETOOBIG);
		mp_free(&mp);
	}
	free(big);
}

static void mp_pull(struct mp *m, uint64_t wait_ms, uint64_t max_bytes)
{
	mp_init(m);
	msgpack_pack_array(&m->pk, 4);
	mp_str(m, "pull");
	msgpack_pack_array(&m->pk, 1);
	mp_head(m, 9, 4);
	msgpack_pack_uint64(&m->pk, wait_ms);
	msgpack_pack_uint64(&m->pk, max_bytes);
}

static void test_pull_limits(void **state)
{
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(pk_sync_pull_encode(NULL, 0, 30001, 0, &buf, &len), PK_ETOOBIG);
	assert_int_equal(pk_sync_pull_encode(NULL, 0, 0, PK_SYNC_PULL_MAX_BYTES + 1, &buf, &len),
	                 PK_ETOOBIG);
	mp_pull(&mp, 30001, 1000);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "wait_ms 30001"));
	mp_free(&mp);
	mp_pull(&mp, UINT64_MAX, 1000);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), PK_ETOOBIG);
	mp_free(&mp);
	mp_pull(&mp, 30000, PK_SYNC_PULL_MAX_BYTES + 1);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "max_bytes"));
	mp_free(&mp);
	mp_pull(&mp, 30000, PK_SYNC_PULL_MAX_BYTES);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(m.heads.n, 1);
	mp_free(&mp);
}

static void test_pushed_limits(void **state)
{
	struct pk_refusal rf[PK_SYNC_PUSH_MAX_CS + 1];
	struct pk_head h[PK_SYNC_PUSH_MAX_CS + 1];
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *buf;
	size_t len;

	(void)state;
	for (unsigned i = 0; i <= PK_SYNC_PUSH_MAX_CS; i++) {
		rf[i].index = i % PK_SYNC_PUSH_MAX_CS;
		rf[i].reason = "gap";
		make_head(&h[i], i, i + 1);
	}
	assert_int_equal(
	    pk_sync_pushed_encode(rf, PK_SYNC_PUSH_MAX_CS, h, PK_SYNC_PUSH_MAX_CS, &buf, &len), 0);
	free(buf);
	assert_int_equal(pk_sync_pushed_encode(rf, PK_SYNC_PUSH_MAX_CS + 1, NULL, 0, &buf, &len),
	                 PK_ETOOBIG);
	assert_int_equal(pk_sync_pushed_encode(NULL, 0, h, PK_SYNC_PUSH_MAX_CS + 1, &buf, &len),
	                 PK_ETOOBIG);
	rf[0].reason = "a2345678901234567890123456789012345678901234567890123456789012345";
	assert_int_equal(pk_sync_pushed_encode(rf, 1, NULL, 0, &buf, &len), PK_ETOOBIG);
	rf[0].reason = "";
	assert_int_equal(pk_sync_pushed_encode(rf, 1, NULL, 0, &buf, &len), PK_EINVAL);
	rf[0].reason = "Bad Signature";
	assert_int_equal(pk_sync_pushed_encode(rf, 1, NULL, 0, &buf, &len), PK_EINVAL);
	rf[0].reason = NULL;
	assert_int_equal(pk_sync_pushed_encode(rf, 1, NULL, 0, &buf, &len), PK_EINVAL);
	rf[0].reason = "gap";
	rf[0].index = PK_SYNC_PUSH_MAX_CS;
	assert_int_equal(pk_sync_pushed_encode(rf, 1, NULL, 0, &buf, &len), PK_EINVAL);
	assert_null(buf);

	/* Decoding: a reason of 65 bytes, 1,025 refusals, an index past any push. */
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 3);
	mp_str(&mp, "pushed");
	msgpack_pack_array(&mp.pk, 1);
	msgpack_pack_array(&mp.pk, 2);
	msgpack_pack_uint64(&mp.pk, 0);
	mp_str(&mp, "a2345678901234567890123456789012345678901234567890123456789012345");
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "reason"));
	mp_free(&mp);
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 3);
	mp_str(&mp, "pushed");
	msgpack_pack_array(&mp.pk, PK_SYNC_PUSH_MAX_CS + 1);
	for (unsigned i = 0; i <= PK_SYNC_PUSH_MAX_CS; i++) {
		msgpack_pack_array(&mp.pk, 2);
		msgpack_pack_uint64(&mp.pk, 0);
		mp_str(&mp, "gap");
	}
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, NULL), PK_ETOOBIG);
	mp_free(&mp);
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 3);
	mp_str(&mp, "pushed");
	msgpack_pack_array(&mp.pk, 1);
	msgpack_pack_array(&mp.pk, 2);
	msgpack_pack_uint64(&mp.pk, PK_SYNC_PUSH_MAX_CS);
	mp_str(&mp, "gap");
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, NULL), PK_EDECODE);
	mp_free(&mp);
}

/* ---- refusals of malformed messages ---- */

/* One encoding of each message, small enough to truncate at every length. */
static size_t all_messages(uint8_t **msg, size_t *len, enum pk_sync_dir *dir)
{
	static const uint8_t certset[40] = {1, 2, 3};
	const struct pk_refusal rf[] = {{1, "schema"}, {2, "region"}};
	static const size_t blen[] = {40, 300, 0};
	struct pk_blob b[3];
	struct pk_head h[17];
	uint8_t *blobs;
	size_t k = 0;

	for (unsigned i = 0; i < 17; i++)
		make_head(&h[i], i, (uint64_t)1 << (i * 4 % 64));
	blobs = make_blobs(b, 3, blen);
	dir[k] = PK_SYNC_REQUEST;
	assert_int_equal(pk_sync_heads_encode(h, 17, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REQUEST;
	assert_int_equal(pk_sync_push_encode(b, 1, b, 3, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REQUEST;
	assert_int_equal(pk_sync_pull_encode(h, 3, 250, 65536, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REQUEST;
	assert_int_equal(pk_sync_join_encode(b[1].p, b[1].len, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REPLY;
	assert_int_equal(pk_sync_heads_encode(h, 2, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REPLY;
	assert_int_equal(pk_sync_pushed_encode(rf, 2, h, 3, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REPLY;
	assert_int_equal(pk_sync_pulled_encode(b, 3, true, &msg[k], &len[k]), 0);
	k++;
	dir[k] = PK_SYNC_REPLY;
	assert_int_equal(pk_sync_joined_encode(certset, sizeof(certset), &msg[k], &len[k]), 0);
	k++;
	free(blobs);
	return k;
}

static void test_truncation_and_trailing(void **state)
{
	uint8_t *msg[8];
	size_t len[8], n;
	enum pk_sync_dir dir[8];
	struct pk_sync_msg m;
	struct pk_diag d;

	(void)state;
	n = all_messages(msg, len, dir);
	for (size_t i = 0; i < n; i++) {
		uint8_t *more = malloc(len[i] + 1);

		assert_int_equal(pk_sync_decode(msg[i], len[i], dir[i], &m, NULL), 0);
		check_truncations(msg[i], len[i]);
		assert_non_null(more);
		memcpy(more, msg[i], len[i]);
		more[len[i]] = 0xc0;
		assert_int_equal(pk_sync_decode(more, len[i] + 1, dir[i], &m, &d), PK_EDECODE);
		assert_non_null(strstr(d.msg, "trailing"));
		free(more);
		free(msg[i]);
	}
}

static void test_request_reply_confusion(void **state)
{
	uint8_t *msg[8];
	size_t len[8], n;
	enum pk_sync_dir dir[8];
	struct pk_sync_msg m;
	struct pk_diag d;

	(void)state;
	n = all_messages(msg, len, dir);
	for (size_t i = 0; i < n; i++) {
		enum pk_sync_dir other =
		    dir[i] == PK_SYNC_REQUEST ? PK_SYNC_REPLY : PK_SYNC_REQUEST;
		int err = pk_sync_decode(msg[i], len[i], other, &m, &d);

		if (i == 0 || i == 4) { /* "heads" is both */
			assert_int_equal(err, 0);
		} else {
			assert_int_equal(err, PK_EDECODE);
			assert_int_equal(m.kind, PK_SYNC_NONE);
			assert_non_null(
			    strstr(d.msg, other == PK_SYNC_REPLY ? "is a request" : "is a reply"));
		}
		free(msg[i]);
	}
}

static void test_unknown_name(void **state)
{
	static const uint8_t ctl[] = {0x92, 0xa4, 'h', 0x01, 'x', '\n', 0x90};
	static const uint8_t bin_name[] = {0x92, 0xc4, 0x05, 'h', 'e', 'a', 'd', 's', 0x90};
	static const uint8_t empty[] = {0x90};
	static const uint8_t map[] = {0x81, 0xa5, 'h', 'e', 'a', 'd', 's', 0x90};
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;

	(void)state;
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 2);
	mp_str(&mp, "hello");
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REQUEST, &m, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "'hello'"));
	mp_free(&mp);
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 2);
	mp_str(&mp, "Heads"); /* names are case-sensitive */
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "'Heads'"));
	mp_free(&mp);
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 2);
	mp_str(&mp, "a-very-long-message-name-that-goes-on-and-on-and-on");
	msgpack_pack_array(&mp.pk, 0);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "'a-very-long-message-name-that-go...'"));
	mp_free(&mp);

	assert_int_equal(pk_sync_decode(ctl, sizeof(ctl), PK_SYNC_REQUEST, &m, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "'h?x?'"));
	assert_int_equal(pk_sync_decode(bin_name, sizeof(bin_name), PK_SYNC_REQUEST, &m, NULL),
	                 PK_EDECODE);
	assert_int_equal(pk_sync_decode(empty, sizeof(empty), PK_SYNC_REQUEST, &m, NULL),
	                 PK_EDECODE);
	assert_int_equal(pk_sync_decode(map, sizeof(map), PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
	assert_int_equal(pk_sync_decode(NULL, 0, PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
	assert_string_equal(pk_sync_kind_name(PK_SYNC_NONE), "?");
	assert_string_equal(pk_sync_kind_name((enum pk_sync_kind)99), "?");
}

/* A message built by fn must be refused with err as a request or a reply. */
struct bad_case {
	const char *what;
	enum pk_sync_dir dir;
	void (*fn)(struct mp *m);
};

static void bad_heads_short_origin(struct mp *m)
{
	uint8_t o[31] = {0};

	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "heads");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	mp_bin(m, o, sizeof(o));
	msgpack_pack_uint64(&m->pk, 1);
}

static void bad_heads_negative_seq(struct mp *m)
{
	uint8_t o[32] = {0};

	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "heads");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	mp_bin(m, o, sizeof(o));
	msgpack_pack_int64(&m->pk, -1);
}

static void bad_heads_origin_str(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "heads");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "0123456789abcdef0123456789abcdef");
	msgpack_pack_uint64(&m->pk, 1);
}

static void bad_heads_three_fields(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "heads");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 3);
	mp_head(m, 1, 1); /* wrong: an array inside */
	msgpack_pack_uint64(&m->pk, 1);
	msgpack_pack_nil(&m->pk);
}

static void bad_heads_not_array(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "heads");
	msgpack_pack_map(&m->pk, 0);
}

static void bad_heads_extra_element(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "heads");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_array(&m->pk, 0);
}

static void bad_push_cert_str(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "push");
	msgpack_pack_array(&m->pk, 1);
	mp_str(m, "certificate");
	msgpack_pack_array(&m->pk, 0);
}

static void bad_push_cs_nil(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "push");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_nil(&m->pk);
}

static void bad_push_missing_cs(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "push");
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pull_wait_float(struct mp *m)
{
	msgpack_pack_array(&m->pk, 4);
	mp_str(m, "pull");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_double(&m->pk, 100.0);
	msgpack_pack_uint64(&m->pk, 100);
}

static void bad_pull_max_negative(struct mp *m)
{
	msgpack_pack_array(&m->pk, 4);
	mp_str(m, "pull");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_uint64(&m->pk, 100);
	msgpack_pack_int64(&m->pk, -100);
}

static void bad_join_str(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "join");
	mp_str(m, "request");
}

static void bad_pushed_index_str(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pushed");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "0");
	mp_str(m, "gap");
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pushed_reason_bin(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pushed");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	msgpack_pack_uint64(&m->pk, 0);
	mp_bin(m, (const uint8_t *)"gap", 3);
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pushed_reason_chars(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pushed");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	msgpack_pack_uint64(&m->pk, 0);
	mp_str(m, "gap\n");
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pushed_reason_empty(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pushed");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 2);
	msgpack_pack_uint64(&m->pk, 0);
	mp_str(m, "");
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pushed_refusal_short(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pushed");
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_array(&m->pk, 1);
	msgpack_pack_uint64(&m->pk, 0);
	msgpack_pack_array(&m->pk, 0);
}

static void bad_pulled_more_int(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pulled");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_uint64(&m->pk, 1);
}

static void bad_pulled_more_nil(struct mp *m)
{
	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pulled");
	msgpack_pack_array(&m->pk, 0);
	msgpack_pack_nil(&m->pk);
}

static void bad_joined_nil(struct mp *m)
{
	msgpack_pack_array(&m->pk, 2);
	mp_str(m, "joined");
	msgpack_pack_nil(&m->pk);
}

static void bad_ext_in_list(struct mp *m)
{
	static const uint8_t ext[] = {0xd4, 0x01, 0x00}; /* fixext1 */

	msgpack_pack_array(&m->pk, 3);
	mp_str(m, "pulled");
	msgpack_pack_array(&m->pk, 1);
	mp_raw(m, ext, sizeof(ext));
	msgpack_pack_false(&m->pk);
}

static void test_wrong_types(void **state)
{
	static const struct bad_case cases[] = {
	    {"origin of 31 bytes", PK_SYNC_REQUEST, bad_heads_short_origin},
	    {"negative seq", PK_SYNC_REPLY, bad_heads_negative_seq},
	    {"origin as str", PK_SYNC_REQUEST, bad_heads_origin_str},
	    {"head of three", PK_SYNC_REQUEST, bad_heads_three_fields},
	    {"heads as a map", PK_SYNC_REQUEST, bad_heads_not_array},
	    {"heads with an extra element", PK_SYNC_REPLY, bad_heads_extra_element},
	    {"certificate as str", PK_SYNC_REQUEST, bad_push_cert_str},
	    {"changeset as nil", PK_SYNC_REQUEST, bad_push_cs_nil},
	    {"push without changesets", PK_SYNC_REQUEST, bad_push_missing_cs},
	    {"wait_ms as float", PK_SYNC_REQUEST, bad_pull_wait_float},
	    {"negative max_bytes", PK_SYNC_REQUEST, bad_pull_max_negative},
	    {"join request as str", PK_SYNC_REQUEST, bad_join_str},
	    {"refusal index as str", PK_SYNC_REPLY, bad_pushed_index_str},
	    {"refusal reason as bin", PK_SYNC_REPLY, bad_pushed_reason_bin},
	    {"refusal reason with a newline", PK_SYNC_REPLY, bad_pushed_reason_chars},
	    {"empty refusal reason", PK_SYNC_REPLY, bad_pushed_reason_empty},
	    {"refusal of one element", PK_SYNC_REPLY, bad_pushed_refusal_short},
	    {"more as an integer", PK_SYNC_REPLY, bad_pulled_more_int},
	    {"more as nil", PK_SYNC_REPLY, bad_pulled_more_nil},
	    {"certificate set as nil", PK_SYNC_REPLY, bad_joined_nil},
	    {"ext in a changeset list", PK_SYNC_REPLY, bad_ext_in_list},
	};
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d.msg[0] = '\0';
		mp_init(&mp);
		cases[i].fn(&mp);
		if (mp_decode(&mp, cases[i].dir, &m, &d) != PK_EDECODE)
			fail_msg("%s: not refused as malformed", cases[i].what);
		assert_int_equal(m.kind, PK_SYNC_NONE);
		assert_true(d.msg[0] != '\0');
		mp_free(&mp);
	}
}

static void test_counts_larger_than_input(void **state)
{
	/* ["push", array32(0xffffffff), ...]: refused before anything is read or allocated. */
	static const uint8_t push[] = {0x93, 0xa4, 'p',  'u',  's',  'h',
	                               0xdd, 0xff, 0xff, 0xff, 0xff, 0x90};
	/* ["heads", array16(1000), one head]. */
	uint8_t heads[64] = {0x92, 0xa5, 'h',  'e',  'a',  'd', 's',
	                     0xdc, 0x03, 0xe8, 0x92, 0xc4, 0x20};
	/* ["pulled", [bin32 of 2^32-1 bytes], false]. */
	static const uint8_t pulled[] = {0x93, 0xa6, 'p',  'u',  'l',  'l',  'e', 'd',
	                                 0x91, 0xc6, 0xff, 0xff, 0xff, 0xff, 0xc2};
	/* An outer array claiming 5 elements, holding 2. */
	static const uint8_t outer[] = {0x95, 0xa5, 'h', 'e', 'a', 'd', 's', 0x90};
	/* A blob claiming 200 bytes where 3 remain. */
	static const uint8_t join[] = {0x92, 0xa4, 'j', 'o', 'i', 'n', 0xc4, 0xc8, 1, 2, 3};
	struct pk_sync_msg m;

	(void)state;
	heads[13 + 32] = 0x01; /* the seq of the only head */
	assert_int_equal(pk_sync_decode(push, sizeof(push), PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
	assert_int_equal(pk_sync_decode(heads, 13 + 32 + 1, PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
	assert_int_equal(pk_sync_decode(pulled, sizeof(pulled), PK_SYNC_REPLY, &m, NULL),
	                 PK_EDECODE);
	assert_int_equal(pk_sync_decode(outer, sizeof(outer), PK_SYNC_REPLY, &m, NULL), PK_EDECODE);
	assert_int_equal(pk_sync_decode(join, sizeof(join), PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
}

static void test_iter_on_bad_bytes(void **state)
{
	static const uint8_t junk[] = {0xc1, 0x00, 0x00};
	struct pk_sync_list l = {3, junk, sizeof(junk)};
	struct pk_sync_iter it;
	struct pk_head h;
	struct pk_blob b;
	struct pk_refused rf;

	(void)state;
	pk_sync_iter_init(&it, &l);
	assert_false(pk_sync_next_head(&it, &h));
	assert_int_equal(it.err, PK_EDECODE);
	assert_false(pk_sync_next_head(&it, &h));
	pk_sync_iter_init(&it, &l);
	assert_false(pk_sync_next_blob(&it, &b));
	assert_int_equal(it.err, PK_EDECODE);
	pk_sync_iter_init(&it, &l);
	assert_false(pk_sync_next_refused(&it, &rf));
	assert_int_equal(it.err, PK_EDECODE);
	l.n = 0;
	pk_sync_iter_init(&it, &l);
	assert_false(pk_sync_next_blob(&it, &b));
	assert_int_equal(it.err, 0);
}

/* ---- invite tokens ---- */

static void make_invite(struct pk_invite *inv)
{
	memset(inv, 0, sizeof(*inv));
	strcpy(inv->url, "tcp://pokja.jabarprov.go.id:7450");
	for (int i = 0; i < 32; i++) {
		inv->parent[i] = (uint8_t)i;
		inv->secret[i] = (uint8_t)(0xff - i);
	}
	strcpy(inv->region, "32.75");
	strcpy(inv->name, "Pokja PKP Kota Bekasi \xe2\x80\x94 Sekretariat");
	inv->expires = 1767830400;
}

static void test_invite_round_trip(void **state)
{
	struct pk_invite inv, got;
	char *tok, padded[PK_INVITE_MAX + 1];

	(void)state;
	make_invite(&inv);
	assert_int_equal(pk_invite_encode(&inv, &tok), 0);
	assert_memory_equal(tok, "pokja1-", 7);
	assert_null(strpbrk(tok, "+/= \n"));
	assert_int_equal(pk_invite_decode(tok, &got, NULL), 0);
	assert_memory_equal(&got, &inv, sizeof(inv));

	/* Whitespace at the ends is fine (a pasted line). */
	snprintf(padded, sizeof(padded), " \t%s\r\n", tok);
	assert_int_equal(pk_invite_decode(padded, &got, NULL), 0);
	assert_memory_equal(&got, &inv, sizeof(inv));
	free(tok);

	/* The longest fields still make a token well under the limit. */
	memset(inv.url, 'a', PK_INVITE_URL_MAX);
	memcpy(inv.url, "tcp://", 6);
	inv.url[PK_INVITE_URL_MAX] = '\0';
	memset(inv.name, 'n', PK_NAME_MAX);
	inv.name[PK_NAME_MAX] = '\0';
	strcpy(inv.region, "32.75.01.1001");
	inv.expires = UINT64_MAX;
	assert_int_equal(pk_invite_encode(&inv, &tok), 0);
	assert_true(strlen(tok) < PK_INVITE_MAX);
	assert_int_equal(pk_invite_decode(tok, &got, NULL), 0);
	assert_memory_equal(&got, &inv, sizeof(inv));
	free(tok);
}

/* "pokja1-" + base64url of whatever fn packs, in buf. */
static void pack_token(char *buf, size_t size, void (*fn)(struct mp *m, const char *arg),
                       const char *arg)
{
	struct mp mp;

	mp_init(&mp);
	fn(&mp, arg);
	assert_true(
	    7 + sodium_base64_ENCODED_LEN(mp.sb.size, sodium_base64_VARIANT_URLSAFE_NO_PADDING) <=
	    size);
	memcpy(buf, "pokja1-", 7);
	sodium_bin2base64(buf + 7, size - 7, (const unsigned char *)mp.sb.data, mp.sb.size,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	mp_free(&mp);
}

/* A well-formed invite with one field replaced: arg is "field=value". */
static void invite_with(struct mp *m, const char *arg)
{
	static const uint8_t key[32] = {9};
	const char *eq = strchr(arg, '=');
	size_t flen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const char *val = eq != NULL ? eq + 1 : "";
#define IS(f) (flen == strlen(f) && memcmp(arg, f, flen) == 0)

	msgpack_pack_array(&m->pk, IS("count") ? 6 : IS("trailing-element") ? 8 : 7);
	mp_str(m, IS("tag") ? val : PK_INVITE_TAG);
	mp_str(m, IS("url") ? val : "tcp://10.0.0.1:7450");
	mp_bin(m, key, IS("parent") ? 31 : 32);
	if (IS("secret-str"))
		mp_str(m, "secret");
	else
		mp_bin(m, key, 32);
	mp_str(m, IS("region") ? val : "32.75");
	mp_str(m, IS("name") ? val : "Kota Bekasi");
	if (IS("expires-neg"))
		msgpack_pack_int64(&m->pk, -1);
	else if (!IS("count"))
		msgpack_pack_uint64(&m->pk, 1767830400);
	if (IS("trailing-element"))
		msgpack_pack_nil(&m->pk);
	if (IS("trailing"))
		msgpack_pack_nil(&m->pk);
#undef IS
}

static void test_invite_refusals(void **state)
{
	static const struct {
		const char *arg;
		int err;
	} fields[] = {
	    {"ok", 0},
	    {"tag=pokja-invite-2", PK_EVERSION},
	    {"tag=pokja-cert-1", PK_EVERSION},
	    {"url=http://10.0.0.1:7450", PK_EDECODE},
	    {"url=tcp://", PK_EDECODE},
	    {"url=", PK_EDECODE},
	    {"url=tcp://host name:1", PK_EDECODE},
	    {"url=tcp://h\x7f", PK_EDECODE},
	    {"region=32.7", PK_EREGION},
	    {"region=", PK_EREGION},
	    {"region=32.75.01.10011", PK_EREGION},
	    {"name=", PK_EDECODE},
	    {"name=\xc0\xaf", PK_EDECODE},
	    {"parent", PK_EDECODE},
	    {"secret-str", PK_EDECODE},
	    {"expires-neg", PK_EDECODE},
	    {"count", PK_EDECODE},
	    {"trailing-element", PK_EDECODE},
	    {"trailing", PK_EDECODE},
	};
	struct pk_invite inv;
	struct pk_diag d;
	char tok[2048], good[1024];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		pack_token(tok, sizeof(tok), invite_with, fields[i].arg);
		d.msg[0] = '\0';
		if (pk_invite_decode(tok, &inv, &d) != fields[i].err)
			fail_msg("invite with %s: not %d (%s)", fields[i].arg, fields[i].err,
			         d.msg);
		if (fields[i].err != 0) {
			assert_true(d.msg[0] != '\0');
			assert_true(inv.expires == 0 && inv.url[0] == '\0');
		}
	}
	/* A 256-byte url and a 129-byte name. */
	{
		char arg[300];

		memset(arg, 'a', sizeof(arg));
		memcpy(arg, "url=tcp://", 10);
		arg[4 + 256] = '\0';
		pack_token(tok, sizeof(tok), invite_with, arg);
		assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
		arg[4 + 255] = '\0';
		pack_token(tok, sizeof(tok), invite_with, arg);
		assert_int_equal(pk_invite_decode(tok, &inv, NULL), 0);
		memset(arg, 'n', sizeof(arg));
		memcpy(arg, "name=", 5);
		arg[5 + 129] = '\0';
		pack_token(tok, sizeof(tok), invite_with, arg);
		assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	}

	/* The text around the base64. */
	pack_token(good, sizeof(good), invite_with, "ok");
	len = strlen(good);
	assert_int_equal(pk_invite_decode(good, &inv, NULL), 0);
	memcpy(tok, good, len + 1);
	tok[5] = '2'; /* pokja2- */
	assert_int_equal(pk_invite_decode(tok, &inv, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "pokja1-"));
	assert_int_equal(pk_invite_decode(good + 7, &inv, NULL), PK_EDECODE); /* no prefix */
	assert_int_equal(pk_invite_decode("", &inv, NULL), PK_EDECODE);
	assert_int_equal(pk_invite_decode("pokja1-", &inv, NULL), PK_EDECODE);
	assert_int_equal(pk_invite_decode("POKJA1-kwE", &inv, NULL), PK_EDECODE);
	/* Bad base64: standard alphabet, padding, a space inside, a character cut, a stray
	 * character, filler bits that are not zero. */
	memcpy(tok, good, len + 1);
	tok[12] = '+';
	assert_int_equal(pk_invite_decode(tok, &inv, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "base64"));
	memcpy(tok, good, len + 1);
	tok[12] = '/';
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	snprintf(tok, sizeof(tok), "%s=", good);
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	snprintf(tok, sizeof(tok), "%.20s %s", good, good + 20);
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	snprintf(tok, sizeof(tok), "%.20s\n%s", good, good + 20);
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	snprintf(tok, sizeof(tok), "%sAA", good); /* two more characters: 12 bits, no byte */
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	snprintf(tok, sizeof(tok), "%s.", good);
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	{
		/* The invite packs to 127 bytes, not a multiple of 3, so the last character
		 * carries filler bits (4 here). Setting one gives the same bytes, spelt
		 * non-canonically. */
		static const char b64[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *at;
		size_t v;

		assert_int_equal((len - 7) % 4, 2);
		at = strchr(b64, good[len - 1]);
		assert_non_null(at);
		v = (size_t)(at - b64);
		assert_int_equal(v & 3, 0);
		memcpy(tok, good, len + 1);
		tok[len - 1] = b64[v | 1];
		assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EDECODE);
	}
	/* Not the right thing inside: a sync message. */
	{
		uint8_t *msg;
		size_t mlen;

		assert_int_equal(pk_sync_heads_encode(NULL, 0, &msg, &mlen), 0);
		memcpy(tok, "pokja1-", 7);
		sodium_bin2base64(tok + 7, sizeof(tok) - 7, msg, mlen,
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_EVERSION);
		free(msg);
	}
	/* Over-long: 1,025 characters, even if only spaces make it so. */
	memset(tok, ' ', PK_INVITE_MAX + 1);
	memcpy(tok, good, len);
	tok[PK_INVITE_MAX + 1] = '\0';
	assert_int_equal(pk_invite_decode(tok, &inv, &d), PK_ETOOBIG);
	tok[PK_INVITE_MAX] = '\0';
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), 0);
	memset(tok, 'A', 1500);
	memcpy(tok, "pokja1-", 7);
	tok[1500] = '\0';
	assert_int_equal(pk_invite_decode(tok, &inv, NULL), PK_ETOOBIG);
}

static void test_invite_encode_refusals(void **state)
{
	struct pk_invite inv;
	char *tok;

	(void)state;
	make_invite(&inv);
	strcpy(inv.url, "udp://x:1");
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EINVAL);
	assert_null(tok);
	memset(inv.url, 'a', sizeof(inv.url)); /* not terminated */
	memcpy(inv.url, "tcp://", 6);
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EINVAL);
	make_invite(&inv);
	inv.name[0] = '\0';
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EINVAL);
	make_invite(&inv);
	strcpy(inv.name, "bad \xff");
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EINVAL);
	make_invite(&inv);
	inv.region[0] = '\0';
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EREGION);
	strcpy(inv.region, "3275");
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EREGION);
	memset(inv.region, '1', sizeof(inv.region)); /* not terminated */
	assert_int_equal(pk_invite_encode(&inv, &tok), PK_EREGION);
	assert_null(tok);
}

/* pk_heads keeps origins in order whatever order they come in, replaces a repeated origin, and
 * finds every origin it holds and none it does not. */
static void test_head_set(void **state)
{
	struct pk_heads hs = {0};
	uint8_t o[200][PK_PUB_BYTES];
	(void)state;

	for (int i = 0; i < 200; i++) {
		memset(o[i], 0, PK_PUB_BYTES);
		o[i][0] = (uint8_t)((i * 37) % 200); /* a permutation of 0..199 */
		o[i][31] = 1;
		assert_int_equal(pk_heads_set(&hs, o[i], (uint64_t)i + 1), 0);
	}
	assert_int_equal(hs.n, 200);
	for (size_t i = 1; i < hs.n; i++)
		assert_true(memcmp(hs.h[i - 1].origin, hs.h[i].origin, PK_PUB_BYTES) < 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(pk_heads_find(&hs, o[i]), (uint64_t)i + 1);
	assert_int_equal(pk_heads_set(&hs, o[7], 999), 0);
	assert_int_equal(hs.n, 200);
	assert_int_equal(pk_heads_find(&hs, o[7]), 999);
	o[7][31] = 2; /* not in the set */
	assert_int_equal(pk_heads_find(&hs, o[7]), 0);
	pk_heads_free(&hs);
	assert_null(hs.h);
	assert_int_equal(hs.n, 0);
	assert_int_equal(pk_heads_find(&hs, o[0]), 0);
}

/* ---- head lists: limits, order, sets (SPEC sections 12 and 16) ---- */

/* n heads, ascending origins, seq i + 1; the caller frees them. */
static struct pk_head *many_heads(size_t n)
{
	struct pk_head *h = calloc(n + 1, sizeof(*h));

	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		make_head(&h[i], (unsigned)i, i + 1);
	return h;
}

/* A message of the given name carrying h[0..n) as its head list, written by hand so that the
 * encoders' checks do not apply: ["heads", h], ["pull", h, 0, 0] or ["pushed", [], h]. */
static void mp_heads_msg(struct mp *m, const char *name, const struct pk_head *h, size_t n)
{
	bool pull = strcmp(name, "pull") == 0, pushed = strcmp(name, "pushed") == 0;

	mp_init(m);
	msgpack_pack_array(&m->pk, pull ? 4 : pushed ? 3 : 2);
	mp_str(m, name);
	if (pushed)
		msgpack_pack_array(&m->pk, 0);
	msgpack_pack_array(&m->pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_array(&m->pk, 2);
		mp_bin(m, h[i].origin, PK_PUB_BYTES);
		msgpack_pack_uint64(&m->pk, h[i].seq);
	}
	if (pull) {
		msgpack_pack_uint64(&m->pk, 0);
		msgpack_pack_uint64(&m->pk, 0);
	}
}

static const struct {
	const char *name;
	enum pk_sync_dir dir;
	uint32_t max;
} head_lists[] = {
    {"heads", PK_SYNC_REQUEST, PK_HEADS_MAX},
    {"heads", PK_SYNC_REPLY, PK_HEADS_MAX},
    {"pull", PK_SYNC_REQUEST, PK_HEADS_MAX},
    {"pushed", PK_SYNC_REPLY, PK_SYNC_PUSH_MAX_CS},
};

#define NLISTS (sizeof(head_lists) / sizeof(head_lists[0]))

/* Encodes h[0..n) in the message of head_lists[k]. */
static int encode_heads_as(size_t k, const struct pk_head *h, size_t n, uint8_t **out, size_t *len)
{
	if (strcmp(head_lists[k].name, "pull") == 0)
		return pk_sync_pull_encode(h, n, 0, 0, out, len);
	if (strcmp(head_lists[k].name, "pushed") == 0)
		return pk_sync_pushed_encode(NULL, 0, h, n, out, len);
	return pk_sync_heads_encode(h, n, out, len);
}

/* Each head list: exactly its limit is encoded and decoded; one more is refused by the encoder
 * and, in a hand-made message, by the decoder as too-big before any head is read. */
static void test_head_list_limits(void **state)
{
	struct pk_head *h = many_heads(PK_HEADS_MAX + 1);
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *buf;
	size_t len;
	char want[64];

	(void)state;
	assert_int_equal(PK_HEADS_MAX, 65536);
	for (size_t k = 0; k < NLISTS; k++) {
		uint32_t max = head_lists[k].max;

		assert_int_equal(encode_heads_as(k, h, max, &buf, &len), 0);
		assert_true(len <= PK_SYNC_MSG_MAX);
		assert_int_equal(pk_sync_decode(buf, len, head_lists[k].dir, &m, &d), 0);
		assert_int_equal(m.heads.n, max);
		free(buf);
		assert_int_equal(encode_heads_as(k, h, max + 1, &buf, &len), PK_ETOOBIG);
		assert_null(buf);

		mp_heads_msg(&mp, head_lists[k].name, h, max);
		assert_int_equal(mp_decode(&mp, head_lists[k].dir, &m, &d), 0);
		mp_free(&mp);
		mp_heads_msg(&mp, head_lists[k].name, h, max + 1);
		assert_int_equal(mp_decode(&mp, head_lists[k].dir, &m, &d), PK_ETOOBIG);
		snprintf(want, sizeof(want), "%u heads exceed %u", max + 1, max);
		if (strstr(d.msg, want) == NULL)
			fail_msg("%s: '%s' does not say '%s'", head_lists[k].name, d.msg, want);
		assert_int_equal(m.kind, PK_SYNC_NONE);
		mp_free(&mp);
	}
	free(h);
}

/* Each head list must be strictly ascending by origin with seq >= 1: a descending pair, a
 * duplicate origin and a seq of 0 are refused as malformed by the decoder (naming the head)
 * and as invalid by the encoder, at the start, in the middle and at the end of a list. */
static void test_head_list_order(void **state)
{
	static const struct {
		const char *what, *says;
	} rules[] = {
	    {"descending", "strictly ascending"},
	    {"duplicate", "strictly ascending"},
	    {"seq 0", "has sequence 0"},
	};
	struct pk_head h[8];
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *buf;
	size_t len;
	char want[32];

	(void)state;
	for (size_t k = 0; k < NLISTS; k++) {
		for (size_t r = 0; r < 3; r++) {
			for (size_t at = 1; at < 8; at += 3) { /* heads 1, 4, 7 */
				for (unsigned i = 0; i < 8; i++)
					make_head(&h[i], i, 5);
				if (r == 0) {
					struct pk_head t = h[at - 1];
					h[at - 1] = h[at];
					h[at] = t;
				} else if (r == 1) {
					memcpy(h[at].origin, h[at - 1].origin, PK_PUB_BYTES);
				} else {
					h[at].seq = 0;
				}
				mp_heads_msg(&mp, head_lists[k].name, h, 8);
				d.msg[0] = '\0';
				if (mp_decode(&mp, head_lists[k].dir, &m, &d) != PK_EDECODE)
					fail_msg("%s, %s at %zu: not malformed", head_lists[k].name,
					         rules[r].what, at);
				snprintf(want, sizeof(want), "head %zu ", at);
				if (strstr(d.msg, rules[r].says) == NULL ||
				    strstr(d.msg, want) == NULL)
					fail_msg("%s, %s: '%s'", head_lists[k].name, rules[r].what,
					         d.msg);
				assert_int_equal(m.kind, PK_SYNC_NONE);
				mp_free(&mp);
				assert_int_equal(encode_heads_as(k, h, 8, &buf, &len), PK_EINVAL);
				assert_null(buf);
				assert_int_equal(pk_heads_check(h, 8, 8), PK_EINVAL);
			}
		}
		/* one head with seq 0 alone, and the ascending list itself */
		make_head(&h[0], 0, 0);
		mp_heads_msg(&mp, head_lists[k].name, h, 1);
		assert_int_equal(mp_decode(&mp, head_lists[k].dir, &m, &d), PK_EDECODE);
		mp_free(&mp);
		for (unsigned i = 0; i < 8; i++)
			make_head(&h[i], i, UINT64_MAX - i);
		mp_heads_msg(&mp, head_lists[k].name, h, 8);
		assert_int_equal(mp_decode(&mp, head_lists[k].dir, &m, &d), 0);
		tu_check_heads(&m.heads, h, 8);
		mp_free(&mp);
	}
	assert_int_equal(pk_heads_check(h, 8, 8), 0);
	assert_int_equal(pk_heads_check(h, 8, 7), PK_ETOOBIG);
	assert_int_equal(pk_heads_check(NULL, 1, 8), PK_EINVAL);
	assert_int_equal(pk_heads_check(NULL, 0, 8), 0);
	/* origins that differ only in their last byte, and the bytewise (unsigned) order */
	memset(h[0].origin, 0x7f, PK_PUB_BYTES);
	memset(h[1].origin, 0x7f, PK_PUB_BYTES);
	h[1].origin[31] = 0x80;
	h[0].seq = h[1].seq = 1;
	assert_int_equal(pk_heads_check(h, 2, 8), 0);
	h[1].origin[31] = 0x7e;
	assert_int_equal(pk_heads_check(h, 2, 8), PK_EINVAL);
}

/* A pulled reply holds at most PK_SYNC_PUSH_MAX_CS changesets, like a push. */
static void test_pulled_count_limit(void **state)
{
	static const uint8_t one[1] = {7};
	struct pk_blob *b = calloc(PK_SYNC_PUSH_MAX_CS + 1, sizeof(*b));
	struct pk_sync_msg m;
	struct pk_diag d;
	struct mp mp;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(b);
	for (size_t i = 0; i <= PK_SYNC_PUSH_MAX_CS; i++) {
		b[i].p = one;
		b[i].len = 1;
	}
	assert_int_equal(pk_sync_pulled_encode(b, PK_SYNC_PUSH_MAX_CS, false, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_int_equal(m.changesets.n, PK_SYNC_PUSH_MAX_CS);
	free(buf);
	assert_int_equal(pk_sync_pulled_encode(b, PK_SYNC_PUSH_MAX_CS + 1, false, &buf, &len),
	                 PK_ETOOBIG);
	mp_init(&mp);
	msgpack_pack_array(&mp.pk, 3);
	mp_str(&mp, "pulled");
	msgpack_pack_array(&mp.pk, PK_SYNC_PUSH_MAX_CS + 1);
	for (size_t i = 0; i <= PK_SYNC_PUSH_MAX_CS; i++)
		mp_bin(&mp, one, 1);
	msgpack_pack_false(&mp.pk);
	assert_int_equal(mp_decode(&mp, PK_SYNC_REPLY, &m, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "1025 changesets exceed 1024"));
	mp_free(&mp);
	free(b);
}

/* A decoded list becomes a set in one pass and one allocation; merging a list sets the seqs
 * of origins held and adds the new ones in order; sorting keeps the highest seq per origin. */
static void test_head_set_from_lists(void **state)
{
	struct pk_head h[12];
	struct pk_heads hs = {0}, empty = {0};
	struct pk_sync_msg m;
	struct pk_sync_list bad;
	uint8_t *buf, *buf2;
	size_t len, len2;

	(void)state;
	for (unsigned i = 0; i < 12; i++)
		make_head(&h[i], i * 2, 10 + i); /* even origins */
	/* from a list: even origins 0..14 */
	assert_int_equal(pk_sync_heads_encode(h, 8, &buf, &len), 0);
	assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(pk_heads_from_list(&hs, &m.heads), 0);
	assert_int_equal(hs.n, 8);
	assert_int_equal(hs.cap, 64); /* one allocation, the smallest */
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(pk_heads_find(&hs, h[i].origin), 10 + i);
	/* again, over a set that holds something: replaced, not added to */
	assert_int_equal(pk_heads_from_list(&hs, &m.heads), 0);
	assert_int_equal(hs.n, 8);
	free(buf);

	/* merge: origins 4 and 8 again with new seqs, odd origins 1, 9, 99 new, 22 new at the end
	 */
	{
		struct pk_head in[6];
		make_head(&in[0], 1, 501);
		make_head(&in[1], 4, 502);
		make_head(&in[2], 8, 503);
		make_head(&in[3], 9, 504);
		make_head(&in[4], 22, 505);
		make_head(&in[5], 99, 506);
		assert_int_equal(pk_sync_pushed_encode(NULL, 0, in, 6, &buf2, &len2), 0);
		assert_int_equal(pk_sync_decode(buf2, len2, PK_SYNC_REPLY, &m, NULL), 0);
		assert_int_equal(pk_heads_merge(&hs, &m.heads), 0);
		assert_int_equal(hs.n, 12);
		for (size_t i = 1; i < hs.n; i++)
			assert_true(memcmp(hs.h[i - 1].origin, hs.h[i].origin, PK_PUB_BYTES) < 0);
		for (unsigned i = 0; i < 6; i++)
			assert_int_equal(pk_heads_find(&hs, in[i].origin), 501 + i);
		assert_int_equal(pk_heads_find(&hs, h[0].origin), 10);
		assert_int_equal(pk_heads_find(&hs, h[7].origin), 17);
		/* merging the same list again changes nothing */
		assert_int_equal(pk_heads_merge(&hs, &m.heads), 0);
		assert_int_equal(hs.n, 12);
		/* into an empty set: the list itself */
		assert_int_equal(pk_heads_merge(&empty, &m.heads), 0);
		assert_int_equal(empty.n, 6);
		for (unsigned i = 0; i < 6; i++)
			assert_memory_equal(empty.h[i].origin, in[i].origin, PK_PUB_BYTES);
		free(buf2);
	}

	/* a list that does not walk, or is not ascending, is refused */
	{
		static const uint8_t junk[] = {0xc1};
		bad.n = 1;
		bad.p = junk;
		bad.len = sizeof(junk);
		assert_int_equal(pk_heads_from_list(&empty, &bad), PK_EDECODE);
		assert_int_equal(empty.n, 0);
		assert_int_equal(pk_heads_merge(&hs, &bad), PK_EDECODE);
		assert_int_equal(hs.n, 12);
	}
	{
		struct mp mp;
		struct pk_head two[2];
		make_head(&two[0], 3, 1);
		make_head(&two[1], 2, 1);
		mp_init(&mp);
		msgpack_pack_array(&mp.pk, 2);
		for (int i = 0; i < 2; i++) {
			msgpack_pack_array(&mp.pk, 2);
			mp_bin(&mp, two[i].origin, PK_PUB_BYTES);
			msgpack_pack_uint64(&mp.pk, 1);
		}
		/* skip the array header: a view as pk_sync_decode would give, but descending */
		bad.n = 2;
		bad.p = mp_data(&mp) + 1;
		bad.len = mp.sb.size - 1;
		assert_int_equal(pk_heads_from_list(&empty, &bad), PK_EDECODE);
		assert_int_equal(pk_heads_merge(&hs, &bad), PK_EDECODE);
		assert_int_equal(hs.n, 12);
		mp_free(&mp);
	}

	/* sort: any order in, one head per origin out, the highest seq kept */
	pk_heads_free(&empty);
	empty.h = calloc(5, sizeof(*empty.h));
	assert_non_null(empty.h);
	empty.cap = 5;
	make_head(&empty.h[0], 7, 3);
	make_head(&empty.h[1], 2, 1);
	make_head(&empty.h[2], 7, 9);
	make_head(&empty.h[3], 5, 4);
	make_head(&empty.h[4], 7, 0);
	empty.n = 5;
	pk_heads_sort(&empty);
	assert_int_equal(empty.n, 3);
	assert_int_equal(empty.h[0].seq, 1);
	assert_int_equal(empty.h[1].seq, 4);
	assert_int_equal(empty.h[2].seq, 9);
	assert_int_equal(pk_heads_check(empty.h, empty.n, 3), 0);
	pk_heads_free(&empty);
	pk_heads_free(&hs);
}

/* CPU time of this thread, in seconds (not counting time other processes take). */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The least CPU time over several runs of decoding a heads message of n heads and building the
 * set (the parent's serve_heads), then merging a pushed reply of 1,024 new origins into it (the
 * uplink's acknowledgement). */
static double heads_work(const uint8_t *msg, size_t len, const uint8_t *ack, size_t alen, size_t n)
{
	double best = 1e9;

	for (int rep = 0; rep < 9; rep++) {
		struct pk_heads hs = {0};
		struct pk_sync_msg m;
		double t0 = cpu_now(), t;

		assert_int_equal(pk_sync_decode(msg, len, PK_SYNC_REQUEST, &m, NULL), 0);
		assert_int_equal(pk_heads_from_list(&hs, &m.heads), 0);
		assert_int_equal(hs.n, n);
		assert_int_equal(hs.cap, n); /* one allocation: n is a power of two */
		assert_int_equal(pk_sync_decode(ack, alen, PK_SYNC_REPLY, &m, NULL), 0);
		assert_int_equal(pk_heads_merge(&hs, &m.heads), 0);
		assert_int_equal(hs.n, n + PK_SYNC_PUSH_MAX_CS);
		t = cpu_now() - t0;
		best = t < best ? t : best;
		pk_heads_free(&hs);
	}
	return best;
}

/*
 * The worst case a child can send: a heads message with the cap's worth of heads, and the
 * worst pushed reply a parent can send: 1,024 origins that are all new. Decoding and building
 * the set must take linear time: twice the heads, at most 2.5 times the time (inserting
 * descending heads one by one with a memmove each, as before, is quadratic: four times). The
 * times are this thread's CPU time, the least of nine runs, so that other work on a shared
 * machine does not count.
 */
static void test_heads_linear(void **state)
{
	struct pk_head *h = many_heads(PK_HEADS_MAX + PK_SYNC_PUSH_MAX_CS);
	struct pk_head *ackh = calloc(PK_SYNC_PUSH_MAX_CS, sizeof(*ackh));
	uint8_t *msg[2], *ack[2];
	size_t len[2], alen[2], n[2] = {PK_HEADS_MAX / 2, PK_HEADS_MAX};
	double t[2];

	(void)state;
	assert_non_null(ackh);
	for (int k = 0; k < 2; k++) {
		/* the set holds every other origin; the ack brings 1,024 between them */
		struct pk_head *even = calloc(n[k], sizeof(*even));
		assert_non_null(even);
		for (size_t i = 0; i < n[k]; i++)
			make_head(&even[i], (unsigned)(2 * i), i + 1);
		for (size_t i = 0; i < PK_SYNC_PUSH_MAX_CS; i++)
			make_head(&ackh[i], (unsigned)(2 * i * (n[k] / PK_SYNC_PUSH_MAX_CS) + 1),
			          1);
		assert_int_equal(pk_sync_heads_encode(even, n[k], &msg[k], &len[k]), 0);
		assert_int_equal(
		    pk_sync_pushed_encode(NULL, 0, ackh, PK_SYNC_PUSH_MAX_CS, &ack[k], &alen[k]),
		    0);
		free(even);
	}
	assert_true(len[1] > 2 * 1000 * 1000); /* the full list is megabytes */
	for (int k = 0; k < 2; k++)
		t[k] = heads_work(msg[k], len[k], ack[k], alen[k], n[k]);
	print_message("# %zu heads: %.6f s, %zu heads: %.6f s, ratio %.2f\n", n[0], t[0], n[1],
	              t[1], t[1] / t[0]);
	if (t[1] > 2.5 * t[0])
		fail_msg("twice the heads took %.2f times as long", t[1] / t[0]);
	for (int k = 0; k < 2; k++) {
		free(msg[k]);
		free(ack[k]);
	}
	free(ackh);
	free(h);
}

/* The fuzzers' seed corpus holds one valid message of each kind (tests/fuzz/corpus/syncmsg). */
static void test_corpus_seeds(void **state)
{
	static const struct {
		const char *file;
		enum pk_sync_dir dir;
		enum pk_sync_kind kind;
	} seeds[] = {
	    {"heads", PK_SYNC_REQUEST, PK_SYNC_HEADS},
	    {"push", PK_SYNC_REQUEST, PK_SYNC_PUSH},
	    {"pull", PK_SYNC_REQUEST, PK_SYNC_PULL},
	    {"join", PK_SYNC_REQUEST, PK_SYNC_JOIN},
	    {"heads", PK_SYNC_REPLY, PK_SYNC_HEADS_REPLY},
	    {"pushed", PK_SYNC_REPLY, PK_SYNC_PUSHED},
	    {"pulled", PK_SYNC_REPLY, PK_SYNC_PULLED},
	    {"joined", PK_SYNC_REPLY, PK_SYNC_JOINED},
	};
	static uint8_t buf[1 << 16];

	(void)state;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[128];
		struct pk_sync_msg m;
		struct pk_diag d;
		FILE *f;
		size_t len;

		snprintf(path, sizeof(path), "tests/fuzz/corpus/syncmsg/%s", seeds[i].file);
		f = fopen(path, "rb");
		if (f == NULL)
			fail_msg("%s: cannot open", path);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (pk_sync_decode(buf, len, seeds[i].dir, &m, &d) != 0)
			fail_msg("%s: %s", path, d.msg);
		assert_int_equal(m.kind, seeds[i].kind);
	}
}

/* n with thousands separators, as SPEC writes numbers ("65,536"). */
static const char *with_commas(char *buf, size_t size, unsigned long long n)
{
	char digits[32];
	size_t len, k = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu", n);
	for (size_t i = 0; i < len && k + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = digits[i];
	}
	buf[k] = '\0';
	return buf;
}

/* SPEC section 12 is the table of every limit: each row states the number the code enforces.
 * A limit changed in a header without the table (or the reverse) fails here. */
static void test_spec_limits(void **state)
{
	static const struct {
		const char *row;
		unsigned long long v[4];
	} rows[] = {
	    {"| a region code |", {PK_REGION_MAX}},
	    {"| a record key / a collection name |", {PK_KEY_MAX, PK_COLL_MAX}},
	    {"| a record value |", {PK_VALUE_MAX_BYTES}},
	    {"| a `str` field / a `text` field |", {PK_STR_MAX, PK_TEXT_MAX}},
	    {"| a `strlist` field |", {PK_LIST_MAX, PK_STR_MAX}},
	    {"| a changeset |", {PK_CS_MAX_BYTES, PK_CS_MAX_OPS}},
	    {"| a certificate / a chain |", {PK_CERT_MAX_BYTES, PK_CHAIN_MAX}},
	    {"| a node name |", {PK_NAME_MAX}},
	    {"| a join request |", {PK_REQUEST_MAX_BYTES}},
	    {"| a certificate set |", {PK_CHAIN_MAX, PK_CERTSET_MAX_BYTES}},
	    {"| a message body on the wire |", {PK_MSG_MAX}},
	    {"| a sealed plaintext |", {PK_SYNC_MSG_MAX}},
	    {"| an `error` message |", {PK_ERRMSG_CODE_MAX, PK_ERRMSG_TEXT_MAX}},
	    {"| a head list:", {PK_HEADS_MAX}},
	    {"| a `push` |", {PK_SYNC_PUSH_MAX_CS, PK_SYNC_PUSH_MAX_CERTS}},
	    {"| a changeset blob / a certificate blob", {PK_SYNC_CS_BLOB_MAX, PK_CERT_MAX_BYTES}},
	    {"| a `pushed` reply |", {PK_SYNC_PUSH_MAX_CS, PK_SYNC_REASON_MAX}},
	    {"| a `pulled` reply |", {PK_SYNC_PUSH_MAX_CS}},
	    {"| `pull`'s `wait_ms` / `max_bytes` |", {PK_SYNC_WAIT_MAX_MS, PK_SYNC_PULL_MAX_BYTES}},
	    {"| an invite token |", {PK_INVITE_MAX, PK_INVITE_URL_MAX, PK_NAME_MAX}},
	    {"| a bundle file |", {PK_BUNDLE_MAX_BYTES}},
	    {"| a bundle's heads / certificates / changesets |",
	     {PK_BUNDLE_MAX_HEADS, PK_BUNDLE_MAX_CERTS, PK_BUNDLE_MAX_CS}},
	};
	static char spec[1 << 20];
	char *sec, *end, num[32];
	FILE *f = fopen("proto/SPEC.md", "rb");
	size_t len;

	(void)state;
	assert_non_null(f);
	len = fread(spec, 1, sizeof(spec) - 1, f);
	fclose(f);
	spec[len] = '\0';
	sec = strstr(spec, "\n## 12. Limits\n");
	assert_non_null(sec);
	end = strstr(sec + 1, "\n## ");
	assert_non_null(end);
	*end = '\0';
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *line = strstr(sec, rows[i].row), *eol;

		if (line == NULL)
			fail_msg("SPEC section 12 has no row '%s'", rows[i].row);
		eol = strchr(line, '\n');
		if (eol != NULL)
			*eol = '\0';
		for (int k = 0; k < 4 && rows[i].v[k] != 0; k++) {
			with_commas(num, sizeof(num), rows[i].v[k]);
			if (strstr(line, num) == NULL)
				fail_msg("SPEC section 12, row '%s' does not state %s", rows[i].row,
				         num);
		}
		if (eol != NULL)
			*eol = '\n';
	}
}

/* SPEC section 19 lists every reason tag; the code's tags (proto/error.c's table, with the
 * lineage refusal, the session error codes, the listen port's log tags, the web API's own) are
 * exactly those. */
static void test_spec_tags(void **state)
{
	static const char *const extra[] = {
	    "unknown-session", "refused",      "busy",          "full",
	    "port-limit",      "port-timeout", "port-oversize", "port-protocol"};
	const char *code[PK_ERR_COUNT + sizeof(extra) / sizeof(extra[0]) + 8];
	static char spec[1 << 20];
	char *sec, *end, *line;
	size_t n = 0, len, found = 0;
	FILE *f = fopen("proto/SPEC.md", "rb");

	(void)state;
	for (int e = 0; e < PK_ERR_COUNT; e++)
		code[n++] = pk_errtag(-e);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		code[n++] = extra[i];
	for (size_t i = 0; web_tags[i] != NULL && i < 8; i++)
		code[n++] = web_tags[i];
	assert_non_null(f);
	len = fread(spec, 1, sizeof(spec) - 1, f);
	fclose(f);
	spec[len] = '\0';
	sec = strstr(spec, "\n## 19. Reason tags\n");
	assert_non_null(sec);
	end = strstr(sec + 1, "\n## ");
	assert_non_null(end);
	*end = '\0';
	/* Every row "| `tag` | ..." names a tag of the code, once. */
	for (line = strstr(sec, "\n| `"); line != NULL; line = strstr(line + 1, "\n| `")) {
		char *t = line + 4, *q = strchr(t, '`');
		bool known = false;

		assert_non_null(q);
		for (size_t i = 0; i < n; i++)
			if (strlen(code[i]) == (size_t)(q - t) &&
			    memcmp(code[i], t, (size_t)(q - t)) == 0)
				known = true;
		if (!known)
			fail_msg("SPEC section 19 names '%.*s', which the code does not use",
			         (int)(q - t), t);
		found++;
	}
	/* ... and every tag of the code has its row. */
	for (size_t i = 0; i < n; i++) {
		char row[80];

		snprintf(row, sizeof(row), "\n| `%s` |", code[i]);
		if (strstr(sec, row) == NULL)
			fail_msg("the code's tag '%s' has no row in SPEC section 19", code[i]);
	}
	/* One row per tag ("too-big", "malformed" and "replay" are also session errors). */
	assert_int_equal(found, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heads_round_trip),
	    cmocka_unit_test(test_push_round_trip),
	    cmocka_unit_test(test_pull_round_trip),
	    cmocka_unit_test(test_join_round_trip),
	    cmocka_unit_test(test_pushed_round_trip),
	    cmocka_unit_test(test_pulled_round_trip),
	    cmocka_unit_test(test_blob_cost),
	    cmocka_unit_test(test_push_limits),
	    cmocka_unit_test(test_message_size_limit),
	    cmocka_unit_test(test_pull_limits),
	    cmocka_unit_test(test_pushed_limits),
	    cmocka_unit_test(test_truncation_and_trailing),
	    cmocka_unit_test(test_request_reply_confusion),
	    cmocka_unit_test(test_unknown_name),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_counts_larger_than_input),
	    cmocka_unit_test(test_iter_on_bad_bytes),
	    cmocka_unit_test(test_invite_round_trip),
	    cmocka_unit_test(test_invite_refusals),
	    cmocka_unit_test(test_invite_encode_refusals),
	    cmocka_unit_test(test_head_set),
	    cmocka_unit_test(test_head_list_limits),
	    cmocka_unit_test(test_head_list_order),
	    cmocka_unit_test(test_pulled_count_limit),
	    cmocka_unit_test(test_head_set_from_lists),
	    cmocka_unit_test(test_heads_linear),
	    cmocka_unit_test(test_corpus_seeds),
	    cmocka_unit_test(test_spec_limits),
	    cmocka_unit_test(test_spec_tags),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
