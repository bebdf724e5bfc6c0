/*
 * lineage.c: what replication (pokjad) and offline bundles (cmd_bundle.c) read of the store:
 * certificate paths and the lineage rule (SPEC section 16), every origin's head, the log after a
 * sequence, the write generation, refusal counts and forks, and what a peer last reported it
 * holds (peerheads). Reads copy in pages or in one short read transaction, so no callback runs
 * with a transaction open; the one write (store_peer_heads_put) takes one write transaction.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "proto/syncmsg.h" /* struct pk_head (peer heads) */

/* ---- replication support ---------------------------------------------------------------- */

int store_origin_path(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                      uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES])
{
	struct db_txn t;
	int n;

	if ((n = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return n;
	n = st_origin_path(&t, s, origin, path);
	db_txn_end(&t);
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

static int heads_visit(const struct db_entry *e, void *arg)
{
	struct heads_ctx *c = arg;
	struct store_head h;

	if (e->klen != PK_PUB_BYTES || e->vlen != HEAD_BYTES)
		return PK_ECORRUPT;
	h.seq = db_get_be64(e->val);
	memcpy(h.hash, e->val + 8, PK_HASH_BYTES);
	h.hlc = db_get_be64(e->val + 8 + PK_HASH_BYTES);
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
	int err = db_scan(s->db, s->heads, NULL, 0, heads_visit, &c);

	return err < 0 ? err : c.calls;
}

int store_log_after(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t after,
                    size_t max_bytes, size_t max_count,
                    int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg)
{
	uint8_t key[PK_PUB_BYTES + 8], *buf = NULL;
	size_t *lens = NULL, total = 0, count = 0, cap = 0;
	struct db_txn t;
	struct db_cur cur;
	int err = 0, given = 0;

	if (max_count == 0 || after == UINT64_MAX)
		return 0;
	/* Copy first, call after: the read transaction ends before fn runs. */
	st_log_key(key, origin, after + 1);
	db_txn_begin(&t, s->db, DB_RDONLY);
	db_cur_open(&cur, &t, s->log);
	for (bool on = db_cur_seek(&cur, key, sizeof(key)); on; on = db_cur_next(&cur)) {
		const struct db_val v = cur.v;

		if (cur.k.len != sizeof(key) || memcmp(cur.k.data, origin, PK_PUB_BYTES) != 0)
			break;
		if (count > 0 && (v.len > max_bytes || total > max_bytes - v.len))
			break;
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			size_t *nl = realloc(lens, ncap * sizeof(*lens));
			if (nl == NULL) {
				err = PK_ENOMEM;
				break;
			}
			lens = nl;
			cap = ncap;
		}
		uint8_t *nb = realloc(buf, total + v.len);
		if (nb == NULL) {
			err = PK_ENOMEM;
			break;
		}
		buf = nb;
		memcpy(buf + total, v.data, v.len);
		total += v.len;
		lens[count++] = v.len;
		if (count == max_count)
			break;
	}
	db_cur_close(&cur);
	db_txn_fail(&t, err);
	if ((err = db_txn_end(&t)) != 0)
		goto out;
	for (size_t i = 0, off = 0; i < count; off += lens[i], i++) {
		given++;
		if (fn(buf + off, lens[i], arg) != 0)
			break;
	}
out:
	free(buf);
	free(lens);
	return err != 0 ? err : given;
}

uint64_t store_generation(struct store *s)
{
	struct db_txn t;
	uint64_t id;

	/* The id a new read transaction sees: the environment's last txnid can run ahead of it (a
	 * commit under way in another process), and a reader woken by that would find nothing. */
	if (db_txn_begin(&t, s->db, DB_RDONLY) != 0)
		return 0;
	id = db_txn_id(&t);
	db_txn_end(&t);
	return id;
}

struct refusals_ctx {
	int (*fn)(const char *tag, uint64_t count, void *arg);
	void *arg;
};

static int refusals_visit(const struct db_entry *e, void *arg)
{
	struct refusals_ctx *c = arg;
	uint64_t count;

	if (e->vlen != 8 || e->klen == 0 || memchr(e->key, 0, e->klen) != NULL)
		return PK_ECORRUPT;
	count = db_get_be64(e->val);
	if (count == 0)
		return 0;
	return c->fn((const char *)e->key, count, c->arg) != 0 ? 1 : 0; /* key is NUL-ended */
}

int store_refusals(struct store *s, int (*fn)(const char *tag, uint64_t count, void *arg),
                   void *arg)
{
	struct refusals_ctx c = {fn, arg};
	int err;

	if (s->refused == DB_NONE)
		return 0;
	err = db_scan(s->db, s->refused, NULL, 0, refusals_visit, &c);
	return err < 0 ? err : 0;
}

struct forks_ctx {
	int (*fn)(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg);
	void *arg;
};

static int forks_visit(const struct db_entry *e, void *arg)
{
	struct forks_ctx *c = arg;

	if (e->klen != PK_PUB_BYTES || e->vlen < 8)
		return PK_ECORRUPT;
	return c->fn(e->key, db_get_be64(e->val), c->arg) != 0 ? 1 : 0;
}

int store_forks(struct store *s,
                int (*fn)(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg), void *arg)
{
	struct forks_ctx c = {fn, arg};
	int err = db_scan(s->db, s->forks, NULL, 0, forks_visit, &c);

	return err < 0 ? err : 0;
}

/* ---- peer heads and certificates (offline bundles) ----------------------------------------- */

#define PEERHEAD_KEY (2 * PK_PUB_BYTES) /* peer ‖ origin */

/* Deletes every peerheads entry of peer, in t. */
static int peer_heads_forget(struct db_txn *t, struct store *s, const uint8_t peer[PK_PUB_BYTES])
{
	struct db_cur cur;

	db_cur_open(&cur, t, s->peerheads);
	/* Seek again after each delete rather than rely on where a delete leaves the cursor. */
	while (db_cur_prefix(&cur, peer, PK_PUB_BYTES) && db_cur_del(&cur) == 0)
		;
	db_cur_close(&cur);
	return t->err;
}

/* Compares the stored heads of a peer, in origin order, with a whole list (its heads of seq 0
 * left out, as a put leaves them out). */
struct same_ctx {
	const struct pk_head *h;
	size_t n, i;
	bool same;
};

static int same_visit(const struct pk_head *got, void *arg)
{
	struct same_ctx *c = arg;

	while (c->i < c->n && c->h[c->i].seq == 0)
		c->i++;
	if (c->i == c->n || memcmp(got->origin, c->h[c->i].origin, PK_PUB_BYTES) != 0 ||
	    got->seq != c->h[c->i].seq) {
		c->same = false;
		return 1;
	}
	c->i++;
	return 0;
}

/* Whether a put of the whole list in origin order would change nothing. */
static bool peer_heads_same(struct store *s, const uint8_t peer[PK_PUB_BYTES],
                            const struct pk_head *h, size_t n)
{
	struct same_ctx c = {h, n, 0, true};

	for (size_t i = 1; i < n; i++)
		if (memcmp(h[i - 1].origin, h[i].origin, PK_PUB_BYTES) >= 0)
			return false; /* not in order: compare by writing */
	if (store_peer_heads_get(s, peer, same_visit, &c) < 0 || !c.same)
		return false;
	while (c.i < n && h[c.i].seq == 0)
		c.i++;
	return c.i == n;
}

int store_peer_heads_put(struct store *s, const uint8_t peer[PK_PUB_BYTES], const struct pk_head *h,
                         size_t n, unsigned flags)
{
	uint8_t val[8];
	struct db_key k;
	struct db_txn t;
	int err = 0;

	if (n > 0 && h == NULL)
		return PK_EINVAL;
	if (s->peerheads == DB_NONE)
		return PK_ESTATE; /* a read-only open of a store made before the table */
	/* A child reports its heads at every exchange, mostly unchanged: no commit then (each is
	 * a sync to disk, and wakes every loop waiting for the store to change). */
	if ((flags & STORE_PEER_HEADS_ALL) && peer_heads_same(s, peer, h, n))
		return 0;
	db_txn_begin(&t, s->db, 0);
	if (flags & STORE_PEER_HEADS_ALL)
		err = peer_heads_forget(&t, s, peer);
	for (size_t i = 0; i < n && err == 0; i++) {
		db_key_init(&k);
		db_key_bytes(&k, peer, PK_PUB_BYTES);
		db_key_bytes(&k, h[i].origin, PK_PUB_BYTES);
		db_put_be64(val, h[i].seq);
		if (h[i].seq != 0)
			err = db_put(&t, s->peerheads, k.buf, k.len, val, sizeof(val));
		else if ((err = db_del(&t, s->peerheads, k.buf, k.len)) == PK_ENOTFOUND)
			err = 0;
	}
	return db_txn_commit(&t);
}

struct peer_heads_ctx {
	int (*fn)(const struct pk_head *h, void *arg);
	void *arg;
	int calls;
};

static int peer_heads_visit(const struct db_entry *e, void *arg)
{
	struct peer_heads_ctx *c = arg;
	struct pk_head h;

	if (e->klen != PEERHEAD_KEY || e->vlen != 8)
		return PK_ECORRUPT;
	memcpy(h.origin, e->key + PK_PUB_BYTES, PK_PUB_BYTES);
	h.seq = db_get_be64(e->val);
	c->calls++;
	return c->fn(&h, c->arg) != 0 ? 1 : 0;
}

int store_peer_heads_get(struct store *s, const uint8_t peer[PK_PUB_BYTES],
                         int (*fn)(const struct pk_head *h, void *arg), void *arg)
{
	struct peer_heads_ctx c = {fn, arg, 0};
	int err;

	if (s->peerheads == DB_NONE)
		return 0;
	err = db_scan(s->db, s->peerheads, peer, PK_PUB_BYTES, peer_heads_visit, &c);
	return err < 0 ? err : c.calls;
}

struct certs_ctx {
	int (*fn)(const uint8_t *cert, size_t len, void *arg);
	void *arg;
	int calls;
};

static int certs_visit(const struct db_entry *e, void *arg)
{
	struct certs_ctx *c = arg;

	c->calls++;
	return c->fn(e->val, e->vlen, c->arg) != 0 ? 1 : 0;
}

int store_certs(struct store *s, int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg)
{
	struct certs_ctx c = {fn, arg, 0};
	int err = db_scan(s->db, s->certs, NULL, 0, certs_visit, &c);

	return err < 0 ? err : c.calls;
}
