/* store.c: the LMDB store (see store.h; layout in proto/SPEC.md, "Store"). */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <unistd.h>

#include "lmdbcheck.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/mpread.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/syncmsg.h" /* struct pk_head (peer heads) */
#include "clock.h"

#define STORE_FORMAT "pokja-store-1"
#define STORE_MAPSIZE ((size_t)16 << 30) /* address space only; the file grows as needed */
#define STORE_MAXDBS 16                  /* named databases: 12 used, room to grow */
#define SCAN_PAGE 256                    /* entries copied per read transaction in scans */
#define AUTH_CACHE 1024                  /* origins whose certificate chain is cached */
#define MAX_SKEW_MS (10 * 60 * 1000)     /* the default of store_set_max_skew */
#define HEAD_BYTES (8 + PK_HASH_BYTES + 8 + 1)
#define REC_META (8 + PK_PUB_BYTES + 8 + 1)
#define REVOKED_BYTES (8 + PK_PUB_BYTES + 8)
#define INVITE_META (8 + 1)
#define PEER_META (1 + 4 * 8)
#define PEER_CLOCK (1 + 8 + 8 + 8) /* after the name and a \0: skew known, skew, at, held */
#define NO_DBI ((MDB_dbi)~0u)      /* a database that a read-only open found missing */
#define REVOCATION_COLL "pencabutan"

/* An invite's state byte in the "invites" database. */
enum { INVITE_LIVE = 0, INVITE_USED = 1, INVITE_EXPIRED = 2 };

/* An origin's verified authority: its region, the time window its whole chain is valid, and the
 * keys from the root down to it (checked against revocations on every changeset). */
struct auth {
	uint8_t pub[PK_PUB_BYTES];
	char region[PK_REGION_MAX + 1];
	uint64_t not_before, not_after;
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int npath;
	bool used;
};

struct store {
	MDB_env *env;
	MDB_dbi meta, log, heads, certs, rec, bykey, forks;
	MDB_dbi invites, peers, refused, revoked; /* NO_DBI when absent from a read-only store */
	MDB_dbi peerheads;                        /* likewise (offline bundles) */
	MDB_dbi revpending;                       /* likewise (revocations ahead of their cert) */
	MDB_dbi held;                             /* likewise (changesets stamped ahead) */
	char path[4096];
	bool rdonly;      /* opened with STORE_RDONLY */
	bool marked_full; /* STORE_FULL_MARK exists (as far as this process knows) */
	const char *mapaddr;
	uint8_t root[PK_PUB_BYTES];
	bool have_root;
	uint64_t max_skew_ms; /* how far ahead of our clock a changeset may be stamped */
	uint64_t max_hold_ms; /* ... and still be held for its time */
	pthread_mutex_t lock; /* guards the authority cache */
	struct auth cache[AUTH_CACHE];
};

/* The one place LMDB's error codes become ours (clock.c calls it as store_lmdb_err). */
static int lmdb_err(int rc)
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

int store_lmdb_err(int rc)
{
	return lmdb_err(rc);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
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
static int txn_commit(struct store *s, MDB_txn *txn)
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
		rc = txn_commit(s, txn);
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

static int meta_get(MDB_txn *txn, struct store *s, const char *name, MDB_val *v)
{
	MDB_val k = {strlen(name), (void *)name};

	return lmdb_err(mdb_get(txn, s->meta, &k, v));
}

static int meta_put(MDB_txn *txn, struct store *s, const char *name, const void *data, size_t len)
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

static int node_read(MDB_txn *txn, struct store *s, struct store_node *n)
{
	MDB_val v;
	int err;

	memset(n, 0, sizeof(*n));
	if ((err = meta_get(txn, s, "pub", &v)) != 0)
		return err;
	if (v.mv_size != PK_PUB_BYTES)
		return PK_ECORRUPT;
	memcpy(n->pub, v.mv_data, PK_PUB_BYTES);
	if ((err = meta_get(txn, s, "root", &v)) != 0 || v.mv_size != PK_PUB_BYTES)
		return err != 0 ? err : PK_ECORRUPT;
	memcpy(n->root, v.mv_data, PK_PUB_BYTES);
	if ((err = meta_get(txn, s, "region", &v)) != 0)
		return err;
	copy_str(n->region, sizeof(n->region), &v);
	if ((err = meta_get(txn, s, "name", &v)) != 0)
		return err;
	copy_str(n->name, sizeof(n->name), &v);
	n->certified = meta_get(txn, s, "certified", &v) == 0;
	return 0;
}

int store_node_get(struct store *s, struct store_node *n)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = node_read(txn, s, n);
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
	if (meta_get(txn, s, "pub", &v) == 0) {
		err = PK_EEXIST;
		goto fail;
	}
	if ((err = meta_put(txn, s, "pub", n->pub, PK_PUB_BYTES)) != 0 ||
	    (err = meta_put(txn, s, "root", n->root, PK_PUB_BYTES)) != 0 ||
	    (err = meta_put(txn, s, "region", n->region, strlen(n->region))) != 0 ||
	    (err = meta_put(txn, s, "name", n->name, strlen(n->name))) != 0)
		goto fail;
	if (memcmp(n->pub, n->root, PK_PUB_BYTES) == 0 &&
	    (err = meta_put(txn, s, "certified", "1", 1)) != 0)
		goto fail;
	if ((rc = txn_commit(s, txn)) != 0)
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
	if (meta_get(txn, s, "serial", &v) == 0 && v.mv_size == 8)
		*serial = get_be64(v.mv_data) + 1;
	put_be64(buf, *serial);
	if ((err = meta_put(txn, s, "serial", buf, 8)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

/* ---- certificates and authority ----------------------------------------------------------- */

static void cache_forget(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	memset(s->cache, 0, sizeof(s->cache));
	pthread_mutex_unlock(&s->lock);
}

static int cert_keep(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d);

/* Loads origin's chain from the certs table, root-issued first. Views point into LMDB pages
 * and are valid while txn is. Returns the chain length or an error. */
static int chain_load(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                      struct pk_cert chain[PK_CHAIN_MAX], struct pk_diag *d)
{
	struct pk_cert tmp[PK_CHAIN_MAX];
	const uint8_t *cur = origin;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	while (n < PK_CHAIN_MAX) {
		k.mv_size = PK_PUB_BYTES;
		k.mv_data = (void *)cur;
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			return pk_diagf(d, PK_ECERT, "no certificate for %s key",
			                n == 0 ? "the origin's" : "an issuer's");
		if (rc != 0)
			return lmdb_err(rc);
		if (pk_cert_decode(v.mv_data, v.mv_size, &tmp[n], d) != 0)
			return pk_diagf(d, PK_ECORRUPT, "stored certificate does not decode");
		cur = tmp[n].info.issuer;
		n++;
		if (memcmp(cur, s->root, PK_PUB_BYTES) == 0) {
			for (size_t i = 0; i < n; i++)
				chain[i] = tmp[n - 1 - i];
			return (int)n;
		}
	}
	return pk_diagf(d, PK_ECERT, "certificate chain longer than %d", PK_CHAIN_MAX);
}

/* The keys from the root down to the subject of chain[n - 1]. Returns n + 1. */
static int chain_path(const struct store *s, const struct pk_cert *chain, int n,
                      uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES])
{
	memcpy(path[0], s->root, PK_PUB_BYTES);
	for (int i = 0; i < n; i++)
		memcpy(path[i + 1], chain[i].info.subject, PK_PUB_BYTES);
	return n + 1;
}

/*
 * The verified authority of origin (not the root): its chain loaded from the certs table and
 * checked as a whole (each certificate issued by the one above, signatures, regions nested,
 * a time at which all are valid), from the cache when it is there. Returns 0, PK_ECERT (no
 * chain held), PK_EEXPIRED (never valid as a whole), another refusal or a store failure.
 */
static int auth_find(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                     struct auth *found, struct pk_diag *d)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	struct auth *slot;
	uint64_t nb = 0, na = UINT64_MAX;
	unsigned h;
	int n, err;

	h = (unsigned)(origin[0] | origin[1] << 8) % AUTH_CACHE;
	slot = &s->cache[h];
	pthread_mutex_lock(&s->lock);
	*found = *slot;
	pthread_mutex_unlock(&s->lock);
	if (found->used && memcmp(found->pub, origin, PK_PUB_BYTES) == 0)
		return 0;
	if ((n = chain_load(txn, s, origin, chain, d)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		nb = chain[i].info.not_before > nb ? chain[i].info.not_before : nb;
		na = chain[i].info.not_after < na ? chain[i].info.not_after : na;
	}
	if (nb > na)
		return pk_diagf(d, PK_EEXPIRED, "certificate chain is never valid as a whole");
	/* Section 8 step 9: a chain that fails (a region outside its issuer's, a signature) is no
	 * valid chain: `no-certificate`, as SPEC names it; only time has its own tag. */
	if ((err = pk_cert_chain_check(s->root, chain, (size_t)n, nb, d)) != 0)
		return err == PK_EEXPIRED || err == PK_ENOMEM ? err : PK_ECERT;
	memset(found, 0, sizeof(*found));
	memcpy(found->pub, origin, PK_PUB_BYTES);
	memcpy(found->region, chain[n - 1].info.region, sizeof(found->region));
	found->not_before = nb;
	found->not_after = na;
	found->npath = chain_path(s, chain, n, found->path);
	found->used = true;
	pthread_mutex_lock(&s->lock);
	*slot = *found;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * The region origin may write, if its chain is valid at `at` (Unix seconds), and the keys from
 * the root down to origin in path (*npath of them).
 */
static int authority(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t at,
                     char region[PK_REGION_MAX + 1], uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                     int *npath, struct pk_diag *d)
{
	struct auth found;
	int err;

	if (!s->have_root)
		return pk_diagf(d, PK_ESTATE, "store has no root key");
	if (memcmp(origin, s->root, PK_PUB_BYTES) == 0) {
		region[0] = '\0';
		memcpy(path[0], s->root, PK_PUB_BYTES);
		*npath = 1;
		return 0;
	}
	if ((err = auth_find(txn, s, origin, &found, d)) != 0)
		return err;
	if (at < found.not_before || at > found.not_after)
		return pk_diagf(d, PK_EEXPIRED,
		                "certificate chain not valid at the changeset's time");
	memcpy(region, found.region, PK_REGION_MAX + 1);
	memcpy(path, found.path, sizeof(found.path));
	*npath = found.npath;
	return 0;
}

/* The revocation of key, if any: its clock in *hlc. Returns 0, PK_ENOTFOUND or an error. */
static int revoked_get(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       uint64_t *hlc)
{
	MDB_val k = {PK_PUB_BYTES, (void *)key}, v;
	int rc;

	if (s->revoked == NO_DBI)
		return PK_ENOTFOUND;
	if ((rc = mdb_get(txn, s->revoked, &k, &v)) != 0)
		return lmdb_err(rc);
	if (v.mv_size != REVOKED_BYTES)
		return PK_ECORRUPT;
	*hlc = get_be64(v.mv_data);
	return 0;
}

/*
 * Step 9's revocation check: PK_EREVOKED when a key on the origin's path was revoked from a
 * clock below hlc. Costs one lookup per key on the path, and nothing while no key is revoked.
 */
static int path_revoked(MDB_txn *txn, struct store *s, uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                        int npath, uint64_t hlc, struct pk_diag *d)
{
	MDB_stat st;
	uint64_t since;
	char hex[17];
	int rc, err;

	if (s->revoked == NO_DBI)
		return 0;
	if ((rc = mdb_stat(txn, s->revoked, &st)) != 0)
		return lmdb_err(rc);
	if (st.ms_entries == 0)
		return 0;
	for (int i = 0; i < npath; i++) {
		err = revoked_get(txn, s, path[i], &since);
		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0)
			return err;
		if (since < hlc) {
			pk_hex(hex, path[i], 8);
			return pk_diagf(d, PK_EREVOKED,
			                "the certificate of %s%s was revoked before the changeset "
			                "was written",
			                i == npath - 1 ? "the origin " : "its ancestor ", hex);
		}
	}
	return 0;
}

int store_install_chain(struct store *s, const uint8_t root[PK_PUB_BYTES],
                        const uint8_t *const *certs, const size_t *lens, size_t n, uint64_t now,
                        struct pk_diag *d)
{
	static const uint8_t none[PK_PUB_BYTES];
	struct pk_cert chain[PK_CHAIN_MAX];
	struct store_node node;
	MDB_txn *txn;
	int rc, err;

	if (n == 0 || n > PK_CHAIN_MAX)
		return pk_diagf(d, PK_ECERT, "a chain holds 1 to %d certificates", PK_CHAIN_MAX);
	for (size_t i = 0; i < n; i++)
		if ((err = pk_cert_decode(certs[i], lens[i], &chain[i], d)) != 0)
			return err;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = node_read(txn, s, &node)) != 0)
		goto fail;
	if (memcmp(node.root, none, PK_PUB_BYTES) != 0 &&
	    memcmp(node.root, root, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificates chain to another national root");
		goto fail;
	}
	if ((err = pk_cert_chain_check(root, chain, n, now, d)) != 0)
		goto fail;
	if (memcmp(chain[n - 1].info.subject, node.pub, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificate is for another node's key");
		goto fail;
	}
	if (strcmp(chain[n - 1].info.region, node.region) != 0) {
		err = pk_diagf(d, PK_EREGION, "the certificate grants region '%s', not '%s'",
		               chain[n - 1].info.region, node.region);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = cert_keep(txn, s, &chain[i], d)) != 0)
			goto fail;
	if ((err = meta_put(txn, s, "root", root, PK_PUB_BYTES)) != 0 ||
	    (err = meta_put(txn, s, "certified", "1", 1)) != 0)
		goto fail;
	if ((rc = txn_commit(s, txn)) != 0) {
		cache_forget(s);
		return store_diag(s, lmdb_err(rc), d);
	}
	memcpy(s->root, root, PK_PUB_BYTES);
	s->have_root = true;
	cache_forget(s);
	return 0;
fail:
	mdb_txn_abort(txn);
	cache_forget(s);
	return store_diag(s, err, d);
}

int store_chain_get(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                    int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	MDB_txn *txn;
	int rc, n;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	n = chain_load(txn, s, origin, chain, NULL);
	for (int i = 0; i < n; i++)
		if (fn(chain[i].raw, chain[i].raw_len, arg) != 0)
			break;
	mdb_txn_abort(txn);
	return n < 0 ? n : 0;
}

/* ---- heads and the log ------------------------------------------------------------------- */

static int head_read(MDB_txn *txn, struct store *s, const uint8_t *origin, struct store_head *h)
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

static int head_write(MDB_txn *txn, struct store *s, const uint8_t *origin,
                      const struct store_head *h)
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
	err = head_read(txn, s, origin, h);
	mdb_txn_abort(txn);
	return err;
}

