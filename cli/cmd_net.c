/* cmd_net.c: the commands about the network of nodes: invite, revoke, status. The online
 * half of init (--join, --listen) is in join.c. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/clock.h"
#include "daemon/config.h"
#include "daemon/health.h"
#include "proto/enroll.h"
#include "proto/region.h"
#include "proto/syncmsg.h"
#include "proto/wilayah.h"
#include "recjson.h"
#include "status.h"

static const char *official_name(const char *code)
{
	const struct pk_wilayah *w = pk_wilayah_find(code, strlen(code));

	return w != NULL ? w->name : NULL;
}

/* "72h", "3d", "90m", or plain hours. Returns seconds, or 0 when malformed. */
static uint64_t parse_valid(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s || v == 0 || v > 365ULL * 24)
		return 0;
	if (*end == '\0' || strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0 && v <= 365)
		return v * 86400;
	if (strcmp(end, "m") == 0)
		return v * 60;
	return 0;
}

/* The URL children dial: --url, else the listen URL of the node's config when it names a host. */
static int invite_url(const struct cli *c, const char *given, char *out, size_t cap)
{
	struct config cfg;
	struct config_diag cd;
	char path[4096];
	const char *host;

	if (given != NULL) {
		snprintf(out, cap, "%s", given);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", c->dir, CONFIG_FILE);
	if (config_load(path, &cfg, &cd) != 0)
		return cli_fail(c, "%s", cd.count > 0 ? cd.msg[0] : "cannot read the config");
	if (cfg.listen[0] == '\0')
		return cli_fail(c,
		                "this node does not listen for children: set [node] listen in %s "
		                "(or init --listen), or give --url",
		                path);
	host = cfg.listen + strlen("tcp://");
	if (strncmp(cfg.listen, "tcp://", 6) != 0 || host[0] == ':' || host[0] == '*' ||
	    strncmp(host, "0.0.0.0:", 8) == 0)
		return cli_fail(c,
		                "this node listens on %s, which children cannot dial: give "
		                "--url tcp://ADDRESS:PORT",
		                cfg.listen);
	snprintf(out, cap, "%s", cfg.listen);
	return 0;
}

int cmd_invite(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *name = NULL, *valid = "72h", *url = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL},
	                         {"name", &name, NULL},
	                         {"valid", &valid, NULL},
	                         {"url", &url, NULL},
	                         {0}};
	struct store_invite si;
	struct store_node node;
	struct pk_invite inv;
	struct store *s = NULL;
	char *pos[1], *token = NULL;
	uint64_t secs;
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 0, &npos)) != 0)
		return rc;
	if (region == NULL)
		return cli_usage(c);
	if ((secs = parse_valid(valid)) == 0)
		return cli_fail(c,
		                "--valid takes a duration such as 72h, 3d or 90m (at most a year)");
	memset(&inv, 0, sizeof(inv));
	if ((rc = invite_url(c, url, inv.url, sizeof(inv.url))) != 0)
		return rc;
	if ((rc = cli_open(c, 0, &s, &node, NULL, NULL)) != 0)
		return rc;
	if (!node.certified) {
		rc = cli_fail(c, "this node has no certificate itself yet");
		goto out;
	}
	if ((rc = cli_check_region(c, region, node.region)) != 0)
		goto out;
	if (strcmp(region, node.region) == 0) {
		rc = cli_fail(c, "a child's region must lie strictly inside this node's '%s'",
		              node.region);
		goto out;
	}
	if (pk_region_level(region, strlen(region)) > PK_NODE_LEVEL_MAX) {
		rc = cli_fail(c,
		              "region '%s' is a %s: nodes are the ministry, provinces and "
		              "kabupaten/kota; a kecamatan's or desa's records are kept by its "
		              "kabupaten/kota's node",
		              region, _(pk_level_name(pk_region_level(region, strlen(region)))));
		goto out;
	}
	if (name == NULL)
		name = official_name(region);
	if (name == NULL || name[0] == '\0' || strlen(name) > PK_NAME_MAX) {
		rc = cli_fail(c, "--name must be 1 to %d bytes", PK_NAME_MAX);
		goto out;
	}
	memcpy(inv.parent, node.pub, PK_PUB_BYTES);
	pk_random(inv.secret, sizeof(inv.secret));
	snprintf(inv.region, sizeof(inv.region), "%s", region);
	snprintf(inv.name, sizeof(inv.name), "%s", name);
	inv.expires = node_now_ms() / 1000 + secs;
	memset(&si, 0, sizeof(si));
	memcpy(si.secret, inv.secret, sizeof(si.secret));
	memcpy(si.region, inv.region, sizeof(si.region));
	memcpy(si.name, inv.name, sizeof(si.name));
	si.expires = inv.expires;
	if ((err = pk_invite_encode(&inv, &token)) != 0 || (err = store_invite_put(s, &si)) != 0) {
		struct pk_diag d = {""};
		rc = cli_fail(c, "cannot make the invite: %s", store_strerror(s, err, &d));
		goto out;
	}
	if (c->json) {
		json_t *j =
		    json_pack("{s:s, s:s, s:s, s:I, s:s}", "token", token, "region", region, "name",
		              name, "expires", (json_int_t)inv.expires, "url", inv.url);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
	} else {
		printf("%s\n", token);
		fprintf(stderr,
		        _("invite for %s (%s), valid until %llu; on the new node run:\n"
		          "  pokjactl init --dir DIR --join TOKEN\n"),
		        name, region, (unsigned long long)inv.expires);
	}
