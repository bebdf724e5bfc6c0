/*
 * db.h: the one LMDB wrapper (modelled on Knot DNS's knot_lmdb): the environment and its named
 * databases, transactions that carry a sticky error, cursors, big-endian composite keys and the
 * paged prefix scan. The only file in daemon/ and cli/ that includes <lmdb.h> is db.c, and the
 * only place an LMDB error code becomes one of ours (PK_E*) is db_err.
 *
 * A transaction's first failure sticks: every later db_ call on it does nothing and returns that
 * error, and db_txn_commit aborts and returns it. So a store function reads db_txn_begin, its
 * gets and puts, then `return db_txn_commit(&t)`, with no abort on each error path. Absence
 * (PK_ENOTFOUND from a get, a delete or a cursor move, PK_EEXIST from db_put_new) is an answer,
 * not a failure, and does not stick. Values returned by gets and cursors point into the map and
 * are valid until the transaction ends or the next write in it; never keep a read transaction
 * open while waiting for anything (a slow reader pins old pages and the file grows).
 */
#ifndef DB_H
#define DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

struct db;
struct MDB_txn;
struct MDB_cursor;

typedef unsigned int db_dbi;
#define DB_NONE ((db_dbi)~0u) /* a named database that a read-only open found missing */
#define DB_KEY_MAX 511        /* LMDB's longest key (its default build) */

/* A key or value. From a get or a cursor, it points into the map (see above). */
struct db_val {
	void *data;
	size_t len;
};

/* ---- errors ---------------------------------------------------------------------------- */

/* An LMDB return code (or errno value LMDB passed on) as one of ours: MDB_NOTFOUND ->
 * PK_ENOTFOUND, damage -> PK_ECORRUPT, version -> PK_EVERSION, ENOMEM, EACCES/EPERM -> PK_EPERM,
 * ENOSPC/EDQUOT/MDB_MAP_FULL -> PK_ENOSPC, anything else PK_ESTORE. */
int db_err(int lmdb_rc);

/* ---- the environment ------------------------------------------------------------------ */

/* One named database to open: its handle goes to *dbi. */
struct db_table {
	const char *name;
	db_dbi *dbi;
};

struct db_txn;

struct db_conf {
	bool rdonly;                   /* MDB_RDONLY; tables are then never created */
	const struct db_table *tables; /* opened (created unless rdonly) in one transaction */
	size_t ntables;
	size_t nrequired; /* tables[nrequired..]: a read-only open that finds one missing sets
	                   * its handle to DB_NONE instead of failing */
	/* Runs in the opening transaction after the tables (may be NULL): a nonzero return
	 * aborts the open, with its sentence in d. */
	int (*check)(struct db_txn *t, void *arg, struct pk_diag *d);
	/* Called after every commit LMDB attempted on a read-write environment, the opening
	 * one included, with its result and whether the device (or quota) was full. */
	void (*on_commit)(int err, bool no_room, void *arg);
	void *arg;
};

/*
 * Opens the environment in folder path (which must exist) with the store's flags (MDB_NOTLS,
 * 16 GiB of address space, 24 named databases, 126 readers), refuses a data file shorter than
 * its meta page says (it would fault on first touch), then opens conf's tables. Returns 0 or
 * PK_ENOTFOUND / PK_ECORRUPT / PK_EVERSION / PK_EPERM / PK_ENOSPC / PK_ESTORE with a sentence
 * naming path in d. conf is copied; its tables need not outlive the call.
 */
int db_open(const char *path, const struct db_conf *conf, struct db **out, struct pk_diag *d);
void db_close(struct db *db);

/* Where LMDB mapped the data file (from /proc/self/maps), so that a pointer from a get can be
 * told as a file offset; NULL when unknown. */
const char *db_mapaddr(const struct db *db);

/* Writes a compacted copy of the environment to fd (a hot backup; readers and writers go on). */
int db_copy(struct db *db, int fd);

/*
 * For readers of the raw file (the page check): opens path read-only with no named database,
 * which reads only the two meta pages, and begins a read transaction on its newest snapshot,
 * registering this process as its reader so that no writer reuses its pages meanwhile. On
 * failure *out is NULL. End with db_txn_end then db_close.
 */
int db_snapshot_open(const char *path, struct db **out, struct db_txn *t);

/* ---- transactions ---------------------------------------------------------------------- */

#define DB_RDONLY 0x1

struct db_txn {
	struct MDB_txn *txn; /* NULL once ended */
	struct db *db;
	int err; /* the sticky error: 0 or the first failure */
	bool rdonly;
};

/* Begins a transaction (flags: DB_RDONLY or 0). A failure sticks to t, so the caller may go on
 * to its calls and its commit without checking. Returns t->err. */
