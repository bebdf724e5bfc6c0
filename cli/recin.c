/* recin.c: records coming in as JSON objects, and an import's list of errors (see recin.h). */
#include "recin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/crypto.h"
#include "recjson.h"
#include "recnorm.h"

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

/* Takes a string member out of obj into buf. Returns 0, or PK_ESCHEMA (with the error added)
 * when it is not a string or too long. Absent leaves buf untouched and returns 0. */
static int take_str(json_t *obj, const char *name, char *buf, size_t cap, bool *present,
                    struct rec_errors *errs, size_t line)
{
	json_t *v = json_object_get(obj, name);

	*present = false;
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap) {
		rec_error_add(errs, line, "'%s' must be a string of at most %zu bytes", name,
		              cap - 1);
		return PK_ESCHEMA;
	}
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	*present = true;
	json_object_del(obj, name);
	return 0;
}

int rec_from_json(json_t *obj, const char *coll_name, const char *key, const char *home,
                  unsigned how, struct rec_in *r, struct rec_errors *errs, size_t line)
{
	char coll[PK_COLL_MAX + 1] = "", jkey[PK_KEY_MAX + 1], region[64];
	bool has_coll, has_key, has_region;
	size_t rlen;
	struct pk_diag why;
	int err, first = 0;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj)) {
		rec_error_add(errs, line, "a record must be a JSON object");
		return PK_ESCHEMA;
	}
	if ((err = take_str(obj, "collection", coll, sizeof(coll), &has_coll, errs, line)) != 0)
		return err;
	if (coll_name != NULL && has_coll && strcmp(coll, coll_name) != 0) {
		rec_error_add(errs, line, "'collection' says '%s' but the command says '%s'", coll,
		              coll_name);
		return PK_ESCHEMA;
	}
	if (coll_name == NULL && !has_coll) {
		rec_error_add(errs, line, "no 'collection' member");
		return PK_ESCHEMA;
	}
	if (coll_name == NULL)
		coll_name = coll;
	r->coll = pk_schema_find(coll_name, strlen(coll_name));
	if (r->coll == NULL) {
		rec_error_add(errs, line, "unknown collection '%s' (see 'pokjactl schema')",
		              coll_name);
		return PK_ESCHEMA;
	}
	/* From here on every problem is reported, and the fields are read whatever the key and
	 * the region say. */
	if ((err = take_str(obj, "key", jkey, sizeof(jkey), &has_key, errs, line)) != 0)
		first = err;
	if ((err = take_str(obj, "wilayah", region, sizeof(region), &has_region, errs, line)) !=
	        0 &&
	    first == 0)
		first = err;
	if (key != NULL && has_key && strcmp(key, jkey) != 0) {
		rec_error_add(errs, line, "'key' says '%s' but the command says '%s'", jkey, key);
		first = first != 0 ? first : PK_ESCHEMA;
	}
	if (key == NULL && has_key)
		key = jkey;
	if (key != NULL && !pk_key_valid(key, strlen(key))) {
		rec_error_add(errs, line,
		              "key '%.40s' is not 1 to %d characters of A-Z a-z 0-9 . _ : -", key,
		              PK_KEY_MAX);
		first = first != 0 ? first : PK_ESCHEMA;
		key = NULL;
	}
	r->keyed = key != NULL;
	if (key != NULL)
		snprintf(r->key, sizeof(r->key), "%s", key);
	else
		new_key(r->key);
	/* Spaces around a code typed into a cell are no part of it. */
	rlen = has_region ? strlen(region) : 0;
	while (rlen > 0 && (region[rlen - 1] == ' ' || region[rlen - 1] == '\t'))
		region[--rlen] = '\0';
	if (has_region && (err = cli_region_ok(region + strspn(region, " \t"), NULL, &why)) != 0) {
		rec_error_add(errs, line, "wilayah: %s", why.msg);
		rec_error_at(errs, "wilayah");
		first = first != 0 ? first : err;
	} else {
		snprintf(r->region, sizeof(r->region), "%s",
		         has_region ? region + strspn(region, " \t") : home);
	}
	err = recjson_encode_input(r->coll, obj, how | RECNORM_LISTED, &r->value, &r->value_len,
	                           errs, line);
	if (first != 0 && err == 0) {
		rec_in_free(r);
		return first;
	}
	return err == PK_ENOMEM || first == 0 ? err : first;
}

int rec_errors_fail(const struct cli *c, const struct rec_errors *l, const char *outcome)
{
	size_t n = rec_errors_count(l);

	for (size_t k = 0; k < l->n; k++)
		fprintf(stderr, "%s %s: %s\n", c->prog, c->cmd, l->e[k].msg);
	if (n == 1)
		return cli_fail(c, "the record has 1 problem; %s", outcome);
	return cli_fail(c, "the record has %zu problems; %s", n, outcome);
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
