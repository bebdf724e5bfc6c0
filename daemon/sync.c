/* sync.c: replication over nng (see sync.h; protocol in proto/SPEC.md Part II). */
#include "sync.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certify.h"
#include "gate.h"
#include "ingest.h"
#include "log.h"
#include "node.h"
#include "outbox.h"
#include "proto/enroll.h"
#include "proto/session.h"

#define SESSIONS_MAX 512         /* sessions a parent keeps, all children together */
#define SESSIONS_PER_CHILD 4     /* established sessions per child (SPEC section 15) */
#define PENDING_MS 30000         /* a welcome not followed by a request is dropped */
#define IDLE_MS (10 * 60 * 1000) /* a session without requests ends */
#define CALL_TIMEOUT_MS 30000    /* a request that is not a long poll */
#define HEADS_EVERY_MS 30000     /* the child re-exchanges heads this often */
#define PEER_WRITE_MS 1000       /* peer status is written to the store at most this often */
#define PEER_CONTACT_MS 30000    /* ... and for a new contact time alone, this often */
#define HELD_RECHECK_MS 60000    /* the longest wait between two looks at held changesets */
#define WORKER_STACK (256 * 1024)
#define REDIAL_MAX_MS 5000 /* longest wait between two dials of the parent */
#define PATH_MAX_KEYS (PK_CHAIN_MAX + 1)
/* nng counts its REQ/REP header (a 4-byte request id per hop) against NNG_OPT_RECVMAXSZ, so the
 * limit leaves room for it above the largest message body the protocol allows. */
#define NNG_HEADER_ROOM 1024

struct worker;

/* A parent's session with one child. */
struct srv_session {
	bool used, established, join;
	uint8_t child[PK_PUB_BYTES];
	uint8_t secret[PK_JOIN_SECRET_BYTES]; /* the invite's, for a join session */
	char region[PK_REGION_MAX + 1];       /* the invite's region, for a join session */
	uint64_t created_ms, last_ms;
	struct pk_session ps;
};

/* What this node knows of a peer, written to the store for `pokjactl status`. */
struct peer {
	struct store_peer p;
	uint64_t last_ms, written_ms;
	bool dirty;
};

struct sync {
	struct store *s;
	const struct config *cfg;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	atomic_bool stopping;
	atomic_bool closed; /* the sockets are closed (sync_stop) */
	atomic_int live;    /* our threads still running, besides the watcher */

	/* The watcher: every commit to the store bumps gen and wakes whoever waits on changed. */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t gen;
	pthread_t watcher;

	/* Peers, under lock. */
	struct peer *peers;
	size_t npeers;

	/* Serving children. */
	bool serving;
	nng_socket rep;
	struct gate *gate; /* owns a tcp:// listen port; nng listens on an internal socket */
	struct worker *workers;
	int nworkers;
	pthread_mutex_t slock; /* the session table */
	struct srv_session *sessions;

	/* Talking to the parent. */
	bool dialing;
	nng_socket req;
	uint8_t parent[PK_PUB_BYTES];
	pthread_t up, down;
	atomic_uint link_ups;   /* connections made to the parent: a back-off ends at the next */
	atomic_uint link_downs; /* connections to the parent lost (roundtrip) */
	nng_aio *up_aio, *down_aio; /* in flight to the parent; cancelled when its link drops */
	pthread_mutex_t clock;      /* the client session */
	struct pk_session cs;
	bool have_cs;
	uint64_t cs_epoch;
};

static uint64_t now_ms(void)
{
	return node_now_ms();
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void short_key(char out[17], const uint8_t *key)
{
	pk_hex(out, key, 8);
}

/* ---- peers --------------------------------------------------------------------------------- */

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
static void peer_seen(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
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
			p->dirty = true;
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Notes a peer's clock as read at a handshake: its clock minus ours, seconds (SPEC section 4),
 * and how many of our changesets it holds for their time. The skew is written at once: the
 * write rule (store_write) reads it. */
static void peer_clock(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
                       const int64_t *skew, uint64_t held)
{
	uint64_t bound = sy->cfg->max_clock_skew_ms / 1000;
	struct peer *p;

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, role)) != NULL) {
		if (skew != NULL) {
			if (!p->p.skew_known || p->p.skew != *skew)
				p->dirty = true;
			p->p.skew_known = true;
			p->p.skew = *skew;
			p->p.skew_at = now_ms() / 1000;
			p->written_ms = 0; /* a new skew is written at the next flush */
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
			p->dirty = true;
		}
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Whether the parent's clock, as last read, is off from ours by more than the bound: the child
 * then opens a new session at each heads exchange, so that a clock set right is seen soon. */
static bool parent_skewed(struct sync *sy)
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

static void peer_lost(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role)
{
	struct peer *p;

	pthread_mutex_lock(&sy->lock);
	if ((p = peer_get(sy, key, role)) != NULL && p->p.connected) {
		p->p.connected = false;
		p->dirty = true;
	}
	pthread_mutex_unlock(&sy->lock);
}

/* Writes changed peers to the store, at most once a second each; marks a child that has not
 * been heard from for two poll periods as disconnected. Called by the watcher. */
static void peers_flush(struct sync *sy)
{
	struct store_peer changed[32];
	size_t n = 0;
	uint64_t t = mono_ms(), quiet = 2 * (uint64_t)sy->cfg->poll_wait_ms + 5000;

	pthread_mutex_lock(&sy->lock);
	for (size_t i = 0; i < sy->npeers && n < 32; i++) {
		struct peer *p = &sy->peers[i];
		if (p->p.connected && t - p->last_ms > quiet) {
			p->p.connected = false;
			p->dirty = true;
		}
		if (p->dirty && t - p->written_ms >= PEER_WRITE_MS) {
			changed[n++] = p->p;
			p->dirty = false;
			p->written_ms = t;
		}
	}
	pthread_mutex_unlock(&sy->lock);
	for (size_t i = 0; i < n; i++)
		store_peer_put(sy->s, &changed[i]);
}

/* ---- the watcher ------------------------------------------------------------------------ */

/* Wakes every loop waiting in wait_change: the store changed, or a new session with the parent
 * opened (the uplink then re-learns where the parent stands). */
static void wake(struct sync *sy)
{
	pthread_mutex_lock(&sy->lock);
	sy->gen++;
	pthread_cond_broadcast(&sy->changed);
	pthread_mutex_unlock(&sy->lock);
}

static uint64_t session_epoch(struct sync *sy)
{
	uint64_t e;

	pthread_mutex_lock(&sy->clock);
	e = sy->cs_epoch;
	pthread_mutex_unlock(&sy->clock);
	return e;
}

static void held_told(const uint8_t *raw, size_t len, const struct store_outcome *o, void *arg)
{
	struct pk_changeset cs;
	char k[17] = "?";

	(void)arg;
	if (pk_cs_decode(raw, len, &cs, NULL) == 0)
		short_key(k, cs.origin);
	if (o->err == 0)
		log_info("held-applied", "origin %s seq %llu: its time has come; applied", k,
		         (unsigned long long)cs.seq);
	else if (o->err != PK_EEXIST && o->err != PK_EHELD)
		log_warnx("held-refused", "origin %s seq %llu: %s: %s", k,
		          (unsigned long long)cs.seq, pk_errtag(o->err), o->why.msg);
}

/* Applies the held changesets that are due; returns when to look again (0: when one is held;
 * the watcher then looks every HELD_RECHECK_MS, since a push may hold a new one). */
static uint64_t held_release(struct sync *sy)
{
	uint64_t next = 0;
	int err;

	if ((err = store_held_release(sy->s, now_ms(), held_told, NULL, &next)) != 0)
		log_error("held-failed", "cannot apply held changesets: %s", pk_strerror(err));
	if (err != 0 || next == 0 || next > now_ms() + HELD_RECHECK_MS)
		return now_ms() + HELD_RECHECK_MS;
	return next;
}

static void *watch(void *arg)
{
	struct sync *sy = arg;
	struct timespec ts = {0, SYNC_WATCH_MS * 1000000L};
	uint64_t seen = store_generation(sy->s), g, ticks = 0, release_at = 1;

	while (!atomic_load(&sy->stopping)) {
		/* Held changesets (SPEC section 8): at start, then at the earliest one's time. */
		if (release_at != 0 && now_ms() >= release_at)
			release_at = held_release(sy);
		nanosleep(&ts, NULL);
		g = store_generation(sy->s);
		if (g != seen) {
			seen = g;
			wake(sy);
		}
		if (++ticks % (1000 / SYNC_WATCH_MS) == 0)
			peers_flush(sy);
	}
	peers_flush(sy);
	return NULL;
}

/* Waits until the store changes after generation `since`, stop, or ms pass. Returns the
 * current generation. */
static uint64_t wait_change(struct sync *sy, uint64_t since, uint64_t ms)
{
	struct timespec dl;
	uint64_t g;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += (time_t)(ms / 1000);
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sy->lock);
	while (sy->gen == since && !atomic_load(&sy->stopping))
		if (pthread_cond_timedwait(&sy->changed, &sy->lock, &dl) == ETIMEDOUT)
			break;
	g = sy->gen;
	pthread_mutex_unlock(&sy->lock);
	return g;
}

