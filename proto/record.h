/*
 * record.h: the record value format (SPEC section 5): one reader and one writer of the msgpack map
 * of a collection's fields that every changeset op carries, signed, and every store keeps.
 * pk_schema_validate (schema.h) decides whether a value is valid; this module builds values from
 * typed fields and reads typed fields back, so that no other file packs or parses record values.
 * Adapters for a notation (JSON in cli/recjson.c) convert to and from struct pk_rec_val.
 */
#ifndef PK_RECORD_H
#define PK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mpread.h"
#include "schema.h"

/* Fields of one collection, at most; pk_schema_validate has the same bound. */
#define PK_REC_FIELDS_MAX 64

/* A string: bytes and length, not NUL-terminated. */
struct pk_rec_str {
	const char *s;
	size_t len;
};

/*
 * One field's value. Which members count depends on f->type: i (PK_T_INT), d (PK_T_NUM), b
 * (PK_T_BOOL), s/slen (the string types), and for PK_T_STRLIST either list/nlist (to encode:
 * the caller's array) or items/nitems (read: a reader positioned at the first of nitems
 * encoded strings, to be read with pk_mpr_str). Strings read point into the value.
 */
struct pk_rec_val {
	const struct pk_field *f;
	int64_t i;
	double d;
	bool b;
	const char *s;
	size_t slen;
	const struct pk_rec_str *list;
	size_t nlist;
	struct pk_mpr items;
	uint32_t nitems;
};

/*
 * Encodes n field values of collection c (each v[i].f a field of c, no field twice) as a record
 * value: a map with keys sorted bytewise, ints in their shortest form, PK_T_NUM always as
 * float64. Reorders v. The result has passed pk_schema_validate: on success *out is malloc'd
 * (the caller frees) and 0 is returned; else PK_ESCHEMA, PK_EDECODE, PK_ETOOBIG (over
 * PK_VALUE_MAX_BYTES) or PK_ENOMEM, with a sentence in d naming the field, and *out NULL.
 */
int pk_record_encode(const struct pk_collection *c, struct pk_rec_val *v, size_t n, uint8_t **out,
                     size_t *outlen, struct pk_diag *d);

/* A record value opened for reading: where each field's value starts, in schema order. */
struct pk_rec {
	const struct pk_collection *c;
	const uint8_t *value, *end;
	const uint8_t *at[PK_REC_FIELDS_MAX]; /* NULL: the field is absent */
};

/*
 * Indexes value (len bytes) as a record of c: a map whose every key is a field of c, none twice,
 * and nothing after it. One pass, nothing allocated; value must outlive r. Returns 0 or
 * PK_EDECODE. It does not validate the values (pk_schema_validate does): pk_record_get checks
 * each field's type as it reads it.
 */
int pk_record_open(struct pk_rec *r, const struct pk_collection *c, const uint8_t *value,
                   size_t len);

/*
 * Reads field number k of r's collection (an index into c->fields) into *v. Returns 0,
 * PK_ENOTFOUND when the record does not hold the field, or PK_EDECODE when its value is not of the
 * field's type (or a string is not UTF-8, or a number not finite).
 */
int pk_record_get(const struct pk_rec *r, size_t k, struct pk_rec_val *v);

/* pk_record_get by field name. PK_ENOTFOUND also when c has no such field. */
int pk_record_get_named(const struct pk_rec *r, const char *name, struct pk_rec_val *v);

/* Where a ref field of a record points (SPEC section 5, "References"), read from the record
 * alone: the store lookup is the caller's. */
struct pk_ref {
	const struct pk_field *f;         /* the ref field */
	const struct pk_collection *coll; /* the collection named */
	const char *key, *region;         /* into the value; region NULL when not exact */
	size_t klen, rlen;
	bool exact; /* the target is in region exactly; else in the record's own region or the
	             * nearest enclosing one that holds it */
};

/*
 * The target of ref field number k of r's collection. Returns 0 with *t filled; PK_ENOTFOUND
 * when the record does not hold the field, or the field names no collection (a ref without
 * ref_coll or ref_coll_field), or its collection field is absent (an absent region field
 * leaves the target not exact); PK_EDECODE when a
 * value is not of its type, or the collection field names no collection.
 */
int pk_record_ref(const struct pk_rec *r, size_t k, struct pk_ref *t);

#endif
