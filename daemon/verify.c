/*
 * verify.c: checking a store: store_verify re-checks every changeset, head, record, index entry
 * and certificate in one read transaction (held as long as the walk lasts), and the raw page
 * check reads the LMDB pages before anything trusts them. The page check lives here, not beside
 * store_open, because it is the first half of the same job (`pokjactl verify` and `restore` run
 * it, then store_verify) and opens its own environment rather than a struct store.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmdbcheck.h"
#include "proto/crypto.h"

/* ---- verifying -------------------------------------------------------------------------- */

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
	struct db_txn t;
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
		snprintf(where + n, sizeof(where) - n, PK_(" (data.mdb offset %zu)"),
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
	if (st_head_read(&v->t, v->s, origin, &h) != 0 || h.seq != walked->seq ||
	    memcmp(h.hash, walked->hash, PK_HASH_BYTES) != 0 || h.hlc != walked->hlc)
		vfail(v, NULL, PK_("head does not match the last changeset of the log"),
		      PK_("head of origin %s"), o);
}

/* Every op of a changeset must be reflected by the record it names: a newer version, or this
 * changeset's own value. */
static void check_ops(struct verifier *v, const struct pk_changeset *cs, const char *o)
{
	uint8_t key[REC_KEY_MAX];
	struct pk_cs_iter it;
	struct pk_op op;
	struct db_val val;
	const uint8_t *m;

	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		if (db_get(&v->t, v->s->rec, key, st_rec_key(key, &op, false), &val) != 0 ||
		    val.len < REC_META) {
			vfail(v, NULL, PK_("record named by the log is missing"),
			      PK_("record %.*s/%.*s/%.*s (origin %s seq %llu)"), (int)op.coll_len,
			      op.coll, (int)op.region_len, op.region, (int)op.key_len, op.key, o,
			      (unsigned long long)cs->seq);
			continue;
		}
		m = val.data;
		if (st_version_cmp(db_get_be64(m), m + 8, cs->hlc, cs->origin) < 0) {
			vfail(v, val.data, PK_("record is older than a changeset in the log"),
			      PK_("record %.*s/%.*s/%.*s"), (int)op.coll_len, op.coll,
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
	struct db_cur cur;
	struct db_val k, val;
	char o[17];
	bool have = false;
	int err;

	if ((err = db_cur_open(&cur, &v->t, v->s->log)) != 0)
		return err;
	memset(&walked, 0, sizeof(walked));
	for (bool on = db_cur_first(&cur); on; on = db_cur_next(&cur)) {
		k = cur.k;
		val = cur.v;
		v->st->changesets++;
		if (k.len != PK_PUB_BYTES + 8) {
			vfail(v, val.data, PK_("log key has the wrong length"), PK_("log entry"));
			continue;
		}
		if (!have || memcmp(origin, k.data, PK_PUB_BYTES) != 0) {
			if (have)
				check_head(v, origin, &walked);
			memcpy(origin, k.data, PK_PUB_BYTES);
			memset(&walked, 0, sizeof(walked));
			have = true;
		}
		short_hex(o, origin);
		uint64_t seq = db_get_be64((uint8_t *)k.data + PK_PUB_BYTES);
		if (pk_cs_decode(val.data, val.len, &cs, &why) != 0) {
			vfail(v, val.data, why.msg, PK_("changeset origin %s seq %llu"), o,
			      (unsigned long long)seq);
			continue;
		}
		if (memcmp(cs.origin, origin, PK_PUB_BYTES) != 0 || cs.seq != seq)
			vfail(v, val.data,
			      PK_("changeset is filed under another origin or sequence"),
			      PK_("changeset origin %s seq %llu"), o, (unsigned long long)seq);
		else if (!pk_cs_sig_ok(&cs))
			vfail(v, val.data, PK_("signature does not verify"),
			      PK_("changeset origin %s seq %llu"), o, (unsigned long long)seq);
		else if (seq != walked.seq + 1 ||
		         (seq > 1 && memcmp(cs.prev, walked.hash, PK_HASH_BYTES) != 0))
			vfail(v, val.data,
			      PK_("hash chain broken (previous changeset missing or "
			          "different)"),
			      PK_("changeset origin %s seq %llu"), o, (unsigned long long)seq);
		else if (pk_cs_check_records(&cs, &why) != 0)
			vfail(v, val.data, why.msg, PK_("changeset origin %s seq %llu"), o,
			      (unsigned long long)seq);
		walked.seq = seq;
		pk_cs_hash(&cs, walked.hash);
		walked.hlc = cs.hlc;
		check_ops(v, &cs, o);
	}
	if (have)
		check_head(v, origin, &walked);
	db_cur_close(&cur);
	return v->t.err;
}

/* Every record must come from an op in the changeset it names, with the same value. */
static void check_record(struct verifier *v, struct db_val *k, struct db_val *val)
{
	uint8_t lk[PK_PUB_BYTES + 8], ik[REC_KEY_MAX];
	struct store_record r;
	struct pk_changeset cs;
	struct pk_op op;
	struct vcs *e;
	struct db_val cv;
	uint8_t kcopy[REC_KEY_MAX + 1];
	bool found = false, same = false;

	if (k->len > REC_KEY_MAX ||
	    (memcpy(kcopy, k->data, k->len), kcopy[k->len] = 0,
	     st_rec_decode(kcopy, k->len, val->data, val->len, 0, &r)) != 0) {
		vfail(v, val->data, PK_("record entry is malformed"), PK_("record table"));
		return;
	}
	st_log_key(lk, r.origin, r.seq);
	if ((e = vcs_find(v, r.origin, r.seq)) != NULL)
		cs = e->cs;
	if ((e == NULL && (db_get(&v->t, v->s->log, lk, sizeof(lk), &cv) != 0 ||
	                   pk_cs_decode(cv.data, cv.len, &cs, NULL) != 0)) ||
	    cs.hlc != r.hlc) {
		vfail(v, val->data, PK_("record names a changeset that is not in the log"),
		      PK_("record %s/%s/%s"), r.coll, r.region, r.key);
		return;
	}
	if ((found = vop_find(v, &cs, &r, &op)))
		same = r.deleted ? op.value == NULL
		                 : op.value != NULL && r.value_len == op.value_len &&
		                       memcmp(r.value, op.value, op.value_len) == 0;
	if (!found || !same)
		vfail(v, (const uint8_t *)val->data + REC_META,
		      found ? PK_("record value differs from its changeset")
		            : PK_("record's changeset has no operation for it"),
		      PK_("record %s/%s/%s"), r.coll, r.region, r.key);
	pk_op_set(&op, r.coll, r.region, r.key, NULL, 0);
	if (db_get(&v->t, v->s->bykey, ik, st_rec_key(ik, &op, true), &cv) != 0)
		vfail(v, NULL, PK_("record is missing from the key index"), PK_("record %s/%s/%s"),
		      r.coll, r.region, r.key);
}

/* Walks a whole table, calling fn for each entry. */
static int walk(struct verifier *v, db_dbi dbi,
                void (*fn)(struct verifier *v, struct db_val *k, struct db_val *val))
{
	struct db_cur cur;
	int err;

	if ((err = db_cur_open(&cur, &v->t, dbi)) != 0)
		return err;
	for (bool on = db_cur_first(&cur); on; on = db_cur_next(&cur)) {
		struct db_val k = cur.k, val = cur.v;

		fn(v, &k, &val);
	}
	db_cur_close(&cur);
	return v->t.err;
}

/*
 * Whether the held chain of key checks from the root (SPEC section 7: issuers, signatures,
 * nested regions, a time when all are valid): a certificate displaced or stored without a
 * chain by an older version shows up here. Reads the certs table, not the cache.
 */
static bool cert_chains(struct db_txn *t, struct store *s, const uint8_t key[PK_PUB_BYTES],
                        struct pk_diag *why)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	uint64_t nb = 0, na = UINT64_MAX;
	struct pk_diag d = {""};
	int n;

	if ((n = st_chain_load(t, s, key, chain, &d)) < 0) {
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
		         nb > na ? PK_("never valid as a whole") : d.msg);
		return false;
	}
	return true;
}

