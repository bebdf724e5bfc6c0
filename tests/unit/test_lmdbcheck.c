/*
 * test_lmdbcheck.c: the LMDB page checker (daemon/lmdbcheck.h) against files that liblmdb wrote:
 * the layout it reads equals what LMDB reports (meta fields, db records, mdb_stat page counts,
 * the free list); a clean file has no findings; every bit flip of 0x01 and 0x80 in every page
 * header byte is survived and, where LMDB uses the byte, reported on that page; node header
 * flips, truncation, zeros and random bytes are survived.
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

#include "daemon/lmdbcheck.h"
#include "proto/error.h"
#include "testutil.h"

#define NDBS 6
#define MAXPG 4096

static const char *const names[NDBS] = {"log", "rec", "bykey", "certs", "meta", "forks"};

/* The test file, as LMDB wrote and described it. */
static struct {
	uint8_t *img;
	size_t len, psize;
	uint64_t txnid, last_pg;
	MDB_stat total, free_db, main_db, db[NDBS];
	uint8_t db_rec[NDBS][48]; /* each named db's record, read through the main db */
	uint8_t is_free[MAXPG];
	size_t free_count;
} F;

/* Findings of one run. */
struct found {
	size_t n;
	bool page[MAXPG];
	char first[320];
};

static void on_problem(uint64_t pgno, uint64_t offset, const char *what, void *arg)
{
	struct found *f = arg;

	assert_true(offset == UINT64_MAX || offset == pgno * (F.psize ? F.psize : 1));
	assert_non_null(what);
	if (f->n++ == 0)
		snprintf(f->first, sizeof(f->first), "page %llu: %s", (unsigned long long)pgno,
		         what);
	if (pgno < MAXPG)
		f->page[pgno] = true;
}

static int run(const uint8_t *img, size_t len, uint64_t txnid, struct found *f,
               struct lmdbcheck_stats *st)
{
	memset(f, 0, sizeof(*f));
	return lmdbcheck(img, len, txnid, on_problem, f, st);
}

static void put(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t vlen, uint64_t *rng)
{
	uint8_t *v = malloc(vlen + 1);
	MDB_val k = {strlen(key), (void *)key}, d = {vlen, v};

	assert_non_null(v);
	for (size_t i = 0; i < vlen; i++)
		v[i] = (uint8_t)tu_rand(rng);
	assert_int_equal(mdb_put(txn, dbi, &k, &d, 0), 0);
	free(v);
}

static void add_stat(MDB_stat *sum, const MDB_stat *s)
{
	sum->ms_branch_pages += s->ms_branch_pages;
	sum->ms_leaf_pages += s->ms_leaf_pages;
	sum->ms_overflow_pages += s->ms_overflow_pages;
}

/* Writes the test environment (thousands of entries in several named dbs, big values,
 * overwrites and deletes over several transactions so that the free list is not empty), then
 * reads what LMDB says about it and the file's bytes. */
