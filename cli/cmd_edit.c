/*
 * cmd_edit.c: `pokjactl edit`: changes some fields of a live record and keeps the others.
 *
 * The record is read, the fields given are set or removed in its JSON form, and the result is
 * encoded and checked against the schema exactly as `put` checks a whole record. It is written
 * only when the record is still the version read (store_write_if, STORE_IF_VERSION, checked in
 * the write's transaction), so an edit never overwrites a change made meanwhile by pokjad
 * (replication) or another pokjactl: it is refused and can be run again.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "recfind.h"
#include "recin.h"
#include "recjson.h"
#include "recsvc.h"

#define EDIT_MAX 64 /* --set and --unset options in one edit */

struct edits {
	const char *set[EDIT_MAX]; /* "field=value" */
	int nset;
	const char *unset[EDIT_MAX];
	int nunset;
};

/*
 * Takes the repeatable options --set FIELD=VALUE and --unset FIELD (also as --set=...) out of
 * argv into e, leaving the rest in argv for cli_parse. Returns 0 or EXIT_USAGE after saying why.
 */
static int take_edits(const struct cli *c, int *argc, char **argv, struct edits *e)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i], *val = NULL;
		bool set = strncmp(a, "--set", 5) == 0 && (a[5] == '\0' || a[5] == '=');
		bool unset = strncmp(a, "--unset", 7) == 0 && (a[7] == '\0' || a[7] == '=');

		if (!set && !unset) {
			argv[out++] = argv[i];
			continue;
		}
		if (strchr(a, '=') != NULL)
			val = strchr(a, '=') + 1;
		else if (i + 1 < *argc)
			val = argv[++i];
		else
			return cli_usagef(c, "option '%s' needs a value", a);
		if (e->nset + e->nunset == EDIT_MAX)
			return cli_usagef(c, "more than %d --set and --unset options", EDIT_MAX);
		if (set)
			e->set[e->nset++] = val;
		else
			e->unset[e->nunset++] = val;
	}
	*argc = out;
	return 0;
}

/*
 * Turns the edits into recsvc's fields, each --set's text a JSON string read as put reads one
 * (cli/recnorm.h): "Rp 15.000.000", "Maret", "17/08/2026", a list as JSON array text or a comma
 * list. Returns 0, or EXIT_USAGE after saying why; a text that is not UTF-8 goes into errs.
 */
static int edit_fields(const struct cli *c, const struct edits *e, struct recsvc_edit *out, int *n,
                       struct rec_errors *errs)
{
	*n = 0;
	for (int i = 0; i < e->nset + e->nunset; i++) {
		bool set = i < e->nset;
		const char *arg = set ? e->set[i] : e->unset[i - e->nset];
		const char *eq = set ? strchr(arg, '=') : NULL;
		size_t len = set ? (eq != NULL ? (size_t)(eq - arg) : 0) : strlen(arg);

		if (set && eq == NULL)
			return cli_usagef(c, "--set takes FIELD=VALUE, not '%.60s'", arg);
		for (int k = 0; k < i; k++) {
			const char *o = k < e->nset ? e->set[k] : e->unset[k - e->nset];

			if (strncmp(o, arg, len) == 0 && (o[len] == '\0' || o[len] == '=') &&
			    len > 0)
				return cli_usagef(c, "field '%.*s' is given more than once",
				                  (int)len, arg);
		}
		out[*n] = (struct recsvc_edit){arg, len, NULL};
		if (set && (out[*n].value = json_string(eq + 1)) == NULL) {
			rec_error_add(errs, 0, "field '%.*s': the value is not UTF-8 text",
			              (int)len, arg);
			continue;
		}
		(*n)++;
	}
	return 0;
}

int cmd_edit(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	const struct pk_collection *coll;
	struct found_list l = {.n = 0};
	struct edits e;
	struct recsvc_edit fields[EDIT_MAX];
	struct rec_errors *errs = NULL;
	struct recsvc w;
	struct recsvc_done done;
	struct store_node node;
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct cli_authors as;
	json_t *o;
	char *pos[2], where[PK_REGION_MAX + 1];
	int npos, rc, nfields = 0;

	memset(&e, 0, sizeof(e));
	if ((rc = take_edits(c, &argc, argv, &e)) != 0)
		return rc;
	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if (e.nset + e.nunset == 0)
		return cli_usagef(c, "nothing to change: give --set FIELD=VALUE or --unset FIELD");
	if ((coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", pos[0]);
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	if ((rc = cli_find_one(c, s, pos[0], pos[1], region, false, &l)) != 0)
		goto out;
	snprintf(where, sizeof(where), "%s", l.f[0].region);
	if ((errs = calloc(1, sizeof(*errs))) == NULL) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	if ((rc = edit_fields(c, &e, fields, &nfields, errs)) != 0)
		goto out;
	w = (struct recsvc){s, &node, sec, node_now_ms(), NULL};
	switch (recsvc_edit(&w, coll, &l.f[0], fields, nfields, errs, &done, &d)) {
	case RECSVC_OK:
		break;
	case RECSVC_INVALID:
		rc = rec_errors_fail(c, errs, _("nothing was changed"));
		goto out;
	case RECSVC_OWNER:
		rc = cli_fail(c, "refused: %s; nothing was changed", d.msg);
		goto out;
	case RECSVC_NO_CHANGE:
		printf(_("%s/%s: no change (it has these values already)\n"), coll->name, pos[1]);
		goto out;
	case RECSVC_REFUSED:
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(done.err));
		goto out;
	default:
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	}
	if (!c->json) {
		printf(_("edited %s/%s in region %s: %s (changeset %llu)\n"), coll->name, pos[1],
		       where[0] ? where : "\"\"", done.changed, (unsigned long long)done.seq);
		goto out;
	}
	/* --json: the record as written, as `get --json` shows it. */
	found_free(&l);
	if ((rc = cli_find_one(c, s, coll->name, pos[1], where, false, &l)) != 0)
		goto out;
	cli_authors_init(&as, s, &node);
	o = cli_record_json(coll, l.f[0].key, l.f[0].region, l.f[0].value, l.f[0].value_len,
	                    l.f[0].hlc, cli_author(&as, l.f[0].origin));
	if (o == NULL) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
out:
	memset(sec, 0, sizeof(sec));
	found_free(&l);
	store_close(s);
	for (int i = 0; i < nfields; i++)
		json_decref(fields[i].value);
	free(errs);
	return rc;
}
