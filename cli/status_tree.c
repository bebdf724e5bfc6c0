/*
 * status_tree.c: `pokjactl status --tree`: a node's whole subtree as the health records it holds
 * tell it (collection kesehatan_node, SPEC section 20), one row per node, worst first. Nodes this
 * node holds a certificate for but no health record are listed too, as never heard of.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "proto/cert.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/wilayah.h"

#define PROBLEMS_MAX 8

/* Severities, worst last: a row's is the worst of its problems. */
enum { SEV_OK, SEV_NOTE, SEV_WARN, SEV_BAD };

struct row {
	char region[PK_REGION_MAX + 1];
	uint8_t key[PK_PUB_BYTES];
	bool have_key, have_record;
	struct health h;
	uint64_t
	    heard; /* Unix seconds: the record's time or the origin's newest changeset; 0 never */
	bool stale;
	int sev;
	char problems[PROBLEMS_MAX][160];
	int nproblems;
};

struct tree {
	struct store *s;
	const uint8_t *root;
	const char *within;
	struct row *rows;
	size_t n, cap;
	int err;
};

static struct row *row_add(struct tree *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		struct row *nr = realloc(t->rows, cap * sizeof(*nr));

		if (nr == NULL)
			return NULL;
		t->rows = nr;
		t->cap = cap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

static struct row *row_find(struct tree *t, const char *region)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].region, region) == 0)
			return &t->rows[i];
	return NULL;
}

/* Whether origin is the node of region: the root for "", else the subject of the certificate
 * held for origin, for that very region. */
static bool node_of(struct tree *t, const uint8_t origin[PK_PUB_BYTES], const char *region)
{
	uint8_t buf[PK_CERT_MAX_BYTES];
	struct pk_cert c;
	size_t len = 0;

	if (region[0] == '\0')
		return memcmp(origin, t->root, PK_PUB_BYTES) == 0;
	return store_cert_get(t->s, origin, buf, &len) == 0 &&
	       pk_cert_decode(buf, len, &c, NULL) == 0 && strcmp(c.info.region, region) == 0;
}

static int add_record(const struct store_record *r, void *arg)
{
	struct tree *t = arg;
	struct row *w;

	/* Only the record a node's own pokjad writes describes it: under its region's key, from
	 * its own key. (A node may write records in regions below its own: those are not
	 * nodes.) */
	if (strcmp(r->key, health_key(r->region)) != 0 || !node_of(t, r->origin, r->region) ||
	    row_find(t, r->region) != NULL)
		return 0;
	if ((w = row_add(t)) == NULL) {
		t->err = PK_ENOMEM;
		return 1;
	}
	snprintf(w->region, sizeof(w->region), "%s", r->region);
	memcpy(w->key, r->origin, PK_PUB_BYTES);
	w->have_key = true;
	w->have_record = health_decode(r->value, r->value_len, &w->h) == 0;
	return 0;
}

static int add_cert(const uint8_t *cert, size_t len, void *arg)
{
	struct tree *t = arg;
	struct pk_cert c;
	struct row *w;

	if (pk_cert_decode(cert, len, &c, NULL) != 0 ||
	    !pk_region_within(c.info.region, strlen(c.info.region), t->within, strlen(t->within)) ||
	    row_find(t, c.info.region) != NULL)
		return 0;
	if ((w = row_add(t)) == NULL) {
		t->err = PK_ENOMEM;
		return 1;
	}
	snprintf(w->region, sizeof(w->region), "%s", c.info.region);
	memcpy(w->key, c.info.subject, PK_PUB_BYTES);
	w->have_key = true;
	return 0;
}

