/*
 * cmd_history.c: `pokjactl history`: every version of one record, oldest first, with who wrote
 * it, when, and which fields it added, changed or removed against the version before.
 *
 * The versions come from store_history (the index `hist`, SPEC section 11), in the order of
 * last-writer-wins, so the last one shown is the record as `get` shows it (or its delete). A
 * version's fields are compared with the previous version's; after a delete, the next version
 * adds every field it has.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "recfind.h"
#include "recjson.h"

struct history {
	const struct cli *c;
	const struct pk_collection *coll;
	struct cli_authors as;
	json_t *prev; /* the previous version's fields; NULL before the first or after a delete */
	json_t *versions; /* --json: the array being built */
	size_t n;
	bool bad; /* a version's value did not decode */
	bool nomem;
};

/* A field value for people: strings as they are, the rest as compact JSON. */
static void value_text(json_t *v)
{
	char *t;

	if (json_is_string(v)) {
		fputs(json_string_value(v), stdout);
		return;
	}
	t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	fputs(t != NULL ? t : "?", stdout);
	free(t);
}

/* One change: {"field", "change": added|changed|removed, "old", "new"} (absent: null), or a
 * line "  + field: new", "  ~ field: old -> new", "  - field: old". */
static int change(json_t *changes, const char *field, json_t *old, json_t *new)
{
	const char *kind = old == NULL ? "added" : new == NULL ? "removed" : "changed";

	if (changes != NULL)
		return json_array_append_new(changes,
		                             json_pack("{s:s, s:s, s:O?, s:O?}", "field", field,
		                                       "change", kind, "old", old, "new", new));
	printf("  %c %s: ", old == NULL ? '+' : new == NULL ? '-' : '~', field);
	if (old != NULL)
		value_text(old);
	if (old != NULL && new != NULL)
		fputs(" -> ", stdout);
	if (new != NULL)
		value_text(new);
	fputc('\n', stdout);
	return 0;
}

static int visit(const struct store_version *v, void *arg)
{
	struct history *h = arg;
	const struct cli_author *a = cli_author(&h->as, v->origin);
	char when[32], hex[2 * PK_PUB_BYTES + 1], who[PK_NAME_MAX + 32];
	json_t *cur = NULL, *changes = NULL, *entry;

	h->n++;
	cli_hlc_time(when, v->hlc);
	cli_key_hex(hex, v->origin);
	if (!v->deleted && ((cur = json_object()) == NULL ||
	                    recjson_decode(h->coll, v->value, v->value_len, cur) != 0)) {
		json_decref(cur);
		h->bad = true;
		return 1;
	}
	if (h->versions != NULL) {
		changes = json_array();
		entry = json_pack("{s:I, s:I, s:s, s:o, s:s, s:I, s:b, s:o}", "version",
		                  (json_int_t)h->n, "seq", (json_int_t)v->seq, "origin", hex,
		                  "diubah_oleh", cli_author_json(a), "diubah", when, "hlc",
		                  (json_int_t)v->hlc, "deleted", v->deleted, "changes",
		                  json_incref(changes));
		if (changes == NULL || entry == NULL ||
		    json_array_append_new(h->versions, entry) != 0) {
			json_decref(changes);
			json_decref(cur);
			h->nomem = true;
			return 1;
		}
		json_decref(changes); /* the entry holds it */
	} else {
		cli_author_text(a, who, sizeof(who));
		printf(_("version %zu  %s  %s, key %s, changeset %llu\n"), h->n, when, who, a->key,
		       (unsigned long long)v->seq);
		if (v->deleted)
			printf(_("  deleted\n"));
	}
	/* The fields, in schema order, against the previous version (none after a delete). */
	for (size_t i = 0; cur != NULL && i < h->coll->nfields; i++) {
		const char *name = h->coll->fields[i].name;
		json_t *old = h->prev ? json_object_get(h->prev, name) : NULL;
		json_t *new = json_object_get(cur, name);

		if ((old != NULL || new != NULL) &&
		    (old == NULL || new == NULL || !json_equal(old, new)) &&
		    change(changes, name, old, new) != 0)
			h->nomem = true;
	}
	json_decref(h->prev);
	h->prev = cur;
	return h->nomem ? 1 : 0;
}

int cmd_history(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct found_list l = {.n = 0};
	struct store_node node;
	struct history h;
	struct store *s;
	char *pos[2], where[PK_REGION_MAX + 1];
	json_t *top = NULL;
	int npos, rc, n;

	memset(&h, 0, sizeof(h));
	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((h.coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", pos[0]);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	/* Deleted records have a history too. */
	if ((rc = cli_find_one(c, s, pos[0], pos[1], region, true, &l)) != 0) {
		store_close(s);
		return rc;
	}
	snprintf(where, sizeof(where), "%s", l.f[0].region);
	found_free(&l);
	h.c = c;
	cli_authors_init(&h.as, s, &node);
	if (c->json) {
		top = json_pack("{s:s, s:s, s:s, s:[]}", "collection", h.coll->name, "key", pos[1],
		                "wilayah", where, "versions");
		h.versions = top ? json_object_get(top, "versions") : NULL;
		if (h.versions == NULL) {
			store_close(s);
			json_decref(top);
			return cli_fail(c, "out of memory");
		}
	} else {
		printf(_("%s/%s in region %s, oldest first:\n"), h.coll->name, pos[1],
		       where[0] ? where : _("\"\" (national)"));
	}
	n = store_history(s, h.coll->name, where, pos[1], visit, &h);
	store_close(s);
	json_decref(h.prev);
	if (n >= 0 && !h.bad && !h.nomem && top != NULL)
		cli_print_json(top);
	json_decref(top);
	if (n < 0)
		return cli_fail(c, "reading the history: %s", pk_strerror(n));
	if (h.bad)
		return cli_fail(c, "a stored version does not decode; run 'pokjactl verify'");
	if (h.nomem)
		return cli_fail(c, "out of memory");
	if (!c->json)
		printf(_("(%zu version%s)\n"), h.n, h.n == 1 ? "" : "s");
	return EXIT_OK;
}