static int group_setup(void **state)
{
	char *dir = tu_tmpdir(), key[128], path[600];
	uint64_t rng = 7;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi[NDBS];
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_envinfo info;
	FILE *fp;

	(void)state;
	tu_init();
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)64 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOSYNC, 0600), 0);
	assert_int_equal(mdb_env_get_maxkeysize(env), 511);
	for (int round = 0; round < 6; round++) {
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		for (int i = 0; i < NDBS; i++)
			assert_int_equal(mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi[i]), 0);
		for (int i = 0; i < (round == 0 ? 4000 : 500); i++) {
			int db = (int)(tu_rand(&rng) % (NDBS - 1)); /* "forks" stays empty */
			unsigned n = (unsigned)(tu_rand(&rng) % 3000);
			snprintf(key, sizeof(key), "%s/%04u/%.*s", names[db], n,
			         (int)(tu_rand(&rng) % 60),
			         "abcdefghijklmnopqrstuvwxyz0123456789"
			         "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
			if (round > 0 && tu_rand(&rng) % 3 == 0) {
				k = (MDB_val){strlen(key), key};
				int rc = mdb_del(txn, dbi[db], &k, NULL);
				assert_true(rc == 0 || rc == MDB_NOTFOUND);
			} else {
				put(txn, dbi[db], key, (size_t)(tu_rand(&rng) % 120), &rng);
			}
		}
		for (int i = 0; i < 4; i++) { /* big values, some replaced by smaller or bigger */
			snprintf(key, sizeof(key), "big-%d", (int)(tu_rand(&rng) % 20));
			put(txn, dbi[0], key, 2100 + (size_t)(tu_rand(&rng) % 16000), &rng);
		}
		assert_int_equal(mdb_txn_commit(txn), 0);
	}

	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_stat(txn, 0, &F.free_db), 0);
	assert_int_equal(mdb_stat(txn, 1, &F.main_db), 0);
	add_stat(&F.total, &F.free_db);
	add_stat(&F.total, &F.main_db);
	for (int i = 0; i < NDBS; i++) {
		assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dbi[i]), 0);
		assert_int_equal(mdb_stat(txn, dbi[i], &F.db[i]), 0);
		add_stat(&F.total, &F.db[i]);
		k = (MDB_val){strlen(names[i]), (void *)names[i]};
		assert_int_equal(mdb_get(txn, 1, &k, &v), 0);
		assert_int_equal(v.mv_size, 48);
		memcpy(F.db_rec[i], v.mv_data, 48);
	}
	F.psize = F.free_db.ms_psize;
	/* The free list, as LMDB reads it: key txnid, value count then page numbers. */
	assert_int_equal(mdb_cursor_open(txn, 0, &cur), 0);
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		const size_t *ids = v.mv_data;
		assert_int_equal(k.mv_size, 8);
		for (size_t i = 1; i <= ids[0]; i++) {
			assert_true(ids[i] < MAXPG);
			F.is_free[ids[i]] = 1;
			F.free_count++;
		}
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	assert_int_equal(mdb_env_info(env, &info), 0);
	F.txnid = info.me_last_txnid;
	F.last_pg = info.me_last_pgno;
	mdb_env_close(env);

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	F.len = (size_t)ftell(fp);
	rewind(fp);
	F.img = malloc(F.len);
	assert_non_null(F.img);
	assert_int_equal(fread(F.img, 1, F.len, fp), F.len);
	fclose(fp);
	tu_rmrf(dir);
	free(dir);
	assert_true(F.last_pg + 1 < MAXPG && (F.last_pg + 1) * F.psize <= F.len);
	assert_true(F.free_count > 0 && F.total.ms_overflow_pages > 0 &&
	            F.total.ms_branch_pages > 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(F.img);
	return 0;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* The layout the checker reads, checked against what LMDB reports through its API. */
static void test_layout(void **state)
{
	const uint8_t *m = NULL;

	(void)state;
	for (int i = 0; i < 2; i++) {
		const uint8_t *p = F.img + (size_t)i * F.psize;
		assert_int_equal(rd64(p), i);                            /* pgno */
		assert_int_equal(p[10] | p[11] << 8, 0x08);              /* flags: P_META */
		assert_int_equal(rd64(p + 16) & 0xffffffff, 0xBEEFC0DE); /* magic, version 1 */
		assert_int_equal(rd64(p + 16) >> 32, 1);
		assert_int_equal(rd64(p + 40) & 0xffffffff, F.psize); /* free db md_pad */
		if (rd64(p + 144) == F.txnid)
			m = p;
	}
	assert_int_equal(F.psize, 4096);
	assert_non_null(m);
	assert_int_equal(rd64(m + 136), F.last_pg);
	assert_int_equal(rd64(m + 32), (size_t)64 << 20); /* mapsize */
	/* MDB_db: flags u16 @4, depth u16 @6, branch @8, leaf @16, overflow @24, entries @32 */
	for (int i = 0; i < NDBS + 2; i++) {
		const uint8_t *r = i == 0 ? m + 40 : i == 1 ? m + 88 : F.db_rec[i - 2];
		const MDB_stat *s = i == 0 ? &F.free_db : i == 1 ? &F.main_db : &F.db[i - 2];
		assert_int_equal(r[4] | r[5] << 8, i == 0 ? MDB_INTEGERKEY : 0);
		assert_int_equal(r[6] | r[7] << 8, s->ms_depth);
		assert_int_equal(rd64(r + 8), s->ms_branch_pages);
		assert_int_equal(rd64(r + 16), s->ms_leaf_pages);
		assert_int_equal(rd64(r + 24), s->ms_overflow_pages);
		assert_int_equal(rd64(r + 32), s->ms_entries);
		assert_true(s->ms_entries == 0 ? rd64(r + 40) == UINT64_MAX
		                               : rd64(r + 40) >= 2 && rd64(r + 40) <= F.last_pg);
	}
}

static void test_clean(void **state)
{
	struct lmdbcheck_stats st;
	struct found f;

	(void)state;
	assert_int_equal(run(F.img, F.len, 0, &f, &st), 0);
	if (f.n)
		fail_msg("%zu findings, first %s", f.n, f.first);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.txnid, F.txnid);
	assert_int_equal(st.pages, F.last_pg + 1);
	assert_int_equal(st.dbs, NDBS);
	assert_int_equal(st.branch, F.total.ms_branch_pages);
	assert_int_equal(st.leaf, F.total.ms_leaf_pages);
	assert_int_equal(st.overflow, F.total.ms_overflow_pages);
	assert_int_equal(st.free, F.free_count);
	/* every page is a meta page, in use or free */
	assert_int_equal(2 + st.branch + st.leaf + st.overflow + st.free, st.pages);

	/* The older snapshot is whole too; a txnid no meta page has is refused. */
	assert_int_equal(run(F.img, F.len, F.txnid - 1, &f, &st), 0);
	if (f.n)
		fail_msg("older meta: %zu findings, first %s", f.n, f.first);
	assert_int_equal(st.txnid, F.txnid - 1);
	assert_int_equal(run(F.img, F.len, F.txnid + 5, &f, &st), PK_ECORRUPT);
	assert_true(f.n >= 1);
}

