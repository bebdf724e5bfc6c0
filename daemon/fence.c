/*
 * fence.c: the restore fence (SPEC section 11, meta "fence"), which keeps a node put back from a
 * backup from writing until its peers have given its own log back, and the hot backup that makes
 * such a copy. The fence costs store_write one meta read; store_fence_note writes only when what
 * a peer reports changes the fence.
 */
#include "store_int.h"

#include <string.h>

/* ---- restore fence ------------------------------------------------------------------------- */

/* meta "fence": need (u64 BE, the highest sequence of this node's own log a peer reported) and
 * heard (1 byte: a decisive peer has reported). Absent: the node writes freely. */
#define FENCE_BYTES 9

static int fence_read(struct db_txn *t, struct store *s, struct store_fence *f)
{
	struct db_val v;
	int err;

	memset(f, 0, sizeof(*f));
	if ((err = st_meta_get(t, s, "fence", &v)) != 0)
		return err;
	if (v.len != FENCE_BYTES)
		return PK_ECORRUPT;
	f->fenced = true;
	f->need = db_get_be64(v.data);
	f->heard = ((const uint8_t *)v.data)[8] != 0;
	return 0;
}

static int fence_write(struct db_txn *t, struct store *s, const struct store_fence *f)
{
	uint8_t buf[FENCE_BYTES];

	db_put_be64(buf, f->need);
	buf[8] = f->heard ? 1 : 0;
	return st_meta_put(t, s, "fence", buf, sizeof(buf));
}

static int fence_drop(struct db_txn *t, struct store *s)
{
	int err = db_del(t, s->meta, "fence", 5);

	return err == PK_ENOTFOUND ? 0 : err;
}

/* In store_write's transaction: lifts a fence whose condition is met, refuses while it holds. */
int st_fence_check(struct db_txn *t, struct store *s, uint64_t have, struct pk_diag *d)
{
	struct store_fence f;
	int err = fence_read(t, s, &f);

	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (f.heard && have >= f.need)
		return fence_drop(t, s);
	/* pk_diag holds 255 bytes: keep these short. */
	if (!f.heard)
		return pk_diagf(
		    d, PK_ESTATE,
		    "restored from a backup: own latest sequence not yet heard from peers "
		    "(holds up to %llu); writing could fork this node's log. Run pokjad "
		    "until it reaches its peers, or 'pokjactl allow-writes'",
		    (unsigned long long)have);
	return pk_diagf(d, PK_ESTATE,
	                "restored from a backup: still getting own changesets back from peers "
	                "(holds %llu of %llu); writing could fork this node's log. Let pokjad "
	                "finish, or 'pokjactl allow-writes'",
	                (unsigned long long)have, (unsigned long long)f.need);
}

int store_fence_set(struct store *s)
{
	struct store_fence f = {.fenced = true};
	struct db_txn t;

	db_txn_begin(&t, s->db, 0);
	fence_write(&t, s, &f);
	return db_txn_commit(&t);
}

int store_fence_note(struct store *s, uint64_t seq, bool decisive)
{
	struct store_fence f;
	struct db_txn t;
	int err;

	db_txn_begin(&t, s->db, DB_RDONLY);
	err = fence_read(&t, s, &f);
	db_txn_end(&t);
	if (err != 0)
		return err == PK_ENOTFOUND ? 0 : err; /* the common case: no fence, no write */
	if (f.need >= seq && (f.heard || !decisive))
		return 0;
	db_txn_begin(&t, s->db, 0);
	if ((err = fence_read(&t, s, &f)) == 0) {
		if (seq > f.need)
			f.need = seq;
		f.heard = f.heard || decisive;
		err = fence_write(&t, s, &f);
	}
	if (err == PK_ENOTFOUND) { /* lifted meanwhile: nothing to note */
		db_txn_end(&t);
		return 0;
	}
	db_txn_fail(&t, err);
	return db_txn_commit(&t);
}

int store_fence_get(struct store *s, struct store_fence *f)
{
	struct store_node node;
	struct store_head h;
	struct db_txn t;
	int err;

	db_txn_begin(&t, s->db, DB_RDONLY);
	if ((err = fence_read(&t, s, f)) == 0 && (err = st_node_read(&t, s, &node)) == 0 &&
	    (err = st_head_read(&t, s, node.pub, &h)) == 0)
		f->have = h.seq;
	db_txn_end(&t);
	return err;
}

int store_fence_lift(struct store *s)
{
	struct db_txn t;

	db_txn_begin(&t, s->db, 0);
	fence_drop(&t, s);
	return db_txn_commit(&t);
}

/* ---- backup ------------------------------------------------------------------------------- */

int store_backup(struct store *s, int fd)
{
	return db_copy(s->db, fd);
}
