/*
 * schema.h: the pokja record collections, their fields, and validation of encoded record values.
 *
 * A record value is a msgpack map from field name (str) to field value, with the keys in strictly
 * ascending bytewise order (so no key repeats). The record's key and region (`wilayah`) are not in
 * the value: they travel beside it in the changeset operation. proto/SPEC.md section "Records" is
 * the normative description; this table is its implementation and `pokjactl schema` prints it.
 */
#ifndef PK_SCHEMA_H
#define PK_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PK_VALUE_MAX_BYTES (64u * 1024) /* one encoded record value */
#define PK_STR_MAX 1024                 /* a PK_T_STR field, in bytes */
#define PK_TEXT_MAX (32u * 1024)        /* a PK_T_TEXT field, in bytes */
#define PK_LIST_MAX 500                 /* items in a PK_T_STRLIST field */
#define PK_COLL_MAX 32                  /* bytes in a collection name */
#define PK_KEY_MAX 128                  /* bytes in a record key */

enum pk_ftype {
	PK_T_STR,     /* UTF-8 string, at most PK_STR_MAX bytes */
	PK_T_TEXT,    /* UTF-8 string, at most PK_TEXT_MAX bytes (long prose) */
	PK_T_INT,     /* signed 64-bit integer within [min, max] */
	PK_T_NUM,     /* number (msgpack float64, or an integer) within [min, max] */
	PK_T_BOOL,    /* true or false */
	PK_T_DATE,    /* "YYYY-MM-DD", a real calendar date */
	PK_T_ENUM,    /* one of `choices` */
	PK_T_REGION,  /* a syntactically valid region code ("" = whole country) */
	PK_T_REF,     /* a record key (PK_KEY_MAX, key syntax) naming another record */
	PK_T_STRLIST, /* array of at most PK_LIST_MAX strings of at most PK_STR_MAX bytes */
};

struct pk_field {
	const char *name;
	enum pk_ftype type;
	bool required;
	int64_t min, max;           /* PK_T_INT and PK_T_NUM only */
	const char *const *choices; /* PK_T_ENUM only: NULL-terminated */
	unsigned hex_digits;        /* PK_T_STR only: when not 0, exactly so many of 0-9 a-f */
	const char *doc;            /* one line, English */
	/*
	 * PK_T_REF only: the record the key names (SPEC section 5, "References"). Its collection
	 * is ref_coll, or, when that is NULL, the value of the sibling field ref_coll_field (an
	 * enum of collection names). Its region is the value of the sibling region field
	 * ref_region_field (the target is there exactly); without one (or when that optional field
	 * is left out), the target is the live record with that key in the referring record's own
	 * region or the nearest region enclosing it that holds one. A ref with neither ref_coll nor
	 * ref_coll_field names no collection and is not resolved (nothing checks or reports it).
	 */
	const char *ref_coll;
	const char *ref_coll_field;
	const char *ref_region_field;
};

struct pk_collection {
	const char *name;
	const char *doc; /* one line, English */
	const struct pk_field *fields;
	size_t nfields;
};

/* All collections, in a fixed order; *n receives their count. */
const struct pk_collection *pk_schema_all(size_t *n);

/* The collection with this name, or NULL. */
const struct pk_collection *pk_schema_find(const char *name, size_t len);

/* The field of c with this name, or NULL. */
const struct pk_field *pk_schema_field(const struct pk_collection *c, const char *name, size_t len);

/* A static name for a field type: "str", "text", "int", ... */
const char *pk_ftype_name(enum pk_ftype t);

/*
 * Validates an encoded record value against collection c: a msgpack map, sorted unique keys, every
 * key a field of c, every value of its field's type and range, every required field present, and
 * the whole value at most PK_VALUE_MAX_BYTES with no trailing bytes.
 * Returns 0, or PK_ESCHEMA / PK_EDECODE / PK_ETOOBIG with a sentence in d naming the field.
 * Safe on arbitrary bytes; allocates nothing that outlives the call.
 */
int pk_schema_validate(const struct pk_collection *c, const uint8_t *value, size_t len,
                       struct pk_diag *d);

/*
 * One value checked against field f by the rules pk_schema_validate applies to it inside a
 * record, for callers that check each field of a record before encoding it and so can report
 * every bad field at once: an integer for PK_T_INT (its range), a number for PK_T_NUM (finite,
 * its range), a string for the string-typed fields and each item of a PK_T_STRLIST (length,
 * UTF-8, and the date, choice, region, key or hex syntax). Returns 0, or PK_ESCHEMA with a
 * sentence in d naming the field (PK_EINVAL when the value is not of the field's kind).
 */
int pk_field_check_int(const struct pk_field *f, int64_t v, struct pk_diag *d);
/* An enum field's choices for a message, `"a", "b", "c"`, in buf (cut at cap, which must be at
 * least 1); returns buf. */
const char *pk_field_choices(const struct pk_field *f, char *buf, size_t cap);
int pk_field_check_num(const struct pk_field *f, double v, struct pk_diag *d);
int pk_field_check_str(const struct pk_field *f, const char *s, size_t len, struct pk_diag *d);

/* True when a record key is well formed: 1..PK_KEY_MAX bytes of [A-Za-z0-9._:-]. */
bool pk_key_valid(const char *key, size_t len);

/* True when a string is valid UTF-8 (no overlong forms, no surrogates, no NUL). */
bool pk_utf8_valid(const char *s, size_t len);

/* The number of code points in the NUL-ended UTF-8 string s: its width in a text table, where
 * every character of the region list and the schema's names takes one column. */
size_t pk_utf8_width(const char *s);

#endif
