/* cmd_node.c: commands about the node itself: init, info, request, certify, install-cert,
 * log, verify, schema. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/certify.h"
#include "proto/enroll.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"
#include "proto/wilayah.h"
#include "refs.h"

/* Removes what a failed init created, so that init can simply be run again. */
static void init_undo(const struct cli *c)
{
	static const char *const files[] = {NODE_STORE_DIR "/data.mdb", NODE_STORE_DIR "/lock.mdb",
	                                    NODE_KEY_FILE, "pokjad.conf"};
	char path[4096];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, NODE_STORE_DIR);
	rmdir(path);
}

int cmd_init(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *name = NULL, *root = NULL, *join = NULL, *listen = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL}, {"name", &name, NULL},
	                         {"root", &root, NULL},     {"join", &join, NULL},
	                         {"listen", &listen, NULL}, {0}};
	uint8_t root_key[PK_PUB_BYTES] = {0}; /* zeros: learnt from the first certificate set */
	uint8_t sec[PK_SEC_BYTES];
	struct store_node node;
	struct pk_invite inv;
	struct store *s = NULL;
	struct pk_diag d = {""};
	char path[4096];
	char *pos[1];
	int npos, rc, err;
	json_t *j;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 0, &npos)) != 0)
		return rc;
	if (join != NULL) {
		if (region != NULL)
			return cli_fail(c, "--join grants the region of its invite; leave out "
			                   "--region");
		if (pk_invite_decode(join, &inv, &d) != 0)
			return cli_fail(c, "--join: not an invite token: %s", d.msg);
		if (inv.expires < node_now_ms() / 1000)
			return cli_fail(c, "--join: the invite expired; ask the parent for a new "
			                   "one");
		region = inv.region;
		if (name == NULL)
			name = inv.name;
	}
	if (listen != NULL && strncmp(listen, "tcp://", 6) != 0)
		return cli_fail(c, "--listen takes tcp://HOST:PORT");
	if (region != NULL && (rc = cli_check_region(c, region, NULL)) != 0)
		return rc;
	if (region != NULL && region[0] == '\0')
		region = NULL; /* "" is the national node */
	if (root != NULL && region == NULL)
		return cli_fail(c, "--root is for a regional node; the national node is the root");
	if (root != NULL && pk_unhex(root_key, sizeof(root_key), root, strlen(root)) != 0)
		return cli_fail(c, "--root takes the national node's key: 64 hex digits");
	if (name == NULL)
		name = region != NULL ? pk_wilayah_name(region) : "Nasional";
	if (strlen(name) == 0 || strlen(name) > PK_NAME_MAX || !pk_utf8_valid(name, strlen(name)))
		return cli_fail(c, "--name must be 1 to %d bytes of UTF-8", PK_NAME_MAX);

	memset(&node, 0, sizeof(node));
	snprintf(path, sizeof(path), "%s/%s", c->dir, NODE_STORE_DIR);
	if (cli_check_owner(c) != 0)
		return EXIT_FAIL;
	if ((err = node_key_create(c->dir, node.pub, sec, &d)) != 0)
		return cli_fail(c, "%s", d.msg);
	memcpy(node.root, region == NULL ? node.pub : root_key, PK_PUB_BYTES);
	snprintf(node.region, sizeof(node.region), "%s", region ? region : "");
	snprintf(node.name, sizeof(node.name), "%s", name);
	if ((err = store_open(path, 0, &s, &d)) != 0 || (err = store_node_init(s, &node)) != 0) {
		store_close(s);
		/* Leave no key behind that does not match the store. */
		snprintf(path, sizeof(path), "%s/%s", c->dir, NODE_KEY_FILE);
		unlink(path);
		pk_wipe(sec, sizeof(sec));
		if (err == PK_EEXIST)
			return cli_fail(c, "%s/%s already holds a node's store", c->dir,
			                NODE_STORE_DIR);
		return cli_fail(c, "%s", d.msg[0] ? d.msg : pk_strerror(err));
	}
	if (join != NULL)
		rc = cli_join(c, &inv, node.pub, sec, s, listen);
	else if (listen != NULL)
		rc = cli_write_config(c, listen, NULL, NULL);
	pk_wipe(sec, sizeof(sec));
	pk_wipe(&inv, sizeof(inv));
	if (rc != 0) {
		store_close(s);
		init_undo(c);
		return rc;
	}
	store_node_get(s, &node);
	store_close(s);
	if (c->json) {
		j = cli_node_json(&node);
		cli_print_json(j);
		json_decref(j);
		return EXIT_OK;
	}
	cli_print_node(&node);
	if (join != NULL)
		printf(_("\nJoined. Start the node with 'pokjad --dir %s'.\n"), c->dir);
	else if (!node.certified)
		printf(_("\nNext: 'pokjactl --dir %s request -o join.req', take join.req to the "
		         "parent,\n"
		         "and install the certificate set it returns with 'pokjactl --dir %s "
		         "install-cert FILE'.\n"),
		       c->dir, c->dir);
	return EXIT_OK;
}

