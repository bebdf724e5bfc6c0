/*
 * history.c: every version of a record (store.h, store_history), from the index `hist` (SPEC
 * section 11): one entry per accepted op, keyed by the record and the op's version (hlc,
 * origin), written in the transaction that applies the changeset. The values themselves stay
 * in the log; an entry only says which changeset holds the op.
 *
 * A store made before the index has no meta "hist": its first read-write open builds the index
 * from the log (st_hist_open); a read-only open of such a store finds the versions by decoding
 * the whole log instead, which costs O(changesets held) and is only the fallback.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "proto/region.h"

#define HIST_VAL (8 + 1) /* seq (u64be) ‖ deleted */
#define BUILD_BATCH 2048 /* changesets per write transaction while building */
#define HIST_META "hist" /* meta entry: present once the index covers the log */

/* coll \0 region \0 key \0: every key of one record's entries starts with it. */
static size_t hist_prefix(uint8_t *buf, const char *coll, size_t clen, const char *region,
                          size_t rlen, const char *key, size_t klen)
{
	size_t n = 0;

	memcpy(buf + n, coll, clen);
	n += clen;
	buf[n++] = 0;
	memcpy(buf + n, region, rlen);
	n += rlen;
	buf[n++] = 0;
	memcpy(buf + n, key, klen);
	n += klen;
	buf[n++] = 0;
	return n;
}

int st_hist_put(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                const struct pk_op *op)
{
	uint8_t key[REC_KEY_MAX + 1 + 8 + PK_PUB_BYTES], val[HIST_VAL];
	size_t n;

	if (s->hist == DB_NONE)
		return 0;
	n = hist_prefix(key, op->coll, op->coll_len, op->region, op->region_len, op->key,
	                op->key_len);
	db_put_be64(key + n, cs->hlc);
	memcpy(key + n + 8, cs->origin, PK_PUB_BYTES);
	db_put_be64(val, cs->seq);
	val[8] = op->value == NULL ? 1 : 0;
	return db_put(t, s->hist, key, n + 8 + PK_PUB_BYTES, val, sizeof(val));
}

/* Indexes up to BUILD_BATCH changesets of the log after the key `after` (alen 0: from the
 * start), in t. Sets *done at the end of the log; leaves the last key seen in after. */
static int build_batch(struct db_txn *t, struct store *s, uint8_t after[PK_PUB_BYTES + 8],
                       size_t *alen, bool *done)
{
	struct pk_changeset cs;
	struct pk_cs_iter it;
	struct pk_op op;
	struct db_cur c;
	size_t n = 0;
	bool on;
	int err = 0;

	*done = false;
	db_cur_open(&c, t, s->log);
	on = db_cur_seek(&c, after, *alen);
	if (on && *alen > 0 && c.k.len == *alen && memcmp(c.k.data, after, *alen) == 0)
		on = db_cur_next(&c);
	for (; on && n < BUILD_BATCH; on = db_cur_next(&c), n++) {
		if (c.k.len != PK_PUB_BYTES + 8) {
			err = PK_ECORRUPT;
			break;
		}
		memcpy(after, c.k.data, c.k.len);
		*alen = c.k.len;
		/* A changeset that does not decode is left out: `pokjactl verify` reports it. */
		if (pk_cs_decode(c.v.data, c.v.len, &cs, NULL) != 0)
			continue;
		pk_cs_iter_init(&it, &cs);
		while (err == 0 && pk_cs_iter_next(&it, &op))
			err = st_hist_put(t, s, &cs, &op);
		if (err != 0)
			break;
	}
	*done = !on && err == 0;
	db_cur_close(&c);
	return db_txn_fail(t, err);
}

int st_hist_open(struct store *s)
{
	uint8_t after[PK_PUB_BYTES + 8];
	size_t alen = 0;
	struct db_txn t;
	struct db_val v;
	bool done = false;
	int err;

	s->hist_ready = false;
	if (s->hist == DB_NONE)
		return 0;
	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	err = st_meta_get(&t, s, HIST_META, &v);
	db_txn_end(&t);
	if (err == 0) {
		s->hist_ready = true;
		return 0;
	}
	if (err != PK_ENOTFOUND)
		return err;
	if (s->rdonly)
		return 0;
	/* A store from before the index: build it, a batch per transaction so that a large log
	 * never makes one huge transaction. Entries are idempotent, so a build cut short (or one
	 * racing another process's) is simply done again; the mark comes with the last batch. */
	while (!done) {
		db_txn_begin(&t, s->db, 0);
		build_batch(&t, s, after, &alen, &done);
		if (done)
			st_meta_put(&t, s, HIST_META, "1", 1);
		if ((err = db_txn_commit(&t)) != 0)
			return err;
	}
	s->hist_ready = true;
	return 0;
}

