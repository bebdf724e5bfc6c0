/* db.c: the one LMDB wrapper (db.h); the only file of daemon/ and cli/ that includes <lmdb.h>. */
#include "db.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define DB_MAPSIZE ((size_t)16 << 30) /* address space only; the file grows as needed */
#define DB_MAXDBS 32                  /* named databases: 18 used, room to grow */
#define DB_MAXREADERS 126
#define SCAN_PAGE 256 /* entries copied per read transaction in scans */
#define FULL_BYTES ((uint64_t)1 << 20)

struct db {
	MDB_env *env;
	char path[4096];
	bool rdonly;
	const char *mapaddr;
	void (*on_commit)(int err, bool no_room, void *arg);
	void *arg;
};

/* The one place LMDB's error codes become ours. */
int db_err(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return PK_ENOTFOUND;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		return PK_ECORRUPT;
	case MDB_VERSION_MISMATCH:
		return PK_EVERSION;
	case ENOMEM:
		return PK_ENOMEM;
	case EACCES:
	case EPERM:
		return PK_EPERM;
	case ENOSPC:
	case EDQUOT:
	case MDB_MAP_FULL:
		return PK_ENOSPC;
	default:
		return PK_ESTORE;
	}
}

static MDB_val mval(const void *p, size_t n)
{
	MDB_val v = {n, (void *)p};

	return v;
}

static struct db_val dval(const MDB_val *v)
{
	struct db_val d = {v->mv_data, v->mv_size};

	return d;
}

/* ---- transactions -------------------------------------------------------------------------- */

/* Records LMDB's rc on t (when a failure) and returns it as ours. */
static int stick(struct db_txn *t, int rc)
{
	if (rc != 0 && t->err == 0)
		t->err = db_err(rc);
	return rc == 0 ? 0 : t->err;
}

int db_txn_begin(struct db_txn *t, struct db *db, unsigned flags)
{
	MDB_txn *txn = NULL;
	int rc;

	t->db = db;
	t->err = 0;
	t->rdonly = (flags & DB_RDONLY) != 0;
	rc = mdb_txn_begin(db->env, NULL, t->rdonly ? MDB_RDONLY : 0, &txn);
	t->txn = rc == 0 ? txn : NULL;
	return stick(t, rc);
}

/*
 * mdb_txn_commit, but a commit that failed because the device is full says so. LMDB 0.9 turns
 * a short write (the device filled up in the middle of one) into EIO, and only a write that
 * found no room at all into ENOSPC; an EIO with (almost) no room left is the same failure.
 * Tells the environment's on_commit about every commit of a read-write environment's write.
 */
static int commit(struct db *db, MDB_txn *txn, bool rdonly)
{
	struct statvfs v;
	int rc = mdb_txn_commit(txn);

	if (rc == EIO && statvfs(db->path, &v) == 0 &&
	    (uint64_t)v.f_bavail * v.f_frsize < FULL_BYTES)
		rc = ENOSPC;
	if (!db->rdonly && !rdonly && db->on_commit != NULL)
		db->on_commit(db_err(rc), rc == ENOSPC || rc == EDQUOT, db->arg);
	return rc;
}

int db_txn_commit(struct db_txn *t)
{
	int rc;

	if (t->txn == NULL)
		return t->err;
	if (t->err != 0) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
		return t->err;
	}
	rc = commit(t->db, t->txn, t->rdonly);
	t->txn = NULL;
	return stick(t, rc);
}

int db_txn_end(struct db_txn *t)
{
	if (t->txn != NULL)
		mdb_txn_abort(t->txn);
	t->txn = NULL;
	return t->err;
}

int db_txn_fail(struct db_txn *t, int err)
{
	if (err != 0 && t->err == 0)
		t->err = err;
	return t->err;
}

uint64_t db_txn_id(const struct db_txn *t)
{
	return t->txn != NULL ? (uint64_t)mdb_txn_id(t->txn) : 0;
}

int db_get(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, struct db_val *v)
{
	MDB_val k = mval(key, klen), d;
	int rc;

	if (t->err != 0)
		return t->err;
	rc = mdb_get(t->txn, dbi, &k, &d);
	if (rc == MDB_NOTFOUND)
		return PK_ENOTFOUND;
	if (rc == 0)
		*v = dval(&d);
	return stick(t, rc);
}