static uint64_t generation(struct sync *sy)
{
	uint64_t g;

	pthread_mutex_lock(&sy->lock);
	g = sy->gen;
	pthread_mutex_unlock(&sy->lock);
	return g;
}

/* ---- heads ---------------------------------------------------------------------------------- */

/*
 * Every head list of a message comes in strictly ascending origin order (pk_sync_decode refuses
 * others), so a set is built from it in one pass (pk_heads_from_list) and each head is then
 * looked up by binary search: O(log n) per head of a message, never a memmove per head.
 */

struct heads_filter {
	struct sync *sy;
	struct pk_heads *out;
	uint8_t (*path)[PK_PUB_BYTES]; /* NULL: every origin */
	int n;
};

static int heads_visit(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct heads_filter *f = arg;

	if (f->path != NULL && !store_in_lineage(f->sy->s, f->path, f->n, origin))
		return 0;
	return pk_heads_set(f->out, origin, h->seq) != 0 ? -1 : 0;
}

/* This node's heads, all of them or those in the lineage of the node with the given path. */
static int my_heads(struct sync *sy, uint8_t (*path)[PK_PUB_BYTES], int n, struct pk_heads *out)
{
	struct heads_filter f = {sy, out, path, n};
	int r = store_heads(sy->s, heads_visit, &f);

	return r < 0 ? r : 0;
}

/* ---- batches of changesets ------------------------------------------------------------------ */

struct batch {
	struct pk_blob *b;
	size_t n, cap, bytes, budget, max;
	bool full;
};

static void batch_free(struct batch *bt)
{
	for (size_t i = 0; i < bt->n; i++)
		free((void *)bt->b[i].p);
	free(bt->b);
	memset(bt, 0, sizeof(*bt));
}

static int batch_take(const uint8_t *raw, size_t len, void *arg)
{
	struct batch *bt = arg;
	struct pk_blob *nb;
	uint8_t *copy;

	if (bt->n >= bt->max || (bt->n > 0 && bt->bytes + len > bt->budget)) {
		bt->full = true;
		return 1;
	}
	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 64;
		if ((nb = realloc(bt->b, cap * sizeof(*nb))) == NULL)
			return -1;
		bt->b = nb;
		bt->cap = cap;
	}
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, raw, len);
	bt->b[bt->n].p = copy;
	bt->b[bt->n].len = len;
	bt->n++;
	bt->bytes += len;
	return 0;
}

struct fill {
	struct sync *sy;
	struct batch *bt;
};

static int fill_take(const struct outbox_pick *pk, void *arg)
{
	struct fill *f = arg;

	if (f->bt->full)
		return 1;
	store_log_after(f->sy->s, pk->origin, pk->after, f->bt->budget, f->bt->max, batch_take,
	                f->bt);
	return 0;
}

/*
 * Adds to bt the changesets this node holds beyond `theirs` that the peer may receive (outbox.h).
 * Each origin's changesets come in sequence. Returns the total lag (changesets the other side
 * lacks, whether or not they fit).
 */
static uint64_t batch_fill(struct sync *sy, const struct pk_heads *mine,
                           const struct pk_heads *theirs, const struct outbox_peer *peer,
                           struct batch *bt)
{
	struct fill f = {sy, bt};

	return outbox_plan(sy->s, peer, mine, theirs, fill_take, &f);
}

/* ---- serving children -------------------------------------------------------------------- */

/* The request being served: who sent it and what this node knows of them. */
struct served {
	struct sync *sy;
	uint8_t child[PK_PUB_BYTES];
	uint8_t path[PATH_MAX_KEYS][PK_PUB_BYTES];
	int n;
	char name[17];
	bool join;
	uint8_t secret[PK_JOIN_SECRET_BYTES];
	char region[PK_REGION_MAX + 1];
};

static int reply_error(const char *code, const char *text, uint8_t **out, size_t *len)
{
	return pk_errmsg_make(code, text, out, len);
}

static void session_drop_expired(struct sync *sy, uint64_t t)
{
	for (int i = 0; i < SESSIONS_MAX; i++) {
		struct srv_session *ss = &sy->sessions[i];
		if (!ss->used)
			continue;
		if ((!ss->established && t - ss->created_ms > PENDING_MS) ||
		    t - ss->last_ms > IDLE_MS) {
			pk_session_wipe(&ss->ps);
			memset(ss, 0, sizeof(*ss));
		}
	}
}

/* A slot for a new session of child: a free one, else this child's oldest pending, else its
 * oldest established beyond the per-child limit, else the oldest of all. Call with slock. */
static struct srv_session *session_slot(struct sync *sy, const uint8_t child[PK_PUB_BYTES])
{
	struct srv_session *free_slot = NULL, *oldest_pending = NULL, *oldest_est = NULL;
	struct srv_session *oldest = NULL;
	int established = 0;

	for (int i = 0; i < SESSIONS_MAX; i++) {
		struct srv_session *ss = &sy->sessions[i];
		if (!ss->used) {
			if (free_slot == NULL)
				free_slot = ss;
			continue;
		}
		if (oldest == NULL || ss->last_ms < oldest->last_ms)
			oldest = ss;
		if (memcmp(ss->child, child, PK_PUB_BYTES) != 0)
			continue;
		if (!ss->established) {
			if (oldest_pending == NULL || ss->created_ms < oldest_pending->created_ms)
				oldest_pending = ss;
		} else {
			established++;
			if (oldest_est == NULL || ss->last_ms < oldest_est->last_ms)
				oldest_est = ss;
		}
	}
	if (established >= SESSIONS_PER_CHILD && oldest_est != NULL)
		return oldest_est;
	if (free_slot != NULL)
		return free_slot;
	return oldest_pending != NULL ? oldest_pending : oldest;
}

struct invite_match {
	const struct pk_hello *h;
	bool found;
	struct store_invite inv;
};

static int invite_visit(const struct store_invite *inv, void *arg)
{
	struct invite_match *m = arg;

	if (!pk_join_proof_ok(m->h, inv->secret))
		return 0;
	m->found = true;
	m->inv = *inv;
	return 1;
}

/* A child may open a session when its certificate was issued by this node and nothing on its
 * path is revoked. */
static int child_allowed(struct sync *sy, const uint8_t child[PK_PUB_BYTES], struct pk_diag *d)
{
	uint8_t path[PATH_MAX_KEYS][PK_PUB_BYTES];
	uint64_t since;
	int n = store_origin_path(sy->s, child, path);

	if (n < 2 || memcmp(path[n - 2], sy->pub, PK_PUB_BYTES) != 0)
		return pk_diagf(d, PK_ECERT, "not a child of this node");
	for (int i = 0; i < n; i++)
		if (store_revoked(sy->s, path[i], &since) == 0)
			return pk_diagf(d, PK_EREVOKED, "revoked");
	return 0;
}

