/* clock.c: the write rule and held changesets (clock.h; proto/SPEC.md sections 4 and 8). */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/syncmsg.h"

#define HELD_KEY (PK_PUB_BYTES + 8)
#define MEDIAN_MAX 1024  /* children whose skews the national node takes the median of */
#define RELEASE_MAX 1024 /* held changesets applied per transaction */

/* ---- the write rule ------------------------------------------------------------------------- */

void clock_span(char *out, size_t cap, uint64_t s)
{
	if (s >= 3600)
		snprintf(out, cap, PK_("%llu h %llu min"), (unsigned long long)(s / 3600),
		         (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, cap, PK_("%llu min %llu s"), (unsigned long long)(s / 60),
		         (unsigned long long)(s % 60));
	else
		snprintf(out, cap, PK_("%llu s"), (unsigned long long)s);
}

static int skew_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int clock_write_check(struct db_txn *t, struct store *s, bool root, struct pk_diag *d)
{
	db_dbi peers = store_db_peers(s);
	int64_t skews[MEDIAN_MAX], skew = 0;
	uint64_t at = 0, bound = store_max_skew(s) / 1000, off;
	char whose[PK_NAME_MAX + 64], sp[48], bs[48];
	struct store_peer p;
	size_t n = 0;
	struct db_cur c;
	int err;

	if (peers == DB_NONE)
		return 0;
	if ((err = db_cur_open(&c, t, peers)) != 0)
		return err;
	whose[0] = '\0';
	for (bool on = db_cur_first(&c); on; on = db_cur_next(&c)) {
		if (store_peer_decode(c.k.data, c.k.len, c.v.data, c.v.len, &p) != 0 ||
		    !p.skew_known)
			continue;
		if (root && strcmp(p.role, "child") == 0 && n < MEDIAN_MAX) {
			skews[n++] = p.skew;
		} else if (!root && strcmp(p.role, "parent") == 0 && p.skew_at >= at) {
			/* The latest measurement of the parent (a node has one parent). */
			at = p.skew_at;
			skew = p.skew;
			n = 1;
			/* TRANSLATORS: the clock the server's is compared with: "it is 5 min ahead
			 * of its parent's (NAME)". */
			snprintf(whose, sizeof(whose), PK_("its parent's (%s)"), p.name);
		}
	}
	db_cur_close(&c);
	if (t->err != 0)
		return t->err;
	if (n == 0)
		return 0;
	if (root) {
		qsort(skews, n, sizeof(skews[0]), skew_cmp);
		skew = skews[n / 2];
		snprintf(whose, sizeof(whose), PK_("its children's (the median of %zu)"), n);
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

static void held_key(struct db_key *k, const uint8_t *origin, uint64_t seq)
{
	db_key_init(k);
	db_key_bytes(k, origin, PK_PUB_BYTES);
	db_key_u64(k, seq);
}

/* The first and last held changesets of origin: 0 with their sequences (and the last one's
 * bytes in *tail), or PK_ENOTFOUND. */
static int held_range(struct db_txn *t, db_dbi db, const uint8_t *origin, uint64_t *first,
                      uint64_t *last, struct db_val *tail)
{
	struct db_key key;
	struct db_cur c;
	bool on;
	int err;

	if ((err = db_cur_open(&c, t, db)) != 0)
		return err;
	held_key(&key, origin, 0);
	on = db_cur_seek(&c, key.buf, key.len);
	if (on && c.k.len == HELD_KEY && memcmp(c.k.data, origin, PK_PUB_BYTES) == 0) {
		*first = db_get_be64((const uint8_t *)c.k.data + PK_PUB_BYTES);
		/* The last: step to the next origin's first key and back one. */
		held_key(&key, origin, UINT64_MAX);
		on = db_cur_seek(&c, key.buf, key.len);
		if (!(on && memcmp(c.k.data, origin, PK_PUB_BYTES) == 0 &&
		      db_get_be64((const uint8_t *)c.k.data + PK_PUB_BYTES) == UINT64_MAX))
			on = t->err == 0 && (on ? db_cur_prev(&c) : db_cur_last(&c));
		if (on) {
			*last = db_get_be64((const uint8_t *)c.k.data + PK_PUB_BYTES);
			*tail = c.v;
		}
	} else {
		on = false;
	}
	db_cur_close(&c);
	return t->err != 0 ? t->err : on ? 0 : PK_ENOTFOUND;
}

/* Deletes every held changeset of origin. */
static int held_drop(struct db_txn *t, db_dbi db, const uint8_t *origin)
{
	struct db_cur c;

	db_cur_open(&c, t, db);
	for (bool on = db_cur_prefix(&c, origin, PK_PUB_BYTES); on; on = db_cur_next(&c))
		if (db_cur_del(&c) != 0)
			break;
	db_cur_close(&c);
	return t->err;
}

int clock_route_drop(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES])
{
	return store_db_held(s) == DB_NONE ? 0 : held_drop(t, store_db_held(s), origin);
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

int clock_route(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                const struct store_head *h, uint64_t now_ms, struct store_outcome *o,
                enum clock_route *route, struct db_val *other)
{
	db_dbi db = store_db_held(s);
	uint8_t hash[PK_HASH_BYTES];
	struct db_key key;
	struct pk_changeset tcs;
	uint64_t first = 0, last = 0;
	struct db_val tail = {NULL, 0}, v;
	int err;

	*route = CLOCK_GO;
	if (db == DB_NONE || now_ms == 0 || cs->seq <= h->seq)
		return 0;
	err = held_range(t, db, cs->origin, &first, &last, &tail);
	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (first != h->seq + 1) /* left behind by a held changeset refused when released */
		return held_drop(t, db, cs->origin);
	if (cs->seq <= last) {
		held_key(&key, cs->origin, cs->seq);
		if ((err = db_get(t, db, key.buf, key.len, &v)) != 0)
			return err == PK_ENOTFOUND ? PK_ECORRUPT : err;
		if (v.len != cs->raw_len || memcmp(v.data, cs->raw, cs->raw_len) != 0) {
			*other = v;
			*route = CLOCK_FORK;
			return 0;
		}
		if (cs->seq == h->seq + 1 && due(s, cs->hlc, now_ms)) {
			/* Its time has come (store_held_release sends it here). */
			return db_del(t, db, key.buf, key.len);
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
	if (pk_cs_decode(tail.data, tail.len, &tcs, NULL) != 0)
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

int clock_hold(struct db_txn *t, struct store *s, const struct pk_changeset *cs, uint64_t now_ms,
               struct store_outcome *o)
{
	struct db_key key;
	int err;

	held_key(&key, cs->origin, cs->seq);
	if ((err = db_put(t, store_db_held(s), key.buf, key.len, cs->raw, cs->raw_len)) != 0)
		return err;
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
	db_dbi db = store_db_held(s);
	uint8_t skip[PK_PUB_BYTES];
	bool skipping = false;
	struct pk_changeset cs;
	struct db_txn t;
	struct db_cur c;
	int err = 0;

	l->n = 0;
	l->next_ms = 0;
	db_txn_begin(&t, store_db(s), DB_RDONLY);
	db_cur_open(&c, &t, db);
	for (bool on = db_cur_first(&c); on && l->n < RELEASE_MAX; on = db_cur_next(&c)) {
		struct db_val k = c.k, v = c.v;
		uint8_t *copy;

		if (k.len != HELD_KEY || pk_cs_decode(v.data, v.len, &cs, NULL) != 0) {
			err = PK_ECORRUPT;
			break;
		}
		if (skipping && memcmp(skip, k.data, PK_PUB_BYTES) == 0)
			continue;
		if (!due(s, cs.hlc, now_ms)) {
			uint64_t at = pk_hlc_ms(cs.hlc) - store_max_skew(s);

			if (l->next_ms == 0 || at < l->next_ms)
				l->next_ms = at;
			memcpy(skip, k.data, PK_PUB_BYTES);
			skipping = true;
			continue;
		}
		if ((copy = malloc(v.len)) == NULL) {
			err = PK_ENOMEM;
			break;
		}
		memcpy(copy, v.data, v.len);
		l->b[l->n].data = copy;
		l->b[l->n++].len = v.len;
	}
	db_cur_close(&c);
	db_txn_fail(&t, err);
	if ((err = db_txn_end(&t)) != 0)
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
	if (store_db_held(s) == DB_NONE || now_ms == 0)
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
	db_dbi db = store_db_held(s);
	struct pk_changeset cs;
	struct db_txn t;
	struct db_cur c;

	*count = 0;
	*earliest_ms = 0;
	if (db == DB_NONE)
		return 0;
	db_txn_begin(&t, store_db(s), DB_RDONLY);
	db_cur_open(&c, &t, db);
	for (bool on = db_cur_first(&c); on; on = db_cur_next(&c)) {
		if (pk_cs_decode(c.v.data, c.v.len, &cs, NULL) != 0)
			continue;
		(*count)++;
		if (*earliest_ms == 0 || pk_hlc_ms(cs.hlc) < *earliest_ms)
			*earliest_ms = pk_hlc_ms(cs.hlc);
	}
	db_cur_close(&c);
	return db_txn_end(&t);
}

int store_heads_add_held(struct store *s, struct pk_heads *hs)
{
	db_dbi db = store_db_held(s);
	struct db_txn t;
	struct db_cur c;
	int err = 0;

	if (db == DB_NONE)
		return 0;
	db_txn_begin(&t, store_db(s), DB_RDONLY);
	db_cur_open(&c, &t, db);
	for (bool on = db_cur_first(&c); on && err == 0; on = db_cur_next(&c)) {
		const uint8_t *key = c.k.data;
		uint64_t seq;

		if (c.k.len != HELD_KEY)
			continue;
		seq = db_get_be64(key + PK_PUB_BYTES);
		if (seq > pk_heads_find(hs, key))
			err = pk_heads_set(hs, key, seq);
	}
	db_cur_close(&c);
	db_txn_fail(&t, err);
	return db_txn_end(&t);
}
