/*
 * test_clock.c: the clock rules of daemon/clock.c (SPEC sections 4 and 8): local writes refused
 * while this node's clock is off from its peers', with the sentence that says so; changesets
 * stamped ahead held until their time, their origin's later ones held behind them, applied in
 * order when the clock reaches them; beyond the hold bound refused as `clock`; the peers table
 * read in its old layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>

#include "daemon/store.h"
#include "proto/hlc.h"
#include "proto/syncmsg.h"
#include "testutil.h"

#define HOUR_MS 3600000ULL
#define BASE_MS (TU_T0_MS + 86400000ULL) /* 2026-01-02: inside every certificate */
#define BASE_HLC pk_hlc_from_ms(BASE_MS)

static struct tu_key root, prov, kab_a;

struct fx {
	char *dir;
	char path[512];
	struct store *s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/node", f->dir);
	f->s = tu_store_new(f->path, &root, &root, "", "Kementerian PKP");
	tu_cert_put(f->s, &root, &prov, "32");
	tu_cert_put(f->s, &prov, &kab_a, "32.75");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->s != NULL)
		store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static uint8_t *kg_next(struct tu_origin *o, uint64_t hlc, const char *key, size_t *len)
{
	size_t vlen;
	uint8_t *v = tu_kegiatan("Sosialisasi", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", "32.75", key, v, vlen);
	uint8_t *cs = tu_cs_next(o, hlc, &op, 1, len);

	free(v);
	return cs;
}

static int apply1(struct store *s, const uint8_t *cs, size_t len, uint64_t now_ms,
                  struct pk_diag *why)
{
	struct store_blob b = {cs, len};
	struct store_outcome o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(store_apply(s, &b, 1, 1, now_ms, &o), 0);
	if (why != NULL)
		*why = o.why;
	return o.err;
}

static int count_rec(const struct store_record *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int records(struct store *s)
{
	int n = 0;

	assert_true(store_list(s, "kegiatan", NULL, false, count_rec, &n) >= 0);
	return n;
}

static uint64_t held_count(struct store *s)
{
	uint64_t n, first;

	assert_int_equal(store_held_stats(s, &n, &first), 0);
	return n;
}

/* A changeset 1 h ahead is held, not applied, and its origin's next one is held behind it;
 * both are applied in order once the clock reaches them, and the heads a peer is told count
 * them as held. */
static void test_held_chain(void **state)
{
	struct fx *f = *state;
	struct tu_origin a;
	struct store_head h;
	struct pk_heads hs = {0};
	struct pk_diag why;
	uint8_t *c1, *c2, *c3, *c4;
	size_t l1, l2, l3, l4;
	uint64_t next = 0, n, first;

	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&a, 0, "kg-1", &l1);
	c2 = kg_next(&a, pk_hlc_from_ms(BASE_MS + HOUR_MS), "kg-2", &l2); /* 1 h ahead */
	c3 = kg_next(&a, 0, "kg-3", &l3);                                 /* chained on c2 */
	c4 = kg_next(&a, 0, "kg-4", &l4);
	assert_int_equal(apply1(f->s, c1, l1, BASE_MS, NULL), 0);
	assert_int_equal(apply1(f->s, c2, l2, BASE_MS, &why), PK_EHELD);
	assert_non_null(strstr(why.msg, "3600 s ahead"));
	assert_int_equal(apply1(f->s, c3, l3, BASE_MS, NULL), PK_EHELD);
	/* Sent again while held: still held, nothing changes. */
	assert_int_equal(apply1(f->s, c2, l2, BASE_MS, NULL), PK_EHELD);
	/* Not applied: the head, the records and the node's clock stay. */
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 1);
	assert_int_equal(records(f->s), 1);
	assert_int_equal(store_held_stats(f->s, &n, &first), 0);
	assert_true(n == 2 && first == BASE_MS + HOUR_MS);
	/* Not a refusal. */
	assert_int_equal(store_refusals(f->s, NULL, NULL), 0);
	/* Peers are told they are held. */
	assert_int_equal(pk_heads_set(&hs, kab_a.pub, 1), 0);
	assert_int_equal(store_heads_add_held(f->s, &hs), 0);
	assert_true(pk_heads_find(&hs, kab_a.pub) == 3);
	pk_heads_free(&hs);

	/* Not yet due: release applies nothing and says when to look again. */
	assert_int_equal(store_held_release(f->s, BASE_MS + 10 * 60000, NULL, NULL, &next), 0);
	assert_true(next == BASE_MS + HOUR_MS - 10 * 60000);
	assert_true(held_count(f->s) == 2);
	/* Its time: both applied in order, then the next one follows normally. */
	assert_int_equal(store_held_release(f->s, BASE_MS + HOUR_MS, NULL, NULL, &next), 0);
	assert_true(next == 0);
	assert_true(held_count(f->s) == 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 3);
	assert_int_equal(records(f->s), 3);
	assert_int_equal(apply1(f->s, c4, l4, BASE_MS + HOUR_MS, NULL), 0);
	assert_int_equal(apply1(f->s, c2, l2, BASE_MS + HOUR_MS, NULL), PK_EEXIST);
	free(c1);
	free(c2);
	free(c3);
	free(c4);
}

