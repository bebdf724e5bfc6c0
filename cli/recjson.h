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
#include "recerr.h"

/*
 * Encodes the members of JSON object obj as a record value of collection c (msgpack map, keys
 * sorted ascending bytewise, ints as msgpack ints, PK_T_NUM always as float64, strings, bools,
 * string arrays). obj must not contain "key", "wilayah" or "collection": the caller removes them
 * first. Each member is read by recnorm_value (cli/recnorm.h) with the RECNORM_* flags in how: a
 * JSON number, true/false or array by the field's type, a string as text people write ("Rp
 * 15.000.000", "Maret", "17 Agustus 2026", "Disahkan"). A JSON null member means "absent".
 * Every problem (an unknown member, a value that does not read or is out of range, a required
 * field missing) is added to errs with line, one per field; on success *out is malloc'd (caller
 * frees) and has passed pk_schema_validate; on failure *out is NULL. Returns 0, PK_ESCHEMA,
 * PK_ETOOBIG (the whole value is over PK_VALUE_MAX_BYTES), PK_EINVAL (obj is no object) or
 * PK_ENOMEM.
 */
int recjson_encode_input(const struct pk_collection *c, json_t *obj, unsigned how, uint8_t **out,
                         size_t *outlen, struct rec_errors *errs, size_t line);

/*
 * recjson_encode_input without flags (region codes need only be well formed, as in a record
 * received), for a record that was stored or made by the program: the first problem goes into
 * d, followed by how many more there are.
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
