/*
 * test_store_sync.c: the store's replication support (daemon/store.h, "replication support"):
 * origin paths, heads, reading a log after a sequence within limits, the generation counter,
 * refusal counts, forks, invites, peers, and certificate revocation (proto/SPEC.md sections 8
 * and 9).
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
#include <sys/stat.h>

#include "daemon/outbox.h"
#include "daemon/store.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "testutil.h"

#define DAY_MS 86400000ULL
#define BASE_MS (TU_T0_MS + DAY_MS) /* 2026-01-02: inside every certificate's validity */
#define BASE_HLC pk_hlc_from_ms(BASE_MS)
#define NOW_MS (BASE_MS + 3600000ULL)
#define T_INVITE 1767300000ULL /* an invite clock, Unix seconds */

static struct tu_key root, prov, kab_a, kab_b, prov33, kec, stranger;

/* The national node's store, holding the certificates of province 32 (prov), its districts
 * 32.75 (kab_a) and 32.01 (kab_b), kecamatan 32.75.01 (kec, below kab_a) and province 33. */
struct fx {
	char *dir;
	char path[512];
	struct store *s;
};

static struct store *national(const char *path)
{
	struct store *s = tu_store_new(path, &root, &root, "", "Kementerian PKP");

	tu_cert_put(s, &root, &prov, "32");
	tu_cert_put(s, &prov, &kab_a, "32.75");
	tu_cert_put(s, &prov, &kab_b, "32.01");
	tu_cert_put(s, &kab_a, &kec, "32.75.01");
	tu_cert_put(s, &root, &prov33, "33");
	return s;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/node", f->dir);
	f->s = national(f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void reopen(struct fx *f)
{
	store_close(f->s);
	f->s = tu_store_open(f->path);
}

static int group_setup(void **state)
{
	(void)state;
	tu_init();
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab_a, 2);
	tu_key(&kab_b, 3);
	tu_key(&prov33, 4);
	tu_key(&kec, 5);
	tu_key(&stranger, 9);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* Applies one changeset and frees it; returns its outcome (the call itself must succeed).
 * The length is passed by address: the call that makes cs sets it, and arguments are
 * evaluated in no particular order, so it is read only here. */
static int apply1(struct store *s, uint8_t *cs, const size_t *len, struct pk_diag *why)
{
	struct store_blob b = {cs, *len};
	struct store_outcome o;
	int err;

	memset(&o, 0, sizeof(o));
	err = store_apply(s, &b, 1, 1, NOW_MS, &o);
	free(cs);
	if (err != 0)
		fail_msg("store_apply: %s", pk_strerror(err));
	if (why != NULL)
		*why = o.why;
	return o.err;
}

/* The next changeset of o writing one kegiatan record (hlc 0: one millisecond later). */
static uint8_t *kg_next(struct tu_origin *o, uint64_t hlc, const char *region, const char *key,
                        size_t *len)
{
	size_t vlen;
	uint8_t *v = tu_kegiatan("Sosialisasi RP3KP", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", region, key, v, vlen);
	uint8_t *cs = tu_cs_next(o, hlc, &op, 1, len);

	free(v);
	return cs;
}

/* A pencabutan value naming key k (hex "" when k is NULL: for a malformed one). */
static uint8_t *revocation_value(const uint8_t *k, size_t *len)
{
	static const char *const keys[] = {"alasan", "kunci"};
	char *hex = tu_hex(k, PK_PUB_BYTES);
	const char *vals[] = {"kunci server hilang", hex};
	uint8_t *v = tu_map(len, 2, keys, vals, NULL);

	free(hex);
	return v;
}

/* The next changeset of o revoking key k, filed under region, stamped hlc. */
static uint8_t *revoke_next(struct tu_origin *o, uint64_t hlc, const char *region, const uint8_t *k,
                            size_t *len)
{
	size_t vlen;
	uint8_t *v = revocation_value(k, &vlen);
	struct pk_op op = tu_op("pencabutan", region, "cabut-1", v, vlen);
	uint8_t *cs = tu_cs_next(o, hlc, &op, 1, len);

	free(v);
	return cs;
}

/* The same without advancing o (for changesets that are to be refused). */
static uint8_t *revoke_peek(const struct tu_origin *o, uint64_t hlc, const char *region,
                            const uint8_t *k, size_t *len)
{
	struct tu_origin copy = *o;

	return revoke_next(&copy, hlc, region, k, len);
}

static uint64_t revoked_since(struct store *s, const uint8_t *k)
{
	uint64_t since = 0;

	assert_int_equal(store_revoked(s, k, &since), 0);
	return since;
}

/* ---- origin paths ---------------------------------------------------------------------------- */

static void test_origin_path(void **state)
{
	struct fx *f = *state;
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];

	assert_int_equal(store_origin_path(f->s, root.pub, path), 1);
	assert_memory_equal(path[0], root.pub, PK_PUB_BYTES);

	assert_int_equal(store_origin_path(f->s, prov.pub, path), 2);
	assert_memory_equal(path[0], root.pub, PK_PUB_BYTES);
	assert_memory_equal(path[1], prov.pub, PK_PUB_BYTES);

	assert_int_equal(store_origin_path(f->s, kab_a.pub, path), 3);
	assert_memory_equal(path[0], root.pub, PK_PUB_BYTES);
	assert_memory_equal(path[1], prov.pub, PK_PUB_BYTES);
	assert_memory_equal(path[2], kab_a.pub, PK_PUB_BYTES);

	assert_int_equal(store_origin_path(f->s, kec.pub, path), 4);
	assert_memory_equal(path[1], prov.pub, PK_PUB_BYTES);
	assert_memory_equal(path[2], kab_a.pub, PK_PUB_BYTES);
	assert_memory_equal(path[3], kec.pub, PK_PUB_BYTES);

	assert_int_equal(store_origin_path(f->s, stranger.pub, path), PK_ECERT);

	/* The lineage rule is decided only for origins whose chain is held. */
	assert_true(store_chain_held(f->s, kec.pub));
	assert_true(store_chain_held(f->s, root.pub));
	assert_false(store_chain_held(f->s, stranger.pub));
	assert_true(store_in_subtree(f->s, prov.pub, kec.pub));
	assert_false(store_in_subtree(f->s, kab_a.pub, prov.pub));
	assert_false(store_in_subtree(f->s, prov.pub, stranger.pub));
}

/* A pending node (no root yet) knows no path at all. */
static void test_origin_path_no_root(void **state)
{
	struct fx *f = *state;
	static const struct tu_key zero;
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	char p2[600];
	struct store *s;

	snprintf(p2, sizeof(p2), "%s/pending", f->dir);
	s = tu_store_new(p2, &zero, &kab_a, "32.75", "Kota Bekasi");
	assert_int_equal(store_origin_path(s, kab_a.pub, path), PK_ECERT);
	assert_false(store_chain_held(s, kab_a.pub));
	store_close(s);
}

/* ---- what a peer lacks (daemon/outbox.c) ------------------------------------------------------
 */

struct picks {
	const uint8_t *origin[8];
	uint64_t after[8], last[8];
	int n, stop_after;
};

static int take_pick(const struct outbox_pick *pk, void *arg)
{
	struct picks *p = arg;

	assert_true(p->n < 8);
	p->origin[p->n] = pk->origin;
	p->after[p->n] = pk->after;
	p->last[p->n++] = pk->last;
	return p->stop_after && p->n >= p->stop_after;
}

/* The three departures' rules (SPEC section 16), and the ranges and lag they give. */
static void test_outbox(void **state)
{
	struct fx *f = *state;
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	struct outbox_peer all = {.rule = OUTBOX_EVERYTHING};
	struct outbox_peer lin = {.rule = OUTBOX_LINEAGE, .path = path};
	struct outbox_peer up = {.rule = OUTBOX_UP, .self = kab_a.pub, .parent = prov.pub};
	struct pk_heads mine = {0}, theirs = {0};
	struct picks p = {0};
	const struct tu_key *every[] = {&root, &prov, &kab_a, &kab_b, &prov33, &kec, &stranger};

	lin.n = store_origin_path(f->s, kab_a.pub, path); /* root, prov, kab_a */
	assert_int_equal(lin.n, 3);
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++)
		assert_true(outbox_wants(f->s, &all, every[i]->pub));
	/* kab_a's lineage: its ancestors, itself, its subtree; not a sibling, another province or
	 * an origin without a chain. */
	assert_true(outbox_wants(f->s, &lin, root.pub));
	assert_true(outbox_wants(f->s, &lin, prov.pub));
	assert_true(outbox_wants(f->s, &lin, kab_a.pub));
	assert_true(outbox_wants(f->s, &lin, kec.pub));
	assert_false(outbox_wants(f->s, &lin, kab_b.pub));
	assert_false(outbox_wants(f->s, &lin, prov33.pub));
	assert_false(outbox_wants(f->s, &lin, stranger.pub));
	/* Up from kab_a: its subtree and the parent's own log; not the root's or a sibling's. */
	assert_true(outbox_wants(f->s, &up, kab_a.pub));
	assert_true(outbox_wants(f->s, &up, kec.pub));
	assert_true(outbox_wants(f->s, &up, prov.pub));
	assert_false(outbox_wants(f->s, &up, root.pub));
	assert_false(outbox_wants(f->s, &up, kab_b.pub));
	/* At the receiving end: the province hearing from kab_a refuses a sibling's or the root's
	 * changeset as lineage, not one of kab_a's subtree, its own, or an origin without a chain
	 * (no-certificate is the apply step's). */
	assert_true(outbox_refuses(f->s, &up, kab_b.pub));
	assert_true(outbox_refuses(f->s, &up, root.pub));
	assert_false(outbox_refuses(f->s, &up, kec.pub));
	assert_false(outbox_refuses(f->s, &up, prov.pub));
	assert_false(outbox_refuses(f->s, &up, stranger.pub));
	assert_true(outbox_refuses(f->s, &lin, prov33.pub));
	assert_false(outbox_refuses(f->s, &lin, stranger.pub));

	/* Heads: kab_a at 5, kec at 3, kab_b at 7; the peer holds kab_a up to 2 and kec up to 3. */
	assert_int_equal(pk_heads_set(&mine, kab_a.pub, 5), 0);
	assert_int_equal(pk_heads_set(&mine, kec.pub, 3), 0);
	assert_int_equal(pk_heads_set(&mine, kab_b.pub, 7), 0);
	assert_int_equal(pk_heads_set(&theirs, kab_a.pub, 2), 0);
	assert_int_equal(pk_heads_set(&theirs, kec.pub, 3), 0);
	assert_int_equal(outbox_plan(f->s, &up, &mine, &theirs, take_pick, &p), 3);
	assert_int_equal(p.n, 1);
	assert_memory_equal(p.origin[0], kab_a.pub, PK_PUB_BYTES);
	assert_int_equal(p.after[0], 2);
	assert_int_equal(p.last[0], 5);
	/* Everything, to a peer of which nothing is known: every origin from 0. */
	p = (struct picks){0};
	assert_int_equal(outbox_plan(f->s, &all, &mine, NULL, take_pick, &p), 15);
	assert_int_equal(p.n, 3);
	/* A callback that stops early: the lag still counts every origin. */
	p = (struct picks){.stop_after = 1};
	assert_int_equal(outbox_plan(f->s, &all, &mine, NULL, take_pick, &p), 15);
	assert_int_equal(p.n, 1);
	pk_heads_free(&mine);
	pk_heads_free(&theirs);
}

/* ---- heads ------------------------------------------------------------------------------------
 */

struct seen_heads {
	uint8_t origin[8][PK_PUB_BYTES];
	struct store_head h[8];
	int n, stop_after;
};

static int collect_head(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct seen_heads *sh = arg;

	assert_true(sh->n < 8);
	memcpy(sh->origin[sh->n], origin, PK_PUB_BYTES);
	sh->h[sh->n++] = *h;
	return sh->stop_after && sh->n >= sh->stop_after;
}

static void test_heads(void **state)
{
	struct fx *f = *state;
	struct tu_origin o[3];
	const unsigned keyn[3] = {1, 2, 3};
	const char *const region[3] = {"32", "32.75", "32.01"};
	struct seen_heads sh;
	size_t len;

	memset(&sh, 0, sizeof(sh));
	assert_int_equal(store_heads(f->s, collect_head, &sh), 0);
	assert_int_equal(sh.n, 0);
	for (int i = 0; i < 3; i++) {
		tu_origin_init(&o[i], keyn[i], BASE_HLC);
		for (int k = 0; k <= i; k++) /* 1, 2 and 3 changesets */
			assert_int_equal(
			    apply1(f->s, kg_next(&o[i], 0, region[i], "kg-1", &len), &len, NULL),
			    0);
	}
	assert_int_equal(store_heads(f->s, collect_head, &sh), 3);
	assert_int_equal(sh.n, 3);
	for (int i = 0; i < 3; i++) {
		int at = -1;

		for (int k = 0; k < 3; k++)
			if (memcmp(sh.origin[k], o[i].key.pub, PK_PUB_BYTES) == 0)
				at = k;
		assert_true(at >= 0);
		assert_int_equal(sh.h[at].seq, (uint64_t)i + 1);
		assert_memory_equal(sh.h[at].hash, o[i].prev, PK_HASH_BYTES);
		assert_int_equal(sh.h[at].hlc, o[i].hlc);
		assert_false(sh.h[at].forked);
	}
	/* In origin key order. */
	for (int k = 1; k < 3; k++)
		assert_true(memcmp(sh.origin[k - 1], sh.origin[k], PK_PUB_BYTES) < 0);
	/* fn stops the walk. */
	memset(&sh, 0, sizeof(sh));
	sh.stop_after = 2;
	store_heads(f->s, collect_head, &sh);
	assert_int_equal(sh.n, 2);
}

/* ---- log after a sequence ---------------------------------------------------------------------
 */

struct seen_log {
	size_t n, bytes;
	uint64_t seqs[64];
	int stop_after;
};

static int collect_cs(const uint8_t *raw, size_t len, void *arg)
{
	struct seen_log *sl = arg;
	struct pk_changeset cs;

	assert_int_equal(pk_cs_decode(raw, len, &cs, NULL), 0);
	assert_true(sl->n < 64);
	sl->seqs[sl->n++] = cs.seq;
	sl->bytes += len;
	return sl->stop_after && (int)sl->n >= sl->stop_after;
}

static int log_after(struct store *s, const uint8_t *origin, uint64_t after, size_t max_bytes,
                     size_t max_count, struct seen_log *sl)
{
	memset(sl, 0, sizeof(*sl));
	return store_log_after(s, origin, after, max_bytes, max_count, collect_cs, sl);
}

static void test_log_after(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, b;
	struct seen_log sl;
	size_t len[11], sum;

	/* Two origins, so a walk must stop at the end of its own. */
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	for (int i = 1; i <= 10; i++) {
		char key[16];

		snprintf(key, sizeof(key), "kg-%0*d", i, i); /* sizes differ */
		assert_int_equal(apply1(f->s, kg_next(&a, 0, "32.75", key, &len[i]), &len[i], NULL),
		                 0);
		assert_int_equal(apply1(f->s, kg_next(&b, 0, "32.01", key, &sum), &sum, NULL), 0);
	}
	/* Everything after 0, in order, bytes as stored. */
	assert_int_equal(log_after(f->s, kab_a.pub, 0, SIZE_MAX, 100, &sl), 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(sl.seqs[i], i + 1);
	/* After 4: 5..10. */
	assert_int_equal(log_after(f->s, kab_a.pub, 4, SIZE_MAX, 100, &sl), 6);
	assert_int_equal(sl.seqs[0], 5);
	assert_int_equal(sl.seqs[5], 10);
	/* max_count. */
	assert_int_equal(log_after(f->s, kab_a.pub, 2, SIZE_MAX, 3, &sl), 3);
	assert_int_equal(sl.seqs[0], 3);
	assert_int_equal(sl.seqs[2], 5);
	assert_int_equal(log_after(f->s, kab_a.pub, 2, SIZE_MAX, 0, &sl), 0);
	/* max_bytes: exactly the first four fit; one byte less, three. */
	sum = len[1] + len[2] + len[3] + len[4];
	assert_int_equal(log_after(f->s, kab_a.pub, 0, sum, 100, &sl), 4);
	assert_int_equal(sl.bytes, sum);
	assert_int_equal(log_after(f->s, kab_a.pub, 0, sum - 1, 100, &sl), 3);
	/* The first is always given, even over max_bytes. */
	assert_int_equal(log_after(f->s, kab_a.pub, 6, 1, 100, &sl), 1);
	assert_int_equal(sl.seqs[0], 7);
	assert_int_equal(log_after(f->s, kab_a.pub, 6, 0, 100, &sl), 1);
	/* At or beyond the head, and an unknown origin: nothing. */
	assert_int_equal(log_after(f->s, kab_a.pub, 10, SIZE_MAX, 100, &sl), 0);
	assert_int_equal(log_after(f->s, kab_a.pub, 11, SIZE_MAX, 100, &sl), 0);
	assert_int_equal(log_after(f->s, kab_a.pub, UINT64_MAX, SIZE_MAX, 100, &sl), 0);
	assert_int_equal(log_after(f->s, stranger.pub, 0, SIZE_MAX, 100, &sl), 0);
	assert_int_equal(sl.n, 0);
	/* fn stops the walk; the count includes the call that stopped it. */
	memset(&sl, 0, sizeof(sl));
	sl.stop_after = 2;
	assert_int_equal(store_log_after(f->s, kab_a.pub, 0, SIZE_MAX, 100, collect_cs, &sl), 2);
	/* The other origin's log is intact and separate. */
	assert_int_equal(log_after(f->s, kab_b.pub, 9, SIZE_MAX, 100, &sl), 1);
	assert_int_equal(sl.seqs[0], 10);
}

/* ---- generation -------------------------------------------------------------------------------
 */

static int count_one(const uint8_t *raw, size_t len, void *arg)
{
	(void)raw;
	(void)len;
	++*(int *)arg;
	return 0;
}

static void test_generation(void **state)
{
	struct fx *f = *state;
	struct tu_origin a;
	uint64_t g0, g1, g2;
	size_t len;
	int n = 0;
	uint8_t *cs;

	tu_origin_init(&a, 2, BASE_HLC);
	g0 = store_generation(f->s);
	assert_true(g0 > 0); /* the setup committed */
	/* Reads do not change it. */
	assert_int_equal(store_log(f->s, NULL, count_one, &n), 0);
	assert_int_equal(store_generation(f->s), g0);
	cs = kg_next(&a, 0, "32.75", "kg-1", &len);
	assert_int_equal(apply1(f->s, cs, &len, NULL), 0);
	g1 = store_generation(f->s);
	assert_true(g1 > g0);
	/* A batch of refusals commits too (the refusal counts). */
	cs = kg_next(&a, 0, "33", "kg-2", &len);
	assert_int_equal(apply1(f->s, cs, &len, NULL), PK_EREGION);
	g2 = store_generation(f->s);
	assert_true(g2 > g1);
	/* And a reopened store reads the same. */
	reopen(f);
	assert_int_equal(store_generation(f->s), g2);
}

/* ---- refusal counts ---------------------------------------------------------------------------
 */

struct tags {
	char tag[16][32];
	uint64_t count[16];
	int n;
};

static int collect_tag(const char *tag, uint64_t count, void *arg)
{
	struct tags *t = arg;

	assert_true(t->n < 16);
	snprintf(t->tag[t->n], sizeof(t->tag[0]), "%s", tag);
	t->count[t->n++] = count;
	return 0;
}

static uint64_t count_of(const struct tags *t, const char *tag)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->tag[i], tag) == 0)
			return t->count[i];
	return 0;
}