static int refusal_tag(const char *tag, uint64_t count, void *arg)
{
	snprintf(arg, 32, "%s=%llu", tag, (unsigned long long)count);
	return 0;
}

/* Beyond the hold bound: refused as `clock` (and counted), nothing held. Behind a held one: a
 * gap, a broken chain and a second changeset for a held sequence (a fork) are told apart. */
static void test_hold_bounds(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, b;
	struct pk_diag why;
	struct store_head h;
	uint8_t *c1, *c2, *c3, *fork, *gap;
	size_t l1, l2, l3, lf, lg;
	char tag[32] = "";

	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&a, pk_hlc_from_ms(BASE_MS + 8 * 24 * HOUR_MS), "kg-1", &l1);
	assert_int_equal(apply1(f->s, c1, l1, BASE_MS, &why), PK_ECLOCK);
	assert_non_null(strstr(why.msg, "hold bound"));
	assert_true(held_count(f->s) == 0);
	assert_int_equal(store_refusals(f->s, refusal_tag, tag), 0);
	assert_string_equal(tag, "clock=1");
	/* A shorter hold bound, set like pokjad's [limits] max_clock_hold. */
	store_set_max_hold(f->s, 2 * HOUR_MS);
	tu_origin_init(&b, 2, BASE_HLC);
	c2 = kg_next(&b, pk_hlc_from_ms(BASE_MS + HOUR_MS), "kg-2", &l2);
	assert_int_equal(apply1(f->s, c2, l2, BASE_MS, NULL), PK_EHELD);
	{
		struct tu_origin late = b;

		c3 = kg_next(&late, pk_hlc_from_ms(BASE_MS + 3 * HOUR_MS), "kg-3", &l3);
		assert_int_equal(apply1(f->s, c3, l3, BASE_MS, NULL), PK_ECLOCK);
		free(kg_next(&late, 0, "kg-4", &lg));
		gap = kg_next(&late, 0, "kg-5", &lg);
		assert_int_equal(apply1(f->s, gap, lg, BASE_MS, NULL), PK_EGAP);
	}
	{
		struct tu_origin other;

		tu_origin_init(&other, 2, BASE_HLC + 5);
		fork = kg_next(&other, pk_hlc_from_ms(BASE_MS + HOUR_MS + 1), "kg-x", &lf);
		assert_int_equal(apply1(f->s, fork, lf, BASE_MS, NULL), PK_EFORK);
	}
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.forked);
	assert_true(held_count(f->s) == 0);
	free(c1);
	free(c2);
	free(c3);
	free(gap);
	free(fork);
}