static void log_key(uint8_t key[PK_PUB_BYTES + 8], const uint8_t *origin, uint64_t seq)
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
	log_key(key, origin, seq);
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
static int fork_record(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
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
static size_t rec_key(uint8_t *buf, const struct pk_op *op, bool index)
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

#define REC_KEY_MAX (PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 2)

/* (hlc, origin) ordering: negative when a < b. */
static int version_cmp(uint64_t ha, const uint8_t *oa, uint64_t hb, const uint8_t *ob)
{
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return memcmp(oa, ob, PK_PUB_BYTES);
}

/* Last writer wins. Within one changeset a later op on the same record replaces an earlier one
 * (equal versions), so the order of ops is the order of effect. */
static int rec_apply(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                     const struct pk_op *op, uint8_t *scratch)
{
	uint8_t key[REC_KEY_MAX], ikey[REC_KEY_MAX];
	MDB_val k = {rec_key(key, op, false), key}, v, ik;
	const uint8_t *old;
	size_t len = REC_META + op->value_len;
	int rc;

	rc = mdb_get(txn, s->rec, &k, &v);
	if (rc == 0) {
		if (v.mv_size < REC_META)
			return PK_ECORRUPT;
		old = v.mv_data;
		if (version_cmp(cs->hlc, cs->origin, get_be64(old), old + 8) < 0)
			return 0;
	} else if (rc == MDB_NOTFOUND) {
		ik.mv_size = rec_key(ikey, op, true);
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

/* ---- revocations ------------------------------------------------------------------------- */

static bool is_revocation(const struct pk_op *op)
{
	return op->value != NULL && op->coll_len == strlen(REVOCATION_COLL) &&
	       memcmp(op->coll, REVOCATION_COLL, op->coll_len) == 0;
}

/* The key a revocation names (its `kunci` field), from a value the schema has accepted. */
static int revocation_key(const struct pk_op *op, uint8_t key[PK_PUB_BYTES])
{
	struct pk_mpr r;
	const char *name, *hex;
	uint32_t n, nlen, hlen;

	pk_mpr_init(&r, op->value, op->value_len);
	if (pk_mpr_map(&r, &n) != 0)
		return PK_EDECODE;
	for (uint32_t i = 0; i < n; i++) {
		if (pk_mpr_str(&r, &name, &nlen) != 0)
			return PK_EDECODE;
		if (nlen == 5 && memcmp(name, "kunci", 5) == 0) {
			if (pk_mpr_str(&r, &hex, &hlen) != 0)
				return PK_EDECODE;
			return pk_unhex(key, PK_PUB_BYTES, hex, hlen) == 0 ? 0 : PK_EDECODE;
		}
		if (pk_mpr_skip(&r, 2) != 0)
			return PK_EDECODE;
	}
	return PK_EDECODE;
}

/*
 * Step 12 (SPEC section 8): every revocation names a key other than the root's, and, when this
 * store holds that key's certificate, is filed under the certificate's region. Returns 0, a
 * refusal (PK_EREGION, PK_EDECODE) with a sentence in d, or a store failure.
 */
static int revocations_check(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                             struct pk_diag *d)
{
	uint8_t key[PK_PUB_BYTES];
	struct pk_cs_iter it;
	struct pk_cert c;
	struct pk_op op;
	MDB_val k = {PK_PUB_BYTES, key}, v;
	int rc;

	pk_cs_iter_init(&it, cs);
	for (uint32_t i = 0; pk_cs_iter_next(&it, &op); i++) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return pk_diagf(d, PK_EDECODE, "operation %u: revocation names no key", i);
		if (memcmp(key, s->root, PK_PUB_BYTES) == 0)
			return pk_diagf(d, PK_EREGION, "operation %u revokes the root key", i);
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return lmdb_err(rc);
		if (pk_cert_decode(v.mv_data, v.mv_size, &c, NULL) != 0)
			return PK_ECORRUPT;
		if (strlen(c.info.region) != op.region_len ||
		    memcmp(c.info.region, op.region, op.region_len) != 0)
			return pk_diagf(
			    d, PK_EREGION,
			    "operation %u revokes a certificate of region '%s' in region "
			    "'%.*s'",
			    i, c.info.region, (int)op.region_len, op.region);
	}
	return 0;
}

/*
 * Records key as revoked from `by` (REVOKED_BYTES: the revoking changeset's hlc, origin and
 * seq), keeping the earliest clock when revoked twice.
 */
static int revoked_put(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const uint8_t by[REVOKED_BYTES])
{
	MDB_val k = {PK_PUB_BYTES, (void *)key}, v = {REVOKED_BYTES, (void *)by};
	uint64_t since;
	int err;

	err = revoked_get(txn, s, key, &since);
	if (err == 0 && since <= get_be64(by))
		return 0;
	if (err != 0 && err != PK_ENOTFOUND)
		return err;
	return lmdb_err(mdb_put(txn, s->revoked, &k, &v, 0));
}

/* A revocation's entry: the revoking changeset's hlc, origin and seq. */
static void revoked_by(uint8_t by[REVOKED_BYTES], const struct pk_changeset *cs)
{
	put_be64(by, cs->hlc);
	memcpy(by + 8, cs->origin, PK_PUB_BYTES);
	put_be64(by + 8 + PK_PUB_BYTES, cs->seq);
}

/*
 * Keeps a revocation of a key whose certificate is not held yet in `revpending`, under
 * key ‖ the op's region, the earliest per (key, region). It takes effect when the certificate
 * arrives and its region is that region (revocations_settle); SPEC section 9.
 */
static int pending_put(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const struct pk_op *op, const uint8_t by[REVOKED_BYTES])
{
	uint8_t kb[PK_PUB_BYTES + PK_REGION_MAX];
	MDB_val k = {PK_PUB_BYTES + op->region_len, kb}, v, nv = {REVOKED_BYTES, (void *)by};
	int rc;

	if (s->revpending == NO_DBI || op->region_len > PK_REGION_MAX)
		return PK_ESTORE;
	memcpy(kb, key, PK_PUB_BYTES);
	memcpy(kb + PK_PUB_BYTES, op->region, op->region_len);
	rc = mdb_get(txn, s->revpending, &k, &v);
	if (rc == 0 && v.mv_size == REVOKED_BYTES && get_be64(v.mv_data) <= get_be64(by))
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_err(rc);
	return lmdb_err(mdb_put(txn, s->revpending, &k, &nv, 0));
}

/*
 * The certificate c has just been stored for a subject this store held no certificate of:
 * the pending revocations of its key filed under its region take effect, the others (filed
 * under another region: by a node that does not cover it) are dropped. Costs one cursor step
 * per pending entry of the key, nothing when there is none.
 */
static int revocations_settle(MDB_txn *txn, struct store *s, const struct pk_cert *c)
{
	MDB_cursor *cur;
	MDB_val k = {PK_PUB_BYTES, (void *)c->info.subject}, v;
	size_t rlen = strlen(c->info.region);
	int rc, err = 0;

	if (s->revpending == NO_DBI)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->revpending, &cur)) != 0)
		return lmdb_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < PK_PUB_BYTES ||
		    memcmp(k.mv_data, c->info.subject, PK_PUB_BYTES) != 0)
			break;
		if (v.mv_size != REVOKED_BYTES) {
			err = PK_ECORRUPT;
			break;
		}
		if (k.mv_size - PK_PUB_BYTES == rlen &&
		    memcmp((const uint8_t *)k.mv_data + PK_PUB_BYTES, c->info.region, rlen) == 0 &&
		    (err = revoked_put(txn, s, c->info.subject, v.mv_data)) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (err != 0)
		return err;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : lmdb_err(rc);
}

/*
 * Records the revocations of an accepted changeset (checked by revocations_check): at once
 * when the revoked key's certificate is held (its region was checked), else as pending.
 */
static int revocations_record(MDB_txn *txn, struct store *s, const struct pk_changeset *cs)
{
	uint8_t key[PK_PUB_BYTES], by[REVOKED_BYTES];
	MDB_val k = {PK_PUB_BYTES, key}, v;
	struct pk_cs_iter it;
	struct pk_op op;
	bool any = false;
	int rc, err;

	revoked_by(by, cs);
	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return PK_ECORRUPT; /* revocations_check passed it */
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			err = pending_put(txn, s, key, &op, by);
		else if (rc == 0)
			err = revoked_put(txn, s, key, by);
		else
			err = lmdb_err(rc);
		if (err != 0)
			return err;
		any = true;
	}
	/* The cache holds chains, not revocations, so this is not needed for correctness today;
	 * it keeps a revocation from ever being masked by a cached verdict. */
	if (any)
		cache_forget(s);
	return 0;
}

