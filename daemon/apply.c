/*
 * apply.c: changesets into the store. store_apply verifies received ones (decoding, signature and
 * hash on up to 16 threads, then every check against the store in one write transaction), and
 * store_apply_from also the sender's lineage rule (SPEC section 16) between decoding and the
 * rest; store_write signs and applies this node's own. Both go through apply_one, so a changeset
 * written here meets exactly the checks a received one meets. One write transaction per batch;
 * its refusals are counted in it, one update per reason.
 */
#include "store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/schema.h"

/* ---- applying ----------------------------------------------------------------------------- */

struct pending {
	struct pk_changeset cs;
	uint8_t hash[PK_HASH_BYTES];
	struct store_outcome *out;
};

/* Decodes, checks the signature and hashes (unless hash is given: the writer's own, made as it
 * signed): the part that needs no store, run on threads. */
static void precheck_hashed(struct pending *p, const struct store_blob *b, const uint8_t *hash)
{
	p->out->err = pk_cs_decode(b->data, b->len, &p->cs, &p->out->why);
	p->out->decoded = p->out->err == 0;
	if (p->out->err != 0)
		return;
	memcpy(p->out->origin, p->cs.origin, PK_PUB_BYTES);
	p->out->seq = p->cs.seq;
	if (!pk_cs_sig_ok(&p->cs)) {
		p->out->err =
		    pk_diagf(&p->out->why, PK_ESIG, "changeset signature does not verify");
		return;
	}
	if (hash != NULL)
		memcpy(p->hash, hash, PK_HASH_BYTES);
	else
		pk_cs_hash(&p->cs, p->hash);
}

static void precheck(struct pending *p, const struct store_blob *b)
{
	precheck_hashed(p, b, NULL);
}

/*
 * Checks one prechecked changeset against the store and writes it. Returns 0 with the outcome
 * in p->out (applied, held already, or refused), or a store failure, after which the whole
 * transaction must be aborted. scratch holds REC_META + PK_VALUE_MAX_BYTES.
 */