static void tree_problem(struct row *w, int sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tree_problem(struct row *w, int sev, const char *fmt, ...)
{
	va_list ap;

	if (sev > w->sev)
		w->sev = sev;
	if (w->nproblems >= PROBLEMS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(w->problems[w->nproblems++], sizeof(w->problems[0]), _(fmt), ap);
	va_end(ap);
}

/* When the node was last heard of, and what is wrong with it. */
static void judge(struct store *s, struct row *w, uint64_t now, uint64_t stale_after, bool national)
{
	struct store_head hd;
	const struct health *h = &w->h;
	char sp[48];
	bool parent_seen = false;

	if (w->have_key && store_head_get(s, w->key, &hd) == 0 && hd.seq > 0)
		w->heard = pk_hlc_ms(hd.hlc) / 1000;
	if (w->have_record && h->written > w->heard)
		w->heard = h->written;
	if (w->heard == 0) {
		w->stale = true;
		tree_problem(w, SEV_BAD, "never heard of");
	} else if (now > w->heard && now - w->heard > stale_after) {
		w->stale = true;
		clock_span(sp, sizeof(sp), now - w->heard);
		tree_problem(w, SEV_BAD, "not heard of for %s", sp);
	}
	if (!w->have_record) {
		if (w->heard != 0)
			tree_problem(w, SEV_WARN, "no health record (an older pokjad?)");
		return;
	}
	if (h->disk_full)
		tree_problem(w, SEV_BAD, "disk full (%" PRIu64 " MiB free)", h->disk_free >> 20);
	if (h->forks > 0)
		tree_problem(w, SEV_BAD, "%" PRIu64 " forked origins", h->forks);
	for (size_t i = 0; i < h->nlinks; i++) {
		const struct health_link *l = &h->links[i];

		if (l->parent) {
			parent_seen = true;
			if (!l->connected)
				tree_problem(w, SEV_WARN, "parent not connected");
		} else if (!l->connected) {
			tree_problem(w, SEV_NOTE, "child %s not connected",
			             l->region[0] ? l->region : "?");
		}
	}
	if (!national && !parent_seen)
		tree_problem(w, SEV_WARN, "parent never reached");
	if (h->unacked > 0)
		tree_problem(w, SEV_NOTE,
		             "%" PRIu64 " changesets not yet acknowledged by its parent",
		             h->unacked);
	if (h->lag_down > 0)
		tree_problem(w, SEV_NOTE, "%" PRIu64 " changesets behind its parent", h->lag_down);
	if (h->refused > 0)
		tree_problem(w, SEV_NOTE, "%" PRIu64 " changesets refused", h->refused);
}

static int worst_first(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->sev != y->sev)
		return y->sev - x->sev;
	return strcmp(x->region, y->region);
}

static json_t *row_json(const struct row *w, uint64_t now)
{
	char key[2 * PK_PUB_BYTES + 1] = "";
	const struct health *h = &w->h;
	json_t *j, *links, *reasons, *probs;

	if (w->have_key)
		cli_key_hex(key, w->key);
	probs = json_array();
	for (int i = 0; i < w->nproblems; i++)
		json_array_append_new(probs, json_string(w->problems[i]));
	j = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o, s:b, s:b, s:o}", "region", w->region, "name",
	              pk_wilayah_name(w->region), "level",
	              pk_level_name(pk_region_level(w->region, strlen(w->region))), "key",
	              w->have_key ? key : NULL, "last_heard",
	              w->heard ? json_integer((json_int_t)w->heard) : json_null(), "last_heard_ago",
	              w->heard ? json_integer((json_int_t)(now > w->heard ? now - w->heard : 0))
	                       : json_null(),
	              "stale", w->stale, "health_record", w->have_record, "problems", probs);
	json_object_set_new(j, "severity",
	                    json_string(w->sev == SEV_BAD    ? "bad"
	                                : w->sev == SEV_WARN ? "warn"
	                                : w->sev == SEV_NOTE ? "note"
	                                                     : "ok"));
	if (!w->have_record)
		return j;
	links = json_array();
	for (size_t i = 0; i < h->nlinks; i++) {
		const struct health_link *l = &h->links[i];

		json_array_append_new(
		    links, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I}", "role",
		                     l->parent ? "parent" : "child", "region", l->region, "key",
		                     l->key, "connected", l->connected, "last_contact",
		                     (json_int_t)l->last_contact, "lag_up", (json_int_t)l->lag_up,
		                     "lag_down", (json_int_t)l->lag_down));
	}
	reasons = json_object();
	for (size_t i = 0; i < h->nreasons; i++)
		json_object_set_new(reasons, h->reasons[i].tag,
		                    json_integer((json_int_t)h->reasons[i].count));
	json_object_update_missing_new(
	    j,
	    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:b, s:o}",
	              "version", h->version, "started", (json_int_t)h->started, "written",
	              (json_int_t)h->written, "lag_up", (json_int_t)h->lag_up, "lag_down",
	              (json_int_t)h->lag_down, "unacked", (json_int_t)h->unacked, "unacked_bytes",
	              (json_int_t)h->unacked_bytes, "refused", (json_int_t)h->refused,
	              "refused_by_reason", reasons, "forks", (json_int_t)h->forks,
	              "disk_used_bytes", (json_int_t)h->disk_used, "disk_free_bytes",
	              (json_int_t)h->disk_free, "disk_full", h->disk_full, "links", links));
	return j;
}

