/*
 * test_ingest.c: daemon/ingest.c, the one way in (proto/SPEC.md sections 8, 16, 18 and 19).
 * One table of hostile changesets, each sent to the same receiver by the three arrivals, each
 * through its real wire format: a push from a child (syncmsg "push"), the parent's pull reply
 * ("pulled") and a bundle made for the receiver. Every row must get the same reason tag, the
 * same refusal count increments and one decode per changeset, whichever way it came.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "proto/bundle.h"
#include "proto/hlc.h"
#include "testutil.h"

#define DAY_MS 86400000ULL
#define BASE_MS (TU_T0_MS + DAY_MS) /* inside every certificate's validity */
#define BASE_HLC pk_hlc_from_ms(BASE_MS)
#define REVOKED_AT pk_hlc_from_ms(BASE_MS + 60000) /* 32.75 revokes kecamatan 32.75.01 */
#define NOW_MS (BASE_MS + 3600000ULL)
#define ROWS 10

static struct tu_key root, prov, kab_a, kab_b, kec, prov33, stranger;

enum arrival { PUSH, PULL, BUNDLE, BUNDLE_NOT_FOR_ME };
static const char *const arrival_name[] = {"push", "pull reply", "bundle", "bundle for another"};

/* The hostile changesets: each one's bytes and the tag it must get by every arrival. */
struct row {
	const char *what, *tag;
	uint8_t *cs;
	size_t len;
};

struct fx {
	char *dir;
	struct store *s; /* province 32, the receiver: it holds district 32.75's first two */
	struct row rows[ROWS];
	uint8_t *first; /* district 32.75's seq 1, to be sent again (a duplicate) */
	size_t first_len;
};

static uint64_t fixed_now(void)
{
	return NOW_MS;
}

