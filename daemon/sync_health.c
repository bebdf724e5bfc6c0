/*
 * sync_health.c: pokjad's health record (collection kesehatan_node, SPEC section 20). The
 * watcher calls sy_health_tick at each [health] heartbeat and after the store changed (at most
 * once a second; a peer's change of state is a commit of its peer entry); it writes the record
 * through store_write, as a changeset of this node that travels up like any other, when the
 * state an operator acts on changed (a link came or went, new refusals, a fork, the disk filled or
 * emptied) and at least a minute (or [health] interval, when shorter) passed since the last one,
 * and otherwise every [health] interval as a keepalive.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "log.h"
#include "proto/cert.h"
#include "proto/hlc.h"
#include "sync_int.h"

#define HEALTH_MIN_GAP_MS 60000 /* at most one record a minute for changes of state */

/* The peer's region, from the certificate held for it ("" when none: the national node). */
static void peer_region(struct store *s, const uint8_t key[PK_PUB_BYTES], char *out, size_t cap)
{
	uint8_t buf[PK_CERT_MAX_BYTES];
	struct pk_cert c;
	size_t len = 0;

	out[0] = '\0';
	if (store_cert_get(s, key, buf, &len) == 0 && pk_cert_decode(buf, len, &c, NULL) == 0)
		snprintf(out, cap, "%s", c.info.region);
}

/* FNV-1a over the bytes of the state whose change is published at once. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

bool sy_clock_read(struct sync *sy)
{
	bool has_parent = sy->cfg->parent_url[0] != '\0', clocked = false;

	pthread_mutex_lock(&sy->lock);
	for (size_t i = 0; i < sy->npeers && !clocked; i++) {
		const struct peer *p = &sy->peers[i];

		clocked = p->p.skew_known && !p->dirty &&
		          (!has_parent || strcmp(p->p.role, "parent") == 0);
	}
	pthread_mutex_unlock(&sy->lock);
	return clocked;
}

bool sy_log_ahead(struct sync *sy)
{
	struct store_head own;

	return store_head_get(sy->s, sy->pub, &own) == 0 && own.seq > 0 &&
	       pk_hlc_ms(own.hlc) > now_ms() + sy->cfg->max_clock_skew_ms;
}

/* Returns the signature of the state whose change is published at once (which links are
 * connected, refusals, forks, disk full) and, with links, fills h's links from the peers pokjad
 * knows (a certificate read each). *clocked: sy_clock_read. */
static uint64_t collect(struct sync *sy, struct health *h, bool links, bool *clocked)
{
	struct store_peer *ps = NULL;
	uint64_t sig = 0xcbf29ce484222325ULL;
	size_t n = 0;

	*clocked = sy_clock_read(sy);
	pthread_mutex_lock(&sy->lock);
	if (sy->npeers > 0 && (ps = malloc(sy->npeers * sizeof(*ps))) != NULL)
		for (n = 0; n < sy->npeers; n++)
			ps[n] = sy->peers[n].p;
	pthread_mutex_unlock(&sy->lock);
	h->nlinks = 0;
	h->lag_up = h->lag_down = 0;
	for (size_t i = 0; i < n && h->nlinks < HEALTH_LINKS_MAX; i++) {
		struct health_link *l = &h->links[h->nlinks++];

		l->parent = strcmp(ps[i].role, "parent") == 0;
		if (links)
			peer_region(sy->s, ps[i].key, l->region, sizeof(l->region));
		short_key(l->key, ps[i].key);
		l->connected = ps[i].connected;
		l->last_contact = ps[i].last_contact;
		l->lag_up = ps[i].lag_up;
		l->lag_down = ps[i].lag_down;
		if (l->parent) {
			h->lag_up = l->lag_up;
			h->lag_down = l->lag_down;
		}
		sig = fnv(sig, ps[i].key, PK_PUB_BYTES);
		sig = fnv(sig, &l->connected, sizeof(l->connected));
	}
	free(ps);
	sig = fnv(sig, &h->refused, sizeof(h->refused));
	sig = fnv(sig, &h->forks, sizeof(h->forks));
	sig = fnv(sig, &h->disk_full, sizeof(h->disk_full));
	return sig;
}

/* Writes the record; returns 0 or the error (logged). */
static int publish(struct sync *sy, struct health *h)
{
	struct store_node node;
	struct store_written w;
	struct pk_diag d = {""};
	uint8_t *value = NULL;
	struct pk_op op;
	size_t len;
	int err;

	if ((err = store_node_get(sy->s, &node)) != 0)
		goto out;
	h->written = now_ms() / 1000;
	if ((err = health_encode(h, &value, &len)) != 0)
		goto out;
	pk_op_set(&op, HEALTH_COLL, node.region, health_key(node.region), value, len);
	err = store_write(sy->s, sy->sec, &op, 1, now_ms(), &w, NULL, NULL, &d);
out:
	/* Writes held after a restore, or refused while this node's clock is off: each has its
	 * own warning already. */
	if (err == PK_ESTATE || err == PK_ECLOCK)
		log_debug("health-write", "health record not written: %s", d.msg);
	else if (err != 0)
		log_warnx("health-write", "cannot write this node's health record: %s",
		          d.msg[0] ? d.msg : pk_strerror(err));
	free(value);
	return err;
}

uint64_t sy_health_tick(struct sync *sy)
{
	uint64_t t = mono_ms(), interval = sy->cfg->health_interval_ms;
	uint64_t gap = interval < HEALTH_MIN_GAP_MS ? interval : HEALTH_MIN_GAP_MS;
	uint64_t next = UINT64_MAX; /* unknown: the next heartbeat or change */
	struct health *h;
	uint64_t sig;
	bool due, clocked;

	/* The health is about 10 KiB with its links: too big for the watcher's stack budget. */
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return next;
	if (health_state(sy->s, h) != 0)
		goto out;
	sig = collect(sy, h, false, &clocked);
	/* The first record waits until a peer's clock has been read, so that a node whose clock
	 * is wrong is refused its write instead of sending a record stamped ahead, which every
	 * ancestor would hold for its time; a node that meets no peer writes after an interval. */
	/* (sy->dialing and sy->serving are set after the watcher starts: the config says it.) */
	if (sy->health_at == 0 && !clocked &&
	    (sy->cfg->parent_url[0] != '\0' || sy->cfg->listen[0] != '\0') &&
	    t - sy->started_mono < interval) {
		next = sy->started_mono + interval;
		goto out;
	}
	due = sy->health_at == 0 || t - sy->health_at >= interval ||
	      (sig != sy->health_sig && t - sy->health_at >= gap);
	if (!due) {
		next = sy->health_at + (sig != sy->health_sig ? gap : interval);
		goto out;
	}
	/* While this node's own log is stamped ahead of its clock (it wrote while its clock was
	 * wrong), each new changeset carries that time on, and would be held by its ancestors
	 * too: a health record is worth writing only when it can be read at once. */
	if (sy_log_ahead(sy)) {
		log_debug("health-write", "health record not written: this node's log is stamped "
		                          "ahead of its clock");
		sy->health_at = t;
		next = t + interval;
		goto out;
	}
	/* Due: now the parts that cost more, the links' regions and what is unacknowledged. */
	if (health_local(sy->s, sy->pub, h) != 0)
		goto out;
	sig = collect(sy, h, true, &clocked);
	snprintf(h->version, sizeof(h->version), "%s", PK_VERSION);
	h->started = sy->started;
	/* A failed write is tried again at the next change or keepalive, not every second. */
	publish(sy, h);
	sy->health_at = t;
	sy->health_sig = sig;
	next = t + interval;
out:
	free(h);
	return next;
}
