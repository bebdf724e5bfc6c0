/* rechist.c: a record's history as JSON (rechist.h). */
#include "rechist.h"

#include "cli.h"
#include "recjson.h"
#include "recsvc.h"

#include <string.h>

struct history {
	const struct pk_collection *coll;
	struct cli_authors *as;
	json_t *prev; /* the previous version's fields; NULL before the first or after a delete */
	json_t *versions; /* the array being built */
	size_t n;
	int err;
};

static int visit(const struct store_version *v, void *arg)
{
	struct history *h = arg;
	char when[32], hex[2 * PK_PUB_BYTES + 1];
	json_t *cur = NULL, *changes = json_array(), *entry;

	h->n++;
	cli_hlc_time(when, v->hlc);
	cli_key_hex(hex, v->origin);
	if (!v->deleted && ((cur = json_object()) == NULL ||
	                    recjson_decode(h->coll, v->value, v->value_len, cur) != 0)) {
		json_decref(cur);
		json_decref(changes);
		h->err = cur == NULL ? PK_ENOMEM : PK_ECORRUPT;
		return 1;
	}
	entry = json_pack("{s:I, s:I, s:s, s:o, s:s, s:I, s:b, s:O}", "version", (json_int_t)h->n,
	                  "seq", (json_int_t)v->seq, "origin", hex, "diubah_oleh",
	                  cli_author_json(cli_author(h->as, v->origin)), "diubah", when, "hlc",
	                  (json_int_t)v->hlc, "deleted", v->deleted, "changes", changes);
	if (changes == NULL || entry == NULL || json_array_append_new(h->versions, entry) != 0)
		h->err = PK_ENOMEM;
	/* The fields, in schema order, against the previous version (none after a delete). */
	for (size_t i = 0; h->err == 0 && cur != NULL && i < h->coll->nfields; i++) {
		const char *name = h->coll->fields[i].name;
		json_t *old = h->prev ? json_object_get(h->prev, name) : NULL;
		json_t *new = json_object_get(cur, name);
		const char *kind = old == NULL ? "added" : new == NULL ? "removed" : "changed";

		if ((old != NULL || new != NULL) &&
		    (old == NULL || new == NULL || !json_equal(old, new)) &&
		    json_array_append_new(changes,
		                          json_pack("{s:s, s:s, s:O?, s:O?}", "field", name,
		                                    "change", kind, "old", old, "new", new)) != 0)
			h->err = PK_ENOMEM;
	}
	json_decref(changes);
	json_decref(h->prev);
	h->prev = cur;
	return h->err != 0 ? 1 : 0;
}

/* The people who wrote the record through a web application: each version of its jejak record
 * (SPEC section 22) is in the changeset of the record's version it names. */
struct trail {
	const struct pk_collection *jc;
	json_t *versions;
	int err;
};

static int trail_visit(const struct store_version *v, void *arg)
{
	struct trail *t = arg;
	char hex[2 * PK_PUB_BYTES + 1];
	json_t *o, *ver;
	size_t i;

	if (v->deleted)
		return 0;
	if ((o = json_object()) == NULL || recjson_decode(t->jc, v->value, v->value_len, o) != 0) {
		json_decref(o);
		return 0; /* `pokjactl verify` reports a record that does not decode */
	}
	cli_key_hex(hex, v->origin);
	json_array_foreach(t->versions, i, ver)
	{
		if ((uint64_t)json_integer_value(json_object_get(ver, "seq")) != v->seq ||
		    strcmp(json_string_value(json_object_get(ver, "origin")), hex) != 0)
			continue;
		json_object_del(o, "koleksi");
		json_object_del(o, "kunci");
		json_object_del(o, "wilayah_rekaman");
		if (json_object_set(ver, "pengguna", o) != 0)
			t->err = PK_ENOMEM;
		break;
	}
	json_decref(o);
	return t->err != 0 ? 1 : 0;
}

int rec_history_json(struct store *s, struct cli_authors *as, const struct pk_collection *coll,
                     const char *region, const char *key, json_t *versions)
{
	struct history h = {.coll = coll, .as = as, .versions = versions};
	struct trail t = {.jc = pk_schema_find("jejak", 5), .versions = versions};
	char tkey[PK_KEY_MAX + 1];
	int n = store_history(s, coll->name, region, key, visit, &h);

	json_decref(h.prev);
	if (n < 0 || h.err != 0)
		return n < 0 ? n : h.err;
	if (strcmp(coll->name, "jejak") == 0)
		return 0;
	recsvc_pair_key(coll->name, region, key, tkey);
	n = store_history(s, "jejak", region, tkey, trail_visit, &t);
	return n < 0 && n != PK_ENOTFOUND ? n : t.err;
}
