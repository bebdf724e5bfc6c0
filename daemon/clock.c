/* clock.c: the write rule and held changesets (clock.h; proto/SPEC.md sections 4 and 8). */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/syncmsg.h"

#define NO_DBI ((MDB_dbi)~0u)
#define HELD_KEY (PK_PUB_BYTES + 8)
#define MEDIAN_MAX 1024  /* children whose skews the national node takes the median of */
#define RELEASE_MAX 1024 /* held changesets applied per transaction */

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

/* ---- the write rule ------------------------------------------------------------------------- */

void clock_span(char *out, size_t cap, uint64_t s)
{
	if (s >= 3600)
		snprintf(out, cap, "%llu h %llu min", (unsigned long long)(s / 3600),
		         (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, cap, "%llu min %llu s", (unsigned long long)(s / 60),
		         (unsigned long long)(s % 60));
	else
		snprintf(out, cap, "%llu s", (unsigned long long)s);
}

static int skew_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int clock_write_check(MDB_txn *txn, struct store *s, bool root, struct pk_diag *d)
{
	MDB_dbi peers = store_db_peers(s);
	int64_t skews[MEDIAN_MAX], skew = 0;
	uint64_t at = 0, bound = store_max_skew(s) / 1000, off;
	char whose[PK_NAME_MAX + 64], sp[48], bs[48];
	struct store_peer p;
	size_t n = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (peers == NO_DBI)
		return 0;
	if ((rc = mdb_cursor_open(txn, peers, &c)) != 0)
		return store_lmdb_err(rc);
	whose[0] = '\0';
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (store_peer_decode(k.mv_data, k.mv_size, v.mv_data, v.mv_size, &p) != 0 ||
		    !p.skew_known)
			continue;
		if (root && strcmp(p.role, "child") == 0 && n < MEDIAN_MAX) {
			skews[n++] = p.skew;
		} else if (!root && strcmp(p.role, "parent") == 0 && p.skew_at >= at) {
			/* The latest measurement of the parent (a node has one parent). */
			at = p.skew_at;
			skew = p.skew;
			n = 1;
			snprintf(whose, sizeof(whose), "its parent's (%s)", p.name);
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_lmdb_err(rc);
	if (n == 0)
		return 0;
	if (root) {
		qsort(skews, n, sizeof(skews[0]), skew_cmp);
		skew = skews[n / 2];
		snprintf(whose, sizeof(whose), "its children's (the median of %zu)", n);
	}
	/* Only a clock ahead is refused: its stamps would be held or win ties they should not. A
	 * clock behind stamps older values (the hybrid clock still advances past every accepted
	 * one), and a parent whose own clock is ahead must not stop every node below it. */
	if (skew >= 0)
		return 0;
	off = (uint64_t)(-(skew + 1)) + 1;
	if (off <= bound)
		return 0;
	clock_span(sp, sizeof(sp), off);
	clock_span(bs, sizeof(bs), bound);
	return pk_diagf(d, PK_ECLOCK,
	                "set the clock of this server: it is %s ahead of %s; writes are refused "
	                "until they agree within %s",
	                sp, whose, bs);
}

/* ---- held changesets ------------------------------------------------------------------------ */

static void held_key(uint8_t key[HELD_KEY], const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, PK_PUB_BYTES);
	put_be64(key + PK_PUB_BYTES, seq);
}

/* The first and last held changesets of origin: 0 with their sequences (and the last one's
 * bytes in *tail), or PK_ENOTFOUND. */
static int held_range(MDB_txn *txn, MDB_dbi db, const uint8_t *origin, uint64_t *first,
                      uint64_t *last, MDB_val *tail)
{
	uint8_t key[HELD_KEY];
	MDB_cursor *c;
	MDB_val k = {HELD_KEY, key}, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, db, &c)) != 0)
		return store_lmdb_err(rc);
	held_key(key, origin, 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != HELD_KEY || memcmp(k.mv_data, origin, PK_PUB_BYTES) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		*first = get_be64((const uint8_t *)k.mv_data + PK_PUB_BYTES);
		/* The last: step to the next origin's first key and back one. */
		held_key(key, origin, UINT64_MAX);
		k.mv_data = key;
		k.mv_size = HELD_KEY;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && memcmp(k.mv_data, origin, PK_PUB_BYTES) == 0 &&
		    get_be64((const uint8_t *)k.mv_data + PK_PUB_BYTES) == UINT64_MAX)
			rc = 0;
		else
			rc = mdb_cursor_get(c, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
		if (rc == 0) {
			*last = get_be64((const uint8_t *)k.mv_data + PK_PUB_BYTES);
			*tail = v;
		}
	}
	mdb_cursor_close(c);
	return store_lmdb_err(rc);
}