static uint8_t *kegiatan(struct tu_origin *o, uint64_t hlc, const char *region, size_t *len)
{
	size_t vlen;
	uint8_t *v = tu_kegiatan("Rapat pokja", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", region, "kg-1", v, vlen);
	uint8_t *cs = tu_cs_next(o, hlc, &op, 1, len);

	free(v);
	return cs;
}

/* District 32.75's seq 2: it revokes kecamatan 32.75.01's key (SPEC section 9). */
static uint8_t *revocation(struct tu_origin *o, size_t *len)
{
	static const char *const keys[] = {"alasan", "kunci"};
	char *hex = tu_hex(kec.pub, PK_PUB_BYTES);
	const char *vals[] = {"kunci server hilang", hex};
	size_t vlen;
	uint8_t *v = tu_map(&vlen, 2, keys, vals, NULL);
	struct pk_op op = tu_op("pencabutan", "32.75.01", "cabut-1", v, vlen);
	uint8_t *cs = tu_cs_next(o, REVOKED_AT, &op, 1, len);

	free(v);
	free(hex);
	return cs;
}

static void apply_ok(struct store *s, const uint8_t *cs, size_t len)
{
	struct store_blob b = {cs, len};
	struct store_outcome o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(store_apply(s, &b, 1, 1, NOW_MS, &o), 0);
	assert_int_equal(o.err, 0);
}

/* len is passed by address and read here: the call that makes cs sets it, and arguments are
 * evaluated in no particular order. */
static void row(struct row *r, const char *what, const char *tag, uint8_t *cs, const size_t *len)
{
	assert_non_null(cs);
	*r = (struct row){what, tag, cs, *len};
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tu_origin a, copy, p33, st, k;
	uint8_t prev[PK_HASH_BYTES], *cs, *v;
	size_t len, vlen, i = 0;
	struct pk_op op;
	char path[512];

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(path, sizeof(path), "%s/prov", f->dir);
	f->s = tu_store_new(path, &root, &prov, "32", "Provinsi Jawa Barat");
	tu_cert_put(f->s, &root, &prov, "32");
	tu_cert_put(f->s, &prov, &kab_a, "32.75");
	tu_cert_put(f->s, &prov, &kab_b, "32.01");
	tu_cert_put(f->s, &kab_a, &kec, "32.75.01");
	tu_cert_put(f->s, &root, &prov33, "33");

	tu_origin_init(&a, 2, BASE_HLC);
	f->first = kegiatan(&a, 0, "32.75", &f->first_len);
	apply_ok(f->s, f->first, f->first_len);
	cs = revocation(&a, &len);
	apply_ok(f->s, cs, len);
	free(cs);

	/* Each from an origin every sender may send (kecamatan 32.75.01 is in district 32.75's
	 * subtree and in the province's lineage) unless the row is about that. */
	copy = a;
	cs = kegiatan(&copy, 0, "32.75", &len);
	cs[len - 1] ^= 0x01; /* the signature's last byte */
	row(&f->rows[i++], "a bad signature", "bad-signature", cs, &len);
	v = tu_kegiatan("Rapat pokja", 2026, &vlen);
	op = tu_op("kegiatan", "32.75", "kg-2", v, vlen);
	row(&f->rows[i++], "a gap before it", "gap",
	    tu_cs_make(&a, a.seq + 3, a.prev, a.hlc + 1, &op, 1, &len), &len);
	memset(prev, 0xab, sizeof(prev));
	row(&f->rows[i++], "a broken chain", "bad-chain",
	    tu_cs_make(&a, a.seq + 1, prev, a.hlc + 1, &op, 1, &len), &len);
	free(v);
	copy = a;
	row(&f->rows[i++], "out of its region", "region", kegiatan(&copy, 0, "32.01", &len), &len);
	tu_origin_init(&p33, 4, BASE_HLC);
	row(&f->rows[i++], "outside the sender's lineage", "lineage", kegiatan(&p33, 0, "33", &len),
	    &len);
	tu_origin_init(&st, 9, BASE_HLC);
	row(&f->rows[i++], "an unknown origin", "no-certificate", kegiatan(&st, 0, "32", &len),
	    &len);
	tu_origin_init(&k, 5, pk_hlc_from_ms(BASE_MS + 120000));
	row(&f->rows[i++], "a revoked origin", "revoked", kegiatan(&k, 0, "32.75.01", &len), &len);
	cs = malloc(16);
	assert_non_null(cs);
	memcpy(cs, "not a changeset", 16);
	len = 16;
	row(&f->rows[i++], "malformed", "malformed", cs, &len);
	len = PK_CS_MAX_BYTES + 1;
	cs = calloc(1, len);
	row(&f->rows[i++], "too big", "too-big", cs, &len);
	cs = malloc(f->first_len);
	assert_non_null(cs);
	memcpy(cs, f->first, f->first_len);
	row(&f->rows[i++], "a duplicate", "exists", cs, &f->first_len);
	assert_int_equal(i, ROWS);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < ROWS; i++)
		free(f->rows[i].cs);
	free(f->first);
	store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	tu_init();
	log_init("test_ingest", LOG_ERROR); /* the refusals' warnings are what is tested here */
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab_a, 2);
	tu_key(&kab_b, 3);
	tu_key(&prov33, 4);
	tu_key(&kec, 5);
	tu_key(&stranger, 9);
	return 0;
}

/* ---- the three arrivals ------------------------------------------------------------------- */

/* The outcomes ingest reported, by index. */
struct seen {
	int err[ROWS];
	bool decoded[ROWS];
	size_t n;
};

static void record(const struct store_outcome *out, size_t n, uint64_t base, void *arg)
{
	struct seen *sn = arg;

	for (size_t i = 0; i < n; i++) {
		assert_true(base + i < ROWS);
		sn->err[base + i] = out[i].err;
		sn->decoded[base + i] = out[i].decoded;
	}
	sn->n += n;
}

struct counts {
	uint64_t n[PK_ERR_COUNT];
};