int db_txn_begin(struct db_txn *t, struct db *db, unsigned flags);

/* Commits, or aborts when any step failed, and returns the first failure. The full-device
 * case: a commit that failed with EIO while (almost) no room is left is PK_ENOSPC. */
int db_txn_commit(struct db_txn *t);

/* Ends (aborts) a read transaction, or a write one whose changes are unwanted; returns the
 * sticky error. Does nothing on a transaction already ended. */
int db_txn_end(struct db_txn *t);

/* Records err (a negative PK_E* code; 0 does nothing) as t's failure unless one is recorded:
 * the commit will abort. Returns t's failure. */
int db_txn_fail(struct db_txn *t, int err);

/* The snapshot's id: what a new read transaction sees. */
uint64_t db_txn_id(const struct db_txn *t);

/* The value under key: 0, PK_ENOTFOUND (does not stick) or a failure. */
int db_get(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, struct db_val *v);
/* Stores (replacing) the value under key. */
int db_put(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, const void *val,
           size_t vlen);
/* Stores the value unless key is held: PK_EEXIST then (does not stick). */
int db_put_new(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, const void *val,
               size_t vlen);
/* Deletes key: 0 or PK_ENOTFOUND (neither sticks), or a failure. */
int db_del(struct db_txn *t, db_dbi dbi, const void *key, size_t klen);
/* The number of entries of dbi. */
int db_count(struct db_txn *t, db_dbi dbi, uint64_t *n);
/* The bytes of the data file up to its last used page (LMDB's high-water mark, from the newest
 * meta page: no transaction, O(1)) and the page size. Returns 0 or an error. */
int db_space(struct db *db, uint64_t *used_bytes, uint64_t *page_bytes);

/* ---- cursors --------------------------------------------------------------------------- */

/* A cursor over one database; k and v hold the current entry (pointing into the map). Moves
 * return true when on an entry; false at the end (or, after db_cur_prefix, past the prefix)
 * and on a failure, which sticks to the transaction. */
struct db_cur {
	struct MDB_cursor *c;
	struct db_txn *t;
	struct db_val k, v;
	const void *prefix; /* set by db_cur_prefix: next stops when keys leave it */
	size_t plen;
};

int db_cur_open(struct db_cur *c, struct db_txn *t, db_dbi dbi);
void db_cur_close(struct db_cur *c);
bool db_cur_first(struct db_cur *c);
bool db_cur_last(struct db_cur *c);
/* The first entry whose key is >= key (the first entry when klen is 0). */
bool db_cur_seek(struct db_cur *c, const void *key, size_t klen);
/* The first entry whose key starts with prefix (plen 0: every entry); db_cur_next then stops
 * at the first key without it. prefix must outlive the walk. */
bool db_cur_prefix(struct db_cur *c, const void *prefix, size_t plen);
bool db_cur_next(struct db_cur *c);
bool db_cur_prev(struct db_cur *c);
/* Deletes the current entry; the next db_cur_next goes on after it. */
int db_cur_del(struct db_cur *c);

/* ---- keys ------------------------------------------------------------------------------ */

/* Big-endian integers, so that keys holding them sort as the numbers do. */
static inline void db_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t db_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* A composite key built part by part; a key that would pass DB_KEY_MAX keeps len at its last
 * fitting part and sets over (LMDB would refuse it). */
struct db_key {
	uint8_t buf[DB_KEY_MAX];
	size_t len;
	bool over;
};

void db_key_init(struct db_key *k);
void db_key_bytes(struct db_key *k, const void *p, size_t n);
void db_key_u64(struct db_key *k, uint64_t v); /* big-endian */
void db_key_byte(struct db_key *k, uint8_t b); /* a separator such as \0 */

/* ---- paged scans ----------------------------------------------------------------------- */

/* A copied entry from a scan page: key and val are NUL-terminated copies (the NUL not
 * counted), valid during the visit only. */
struct db_entry {
	uint8_t *key, *val;
	size_t klen, vlen;
	size_t offset; /* of the value in the data file (0 when the map address is unknown) */
};

/*
 * Visits every entry of dbi whose key starts with prefix (plen 0: all), in key order. Entries
 * are copied a page (256) at a time in a short read transaction, and no transaction is open
 * while visit runs, so a slow visitor pins no pages and may write; a page resumes after the
 * last key copied, so it sees writes made meanwhile past that key. visit returns 0 to go on,
 * above 0 to stop, below 0 to fail with that error. Returns the number of visits that returned
 * 0, or an error (PK_ECORRUPT when keys do not ascend, as in a damaged tree).
 */
int db_scan(struct db *db, db_dbi dbi, const void *prefix, size_t plen,
            int (*visit)(const struct db_entry *e, void *arg), void *arg);

#endif
