/*
 * pgpos.c: the PostgreSQL mirror's bookkeeping in the store (store.h, "the PostgreSQL mirror's
 * bookkeeping"): per origin the last sequence mirrored, and the mirror's state for `pokjactl
 * status`, in the database `pgmirror` (SPEC section 11). Written by pokjad, read by anyone.
 */
#include "store_int.h"

#include <string.h>

#define STATE_KEY "state" /* 5 bytes: never an origin key (32 bytes) */
#define STATE_META (1 + 3 * 8)

struct pos_ctx {
	int (*fn)(const struct store_mirror_pos *p, void *arg);
	void *arg;
	int calls;
};

static int pos_visit(const struct db_entry *e, void *arg)
{
	struct pos_ctx *c = arg;
	struct store_mirror_pos p;

	if (e->klen != PK_PUB_BYTES)
		return 0; /* the state entry */
	if (e->vlen != 8)
		return PK_ECORRUPT;
	memcpy(p.origin, e->key, PK_PUB_BYTES);
	p.seq = db_get_be64(e->val);
	c->calls++;
	return c->fn(&p, c->arg) != 0 ? 1 : 0;
}

int store_mirror_positions(struct store *s, int (*fn)(const struct store_mirror_pos *p, void *arg),
                           void *arg)
{
	struct pos_ctx c = {fn, arg, 0};
	int n;

	if (s->pgmirror == DB_NONE)
		return 0;
	n = db_scan(s->db, s->pgmirror, NULL, 0, pos_visit, &c);
	return n < 0 ? n : c.calls;
}

int store_mirror_save(struct store *s, const struct store_mirror_pos *p, size_t n,
                      const struct store_mirror_state *st)
{
	uint8_t buf[STATE_META + 2 * STORE_MIRROR_TEXT], seq[8];
	size_t tl, el;
	struct db_txn t;

	if (s->pgmirror == DB_NONE)
		return PK_ESTATE;
	db_txn_begin(&t, s->db, 0);
	for (size_t i = 0; i < n; i++) {
		db_put_be64(seq, p[i].seq);
		db_put(&t, s->pgmirror, p[i].origin, PK_PUB_BYTES, seq, sizeof(seq));
	}
	if (st != NULL) {
		tl = strnlen(st->target, sizeof(st->target) - 1);
		el = strnlen(st->error, sizeof(st->error) - 1);
		buf[0] = st->connected ? 1 : 0;
		db_put_be64(buf + 1, st->updated);
		db_put_be64(buf + 9, st->caught_up);
		db_put_be64(buf + 17, st->error_at);
		memcpy(buf + STATE_META, st->target, tl);
		buf[STATE_META + tl] = '\0';
		memcpy(buf + STATE_META + tl + 1, st->error, el);
		db_put(&t, s->pgmirror, STATE_KEY, strlen(STATE_KEY), buf,
		       STATE_META + tl + 1 + el);
	}
	return db_txn_commit(&t);
}

int store_mirror_state(struct store *s, struct store_mirror_state *st)
{
	const uint8_t *v, *z;
	struct db_txn t;
	struct db_val val;
	size_t tl, el;
	int err;

	memset(st, 0, sizeof(*st));
	if (s->pgmirror == DB_NONE)
		return PK_ENOTFOUND;
	db_txn_begin(&t, s->db, DB_RDONLY);
	if ((err = db_get(&t, s->pgmirror, STATE_KEY, strlen(STATE_KEY), &val)) != 0)
		goto out;
	v = val.data;
	if (val.len < STATE_META + 1 ||
	    (z = memchr(v + STATE_META, 0, val.len - STATE_META)) == NULL) {
		err = PK_ECORRUPT;
		goto out;
	}
	tl = (size_t)(z - (v + STATE_META));
	el = val.len - STATE_META - tl - 1;
	if (tl >= sizeof(st->target) || el >= sizeof(st->error)) {
		err = PK_ECORRUPT;
		goto out;
	}
	st->connected = v[0] != 0;
	st->updated = db_get_be64(v + 1);
	st->caught_up = db_get_be64(v + 9);
	st->error_at = db_get_be64(v + 17);
	memcpy(st->target, v + STATE_META, tl);
	memcpy(st->error, z + 1, el);
out:
	db_txn_fail(&t, err == PK_ENOTFOUND ? 0 : err);
	db_txn_end(&t);
	return err;
}

int store_mirror_clear(struct store *s, bool positions)
{
	struct db_txn t;
	struct db_cur c;

	if (s->pgmirror == DB_NONE)
		return 0;
	db_txn_begin(&t, s->db, 0);
	if (positions) {
		db_cur_open(&c, &t, s->pgmirror);
		for (bool on = db_cur_first(&c); on;) {
			db_cur_del(&c);
			on = db_cur_first(&c);
		}
		db_cur_close(&c);
	} else {
		db_del(&t, s->pgmirror, STATE_KEY, strlen(STATE_KEY));
	}
	return db_txn_commit(&t);
}

struct lag_ctx {
	struct store *s;
	uint64_t lag;
	int err;
};

static int lag_visit(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct lag_ctx *c = arg;
	struct db_txn t;
	struct db_val v;
	uint64_t pos = 0;
	int err;

	db_txn_begin(&t, c->s->db, DB_RDONLY);
	if ((err = db_get(&t, c->s->pgmirror, origin, PK_PUB_BYTES, &v)) == 0 && v.len == 8)
		pos = db_get_be64(v.data);
	db_txn_end(&t);
	if (err != 0 && err != PK_ENOTFOUND) {
		c->err = err;
		return 1;
	}
	if (h->seq > pos)
		c->lag += h->seq - pos;
	return 0;
}

int store_mirror_lag(struct store *s, uint64_t *changesets)
{
	struct lag_ctx c = {s, 0, 0};
	int n;

	*changesets = 0;
	if (s->pgmirror == DB_NONE)
		return PK_ENOTFOUND;
	if ((n = store_heads(s, lag_visit, &c)) < 0)
		return n;
	if (c.err != 0)
		return c.err;
	*changesets = c.lag;
	return 0;
}