static int count_tag(const char *tag, uint64_t count, void *arg)
{
	struct counts *c = arg;

	for (int e = 1; e < PK_ERR_COUNT; e++)
		if (strcmp(tag, pk_errtag(-e)) == 0)
			c->n[e] = count;
	return 0;
}

static struct counts counts_of(struct store *s)
{
	struct counts c;

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_refusals(s, count_tag, &c), 0);
	return c;
}

/*
 * Sends rows[from..to) to the province by arrival a, encoded as that arrival carries them and
 * decoded again, as the receiving code gets them. Fills sn and r.
 */
static void arrive(struct fx *f, enum arrival a, size_t from, size_t to, struct seen *sn,
                   struct ingest_result *r)
{
	struct pk_blob b[ROWS];
	uint8_t path[2][PK_PUB_BYTES];
	struct outbox_peer child = {.rule = OUTBOX_UP, .self = kab_a.pub, .parent = prov.pub};
	struct outbox_peer me = {.rule = OUTBOX_LINEAGE, .path = path, .n = 2};
	struct ingest_from in = {.name = arrival_name[a],
	                         .sender = a == PUSH ? &child : &me,
	                         .lineage_refuses = a != BUNDLE_NOT_FOR_ME,
	                         .lineage_why = "origin outside the sender's lineage",
	                         .threads = 1,
	                         .now_ms = fixed_now,
	                         .batch = record,
	                         .arg = sn};
	struct pk_sync_msg m;
	struct pk_bundle bu;
	struct pk_bundle_meta meta = {.created = BASE_MS / 1000, .has_for = true};
	const struct pk_sync_list *certs = NULL, *cs;
	uint8_t *buf = NULL;
	size_t len, n = to - from;
	unsigned long long decodes;
	struct pk_heads acks = {0};

	memcpy(path[0], root.pub, PK_PUB_BYTES);
	memcpy(path[1], prov.pub, PK_PUB_BYTES);
	for (size_t i = 0; i < n; i++)
		b[i] = (struct pk_blob){f->rows[from + i].cs, f->rows[from + i].len};
	switch (a) {
	case PUSH:
		assert_int_equal(pk_sync_push_encode(NULL, 0, b, n, &buf, &len), 0);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REQUEST, &m, NULL), 0);
		certs = &m.certs;
		cs = &m.changesets;
		r->acks = &acks;
		break;
	case PULL:
		assert_int_equal(pk_sync_pulled_encode(b, n, false, &buf, &len), 0);
		assert_int_equal(pk_sync_decode(buf, len, PK_SYNC_REPLY, &m, NULL), 0);
		cs = &m.changesets;
		break;
	default:
		memcpy(meta.creator, root.pub, PK_PUB_BYTES);
		memcpy(meta.for_key, a == BUNDLE ? prov.pub : kab_b.pub, PK_PUB_BYTES);
		assert_int_equal(
		    pk_bundle_encode(&meta, NULL, 0, NULL, 0, b, n, root.sec, &buf, &len), 0);
		assert_int_equal(pk_bundle_decode(buf, len, &bu, NULL), 0);
		certs = &bu.certs;
		cs = &bu.changesets;
		break;
	}
	memset(sn, 0, sizeof(*sn));
	decodes = pk_cs_decode_count();
	assert_int_equal(ingest_batch(f->s, &in, certs, cs, r), 0);
	/* One decode per changeset, whatever became of it (the push's acknowledgement too). */
	assert_int_equal(pk_cs_decode_count() - decodes, n);
	assert_int_equal(sn->n, n);
	if (a == PUSH) {
		/* District 32.75's head (2) is acknowledged whenever one of its changesets came. */
		for (size_t i = 0; i < acks.n; i++)
			if (memcmp(acks.h[i].origin, kab_a.pub, PK_PUB_BYTES) == 0)
				assert_int_equal(acks.h[i].seq, 2);
		r->acks = NULL;
	}
	pk_heads_free(&acks);
	free(buf);
}