/* Deletes every held changeset of origin. */
static int held_drop(MDB_txn *txn, MDB_dbi db, const uint8_t *origin)
{
	uint8_t key[HELD_KEY];
	MDB_cursor *c;
	MDB_val k = {HELD_KEY, key}, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, db, &c)) != 0)
		return store_lmdb_err(rc);
	held_key(key, origin, 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && memcmp(k.mv_data, origin, PK_PUB_BYTES) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

int clock_route_drop(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES])
{
	return store_db_held(s) == NO_DBI ? 0 : held_drop(txn, store_db_held(s), origin);
}

static bool due(const struct store *s, uint64_t hlc, uint64_t now_ms)
{
	return pk_hlc_ms(hlc) <= now_ms + store_max_skew(s);
}

int clock_ahead(const struct store *s, const struct pk_changeset *cs, uint64_t now_ms,
                struct store_outcome *o)
{
	uint64_t ms = pk_hlc_ms(cs->hlc);

	if (now_ms == 0 || due(s, cs->hlc, now_ms))
		return 0;
	if (ms > now_ms + store_max_hold(s) && ms > now_ms + store_max_skew(s))
		return o->err = pk_diagf(&o->why, PK_ECLOCK,
		                         "stamped %llu s ahead of this node's clock, beyond the "
		                         "hold bound of %llu s",
		                         (unsigned long long)((ms - now_ms) / 1000),
		                         (unsigned long long)(store_max_hold(s) / 1000));
	return 1;
}

int clock_route(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                const struct store_head *h, uint64_t now_ms, struct store_outcome *o,
                enum clock_route *route, MDB_val *other)
{
	MDB_dbi db = store_db_held(s);
	uint8_t key[HELD_KEY], hash[PK_HASH_BYTES];
	struct pk_changeset tcs;
	uint64_t first = 0, last = 0;
	MDB_val tail = {0, NULL}, k = {HELD_KEY, key}, v;
	int err, rc;

	*route = CLOCK_GO;
	if (db == NO_DBI || now_ms == 0 || cs->seq <= h->seq)
		return 0;
	err = held_range(txn, db, cs->origin, &first, &last, &tail);
	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (first != h->seq + 1) /* left behind by a held changeset refused when released */
		return held_drop(txn, db, cs->origin);
	if (cs->seq <= last) {
		held_key(key, cs->origin, cs->seq);
		if ((rc = mdb_get(txn, db, &k, &v)) != 0)
			return rc == MDB_NOTFOUND ? PK_ECORRUPT : store_lmdb_err(rc);
		if (v.mv_size != cs->raw_len || memcmp(v.mv_data, cs->raw, cs->raw_len) != 0) {
			*other = v;
			*route = CLOCK_FORK;
			return 0;
		}
		if (cs->seq == h->seq + 1 && due(s, cs->hlc, now_ms)) {
			/* Its time has come (store_held_release sends it here). */
			return store_lmdb_err(mdb_del(txn, db, &k, NULL));
		}
		o->err = pk_diagf(&o->why, PK_EHELD, "held until its time comes");
		*route = CLOCK_DONE;
		return 0;
	}
	*route = CLOCK_DONE;
	if (cs->seq > last + 1) {
		o->err = pk_diagf(&o->why, PK_EGAP, "sequence %llu arrived before %llu",
		                  (unsigned long long)cs->seq, (unsigned long long)last + 1);
		return 0;
	}
	if (pk_cs_decode(tail.mv_data, tail.mv_size, &tcs, NULL) != 0)
		return PK_ECORRUPT;
	pk_cs_hash(&tcs, hash);
	if (memcmp(cs->prev, hash, PK_HASH_BYTES) != 0 || cs->hlc <= tcs.hlc) {
		o->err = pk_diagf(&o->why, PK_ECHAIN,
		                  "does not follow the held changeset %llu of its origin",
		                  (unsigned long long)last);
		return 0;
	}
	if (clock_ahead(s, cs, now_ms, o) < 0)
		return 0;
	*route = CLOCK_HOLD;
	return 0;
}

int clock_hold(MDB_txn *txn, struct store *s, const struct pk_changeset *cs, uint64_t now_ms,
               struct store_outcome *o)
{
	uint8_t key[HELD_KEY];
	MDB_val k = {HELD_KEY, key}, v = {cs->raw_len, (void *)cs->raw};
	int rc;

	held_key(key, cs->origin, cs->seq);
	if ((rc = mdb_put(txn, store_db_held(s), &k, &v, 0)) != 0)
		return store_lmdb_err(rc);
	o->err = pk_diagf(&o->why, PK_EHELD, "stamped %llu s ahead of this node's clock: held",
	                  (unsigned long long)(pk_hlc_ms(cs->hlc) > now_ms
	                                           ? (pk_hlc_ms(cs->hlc) - now_ms) / 1000
	                                           : 0));
	return 0;
}