static void test_refusals_persist(void **state)
{
	struct fx *f = *state;
	struct store_blob b[6];
	struct store_outcome out[6];
	struct tu_origin a, st;
	uint8_t *cs[6];
	size_t len[6];
	struct tags t;

	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&st, 9, BASE_HLC);
	cs[0] = kg_next(&a, 0, "32.75", "kg-1", &len[0]); /* applied */
	{
		struct tu_origin copy = a;
		cs[1] = kg_next(&copy, 0, "32.75", "kg-2", &len[1]);
		cs[1][len[1] - 1] ^= 1; /* bad signature */
		copy.seq++;
		cs[2] = kg_next(&copy, 0, "32.75", "kg-3", &len[2]); /* a gap: seq 3 */
	}
	cs[3] = kg_next(&st, 0, "32.75", "kg-1", &len[3]); /* no certificate */
	cs[4] = malloc(len[0]);
	memcpy(cs[4], cs[0], len[0]); /* a duplicate: not a refusal */
	len[4] = len[0];
	cs[5] = kg_next(&a, 0, "32.01", "kg-4", &len[5]); /* region */
	for (int i = 0; i < 6; i++)
		b[i] = (struct store_blob){cs[i], len[i]};
	memset(out, 0, sizeof(out));
	assert_int_equal(store_apply(f->s, b, 6, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, 0);
	assert_int_equal(out[1].err, PK_ESIG);
	assert_int_equal(out[2].err, PK_EGAP);
	assert_int_equal(out[3].err, PK_ECERT);
	assert_int_equal(out[4].err, PK_EEXIST);
	assert_int_equal(out[5].err, PK_EREGION);
	/* A second batch adds to the counts. */
	b[0] = (struct store_blob){cs[2], len[2]};
	assert_int_equal(store_apply(f->s, b, 1, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, PK_EGAP);
	for (int i = 0; i < 6; i++)
		free(cs[i]);

	reopen(f);
	memset(&t, 0, sizeof(t));
	assert_int_equal(store_refusals(f->s, collect_tag, &t), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(count_of(&t, "bad-signature"), 1);
	assert_int_equal(count_of(&t, "gap"), 2);
	assert_int_equal(count_of(&t, "no-certificate"), 1);
	assert_int_equal(count_of(&t, "region"), 1);
	assert_int_equal(count_of(&t, "exists"), 0);
	/* In tag order. */
	for (int i = 1; i < t.n; i++)
		assert_true(strcmp(t.tag[i - 1], t.tag[i]) < 0);
}

/* ---- forks -------------------------------------------------------------------------------------
 */

struct seen_forks {
	uint8_t origin[4][PK_PUB_BYTES];
	uint64_t seq[4];
	int n;
};

static int collect_fork(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg)
{
	struct seen_forks *sf = arg;

	assert_true(sf->n < 4);
	memcpy(sf->origin[sf->n], origin, PK_PUB_BYTES);
	sf->seq[sf->n++] = seq;
	return 0;
}

static void test_forks(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, b, a2;
	struct seen_forks sf;
	size_t len;

	memset(&sf, 0, sizeof(sf));
	assert_int_equal(store_forks(f->s, collect_fork, &sf), 0);
	assert_int_equal(sf.n, 0);
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	assert_int_equal(apply1(f->s, kg_next(&a, 0, "32.75", "kg-1", &len), &len, NULL), 0);
	a2 = a;
	assert_int_equal(apply1(f->s, kg_next(&a, 0, "32.75", "kg-2", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&b, 0, "32.01", "kg-1", &len), &len, NULL), 0);
	/* A second, different changeset 2 from kab_a. */
	assert_int_equal(apply1(f->s, kg_next(&a2, 0, "32.75", "kg-other", &len), &len, NULL),
	                 PK_EFORK);
	reopen(f);
	assert_int_equal(store_forks(f->s, collect_fork, &sf), 0);
	assert_int_equal(sf.n, 1);
	assert_memory_equal(sf.origin[0], kab_a.pub, PK_PUB_BYTES);
	assert_int_equal(sf.seq[0], 2);
}

/* ---- invites -----------------------------------------------------------------------------------
 */

struct seen_invites {
	struct store_invite inv[8];
	int n;
};

static int collect_invite(const struct store_invite *inv, void *arg)
{
	struct seen_invites *si = arg;

	assert_true(si->n < 8);
	si->inv[si->n++] = *inv;
	return 0;
}

static int invites(struct store *s, uint64_t now, struct seen_invites *si)
{
	memset(si, 0, sizeof(*si));
	assert_int_equal(store_invite_list(s, now, collect_invite, si), 0);
	return si->n;
}

static const struct store_invite *find_invite(const struct seen_invites *si, uint8_t first)
{
	for (int i = 0; i < si->n; i++)
		if (si->inv[i].secret[0] == first)
			return &si->inv[i];
	return NULL;
}

static void make_invite(struct store_invite *inv, uint8_t fill, const char *region,
                        const char *name, uint64_t expires)
{
	memset(inv, 0, sizeof(*inv));
	memset(inv->secret, fill, sizeof(inv->secret));
	snprintf(inv->region, sizeof(inv->region), "%s", region);
	snprintf(inv->name, sizeof(inv->name), "%s", name);
	inv->expires = expires;
}

static void test_invites(void **state)
{
	struct fx *f = *state;
	struct store_invite a, b, c, bad;
	struct seen_invites si;
	const struct store_invite *got;
	uint8_t unknown[32];

	make_invite(&a, 0xa1, "32", "Pokja PKP Provinsi Jawa Barat", T_INVITE + 100);
	make_invite(&b, 0xb2, "33", "Pokja PKP Provinsi Jawa Tengah", T_INVITE + 10);
	make_invite(&c, 0xc3, "35", "Pokja PKP Provinsi Jawa Timur", T_INVITE + 500);
	assert_int_equal(store_invite_put(f->s, &a), 0);
	assert_int_equal(store_invite_put(f->s, &b), 0);
	assert_int_equal(store_invite_put(f->s, &c), 0);
	assert_int_equal(store_invite_put(f->s, &a), PK_EEXIST);
	make_invite(&bad, 0xd4, "3", "x", T_INVITE + 100);
	assert_int_equal(store_invite_put(f->s, &bad), PK_EINVAL);

	/* All three listed, round trip. */
	assert_int_equal(invites(f->s, T_INVITE, &si), 3);
	got = find_invite(&si, 0xa1);
	assert_non_null(got);
	assert_memory_equal(got->secret, a.secret, 32);
	assert_string_equal(got->region, "32");
	assert_string_equal(got->name, "Pokja PKP Provinsi Jawa Barat");
	assert_int_equal(got->expires, T_INVITE + 100);
	assert_false(got->used);
	/* An invite is usable up to and including its expiry second. */
	assert_int_equal(invites(f->s, T_INVITE + 10, &si), 3);
	assert_int_equal(invites(f->s, T_INVITE + 11, &si), 2);
	assert_null(find_invite(&si, 0xb2));

	/* Used once; a second use is told apart from an unknown secret. */
	assert_int_equal(store_invite_use(f->s, a.secret, T_INVITE), 0);
	assert_int_equal(store_invite_use(f->s, a.secret, T_INVITE + 1), PK_EEXIST);
	memset(unknown, 0x77, sizeof(unknown));
	assert_int_equal(store_invite_use(f->s, unknown, T_INVITE), PK_ENOTFOUND);
	/* A used secret cannot be put again. */
	assert_int_equal(store_invite_put(f->s, &a), PK_EEXIST);
	/* Expired, and stays so. */
	assert_int_equal(store_invite_use(f->s, b.secret, T_INVITE + 20), PK_EEXPIRED);
	assert_int_equal(store_invite_use(f->s, b.secret, T_INVITE + 5), PK_EEXPIRED);

	/* The list hides used and expired invites. */
	assert_int_equal(invites(f->s, T_INVITE, &si), 1);
	assert_non_null(find_invite(&si, 0xc3));
	assert_int_equal(invites(f->s, T_INVITE + 1000, &si), 0);

	/* A use at a later time deletes the secrets of all invites expired by then. */
	assert_int_equal(store_invite_use(f->s, unknown, T_INVITE + 1000), PK_ENOTFOUND);
	assert_int_equal(invites(f->s, 0, &si), 0);
	assert_int_equal(store_invite_use(f->s, c.secret, T_INVITE), PK_EEXPIRED);

	/* It all survives a reopen. */
	reopen(f);
	assert_int_equal(store_invite_use(f->s, a.secret, T_INVITE), PK_EEXIST);
	assert_int_equal(store_invite_use(f->s, c.secret, T_INVITE), PK_EEXPIRED);
	make_invite(&c, 0xe5, "36", "Pokja PKP Provinsi Banten", T_INVITE + 500);
	assert_int_equal(store_invite_put(f->s, &c), 0);
	assert_int_equal(invites(f->s, T_INVITE, &si), 1);
	assert_string_equal(si.inv[0].region, "36");
}

/* ---- peers -------------------------------------------------------------------------------------
 */

struct seen_peers {
	struct store_peer p[4];
	int n;
};

static int collect_peer(const struct store_peer *p, void *arg)
{
	struct seen_peers *sp = arg;

	assert_true(sp->n < 4);
	sp->p[sp->n++] = *p;
	return 0;
}

static void make_peer(struct store_peer *p, const struct tu_key *k, const char *role,
                      const char *region, const char *name, uint64_t base)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->key, k->pub, PK_PUB_BYTES);
	snprintf(p->role, sizeof(p->role), "%s", role);
	snprintf(p->region, sizeof(p->region), "%s", region);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->connected = base % 2 == 1;
	p->last_contact = base * 1000;
	p->lag_up = base + 1;
	p->lag_down = base + 2;
	p->refused = UINT64_MAX - base;
}