/* Each row alone, by each arrival: its tag, one refusal counted under it (none for "exists"). */
static void test_each_row_by_each_arrival(void **state)
{
	struct fx *f = *state;

	for (enum arrival a = PUSH; a <= BUNDLE; a++) {
		for (size_t i = 0; i < ROWS; i++) {
			const struct row *rw = &f->rows[i];
			struct counts before = counts_of(f->s), after;
			struct ingest_result r;
			struct seen sn;
			int e;

			memset(&r, 0, sizeof(r));
			arrive(f, a, i, i + 1, &sn, &r);
			e = sn.err[0];
			if (strcmp(pk_errtag(e), rw->tag) != 0)
				fail_msg("%s by %s: %s, not %s", rw->what, arrival_name[a],
				         pk_errtag(e), rw->tag);
			after = counts_of(f->s);
			for (int k = 1; k < PK_ERR_COUNT; k++) {
				uint64_t want = e == -k && e != PK_EEXIST ? 1 : 0;

				if (after.n[k] - before.n[k] != want)
					fail_msg("%s by %s: %s counted %llu more, not %llu",
					         rw->what, arrival_name[a], pk_errtag(-k),
					         (unsigned long long)(after.n[k] - before.n[k]),
					         (unsigned long long)want);
			}
			assert_int_equal(r.refused, e == PK_EEXIST ? 0 : 1);
			assert_int_equal(r.exists, e == PK_EEXIST ? 1 : 0);
			assert_int_equal(r.applied + r.held + r.left_out, 0);
			if (e != PK_EEXIST)
				assert_int_equal(r.by_reason[-e], 1);
		}
	}
}

/* All rows in one batch: the same tags by index, the same counts, by each arrival. */
static void test_one_batch_by_each_arrival(void **state)
{
	struct fx *f = *state;
	struct seen first;

	for (enum arrival a = PUSH; a <= BUNDLE; a++) {
		struct counts before = counts_of(f->s), after;
		struct ingest_result r;
		struct seen sn;

		memset(&r, 0, sizeof(r));
		arrive(f, a, 0, ROWS, &sn, &r);
		for (size_t i = 0; i < ROWS; i++)
			if (strcmp(pk_errtag(sn.err[i]), f->rows[i].tag) != 0)
				fail_msg("%s by %s in a batch: %s, not %s", f->rows[i].what,
				         arrival_name[a], pk_errtag(sn.err[i]), f->rows[i].tag);
		if (a == PUSH)
			first = sn;
		assert_memory_equal(&first, &sn, sizeof(sn));
		assert_int_equal(r.refused, ROWS - 1);
		assert_int_equal(r.exists, 1);
		after = counts_of(f->s);
		for (size_t i = 0; i + 1 < ROWS; i++)
			assert_int_equal(after.n[-sn.err[i]] - before.n[-sn.err[i]], 1);
	}
}

/* A bundle made for another node leaves the origin outside this node's lineage out, without a
 * refusal; every other row is as by the other arrivals (SPEC section 18, step 7). */
static void test_bundle_for_another_node(void **state)
{
	struct fx *f = *state;
	struct counts before = counts_of(f->s), after;
	struct ingest_result r;
	struct seen sn;

	memset(&r, 0, sizeof(r));
	arrive(f, BUNDLE_NOT_FOR_ME, 0, ROWS, &sn, &r);
	for (size_t i = 0; i < ROWS; i++)
		assert_string_equal(pk_errtag(sn.err[i]), f->rows[i].tag);
	assert_int_equal(r.left_out, 1);
	assert_int_equal(r.refused, ROWS - 2);
	assert_int_equal(r.by_reason[-PK_ELINEAGE], 0);
	after = counts_of(f->s);
	assert_int_equal(after.n[-PK_ELINEAGE], before.n[-PK_ELINEAGE]);
	assert_int_equal(after.n[-PK_EGAP], before.n[-PK_EGAP] + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_each_row_by_each_arrival, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_batch_by_each_arrival, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bundle_for_another_node, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
