/*
 * store.c: the core of the LMDB store (see store.h; layout in proto/SPEC.md, "Store"): opening
 * and closing, the node's metadata, heads and the log, the records table and its key index, and
 * the record reads. The rest of the store sits beside it, one part per file (store_int.h names
 * them), sharing struct store and the helpers defined here; every LMDB call goes through db.h.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "proto/region.h"
#include "proto/schema.h"

#define STORE_FORMAT "pokja-store-1"
#define MAX_SKEW_MS (10 * 60 * 1000) /* the default of store_set_max_skew */

void store_set_max_skew(struct store *s, uint64_t ms)
{
	s->max_skew_ms = ms;
}

void store_set_max_hold(struct store *s, uint64_t ms)
{
	s->max_hold_ms = ms;
}

/* What clock.c reads of the store (clock.h). */
db_dbi store_db_peers(const struct store *s)
{
	return s->peers;
}

db_dbi store_db_held(const struct store *s)
{
	return s->held;
}

struct db *store_db(const struct store *s)
{
	return s->db;
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
 * After every commit of a read-write store (db.h, on_commit). A commit that succeeded is told to
 * whoever listens for commits (store_notify.c). The mark of a write that failed for lack of room
 * (store.h, STORE_FULL_MARK) is made on such a failure (an empty file needs no data block) and
 * removed by the next commit that succeeds, in whichever process. Best effort both ways; a
 * commit that succeeds with no mark costs nothing more.
 */
static void after_commit(int err, bool no_room, void *arg)
{
	struct store *s = arg;
	char mark[4200];
	int fd;

	if (err == 0)
		st_notify_commit(s);
	if (err == 0 && !atomic_load_explicit(&s->marked_full, memory_order_relaxed))
		return;
	snprintf(mark, sizeof(mark), "%s/%s", s->path, STORE_FULL_MARK);
	if (err == 0) {
		unlink(mark);
		atomic_store_explicit(&s->marked_full, false, memory_order_relaxed);
	} else if (no_room) {
		if ((fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0)
			close(fd);
		atomic_store_explicit(&s->marked_full, true, memory_order_relaxed);
	}
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
 * The named databases. The first seven hold replicated data; the rest were added for
 * replication (pokjad) and are created on the first read-write open, so a read-only open of a
 * store that no read-write open has touched since finds them missing and treats them as empty.
 */
#define FIRST_OPTIONAL_DB 7

/* In the opening transaction: the format mark (written into a new store) and the root. */
static int format_check(struct db_txn *t, void *arg, struct pk_diag *d)
{
	struct store *s = arg;
	struct db_val v;
	int err;

	err = st_meta_get(t, s, "format", &v);
	if (err == PK_ENOTFOUND && !s->rdonly)
		err = st_meta_put(t, s, "format", STORE_FORMAT, strlen(STORE_FORMAT));
	else if (err == 0 &&
	         (v.len != strlen(STORE_FORMAT) || memcmp(v.data, STORE_FORMAT, v.len) != 0))
		return pk_diagf(d, PK_EVERSION, "%s: store format is not %s", s->path,
		                STORE_FORMAT);
	if (err == 0 && st_meta_get(t, s, "root", &v) == 0 && v.len == PK_PUB_BYTES) {
		memcpy(s->root, v.data, PK_PUB_BYTES);
		s->have_root = true;
	}
	if (err == 0)
		err = db_txn_fail(t, 0); /* a failed read of the root */
	return err != 0 ? pk_diagf(d, err, "%s: %s", s->path, pk_strerror(err)) : 0;
}

/* Opens the environment and every named database, checking the format in the same
 * transaction (a foreign or newer store is left as it was). */
static int open_db(struct store *s, struct pk_diag *d)
{
	const struct db_table tables[] = {{"meta", &s->meta},
	                                  {"log", &s->log},
	                                  {"heads", &s->heads},
	                                  {"certs", &s->certs},
	                                  {"rec", &s->rec},
	                                  {"bykey", &s->bykey},
	                                  {"forks", &s->forks},
	                                  {"invites", &s->invites},
	                                  {"peers", &s->peers},
	                                  {"refused", &s->refused},
	                                  {"revoked", &s->revoked},
	                                  {"peerheads", &s->peerheads},
	                                  {"revpending", &s->revpending},
	                                  {"held", &s->held},
	                                  {"pgmirror", &s->pgmirror},
	                                  {"hist", &s->hist},
	                                  {"staging", &s->staging},
	                                  {"users", &s->users}};
	const struct db_conf conf = {.rdonly = s->rdonly,
	                             .tables = tables,
	                             .ntables = sizeof(tables) / sizeof(tables[0]),
	                             .nrequired = FIRST_OPTIONAL_DB,
	                             .check = format_check,
	                             .on_commit = after_commit,
	                             .arg = s};

	return db_open(s->path, &conf, &s->db, d);
}

int store_open(const char *path, unsigned flags, struct store **out, struct pk_diag *d)
{
	struct store *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PK_ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->rdonly = (flags & STORE_RDONLY) != 0;
	s->max_skew_ms = MAX_SKEW_MS;
	s->max_hold_ms = CLOCK_MAX_HOLD_MS;
	pthread_mutex_init(&s->lock, NULL);
	st_notify_init(s);
	if (!(flags & STORE_RDONLY) && mkdir(path, 0700) != 0 && errno != EEXIST) {
		err = pk_diagf(d, pk_errno_err(errno), "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((err = open_db(s, d)) != 0)
		goto fail;
	if ((err = st_hist_open(s)) != 0) {
		pk_diagf(d, err, "%s: building the record history index: %s", path,
		         pk_strerror(err));
		goto fail;
	}
	s->mapaddr = db_mapaddr(s->db);
	atomic_init(&s->marked_full, store_full_since(s, NULL));
	*out = s;
	return 0;
fail:
	if (err == PK_ENOSPC)
		pk_diag_nospace(d, path);
	store_close(s);
	/* TRANSLATORS: the word that a message about a damaged store says already (so that
	 * " (the store is damaged)" is not added to it): as the translations of those messages
	 * say it. */
	if (err == PK_ECORRUPT && d != NULL && strstr(d->msg, PK_("damaged")) == NULL) {
		size_t n = strlen(d->msg);
		snprintf(d->msg + n, sizeof(d->msg) - n, "%s", PK_(" (the store is damaged)"));
	}
	return err;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	st_notify_fini(s);
	db_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- metadata ----------------------------------------------------------------------------- */

int st_meta_get(struct db_txn *t, struct store *s, const char *name, struct db_val *v)
{
	return db_get(t, s->meta, name, strlen(name), v);
}

int st_meta_put(struct db_txn *t, struct store *s, const char *name, const void *data, size_t len)
{
	return db_put(t, s->meta, name, strlen(name), data, len);
}

static void copy_str(char *dst, size_t cap, const struct db_val *v)
{
	size_t n = v->len < cap - 1 ? v->len : cap - 1;

	memcpy(dst, v->data, n);
	dst[n] = '\0';
}

int st_node_read(struct db_txn *t, struct store *s, struct store_node *n)
{
	struct db_val v;
	int err;

	memset(n, 0, sizeof(*n));
	if ((err = st_meta_get(t, s, "pub", &v)) != 0)
		return err;
	if (v.len != PK_PUB_BYTES)
		return PK_ECORRUPT;
	memcpy(n->pub, v.data, PK_PUB_BYTES);
	if ((err = st_meta_get(t, s, "root", &v)) != 0 || v.len != PK_PUB_BYTES)
		return err != 0 ? err : PK_ECORRUPT;
	memcpy(n->root, v.data, PK_PUB_BYTES);
	if ((err = st_meta_get(t, s, "region", &v)) != 0)
		return err;
	copy_str(n->region, sizeof(n->region), &v);
	if ((err = st_meta_get(t, s, "name", &v)) != 0)
		return err;
	copy_str(n->name, sizeof(n->name), &v);
	n->certified = st_meta_get(t, s, "certified", &v) == 0;
	return 0;
}

int store_node_get(struct store *s, struct store_node *n)
{
	struct db_txn t;
	int err;

	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	err = st_node_read(&t, s, n);
	db_txn_end(&t);
	return err;
}

int store_node_init(struct store *s, const struct store_node *n)
{
	struct db_txn t;
	struct db_val v;
	int err;

	db_txn_begin(&t, s->db, 0);
	if (st_meta_get(&t, s, "pub", &v) == 0)
		db_txn_fail(&t, PK_EEXIST);
	st_meta_put(&t, s, "pub", n->pub, PK_PUB_BYTES);
	st_meta_put(&t, s, "root", n->root, PK_PUB_BYTES);
	st_meta_put(&t, s, "region", n->region, strlen(n->region));
	st_meta_put(&t, s, "name", n->name, strlen(n->name));
	if (memcmp(n->pub, n->root, PK_PUB_BYTES) == 0)
		st_meta_put(&t, s, "certified", "1", 1);
	if ((err = db_txn_commit(&t)) != 0)
		return err;
	memcpy(s->root, n->root, PK_PUB_BYTES);
	s->have_root = true;
	return 0;
}

int store_next_serial(struct store *s, uint64_t *serial)
{
	struct db_txn t;
	struct db_val v;
	uint8_t buf[8];

	db_txn_begin(&t, s->db, 0);
	*serial = 1;
	if (st_meta_get(&t, s, "serial", &v) == 0 && v.len == 8)
		*serial = db_get_be64(v.data) + 1;
	db_put_be64(buf, *serial);
	st_meta_put(&t, s, "serial", buf, 8);
	return db_txn_commit(&t);
}

/* ---- heads and the log ------------------------------------------------------------------- */

int st_head_read(struct db_txn *t, struct store *s, const uint8_t *origin, struct store_head *h)
{
	struct db_val v;
	int err;

	memset(h, 0, sizeof(*h));
	err = db_get(t, s->heads, origin, PK_PUB_BYTES, &v);
	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (v.len != HEAD_BYTES)
		return PK_ECORRUPT;
	h->seq = db_get_be64(v.data);
	memcpy(h->hash, (uint8_t *)v.data + 8, PK_HASH_BYTES);
	h->hlc = db_get_be64((uint8_t *)v.data + 8 + PK_HASH_BYTES);
	h->forked = ((uint8_t *)v.data)[HEAD_BYTES - 1] != 0;
	return 0;
}

int st_head_write(struct db_txn *t, struct store *s, const uint8_t *origin,
                  const struct store_head *h)
{
	uint8_t buf[HEAD_BYTES];

	db_put_be64(buf, h->seq);
	memcpy(buf + 8, h->hash, PK_HASH_BYTES);
	db_put_be64(buf + 8 + PK_HASH_BYTES, h->hlc);
	buf[HEAD_BYTES - 1] = h->forked ? 1 : 0;
	return db_put(t, s->heads, origin, PK_PUB_BYTES, buf, HEAD_BYTES);
}

int store_head_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], struct store_head *h)
{
	struct db_txn t;
	int err;

	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	err = st_head_read(&t, s, origin, h);
	db_txn_end(&t);
	return err;
}

void st_log_key(uint8_t key[PK_PUB_BYTES + 8], const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, PK_PUB_BYTES);
	db_put_be64(key + PK_PUB_BYTES, seq);
}

int store_log_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t seq, uint8_t **out,
                  size_t *len)
{
	uint8_t key[PK_PUB_BYTES + 8];
	struct db_txn t;
	struct db_val v;
	int err;

	*out = NULL;
	st_log_key(key, origin, seq);
	db_txn_begin(&t, s->db, DB_RDONLY);
	if ((err = db_get(&t, s->log, key, sizeof(key), &v)) == 0) {
		*out = malloc(v.len);
		if (*out != NULL) {
			memcpy(*out, v.data, v.len);
			*len = v.len;
		}
	}
	db_txn_end(&t);
	if (err != 0)
		return err;
	return *out == NULL ? PK_ENOMEM : 0;
}

/* Keeps both changesets of a fork as evidence: [seq][len a][a][len b][b]. */
int st_fork_record(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                   const struct db_val *held)
{
	size_t len = 8 + 8 + held->len + 8 + cs->raw_len;
	uint8_t *buf;
	int err;

	if ((buf = malloc(len)) == NULL)
		return PK_ENOMEM;
	db_put_be64(buf, cs->seq);
	db_put_be64(buf + 8, held->len);
	memcpy(buf + 16, held->data, held->len);
	db_put_be64(buf + 16 + held->len, cs->raw_len);
	memcpy(buf + 24 + held->len, cs->raw, cs->raw_len);
	err = db_put_new(t, s->forks, cs->origin, PK_PUB_BYTES, buf, len);
	free(buf);
	return err == PK_EEXIST ? 0 : err;
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
int st_rec_apply(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                 const struct pk_op *op, uint8_t *scratch)
{
	uint8_t key[REC_KEY_MAX], ikey[REC_KEY_MAX];
	size_t klen = st_rec_key(key, op, false), len = REC_META + op->value_len;
	struct db_val v;
	const uint8_t *old;
	int err;

	/* Every version goes into the history, also one that loses to a newer one held. */
	if ((err = st_hist_put(t, s, cs, op)) != 0)
		return err;
	err = db_get(t, s->rec, key, klen, &v);
	if (err == 0) {
		if (v.len < REC_META)
			return PK_ECORRUPT;
		old = v.data;
		if (st_version_cmp(cs->hlc, cs->origin, db_get_be64(old), old + 8) < 0)
			return 0;
	} else if (err == PK_ENOTFOUND) {
		if ((err = db_put(t, s->bykey, ikey, st_rec_key(ikey, op, true), "", 0)) != 0)
			return err;
	} else {
		return err;
	}
	db_put_be64(scratch, cs->hlc);
	memcpy(scratch + 8, cs->origin, PK_PUB_BYTES);
	db_put_be64(scratch + 8 + PK_PUB_BYTES, cs->seq);
	scratch[REC_META - 1] = op->value == NULL ? 1 : 0;
	if (op->value != NULL)
		memcpy(scratch + REC_META, op->value, op->value_len);
	return db_put(t, s->rec, key, klen, scratch, len);
}

/* ---- reading ------------------------------------------------------------------------------ */

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
	r->key = z2 + 1; /* the copy is NUL-terminated (db_scan) */
	r->hlc = db_get_be64(val);
	memcpy(r->origin, val + 8, PK_PUB_BYTES);
	r->seq = db_get_be64(val + 8 + PK_PUB_BYTES);
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

static int list_visit(const struct db_entry *e, void *arg)
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
	err = db_scan(s->db, s->rec, prefix, (size_t)n, list_visit, &c);
	return err < 0 ? err : c.calls;
}

/* store_get, and with with_deleted tombstones too (store_get_any). */
static int get_by_key(struct store *s, const char *coll, const char *key, const char *region,
                      bool with_deleted, store_record_fn fn, void *arg)
{
	uint8_t ikey[REC_KEY_MAX], rkey[REC_KEY_MAX];
	struct store_record r;
	size_t clen = strlen(coll), klen = strlen(key), plen;
	struct db_txn t;
	struct db_cur c;
	struct db_val v;
	int err = 0, calls = 0;

	if (clen == 0 || clen > PK_COLL_MAX || !pk_key_valid(key, klen) ||
	    (region != NULL && !pk_region_valid(region, strlen(region))))
		return PK_EINVAL;
	/* Few records share a key (one per region at most), so one short transaction suffices. */
	memcpy(ikey, coll, clen);
	ikey[clen] = 0;
	memcpy(ikey + clen + 1, key, klen);
	ikey[clen + 1 + klen] = 0;
	plen = clen + klen + 2;
	db_txn_begin(&t, s->db, DB_RDONLY);
	db_cur_open(&c, &t, s->bykey);
	for (bool on = db_cur_prefix(&c, ikey, plen); on; on = db_cur_next(&c)) {
		const char *reg = (const char *)c.k.data + plen;
		size_t rlen = c.k.len - plen;

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
		if ((err = db_get(&t, s->rec, rkey, clen + rlen + klen + 2, &v)) != 0) {
			err = err == PK_ENOTFOUND ? PK_ECORRUPT : err;
			break;
		}
		if ((err = st_rec_decode(
		         rkey, clen + rlen + klen + 2, v.data, v.len,
		         s->mapaddr ? (size_t)((const char *)v.data - s->mapaddr) : 0, &r)) != 0)
			break;
		if (r.deleted && !with_deleted)
			continue;
		calls++;
		if (fn(&r, arg) != 0)
			break;
	}
	db_cur_close(&c);
	db_txn_fail(&t, err);
	err = db_txn_end(&t);
	return err != 0 ? err : calls;
}

int store_get(struct store *s, const char *coll, const char *key, const char *region,
              store_record_fn fn, void *arg)
{
	return get_by_key(s, coll, key, region, false, fn, arg);
}

int store_get_any(struct store *s, const char *coll, const char *key, const char *region,
                  store_record_fn fn, void *arg)
{
	return get_by_key(s, coll, key, region, true, fn, arg);
}

struct log_ctx {
	int (*fn)(const uint8_t *raw, size_t len, void *arg);
	void *arg;
};

static int log_visit(const struct db_entry *e, void *arg)
{
	struct log_ctx *c = arg;

	return c->fn(e->val, e->vlen, c->arg) != 0 ? 1 : 0;
}

int store_log(struct store *s, const uint8_t *origin,
              int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg)
{
	struct log_ctx c = {fn, arg};

	return db_scan(s->db, s->log, origin, origin ? PK_PUB_BYTES : 0, log_visit, &c);
}