struct count_ctx {
	uint8_t origin[PK_PUB_BYTES];
	uint64_t n;
	json_t *arr;
	bool have;
};

static void flush_origin(struct count_ctx *x, bool json)
{
	char key[2 * PK_PUB_BYTES + 1];

	if (!x->have)
		return;
	cli_key_hex(key, x->origin);
	if (json)
		json_array_append_new(
		    x->arr, json_pack("{s:s, s:I}", "origin", key, "changesets", (json_int_t)x->n));
	else
		printf(_("  %s  %llu changeset%s\n"), key, (unsigned long long)x->n,
		       x->n == 1 ? "" : "s");
}

static int count_visit(const uint8_t *raw, size_t len, void *arg)
{
	struct count_ctx *x = arg;
	struct pk_changeset cs;

	if (pk_cs_decode(raw, len, &cs, NULL) != 0)
		return 0;
	if (x->have && memcmp(x->origin, cs.origin, PK_PUB_BYTES) != 0) {
		flush_origin(x, x->arr != NULL);
		x->n = 0;
	}
	memcpy(x->origin, cs.origin, PK_PUB_BYTES);
	x->have = true;
	x->n++;
	return 0;
}

int cmd_info(struct cli *c, int argc, char **argv)
{
	struct store_node node;
	struct store *s;
	struct count_ctx x = {{0}, 0, NULL, false};
	char *pos[1];
	int npos, rc, n;
	json_t *j = NULL;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 0, 0, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	if (c->json) {
		j = cli_node_json(&node);
		cli_show_writes(s, j);
		x.arr = json_array();
		json_object_set_new(j, "origins", x.arr);
	} else {
		cli_print_node(&node);
		cli_show_writes(s, NULL);
		printf(_("origins:\n"));
	}
	n = store_log(s, NULL, count_visit, &x);
	flush_origin(&x, c->json);
	store_close(s);
	if (n < 0) {
		json_decref(j);
		return cli_fail(c, "reading the log: %s", pk_strerror(n));
	}
	if (c->json) {
		cli_print_json(j);
		json_decref(j);
	}
	return EXIT_OK;
}

int cmd_request(struct cli *c, int argc, char **argv)
{
	const char *out = NULL;
	struct cli_opt opts[] = {{"o", &out, NULL}, {"output", &out, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf;
	struct store_node node;
	struct pk_request rq;
	struct store *s;
	char *pos[1];
	size_t len;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 0, &npos)) != 0)
		return rc;
	if (out == NULL)
		return cli_usage(c);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, pub, sec)) != 0)
		return rc;
	store_close(s);
	if (node.region[0] == '\0')
		return cli_fail(c, "this is the national node; it needs no certificate");
	memset(&rq, 0, sizeof(rq));
	memcpy(rq.pub, pub, PK_PUB_BYTES);
	memcpy(rq.region, node.region, sizeof(rq.region));
	memcpy(rq.name, node.name, sizeof(rq.name));
	rq.created = node_now_ms() / 1000;
	err = pk_request_encode(&rq, sec, &buf, &len);
	memset(sec, 0, sizeof(sec));
	if (err != 0)
		return cli_fail(c, "cannot encode the request: %s", pk_strerror(err));
	rc = cli_write_file(c, out, buf, len);
	free(buf);
	if (rc == 0)
		fprintf(stderr, _("join request for region %s written to %s\n"), node.region, out);
	return rc;
}

