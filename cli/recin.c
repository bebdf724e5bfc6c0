/* recin.c: records coming in as JSON objects, and an import's list of errors (see recin.h). */
#include "recin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/crypto.h"
#include "recjson.h"

/* A new record key: 48 bits of milliseconds and 80 random bits in Crockford base32 (26
 * characters), so keys sort by creation time and never collide in practice. */
static void new_key(char out[27])
{
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t b[16];
	uint64_t ms = node_now_ms();
	unsigned acc = 0, bits = 0;
	int o = 0;

	for (int i = 5; i >= 0; i--, ms >>= 8)
		b[i] = (uint8_t)ms;
	pk_random(b + 6, 10);
	/* 128 bits as 26 base32 digits: two leading zero bits pad the first digit. */
	bits = 2;
	for (int i = 0; i < 16; i++) {
		acc = (acc << 8) | b[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = digits[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
}

/* Takes a string member out of obj into buf. Returns 0, or PK_ESCHEMA when it is not a string
 * or too long. Absent leaves buf untouched and returns 0. */
static int take_str(json_t *obj, const char *name, char *buf, size_t cap, bool *present,
                    struct pk_diag *d)
{
	json_t *v = json_object_get(obj, name);

	*present = false;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return pk_diagf(d, PK_ESCHEMA, "'%s' must be a string of at most %zu bytes", name,
		                cap - 1);
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	*present = true;
	json_object_del(obj, name);
	return 0;
}

int rec_from_json(json_t *obj, const char *coll_name, const char *key, const char *home,
                  struct rec_in *r, struct pk_diag *d)
{
	char coll[PK_COLL_MAX + 1] = "", jkey[PK_KEY_MAX + 1];
	bool has_coll, has_key, has_region;
	struct pk_diag why;
	int err;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj))
		return pk_diagf(d, PK_ESCHEMA, "a record must be a JSON object");
	if ((err = take_str(obj, "collection", coll, sizeof(coll), &has_coll, d)) != 0 ||
	    (err = take_str(obj, "key", jkey, sizeof(jkey), &has_key, d)) != 0 ||
	    (err = take_str(obj, "wilayah", r->region, sizeof(r->region), &has_region, d)) != 0)
		return err;
	if (coll_name != NULL && has_coll && strcmp(coll, coll_name) != 0)
		return pk_diagf(d, PK_ESCHEMA, "'collection' says '%s' but the command says '%s'",
		                coll, coll_name);
	if (coll_name == NULL && !has_coll)
		return pk_diagf(d, PK_ESCHEMA, "no 'collection' member");
	if (coll_name == NULL)
		coll_name = coll;
	r->coll = pk_schema_find(coll_name, strlen(coll_name));
	if (r->coll == NULL)
		return pk_diagf(d, PK_ESCHEMA, "unknown collection '%s' (see 'pokjactl schema')",
		                coll_name);
	if (key != NULL && has_key && strcmp(key, jkey) != 0)
		return pk_diagf(d, PK_ESCHEMA, "'key' says '%s' but the command says '%s'", jkey,
		                key);
	if (key == NULL && has_key)
		key = jkey;
	if (key != NULL && !pk_key_valid(key, strlen(key)))
		return pk_diagf(d, PK_ESCHEMA,
		                "key '%.40s' is not 1 to %d characters of "
		                "A-Z a-z 0-9 . _ : -",
		                key, PK_KEY_MAX);
	r->keyed = key != NULL;
	if (key != NULL)
		snprintf(r->key, sizeof(r->key), "%s", key);
	else
		new_key(r->key);
	if (!has_region)
		snprintf(r->region, sizeof(r->region), "%s", home);
	if ((err = cli_region_ok(r->region, home, &why)) != 0)
		return pk_diagf(d, err, "wilayah: %s", why.msg);
	return recjson_encode(r->coll, obj, &r->value, &r->value_len, d);
}

void rec_op(const struct rec_in *r, struct pk_op *op)
{
	pk_op_set(op, r->coll->name, r->region, r->key, r->value, r->value_len);
}

void rec_in_free(struct rec_in *r)
{
	free(r->value);
	r->value = NULL;
}

void rec_error_add(struct rec_errors *l, size_t line, const char *fmt, ...)
{
	va_list ap;

	if (l->n == REC_ERRORS_KEPT) {
		l->more++;
		return;
	}
	l->e[l->n].line = line;
	va_start(ap, fmt);
	vsnprintf(l->e[l->n].msg, sizeof(l->e[l->n].msg), fmt, ap);
	va_end(ap);
	l->n++;
}
