/*
 * test_store.c: the LMDB store (daemon/store.h): node identity, local writes, reads, applying
 * received changesets (every refusal, forks, gaps, last-writer-wins, order independence),
 * verification of a damaged store, and opening damaged files.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/store.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "testutil.h"

#define DAY_MS 86400000ULL
#define BASE_MS (TU_T0_MS + DAY_MS) /* 2026-01-02: inside every certificate's validity */
#define BASE_HLC pk_hlc_from_ms(BASE_MS)
#define NOW_MS (BASE_MS + 3600000ULL) /* the receiving node's clock in the tests */

/* kab_a_new is district 32.75's second key (made when it replaced its server), which owns the
 * district's records as kab_a does: the one way two origins write the same record. */
static struct tu_key root, prov, kab_a, kab_b, prov33, stranger, kab_a_new;

/* A temporary folder with the national node's store in dir/node; the national node holds the
 * certificates of province 32 (prov), its districts 32.75 (kab_a) and 32.01 (kab_b), and
 * province 33 (prov33). Each writes only the records of the region it owns (SPEC section 5,
 * "Ownership"): the root region "", a province its own code, a district its code and the
 * kecamatan and desa below it. */
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
	tu_cert_put(s, &root, &prov33, "33");
	return s;
}

/* national(), also holding district 32.75's second key. */
static struct store *national_two_keys(const char *path)
{
	struct store *s = national(path);

	tu_cert_put(s, &prov, &kab_a_new, "32.75");
	return s;
}

/* District 32.75's own store at path, its chain installed: a node that writes region 32.75 and
 * the kecamatan and desa below it. */
static struct store *district(const char *path)
{
	const struct tu_key *keys[] = {&root, &prov, &kab_a};
	const char *regions[] = {"32", "32.75"};
	struct store *s = tu_store_new(path, &root, &kab_a, "32.75", "Pokja PKP Kota Bekasi");

	assert_int_equal(tu_install_chain(s, keys, regions, 2), 0);
	return s;
}

static void fx_path(struct fx *f, const char *name)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	fx_path(f, "node");
	f->s = national(f->path);
	*state = f;
	return 0;
}

static int setup_empty(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	fx_path(f, "node");
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

/* teardown, after unmounting the tmpfs of test_full_device if a failed assertion left it. */
static int teardown_disk(void **state)
{
	struct fx *f = *state;
	char mnt[480];

	store_close(f->s);
	f->s = NULL;
	snprintf(mnt, sizeof(mnt), "%s/disk", f->dir);
	umount2(mnt, MNT_DETACH);
	return teardown(state);
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
	tu_key(&stranger, 9);
	tu_key(&kab_a_new, 10);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

/* Applies one changeset; returns its outcome (the call itself must succeed). */
static int apply1(struct store *s, const uint8_t *cs, size_t len, uint64_t now_ms,
                  struct pk_diag *why)
{
	struct store_blob b = {cs, len};
	struct store_outcome o;
	int err;

	memset(&o, 0, sizeof(o));
	err = store_apply(s, &b, 1, 1, now_ms, &o);
	if (err != 0)
		fail_msg("store_apply: %s", pk_strerror(err));
	if (why != NULL)
		*why = o.why;
	return o.err;
}

/* The next changeset of o writing one kegiatan record (hlc 0: one millisecond later). */
static uint8_t *kg_next(struct tu_origin *o, uint64_t hlc, const char *region, const char *key,
                        const char *nama, size_t *len)
{
	size_t vlen;
	uint8_t *v = nama ? tu_kegiatan(nama, 2026, &vlen) : NULL;
	struct pk_op op = tu_op("kegiatan", region, key, v, v ? vlen : 0);
	uint8_t *cs = tu_cs_next(o, hlc, &op, 1, len);

	free(v);
	return cs;
}

/* The same without advancing o. */
static uint8_t *kg_peek(const struct tu_origin *o, uint64_t hlc, const char *region,
                        const char *key, const char *nama, size_t *len)
{
	struct tu_origin copy = *o;

	return kg_next(&copy, hlc, region, key, nama, len);
}

static void dump(struct store *s, struct tu_buf *b)
{
	memset(b, 0, sizeof(*b));
	tu_dump(s, b);
}

static void assert_dump_is(struct store *s, const struct tu_buf *want, const char *what)
{
	struct tu_buf now;

	dump(s, &now);
	if (now.len != want->len || (now.len && memcmp(now.data, want->data, now.len) != 0))
		fail_msg("%s: the records changed (%zu bytes of dump, were %zu)", what, now.len,
		         want->len);
	tu_buf_free(&now);
}

static void assert_head_is(struct store *s, const uint8_t *origin, const struct store_head *want,
                           const char *what)
{
	struct store_head h;

	assert_int_equal(store_head_get(s, origin, &h), 0);
	if (h.seq != want->seq || h.hlc != want->hlc || h.forked != want->forked ||
	    memcmp(h.hash, want->hash, PK_HASH_BYTES) != 0)
		fail_msg("%s: head changed (seq %llu, was %llu)", what, (unsigned long long)h.seq,
		         (unsigned long long)want->seq);
}

/* Copies of the records a store_get / store_list call reported. */
struct got {
	char coll[PK_COLL_MAX + 1], region[PK_REGION_MAX + 1], key[PK_KEY_MAX + 1];
	uint64_t hlc, seq;
	uint8_t origin[PK_PUB_BYTES];
	bool deleted;
	uint8_t value[512];
	size_t value_len, file_offset;
};

struct gots {
	struct got g[64];
	int n;
	int stop_after; /* return non-zero after this many; 0: never */
};

static int collect(const struct store_record *r, void *arg)
{
	struct gots *gs = arg;
	struct got *g;

	assert_true(gs->n < 64);
	g = &gs->g[gs->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->coll, sizeof(g->coll), "%s", r->coll);
	snprintf(g->region, sizeof(g->region), "%s", r->region);
	snprintf(g->key, sizeof(g->key), "%s", r->key);
	g->hlc = r->hlc;
	g->seq = r->seq;
	memcpy(g->origin, r->origin, PK_PUB_BYTES);
	g->deleted = r->deleted;
	assert_true(r->value_len <= sizeof(g->value));
	if (r->value != NULL)
		memcpy(g->value, r->value, r->value_len);
	g->value_len = r->value_len;
	g->file_offset = r->file_offset;
	return gs->stop_after && gs->n >= gs->stop_after;
}

static int list(struct store *s, const char *coll, const char *region, bool deleted,
                struct gots *gs)
{
	memset(gs, 0, sizeof(*gs));
	return store_list(s, coll, region, deleted, collect, gs);
}

static int get(struct store *s, const char *coll, const char *key, const char *region,
               struct gots *gs)
{
	memset(gs, 0, sizeof(*gs));
	return store_get(s, coll, key, region, collect, gs);
}

static int write_ops(struct store *s, const struct tu_key *k, const struct pk_op *ops, size_t n,
                     struct store_written *w, struct pk_diag *d)
{
	struct store_written tmp;

	return store_write(s, k->sec, ops, n, BASE_MS, w ? w : &tmp, NULL, NULL, d);
}

/* Writes one kegiatan record as this store's node (key k). */
static int write_kg(struct store *s, const struct tu_key *k, const char *region, const char *key,
                    const char *nama)
{
	size_t vlen = 0;
	uint8_t *v = nama ? tu_kegiatan(nama, 2026, &vlen) : NULL;
	struct pk_op op = tu_op("kegiatan", region, key, v, vlen);
	struct pk_diag d = {""};
	int err = write_ops(s, k, &op, 1, NULL, &d);

	free(v);
	return err;
}

/* ---- node identity -------------------------------------------------------------------------- */

static void test_open_init_reopen(void **state)
{
	struct fx *f = *state;
	struct store_node n, got;
	struct store_head h;
	struct gots gs;
	struct pk_diag d = {""};
	struct store *ro = NULL;
	uint64_t serial = 0;
	char missing[600];

	snprintf(missing, sizeof(missing), "%s/absent", f->dir);
	assert_true(store_open(missing, STORE_RDONLY, &ro, &d) < 0);
	assert_null(ro);

	f->s = tu_store_open(f->path); /* creates the folder */
	assert_int_equal(store_node_get(f->s, &got), PK_ENOTFOUND);
	assert_non_null(strstr(store_path(f->s), f->path));

	memset(&n, 0, sizeof(n));
	memcpy(n.pub, root.pub, PK_PUB_BYTES);
	memcpy(n.root, root.pub, PK_PUB_BYTES);
	strcpy(n.name, "Kementerian PKP");
	assert_int_equal(store_node_init(f->s, &n), 0);
	assert_int_equal(store_node_init(f->s, &n), PK_EEXIST);
	memcpy(n.pub, prov.pub, PK_PUB_BYTES);
	strcpy(n.region, "32");
	assert_int_equal(store_node_init(f->s, &n), PK_EEXIST);

	assert_int_equal(store_node_get(f->s, &got), 0);
	assert_memory_equal(got.pub, root.pub, PK_PUB_BYTES);
	assert_memory_equal(got.root, root.pub, PK_PUB_BYTES);
	assert_string_equal(got.region, "");
	assert_string_equal(got.name, "Kementerian PKP");
	assert_true(got.certified);

	assert_int_equal(write_kg(f->s, &root, "", "kg-1", "Rapat pokja"), 0);
	assert_int_equal(store_next_serial(f->s, &serial), 0);
	assert_true(serial == 1);
	assert_int_equal(store_next_serial(f->s, &serial), 0);
	assert_true(serial == 2);
	store_close(f->s);
	f->s = NULL;

	/* Everything persists. */
	f->s = tu_store_open(f->path);
	assert_int_equal(store_node_get(f->s, &got), 0);
	assert_memory_equal(got.pub, root.pub, PK_PUB_BYTES);
	assert_string_equal(got.name, "Kementerian PKP");
	assert_true(got.certified);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 1);
	assert_string_equal(gs.g[0].region, "");
	assert_int_equal(store_head_get(f->s, root.pub, &h), 0);
	assert_true(h.seq == 1 && !h.forked);
	assert_int_equal(store_next_serial(f->s, &serial), 0);
	assert_true(serial == 3);
	store_close(f->s);

	/* A read-only open of an existing store works. */
	f->s = NULL;
	assert_int_equal(store_open(f->path, STORE_RDONLY, &f->s, &d), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 1);
}

static void test_uncertified_node(void **state)
{
	struct fx *f = *state;
	struct store_node got;
	const struct tu_key *keys[] = {&root, &prov, &kab_a};
	const char *regions[] = {"32", "32.75"};
	const char *wrong[] = {"32", "32.01"};

	f->s = tu_store_new(f->path, &root, &kab_a, "32.75", "Pokja PKP Kota Bekasi");
	assert_int_equal(store_node_get(f->s, &got), 0);
	assert_false(got.certified);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Belum boleh"), PK_ECERT);

	/* A chain granting another region, or for another key, is refused. */
	assert_int_equal(tu_install_chain(f->s, keys, wrong, 2), PK_EREGION);
	{
		const struct tu_key *other[] = {&root, &prov, &kab_b};
		assert_int_equal(tu_install_chain(f->s, other, regions, 2), PK_ECERT);
	}
	assert_int_equal(store_node_get(f->s, &got), 0);
	assert_false(got.certified);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Belum boleh"), PK_ECERT);

	assert_int_equal(tu_install_chain(f->s, keys, regions, 2), 0);
	assert_int_equal(store_node_get(f->s, &got), 0);
	assert_true(got.certified);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Sekarang boleh"), 0);
	/* Another node's key cannot write here. */
	assert_int_equal(write_kg(f->s, &kab_b, "32.75", "kg-2", "Bukan saya"), PK_EPERM);
}

/* ---- local writes and reads ------------------------------------------------------------------ */

/* The district node's local write: one changeset over its own region, its kecamatan and desa. */
static void test_write_get_list(void **state)
{
	struct fx *f = *state;
	uint8_t *v[6];
	size_t vl[6];
	struct pk_op ops[6];
	struct store_written w;
	struct store_head h;
	struct gots gs;
	struct pk_diag d = {""};
	static const char *const names[] = {"Satu", "Dua", "Tiga", "Empat", "Lima", "Enam"};
	static const char *const k_nama[] = {"nama"};
	uint8_t *raw;
	size_t rawlen;

	f->s = district(f->path);
	for (int i = 0; i < 5; i++)
		v[i] = tu_kegiatan(names[i], 2026, &vl[i]);
	v[5] = tu_map(&vl[5], 1, k_nama, &names[5], NULL);
	ops[0] = tu_op("kegiatan", "32.75", "kg-1", v[0], vl[0]);
	ops[1] = tu_op("kegiatan", "32.75", "kg-2", v[1], vl[1]);
	ops[2] = tu_op("kegiatan", "32.75.01", "kg-1", v[2], vl[2]);
	ops[3] = tu_op("kegiatan", "32.75.02", "kg-1", v[3], vl[3]);
	ops[4] = tu_op("kegiatan", "32.75.01.1001", "kg-9", v[4], vl[4]);
	ops[5] = tu_op("anggota", "32.75", "ag-1", v[5], vl[5]);
	assert_int_equal(write_ops(f->s, &kab_a, ops, 6, &w, &d), 0);
	assert_true(w.first_seq == 1 && w.last_seq == 1 && w.changesets == 1);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 1);
	assert_true(h.hlc >= pk_hlc_from_ms(BASE_MS));

	/* store_get: by key, in any region or one. */
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 3);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", "32.75.01", &gs), 1);
	assert_string_equal(gs.g[0].region, "32.75.01");
	assert_string_equal(gs.g[0].coll, "kegiatan");
	assert_string_equal(gs.g[0].key, "kg-1");
	assert_int_equal(gs.g[0].value_len, vl[2]);
	assert_memory_equal(gs.g[0].value, v[2], vl[2]);
	assert_memory_equal(gs.g[0].origin, kab_a.pub, PK_PUB_BYTES);
	assert_true(gs.g[0].seq == 1 && gs.g[0].hlc == h.hlc && !gs.g[0].deleted);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", "32.75.01.1001", &gs), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-3", NULL, &gs), 0);
	assert_int_equal(get(f->s, "anggota", "kg-1", NULL, &gs), 0);
	assert_true(get(f->s, "kegiatan", "kg-1", "32.7", &gs) < 0);
	assert_true(get(f->s, "kegiatan", "kg 1", NULL, &gs) < 0);

	/* store_list: by region prefix, whole components only. */
	assert_true(list(f->s, "kegiatan", "32.7", false, &gs) < 0);
	assert_true(list(f->s, "kegiatan", "32.75.0", false, &gs) < 0);
	assert_true(list(f->s, "kegiatan", "3", false, &gs) < 0);
	assert_int_equal(list(f->s, "kegiatan", "32.75", false, &gs), 5);
	assert_string_equal(gs.g[0].region, "32.75");
	assert_string_equal(gs.g[0].key, "kg-1");
	assert_string_equal(gs.g[1].region, "32.75");
	assert_string_equal(gs.g[1].key, "kg-2");
	assert_memory_equal(gs.g[1].value, v[1], vl[1]);
	assert_string_equal(gs.g[2].region, "32.75.01");
	assert_string_equal(gs.g[3].region, "32.75.01.1001");
	assert_string_equal(gs.g[4].region, "32.75.02");
	assert_int_equal(list(f->s, "kegiatan", "32.75.01", false, &gs), 2);
	assert_string_equal(gs.g[0].region, "32.75.01");
	assert_string_equal(gs.g[1].region, "32.75.01.1001");
	assert_int_equal(list(f->s, "kegiatan", "", false, &gs), 5);
	assert_int_equal(list(f->s, "kegiatan", NULL, false, &gs), 5);
	assert_int_equal(list(f->s, "kegiatan", "32", false, &gs), 5);
	assert_int_equal(list(f->s, "kegiatan", "33", false, &gs), 0);
	assert_int_equal(list(f->s, "kegiatan", "32.75.02", false, &gs), 1);
	assert_int_equal(list(f->s, "kegiatan", "32.75.03", false, &gs), 0);
	assert_int_equal(list(f->s, "anggota", "", false, &gs), 1);
	assert_memory_equal(gs.g[0].value, v[5], vl[5]);
	assert_int_equal(list(f->s, "rapat", "", true, &gs), 0);
	/* A callback that asks to stop is not called again. */
	memset(&gs, 0, sizeof(gs));
	gs.stop_after = 2;
	assert_int_equal(store_list(f->s, "kegiatan", "", false, collect, &gs), 2);
	assert_int_equal(gs.n, 2);

	/* The log holds the changeset as signed, and the head names it. */
	assert_int_equal(store_log_get(f->s, kab_a.pub, 1, &raw, &rawlen), 0);
	{
		struct pk_changeset cs;
		uint8_t hash[PK_HASH_BYTES];
		assert_int_equal(pk_cs_decode(raw, rawlen, &cs, NULL), 0);
		assert_true(pk_cs_sig_ok(&cs));
		assert_int_equal(cs.nops, 6);
		pk_cs_hash(&cs, hash);
		assert_memory_equal(hash, h.hash, PK_HASH_BYTES);
		assert_true(cs.hlc == h.hlc);
	}
	free(raw);
	assert_true(store_log_get(f->s, kab_a.pub, 2, &raw, &rawlen) < 0);

	/* A second write at the same wall clock still advances the clock. */
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-3", "Tujuh"), 0);
	{
		struct store_head h2;
		assert_int_equal(store_head_get(f->s, kab_a.pub, &h2), 0);
		assert_true(h2.seq == 2 && h2.hlc > h.hlc);
	}
	for (int i = 0; i < 6; i++)
		free(v[i]);
}