static int serve_hello(struct sync *sy, const uint8_t *buf, size_t len, uint8_t **out,
                       size_t *outlen)
{
	struct invite_match m = {NULL, false, {{0}, "", "", 0, false}};
	struct srv_session *ss;
	struct pk_session ps;
	struct pk_hello h;
	struct pk_diag d = {""};
	char who[17];
	int err;

	if ((err = pk_hello_read(buf, len, sy->pub, now_ms() / 1000, &h, &d)) != 0) {
		log_warnx("hello-refused", "a hello: %s", d.msg);
		return reply_error(pk_errmsg_code(err), "hello refused", out, outlen);
	}
	short_key(who, h.child);
	if (h.has_join) {
		m.h = &h;
		store_invite_list(sy->s, now_ms() / 1000, invite_visit, &m);
		if (!m.found) {
			log_warnx("hello-refused", "%s: no live invite matches its join proof",
			          who);
			return reply_error("refused", "no such invite", out, outlen);
		}
	} else if ((err = child_allowed(sy, h.child, &d)) != 0) {
		log_warnx("hello-refused", "%s: %s", who, d.msg);
		return reply_error("refused", "not a child of this node", out, outlen);
	}
	if ((err = pk_welcome_make(&h, sy->sec, now_ms() / 1000, &ps, out, outlen)) != 0)
		return err;
	if (!h.has_join)
		peer_clock(sy, h.child, "child", &h.skew, 0);
	pthread_mutex_lock(&sy->slock);
	session_drop_expired(sy, mono_ms());
	ss = session_slot(sy, h.child);
	if (ss->used)
		pk_session_wipe(&ss->ps);
	memset(ss, 0, sizeof(*ss));
	ss->used = true;
	ss->join = h.has_join;
	memcpy(ss->child, h.child, PK_PUB_BYTES);
	if (h.has_join) {
		memcpy(ss->secret, m.inv.secret, sizeof(ss->secret));
		memcpy(ss->region, m.inv.region, sizeof(ss->region));
	}
	ss->created_ms = ss->last_ms = mono_ms();
	ss->ps = ps;
	pthread_mutex_unlock(&sy->slock);
	pk_session_wipe(&ps);
	log_debug("session", "%s: session opened%s", who, h.has_join ? " to join" : "");
	return 0;
}

static struct srv_session *session_find(struct sync *sy, const uint8_t id[PK_SESSION_ID_BYTES])
{
	for (int i = 0; i < SESSIONS_MAX; i++)
		if (sy->sessions[i].used &&
		    memcmp(sy->sessions[i].ps.id, id, PK_SESSION_ID_BYTES) == 0)
			return &sy->sessions[i];
	return NULL;
}

static int serve_heads(struct served *sv, const struct pk_sync_msg *m, uint8_t **out,
                       size_t *outlen)
{
	struct pk_heads mine = {0}, theirs = {0};
	int64_t lag_up = 0;
	int err;

	if ((err = my_heads(sv->sy, sv->path, sv->n, &mine)) == 0 &&
	    (err = store_heads_add_held(sv->sy->s, &mine)) == 0 &&
	    (err = pk_heads_from_list(&theirs, &m->heads)) == 0) {
		/* What the child holds of its subtree beyond this node: changesets to come up. */
		for (size_t i = 0; i < theirs.n; i++) {
			uint64_t have = pk_heads_find(&mine, theirs.h[i].origin);
			if (theirs.h[i].seq > have &&
			    store_in_subtree(sv->sy->s, sv->child, theirs.h[i].origin))
				lag_up += (int64_t)(theirs.h[i].seq - have);
		}
		peer_seen(sv->sy, sv->child, "child", &lag_up, NULL, 0);
		/* After a restore: what the child holds of this node's own log. Decisive for the
		 * national node only; a lower node's parent holds everything it sent up. */
		store_fence_note(sv->sy->s, pk_heads_find(&theirs, sv->sy->pub), !sv->sy->dialing);
		/* What the child holds, for `bundle create --for` it while it is offline. */
		store_peer_heads_put(sv->sy->s, sv->child, theirs.h, theirs.n,
		                     STORE_PEER_HEADS_ALL);
		err = pk_sync_heads_encode(mine.h, mine.n, out, outlen);
	}
	pk_heads_free(&mine);
	pk_heads_free(&theirs);
	return err;
}

/* The refusals (and held ones) of a push, for the reply, by index. */
struct push_refusals {
	struct pk_refusal ref[PK_SYNC_PUSH_MAX_CS];
	size_t n;
};

static void push_refused(const struct store_outcome *out, size_t n, uint64_t base, void *arg)
{
	struct push_refusals *pr = arg;

	for (size_t i = 0; i < n && pr->n < PK_SYNC_PUSH_MAX_CS; i++) {
		if (out[i].err == 0 || out[i].err == PK_EEXIST)
			continue;
		pr->ref[pr->n].index = (uint32_t)(base + i); /* "held" too: reported, not refused */
		pr->ref[pr->n++].reason = pk_errtag(out[i].err);
	}
}

/* A child's push goes in by ingest.c (SPEC section 16: only its subtree and this node's own
 * changesets may come up through it). */
static int serve_push(struct served *sv, const struct pk_sync_msg *m, uint8_t **out, size_t *outlen)
{
	struct sync *sy = sv->sy;
	struct push_refusals pr = {.n = 0};
	struct pk_heads acks = {0};
	const struct outbox_peer child = {.rule = OUTBOX_UP, .self = sv->child, .parent = sy->pub};
	const struct ingest_from from = {.name = sv->name,
	                                 .sender = &child,
	                                 .lineage_refuses = true,
	                                 .lineage_why = "origin outside the child's subtree",
	                                 .threads = (int)sy->cfg->verify_threads,
	                                 .now_ms = now_ms,
	                                 .batch = push_refused,
	                                 .arg = &pr};
	struct ingest_result r = {.acks = &acks};
	int64_t zero = 0;
	int err;

	if ((err = ingest_batch(sy->s, &from, &m->certs, &m->changesets, &r)) == 0) {
		peer_seen(sy, sv->child, "child", &zero, NULL, r.refused);
		err = pk_sync_pushed_encode(pr.ref, pr.n, acks.h, acks.n, out, outlen);
	}
	pk_heads_free(&acks);
	return err;
}

static int serve_pull(struct served *sv, const struct pk_sync_msg *m, uint8_t **out, size_t *outlen)
{
	struct sync *sy = sv->sy;
	struct pk_heads have = {0}, mine = {0};
	struct outbox_peer child = {.rule = OUTBOX_LINEAGE, .path = sv->path, .n = sv->n};
	struct batch bt = {0};
	uint64_t deadline = mono_ms() + m->wait_ms, gen, t;
	int64_t lag;
	int err;

	if ((err = pk_heads_from_list(&have, &m->heads)) != 0)
		goto out;
	for (;;) {
		gen = generation(sy);
		mine.n = 0;
		batch_free(&bt);
		bt.budget =
		    m->max_bytes < sy->cfg->batch_bytes ? m->max_bytes : sy->cfg->batch_bytes;
		bt.max = PK_SYNC_PUSH_MAX_CS;
		if ((err = my_heads(sy, sv->path, sv->n, &mine)) != 0)
			goto out;
		lag = (int64_t)batch_fill(sy, &mine, &have, &child, &bt);
		peer_seen(sy, sv->child, "child", NULL, &lag, 0);
		t = mono_ms();
		if (bt.n > 0 || t >= deadline || atomic_load(&sy->stopping))
			break;
		wait_change(sy, gen, deadline - t);
	}
	err = pk_sync_pulled_encode(bt.b, bt.n, bt.full, out, outlen);
out:
	batch_free(&bt);
	pk_heads_free(&have);
	pk_heads_free(&mine);
	return err;
}

