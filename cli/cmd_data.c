/* cmd_data.c: the record commands: put, get, list, del (import is cmd_import.c). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/wilayah.h"
#include "recfind.h"
#include "recin.h"
#include "recjson.h"
#include "recsvc.h"
#include "refs.h"
#include "verif.h"

#define JSON_INPUT_MAX (1u << 20) /* one record's JSON text */

int cmd_put(struct cli *c, int argc, char **argv)
{
	const char *text = NULL;
	bool replace = false;
	struct cli_opt opts[] = {{"json", &text, NULL}, {"replace", NULL, &replace}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	struct store_node node;
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct rec_errors *errs = NULL;
	struct recsvc w;
	struct recsvc_done done;
	json_error_t jerr;
	json_t *obj = NULL;
	char *pos[2];
	size_t len;
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 2, &npos)) != 0)
		return rc;
	if (text == NULL) {
		fprintf(stderr,
		        _("pokjactl put: --json JSON (or --json - for stdin) is required\n"));
		return cli_usage(c);
	}
	if (strcmp(text, "-") == 0) {
		if ((rc = cli_read_file(c, "-", JSON_INPUT_MAX, &buf, &len)) != 0)
			return rc;
		obj = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	} else {
		obj = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (obj == NULL) {
		rc = cli_fail(c, "invalid JSON: %s (line %d, column %d)", cli_json_error(&jerr),
		              jerr.line, jerr.column);
		goto out;
	}
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	if ((errs = calloc(1, sizeof(*errs))) == NULL) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	w = (struct recsvc){s, &node, sec, node_now_ms(), NULL};
	switch (recsvc_put(&w, obj, pos[0], npos > 1 ? pos[1] : NULL, replace, errs, &done, &d)) {
	case RECSVC_OK:
		break;
	case RECSVC_INVALID:
		rc = rec_errors_fail(c, errs, _("nothing was stored"));
		goto out;
	case RECSVC_OWNER:
		rc = cli_fail(c, "wilayah: %s", d.msg);
		goto out;
	case RECSVC_EXISTS:
		rc = cli_fail(c,
		              "record %s/%s exists already in region %s; to change some of its "
		              "fields use 'pokjactl edit %s %s --set FIELD=VALUE', to replace it "
		              "whole 'pokjactl put --replace'",
		              done.coll->name, done.key, done.region[0] ? done.region : "\"\"",
		              done.coll->name, done.key);
		goto out;
	case RECSVC_REFUSED:
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(done.err));
		goto out;
	default:
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	}
	printf("%s\n", done.key);
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	json_decref(obj);
	free(errs);
	free(buf);
	return rc;
}

static void print_record_text(const char *coll, json_t *o)
{
	const struct pk_wilayah *w;
	const char *name, *region = json_string_value(json_object_get(o, "wilayah"));
	json_t *v;

	printf("%s/%s\n", coll, json_string_value(json_object_get(o, "key")));
	w = pk_wilayah_find(region, strlen(region));
	printf("  %-22s %s%s%s\n", "wilayah", region[0] ? region : "\"\" (nasional)",
	       w && region[0] ? " " : "", w && region[0] ? w->name : "");
	json_object_foreach(o, name, v)
	{
		if (strcmp(name, "key") == 0 || strcmp(name, "wilayah") == 0 ||
		    strcmp(name, "diubah_oleh") == 0 || strcmp(name, "verifikasi") == 0)
			continue;
		if (json_is_string(v)) {
			printf("  %-22s %s\n", name, json_string_value(v));
		} else {
			char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			printf("  %-22s %s\n", name, t ? t : "?");
			free(t);
		}
	}
}

/* "diubah_oleh  Kota Bekasi (32.75), key 0123456789abcdef" under a record's fields. */
static void print_author_text(const struct cli_author *a)
{
	char who[PK_NAME_MAX + 32];

	cli_author_text(a, who, sizeof(who));
	printf(_("  %-22s %s, key %s\n"), "diubah_oleh", who, a->key);
}