int cmd_certify(struct cli *c, int argc, char **argv)
{
	const char *out = NULL, *days = "3650";
	struct cli_opt opts[] = {
	    {"o", &out, NULL}, {"output", &out, NULL}, {"days", &days, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *req = NULL, *set = NULL;
	struct store_node node;
	struct pk_request rq;
	struct pk_diag d = {""};
	struct store *s = NULL;
	char *pos[1], *end, key[2 * PK_PUB_BYTES + 1];
	size_t len, setlen;
	unsigned long ndays;
	uint64_t serial = 0;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if (out == NULL)
		return cli_usage(c);
	ndays = strtoul(days, &end, 10);
	if (*end != '\0' || ndays == 0 || ndays > 36500)
		return cli_fail(c, "--days must be a whole number from 1 to 36500");
	if ((rc = cli_read_file(c, pos[0], PK_REQUEST_MAX_BYTES, &req, &len)) != 0)
		return rc;
	if ((err = pk_request_decode(req, len, &rq, &d)) != 0) {
		rc = cli_fail(c, "%s: %s", pos[0], d.msg);
		goto out;
	}
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	if (strcmp(rq.region, node.region) != 0 &&
	    (rc = cli_check_region(c, rq.region, node.region)) != 0)
		goto out;
	err = certify_request(s, pub, sec, &rq, (unsigned)ndays, node_now_ms() / 1000, &set,
	                      &setlen, &serial, &d);
	if (err != 0) {
		rc = cli_fail(c, "%s", d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	if ((rc = cli_write_file(c, out, set, setlen)) != 0)
		goto out;
	cli_key_hex(key, rq.pub);
	if (c->json) {
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:I, s:s}", "subject", key, "region", rq.region,
		              "name", rq.name, "serial", (json_int_t)serial, "file", out);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("certified %s (%s, region %s), serial %llu, valid %lu days; certificate "
		         "set written to %s\n"),
		       rq.name, key, rq.region, (unsigned long long)serial, ndays, out);
	}
out:
	memset(sec, 0, sizeof(sec));
	store_close(s);
	free(req);
	free(set);
	return rc;
}

int cmd_install_cert(struct cli *c, int argc, char **argv)
{
	struct store_node node;
	struct pk_certset set;
	struct pk_diag d = {""};
	struct store *s = NULL;
	uint8_t *buf = NULL;
	char *pos[1];
	size_t len;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rc = cli_read_file(c, pos[0], PK_CERTSET_MAX_BYTES, &buf, &len)) != 0)
		return rc;
	if ((err = pk_certset_decode(buf, len, &set, &d)) != 0) {
		rc = cli_fail(c, "%s: %s", pos[0], d.msg);
		goto out;
	}
	if ((rc = cli_open(c, 0, &s, &node, NULL, NULL)) != 0)
		goto out;
	err = store_install_chain(s, set.root, set.cert, set.len, set.n, node_now_ms() / 1000, &d);
	if (err != 0) {
		rc = cli_fail(c, "%s: %s", pos[0], d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	printf(_("certificate installed: %s may now write in region %s\n"), node.name, node.region);
out:
	store_close(s);
	free(buf);
	return rc;
}

struct log_ctx {
	const struct cli *c;
	json_t *arr;
};

static int log_visit(const uint8_t *raw, size_t len, void *arg)
{
	struct log_ctx *x = arg;
	struct pk_changeset cs;
	char key[2 * PK_PUB_BYTES + 1], hash[2 * PK_HASH_BYTES + 1], when[32];
	uint8_t h[PK_HASH_BYTES];
	struct pk_cs_iter it;
	struct pk_op op;

	if (pk_cs_decode(raw, len, &cs, NULL) != 0) {
		fprintf(stderr, _("pokjactl log: a stored changeset does not decode; run "
		                  "'pokjactl verify'\n"));
		return 0;
	}
	pk_cs_hash(&cs, h);
	cli_key_hex(key, cs.origin);
	pk_hex(hash, h, PK_HASH_BYTES);
	cli_hlc_time(when, cs.hlc);
	pk_cs_iter_init(&it, &cs);
	if (x->arr != NULL) {
		/* Every op's record: a changeset holds at most PK_CS_MAX_OPS of them. */
		json_t *recs = json_array();
		while (recs != NULL && pk_cs_iter_next(&it, &op))
			json_array_append_new(
			    recs, json_pack("{s:s%, s:s%, s:s%, s:b}", "collection", op.coll,
			                    (size_t)op.coll_len, "wilayah", op.region,
			                    (size_t)op.region_len, "key", op.key,
			                    (size_t)op.key_len, "deleted", op.value == NULL));
		json_array_append_new(
		    x->arr, json_pack("{s:s, s:I, s:I, s:s, s:i, s:I, s:s, s:o?}", "origin", key,
		                      "seq", (json_int_t)cs.seq, "hlc", (json_int_t)cs.hlc, "time",
		                      when, "ops", (int)cs.nops, "bytes", (json_int_t)len, "hash",
		                      hash, "records", recs));
	} else {
		/* The first op's record (collection region/key, "-" for a delete), and how many
		 * more: a bulk import's changeset holds thousands. */
		printf("%.16s  %6llu  %-24s  %5u  %.16s", key, (unsigned long long)cs.seq, when,
		       cs.nops, hash);
		if (pk_cs_iter_next(&it, &op))
			printf("  %s%.*s %.*s%s/%.*s", op.value == NULL ? "-" : "",
			       (int)op.coll_len, op.coll, (int)op.region_len, op.region,
			       op.region_len ? "" : "\"\"", (int)op.key_len, op.key);
		if (cs.nops > 1)
			printf(_(" (+%u more)"), cs.nops - 1);
		putchar('\n');
	}
	return 0;
}

int cmd_log(struct cli *c, int argc, char **argv)
{
	const char *origin = NULL;
	struct cli_opt opts[] = {{"origin", &origin, NULL}, {0}};
	uint8_t key[PK_PUB_BYTES];
	struct store_node node;
	struct log_ctx x = {c, NULL};
	struct store *s;
	char *pos[1];
	int npos, rc, n;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 0, &npos)) != 0)
		return rc;
	if (origin != NULL && strcmp(origin, "self") != 0 &&
	    pk_unhex(key, sizeof(key), origin, strlen(origin)) != 0)
		return cli_fail(c, "--origin takes a 64-digit hex key or 'self'");
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	if (origin != NULL && strcmp(origin, "self") == 0)
		memcpy(key, node.pub, PK_PUB_BYTES);
	if (c->json)
		x.arr = json_array();
	else
		printf("%-16s  %6s  %-24s  %5s  %-16s  %s\n", _("ORIGIN"), "SEQ", _("TIME"), "OPS",
		       "HASH", _("RECORDS"));
	n = store_log(s, origin ? key : NULL, log_visit, &x);
	store_close(s);
	if (x.arr != NULL) {
		if (n >= 0)
			cli_print_json(x.arr);
		json_decref(x.arr);
	}
	return n < 0 ? cli_fail(c, "reading the log: %s", pk_strerror(n)) : EXIT_OK;
}