/* Which meta page is walked. Both with the same txnid: meta page 0, as LMDB reads, whether the
 * txnid is named or 0 (a named txnid used to pick meta page 1). A last page whose byte offset
 * does not fit 64 bits makes a meta page unusable (it used to be taken, and counted 0 pages). */
static void test_meta_choice(void **state)
{
	struct lmdbcheck_stats st, st2;
	struct found f, f2;
	unsigned newest = (unsigned)(F.txnid & 1), older = newest ^ 1;
	uint8_t *img = malloc(F.len);
	uint64_t v;

	(void)state;
	assert_non_null(img);
	memcpy(img, F.img, F.len);
	memcpy(img + older * F.psize + 144, img + newest * F.psize + 144, 8);
	assert_int_equal(run(img, F.len, 0, &f, &st), 0);
	assert_int_equal(run(img, F.len, F.txnid, &f2, &st2), 0);
	assert_int_equal(st.txnid, F.txnid);
	assert_int_equal(st.pages, rd64(img + 136) + 1);
	assert_memory_equal(&st, &st2, sizeof(st));
	assert_int_equal(f.n, f2.n);

	memcpy(img, F.img, F.len);
	v = UINT64_MAX;
	memcpy(img + newest * F.psize + 136, &v, 8);
	assert_int_equal(run(img, F.len, 0, &f, &st), 0);
	assert_true(f.page[newest]);
	assert_int_equal(st.txnid, F.txnid - 1);
	assert_true(st.pages >= 2);
	assert_int_equal(run(img, F.len, F.txnid, &f, &st), PK_ECORRUPT);
	v = UINT64_MAX / F.psize - 1; /* the largest a meta page may count */
	memcpy(img + newest * F.psize + 136, &v, 8);
	assert_int_equal(run(img, F.len, 0, &f, &st), 0);
	assert_int_equal(st.txnid, F.txnid);
	assert_int_equal(st.pages, v + 1);
	assert_true(f.n > 0);
	free(img);
}