static void check_cert(struct verifier *v, struct db_val *k, struct db_val *val)
{
	struct pk_cert c;
	struct pk_diag why;

	v->st->certs++;
	if (pk_cert_decode(val->data, val->len, &c, &why) != 0)
		vfail(v, val->data, why.msg, PK_("certificate"));
	else if (k->len != PK_PUB_BYTES || memcmp(k->data, c.info.subject, PK_PUB_BYTES))
		vfail(v, val->data, PK_("filed under another key"), PK_("certificate of '%s'"),
		      c.info.name);
	else if (!pk_cert_sig_ok(&c))
		vfail(v, val->data, PK_("signature does not verify"), PK_("certificate of '%s'"),
		      c.info.name);
	else if (v->s->have_root && !cert_chains(&v->t, v->s, c.info.subject, &why))
		vfail(v, val->data, why.msg, PK_("certificate of '%s'"), c.info.name);
}

/* A head must name a changeset that is in the log (the log walk checks the converse). */
static void check_head_entry(struct verifier *v, struct db_val *k, struct db_val *val)
{
	uint8_t lk[PK_PUB_BYTES + 8];
	struct db_val cv;
	char o[17];

	if (k->len != PK_PUB_BYTES || val->len != HEAD_BYTES) {
		vfail(v, val->data, PK_("head entry is malformed"), PK_("heads table"));
		return;
	}
	short_hex(o, k->data);
	st_log_key(lk, k->data, db_get_be64(val->data));
	if (db_get(&v->t, v->s->log, lk, sizeof(lk), &cv) != 0)
		vfail(v, val->data, PK_("head names a changeset that is not in the log"),
		      PK_("head of origin %s"), o);
}