static int put(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, const void *val,
               size_t vlen, unsigned flags)
{
	MDB_val k = mval(key, klen), d = mval(val, vlen);
	int rc;

	if (t->err != 0)
		return t->err;
	rc = mdb_put(t->txn, dbi, &k, &d, flags);
	if (rc == MDB_KEYEXIST)
		return PK_EEXIST;
	return stick(t, rc);
}

int db_put(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen)
{
	return put(t, dbi, key, klen, val, vlen, 0);
}

int db_put_new(struct db_txn *t, db_dbi dbi, const void *key, size_t klen, const void *val,
               size_t vlen)
{
	return put(t, dbi, key, klen, val, vlen, MDB_NOOVERWRITE);
}

int db_del(struct db_txn *t, db_dbi dbi, const void *key, size_t klen)
{
	MDB_val k = mval(key, klen);
	int rc;

	if (t->err != 0)
		return t->err;
	rc = mdb_del(t->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return PK_ENOTFOUND;
	return stick(t, rc);
}

int db_count(struct db_txn *t, db_dbi dbi, uint64_t *n)
{
	MDB_stat st;
	int rc;

	*n = 0;
	if (t->err != 0)
		return t->err;
	if ((rc = mdb_stat(t->txn, dbi, &st)) == 0)
		*n = st.ms_entries;
	return stick(t, rc);
}

int db_space(struct db *db, uint64_t *used_bytes, uint64_t *page_bytes)
{
	MDB_envinfo info;
	MDB_stat st;
	int rc;

	*used_bytes = *page_bytes = 0;
	if ((rc = mdb_env_info(db->env, &info)) != 0 || (rc = mdb_env_stat(db->env, &st)) != 0)
		return db_err(rc);
	*used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	*page_bytes = st.ms_psize;
	return 0;
}

/* ---- cursors ------------------------------------------------------------------------------- */

int db_cur_open(struct db_cur *c, struct db_txn *t, db_dbi dbi)
{
	MDB_cursor *cur = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	c->t = t;
	if (t->err != 0)
		return t->err;
	rc = mdb_cursor_open(t->txn, dbi, &cur);
	c->c = rc == 0 ? cur : NULL;
	return stick(t, rc);
}

void db_cur_close(struct db_cur *c)
{
	if (c->c != NULL)
		mdb_cursor_close(c->c);
	c->c = NULL;
}

static bool has_prefix(const struct db_val *k, const void *p, size_t n)
{
	return k->len >= n && (n == 0 || memcmp(k->data, p, n) == 0);
}

/* One cursor step: true on an entry (within the prefix, if any). */
static bool step(struct db_cur *c, MDB_val *k, MDB_cursor_op op)
{
	MDB_val d;
	int rc;

	if (c->c == NULL || c->t->err != 0)
		return false;
	rc = mdb_cursor_get(c->c, k, &d, op);
	if (rc != 0) {
		if (rc != MDB_NOTFOUND)
			stick(c->t, rc);
		return false;
	}
	c->k = dval(k);
	c->v = dval(&d);
	return has_prefix(&c->k, c->prefix, c->plen);
}

bool db_cur_first(struct db_cur *c)
{
	MDB_val k;

	c->plen = 0;
	return step(c, &k, MDB_FIRST);
}

bool db_cur_last(struct db_cur *c)
{
	MDB_val k;

	c->plen = 0;
	return step(c, &k, MDB_LAST);
}

bool db_cur_seek(struct db_cur *c, const void *key, size_t klen)
{
	MDB_val k = mval(key, klen);

	c->plen = 0;
	/* LMDB refuses an empty key for MDB_SET_RANGE. */
	return step(c, &k, klen == 0 ? MDB_FIRST : MDB_SET_RANGE);
}

bool db_cur_prefix(struct db_cur *c, const void *prefix, size_t plen)
{
	MDB_val k = mval(prefix, plen);

	c->prefix = prefix;
	c->plen = plen;
	return step(c, &k, plen == 0 ? MDB_FIRST : MDB_SET_RANGE);
}

bool db_cur_next(struct db_cur *c)
{
	MDB_val k;

	return step(c, &k, MDB_NEXT);
}

bool db_cur_prev(struct db_cur *c)
{
	MDB_val k;

	return step(c, &k, MDB_PREV);
}

int db_cur_del(struct db_cur *c)
{
	if (c->c == NULL || c->t->err != 0)
		return c->t->err;
	return stick(c->t, mdb_cursor_del(c->c, 0));
}

/* ---- keys ---------------------------------------------------------------------------------- */

void db_key_init(struct db_key *k)
{
	k->len = 0;
	k->over = false;
}

void db_key_bytes(struct db_key *k, const void *p, size_t n)
{
	if (k->over || n > sizeof(k->buf) - k->len) {
		k->over = true;
		return;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

void db_key_u64(struct db_key *k, uint64_t v)
{
	uint8_t b[8];

	db_put_be64(b, v);
	db_key_bytes(k, b, sizeof(b));
}

void db_key_byte(struct db_key *k, uint8_t b)
{
	db_key_bytes(k, &b, 1);
}

/* ---- the environment ----------------------------------------------------------------------- */

/*
 * Where LMDB mapped the data file, so that verify can turn a pointer into a file offset. LMDB
 * does not say (me_mapaddr is only the address asked for with MDB_FIXEDMAP), so this reads the
 * process's mappings. NULL when not found; offsets are then not reported.
 */
static const char *map_base(const struct db *db)
{
	char file[4200], real[4096], line[4600];
	unsigned long long start, off;
	const char *found = NULL;
	size_t rl;
	FILE *f;

	snprintf(file, sizeof(file), "%s/data.mdb", db->path);
	if (realpath(file, real) == NULL || (f = fopen("/proc/self/maps", "r")) == NULL)
		return NULL;
	rl = strlen(real);
	while (found == NULL && fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\n");
		line[n] = '\0';
		if (n < rl || strcmp(line + n - rl, real) != 0)
			continue;
		if (sscanf(line, "%llx-%*x %*s %llx", &start, &off) == 2 && off == 0)
			found = (const char *)(uintptr_t)start;
	}
	fclose(f);
	return found;
}

static int check_size(struct db *db, struct pk_diag *d)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	char file[4200];

	snprintf(file, sizeof(file), "%s/data.mdb", db->path);
	if (stat(file, &fst) != 0)
		return pk_diagf(d, PK_EIO, "%s: %s", file, strerror(errno));
	if (mdb_env_info(db->env, &info) != 0 || mdb_env_stat(db->env, &st) != 0)
		return pk_diagf(d, PK_ECORRUPT, "%s: unreadable", file);
	if ((uint64_t)fst.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return pk_diagf(d, PK_ECORRUPT,
		                "%s: the store is damaged: the file is %lld bytes but its header "
		                "counts %llu pages of %u bytes (truncated?)",
		                file, (long long)fst.st_size,
		                (unsigned long long)info.me_last_pgno + 1, st.ms_psize);
	return 0;
}

/* LMDB's reason for rc, for people: its own error codes that a store's keeper may meet in the
 * message language (the code's name kept, for a search), errno values as the C library says
 * them (strerror, translated by the C library), the rest as LMDB says them. */
static const char *db_strerror(int rc)
{
	switch (rc) {
	case MDB_INVALID:
		return PK_("MDB_INVALID: the file is not an LMDB file");
	case MDB_VERSION_MISMATCH:
		return PK_("MDB_VERSION_MISMATCH: the file was written by another LMDB version");
	case MDB_CORRUPTED:
		return PK_("MDB_CORRUPTED: a page of the file is damaged");
	case MDB_PANIC:
		return PK_("MDB_PANIC: LMDB met a fatal error in the file");
	case MDB_MAP_FULL:
		return PK_("MDB_MAP_FULL: the store reached its size limit");
	case MDB_READERS_FULL:
		return PK_("MDB_READERS_FULL: too many processes read the store at once");
	default:
		return mdb_strerror(rc);
	}
}

/* Opens conf's tables, then runs conf->check, in one transaction. */
static int open_tables(struct db *db, const struct db_conf *conf, struct pk_diag *d)
{
	unsigned dbflags = conf->rdonly ? 0 : MDB_CREATE;
	struct db_txn t;
	int rc, err;

	rc = mdb_txn_begin(db->env, NULL, conf->rdonly ? MDB_RDONLY : 0, &t.txn);
	if (rc != 0)
		return pk_diagf(d, db_err(rc), "%s: %s", db->path, db_strerror(rc));
	t.db = db;
	t.err = 0;
	t.rdonly = conf->rdonly;
	for (size_t i = 0; i < conf->ntables; i++) {
		MDB_dbi dbi;

		rc = mdb_dbi_open(t.txn, conf->tables[i].name, dbflags, &dbi);
		if (rc == MDB_NOTFOUND && i >= conf->nrequired) {
			*conf->tables[i].dbi = DB_NONE;
			continue;
		}
		if (rc != 0) {
			mdb_txn_abort(t.txn);
			if (rc == MDB_NOTFOUND)
				return pk_diagf(d, PK_ENOTFOUND, "%s: no pokja store here",
				                db->path);
			return pk_diagf(d, db_err(rc), "%s: %s", db->path, db_strerror(rc));
		}
		*conf->tables[i].dbi = dbi;
	}
	if (conf->check != NULL && (err = conf->check(&t, conf->arg, d)) != 0) {
		db_txn_end(&t);
		return err;
	}
	/* A read-only transaction is committed too: LMDB closes the handles an abort opened. */
	rc = commit(db, t.txn, conf->rdonly);
	if (rc != 0)
		return pk_diagf(d, db_err(rc), "%s: %s", db->path, db_strerror(rc));
	return 0;
}

/* The environment alone, with the store's settings. */
static int env_open(struct db *db, unsigned envflags, struct pk_diag *d)
{
	int rc;

	if ((rc = mdb_env_create(&db->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(db->env, DB_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, DB_MAPSIZE)) != 0 ||
	    (rc = mdb_env_set_maxreaders(db->env, DB_MAXREADERS)) != 0)
		return pk_diagf(d, db_err(rc), "%s: %s", db->path, db_strerror(rc));
	rc = mdb_env_open(db->env, db->path, envflags, 0600);
	if (rc == 0)
		return 0;
	if (rc == ENOENT)
		return pk_diagf(d, PK_ENOTFOUND, "%s: no pokja store here", db->path);
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return pk_diagf(d, PK_ECORRUPT, "%s: not an LMDB store or damaged (%s)", db->path,
		                db_strerror(rc));
	return pk_diagf(d, db_err(rc), "%s: %s", db->path, db_strerror(rc));
}

int db_open(const char *path, const struct db_conf *conf, struct db **out, struct pk_diag *d)
{
	struct db *db;
	int err;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return PK_ENOMEM;
	snprintf(db->path, sizeof(db->path), "%s", path);
	db->rdonly = conf->rdonly;
	db->on_commit = conf->on_commit;
	db->arg = conf->arg;
	if ((err = env_open(db, MDB_NOTLS | (conf->rdonly ? MDB_RDONLY : 0), d)) != 0)
		goto fail;
	/* LMDB maps the file and trusts its meta page: a file shorter than the pages the meta
	 * page claims would fault (SIGBUS) on first touch. Refuse it before reading anything. */
	if ((err = check_size(db, d)) != 0 || (err = open_tables(db, conf, d)) != 0)
		goto fail;
	db->mapaddr = map_base(db);
	*out = db;
	return 0;
fail:
	db_close(db);
	return err;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->env != NULL)
		mdb_env_close(db->env);
	free(db);
}

const char *db_mapaddr(const struct db *db)
{
	return db->mapaddr;
}

int db_copy(struct db *db, int fd)
{
	int rc = mdb_env_copyfd2(db->env, fd, MDB_CP_COMPACT);

	return rc == 0 ? 0 : rc > 0 ? (errno = rc, pk_errno_err(rc)) : db_err(rc);
}

int db_snapshot_open(const char *path, struct db **out, struct db_txn *t)
{
	struct db *db;
	int rc, err;

	*out = NULL;
	memset(t, 0, sizeof(*t));
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return PK_ENOMEM;
	snprintf(db->path, sizeof(db->path), "%s", path);
	db->rdonly = true;
	if ((rc = mdb_env_create(&db->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(db->env, DB_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(db->env, DB_MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(db->env, path, MDB_RDONLY | MDB_NOTLS, 0600)) != 0) {
		db_close(db);
		return db_err(rc);
	}
	if ((err = db_txn_begin(t, db, DB_RDONLY)) != 0) {
		db_close(db);
		memset(t, 0, sizeof(*t));
		return err;
	}
	*out = db;
	return 0;
}

/* ---- paged scans --------------------------------------------------------------------------- */

struct page {
	struct db_entry e[SCAN_PAGE];
	size_t n;
	uint8_t last[512]; /* the last key copied, where the next page starts */
	size_t lastlen;
	bool more;
};

static void page_clear(struct page *pg)
{
	for (size_t i = 0; i < pg->n; i++) {
		free(pg->e[i].key);
		free(pg->e[i].val);
	}
	pg->n = 0;
}

/* LMDB's default order: bytewise, then shorter first. */
static int key_cmp(const struct db_val *k, const uint8_t *b, size_t blen)
{
	size_t n = k->len < blen ? k->len : blen;
	int c = memcmp(k->data, b, n);

	if (c != 0)
		return c;
	return k->len < blen ? -1 : k->len > blen ? 1 : 0;
}

/*
 * Copies up to SCAN_PAGE entries of dbi whose keys start with prefix, starting after pg->last
 * (or at the prefix when pg->lastlen is 0), in one short read transaction.
 */
static int page_fill(struct db *db, db_dbi dbi, const void *prefix, size_t plen, struct page *pg)
{
	struct db_txn t;
	struct db_cur c;
	bool on;
	int err = 0;

	page_clear(pg);
	pg->more = false;
	db_txn_begin(&t, db, DB_RDONLY);
	db_cur_open(&c, &t, dbi);
	if (pg->lastlen == 0) {
		on = db_cur_prefix(&c, prefix, plen);
	} else {
		on = db_cur_seek(&c, pg->last, pg->lastlen);
		if (on && key_cmp(&c.k, pg->last, pg->lastlen) == 0)
			on = db_cur_next(&c);
		c.prefix = prefix;
		c.plen = plen;
		on = on && has_prefix(&c.k, prefix, plen);
	}
	for (; on; on = db_cur_next(&c)) {
		struct db_entry *e;

		if (pg->n == SCAN_PAGE) {
			pg->more = true;
			break;
		}
		/* Keys come in ascending order; in a damaged tree they may not, and a scan that
		 * resumes from its last key could then go round for ever. */
		if (c.k.len > sizeof(pg->last) ||
		    (pg->lastlen > 0 && key_cmp(&c.k, pg->last, pg->lastlen) <= 0)) {
			err = PK_ECORRUPT;
			break;
		}
		e = &pg->e[pg->n];
		e->key = malloc(c.k.len + 1);
		e->val = malloc(c.v.len + 1);
		if (e->key == NULL || e->val == NULL) {
			free(e->key);
			free(e->val);
			err = PK_ENOMEM;
			break;
		}
		memcpy(e->key, c.k.data, c.k.len);
		e->key[c.k.len] = 0;
		memcpy(e->val, c.v.data, c.v.len);
		e->val[c.v.len] = 0;
		e->klen = c.k.len;
		e->vlen = c.v.len;
		e->offset = db->mapaddr ? (size_t)((const char *)c.v.data - db->mapaddr) : 0;
		pg->n++;
		memcpy(pg->last, c.k.data, c.k.len);
		pg->lastlen = c.k.len;
	}
	db_cur_close(&c);
	db_txn_fail(&t, err);
	return db_txn_end(&t);
}

int db_scan(struct db *db, db_dbi dbi, const void *prefix, size_t plen,
            int (*visit)(const struct db_entry *e, void *arg), void *arg)
{
	struct page *pg = calloc(1, sizeof(*pg));
	int err, count = 0, r;

	if (pg == NULL)
		return PK_ENOMEM;
	do {
		if ((err = page_fill(db, dbi, prefix, plen, pg)) != 0)
			goto out;
		for (size_t i = 0; i < pg->n; i++) {
			r = visit(&pg->e[i], arg);
			if (r < 0) {
				err = r;
				goto out;
			}
			if (r > 0)
				goto out;
			count++;
		}
	} while (pg->more);
out:
	page_clear(pg);
	free(pg);
	return err != 0 ? err : count;
}
