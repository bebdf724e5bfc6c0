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
#include "recnorm.h"
#include "refs.h"

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

/* The field of coll named by name[0..len), or NULL after adding why to errs. */
static const struct pk_field *edit_field(const struct pk_collection *coll, const char *name,
                                         size_t len, struct rec_errors *errs)
{
	const struct pk_field *f = pk_schema_field(coll, name, len);

	if (f != NULL)
		return f;
	if ((len == 3 && memcmp(name, "key", 3) == 0) ||
	    (len == 7 && memcmp(name, "wilayah", 7) == 0))
		rec_error_add(errs, 0,
		              "'%.*s' is not a field: edit cannot move a record to another key or "
		              "region (put it under the new one and delete the old)",
		              (int)len, name);
	else
		rec_error_add(errs, 0,
		              "field '%.*s' is not a field of collection '%s' (see 'pokjactl "
		              "schema %s')",
		              (int)len > 60 ? 60 : (int)len, name, coll->name, coll->name);
	return NULL;
}

/*
 * The text of --set FIELD=TEXT as the field's value, read as put reads a JSON string
 * (cli/recnorm.h): "Rp 15.000.000", "Maret", "17/08/2026", a list as JSON array text or a
 * comma list. NULL after adding why to errs (or when out of memory: *nomem).
 */
static json_t *edit_value(const struct pk_field *f, const char *text, struct rec_errors *errs,
                          bool *nomem)
{
	json_t *in = json_string(text), *v = NULL;
	struct pk_diag d;
	int err;

	if (in == NULL) {
		rec_error_add(errs, 0, "field '%s': the value is not UTF-8 text", f->name);
		return NULL;
	}
	err = recnorm_value(f, in, RECNORM_LISTED, &v, &d);
	json_decref(in);
	if (err == PK_ENOMEM)
		*nomem = true;
	else if (err != 0)
		rec_error_add(errs, 0, "%s", d.msg);
	return v;
}

/* Applies e to the record's fields in obj. Returns 0, or EXIT_FAIL/EXIT_USAGE after saying
 * why: every field that cannot be set, all at once. *names gets the edited fields' names,
 * comma separated, for the report. */
static int apply_edits(const struct cli *c, const struct pk_collection *coll, json_t *obj,
                       const struct edits *e, char *names, size_t cap)
{
	const struct pk_field *done[EDIT_MAX];
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	int ndone = 0, rc = 0;
	bool nomem = errs == NULL;
	size_t used = 0;

	names[0] = '\0';
	for (int i = 0; !nomem && i < e->nset + e->nunset; i++) {
		bool set = i < e->nset;
		const char *arg = set ? e->set[i] : e->unset[i - e->nset];
		const char *eq = set ? strchr(arg, '=') : NULL;
		const struct pk_field *f;
		json_t *v;

		if (set && eq == NULL) {
			rc = cli_usagef(c, "--set takes FIELD=VALUE, not '%.60s'", arg);
			goto out;
		}
		if ((f = edit_field(coll, arg, set ? (size_t)(eq - arg) : strlen(arg), errs)) ==
		    NULL)
			continue;
		for (int k = 0; k < ndone; k++)
			if (done[k] == f) {
				rc = cli_usagef(c, "field '%s' is given more than once", f->name);
				goto out;
			}
		done[ndone++] = f;
		if (!set && f->required) {
			rec_error_add(errs, 0,
			              "field '%s' is required in collection '%s' and cannot be "
			              "unset; give it another value with --set %s=VALUE",
			              f->name, coll->name, f->name);
			continue;
		}
		if (!set) {
			json_object_del(obj, f->name);
		} else {
			if ((v = edit_value(f, eq + 1, errs, &nomem)) == NULL)
				continue;
			if (json_object_set_new(obj, f->name, v) != 0)
				nomem = true;
		}
		used +=
		    (size_t)snprintf(names + used, cap - used, "%s%s", used ? ", " : "", f->name);
		if (used >= cap)
			used = cap - 1;
	}
	if (nomem)
		rc = cli_fail(c, "out of memory");
	else if (rec_errors_count(errs) > 0)
		rc = rec_errors_fail(c, errs, _("nothing was changed"));
out:
	free(errs);
	return rc;
}

/* The references the edit sets must name records held here (refs.h); those the record held
 * already are not checked again. Returns 0, or EXIT_FAIL after saying why. */
static int check_refs(const struct cli *c, struct store *s, const char *home,
                      const struct pk_collection *coll, const char *region, const uint8_t *value,
                      size_t len, const struct found *old)
{
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	struct refcheck rck;
	int bad, rc = 0;

	if (errs == NULL)
		return cli_fail(c, "out of memory");
	refs_check_init(&rck, s, home);
	bad = refs_check(&rck, coll, region, value, len, old->value, old->value_len, errs, 0);
	refs_check_free(&rck);
	if (bad < 0)
		rc = cli_fail(c, "reading the store: %s", pk_strerror(bad));
	else if (bad > 0)
		rc = rec_errors_fail(c, errs, _("nothing was changed"));
	free(errs);
	return rc;
}

int cmd_edit(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *value = NULL;
	const struct pk_collection *coll;
	struct found_list l = {.n = 0};
	struct edits e;
	struct store_node node;
	struct store_written w;
	struct store_cond cond;
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct cli_authors as;
	struct pk_op op;
	json_t *obj = NULL, *o;
	char *pos[2], names[512], where[PK_REGION_MAX + 1];
	size_t len;
	int npos, rc, err;

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
	if (cli_region_own(where, node.region, &d) != 0) {
		rc = cli_fail(c, "refused: %s; nothing was changed", d.msg);
		goto out;
	}
	if ((obj = json_object()) == NULL ||
	    recjson_decode(coll, l.f[0].value, l.f[0].value_len, obj) != 0) {
		rc = cli_fail(c, "the stored record does not decode; run 'pokjactl verify'");
		goto out;
	}
	if ((rc = apply_edits(c, coll, obj, &e, names, sizeof(names))) != 0)
		goto out;
	if ((err = recjson_encode(coll, obj, &value, &len, &d)) != 0) {
		rc = cli_fail(c, "refused: %s; nothing was changed", d.msg);
		goto out;
	}
	if (len == l.f[0].value_len && memcmp(value, l.f[0].value, len) == 0) {
		printf(_("%s/%s: no change (it has these values already)\n"), coll->name, pos[1]);
		goto out;
	}
	if ((rc = check_refs(c, s, node.region, coll, where, value, len, &l.f[0])) != 0)
		goto out;
	pk_op_set(&op, coll->name, where, pos[1], value, len);
	cond.kind = STORE_IF_VERSION;
	cond.hlc = l.f[0].hlc;
	memcpy(cond.origin, l.f[0].origin, PK_PUB_BYTES);
	if ((err = store_write_if(s, sec, &op, &cond, 1, node_now_ms(), &w, NULL, NULL, &d)) != 0) {
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	if (!c->json) {
		printf(_("edited %s/%s in region %s: %s (changeset %llu)\n"), coll->name, pos[1],
		       where[0] ? where : "\"\"", names, (unsigned long long)w.last_seq);
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
	json_decref(obj);
	free(value);
	return rc;
}
