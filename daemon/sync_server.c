/*
 * sync_server.c: serving children: sessions (hello, welcome), the sealed requests (heads, push,
 * pull, join) and the worker threads that take them from the REP socket.
 */
#include <stdlib.h>
#include <string.h>

#include "certify.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "proto/enroll.h"
#include "staging.h"
#include "sync_int.h"

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
	uint32_t pipe;     /* the connection the request came on */
	uint64_t features; /* the session's (PK_FEAT_*) */
};

/* Whether a session's connection is still open: the pipe callback clears the sessions' pipe
 * ids as their connection goes. */
static bool pipe_live(struct sync *sy, uint32_t pipe)
{
	bool live = false;

	pthread_mutex_lock(&sy->slock);
	for (int i = 0; i < SESSIONS_MAX && !live; i++)
		live = sy->sessions[i].used && sy->sessions[i].pipe == pipe;
	pthread_mutex_unlock(&sy->slock);
	return live;
}

/* sy_peer_seen for the child of a request whose connection is still open: a long poll that
 * ends after its child went away must not show the child connected again. */
static void child_seen(struct served *sv, const int64_t *lag_up, const int64_t *lag_down,
                       uint64_t refused)
{
	if (pipe_live(sv->sy, sv->pipe))
		sy_peer_seen(sv->sy, sv->child, "child", lag_up, lag_down, refused);
}

void sy_child_pipe_gone(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct sync *sy = arg;
	uint8_t gone[SESSIONS_PER_CHILD * 4][PK_PUB_BYTES];
	uint32_t id = nng_pipe_id(p);
	size_t n = 0;

	(void)ev;
	pthread_mutex_lock(&sy->slock);
	for (int i = 0; i < SESSIONS_MAX; i++) {
		struct srv_session *ss = &sy->sessions[i];
		if (!ss->used || ss->pipe != id)
			continue;
		ss->pipe = 0;
		if (n < sizeof(gone) / sizeof(gone[0]))
			memcpy(gone[n++], ss->child, PK_PUB_BYTES);
	}
	/* A child with a session on another open connection is still there. */
	for (size_t k = 0; k < n; k++)
		for (int i = 0; i < SESSIONS_MAX; i++)
			if (sy->sessions[i].used && sy->sessions[i].pipe != 0 &&
			    memcmp(sy->sessions[i].child, gone[k], PK_PUB_BYTES) == 0)
				memset(gone[k], 0, PK_PUB_BYTES);
	pthread_mutex_unlock(&sy->slock);
	for (size_t k = 0; k < n; k++) {
		static const uint8_t zero[PK_PUB_BYTES];
		char who[17];

		if (memcmp(gone[k], zero, PK_PUB_BYTES) == 0)
			continue;
		short_key(who, gone[k]);
		log_debug("child-gone", "%s: its connection closed", who);
		sy_peer_lost(sy, gone[k], "child");
	}
	sy_slots_wake(sy, id); /* its long polls end now, not at their time */
}

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

/* How many children other than child have a session on an open connection now. Call with
 * slock. */
static unsigned children_connected(struct sync *sy, const uint8_t child[PK_PUB_BYTES])
{
	unsigned n = 0;

	for (int i = 0; i < SESSIONS_MAX; i++) {
		const struct srv_session *ss = &sy->sessions[i];
		bool first = true;

		if (!ss->used || ss->pipe == 0 || memcmp(ss->child, child, PK_PUB_BYTES) == 0)
			continue;
		for (int j = 0; j < i && first; j++)
			first = !(sy->sessions[j].used && sy->sessions[j].pipe != 0 &&
			          memcmp(sy->sessions[j].child, ss->child, PK_PUB_BYTES) == 0);
		n += first;
	}
	return n;
}