static int told(const uint8_t *raw, size_t len, const struct store_outcome *o, void *arg);
static int told(const uint8_t *raw, size_t len, const struct store_outcome *o, void *arg)
{
	(void)raw;
	(void)len;
	((int *)arg)[((int *)arg)[0] + 1] = o->err;
	((int *)arg)[0]++;
	return 0;
}

static void told_fn(const uint8_t *raw, size_t len, const struct store_outcome *o, void *arg)
{
	(void)told(raw, len, o, arg);
}

/* A held changeset is checked again by all of section 8 when its time comes: revoked meanwhile
 * (by a revocation stamped before it), it is refused then, and the one held behind it goes
 * too, leaving nothing held. */
static void test_release_refused(void **state)
{
	struct fx *f = *state;
	struct tu_origin a;
	static const char *const k_kunci[] = {"kunci"};
	char *hex = tu_hex(kab_a.pub, PK_PUB_BYTES);
	const char *kunci = hex;
	struct store_written w;
	struct pk_diag d = {""};
	struct store_head h;
	uint8_t *c1, *c2, *v;
	size_t l1, l2, vl;
	uint64_t next;
	int outs[8] = {0};

	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&a, pk_hlc_from_ms(BASE_MS + HOUR_MS), "kg-1", &l1);
	c2 = kg_next(&a, 0, "kg-2", &l2);
	assert_int_equal(apply1(f->s, c1, l1, BASE_MS, NULL), PK_EHELD);
	assert_int_equal(apply1(f->s, c2, l2, BASE_MS, NULL), PK_EHELD);
	v = tu_map(&vl, 1, k_kunci, &kunci, NULL);
	{
		/* Filed under the revoker's own region, which covers the certificate's. */
		struct pk_op op = tu_op("pencabutan", "", "cabut-1", v, vl);

		assert_int_equal(store_write(f->s, root.sec, &op, 1, BASE_MS, &w, NULL, NULL, &d),
		                 0);
	}
	assert_int_equal(store_held_release(f->s, BASE_MS + HOUR_MS, told_fn, outs, &next), 0);
	assert_int_equal(outs[0], 2);
	assert_int_equal(outs[1], PK_EREVOKED);
	assert_true(next == 0);
	assert_true(held_count(f->s) == 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 0);
	free(v);
	free(hex);
	free(c1);
	free(c2);
}

/* Sets the clock skew kept for a peer. */
static void peer_skew(struct store *s, const struct tu_key *k, const char *role, int64_t skew)
{
	struct store_peer p;

	memset(&p, 0, sizeof(p));
	memcpy(p.key, k->pub, PK_PUB_BYTES);
	snprintf(p.role, sizeof(p.role), "%s", role);
	snprintf(p.name, sizeof(p.name), "%s", "Pokja PKP Provinsi Jawa Barat");
	snprintf(p.region, sizeof(p.region), "%s", "32");
	p.skew_known = true;
	p.skew = skew;
	p.skew_at = BASE_MS / 1000;
	assert_int_equal(store_peer_put(s, &p), 0);
}

