/*
 * recjson.c: JSON objects to and from encoded record values (see recjson.h).
 *
 * The record format itself is proto/record.c's: this file converts between JSON members and
 * struct pk_rec_val. Each member is read by cli/recnorm.c, which takes the forms people write
 * and checks the value by proto/schema.c's rules, so every bad field of a record is found in
 * one pass; the record is then encoded and validated once more as a whole.
 */
#include "recjson.h"

#include <stdlib.h>
#include <string.h>

#include "proto/record.h"
#include "recnorm.h"

/* A normalised value (recnorm_value's output, of f's type) as a field value. A string list's
 * items go into *list (malloc'd, the caller frees it), pointing into the JSON strings. */
static int json_val(const struct pk_field *f, const json_t *v, struct pk_rec_val *out,
                    struct pk_rec_str **list)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	out->f = f;
	switch (f->type) {
	case PK_T_INT:
		out->i = json_integer_value(v);
		return 0;
	case PK_T_NUM:
		out->d = json_number_value(v);
		return 0;
	case PK_T_BOOL:
		out->b = json_is_true(v);
		return 0;
	case PK_T_STRLIST:
		n = json_array_size(v);
		if (n > 0 && (*list = calloc(n, sizeof(**list))) == NULL)
			return PK_ENOMEM;
		for (size_t k = 0; k < n; k++) {
			(*list)[k].s = json_string_value(json_array_get(v, k));
			(*list)[k].len = json_string_length(json_array_get(v, k));
		}
		out->list = *list;
		out->nlist = n;
		return 0;
	default:
		out->s = json_string_value(v);
		out->slen = json_string_length(v);
		return 0;
	}
}

int recjson_encode_input(const struct pk_collection *c, json_t *obj, unsigned how, uint8_t **out,
                         size_t *outlen, struct rec_errors *errs, size_t line)
{
	struct pk_rec_val v[PK_REC_FIELDS_MAX];
	struct pk_rec_str *lists[PK_REC_FIELDS_MAX] = {NULL};
	json_t *norm[PK_REC_FIELDS_MAX] = {NULL};
	const struct pk_field *fs[PK_REC_FIELDS_MAX];
	size_t before = rec_errors_count(errs), klen, n = 0;
	struct pk_diag d;
	uint64_t given = 0;
	const char *key;
	json_t *m;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (c == NULL || c->nfields > PK_REC_FIELDS_MAX || !json_is_object(obj)) {
		rec_error_add(errs, line, "a record must be a JSON object");
		return PK_EINVAL;
	}
	/* Every member is looked at, so that one message lists every bad field. Object keys are
	 * unique, and each names at most one field, so n stays <= c->nfields. */
	json_object_keylen_foreach(obj, key, klen, m)
	{
		const struct pk_field *f;

		if (json_is_null(m))
			continue;
		f = pk_schema_field(c, key, klen);
		if (f == NULL) {
			if (strcmp(key, "key") == 0 || strcmp(key, "wilayah") == 0 ||
			    strcmp(key, "collection") == 0)
				rec_error_add(errs, line,
				              "field '%s': given beside the value, not as a field",
				              key);
			else
				rec_error_add(errs, line,
				              "field '%.60s': not a field of collection '%s' (see "
				              "'pokjactl template %s')",
				              key, c->name, c->name);
			rec_error_at(errs, key);
			continue;
		}
		given |= (uint64_t)1 << (f - c->fields);
		err = recnorm_value(f, m, how, &norm[n], &d);
		if (err == PK_ENOMEM)
			goto out;
		if (err != 0) {
			rec_error_add(errs, line, "%s", d.msg);
			rec_error_at(errs, f->name);
			continue;
		}
		fs[n++] = f;
	}
	for (size_t k = 0; k < c->nfields; k++)
		if (c->fields[k].required && !(given & (uint64_t)1 << k)) {
			rec_error_add(errs, line,
			              "required field '%s' is missing; every %s record has one",
			              c->fields[k].name, c->name);
			rec_error_at(errs, c->fields[k].name);
		}
	if (rec_errors_count(errs) != before) {
		err = PK_ESCHEMA;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		if ((err = json_val(fs[k], norm[k], &v[k], &lists[k])) != 0)
			goto out;
	/* What is left to refuse here is the size of the whole value. */
	if ((err = pk_record_encode(c, v, n, out, outlen, &d)) != 0 && err != PK_ENOMEM)
		rec_error_add(errs, line, "%s", d.msg);
out:
	for (size_t i = 0; i < PK_REC_FIELDS_MAX; i++) {
		free(lists[i]);
		json_decref(norm[i]);
	}
	if (err == PK_ENOMEM)
		rec_error_add(errs, line, "out of memory while encoding a record");
	return err;
}

int recjson_encode(const struct pk_collection *c, json_t *obj, uint8_t **out, size_t *outlen,
                   struct pk_diag *d)
{
	struct rec_errors errs = {.n = 0, .more = 0};
	int err = recjson_encode_input(c, obj, 0, out, outlen, &errs, 0);
	size_t n = rec_errors_count(&errs);

	if (err != 0 && n > 1)
		pk_diagf(d, err, "%s (and %zu more problems)", errs.e[0].msg, n - 1);
	else if (err != 0)
		pk_diagf(d, err, "%s", n > 0 ? errs.e[0].msg : pk_strerror(err));
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