static int serve_hello(struct sync *sy, nng_pipe pipe, const uint8_t *buf, size_t len,
                       uint8_t **out, size_t *outlen)
{
	struct invite_match m = {NULL, false, {{0}, "", "", 0, false}};
	struct srv_session *ss;
	struct pk_session ps;
	struct pk_hello h;
	struct pk_diag d = {""};
	char who[17];
	bool zstd;
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
	/* Child number max_children + 1 is refused; one already connected may open more. */
	pthread_mutex_lock(&sy->slock);
	if (children_connected(sy, h.child) >= sy->cfg->max_children) {
		pthread_mutex_unlock(&sy->slock);
		log_warnx("hello-refused",
		          "%s: this node already serves %u children, [limits] max_children; raise "
		          "it in pokjad.conf and restart pokjad to serve more",
		          who, (unsigned)sy->cfg->max_children);
		return reply_error("full", "the parent serves as many children as it may", out,
		                   outlen);
	}
	pthread_mutex_unlock(&sy->slock);
	if ((err =
	         pk_welcome_make_feat(&h, sy->sec, now_ms() / 1000, (int)sy->cfg->compression_level,
	                              PK_FEAT_PARTS | PK_FEAT_RESUME, &ps, out, outlen)) != 0)
		return err;
	if (!h.has_join)
		sy_peer_clock(sy, h.child, "child", &h.skew, 0);
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
	ss->pipe = nng_pipe_id(pipe); /* counted as connected from its hello on */
	ss->ps = ps;
	pthread_mutex_unlock(&sy->slock);
	zstd = (ps.features & PK_FEAT_ZSTD) != 0;
	pk_session_wipe(&ps);
	metrics_session_opened("child");
	log_debug("session", "%s: session opened%s%s", who, h.has_join ? " to join" : "",
	          zstd ? " (zstd compression)" : "");
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
	struct pk_staged st;
	int64_t lag_up = 0;
	int err;

	if ((err = sy_my_heads(sv->sy, sv->path, sv->n, &mine)) == 0 &&
	    (err = store_heads_add_held(sv->sy->s, &mine)) == 0 &&
	    (err = pk_heads_from_list(&theirs, &m->heads)) == 0) {
		/* What the child holds of its subtree beyond this node: changesets to come up. */
		for (size_t i = 0; i < theirs.n; i++) {
			uint64_t have = pk_heads_find(&mine, theirs.h[i].origin);
			if (theirs.h[i].seq > have &&
			    store_in_subtree(sv->sy->s, sv->child, theirs.h[i].origin))
				lag_up += (int64_t)(theirs.h[i].seq - have);
		}
		child_seen(sv, &lag_up, NULL, 0);
		/* After a restore: what the child holds of this node's own log. Decisive for the
		 * national node only (no [parent] url; read from the config, which no thread
		 * changes, not from sy->dialing, which start_client sets while workers already
		 * serve); a lower node's parent holds everything it sent up. */
		store_fence_note(sv->sy->s, pk_heads_find(&theirs, sv->sy->pub),
		                 sv->sy->cfg->parent_url[0] == '\0');
		/* What the child holds, for `bundle create --for` it while it is offline. */
		store_peer_heads_put(sv->sy->s, sv->child, theirs.h, theirs.n,
		                     STORE_PEER_HEADS_ALL);
		/* With parts: where the child's changeset in parts stands here, so that it
		 * goes on from there at once, even when the reply to its last part was lost. */
		if ((sv->features & PK_FEAT_PARTS) != 0)
			err = pk_sync_heads_staged_encode(
			    mine.h, mine.n,
			    staging_get(sv->sy->s, sv->child, &st) == 0 ? &st : NULL, out, outlen);
		else
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
 * changesets may come up through it). A part (section 16, "Parts") is staged after the push's
 * changesets; the changeset it completes goes in after them. */
static int serve_push(struct served *sv, const struct pk_sync_msg *m, uint8_t **out, size_t *outlen)
{
	struct sync *sy = sv->sy;
	struct push_refusals pr = {.n = 0};
	struct pk_heads acks = {0};
	const struct outbox_peer child = {.rule = OUTBOX_UP, .self = sv->child, .parent = sy->pub};
	struct ingest_from from = {.name = sv->name,
	                           .sender = &child,
	                           .lineage_refuses = true,
	                           .lineage_why = "origin outside the child's subtree",
	                           .threads = (int)sy->cfg->verify_threads,
	                           .now_ms = now_ms,
	                           .batch = push_refused,
	                           .arg = &pr};
	struct ingest_result r = {.acks = &acks};
	uint64_t have = 0;
	uint8_t *blob = NULL;
	size_t blen = 0;
	int64_t zero = 0;
	int err;

	err = ingest_batch(sy->s, &from, &m->certs, &m->changesets, &r);
	if (err == 0 && m->has_part) {
		err = staging_take(sy->s, sv->child, &m->part, &have, &blob, &blen);
		if (err == PK_EDECODE) {
			log_warnx(
			    "part-refused",
			    "%s: the parts of changeset %u do not make the changeset they name; "
			    "starting it again",
			    sv->name, m->changesets.n);
			if (pr.n < PK_SYNC_PUSH_MAX_CS) {
				pr.ref[pr.n].index = m->changesets.n;
				pr.ref[pr.n++].reason = pk_errtag(PK_EDECODE);
			}
			err = 0;
		} else if (err == 0 && blob != NULL) {
			/* It goes in like a push of one, reported at its index in this push. */
			struct push_refusals one = {.n = 0};

			from.arg = &one;
			err = ingest_one(sy->s, &from, blob, blen, &r);
			for (size_t i = 0; i < one.n && pr.n < PK_SYNC_PUSH_MAX_CS; i++) {
				pr.ref[pr.n].index = m->changesets.n;
				pr.ref[pr.n++].reason = one.ref[i].reason;
			}
			if (err == 0)
				staging_done(sy->s, sv->child, m->part.hash);
		}
		free(blob);
	}
	if (err == 0) {
		child_seen(sv, &zero, NULL, r.refused);
		err = m->has_part
		          ? pk_sync_pushed_part_encode(pr.ref, pr.n, acks.h, acks.n, have, out,
		                                       outlen)
		          : pk_sync_pushed_encode(pr.ref, pr.n, acks.h, acks.n, out, outlen);
	}
	metrics_ingested(&r);
	pk_heads_free(&acks);
	return err;
}

/*
 * A pulled reply in a PK_FEAT_PARTS session: the changesets that fit and, when the next one is
 * larger than max_bytes, its next part from where the child says it stands (SPEC section 16,
 * "Parts"), filling what max_bytes has left (at least PART_MIN).
 */
static int pulled_parts(const struct pk_sync_msg *m, const struct batch *bt, uint8_t **out,
                        size_t *outlen)
{
	struct pk_part part;

	if (bt->big.p == NULL)
		return pk_sync_pulled_part_encode(bt->b, bt->n, bt->full, NULL, out, outlen);
	sy_part_next(m->has_staged ? &m->pstaged : NULL, &bt->big,
	             bt->budget > bt->bytes ? bt->budget - bt->bytes : 0, &part);
	return pk_sync_pulled_part_encode(bt->b, bt->n, true, &part, out, outlen);
}

/*
 * A pull waits (a long poll) until there is something to send or its wait_ms pass; waiting is
 * parking its slot (sync_slots.c), not holding a thread. What answering it later needs, the
 * request's session, counter and decoded message, stays here meanwhile.
 */
struct pull_wait {
	struct served sv;
	struct pk_sync_msg m;
	uint8_t *plain; /* the request's plaintext, which m points into */
	uint8_t id[PK_SESSION_ID_BYTES];
	uint64_t counter;
	size_t len;        /* the sealed request's size, for the metrics */
	uint64_t deadline; /* monotonic ms */
	struct pk_heads have;
};

/* What a pull gets now: SERVE_REPLY with the reply's plaintext in out, or SERVE_PARK with
 * nothing to send yet (until its deadline, or stop), or SERVE_DROP when its child is gone. */
static enum serve_result pull_try(struct pull_wait *pw, uint64_t *gen, uint8_t **out,
                                  size_t *outlen, int *err)
{
	struct served *sv = &pw->sv;
	struct sync *sy = sv->sy;
	const struct pk_sync_msg *m = &pw->m;
	struct pk_heads mine = {0};
	struct outbox_peer child = {.rule = OUTBOX_LINEAGE, .path = sv->path, .n = sv->n};
	struct batch bt = {0};
	enum serve_result r = SERVE_REPLY;
	int64_t lag;

	*gen = sy_generation(sy);
	bt.budget = m->max_bytes < sy->cfg->batch_bytes ? m->max_bytes : sy->cfg->batch_bytes;
	bt.max = PK_SYNC_PUSH_MAX_CS;
	bt.parts = m->parts;
	if ((*err = sy_my_heads(sy, sv->path, sv->n, &mine)) != 0)
		goto out;
	lag = (int64_t)sy_batch_fill(sy, &mine, &pw->have, &child, &bt);
	/* A child gone while its long poll waits: the answer would go nowhere. */
	if (!pipe_live(sy, sv->pipe)) {
		r = SERVE_DROP;
		goto out;
	}
	sy_peer_seen(sy, sv->child, "child", NULL, &lag, 0);
	if (bt.n == 0 && bt.big.p == NULL && mono_ms() < pw->deadline &&
	    !atomic_load(&sy->stopping)) {
		r = SERVE_PARK;
		goto out;
	}
	if (m->parts)
		*err = pulled_parts(m, &bt, out, outlen);
	else
		*err = pk_sync_pulled_encode(bt.b, bt.n, bt.full, out, outlen);
out:
	sy_batch_free(&bt);
	pk_heads_free(&mine);
	return r;
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

static void pull_wait_free(struct pull_wait *pw)
{
	if (pw == NULL)
		return;
	pk_heads_free(&pw->have);
	free(pw->plain);
	free(pw);
}

void sy_wait_free(struct slot *sl)
{
	pull_wait_free(sl->pw);
	sl->pw = NULL;
}

bool sy_wait_on_pipe(const struct slot *sl, uint32_t pipe)
{
	return sl->pw != NULL && sl->pw->sv.pipe == pipe;
}

/* Seals the reply plaintext of a request of session id, answering counter. */
static int seal_reply(struct sync *sy, const uint8_t id[PK_SESSION_ID_BYTES], uint64_t counter,
                      const struct pk_sync_msg *m, const uint8_t *reply, size_t rlen, uint8_t **out,
                      size_t *outlen)
{
	struct srv_session *ss;
	int err;

	pthread_mutex_lock(&sy->slock);
	ss = session_find(sy, id);
	if (ss != NULL) {
		/* A child on a thin link asks for less than a whole batch: its replies get the
		 * strongest compression (SPEC section 16, "Units"). */
		int level = ss->ps.level;

		if (level > 0 && m->kind == PK_SYNC_PULL && m->max_bytes < sy->cfg->batch_bytes &&
		    rlen > SY_SMALL_MSG)
			ss->ps.level = PK_ZSTD_LEVEL_MAX;
		err = pk_seal_reply(&ss->ps, counter, reply, rlen, out, outlen);
		ss->ps.level = level;
	} else {
		err = PK_ESTATE;
	}
	pthread_mutex_unlock(&sy->slock);
	return err;
}

/* An error message as the answer (section 15): SERVE_REPLY, or SERVE_DROP when it cannot be
 * made. */
static enum serve_result answer_error(const char *code, const char *text, uint8_t **out,
                                      size_t *outlen)
{
	return reply_error(code, text, out, outlen) == 0 ? SERVE_REPLY : SERVE_DROP;
}

/* The answer to a request that failed with err. */
static enum serve_result refusal(int err, uint8_t **out, size_t *outlen)
{
	return answer_error(err == PK_ENOMEM ? "busy" : "refused", pk_strerror(err), out, outlen);
}

/* A pull's answer (now or after its wait), sealed; or why there is none yet. */
static enum serve_result pull_answer(struct pull_wait *pw, uint64_t *gen, uint8_t **out,
                                     size_t *outlen)
{
	struct sync *sy = pw->sv.sy;
	uint8_t *reply = NULL;
	size_t rlen = 0;
	enum serve_result r;
	int err = 0;

	r = pull_try(pw, gen, &reply, &rlen, &err);
	if (r == SERVE_REPLY && err != 0)
		r = refusal(err, out, outlen);
	else if (r == SERVE_REPLY &&
	         seal_reply(sy, pw->id, pw->counter, &pw->m, reply, rlen, out, outlen) != 0)
		r = SERVE_DROP;
	else if (r == SERVE_REPLY)
		metrics_link_bytes(pw->sv.child, "child", pw->len, *outlen);
	free(reply);
	return r;
}

/*
 * A sealed request: opens it in its session, serves it, seals the answer. A pull with nothing
 * to send yet is handed back as *wait (SERVE_PARK), its plaintext with it.
 */
static enum serve_result serve_sealed(struct sync *sy, uint32_t pipe, const uint8_t *buf,
                                      size_t len, struct pull_wait **wait, uint64_t *gen,
                                      uint8_t **out, size_t *outlen)
{
	uint8_t id[PK_SESSION_ID_BYTES], *plain = NULL, *reply = NULL;
	struct srv_session *ss;
	struct pull_wait *pw;
	struct served sv;
	struct pk_sync_msg m;
	struct pk_diag d = {""};
	size_t plen, rlen = 0;
	uint64_t counter;
	enum serve_result r;
	int err;

	memset(&sv, 0, sizeof(sv));
	sv.sy = sy;
	sv.pipe = pipe;
	if (pk_sealed_session(buf, len, id, &counter) != 0)
		return answer_error("malformed", "not a sealed message", out, outlen);
	pthread_mutex_lock(&sy->slock);
	if ((ss = session_find(sy, id)) == NULL) {
		pthread_mutex_unlock(&sy->slock);
		return answer_error("unknown-session", "no such session", out, outlen);
	}
	/* A session resumed on a new connection (section 14) counts against max_children like a
	 * hello: another child may have taken the place its cut left. */
	if (ss->pipe != pipe && children_connected(sy, ss->child) >= sy->cfg->max_children) {
		short_key(sv.name, ss->child);
		pthread_mutex_unlock(&sy->slock);
		log_warnx("hello-refused",
		          "%s: a resumed session: this node already serves %u children, [limits] "
		          "max_children",
		          sv.name, (unsigned)sy->cfg->max_children);
		return answer_error("full", "the parent serves as many children as it may", out,
		                    outlen);
	}
	err = pk_open_request(&ss->ps, buf, len, &plain, &plen, &counter);
	if (err == 0) {
		ss->established = true;
		ss->last_ms = mono_ms();
		ss->pipe = pipe;
		memcpy(sv.child, ss->child, PK_PUB_BYTES);
		sv.join = ss->join;
		memcpy(sv.secret, ss->secret, sizeof(sv.secret));
		memcpy(sv.region, ss->region, sizeof(sv.region));
		sv.features = ss->ps.features;
	}
	pthread_mutex_unlock(&sy->slock);
	if (err != 0)
		return answer_error(pk_errmsg_code(err), "request refused", out, outlen);
	short_key(sv.name, sv.child);
	if ((err = pk_sync_decode(plain, plen, PK_SYNC_REQUEST, &m, &d)) != 0) {
		log_warnx("request-refused", "%s: %s", sv.name, d.msg);
		free(plain);
		return answer_error(pk_errmsg_code(err), "request refused", out, outlen);
	}
	if (!sv.join || m.kind != PK_SYNC_JOIN) {
		sv.n = store_origin_path(sy->s, sv.child, sv.path);
		if (sv.n < 2 && m.kind != PK_SYNC_JOIN) {
			free(plain);
			return answer_error("refused", "not a child of this node", out, outlen);
		}
	}
	if (m.kind == PK_SYNC_PULL) {
		if ((pw = calloc(1, sizeof(*pw))) == NULL) {
			free(plain);
			return refusal(PK_ENOMEM, out, outlen);
		}
		pw->sv = sv;
		pw->m = m;
		pw->plain = plain;
		memcpy(pw->id, id, sizeof(id));
		pw->counter = counter;
		pw->len = len;
		pw->deadline = mono_ms() + m.wait_ms;
		if ((err = pk_heads_from_list(&pw->have, &m.heads)) != 0) {
			pull_wait_free(pw);
			return refusal(err, out, outlen);
		}
		if ((r = pull_answer(pw, gen, out, outlen)) == SERVE_PARK)
			*wait = pw;
		else
			pull_wait_free(pw);
		return r;
	}
	switch (m.kind) {
	case PK_SYNC_HEADS:
		err = serve_heads(&sv, &m, &reply, &rlen);
		break;
	case PK_SYNC_PUSH:
		err = serve_push(&sv, &m, &reply, &rlen);
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
		return refusal(err, out, outlen);
	}
	err = seal_reply(sy, id, counter, &m, reply, rlen, out, outlen);
	metrics_link_bytes(sv.child, "child", len, err == 0 ? *outlen : 0);
	free(reply);
	return err == 0 ? SERVE_REPLY : SERVE_DROP;
}

enum serve_result sy_serve(struct sync *sy, struct slot *sl, uint8_t **reply, size_t *rlen,
                           uint64_t *park_ms)
{
	enum serve_result r = SERVE_DROP;
	nng_msg *msg = sl->msg;
	uint64_t t;

	sl->msg = NULL;
	if (sl->pw != NULL) { /* a parked long poll, woken */
		r = pull_answer(sl->pw, &sl->gen, reply, rlen);
	} else if (msg != NULL) {
		const uint8_t *body = nng_msg_body(msg);
		size_t len = nng_msg_len(msg);

		switch (pk_msg_kind(body, len)) {
		case PK_MSG_HELLO:
			if (serve_hello(sy, nng_msg_get_pipe(msg), body, len, reply, rlen) == 0 &&
			    *reply != NULL)
				r = SERVE_REPLY;
			break;
		case PK_MSG_SEALED:
			r = serve_sealed(sy, nng_pipe_id(nng_msg_get_pipe(msg)), body, len, &sl->pw,
			                 &sl->gen, reply, rlen);
			break;
		default:
			if (reply_error("malformed", "not a pokja message", reply, rlen) == 0)
				r = SERVE_REPLY;
		}
		nng_msg_free(msg);
	}
	if (r == SERVE_PARK) {
		t = mono_ms();
		*park_ms = sl->pw->deadline > t ? sl->pw->deadline - t : 0;
	} else {
		sy_wait_free(sl);
	}
	return r;
}

/* ---- resumed connections -------------------------------------------------------------------- */

/*
 * The listen port's question (gate_admit_fn): may a new connection open with this sealed
 * message? Only as a request of a live established session (not one opened to join) that the
 * session would accept now; checking it changes nothing (pk_check_request), so serve_sealed then
 * opens it as any other request.
 */
bool sy_session_admits(void *arg, const uint8_t *buf, size_t len, bool whole)
{
	struct sync *sy = arg;
	uint8_t id[PK_SESSION_ID_BYTES];
	struct srv_session *ss;
	bool ok;

	if (pk_sealed_prefix(buf, len, id) != 0)
		return false;
	pthread_mutex_lock(&sy->slock);
	ss = session_find(sy, id);
	ok = ss != NULL && ss->established && !ss->join && mono_ms() - ss->last_ms <= IDLE_MS &&
	     (!whole || pk_check_request(&ss->ps, buf, len) == 0);
	pthread_mutex_unlock(&sy->slock);
	return ok;
}