static int apply_one(struct db_txn *t, struct store *s, struct pending *p, uint64_t now_ms,
                     uint8_t *scratch)
{
	const struct pk_changeset *cs = &p->cs;
	struct store_outcome *o = p->out;
	char region[PK_REGION_MAX + 1];
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int npath = 0;
	uint8_t lk[PK_PUB_BYTES + 8];
	struct db_val v;
	struct store_head h;
	struct pk_cs_iter it;
	struct pk_op op;
	uint8_t hlcbuf[8];
	enum clock_route route;
	int rc, err;

	if ((err = st_head_read(t, s, cs->origin, &h)) != 0)
		return err;
	if (h.forked) {
		o->err = pk_diagf(&o->why, PK_EFORKED, "origin has forked its log; refused");
		return 0;
	}
	/* Changesets held for their time (clock.c) come before the log's checks. */
	if ((err = clock_route(t, s, cs, &h, now_ms, o, &route, &v)) != 0)
		return err;
	if (route == CLOCK_DONE)
		return 0;
	st_log_key(lk, cs->origin, cs->seq);
	if (route == CLOCK_FORK || cs->seq <= h.seq) {
		if (route != CLOCK_FORK && (err = db_get(t, s->log, lk, sizeof(lk), &v)) != 0)
			return err == PK_ENOTFOUND ? PK_ECORRUPT : err;
		if (route != CLOCK_FORK && v.len == cs->raw_len &&
		    memcmp(v.data, cs->raw, cs->raw_len) == 0) {
			o->err = PK_EEXIST;
			return 0;
		}
		if ((err = st_fork_record(t, s, cs, &v)) != 0)
			return err;
		if (route == CLOCK_FORK && (err = clock_route_drop(t, s, cs->origin)) != 0)
			return err;
		h.forked = true;
		if ((err = st_head_write(t, s, cs->origin, &h)) != 0)
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
	err = st_authority(t, s, cs->origin, pk_hlc_ms(cs->hlc) / 1000, region, path, &npath,
	                   &o->why);
	if (err == 0)
		err = st_path_revoked(t, s, path, npath, cs->hlc, &o->why);
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
		if (!pk_region_owned(op.region, op.region_len, region, strlen(region))) {
			o->err = pk_diagf(&o->why, PK_EOWNER,
			                  "operation %u writes a record of region '%.*s', which "
			                  "belongs to that region's node, not to the origin's '%s'",
			                  i, (int)op.region_len, op.region, region);
			return 0;
		}
	}
	if ((o->err = pk_cs_check_records(cs, &o->why)) != 0)
		return 0;
	err = st_revocations_check(t, s, cs, &o->why);
	if (err == PK_EREGION || err == PK_EDECODE) {
		o->err = err;
		return 0;
	}
	if (err != 0)
		return err;
	if (route == CLOCK_HOLD)
		return clock_hold(t, s, cs, now_ms, o);

	/* Accepted: from here on any failure is the store's and aborts the transaction. */
	if ((err = db_put(t, s->log, lk, sizeof(lk), cs->raw, cs->raw_len)) != 0)
		return err;
	h.seq = cs->seq;
	memcpy(h.hash, p->hash, PK_HASH_BYTES);
	h.hlc = cs->hlc;
	if ((err = st_head_write(t, s, cs->origin, &h)) != 0)
		return err;
	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op))
		if ((err = st_rec_apply(t, s, cs, &op, scratch)) != 0)
			return err;
	if ((err = st_revocations_record(t, s, cs)) != 0)
		return err;
	if (st_meta_get(t, s, "hlc", &v) != 0 || v.len != 8 || db_get_be64(v.data) < cs->hlc) {
		db_put_be64(hlcbuf, cs->hlc);
		if ((err = st_meta_put(t, s, "hlc", hlcbuf, 8)) != 0)
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
int st_refused_add(struct db_txn *t, struct store *s, const char *tag, uint64_t count)
{
	struct db_val v;
	uint8_t buf[8];
	uint64_t held = 0;
	int err;

	err = db_get(t, s->refused, tag, strlen(tag), &v);
	if (err == 0 && v.len == 8)
		held = db_get_be64(v.data);
	else if (err != 0 && err != PK_ENOTFOUND)
		return err;
	db_put_be64(buf, held + count > held ? held + count : UINT64_MAX);
	return db_put(t, s->refused, tag, strlen(tag), buf, 8);
}

/* Counts the batch's refusals by reason (a duplicate is not a refusal, nor a changeset left out
 * by the lineage rule when it is not a refusal), in the batch's transaction: one update per
 * reason, not per changeset. */
static int refusals_count(struct db_txn *t, struct store *s, const struct store_outcome *out,
                          size_t n, bool lineage_counts)
{
	uint64_t counts[PK_ERR_COUNT] = {0};
	int err;

	for (size_t i = 0; i < n; i++) {
		int e = out[i].err;

		if (e == PK_ELINEAGE && !lineage_counts)
			continue;
		if (e < 0 && e != PK_EEXIST && e != PK_EHELD)
			counts[-e < PK_ERR_COUNT ? -e : 0]++; /* slot 0: an unknown code */
	}
	for (int e = 0; e < PK_ERR_COUNT; e++)
		if (counts[e] != 0 &&
		    (err = st_refused_add(t, s, e == 0 ? "unknown" : pk_errtag(-e), counts[e])) !=
		        0)
			return err;
	return 0;
}

/*
 * The lineage rule at the receiving end (SPEC section 16), before section 8 as SPEC orders it
 * (even a changeset whose signature fails is `lineage` when its origin may not come this way).
 * On the path the authority cache holds, in this transaction: no second read transaction and,
 * for a valid chain, no certificate decoded again. Returns 0 or a store failure.
 */
static int lineage_check(struct db_txn *t, struct store *s, const struct store_sender *from,
                         struct store_outcome *o)
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int n = st_origin_path(t, s, o->origin, path);

	if (n == PK_ESTORE || n == PK_ENOMEM)
		return n;
	if (n > 0 && !from->wants(from->arg, o->origin, path, n))
		o->err = pk_diagf(&o->why, PK_ELINEAGE, "%s",
		                  from->why != NULL ? from->why
		                                    : PK_("origin outside the sender's lineage"));
	return 0;
}

int store_apply(struct store *s, const struct store_blob *cs, size_t n, int threads,
                uint64_t now_ms, struct store_outcome *out)
{
	return store_apply_from(s, cs, n, NULL, threads, now_ms, out);
}

int store_apply_from(struct store *s, const struct store_blob *cs, size_t n,
                     const struct store_sender *from, int threads, uint64_t now_ms,
                     struct store_outcome *out)
{
	struct pending *p;
	uint8_t *scratch;
	struct db_txn t;
	int err = 0;

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
	/* One write transaction for the whole batch: a store failure in any changeset aborts it.
	 * The lineage rule is decided here, on the authority path step 9 finds again cached. */
	db_txn_begin(&t, s->db, 0);
	for (size_t i = 0; i < n && err == 0; i++) {
		if (from != NULL && out[i].decoded &&
		    (err = lineage_check(&t, s, from, &out[i])) != 0)
			break;
		if (out[i].err == 0)
			err = apply_one(&t, s, &p[i], now_ms, scratch);
	}
	if (err == 0)
		err = refusals_count(&t, s, out, n, from != NULL && from->refusal);
	db_txn_fail(&t, err);
	err = db_txn_commit(&t);
out:
	free(scratch);
	free(p);
	return err;
}