static int write1(struct store *s, const struct tu_key *k, const char *region, struct pk_diag *d)
{
	size_t vlen;
	uint8_t *v = tu_kegiatan("Rapat", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", region, "kg-w", v, vlen);
	struct store_written w;
	int err = store_write(s, k->sec, &op, 1, BASE_MS, &w, NULL, NULL, d);

	free(v);
	return err;
}

/* A district whose clock is 2 h 3 min ahead of its parent's refuses to write, saying so and
 * what to do; within the bound it writes. */
static void test_write_refused_while_skewed(void **state)
{
	struct fx *f = *state;
	const struct tu_key *keys[] = {&root, &prov, &kab_a};
	const char *regions[] = {"32", "32.75"};
	struct pk_diag d = {""};
	struct store_head h;
	char dir[600];

	(void)f;
	snprintf(dir, sizeof(dir), "%s/kab", f->dir);
	struct store *s = tu_store_new(dir, &root, &kab_a, "32.75", "Pokja PKP Kota Bekasi");
	assert_int_equal(tu_install_chain(s, keys, regions, 2), 0);
	/* Nothing measured yet: writes go. */
	assert_int_equal(write1(s, &kab_a, "32.75", &d), 0);
	/* The parent's clock is 2 h 3 min behind ours: we are ahead. */
	peer_skew(s, &prov, "parent", -(2 * 3600 + 3 * 60));
	assert_int_equal(write1(s, &kab_a, "32.75", &d), PK_ECLOCK);
	assert_string_equal(d.msg, "set the clock of this server: it is 2 h 3 min ahead of its "
	                           "parent's (Pokja PKP Provinsi Jawa Barat); writes are refused "
	                           "until they agree within 10 min 0 s");
	assert_int_equal(store_head_get(s, kab_a.pub, &h), 0);
	assert_true(h.seq == 1);
	/* Behind writes go: an older stamp is never held, and a parent ahead of everyone (the
	 * national node's clock wrong) must not stop every node below it. */
	peer_skew(s, &prov, "parent", 7200);
	assert_int_equal(write1(s, &kab_a, "32.75", &d), 0);
	/* Within the bound (and a wider bound set) it writes again. */
	peer_skew(s, &prov, "parent", -600);
	assert_int_equal(write1(s, &kab_a, "32.75", &d), 0);
	peer_skew(s, &prov, "parent", -3000);
	store_set_max_skew(s, HOUR_MS);
	assert_int_equal(write1(s, &kab_a, "32.75", &d), 0);
	store_close(s);
}

/* The national node takes the median of its children's clocks: one wrong child does not stop
 * it, most of them do. */
static void test_root_median(void **state)
{
	struct fx *f = *state;
	struct tu_key c[3];
	struct pk_diag d = {""};

	for (unsigned i = 0; i < 3; i++)
		tu_key(&c[i], 20 + i);
	peer_skew(f->s, &c[0], "child", -7200);
	peer_skew(f->s, &c[1], "child", 3);
	peer_skew(f->s, &c[2], "child", -2);
	assert_int_equal(write1(f->s, &root, "", &d), 0);
	peer_skew(f->s, &c[1], "child", -7000);
	assert_int_equal(write1(f->s, &root, "", &d), PK_ECLOCK);
	assert_non_null(strstr(d.msg, "1 h 56 min ahead of its children's (the median of 3)"));
}

/* An entry of the peers table in the layout before the clock was added still reads. */
static void test_peers_old_layout(void **state)
{
	struct fx *f = *state;
	uint8_t val[1 + 32 + sizeof("child") + sizeof("32") + 4];
	struct store_peer p;
	size_t at = 33;

	memset(val, 0, sizeof(val));
	val[0] = 1;
	val[8] = 42; /* last contact */
	val[32] = 7; /* refused */
	memcpy(val + at, "child", 6);
	at += 6;
	memcpy(val + at, "32", 3);
	at += 3;
	memcpy(val + at, "Jaba", 4);
	at += 4;
	assert_int_equal(store_peer_decode(prov.pub, 32, val, at, &p), 0);
	assert_true(p.connected && p.last_contact == 42 && p.refused == 7);
	assert_string_equal(p.role, "child");
	assert_string_equal(p.name, "Jaba");
	assert_false(p.skew_known);
	/* A trailing part of the wrong size is damage. */
	val[at - 2] = 0;
	assert_int_equal(store_peer_decode(prov.pub, 32, val, at, &p), PK_ECORRUPT);
	(void)f;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_held_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hold_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_refused_while_skewed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_root_median, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_peers_old_layout, setup, teardown),
	};

	tu_init();
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab_a, 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
