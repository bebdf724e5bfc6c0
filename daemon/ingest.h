/*
 * ingest.h: one way in for received changesets, whichever way they came (a push from a child,
 * the parent's pull reply, `pokjactl bundle apply`): the same checks in the same order, the same
 * refusal tags, counts and log lines. Its callers only translate the result into their output.
 *
 * The log lines: applied (debug), cert-refused, apply-refused, apply-held, disk-full,
 * apply-failed. The order is SPEC's (sections 7, 8, 16 and 18): the certificates carried are
 * stored first; then each changeset is decoded once, refused as `lineage` when its origin's
 * chain is held and the sender could not have sent it (outbox.h's rule), and otherwise accepted
 * or refused by section 8, INGEST_BATCH at a time in one transaction each (store_apply_from).
 */
#ifndef PK_INGEST_H
#define PK_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbox.h"
#include "proto/error.h"
#include "proto/syncmsg.h"
#include "store.h"

#define INGEST_BATCH 1024 /* changesets per transaction: a push's most */

/* Who sent the changesets and how to report them. */
struct ingest_from {
	const char *name;                 /* for the log: "1a2b3c4d5e6f7a8b", "the parent" */
	const struct outbox_peer *sender; /* what it may send (outbox.h); NULL: no lineage rule */
	bool lineage_refuses;     /* false: an origin it may not send is left out, not refused (a
	                             bundle not made for this node, SPEC section 18 step 7) */
	const char *lineage_why;  /* the sentence of a lineage refusal */
	int threads;              /* signature checks on this many threads */
	size_t log_max;           /* refusals logged (the rest only counted); 0: all */
	uint64_t (*now_ms)(void); /* the wall clock for section 8's clock step (node_now_ms) */
	/* When not NULL: called after each transaction with its outcomes (ingest's, valid during
	 * the call), out[i] for the changeset at index base + i. err 0 applied, PK_EEXIST already
	 * held, PK_EHELD held for its time, PK_ELINEAGE with lineage_refuses false left out, else
	 * refused with that tag. */
	void (*batch)(const struct store_outcome *out, size_t n, uint64_t base, void *arg);
	void *arg;
};

/* What became of the certificates and changesets; the caller zeroes it and may set acks. */
struct ingest_result {
	uint64_t seen; /* changesets gone through the apply step */
	uint64_t applied, exists, held, left_out, refused;
	uint64_t by_reason[PK_ERR_COUNT]; /* refused, by -err (slot 0: an unknown code) */
	uint64_t certs_stored, certs_refused;
	uint64_t unlogged; /* refusals counted but not logged (log_max) */
	bool certs_failed; /* the store failed while storing the certificates */
	/* When not NULL: filled with this node's head (held sequences included) for every origin
	 * that decoded, in origin order: a push's acknowledgement (SPEC section 16). */
	struct pk_heads *acks;
};

/*
 * Ingests what a peer sent: stores the certificates of certs (NULL: none) by SPEC section 7,
 * then applies the changesets of cs in the list's order with the sender's lineage rule, logs
 * each refusal once and counts it in r (and in the store's refusal counts, in the same
 * transaction). Returns 0, or a store failure (logged as disk-full or apply-failed), after
 * which the transactions before the failing one stay applied. Must not be called inside
 * another store transaction.
 */
int ingest_batch(struct store *s, const struct ingest_from *from, const struct pk_sync_list *certs,
                 const struct pk_sync_list *cs, struct ingest_result *r);

/*
 * ingest_batch for one changeset given as its bytes (one that arrived in parts, SPEC section 16),
 * without certificates. Its outcome is added to r (r->acks included: its origin's head is set
 * there) and reported to from->batch at index 0.
 */
int ingest_one(struct store *s, const struct ingest_from *from, const uint8_t *blob, size_t len,
               struct ingest_result *r);

#endif