static int serve_join(struct served *sv, const struct pk_sync_msg *m, uint8_t **out, size_t *outlen)
{
	struct sync *sy = sv->sy;
	struct pk_request rq;
	struct pk_diag d = {""};
	uint8_t *set = NULL;
	size_t setlen;
	uint64_t serial;
	int err;

	if (!sv->join)
		return pk_diagf(&d, PK_EPERM, "join outside a join session");
	if ((err = pk_request_decode(m->blob.p, m->blob.len, &rq, &d)) != 0 ||
	    memcmp(rq.pub, sv->child, PK_PUB_BYTES) != 0 || strcmp(rq.region, sv->region) != 0) {
		log_warnx("join-refused", "%s: the request does not match its invite", sv->name);
		return err != 0 ? err : PK_EPERM;
	}
	if ((err = store_invite_use(sy->s, sv->secret, now_ms() / 1000)) != 0) {
		log_warnx("join-refused", "%s: invite: %s", sv->name, pk_strerror(err));
		return err;
	}
	err = certify_request(sy->s, sy->pub, sy->sec, &rq, CERTIFY_DAYS_DEFAULT, now_ms() / 1000,
	                      &set, &setlen, &serial, &d);
	if (err != 0) {
		log_warnx("join-refused", "%s: %s", sv->name, d.msg);
		return err;
	}
	log_info("joined", "%s '%s' joined for region %s (serial %llu)", sv->name, rq.name,
	         rq.region, (unsigned long long)serial);
	err = pk_sync_joined_encode(set, setlen, out, outlen);
	free(set);
	return err;
}

static int serve_sealed(struct sync *sy, const uint8_t *buf, size_t len, uint8_t **out,
                        size_t *outlen)
{
	uint8_t id[PK_SESSION_ID_BYTES], *plain = NULL, *reply = NULL;
	struct srv_session *ss;
	struct served sv;
	struct pk_sync_msg m;
	struct pk_diag d = {""};
	size_t plen, rlen = 0;
	uint64_t counter;
	int err;

	memset(&sv, 0, sizeof(sv));
	sv.sy = sy;
	if (pk_sealed_session(buf, len, id, &counter) != 0)
		return reply_error("malformed", "not a sealed message", out, outlen);
	pthread_mutex_lock(&sy->slock);
	if ((ss = session_find(sy, id)) == NULL) {
		pthread_mutex_unlock(&sy->slock);
		return reply_error("unknown-session", "no such session", out, outlen);
	}
	err = pk_open_request(&ss->ps, buf, len, &plain, &plen, &counter);
	if (err == 0) {
		ss->established = true;
		ss->last_ms = mono_ms();
		memcpy(sv.child, ss->child, PK_PUB_BYTES);
		sv.join = ss->join;
		memcpy(sv.secret, ss->secret, sizeof(sv.secret));
		memcpy(sv.region, ss->region, sizeof(sv.region));
	}
	pthread_mutex_unlock(&sy->slock);
	if (err != 0)
		return reply_error(pk_errmsg_code(err), "request refused", out, outlen);
	short_key(sv.name, sv.child);
	if ((err = pk_sync_decode(plain, plen, PK_SYNC_REQUEST, &m, &d)) != 0) {
		log_warnx("request-refused", "%s: %s", sv.name, d.msg);
		free(plain);
		return reply_error(pk_errmsg_code(err), "request refused", out, outlen);
	}
	if (!sv.join || m.kind != PK_SYNC_JOIN) {
		sv.n = store_origin_path(sy->s, sv.child, sv.path);
		if (sv.n < 2 && m.kind != PK_SYNC_JOIN) {
			free(plain);
			return reply_error("refused", "not a child of this node", out, outlen);
		}
	}
	switch (m.kind) {
	case PK_SYNC_HEADS:
		err = serve_heads(&sv, &m, &reply, &rlen);
		break;
	case PK_SYNC_PUSH:
		err = serve_push(&sv, &m, &reply, &rlen);
		break;
	case PK_SYNC_PULL:
		err = serve_pull(&sv, &m, &reply, &rlen);
		break;
	case PK_SYNC_JOIN:
		err = serve_join(&sv, &m, &reply, &rlen);
		break;
	default:
		err = PK_EDECODE;
	}
	free(plain);
	if (err != 0) {
		free(reply);
		return reply_error(err == PK_ENOMEM ? "busy" : "refused", pk_strerror(err), out,
		                   outlen);
	}
	pthread_mutex_lock(&sy->slock);
	ss = session_find(sy, id);
	err = ss != NULL ? pk_seal_reply(&ss->ps, counter, reply, rlen, out, outlen) : PK_ESTATE;
	pthread_mutex_unlock(&sy->slock);
	free(reply);
	return err;
}

struct worker {
	struct sync *sy;
	pthread_t tid;
	nng_aio *aio;
	nng_ctx ctx;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct sync *sy = w->sy;
	nng_aio *aio = w->aio;
	uint8_t *reply;
	nng_msg *msg;
	size_t rlen;
	int rv;

	while (!atomic_load(&sy->stopping)) {
		nng_aio_set_timeout(aio, 1000);
		nng_ctx_recv(w->ctx, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) != 0) {
			if (rv == NNG_ECLOSED)
				break;
			continue;
		}
		msg = nng_aio_get_msg(aio);
		reply = NULL;
		rlen = 0;
		switch (pk_msg_kind(nng_msg_body(msg), nng_msg_len(msg))) {
		case PK_MSG_HELLO:
			serve_hello(sy, nng_msg_body(msg), nng_msg_len(msg), &reply, &rlen);
			break;
		case PK_MSG_SEALED:
			serve_sealed(sy, nng_msg_body(msg), nng_msg_len(msg), &reply, &rlen);
			break;
		default:
			reply_error("malformed", "not a pokja message", &reply, &rlen);
		}
		nng_msg_free(msg);
		if (reply == NULL)
			continue;
		if (nng_msg_alloc(&msg, 0) == 0 && nng_msg_append(msg, reply, rlen) == 0) {
			nng_aio_set_msg(aio, msg);
			nng_aio_set_timeout(aio, 10000);
			nng_ctx_send(w->ctx, aio);
			nng_aio_wait(aio);
			if (nng_aio_result(aio) != 0)
				nng_msg_free(msg);
		}
		free(reply);
	}
	atomic_fetch_sub(&sy->live, 1);
	return NULL;
}

/* ---- talking to the parent ---------------------------------------------------------------- */

/*
 * One request and its reply on ctx. Returns 0 and the raw reply, or an nng-level error.
 * `downs`, when not NULL, counts lost connections to the parent (link_event): a request that
 * went out on a connection lost since is never answered, so the wait ends as soon as a loss is
 * seen, whether it comes before the reply is awaited or during the wait.
 */
static int roundtrip(nng_ctx ctx, nng_aio *aio, const uint8_t *req, size_t len, int timeout_ms,
                     atomic_uint *downs, nng_msg **reply)
{
	unsigned before = downs != NULL ? atomic_load(downs) : 0;
	nng_msg *msg;
	int rv;

	if (nng_msg_alloc(&msg, 0) != 0 || nng_msg_append(msg, req, len) != 0)
		return PK_ENOMEM;
	nng_aio_set_msg(aio, msg);
	nng_aio_set_timeout(aio, timeout_ms);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		nng_msg_free(msg);
		return rv == NNG_ECLOSED ? PK_ESTATE : PK_EIO;
	}
	if (downs != NULL && atomic_load(downs) != before)
		return PK_EIO;
	nng_aio_set_timeout(aio, timeout_ms);
	nng_ctx_recv(ctx, aio);
	/* link_event counts a loss before it cancels: either it cancels this wait, or this sees
	 * the count and cancels it here. */
	if (downs != NULL && atomic_load(downs) != before)
		nng_aio_cancel(aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0)
		return rv == NNG_ECLOSED ? PK_ESTATE : PK_EIO;
	*reply = nng_aio_get_msg(aio);
	return 0;
}