struct verify_ctx {
	json_t *arr;
	json_t *dangling; /* --json: the dangling references */
	size_t ndangling;
};

/* A dangling reference (refs.h): not damage, but a record that names one not held here. */
static int verify_dangling(const struct ref_dangling *d, void *arg)
{
	struct verify_ctx *x = arg;
	char why[300];

	refs_why(d->t, d->found, why, sizeof(why));
	x->ndangling++;
	if (x->dangling != NULL)
		json_array_append_new(
		    x->dangling,
		    json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:b}, s:s, s:s}",
		              "collection", d->coll, "wilayah", d->region, "key", d->key, "field",
		              d->t->field, "target", "collection", d->t->coll, "wilayah",
		              d->t->region, "key", d->t->key, "exact", d->t->exact, "found",
		              d->found == REF_DELETED ? "deleted" : "missing", "what", why));
	else
		printf(_("DANGLING %s/%s/%s: %s\n"), d->coll, d->region[0] ? d->region : "\"\"",
		       d->key, why);
	return 0;
}

static void verify_problem(const char *where, const char *what, void *arg)
{
	struct verify_ctx *x = arg;

	if (x->arr != NULL)
		json_array_append_new(x->arr,
		                      json_pack("{s:s, s:s}", "where", where, "what", what));
	else
		printf(_("PROBLEM %s: %s\n"), where, what);
}

int cmd_verify(struct cli *c, int argc, char **argv)
{
	struct store_verify_stats st;
	struct store_node node;
	struct verify_ctx x = {NULL, NULL, 0};
	struct store *s;
	char *pos[1], path[4096];
	int nd = 0;
	bool pages_bad;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 0, 0, &npos)) != 0)
		return rc;
	if (c->json) {
		x.arr = json_array();
		x.dangling = json_array();
	}
	memset(&st, 0, sizeof(st));
	/* The pages first: LMDB trusts them, and opening a store with a damaged one can crash. */
	snprintf(path, sizeof(path), "%s/%s", c->dir, NODE_STORE_DIR);
	err = store_check_pages(path, verify_problem, &x, &st.problems);
	if (err == PK_ENOTFOUND) {
		json_decref(x.arr);
		json_decref(x.dangling);
		return cli_fail(c, "%s: no node here (run 'pokjactl init' first)", c->dir);
	}
	pages_bad = st.problems > 0;
	if (err == 0 && !pages_bad) {
		if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0) {
			json_decref(x.arr);
			json_decref(x.dangling);
			return rc;
		}
		err = store_verify(s, verify_problem, &x, &st);
		/* References last, from the records as stored: findings of their own kind. */
		if (err == 0 &&
		    (nd = refs_dangling(s, node.region, NULL, NULL, verify_dangling, &x)) < 0)
			err = nd;
		store_close(s);
	}
	if (c->json) {
		json_t *j = json_pack(
		    "{s:b, s:I, s:I, s:I, s:I, s:o, s:I, s:o}", "ok", err == 0 && st.problems == 0,
		    "changesets", (json_int_t)st.changesets, "records", (json_int_t)st.records,
		    "certificates", (json_int_t)st.certs, "problems", (json_int_t)st.problems,
		    "findings", x.arr, "dangling_references", (json_int_t)x.ndangling, "dangling",
		    x.dangling);
		if (err != 0)
			json_object_set_new(j, "error", json_string(pk_strerror(err)));
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("checked %zu changesets, %zu records, %zu certificates: %zu problem%s\n"),
		       st.changesets, st.records, st.certs, st.problems,
		       st.problems == 1 ? "" : "s");
		if (x.ndangling > 0)
			printf(_("dangling references: %zu (records that name one not held here: "
			         "not damage; it may still be on its way)\n"),
			       x.ndangling);
	}
	if (err != 0)
		return cli_fail(c, "the check could not finish: %s", pk_strerror(err));
	if (pages_bad)
		return cli_fail(c,
		                "the store in %s is damaged: its LMDB pages are inconsistent "
		                "(see above); restore it from a backup",
		                path);
	return st.problems == 0 ? EXIT_OK : EXIT_FAIL;
}