/* Page kinds in the clean file, from LMDB's free list and the overflow page headers. */
enum { K_META = 1, K_TREE, K_OVERFLOW, K_SKIP };

static void page_kinds(uint8_t kind[MAXPG])
{
	memset(kind, K_SKIP, MAXPG);
	kind[0] = kind[1] = K_META;
	for (uint64_t pg = 2; pg <= F.last_pg; pg++) {
		const uint8_t *p = F.img + pg * F.psize;
		if (F.is_free[pg])
			continue;
		if ((p[10] | p[11] << 8) == 0x04) {
			uint32_t count;
			memcpy(&count, p + 12, 4);
			kind[pg] = K_OVERFLOW;
			pg += count - 1; /* the run's other pages hold value bytes */
		} else {
			kind[pg] = K_TREE;
		}
	}
}

static void test_header_flips(void **state)
{
	static const uint8_t pats[] = {0x01, 0x80};
	static uint8_t kind[MAXPG];
	uint8_t *img = malloc(F.len);
	size_t runs = 0, required = 0, optional = 0, optional_found = 0;
	struct lmdbcheck_stats st;
	struct found f;

	(void)state;
	assert_non_null(img);
	memcpy(img, F.img, F.len);
	page_kinds(kind);
	for (uint64_t pg = 0; pg <= F.last_pg; pg++) {
		for (int b = 0; b < 16; b++) {
			for (int j = 0; j < 2; j++) {
				bool used = kind[pg] != K_SKIP && (b < 8 || b == 10 || b == 11 ||
				                                   (b >= 12 && kind[pg] != K_META));
				int rc;

				img[pg * F.psize + b] ^= pats[j];
				rc = run(img, F.len, 0, &f, &st);
				img[pg * F.psize + b] ^= pats[j];
				runs++;
				assert_int_equal(rc, 0); /* one meta page is always intact */
				if (used) {
					required++;
					if (!f.page[pg])
						fail_msg(
						    "flip 0x%02x of byte %d of page %llu (kind %d)"
						    ": no finding on it (%zu others, first %s)",
						    pats[j], b, (unsigned long long)pg, kind[pg],
						    f.n, f.first);
				} else {
					optional++;
					optional_found += f.n > 0;
				}
			}
		}
	}
	assert_memory_equal(img, F.img, F.len);
	printf("# header flips: %zu runs, %zu required findings all found, %zu flips of unused "
	       "bytes (pad, free pages, overflow data) of which %zu found\n",
	       runs, required, optional, optional_found);
	free(img);
}

static void test_node_flips(void **state)
{
	static const uint8_t pats[] = {0x01, 0x80};
	static uint8_t kind[MAXPG];
	uint8_t *img = malloc(F.len);
	size_t runs = 0, found = 0;
	struct lmdbcheck_stats st;
	struct found f;

	(void)state;
	assert_non_null(img);
	memcpy(img, F.img, F.len);
	page_kinds(kind);
	for (uint64_t pg = 2; pg <= F.last_pg; pg++) {
		const uint8_t *p = F.img + pg * F.psize;
		unsigned n, pick[3];

		if (kind[pg] != K_TREE)
			continue;
		n = ((unsigned)p[12] | (unsigned)p[13] << 8) / 2 - 8;
		pick[0] = 0;
		pick[1] = n / 2;
		pick[2] = n - 1;
		for (int s = 0; s < 3; s++) {
			unsigned off = p[16 + 2 * pick[s]] | p[17 + 2 * pick[s]] << 8;
			for (unsigned b = 0; b < 8; b++) {
				for (int j = 0; j < 2; j++) {
					size_t at = pg * F.psize + off + b;
					img[at] ^= pats[j];
					assert_int_equal(run(img, F.len, 0, &f, &st), 0);
					img[at] ^= pats[j];
					runs++;
					found += f.n > 0;
				}
			}
		}
	}
	printf("# node header flips: %zu runs, %zu with findings\n", runs, found);
	assert_true(found * 10 >= runs * 9);
	free(img);
}