/* Writes and deletes of the district node, in its region and a kecamatan of it. */
static void test_delete_tombstone(void **state)
{
	struct fx *f = *state;
	struct gots gs;

	f->s = district(f->path);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Akan dihapus"), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 1);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", NULL), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", "32.75", &gs), 0);
	assert_int_equal(list(f->s, "kegiatan", "", false, &gs), 0);
	assert_int_equal(list(f->s, "kegiatan", "", true, &gs), 1);
	assert_true(gs.g[0].deleted);
	assert_int_equal(gs.g[0].value_len, 0);
	assert_true(gs.g[0].seq == 2);
	assert_string_equal(gs.g[0].key, "kg-1");

	/* Deleting a record never seen leaves a tombstone too. */
	assert_int_equal(write_kg(f->s, &kab_a, "32.75.01", "kg-7", NULL), 0);
	assert_int_equal(list(f->s, "kegiatan", "32.75.01", true, &gs), 1);
	assert_true(gs.g[0].deleted);
	assert_int_equal(list(f->s, "kegiatan", "32.75.01", false, &gs), 0);

	/* A later write brings the record back. */
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Dibuat lagi"), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-1", NULL, &gs), 1);
	assert_false(gs.g[0].deleted);
	assert_true(gs.g[0].seq == 4);
}

static void test_write_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct tu_buf before;
	struct store_head h0;
	struct store_written w;
	struct pk_diag d;
	uint8_t *good, *bad;
	size_t lg, lb;
	struct pk_op ops[3];

	assert_int_equal(write_kg(f->s, &root, "", "kg-0", "Sudah ada"), 0);
	assert_int_equal(store_head_get(f->s, root.pub, &h0), 0);
	dump(f->s, &before);
	good = tu_kegiatan("Baik", 2026, &lg);
	bad = tu_kegiatan("Tahun salah", 1999, &lb);

	ops[0] = tu_op("kegiatan", "", "kg-1", good, lg);
	ops[1] = tu_op("kegiatan", "", "kg-0", NULL, 0);
	ops[2] = tu_op("kegiatan", "", "kg-3", bad, lb);
	memset(&d, 0, sizeof(d));
	w.changesets = 99;
	assert_int_equal(write_ops(f->s, &root, ops, 3, &w, &d), PK_ESCHEMA);
	assert_true(d.msg[0] != '\0');
	assert_true(w.changesets == 0 && w.first_seq == 0 && w.last_seq == 0);
	assert_head_is(f->s, root.pub, &h0, "schema violation in the last op");
	assert_dump_is(f->s, &before, "schema violation in the last op");

	ops[2] = tu_op("kegiatan", "32.7", "kg-3", good, lg);
	assert_true(write_ops(f->s, &root, ops, 3, &w, NULL) < 0);
	ops[2] = tu_op("kegiatan", "", "kg 3", good, lg);
	assert_true(write_ops(f->s, &root, ops, 3, &w, NULL) < 0);
	ops[2] = tu_op("kegiatan", "32", "kg-3", good, lg); /* province 32's record */
	assert_int_equal(write_ops(f->s, &root, ops, 3, &w, NULL), PK_EOWNER);
	ops[2] = tu_op("kegiatanx", "", "kg-3", good, lg);
	assert_int_equal(write_ops(f->s, &root, ops, 3, &w, NULL), PK_ESCHEMA);
	assert_int_equal(write_ops(f->s, &root, ops, 0, &w, NULL), PK_EINVAL);
	assert_head_is(f->s, root.pub, &h0, "refused writes");
	assert_dump_is(f->s, &before, "refused writes");
	tu_buf_free(&before);

	/* A write that needs two changesets: both or neither. */
	{
		size_t n = PK_CS_MAX_OPS + 4;
		struct pk_op *many = calloc(n, sizeof(*many));
		char(*keys)[16] = calloc(n, 16);
		struct store_head h1;
		assert_non_null(many);
		assert_non_null(keys);
		for (size_t i = 0; i < n; i++) {
			snprintf(keys[i], 16, "m-%zu", i);
			many[i] = tu_op("kegiatan", "", keys[i], good, lg);
		}
		assert_int_equal(write_ops(f->s, &root, many, n, &w, NULL), 0);
		assert_true(w.changesets == 2);
		assert_true(w.first_seq == h0.seq + 1 && w.last_seq == h0.seq + 2);
		assert_int_equal(store_head_get(f->s, root.pub, &h1), 0);
		assert_true(h1.seq == h0.seq + 2);
		dump(f->s, &before);

		for (size_t i = 0; i < n; i++)
			snprintf(keys[i], 16, "n-%zu", i);
		many[n - 1] = tu_op("kegiatan", "", keys[n - 1], bad, lb);
		assert_int_equal(write_ops(f->s, &root, many, n, &w, NULL), PK_ESCHEMA);
		assert_true(w.changesets == 0);
		assert_head_is(f->s, root.pub, &h1, "refused two-changeset write");
		assert_dump_is(f->s, &before, "refused two-changeset write");
		/* The same when the second changeset's last op is a record the root does not own.
		 */
		many[n - 1] = tu_op("kegiatan", "32.75", keys[n - 1], good, lg);
		assert_int_equal(write_ops(f->s, &root, many, n, &w, NULL), PK_EOWNER);
		assert_true(w.changesets == 0);
		assert_head_is(f->s, root.pub, &h1, "two-changeset write with another's record");
		assert_dump_is(f->s, &before, "two-changeset write with another's record");
		tu_buf_free(&before);
		free(many);
		free(keys);
	}
	free(good);
	free(bad);
}