/* Opens a session: hello, welcome. join_secret for a join session. */
#define JOIN_TRIES 5 /* hellos a join sends before it gives up (sync_join) */

static int handshake(nng_ctx ctx, nng_aio *aio, const uint8_t sec[PK_SEC_BYTES],
                     const uint8_t parent[PK_PUB_BYTES], const uint8_t *join_secret, int timeout_ms,
                     atomic_uint *downs, struct pk_session *ps, uint64_t *parent_time,
                     struct pk_diag *d)
{
	struct pk_handshake hs;
	struct pk_errmsg em;
	uint8_t *hello = NULL;
	nng_msg *reply = NULL;
	size_t len;
	int err;

	if ((err = pk_hello_make(&hs, sec, parent, now_ms() / 1000, join_secret, &hello, &len)) !=
	    0)
		return pk_diagf(d, err, "cannot make a hello: %s", pk_strerror(err));
	err = roundtrip(ctx, aio, hello, len, timeout_ms, downs, &reply);
	free(hello);
	if (err != 0) {
		pk_handshake_wipe(&hs);
		return pk_diagf(d, err, "the parent does not answer");
	}
	if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0) {
		pk_diagf(d, PK_EPERM, "the parent refused the session: %s (%s)", em.text, em.code);
		err = PK_EPERM;
	} else {
		err = pk_welcome_read(&hs, nng_msg_body(reply), nng_msg_len(reply), ps, parent_time,
		                      d);
	}
	nng_msg_free(reply);
	pk_handshake_wipe(&hs);
	return err;
}

/*
 * A sealed request to the parent and its reply, on the shared client session (opened here when
 * there is none). On any session-level failure the session is dropped, so the next call opens a
 * new one. Returns 0 and the decoded reply's plaintext in *plain (malloc'd).
 */
static int call(struct sync *sy, nng_ctx ctx, nng_aio *aio, const uint8_t *req, size_t len,
                int timeout_ms, uint8_t **plain, size_t *plen)
{
	struct pk_diag d = {""};
	struct pk_errmsg em;
	struct pk_session ps;
	uint8_t *sealed = NULL;
	nng_msg *reply = NULL;
	uint64_t epoch, counter;
	size_t slen;
	int err;

	pthread_mutex_lock(&sy->clock);
	if (!sy->have_cs) {
		uint64_t ptime = 0;

		err = handshake(ctx, aio, sy->sec, sy->parent, NULL, CALL_TIMEOUT_MS,
		                &sy->link_downs, &ps, &ptime, &d);
		if (err != 0) {
			pthread_mutex_unlock(&sy->clock);
			log_warnx("parent-session", "%s", d.msg);
			return err;
		}
		if (ptime != 0) {
			int64_t skew = pk_clock_skew(ptime, now_ms() / 1000);

			peer_clock(sy, sy->parent, "parent", &skew, 0);
		}
		sy->cs = ps;
		sy->have_cs = true;
		sy->cs_epoch++;
		pk_session_wipe(&ps);
		log_info("parent-session", "session with the parent opened");
		wake(sy);
	}
	err = pk_seal_request(&sy->cs, req, len, &sealed, &slen);
	counter = sy->cs.sent;
	epoch = sy->cs_epoch;
	pthread_mutex_unlock(&sy->clock);
	if (err != 0)
		return err;
	err = roundtrip(ctx, aio, sealed, slen, timeout_ms, &sy->link_downs, &reply);
	free(sealed);
	if (err != 0)
		goto drop;
	if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0) {
		log_warnx("parent-error", "the parent answered: %s (%s)", em.text, em.code);
		nng_msg_free(reply);
		err = PK_EPERM;
		goto drop;
	}
	pthread_mutex_lock(&sy->clock);
	if (sy->have_cs && sy->cs_epoch == epoch)
		err = pk_open_reply(&sy->cs, counter, nng_msg_body(reply), nng_msg_len(reply),
		                    plain, plen);
	else
		err = PK_ESTATE; /* the session changed while this request was out */
	pthread_mutex_unlock(&sy->clock);
	nng_msg_free(reply);
	if (err == 0)
		return 0;
drop:
	pthread_mutex_lock(&sy->clock);
	if (sy->have_cs && sy->cs_epoch == epoch) {
		pk_session_wipe(&sy->cs);
		sy->have_cs = false;
	}
	pthread_mutex_unlock(&sy->clock);
	return err;
}

/* Drops the client session: the next call opens a new one (and reads the parent's clock). */
static void session_forget(struct sync *sy)
{
	pthread_mutex_lock(&sy->clock);
	if (sy->have_cs) {
		pk_session_wipe(&sy->cs);
		sy->have_cs = false;
	}
	pthread_mutex_unlock(&sy->clock);
}

/* Sleeps for the back-off, doubling it up to retry_max. A new connection to the parent (nng
 * redials by itself) or stopping cuts it short, so a parent that comes back is served at once. */
static void backoff(struct sync *sy, uint64_t *delay)
{
	uint64_t until = mono_ms() + *delay, t;
	unsigned ups = atomic_load(&sy->link_ups);

	while (!atomic_load(&sy->stopping) && atomic_load(&sy->link_ups) == ups &&
	       (t = mono_ms()) < until)
		wait_change(sy, generation(sy), until - t < 100 ? until - t : 100);
	*delay = *delay * 2 > sy->cfg->retry_max_ms ? sy->cfg->retry_max_ms : *delay * 2;
}

/*
 * nng calls this when a connection to the parent is made or lost. A request sent on a lost
 * connection is never answered (REQ's own resend is off, since a resent request would be a
 * replay), so its wait is cancelled at once and the loop retries on the next connection.
 */
static void link_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct sync *sy = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&sy->link_ups, 1);
		return;
	}
	atomic_fetch_add(&sy->link_downs, 1);
	if (sy->up_aio != NULL)
		nng_aio_cancel(sy->up_aio);
	if (sy->down_aio != NULL)
		nng_aio_cancel(sy->down_aio);
}

struct cert_list {
	struct pk_blob c[PK_SYNC_PUSH_MAX_CERTS];
	size_t n;
	bool skip; /* certificates above this node: the parent has them */
	const uint8_t *me;
};

static int cert_collect(const uint8_t *cert, size_t len, void *arg)
{
	struct cert_list *cl = arg;
	struct pk_cert c;
	uint8_t *copy;

	if (pk_cert_decode(cert, len, &c, NULL) != 0)
		return 0;
	if (cl->skip) {
		if (memcmp(c.info.subject, cl->me, PK_PUB_BYTES) == 0)
			cl->skip = false; /* the ones below this node follow */
		return 0;
	}
	for (size_t i = 0; i < cl->n; i++)
		if (cl->c[i].len == len && memcmp(cl->c[i].p, cert, len) == 0)
			return 0;
	if (cl->n == PK_SYNC_PUSH_MAX_CERTS || (copy = malloc(len)) == NULL)
		return 1;
	memcpy(copy, cert, len);
	cl->c[cl->n].p = copy;
	cl->c[cl->n++].len = len;
	return 0;
}

/* The certificates of the origins in a push that the parent cannot have: those below this node. */
static void push_certs(struct sync *sy, const struct batch *bt, struct cert_list *cl)
{
	struct pk_changeset cs;

	cl->n = 0;
	for (size_t i = 0; i < bt->n; i++) {
		if (pk_cs_decode(bt->b[i].p, bt->b[i].len, &cs, NULL) != 0 ||
		    memcmp(cs.origin, sy->pub, PK_PUB_BYTES) == 0)
			continue;
		cl->skip = true;
		cl->me = sy->pub;
		store_chain_get(sy->s, cs.origin, cert_collect, cl);
	}
}

