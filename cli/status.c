/* status.c: what `pokjactl status --json` and the web application's node page show (status.h). */
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "cli.h"
#include "daemon/health.h"
#include "i18n.h"
#include "proto/cert.h"

static int keep_last(const uint8_t *cert, size_t len, void *arg)
{
	struct cli_last_cert *lc = arg;

	if (len <= sizeof(lc->buf)) {
		memcpy(lc->buf, cert, len);
		lc->len = len;
	}
	return 0;
}

/* The certificate of key itself (the last of its chain), decoded into a copy that c views. */
int cli_cert_of(struct store *s, const uint8_t key[PK_PUB_BYTES], struct cli_last_cert *lc,
                struct pk_cert *c)
{
	int err;

	lc->len = 0;
	if ((err = store_chain_get(s, key, keep_last, lc)) != 0)
		return err;
	if (lc->len == 0)
		return PK_ECERT;
	return pk_cert_decode(lc->buf, lc->len, c, NULL);
}

/* The link to the parent as pokjad measured it (SPEC section 16, "Units"), and how long the
 * bytes behind take at that rate: the plaintext bytes over the compression ratio over the
 * throughput up. 0 (unknown) when the throughput up was not measured. */
uint64_t status_catch_up_s(const struct store_peer *p, uint64_t behind)
{
	double wire;

	if (!p->link_known || p->up_bps == 0)
		return 0;
	wire = (double)behind * 1000.0 / (double)(p->ratio_milli >= 1000 ? p->ratio_milli : 1000);
	return (uint64_t)(wire / (double)p->up_bps) + (behind > 0 ? 1 : 0);
}

json_t *status_link_json(const struct store_peer *p, uint64_t behind)
{
	if (!p->link_known)
		return json_null();
	return json_pack(
	    "{s:I, s:o, s:o, s:f, s:I, s:o}", "rtt_ms", (json_int_t)p->rtt_ms, "up_bytes_per_s",
	    p->up_bps ? json_integer((json_int_t)p->up_bps) : json_null(), "down_bytes_per_s",
	    p->down_bps ? json_integer((json_int_t)p->down_bps) : json_null(), "compression_ratio",
	    (double)p->ratio_milli / 1000.0, "bytes_behind", (json_int_t)behind, "catch_up_s",
	    p->up_bps ? json_integer((json_int_t)status_catch_up_s(p, behind)) : json_null());
}

/* A peer's name and region, from its certificate (the national node has none). */
void status_peer_label(struct store *s, const uint8_t *key, char *name, size_t nn, char *region,
                       size_t rn)
{
	struct cli_last_cert lc;
	struct pk_cert c;

	if (cli_cert_of(s, key, &lc, &c) == 0) {
		snprintf(name, nn, "%s", c.info.name);
		snprintf(region, rn, "%s", c.info.region);
	} else {
		snprintf(name, nn, "%s", "Nasional");
		snprintf(region, rn, "%s", "");
	}
}

/* Free space below this on the device holding the store counts as full: a write transaction
 * grows the data file by a few pages at a time, and one import can need much more. */
#define DISK_LOW_BYTES ((uint64_t)1 << 20)

/*
 * The free space of the device holding the store (statvfs: what an unprivileged writer such as
 * pokjad may still use), as "disk_free_bytes" and "disk_full" in j, or as a "disk:" line and,
 * when (nearly) full or when the last write to the store failed for lack of room (its mark,
 * STORE_FULL_MARK), the same sentence a failed write gives. The mark's time is
 * "disk_full_at" (null without a mark).
 */
void status_disk(struct store *s, json_t *j)
{
	const char *dir = store_path(s);
	char when[32] = "";
	struct pk_diag d;
	struct statvfs v;
	uint64_t free_b = 0;
	time_t at;
	bool known, marked, full;

	marked = store_full_since(s, &at);
	if (marked)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
	known = statvfs(dir, &v) == 0;
	if (known)
		free_b = (uint64_t)v.f_bavail * v.f_frsize;
	full = marked || (known && free_b < DISK_LOW_BYTES);
	pk_diag_nospace(&d, dir);
	if (j != NULL) {
		json_object_set_new(j, "disk_free_bytes",
		                    known ? json_integer((json_int_t)free_b) : json_null());
		json_object_set_new(j, "disk_full", json_boolean(full));
		json_object_set_new(j, "disk_full_at", marked ? json_string(when) : json_null());
		if (full)
			json_object_set_new(j, "disk_warning", json_string(d.msg));
		return;
	}
	if (!known)
		printf(_("disk:      free space unknown (%s: %s)\n"), dir, strerror(errno));
	else if (free_b >= (uint64_t)10 << 30)
		printf(_("disk:      %llu GiB free on the device holding %s\n"),
		       (unsigned long long)(free_b >> 30), dir);
	else
		printf(_("disk:      %.1f MiB free on the device holding %s\n"),
		       (double)free_b / (1 << 20), dir);
	if (full)
		printf(_("DISK FULL: %s\n"), d.msg);
	if (marked)
		printf(_("           (a write failed for lack of room at %s; the next write that "
		         "succeeds clears this)\n"),
		       when);
}