int store_revoked(struct store *s, const uint8_t key[PK_PUB_BYTES], uint64_t *since_hlc)
{
	MDB_txn *txn;
	uint64_t hlc = 0;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = revoked_get(txn, s, key, &hlc);
	mdb_txn_abort(txn);
	if (err == 0 && since_hlc != NULL)
		*since_hlc = hlc;
	return err;
}

/* ---- storing certificates (SPEC section 7, "Storing certificates") ------------------- */

/*
 * Whether c chains to the root through the certificates held (its issuer is the root, or a key
 * whose held chain checks): issuer's signature, region within the issuer's, a time at which c
 * and its issuer's whole chain are valid, the chain no longer than PK_CHAIN_MAX. Returns 0,
 * PK_ENOTFOUND when the issuer's certificate is not held (it may come later in the same
 * message), a refusal (PK_ESIG, PK_ECERT, PK_EEXPIRED) with a sentence, or a store failure.
 */
static int cert_link(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d)
{
	const struct pk_cert_info *in = &c->info;
	struct auth up;
	char hex[17];
	int err;

	if (!s->have_root)
		return pk_diagf(d, PK_ESTATE, "this node has no root key yet");
	if (memcmp(in->subject, s->root, PK_PUB_BYTES) == 0)
		return pk_diagf(d, PK_ECERT, "a certificate for the national (root) key");
	if (memcmp(in->issuer, s->root, PK_PUB_BYTES) == 0) {
		memset(&up, 0, sizeof(up));
		up.not_after = UINT64_MAX;
		up.npath = 1;
	} else {
		err = auth_find(txn, s, in->issuer, &up, d);
		if (err == PK_ECERT) {
			pk_hex(hex, in->issuer, 8);
			pk_diagf(d, PK_ECERT,
			         "its issuer %s... has no certificate chain to the root here", hex);
			return PK_ENOTFOUND;
		}
		if (err != 0)
			return err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT
			           ? err
			           : pk_diagf(d, PK_ECERT, "its issuer's chain does not hold: %s",
			                      d != NULL ? d->msg : "");
	}
	if (up.npath >= PK_CHAIN_MAX + 1)
		return pk_diagf(d, PK_ECERT, "the chain would be longer than %d certificates",
		                PK_CHAIN_MAX);
	if (!pk_cert_sig_ok(c))
		return pk_diagf(d, PK_ESIG, "the issuer's signature does not verify");
	if (!pk_region_within(in->region, strlen(in->region), up.region, strlen(up.region)))
		return pk_diagf(d, PK_ECERT, "region '%s' lies outside its issuer's region '%s'",
		                in->region, up.region[0] ? up.region : "(national)");
	if ((in->not_before > up.not_before ? in->not_before : up.not_before) >
	    (in->not_after < up.not_after ? in->not_after : up.not_after))
		return pk_diagf(d, PK_EEXPIRED,
		                "never valid at the same time as its issuer's chain");
	return 0;
}

/*
 * Keeps c unless a different certificate is held for its subject that c does not supersede:
 * same issuer, same region, a higher serial and a validity window containing the held one's,
 * so that nothing the held certificate authorised stops being authorised. Identical bytes:
 * nothing to do. A first certificate for the subject settles its pending revocations.
 */
static int cert_keep(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d)
{
	const struct pk_cert_info *in = &c->info;
	MDB_val k = {PK_PUB_BYTES, (void *)in->subject}, v, nv = {c->raw_len, (void *)c->raw};
	struct pk_cert held;
	char hex[17];
	int rc;

	rc = mdb_get(txn, s->certs, &k, &v);
	if (rc == MDB_NOTFOUND) {
		if ((rc = mdb_put(txn, s->certs, &k, &nv, 0)) != 0)
			return lmdb_err(rc);
		return revocations_settle(txn, s, c);
	}
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size == c->raw_len && memcmp(v.mv_data, c->raw, c->raw_len) == 0)
		return 0;
	if (pk_cert_decode(v.mv_data, v.mv_size, &held, NULL) != 0)
		return PK_ECORRUPT;
	if (memcmp(held.info.issuer, in->issuer, PK_PUB_BYTES) != 0 ||
	    strcmp(held.info.region, in->region) != 0 || in->serial <= held.info.serial ||
	    in->not_before > held.info.not_before || in->not_after < held.info.not_after) {
		pk_hex(hex, in->subject, 8);
		return pk_diagf(d, PK_ECONFLICT,
		                "a different certificate is held for key %s... ('%s', region '%s', "
		                "serial %llu); only a renewal by the same issuer for the same "
		                "region with a higher serial and a validity covering the held "
		                "one replaces it",
		                hex, held.info.name, held.info.region,
		                (unsigned long long)held.info.serial);
	}
	if ((rc = mdb_put(txn, s->certs, &k, &nv, 0)) != 0)
		return lmdb_err(rc);
	cache_forget(s);
	return 0;
}

int store_certs_put(struct store *s, const struct store_blob *certs, size_t n, int *errs,
                    struct pk_diag *whys, size_t *stored)
{
	struct pk_cert *c = NULL;
	struct pk_diag scratch;
	MDB_txn *txn = NULL;
	size_t left = 0, kept = 0;
	bool progress = true;
	int rc, err = 0;

	if (stored != NULL)
		*stored = 0;
	if (n == 0)
		return 0;
	if ((c = calloc(n, sizeof(*c))) == NULL)
		return PK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct pk_diag *d = whys != NULL ? &whys[i] : &scratch;

		errs[i] = pk_cert_decode(certs[i].data, certs[i].len, &c[i], d);
		if (errs[i] == 0) {
			errs[i] = PK_ENOTFOUND; /* to be tried */
			left++;
		}
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		err = lmdb_err(rc);
		goto out;
	}
	/*
	 * A certificate whose issuer is certified by another certificate of the same message
	 * waits for it: each pass stores those whose issuer is held by now. A chain is at most
	 * PK_CHAIN_MAX long, so at most that many passes store anything: O(n) in all.
	 */
	for (int pass = 0; left > 0 && progress && pass < PK_CHAIN_MAX; pass++) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			struct pk_diag *d = whys != NULL ? &whys[i] : &scratch;

			if (errs[i] != PK_ENOTFOUND)
				continue;
			err = cert_link(txn, s, &c[i], d);
			if (err == 0)
				err = cert_keep(txn, s, &c[i], d);
			if (err == PK_ENOTFOUND)
				continue;
			if (err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT ||
			    err == PK_EIO)
				goto out;
			errs[i] = err;
			left--;
			if (err == 0) {
				kept++;
				progress = true;
			}
		}
	}
	/* What is left has no chain to the root: its issuer's certificate is not held here and
	 * the message did not carry one that chains. */
	for (size_t i = 0; i < n; i++)
		if (errs[i] == PK_ENOTFOUND)
			errs[i] = PK_ECERT; /* the sentence was filled by cert_link */
	err = 0;
	rc = txn_commit(s, txn);
	txn = NULL;
	if (rc != 0)
		err = lmdb_err(rc);
	else if (stored != NULL)
		*stored = kept;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (err != 0)
		cache_forget(s); /* it may hold chains of this aborted transaction */
	free(c);
	return err;
}

int store_cert_get(struct store *s, const uint8_t subject[PK_PUB_BYTES], uint8_t *buf, size_t *len)
{
	MDB_val k = {PK_PUB_BYTES, (void *)subject}, v;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	rc = mdb_get(txn, s->certs, &k, &v);
	if (rc == 0 && v.mv_size > PK_CERT_MAX_BYTES)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		memcpy(buf, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_txn_abort(txn);
	return lmdb_err(rc);
}

int store_cert_put(struct store *s, const uint8_t *cert, size_t len, struct pk_diag *d)
{
	struct store_blob b = {cert, len};
	struct pk_diag why = {""};
	int one, err;

	if ((err = store_certs_put(s, &b, 1, &one, &why, NULL)) != 0)
		return err == PK_ENOSPC ? store_diag(s, err, d)
		                        : pk_diagf(d, err, "%s", pk_strerror(err));
	if (one != 0 && d != NULL)
		*d = why;
	return one;
}

/* ---- applying ----------------------------------------------------------------------------- */

struct pending {
	struct pk_changeset cs;
	uint8_t hash[PK_HASH_BYTES];
	struct store_outcome *out;
};

/* Decodes, checks the signature and hashes: the part that needs no store, run on threads. */
static void precheck(struct pending *p, const struct store_blob *b)
{
	p->out->err = pk_cs_decode(b->data, b->len, &p->cs, &p->out->why);
	if (p->out->err != 0)
		return;
	if (!pk_cs_sig_ok(&p->cs)) {
		p->out->err =
		    pk_diagf(&p->out->why, PK_ESIG, "changeset signature does not verify");
		return;
	}
	pk_cs_hash(&p->cs, p->hash);
}

/*
 * Checks one prechecked changeset against the store and writes it. Returns 0 with the outcome
 * in p->out (applied, held already, or refused), or a store failure, after which the whole
 * transaction must be aborted. scratch holds REC_META + PK_VALUE_MAX_BYTES.
 */
static int apply_one(MDB_txn *txn, struct store *s, struct pending *p, uint64_t now_ms,
                     uint8_t *scratch)
{
	const struct pk_changeset *cs = &p->cs;
	struct store_outcome *o = p->out;
	char region[PK_REGION_MAX + 1];
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int npath = 0;
	uint8_t lk[PK_PUB_BYTES + 8];
	MDB_val k = {sizeof(lk), lk}, v;
	struct store_head h;
	struct pk_cs_iter it;
	struct pk_op op;
	uint8_t hlcbuf[8];
	enum clock_route route;
	int rc, err;

	if ((err = head_read(txn, s, cs->origin, &h)) != 0)
		return err;
	if (h.forked) {
		o->err = pk_diagf(&o->why, PK_EFORKED, "origin has forked its log; refused");
		return 0;
	}
	/* Changesets held for their time (clock.c) come before the log's checks. */
	if ((err = clock_route(txn, s, cs, &h, now_ms, o, &route, &v)) != 0)
		return err;
	if (route == CLOCK_DONE)
		return 0;
	log_key(lk, cs->origin, cs->seq);
	if (route == CLOCK_FORK || cs->seq <= h.seq) {
		if (route != CLOCK_FORK && (rc = mdb_get(txn, s->log, &k, &v)) != 0)
			return rc == MDB_NOTFOUND ? PK_ECORRUPT : lmdb_err(rc);
		if (route != CLOCK_FORK && v.mv_size == cs->raw_len &&
		    memcmp(v.mv_data, cs->raw, cs->raw_len) == 0) {
			o->err = PK_EEXIST;
			return 0;
		}
		if ((err = fork_record(txn, s, cs, &v)) != 0)
			return err;
		if (route == CLOCK_FORK && (err = clock_route_drop(txn, s, cs->origin)) != 0)
			return err;
		h.forked = true;
		if ((err = head_write(txn, s, cs->origin, &h)) != 0)
			return err;
		o->err = pk_diagf(&o->why, PK_EFORK, "second changeset for sequence %llu",
		                  (unsigned long long)cs->seq);
		return 0;
	}
	if (route == CLOCK_GO && cs->seq > h.seq + 1) {
		o->err = pk_diagf(&o->why, PK_EGAP, "sequence %llu arrived before %llu",
		                  (unsigned long long)cs->seq, (unsigned long long)h.seq + 1);
		return 0;
	}
	if (route == CLOCK_GO && h.seq > 0 && memcmp(cs->prev, h.hash, PK_HASH_BYTES) != 0) {
		o->err = pk_diagf(&o->why, PK_ECHAIN, "previous hash does not match sequence %llu",
		                  (unsigned long long)h.seq);
		return 0;
	}
	if (route == CLOCK_GO && cs->hlc <= h.hlc) {
		o->err = pk_diagf(&o->why, PK_ECHAIN,
		                  "clock does not advance past the previous "
		                  "changeset's");
		return 0;
	}
	/* Step 8: stamped ahead, within the hold bound: held once steps 9 to 12 pass. */
	if (route == CLOCK_GO && (rc = clock_ahead(s, cs, now_ms, o)) != 0) {
		if (rc < 0)
			return 0;
		route = CLOCK_HOLD;
	}
	err =
	    authority(txn, s, cs->origin, pk_hlc_ms(cs->hlc) / 1000, region, path, &npath, &o->why);
	if (err == 0)
		err = path_revoked(txn, s, path, npath, cs->hlc, &o->why);
	if (err == PK_ESTORE || err == PK_ENOMEM)
		return err;
	if (err != 0) {
		o->err = err;
		return 0;
	}
	pk_cs_iter_init(&it, cs);
	for (uint32_t i = 0; pk_cs_iter_next(&it, &op); i++) {
		if (!pk_region_within(op.region, op.region_len, region, strlen(region))) {
			o->err = pk_diagf(&o->why, PK_EREGION,
			                  "operation %u writes region '%.*s' outside the origin's "
			                  "'%s'",
			                  i, (int)op.region_len, op.region, region);
			return 0;
		}
	}
	if ((o->err = pk_cs_check_records(cs, &o->why)) != 0)
		return 0;
	err = revocations_check(txn, s, cs, &o->why);
	if (err == PK_EREGION || err == PK_EDECODE) {
		o->err = err;
		return 0;
	}
	if (err != 0)
		return err;
	if (route == CLOCK_HOLD)
		return clock_hold(txn, s, cs, now_ms, o);

	/* Accepted: from here on any failure is the store's and aborts the transaction. */
	v.mv_size = cs->raw_len;
	v.mv_data = (void *)cs->raw;
	if ((rc = mdb_put(txn, s->log, &k, &v, 0)) != 0)
		return lmdb_err(rc);
	h.seq = cs->seq;
	memcpy(h.hash, p->hash, PK_HASH_BYTES);
	h.hlc = cs->hlc;
	if ((err = head_write(txn, s, cs->origin, &h)) != 0)
		return err;
	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op))
		if ((err = rec_apply(txn, s, cs, &op, scratch)) != 0)
			return err;
	if ((err = revocations_record(txn, s, cs)) != 0)
		return err;
	if (meta_get(txn, s, "hlc", &v) != 0 || v.mv_size != 8 || get_be64(v.mv_data) < cs->hlc) {
		put_be64(hlcbuf, cs->hlc);
		if ((err = meta_put(txn, s, "hlc", hlcbuf, 8)) != 0)
			return err;
	}
	o->err = 0;
	return 0;
}