/* store_write_mark: the ops and an import's mark in one transaction; a refused write leaves the
 * mark as it was; done deletes it. */
static void test_import_mark(void **state)
{
	struct fx *f = *state;
	struct store_import m, got;
	struct store_written w;
	struct gots gs;
	struct pk_diag d = {""};
	struct pk_op ops[2];
	uint8_t *good, *bad;
	size_t lg, lb;

	memset(&m, 0, sizeof(m));
	pk_hash(m.id, (const uint8_t *)"file", 4);
	assert_int_equal(store_import_get(f->s, m.id, &got), PK_ENOTFOUND);
	good = tu_kegiatan("Baik", 2026, &lg);
	bad = tu_kegiatan("Tahun salah", 1999, &lb);
	ops[0] = tu_op("kegiatan", "", "im-1", good, lg);
	ops[1] = tu_op("kegiatan", "", "im-2", good, lg);
	m.items = 2;
	m.next_line = 3;
	m.records = 2;
	m.updated_ms = BASE_MS;
	assert_int_equal(
	    store_write_mark(f->s, root.sec, ops, NULL, 2, BASE_MS, &m, &w, NULL, NULL, &d), 0);
	assert_int_equal(store_import_get(f->s, m.id, &got), 0);
	assert_true(got.items == 2 && got.next_line == 3 && got.records == 2 &&
	            got.updated_ms == BASE_MS && !got.done);
	assert_memory_equal(got.id, m.id, PK_HASH_BYTES);
	/* Another id has no mark; the id may be the one in the struct filled. */
	memcpy(got.id, m.id, PK_HASH_BYTES);
	got.id[0] ^= 1;
	assert_int_equal(store_import_get(f->s, got.id, &got), PK_ENOTFOUND);
	memcpy(got.id, m.id, PK_HASH_BYTES);
	assert_int_equal(store_import_get(f->s, got.id, &got), 0);
	assert_true(got.items == 2 && memcmp(got.id, m.id, PK_HASH_BYTES) == 0);

	/* A refused chunk: neither its ops nor its mark. */
	ops[0] = tu_op("kegiatan", "", "im-3", good, lg);
	ops[1] = tu_op("kegiatan", "", "im-4", bad, lb);
	m.items = 4;
	assert_int_equal(
	    store_write_mark(f->s, root.sec, ops, NULL, 2, BASE_MS, &m, &w, NULL, NULL, &d),
	    PK_ESCHEMA);
	assert_int_equal(store_import_get(f->s, m.id, &got), 0);
	assert_true(got.items == 2);
	assert_int_equal(get(f->s, "kegiatan", "im-3", "", &gs), 0);

	/* The last chunk: the mark goes with it. */
	ops[1] = tu_op("kegiatan", "", "im-4", good, lg);
	m.done = true;
	assert_int_equal(
	    store_write_mark(f->s, root.sec, ops, NULL, 2, BASE_MS, &m, &w, NULL, NULL, &d), 0);
	assert_int_equal(store_import_get(f->s, m.id, &got), PK_ENOTFOUND);
	assert_int_equal(get(f->s, "kegiatan", "im-4", "", &gs), 1);
	free(good);
	free(bad);
}

static void test_district_writes_own_region_only(void **state)
{
	struct fx *f = *state;
	const struct tu_key *keys[] = {&root, &prov, &kab_a};
	const char *regions[] = {"32", "32.75"};
	struct tu_buf before;
	struct store_head h0;
	struct pk_op ops[2];
	uint8_t *v;
	size_t vl;
	struct gots gs;

	f->s = tu_store_new(f->path, &root, &kab_a, "32.75", "Pokja PKP Kota Bekasi");
	assert_int_equal(tu_install_chain(f->s, keys, regions, 2), 0);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75", "kg-1", "Di wilayah sendiri"), 0);
	assert_int_equal(write_kg(f->s, &kab_a, "32.75.01.1001", "kg-2", "Di kelurahan"), 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h0), 0);
	assert_true(h0.seq == 2);
	dump(f->s, &before);

	assert_int_equal(write_kg(f->s, &kab_a, "32.01", "kg-3", "Tetangga"), PK_EREGION);
	assert_int_equal(write_kg(f->s, &kab_a, "32", "kg-3", "Provinsi"), PK_EREGION);
	assert_int_equal(write_kg(f->s, &kab_a, "", "kg-3", "Nasional"), PK_EREGION);
	v = tu_kegiatan("Campuran", 2026, &vl);
	ops[0] = tu_op("kegiatan", "32.75", "kg-4", v, vl);
	ops[1] = tu_op("kegiatan", "32.01", "kg-4", v, vl);
	assert_int_equal(write_ops(f->s, &kab_a, ops, 2, NULL, NULL), PK_EREGION);
	assert_head_is(f->s, kab_a.pub, &h0, "write outside the region");
	assert_dump_is(f->s, &before, "write outside the region");
	assert_int_equal(get(f->s, "kegiatan", "kg-4", NULL, &gs), 0);
	tu_buf_free(&before);
	free(v);
}

/* ---- applying received changesets ------------------------------------------------------------ */

/* Counts refusals by tag (store_refusals). */
struct tags {
	char tag[16][24];
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

static uint64_t refusals_of(struct store *s, const char *tag)
{
	struct tags t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(store_refusals(s, collect_tag, &t), 0);
	for (int i = 0; i < t.n; i++)
		if (strcmp(t.tag[i], tag) == 0)
			return t.count[i];
	return 0;
}

static void test_apply_refusals(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, s33, x, r, p;
	struct tu_buf before;
	struct store_head h;
	struct pk_diag why;
	uint8_t *c1, *c2, *c, junk[PK_HASH_BYTES];
	size_t l1, l2, l;

	tu_origin_init(&a, 2, BASE_HLC); /* kab_a, 32.75 */
	c1 = kg_next(&a, 0, "32.75", "kg-a", "Pertama", &l1);
	assert_int_equal(apply1(f->s, c1, l1, NOW_MS, &why), 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 1 && !h.forked && h.hlc == a.hlc);
	assert_memory_equal(h.hash, a.prev, PK_HASH_BYTES);
	dump(f->s, &before);
	assert_true(before.len > 0);

#define REFUSED(buf, len, now, want, what)                                                         \
	do {                                                                                       \
		int got_ = apply1(f->s, buf, len, now, &why);                                      \
		if (got_ != (want))                                                                \
			fail_msg("%s: outcome %d (%s: %s), want %d", what, got_,                   \
			         pk_strerror(got_), why.msg, want);                                \
		if ((want) != PK_EEXIST)                                                           \
			assert_true(why.msg[0] != '\0');                                           \
		assert_head_is(f->s, kab_a.pub, &h, what);                                         \
		assert_dump_is(f->s, &before, what);                                               \
	} while (0)

	REFUSED(c1, l1, NOW_MS, PK_EEXIST, "duplicate");

	/* A gap: seq 3 before seq 2. */
	{
		struct tu_origin ahead = a;
		free(kg_next(&ahead, 0, "32.75", "kg-b", "Kedua", &l));
		c = kg_next(&ahead, 0, "32.75", "kg-c", "Ketiga", &l);
		REFUSED(c, l, NOW_MS, PK_EGAP, "gap");
		free(c);
	}

	/* Previous hash wrong. */
	memset(junk, 0x5a, sizeof(junk));
	c = tu_cs_make(&a, 2, junk, a.hlc + pk_hlc_from_ms(1),
	               &(struct pk_op){"kegiatan", 8, "32.75", 5, "kg-b", 4, NULL, 0}, 1, &l);
	REFUSED(c, l, NOW_MS, PK_ECHAIN, "bad prev");
	free(c);

	/* The clock does not advance. */
	c = kg_peek(&a, a.hlc, "32.75", "kg-b", "Jam sama", &l);
	REFUSED(c, l, NOW_MS, PK_ECHAIN, "same clock");
	free(c);
	c = kg_peek(&a, a.hlc - 1, "32.75", "kg-b", "Jam mundur", &l);
	REFUSED(c, l, NOW_MS, PK_ECHAIN, "clock going back");
	free(c);

	/* The clock is ahead of ours beyond the hold bound (7 days; within it: held, see
	 * test_clock.c). */
	c = kg_peek(&a, pk_hlc_from_ms(NOW_MS + 8 * 86400000ull), "32.75", "kg-b", "Masa depan",
	            &l);
	REFUSED(c, l, NOW_MS, PK_ECLOCK, "clock far ahead");
	free(c);

	/* After the certificate chain expires. */
	c = kg_peek(&a, pk_hlc_from_ms(TU_NOT_AFTER * 1000 + 1000), "32.75", "kg-b", "Kadaluarsa",
	            &l);
	REFUSED(c, l, 0, PK_EEXPIRED, "certificate expired");
	free(c);

	/* Unknown origin. */
	tu_origin_init(&x, 9, BASE_HLC);
	c = kg_next(&x, 0, "32.75", "kg-x", "Asing", &l);
	REFUSED(c, l, NOW_MS, PK_ECERT, "unknown origin");
	free(c);

	/* Outside the origin's region: a sibling, the parent, another province, and a changeset
	 * whose first op is inside and second outside. */
	c = kg_peek(&a, 0, "32.01", "kg-b", "Tetangga", &l);
	REFUSED(c, l, NOW_MS, PK_EREGION, "sibling region");
	free(c);
	c = kg_peek(&a, 0, "32", "kg-b", "Provinsi", &l);
	REFUSED(c, l, NOW_MS, PK_EREGION, "parent region");
	free(c);
	c = kg_peek(&a, 0, "", "kg-b", "Nasional", &l);
	REFUSED(c, l, NOW_MS, PK_EREGION, "national region");
	free(c);
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("Dua op", 2026, &vl);
		struct pk_op ops[2] = {tu_op("kegiatan", "32.75", "kg-b", v, vl),
		                       tu_op("kegiatan", "33.01", "kg-b", v, vl)};
		struct tu_origin copy = a;
		c = tu_cs_next(&copy, 0, ops, 2, &l);
		REFUSED(c, l, NOW_MS, PK_EREGION, "second op outside");
		free(c);
		free(v);
	}
	tu_origin_init(&s33, 4, BASE_HLC); /* province 33 writing in 32.75 */
	c = kg_next(&s33, 0, "32.75", "kg-b", "Provinsi lain", &l);
	REFUSED(c, l, NOW_MS, PK_EREGION, "other province");
	free(c);
	c = kg_peek(&a, 0, "32.01.01.1001", "kg-b", "Desa tetangga", &l);
	REFUSED(c, l, NOW_MS, PK_EREGION, "a sibling's desa");
	free(c);
	assert_int_equal(refusals_of(f->s, "region"), 6);

