/*
 * test_parts.c: changesets in parts (SPEC section 16, "Parts"): the optional elements of the sync
 * messages, the receiver's staging (daemon/staging.c) across a cut and a reopen, and the link
 * estimate that sizes the units (daemon/linkest.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <msgpack.h>

#include "daemon/linkest.h"
#include "daemon/staging.h"
#include "proto/crypto.h"
#include "proto/syncmsg.h"
#include "testutil.h"

static uint8_t *bytes(size_t n, unsigned seed)
{
	uint8_t *b = malloc(n);

	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed);
	return b;
}

static struct pk_part part_of(const uint8_t *cs, size_t total, size_t off, size_t len)
{
	struct pk_part p;

	pk_hash(p.hash, cs, total);
	p.total = total;
	p.offset = off;
	p.data.p = cs + off;
	p.data.len = len;
	return p;
}

static void test_messages_round_trip(void **state)
{
	uint8_t *cs = bytes(5000, 1), *out;
	struct pk_part p = part_of(cs, 5000, 1000, 2000);
	struct pk_staged st = {{0}, 5000, 3000};
	struct pk_head h = {{7}, 3};
	struct pk_sync_msg m;
	size_t len;

	(void)state;
	memcpy(st.hash, p.hash, PK_HASH_BYTES);
	/* push with a part after no changesets */
	assert_int_equal(pk_sync_push_part_encode(NULL, 0, NULL, 0, &p, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_int_equal(m.kind, PK_SYNC_PUSH);
	assert_true(m.has_part);
	assert_int_equal(m.part.total, 5000);
	assert_int_equal(m.part.offset, 1000);
	assert_int_equal(m.part.data.len, 2000);
	assert_memory_equal(m.part.data.p, cs + 1000, 2000);
	assert_memory_equal(m.part.hash, p.hash, PK_HASH_BYTES);
	free(out);
	/* the old push has no part */
	assert_int_equal(pk_sync_push_encode(NULL, 0, NULL, 0, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_false(m.has_part);
	free(out);
	/* pushed with staged */
	assert_int_equal(pk_sync_pushed_part_encode(NULL, 0, &h, 1, 3000, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_true(m.has_staged);
	assert_int_equal(m.staged, 3000);
	free(out);
	/* pull with staged, and with nil */
	assert_int_equal(pk_sync_pull_part_encode(&h, 1, 100, 8192, &st, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_true(m.parts);
	assert_true(m.has_staged);
	assert_int_equal(m.pstaged.have, 3000);
	assert_int_equal(m.max_bytes, 8192);
	free(out);
	assert_int_equal(pk_sync_pull_part_encode(&h, 1, 100, 8192, NULL, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REQUEST, &m, NULL), 0);
	assert_true(m.parts);
	assert_false(m.has_staged);
	free(out);
	/* pulled with a part, and with nil */
	assert_int_equal(pk_sync_pulled_part_encode(NULL, 0, true, &p, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_true(m.has_part);
	assert_int_equal(m.part.offset, 1000);
	free(out);
	assert_int_equal(pk_sync_pulled_part_encode(NULL, 0, false, NULL, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_false(m.has_part);
	free(out);
	/* the heads reply with staged; as a request the same bytes are refused */
	assert_int_equal(pk_sync_heads_staged_encode(&h, 1, &st, &out, &len), 0);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REPLY, &m, NULL), 0);
	assert_true(m.has_staged);
	assert_int_equal(m.pstaged.total, 5000);
	assert_int_equal(pk_sync_decode(out, len, PK_SYNC_REQUEST, &m, NULL), PK_EDECODE);
	free(out);
	free(cs);
}

static void test_part_limits(void **state)
{
	uint8_t *cs = bytes(PK_SYNC_CS_BLOB_MAX + 16, 2), *out; /* the largest total hashed */
	struct pk_part p;
	struct pk_staged st = {{0}, 10, 11};
	size_t len;

	(void)state;
	p = part_of(cs, 100, 90, 20); /* beyond total */
	assert_int_equal(pk_sync_push_part_encode(NULL, 0, NULL, 0, &p, &out, &len), PK_EINVAL);
	p = part_of(cs, 0, 0, 0); /* an empty changeset */
	assert_int_equal(pk_sync_pulled_part_encode(NULL, 0, true, &p, &out, &len), PK_EINVAL);
	p = part_of(cs, PK_SYNC_CS_BLOB_MAX + 1, 0, 10);
	assert_int_equal(pk_sync_push_part_encode(NULL, 0, NULL, 0, &p, &out, &len), PK_ETOOBIG);
	p = part_of(cs, PK_PART_DATA_MAX + 10, 0, PK_PART_DATA_MAX + 1);
	assert_int_equal(pk_sync_push_part_encode(NULL, 0, NULL, 0, &p, &out, &len), PK_ETOOBIG);
	assert_int_equal(pk_sync_pull_part_encode(NULL, 0, 0, 0, &st, &out, &len), PK_EINVAL);
	/* A part with no data at its end is valid: it asks to finish what is held. */
	p = part_of(cs, 100, 100, 0);
	assert_int_equal(pk_sync_push_part_encode(NULL, 0, NULL, 0, &p, &out, &len), 0);
	free(out);
	free(cs);
}

/* Hand-built messages the encoders refuse to make: the decoder refuses them too. */
static void test_part_decode_refusals(void **state)
{
	static const struct {
		const char *what;
		uint64_t total, offset;
		uint32_t datalen;
		int want;
	} cases[] = {
	    {"beyond total", 100, 90, 20, PK_EDECODE},
	    {"total 0", 0, 0, 0, PK_EDECODE},
	    {"total over the blob limit", PK_SYNC_CS_BLOB_MAX + 1, 0, 1, PK_ETOOBIG},
	    {"offset over total", 10, 11, 0, PK_EDECODE},
	};
	uint8_t hash[PK_HASH_BYTES] = {1}, data[32] = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		struct pk_sync_msg m;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_array(&pk, 4);
		tu_pack_str(&pk, "push");
		msgpack_pack_array(&pk, 0);
		msgpack_pack_array(&pk, 0);
		msgpack_pack_array(&pk, 4);
		tu_pack_bin(&pk, hash, sizeof(hash));
		msgpack_pack_uint64(&pk, cases[i].total);
		msgpack_pack_uint64(&pk, cases[i].offset);
		tu_pack_bin(&pk, data, cases[i].datalen);
		if (pk_sync_decode((uint8_t *)sb.data, sb.size, PK_SYNC_REQUEST, &m, NULL) !=
		    cases[i].want)
			fail_msg("%s: not refused as expected", cases[i].what);
		msgpack_sbuffer_destroy(&sb);
	}
}

/* A pull's staged and a pushed reply's staged out of range: refused by the decoder. */
static void test_staged_decode_refusals(void **state)
{
	uint8_t hash[PK_HASH_BYTES] = {2};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pk_sync_msg m;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 5);
	tu_pack_str(&pk, "pull");
	msgpack_pack_array(&pk, 0);
	msgpack_pack_uint64(&pk, 0);
	msgpack_pack_uint64(&pk, 1000);
	msgpack_pack_array(&pk, 3);
	tu_pack_bin(&pk, hash, sizeof(hash));
	msgpack_pack_uint64(&pk, 10);
	msgpack_pack_uint64(&pk, 11); /* have beyond total */
	assert_int_equal(pk_sync_decode((uint8_t *)sb.data, sb.size, PK_SYNC_REQUEST, &m, NULL),
	                 PK_EDECODE);
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_array(&pk, 4);
	tu_pack_str(&pk, "pushed");
	msgpack_pack_array(&pk, 0);
	msgpack_pack_array(&pk, 0);
	msgpack_pack_uint64(&pk, (uint64_t)PK_SYNC_CS_BLOB_MAX + 1);
	assert_int_equal(pk_sync_decode((uint8_t *)sb.data, sb.size, PK_SYNC_REPLY, &m, NULL),
	                 PK_EDECODE);
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_array(&pk, 3); /* a heads request never has staged */
	tu_pack_str(&pk, "heads");
	msgpack_pack_array(&pk, 0);
	msgpack_pack_nil(&pk);
	assert_int_equal(pk_sync_decode((uint8_t *)sb.data, sb.size, PK_SYNC_REQUEST, &m, NULL),
	                 PK_EDECODE);
	msgpack_sbuffer_destroy(&sb);
}

static void test_staging(void **state)
{
	char *dir = tu_tmpdir();
	struct tu_key root, peer, other;
	struct store *s;
	uint8_t *cs = bytes(10000, 3), *cs2 = bytes(300, 4), *blob;
	struct pk_part p;
	struct pk_staged st;
	uint64_t have;
	size_t len;

	(void)state;
	tu_key(&root, 0);
	tu_key(&peer, 1);
	tu_key(&other, 2);
	s = tu_store_new(dir, &root, &root, "", "Nasional");
	assert_int_equal(staging_get(s, peer.pub, &st), PK_ENOTFOUND);
	/* a part that does not start at 0 of a changeset not held: ignored */
	p = part_of(cs, 10000, 4000, 1000);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 0);
	assert_null(blob);
	p = part_of(cs, 10000, 0, 4000);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 4000);
	assert_null(blob);
	/* a reopen (a restart, a kill -9 after the commit) keeps it */
	store_close(s);
	s = tu_store_open(dir);
	assert_int_equal(staging_get(s, peer.pub, &st), 0);
	assert_int_equal(st.have, 4000);
	assert_int_equal(st.total, 10000);
	/* a part beyond what is held: ignored; one overlapping it: only the new bytes kept */
	p = part_of(cs, 10000, 5000, 1000);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 4000);
	p = part_of(cs, 10000, 3000, 4000);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 7000);
	/* another peer's parts are its own */
	p = part_of(cs2, 300, 0, 100);
	assert_int_equal(staging_take(s, other.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 100);
	/* the last part completes it: the bytes come back whole */
	p = part_of(cs, 10000, 7000, 3000);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(have, 10000);
	assert_non_null(blob);
	assert_int_equal(len, 10000);
	assert_memory_equal(blob, cs, 10000);
	free(blob);
	/* staging_done for another hash leaves it; for its own deletes it */
	assert_int_equal(staging_done(s, peer.pub, cs2), 0);
	assert_int_equal(staging_get(s, peer.pub, &st), 0);
	p = part_of(cs, 10000, 0, 0);
	assert_int_equal(staging_done(s, peer.pub, p.hash), 0);
	assert_int_equal(staging_get(s, peer.pub, &st), PK_ENOTFOUND);
	assert_int_equal(staging_get(s, other.pub, &st), 0);
	/* bytes that do not make the changeset named: refused, and dropped */
	p = part_of(cs2, 300, 100, 200);
	memcpy(cs2 + 200, "\xff\xff", 2); /* the data changes after the hash was taken */
	p.data.p = cs2 + 100;
	assert_int_equal(staging_take(s, other.pub, &p, &have, &blob, &len), PK_EDECODE);
	assert_int_equal(have, 0);
	assert_null(blob);
	assert_int_equal(staging_get(s, other.pub, &st), PK_ENOTFOUND);
	/* a new changeset from offset 0 replaces the one held */
	p = part_of(cs, 10000, 0, 10);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	p = part_of(cs2, 300, 0, 10);
	assert_int_equal(staging_take(s, peer.pub, &p, &have, &blob, &len), 0);
	assert_int_equal(staging_get(s, peer.pub, &st), 0);
	assert_int_equal(st.total, 300);
	assert_int_equal(st.have, 10);
	store_close(s);
	tu_rmrf(dir);
	free(dir);
	free(cs);
	free(cs2);
}

static void test_linkest(void **state)
{
	struct linkest e = {0};
	size_t cap = 1 << 20, unit;

	(void)state;
	/* unmeasured and far: the starting unit */
	assert_int_equal(linkest_unit(&e, true, cap), LINKEST_WIRE_START);
	/* a LAN round trip: whole batches */
	linkest_note(&e, 200, 200, 200, 200, 1, false);
	assert_int_equal(linkest_unit(&e, true, cap), cap);
	assert_false(linkest_unit(&e, true, cap) < cap); /* not thin: no parts */
	/* a district modem: 300 ms round trips, 6,250 bytes a second up, 10x compression */
	memset(&e, 0, sizeof(e));
	linkest_note(&e, 300, 300, 200, 200, 300, false);
	for (int i = 0; i < 20; i++)
		linkest_note(&e, 6250 + LINKEST_BURST, 62500, 100, 100, 1300, false);
	unit = linkest_unit(&e, true, cap);
	/* about LINKEST_UNIT_MS of wire, times 10 */
	assert_true(unit > 6250 * LINKEST_UNIT_MS / 100 * 8 / 10 &&
	            unit < 6250 * LINKEST_UNIT_MS / 100 * 12 / 10);
	/* connections cut after 1,500 ms: a unit takes at most (1,500 - 2 x 300) / 2 ms on the
	 * wire, without halving anything; a connection that lasts longer lifts the bound at once */
	{
		struct linkest c = e;

		for (int i = 0; i < 20; i++)
			linkest_cut(&c, 1500);
		assert_true(c.life_ms > 1490 && c.life_ms < 1510);
		assert_true(linkest_unit(&c, true, cap) > unit * 450 / LINKEST_UNIT_MS * 8 / 10 &&
		            linkest_unit(&c, true, cap) < unit * 450 / LINKEST_UNIT_MS * 12 / 10);
		assert_true(c.cap_up == 0);
		linkest_alive(&c, 60000);
		assert_int_equal(linkest_unit(&c, true, cap), unit);
	}
	/* a timeout loses a unit: the next is half as large, then grows back as exchanges go
	 * through */
	linkest_lost(&e, true);
	assert_true(linkest_unit(&e, true, cap) < unit * 6 / 10);
	for (int i = 0; i < 30; i++)
		linkest_note(&e, 6250 + LINKEST_BURST, 62500, 100, 100, 1300, false);
	assert_true(linkest_unit(&e, true, cap) > unit * 9 / 10);
	assert_true(linkest_unit(&e, true, cap) < cap); /* thin */
	/* the down direction is measured apart; held exchanges say nothing of time */
	assert_int_equal(linkest_unit(&e, false, cap), LINKEST_WIRE_START);
	linkest_note(&e, 100, 100, 100000, 100000, 30000, true);
	assert_int_equal(linkest_unit(&e, false, cap), LINKEST_WIRE_START);
	/* a busy parent: small exchanges take 1,200 ms, not the link's 300, so the smoothed round
	 * trip climbs; the throughput still subtracts the link's own delay and never reads above
	 * the 6,250 bytes a second the link carries */
	memset(&e, 0, sizeof(e));
	linkest_note(&e, 300, 300, 200, 200, 300, false);
	for (int i = 0; i < 60; i++)
		linkest_note(&e, 300, 300, 200, 200, 1200, false);
	assert_true(e.rtt_ms > 900);
	for (int i = 0; i < 20; i++)
		linkest_note(&e, 6250 + LINKEST_BURST, 62500, 100, 100, 1300, false);
	assert_true(e.up_bps > 6250 * 0.9 && e.up_bps < 6250 * 1.1);
	/* a very slow link still gets the smallest unit */
	memset(&e, 0, sizeof(e));
	linkest_note(&e, 5000, 5000, 10, 10, 60000, false);
	assert_int_equal(linkest_unit(&e, true, cap), LINKEST_WIRE_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_messages_round_trip),
	    cmocka_unit_test(test_part_limits),
	    cmocka_unit_test(test_part_decode_refusals),
	    cmocka_unit_test(test_staged_decode_refusals),
	    cmocka_unit_test(test_staging),
	    cmocka_unit_test(test_linkest),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
