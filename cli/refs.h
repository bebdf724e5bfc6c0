/*
 * refs.h: references between records (SPEC section 5, "References") as this node reads them:
 * where a ref field points in this node's store, the check of local writes (put, edit and
 * import call refs_check), and the dangling references that replication may bring (verify and
 * rekap call refs_dangling). Receipt never checks references: a verifikasi may arrive before the
 * record it names. Only the store's read functions are used, one short read per lookup, so a
 * check never holds a transaction open; a target deleted between the check and the write is
 * then a dangling reference, which verify reports.
 */
#ifndef CLI_REFS_H
#define CLI_REFS_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon/store.h"
#include "proto/record.h"
#include "recerr.h"
#include "smap.h"

/* A reference of one record, as C strings. */
struct ref_to {
	const char *field; /* the ref field */
	const char *coll;  /* the collection it names */
	char key[PK_KEY_MAX + 1];
	char region[PK_REGION_MAX + 1]; /* exact: the target's region; else the record's own */
	bool exact;
};

/* What a lookup found. */
enum ref_found {
	REF_LIVE,     /* a live record */
	REF_MISSING,  /* none */
	REF_DELETED,  /* only a deleted one */
	REF_NOT_HELD, /* the region named is not held by this node (a sibling's subtree) */
};

/*
 * Calls fn for every reference of a record of coll in region whose value is given (fields that
 * name no collection, or are absent, are passed over). Returns 0, fn's non-zero return, or
 * PK_EDECODE when the value is not a record of coll.
 */
int refs_each(const struct pk_collection *coll, const char *region, const uint8_t *value,
              size_t len, int (*fn)(const struct ref_to *t, void *arg), void *arg);

/*
 * Looks the target of t up for a node of region home: among the live records of the store and
 * the records in pending (keys "coll\0region\0key", smap of records about to be written with
 * it; NULL: none). For a ref that is not exact, the nearest of the record's own region and the
 * regions enclosing it that holds one. Returns an enum ref_found, or a negative store error.
 */
int refs_find(struct store *s, const char *home, const struct smap *pending,
              const struct ref_to *t);

/* One sentence on a target not found (found: REF_MISSING, REF_DELETED or REF_NOT_HELD) naming
 * the field, what is missing and how to see what exists, into buf. */
void refs_why(const struct ref_to *t, int found, char *buf, size_t cap);

/* The check of local writes. */
struct refcheck {
	struct store *s;
	const char *home;
	struct smap pending; /* records written in the same batch */
};

void refs_check_init(struct refcheck *rc, struct store *s, const char *home);
void refs_check_free(struct refcheck *rc);

/* Adds a record that the same write creates or changes (an import's rows), so that a row may
 * name one made by another row of the file. 0 or PK_ENOMEM. */
int refs_check_pending(struct refcheck *rc, const char *coll, const char *region, const char *key);

/*
 * Checks the references of the record (coll, region, value): each must name a live record held
 * here (or pending). A reference that old (the record's stored value, NULL for none) holds
 * already, naming the same target, is not checked again: an edit of other fields is not held
 * up by a reference that replication left dangling. Each bad reference adds a sentence to errs
 * at line. Returns the number of bad references, or a negative error.
 */
int refs_check(struct refcheck *rc, const struct pk_collection *coll, const char *region,
               const uint8_t *value, size_t len, const uint8_t *old, size_t old_len,
               struct rec_errors *errs, size_t line);

/* A dangling reference, for refs_dangling's callback. Valid during the call. */
struct ref_dangling {
	const char *coll, *region, *key; /* the referring record */
	const struct ref_to *t;
	int found; /* REF_MISSING or REF_DELETED */
};

/*
 * Calls fn for every reference held here that names no live record (a target in a region this
 * node does not hold is not dangling: it is elsewhere). colls (NULL-terminated; NULL: every
 * collection) restricts it to the references of records of those collections whose region lies
 * within `within` (NULL: all), and to those of verifikasi records (wherever filed) naming a
 * record of those collections within `within`. One pass over each collection, one lookup per
 * reference. Returns the number found, or a negative error; fn returning non-zero stops it.
 */
int refs_dangling(struct store *s, const char *home, const char *within, const char *const *colls,
                  int (*fn)(const struct ref_dangling *d, void *arg), void *arg);

#endif
