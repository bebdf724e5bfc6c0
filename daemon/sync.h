/*
 * sync.h: replication between a node and its parent and children over nng (SPEC Part II).
 *
 * A node with children listens (REP) and serves them from nng contexts driven by completion
 * callbacks (sync_slots.c) on a small fixed pool of threads, whatever the number of children;
 * a long poll waits as a parked aio, not as a blocked thread, and replies are sent without
 * waiting, so one slow or stalled child never holds up another. A node with a
 * parent dials it (REQ) and runs two loops on two contexts of one session: "up" pushes what the
 * parent lacks of this node's subtree, "down" long-polls for what this node lacks of its
 * lineage. Every commit to the store wakes both sides at once: pokjad's own through the store's
 * commit callback, pokjactl's (another process) through the store's notification socket
 * (store.h, "commit notification"), so new data leaves promptly and an idle node sleeps.
 *
 * This is pokjad's side, in libpokjad.a. Joining a parent (`pokjactl init --join`) is
 * sync_link.h, in the store library.
 */
#ifndef SYNC_H
#define SYNC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "proto/syncmsg.h"
#include "store.h"

struct sync;

/*
 * Starts replication for the node whose store and key are given: listens on cfg->listen when
 * set, dials cfg->parent_url when set. The store, config and key must outlive the sync.
 * Returns 0 or an error with a sentence in d (a URL nng refuses, a port in use).
 */
int sync_start(struct sync **out, struct store *s, const struct config *cfg,
               const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES], struct pk_diag *d);

/*
 * Runs the watcher on the calling thread until one of the signals in stop arrives (they must be
 * blocked in every thread): it wakes the loops when another process commits, and releases held
 * changesets, writes peers, the health record and receipts when they are due. Returns the
 * signal, or -1 when it cannot take signals (then the caller waits for them itself).
 */
int sync_run(struct sync *sy, const sigset_t *stop);

/* Stops every thread, closes the sockets and frees the sync. Requests in flight are answered
 * or dropped; a store transaction in flight finishes first. */
void sync_stop(struct sync *sy);

/* The sessions open now, for the metrics (sync_stats.c): established sessions with children
 * (pending hellos not counted) and whether one with the parent is open (0 or 1). Takes the
 * session locks briefly; O(SESSIONS_MAX). sy may be NULL (replication off): both are 0. */
struct sync_sessions {
	unsigned children, parent;
};
void sync_sessions(struct sync *sy, struct sync_sessions *out);

/* Releases what nng keeps for the whole process (its threads, and messages still queued on
 * closed sockets), after the last sync_stop; at process exit only. */
void sync_shutdown(void);

#endif