struct status_json_ctx {
	struct store *s;
	uint64_t behind;
	json_t *parent, *children, *refused, *forked;
};

static int peer_json(const struct store_peer *p, void *arg)
{
	struct status_json_ctx *x = arg;
	char key[2 * PK_PUB_BYTES + 1], name[PK_NAME_MAX + 1], region[PK_REGION_MAX + 1];
	json_t *j;

	cli_key_hex(key, p->key);
	status_peer_label(x->s, p->key, name, sizeof(name), region, sizeof(region));
	j = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "key", key, "name",
	              name, "region", region, "connected", p->connected, "last_contact",
	              (json_int_t)p->last_contact, "lag_up", (json_int_t)p->lag_up, "lag_down",
	              (json_int_t)p->lag_down, "refused", (json_int_t)p->refused, "held",
	              (json_int_t)p->held, "clock_skew",
	              p->skew_known ? json_integer(p->skew) : json_null());
	if (strcmp(p->role, "parent") == 0) {
		json_object_set_new(j, "link", status_link_json(p, x->behind));
		json_decref(x->parent);
		x->parent = j;
	} else {
		json_array_append_new(x->children, j);
	}
	return 0;
}

static int refused_json(const char *tag, uint64_t count, void *arg)
{
	struct status_json_ctx *x = arg;

	json_object_set_new(x->refused, tag, json_integer((json_int_t)count));
	return 0;
}

static int forked_json(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg)
{
	struct status_json_ctx *x = arg;
	char key[2 * PK_PUB_BYTES + 1];

	cli_key_hex(key, origin);
	json_array_append_new(x->forked,
	                      json_pack("{s:s, s:I}", "origin", key, "seq", (json_int_t)seq));
	return 0;
}

int status_json(struct store *s, const struct store_node *node, json_t **out)
{
	struct status_json_ctx x = {.s = s};
	uint64_t held = 0, held_first = 0, unacked = 0, unacked_bytes = 0;
	bool has_parent = false;
	json_t *j;
	int err;

	*out = NULL;
	if ((err = health_unacked(s, node->pub, &has_parent, &unacked, &unacked_bytes)) != 0)
		return err;
	x.behind = unacked_bytes;
	x.children = json_array();
	x.refused = json_object();
	x.forked = json_array();
	if ((err = store_peer_list(s, peer_json, &x)) >= 0 &&
	    (err = store_refusals(s, refused_json, &x)) >= 0 &&
	    (err = store_forks(s, forked_json, &x)) >= 0)
		err = store_held_stats(s, &held, &held_first);
	j = cli_node_json(node);
	if (err < 0 || j == NULL) {
		json_decref(x.parent);
		json_decref(x.children);
		json_decref(x.refused);
		json_decref(x.forked);
		json_decref(j);
		return err < 0 ? err : PK_ENOMEM;
	}
	json_object_set_new(j, "unacked",
	                    has_parent ? json_integer((json_int_t)unacked) : json_null());
	json_object_set_new(j, "unacked_bytes",
	                    has_parent ? json_integer((json_int_t)unacked_bytes) : json_null());
	cli_show_writes(s, j);
	status_disk(s, j);
	json_object_set_new(
	    j, "held",
	    json_pack("{s:I, s:o}", "count", (json_int_t)held, "first_ms",
	              held > 0 ? json_integer((json_int_t)held_first) : json_null()));
	json_object_set_new(j, "parent", x.parent ? x.parent : json_null());
	json_object_set_new(j, "children", x.children);
	json_object_set_new(j, "refused", x.refused);
	json_object_set_new(j, "forked", x.forked);
	*out = j;
	return 0;
}
