/*
 * clock.h: the clock rules of proto/SPEC.md section 4 that need more than one changeset: a node
 * refuses to write while its clock is off from its peers' (measured at each handshake and kept
 * in the `peers` table), and a receiver holds a changeset stamped ahead of its wall clock (the
 * `held` table) until its time comes, instead of refusing it and blocking its origin's later
 * changesets behind a gap.
 *
 * The clock_* functions run inside a store transaction and are reached only from apply.c
 * (store_write and store_apply); the store_held_* functions are the store's public API for
 * pokjad and pokjactl and open their own transactions.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "proto/changeset.h"
#include "proto/error.h"
#include "store.h"

#define CLOCK_MAX_HOLD_MS (7ull * 24 * 3600 * 1000) /* the default of store_set_max_hold */

/* Writes a span of seconds for people: "2 h 3 min", "4 min 10 s", "40 s". */
void clock_span(char *out, size_t cap, uint64_t seconds);

/* What store.c gives this module: its environment, databases and settings. */
db_dbi store_db_peers(const struct store *s); /* DB_NONE when absent */
db_dbi store_db_held(const struct store *s);
struct db *store_db(const struct store *s);
uint64_t store_max_skew(const struct store *s);
uint64_t store_max_hold(const struct store *s);

/*
 * The write rule (SPEC section 4): PK_ECLOCK with the skew and the fix in d while this node's
 * clock is ahead of its parent's (`root`: of the median of its children's) by more than the skew
 * bound, as the last handshakes measured; 0 otherwise (behind, or nothing measured).
 */
int clock_write_check(struct db_txn *t, struct store *s, bool root, struct pk_diag *d);

/* What store_apply does with a changeset, given its origin's held changesets. */
enum clock_route {
	CLOCK_GO,   /* check and apply it as section 8 says (it may still be held: clock_ahead) */
	CLOCK_DONE, /* decided here: the outcome is in o (held again, or refused) */
	CLOCK_FORK, /* another changeset is held for its sequence: *other holds it; a fork */
	CLOCK_HOLD, /* it follows the held ones: check steps 9 to 12, then hold it */
};

/*
 * Called by store_apply after the forked check, with the origin's head h and the receiver's
 * wall clock now_ms (0: no clock; nothing is held). May delete held entries (one that is due
 * and arrives again, or those left behind by a refused one). Returns 0 with *route, or a store
 * error. *other points into the map for the transaction's life.
 */
int clock_route(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                const struct store_head *h, uint64_t now_ms, struct store_outcome *o,
                enum clock_route *route, struct db_val *other);

/*
 * Section 8 step 8 for a changeset that follows its origin's log: 0 when not ahead, 1 when it
 * is to be held (ahead by more than the skew bound, within the hold bound), or PK_ECLOCK with
 * the reason in o (beyond the hold bound).
 */
int clock_ahead(const struct store *s, const struct pk_changeset *cs, uint64_t now_ms,
                struct store_outcome *o);

/* Forgets the held changesets of origin (it forked). Returns 0 or a store error. */
int clock_route_drop(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES]);

/* Holds an accepted-but-early changeset; sets o to PK_EHELD. Returns 0 or a store error. */
int clock_hold(struct db_txn *t, struct store *s, const struct pk_changeset *cs, uint64_t now_ms,
               struct store_outcome *o);

#endif
