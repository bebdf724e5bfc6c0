/*
 * sync_peers.c: what this node knows of each peer (contact, lags, clock skew, refusals), kept in
 * memory under the sync's lock and written to the store for `pokjactl status` by the watcher.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync_int.h"

/* ---- peers --------------------------------------------------------------------------------- */

/* Marks a peer to be written at the watcher's next flush. Call with sy->lock held. */
static void mark_dirty(struct sync *sy, struct peer *p)
{
	if (!p->dirty)
		sy_watch_peers(sy);
	p->dirty = true;
}

/* The in-memory record of a peer, created on first use. Call with sy->lock held. */
static struct peer *peer_get(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role)
{
	struct peer *np;

	for (size_t i = 0; i < sy->npeers; i++)
		if (memcmp(sy->peers[i].p.key, key, PK_PUB_BYTES) == 0)
			return &sy->peers[i];
	np = realloc(sy->peers, (sy->npeers + 1) * sizeof(*np));
	if (np == NULL)
		return NULL;
	sy->peers = np;
	np = &sy->peers[sy->npeers++];
	memset(np, 0, sizeof(*np));
	memcpy(np->p.key, key, PK_PUB_BYTES);
	snprintf(np->p.role, sizeof(np->p.role), "%s", role);
	return np;
}

/* Notes contact with a peer and, when given, its lags. */
/* Whether a figure moved by a tenth or more. */
static bool moved(uint64_t before, uint64_t now)
{
	uint64_t d = before > now ? before - now : now - before;

	return d * 10 > before;
}

