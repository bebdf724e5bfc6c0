/*
 * recfind.h: what the record commands share (get, list, edit, del, history; export and import
 * use parts): finding the one record a command names, a record as JSON, and who last changed a
 * record, by the certificate held for the changeset's origin.
 */
#ifndef CLI_RECFIND_H
#define CLI_RECFIND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "proto/schema.h"

/* A record copied out of a store callback (value malloc'd; NULL for a tombstone). */
struct found {
	char region[PK_REGION_MAX + 1];
	char key[PK_KEY_MAX + 1];
	uint8_t *value;
	size_t value_len;
	uint64_t hlc; /* its version: the changeset's clock and origin */
	uint8_t origin[PK_PUB_BYTES];
	uint64_t seq;
	bool deleted;
};

#define FOUND_MAX 16 /* regions one key is looked for in at once */

struct found_list {
	struct found f[FOUND_MAX];
	int n;
};

void found_free(struct found_list *l);

/* Copies the records coll/key (in region when not NULL; live ones, or with with_deleted deleted
 * ones too) into l: their count, or a store error. The caller frees l. */
int found_get(struct store *s, const char *coll, const char *key, const char *region,
              bool with_deleted, struct found_list *l);

/*
 * Finds the one record coll/key (in region when not NULL): live ones only, or with with_deleted
 * deleted ones too. Prints the error itself (unknown collection, not found, in several regions:
 * choose one with --region) and returns EXIT_FAIL; 0 with l->n == 1. The caller frees l.
 */
int cli_find_one(const struct cli *c, struct store *s, const char *coll, const char *key,
                 const char *region, bool with_deleted, struct found_list *l);

/* Who wrote a version: the origin node's name and region, and its key's first 16 hex digits. */
struct cli_author {
	char name[PK_NAME_MAX + 1];
	char region[PK_REGION_MAX + 1];
	char key[17];
};

/* A small cache of authors, so that a list of records looks each origin's certificate up once
 * (most records of a node come from few origins). */
#define AUTHORS_CACHED 8
struct cli_authors {
	struct store *s;
	const struct store_node *node;
	struct {
		uint8_t origin[PK_PUB_BYTES];
		struct cli_author a;
	} seen[AUTHORS_CACHED];
	int n, next;
};

void cli_authors_init(struct cli_authors *as, struct store *s, const struct store_node *node);

/*
 * The author of origin's changesets: this node's own name and region for its own key; else the
 * name and region of the certificate held for the key; else, for the national root (which has
 * no certificate) "root" and region ""; else "unknown" (no certificate held). The result lives
 * until the next call.
 */
const struct cli_author *cli_author(struct cli_authors *as, const uint8_t origin[PK_PUB_BYTES]);

/* {"nama": ..., "wilayah": ..., "kunci": ...} (caller decrefs). */
json_t *cli_author_json(const struct cli_author *a);

/* "Kota Bekasi (32.75)", "Kementerian PKP (national)". */
void cli_author_text(const struct cli_author *a, char *buf, size_t cap);

/*
 * {"key", "wilayah", the fields in schema order, "diubah_oleh": author, "diubah": ISO 8601 UTC of
 * hlc}; without the last two when a is NULL. NULL when the value does not decode (or no memory).
 */
json_t *cli_record_json(const struct pk_collection *coll, const char *key, const char *region,
                        const uint8_t *value, size_t len, uint64_t hlc, const struct cli_author *a);

#endif
