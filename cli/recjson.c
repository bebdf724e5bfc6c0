/*
 * recjson.c: JSON objects to and from encoded record values (see recjson.h).
 *
 * Encoding packs with msgpack-c and then runs pk_schema_validate over the result, so range, date,
 * enum and required-field rules live in one place (proto/schema.c); this file checks only what
 * JSON adds: member types, and string sizes before they are copied. Decoding reads with the
 * bounded reader of proto/mpread.h, never with msgpack_unpack.
 */
#include "recjson.h"

#include <math.h> /* isfinite, a macro: no -lm needed */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mpread.h"

/* Fields of one collection, at most; pk_schema_validate has the same bound. */
#define FIELDS_MAX 64

struct member {
	const struct pk_field *f;
	json_t *v;
};

/* strcmp compares as unsigned char: the bytewise order of record value keys. */
static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->f->name, ((const struct member *)b)->f->name);
}

/* "a string", "an array", ... for messages about a JSON value of the wrong type. */
static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "true/false";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static int wrong_type(const struct pk_field *f, const char *want, const json_t *v,
                      struct pk_diag *d)
{
	return pk_diagf(d, PK_ESCHEMA, "field '%s': expected %s, not %s", f->name, want,
	                json_kind(v));
}

static int pack_str(msgpack_packer *pk, const struct pk_field *f, const json_t *v,
                    struct pk_diag *d)
{
	size_t len = json_string_length(v);
	size_t limit = f->type == PK_T_TEXT ? PK_TEXT_MAX : PK_STR_MAX;

	if (len > limit)
		return pk_diagf(d, PK_ESCHEMA, "field '%s': %zu bytes, more than the limit of %zu",
		                f->name, len, limit);
	if (msgpack_pack_str(pk, len) != 0 || msgpack_pack_str_body(pk, json_string_value(v), len))
		return PK_ENOMEM;
	return 0;
}

static int pack_value(msgpack_packer *pk, const struct pk_field *f, const json_t *v,
                      struct pk_diag *d)
{
	int64_t i;
	double x;
	size_t n;
	int err;

	switch (f->type) {
	case PK_T_INT:
		if (json_is_integer(v)) {
			i = json_integer_value(v);
		} else if (json_is_real(v)) {
			/* 12.0 is 12 (some tools write reals); 12.5 is no integer. */
			x = json_real_value(v);
			if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) ||
			    (double)(int64_t)x != x)
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': expected an integer, not %g", f->name,
				                x);
			i = (int64_t)x;
		} else {
			return wrong_type(f, "an integer", v, d);
		}
		return msgpack_pack_int64(pk, i) != 0 ? PK_ENOMEM : 0;
	case PK_T_NUM:
		if (!json_is_number(v))
			return wrong_type(f, "a number", v, d);
		return msgpack_pack_double(pk, json_number_value(v)) != 0 ? PK_ENOMEM : 0;
	case PK_T_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(f, "true or false", v, d);
		err = json_is_true(v) ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		return err != 0 ? PK_ENOMEM : 0;
	case PK_T_STRLIST:
		if (!json_is_array(v))
			return wrong_type(f, "an array of strings", v, d);
		n = json_array_size(v);
		if (n > PK_LIST_MAX)
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': %zu items, more than the limit of %d", f->name,
			                n, PK_LIST_MAX);
		if (msgpack_pack_array(pk, n) != 0)
			return PK_ENOMEM;
		for (size_t k = 0; k < n; k++) {
			const json_t *item = json_array_get(v, k);

			if (!json_is_string(item))
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': item %zu is %s, not a string", f->name,
				                k + 1, json_kind(item));
			err = pack_str(pk, f, item, d);
			if (err != 0)
				return err;
		}
		return 0;
	case PK_T_DATE:
		if (!json_is_string(v))
			return wrong_type(f, "a date string YYYY-MM-DD", v, d);
		return pack_str(pk, f, v, d);
	case PK_T_STR:
	case PK_T_TEXT:
	case PK_T_ENUM:
	case PK_T_REGION:
	case PK_T_REF:
		if (!json_is_string(v))
			return wrong_type(f, "a string", v, d);
		return pack_str(pk, f, v, d);
	}
	return pk_diagf(d, PK_EINVAL, "field '%s': unknown field type", f->name);
}

