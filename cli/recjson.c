/*
 * recjson.c: JSON objects to and from encoded record values (see recjson.h).
 *
 * The record format itself is proto/record.c's: this file converts between JSON members and
 * struct pk_rec_val, and checks only what JSON adds (member types, integers written as reals,
 * unknown members). Range, date, enum and required-field rules stay in proto/schema.c.
 */
#include "recjson.h"

#include <stdlib.h>
#include <string.h>

#include "proto/record.h"

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

/* One JSON member as a field value. A string list's items go into *list (malloc'd, the caller
 * frees it), pointing into the JSON strings. */
static int json_val(const struct pk_field *f, const json_t *v, struct pk_rec_val *out,
                    struct pk_rec_str **list, struct pk_diag *d)
{
	double x;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->f = f;
	switch (f->type) {
	case PK_T_INT:
		if (json_is_integer(v)) {
			out->i = json_integer_value(v);
		} else if (json_is_real(v)) {
			/* 12.0 is 12 (some tools write reals); 12.5 is no integer. */
			x = json_real_value(v);
			if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) ||
			    (double)(int64_t)x != x)
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': expected an integer, not %g", f->name,
				                x);
			out->i = (int64_t)x;
		} else {
			return wrong_type(f, "an integer", v, d);
		}
		return 0;
	case PK_T_NUM:
		if (!json_is_number(v))
			return wrong_type(f, "a number", v, d);
		out->d = json_number_value(v);
		return 0;
	case PK_T_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(f, "true or false", v, d);
		out->b = json_is_true(v);
		return 0;
	case PK_T_STRLIST:
		if (!json_is_array(v))
			return wrong_type(f, "an array of strings", v, d);
		n = json_array_size(v);
		if (n > PK_LIST_MAX)
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': %zu items, more than the limit of %d", f->name,
			                n, PK_LIST_MAX);
		if (n > 0 && (*list = calloc(n, sizeof(**list))) == NULL)
			return PK_ENOMEM;
		for (size_t k = 0; k < n; k++) {
			const json_t *item = json_array_get(v, k);

			if (!json_is_string(item))
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': item %zu is %s, not a string", f->name,
				                k + 1, json_kind(item));
			(*list)[k].s = json_string_value(item);
			(*list)[k].len = json_string_length(item);
		}
		out->list = *list;
		out->nlist = n;
		return 0;
	case PK_T_DATE:
		if (!json_is_string(v))
			return wrong_type(f, "a date string YYYY-MM-DD", v, d);
		break;
	case PK_T_STR:
	case PK_T_TEXT:
	case PK_T_ENUM:
	case PK_T_REGION:
	case PK_T_REF:
		if (!json_is_string(v))
			return wrong_type(f, "a string", v, d);
		break;
	default:
		return pk_diagf(d, PK_EINVAL, "field '%s': unknown field type", f->name);
	}
	out->s = json_string_value(v);
	out->slen = json_string_length(v);
	return 0;
}

int recjson_encode(const struct pk_collection *c, json_t *obj, uint8_t **out, size_t *outlen,
                   struct pk_diag *d)
{
	struct pk_rec_val v[PK_REC_FIELDS_MAX];
	struct pk_rec_str *lists[PK_REC_FIELDS_MAX] = {NULL};
	const char *key;
	size_t klen, n = 0;
	json_t *m;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (c == NULL || c->nfields > PK_REC_FIELDS_MAX || !json_is_object(obj))
		return pk_diagf(d, PK_EINVAL, "a record must be a JSON object");
	/* Object keys are unique, and each names at most one field, so n stays <= c->nfields. */
	json_object_keylen_foreach(obj, key, klen, m)
	{
		const struct pk_field *f;

		if (json_is_null(m))
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
		if ((err = json_val(f, m, &v[n], &lists[n], d)) != 0)
			goto out;
		n++;
	}
	err = pk_record_encode(c, v, n, out, outlen, d);
out:
	for (size_t i = 0; i < PK_REC_FIELDS_MAX; i++)
		free(lists[i]);
	if (err == PK_ENOMEM)
		pk_diagf(d, err, "out of memory while encoding a record");
	return err;
}

/* A string from the value as a JSON string; jansson copies it. */
static int str_json(const char *s, size_t len, json_t **out)
{
	*out = json_stringn(s, len);
	return *out != NULL ? 0 : PK_ENOMEM;
}

/* A field value as a new JSON value in *out. */
static int value_json(const struct pk_rec_val *v, json_t **out)
{
	struct pk_mpr items = v->items;
	const char *s;
	uint32_t len;
	int err;

	*out = NULL;
	switch (v->f->type) {
	case PK_T_INT:
		*out = json_integer(v->i);
		break;
	case PK_T_NUM:
		*out = json_real(v->d);
		break;
	case PK_T_BOOL:
		*out = json_boolean(v->b);
		break;
	case PK_T_STRLIST:
		if ((*out = json_array()) == NULL)
			return PK_ENOMEM;
		for (uint32_t k = 0; k < v->nitems; k++) {
			json_t *item;

			err = pk_mpr_str(&items, &s, &len) != 0 || !pk_utf8_valid(s, len)
			          ? PK_EDECODE
			          : str_json(s, len, &item);
			if (err == 0 && json_array_append_new(*out, item) != 0)
				err = PK_ENOMEM;
			if (err != 0) {
				json_decref(*out);
				*out = NULL;
				return err;
			}
		}
		return 0;
	default:
		return str_json(v->s, v->slen, out);
	}
	return *out != NULL ? 0 : PK_ENOMEM;
}

int recjson_decode(const struct pk_collection *c, const uint8_t *value, size_t len, json_t *obj)
{
	struct pk_rec r;
	struct pk_rec_val v;
	json_t *fields = NULL, *j;
	int err;

	if (!json_is_object(obj) || pk_record_open(&r, c, value, len) != 0)
		return PK_EDECODE;
	/* Into a new object, so that obj is untouched when the value does not match. */
	if ((fields = json_object()) == NULL)
		return PK_ENOMEM;
	for (size_t k = 0; k < c->nfields; k++) {
		err = pk_record_get(&r, k, &v);
		if (err == PK_ENOTFOUND)
			continue;
		if (err == 0)
			err = value_json(&v, &j);
		if (err == 0 && json_object_set_new(fields, c->fields[k].name, j) != 0)
			err = PK_ENOMEM;
		if (err != 0)
			goto out;
	}
	err = json_object_update(obj, fields) != 0 ? PK_ENOMEM : 0;
out:
	json_decref(fields);
	return err;
}