struct worker {
	pthread_t tid;
	struct pending *p;
	const struct store_blob *b;
	size_t from, to;
};

static void *precheck_range(void *arg)
{
	struct worker *w = arg;

	for (size_t i = w->from; i < w->to; i++)
		precheck(&w->p[i], &w->b[i]);
	return NULL;
}

/* Runs precheck over all n, on up to `threads` threads (the caller's among them). */
static void precheck_all(struct pending *p, const struct store_blob *b, size_t n, int threads)
{
	struct worker w[16];
	size_t per;
	int t, started = 0;

	if (threads < 1 || n < 64)
		threads = 1;
	if (threads > 16)
		threads = 16;
	per = (n + (size_t)threads - 1) / (size_t)threads;
	for (t = 0; t < threads; t++) {
		w[t].p = p;
		w[t].b = b;
		w[t].from = (size_t)t * per;
		w[t].to = w[t].from + per < n ? w[t].from + per : n;
		if (w[t].from > n)
			w[t].from = n;
	}
	/* Start workers for all slices but the first; a failed start runs that slice here. */
	for (t = 1; t < threads; t++) {
		if (pthread_create(&w[t].tid, NULL, precheck_range, &w[t]) != 0)
			precheck_range(&w[t]);
		else
			started |= 1 << t;
	}
	precheck_range(&w[0]);
	for (t = 1; t < threads; t++)
		if (started & (1 << t))
			pthread_join(w[t].tid, NULL);
}

/* Adds count to the refusals kept under tag. */
static int refused_add(MDB_txn *txn, struct store *s, const char *tag, uint64_t count)
{
	MDB_val k = {strlen(tag), (void *)tag}, v;
	uint8_t buf[8];
	uint64_t held = 0;
	int rc;

	rc = mdb_get(txn, s->refused, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		held = get_be64(v.mv_data);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_err(rc);
	put_be64(buf, held + count > held ? held + count : UINT64_MAX);
	v.mv_size = 8;
	v.mv_data = buf;
	return lmdb_err(mdb_put(txn, s->refused, &k, &v, 0));
}

/* Counts the batch's refusals by reason (a duplicate is not a refusal), in the batch's
 * transaction: one update per reason, not per changeset. */
static int refusals_count(MDB_txn *txn, struct store *s, const struct store_outcome *out, size_t n)
{
	uint64_t counts[PK_ERR_COUNT] = {0};
	int err;

	for (size_t i = 0; i < n; i++) {
		int e = out[i].err;

		if (e < 0 && e != PK_EEXIST && e != PK_EHELD)
			counts[-e < PK_ERR_COUNT ? -e : 0]++; /* slot 0: an unknown code */
	}
	for (int e = 0; e < PK_ERR_COUNT; e++)
		if (counts[e] != 0 &&
		    (err = refused_add(txn, s, e == 0 ? "unknown" : pk_errtag(-e), counts[e])) != 0)
			return err;
	return 0;
}

int store_apply(struct store *s, const struct store_blob *cs, size_t n, int threads,
                uint64_t now_ms, struct store_outcome *out)
{
	struct pending *p;
	uint8_t *scratch;
	MDB_txn *txn = NULL;
	int rc, err = 0;

	p = calloc(n ? n : 1, sizeof(*p));
	scratch = malloc(REC_META + PK_VALUE_MAX_BYTES);
	if (p == NULL || scratch == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		p[i].out = &out[i];
		out[i].why.msg[0] = '\0';
	}
	precheck_all(p, cs, n, threads);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		err = lmdb_err(rc);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[i].err != 0)
			continue;
		if ((err = apply_one(txn, s, &p[i], now_ms, scratch)) != 0)
			goto out;
	}
	if ((err = refusals_count(txn, s, out, n)) != 0)
		goto out;
	rc = txn_commit(s, txn);
	txn = NULL;
	err = lmdb_err(rc);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(scratch);
	free(p);
	return err;
}

/* ---- restore fence ------------------------------------------------------------------------- */

/* meta "fence": need (u64 BE, the highest sequence of this node's own log a peer reported) and
 * heard (1 byte: a decisive peer has reported). Absent: the node writes freely. */
#define FENCE_BYTES 9

static int fence_read(MDB_txn *txn, struct store *s, struct store_fence *f)
{
	MDB_val v;
	int err;

	memset(f, 0, sizeof(*f));
	if ((err = meta_get(txn, s, "fence", &v)) != 0)
		return err;
	if (v.mv_size != FENCE_BYTES)
		return PK_ECORRUPT;
	f->fenced = true;
	f->need = get_be64(v.mv_data);
	f->heard = ((const uint8_t *)v.mv_data)[8] != 0;
	return 0;
}

static int fence_write(MDB_txn *txn, struct store *s, const struct store_fence *f)
{
	uint8_t buf[FENCE_BYTES];

	put_be64(buf, f->need);
	buf[8] = f->heard ? 1 : 0;
	return meta_put(txn, s, "fence", buf, sizeof(buf));
}

static int fence_drop(MDB_txn *txn, struct store *s)
{
	MDB_val k = {5, (void *)"fence"};
	int rc = mdb_del(txn, s->meta, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

/* In store_write's transaction: lifts a fence whose condition is met, refuses while it holds. */
static int fence_check(MDB_txn *txn, struct store *s, uint64_t have, struct pk_diag *d)
{
	struct store_fence f;
	int err = fence_read(txn, s, &f);

	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (f.heard && have >= f.need)
		return fence_drop(txn, s);
	/* pk_diag holds 255 bytes: keep these short. */
	if (!f.heard)
		return pk_diagf(
		    d, PK_ESTATE,
		    "restored from a backup: own latest sequence not yet heard from peers "
		    "(holds up to %llu); writing could fork this node's log. Run pokjad "
		    "until it reaches its peers, or 'pokjactl allow-writes'",
		    (unsigned long long)have);
	return pk_diagf(d, PK_ESTATE,
	                "restored from a backup: still getting own changesets back from peers "
	                "(holds %llu of %llu); writing could fork this node's log. Let pokjad "
	                "finish, or 'pokjactl allow-writes'",
	                (unsigned long long)have, (unsigned long long)f.need);
}

int store_fence_set(struct store *s)
{
	struct store_fence f = {.fenced = true};
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_write(txn, s, &f)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

int store_fence_note(struct store *s, uint64_t seq, bool decisive)
{
	struct store_fence f;
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = fence_read(txn, s, &f);
	mdb_txn_abort(txn);
	if (err != 0)
		return err == PK_ENOTFOUND ? 0 : err; /* the common case: no fence, no write */
	if (f.need >= seq && (f.heard || !decisive))
		return 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_read(txn, s, &f)) == 0) {
		if (seq > f.need)
			f.need = seq;
		f.heard = f.heard || decisive;
		err = fence_write(txn, s, &f);
	}
	if (err != 0) {
		mdb_txn_abort(txn);
		return err == PK_ENOTFOUND ? 0 : err;
	}
	return lmdb_err(txn_commit(s, txn));
}

int store_fence_get(struct store *s, struct store_fence *f)
{
	struct store_node node;
	struct store_head h;
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_read(txn, s, f)) == 0 && (err = node_read(txn, s, &node)) == 0 &&
	    (err = head_read(txn, s, node.pub, &h)) == 0)
		f->have = h.seq;
	mdb_txn_abort(txn);
	return err;
}

int store_fence_lift(struct store *s)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_drop(txn, s)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

/* ---- backup ------------------------------------------------------------------------------- */

int store_backup(struct store *s, int fd)
{
	int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);

	return rc == 0 ? 0 : rc > 0 ? (errno = rc, pk_errno_err(rc)) : lmdb_err(rc);
}

int store_write(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                size_t nops, uint64_t now_ms, struct store_written *w,
                void (*progress)(size_t done, size_t total, void *arg), void *arg,
                struct pk_diag *d)
{
	struct store_node node;
	struct store_head h;
	struct store_outcome o;
	struct pending p;
	struct pk_cs_head ch;
	uint8_t *scratch, *buf = NULL;
	size_t len, done = 0, size, count;
	MDB_txn *txn = NULL;
	MDB_val v;
	uint64_t last = 0;
	int rc, err;

