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
	return lmdb_err(st_txn_commit(s, txn));
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
	err = st_scan(s, s->invites, NULL, 0, invite_visit, &c);
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
	if ((rc = st_txn_commit(s, txn)) != 0)
		return lmdb_err(rc);
	return result;
fail:
	mdb_txn_abort(txn);
	return err;
}
