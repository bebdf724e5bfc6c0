/*
 * store.c: the core of the LMDB store (see store.h; layout in proto/SPEC.md, "Store"): opening
 * and closing, the node's metadata, heads and the log, the records table and its key index, and
 * the paged reads that every scan goes through. The rest of the store sits beside it, one part
 * per file (store_int.h names them), sharing struct store and the helpers defined here.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "clock.h"
#include "proto/region.h"
#include "proto/schema.h"

#define STORE_FORMAT "pokja-store-1"
#define SCAN_PAGE 256                /* entries copied per read transaction in scans */
#define MAX_SKEW_MS (10 * 60 * 1000) /* the default of store_set_max_skew */

int store_lmdb_err(int rc)
{
	return lmdb_err(rc);
}

void store_set_max_skew(struct store *s, uint64_t ms)
{
	s->max_skew_ms = ms;
}

void store_set_max_hold(struct store *s, uint64_t ms)
{
	s->max_hold_ms = ms;
}

/* What clock.c reads of the store (clock.h). */
MDB_dbi store_db_peers(const struct store *s)
{
	return s->peers;
}

MDB_dbi store_db_held(const struct store *s)
{
	return s->held;
}

MDB_env *store_env(const struct store *s)
{
	return s->env;
}

uint64_t store_max_skew(const struct store *s)
{
	return s->max_skew_ms;
}

uint64_t store_max_hold(const struct store *s)
{
	return s->max_hold_ms;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/*
 * mdb_txn_commit, but a commit that failed because the device is full says so. LMDB 0.9 turns
 * a short write (the device filled up in the middle of one) into EIO, and only a write that
 * found no room at all into ENOSPC; an EIO with (almost) no room left is the same failure.
 */
#define FULL_BYTES ((uint64_t)1 << 20)
int st_txn_commit(struct store *s, MDB_txn *txn)
{
	struct statvfs v;
	char mark[4200];
	int rc = mdb_txn_commit(txn), fd;

	if (rc == EIO && statvfs(s->path, &v) == 0 &&
	    (uint64_t)v.f_bavail * v.f_frsize < FULL_BYTES)
		rc = ENOSPC;
	if (s->rdonly || (rc == 0 && !s->marked_full))
		return rc;
	/* The mark of a write that failed for lack of room (store.h, STORE_FULL_MARK): made on
	 * such a failure (an empty file needs no data block), removed by the next commit that
	 * succeeds, in whichever process. Best effort both ways. */
	snprintf(mark, sizeof(mark), "%s/%s", s->path, STORE_FULL_MARK);
	if (rc == 0) {
		unlink(mark);
		s->marked_full = false;
	} else if (rc == ENOSPC || rc == EDQUOT) {
		if ((fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0)
			close(fd);
		s->marked_full = true;
	}
	return rc;
}

bool store_full_since(const struct store *s, time_t *when)
{
	char mark[4200];
	struct stat st;

	snprintf(mark, sizeof(mark), "%s/%s", s->path, STORE_FULL_MARK);
	if (stat(mark, &st) != 0)
		return false;
	if (when != NULL)
		*when = st.st_mtime;
	return true;
}

/* The one place a full device gets its sentence, naming the store's folder. */
int store_diag(const struct store *s, int err, struct pk_diag *d)
{
	if (err == PK_ENOSPC)
		return pk_diag_nospace(d, s->path);
	return err;
}

const char *store_strerror(const struct store *s, int err, struct pk_diag *d)
{
	if (err == PK_ENOSPC && d != NULL) {
		store_diag(s, err, d);
		return d->msg;
	}
	return pk_strerror(err);
}

/* ---- opening ---------------------------------------------------------------------------- */

/*
 * Opens every named database. The first seven hold replicated data; the rest were added for
 * replication (pokjad) and are created on the first read-write open, so a read-only open of a
 * store that no read-write open has touched since finds them missing and treats them as empty.
 */
#define FIRST_OPTIONAL_DB 7

static int open_dbs(struct store *s, unsigned flags, struct pk_diag *d)
{
	static const char *const names[] = {
	    "meta",    "log",   "heads",   "certs",   "rec",       "bykey",      "forks",
	    "invites", "peers", "refused", "revoked", "peerheads", "revpending", "held"};
	MDB_dbi *dbis[] = {&s->meta,    &s->log,       &s->heads,      &s->certs, &s->rec,
	                   &s->bykey,   &s->forks,     &s->invites,    &s->peers, &s->refused,
	                   &s->revoked, &s->peerheads, &s->revpending, &s->held};
	unsigned dbflags = (flags & STORE_RDONLY) ? 0 : MDB_CREATE;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, (flags & STORE_RDONLY) ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return pk_diagf(d, lmdb_err(rc), "%s: %s", s->path, mdb_strerror(rc));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = mdb_dbi_open(txn, names[i], dbflags, dbis[i]);
		if (rc == MDB_NOTFOUND && i >= FIRST_OPTIONAL_DB) {
			*dbis[i] = NO_DBI;
			continue;
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			if (rc == MDB_NOTFOUND)
				return pk_diagf(d, PK_ENOTFOUND, "%s: no pokja store here",
				                s->path);
			return pk_diagf(d, lmdb_err(rc), "%s: %s", s->path, mdb_strerror(rc));
		}
	}
	k.mv_data = "format";
	k.mv_size = 6;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_NOTFOUND && !(flags & STORE_RDONLY)) {
		v.mv_data = STORE_FORMAT;
		v.mv_size = strlen(STORE_FORMAT);
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	} else if (rc == 0 && (v.mv_size != strlen(STORE_FORMAT) ||
	                       memcmp(v.mv_data, STORE_FORMAT, v.mv_size) != 0)) {
		mdb_txn_abort(txn);
		return pk_diagf(d, PK_EVERSION, "%s: store format is not %s", s->path,
		                STORE_FORMAT);
	}
	if (rc == 0) {
		k.mv_data = "root";
		k.mv_size = 4;
		if (mdb_get(txn, s->meta, &k, &v) == 0 && v.mv_size == PK_PUB_BYTES) {
			memcpy(s->root, v.mv_data, PK_PUB_BYTES);
			s->have_root = true;
		}
		rc = st_txn_commit(s, txn);
	} else {
		mdb_txn_abort(txn);
	}
	if (rc != 0)
		return pk_diagf(d, lmdb_err(rc), "%s: %s", s->path, mdb_strerror(rc));
	return 0;
}

