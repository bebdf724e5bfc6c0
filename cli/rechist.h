/*
 * rechist.h: a record's history as JSON, for `pokjactl history` and the web application's
 * record page: every version, oldest first, with who wrote it, when, and what it changed
 * against the version before (store_history, SPEC section 11).
 */
#ifndef CLI_RECHIST_H
#define CLI_RECHIST_H

#include <jansson.h>

#include "daemon/store.h"
#include "proto/schema.h"
#include "recfind.h"

/*
 * Appends the versions of coll/key in region to the array versions: {"version" (from 1), "seq",
 * "origin" (hex), "diubah_oleh" (cli_author_json), "diubah" (ISO 8601 UTC), "hlc", "deleted",
 * "changes": [{"field", "change": added|changed|removed, "old", "new"}]} (a field absent from a
 * version: null), and, for a version written through a web application, "pengguna": {"pengguna",
 * "nama_pengguna"?, "peran", "tindakan"} from the jejak record of its changeset. Returns 0,
 * PK_ENOMEM, PK_ECORRUPT (a version does not decode) or a store error.
 */
int rec_history_json(struct store *s, struct cli_authors *as, const struct pk_collection *coll,
                     const char *region, const char *key, json_t *versions);

#endif
