/*
 * sync_batch.c: this node's heads, the batches of changesets a peer lacks (for the pull server
 * and the uplink); what arrives goes in through ingest.c.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync_int.h"

/* ---- heads ---------------------------------------------------------------------------------- */

/*
 * Every head list of a message comes in strictly ascending origin order (pk_sync_decode refuses
 * others), so a set is built from it in one pass (pk_heads_from_list) and each head is then
 * looked up by binary search: O(log n) per head of a message, never a memmove per head.
 */

struct heads_filter {
	struct sync *sy;
	struct pk_heads *out;
	uint8_t (*path)[PK_PUB_BYTES]; /* NULL: every origin */
	int n;
};

static int heads_visit(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct heads_filter *f = arg;

	if (f->path != NULL && !store_in_lineage(f->sy->s, f->path, f->n, origin))
		return 0;
	return pk_heads_set(f->out, origin, h->seq) != 0 ? -1 : 0;
}

/* This node's heads, all of them or those in the lineage of the node with the given path. */
int sy_my_heads(struct sync *sy, uint8_t (*path)[PK_PUB_BYTES], int n, struct pk_heads *out)
{
	struct heads_filter f = {sy, out, path, n};
	int r = store_heads(sy->s, heads_visit, &f);

	return r < 0 ? r : 0;
}

/* ---- batches of changesets ------------------------------------------------------------------ */
void sy_batch_free(struct batch *bt)
{
	for (size_t i = 0; i < bt->n; i++)
		free((void *)bt->b[i].p);
	free(bt->b);
	free((void *)bt->big.p);
	memset(bt, 0, sizeof(*bt));
}

/* Copies a changeset into the batch. */
static int batch_add(struct batch *bt, const uint8_t *raw, size_t len)
{
	struct pk_blob *nb;
	uint8_t *copy;

	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 64;
		if ((nb = realloc(bt->b, cap * sizeof(*nb))) == NULL)
			return -1;
		bt->b = nb;
		bt->cap = cap;
	}
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, raw, len);
	bt->b[bt->n].p = copy;
	bt->b[bt->n].len = len;
	bt->n++;
	bt->bytes += len;
	return 0;
}

static int batch_take(const uint8_t *raw, size_t len, void *arg)
{
	struct batch *bt = arg;
	uint8_t *copy;

	/* With parts, a changeset larger than a whole unit goes in parts, after what the batch
	 * holds: it ends the batch (SPEC section 16, "Parts"). */
	if (bt->parts && len > bt->budget && bt->big.p == NULL) {
		bt->full = true;
		if ((copy = malloc(len)) == NULL)
			return -1;
		memcpy(copy, raw, len);
		bt->big.p = copy;
		bt->big.len = len;
		return 1;
	}
	if (bt->n >= bt->max || (bt->n > 0 && bt->bytes + len > bt->budget)) {
		bt->full = true;
		return 1;
	}
	return batch_add(bt, raw, len) != 0 ? -1 : 0;
}

/* Pass 1: an origin's next changesets while each is urgent and they fit half the budget. */
struct urgent {
	struct batch *bt;
	uint64_t taken;
};

static int urgent_take(const uint8_t *raw, size_t len, void *arg)
{
	struct urgent *u = arg;
	struct batch *bt = u->bt;

	if (len > SY_URGENT_BYTES || bt->n >= bt->max || bt->bytes + len > bt->budget / 2)
		return 1;
	if (batch_add(bt, raw, len) != 0)
		return -1;
	u->taken++;
	return 0;
}

struct fill {
	struct sync *sy;
	struct batch *bt;
	bool urgent;     /* pass 1 */
	uint64_t *taken; /* per origin, in plan order: what pass 1 took */
	size_t i, n;
};

static int fill_take(const struct outbox_pick *pk, void *arg)
{
	struct fill *f = arg;
	size_t i = f->i++;

	if (f->urgent) {
		struct urgent u = {f->bt, 0};

		if (i < f->n) {
			store_log_after(f->sy->s, pk->origin, pk->after, f->bt->budget / 2,
			                f->bt->max, urgent_take, &u);
			f->taken[i] = u.taken;
		}
		return 0;
	}
	if (f->bt->full)
		return 1;
	store_log_after(f->sy->s, pk->origin, pk->after + (i < f->n ? f->taken[i] : 0),
	                f->bt->budget, f->bt->max, batch_take, f->bt);
	return 0;
}

/*
 * Adds to bt the changesets this node holds beyond `theirs` that the peer may receive (outbox.h),
 * in two passes (SPEC section 16, "Order"): first each origin's next changesets while they are
 * urgent (at most SY_URGENT_BYTES each) and fit half the budget, then every origin's in turn from
 * where the first pass left it. Each origin's changesets come in sequence. Returns the total lag
 * (changesets the other side lacks, whether or not they fit).
 */
uint64_t sy_batch_fill(struct sync *sy, const struct pk_heads *mine, const struct pk_heads *theirs,
                       const struct outbox_peer *peer, struct batch *bt)
{
	struct fill f = {sy, bt, true, NULL, 0, 0};
	uint64_t lag;

	f.taken = calloc(mine->n ? mine->n : 1, sizeof(*f.taken));
	f.n = f.taken != NULL ? mine->n : 0;
	if (f.taken != NULL)
		outbox_plan(sy->s, peer, mine, theirs, fill_take, &f);
	f.urgent = false;
	f.i = 0;
	lag = outbox_plan(sy->s, peer, mine, theirs, fill_take, &f);
	free(f.taken);
	return lag;
}

void sy_part_next(const struct pk_staged *held, const struct pk_blob *cs, size_t unit,
                  struct pk_part *p)
{
	size_t room = unit > PART_MIN ? unit : PART_MIN;

	pk_hash(p->hash, cs->p, cs->len);
	p->total = cs->len;
	p->offset = 0;
	if (held != NULL && held->total == cs->len &&
	    memcmp(held->hash, p->hash, PK_HASH_BYTES) == 0)
		p->offset = held->have;
	if (room > PK_PART_DATA_MAX)
		room = PK_PART_DATA_MAX;
	p->data.p = cs->p + p->offset;
	p->data.len = cs->len - p->offset < room ? (size_t)(cs->len - p->offset) : room;
}