static void row_print(const struct row *w, uint64_t now)
{
	char heard[48], lag[48] = "-", name[40];
	const char *nm = pk_wilayah_name(w->region);

	snprintf(heard, sizeof(heard), "%s", _("never"));
	if (w->heard != 0) {
		clock_span(heard, sizeof(heard), now > w->heard ? now - w->heard : 0);
		strncat(heard, _(" ago"), sizeof(heard) - strlen(heard) - 1);
	}
	/* The national node has no parent to be behind of. */
	if (w->have_record && w->region[0] != '\0')
		snprintf(lag, sizeof(lag), _("%" PRIu64 " up / %" PRIu64 " down"), w->h.unacked,
		         w->h.lag_down);
	/* Names are cut to keep the table in 120 columns; --json has them whole. */
	snprintf(name, sizeof(name), "%s", nm);
	printf("%-14s %-26.26s %-14s %-16s %-16s ", w->region[0] ? w->region : _("(national)"),
	       name, _(pk_level_name(pk_region_level(w->region, strlen(w->region)))), heard, lag);
	if (w->nproblems == 0)
		printf(_("ok\n"));
	for (int i = 0; i < w->nproblems; i++)
		printf("%s%s", w->problems[i], i + 1 < w->nproblems ? "; " : "\n");
}

int cli_status_tree(struct cli *c, struct store *s, const struct store_node *node,
                    const char *region)
{
	struct tree t = {s, node->root, region != NULL ? region : node->region, NULL, 0, 0, 0};
	struct config cfg;
	struct config_diag cd;
	char conf[4096];
	struct pk_diag d;
	uint64_t now = node_now_ms() / 1000, stale_after;
	size_t bad = 0;
	int err, rc = EXIT_OK;
	json_t *j, *nodes;

	if (cli_region_ok(t.within, node->region, &d) != 0)
		return cli_fail(c, "--region: %s", d.msg);
	snprintf(conf, sizeof(conf), "%s/%s", c->dir, CONFIG_FILE);
	if (config_load(conf, &cfg, &cd) != 0)
		return cli_fail(c, "%s", cd.count > 0 ? cd.msg[0] : "cannot read the config");
	stale_after = cfg.health_stale_ms / 1000;
	if ((err = store_list(s, HEALTH_COLL, t.within, false, add_record, &t)) < 0 ||
	    (err = store_certs(s, add_cert, &t)) < 0 || t.err < 0) {
		rc = cli_fail(c, "reading the health records: %s",
		              pk_strerror(err < 0 ? err : t.err));
		goto out;
	}
	/* This node itself, even before its pokjad wrote a record. */
	if (pk_region_within(node->region, strlen(node->region), t.within, strlen(t.within)) &&
	    row_find(&t, node->region) == NULL) {
		struct row *w = row_add(&t);

		if (w == NULL) {
			rc = cli_fail(c, "out of memory");
			goto out;
		}
		snprintf(w->region, sizeof(w->region), "%s", node->region);
		memcpy(w->key, node->pub, PK_PUB_BYTES);
		w->have_key = true;
	}
	for (size_t i = 0; i < t.n; i++) {
		judge(s, &t.rows[i], now, stale_after, t.rows[i].region[0] == '\0');
		bad += t.rows[i].stale;
	}
	qsort(t.rows, t.n, sizeof(t.rows[0]), worst_first);
	if (c->json) {
		nodes = json_array();
		for (size_t i = 0; i < t.n; i++)
			json_array_append_new(nodes, row_json(&t.rows[i], now));
		j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "region", t.within, "now",
		              (json_int_t)now, "stale_after", (json_int_t)stale_after, "count",
		              (json_int_t)t.n, "stale", (json_int_t)bad, "nodes", nodes);
		cli_print_json(j);
		json_decref(j);
		goto out;
	}
	printf("%-14s %-26s %-14s %-16s %-16s %s\n", _("REGION"), _("NAME"), _("LEVEL"),
	       _("LAST HEARD"), _("LAG"), _("PROBLEMS"));
	for (size_t i = 0; i < t.n; i++)
		row_print(&t.rows[i], now);
	printf(_("%zu nodes, %zu not heard of for longer than %llu s ([health] stale_after)\n"),
	       t.n, bad, (unsigned long long)stale_after);
out:
	free(t.rows);
	return rc;
}