int recjson_encode(const struct pk_collection *c, json_t *obj, uint8_t **out, size_t *outlen,
                   struct pk_diag *d)
{
	struct member m[FIELDS_MAX];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const char *key;
	size_t klen, n = 0;
	json_t *v;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	msgpack_sbuffer_init(&sb);
	if (c == NULL || c->nfields > FIELDS_MAX || !json_is_object(obj)) {
		err = pk_diagf(d, PK_EINVAL, "a record must be a JSON object");
		goto out;
	}
	/* Object keys are unique, and each names at most one field, so n stays <= c->nfields. */
	json_object_keylen_foreach(obj, key, klen, v)
	{
		const struct pk_field *f;

		if (json_is_null(v))
			continue;
		f = pk_schema_field(c, key, klen);
		if (f == NULL) {
			if (strcmp(key, "key") == 0 || strcmp(key, "wilayah") == 0 ||
			    strcmp(key, "collection") == 0)
				err = pk_diagf(d, PK_ESCHEMA,
				               "field '%s': given beside the value, not as a field",
				               key);
			else
				err = pk_diagf(d, PK_ESCHEMA,
				               "field '%.60s': not a field of collection '%s'", key,
				               c->name);
			goto out;
		}
		m[n].f = f;
		m[n].v = v;
		n++;
	}
	qsort(m, n, sizeof(m[0]), member_cmp);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, (uint32_t)n) != 0) {
		err = PK_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t nlen = strlen(m[i].f->name);

		if (msgpack_pack_str(&pk, nlen) != 0 ||
		    msgpack_pack_str_body(&pk, m[i].f->name, nlen) != 0) {
			err = PK_ENOMEM;
			goto out;
		}
		err = pack_value(&pk, m[i].f, m[i].v, d);
		if (err != 0)
			goto out;
	}
	err = pk_schema_validate(c, (const uint8_t *)sb.data, sb.size, d);
	if (err != 0)
		goto out;
	/* The sbuffer grows in 8 KiB steps; keep only the bytes, since an import holds every
	 * record's value in memory until it writes them. */
	if ((*out = malloc(sb.size ? sb.size : 1)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	memcpy(*out, sb.data, sb.size);
	*outlen = sb.size;
out:
	msgpack_sbuffer_destroy(&sb);
	if (err == PK_ENOMEM)
		pk_diagf(d, err, "out of memory while encoding a record");
	return err;
}

/* A string from the value as a JSON string; jansson copies it. */
static int str_json(const char *s, uint32_t len, json_t **out)
{
	if (!pk_utf8_valid(s, len))
		return PK_EDECODE;
	*out = json_stringn(s, len);
	return *out != NULL ? 0 : PK_ENOMEM;
}

/* Reads one field value of type f->type from r as a new JSON value in *out. */
static int value_json(const struct pk_field *f, struct pk_mpr *r, json_t **out)
{
	const char *s;
	uint32_t len, n;
	int64_t i;
	double x;
	bool b;
	int err;

	*out = NULL;
	switch (f->type) {
	case PK_T_INT:
		if (pk_mpr_int(r, &i) != 0)
			return PK_EDECODE;
		*out = json_integer(i);
		break;
	case PK_T_NUM:
		if (pk_mpr_num(r, &x) != 0 || !isfinite(x))
			return PK_EDECODE;
		*out = json_real(x);
		break;
	case PK_T_BOOL:
		if (pk_mpr_bool(r, &b) != 0)
			return PK_EDECODE;
		*out = json_boolean(b);
		break;
	case PK_T_STRLIST:
		if (pk_mpr_array(r, &n) != 0)
			return PK_EDECODE;
		*out = json_array();
		if (*out == NULL)
			return PK_ENOMEM;
		for (uint32_t k = 0; k < n; k++) {
			json_t *item;

			err = pk_mpr_str(r, &s, &len) != 0 ? PK_EDECODE : str_json(s, len, &item);
			if (err == 0 && json_array_append_new(*out, item) != 0)
				err = PK_ENOMEM;
			if (err != 0) {
				json_decref(*out);
				*out = NULL;
				return err;
			}
		}
		return 0;
	case PK_T_STR:
	case PK_T_TEXT:
	case PK_T_DATE:
	case PK_T_ENUM:
	case PK_T_REGION:
	case PK_T_REF:
		if (pk_mpr_str(r, &s, &len) != 0)
			return PK_EDECODE;
		return str_json(s, len, out);
	}
	return *out != NULL ? 0 : PK_ENOMEM;
}

int recjson_decode(const struct pk_collection *c, const uint8_t *value, size_t len, json_t *obj)
{
	const uint8_t *at[FIELDS_MAX] = {NULL};
	json_t *fields = NULL, *v;
	struct pk_mpr r;
	const char *name;
	uint32_t count, nlen;
	int err = PK_EDECODE;

	if (c == NULL || c->nfields > FIELDS_MAX || !json_is_object(obj) || value == NULL ||
	    len == 0)
		goto out;
	/* First pass: where each field's value starts, so that fields come out in schema order. */
	pk_mpr_init(&r, value, len);
	if (pk_mpr_map(&r, &count) != 0)
		goto out;
	for (uint32_t k = 0; k < count; k++) {
		const struct pk_field *f;

		if (pk_mpr_str(&r, &name, &nlen) != 0)
			goto out;
		f = pk_schema_field(c, name, nlen);
		if (f == NULL || at[f - c->fields] != NULL)
			goto out;
		at[f - c->fields] = r.p;
		if (pk_mpr_skip(&r, 1) != 0)
			goto out;
	}
	if (pk_mpr_left(&r) != 0)
		goto out;
	/* Second pass into a new object, so that obj is untouched when the value does not match. */
	fields = json_object();
	if (fields == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < c->nfields; k++) {
		if (at[k] == NULL)
			continue;
		pk_mpr_init(&r, at[k], len - (size_t)(at[k] - value));
		err = value_json(&c->fields[k], &r, &v);
		if (err == 0 && json_object_set_new(fields, c->fields[k].name, v) != 0)
			err = PK_ENOMEM;
		if (err != 0)
			goto out;
	}
	err = json_object_update(obj, fields) != 0 ? PK_ENOMEM : 0;
out:
	json_decref(fields);
	return err;
}