/* The record's verification state (verif.h) as the member "verifikasi" of o, when its records
 * have one; the verdicts are read from the store here. Returns 0 or a negative error. */
static int add_state(struct store *s, struct cli_authors *as, const struct found *f,
                     const char *coll, json_t *o)
{
	struct vidx x;
	int err;

	if (!vidx_verifiable(coll, f->region))
		return 0;
	if ((err = vidx_load(&x, s)) != 0)
		return err;
	err = vidx_add_json(o, &x, as, coll, f->region, f->key, f->hlc, f->origin);
	vidx_free(&x);
	return err;
}

/* The verification lines of a record for people: the state, and the verdict's note and who gave
 * it when one counts. */
static void print_state_text(json_t *o)
{
	json_t *v = json_object_get(o, "verifikasi"), *by;
	const char *note;

	if (v == NULL)
		return;
	printf("  %-22s %s\n", "verifikasi", json_string_value(json_object_get(v, "status")));
	if ((note = json_string_value(json_object_get(v, "catatan"))) != NULL)
		printf("  %-22s %s\n", "catatan_verifikasi", note);
	if ((by = json_object_get(v, "oleh")) != NULL) {
		const char *w = json_string_value(json_object_get(by, "wilayah"));

		printf("  %-22s %s (%s), %s\n", "diverifikasi_oleh",
		       json_string_value(json_object_get(by, "nama")), w[0] ? w : "national",
		       json_string_value(json_object_get(v, "waktu")));
	}
}

int cmd_get(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct found_list l = {.n = 0};
	struct cli_authors as;
	struct cli_author a;
	struct store_node node;
	struct store *s;
	char *pos[2];
	int npos, rc, err = 0;
	json_t *o = NULL;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	rc = cli_find_one(c, s, pos[0], pos[1], region, false, &l);
	if (rc == 0) {
		cli_authors_init(&as, s, &node);
		a = *cli_author(&as, l.f[0].origin);
		o = cli_record_json(pk_schema_find(pos[0], strlen(pos[0])), l.f[0].key,
		                    l.f[0].region, l.f[0].value, l.f[0].value_len, l.f[0].hlc, &a);
		if (o != NULL)
			err = add_state(s, &as, &l.f[0], pos[0], o);
	}
	store_close(s);
	found_free(&l);
	if (rc != 0)
		return rc;
	if (o == NULL)
		return cli_fail(c, "the stored record does not decode; run 'pokjactl verify'");
	if (err != 0) {
		json_decref(o);
		return cli_fail(c, "reading the verdicts: %s", pk_strerror(err));
	}
	if (c->json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		print_record_text(pos[0], o);
		print_author_text(&a);
		print_state_text(o);
	}
	json_decref(o);
	return EXIT_OK;
}

struct list_ctx {
	const struct pk_collection *coll;
	bool json;
	size_t n, bad;
	struct cli_authors as;
	bool states; /* the collection's records have a verification state */
	struct vidx vx;
	int err;
};

/* One line for people: key, region, and the first few field values. */
static void print_record_line(json_t *o, bool states)
{
	const char *name;
	json_t *v;
	char line[160];
	size_t used = 0;
	int shown = 0;

	json_object_foreach(o, name, v)
	{
		if (strcmp(name, "key") == 0 || strcmp(name, "wilayah") == 0 || shown == 3)
			continue;
		if (strcmp(name, "diubah") == 0 || strcmp(name, "diubah_oleh") == 0 ||
		    strcmp(name, "verifikasi") == 0)
			continue;
		if (json_is_string(v))
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
			                         shown ? " | " : "", json_string_value(v));
		else if (json_is_integer(v))
			used +=
			    (size_t)snprintf(line + used, sizeof(line) - used, "%s%lld",
			                     shown ? " | " : "", (long long)json_integer_value(v));
		else
			continue;
		shown++;
		if (used >= sizeof(line) - 1)
			break;
	}
	if (used > 70)
		memcpy(line + 67, "...", 4);
	printf("%-26s  %-13s  ", json_string_value(json_object_get(o, "key")),
	       json_string_value(json_object_get(o, "wilayah")));
	if (states)
		printf("%-18s  ", json_string_value(
		                      json_object_get(json_object_get(o, "verifikasi"), "status"))
		                      ?: "-");
	printf("%s\n", used ? line : "");
}