	memset(w, 0, sizeof(*w));
	if (nops == 0)
		return pk_diagf(d, PK_EINVAL, "nothing to write");
	if ((scratch = malloc(REC_META + PK_VALUE_MAX_BYTES)) == NULL)
		return PK_ENOMEM;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		err = lmdb_err(rc);
		goto out;
	}
	if ((err = node_read(txn, s, &node)) != 0)
		goto out;
	if (memcmp(sec + PK_SEED_BYTES, node.pub, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_EPERM, "the key does not belong to this store's node");
		goto out;
	}
	if (!node.certified) {
		err = pk_diagf(d, PK_ECERT, "this node has no certificate yet; it cannot write");
		goto out;
	}
	if ((err = head_read(txn, s, node.pub, &h)) != 0)
		goto out;
	if ((err = fence_check(txn, s, h.seq, d)) != 0)
		goto out;
	/* SPEC section 4: never stamp far from the clocks the peers report. */
	if ((err = clock_write_check(txn, s, memcmp(node.pub, node.root, PK_PUB_BYTES) == 0, d)) !=
	    0)
		goto out;
	if (meta_get(txn, s, "hlc", &v) == 0 && v.mv_size == 8)
		last = get_be64(v.mv_data);
	while (done < nops) {
		/* As many ops as fit in one changeset under both limits. */
		size = 256;
		for (count = 0; done + count < nops && count < PK_CS_MAX_OPS; count++) {
			size_t one = pk_cs_op_size(&ops[done + count]);
			if (size + one > PK_CS_MAX_BYTES)
				break;
			size += one;
		}
		if (count == 0) {
			err = pk_diagf(d, PK_ETOOBIG, "operation %zu is larger than a changeset",
			               done);
			goto out;
		}
		ch.seq = h.seq + 1;
		memcpy(ch.prev, h.hash, PK_HASH_BYTES);
		ch.hlc = pk_hlc_next(last > h.hlc ? last : h.hlc, now_ms);
		if ((err = pk_cs_encode(&ch, ops + done, (uint32_t)count, node.pub, sec, &buf,
		                        &len)) != 0)
			goto out;
		memset(&p, 0, sizeof(p));
		p.out = &o;
		precheck(&p, &(struct store_blob){buf, len});
		if (o.err == 0 && (err = apply_one(txn, s, &p, 0, scratch)) != 0)
			goto out;
		if (o.err != 0) {
			err = pk_diagf(d, o.err, "%s", o.why.msg);
			goto out;
		}
		free(buf);
		buf = NULL;
		if (w->first_seq == 0)
			w->first_seq = ch.seq;
		w->last_seq = ch.seq;
		w->changesets++;
		h.seq = ch.seq;
		memcpy(h.hash, p.hash, PK_HASH_BYTES);
		h.hlc = ch.hlc;
		last = ch.hlc;
		done += count;
		if (progress != NULL)
			progress(done, nops, arg);
	}
	rc = txn_commit(s, txn);
	txn = NULL;
	err = lmdb_err(rc);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (err != 0)
		memset(w, 0, sizeof(*w));
	free(buf);
	free(scratch);
	return store_diag(s, err, d);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* A copied entry from a scan page. */
struct entry {
	uint8_t *key, *val;
	size_t klen, vlen;
	size_t offset; /* of the value in the data file */
};

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
static int scan(struct store *s, MDB_dbi dbi, const void *prefix, size_t plen,
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
static int rec_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      size_t offset, struct store_record *r)
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

	if ((err = rec_decode(e->key, e->klen, e->val, e->vlen, e->offset, &r)) != 0)
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
	err = scan(s, s->rec, prefix, (size_t)n, list_visit, &c);
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
		if ((err = rec_decode(
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

	return scan(s, s->log, origin, origin ? PK_PUB_BYTES : 0, log_visit, &c);
}

/* ---- replication support ---------------------------------------------------------------- */

int store_origin_path(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                      uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES])
{
	struct pk_cert chain[PK_CHAIN_MAX];
	MDB_txn *txn;
	int rc, n;

	if (!s->have_root)
		return PK_ECERT;
	if (memcmp(origin, s->root, PK_PUB_BYTES) == 0) {
		memcpy(path[0], s->root, PK_PUB_BYTES);
		return 1;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	n = chain_load(txn, s, origin, chain, NULL);
	if (n > 0)
		n = chain_path(s, chain, n, path);
	mdb_txn_abort(txn);
	return n;
}

static bool on_path(uint8_t path[][PK_PUB_BYTES], int n, const uint8_t key[PK_PUB_BYTES])
{
	for (int i = 0; i < n; i++)
		if (memcmp(path[i], key, PK_PUB_BYTES) == 0)
			return true;
	return false;
}

bool store_in_lineage(struct store *s, uint8_t who_path[][PK_PUB_BYTES], int who_n,
                      const uint8_t origin[PK_PUB_BYTES])
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int n;

	if (who_n < 1)
		return false;
	if (on_path(who_path, who_n, origin))
		return true;
	n = store_origin_path(s, origin, path);
	return n > 0 && on_path(path, n, who_path[who_n - 1]);
}

bool store_chain_held(struct store *s, const uint8_t origin[PK_PUB_BYTES])
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];

	return store_origin_path(s, origin, path) > 0;
}

bool store_in_subtree(struct store *s, const uint8_t who[PK_PUB_BYTES],
                      const uint8_t origin[PK_PUB_BYTES])
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int n = store_origin_path(s, origin, path);

	return n > 0 && on_path(path, n, who);
}

struct heads_ctx {
	int (*fn)(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg);
	void *arg;
	int calls;
};

static int heads_visit(const struct entry *e, void *arg)
{
	struct heads_ctx *c = arg;
	struct store_head h;

	if (e->klen != PK_PUB_BYTES || e->vlen != HEAD_BYTES)
		return PK_ECORRUPT;
	h.seq = get_be64(e->val);
	memcpy(h.hash, e->val + 8, PK_HASH_BYTES);
	h.hlc = get_be64(e->val + 8 + PK_HASH_BYTES);
	h.forked = e->val[HEAD_BYTES - 1] != 0;
	c->calls++;
	return c->fn(e->key, &h, c->arg) != 0 ? 1 : 0;
}

int store_heads(struct store *s,
                int (*fn)(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h,
                          void *arg),
                void *arg)
{
	struct heads_ctx c = {fn, arg, 0};
	int err = scan(s, s->heads, NULL, 0, heads_visit, &c);

	return err < 0 ? err : c.calls;
}

int store_log_after(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t after,
                    size_t max_bytes, size_t max_count,
                    int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg)
{
	uint8_t key[PK_PUB_BYTES + 8], *buf = NULL;
	size_t *lens = NULL, total = 0, count = 0, cap = 0;
	MDB_val k = {sizeof(key), key}, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn = NULL;
	int rc, err = 0, given = 0;

	if (max_count == 0 || after == UINT64_MAX)
		return 0;
	/* Copy first, call after: the read transaction ends before fn runs. */
	log_key(key, origin, after + 1);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->log, &cur)) != 0) {
		err = lmdb_err(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != sizeof(key) || memcmp(k.mv_data, origin, PK_PUB_BYTES) != 0)
			break;
		if (count > 0 && (v.mv_size > max_bytes || total > max_bytes - v.mv_size))
			break;
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			size_t *nl = realloc(lens, ncap * sizeof(*lens));
			if (nl == NULL) {
				err = PK_ENOMEM;
				goto out;
			}
			lens = nl;
			cap = ncap;
		}
		uint8_t *nb = realloc(buf, total + v.mv_size);
		if (nb == NULL) {
			err = PK_ENOMEM;
			goto out;
		}
		buf = nb;
		memcpy(buf + total, v.mv_data, v.mv_size);
		total += v.mv_size;
		lens[count++] = v.mv_size;
		if (count == max_count)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		err = lmdb_err(rc);
	mdb_cursor_close(cur);
	cur = NULL;
	mdb_txn_abort(txn);
	txn = NULL;
	if (err != 0)
		goto out;
	for (size_t i = 0, off = 0; i < count; off += lens[i], i++) {
		given++;
		if (fn(buf + off, lens[i], arg) != 0)
			break;
	}
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(buf);
	free(lens);
	return err != 0 ? err : given;
}

uint64_t store_generation(struct store *s)
{
	MDB_txn *txn;
	uint64_t id;

	/* The id a new read transaction sees: mdb_env_info's last txnid can run ahead of it (a
	 * commit under way in another process), and a reader woken by that would find nothing. */
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0)
		return 0;
	id = (uint64_t)mdb_txn_id(txn);
	mdb_txn_abort(txn);
	return id;
}

struct refusals_ctx {
	int (*fn)(const char *tag, uint64_t count, void *arg);
	void *arg;
};

static int refusals_visit(const struct entry *e, void *arg)
{
	struct refusals_ctx *c = arg;
	uint64_t count;

	if (e->vlen != 8 || e->klen == 0 || memchr(e->key, 0, e->klen) != NULL)
		return PK_ECORRUPT;
	count = get_be64(e->val);
	if (count == 0)
		return 0;
	return c->fn((const char *)e->key, count, c->arg) != 0 ? 1 : 0; /* key is NUL-ended */
}

int store_refusals_add(struct store *s, const char *tag, uint64_t count)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = refused_add(txn, s, tag, count)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

int store_refusals(struct store *s, int (*fn)(const char *tag, uint64_t count, void *arg),
                   void *arg)
{
	struct refusals_ctx c = {fn, arg};
	int err;

	if (s->refused == NO_DBI)
		return 0;
	err = scan(s, s->refused, NULL, 0, refusals_visit, &c);
	return err < 0 ? err : 0;
}

struct forks_ctx {
	int (*fn)(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg);
	void *arg;
};

static int forks_visit(const struct entry *e, void *arg)
{
	struct forks_ctx *c = arg;

	if (e->klen != PK_PUB_BYTES || e->vlen < 8)
		return PK_ECORRUPT;
	return c->fn(e->key, get_be64(e->val), c->arg) != 0 ? 1 : 0;
}

int store_forks(struct store *s,
                int (*fn)(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg), void *arg)
{
	struct forks_ctx c = {fn, arg};
	int err = scan(s, s->forks, NULL, 0, forks_visit, &c);

	return err < 0 ? err : 0;
}

/* ---- invites ------------------------------------------------------------------------------ */

/*
 * A live invite is kept under its secret. Once used or expired, the secret is deleted and a
 * marker is kept under BLAKE2b-256(secret) instead, so that a second use is told apart from an
 * unknown secret without keeping the secret itself.
 */
static void invite_marker(uint8_t out[PK_HASH_BYTES], const uint8_t secret[32])
{
	pk_hash(out, secret, 32);
}

static int invite_encode(MDB_val *v, uint8_t *buf, size_t cap, const struct store_invite *inv,
                         int state)
{
	size_t rl = strnlen(inv->region, sizeof(inv->region));
	size_t nl = strnlen(inv->name, sizeof(inv->name));

	if (rl == sizeof(inv->region) || nl == sizeof(inv->name) || INVITE_META + rl + 1 + nl > cap)
		return PK_EINVAL;
	put_be64(buf, inv->expires);
	buf[8] = (uint8_t)state;
	memcpy(buf + INVITE_META, inv->region, rl + 1);
	memcpy(buf + INVITE_META + rl + 1, inv->name, nl);
	v->mv_size = INVITE_META + rl + 1 + nl;
	v->mv_data = buf;
	return 0;
}

/* Splits an invites entry; the state byte goes to *state. */
static int invite_decode(const uint8_t *val, size_t vlen, struct store_invite *inv, int *state)
{
	const uint8_t *z;
	size_t rl, nl;

	memset(inv, 0, sizeof(*inv));
	if (vlen < INVITE_META + 1 ||
	    (z = memchr(val + INVITE_META, 0, vlen - INVITE_META)) == NULL)
		return PK_ECORRUPT;
	rl = (size_t)(z - val) - INVITE_META;
	nl = vlen - INVITE_META - rl - 1;
	if (rl > PK_REGION_MAX || nl > PK_NAME_MAX || val[8] > INVITE_EXPIRED)
		return PK_ECORRUPT;
	inv->expires = get_be64(val);
	*state = val[8];
	inv->used = val[8] == INVITE_USED;
	memcpy(inv->region, val + INVITE_META, rl);
	memcpy(inv->name, z + 1, nl);
	return 0;
}

