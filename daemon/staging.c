/*
 * staging.c: changesets arriving in parts (staging.h). The database `staging` holds, per peer,
 * one entry under the peer's key alone, hash (32) ‖ total (u32be) ‖ have (u32be), and the bytes
 * held under peer ‖ offset (u32be), one entry per part taken, so that a part costs a write of
 * its own size however large the changeset (SPEC section 11). A peer's entries are one prefix:
 * the state sorts first (the shortest key), then the pieces in offset order.
 */
#include <stdlib.h>
#include <string.h>

#include "staging.h"
#include "store_int.h"

#define STATE_BYTES (PK_HASH_BYTES + 4 + 4)
#define PIECE_KEY (PK_PUB_BYTES + 4)

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The state of peer's entry in t: 0, PK_ENOTFOUND, PK_ECORRUPT or a failure. */
static int state_read(struct db_txn *t, struct store *s, const uint8_t *peer, struct pk_staged *st)
{
	struct db_val v;
	int err;

	if ((err = db_get(t, s->staging, peer, PK_PUB_BYTES, &v)) != 0)
		return err;
	if (v.len != STATE_BYTES)
		return db_txn_fail(t, PK_ECORRUPT);
	memcpy(st->hash, v.data, PK_HASH_BYTES);
	st->total = get_be32((uint8_t *)v.data + PK_HASH_BYTES);
	st->have = get_be32((uint8_t *)v.data + PK_HASH_BYTES + 4);
	if (st->total == 0 || st->total > PK_SYNC_CS_BLOB_MAX || st->have > st->total)
		return db_txn_fail(t, PK_ECORRUPT);
	return 0;
}

static int state_write(struct db_txn *t, struct store *s, const uint8_t *peer,
                       const struct pk_staged *st)
{
	uint8_t v[STATE_BYTES];

	memcpy(v, st->hash, PK_HASH_BYTES);
	put_be32(v + PK_HASH_BYTES, (uint32_t)st->total);
	put_be32(v + PK_HASH_BYTES + 4, (uint32_t)st->have);
	return db_put(t, s->staging, peer, PK_PUB_BYTES, v, sizeof(v));
}

/* Deletes every entry of peer, in t. */
static int drop_all(struct db_txn *t, struct store *s, const uint8_t *peer)
{
	struct db_cur c;
	bool on;

	if (db_cur_open(&c, t, s->staging) != 0)
		return t->err;
	for (on = db_cur_prefix(&c, peer, PK_PUB_BYTES); on; on = db_cur_next(&c))
		db_cur_del(&c);
	db_cur_close(&c);
	return t->err;
}

/* Reads peer's pieces back into one buffer of st->total bytes and checks them against the hash. */
static int assemble(struct db_txn *t, struct store *s, const uint8_t *peer,
                    const struct pk_staged *st, uint8_t **blob)
{
	uint8_t hash[PK_HASH_BYTES], *buf;
	uint64_t at = 0;
	struct db_cur c;
	bool on;

	if ((buf = malloc(st->total)) == NULL)
		return PK_ENOMEM;
	if (db_cur_open(&c, t, s->staging) != 0) {
		free(buf);
		return t->err;
	}
	for (on = db_cur_prefix(&c, peer, PK_PUB_BYTES); on; on = db_cur_next(&c)) {
		if (c.k.len != PIECE_KEY)
			continue; /* the state */
		if (get_be32((uint8_t *)c.k.data + PK_PUB_BYTES) != at || c.v.len > st->total - at)
			break;
		memcpy(buf + at, c.v.data, c.v.len);
		at += c.v.len;
	}
	db_cur_close(&c);
	if (t->err != 0 || at != st->total) {
		free(buf);
		return t->err != 0 ? t->err : PK_EDECODE;
	}
	pk_hash(hash, buf, st->total);
	if (memcmp(hash, st->hash, PK_HASH_BYTES) != 0) {
		free(buf);
		return PK_EDECODE;
	}
	*blob = buf;
	return 0;
}

int staging_get(struct store *s, const uint8_t peer[PK_PUB_BYTES], struct pk_staged *st)
{
	struct db_txn t;
	int err;

	if (s->staging == DB_NONE)
		return PK_ENOTFOUND;
	db_txn_begin(&t, s->db, DB_RDONLY);
	err = state_read(&t, s, peer, st);
	db_txn_end(&t);
	return err;
}

int staging_take(struct store *s, const uint8_t peer[PK_PUB_BYTES], const struct pk_part *p,
                 uint64_t *have, uint8_t **blob, size_t *len)
{
	struct pk_staged st;
	uint8_t key[PIECE_KEY];
	struct db_txn t;
	bool bad = false;
	int err;

	*have = 0;
	*blob = NULL;
	*len = 0;
	if (s->staging == DB_NONE)
		return PK_ESTORE;
	if (p->total == 0 || p->total > PK_SYNC_CS_BLOB_MAX || p->offset > p->total ||
	    p->data.len > p->total - p->offset)
		return PK_EDECODE;
	db_txn_begin(&t, s->db, 0);
	err = state_read(&t, s, peer, &st);
	if (err == 0 && (st.total != p->total || memcmp(st.hash, p->hash, PK_HASH_BYTES) != 0)) {
		/* Another changeset: its first part replaces the one held; a later one is
		 * ignored (the sender learns from *have = 0 to start again). */
		if (p->offset != 0)
			return db_txn_end(&t) != 0 ? t.err : 0;
		drop_all(&t, s, peer);
		err = PK_ENOTFOUND;
	}
	if (err == PK_ENOTFOUND) {
		if (p->offset != 0)
			return db_txn_end(&t) != 0 ? t.err : 0;
		memcpy(st.hash, p->hash, PK_HASH_BYTES);
		st.total = p->total;
		st.have = 0;
	} else if (err != 0) {
		return db_txn_end(&t) != 0 ? t.err : err;
	}
	if (p->offset <= st.have && p->offset + p->data.len > st.have) {
		size_t skip = (size_t)(st.have - p->offset);

		memcpy(key, peer, PK_PUB_BYTES);
		put_be32(key + PK_PUB_BYTES, (uint32_t)st.have);
		db_put(&t, s->staging, key, sizeof(key), p->data.p + skip, p->data.len - skip);
		st.have += p->data.len - skip;
	}
	if (st.have > 0)
		state_write(&t, s, peer, &st);
	if (st.have == st.total) {
		err = assemble(&t, s, peer, &st, blob);
		if (err == PK_EDECODE) {
			/* The bytes do not make the changeset named: start it again. */
			drop_all(&t, s, peer);
			st.have = 0;
			bad = true;
		} else if (err != 0) {
			db_txn_end(&t);
			return err;
		}
	}
	if ((err = db_txn_commit(&t)) != 0) {
		free(*blob);
		*blob = NULL;
		return err;
	}
	*have = st.have;
	if (*blob != NULL)
		*len = (size_t)st.total;
	return bad ? PK_EDECODE : 0;
}

int staging_done(struct store *s, const uint8_t peer[PK_PUB_BYTES], const uint8_t *hash)
{
	struct pk_staged st;
	struct db_txn t;
	int err;

	if (s->staging == DB_NONE)
		return 0;
	db_txn_begin(&t, s->db, 0);
	err = state_read(&t, s, peer, &st);
	if (err == PK_ENOTFOUND ||
	    (err == 0 && hash != NULL && memcmp(hash, st.hash, PK_HASH_BYTES) != 0)) {
		db_txn_end(&t);
		return 0;
	}
	drop_all(&t, s, peer);
	return db_txn_commit(&t);
}