/*
 * Where LMDB mapped the data file, so that verify can turn a pointer into a file offset. LMDB
 * does not say (me_mapaddr is only the address asked for with MDB_FIXEDMAP), so this reads the
 * process's mappings. NULL when not found; offsets are then not reported.
 */
static const char *map_base(const struct store *s)
{
	char file[4200], real[4096], line[4600];
	unsigned long long start, off;
	const char *found = NULL;
	size_t rl;
	FILE *f;

	snprintf(file, sizeof(file), "%s/data.mdb", s->path);
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

static int check_size(struct store *s, struct pk_diag *d)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	char file[4200];

	snprintf(file, sizeof(file), "%s/data.mdb", s->path);
	if (stat(file, &fst) != 0)
		return pk_diagf(d, PK_EIO, "%s: %s", file, strerror(errno));
	if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return pk_diagf(d, PK_ECORRUPT, "%s: unreadable", file);
	if ((uint64_t)fst.st_size < ((uint64_t)info.me_last_pgno + 1) * st.ms_psize)
		return pk_diagf(d, PK_ECORRUPT,
		                "%s: the store is damaged: the file is %lld bytes but its header "
		                "counts %llu pages of %u bytes (truncated?)",
		                file, (long long)fst.st_size,
		                (unsigned long long)info.me_last_pgno + 1, st.ms_psize);
	return 0;
}

