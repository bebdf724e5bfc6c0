/*
 * staging.h: changesets arriving in parts (SPEC section 16, "Parts"), kept in the store's
 * database `staging` (section 11) so that what crossed a link survives a cut, a restart or a
 * kill -9 of either end. A receiver holds at most one changeset in parts per peer: the parts of
 * another one replace it. Part of the store (store_int.h); pokjad's sync loops are its callers.
 */
#ifndef PK_STAGING_H
#define PK_STAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/syncmsg.h"
#include "store.h"

/*
 * What this node holds in parts from peer: 0 and *st (hash, total, have), or PK_ENOTFOUND when
 * it holds nothing from it, or a store failure.
 */
int staging_get(struct store *s, const uint8_t peer[PK_PUB_BYTES], struct pk_staged *st);

/*
 * Takes a part that peer sent, in one write transaction (section 16's rules):
 * - parts of a changeset other than the one held from peer (another hash or total) replace it
 *   when they start at offset 0, and are ignored otherwise;
 * - of a part that starts at or before what is held, only the bytes beyond it are kept; a part
 *   that starts beyond it is ignored (the sender resumes from *have).
 * Returns 0 with *have, the bytes held of the part's changeset afterwards. When that is all of
 * it, the bytes are read back and hashed: if they match, *blob is a malloc'd copy of the
 * changeset (*len bytes; the caller frees it, and calls staging_done once it went through the
 * apply step); if not, the parts are deleted, *have is 0 and PK_EDECODE is returned. Otherwise
 * *blob is NULL. Or a store failure, with nothing changed.
 */
int staging_take(struct store *s, const uint8_t peer[PK_PUB_BYTES], const struct pk_part *p,
                 uint64_t *have, uint8_t **blob, size_t *len);

/* Deletes what is held from peer when it is the changeset hash (NULL: whatever it is). */
int staging_done(struct store *s, const uint8_t peer[PK_PUB_BYTES], const uint8_t *hash);

#endif