/* ---- the public side ------------------------------------------------------------------------ */

struct due_list {
	struct store_blob b[RELEASE_MAX];
	size_t n;
	uint64_t next_ms; /* the earliest time a held changeset not taken becomes due */
};

static void due_free(struct due_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((void *)l->b[i].data);
	l->n = 0;
}

/* Collects, per origin in sequence order, the held changesets due at now_ms: those up to the
 * first that is not yet (whose time sets next_ms). */
static int due_collect(struct store *s, uint64_t now_ms, struct due_list *l)
{
	MDB_dbi db = store_db_held(s);
	uint8_t skip[PK_PUB_BYTES];
	bool skipping = false;
	struct pk_changeset cs;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, err = 0;

	l->n = 0;
	l->next_ms = 0;
	if ((rc = mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn)) != 0)
		return store_lmdb_err(rc);
	if ((rc = mdb_cursor_open(txn, db, &c)) != 0) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && l->n < RELEASE_MAX;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t *copy;

		if (k.mv_size != HELD_KEY || pk_cs_decode(v.mv_data, v.mv_size, &cs, NULL) != 0) {
			err = PK_ECORRUPT;
			break;
		}
		if (skipping && memcmp(skip, k.mv_data, PK_PUB_BYTES) == 0)
			continue;
		if (!due(s, cs.hlc, now_ms)) {
			uint64_t at = pk_hlc_ms(cs.hlc) - store_max_skew(s);

			if (l->next_ms == 0 || at < l->next_ms)
				l->next_ms = at;
			memcpy(skip, k.mv_data, PK_PUB_BYTES);
			skipping = true;
			continue;
		}
		if ((copy = malloc(v.mv_size)) == NULL) {
			err = PK_ENOMEM;
			break;
		}
		memcpy(copy, v.mv_data, v.mv_size);
		l->b[l->n].data = copy;
		l->b[l->n++].len = v.mv_size;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
		err = store_lmdb_err(rc);
	if (err != 0)
		due_free(l);
	return err;
}

int store_held_release(struct store *s, uint64_t now_ms,
                       void (*fn)(const uint8_t *raw, size_t len, const struct store_outcome *o,
                                  void *arg),
                       void *arg, uint64_t *next_ms)
{
	struct due_list *l;
	struct store_outcome *out;
	int err = 0;

	*next_ms = 0;
	if (store_db_held(s) == NO_DBI || now_ms == 0)
		return 0;
	l = malloc(sizeof(*l));
	out = calloc(RELEASE_MAX, sizeof(*out));
	if (l == NULL || out == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	for (;;) {
		if ((err = due_collect(s, now_ms, l)) != 0)
			goto out;
		*next_ms = l->next_ms;
		if (l->n == 0)
			break;
		err = store_apply(s, l->b, l->n, 1, now_ms, out);
		for (size_t i = 0; err == 0 && fn != NULL && i < l->n; i++)
			fn(l->b[i].data, l->b[i].len, &out[i], arg);
		if (err == 0 && l->n < RELEASE_MAX) {
			due_free(l);
			err = due_collect(s, now_ms, l); /* what is left, for next_ms */
			*next_ms = l->next_ms;
			due_free(l);
			break;
		}
		due_free(l);
		if (err != 0)
			goto out;
	}
out:
	free(out);
	free(l);
	return err;
}

int store_held_stats(struct store *s, uint64_t *count, uint64_t *earliest_ms)
{
	MDB_dbi db = store_db_held(s);
	struct pk_changeset cs;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*count = 0;
	*earliest_ms = 0;
	if (db == NO_DBI)
		return 0;
	if ((rc = mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn)) != 0)
		return store_lmdb_err(rc);
	if ((rc = mdb_cursor_open(txn, db, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (pk_cs_decode(v.mv_data, v.mv_size, &cs, NULL) != 0)
				continue;
			(*count)++;
			if (*earliest_ms == 0 || pk_hlc_ms(cs.hlc) < *earliest_ms)
				*earliest_ms = pk_hlc_ms(cs.hlc);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

int store_heads_add_held(struct store *s, struct pk_heads *hs)
{
	MDB_dbi db = store_db_held(s);
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, err = 0;

	if (db == NO_DBI)
		return 0;
	if ((rc = mdb_txn_begin(store_env(s), NULL, MDB_RDONLY, &txn)) != 0)
		return store_lmdb_err(rc);
	if ((rc = mdb_cursor_open(txn, db, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && err == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			const uint8_t *key = k.mv_data;
			uint64_t seq;

			if (k.mv_size != HELD_KEY)
				continue;
			seq = get_be64(key + PK_PUB_BYTES);
			if (seq > pk_heads_find(hs, key))
				err = pk_heads_set(hs, key, seq);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	if (err != 0)
		return err;
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}