/* ---- writing this node's own changesets ----------------------------------------------- */

/* The conditions of store_write_if, in its transaction t, before anything is written. */
static int conds_check(struct db_txn *t, struct store *s, const struct pk_op *ops,
                       const struct store_cond *conds, size_t nops, struct pk_diag *d)
{
	uint8_t key[REC_KEY_MAX];
	struct db_val v;
	const uint8_t *old;
	bool live;
	int err;

	for (size_t i = 0; conds != NULL && i < nops; i++) {
		if (conds[i].kind == STORE_IF_ANY)
			continue;
		err = db_get(t, s->rec, key, st_rec_key(key, &ops[i], false), &v);
		if (err != 0 && err != PK_ENOTFOUND)
			return err;
		if (err == 0 && v.len < REC_META)
			return PK_ECORRUPT;
		old = err == 0 ? v.data : NULL;
		live = old != NULL && old[REC_META - 1] == 0;
		if (conds[i].kind == STORE_IF_ABSENT && live)
			return pk_diagf(d, PK_EEXIST,
			                "operation %zu: record %.*s/%.*s in region '%.*s' exists "
			                "already",
			                i, (int)ops[i].coll_len, ops[i].coll, (int)ops[i].key_len,
			                ops[i].key, (int)ops[i].region_len, ops[i].region);
		if (conds[i].kind == STORE_IF_VERSION &&
		    (!live || db_get_be64(old) != conds[i].hlc ||
		     memcmp(old + 8, conds[i].origin, PK_PUB_BYTES) != 0))
			return pk_diagf(d, PK_ECONFLICT,
			                "record %.*s/%.*s in region '%.*s' was %s by another write "
			                "since it was read; run the command again",
			                (int)ops[i].coll_len, ops[i].coll, (int)ops[i].key_len,
			                ops[i].key, (int)ops[i].region_len, ops[i].region,
			                /* TRANSLATORS: "was changed/deleted by another write". */
			                live ? PK_("changed") : PK_("deleted"));
	}
	return 0;
}

/*
 * This node's own changesets, made in order: each takes as many ops as fit under both limits,
 * continues the head (sequence, previous hash, clock) and is signed. A write of more than one
 * changeset makes them on a second thread, up to SIGN_AHEAD ahead of the one being checked and
 * applied: signing and hashing (two SHA-512 passes and a BLAKE2b pass over up to 1 MB each)
 * then overlap the checks and the LMDB writes, so a bulk import uses both cores. The bytes and
 * their order are what one thread would make.
 */
#define SIGN_AHEAD 3

struct made {
	uint8_t *buf; /* malloc'd by pk_cs_encode; NULL once taken */
	size_t len;
	size_t count; /* its ops */
	uint64_t seq, hlc;
	uint8_t hash[PK_HASH_BYTES];
	int err; /* a refusal: no changeset could be made (why says why) */
	struct pk_diag why;
};

struct maker {
	const struct pk_op *ops;
	size_t nops, done;
	const uint8_t *pub, *sec;
	uint64_t now_ms, last;
	struct store_head h; /* the head the next changeset continues */
	bool threaded;
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct made ring[SIGN_AHEAD];
	size_t made, taken; /* counts: ring[i % SIGN_AHEAD] */
	bool stop, end;     /* the taker quit; the maker has no more */
};