static void test_truncated(void **state)
{
	static const size_t cuts[] = {0, 1, 100, 4096, 8191, 8192, 8192 + 152};
	struct lmdbcheck_stats st;
	struct found f;
	uint8_t *img;

	(void)state;
	assert_int_equal(run(F.img, F.len / 2, 0, &f, &st), 0);
	assert_true(f.n > 0 && st.problems == f.n);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		/* a copy of exactly that size, so that the sanitizer sees any read past it */
		img = malloc(cuts[i] + 1);
		assert_non_null(img);
		memcpy(img, F.img, cuts[i]);
		int rc = run(img, cuts[i], 0, &f, &st);
		assert_true(rc == 0 || rc == PK_ECORRUPT);
		assert_true(f.n > 0);
		free(img);
	}
}

static void test_zeros(void **state)
{
	size_t len = 64 * 4096;
	uint8_t *img = calloc(1, len);
	struct lmdbcheck_stats st;
	struct found f;

	(void)state;
	assert_non_null(img);
	assert_int_equal(run(img, len, 0, &f, &st), PK_ECORRUPT);
	assert_true(f.n >= 1 && f.page[0]);
	free(img);
}

static void test_random(void **state)
{
	uint8_t *img = malloc(F.len);
	uint64_t rng = 99;
	struct lmdbcheck_stats st;
	struct found f;

	(void)state;
	assert_non_null(img);
	for (int round = 0; round < 20; round++) {
		/* all random; then the real meta pages over random pages */
		for (size_t i = 0; i < F.len; i++)
			img[i] = (uint8_t)tu_rand(&rng);
		int rc = run(img, F.len, 0, &f, &st);
		assert_true(rc == PK_ECORRUPT || rc == 0);
		memcpy(img, F.img, 2 * F.psize);
		assert_int_equal(run(img, F.len, 0, &f, &st), 0);
		assert_true(f.n > 0);
	}
	/* the real file with random bytes written over random places, a few at a time */
	for (int round = 0; round < 2000; round++) {
		memcpy(img, F.img, F.len);
		for (int i = 0; i < 4; i++)
			img[2 * F.psize + tu_rand(&rng) % (F.len - 2 * F.psize)] =
			    (uint8_t)tu_rand(&rng);
		assert_int_equal(run(img, F.len, 0, &f, &st), 0);
	}
	free(img);
}

/* A real pokja store (daemon/store.c) with certificates in it checks clean. */
static void test_pokja_store(void **state)
{
	char *dir = tu_tmpdir(), path[600];
	struct tu_key root, kids[40];
	struct lmdbcheck_stats st;
	struct found f;
	struct store *s;
	uint8_t *img;
	FILE *fp;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/node", dir);
	tu_key(&root, 0);
	s = tu_store_new(path, &root, &root, "", "Kementerian PKP");
	for (unsigned i = 0; i < 40; i++) {
		tu_key(&kids[i], 100 + i);
		tu_cert_put(s, &root, &kids[i], i % 2 ? "32" : "33");
	}
	store_close(s);
	snprintf(path, sizeof(path), "%s/node/data.mdb", dir);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	img = malloc((size_t)len);
	assert_non_null(img);
	assert_int_equal(fread(img, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	assert_int_equal(run(img, (size_t)len, 0, &f, &st), 0);
	if (f.n)
		fail_msg("%zu findings, first %s", f.n, f.first);
	/* The store's named databases (daemon/store.c, store_open; SPEC section 11). */
	assert_int_equal(st.dbs,
	                 18); /* 14, pgmirror (the PostgreSQL mirror), hist, staging, users */
	free(img);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),      cmocka_unit_test(test_clean),
	    cmocka_unit_test(test_meta_choice), cmocka_unit_test(test_header_flips),
	    cmocka_unit_test(test_node_flips),  cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_zeros),       cmocka_unit_test(test_random),
	    cmocka_unit_test(test_pokja_store),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