int store_invite_put(struct store *s, const struct store_invite *inv)
{
	uint8_t buf[INVITE_META + PK_REGION_MAX + 1 + PK_NAME_MAX], marker[PK_HASH_BYTES];
	MDB_val k = {32, (void *)inv->secret}, mk = {PK_HASH_BYTES, marker}, v, old;
	MDB_txn *txn;
	int rc, err;

	if ((err = invite_encode(&v, buf, sizeof(buf), inv,
	                         inv->used ? INVITE_USED : INVITE_LIVE)) != 0 ||
	    !pk_region_valid(inv->region, strlen(inv->region)))
		return PK_EINVAL;
	invite_marker(marker, inv->secret);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	/* A secret is good for one invite, ever: not again after it was used. */
	rc = mdb_get(txn, s->invites, &mk, &old);
	if (rc == 0)
		err = PK_EEXIST;
	else if (rc != MDB_NOTFOUND)
		err = lmdb_err(rc);
	else if (inv->used)
		err = lmdb_err(mdb_put(txn, s->invites, &mk, &v, MDB_NOOVERWRITE));
	else if ((rc = mdb_put(txn, s->invites, &k, &v, MDB_NOOVERWRITE)) != 0)
		err = rc == MDB_KEYEXIST ? PK_EEXIST : lmdb_err(rc);
	if (err != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

struct invite_ctx {
	uint64_t now;
	int (*fn)(const struct store_invite *inv, void *arg);
	void *arg;
};

static int invite_visit(const struct entry *e, void *arg)
{
	struct invite_ctx *c = arg;
	struct store_invite inv;
	int state, err;

	if (e->klen != 32)
		return PK_ECORRUPT;
	if ((err = invite_decode(e->val, e->vlen, &inv, &state)) != 0)
		return err;
	if (state != INVITE_LIVE || c->now > inv.expires)
		return 0;
	memcpy(inv.secret, e->key, 32);
	return c->fn(&inv, c->arg) != 0 ? 1 : 0;
}

int store_invite_list(struct store *s, uint64_t now,
                      int (*fn)(const struct store_invite *inv, void *arg), void *arg)
{
	struct invite_ctx c = {now, fn, arg};
	int err;

	if (s->invites == NO_DBI)
		return 0;
	err = scan(s, s->invites, NULL, 0, invite_visit, &c);
	return err < 0 ? err : 0;
}

/* Replaces the live invite under secret (value v) by its marker in the given state. */
static int invite_retire(MDB_txn *txn, struct store *s, const uint8_t secret[32], const MDB_val *v,
                         int state)
{
	uint8_t marker[PK_HASH_BYTES], buf[INVITE_META + PK_REGION_MAX + 1 + PK_NAME_MAX];
	MDB_val k = {32, (void *)secret}, mk = {PK_HASH_BYTES, marker}, mv = {v->mv_size, buf};
	int rc;

	if (v->mv_size < INVITE_META || v->mv_size > sizeof(buf))
		return PK_ECORRUPT;
	memcpy(buf, v->mv_data, v->mv_size);
	buf[8] = (uint8_t)state;
	invite_marker(marker, secret);
	if ((rc = mdb_del(txn, s->invites, &k, NULL)) != 0 ||
	    (rc = mdb_put(txn, s->invites, &mk, &mv, 0)) != 0)
		return lmdb_err(rc);
	return 0;
}

/* Retires every live invite that expired before now (invites are few: a whole walk). */
static int invites_purge(MDB_txn *txn, struct store *s, uint64_t now)
{
	uint8_t(*expired)[32] = NULL;
	size_t n = 0, cap = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, err = 0;

	if ((rc = mdb_cursor_open(txn, s->invites, &cur)) != 0)
		return lmdb_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *val = v.mv_data;

		if (k.mv_size != 32 || v.mv_size < INVITE_META || val[8] != INVITE_LIVE ||
		    get_be64(val) >= now)
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			uint8_t(*ne)[32] = realloc(expired, ncap * sizeof(*ne));
			if (ne == NULL) {
				err = PK_ENOMEM;
				break;
			}
			expired = ne;
			cap = ncap;
		}
		memcpy(expired[n++], k.mv_data, 32);
	}
	if (rc != 0 && rc != MDB_NOTFOUND && err == 0)
		err = lmdb_err(rc);
	mdb_cursor_close(cur);
	/* Changed after the walk: a put during it could move the cursor. */
	for (size_t i = 0; i < n && err == 0; i++) {
		k.mv_size = 32;
		k.mv_data = expired[i];
		if ((rc = mdb_get(txn, s->invites, &k, &v)) != 0)
			err = lmdb_err(rc);
		else
			err = invite_retire(txn, s, expired[i], &v, INVITE_EXPIRED);
	}
	free(expired);
	return err;
}

int store_invite_use(struct store *s, const uint8_t secret[32], uint64_t now)
{
	uint8_t marker[PK_HASH_BYTES];
	MDB_val k = {32, (void *)secret}, mk = {PK_HASH_BYTES, marker}, v;
	MDB_txn *txn;
	int rc, err, result;

	invite_marker(marker, secret);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	rc = mdb_get(txn, s->invites, &k, &v);
	if (rc == 0 && (v.mv_size < INVITE_META || ((uint8_t *)v.mv_data)[8] != INVITE_LIVE)) {
		err = PK_ECORRUPT;
		goto fail;
	}
	if (rc == 0) {
		result = now > get_be64(v.mv_data) ? PK_EEXPIRED : 0;
		if ((err = invite_retire(txn, s, secret, &v,
		                         result == 0 ? INVITE_USED : INVITE_EXPIRED)) != 0)
			goto fail;
	} else if (rc != MDB_NOTFOUND) {
		err = lmdb_err(rc);
		goto fail;
	} else if ((rc = mdb_get(txn, s->invites, &mk, &v)) == 0) {
		/* Used or expired before: nothing changes, beyond the purge below. */
		if (v.mv_size < INVITE_META) {
			err = PK_ECORRUPT;
			goto fail;
		}
		result = ((uint8_t *)v.mv_data)[8] == INVITE_USED ? PK_EEXIST : PK_EEXPIRED;
	} else if (rc == MDB_NOTFOUND) {
		result = PK_ENOTFOUND;
	} else {
		err = lmdb_err(rc);
		goto fail;
	}
	if ((err = invites_purge(txn, s, now)) != 0)
		goto fail;
	if ((rc = txn_commit(s, txn)) != 0)
		return lmdb_err(rc);
	return result;
fail:
	mdb_txn_abort(txn);
	return err;
}

/* ---- peers -------------------------------------------------------------------------------- */

int store_peer_put(struct store *s, const struct store_peer *p)
{
	uint8_t buf[PEER_META + sizeof(p->role) + PK_REGION_MAX + 1 + PK_NAME_MAX + 1 + PEER_CLOCK];
	size_t ol = strnlen(p->role, sizeof(p->role));
	size_t rl = strnlen(p->region, sizeof(p->region));
	size_t nl = strnlen(p->name, sizeof(p->name));
	size_t at = PEER_META + ol + 1 + rl + 1 + nl;
	MDB_val k = {PK_PUB_BYTES, (void *)p->key}, v = {at + 1 + PEER_CLOCK, buf};
	MDB_txn *txn;
	int rc;

	if (ol == sizeof(p->role) || rl == sizeof(p->region) || nl == sizeof(p->name))
		return PK_EINVAL;
	buf[0] = p->connected ? 1 : 0;
	put_be64(buf + 1, p->last_contact);
	put_be64(buf + 9, p->lag_up);
	put_be64(buf + 17, p->lag_down);
	put_be64(buf + 25, p->refused);
	memcpy(buf + PEER_META, p->role, ol + 1);
	memcpy(buf + PEER_META + ol + 1, p->region, rl + 1);
	memcpy(buf + PEER_META + ol + 1 + rl + 1, p->name, nl);
	buf[at] = '\0';
	buf[at + 1] = p->skew_known ? 1 : 0;
	put_be64(buf + at + 2, (uint64_t)p->skew);
	put_be64(buf + at + 10, p->skew_at);
	put_be64(buf + at + 18, p->held);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((rc = mdb_put(txn, s->peers, &k, &v, 0)) != 0) {
		mdb_txn_abort(txn);
		return lmdb_err(rc);
	}
	return lmdb_err(txn_commit(s, txn));
}

struct peer_ctx {
	int (*fn)(const struct store_peer *p, void *arg);
	void *arg;
};

/* Copies the NUL-ended string at *at (within end) into dst; advances *at past the NUL. */
static int take_str(char *dst, size_t cap, const uint8_t **at, const uint8_t *end, bool last)
{
	const uint8_t *z = last ? end : memchr(*at, 0, (size_t)(end - *at));
	size_t n;

	if (z == NULL || (size_t)(z - *at) >= cap)
		return PK_ECORRUPT;
	n = (size_t)(z - *at);
	memcpy(dst, *at, n);
	dst[n] = '\0';
	*at = last ? end : z + 1;
	return 0;
}

int store_peer_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      struct store_peer *p)
{
	const uint8_t *at, *end = val + vlen, *z;

	memset(p, 0, sizeof(*p));
	if (klen != PK_PUB_BYTES || vlen < PEER_META)
		return PK_ECORRUPT;
	at = val + PEER_META;
	if (take_str(p->role, sizeof(p->role), &at, end, false) != 0 ||
	    take_str(p->region, sizeof(p->region), &at, end, false) != 0)
		return PK_ECORRUPT;
	/* The name ends the old layout; the current one follows it with \0 and the clock. */
	z = memchr(at, 0, (size_t)(end - at));
	if (z != NULL && (size_t)(end - z) != 1 + PEER_CLOCK)
		return PK_ECORRUPT;
	if (take_str(p->name, sizeof(p->name), &at, z != NULL ? z : end, true) != 0)
		return PK_ECORRUPT;
	if (z != NULL) {
		p->skew_known = z[1] != 0;
		p->skew = (int64_t)get_be64(z + 2);
		p->skew_at = get_be64(z + 10);
		p->held = get_be64(z + 18);
	}
	memcpy(p->key, key, PK_PUB_BYTES);
	p->connected = val[0] != 0;
	p->last_contact = get_be64(val + 1);
	p->lag_up = get_be64(val + 9);
	p->lag_down = get_be64(val + 17);
	p->refused = get_be64(val + 25);
	return 0;
}

static int peer_visit(const struct entry *e, void *arg)
{
	struct peer_ctx *c = arg;
	struct store_peer p;

	if (store_peer_decode(e->key, e->klen, e->val, e->vlen, &p) != 0)
		return PK_ECORRUPT;
	return c->fn(&p, c->arg) != 0 ? 1 : 0;
}

int store_peer_list(struct store *s, int (*fn)(const struct store_peer *p, void *arg), void *arg)
{
	struct peer_ctx c = {fn, arg};
	int err;

	if (s->peers == NO_DBI)
		return 0;
	err = scan(s, s->peers, NULL, 0, peer_visit, &c);
	return err < 0 ? err : 0;
}

/*
 * Checking a record against its changeset means finding the record's op in it. A changeset can
 * hold 4,096 ops (an import), and scanning it once per record made verify quadratic, so the
 * ops of recently used large changesets are kept indexed by a hash of (collection, region,
 * key). The ops point into the LMDB map, valid for the verifier's one read transaction.
 */
#define VCACHE 64         /* changesets whose op index is kept */
#define VINDEX_MIN_OPS 32 /* smaller changesets are scanned */