static void *uplink(void *arg)
{
	struct sync *sy = arg;
	struct pk_heads mine = {0}, theirs = {0};
	struct cert_list cl = {{{0}}, 0, false, NULL};
	const struct outbox_peer up = {.rule = OUTBOX_UP, .self = sy->pub, .parent = sy->parent};
	uint64_t delay = sy->cfg->retry_min_ms, heads_at = 0, heads_epoch = 0, gen, own_to = 0, cap;
	uint8_t *req = NULL, *plain = NULL;
	size_t len, plen;
	struct pk_sync_msg m;
	struct batch bt = {0};
	nng_ctx ctx;
	nng_aio *aio;
	int64_t lag;
	int err;

	if (nng_ctx_open(&ctx, sy->req) != 0) {
		atomic_fetch_sub(&sy->live, 1);
		return NULL;
	}
	aio = sy->up_aio;
	while (!atomic_load(&sy->stopping)) {
		gen = generation(sy);
		mine.n = 0;
		if (my_heads(sy, NULL, 0, &mine) != 0)
			goto retry;
		/* A new session (the parent may have restarted, or been restored): ask again. */
		if (session_epoch(sy) != heads_epoch)
			heads_at = 0;
		if (heads_at == 0 || mono_ms() - heads_at > HEADS_EVERY_MS) {
			/* While the clocks disagree, read them again at each exchange. */
			if (heads_at != 0 && parent_skewed(sy))
				session_forget(sy);
			if (pk_sync_heads_encode(mine.h, mine.n, &req, &len) != 0)
				goto retry;
			err = call(sy, ctx, aio, req, len, CALL_TIMEOUT_MS, &plain, &plen);
			free(req);
			req = NULL;
			if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
			    m.kind != PK_SYNC_HEADS_REPLY)
				goto retry;
			err = pk_heads_from_list(&theirs, &m.heads);
			free(plain);
			plain = NULL;
			if (err != 0)
				goto retry;
			heads_at = mono_ms();
			heads_epoch = session_epoch(sy);
			/* After a restore: the parent holds all this node sent up. */
			store_fence_note(sy->s, pk_heads_find(&theirs, sy->pub), true);
			store_peer_heads_put(sy->s, sy->parent, theirs.h, theirs.n,
			                     STORE_PEER_HEADS_ALL);
			/* A parent restored from an old backup lacks some of its own log, which
			 * this node holds: those go back up. Later changesets of the parent come
			 * down by pull; they are not echoed back. */
			own_to = pk_heads_find(&mine, sy->parent);
			if (own_to <= pk_heads_find(&theirs, sy->parent))
				own_to = 0;
		}
		/* Of the parent's own log, only what it lacked when it said so goes up. */
		cap = pk_heads_find(&theirs, sy->parent);
		if (own_to > cap)
			cap = own_to;
		if (pk_heads_find(&mine, sy->parent) > cap &&
		    pk_heads_set(&mine, sy->parent, cap) != 0)
			goto retry;
		/* Push what the parent lacks of this node's subtree, a batch at a time. */
		batch_free(&bt);
		bt.budget = sy->cfg->batch_bytes;
		bt.max = sy->cfg->batch_changesets;
		lag = (int64_t)batch_fill(sy, &mine, &theirs, &up, &bt);
		if (bt.n > 0) {
			push_certs(sy, &bt, &cl);
			err = pk_sync_push_encode(cl.c, cl.n, bt.b, bt.n, &req, &len);
			for (size_t i = 0; i < cl.n; i++)
				free((void *)cl.c[i].p);
			if (err != 0)
				goto retry;
			err = call(sy, ctx, aio, req, len, CALL_TIMEOUT_MS, &plain, &plen);
			free(req);
			req = NULL;
			if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
			    m.kind != PK_SYNC_PUSHED)
				goto retry;
			/* The acknowledgement moves the parent's heads on. */
			struct pk_sync_iter it;
			struct pk_head h;
			struct pk_refused rf;
			size_t nref = 0, nheld = 0;
			bool progress = false;
			pk_sync_iter_init(&it, &m.heads);
			while (pk_sync_next_head(&it, &h))
				progress |= h.seq > pk_heads_find(&theirs, h.origin);
			if (pk_heads_merge(&theirs, &m.heads) != 0)
				goto retry;
			pk_sync_iter_init(&it, &m.refused);
			while (pk_sync_next_refused(&it, &rf)) {
				if (strcmp(rf.reason, "held") == 0) {
					nheld++; /* stamped ahead: applied there in time */
					continue;
				}
				nref++;
				log_warnx("push-refused", "the parent refused changeset %u: %s",
				          rf.index, rf.reason);
			}
			free(plain);
			plain = NULL;
			lag -= (int64_t)bt.n;
			peer_seen(sy, sy->parent, "parent", &lag, NULL, nref);
			if (nheld > 0) {
				log_warnx("push-held",
				          "the parent holds %zu changesets of this node stamped "
				          "ahead of its clock, until their time comes",
				          nheld);
				peer_clock(sy, sy->parent, "parent", NULL, nheld);
			}
			if (nref > 0)
				heads_at = 0; /* re-learn where the parent stands */
			if (progress) {
				delay = sy->cfg->retry_min_ms;
			} else {
				/* The parent took nothing: sending the same batch again at once
				 * would only spin. Wait, then ask where it stands. */
				log_warnx("push-stalled",
				          "the parent accepted nothing from the last "
				          "push; retrying later");
				backoff(sy, &delay);
			}
			continue;
		}
		peer_seen(sy, sy->parent, "parent", &lag, NULL, 0);
		delay = sy->cfg->retry_min_ms;
		wait_change(sy, gen, 5000);
		continue;
	retry:
		free(plain);
		plain = NULL;
		heads_at = 0;
		peer_lost(sy, sy->parent, "parent");
		backoff(sy, &delay);
	}
	batch_free(&bt);
	pk_heads_free(&mine);
	pk_heads_free(&theirs);
	nng_ctx_close(ctx);
	atomic_fetch_sub(&sy->live, 1);
	return NULL;
}

static void *downlink(void *arg)
{
	struct sync *sy = arg;
	struct pk_heads mine = {0};
	uint8_t path[PATH_MAX_KEYS][PK_PUB_BYTES];
	struct outbox_peer parent;
	struct ingest_from from = {.name = "the parent",
	                           .lineage_refuses = true,
	                           .lineage_why = "origin outside this node's lineage",
	                           .threads = (int)sy->cfg->verify_threads,
	                           .now_ms = now_ms};
	struct ingest_result r;
	uint64_t delay = sy->cfg->retry_min_ms;
	uint8_t *req = NULL, *plain = NULL;
	size_t len, plen, n;
	struct pk_sync_msg m;
	nng_ctx ctx;
	nng_aio *aio;
	int64_t zero = 0;
	int err, serr, pn;

	if (nng_ctx_open(&ctx, sy->req) != 0) {
		atomic_fetch_sub(&sy->live, 1);
		return NULL;
	}
	aio = sy->down_aio;
	while (!atomic_load(&sy->stopping)) {
		mine.n = 0;
		if (my_heads(sy, NULL, 0, &mine) != 0 || store_heads_add_held(sy->s, &mine) != 0 ||
		    pk_sync_pull_encode(mine.h, mine.n, sy->cfg->poll_wait_ms, sy->cfg->batch_bytes,
		                        &req, &len) != 0)
			goto retry;
		err = call(sy, ctx, aio, req, len, (int)sy->cfg->poll_wait_ms + CALL_TIMEOUT_MS,
		           &plain, &plen);
		free(req);
		req = NULL;
		if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
		    m.kind != PK_SYNC_PULLED)
			goto retry;
		/* Only this node's lineage may come down (SPEC section 16), once its path is held.
		 */
		pn = store_origin_path(sy->s, sy->pub, path);
		parent = (struct outbox_peer){.rule = OUTBOX_LINEAGE, .path = path, .n = pn};
		from.sender = pn > 0 ? &parent : NULL;
		n = m.changesets.n;
		memset(&r, 0, sizeof(r));
		serr = ingest_batch(sy->s, &from, NULL, &m.changesets, &r);
		free(plain);
		plain = NULL;
		if (serr != 0)
			goto retry;
		peer_seen(sy, sy->parent, "parent", NULL, &zero, r.refused);
		if (n > 0 && r.refused == n) {
			/* Nothing could be applied: pulling again at once would bring the same. */
			backoff(sy, &delay);
			continue;
		}
		delay = sy->cfg->retry_min_ms;
		continue;
	retry:
		free(plain);
		plain = NULL;
		peer_lost(sy, sy->parent, "parent");
		backoff(sy, &delay);
	}
	pk_heads_free(&mine);
	nng_ctx_close(ctx);
	atomic_fetch_sub(&sy->live, 1);
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------- */