int store_open(const char *path, unsigned flags, struct store **out, struct pk_diag *d)
{
	struct store *s;
	unsigned envflags = MDB_NOTLS | ((flags & STORE_RDONLY) ? MDB_RDONLY : 0);
	int rc, err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PK_ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->rdonly = (flags & STORE_RDONLY) != 0;
	s->max_skew_ms = MAX_SKEW_MS;
	s->max_hold_ms = CLOCK_MAX_HOLD_MS;
	pthread_mutex_init(&s->lock, NULL);
	if (!(flags & STORE_RDONLY) && mkdir(path, 0700) != 0 && errno != EEXIST) {
		err = pk_diagf(d, pk_errno_err(errno), "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, STORE_MAPSIZE)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 126)) != 0) {
		err = pk_diagf(d, lmdb_err(rc), "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_env_open(s->env, path, envflags, 0600);
	if (rc != 0) {
		if (rc == ENOENT)
			err = pk_diagf(d, PK_ENOTFOUND, "%s: no pokja store here", path);
		else if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
			err = pk_diagf(d, PK_ECORRUPT, "%s: not an LMDB store or damaged (%s)",
			               path, mdb_strerror(rc));
		else
			err = pk_diagf(d, lmdb_err(rc), "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	/* LMDB maps the file and trusts its meta page: a file shorter than the pages the meta
	 * page claims would fault (SIGBUS) on first touch. Refuse it before reading anything. */
	if ((err = check_size(s, d)) != 0)
		goto fail;
	if ((err = open_dbs(s, flags, d)) != 0)
		goto fail;
	s->mapaddr = map_base(s);
	s->marked_full = store_full_since(s, NULL);
	*out = s;
	return 0;
fail:
	if (err == PK_ENOSPC)
		pk_diag_nospace(d, path);
	store_close(s);
	if (err == PK_ECORRUPT && d != NULL && strstr(d->msg, "damaged") == NULL) {
		size_t n = strlen(d->msg);
		snprintf(d->msg + n, sizeof(d->msg) - n, " (the store is damaged)");
	}
	return err;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- metadata ----------------------------------------------------------------------------- */

int st_meta_get(MDB_txn *txn, struct store *s, const char *name, MDB_val *v)
{
	MDB_val k = {strlen(name), (void *)name};

	return lmdb_err(mdb_get(txn, s->meta, &k, v));
}

int st_meta_put(MDB_txn *txn, struct store *s, const char *name, const void *data, size_t len)
{
	MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)data};

	return lmdb_err(mdb_put(txn, s->meta, &k, &v, 0));
}

static void copy_str(char *dst, size_t cap, const MDB_val *v)
{
	size_t n = v->mv_size < cap - 1 ? v->mv_size : cap - 1;

	memcpy(dst, v->mv_data, n);
	dst[n] = '\0';
}

int st_node_read(MDB_txn *txn, struct store *s, struct store_node *n)
{
	MDB_val v;
	int err;

	memset(n, 0, sizeof(*n));
	if ((err = st_meta_get(txn, s, "pub", &v)) != 0)
		return err;
	if (v.mv_size != PK_PUB_BYTES)
		return PK_ECORRUPT;
	memcpy(n->pub, v.mv_data, PK_PUB_BYTES);
	if ((err = st_meta_get(txn, s, "root", &v)) != 0 || v.mv_size != PK_PUB_BYTES)
		return err != 0 ? err : PK_ECORRUPT;
	memcpy(n->root, v.mv_data, PK_PUB_BYTES);
	if ((err = st_meta_get(txn, s, "region", &v)) != 0)
		return err;
	copy_str(n->region, sizeof(n->region), &v);
	if ((err = st_meta_get(txn, s, "name", &v)) != 0)
		return err;
	copy_str(n->name, sizeof(n->name), &v);
	n->certified = st_meta_get(txn, s, "certified", &v) == 0;
	return 0;
}

int store_node_get(struct store *s, struct store_node *n)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = st_node_read(txn, s, n);
	mdb_txn_abort(txn);
	return err;
}

int store_node_init(struct store *s, const struct store_node *n)
{
	MDB_txn *txn;
	MDB_val v;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if (st_meta_get(txn, s, "pub", &v) == 0) {
		err = PK_EEXIST;
		goto fail;
	}
	if ((err = st_meta_put(txn, s, "pub", n->pub, PK_PUB_BYTES)) != 0 ||
	    (err = st_meta_put(txn, s, "root", n->root, PK_PUB_BYTES)) != 0 ||
	    (err = st_meta_put(txn, s, "region", n->region, strlen(n->region))) != 0 ||
	    (err = st_meta_put(txn, s, "name", n->name, strlen(n->name))) != 0)
		goto fail;
	if (memcmp(n->pub, n->root, PK_PUB_BYTES) == 0 &&
	    (err = st_meta_put(txn, s, "certified", "1", 1)) != 0)
		goto fail;
	if ((rc = st_txn_commit(s, txn)) != 0)
		return lmdb_err(rc);
	memcpy(s->root, n->root, PK_PUB_BYTES);
	s->have_root = true;
	return 0;
fail:
	mdb_txn_abort(txn);
	return err;
}

int store_next_serial(struct store *s, uint64_t *serial)
{
	MDB_txn *txn;
	MDB_val v;
	uint8_t buf[8];
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	*serial = 1;
	if (st_meta_get(txn, s, "serial", &v) == 0 && v.mv_size == 8)
		*serial = get_be64(v.mv_data) + 1;
	put_be64(buf, *serial);
	if ((err = st_meta_put(txn, s, "serial", buf, 8)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(st_txn_commit(s, txn));
}

/* ---- heads and the log ------------------------------------------------------------------- */

int st_head_read(MDB_txn *txn, struct store *s, const uint8_t *origin, struct store_head *h)
{
	MDB_val k = {PK_PUB_BYTES, (void *)origin}, v;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = mdb_get(txn, s->heads, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size != HEAD_BYTES)
		return PK_ECORRUPT;
	h->seq = get_be64(v.mv_data);
	memcpy(h->hash, (uint8_t *)v.mv_data + 8, PK_HASH_BYTES);
	h->hlc = get_be64((uint8_t *)v.mv_data + 8 + PK_HASH_BYTES);
	h->forked = ((uint8_t *)v.mv_data)[HEAD_BYTES - 1] != 0;
	return 0;
}

int st_head_write(MDB_txn *txn, struct store *s, const uint8_t *origin, const struct store_head *h)
{
	uint8_t buf[HEAD_BYTES];
	MDB_val k = {PK_PUB_BYTES, (void *)origin}, v = {HEAD_BYTES, buf};

	put_be64(buf, h->seq);
	memcpy(buf + 8, h->hash, PK_HASH_BYTES);
	put_be64(buf + 8 + PK_HASH_BYTES, h->hlc);
	buf[HEAD_BYTES - 1] = h->forked ? 1 : 0;
	return lmdb_err(mdb_put(txn, s->heads, &k, &v, 0));
}

int store_head_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], struct store_head *h)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = st_head_read(txn, s, origin, h);
	mdb_txn_abort(txn);
	return err;
}

void st_log_key(uint8_t key[PK_PUB_BYTES + 8], const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, PK_PUB_BYTES);
	put_be64(key + PK_PUB_BYTES, seq);
}

int store_log_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t seq, uint8_t **out,
                  size_t *len)
{
	uint8_t key[PK_PUB_BYTES + 8];
	MDB_val k = {sizeof(key), key}, v;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	st_log_key(key, origin, seq);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	rc = mdb_get(txn, s->log, &k, &v);
	if (rc == 0) {
		*out = malloc(v.mv_size);
		if (*out != NULL) {
			memcpy(*out, v.mv_data, v.mv_size);
			*len = v.mv_size;
		}
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		return lmdb_err(rc);
	return *out == NULL ? PK_ENOMEM : 0;
}

/* Keeps both changesets of a fork as evidence: [seq][len a][a][len b][b]. */
int st_fork_record(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                   const MDB_val *held)
{
	MDB_val k = {PK_PUB_BYTES, (void *)cs->origin}, v;
	uint8_t *buf;
	int rc;

	v.mv_size = 8 + 8 + held->mv_size + 8 + cs->raw_len;
	if ((buf = malloc(v.mv_size)) == NULL)
		return PK_ENOMEM;
	put_be64(buf, cs->seq);
	put_be64(buf + 8, held->mv_size);
	memcpy(buf + 16, held->mv_data, held->mv_size);
	put_be64(buf + 16 + held->mv_size, cs->raw_len);
	memcpy(buf + 24 + held->mv_size, cs->raw, cs->raw_len);
	v.mv_data = buf;
	rc = mdb_put(txn, s->forks, &k, &v, MDB_NOOVERWRITE);
	free(buf);
	return rc == MDB_KEYEXIST ? 0 : lmdb_err(rc);
}

/* ---- records ----------------------------------------------------------------------------- */

/* coll \0 region \0 key: the records table's key; coll \0 key \0 region: the index's. */
size_t st_rec_key(uint8_t *buf, const struct pk_op *op, bool index)
{
	size_t n = 0;

	memcpy(buf + n, op->coll, op->coll_len);
	n += op->coll_len;
	buf[n++] = 0;
	if (index) {
		memcpy(buf + n, op->key, op->key_len);
		n += op->key_len;
		buf[n++] = 0;
		memcpy(buf + n, op->region, op->region_len);
		n += op->region_len;
	} else {
		memcpy(buf + n, op->region, op->region_len);
		n += op->region_len;
		buf[n++] = 0;
		memcpy(buf + n, op->key, op->key_len);
		n += op->key_len;
	}
	return n;
}

/* (hlc, origin) ordering: negative when a < b. */
int st_version_cmp(uint64_t ha, const uint8_t *oa, uint64_t hb, const uint8_t *ob)
{
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return memcmp(oa, ob, PK_PUB_BYTES);
}

/* Last writer wins. Within one changeset a later op on the same record replaces an earlier one
 * (equal versions), so the order of ops is the order of effect. */
int st_rec_apply(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                 const struct pk_op *op, uint8_t *scratch)
{
	uint8_t key[REC_KEY_MAX], ikey[REC_KEY_MAX];
	MDB_val k = {st_rec_key(key, op, false), key}, v, ik;
	const uint8_t *old;
	size_t len = REC_META + op->value_len;
	int rc;

	rc = mdb_get(txn, s->rec, &k, &v);
	if (rc == 0) {
		if (v.mv_size < REC_META)
			return PK_ECORRUPT;
		old = v.mv_data;
		if (st_version_cmp(cs->hlc, cs->origin, get_be64(old), old + 8) < 0)
			return 0;
	} else if (rc == MDB_NOTFOUND) {
		ik.mv_size = st_rec_key(ikey, op, true);
		ik.mv_data = ikey;
		v.mv_size = 0;
		v.mv_data = "";
		if ((rc = mdb_put(txn, s->bykey, &ik, &v, 0)) != 0)
			return lmdb_err(rc);
	} else {
		return lmdb_err(rc);
	}
	put_be64(scratch, cs->hlc);
	memcpy(scratch + 8, cs->origin, PK_PUB_BYTES);
	put_be64(scratch + 8 + PK_PUB_BYTES, cs->seq);
	scratch[REC_META - 1] = op->value == NULL ? 1 : 0;
	if (op->value != NULL)
		memcpy(scratch + REC_META, op->value, op->value_len);
	v.mv_size = len;
	v.mv_data = scratch;
	return lmdb_err(mdb_put(txn, s->rec, &k, &v, 0));
}

/* ---- reading ------------------------------------------------------------------------------ */

struct page {
	struct entry e[SCAN_PAGE];
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
static int key_cmp(const MDB_val *k, const uint8_t *b, size_t blen)
{
	size_t n = k->mv_size < blen ? k->mv_size : blen;
	int c = memcmp(k->mv_data, b, n);

	if (c != 0)
		return c;
	return k->mv_size < blen ? -1 : k->mv_size > blen ? 1 : 0;
}

/*
 * Copies up to SCAN_PAGE entries of dbi whose keys start with prefix, starting after pg->last
 * (or at the prefix when pg->lastlen is 0), in one short read transaction.
 */
static int page_fill(struct store *s, MDB_dbi dbi, const void *prefix, size_t plen, struct page *pg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	int rc, err = 0;

	page_clear(pg);
	pg->more = false;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	k.mv_data = pg->lastlen ? pg->last : (void *)prefix;
	k.mv_size = pg->lastlen ? pg->lastlen : plen;
	if (k.mv_size == 0)
		op = MDB_FIRST; /* LMDB refuses an empty key for MDB_SET_RANGE */
	rc = mdb_cursor_get(cur, &k, &v, op);
	if (rc == 0 && pg->lastlen && k.mv_size == pg->lastlen &&
	    memcmp(k.mv_data, pg->last, pg->lastlen) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	while (rc == 0) {
		struct entry *e;

		if (plen > 0 && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if (pg->n == SCAN_PAGE) {
			pg->more = true;
			break;
		}
		/* Keys come in ascending order; in a damaged tree they may not, and a scan that
		 * resumes from its last key could then go round for ever. */
		if (k.mv_size > sizeof(pg->last) ||
		    (pg->lastlen > 0 && key_cmp(&k, pg->last, pg->lastlen) <= 0)) {
			err = PK_ECORRUPT;
			break;
		}
		e = &pg->e[pg->n];
		e->key = malloc(k.mv_size + 1);
		e->val = malloc(v.mv_size + 1);
		if (e->key == NULL || e->val == NULL) {
			free(e->key);
			free(e->val);
			err = PK_ENOMEM;
			break;
		}
		memcpy(e->key, k.mv_data, k.mv_size);
		e->key[k.mv_size] = 0;
		memcpy(e->val, v.mv_data, v.mv_size);
		e->val[v.mv_size] = 0;
		e->klen = k.mv_size;
		e->vlen = v.mv_size;
		e->offset = s->mapaddr ? (size_t)((const char *)v.mv_data - s->mapaddr) : 0;
		pg->n++;
		memcpy(pg->last, k.mv_data, k.mv_size);
		pg->lastlen = k.mv_size;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND && err == 0)
		err = lmdb_err(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return err;
}

/* Visits every entry under prefix, a page at a time, with no transaction open during visit().
 * Returns the number of visits that returned 0, or an error. */
int st_scan(struct store *s, MDB_dbi dbi, const void *prefix, size_t plen,
            int (*visit)(const struct entry *e, void *arg), void *arg)
{
	struct page *pg = calloc(1, sizeof(*pg));
	int err, count = 0, r;

	if (pg == NULL)
		return PK_ENOMEM;
	do {
		if ((err = page_fill(s, dbi, prefix, plen, pg)) != 0)
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

/* Splits a records-table entry into a store_record. */
int st_rec_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, size_t offset,
                  struct store_record *r)
{
	const char *z1, *z2;

	if (vlen < REC_META)
		return PK_ECORRUPT;
	z1 = memchr(key, 0, klen);
	z2 = z1 ? memchr(z1 + 1, 0, klen - (size_t)(z1 + 1 - (const char *)key)) : NULL;
	if (z2 == NULL)
		return PK_ECORRUPT;
	r->coll = (const char *)key;
	r->region = z1 + 1;
	r->key = z2 + 1; /* the copy is NUL-terminated (page_fill) */
	r->hlc = get_be64(val);
	memcpy(r->origin, val + 8, PK_PUB_BYTES);
	r->seq = get_be64(val + 8 + PK_PUB_BYTES);
	r->deleted = val[REC_META - 1] != 0;
	r->value = r->deleted ? NULL : val + REC_META;
	r->value_len = r->deleted ? 0 : vlen - REC_META;
	r->file_offset = offset + REC_META;
	return 0;
}

struct list_ctx {
	const char *region;
	size_t rlen;
	bool with_deleted;
	store_record_fn fn;
	void *arg;
	int calls;
};

static int list_visit(const struct entry *e, void *arg)
{
	struct list_ctx *c = arg;
	struct store_record r;
	int err;

	if ((err = st_rec_decode(e->key, e->klen, e->val, e->vlen, e->offset, &r)) != 0)
		return err;
	/* The scan prefix is coll\0region; "32.7" must not match "32.75": check the boundary. */
	if (!pk_region_within(r.region, strlen(r.region), c->region, c->rlen))
		return 0;
	if (r.deleted && !c->with_deleted)
		return 0;
	c->calls++;
	return c->fn(&r, c->arg) != 0 ? 1 : 0;
}

int store_list(struct store *s, const char *coll, const char *region, bool with_deleted,
               store_record_fn fn, void *arg)
{
	char prefix[REC_KEY_MAX];
	struct list_ctx c = {region ? region : "", 0, with_deleted, fn, arg, 0};
	int n, err;

	c.rlen = strlen(c.region);
	if (strlen(coll) > PK_COLL_MAX || !pk_region_valid(c.region, c.rlen))
		return PK_EINVAL;
	n = snprintf(prefix, sizeof(prefix), "%s%c%s", coll, 0, c.region);
	err = st_scan(s, s->rec, prefix, (size_t)n, list_visit, &c);
	return err < 0 ? err : c.calls;
}

int store_get(struct store *s, const char *coll, const char *key, const char *region,
              store_record_fn fn, void *arg)
{
	uint8_t ikey[REC_KEY_MAX], rkey[REC_KEY_MAX];
	struct store_record r;
	size_t clen = strlen(coll), klen = strlen(key), plen;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v, rk;
	int rc, err = 0, calls = 0;

	if (clen == 0 || clen > PK_COLL_MAX || !pk_key_valid(key, klen) ||
	    (region != NULL && !pk_region_valid(region, strlen(region))))
		return PK_EINVAL;
	/* Few records share a key (one per region at most), so one short transaction suffices. */
	memcpy(ikey, coll, clen);
	ikey[clen] = 0;
	memcpy(ikey + clen + 1, key, klen);
	ikey[clen + 1 + klen] = 0;
	plen = clen + klen + 2;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	if ((rc = mdb_cursor_open(txn, s->bykey, &cur)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	k.mv_data = ikey;
	k.mv_size = plen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *reg = (const char *)k.mv_data + plen;
		size_t rlen = k.mv_size - plen;
		if (k.mv_size < plen || memcmp(k.mv_data, ikey, plen) != 0)
			break;
		if (rlen > PK_REGION_MAX) {
			err = PK_ECORRUPT;
			break;
		}
		if (region != NULL && (strlen(region) != rlen || memcmp(region, reg, rlen) != 0))
			continue;
		memcpy(rkey, coll, clen + 1);
		memcpy(rkey + clen + 1, reg, rlen);
		rkey[clen + 1 + rlen] = 0;
		memcpy(rkey + clen + 2 + rlen, key, klen + 1);
		rk.mv_data = rkey;
		rk.mv_size = clen + rlen + klen + 2;
		if ((rc = mdb_get(txn, s->rec, &rk, &v)) != 0) {
			err = rc == MDB_NOTFOUND ? PK_ECORRUPT : lmdb_err(rc);
			break;
		}
		if ((err = st_rec_decode(
		         rkey, rk.mv_size, v.mv_data, v.mv_size,
		         s->mapaddr ? (size_t)((const char *)v.mv_data - s->mapaddr) : 0, &r)) != 0)
			break;
		if (r.deleted)
			continue;
		calls++;
		if (fn(&r, arg) != 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND && err == 0)
		err = lmdb_err(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return err != 0 ? err : calls;
}

struct log_ctx {
	int (*fn)(const uint8_t *raw, size_t len, void *arg);
	void *arg;
};

static int log_visit(const struct entry *e, void *arg)
{
	struct log_ctx *c = arg;

	return c->fn(e->val, e->vlen, c->arg) != 0 ? 1 : 0;
}

int store_log(struct store *s, const uint8_t *origin,
              int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg)
{
	struct log_ctx c = {fn, arg};

	return st_scan(s, s->log, origin, origin ? PK_PUB_BYTES : 0, log_visit, &c);
}
