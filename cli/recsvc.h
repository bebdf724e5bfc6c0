/*
 * recsvc.h: one record put, edited or deleted on this node's store, checked as every way in
 * checks it (pokjactl put, edit and del; the web application's API, daemon/web_api.c): read as
 * people write it (recin.h, recnorm.h), in a region this node owns, with its references held
 * here and a verdict only where this node may give one (refs.h), then written in one
 * transaction, an edit only over the version it read (store_write_if). The caller says the
 * outcome in its own words: the record's problems are in errs, each with its field, and the
 * other refusals in d.
 */
#ifndef CLI_RECSVC_H
#define CLI_RECSVC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "recerr.h"

enum recsvc_outcome {
	RECSVC_OK,
	RECSVC_INVALID,   /* errs lists the record's problems */
	RECSVC_EXISTS,    /* put: a live record holds the key, and replace was not asked */
	RECSVC_OWNER,     /* the record's region is not this node's to write: d says why */
	RECSVC_NO_CHANGE, /* edit: the record has these values already */
	RECSVC_REFUSED,   /* the store refused the write (changed meanwhile, clock, disk): d */
	RECSVC_FAILED,    /* out of memory, or the store could not be read: d */
};

/* A person writing through the web application: their account at this node. */
struct recsvc_who {
	const char *user;
	const char *fullname; /* "" or NULL: none */
	const char *role;
};

/* Who writes: the node's open store, its identity and key, and the time of the write; who, when
 * not NULL, adds to each write's changeset a jejak record naming the person (SPEC section 22),
 * so that the record's history names them wherever it travels. */
struct recsvc {
	struct store *s;
	const struct store_node *node;
	const uint8_t *sec;
	uint64_t now_ms;
	const struct recsvc_who *who;
};

/* The key of a record that names another by (coll, region, key): "coll:region:key" (a
 * collection or region holds no ':', so it reads back), or "h:" and the first 16 bytes of its
 * hash in hex when that would pass PK_KEY_MAX. The same record always gets the same key. */
void recsvc_pair_key(const char *coll, const char *region, const char *key,
                     char out[PK_KEY_MAX + 1]);

/* What was written. */
struct recsvc_done {
	const struct pk_collection *coll;
	char key[PK_KEY_MAX + 1];
	char region[PK_REGION_MAX + 1];
	uint64_t seq;      /* the changeset */
	int err;           /* RECSVC_REFUSED: the store's error (d may be empty) */
	char changed[512]; /* edit: the fields set or unset, comma separated */
};

/*
 * Puts the record obj (a JSON object, as `pokjactl put --json` takes) into collection coll
 * (NULL: the one its "collection" member names) under key (NULL: its "key" member, else a new
 * one). replace: over a live record too; else RECSVC_EXISTS.
 */
enum recsvc_outcome recsvc_put(const struct recsvc *w, json_t *obj, const char *coll,
                               const char *key, bool replace, struct rec_errors *errs,
                               struct recsvc_done *done, struct pk_diag *d);

/* One field of an edit: set to value (a JSON value, read as put reads it), or unset (NULL). */
struct recsvc_edit {
	const char *field;
	size_t len; /* of field */
	json_t *value;
};

/* The live record found (recfind.h): its region, key, value and version. */
struct found;

/*
 * Edits the live record old of collection coll: the n fields of e set or unset, the others
 * kept; written only over the version read.
 */
enum recsvc_outcome recsvc_edit(const struct recsvc *w, const struct pk_collection *coll,
                                const struct found *old, const struct recsvc_edit *e, int n,
                                struct rec_errors *errs, struct recsvc_done *done,
                                struct pk_diag *d);

/*
 * This node's verdict on the live record old of collection coll: hasil is diterima, perbaikan
 * or ditolak, catatan a note (NULL: none). A verifikasi record filed under this node's region,
 * its key made from the record it names (done->key), so that a new verdict replaces this node's
 * last on the same record. RECSVC_OWNER (d says why) when this node may not judge the record.
 */
enum recsvc_outcome recsvc_verdict(const struct recsvc *w, const char *coll,
                                   const struct found *old, const char *hasil, const char *catatan,
                                   struct recsvc_done *done, struct pk_diag *d);

/* Deletes the live record old of collection coll. */
enum recsvc_outcome recsvc_del(const struct recsvc *w, const struct pk_collection *coll,
                               const struct found *old, struct recsvc_done *done,
                               struct pk_diag *d);

#endif
