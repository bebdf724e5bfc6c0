/*
 * metrics.h: pokjad's metrics in the Prometheus text format (version 0.0.4): the counters the
 * replication code bumps (atomic, in this process's memory: they start at zero with each
 * pokjad), and the renderer that writes them together with the store's own counts and sizes.
 * metrics_http.h serves the rendering on GET /metrics; pokjad.8 (METRICS) lists every metric.
 */
#ifndef PK_METRICS_H
#define PK_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "proto/crypto.h"
#include "proto/version.h"
#include "store.h"
#include "sync.h"

#define METRICS_LINKS_MAX 1100      /* peers counted apart; more share the series "other" */
#define METRICS_BODY_MAX (4u << 20) /* the largest rendering: METRICS_LINKS_MAX links fit */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Sets the start time reported as process_start_time_seconds (Unix milliseconds) and zeroes
 * every counter. pokjad calls it once, before replication starts. */
void metrics_reset(uint64_t start_ms);

/* Counts what ingest_batch made of a batch received from a peer (its applied changesets).
 * Lock-free; callable from any thread. */
void metrics_ingested(const struct ingest_result *r);

/* Counts a held changeset whose time came (store_held_release's outcome): applied when o->err
 * is 0. Lock-free. */
void metrics_released(const struct store_outcome *o);

/* Adds the bytes of one sealed request and its reply, as they crossed the link to the peer
 * with this key ("parent" or "child", its role for this node). Takes a short lock. */
void metrics_link_bytes(const uint8_t key[PK_PUB_BYTES], const char *role, uint64_t in,
                        uint64_t out);

/* Counts a session established with a peer of this role ("parent" or "child"). Lock-free. */
void metrics_session_opened(const char *role);

/*
 * Renders every metric into *out (malloc'd, NUL-terminated, the caller frees it; *len without
 * the NUL): the counters above, the store's refusal counts (store_refusals), the per-peer lags
 * pokjad last wrote (store_peer_list), store_stats, and sync_sessions(sy) (sy may be NULL).
 * Costs a few short LMDB reads and no walk of the log. Returns 0, PK_ETOOBIG beyond
 * METRICS_BODY_MAX, PK_ENOMEM, or the store's failure.
 */
int metrics_render(struct store *s, struct sync *sy, char **out, size_t *len);

#endif
