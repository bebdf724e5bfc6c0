/*
 * recjson.h: conversion between JSON objects (jansson) and encoded record values, driven by the
 * schema in proto/schema.h. The CLI uses it for `put`, `get`, import and export.
 */
#ifndef PK_RECJSON_H
#define PK_RECJSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/schema.h"

/*
 * Encodes the members of JSON object obj as a record value of collection c (msgpack map, keys
 * sorted ascending bytewise, ints as msgpack ints, PK_T_NUM always as float64, strings, bools,
 * string arrays). obj must not contain "key", "wilayah" or "collection": the caller removes them
 * first. Unknown fields, wrong JSON types (a JSON real for an int field is an error unless it has
 * no fractional part; a string "12" for an int field is an error), out-of-range values:
 * PK_ESCHEMA with a sentence in d naming the field. A JSON null member means "absent". On success
 * *out is malloc'd (caller frees) and has passed pk_schema_validate; on failure *out is NULL.
 * Returns 0, PK_ESCHEMA, PK_ETOOBIG (the whole value is over PK_VALUE_MAX_BYTES), PK_EINVAL or
 * PK_ENOMEM.
 */
int recjson_encode(const struct pk_collection *c, json_t *obj, uint8_t **out, size_t *outlen,
                   struct pk_diag *d);

/*
 * Adds each field of a validated encoded value to obj (in schema field order). Returns 0 or
 * PK_EDECODE (the value does not match c; obj is then unchanged), or PK_ENOMEM (obj may then hold
 * some of the fields).
 */
int recjson_decode(const struct pk_collection *c, const uint8_t *value, size_t len, json_t *obj);

#endif