static int list_visit(const struct store_record *r, void *arg)
{
	struct list_ctx *x = arg;
	json_t *o = cli_record_json(x->coll, r->key, r->region, r->value, r->value_len, r->hlc,
	                            x->json ? cli_author(&x->as, r->origin) : NULL);

	if (o == NULL) {
		x->bad++;
		return 0;
	}
	if (x->states &&
	    vidx_add_json(o, &x->vx, &x->as, r->coll, r->region, r->key, r->hlc, r->origin) != 0) {
		json_decref(o);
		x->err = PK_ENOMEM;
		return 1;
	}
	if (x->json) {
		fputs(x->n ? ",\n" : "\n", stdout);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		print_record_line(o, x->states);
	}
	x->n++;
	json_decref(o);
	return 0;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	struct list_ctx x;
	struct store_node node;
	struct store *s;
	char *pos[1];
	int npos, rc, n;

	memset(&x, 0, sizeof(x));
	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((x.coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%s' (see 'pokjactl schema')", pos[0]);
	if (region != NULL && !pk_region_valid(region, strlen(region)))
		return cli_fail(c,
		                "'%.20s' is not a region code (a prefix must be a whole code: "
		                "32, 32.75, ...)",
		                region);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	x.json = c->json;
	cli_authors_init(&x.as, s, &node);
	x.states = vidx_applies(x.coll->name);
	if (x.states && (n = vidx_load(&x.vx, s)) != 0) {
		store_close(s);
		return cli_fail(c, "reading the verdicts: %s", pk_strerror(n));
	}
	if (!x.json && x.states)
		printf("%-26s  %-13s  %-18s  %s\n", _("KEY"), "WILAYAH", "VERIFIKASI", _("FIELDS"));
	if (x.json)
		fputs("[", stdout);
	n = store_list(s, x.coll->name, region, false, list_visit, &x);
	if (n >= 0 && x.err != 0)
		n = x.err;
	vidx_free(&x.vx);
	store_close(s);
	if (x.json)
		fputs(x.n ? "\n]\n" : "]\n", stdout);
	else
		printf(_("(%zu record%s)\n"), x.n, x.n == 1 ? "" : "s");
	if (n < 0)
		return cli_fail(c, "%s", pk_strerror(n));
	if (x.bad > 0)
		return cli_fail(c, "%zu stored records do not decode; run 'pokjactl verify'",
		                x.bad);
	return EXIT_OK;
}

int cmd_del(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct found_list l = {.n = 0};
	struct store_node node;
	struct pk_diag d = {""};
	struct store *s;
	struct recsvc w;
	struct recsvc_done done;
	enum recsvc_outcome out;
	char *pos[2];
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		return rc;
	if ((rc = cli_find_one(c, s, pos[0], pos[1], region, false, &l)) != 0)
		goto out;
	w = (struct recsvc){s, &node, sec, node_now_ms(), NULL};
	out = recsvc_del(&w, pk_schema_find(pos[0], strlen(pos[0])), &l.f[0], &done, &d);
	if (out == RECSVC_OWNER)
		rc = cli_fail(c, "refused: %s; nothing was deleted", d.msg);
	else if (out != RECSVC_OK)
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(done.err));
	else
		printf(_("deleted %s/%s in region %s\n"), pos[0], pos[1],
		       l.f[0].region[0] ? l.f[0].region : "\"\"");
	found_free(&l);
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	return rc;
}
