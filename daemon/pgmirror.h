/*
 * pgmirror.h: pokjad's optional copy of the current records in a PostgreSQL database ([postgres]
 * conninfo): one table per collection with typed columns, kept equal to the store by a thread of
 * its own that lags behind replication rather than slowing it. Its position is in the store.
 *
 * What changed since the last pass is found per origin: the store's `pgmirror` database keeps,
 * for each origin, the last sequence of its log whose records PostgreSQL holds (pgpos.c). A pass
 * compares those positions with the heads (one short read per page of origins), reads the log
 * beyond them (store_log_after), and for every (collection, region, key) an op touched reads
 * the CURRENT record from the store and upserts it, or deletes the row when the record is gone
 * or a tombstone. So PostgreSQL equals the store whatever order changesets arrived in, and the
 * last-writer-wins rule is the store's own. PostgreSQL commits first, the positions after: a
 * crash between repeats the batch (an idempotent upsert) and never skips one. Cost: one pass is
 * O(origins) to find work plus one store_get and one statement per record touched.
 */
#ifndef PGMIRROR_H
#define PGMIRROR_H

#include "config.h"
#include "proto/error.h"
#include "store.h"

struct pgmirror;

/*
 * Checks the [postgres] settings without connecting: the connection string parses (libpq's
 * own parser), and it holds a password only when the file conf_path cannot be read by every
 * user. Returns 0 (also when the mirror is off) or PK_EINVAL with the sentence, saying what to
 * do, in d.
 */
int pgmirror_check(const struct config *cfg, const char *conf_path, struct pk_diag *d);

/*
 * Starts the mirror's thread when [postgres] conninfo is set, after pgmirror_check; *out is
 * NULL when it is not (and any state left by an earlier mirror is removed, so that `pokjactl
 * status` shows none). A mirror that finds the store's state written for another database
 * starts over. The thread never ends on a PostgreSQL failure: it logs it (tag pg-error), keeps
 * it for `pokjactl status`, and connects again after 1 s, doubling up to [postgres] retry_max.
 * s must outlive the mirror. Returns 0 or an error with d.
 */
int pgmirror_start(struct pgmirror **out, struct store *s, const struct config *cfg,
                   const char *conf_path, struct pk_diag *d);

/* Stops the thread (a statement under way finishes first) and frees m. m may be NULL. */
void pgmirror_stop(struct pgmirror *m);

#endif
