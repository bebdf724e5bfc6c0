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
#include "rechist.h"

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

/* The versions for people: a line per version, then "  + field: new", "  ~ field: old -> new",
 * "  - field: old" per change. */
static void print_text(json_t *versions)
{
	size_t i, k;
	json_t *v, *ch;

	json_array_foreach(versions, i, v)
	{
		json_t *by = json_object_get(v, "diubah_oleh");
		const char *rg = json_string_value(json_object_get(by, "wilayah"));
		char who[PK_NAME_MAX + PK_REGION_MAX + 64];

		/* As cli_author_text writes it. */
		snprintf(who, sizeof(who), "%s (%s)",
		         json_string_value(json_object_get(by, "nama")),
		         rg[0] ? rg : _("national"));
		printf(_("version %zu  %s  %s, key %s, changeset %llu\n"), i + 1,
		       json_string_value(json_object_get(v, "diubah")), who,
		       json_string_value(json_object_get(by, "kunci")),
		       (unsigned long long)json_integer_value(json_object_get(v, "seq")));
		if (json_is_true(json_object_get(v, "deleted")))
			printf(_("  deleted\n"));
		if ((by = json_object_get(v, "pengguna")) != NULL) {
			const char *fn = json_string_value(json_object_get(by, "nama_pengguna"));

			printf(_("  through the web application by %s%s%s%s, role %s\n"),
			       json_string_value(json_object_get(by, "pengguna")), fn ? " (" : "",
			       fn ? fn : "", fn ? ")" : "",
			       json_string_value(json_object_get(by, "peran")));
		}
		json_array_foreach(json_object_get(v, "changes"), k, ch)
		{
			const char *kind = json_string_value(json_object_get(ch, "change"));
			json_t *old = json_object_get(ch, "old"), *new = json_object_get(ch, "new");

			printf("  %c %s: ",
			       kind[0] == 'a'   ? '+'
			       : kind[0] == 'r' ? '-'
			                        : '~',
			       json_string_value(json_object_get(ch, "field")));
			if (!json_is_null(old) && old != NULL)
				value_text(old);
			if (kind[0] == 'c')
				fputs(" -> ", stdout);
			if (!json_is_null(new) && new != NULL)
				value_text(new);
			fputc('\n', stdout);
		}
	}
}

int cmd_history(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct found_list l = {.n = 0};
	struct store_node node;
	const struct pk_collection *coll;
	struct cli_authors as;
	struct store *s;
	char *pos[2], where[PK_REGION_MAX + 1];
	json_t *top, *versions;
	int npos, rc, n;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
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
	cli_authors_init(&as, s, &node);
	top = json_pack("{s:s, s:s, s:s, s:[]}", "collection", coll->name, "key", pos[1], "wilayah",
	                where, "versions");
	if (top == NULL) {
		store_close(s);
		return cli_fail(c, "out of memory");
	}
	versions = json_object_get(top, "versions");
	n = rec_history_json(s, &as, coll, where, pos[1], versions);
	store_close(s);
	if (n == 0 && c->json) {
		cli_print_json(top);
	} else if (n == 0) {
		printf(_("%s/%s in region %s, oldest first:\n"), coll->name, pos[1],
		       where[0] ? where : _("\"\" (national)"));
		print_text(versions);
		printf(_("(%zu version%s)\n"), json_array_size(versions),
		       json_array_size(versions) == 1 ? "" : "s");
	}
	json_decref(top);
	if (n == PK_ECORRUPT)
		return cli_fail(c, "a stored version does not decode; run 'pokjactl verify'");
	if (n == PK_ENOMEM)
		return cli_fail(c, "out of memory");
	if (n < 0)
		return cli_fail(c, "reading the history: %s", pk_strerror(n));
	return EXIT_OK;
}