/* A field's range, choices or the collection its ref names, written into buf: in the reader's
 * language when `people` (text), else as the table says, the same in every language (JSON, and
 * proto/SPEC.md's Appendix A that tests/spec_schema.sh makes from it). */
static const char *field_range(const struct pk_field *f, bool people, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	if (f->type == PK_T_INT || f->type == PK_T_NUM)
		snprintf(buf, n, "%lld..%lld", (long long)f->min, (long long)f->max);
	else if (f->type == PK_T_ENUM && f->choices != NULL)
		for (const char *const *ch = f->choices; *ch != NULL && used < n; ch++)
			used += (size_t)snprintf(buf + used, n - used, "%s%s",
			                         ch == f->choices ? "" : "|", *ch);
	else if (f->type == PK_T_REF && f->ref_coll != NULL)
		snprintf(buf, n,
		         people ? _("ref to %s (here or above)") : "ref to %s (here or above)",
		         f->ref_coll);
	else if (f->type == PK_T_REF && f->ref_coll_field != NULL && f->ref_region_field != NULL)
		snprintf(buf, n, people ? _("ref to %s in %s") : "ref to %s in %s",
		         f->ref_coll_field, f->ref_region_field);
	return buf;
}

int cmd_schema(struct cli *c, int argc, char **argv)
{
	const struct pk_collection *all, *coll = NULL;
	char *pos[1], range[512];
	size_t n;
	int npos, rc;
	json_t *arr;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 0, 1, &npos)) != 0)
		return rc;
	all = pk_schema_all(&n);
	if (npos == 1 && (coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "no collection '%s' (see 'pokjactl schema')", pos[0]);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct pk_collection *k = &all[i];
		json_t *fields;

		if (coll != NULL && k != coll)
			continue;
		if (coll == NULL && !c->json) {
			printf("%-14s %s\n", k->name, _(k->doc));
			continue;
		}
		fields = json_array();
		if (!c->json)
			printf("%s: %s\n\n  %-22s %-8s %-4s %s\n", k->name, _(k->doc), _("FIELD"),
			       _("TYPE"), _("REQ"), _("RANGE / CHOICES / MEANING"));
		for (size_t f = 0; f < k->nfields; f++) {
			const struct pk_field *fd = &k->fields[f];
			field_range(fd, !c->json, range, sizeof(range));
			if (c->json)
				json_array_append_new(
				    fields,
				    json_pack("{s:s, s:s, s:b, s:s, s:s}", "name", fd->name, "type",
				              pk_ftype_name(fd->type), "required", fd->required,
				              "range", range, "doc", fd->doc));
			else
				printf("  %-22s %-8s %-4s %s%s%s\n", fd->name,
				       pk_ftype_name(fd->type), fd->required ? _("yes") : "", range,
				       range[0] ? "  " : "", _(fd->doc));
		}
		if (c->json)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", k->name,
			                                     "doc", k->doc, "fields", fields));
		else
			json_decref(fields);
	}
	if (c->json)
		cli_print_json(coll != NULL ? json_array_get(arr, 0) : arr);
	else if (coll == NULL)
		printf(_("\nEvery record also has 'key' and 'wilayah' (its region code). "
		         "'pokjactl schema COLLECTION' lists the fields.\n"));
	json_decref(arr);
	return EXIT_OK;
}