static void assert_peer_equal(const struct store_peer *a, const struct store_peer *b)
{
	assert_memory_equal(a->key, b->key, PK_PUB_BYTES);
	assert_string_equal(a->role, b->role);
	assert_string_equal(a->region, b->region);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->connected, b->connected);
	assert_int_equal(a->last_contact, b->last_contact);
	assert_int_equal(a->lag_up, b->lag_up);
	assert_int_equal(a->lag_down, b->lag_down);
	assert_int_equal(a->refused, b->refused);
}

static void test_peers(void **state)
{
	struct fx *f = *state;
	struct store_peer p1, p2, p3, bad;
	struct seen_peers sp;
	char longname[PK_NAME_MAX + 1];

	memset(&sp, 0, sizeof(sp));
	assert_int_equal(store_peer_list(f->s, collect_peer, &sp), 0);
	assert_int_equal(sp.n, 0);
	memset(longname, 'n', PK_NAME_MAX);
	longname[PK_NAME_MAX] = '\0';
	make_peer(&p1, &prov, "child", "32", "Pokja PKP Provinsi Jawa Barat", 7);
	make_peer(&p2, &prov33, "child", "33", longname, 8);
	make_peer(&p3, &root, "parent", "", "", 0);
	assert_int_equal(store_peer_put(f->s, &p1), 0);
	assert_int_equal(store_peer_put(f->s, &p2), 0);
	assert_int_equal(store_peer_put(f->s, &p3), 0);
	/* A string without its NUL is refused. */
	bad = p1;
	memset(bad.role, 'x', sizeof(bad.role));
	assert_int_equal(store_peer_put(f->s, &bad), PK_EINVAL);
	/* A later put replaces. */
	p1.lag_up = 42;
	p1.connected = false;
	assert_int_equal(store_peer_put(f->s, &p1), 0);

	reopen(f);
	assert_int_equal(store_peer_list(f->s, collect_peer, &sp), 0);
	assert_int_equal(sp.n, 3);
	for (int i = 0; i < 3; i++) {
		const struct store_peer *want = memcmp(sp.p[i].key, prov.pub, 32) == 0     ? &p1
		                                : memcmp(sp.p[i].key, prov33.pub, 32) == 0 ? &p2
		                                                                           : &p3;
		assert_peer_equal(&sp.p[i], want);
	}
	for (int i = 1; i < 3; i++)
		assert_true(memcmp(sp.p[i - 1].key, sp.p[i].key, PK_PUB_BYTES) < 0);
}

