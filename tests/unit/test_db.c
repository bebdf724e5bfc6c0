/*
 * test_db.c: the LMDB wrapper (daemon/db.h) on its own: the sticky error (a failed step makes
 * later calls no-ops and the commit abort, so nothing is written), absence that does not stick,
 * big-endian composite keys (round trip and numeric order), the paged prefix scan across more
 * than one page with a writer in between, cursors over a prefix, the read-only open of a missing
 * table, the commit hook, and the error translator.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <lmdb.h>

#include "daemon/db.h"
#include "testutil.h"

struct fx {
	char *dir;
	struct db *db;
	db_dbi a, b, late;
	int commits, fails; /* seen by the commit hook */
};

static void on_commit(int err, bool no_room, void *arg)
{
	struct fx *f = arg;

	(void)no_room;
	if (err == 0)
		f->commits++;
	else
		f->fails++;
}

static int open_db(struct fx *f, bool rdonly, bool with_late, struct pk_diag *d)
{
	const struct db_table tables[] = {{"a", &f->a}, {"b", &f->b}, {"late", &f->late}};
	const struct db_conf conf = {.rdonly = rdonly,
	                             .tables = tables,
	                             .ntables = with_late ? 3 : 2,
	                             .nrequired = 2,
	                             .on_commit = on_commit,
	                             .arg = f};

	return db_open(f->dir, &conf, &f->db, d);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	assert_int_equal(open_db(f, false, false, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->db);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void put_str(struct fx *f, db_dbi dbi, const char *k, const char *v)
{
	struct db_txn t;

	assert_int_equal(db_txn_begin(&t, f->db, 0), 0);
	assert_int_equal(db_put(&t, dbi, k, strlen(k), v, strlen(v)), 0);
	assert_int_equal(db_txn_commit(&t), 0);
}

/* 0 with the value copied into out, or the get's error. */
static int get_str(struct fx *f, db_dbi dbi, const char *k, char *out, size_t cap)
{
	struct db_txn t;
	struct db_val v;
	int err;

	db_txn_begin(&t, f->db, DB_RDONLY);
	if ((err = db_get(&t, dbi, k, strlen(k), &v)) == 0) {
		assert_true(v.len < cap);
		memcpy(out, v.data, v.len);
		out[v.len] = '\0';
	}
	assert_int_equal(db_txn_end(&t), err == PK_ENOTFOUND ? 0 : err);
	return err;
}

/* A failed put (a key LMDB refuses) sticks: later calls do nothing and return it, the commit
 * aborts and returns it, and nothing of the transaction is written, not even what came first. */
static void test_sticky_put(void **state)
{
	struct fx *f = *state;
	uint8_t huge[DB_KEY_MAX + 1] = {0};
	struct db_txn t;
	struct db_val v;
	char buf[32];
	int err, commits = f->commits;

	assert_int_equal(db_txn_begin(&t, f->db, 0), 0);
	assert_int_equal(db_put(&t, f->a, "first", 5, "1", 1), 0);
	err = db_put(&t, f->a, huge, sizeof(huge), "x", 1);
	assert_int_equal(err, PK_ESTORE);
	assert_int_equal(t.err, err);
	assert_int_equal(db_put(&t, f->a, "second", 6, "2", 1), err);
	assert_int_equal(db_get(&t, f->a, "first", 5, &v), err);
	assert_int_equal(db_del(&t, f->a, "first", 5), err);
	assert_int_equal(db_txn_fail(&t, PK_EINVAL), err); /* the first failure stays */
	assert_int_equal(db_txn_commit(&t), err);
	assert_int_equal(db_txn_commit(&t), err); /* ended: still says so, does nothing */
	assert_int_equal(get_str(f, f->a, "first", buf, sizeof(buf)), PK_ENOTFOUND);
	assert_int_equal(get_str(f, f->a, "second", buf, sizeof(buf)), PK_ENOTFOUND);
	assert_int_equal(f->commits, commits); /* LMDB was never asked to commit */
}

/* A failed get (a database handle LMDB does not know) sticks the same way. */
static void test_sticky_get(void **state)
{
	struct fx *f = *state;
	struct db_txn t;
	struct db_val v;
	char buf[32];
	int err;

	assert_int_equal(db_txn_begin(&t, f->db, 0), 0);
	assert_int_equal(db_put(&t, f->a, "k", 1, "v", 1), 0);
	err = db_get(&t, 1000, "k", 1, &v);
	assert_true(err < 0 && err != PK_ENOTFOUND);
	assert_int_equal(db_put(&t, f->b, "k", 1, "v", 1), err);
	assert_int_equal(db_txn_commit(&t), err);
	assert_int_equal(get_str(f, f->a, "k", buf, sizeof(buf)), PK_ENOTFOUND);
	assert_int_equal(get_str(f, f->b, "k", buf, sizeof(buf)), PK_ENOTFOUND);
}

/* A refusal the caller records (db_txn_fail) aborts the commit like a failed step. */
static void test_fail_aborts(void **state)
{
	struct fx *f = *state;
	struct db_txn t;
	char buf[32];

	db_txn_begin(&t, f->db, 0);
	db_put(&t, f->a, "k", 1, "v", 1);
	assert_int_equal(db_txn_fail(&t, 0), 0); /* 0 records nothing */
	assert_int_equal(db_txn_fail(&t, PK_EEXIST), PK_EEXIST);
	assert_int_equal(db_txn_commit(&t), PK_EEXIST);
	assert_int_equal(get_str(f, f->a, "k", buf, sizeof(buf)), PK_ENOTFOUND);
}

/* Absence is an answer: a missing key, a delete of one, an insert over a held key. None sticks,
 * and the transaction commits what it wrote. */
static void test_absence_does_not_stick(void **state)
{
	struct fx *f = *state;
	struct db_txn t;
	struct db_val v;
	char buf[32];

	put_str(f, f->a, "held", "old");
	assert_int_equal(db_txn_begin(&t, f->db, 0), 0);
	assert_int_equal(db_get(&t, f->a, "none", 4, &v), PK_ENOTFOUND);
	assert_int_equal(db_del(&t, f->a, "none", 4), PK_ENOTFOUND);
	assert_int_equal(db_put_new(&t, f->a, "held", 4, "new", 3), PK_EEXIST);
	assert_int_equal(db_put_new(&t, f->a, "fresh", 5, "yes", 3), 0);
	assert_int_equal(t.err, 0);
	assert_int_equal(db_txn_commit(&t), 0);
	assert_int_equal(get_str(f, f->a, "held", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "old");
	assert_int_equal(get_str(f, f->a, "fresh", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "yes");
	assert_int_equal(f->fails, 0);
	assert_true(f->commits >= 2);
}

/* Big-endian u64 round trip; composite keys sort as their numbers do; an oversized key says so. */
static void test_keys(void **state)
{
	static const uint64_t nums[] = {0,         1, 255, 256, 65535, 1ull << 32, (1ull << 63) + 7,
	                                UINT64_MAX};
	struct fx *f = *state;
	struct db_key k, big;
	struct db_txn t;
	struct db_cur c;
	uint8_t b[8], prev[8] = {0};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		db_put_be64(b, nums[i]);
		assert_true(db_get_be64(b) == nums[i]);
		if (i > 0)
			assert_true(memcmp(prev, b, 8) < 0);
		memcpy(prev, b, 8);
	}
	db_put_be64(b, 0x0102030405060708ull);
	assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);

	/* Written in reverse, read back in numeric order under their prefix. */
	db_txn_begin(&t, f->db, 0);
	for (size_t i = sizeof(nums) / sizeof(nums[0]); i-- > 0;) {
		db_key_init(&k);
		db_key_bytes(&k, "org", 3);
		db_key_byte(&k, 0);
		db_key_u64(&k, nums[i]);
		assert_false(k.over);
		assert_int_equal(k.len, 12);
		db_put(&t, f->b, k.buf, k.len, &i, sizeof(i));
	}
	db_put(&t, f->b, "orh", 3, "x", 1); /* past the prefix */
	assert_int_equal(db_txn_commit(&t), 0);
	db_txn_begin(&t, f->db, DB_RDONLY);
	db_cur_open(&c, &t, f->b);
	for (bool on = db_cur_prefix(&c, "org\0", 4); on; on = db_cur_next(&c), n++) {
		assert_int_equal(c.k.len, 12);
		assert_true(db_get_be64((const uint8_t *)c.k.data + 4) == nums[n]);
	}
	db_cur_close(&c);
	assert_int_equal(db_txn_end(&t), 0);
	assert_int_equal(n, sizeof(nums) / sizeof(nums[0]));

	db_key_init(&big);
	for (int i = 0; i < 63; i++)
		db_key_u64(&big, (uint64_t)i);
	assert_false(big.over);
	assert_int_equal(big.len, 504);
	db_key_u64(&big, 63); /* 512 > DB_KEY_MAX */
	assert_true(big.over);
	assert_int_equal(big.len, 504);
}

struct scan_ctx {
	struct fx *f;
	uint64_t seen[1200];
	size_t n;
	bool wrote;
};

/* Writes while the scan runs (no read transaction is open here): one key behind the scan, one
 * ahead of it, inside the prefix, and one outside. */
static int scan_visit(const struct db_entry *e, void *arg)
{
	struct scan_ctx *c = arg;
	struct db_key k;
	struct db_txn t;

	assert_int_equal(e->klen, 9);
	assert_int_equal(e->key[e->klen], 0); /* NUL-terminated copies */
	assert_int_equal(e->val[e->vlen], 0);
	assert_true(c->n < 1200);
	c->seen[c->n++] = db_get_be64(e->key + 1);
	if (c->n == 300 && !c->wrote) {
		c->wrote = true;
		assert_int_equal(db_txn_begin(&t, c->f->db, 0), 0);
		db_key_init(&k);
		db_key_byte(&k, 'p');
		db_key_u64(&k, 5); /* behind: not seen */
		db_put(&t, c->f->a, k.buf, k.len, "w", 1);
		db_key_init(&k);
		db_key_byte(&k, 'p');
		db_key_u64(&k, 100000); /* ahead: seen */
		db_put(&t, c->f->a, k.buf, k.len, "w", 1);
		db_put(&t, c->f->a, "q", 1, "w", 1);
		assert_int_equal(db_txn_commit(&t), 0);
	}
	return 0;
}

static int stop_visit(const struct db_entry *e, void *arg)
{
	size_t *n = arg;

	(void)e;
	return ++*n == 3 ? 1 : 0;
}

static int fail_visit(const struct db_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return PK_EDECODE;
}

/* The paged scan: 1,000 entries (four pages) under a prefix, with a writer in between; entries
 * outside the prefix on either side are not visited. */
static void test_scan_pages(void **state)
{
	struct fx *f = *state;
	struct scan_ctx c = {.f = f};
	struct db_key k;
	struct db_txn t;
	size_t stopped = 0;

	db_txn_begin(&t, f->db, 0);
	db_put(&t, f->a, "o", 1, "before", 6);
	for (uint64_t i = 0; i < 1000; i++) {
		db_key_init(&k);
		db_key_byte(&k, 'p');
		db_key_u64(&k, 10 + i * 10);
		db_put(&t, f->a, k.buf, k.len, "v", 1);
	}
	assert_int_equal(db_txn_commit(&t), 0);
	assert_int_equal(db_scan(f->db, f->a, "p", 1, scan_visit, &c), 1001);
	assert_true(c.wrote);
	assert_int_equal(c.n, 1001);
	for (size_t i = 0; i < 1000; i++)
		assert_true(c.seen[i] == 10 + i * 10);
	assert_true(c.seen[1000] == 100000);
	/* Everything, then a visitor that stops, then one that fails. */
	assert_int_equal(db_scan(f->db, f->a, NULL, 0, stop_visit, &stopped), 2);
	assert_int_equal(db_scan(f->db, f->a, "p", 1, fail_visit, NULL), PK_EDECODE);
	assert_int_equal(db_scan(f->db, f->b, "p", 1, fail_visit, NULL), 0); /* empty */
}

/* Deleting under a cursor and walking back from the end. */
static void test_cursor_del_last(void **state)
{
	struct fx *f = *state;
	struct db_txn t;
	struct db_cur c;
	char buf[8];

	put_str(f, f->a, "k1", "1");
	put_str(f, f->a, "k2", "2");
	put_str(f, f->a, "k3", "3");
	put_str(f, f->a, "z", "4");
	db_txn_begin(&t, f->db, 0);
	db_cur_open(&c, &t, f->a);
	for (bool on = db_cur_prefix(&c, "k", 1); on; on = db_cur_next(&c))
		if (((const char *)c.k.data)[1] != '2')
			assert_int_equal(db_cur_del(&c), 0);
	assert_true(db_cur_last(&c));
	assert_memory_equal(c.k.data, "z", 1);
	assert_true(db_cur_prev(&c));
	assert_memory_equal(c.k.data, "k2", 2);
	assert_false(db_cur_prev(&c));
	db_cur_close(&c);
	assert_int_equal(db_txn_commit(&t), 0);
	assert_int_equal(get_str(f, f->a, "k1", buf, sizeof(buf)), PK_ENOTFOUND);
	assert_int_equal(get_str(f, f->a, "k2", buf, sizeof(buf)), 0);
	assert_int_equal(get_str(f, f->a, "k3", buf, sizeof(buf)), PK_ENOTFOUND);
}

/* A read-only open finds a table no read-write open created: DB_NONE, not a failure. A missing
 * required table is "no pokja store here". */
static void test_rdonly_missing(void **state)
{
	struct fx *f = *state;
	struct pk_diag d = {""};
	uint64_t n = 1;
	struct db_txn t;

	db_close(f->db);
	f->db = NULL;
	assert_int_equal(open_db(f, true, true, &d), 0);
	assert_int_equal(f->late, DB_NONE);
	db_txn_begin(&t, f->db, DB_RDONLY);
	assert_int_equal(db_count(&t, f->a, &n), 0);
	assert_true(n == 0);
	assert_true(db_txn_id(&t) > 0);
	assert_int_equal(db_txn_end(&t), 0);
	db_close(f->db);
	f->db = NULL;

	{
		char *empty = tu_tmpdir();
		struct fx g = {.dir = empty};

		assert_int_equal(open_db(&g, true, false, &d), PK_ENOTFOUND);
		assert_non_null(strstr(d.msg, "no pokja store here"));
		tu_rmrf(empty);
		free(empty);
	}
	assert_int_equal(open_db(f, false, true, NULL), 0); /* read-write creates it */
	assert_true(f->late != DB_NONE);
}

/* The one translator: every mapping it keeps. */
static void test_err(void **state)
{
	(void)state;
	assert_int_equal(db_err(0), 0);
	assert_int_equal(db_err(MDB_NOTFOUND), PK_ENOTFOUND);
	assert_int_equal(db_err(MDB_CORRUPTED), PK_ECORRUPT);
	assert_int_equal(db_err(MDB_PAGE_NOTFOUND), PK_ECORRUPT);
	assert_int_equal(db_err(MDB_INVALID), PK_ECORRUPT);
	assert_int_equal(db_err(MDB_VERSION_MISMATCH), PK_EVERSION);
	assert_int_equal(db_err(ENOMEM), PK_ENOMEM);
	assert_int_equal(db_err(EACCES), PK_EPERM);
	assert_int_equal(db_err(EPERM), PK_EPERM);
	assert_int_equal(db_err(ENOSPC), PK_ENOSPC);
	assert_int_equal(db_err(EDQUOT), PK_ENOSPC);
	assert_int_equal(db_err(MDB_MAP_FULL), PK_ENOSPC);
	assert_int_equal(db_err(MDB_BAD_VALSIZE), PK_ESTORE);
	assert_int_equal(db_err(MDB_KEYEXIST), PK_ESTORE);
	assert_int_equal(db_err(EIO), PK_ESTORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sticky_put, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sticky_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fail_aborts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_absence_does_not_stick, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scan_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cursor_del_last, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rdonly_missing, setup, teardown),
	    cmocka_unit_test(test_err),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