	/* Inside the origin's region but owned by a node below it (step 10): province 32 writing,
	 * or deleting, district 32.75's record or one of its kecamatan's; the root writing a
	 * province's or a district's; and a changeset whose first op is the origin's own and
	 * second is not. */
	tu_origin_init(&p, 1, BASE_HLC);
	c = kg_peek(&p, 0, "32.75", "kg-a", "Provinsi menimpa", &l);
	REFUSED(c, l, NOW_MS, PK_EOWNER, "province writing a district's record");
	assert_non_null(strstr(why.msg, "'32.75'"));
	free(c);
	c = kg_peek(&p, 0, "32.75", "kg-a", NULL, &l);
	REFUSED(c, l, NOW_MS, PK_EOWNER, "province deleting a district's record");
	free(c);
	c = kg_peek(&p, 0, "32.75.01", "kg-a", "Kecamatan", &l);
	REFUSED(c, l, NOW_MS, PK_EOWNER, "province writing a kecamatan's record");
	free(c);
	tu_origin_init(&r, 0, BASE_HLC);
	c = kg_peek(&r, 0, "32", "kg-r", "Pusat di provinsi", &l);
	REFUSED(c, l, NOW_MS, PK_EOWNER, "root writing a province's record");
	free(c);
	c = kg_peek(&r, 0, "33.01", "kg-r", "Pusat di kota", &l);
	REFUSED(c, l, NOW_MS, PK_EOWNER, "root writing a district's record");
	free(c);
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("Dua op", 2026, &vl);
		struct pk_op ops[2] = {tu_op("kegiatan", "32", "kg-p", v, vl),
		                       tu_op("kegiatan", "32.01", "kg-p", v, vl)};
		struct tu_origin copy = p;
		c = tu_cs_next(&copy, 0, ops, 2, &l);
		REFUSED(c, l, NOW_MS, PK_EOWNER, "second op not the origin's own");
		assert_non_null(strstr(why.msg, "operation 1"));
		free(c);
		free(v);
	}
	assert_string_equal(pk_errtag(PK_EOWNER), "owner");
	assert_int_equal(refusals_of(f->s, "owner"), 6);
	assert_int_equal(refusals_of(f->s, "region"), 6);

	/* Schema violations. */
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("Tahun salah", 1999, &vl);
		struct pk_op op = tu_op("kegiatan", "32.75", "kg-b", v, vl);
		struct tu_origin copy = a;
		c = tu_cs_next(&copy, 0, &op, 1, &l);
		REFUSED(c, l, NOW_MS, PK_ESCHEMA, "schema violation");
		free(c);
		op = tu_op("kegiatanx", "32.75", "kg-b", NULL, 0);
		copy = a;
		c = tu_cs_next(&copy, 0, &op, 1, &l);
		REFUSED(c, l, NOW_MS, PK_ESCHEMA, "unknown collection");
		free(c);
		free(v);
	}

	/* A bad signature, and garbage. */
	c = kg_peek(&a, 0, "32.75", "kg-b", "Dipalsukan", &l);
	c[l - 7] ^= 0x20;
	REFUSED(c, l, NOW_MS, PK_ESIG, "bad signature");
	c[l - 7] ^= 0x20;
	c[l / 2] ^= 0x01; /* inside the body: decodes, does not verify */
	{
		int got = apply1(f->s, c, l, NOW_MS, &why);
		assert_true(got == PK_ESIG || got == PK_EDECODE);
	}
	assert_dump_is(f->s, &before, "body byte flipped");
	free(c);
	REFUSED((const uint8_t *)"\x92\xc0\xc0", 3, NOW_MS, PK_EDECODE, "garbage");

	/* The valid next changeset still applies, within the clock bound. */
	c2 = kg_next(&a, pk_hlc_from_ms(NOW_MS + 9 * 60000), "32.75", "kg-b", "Kedua", &l2);
	assert_int_equal(apply1(f->s, c2, l2, NOW_MS, &why), 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 2 && h.hlc == a.hlc);
	{
		struct gots gs;
		assert_int_equal(get(f->s, "kegiatan", "kg-b", "32.75", &gs), 1);
		assert_memory_equal(gs.g[0].origin, kab_a.pub, PK_PUB_BYTES);
		assert_true(gs.g[0].seq == 2);
	}

	/* The district writes its kecamatan's and desa's records: it owns them. */
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("Di kecamatan", 2026, &vl);
		struct pk_op ops[2] = {tu_op("kegiatan", "32.75.01", "kg-k", v, vl),
		                       tu_op("kegiatan", "32.75.01.1001", "kg-k", v, vl)};
		struct gots gs;
		c = tu_cs_next(&a, 0, ops, 2, &l);
		assert_int_equal(apply1(f->s, c, l, NOW_MS, &why), 0);
		assert_int_equal(get(f->s, "kegiatan", "kg-k", NULL, &gs), 2);
		assert_memory_equal(gs.g[0].origin, kab_a.pub, PK_PUB_BYTES);
		free(c);
		free(v);
	}

	/* The province writes its own records; the root needs no certificate and writes national
	 * ones. */
	c = kg_next(&p, 0, "32", "kg-p", "Rakor provinsi", &l);
	assert_int_equal(apply1(f->s, c, l, NOW_MS, &why), 0);
	free(c);
	c = kg_next(&r, 0, "", "kg-r", "Arahan pusat", &l);
	assert_int_equal(apply1(f->s, c, l, NOW_MS, &why), 0);
	free(c);
	assert_int_equal(refusals_of(f->s, "owner"), 6);
	tu_buf_free(&before);
	free(c1);
	free(c2);
#undef REFUSED
}

static void test_fork(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, b, fork;
	struct tu_buf before;
	struct store_head h;
	struct pk_diag why;
	uint8_t *a1, *a2, *a2f, *a3, *b1, *b2, *b1f;
	size_t l1, l2, l2f, l3, lb1, lb2, lb1f;

	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	a1 = kg_next(&a, 0, "32.75", "kg-1", "Satu", &l1);
	fork = a;
	a2 = kg_next(&a, 0, "32.75", "kg-2", "Dua", &l2);
	a2f = kg_next(&fork, 0, "32.75", "kg-2", "Dua versi lain", &l2f);
	a3 = kg_next(&a, 0, "32.75", "kg-3", "Tiga", &l3);
	assert_int_equal(apply1(f->s, a1, l1, NOW_MS, NULL), 0);
	assert_int_equal(apply1(f->s, a2, l2, NOW_MS, NULL), 0);
	dump(f->s, &before);

	assert_int_equal(apply1(f->s, a2f, l2f, NOW_MS, &why), PK_EFORK);
	assert_true(why.msg[0] != '\0');
	assert_dump_is(f->s, &before, "fork");
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.forked);
	assert_true(h.seq == 2);

	/* The origin's later changesets are refused, even valid ones. */
	assert_int_equal(apply1(f->s, a3, l3, NOW_MS, &why), PK_EFORKED);
	assert_dump_is(f->s, &before, "after the fork");
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.forked && h.seq == 2);

	/* Other origins are not affected; a fork of an older sequence is found too. */
	b1 = kg_next(&b, 0, "32.01", "kg-1", "B satu", &lb1);
	b2 = kg_next(&b, 0, "32.01", "kg-2", "B dua", &lb2);
	{
		struct tu_origin bf;
		tu_origin_init(&bf, 3, BASE_HLC);
		b1f = kg_next(&bf, 0, "32.01", "kg-1", "B satu lain", &lb1f);
	}
	assert_int_equal(apply1(f->s, b1, lb1, NOW_MS, NULL), 0);
	assert_int_equal(apply1(f->s, b2, lb2, NOW_MS, NULL), 0);
	tu_buf_free(&before);
	dump(f->s, &before);
	assert_int_equal(apply1(f->s, b1f, lb1f, NOW_MS, NULL), PK_EFORK);
	assert_dump_is(f->s, &before, "fork of seq 1");
	assert_int_equal(store_head_get(f->s, kab_b.pub, &h), 0);
	assert_true(h.forked && h.seq == 2);

	/* The fork survives a restart. */
	store_close(f->s);
	f->s = tu_store_open(f->path);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.forked);
	assert_int_equal(apply1(f->s, a3, l3, NOW_MS, NULL), PK_EFORKED);
	assert_dump_is(f->s, &before, "after restart");
	tu_buf_free(&before);
	free(a1);
	free(a2);
	free(a2f);
	free(a3);
	free(b1);
	free(b2);
	free(b1f);
}

static void test_batch_with_refusals(void **state)
{
	struct fx *f = *state;
	struct tu_origin a, b, x;
	struct store *ref;
	struct tu_buf want;
	char refpath[600];
	uint8_t *cs[8];
	size_t len[8];
	struct store_blob blobs[8];
	struct store_outcome out[8];
	static const int expect[8] = {0, PK_ESIG, 0, PK_ECERT, 0, PK_ESCHEMA, 0, PK_EEXIST};

	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	tu_origin_init(&x, 9, BASE_HLC);
	cs[0] = kg_next(&a, 0, "32.75", "kg-1", "A1", &len[0]);
	cs[1] = kg_peek(&a, 0, "32.75", "kg-2", "A2 palsu", &len[1]);
	cs[1][len[1] - 3] ^= 1;
	cs[2] = kg_next(&b, 0, "32.01", "kg-1", "B1", &len[2]);
	cs[3] = kg_next(&x, 0, "32.75", "kg-1", "Asing", &len[3]);
	cs[4] = kg_next(&a, 0, "32.75", "kg-2", "A2", &len[4]);
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("B2 salah", 3000, &vl);
		struct pk_op op = tu_op("kegiatan", "32.01", "kg-2", v, vl);
		struct tu_origin copy = b;
		cs[5] = tu_cs_next(&copy, 0, &op, 1, &len[5]);
		free(v);
	}
	cs[6] = kg_next(&b, 0, "32.01", "kg-2", "B2", &len[6]);
	cs[7] = malloc(len[0]);
	assert_non_null(cs[7]);
	memcpy(cs[7], cs[0], len[0]);
	len[7] = len[0];
	for (int i = 0; i < 8; i++) {
		blobs[i].data = cs[i];
		blobs[i].len = len[i];
	}
	memset(out, 0x7f, sizeof(out));
	assert_int_equal(store_apply(f->s, blobs, 8, 2, NOW_MS, out), 0);
	for (int i = 0; i < 8; i++)
		if (out[i].err != expect[i])
			fail_msg("changeset %d: outcome %d (%s), want %d", i, out[i].err,
			         out[i].why.msg, expect[i]);

	/* The same records as a store that got only the good ones, one at a time. */
	snprintf(refpath, sizeof(refpath), "%s/ref", f->dir);
	ref = national(refpath);
	assert_int_equal(apply1(ref, cs[0], len[0], NOW_MS, NULL), 0);
	assert_int_equal(apply1(ref, cs[2], len[2], NOW_MS, NULL), 0);
	assert_int_equal(apply1(ref, cs[4], len[4], NOW_MS, NULL), 0);
	assert_int_equal(apply1(ref, cs[6], len[6], NOW_MS, NULL), 0);
	memset(&want, 0, sizeof(want));
	assert_int_equal(tu_dump(ref, &want), 4);
	assert_dump_is(f->s, &want, "batch with refusals");
	store_close(ref);
	tu_buf_free(&want);
	for (int i = 0; i < 8; i++)
		free(cs[i]);
}