struct vop {
	uint64_t h;
	uint32_t idx; /* the op's place in its changeset: the last matching op decides */
	struct pk_op op;
};

struct vcs {
	struct pk_changeset cs; /* decoded once: decoding checks every op */
	uint64_t used;
	struct vop *ops; /* sorted by (h, idx); NULL: the slot is free */
	size_t n;
};

struct verifier {
	struct store *s;
	MDB_txn *txn;
	void (*problem)(const char *where, const char *what, void *arg);
	void *arg;
	struct store_verify_stats *st;
	struct vcs cache[VCACHE];
	uint64_t tick;
};

/* FNV-1a over collection, region and key, with separators. */
static uint64_t vop_hash(const char *coll, size_t cl, const char *region, size_t rl,
                         const char *key, size_t kl)
{
	const char *parts[3] = {coll, region, key};
	size_t lens[3] = {cl, rl, kl};
	uint64_t h = 1469598103934665603ULL;

	for (int p = 0; p < 3; p++) {
		for (size_t i = 0; i < lens[p]; i++)
			h = (h ^ (uint8_t)parts[p][i]) * 1099511628211ULL;
		h = (h ^ 0xffu) * 1099511628211ULL;
	}
	return h;
}

static int vop_cmp(const void *a, const void *b)
{
	const struct vop *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool op_is(const struct pk_op *op, const struct store_record *r)
{
	return strlen(r->coll) == op->coll_len && memcmp(r->coll, op->coll, op->coll_len) == 0 &&
	       strlen(r->region) == op->region_len &&
	       memcmp(r->region, op->region, op->region_len) == 0 &&
	       strlen(r->key) == op->key_len && memcmp(r->key, op->key, op->key_len) == 0;
}

/* The cached changeset (origin, seq), or NULL. */
static struct vcs *vcs_find(struct verifier *v, const uint8_t *origin, uint64_t seq)
{
	for (size_t i = 0; i < VCACHE; i++) {
		struct vcs *e = &v->cache[i];
		if (e->ops != NULL && e->cs.seq == seq &&
		    memcmp(e->cs.origin, origin, PK_PUB_BYTES) == 0) {
			e->used = ++v->tick;
			return e;
		}
	}
	return NULL;
}

/* The indexed ops of cs, building them (in the least recently used slot) when needed; NULL
 * when out of memory. */
static struct vcs *vcs_get(struct verifier *v, const struct pk_changeset *cs)
{
	struct vcs *lru = &v->cache[0];
	struct pk_cs_iter it;
	struct pk_op op;
	size_t n = 0;

	if ((lru = vcs_find(v, cs->origin, cs->seq)) != NULL)
		return lru;
	lru = &v->cache[0];
	for (size_t i = 0; i < VCACHE; i++)
		if (v->cache[i].ops == NULL || v->cache[i].used < lru->used)
			lru = &v->cache[i];
	free(lru->ops);
	lru->ops = calloc(cs->nops, sizeof(*lru->ops));
	if (lru->ops == NULL)
		return NULL;
	pk_cs_iter_init(&it, cs);
	while (n < cs->nops && pk_cs_iter_next(&it, &op)) {
		lru->ops[n].h =
		    vop_hash(op.coll, op.coll_len, op.region, op.region_len, op.key, op.key_len);
		lru->ops[n].idx = (uint32_t)n;
		lru->ops[n].op = op;
		n++;
	}
	qsort(lru->ops, n, sizeof(*lru->ops), vop_cmp);
	lru->cs = *cs;
	lru->n = n;
	lru->used = ++v->tick;
	return lru;
}

/* The last op of cs that writes record r, or NULL. */
static bool vop_find(struct verifier *v, const struct pk_changeset *cs,
                     const struct store_record *r, struct pk_op *out)
{
	struct pk_cs_iter it;
	struct pk_op op;
	struct vcs *e;
	uint64_t h;
	size_t lo = 0, hi;
	bool found = false;

	if (cs->nops < VINDEX_MIN_OPS || (e = vcs_get(v, cs)) == NULL) {
		pk_cs_iter_init(&it, cs);
		while (pk_cs_iter_next(&it, &op))
			if (op_is(&op, r)) {
				*out = op;
				found = true;
			}
		return found;
	}
	h = vop_hash(r->coll, strlen(r->coll), r->region, strlen(r->region), r->key,
	             strlen(r->key));
	hi = e->n;
	while (lo < hi) { /* the first entry with hash >= h */
		size_t mid = lo + (hi - lo) / 2;
		if (e->ops[mid].h < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < e->n && e->ops[lo].h == h; lo++)
		if (op_is(&e->ops[lo].op, r)) {
			*out = e->ops[lo].op; /* ascending idx: the last match wins */
			found = true;
		}
	return found;
}

static void vcache_free(struct verifier *v)
{
	for (size_t i = 0; i < VCACHE; i++)
		free(v->cache[i].ops);
}

static void vfail(struct verifier *v, const void *at, const char *what, const char *where_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports one finding, with the data file offset of the bytes concerned when known. */
static void vfail(struct verifier *v, const void *at, const char *what, const char *where_fmt, ...)
{
	char where[320];
	va_list ap;
	size_t n;

	va_start(ap, where_fmt);
	vsnprintf(where, sizeof(where), where_fmt, ap);
	va_end(ap);
	n = strlen(where);
	if (at != NULL && v->s->mapaddr != NULL)
		snprintf(where + n, sizeof(where) - n, " (data.mdb offset %zu)",
		         (size_t)((const char *)at - v->s->mapaddr));
	v->st->problems++;
	v->problem(where, what, v->arg);
}

static void short_hex(char out[17], const uint8_t *key)
{
	pk_hex(out, key, 8);
}

/* Checks one origin's finished walk against its head. */
static void check_head(struct verifier *v, const uint8_t *origin, const struct store_head *walked)
{
	struct store_head h;
	char o[17];

	short_hex(o, origin);
	if (head_read(v->txn, v->s, origin, &h) != 0 || h.seq != walked->seq ||
	    memcmp(h.hash, walked->hash, PK_HASH_BYTES) != 0 || h.hlc != walked->hlc)
		vfail(v, NULL, "head does not match the last changeset of the log",
		      "head of origin %s", o);
}

/* Every op of a changeset must be reflected by the record it names: a newer version, or this
 * changeset's own value. */
static void check_ops(struct verifier *v, const struct pk_changeset *cs, const char *o)
{
	uint8_t key[REC_KEY_MAX];
	struct pk_cs_iter it;
	struct pk_op op;
	MDB_val k, val;
	const uint8_t *m;

	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		k.mv_size = rec_key(key, &op, false);
		k.mv_data = key;
		if (mdb_get(v->txn, v->s->rec, &k, &val) != 0 || val.mv_size < REC_META) {
			vfail(v, NULL, "record named by the log is missing",
			      "record %.*s/%.*s/%.*s (origin %s seq %llu)", (int)op.coll_len,
			      op.coll, (int)op.region_len, op.region, (int)op.key_len, op.key, o,
			      (unsigned long long)cs->seq);
			continue;
		}
		m = val.mv_data;
		if (version_cmp(get_be64(m), m + 8, cs->hlc, cs->origin) < 0) {
			vfail(v, val.mv_data, "record is older than a changeset in the log",
			      "record %.*s/%.*s/%.*s", (int)op.coll_len, op.coll,
			      (int)op.region_len, op.region, (int)op.key_len, op.key);
			continue;
		}
		/* A record this changeset wrote last is compared with it by check_record. */
	}
}

static int verify_log(struct verifier *v)
{
	struct pk_changeset cs;
	struct store_head walked;
	struct pk_diag why;
	uint8_t origin[PK_PUB_BYTES];
	MDB_cursor *cur;
	MDB_val k, val;
	char o[17];
	bool have = false;
	int rc;

	if ((rc = mdb_cursor_open(v->txn, v->s->log, &cur)) != 0)
		return lmdb_err(rc);
	memset(&walked, 0, sizeof(walked));
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
		v->st->changesets++;
		if (k.mv_size != PK_PUB_BYTES + 8) {
			vfail(v, val.mv_data, "log key has the wrong length", "log entry");
			continue;
		}
		if (!have || memcmp(origin, k.mv_data, PK_PUB_BYTES) != 0) {
			if (have)
				check_head(v, origin, &walked);
			memcpy(origin, k.mv_data, PK_PUB_BYTES);
			memset(&walked, 0, sizeof(walked));
			have = true;
		}
		short_hex(o, origin);
		uint64_t seq = get_be64((uint8_t *)k.mv_data + PK_PUB_BYTES);
		if (pk_cs_decode(val.mv_data, val.mv_size, &cs, &why) != 0) {
			vfail(v, val.mv_data, why.msg, "changeset origin %s seq %llu", o,
			      (unsigned long long)seq);
			continue;
		}
		if (memcmp(cs.origin, origin, PK_PUB_BYTES) != 0 || cs.seq != seq)
			vfail(v, val.mv_data, "changeset is filed under another origin or sequence",
			      "changeset origin %s seq %llu", o, (unsigned long long)seq);
		else if (!pk_cs_sig_ok(&cs))
			vfail(v, val.mv_data, "signature does not verify",
			      "changeset origin %s seq %llu", o, (unsigned long long)seq);
		else if (seq != walked.seq + 1 ||
		         (seq > 1 && memcmp(cs.prev, walked.hash, PK_HASH_BYTES) != 0))
			vfail(v, val.mv_data,
			      "hash chain broken (previous changeset missing or "
			      "different)",
			      "changeset origin %s seq %llu", o, (unsigned long long)seq);
		else if (pk_cs_check_records(&cs, &why) != 0)
			vfail(v, val.mv_data, why.msg, "changeset origin %s seq %llu", o,
			      (unsigned long long)seq);
		walked.seq = seq;
		pk_cs_hash(&cs, walked.hash);
		walked.hlc = cs.hlc;
		check_ops(v, &cs, o);
	}
	if (have)
		check_head(v, origin, &walked);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

/* Every record must come from an op in the changeset it names, with the same value. */
static void check_record(struct verifier *v, MDB_val *k, MDB_val *val)
{
	uint8_t lk[PK_PUB_BYTES + 8], ik[REC_KEY_MAX];
	struct store_record r;
	struct pk_changeset cs;
	struct pk_op op;
	struct vcs *e;
	MDB_val lkv = {sizeof(lk), lk}, cv, ikv;
	uint8_t kcopy[REC_KEY_MAX + 1];
	bool found = false, same = false;

	if (k->mv_size > REC_KEY_MAX ||
	    (memcpy(kcopy, k->mv_data, k->mv_size), kcopy[k->mv_size] = 0,
	     rec_decode(kcopy, k->mv_size, val->mv_data, val->mv_size, 0, &r)) != 0) {
		vfail(v, val->mv_data, "record entry is malformed", "record table");
		return;
	}
	log_key(lk, r.origin, r.seq);
	if ((e = vcs_find(v, r.origin, r.seq)) != NULL)
		cs = e->cs;
	if ((e == NULL && (mdb_get(v->txn, v->s->log, &lkv, &cv) != 0 ||
	                   pk_cs_decode(cv.mv_data, cv.mv_size, &cs, NULL) != 0)) ||
	    cs.hlc != r.hlc) {
		vfail(v, val->mv_data, "record names a changeset that is not in the log",
		      "record %s/%s/%s", r.coll, r.region, r.key);
		return;
	}
	if ((found = vop_find(v, &cs, &r, &op)))
		same = r.deleted ? op.value == NULL
		                 : op.value != NULL && r.value_len == op.value_len &&
		                       memcmp(r.value, op.value, op.value_len) == 0;
	if (!found || !same)
		vfail(v, (const uint8_t *)val->mv_data + REC_META,
		      found ? "record value differs from its changeset"
		            : "record's changeset has no operation for it",
		      "record %s/%s/%s", r.coll, r.region, r.key);
	pk_op_set(&op, r.coll, r.region, r.key, NULL, 0);
	ikv.mv_size = rec_key(ik, &op, true);
	ikv.mv_data = ik;
	if (mdb_get(v->txn, v->s->bykey, &ikv, &cv) != 0)
		vfail(v, NULL, "record is missing from the key index", "record %s/%s/%s", r.coll,
		      r.region, r.key);
}

/* Walks a whole table, calling fn for each entry. */
static int walk(struct verifier *v, MDB_dbi dbi,
                void (*fn)(struct verifier *v, MDB_val *k, MDB_val *val))
{
	MDB_cursor *cur;
	MDB_val k, val;
	int rc;

	if ((rc = mdb_cursor_open(v->txn, dbi, &cur)) != 0)
		return lmdb_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &val, MDB_NEXT))
		fn(v, &k, &val);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

/*
 * Whether the held chain of key checks from the root (SPEC section 7: issuers, signatures,
 * nested regions, a time when all are valid): a certificate displaced or stored without a
 * chain by an older version shows up here. Reads the certs table, not the cache.
 */
static bool cert_chains(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                        struct pk_diag *why)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	uint64_t nb = 0, na = UINT64_MAX;
	struct pk_diag d = {""};
	int n;

	if ((n = chain_load(txn, s, key, chain, &d)) < 0) {
		pk_diagf(why, n, "does not chain to the root through the held certificates: %s",
		         d.msg);
		return false;
	}
	for (int i = 0; i < n; i++) {
		nb = chain[i].info.not_before > nb ? chain[i].info.not_before : nb;
		na = chain[i].info.not_after < na ? chain[i].info.not_after : na;
	}
	if (nb > na || pk_cert_chain_check(s->root, chain, (size_t)n, nb, &d) != 0) {
		pk_diagf(why, PK_ECERT, "its chain to the root does not hold: %s",
		         nb > na ? "never valid as a whole" : d.msg);
		return false;
	}
	return true;
}