static int nng_diag(struct pk_diag *d, int rv, const char *what, const char *url)
{
	return pk_diagf(d, rv == NNG_EADDRINUSE ? PK_EEXIST : PK_EINVAL, "%s %s: %s", what, url,
	                nng_strerror(rv));
}

/* The internal listener takes connections from this process only, that is from the gate: the
 * abstract socket has no file mode, so any other peer is closed as it arrives. */
static void inner_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	uint64_t pid = 0;

	(void)ev;
	(void)arg;
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 || pid != (uint64_t)getpid()) {
		log_warnx("port-protocol", "a local process (pid %llu) dialled the internal socket",
		          (unsigned long long)pid);
		nng_pipe_close(p);
	}
}

/*
 * A tcp:// listen URL gets the gate (gate.h): nng, which allocates whatever length a peer
 * announces up to its receive limit, listens on an abstract socket named for this process and
 * a random value, and the gate relays to it only connections that passed the handshake.
 */
static int listen_gated(struct sync *sy, struct pk_diag *d)
{
	const struct config *cfg = sy->cfg;
	struct gate_limits lim = {cfg->port_handshake_ms,     cfg->port_idle_ms,
	                          cfg->port_unauth_max,       cfg->port_per_address,
	                          4 * cfg->max_children + 16, PK_MSG_MAX + NNG_HEADER_ROOM};
	uint8_t rnd[8];
	char name[64], url[80];
	int rv;

	pk_random(rnd, sizeof(rnd));
	snprintf(name, sizeof(name), "pokjad-%ld-%02x%02x%02x%02x%02x%02x%02x%02x", (long)getpid(),
	         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	snprintf(url, sizeof(url), "abstract://%s", name);
	nng_pipe_notify(sy->rep, NNG_PIPE_EV_ADD_PRE, inner_pipe, sy);
	if ((rv = nng_listen(sy->rep, url, NULL, 0)) != 0)
		return nng_diag(d, rv, "cannot listen on", url);
	return gate_start(&sy->gate, cfg->listen, name, sy->pub, &lim, d);
}

static int start_server(struct sync *sy, struct pk_diag *d)
{
	pthread_attr_t attr;
	int rv, err;

	if ((rv = nng_rep0_open(&sy->rep)) != 0)
		return nng_diag(d, rv, "cannot open a socket for", sy->cfg->listen);
	nng_socket_set_size(sy->rep, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	if (strncmp(sy->cfg->listen, "tcp://", 6) == 0) {
		if ((err = listen_gated(sy, d)) != 0) {
			nng_close(sy->rep);
			return err;
		}
	} else if ((rv = nng_listen(sy->rep, sy->cfg->listen, NULL, 0)) != 0) {
		nng_close(sy->rep);
		return nng_diag(d, rv, "cannot listen on", sy->cfg->listen);
	}
	sy->serving = true;
	if ((sy->sessions = calloc(SESSIONS_MAX, sizeof(*sy->sessions))) == NULL)
		return PK_ENOMEM;
	/* A worker per concurrent request: each child may hold a long poll and send a push. */
	sy->nworkers = 2 * (int)sy->cfg->max_children + 2;
	if (sy->nworkers > 256)
		sy->nworkers = 256;
	if ((sy->workers = calloc((size_t)sy->nworkers, sizeof(*sy->workers))) == NULL)
		return PK_ENOMEM;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (int i = 0; i < sy->nworkers; i++) {
		struct worker *w = &sy->workers[i];
		w->sy = sy;
		atomic_fetch_add(&sy->live, 1);
		if (nng_ctx_open(&w->ctx, sy->rep) != 0 ||
		    nng_aio_alloc(&w->aio, NULL, NULL) != 0 ||
		    pthread_create(&w->tid, &attr, worker, w) != 0) {
			atomic_fetch_sub(&sy->live, 1);
			if (w->aio != NULL)
				nng_aio_free(w->aio);
			w->aio = NULL;
			sy->nworkers = i;
			break;
		}
	}
	pthread_attr_destroy(&attr);
	log_info("listen", "serving children on %s with %d workers", sy->cfg->listen, sy->nworkers);
	return 0;
}

/* The parent's key: from the config, else the issuer of this node's own certificate. */
static int parent_key(struct sync *sy, struct pk_diag *d)
{
	uint8_t path[PATH_MAX_KEYS][PK_PUB_BYTES];
	int n;

	if (sy->cfg->parent_key.set) {
		memcpy(sy->parent, sy->cfg->parent_key.pub, PK_PUB_BYTES);
		return 0;
	}
	n = store_origin_path(sy->s, sy->pub, path);
	if (n < 2)
		return pk_diagf(d, PK_ECERT,
		                "the parent's key is not set and this node has no "
		                "certificate to learn it from");
	memcpy(sy->parent, path[n - 2], PK_PUB_BYTES);
	return 0;
}

static int start_client(struct sync *sy, struct pk_diag *d)
{
	int rv, err;

	if ((err = parent_key(sy, d)) != 0)
		return err;
	if ((rv = nng_req0_open(&sy->req)) != 0)
		return nng_diag(d, rv, "cannot open a socket for", sy->cfg->parent_url);
	nng_socket_set_size(sy->req, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	nng_socket_set_ms(sy->req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_aio_alloc(&sy->up_aio, NULL, NULL) != 0 ||
	    nng_aio_alloc(&sy->down_aio, NULL, NULL) != 0)
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	nng_pipe_notify(sy->req, NNG_PIPE_EV_ADD_POST, link_event, sy);
	nng_pipe_notify(sy->req, NNG_PIPE_EV_REM_POST, link_event, sy);
	/* nng redials by itself, with a random delay that doubles up to RECONNMAXT. A dial is
	 * one TCP connect, cheap enough to try every few seconds, and a parent that is back is
	 * then found within REDIAL_MAX_MS instead of up to retry_max later. */
	nng_socket_set_ms(sy->req, NNG_OPT_RECONNMINT, (nng_duration)sy->cfg->retry_min_ms);
	nng_socket_set_ms(sy->req, NNG_OPT_RECONNMAXT,
	                  (nng_duration)(sy->cfg->retry_max_ms < REDIAL_MAX_MS
	                                     ? sy->cfg->retry_max_ms
	                                     : REDIAL_MAX_MS));
	if ((rv = nng_dial(sy->req, sy->cfg->parent_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(sy->req);
		return nng_diag(d, rv, "cannot dial", sy->cfg->parent_url);
	}
	sy->dialing = true;
	atomic_fetch_add(&sy->live, 2);
	if (pthread_create(&sy->up, NULL, uplink, sy) != 0) {
		atomic_fetch_sub(&sy->live, 2);
		return pk_diagf(d, PK_ENOMEM, "cannot start threads");
	}
	if (pthread_create(&sy->down, NULL, downlink, sy) != 0) {
		atomic_fetch_sub(&sy->live, 1);
		return pk_diagf(d, PK_ENOMEM, "cannot start threads");
	}
	log_info("dial", "replicating with the parent at %s", sy->cfg->parent_url);
	return 0;
}

int sync_start(struct sync **out, struct store *s, const struct config *cfg,
               const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES], struct pk_diag *d)
{
	struct sync *sy = calloc(1, sizeof(*sy));
	int err;

	*out = NULL;
	if (sy == NULL)
		return PK_ENOMEM;
	sy->s = s;
	sy->cfg = cfg;
	store_set_max_skew(s, cfg->max_clock_skew_ms);
	store_set_max_hold(s, cfg->max_clock_hold_ms);
	memcpy(sy->pub, pub, PK_PUB_BYTES);
	memcpy(sy->sec, sec, PK_SEC_BYTES);
	pthread_mutex_init(&sy->lock, NULL);
	pthread_mutex_init(&sy->slock, NULL);
	pthread_mutex_init(&sy->clock, NULL);
	pthread_cond_init(&sy->changed, NULL);
	if (pthread_create(&sy->watcher, NULL, watch, sy) != 0) {
		free(sy);
		return pk_diagf(d, PK_ENOMEM, "cannot start the watcher thread");
	}
	if ((cfg->listen[0] != '\0' && (err = start_server(sy, d)) != 0) ||
	    (cfg->parent_url[0] != '\0' && (err = start_client(sy, d)) != 0)) {
		sync_stop(sy);
		return err;
	}
	*out = sy;
	return 0;
}

/* Closes the sockets; run on its own thread so that sync_stop can bound the wait (below). */
static void *close_sockets(void *arg)
{
	struct sync *sy = arg;

	if (sy->serving)
		nng_close(sy->rep);
	if (sy->dialing)
		nng_close(sy->req);
	atomic_store(&sy->closed, true);
	return NULL;
}

void sync_stop(struct sync *sy)
{
	pthread_t closer;
	uint64_t until;

	if (sy == NULL)
		return;
	gate_stop(sy->gate); /* no new bytes from children while the rest stops */
	sy->gate = NULL;
	atomic_store(&sy->stopping, true);
	pthread_mutex_lock(&sy->lock);
	pthread_cond_broadcast(&sy->changed);
	pthread_mutex_unlock(&sy->lock);
	/* Every thread of ours ends by itself once its wait is cancelled: join them all first, so
	 * that any store transaction in flight has finished before anything is torn down. */
	while (atomic_load(&sy->live) > 0) {
		/* A thread may start its next wait just after a cancel: cancel until all are out.
		 */
		struct timespec ts = {0, 20 * 1000000L};
		for (int i = 0; i < sy->nworkers; i++)
			nng_aio_cancel(sy->workers[i].aio);
		if (sy->up_aio != NULL)
			nng_aio_cancel(sy->up_aio);
		if (sy->down_aio != NULL)
			nng_aio_cancel(sy->down_aio);
		pthread_mutex_lock(&sy->lock);
		pthread_cond_broadcast(&sy->changed);
		pthread_mutex_unlock(&sy->lock);
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < sy->nworkers; i++)
		pthread_join(sy->workers[i].tid, NULL);
	if (sy->dialing) {
		if (sy->up)
			pthread_join(sy->up, NULL);
		if (sy->down)
			pthread_join(sy->down, NULL);
	}
	pthread_join(sy->watcher, NULL);
	/*
	 * nng_close can wait on the teardown of connections to peers that are themselves going
	 * away (seen when a whole network stops at once). Nothing of ours depends on it any more,
	 * so wait at most two seconds and leave the rest to process exit.
	 */
	if (pthread_create(&closer, NULL, close_sockets, sy) == 0) {
		until = mono_ms() + 2000;
		while (!atomic_load(&sy->closed) && mono_ms() < until) {
			struct timespec ts = {0, 10 * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (atomic_load(&sy->closed)) {
			pthread_join(closer, NULL);
		} else {
			pthread_detach(closer);
			log_warnx("stop",
			          "the network sockets did not close within 2 s; leaving them "
			          "to process exit");
			return; /* the closer still uses sy: leave it allocated */
		}
	}
	for (int i = 0; i < sy->nworkers; i++)
		nng_aio_free(sy->workers[i].aio);
	if (sy->up_aio != NULL)
		nng_aio_free(sy->up_aio);
	if (sy->down_aio != NULL)
		nng_aio_free(sy->down_aio);
	for (int i = 0; sy->sessions != NULL && i < SESSIONS_MAX; i++)
		pk_session_wipe(&sy->sessions[i].ps);
	pk_session_wipe(&sy->cs);
	pk_wipe(sy->sec, sizeof(sy->sec));
	pthread_mutex_destroy(&sy->lock);
	pthread_mutex_destroy(&sy->slock);
	pthread_mutex_destroy(&sy->clock);
	pthread_cond_destroy(&sy->changed);
	free(sy->workers);
	free(sy->sessions);
	free(sy->peers);
	free(sy);
}

int sync_join(const struct pk_invite *inv, const uint8_t pub[PK_PUB_BYTES],
              const uint8_t sec[PK_SEC_BYTES], const uint8_t *request, size_t reqlen,
              int timeout_ms, uint8_t **set, size_t *setlen, struct pk_diag *d)
{
	struct pk_session ps;
	struct pk_sync_msg m;
	uint8_t *req = NULL, *sealed = NULL, *plain = NULL;
	nng_socket sock;
	nng_msg *reply = NULL;
	nng_ctx ctx;
	nng_aio *aio = NULL;
	size_t len, plen;
	int rv, err;

	(void)pub;
	*set = NULL;
	memset(&ps, 0, sizeof(ps));
	if ((rv = nng_req0_open(&sock)) != 0)
		return nng_diag(d, rv, "cannot open a socket for", inv->url);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	if ((rv = nng_dial(sock, inv->url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(sock);
		return nng_diag(d, rv, "cannot dial", inv->url);
	}
	if (nng_ctx_open(&ctx, sock) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0) {
		nng_close(sock);
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	}
	/* A hello changes nothing at the parent (a pending session at most), so an unanswered one
	 * is tried again: a parent under a connection flood may close a new connection before its
	 * hello (SPEC section 14, "The listen port"). JOIN_TRIES attempts share the timeout. */
	for (int i = 0; i < JOIN_TRIES; i++) {
		int part = timeout_ms / JOIN_TRIES > 1000 ? timeout_ms / JOIN_TRIES : 1000;

		err = handshake(ctx, aio, sec, inv->parent, inv->secret, part, NULL, &ps, NULL, d);
		if (err == 0 || err == PK_EPERM)
			break;
	}
	if (err != 0)
		goto out;
	if ((err = pk_sync_join_encode(request, reqlen, &req, &len)) != 0 ||
	    (err = pk_seal_request(&ps, req, len, &sealed, &len)) != 0)
		goto out;
	if ((err = roundtrip(ctx, aio, sealed, len, timeout_ms, NULL, &reply)) != 0) {
		pk_diagf(d, err, "the parent does not answer the join request");
		goto out;
	}
	if ((err = pk_open_reply(&ps, ps.sent, nng_msg_body(reply), nng_msg_len(reply), &plain,
	                         &plen)) != 0) {
		struct pk_errmsg em;
		if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0)
			pk_diagf(d, PK_EPERM, "the parent refused: %s (%s)", em.text, em.code);
		else
			pk_diagf(d, err, "the parent's answer does not authenticate");
		goto out;
	}
	if ((err = pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, d)) != 0)
		goto out;
	if (m.kind != PK_SYNC_JOINED) {
		err = pk_diagf(d, PK_EDECODE, "the parent answered with '%s'",
		               pk_sync_kind_name(m.kind));
		goto out;
	}
	if ((*set = malloc(m.blob.len)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	memcpy(*set, m.blob.p, m.blob.len);
	*setlen = m.blob.len;
out:
	pk_session_wipe(&ps);
	if (reply != NULL)
		nng_msg_free(reply);
	free(req);
	free(sealed);
	free(plain);
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	nng_close(sock);
	return err;
}

void sync_shutdown(void)
{
	nng_fini();
}