static void test_out_of_order(void **state)
{
	struct fx *f = *state;
	struct tu_origin a;
	struct tu_buf empty;
	struct store_head h;
	uint8_t *c[8];
	size_t l[8];
	struct store_blob bl[3];
	struct store_outcome out[3];

	tu_origin_init(&a, 2, BASE_HLC);
	for (int i = 1; i <= 7; i++) {
		char key[16];
		snprintf(key, sizeof(key), "kg-%d", i);
		c[i] = kg_next(&a, 0, "32.75", key, key, &l[i]);
	}
	dump(f->s, &empty);
	assert_int_equal(apply1(f->s, c[2], l[2], NOW_MS, NULL), PK_EGAP);
	assert_dump_is(f->s, &empty, "seq 2 first");
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 0);
	assert_int_equal(apply1(f->s, c[1], l[1], NOW_MS, NULL), 0);
	assert_int_equal(apply1(f->s, c[2], l[2], NOW_MS, NULL), 0); /* the resend */

	/* Within one batch: 4 before 3. */
	bl[0] = (struct store_blob){c[4], l[4]};
	bl[1] = (struct store_blob){c[3], l[3]};
	assert_int_equal(store_apply(f->s, bl, 2, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, PK_EGAP);
	assert_int_equal(out[1].err, 0);
	assert_int_equal(apply1(f->s, c[4], l[4], NOW_MS, NULL), 0);

	/* 7, 6, 5: only 5 applies; then 6 and 7. */
	bl[0] = (struct store_blob){c[7], l[7]};
	bl[1] = (struct store_blob){c[6], l[6]};
	bl[2] = (struct store_blob){c[5], l[5]};
	assert_int_equal(store_apply(f->s, bl, 3, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, PK_EGAP);
	assert_int_equal(out[1].err, PK_EGAP);
	assert_int_equal(out[2].err, 0);
	bl[0] = (struct store_blob){c[6], l[6]};
	bl[1] = (struct store_blob){c[7], l[7]};
	assert_int_equal(store_apply(f->s, bl, 2, 1, NOW_MS, out), 0);
	assert_int_equal(out[0].err, 0);
	assert_int_equal(out[1].err, 0);
	assert_int_equal(store_head_get(f->s, kab_a.pub, &h), 0);
	assert_true(h.seq == 7);
	assert_memory_equal(h.hash, a.prev, PK_HASH_BYTES);
	{
		struct gots gs;
		assert_int_equal(list(f->s, "kegiatan", "32.75", false, &gs), 7);
	}
	tu_buf_free(&empty);
	for (int i = 1; i <= 7; i++)
		free(c[i]);
}

/* The winner of one record after applying cs1 and cs2 in both orders to two fresh stores. */
static void lww_both_orders(struct fx *f, const char *tag, const uint8_t *c1, size_t l1,
                            const uint8_t *c2, size_t l2, const char *key, struct got *winner)
{
	char p1[600], p2[600];
	struct store *s1, *s2;
	struct tu_buf d1;
	struct gots gs;

	snprintf(p1, sizeof(p1), "%s/%s-1", f->dir, tag);
	snprintf(p2, sizeof(p2), "%s/%s-2", f->dir, tag);
	s1 = national_two_keys(p1);
	s2 = national_two_keys(p2);
	assert_int_equal(apply1(s1, c1, l1, NOW_MS, NULL), 0);
	assert_int_equal(apply1(s1, c2, l2, NOW_MS, NULL), 0);
	assert_int_equal(apply1(s2, c2, l2, NOW_MS, NULL), 0);
	assert_int_equal(apply1(s2, c1, l1, NOW_MS, NULL), 0);
	dump(s1, &d1);
	assert_dump_is(s2, &d1, tag);
	assert_int_equal(list(s1, "kegiatan", "32.75", true, &gs), 1);
	assert_string_equal(gs.g[0].key, key);
	*winner = gs.g[0];
	tu_buf_free(&d1);
	store_close(s1);
	store_close(s2);
}

static bool value_has(const struct got *g, const char *s)
{
	return memmem(g->value, g->value_len, s, strlen(s)) != NULL;
}

/* Two origins own district 32.75's records: its first key (a) and its second (n). */
static void test_last_writer_wins(void **state)
{
	struct fx *f = *state;
	struct tu_origin n, a;
	struct got w;
	uint8_t *c1, *c2;
	size_t l1, l2;

	/* The later clock wins, whoever arrives last. */
	tu_origin_init(&n, 10, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&n, BASE_HLC + 5, "32.75", "kg-x", "Versi kunci baru", &l1);
	c2 = kg_next(&a, BASE_HLC + 3, "32.75", "kg-x", "Versi kota", &l2);
	lww_both_orders(f, "later", c1, l1, c2, l2, "kg-x", &w);
	assert_true(value_has(&w, "Versi kunci baru"));
	assert_memory_equal(w.origin, kab_a_new.pub, PK_PUB_BYTES);
	assert_true(w.hlc == BASE_HLC + 5);
	free(c1);
	free(c2);

	/* Equal clocks: the higher origin key wins. */
	tu_origin_init(&n, 10, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&n, BASE_HLC + 7, "32.75", "kg-y", "Versi kunci baru", &l1);
	c2 = kg_next(&a, BASE_HLC + 7, "32.75", "kg-y", "Versi kota", &l2);
	lww_both_orders(f, "tie", c1, l1, c2, l2, "kg-y", &w);
	if (memcmp(kab_a_new.pub, kab_a.pub, PK_PUB_BYTES) > 0) {
		assert_memory_equal(w.origin, kab_a_new.pub, PK_PUB_BYTES);
		assert_true(value_has(&w, "Versi kunci baru"));
	} else {
		assert_memory_equal(w.origin, kab_a.pub, PK_PUB_BYTES);
		assert_true(value_has(&w, "Versi kota"));
	}
	free(c1);
	free(c2);

	/* A later delete beats an earlier write, and a later write an earlier delete. */
	tu_origin_init(&n, 10, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&n, BASE_HLC + 9, "32.75", "kg-z", "Ditulis", &l1);
	c2 = kg_next(&a, BASE_HLC + 10, "32.75", "kg-z", NULL, &l2);
	lww_both_orders(f, "delete", c1, l1, c2, l2, "kg-z", &w);
	assert_true(w.deleted);
	assert_memory_equal(w.origin, kab_a.pub, PK_PUB_BYTES);
	free(c1);
	free(c2);
	tu_origin_init(&n, 10, BASE_HLC);
	tu_origin_init(&a, 2, BASE_HLC);
	c1 = kg_next(&n, BASE_HLC + 12, "32.75", "kg-z", "Dihidupkan", &l1);
	c2 = kg_next(&a, BASE_HLC + 11, "32.75", "kg-z", NULL, &l2);
	lww_both_orders(f, "undelete", c1, l1, c2, l2, "kg-z", &w);
	assert_false(w.deleted);
	assert_true(value_has(&w, "Dihidupkan"));
	free(c1);
	free(c2);

	/* Within one changeset the later op on a record wins. */
	{
		size_t v1l, v2l, l;
		uint8_t *v1 = tu_kegiatan("Op pertama", 2026, &v1l);
		uint8_t *v2 = tu_kegiatan("Op kedua", 2026, &v2l);
		struct pk_op ops[3] = {tu_op("kegiatan", "32.75", "kg-w", v1, v1l),
		                       tu_op("kegiatan", "32.75", "kg-w", v2, v2l),
		                       tu_op("kegiatan", "32.75", "kg-v", v1, v1l)};
		struct gots gs;
		uint8_t *c;
		tu_origin_init(&a, 2, BASE_HLC);
		c = tu_cs_next(&a, 0, ops, 3, &l);
		assert_int_equal(apply1(f->s, c, l, NOW_MS, NULL), 0);
		assert_int_equal(get(f->s, "kegiatan", "kg-w", NULL, &gs), 1);
		assert_int_equal(gs.g[0].value_len, v2l);
		assert_memory_equal(gs.g[0].value, v2, v2l);
		free(c);
		ops[0] = tu_op("kegiatan", "32.75", "kg-w", NULL, 0);
		ops[1] = tu_op("kegiatan", "32.75", "kg-w", v1, v1l);
		ops[2] = tu_op("kegiatan", "32.75", "kg-v", NULL, 0);
		c = tu_cs_next(&a, 0, ops, 3, &l);
		assert_int_equal(apply1(f->s, c, l, NOW_MS, NULL), 0);
		assert_int_equal(get(f->s, "kegiatan", "kg-w", NULL, &gs), 1);
		assert_memory_equal(gs.g[0].value, v1, v1l);
		assert_int_equal(get(f->s, "kegiatan", "kg-v", NULL, &gs), 0);
		free(c);
		free(v1);
		free(v2);
	}
}

/* ---- order independence ---------------------------------------------------------------------- */

#define NORIG 5
#define PER_ORIGIN 30
#define NBAD 2 /* the province's changesets refused as not its own (after its PER_ORIGIN) */
#define RUNS 200

struct workload {
	uint8_t *cs[NORIG][PER_ORIGIN];
	size_t len[NORIG][PER_ORIGIN];
	const struct tu_key *key[NORIG];
	uint64_t revoked_at; /* the province's last changeset revokes district 32.01 */
	uint8_t *late;       /* district 32.01's next changeset, stamped after that */
	size_t late_len;
	uint8_t *bad[NBAD]; /* the province writing, and deleting, records of district 32.75 */
	size_t bad_len[NBAD];
	uint64_t bad_hlc;
};

/* The regions each origin writes: the ones it owns (SPEC section 5, "Ownership"). */
static const char *const *origin_regions(int oi, size_t *n)
{
	static const char *const national_r[] = {""}, *const province_r[] = {"32"};
	static const char *const kota_r[] = {"32.75", "32.75.01", "32.75.01.1001"};
	static const char *const kab_r[] = {"32.01", "32.01.02"};

	*n = oi == 0 ? 1 : oi == 1 ? 1 : oi == 3 ? 2 : 3;
	return oi == 0 ? national_r : oi == 1 ? province_r : oi == 3 ? kab_r : kota_r;
}

/*
 * Five origins, each writing only records it owns: the root in "", province 32 in "32",
 * district 32.75 with both its keys (kab_a, kab_a_new) in 32.75 and its kecamatan and desa,
 * district 32.01 in 32.01 and a kecamatan of it. Every origin uses the same record keys, so
 * the same key recurs in every region as distinct records. Origins other than 32.01 advance
 * their clocks in step (2 ticks) and every other step on average pick the same collections,
 * keys and region slots (from a generator seeded by the step), so the two keys of 32.75
 * often write one record at one clock and the origin key decides; 32.01 advances by 1-3
 * ticks. Each origin writes some records again in later changesets (last writer wins within
 * one origin) and deletes some.
 *
 * The province's last accepted changeset revokes district 32.01, filed under the province's
 * own region and stamped after all of that district's changesets (as the revoker's clock is
 * when it has seen them): whatever the order of arrival, they are all accepted, and the
 * district's next one is refused. After it come the province's two versions of its next
 * changeset (NBAD), one writing a record of district 32.75 and one deleting another, stamped
 * later than anything the district wrote: each must be refused as not the province's own,
 * whatever arrived before, and leaves the district's records as they are.
 */
static void make_workload(struct workload *wl, uint64_t seed)
{
	static const char *const keys[] = {"k0", "k1", "k2", "k3", "k4"};
	static const unsigned keyn[NORIG] = {0, 1, 2, 3, 10};
	static const char *const k_nama[] = {"nama"};
	static const char *const k_kunci[] = {"kunci"};
	struct tu_origin o, revoker, kab_end;
	uint64_t rs = seed;

	for (int oi = 0; oi < NORIG; oi++) {
		size_t nreg;
		const char *const *regions = origin_regions(oi, &nreg);

		tu_origin_init(&o, keyn[oi], BASE_HLC);
		wl->key[oi] = oi == 0   ? &root
		              : oi == 1 ? &prov
		              : oi == 2 ? &kab_a
		              : oi == 3 ? &kab_b
		                        : &kab_a_new;
		for (int s = 0; s < PER_ORIGIN; s++) {
			if (oi == 1 && s == PER_ORIGIN - 1) {
				revoker = o; /* written below, once 32.01's clocks are known */
				continue;
			}
			struct pk_op ops[3];
			uint8_t *vals[3] = {NULL, NULL, NULL};
			char names[3][48];
			uint64_t step_rs = seed * 31 + (uint64_t)s;
			uint64_t *pick = oi != 3 && tu_rand(&step_rs) % 2 == 0 ? &step_rs : &rs;
			uint32_t n = 1 + (uint32_t)(tu_rand(pick) % 3);
			/* District 32.75's first changeset writes the two records that the
			 * province's refused changesets name. */
			bool named = oi == 2 && s == 0;
			if (named)
				n = 2;
			for (uint32_t i = 0; i < n; i++) {
				const char *coll = tu_rand(pick) % 5 == 0 ? "anggota" : "kegiatan";
				const char *region = regions[tu_rand(pick) % nreg];
				const char *key = keys[tu_rand(pick) % 5];
				size_t vl = 0;
				if (i > 0 && tu_rand(pick) % 4 == 0) { /* the same record again */
					coll = ops[i - 1].coll;
					region = ops[i - 1].region;
					key = ops[i - 1].key;
				}
				if (named) {
					coll = "kegiatan";
					region = "32.75";
					key = keys[i % 2];
				}
				snprintf(names[i], sizeof(names[i]), "o%d s%d i%u", oi, s, i);
				if (tu_rand(&rs) % 5 != 0 || named) {
					const char *nm = names[i];
					if (strcmp(coll, "kegiatan") == 0)
						vals[i] = tu_kegiatan(
						    nm, 2000 + (int64_t)(tu_rand(&rs) % 100), &vl);
					else
						vals[i] = tu_map(&vl, 1, k_nama, &nm, NULL);
				}
				ops[i] = tu_op(coll, region, key, vals[i], vl);
			}
			uint64_t hlc = oi != 3 ? BASE_HLC + 2 * (uint64_t)(s + 1)
			                       : o.hlc + 1 + tu_rand(&rs) % 3;
			wl->cs[oi][s] = tu_cs_next(&o, hlc, ops, n, &wl->len[oi][s]);
			for (uint32_t i = 0; i < n; i++)
				free(vals[i]);
		}
		if (oi == 3)
			kab_end = o;
	}
	{
		char *hex = tu_hex(kab_b.pub, PK_PUB_BYTES);
		const char *kunci = hex;
		size_t vl, kl;
		uint8_t *v = tu_map(&vl, 1, k_kunci, &kunci, NULL), *kv;
		uint64_t h = BASE_HLC + 2 * PER_ORIGIN;
		struct pk_op op = tu_op("pencabutan", "32", "k0", v, vl), late;

		wl->revoked_at = h > kab_end.hlc ? h : kab_end.hlc + 1;
		wl->cs[1][PER_ORIGIN - 1] =
		    tu_cs_next(&revoker, wl->revoked_at, &op, 1, &wl->len[1][PER_ORIGIN - 1]);
		kv = tu_kegiatan("late", 2026, &kl);
		late = tu_op("kegiatan", "32.01", "k0", kv, kl);
		wl->late = tu_cs_next(&kab_end, wl->revoked_at + 1, &late, 1, &wl->late_len);
		free(kv);
		free(v);
		free(hex);
	}
	{
		size_t vl;
		uint8_t *v = tu_kegiatan("provinsi menimpa", 2026, &vl);
		struct pk_op w = tu_op("kegiatan", "32.75", "k0", v, vl);
		struct pk_op del = tu_op("kegiatan", "32.75", "k1", NULL, 0);

		wl->bad_hlc = wl->revoked_at + 1;
		wl->bad[0] = tu_cs_make(&revoker, revoker.seq + 1, revoker.prev, wl->bad_hlc, &w, 1,
		                        &wl->bad_len[0]);
		wl->bad[1] = tu_cs_make(&revoker, revoker.seq + 1, revoker.prev, wl->bad_hlc, &del,
		                        1, &wl->bad_len[1]);
		free(v);
	}
}

/* The expected records: last writer wins over every op of every changeset, computed without
 * the store, in the dump format and order. */
struct mrec {
	char coll[16], region[16], key[8];
	uint64_t hlc, seq;
	const uint8_t *origin;
	bool deleted;
	const uint8_t *value;
	size_t value_len;
	int coll_rank;
};

static int mrec_cmp(const void *pa, const void *pb)
{
	const struct mrec *a = pa, *b = pb;
	char ka[40], kb[40];
	size_t la, lb;
	int c;

	if (a->coll_rank != b->coll_rank)
		return a->coll_rank - b->coll_rank;
	/* The store orders by the bytes region \0 key. */
	la = (size_t)snprintf(ka, sizeof(ka), "%s%c%s", a->region, 0, a->key);
	lb = (size_t)snprintf(kb, sizeof(kb), "%s%c%s", b->region, 0, b->key);
	c = memcmp(ka, kb, la < lb ? la : lb);
	return c != 0 ? c : (la > lb) - (la < lb);
}

static size_t model_dump(const struct workload *wl, struct tu_buf *out, int *tie_decided)
{
	static struct mrec m[256];
	const struct pk_collection *colls;
	size_t n = 0, ncoll;

	colls = pk_schema_all(&ncoll);
	for (int oi = 0; oi < NORIG; oi++) {
		for (int s = 0; s < PER_ORIGIN; s++) {
			struct pk_changeset cs;
			struct pk_cs_iter it;
			struct pk_op op;
			assert_int_equal(pk_cs_decode(wl->cs[oi][s], wl->len[oi][s], &cs, NULL), 0);
			pk_cs_iter_init(&it, &cs);
			while (pk_cs_iter_next(&it, &op)) {
				struct mrec want, *r = NULL;
				memset(&want, 0, sizeof(want));
				snprintf(want.coll, sizeof(want.coll), "%.*s", (int)op.coll_len,
				         op.coll);
				snprintf(want.region, sizeof(want.region), "%.*s",
				         (int)op.region_len, op.region);
				snprintf(want.key, sizeof(want.key), "%.*s", (int)op.key_len,
				         op.key);
				for (size_t i = 0; i < n; i++)
					if (!strcmp(m[i].coll, want.coll) &&
					    !strcmp(m[i].region, want.region) &&
					    !strcmp(m[i].key, want.key))
						r = &m[i];
				if (r == NULL) {
					assert_true(n < 256);
					r = &m[n++];
					*r = want;
					for (size_t k = 0; k < ncoll; k++)
						if (!strcmp(colls[k].name, want.coll))
							r->coll_rank = (int)k;
				} else if (r->hlc > cs.hlc ||
				           (r->hlc == cs.hlc &&
				            memcmp(r->origin, cs.origin, PK_PUB_BYTES) > 0)) {
					continue; /* the held version is newer */
				}
				r->hlc = cs.hlc;
				r->seq = cs.seq;
				r->origin = cs.origin;
				r->deleted = op.value == NULL;
				r->value = op.value;
				r->value_len = op.value_len;
			}
		}
	}
	/* How many final versions beat another origin's version with the same clock. */
	*tie_decided = 0;
	for (size_t i = 0; i < n; i++) {
		bool tied = false;
		for (int oi = 0; oi < NORIG && !tied; oi++) {
			for (int s = 0; s < PER_ORIGIN && !tied; s++) {
				struct pk_changeset cs;
				struct pk_cs_iter it;
				struct pk_op op;
				assert_int_equal(
				    pk_cs_decode(wl->cs[oi][s], wl->len[oi][s], &cs, NULL), 0);
				if (cs.hlc != m[i].hlc ||
				    !memcmp(cs.origin, m[i].origin, PK_PUB_BYTES))
					continue;
				pk_cs_iter_init(&it, &cs);
				while (pk_cs_iter_next(&it, &op))
					if (op.coll_len == strlen(m[i].coll) &&
					    !memcmp(op.coll, m[i].coll, op.coll_len) &&
					    op.region_len == strlen(m[i].region) &&
					    !memcmp(op.region, m[i].region, op.region_len) &&
					    op.key_len == strlen(m[i].key) &&
					    !memcmp(op.key, m[i].key, op.key_len))
						tied = true;
			}
		}
		*tie_decided += tied;
	}
	qsort(m, n, sizeof(m[0]), mrec_cmp);
	for (size_t i = 0; i < n; i++)
		tu_dump_record(out, m[i].coll, m[i].region, m[i].key, m[i].hlc, m[i].origin,
		               m[i].seq, m[i].deleted, m[i].value, m[i].value_len);
	return n;
}

/* How many changesets origin oi sends: its PER_ORIGIN, and the province also its NBAD. */
static int sends_of(int oi)
{
	return PER_ORIGIN + (oi == 1 ? NBAD : 0);
}

/* Origin oi's s-th changeset to send, and the outcome it must get when its turn comes. */
static struct store_blob send_blob(const struct workload *wl, int oi, int s, int *expect)
{
	if (s < PER_ORIGIN) {
		*expect = 0;
		return (struct store_blob){wl->cs[oi][s], wl->len[oi][s]};
	}
	*expect = PK_EOWNER;
	return (struct store_blob){wl->bad[s - PER_ORIGIN], wl->bad_len[s - PER_ORIGIN]};
}

/* Applies the workload in one random interleaving (each origin's changesets in order), in
 * random batches that also carry resends (EEXIST, or EOWNER again for the province's refused
 * ones) and changesets sent too early (EGAP). Returns how many EOWNER refusals it saw. */
static int apply_interleaved(struct store *s, const struct workload *wl, uint64_t seed, int run)
{
	struct store_blob batch[128];
	struct store_outcome out[128];
	int expect[128];
	int next[NORIG] = {0}; /* next to send */
	int left = 0, owner = 0;
	uint64_t rs = seed;

	for (int oi = 0; oi < NORIG; oi++)
		left += sends_of(oi);
	while (left > 0) {
		size_t want =
		    tu_rand(&rs) % 5 == 0 ? 1 + tu_rand(&rs) % 100 : 1 + tu_rand(&rs) % 12;
		size_t n = 0;
		int threads = 1 + (int)(tu_rand(&rs) % 4);
		while (n < want && left > 0 && n < 120) {
			int oi;
			unsigned roll = (unsigned)(tu_rand(&rs) % 20);
			if (run == 0) { /* origin after origin */
				for (oi = 0; next[oi] == sends_of(oi); oi++)
					;
			} else if (run == 1) { /* in reverse origin order */
				for (oi = NORIG - 1; next[oi] == sends_of(oi); oi--)
					;
			} else {
				do
					oi = (int)(tu_rand(&rs) % NORIG);
				while (next[oi] == sends_of(oi));
			}
			if (run > 1 && roll == 0 && next[oi] > 0) { /* a resend */
				int s2 = (int)(tu_rand(&rs) % (uint64_t)next[oi]);
				batch[n] = send_blob(wl, oi, s2, &expect[n]);
				if (expect[n] == 0)
					expect[n] = PK_EEXIST;
				n++;
				continue;
			}
			/* Too early: the next but one while the next is still to be accepted (the
			 * province's refused ones leave its head where it was, so the second is
			 * not early once its accepted ones are in). */
			if (run > 1 && roll == 1 && next[oi] + 1 < sends_of(oi) &&
			    next[oi] < PER_ORIGIN) {
				batch[n] = send_blob(wl, oi, next[oi] + 1, &expect[n]);
				expect[n++] = PK_EGAP;
				continue;
			}
			batch[n] = send_blob(wl, oi, next[oi], &expect[n]);
			n++;
			next[oi]++;
			left--;
		}
		memset(out, 0, sizeof(out));
		assert_int_equal(store_apply(s, batch, n, threads, NOW_MS, out), 0);
		for (size_t i = 0; i < n; i++) {
			if (out[i].err != expect[i])
				fail_msg("run %d: batch item %zu: outcome %d (%s: %s), want %d",
				         run, i, out[i].err, pk_strerror(out[i].err),
				         out[i].why.msg, expect[i]);
			owner += out[i].err == PK_EOWNER;
		}
	}
	return owner;
}

/* District 32.75's records that the province's refused changesets name are as the district's
 * keys left them: not the province's, and older than the province's clock there. */
static void assert_district_untouched(struct store *s, const struct workload *wl, int run)
{
	struct gots gs;
	int seen = 0;

	list(s, "kegiatan", "32.75", true, &gs);
	for (int i = 0; i < gs.n; i++) {
		const struct got *g = &gs.g[i];
		if (strcmp(g->region, "32.75") != 0 ||
		    (strcmp(g->key, "k0") != 0 && strcmp(g->key, "k1") != 0))
			continue;
		seen++;
		if (memcmp(g->origin, kab_a.pub, PK_PUB_BYTES) != 0 &&
		    memcmp(g->origin, kab_a_new.pub, PK_PUB_BYTES) != 0)
			fail_msg("run %d: record 32.75/%s was written by another node", run,
			         g->key);
		assert_true(g->hlc < wl->bad_hlc);
	}
	assert_int_equal(seen, 2);
}

static void no_problem(const char *where, const char *what, void *arg)
{
	(void)arg;
	fail_msg("store_verify: %s: %s", where, what);
}

static void test_interleavings_converge(void **state)
{
	struct fx *f = *state;
	struct workload wl;
	struct tu_buf first = {0}, model = {0};
	size_t nrec;
	int tombstones = 0, ties = 0, tie_decided = 0, owner;

	make_workload(&wl, 42);
	nrec = model_dump(&wl, &model, &tie_decided);
	assert_true(nrec >= 20);
	if (tie_decided == 0)
		fail_msg("no record is decided by the origin key");
	print_message("# %zu records, %d decided by the origin key\n", nrec, tie_decided);
	/* The workload must exercise tombstones and equal clocks across origins. */
	for (size_t off = 0; off < model.len;) {
		off += strlen((char *)model.data + off) + 1; /* coll */
		off += strlen((char *)model.data + off) + 1; /* region */
		off += strlen((char *)model.data + off) + 1; /* key */
		off += 8 + PK_PUB_BYTES + 8;
		tombstones += model.data[off] != 0;
		off += 1;
		off += 4 + ((size_t)model.data[off] << 24 | (size_t)model.data[off + 1] << 16 |
		            (size_t)model.data[off + 2] << 8 | model.data[off + 3]);
	}
	assert_true(tombstones > 0);
	/* Equal clocks across origins: district 32.75's two keys (whose records are the same). */
	for (int s = 0; s < PER_ORIGIN; s++) {
		struct pk_changeset c0, c1;
		for (int t = 0; t < PER_ORIGIN; t++) {
			assert_int_equal(pk_cs_decode(wl.cs[2][s], wl.len[2][s], &c0, NULL), 0);
			assert_int_equal(pk_cs_decode(wl.cs[4][t], wl.len[4][t], &c1, NULL), 0);
			ties += c0.hlc == c1.hlc;
		}
	}
	assert_true(ties > 0);

	for (int run = 0; run < RUNS; run++) {
		char path[600];
		struct store *s;
		struct tu_buf got = {0};

		snprintf(path, sizeof(path), "%s/run%d", f->dir, run);
		s = national_two_keys(path);
		owner = apply_interleaved(s, &wl, 1000 + (uint64_t)run, run);
		/* Every send of the province's NBAD was refused as not its own, and counted. */
		assert_true(owner >= NBAD);
		assert_int_equal(refusals_of(s, "owner"), owner);
		assert_district_untouched(s, &wl, run);
		assert_int_equal(tu_dump(s, &got), nrec);
		if (run == 0) {
			first = got;
			if (first.len != model.len || memcmp(first.data, model.data, model.len))
				fail_msg("the records differ from last-writer-wins computed apart");
		} else {
			if (got.len != first.len || memcmp(got.data, first.data, first.len) != 0)
				fail_msg("interleaving %d: records differ from interleaving 0",
				         run);
			tu_buf_free(&got);
		}
		for (int oi = 0; oi < NORIG; oi++) {
			struct store_head h;
			uint8_t hash[PK_HASH_BYTES];
			assert_int_equal(store_head_get(s, wl.key[oi]->pub, &h), 0);
			assert_true(h.seq == PER_ORIGIN && !h.forked);
			pk_hash(hash, wl.cs[oi][PER_ORIGIN - 1], wl.len[oi][PER_ORIGIN - 1]);
			assert_memory_equal(h.hash, hash, PK_HASH_BYTES);
		}
		{
			uint64_t since = 0;
			struct store_blob late = {wl.late, wl.late_len};
			struct store_outcome lo;
			assert_int_equal(store_revoked(s, kab_b.pub, &since), 0);
			assert_int_equal(since, wl.revoked_at);
			memset(&lo, 0, sizeof(lo));
			assert_int_equal(store_apply(s, &late, 1, 1, NOW_MS, &lo), 0);
			assert_int_equal(lo.err, PK_EREVOKED);
		}
		if (run % 50 == 0) {
			struct store_verify_stats st;
			assert_int_equal(store_verify(s, no_problem, NULL, &st), 0);
			assert_int_equal(st.problems, 0);
			assert_int_equal(st.changesets, NORIG * PER_ORIGIN);
			assert_int_equal(st.records, nrec);
		}
		store_close(s);
		tu_rmrf(path);
	}
	tu_buf_free(&first);
	tu_buf_free(&model);
	for (int oi = 0; oi < NORIG; oi++)
		for (int s = 0; s < PER_ORIGIN; s++)
			free(wl.cs[oi][s]);
	for (int i = 0; i < NBAD; i++)
		free(wl.bad[i]);
	free(wl.late);
}

/* ---- verification of a damaged store ------------------------------------------------------------
 */

struct problems {
	int n;
	char where[32][400];
	char what[32][300];
};

static void note_problem(const char *where, const char *what, void *arg)
{
	struct problems *p = arg;

	if (p->n < 32) {
		snprintf(p->where[p->n], sizeof(p->where[0]), "%s", where);
		snprintf(p->what[p->n], sizeof(p->what[0]), "%s", what);
	}
	p->n++;
}

/* The number after "offset " in s, or -1. */
static long long offset_in(const char *s)
{
	const char *o = strstr(s, "offset ");

	return o ? strtoll(o + 7, NULL, 10) : -1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* A store with logs from three origins, each writing some of its records twice; returns the
 * changesets of kab_a in a (3 of them). */
static size_t fill_for_verify(struct fx *f, uint8_t *a_cs[3], size_t a_len[3])
{
	struct tu_origin a, b;
	uint8_t *c;
	size_t l;

	tu_origin_init(&a, 2, BASE_HLC);
	tu_origin_init(&b, 3, BASE_HLC);
	a_cs[0] = kg_next(&a, 0, "32.75", "kg-1", "A satu", &a_len[0]);
	a_cs[1] = kg_next(&a, 0, "32.75", "kg-2", "A dua", &a_len[1]);
	a_cs[2] = kg_next(&a, 0, "32.75", "kg-1", NULL, &a_len[2]); /* a tombstone */
	for (int i = 0; i < 3; i++)
		assert_int_equal(apply1(f->s, a_cs[i], a_len[i], NOW_MS, NULL), 0);
	c = kg_next(&b, 0, "32.01", "kg-1", "B satu", &l);
	assert_int_equal(apply1(f->s, c, l, NOW_MS, NULL), 0);
	free(c);
	c = kg_next(&b, 0, "32.01", "kg-1", "B satu diubah", &l);
	assert_int_equal(apply1(f->s, c, l, NOW_MS, NULL), 0);
	free(c);
	assert_int_equal(write_kg(f->s, &root, "", "kg-2", "Pusat"), 0);
	assert_int_equal(write_kg(f->s, &root, "", "kg-2", "Pusat menimpa"), 0);
	/* 7 changesets; records 32.75/kg-1 (tombstone), 32.75/kg-2, 32.01/kg-1, ""/kg-2. */
	return 4;
}

static void test_verify_clean(void **state)
{
	struct fx *f = *state;
	struct store_verify_stats st;
	struct problems p = {0};
	uint8_t *a_cs[3];
	size_t a_len[3], nrec;

	assert_int_equal(store_verify(f->s, note_problem, &p, &st), 0);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.changesets, 0);
	assert_int_equal(st.certs, 4);

	nrec = fill_for_verify(f, a_cs, a_len);
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(store_verify(f->s, note_problem, &p, &st), 0);
	if (p.n > 0)
		fail_msg("clean store: %s: %s", p.where[0], p.what[0]);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.changesets, 7);
	assert_int_equal(st.records, nrec);
	assert_int_equal(st.certs, 4);
	for (int i = 0; i < 3; i++)
		free(a_cs[i]);
}