static void check_cert(struct verifier *v, MDB_val *k, MDB_val *val)
{
	struct pk_cert c;
	struct pk_diag why;

	v->st->certs++;
	if (pk_cert_decode(val->mv_data, val->mv_size, &c, &why) != 0)
		vfail(v, val->mv_data, why.msg, "certificate");
	else if (k->mv_size != PK_PUB_BYTES || memcmp(k->mv_data, c.info.subject, PK_PUB_BYTES))
		vfail(v, val->mv_data, "filed under another key", "certificate of '%s'",
		      c.info.name);
	else if (!pk_cert_sig_ok(&c))
		vfail(v, val->mv_data, "signature does not verify", "certificate of '%s'",
		      c.info.name);
	else if (v->s->have_root && !cert_chains(v->txn, v->s, c.info.subject, &why))
		vfail(v, val->mv_data, why.msg, "certificate of '%s'", c.info.name);
}

/* A head must name a changeset that is in the log (the log walk checks the converse). */
static void check_head_entry(struct verifier *v, MDB_val *k, MDB_val *val)
{
	uint8_t lk[PK_PUB_BYTES + 8];
	MDB_val lkv = {sizeof(lk), lk}, cv;
	char o[17];

	if (k->mv_size != PK_PUB_BYTES || val->mv_size != HEAD_BYTES) {
		vfail(v, val->mv_data, "head entry is malformed", "heads table");
		return;
	}
	short_hex(o, k->mv_data);
	log_key(lk, k->mv_data, get_be64(val->mv_data));
	if (mdb_get(v->txn, v->s->log, &lkv, &cv) != 0)
		vfail(v, val->mv_data, "head names a changeset that is not in the log",
		      "head of origin %s", o);
}

static void count_record(struct verifier *v, MDB_val *k, MDB_val *val)
{
	v->st->records++;
	check_record(v, k, val);
}

/* Each index entry coll\0key\0region must name a record coll\0region\0key. */
static void check_index(struct verifier *v, MDB_val *k, MDB_val *val)
{
	const char *p = k->mv_data, *z1, *z2;
	uint8_t rk[REC_KEY_MAX];
	MDB_val rkv, rv;
	size_t clen, klen, rlen;

	(void)val;
	z1 = memchr(p, 0, k->mv_size);
	z2 = z1 ? memchr(z1 + 1, 0, k->mv_size - (size_t)(z1 + 1 - p)) : NULL;
	if (z2 == NULL || k->mv_size > REC_KEY_MAX) {
		vfail(v, NULL, "index entry is malformed", "key index");
		return;
	}
	clen = (size_t)(z1 - p);
	klen = (size_t)(z2 - z1 - 1);
	rlen = k->mv_size - clen - klen - 2;
	memcpy(rk, p, clen + 1);
	memcpy(rk + clen + 1, z2 + 1, rlen);
	rk[clen + 1 + rlen] = 0;
	memcpy(rk + clen + 2 + rlen, z1 + 1, klen);
	rkv.mv_size = k->mv_size;
	rkv.mv_data = rk;
	if (mdb_get(v->txn, v->s->rec, &rkv, &rv) != 0)
		vfail(v, NULL, "index names a record that does not exist", "key index %.*s/%.*s",
		      (int)clen, p, (int)klen, z1 + 1);
}

int store_verify(struct store *s, void (*problem)(const char *where, const char *what, void *arg),
                 void *arg, struct store_verify_stats *stats)
{
	struct verifier v = {.s = s, .problem = problem, .arg = arg, .st = stats};
	int rc, err;

	memset(stats, 0, sizeof(*stats));
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &v.txn)) != 0)
		return lmdb_err(rc);
	if ((err = walk(&v, s->certs, check_cert)) == 0 && (err = verify_log(&v)) == 0 &&
	    (err = walk(&v, s->heads, check_head_entry)) == 0 &&
	    (err = walk(&v, s->rec, count_record)) == 0)
		err = walk(&v, s->bykey, check_index);
	if (err == PK_ECORRUPT)
		vfail(&v, NULL, "LMDB page structure is damaged; the walk stopped here", "store");
	vcache_free(&v);
	mdb_txn_abort(v.txn);
	return err;
}

/* ---- raw page check ---------------------------------------------------------------------- */

struct page_report {
	void (*problem)(const char *where, const char *what, void *arg);
	void *arg;
};

static void page_problem(uint64_t pgno, uint64_t offset, const char *what, void *arg)
{
	struct page_report *r = arg;
	char where[96];

	snprintf(where, sizeof(where), "LMDB page %llu (data.mdb offset %llu)",
	         (unsigned long long)pgno, (unsigned long long)offset);
	r->problem(where, what, r->arg);
}

int store_check_pages(const char *path,
                      void (*problem)(const char *where, const char *what, void *arg), void *arg,
                      size_t *problems)
{
	struct page_report rep = {problem, arg};
	struct lmdbcheck_stats st;
	char file[4200];
	struct stat fst;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	void *map = MAP_FAILED;
	int fd = -1, rc, err;

	*problems = 0;
	snprintf(file, sizeof(file), "%s/data.mdb", path);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &fst) != 0) {
		err = errno == ENOENT ? PK_ENOTFOUND : PK_EIO;
		goto out;
	}
	/* Opening the environment reads only the two meta pages, which LMDB checks itself; the
	 * read transaction registers this process as a reader of the newest snapshot. */
	if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, STORE_MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		/* A file LMDB will not even open is reported by the walk from the newest meta. */
		if (txn == NULL && env != NULL) {
			mdb_env_close(env);
			env = NULL;
		}
	}
	if (fst.st_size > 0) {
		map = mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			err = PK_EIO;
			goto out;
		}
	}
	err = lmdbcheck(map == MAP_FAILED ? (const uint8_t *)"" : map, (size_t)fst.st_size,
	                txn != NULL ? mdb_txn_id(txn) : 0, page_problem, &rep, &st);
	*problems = st.problems;
	if (err == PK_ECORRUPT)
		err = 0; /* reported through problem() */
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)fst.st_size);
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- peer heads and certificates (offline bundles) ----------------------------------------- */

#define PEERHEAD_KEY (2 * PK_PUB_BYTES) /* peer ‖ origin */

/* Deletes every peerheads entry of peer, in txn. */
static int peer_heads_forget(MDB_txn *txn, struct store *s, const uint8_t peer[PK_PUB_BYTES])
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->peerheads, &cur)) != 0)
		return lmdb_err(rc);
	/* Seek again after each delete rather than rely on where a delete leaves the cursor. */
	for (;;) {
		k.mv_size = PK_PUB_BYTES;
		k.mv_data = (void *)peer;
		if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0)
			break;
		if (k.mv_size < PK_PUB_BYTES || memcmp(k.mv_data, peer, PK_PUB_BYTES) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

int store_peer_heads_put(struct store *s, const uint8_t peer[PK_PUB_BYTES], const struct pk_head *h,
                         size_t n, unsigned flags)
{
	uint8_t key[PEERHEAD_KEY], val[8];
	MDB_val k = {sizeof(key), key}, v = {sizeof(val), val};
	MDB_txn *txn;
	int rc, err = 0;

	if (n > 0 && h == NULL)
		return PK_EINVAL;
	if (s->peerheads == NO_DBI)
		return PK_ESTATE; /* a read-only open of a store made before the table */
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if (flags & STORE_PEER_HEADS_ALL)
		err = peer_heads_forget(txn, s, peer);
	memcpy(key, peer, PK_PUB_BYTES);
	for (size_t i = 0; i < n && err == 0; i++) {
		memcpy(key + PK_PUB_BYTES, h[i].origin, PK_PUB_BYTES);
		put_be64(val, h[i].seq);
		rc = h[i].seq != 0 ? mdb_put(txn, s->peerheads, &k, &v, 0)
		                   : mdb_del(txn, s->peerheads, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			err = lmdb_err(rc);
	}
	if (err != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(txn_commit(s, txn));
}

struct peer_heads_ctx {
	int (*fn)(const struct pk_head *h, void *arg);
	void *arg;
	int calls;
};

static int peer_heads_visit(const struct entry *e, void *arg)
{
	struct peer_heads_ctx *c = arg;
	struct pk_head h;

	if (e->klen != PEERHEAD_KEY || e->vlen != 8)
		return PK_ECORRUPT;
	memcpy(h.origin, e->key + PK_PUB_BYTES, PK_PUB_BYTES);
	h.seq = get_be64(e->val);
	c->calls++;
	return c->fn(&h, c->arg) != 0 ? 1 : 0;
}

int store_peer_heads_get(struct store *s, const uint8_t peer[PK_PUB_BYTES],
                         int (*fn)(const struct pk_head *h, void *arg), void *arg)
{
	struct peer_heads_ctx c = {fn, arg, 0};
	int err;

	if (s->peerheads == NO_DBI)
		return 0;
	err = scan(s, s->peerheads, peer, PK_PUB_BYTES, peer_heads_visit, &c);
	return err < 0 ? err : c.calls;
}

struct certs_ctx {
	int (*fn)(const uint8_t *cert, size_t len, void *arg);
	void *arg;
	int calls;
};

static int certs_visit(const struct entry *e, void *arg)
{
	struct certs_ctx *c = arg;

	c->calls++;
	return c->fn(e->val, e->vlen, c->arg) != 0 ? 1 : 0;
}

int store_certs(struct store *s, int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg)
{
	struct certs_ctx c = {fn, arg, 0};
	int err = scan(s, s->certs, NULL, 0, certs_visit, &c);

	return err < 0 ? err : c.calls;
}
