/*
 * record.c: the record value format (see record.h).
 *
 * Encoding packs with the one writer (mpwrite.h) and then runs pk_schema_validate over the
 * result, so range, date, enum and required-field rules live in one place (schema.c); this file
 * checks only the sizes it must know before it copies. Reading uses the bounded reader of
 * mpread.h: it allocates nothing and never trusts a count beyond the bytes left.
 */
#include "record.h"

#include <math.h> /* isfinite, a macro: no -lm needed */
#include <stdlib.h>
#include <string.h>

#include "mpwrite.h"

/* strcmp compares as unsigned char: the bytewise order of record value keys. */
static int val_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pk_rec_val *)a)->f->name,
	              ((const struct pk_rec_val *)b)->f->name);
}

static int str_size(const struct pk_field *f, size_t len, struct pk_diag *d)
{
	size_t limit = f->type == PK_T_TEXT ? PK_TEXT_MAX : PK_STR_MAX;

	if (len > limit)
		return pk_diagf(d, PK_ESCHEMA, "field '%s': %zu bytes, more than the limit of %zu",
		                f->name, len, limit);
	return 0;
}

/* The types held as one msgpack string: text, dates, choices, region codes and record keys. */
static bool str_typed(enum pk_ftype t)
{
	return t == PK_T_STR || t == PK_T_TEXT || t == PK_T_DATE || t == PK_T_ENUM ||
	       t == PK_T_REGION || t == PK_T_REF;
}

static int put_value(struct pk_mpw *w, const struct pk_rec_val *v, struct pk_diag *d)
{
	const struct pk_field *f = v->f;
	int err;

	switch (f->type) {
	case PK_T_INT:
		pk_mpw_put_int(w, v->i);
		return 0;
	case PK_T_NUM:
		pk_mpw_put_double(w, v->d);
		return 0;
	case PK_T_BOOL:
		pk_mpw_put_bool(w, v->b);
		return 0;
	case PK_T_STRLIST:
		if (v->nlist > PK_LIST_MAX)
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': %zu items, more than the limit of %d", f->name,
			                v->nlist, PK_LIST_MAX);
		pk_mpw_put_array(w, v->nlist);
		for (size_t k = 0; k < v->nlist; k++) {
			if ((err = str_size(f, v->list[k].len, d)) != 0)
				return err;
			pk_mpw_put_str(w, v->list[k].s, v->list[k].len);
		}
		return 0;
	default:
		if (!str_typed(f->type))
			return pk_diagf(d, PK_EINVAL, "field '%s': unknown field type", f->name);
		if ((err = str_size(f, v->slen, d)) != 0)
			return err;
		pk_mpw_put_str(w, v->s, v->slen);
		return 0;
	}
}

int pk_record_encode(const struct pk_collection *c, struct pk_rec_val *v, size_t n, uint8_t **out,
                     size_t *outlen, struct pk_diag *d)
{
	struct pk_mpw w;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (c == NULL || c->nfields > PK_REC_FIELDS_MAX || n > c->nfields)
		return pk_diagf(d, PK_EINVAL,
		                "a record of an unknown collection or too many fields");
	qsort(v, n, sizeof(*v), val_cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i].f == v[i - 1].f)
			return pk_diagf(d, PK_ESCHEMA, "field '%s': given twice", v[i].f->name);
	pk_mpw_init(&w);
	pk_mpw_put_map(&w, n);
	for (size_t i = 0; i < n && err == 0; i++) {
		pk_mpw_put_cstr(&w, v[i].f->name);
		err = put_value(&w, &v[i], d);
	}
	if (err != 0) {
		pk_mpw_destroy(&w);
		return err;
	}
	if ((err = pk_mpw_finish(&w, out, outlen)) != 0)
		return pk_diagf(d, err, "out of memory while encoding a record");
	if ((err = pk_schema_validate(c, *out, *outlen, d)) != 0) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	return err;
}

