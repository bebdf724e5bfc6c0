/*
 * fence.c: the restore fence (SPEC section 11, meta "fence"), which keeps a node put back from a
 * backup from writing until its peers have given its own log back, and the hot backup that makes
 * such a copy. The fence costs store_write one meta read; store_fence_note writes only when what
 * a peer reports changes the fence.
 */
#include "store_int.h"

#include <errno.h>
#include <string.h>

/* ---- restore fence ------------------------------------------------------------------------- */

/* meta "fence": need (u64 BE, the highest sequence of this node's own log a peer reported) and
 * heard (1 byte: a decisive peer has reported). Absent: the node writes freely. */
#define FENCE_BYTES 9

static int fence_read(MDB_txn *txn, struct store *s, struct store_fence *f)
{
	MDB_val v;
	int err;

	memset(f, 0, sizeof(*f));
	if ((err = st_meta_get(txn, s, "fence", &v)) != 0)
		return err;
	if (v.mv_size != FENCE_BYTES)
		return PK_ECORRUPT;
	f->fenced = true;
	f->need = get_be64(v.mv_data);
	f->heard = ((const uint8_t *)v.mv_data)[8] != 0;
	return 0;
}

static int fence_write(MDB_txn *txn, struct store *s, const struct store_fence *f)
{
	uint8_t buf[FENCE_BYTES];

	put_be64(buf, f->need);
	buf[8] = f->heard ? 1 : 0;
	return st_meta_put(txn, s, "fence", buf, sizeof(buf));
}

static int fence_drop(MDB_txn *txn, struct store *s)
{
	MDB_val k = {5, (void *)"fence"};
	int rc = mdb_del(txn, s->meta, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : lmdb_err(rc);
}

/* In store_write's transaction: lifts a fence whose condition is met, refuses while it holds. */
int st_fence_check(MDB_txn *txn, struct store *s, uint64_t have, struct pk_diag *d)
{
	struct store_fence f;
	int err = fence_read(txn, s, &f);

	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return err;
	if (f.heard && have >= f.need)
		return fence_drop(txn, s);
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
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_write(txn, s, &f)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(st_txn_commit(s, txn));
}

int store_fence_note(struct store *s, uint64_t seq, bool decisive)
{
	struct store_fence f;
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = fence_read(txn, s, &f);
	mdb_txn_abort(txn);
	if (err != 0)
		return err == PK_ENOTFOUND ? 0 : err; /* the common case: no fence, no write */
	if (f.need >= seq && (f.heard || !decisive))
		return 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_read(txn, s, &f)) == 0) {
		if (seq > f.need)
			f.need = seq;
		f.heard = f.heard || decisive;
		err = fence_write(txn, s, &f);
	}
	if (err != 0) {
		mdb_txn_abort(txn);
		return err == PK_ENOTFOUND ? 0 : err;
	}
	return lmdb_err(st_txn_commit(s, txn));
}

int store_fence_get(struct store *s, struct store_fence *f)
{
	struct store_node node;
	struct store_head h;
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_read(txn, s, f)) == 0 && (err = st_node_read(txn, s, &node)) == 0 &&
	    (err = st_head_read(txn, s, node.pub, &h)) == 0)
		f->have = h.seq;
	mdb_txn_abort(txn);
	return err;
}

int store_fence_lift(struct store *s)
{
	MDB_txn *txn;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = fence_drop(txn, s)) != 0) {
		mdb_txn_abort(txn);
		return err;
	}
	return lmdb_err(st_txn_commit(s, txn));
}

/* ---- backup ------------------------------------------------------------------------------- */

int store_backup(struct store *s, int fd)
{
	int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);

	return rc == 0 ? 0 : rc > 0 ? (errno = rc, pk_errno_err(rc)) : lmdb_err(rc);
}
