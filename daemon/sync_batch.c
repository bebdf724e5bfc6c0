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
	memset(bt, 0, sizeof(*bt));
}

static int batch_take(const uint8_t *raw, size_t len, void *arg)
{
	struct batch *bt = arg;
	struct pk_blob *nb;
	uint8_t *copy;

	if (bt->n >= bt->max || (bt->n > 0 && bt->bytes + len > bt->budget)) {
		bt->full = true;
		return 1;
	}
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

struct fill {
	struct sync *sy;
	struct batch *bt;
};

static int fill_take(const struct outbox_pick *pk, void *arg)
{
	struct fill *f = arg;

	if (f->bt->full)
		return 1;
	store_log_after(f->sy->s, pk->origin, pk->after, f->bt->budget, f->bt->max, batch_take,
	                f->bt);
	return 0;
}

/*
 * Adds to bt the changesets this node holds beyond `theirs` that the peer may receive (outbox.h).
 * Each origin's changesets come in sequence. Returns the total lag (changesets the other side
 * lacks, whether or not they fit).
 */
uint64_t sy_batch_fill(struct sync *sy, const struct pk_heads *mine, const struct pk_heads *theirs,
                       const struct outbox_peer *peer, struct batch *bt)
{
	struct fill f = {sy, bt};

	return outbox_plan(sy->s, peer, mine, theirs, fill_take, &f);
}