/* Makes the next changeset into m; false when every op is in one already. */
static bool make_one(struct maker *k, struct made *m)
{
	struct pk_cs_head ch;
	size_t size = 256, count;

	if (k->done >= k->nops)
		return false;
	memset(m, 0, sizeof(*m));
	for (count = 0; k->done + count < k->nops && count < PK_CS_MAX_OPS; count++) {
		size_t one = pk_cs_op_size(&k->ops[k->done + count]);
		if (size + one > PK_CS_MAX_BYTES)
			break;
		size += one;
	}
	if (count == 0) {
		m->err = pk_diagf(&m->why, PK_ETOOBIG, "operation %zu is larger than a changeset",
		                  k->done);
		k->done = k->nops;
		return true;
	}
	ch.seq = k->h.seq + 1;
	memcpy(ch.prev, k->h.hash, PK_HASH_BYTES);
	ch.hlc = pk_hlc_next(k->last > k->h.hlc ? k->last : k->h.hlc, k->now_ms);
	m->err =
	    pk_cs_encode(&ch, k->ops + k->done, (uint32_t)count, k->pub, k->sec, &m->buf, &m->len);
	if (m->err != 0) {
		k->done = k->nops;
		return true;
	}
	pk_hash(m->hash, m->buf, m->len);
	m->count = count;
	m->seq = ch.seq;
	m->hlc = ch.hlc;
	k->h.seq = ch.seq;
	memcpy(k->h.hash, m->hash, PK_HASH_BYTES);
	k->h.hlc = ch.hlc;
	k->last = ch.hlc;
	k->done += count;
	return true;
}

static void *maker_run(void *arg)
{
	struct maker *k = arg;
	struct made m;
	bool more;

	for (;;) {
		more = make_one(k, &m);
		pthread_mutex_lock(&k->mu);
		while (more && !k->stop && k->made - k->taken == SIGN_AHEAD)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop || !more) {
			k->end = true;
			pthread_cond_broadcast(&k->cv);
			pthread_mutex_unlock(&k->mu);
			if (more)
				free(m.buf);
			return NULL;
		}
		k->ring[k->made % SIGN_AHEAD] = m;
		k->made++;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->mu);
	}
}

/* The next changeset in *m (its buffer now the caller's); false when there is none. */
static bool maker_take(struct maker *k, struct made *m)
{
	bool got;

	if (!k->threaded)
		return make_one(k, m);
	pthread_mutex_lock(&k->mu);
	while (k->made == k->taken && !k->end)
		pthread_cond_wait(&k->cv, &k->mu);
	got = k->made > k->taken;
	if (got) {
		*m = k->ring[k->taken % SIGN_AHEAD];
		k->taken++;
		pthread_cond_broadcast(&k->cv);
	}
	pthread_mutex_unlock(&k->mu);
	return got;
}

/* Starts the second thread when the ops need more than one changeset (or runs them here when
 * it cannot start). */
static void maker_start(struct maker *k)
{
	size_t size = 256, count;

	k->threaded = false;
	for (count = 0; count < k->nops && count < PK_CS_MAX_OPS; count++) {
		size += pk_cs_op_size(&k->ops[count]);
		if (size > PK_CS_MAX_BYTES)
			break;
	}
	if (count == k->nops)
		return;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	k->made = k->taken = 0;
	k->stop = k->end = false;
	if (pthread_create(&k->tid, NULL, maker_run, k) == 0) {
		k->threaded = true;
		return;
	}
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
}

/* Stops the second thread and frees what it made that was not taken. */
static void maker_stop(struct maker *k)
{
	if (!k->threaded)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->tid, NULL);
	for (; k->taken < k->made; k->taken++)
		free(k->ring[k->taken % SIGN_AHEAD].buf);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	k->threaded = false;
}

int store_write(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                size_t nops, uint64_t now_ms, struct store_written *w,
                void (*progress)(size_t done, size_t total, void *arg), void *arg,
                struct pk_diag *d)
{
	return store_write_if(s, sec, ops, NULL, nops, now_ms, w, progress, arg, d);
}

/* The meta entry of an import (SPEC section 11): "import:" and the hex of its id. */
static void import_name(char out[8 + 2 * PK_HASH_BYTES], const uint8_t id[PK_HASH_BYTES])
{
	memcpy(out, "import:", 7);
	pk_hex(out + 7, id, PK_HASH_BYTES);
}

/* Records (or, once the import is done, deletes) the import's progress in t. */
static int import_mark(struct db_txn *t, struct store *s, const struct store_import *m)
{
	char name[8 + 2 * PK_HASH_BYTES];
	uint8_t val[32];
	int err;

	import_name(name, m->id);
	if (m->done) {
		err = db_del(t, s->meta, name, strlen(name));
		return err == PK_ENOTFOUND ? 0 : err;
	}
	db_put_be64(val, m->items);
	db_put_be64(val + 8, m->next_line);
	db_put_be64(val + 16, m->records);
	db_put_be64(val + 24, m->updated_ms);
	return st_meta_put(t, s, name, val, sizeof(val));
}