void sy_peer_seen(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
                  const int64_t *lag_up, const int64_t *lag_down, uint64_t refused)
{
	struct store_peer before;
	struct peer *p;

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, role)) != NULL) {
		before = p->p;
		p->p.connected = true;
		p->p.last_contact = now_ms() / 1000;
		p->last_ms = mono_ms();
		if (lag_up != NULL)
			p->p.lag_up = (uint64_t)(*lag_up > 0 ? *lag_up : 0);
		if (lag_down != NULL)
			p->p.lag_down = (uint64_t)(*lag_down > 0 ? *lag_down : 0);
		p->p.refused += refused;
		/* Written when something an operator reads changed, and the contact time alone at
		 * most every PEER_CONTACT_MS: each write is a commit that wakes every waiting loop.
		 */
		if (!before.connected || before.lag_up != p->p.lag_up ||
		    before.lag_down != p->p.lag_down || before.refused != p->p.refused ||
		    p->last_ms - p->written_ms >= PEER_CONTACT_MS)
			mark_dirty(sy, p);
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Notes a peer's clock as read at a handshake: its clock minus ours, seconds (SPEC section 4),
 * and how many of our changesets it holds for their time. The skew is written at once: the
 * write rule (store_write) reads it. */
void sy_peer_clock(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
                   const int64_t *skew, uint64_t held)
{
	uint64_t bound = sy->cfg->max_clock_skew_ms / 1000;
	struct peer *p;

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, role)) != NULL) {
		if (skew != NULL) {
			if (!p->p.skew_known || p->p.skew != *skew)
				mark_dirty(sy, p);
			p->p.skew_known = true;
			p->p.skew = *skew;
			p->p.skew_at = now_ms() / 1000;
			p->written_ms = 0; /* a new skew is written at the next flush */
			sy_watch_peers(sy);
			if (*skew > (int64_t)bound || *skew < -(int64_t)bound) {
				char k[17];

				short_key(k, key);
				log_warnx("clock-skew",
				          "the clock of %s %s is %lld s %s this node's: this "
				          "node's writes may be refused until one is set right",
				          role, k, (long long)(*skew < 0 ? -*skew : *skew),
				          *skew < 0 ? "behind" : "ahead of");
			}
		}
		if (held > 0) {
			p->p.held += held;
			mark_dirty(sy, p);
		}
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Whether the parent's clock, as last read, is off from ours by more than the bound: the child
 * then opens a new session at each heads exchange, so that a clock set right is seen soon. */
bool sy_parent_skewed(struct sync *sy)
{
	int64_t bound = (int64_t)(sy->cfg->max_clock_skew_ms / 1000);
	bool off = false;

	pthread_mutex_lock(&sy->lock);
	for (size_t i = 0; i < sy->npeers; i++)
		if (memcmp(sy->peers[i].p.key, sy->parent, PK_PUB_BYTES) == 0)
			off = sy->peers[i].p.skew_known &&
			      (sy->peers[i].p.skew > bound || sy->peers[i].p.skew < -bound);
	pthread_mutex_unlock(&sy->lock);
	return off;
}

void sy_peer_lost(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role)
{
	struct peer *p;

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, role)) != NULL && p->p.connected) {
		p->p.connected = false;
		mark_dirty(sy, p);
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Writes changed peers to the store, at most once a second each (all of them at once when
 * final); marks a peer that has not been heard from for a long poll and [health] heartbeat as
 * disconnected. Called by the watcher; returns when it is next due (sync_int.h). */
uint64_t sy_peers_flush(struct sync *sy, bool final)
{
	struct store_peer changed[32];
	size_t n = 0;
	/* A live child is silent for at most a long poll ([sync] poll_wait); a closed connection
	 * is noticed at once (sy_child_pipe_gone), this is for one that went silent. */
	uint64_t t, quiet = (uint64_t)sy->cfg->poll_wait_ms + sy->cfg->heartbeat_ms;
	uint64_t next = UINT64_MAX;

	pthread_mutex_lock(&sy->lock);
	t = mono_ms(); /* under the lock: no peer's last_ms is later */
	for (size_t i = 0; i < sy->npeers; i++) {
		struct peer *p = &sy->peers[i];
		if (p->p.connected && t - p->last_ms > quiet) {
			p->p.connected = false;
			p->dirty = true;
		}
		if (p->dirty && (final || t - p->written_ms >= PEER_WRITE_MS)) {
			if (n == 32) {
				next = 0; /* the rest at once, after these are written */
				continue;
			}
			changed[n++] = p->p;
			p->dirty = false;
			p->written_ms = t;
		} else if (p->dirty && p->written_ms + PEER_WRITE_MS < next) {
			next = p->written_ms + PEER_WRITE_MS;
		}
		if (p->p.connected && p->last_ms + quiet + 1 < next)
			next = p->last_ms + quiet + 1;
	}
	pthread_mutex_unlock(&sy->lock);
	for (size_t i = 0; i < n; i++)
		store_peer_put(sy->s, &changed[i]);
	return next;
}

struct stale {
	struct store_peer *p;
	size_t n, cap;
};

static int stale_visit(const struct store_peer *p, void *arg)
{
	struct stale *st = arg;
	struct store_peer *np;

	if (!p->connected)
		return 0;
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		if ((np = realloc(st->p, st->cap * sizeof(*np))) == NULL)
			return 1;
		st->p = np;
	}
	st->p[st->n] = *p;
	st->p[st->n++].connected = false;
	return 0;
}

void sy_peers_reset(struct sync *sy)
{
	struct stale st = {NULL, 0, 0};

	store_peer_list(sy->s, stale_visit, &st);
	for (size_t i = 0; i < st.n; i++)
		store_peer_put(sy->s, &st.p[i]);
	free(st.p);
}

void sy_peer_link(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const struct linkest *e)
{
	struct peer *p;
	uint64_t rtt = (uint64_t)(e->rtt_ms + 0.5), up = (uint64_t)e->up_bps,
	         down = (uint64_t)e->down_bps, ratio = (uint64_t)(e->ratio_up * 1000);

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, "parent")) != NULL) {
		/* Written (at the next flush) when a figure moved by a tenth or more. */
		if (!p->p.link_known || moved(p->p.rtt_ms, rtt) || moved(p->p.up_bps, up) ||
		    moved(p->p.down_bps, down) || moved(p->p.ratio_milli, ratio))
			mark_dirty(sy, p);
		p->p.link_known = true;
		p->p.rtt_ms = rtt;
		p->p.up_bps = up;
		p->p.down_bps = down;
		p->p.ratio_milli = ratio;
	}
	pthread_mutex_unlock(&sy->lock);
}