static void test_verify_flipped_signature(void **state)
{
	struct fx *f = *state;
	struct store_verify_stats st;
	struct problems p = {0};
	uint8_t *a_cs[3], *file, *sig, *hit;
	size_t a_len[3], flen, pos[16];
	int npos = 0, found = 0;
	char data[600], *who;

	fill_for_verify(f, a_cs, a_len);
	store_close(f->s);
	f->s = NULL;

	/* Flip one byte of kab_a's seq 2 signature wherever its page has a copy in the file
	 * (LMDB keeps old copies of pages until it reuses them). */
	snprintf(data, sizeof(data), "%s/data.mdb", f->path);
	file = read_file(data, &flen);
	sig = a_cs[1] + a_len[1] - PK_SIG_BYTES;
	for (hit = file; (hit = memmem(hit, flen - (size_t)(hit - file), sig, PK_SIG_BYTES));
	     hit++) {
		assert_true(npos < 16);
		pos[npos++] = (size_t)(hit - file) + 5;
		hit[5] ^= 0x01;
	}
	assert_true(npos >= 1);
	write_file(data, file, flen);
	free(file);

	f->s = tu_store_open(f->path);
	assert_int_equal(store_verify(f->s, note_problem, &p, &st), 0);
	assert_true(st.problems >= 1);
	assert_int_equal((int)st.problems, p.n);
	who = tu_hex(kab_a.pub, 8);
	for (int i = 0; i < p.n && i < 32; i++) {
		long long off = offset_in(p.where[i]);
		if (strstr(p.where[i], who) == NULL || strstr(p.where[i], "seq 2") == NULL ||
		    off < 0 || strstr(p.what[i], "signature") == NULL)
			continue;
		/* The offset is where the changeset starts; the flipped byte lies inside. */
		for (int k = 0; k < npos; k++)
			if ((size_t)off + a_len[1] - PK_SIG_BYTES + 5 == pos[k])
				found = 1;
	}
	if (!found)
		fail_msg("no problem names origin %s seq 2 with the offset of its changeset "
		         "(first: %s: %s)",
		         who, p.n ? p.where[0] : "-", p.n ? p.what[0] : "-");
	free(who);
	for (int i = 0; i < 3; i++)
		free(a_cs[i]);
}