int store_import_get(struct store *s, const uint8_t id[PK_HASH_BYTES], struct store_import *m)
{
	char name[8 + 2 * PK_HASH_BYTES];
	uint8_t key[PK_HASH_BYTES];
	struct db_txn t;
	struct db_val v;
	int err;

	import_name(name, id); /* before m is cleared: id may point into it */
	memcpy(key, id, PK_HASH_BYTES);
	memset(m, 0, sizeof(*m));
	memcpy(m->id, key, PK_HASH_BYTES);
	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	err = st_meta_get(&t, s, name, &v);
	if (err == 0 && v.len != 32)
		err = PK_ECORRUPT;
	if (err == 0) {
		m->items = db_get_be64(v.data);
		m->next_line = db_get_be64(v.data + 8);
		m->records = db_get_be64(v.data + 16);
		m->updated_ms = db_get_be64(v.data + 24);
	}
	db_txn_end(&t);
	return err;
}

int store_write_if(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                   const struct store_cond *conds, size_t nops, uint64_t now_ms,
                   struct store_written *w, void (*progress)(size_t done, size_t total, void *arg),
                   void *arg, struct pk_diag *d)
{
	return store_write_mark(s, sec, ops, conds, nops, now_ms, NULL, w, progress, arg, d);
}

int store_write_mark(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                     const struct store_cond *conds, size_t nops, uint64_t now_ms,
                     const struct store_import *mark, struct store_written *w,
                     void (*progress)(size_t done, size_t total, void *arg), void *arg,
                     struct pk_diag *d)
{
	struct store_node node;
	struct store_head h;
	struct store_outcome o;
	struct pending p;
	struct maker k = {.threaded = false};
	struct made m;
	uint8_t *scratch, *buf = NULL;
	size_t done = 0;
	struct db_txn t;
	struct db_val v;
	uint64_t last = 0;
	int err;

	memset(w, 0, sizeof(*w));
	if (nops == 0 && mark == NULL)
		return pk_diagf(d, PK_EINVAL, "nothing to write");
	if ((scratch = malloc(REC_META + PK_VALUE_MAX_BYTES)) == NULL)
		return PK_ENOMEM;
	if ((err = db_txn_begin(&t, s->db, 0)) != 0)
		goto out;
	if ((err = st_node_read(&t, s, &node)) != 0)
		goto out;
	if (memcmp(sec + PK_SEED_BYTES, node.pub, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_EPERM, "the key does not belong to this store's node");
		goto out;
	}
	if (!node.certified) {
		err = pk_diagf(d, PK_ECERT, "this node has no certificate yet; it cannot write");
		goto out;
	}
	if ((err = st_head_read(&t, s, node.pub, &h)) != 0)
		goto out;
	if ((err = st_fence_check(&t, s, h.seq, d)) != 0)
		goto out;
	/* SPEC section 4: never stamp far from the clocks the peers report. */
	if ((err = clock_write_check(&t, s, memcmp(node.pub, node.root, PK_PUB_BYTES) == 0, d)) !=
	    0)
		goto out;
	if ((err = conds_check(&t, s, ops, conds, nops, d)) != 0)
		goto out;
	if (st_meta_get(&t, s, "hlc", &v) == 0 && v.len == 8)
		last = db_get_be64(v.data);
	k = (struct maker){.ops = ops,
	                   .nops = nops,
	                   .pub = node.pub,
	                   .sec = sec,
	                   .now_ms = now_ms,
	                   .last = last,
	                   .h = h};
	maker_start(&k);
	while (maker_take(&k, &m)) {
		if (m.err != 0) {
			err =
			    pk_diagf(d, m.err, "%s", m.why.msg[0] ? m.why.msg : pk_strerror(m.err));
			goto out;
		}
		buf = m.buf;
		memset(&p, 0, sizeof(p));
		p.out = &o;
		precheck_hashed(&p, &(struct store_blob){buf, m.len}, m.hash);
		if (o.err == 0 && (err = apply_one(&t, s, &p, 0, scratch)) != 0)
			goto out;
		if (o.err != 0) {
			err = pk_diagf(d, o.err, "%s", o.why.msg);
			goto out;
		}
		free(buf);
		buf = NULL;
		if (w->first_seq == 0)
			w->first_seq = m.seq;
		w->last_seq = m.seq;
		w->changesets++;
		done += m.count;
		if (progress != NULL)
			progress(done, nops, arg);
	}
	if (mark != NULL)
		err = import_mark(&t, s, mark);
out:
	maker_stop(&k);
	/* Commits only when every step passed: any error above aborts the whole write. */
	db_txn_fail(&t, err);
	err = db_txn_commit(&t);
	if (err != 0)
		memset(w, 0, sizeof(*w));
	free(buf);
	free(scratch);
	return store_diag(s, err, d);
}