/* ---- revocation --------------------------------------------------------------------------------
 */

/* Province 32 revokes district 32.75 at H, filed under its own region "32" (which covers the
 * district's certificate): the district's changesets stamped before H are still accepted (in
 * any order of arrival), those after it are refused, in its own region and in its kecamatan
 * alike; other origins go on. */
static void test_revocation(void **state)
{
	struct fx *f = *state;
	struct tu_origin p, a, a1, b;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(1000);
	struct pk_diag why;
	size_t len;
	struct tags t;

	tu_origin_init(&p, 1, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	assert_int_equal(store_revoked(f->s, kab_a.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(apply1(f->s, kg_next(&a, H - 100, "32.75", "kg-1", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&a, H - 90, "32.75.01", "kg-1", &len), &len, NULL),
	                 0);
	assert_int_equal(apply1(f->s, revoke_next(&p, H, "32", kab_a.pub, &len), &len, &why), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H);
	assert_int_equal(store_revoked(f->s, kab_b.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(store_revoked(f->s, prov.pub, NULL), PK_ENOTFOUND);

	/* Stamped before H (arriving after the revocation): accepted. At H itself: accepted. */
	assert_int_equal(apply1(f->s, kg_next(&a, H - 50, "32.75", "kg-2", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&a, H, "32.75", "kg-3", &len), &len, NULL), 0);
	/* After H: refused, in the district's region and in its kecamatan (the same sequence
	 * number: a refused changeset is not stored). */
	a1 = a;
	assert_int_equal(apply1(f->s, kg_next(&a, H + 1, "32.75", "kg-4", &len), &len, &why),
	                 PK_EREVOKED);
	assert_non_null(strstr(why.msg, "the origin"));
	assert_int_equal(apply1(f->s, kg_next(&a1, H + 2, "32.75.01", "kg-2", &len), &len, &why),
	                 PK_EREVOKED);
	/* Other origins are not affected, the revoker included. */
	assert_int_equal(apply1(f->s, kg_next(&b, H + 1, "32.01", "kg-1", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&p, H + 1, "32", "kg-p", &len), &len, NULL), 0);

	memset(&t, 0, sizeof(t));
	assert_int_equal(store_refusals(f->s, collect_tag, &t), 0);
	assert_int_equal(count_of(&t, "revoked"), 2);
}

/* The revocation holds after a reopen (nothing cached), and a delete of its record does not
 * undo it. */
static void test_revocation_survives(void **state)
{
	struct fx *f = *state;
	struct tu_origin p, a, a1;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(1000);
	struct pk_op del = tu_op("pencabutan", "32", "cabut-1", NULL, 0);
	size_t len;

	tu_origin_init(&p, 1, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	assert_int_equal(apply1(f->s, kg_next(&a, H - 1, "32.75", "kg-1", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, revoke_next(&p, H, "32", kab_a.pub, &len), &len, NULL), 0);
	reopen(f);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H);
	a1 = a; /* the refused changeset is not stored: seq 2 stays open */
	assert_int_equal(apply1(f->s, kg_next(&a, H + 1, "32.75", "kg-2", &len), &len, NULL),
	                 PK_EREVOKED);
	assert_int_equal(apply1(f->s, tu_cs_next(&p, H + 10, &del, 1, &len), &len, NULL), 0);
	reopen(f);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H);
	assert_int_equal(apply1(f->s, kg_next(&a1, H + 20, "32.75", "kg-2", &len), &len, NULL),
	                 PK_EREVOKED);
}

/* A revocation is filed under the revoker's own region (step 10) and is refused unless that
 * region covers the revoked certificate's (step 12); the root cannot be revoked. */
static void test_revocation_refused(void **state)
{
	struct fx *f = *state;
	struct tu_origin p, p33, a, b, r;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(1000);
	struct pk_diag why;
	size_t len;

	tu_origin_init(&p, 1, BASE_HLC);
	tu_origin_init(&p33, 4, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	tu_origin_init(&r, 0, BASE_HLC);
	/* Province 33 naming a 32.75 certificate: in its own region, and in 32.75. */
	assert_int_equal(apply1(f->s, revoke_peek(&p33, H, "33", kab_a.pub, &len), &len, &why),
	                 PK_EREGION);
	assert_non_null(strstr(why.msg, "region '32.75'"));
	assert_int_equal(apply1(f->s, revoke_peek(&p33, H, "32.75", kab_a.pub, &len), &len, &why),
	                 PK_EREGION);
	/* A sibling district: in its own region, which does not cover the certificate, and in
	 * the certificate's, which is outside its own. */
	assert_int_equal(apply1(f->s, revoke_peek(&b, H, "32.01", kab_a.pub, &len), &len, &why),
	                 PK_EREGION);
	assert_non_null(strstr(why.msg, "does not cover"));
	assert_int_equal(apply1(f->s, revoke_peek(&b, H, "32.75", kab_a.pub, &len), &len, &why),
	                 PK_EREGION);
	/* The right revoker under the certificate's region, or any other it does not own. */
	assert_int_equal(apply1(f->s, revoke_peek(&p, H, "32.75", kab_a.pub, &len), &len, &why),
	                 PK_EOWNER);
	assert_int_equal(apply1(f->s, revoke_peek(&p, H, "32.01", kab_a.pub, &len), &len, &why),
	                 PK_EOWNER);
	/* A district revoking its own province: under its own region, or the province's. */
	assert_int_equal(apply1(f->s, revoke_peek(&a, H, "32.75", prov.pub, &len), &len, &why),
	                 PK_EREGION);
	assert_int_equal(apply1(f->s, revoke_peek(&a, H, "32", prov.pub, &len), &len, &why),
	                 PK_EREGION);
	/* The root key, even by the root. */
	assert_int_equal(apply1(f->s, revoke_peek(&r, H, "", root.pub, &len), &len, &why),
	                 PK_EREGION);
	assert_non_null(strstr(why.msg, "root"));
	assert_int_equal(store_revoked(f->s, kab_a.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(store_revoked(f->s, prov.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(store_revoked(f->s, root.pub, NULL), PK_ENOTFOUND);
	/* The refused changesets were not stored: the same revoker's seq 1 is still open. */
	assert_int_equal(apply1(f->s, revoke_next(&p, H, "32", kab_a.pub, &len), &len, NULL), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H);
}

/* A province revoking its district: under its own region "32" the revocation takes effect; under
 * the district's region "32.75", which the province does not own, the changeset is refused at
 * step 10 (PK_EOWNER, tag "owner") and leaves nothing behind, whether the certificate is held
 * already or arrives later. */
static void test_revocation_by_province(void **state)
{
	struct fx *f = *state;
	struct tu_key kid;
	struct tu_origin p, a, kd;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(1000);
	struct pk_diag why;
	size_t len;
	struct tags t;

	tu_key(&kid, 41);
	tu_origin_init(&p, 1, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&kd, 41, BASE_HLC);
	assert_int_equal(apply1(f->s, revoke_peek(&p, H, "32.75", kab_a.pub, &len), &len, &why),
	                 PK_EOWNER);
	assert_string_equal(pk_errtag(PK_EOWNER), "owner");
	assert_non_null(strstr(why.msg, "'32.75'"));
	assert_int_equal(store_revoked(f->s, kab_a.pub, NULL), PK_ENOTFOUND);
	/* Nor kept pending: a key whose certificate comes later stays unrevoked. */
	assert_int_equal(apply1(f->s, revoke_peek(&p, H, "32.02", kid.pub, &len), &len, &why),
	                 PK_EOWNER);
	tu_cert_put(f->s, &prov, &kid, "32.02");
	assert_int_equal(store_revoked(f->s, kid.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(apply1(f->s, kg_next(&kd, H + 1, "32.02", "kg-1", &len), &len, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&a, H + 1, "32.75", "kg-1", &len), &len, NULL), 0);

	/* Under its own region: in force from H, the province's seq 1 being still open. */
	assert_int_equal(apply1(f->s, revoke_next(&p, H, "32", kab_a.pub, &len), &len, &why), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H);
	assert_int_equal(apply1(f->s, kg_next(&a, H + 2, "32.75", "kg-2", &len), &len, NULL),
	                 PK_EREVOKED);

	memset(&t, 0, sizeof(t));
	assert_int_equal(store_refusals(f->s, collect_tag, &t), 0);
	assert_int_equal(count_of(&t, "owner"), 2);
	assert_int_equal(count_of(&t, "region"), 0);
	assert_int_equal(count_of(&t, "revoked"), 1);
}

/* Revoked twice: the earliest clock counts. The root revoking a province cuts off the province's
 * whole subtree. A revocation takes effect within the batch that carries it, and for a key whose
 * certificate arrives only later. */
static void test_revocation_earliest_and_subtree(void **state)
{
	struct fx *f = *state;
	struct tu_origin p, r, a, b, s9;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(1000);
	struct store_blob bl[2];
	struct store_outcome out[2];
	uint8_t *cs[2];
	size_t len[2], l;

	tu_origin_init(&p, 1, BASE_HLC);
	tu_origin_init(&r, 0, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	tu_origin_init(&s9, 9, BASE_HLC);
	/* The province's under "32", then the root's, earlier, under "": each region covers the
	 * certificate's. */
	assert_int_equal(apply1(f->s, revoke_next(&p, H + 500, "32", kab_a.pub, &l), &l, NULL), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H + 500);
	assert_int_equal(apply1(f->s, revoke_next(&r, H + 200, "", kab_a.pub, &l), &l, NULL), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H + 200);
	assert_int_equal(apply1(f->s, revoke_next(&r, H + 300, "", kab_a.pub, &l), &l, NULL), 0);
	assert_int_equal(revoked_since(f->s, kab_a.pub), H + 200);
	assert_int_equal(apply1(f->s, kg_next(&a, H + 250, "32.75", "kg-1", &l), &l, NULL),
	                 PK_EREVOKED);

	/* In one batch: the root revokes province 32, then a district below it writes later. */
	cs[0] = revoke_next(&r, H + 400, "", prov.pub, &len[0]);
	cs[1] = kg_next(&b, H + 401, "32.01", "kg-1", &len[1]);
	bl[0] = (struct store_blob){cs[0], len[0]};
	bl[1] = (struct store_blob){cs[1], len[1]};
	memset(out, 0, sizeof(out));
	assert_int_equal(store_apply(f->s, bl, 2, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, 0);
	assert_int_equal(out[1].err, PK_EREVOKED);
	assert_non_null(strstr(out[1].why.msg, "ancestor"));
	free(cs[0]);
	free(cs[1]);
	assert_int_equal(revoked_since(f->s, prov.pub), H + 400);
	assert_int_equal(apply1(f->s, kg_next(&p, H + 501, "32", "kg-1", &l), &l, NULL),
	                 PK_EREVOKED);

	/* A key this store holds no certificate for yet: kept pending, and in force once the
	 * certificate arrives with a region within the one the revocation was filed under. */
	assert_int_equal(apply1(f->s, revoke_next(&r, H + 600, "", stranger.pub, &l), &l, NULL), 0);
	assert_int_equal(store_revoked(f->s, stranger.pub, NULL), PK_ENOTFOUND);
	tu_cert_put(f->s, &root, &stranger, "34");
	assert_int_equal(revoked_since(f->s, stranger.pub), H + 600);
	assert_int_equal(apply1(f->s, kg_next(&s9, H + 599, "34", "kg-1", &l), &l, NULL), 0);
	assert_int_equal(apply1(f->s, kg_next(&s9, H + 601, "34", "kg-2", &l), &l, NULL),
	                 PK_EREVOKED);
}

/*
 * A revocation ahead of the certificate it names takes effect only if, when the certificate
 * arrives, the revoker's region (the one it is filed under) covers it: kabupaten 32.75
 * "revoking" a key that turns out to be its sibling 32.01's (filed under its own region, the
 * only one it may write) has no effect, and the sibling's later changesets are accepted. The
 * province's pending revocation of a district's key, filed under the province's region, does
 * take effect, with the earliest clock of those filed.
 */
static void test_revocation_pending_region(void **state)
{
	struct fx *f = *state;
	struct tu_key sib, kid;
	struct tu_origin a, p, r, sb, kd;
	uint64_t H = BASE_HLC + pk_hlc_from_ms(5000);
	size_t l;

	tu_key(&sib, 40);
	tu_key(&kid, 41);
	tu_origin_init(&a, 2, BASE_HLC); /* kab_a, 32.75 */
	tu_origin_init(&p, 1, BASE_HLC); /* prov, 32 */
	tu_origin_init(&r, 0, BASE_HLC);
	tu_origin_init(&sb, 40, BASE_HLC);
	tu_origin_init(&kd, 41, BASE_HLC);
	assert_int_equal(apply1(f->s, revoke_next(&a, H, "32.75", sib.pub, &l), &l, NULL), 0);
	assert_int_equal(apply1(f->s, revoke_next(&p, H + 3, "32", kid.pub, &l), &l, NULL), 0);
	assert_int_equal(apply1(f->s, revoke_next(&r, H + 1, "", kid.pub, &l), &l, NULL), 0);
	assert_int_equal(store_revoked(f->s, sib.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(store_revoked(f->s, kid.pub, NULL), PK_ENOTFOUND);
	tu_cert_put(f->s, &prov, &sib, "32.01"); /* a second key of district 32.01 */
	tu_cert_put(f->s, &prov, &kid, "32.02");
	/* The sibling's: dropped (filed under 32.75, the certificate is for 32.01). */
	assert_int_equal(store_revoked(f->s, sib.pub, NULL), PK_ENOTFOUND);
	assert_int_equal(apply1(f->s, kg_next(&sb, H + 10, "32.01", "kg-1", &l), &l, NULL), 0);
	/* The province's and the root's: in force from the earlier, H + 1. */
	assert_int_equal(revoked_since(f->s, kid.pub), H + 1);
	assert_int_equal(apply1(f->s, kg_next(&kd, H + 2, "32.02", "kg-1", &l), &l, NULL),
	                 PK_EREVOKED);
}

/* ---- storing certificates (SPEC section 7, "Storing certificates") -------------------- */

/* Offers one certificate (freed here) to store_certs_put; returns its verdict. */
static int offer(struct store *s, uint8_t *c, size_t len)
{
	struct store_blob b = {c, len};
	struct pk_diag why = {""};
	int err;

	assert_non_null(c);
	assert_int_equal(store_certs_put(s, &b, 1, &err, &why, NULL), 0);
	free(c);
	return err;
}

/* Issues a certificate and offers it. */
static int offer_cert(struct store *s, const struct tu_key *issuer, const struct tu_key *subject,
                      uint64_t serial, const char *region, const char *name, uint64_t nb,
                      uint64_t na)
{
	size_t len;
	uint8_t *c = tu_cert(issuer, subject, serial, region, name, nb, na, &len);

	return offer(s, c, len);
}

/* Whether the store still authorises key k (of region 32.75 or above). */
static bool authorised(struct store *s, const struct tu_key *k)
{
	struct tu_origin o;
	size_t l;
	int err;

	/* A changeset of k stamped inside every test certificate's window: accepted when k's held
	 * chain is the genuine one (the only one that chains, here). */
	tu_origin_init(&o, 0, BASE_HLC);
	o.key = *k;
	err = apply1(s, kg_next(&o, BASE_HLC + pk_hlc_from_ms(7000), "32.75", "kg-held", &l), &l,
	             NULL);
	return err == 0 || err == PK_EEXIST;
}

/* A stranger's self-made certificate and a sibling's or a child's certificate naming a held
 * key are refused (no-certificate, cert-conflict); the held one stays and still works. */
static void test_cert_displacement(void **state)
{
	struct fx *f = *state;

	/* Self-issued by a key nobody certified: no chain to the root. */
	assert_int_equal(
	    offer_cert(f->s, &stranger, &prov, 7, "32", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER),
	    PK_ECERT);
	/* Issued by the sibling 32.01 for 32.75's key, inside 32.01: chains, but displaces. */
	assert_int_equal(
	    offer_cert(f->s, &kab_b, &kab_a, 7, "32.01.01", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER),
	    PK_ECONFLICT);
	/* Issued by the kecamatan below 32.75 for the province's key. */
	assert_int_equal(
	    offer_cert(f->s, &kec, &prov, 7, "32.75.01.1001", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER),
	    PK_ECONFLICT);
	/* The root's key never has a certificate; a region outside the issuer's never chains. */
	assert_int_equal(
	    offer_cert(f->s, &prov, &root, 8, "32.70", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER),
	    PK_ECERT);
	assert_int_equal(
	    offer_cert(f->s, &prov, &stranger, 9, "33.01", "Luar", TU_NOT_BEFORE, TU_NOT_AFTER),
	    PK_ECERT);
	/* The genuine chains still authorise their keys. */
	assert_true(authorised(f->s, &kab_a));
}

/* A renewal by the same issuer for the same region, with a higher serial and a window that
 * covers the held one's, replaces it; anything less does not. */
static void test_cert_renewal(void **state)
{
	struct fx *f = *state;
	size_t len;

	/* Same serial, or lower: refused. */
	assert_int_equal(
	    offer_cert(f->s, &prov, &kab_a, 1, "32.75", "Lain", TU_NOT_BEFORE, TU_NOT_AFTER + 10),
	    PK_ECONFLICT);
	/* A window that starts later: refused (changesets of the held window would go). */
	assert_int_equal(offer_cert(f->s, &prov, &kab_a, 2, "32.75", "Lain", TU_NOT_BEFORE + 1,
	                            TU_NOT_AFTER + 10),
	                 PK_ECONFLICT);
	/* Another region: refused. */
	assert_int_equal(
	    offer_cert(f->s, &prov, &kab_a, 2, "32.76", "Lain", TU_NOT_BEFORE, TU_NOT_AFTER + 10),
	    PK_ECONFLICT);
	/* A proper renewal: stored; offered again, the same bytes are fine. */
	{
		uint8_t *c = tu_cert(&prov, &kab_a, 2, "32.75", "Pokja 32.75", TU_NOT_BEFORE,
		                     TU_NOT_AFTER + 86400, &len);
		uint8_t *again = malloc(len);

		assert_non_null(again);
		memcpy(again, c, len);
		assert_int_equal(offer(f->s, c, len), 0);
		assert_int_equal(offer(f->s, again, len), 0);
	}
	assert_true(authorised(f->s, &kab_a));
}

/* A message may carry a chain in any order: each certificate is stored once its issuer's is
 * held; a chain that does not reach the root stores nothing. */
static void test_cert_chain_in_message(void **state)
{
	struct fx *f = *state;
	struct tu_key k1, k2, x1, x2;
	struct store_blob b[4];
	struct pk_diag why[4];
	uint8_t *c[4];
	size_t len[4], stored;
	int errs[4];

	tu_key(&k1, 50);
	tu_key(&k2, 51);
	tu_key(&x1, 52);
	tu_key(&x2, 53);
	c[0] = tu_cert(&k1, &k2, 1, "32.02.01", "Kec", TU_NOT_BEFORE, TU_NOT_AFTER, &len[0]);
	c[1] = tu_cert(&x1, &x2, 1, "32.02.02", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER, &len[1]);
	c[2] = tu_cert(&prov, &k1, 5, "32.02", "Kab", TU_NOT_BEFORE, TU_NOT_AFTER, &len[2]);
	c[3] = tu_cert(&stranger, &x1, 1, "32.02", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER, &len[3]);
	for (int i = 0; i < 4; i++) {
		assert_non_null(c[i]);
		b[i] = (struct store_blob){c[i], len[i]};
	}
	assert_int_equal(store_certs_put(f->s, b, 4, errs, why, &stored), 0);
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[2], 0);
	assert_int_equal(errs[1], PK_ECERT);
	assert_int_equal(errs[3], PK_ECERT);
	assert_int_equal(stored, 2);
	for (int i = 0; i < 4; i++)
		free(c[i]);
}

/* A chain longer than PK_CHAIN_MAX certificates is never stored. */
static void test_cert_chain_too_long(void **state)
{
	struct fx *f = *state;
	struct tu_key k[PK_CHAIN_MAX + 1];
	static const char *const regions[] = {"32.75.01.1001", "32.75.01.1001", "32.75.01.1001",
	                                      "32.75.01.1001", "32.75.01.1001", "32.75.01.1001"};
	const struct tu_key *issuer = &kec; /* kec's chain: root, prov, kab_a, kec: 3 certs */

	for (int i = 0; i < PK_CHAIN_MAX + 1; i++) {
		int want = i < PK_CHAIN_MAX - 3 ? 0 : PK_ECERT;

		tu_key(&k[i], 60 + (unsigned)i);
		assert_int_equal(offer_cert(f->s, issuer, &k[i], 1, regions[i], "Desa",
		                            TU_NOT_BEFORE, TU_NOT_AFTER),
		                 want);
		issuer = &k[i];
	}
}

static void count_problem(const char *where, const char *what, void *arg)
{
	(void)where;
	(void)what;
	++*(int *)arg;
}

/* A certificate displaced behind the store's back (as an older version allowed: a self-made
 * certificate for the province's key) is reported by verify, with the chains it breaks. */
static void test_verify_reports_unchained(void **state)
{
	struct fx *f = *state;
	struct store_verify_stats st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	size_t len;
	uint8_t *c = tu_cert(&stranger, &prov, 7, "32", "Palsu", TU_NOT_BEFORE, TU_NOT_AFTER, &len);
	int found = 0;

	assert_non_null(c);
	assert_int_equal(store_verify(f->s, count_problem, &found, &st), 0);
	assert_int_equal(found, 0);
	store_close(f->s);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)16 << 30), 0);
	assert_int_equal(mdb_env_open(env, f->path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "certs", 0, &dbi), 0);
	k.mv_size = PK_PUB_BYTES;
	k.mv_data = prov.pub;
	v.mv_size = len;
	v.mv_data = c;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(c);
	f->s = tu_store_open(f->path);
	assert_int_equal(store_verify(f->s, count_problem, &found, &st), 0);
	/* The province's own, and the chains of 32.75, 32.01 and 32.75.01 below it. */
	assert_int_equal(found, 4);
	assert_int_equal(st.problems, 4);
}

/* A node's own writes go through the same check: once its certificate is revoked, it cannot
 * write (store_write refuses with PK_EREVOKED). */
static void test_revoked_node_cannot_write(void **state)
{
	struct fx *f = *state;
	const struct tu_key *chain[] = {&root, &prov};
	const char *const regions[] = {"32"};
	struct tu_origin r;
	struct store_written w;
	struct pk_diag d = {""};
	char p2[600];
	struct store *s;
	size_t len, vlen;
	uint8_t *v = tu_kegiatan("Rakor", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", "32", "kg-1", v, vlen);

	snprintf(p2, sizeof(p2), "%s/prov", f->dir);
	s = tu_store_new(p2, &root, &prov, "32", "Pokja PKP Provinsi Jawa Barat");
	assert_int_equal(tu_install_chain(s, chain, regions, 1), 0);
	assert_int_equal(store_write(s, prov.sec, &op, 1, BASE_MS, &w, NULL, NULL, &d), 0);
	tu_origin_init(&r, 0, BASE_HLC);
	assert_int_equal(
	    apply1(s, revoke_next(&r, BASE_HLC + pk_hlc_from_ms(1000), "", prov.pub, &len), &len,
	           NULL),
	    0);
	assert_int_equal(store_write(s, prov.sec, &op, 1, BASE_MS + 5000, &w, NULL, NULL, &d),
	                 PK_EREVOKED);
	store_close(s);
	free(v);
}

/* A store written before the replication databases existed opens read-only, reading them as
 * empty; the first read-write open adds them. */
static int never_tag(const char *tag, uint64_t count, void *arg)
{
	(void)tag;
	(void)count;
	(void)arg;
	fail_msg("refusals of an empty database");
	return 1;
}

static int never_peer(const struct store_peer *p, void *arg)
{
	(void)p;
	(void)arg;
	fail_msg("peers of an empty database");
	return 1;
}

static int never_invite(const struct store_invite *inv, void *arg)
{
	(void)inv;
	(void)arg;
	fail_msg("invites of an empty database");
	return 1;
}

static void test_old_store_read_only(void **state)
{
	struct fx *f = *state;
	static const char *const old[] = {"meta", "log", "heads", "certs", "rec", "bykey", "forks"};
	char p2[600];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {6, "format"}, v = {13, "pokja-store-1"};
	struct store *s;
	struct pk_diag d;

	snprintf(p2, sizeof(p2), "%s/old", f->dir);
	assert_int_equal(mkdir(p2, 0700), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, p2, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		assert_int_equal(mdb_dbi_open(txn, old[i], MDB_CREATE, &dbi), 0);
		if (i == 0)
			assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(store_open(p2, STORE_RDONLY, &s, &d), 0);
	assert_int_equal(store_refusals(s, never_tag, NULL), 0);
	assert_int_equal(store_peer_list(s, never_peer, NULL), 0);
	assert_int_equal(store_invite_list(s, 0, never_invite, NULL), 0);
	assert_int_equal(store_revoked(s, kab_a.pub, NULL), PK_ENOTFOUND);
	store_close(s);
	assert_int_equal(store_open(p2, 0, &s, &d), 0);
	assert_int_equal(store_revoked(s, kab_a.pub, NULL), PK_ENOTFOUND);
	store_close(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_origin_path),
	    T(test_origin_path_no_root),
	    T(test_outbox),
	    T(test_heads),
	    T(test_log_after),
	    T(test_generation),
	    T(test_refusals_persist),
	    T(test_forks),
	    T(test_invites),
	    T(test_peers),
	    T(test_revocation),
	    T(test_revocation_survives),
	    T(test_revocation_refused),
	    T(test_revocation_by_province),
	    T(test_revocation_earliest_and_subtree),
	    T(test_revocation_pending_region),
	    T(test_cert_displacement),
	    T(test_cert_renewal),
	    T(test_cert_chain_in_message),
	    T(test_cert_chain_too_long),
	    T(test_verify_reports_unchained),
	    T(test_revoked_node_cannot_write),
	    T(test_old_store_read_only),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