static void test_verify_flipped_record(void **state)
{
	struct fx *f = *state;
	struct store_verify_stats st;
	struct problems p = {0};
	struct tu_origin a;
	struct gots gs;
	static const char mark[] = "PENANDA-UNIK-5e1f";
	uint8_t *c, *file, *in_value;
	size_t l, flen, target, copies = 0;
	char data[600];
	int found = 0;

	tu_origin_init(&a, 2, BASE_HLC);
	c = kg_next(&a, 0, "32.75", "kg-unik", mark, &l);
	assert_int_equal(apply1(f->s, c, l, NOW_MS, NULL), 0);
	assert_int_equal(write_kg(f->s, &root, "", "kg-9", "Lain"), 0);
	assert_int_equal(get(f->s, "kegiatan", "kg-unik", NULL, &gs), 1);
	in_value = memmem(gs.g[0].value, gs.g[0].value_len, mark, strlen(mark));
	assert_non_null(in_value);
	target = gs.g[0].file_offset + (size_t)(in_value - gs.g[0].value);
	store_close(f->s);
	f->s = NULL;

	snprintf(data, sizeof(data), "%s/data.mdb", f->path);
	file = read_file(data, &flen);
	for (uint8_t *h = file; (h = memmem(h, flen - (size_t)(h - file), mark, strlen(mark))); h++)
		copies++;
	assert_true(copies >= 2); /* in the log and in the record */
	/* store_record.file_offset says where the value is. */
	assert_true(target + strlen(mark) <= flen);
	assert_memory_equal(file + target, mark, strlen(mark));
	file[target + 3] ^= 0x01;
	write_file(data, file, flen);
	free(file);

	f->s = tu_store_open(f->path);
	assert_int_equal(store_verify(f->s, note_problem, &p, &st), 0);
	assert_true(st.problems >= 1);
	for (int i = 0; i < p.n && i < 32; i++) {
		assert_null(strstr(p.what[i], "signature")); /* the log is intact */
		if (strstr(p.where[i], "record kegiatan/32.75/kg-unik") != NULL &&
		    offset_in(p.where[i]) == (long long)gs.g[0].file_offset)
			found = 1;
	}
	if (!found)
		fail_msg("no record problem with the value's offset (first: %s: %s)",
		         p.n ? p.where[0] : "-", p.n ? p.what[0] : "-");
	free(c);
}