int pk_record_open(struct pk_rec *r, const struct pk_collection *c, const uint8_t *value,
                   size_t len)
{
	struct pk_mpr m;
	uint32_t count, nlen;
	const char *name;

	memset(r, 0, sizeof(*r));
	if (c == NULL || c->nfields > PK_REC_FIELDS_MAX || value == NULL || len == 0)
		return PK_EDECODE;
	r->c = c;
	r->value = value;
	r->end = value + len;
	pk_mpr_init(&m, value, len);
	if (pk_mpr_map(&m, &count) != 0)
		return PK_EDECODE;
	for (uint32_t k = 0; k < count; k++) {
		const struct pk_field *f;

		if (pk_mpr_str(&m, &name, &nlen) != 0)
			return PK_EDECODE;
		f = pk_schema_field(c, name, nlen);
		if (f == NULL || r->at[f - c->fields] != NULL)
			return PK_EDECODE;
		r->at[f - c->fields] = m.p;
		if (pk_mpr_skip(&m, 1) != 0)
			return PK_EDECODE;
	}
	return pk_mpr_left(&m) == 0 ? 0 : PK_EDECODE;
}

static int get_str(struct pk_mpr *m, const char **s, size_t *len)
{
	uint32_t n;

	if (pk_mpr_str(m, s, &n) != 0 || !pk_utf8_valid(*s, n))
		return PK_EDECODE;
	*len = n;
	return 0;
}

int pk_record_get(const struct pk_rec *r, size_t k, struct pk_rec_val *v)
{
	struct pk_mpr m;
	const struct pk_field *f;

	memset(v, 0, sizeof(*v));
	if (r->c == NULL || k >= r->c->nfields)
		return PK_ENOTFOUND;
	if (r->at[k] == NULL)
		return PK_ENOTFOUND;
	f = v->f = &r->c->fields[k];
	pk_mpr_init(&m, r->at[k], (size_t)(r->end - r->at[k]));
	switch (f->type) {
	case PK_T_INT:
		return pk_mpr_int(&m, &v->i) != 0 ? PK_EDECODE : 0;
	case PK_T_NUM:
		return pk_mpr_num(&m, &v->d) != 0 || !isfinite(v->d) ? PK_EDECODE : 0;
	case PK_T_BOOL:
		return pk_mpr_bool(&m, &v->b) != 0 ? PK_EDECODE : 0;
	case PK_T_STRLIST:
		if (pk_mpr_array(&m, &v->nitems) != 0)
			return PK_EDECODE;
		v->items = m;
		return 0;
	default:
		return str_typed(f->type) ? get_str(&m, &v->s, &v->slen) : PK_EDECODE;
	}
}

int pk_record_get_named(const struct pk_rec *r, const char *name, struct pk_rec_val *v)
{
	const struct pk_field *f = r->c != NULL ? pk_schema_field(r->c, name, strlen(name)) : NULL;

	if (f == NULL) {
		memset(v, 0, sizeof(*v));
		return PK_ENOTFOUND;
	}
	return pk_record_get(r, (size_t)(f - r->c->fields), v);
}

int pk_record_ref(const struct pk_rec *r, size_t k, struct pk_ref *t)
{
	const struct pk_field *f;
	struct pk_rec_val v;
	int err;

	memset(t, 0, sizeof(*t));
	if (k >= r->c->nfields || (f = &r->c->fields[k])->type != PK_T_REF)
		return PK_ENOTFOUND;
	t->f = f;
	if (f->ref_coll != NULL) {
		t->coll = pk_schema_find(f->ref_coll, strlen(f->ref_coll));
	} else if (f->ref_coll_field != NULL) {
		if ((err = pk_record_get_named(r, f->ref_coll_field, &v)) != 0)
			return err;
		if ((t->coll = pk_schema_find(v.s, v.slen)) == NULL)
			return PK_EDECODE;
	}
	if (t->coll == NULL)
		return PK_ENOTFOUND;
	/* Without its region field (an optional one left out) the target is found as for a ref
	 * without one: in the record's region or the nearest enclosing one. */
	if (f->ref_region_field != NULL) {
		err = pk_record_get_named(r, f->ref_region_field, &v);
		if (err != 0 && err != PK_ENOTFOUND)
			return err;
		if (err == 0) {
			t->region = v.s;
			t->rlen = v.slen;
			t->exact = true;
		}
	}
	if ((err = pk_record_get(r, k, &v)) != 0)
		return err;
	t->key = v.s;
	t->klen = v.slen;
	return 0;
}