out:
	pk_wipe(&inv, sizeof(inv));
	pk_wipe(&si, sizeof(si));
	free(token);
	store_close(s);
	return rc;
}

/* True when key is on path above its last element: the last node lies below key. */
static bool on_chain_below(uint8_t path[][PK_PUB_BYTES], int n, const uint8_t *key)
{
	for (int i = 0; i < n - 1; i++)
		if (memcmp(path[i], key, PK_PUB_BYTES) == 0)
			return true;
	return false;
}

int cmd_revoke(struct cli *c, int argc, char **argv)
{
	const char *reason = NULL;
	struct cli_opt opts[] = {{"reason", &reason, NULL}, {0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], target[PK_PUB_BYTES];
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	struct store_node node;
	struct store_written w;
	struct pk_diag d = {""};
	struct cli_last_cert lc;
	struct pk_cert cert;
	struct store *s = NULL;
	uint8_t *value = NULL;
	char *pos[1], key[PK_KEY_MAX + 1], region[PK_REGION_MAX + 1] = "";
	struct pk_op op;
	size_t vlen;
	int npos, rc, err, n;
	json_t *obj = NULL;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if (pk_unhex(target, sizeof(target), pos[0], strlen(pos[0])) != 0)
		return cli_fail(c, "NODE is the node's key: 64 hex digits (see 'pokjactl status')");
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		return rc;
	/* The revoked node lies below this one; the revocation is filed under this node's own
	 * region, which covers the certificate's (SPEC section 9). */
	n = store_origin_path(s, target, path);
	if (n < 2 || !on_chain_below(path, n, pub)) {
		rc = cli_fail(c, "%.16s... is not a node certified below this one", pos[0]);
		goto out;
	}
	if ((err = cli_cert_of(s, target, &lc, &cert)) != 0) {
		rc = cli_fail(c, "the node's certificate is unreadable: %s", pk_strerror(err));
		goto out;
	}
	snprintf(region, sizeof(region), "%s", node.region);
	obj = json_pack("{s:s}", "kunci", pos[0]);
	if (reason != NULL)
		json_object_set_new(obj, "alasan", json_string(reason));
	if ((err = recjson_encode(pk_schema_find("pencabutan", 10), obj, &value, &vlen, &d)) != 0) {
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	}
	snprintf(key, sizeof(key), "cabut-%.16s", pos[0]);
	pk_op_set(&op, "pencabutan", region, key, value, vlen);
	if ((err = store_write(s, sec, &op, 1, node_now_ms(), &w, NULL, NULL, &d)) != 0) {
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	printf(_("revoked %s ('%s', region %s); the revocation replicates like any record\n"),
	       pos[0], cert.info.name, cert.info.region);
out:
	memset(sec, 0, sizeof(sec));
	json_decref(obj);
	free(value);
	store_close(s);
	return rc;
}

struct status_ctx {
	struct store *s;
	int nchildren;
	uint64_t behind; /* bytes not yet acknowledged by the parent */
};

/* "6.2 kB/s": a rate in bytes a second, for people. */
static void rate_text(char *out, size_t cap, uint64_t bps)
{
	if (bps == 0)
		snprintf(out, cap, "%s", _("not measured"));
	else if (bps < 10000)
		snprintf(out, cap, "%.1f kB/s", (double)bps / 1000.0);
	else if (bps < 10000000)
		snprintf(out, cap, "%llu kB/s", (unsigned long long)(bps / 1000));
	else
		snprintf(out, cap, "%llu MB/s", (unsigned long long)(bps / 1000000));
}

/* The peer's clock for people: "clock 2 h 3 min ahead", "clock in step", "clock unknown". */
static void clock_text(char *out, size_t cap, const struct store_peer *p)
{
	uint64_t off;
	char sp[48];

	if (!p->skew_known) {
		snprintf(out, cap, "%s", _("clock unknown"));
		return;
	}
	off = p->skew < 0 ? (uint64_t)(-(p->skew + 1)) + 1 : (uint64_t)p->skew;
	if (off == 0) {
		snprintf(out, cap, "%s", _("clock in step"));
		return;
	}
	clock_span(sp, sizeof(sp), off);
	snprintf(out, cap, _("clock %s %s"), sp, p->skew > 0 ? _("ahead") : _("behind"));
}

static int status_peer(const struct store_peer *p, void *arg)
{
	struct status_ctx *x = arg;
	char key[2 * PK_PUB_BYTES + 1], name[PK_NAME_MAX + 1], region[PK_REGION_MAX + 1];
	char clock[80];
	bool parent = strcmp(p->role, "parent") == 0;
	uint64_t now = node_now_ms() / 1000;

	cli_key_hex(key, p->key);
	status_peer_label(x->s, p->key, name, sizeof(name), region, sizeof(region));
	if (!parent && x->nchildren++ == 0)
		printf(_("children:\n"));
	clock_text(clock, sizeof(clock), p);
	printf(_("%s%s (%s) %.16s: %s, last contact %s%llu s ago, lag %llu up / %llu down, "
	         "%llu refused, %llu held, %s\n"),
	       parent ? _("parent:    ") : "  ", name, region[0] ? region : _("national"), key,
	       p->connected ? _("connected") : _("not connected"), "",
	       (unsigned long long)(p->last_contact ? now - p->last_contact : 0),
	       (unsigned long long)p->lag_up, (unsigned long long)p->lag_down,
	       (unsigned long long)p->refused, (unsigned long long)p->held, clock);
	if (parent && p->link_known) {
		char up[32], down[32];

		rate_text(up, sizeof(up), p->up_bps);
		rate_text(down, sizeof(down), p->down_bps);
		printf(_("link:      %s up, %s down, round trip %llu ms, compression %.1fx; %llu "
		         "bytes "
		         "behind"),
		       up, down, (unsigned long long)p->rtt_ms, (double)p->ratio_milli / 1000.0,
		       (unsigned long long)x->behind);
		if (p->up_bps != 0 && x->behind > 0)
			printf(_(", about %llu s to catch up"),
			       (unsigned long long)status_catch_up_s(p, x->behind));
		printf("\n");
	}
	return 0;
}

static int status_refused(const char *tag, uint64_t count, void *arg)
{

	(void)arg;
	printf(_("refused:   %s %llu\n"), tag, (unsigned long long)count);
	return 0;
}

static int status_forked(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg)
{
	char key[2 * PK_PUB_BYTES + 1];

	(void)arg;
	cli_key_hex(key, origin);
	printf(_("FORKED:    origin %s at sequence %llu: its changesets are refused\n"), key,
	       (unsigned long long)seq);
	return 0;
}

/* Whether pokjad runs on the folder, and what the parent has not acknowledged. */
struct status_run {
	struct health_daemon d;
	bool has_parent;
	uint64_t unacked, unacked_bytes;
};

static int status_run(struct cli *c, struct store *s, const struct store_node *node,
                      struct status_run *r)
{
	struct pk_diag d;
	int err;

	memset(r, 0, sizeof(*r));
	if (health_daemon(c->dir, &r->d, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	if ((err = health_unacked(s, node->pub, &r->has_parent, &r->unacked, &r->unacked_bytes)) !=
	    0)
		return cli_fail(c, "reading what the parent holds: %s", pk_strerror(err));
	return 0;
}

static void status_run_show(const struct status_run *r, json_t *j)
{
	char when[32] = "", sp[48] = "";
	time_t t = (time_t)r->d.since;
	uint64_t now = node_now_ms() / 1000;

	if (r->d.since != 0) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		clock_span(sp, sizeof(sp), now > r->d.since ? now - r->d.since : 0);
	}
	if (j != NULL) {
		json_object_set_new(
		    j, "pokjad",
		    json_pack("{s:b, s:o, s:o, s:o}", "running",
		              r->d.running && strcmp(r->d.prog, "pokjad") == 0, "pid",
		              r->d.running ? json_integer(r->d.pid) : json_null(), "since",
		              r->d.since ? json_integer((json_int_t)r->d.since) : json_null(),
		              "holder", r->d.running ? json_string(r->d.prog) : json_null()));
		json_object_set_new(j, "unacked",
		                    r->has_parent ? json_integer((json_int_t)r->unacked)
		                                  : json_null());
		json_object_set_new(j, "unacked_bytes",
		                    r->has_parent ? json_integer((json_int_t)r->unacked_bytes)
		                                  : json_null());
		return;
	}
	if (!r->d.running)
		printf(
		    _("pokjad:    NOT RUNNING on this folder: nothing is sent or received until it "
		      "starts (systemctl start pokjad)\n"));
	else if (strcmp(r->d.prog, "pokjad") != 0)
		printf(_("pokjad:    not running: %s (pid %ld) holds the folder\n"), r->d.prog,
		       r->d.pid);
	else if (r->d.since != 0)
		printf(_("pokjad:    running since %s (%s), pid %ld\n"), when, sp, r->d.pid);
	else
		printf(_("pokjad:    running, pid %ld\n"), r->d.pid);
	if (r->has_parent)
		printf(_("unacked:   %llu changesets (%llu bytes) not yet acknowledged by the "
		         "parent\n"),
		       (unsigned long long)r->unacked, (unsigned long long)r->unacked_bytes);
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	const char *region = NULL;
	bool tree = false;
	struct cli_opt opts[] = {{"tree", NULL, &tree}, {"region", &region, NULL}, {0}};
	struct status_run run;
	struct status_ctx x;
	struct store_node node;
	struct store *s;
	uint64_t held = 0, held_first = 0;
	char *pos[1];
	int npos, rc, err = 0;
	json_t *j = NULL;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 0, &npos)) != 0)
		return rc;
	if (region != NULL && !tree)
		return cli_usagef(c, "--region goes with --tree");
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	if (tree) {
		rc = cli_status_tree(c, s, &node, region);
		store_close(s);
		return rc;
	}
	if ((rc = status_run(c, s, &node, &run)) != 0) {
		store_close(s);
		return rc;
	}
	if (c->json) {
		if ((err = status_json(s, &node, &j)) == 0) {
			status_run_show(&run, j);
			err = cli_show_pgmirror(s, j);
		}
		store_close(s);
		if (err >= 0)
			cli_print_json(j);
		json_decref(j);
		return err < 0 ? cli_fail(c, "reading the status: %s", pk_strerror(err)) : EXIT_OK;
	}
	memset(&x, 0, sizeof(x));
	x.s = s;
	x.behind = run.unacked_bytes;
	cli_print_node(&node);
	status_run_show(&run, NULL);
	cli_show_writes(s, NULL);
	status_disk(s, NULL);
	if ((err = store_peer_list(s, status_peer, &x)) >= 0 &&
	    (err = store_refusals(s, status_refused, &x)) >= 0 &&
	    (err = store_forks(s, status_forked, &x)) >= 0)
		err = store_held_stats(s, &held, &held_first);
	if (err >= 0 && held > 0) {
		char sp[48];
		uint64_t now = node_now_ms();

		clock_span(sp, sizeof(sp), held_first > now ? (held_first - now) / 1000 : 0);
		printf(_("held:      %llu changesets stamped ahead of this node's clock; the first "
		         "is %s ahead\n"),
		       (unsigned long long)held, sp);
	}
	if (err >= 0)
		err = cli_show_pgmirror(s, NULL);
	store_close(s);
	if (x.nchildren == 0)
		printf(_("children:  none connected yet\n"));
	return err < 0 ? cli_fail(c, "reading the status: %s", pk_strerror(err)) : EXIT_OK;
}