static void count_record(struct verifier *v, struct db_val *k, struct db_val *val)
{
	v->st->records++;
	check_record(v, k, val);
}

/* Each index entry coll\0key\0region must name a record coll\0region\0key. */
static void check_index(struct verifier *v, struct db_val *k, struct db_val *val)
{
	const char *p = k->data, *z1, *z2;
	uint8_t rk[REC_KEY_MAX];
	struct db_val rv;
	size_t clen, klen, rlen;

	(void)val;
	z1 = memchr(p, 0, k->len);
	z2 = z1 ? memchr(z1 + 1, 0, k->len - (size_t)(z1 + 1 - p)) : NULL;
	if (z2 == NULL || k->len > REC_KEY_MAX) {
		vfail(v, NULL, PK_("index entry is malformed"), PK_("key index"));
		return;
	}
	clen = (size_t)(z1 - p);
	klen = (size_t)(z2 - z1 - 1);
	rlen = k->len - clen - klen - 2;
	memcpy(rk, p, clen + 1);
	memcpy(rk + clen + 1, z2 + 1, rlen);
	rk[clen + 1 + rlen] = 0;
	memcpy(rk + clen + 2 + rlen, z1 + 1, klen);
	if (db_get(&v->t, v->s->rec, rk, k->len, &rv) != 0)
		vfail(v, NULL, PK_("index names a record that does not exist"),
		      PK_("key index %.*s/%.*s"), (int)clen, p, (int)klen, z1 + 1);
}

int store_verify(struct store *s, void (*problem)(const char *where, const char *what, void *arg),
                 void *arg, struct store_verify_stats *stats)
{
	struct verifier v = {.s = s, .problem = problem, .arg = arg, .st = stats};
	int err;

	memset(stats, 0, sizeof(*stats));
	if ((err = db_txn_begin(&v.t, s->db, DB_RDONLY)) != 0)
		return err;
	if ((err = walk(&v, s->certs, check_cert)) == 0 && (err = verify_log(&v)) == 0 &&
	    (err = walk(&v, s->heads, check_head_entry)) == 0 &&
	    (err = walk(&v, s->rec, count_record)) == 0)
		err = walk(&v, s->bykey, check_index);
	if (err == PK_ECORRUPT)
		vfail(&v, NULL, PK_("LMDB page structure is damaged; the walk stopped here"),
		      PK_("store"));
	vcache_free(&v);
	db_txn_end(&v.t);
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

	snprintf(where, sizeof(where), PK_("LMDB page %llu (data.mdb offset %llu)"),
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
	struct db *db = NULL;
	struct db_txn t = {0};
	void *map = MAP_FAILED;
	int fd = -1, err;

	*problems = 0;
	snprintf(file, sizeof(file), "%s/data.mdb", path);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &fst) != 0) {
		err = errno == ENOENT ? PK_ENOTFOUND : PK_EIO;
		goto out;
	}
	/* Opening the environment reads only the two meta pages, which LMDB checks itself; the
	 * read transaction registers this process as a reader of the newest snapshot. A file
	 * LMDB will not even open is reported by the walk from the newest meta. */
	db_snapshot_open(path, &db, &t);
	if (fst.st_size > 0) {
		map = mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			err = PK_EIO;
			goto out;
		}
	}
	err = lmdbcheck(map == MAP_FAILED ? (const uint8_t *)"" : map, (size_t)fst.st_size,
	                db_txn_id(&t), page_problem, &rep, &st);
	*problems = st.problems;
	if (err == PK_ECORRUPT)
		err = 0; /* reported through problem() */
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)fst.st_size);
	db_txn_end(&t);
	db_close(db);
	if (fd >= 0)
		close(fd);
	return err;
}