/* The last op of cs that writes coll/region/key (the one that counts within a changeset). */
static bool find_op(const struct pk_changeset *cs, const char *coll, const char *region,
                    const char *key, struct pk_op *out)
{
	size_t clen = strlen(coll), rlen = strlen(region), klen = strlen(key);
	struct pk_cs_iter it;
	struct pk_op op;
	bool found = false;

	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		if (op.coll_len == clen && op.region_len == rlen && op.key_len == klen &&
		    memcmp(op.coll, coll, clen) == 0 && memcmp(op.region, region, rlen) == 0 &&
		    memcmp(op.key, key, klen) == 0) {
			*out = op;
			found = true;
		}
	}
	return found;
}

struct hist_ctx {
	struct store *s;
	const char *coll, *region, *key;
	store_version_fn fn;
	void *arg;
	int calls;
	/* The fallback scan: the versions found, sorted before they are handed over. */
	struct store_version *found;
	size_t n, cap;
	bool nomem;
};

/* Hands over the version (hlc, origin, seq) with its op read from the log. */
static int give(struct hist_ctx *c, uint64_t hlc, const uint8_t *origin, uint64_t seq)
{
	struct store_version ver;
	struct pk_changeset cs;
	struct pk_op op;
	uint8_t *raw;
	size_t len;
	int err;

	if ((err = store_log_get(c->s, origin, seq, &raw, &len)) != 0)
		return err == PK_ENOTFOUND ? PK_ECORRUPT : err;
	if (pk_cs_decode(raw, len, &cs, NULL) != 0 || cs.hlc != hlc ||
	    !find_op(&cs, c->coll, c->region, c->key, &op)) {
		free(raw);
		return PK_ECORRUPT;
	}
	memset(&ver, 0, sizeof(ver));
	ver.hlc = hlc;
	memcpy(ver.origin, origin, PK_PUB_BYTES);
	ver.seq = seq;
	ver.deleted = op.value == NULL;
	ver.value = op.value;
	ver.value_len = op.value_len;
	c->calls++;
	err = c->fn(&ver, c->arg);
	free(raw);
	return err != 0 ? 1 : 0;
}

static int hist_visit(const struct db_entry *e, void *arg)
{
	struct hist_ctx *c = arg;
	const uint8_t *tail;

	if (e->klen < 8 + PK_PUB_BYTES || e->vlen != HIST_VAL)
		return PK_ECORRUPT;
	tail = e->key + e->klen - 8 - PK_PUB_BYTES;
	return give(c, db_get_be64(tail), tail + 8, db_get_be64(e->val));
}

/* The fallback: every changeset of the log decoded, the versions of the record kept. */
static int scan_visit(const uint8_t *raw, size_t len, void *arg)
{
	struct hist_ctx *c = arg;
	struct store_version *nf;
	struct pk_changeset cs;
	struct pk_op op;

	if (pk_cs_decode(raw, len, &cs, NULL) != 0 ||
	    !find_op(&cs, c->coll, c->region, c->key, &op))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		if ((nf = realloc(c->found, c->cap * sizeof(*nf))) == NULL) {
			c->nomem = true;
			return 1;
		}
		c->found = nf;
	}
	memset(&c->found[c->n], 0, sizeof(c->found[c->n]));
	c->found[c->n].hlc = cs.hlc;
	memcpy(c->found[c->n].origin, cs.origin, PK_PUB_BYTES);
	c->found[c->n].seq = cs.seq;
	c->n++;
	return 0;
}

static int version_order(const void *a, const void *b)
{
	const struct store_version *x = a, *y = b;

	return st_version_cmp(x->hlc, x->origin, y->hlc, y->origin);
}

int store_history(struct store *s, const char *coll, const char *region, const char *key,
                  store_version_fn fn, void *arg)
{
	uint8_t prefix[REC_KEY_MAX + 1];
	struct hist_ctx c = {s, coll, region, key, fn, arg, 0, NULL, 0, 0, false};
	size_t clen = strlen(coll), rlen = strlen(region), klen = strlen(key), plen;
	int err = 0;

	if (clen == 0 || clen > PK_COLL_MAX || !pk_region_valid(region, rlen) ||
	    !pk_key_valid(key, klen))
		return PK_EINVAL;
	if (s->hist_ready) {
		plen = hist_prefix(prefix, coll, clen, region, rlen, key, klen);
		err = db_scan(s->db, s->hist, prefix, plen, hist_visit, &c);
		return err < 0 ? err : c.calls;
	}
	err = store_log(s, NULL, scan_visit, &c);
	if (err >= 0 && c.nomem)
		err = PK_ENOMEM;
	if (err >= 0) {
		qsort(c.found, c.n, sizeof(*c.found), version_order);
		for (size_t i = 0; i < c.n; i++)
			if ((err = give(&c, c.found[i].hlc, c.found[i].origin, c.found[i].seq)) !=
			    0)
				break;
	}
	free(c.found);
	return err < 0 ? err : c.calls;
}

bool store_history_indexed(const struct store *s)
{
	return s->hist_ready;
}
