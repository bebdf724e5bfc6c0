/*
 * invites.c: invites for online joining (SPEC section 17), kept under their secret until used or
 * expired, then as a marker under the secret's hash, so that a second use is told apart from an
 * unknown secret. Invites are few: store_invite_use walks them all to retire the expired ones.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/region.h"

#define INVITE_META (8 + 1)

/* An invite's state byte in the "invites" database. */
enum { INVITE_LIVE = 0, INVITE_USED = 1, INVITE_EXPIRED = 2 };

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

static int invite_encode(struct db_val *v, uint8_t *buf, size_t cap, const struct store_invite *inv,
                         int state)
{
	size_t rl = strnlen(inv->region, sizeof(inv->region));
	size_t nl = strnlen(inv->name, sizeof(inv->name));

	if (rl == sizeof(inv->region) || nl == sizeof(inv->name) || INVITE_META + rl + 1 + nl > cap)
		return PK_EINVAL;
	db_put_be64(buf, inv->expires);
	buf[8] = (uint8_t)state;
	memcpy(buf + INVITE_META, inv->region, rl + 1);
	memcpy(buf + INVITE_META + rl + 1, inv->name, nl);
	v->len = INVITE_META + rl + 1 + nl;
	v->data = buf;
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
	inv->expires = db_get_be64(val);
	*state = val[8];
	inv->used = val[8] == INVITE_USED;
	memcpy(inv->region, val + INVITE_META, rl);
	memcpy(inv->name, z + 1, nl);
	return 0;
}

int store_invite_put(struct store *s, const struct store_invite *inv)
{
	uint8_t buf[INVITE_META + PK_REGION_MAX + 1 + PK_NAME_MAX], marker[PK_HASH_BYTES];
	struct db_val v, old;
	struct db_txn t;
	int err;

	if ((err = invite_encode(&v, buf, sizeof(buf), inv,
	                         inv->used ? INVITE_USED : INVITE_LIVE)) != 0 ||
	    !pk_region_valid(inv->region, strlen(inv->region)))
		return PK_EINVAL;
	invite_marker(marker, inv->secret);
	db_txn_begin(&t, s->db, 0);
	/* A secret is good for one invite, ever: not again after it was used. */
	err = db_get(&t, s->invites, marker, PK_HASH_BYTES, &old);
	if (err == 0)
		err = PK_EEXIST;
	else if (err == PK_ENOTFOUND && inv->used)
		err = db_put_new(&t, s->invites, marker, PK_HASH_BYTES, v.data, v.len);
	else if (err == PK_ENOTFOUND)
		err = db_put_new(&t, s->invites, inv->secret, 32, v.data, v.len);
	db_txn_fail(&t, err);
	return db_txn_commit(&t);
}

struct invite_ctx {
	uint64_t now;
	int (*fn)(const struct store_invite *inv, void *arg);
	void *arg;
};

static int invite_visit(const struct db_entry *e, void *arg)
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

	if (s->invites == DB_NONE)
		return 0;
	err = db_scan(s->db, s->invites, NULL, 0, invite_visit, &c);
	return err < 0 ? err : 0;
}

/* Replaces the live invite under secret (value v) by its marker in the given state. */
static int invite_retire(struct db_txn *t, struct store *s, const uint8_t secret[32],
                         const struct db_val *v, int state)
{
	uint8_t marker[PK_HASH_BYTES], buf[INVITE_META + PK_REGION_MAX + 1 + PK_NAME_MAX];
	size_t len = v->len;
	int err;

	if (len < INVITE_META || len > sizeof(buf))
		return PK_ECORRUPT;
	memcpy(buf, v->data, len);
	buf[8] = (uint8_t)state;
	invite_marker(marker, secret);
	if ((err = db_del(t, s->invites, secret, 32)) != 0)
		return err;
	return db_put(t, s->invites, marker, PK_HASH_BYTES, buf, len);
}

/* Retires every live invite that expired before now (invites are few: a whole walk). */
static int invites_purge(struct db_txn *t, struct store *s, uint64_t now)
{
	uint8_t(*expired)[32] = NULL;
	size_t n = 0, cap = 0;
	struct db_cur cur;
	struct db_val v;
	int err = 0;

	if ((err = db_cur_open(&cur, t, s->invites)) != 0)
		return err;
	for (bool on = db_cur_first(&cur); on; on = db_cur_next(&cur)) {
		const uint8_t *val = cur.v.data;

		if (cur.k.len != 32 || cur.v.len < INVITE_META || val[8] != INVITE_LIVE ||
		    db_get_be64(val) >= now)
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
		memcpy(expired[n++], cur.k.data, 32);
	}
	db_cur_close(&cur);
	if (err == 0)
		err = t->err;
	/* Changed after the walk: a put during it could move the cursor. */
	for (size_t i = 0; i < n && err == 0; i++)
		if ((err = db_get(t, s->invites, expired[i], 32, &v)) == 0)
			err = invite_retire(t, s, expired[i], &v, INVITE_EXPIRED);
	free(expired);
	return err;
}

int store_invite_use(struct store *s, const uint8_t secret[32], uint64_t now)
{
	uint8_t marker[PK_HASH_BYTES];
	struct db_txn t;
	struct db_val v;
	int err, result = 0;

	invite_marker(marker, secret);
	db_txn_begin(&t, s->db, 0);
	err = db_get(&t, s->invites, secret, 32, &v);
	if (err == 0 && (v.len < INVITE_META || ((uint8_t *)v.data)[8] != INVITE_LIVE)) {
		err = PK_ECORRUPT;
	} else if (err == 0) {
		result = now > db_get_be64(v.data) ? PK_EEXPIRED : 0;
		err = invite_retire(&t, s, secret, &v, result == 0 ? INVITE_USED : INVITE_EXPIRED);
	} else if (err == PK_ENOTFOUND &&
	           (err = db_get(&t, s->invites, marker, PK_HASH_BYTES, &v)) == 0) {
		/* Used or expired before: nothing changes, beyond the purge below. */
		if (v.len < INVITE_META)
			err = PK_ECORRUPT;
		else
			result = ((uint8_t *)v.data)[8] == INVITE_USED ? PK_EEXIST : PK_EEXPIRED;
	} else if (err == PK_ENOTFOUND) {
		result = PK_ENOTFOUND;
		err = 0;
	}
	if (err == 0)
		err = invites_purge(&t, s, now);
	db_txn_fail(&t, err);
	err = db_txn_commit(&t);
	return err != 0 ? err : result;
}
