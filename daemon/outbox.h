/*
 * outbox.h: what a peer lacks, decided once for every departure: the uplink to the parent, the
 * pull server answering a child, and `pokjactl bundle create`; and the same lineage rule at
 * every arrival (a push, a pull reply, `bundle apply`), so that the two ends cannot disagree. Each
 * names the peer by the rule of SPEC section 16 that says which origins it may receive; outbox_plan
 * compares this node's heads with what the peer is known to hold and gives, per origin, the range
 * of sequence numbers to send. Reading the changesets themselves (store_log_after) stays with the
 * caller, which knows its own budget.
 */
#ifndef PK_OUTBOX_H
#define PK_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/syncmsg.h"
#include "store.h"

/* Which origins a peer may receive (SPEC section 16). */
enum outbox_rule {
	OUTBOX_EVERYTHING, /* a bundle for every node: all that this node holds */
	OUTBOX_LINEAGE,    /* a child, or a bundle's target: its lineage, by its path */
	OUTBOX_UP,         /* the parent: this node's subtree and the parent's own changesets */
};

struct outbox_peer {
	enum outbox_rule rule;
	uint8_t (*path)[PK_PUB_BYTES]; /* OUTBOX_LINEAGE: the peer's path, root first */
	int n;                         /* its length */
	const uint8_t *self;           /* OUTBOX_UP: this node's key */
	const uint8_t *parent;         /* OUTBOX_UP: the parent's key */
};

/* One origin's changesets the peer lacks: sequence numbers after+1 .. last. */
struct outbox_pick {
	const uint8_t *origin; /* into the heads given to outbox_plan */
	uint64_t after, last;
};

/* True when the peer may receive changesets of origin. */
bool outbox_wants(struct store *s, const struct outbox_peer *p, const uint8_t origin[PK_PUB_BYTES]);

/* The same, given origin's path from the root (npath keys; 0 when its chain is not held): the
 * rule itself, with no store access, for the apply step that holds the path already. */
bool outbox_wants_path(const struct outbox_peer *p, const uint8_t origin[PK_PUB_BYTES],
                       uint8_t (*path)[PK_PUB_BYTES], int npath);

/*
 * The same rule at the receiving end: true when a changeset of origin that came from `sender`
 * is refused as `lineage`, that is when origin's chain is held and the sender could not have
 * sent it by the rule. The sender is described as outbox_plan would describe it sending to this
 * node: a child C pushing (OUTBOX_UP, self C, parent this node), the parent's pull reply or a
 * bundle (OUTBOX_LINEAGE with this node's path). An origin whose chain is not held is never
 * refused here: the apply step refuses it as no-certificate, whichever way it came. The
 * arrivals themselves (ingest.c) ask outbox_wants_path inside the apply transaction instead.
 */
bool outbox_refuses(struct store *s, const struct outbox_peer *sender,
                    const uint8_t origin[PK_PUB_BYTES]);

/*
 * Calls fn for each origin in mine (this node's heads) that the peer may receive and holds less
 * of than mine says (theirs: what it is known to hold; NULL: nothing), in mine's order, until fn
 * returns non-zero. Returns the number of changesets the peer lacks over all those origins (its
 * lag), counted whether or not fn stopped early. Costs one certificate path lookup per origin.
 */
uint64_t outbox_plan(struct store *s, const struct outbox_peer *p, const struct pk_heads *mine,
                     const struct pk_heads *theirs,
                     int (*fn)(const struct outbox_pick *pk, void *arg), void *arg);

#endif