/* ---- damaged files ------------------------------------------------------------------------------
 */

static int dump_noop(const struct store_record *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

static void quiet_problem(const char *where, const char *what, void *arg)
{
	(void)where;
	(void)what;
	(void)arg;
}

/* Opens dir in a child process, which also lists and verifies when the open succeeds.
 * Returns the child's wait status; its exit code is 0 when store_open failed with a negative
 * code, 1 when it succeeded (and the walk finished). */
static int open_in_child(const char *dir)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s = NULL;
		struct pk_diag d = {""};
		struct store_verify_stats st;
		size_t b = 0;
		const struct pk_collection *colls;
		size_t n;
		int err;

		/* cmocka's handlers would report a crash as a failed test in the child. */
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		err = store_open(dir, 0, &s, &d);
		if (err < 0)
			_exit(0);
		if (err > 0)
			_exit(3);
		colls = pk_schema_all(&n);
		for (size_t i = 0; i < n; i++)
			store_list(s, colls[i].name, "", true, dump_noop, &b);
		store_verify(s, quiet_problem, NULL, &st);
		store_close(s);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_open_garbage(void **state)
{
	struct fx *f = *state;
	char dir[600], data[700], report[2048] = "";
	uint8_t *buf;
	size_t n = 65536, used = 0;
	uint64_t rs = 7;
	int status;

	buf = malloc(n);
	assert_non_null(buf);
	for (int kind = 0; kind < 3; kind++) {
		size_t len = kind == 2 ? 5 : kind == 1 ? 16384 : n;
		for (size_t i = 0; i < len; i++)
			buf[i] = kind == 0 ? (uint8_t)tu_rand(&rs) : 0;
		if (kind == 2)
			memcpy(buf, "hello", 5);
		snprintf(dir, sizeof(dir), "%s/garbage%d", f->dir, kind);
		assert_int_equal(mkdir(dir, 0700), 0);
		snprintf(data, sizeof(data), "%s/data.mdb", dir);
		write_file(data, buf, len);
		status = open_in_child(dir);
		if (WIFSIGNALED(status))
			used += (size_t)snprintf(report + used, sizeof(report) - used,
			                         " [garbage %d: crashed with signal %d]", kind,
			                         WTERMSIG(status));
		else if (WEXITSTATUS(status) != 0)
			used += (size_t)snprintf(report + used, sizeof(report) - used,
			                         " [garbage %d: opened (exit %d)]", kind,
			                         WEXITSTATUS(status));
	}
	free(buf);
	if (used)
		fail_msg("damaged data.mdb:%s", report);
}

static void test_open_truncated(void **state)
{
	struct fx *f = *state;
	char dir[600], data[700], report[4096] = "";
	uint8_t *file;
	size_t flen, used = 0;
	int status;

	/* A store with a few hundred records over many pages. */
	for (int i = 0; i < 300; i++) {
		char key[16];
		snprintf(key, sizeof(key), "kg-%d", i);
		assert_int_equal(write_kg(f->s, &root, "", key, "Isi yang cukup panjang"), 0);
	}
	store_close(f->s);
	f->s = NULL;
	snprintf(data, sizeof(data), "%s/data.mdb", f->path);
	file = read_file(data, &flen);
	assert_true(flen > 8 * 4096);
	{
		/* Cuts that lose pages the store needs: store_open must refuse them. Cuts in the
		 * last page may leave a usable store: they must not crash. */
		const size_t cuts[] = {1,    100,   4095,     4096,     8191,        8192,
		                       8193, 12288, flen / 4, flen / 2, flen - 4096, flen - 1};
		const size_t must_fail = 10;
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			snprintf(dir, sizeof(dir), "%s/cut%zu", f->dir, c);
			assert_int_equal(mkdir(dir, 0700), 0);
			snprintf(data, sizeof(data), "%s/data.mdb", dir);
			write_file(data, file, cuts[c]);
			status = open_in_child(dir);
			if (WIFSIGNALED(status))
				used += (size_t)snprintf(report + used, sizeof(report) - used,
				                         " [%zu of %zu bytes: crashed with signal "
				                         "%d]",
				                         cuts[c], flen, WTERMSIG(status));
			else if (c < must_fail && WEXITSTATUS(status) != 0)
				used += (size_t)snprintf(report + used, sizeof(report) - used,
				                         " [%zu of %zu bytes: opened (exit %d)]",
				                         cuts[c], flen, WEXITSTATUS(status));
			assert_true(used < sizeof(report));
		}
	}
	free(file);
	if (used)
		fail_msg("truncated data.mdb:%s", report);
}

/* ---- a full device --------------------------------------------------------------------------- */

static void test_nospace_text(void **state)
{
	struct pk_diag d = {""};

	(void)state;
	assert_string_equal(pk_strerror(PK_ENOSPC), "no space left on the device");
	assert_string_equal(pk_errtag(PK_ENOSPC), "no-space");
	assert_int_equal(pk_errno_err(ENOSPC), PK_ENOSPC);
	assert_int_equal(pk_errno_err(EDQUOT), PK_ENOSPC);
	assert_int_equal(pk_errno_err(EIO), PK_EIO);
	assert_int_equal(pk_diag_nospace(&d, "/srv/n/store"), PK_ENOSPC);
	assert_string_equal(d.msg, "no space left on the device holding /srv/n/store");
	pk_diag_nospace_file(&d, "/backup/n.mdb");
	assert_string_equal(d.msg, "no space left on the device holding /backup");
	pk_diag_nospace_file(&d, "n.mdb");
	assert_string_equal(d.msg, "no space left on the device holding .");
	pk_diag_nospace_file(&d, "/n.mdb");
	assert_string_equal(d.msg, "no space left on the device holding /");
}

static int count_record(const struct store_record *r, void *arg)
{
	(void)r;
	++*(size_t *)arg;
	return 0;
}

static void count_problem(const char *where, const char *what, void *arg)
{
	(void)where;
	(void)what;
	++*(size_t *)arg;
}

/* A store on a 512 KiB tmpfs (needs root to mount it): writes until one fails; it fails with
 * PK_ENOSPC and the sentence naming the store folder, and everything written before is intact. */
static void test_full_device(void **state)
{
	struct fx *f = *state;
	char mnt[480], name[1001], keys[40][32], want[700];
	struct store_verify_stats vs;
	struct pk_op ops[40];
	uint8_t *vals[40];
	struct pk_diag d;
	size_t problems = 0, n = 0;
	int err = 0, written = 0;

	if (geteuid() != 0)
		fail_msg("not root: this test mounts a tmpfs (run the unit tests as root)");
	snprintf(mnt, sizeof(mnt), "%s/disk", f->dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=512k,mode=0700") != 0)
		fail_msg("mount -t tmpfs %s: %s", mnt, strerror(errno));
	snprintf(f->path, sizeof(f->path), "%s/node", mnt);
	f->s = national(f->path);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int round = 0; round < 100 && err == 0; round++) {
		for (int i = 0; i < 40; i++) {
			size_t vlen;
			snprintf(keys[i], sizeof(keys[i]), "k%d-%d", round, i);
			vals[i] = tu_kegiatan(name, 2026, &vlen);
			ops[i] = tu_op("kegiatan", "", keys[i], vals[i], vlen);
		}
		d.msg[0] = '\0';
		err = write_ops(f->s, &root, ops, 40, NULL, &d);
		for (int i = 0; i < 40; i++)
			free(vals[i]);
		if (err == 0)
			written++;
	}
	assert_int_equal(err, PK_ENOSPC);
	assert_true(written > 0);
	assert_string_equal(store_path(f->s), f->path);
	snprintf(want, sizeof(want), "no space left on the device holding %s", f->path);
	assert_string_equal(d.msg, want);
	assert_true(store_full_since(f->s, NULL)); /* the mark that status reads */
	/* Nothing written before is lost or damaged. */
	assert_int_equal(store_list(f->s, "kegiatan", "", false, count_record, &n), written * 40);
	assert_int_equal((int)n, written * 40);
	assert_int_equal(store_verify(f->s, count_problem, &problems, &vs), 0);
	assert_int_equal((int)problems, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define E(fn) cmocka_unit_test_setup_teardown(fn, setup_empty, teardown)
	const struct CMUnitTest tests[] = {
	    E(test_open_init_reopen),
	    E(test_uncertified_node),
	    E(test_write_get_list),
	    E(test_delete_tombstone),
	    T(test_write_all_or_nothing),
	    T(test_import_mark),
	    E(test_district_writes_own_region_only),
	    T(test_apply_refusals),
	    T(test_fork),
	    T(test_batch_with_refusals),
	    T(test_out_of_order),
	    T(test_last_writer_wins),
	    T(test_interleavings_converge),
	    T(test_verify_clean),
	    T(test_verify_flipped_signature),
	    T(test_verify_flipped_record),
	    T(test_open_garbage),
	    T(test_open_truncated),
	    E(test_nospace_text),
	    cmocka_unit_test_setup_teardown(test_full_device, setup_empty, teardown_disk),
	};
#undef T
#undef E

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
