/*
 * sync_client.c: talking to the parent: sealed calls on the shared client session, the back-off,
 * the link events, and the two loops, up (push what the parent lacks) and down (pull).
 */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "sync_int.h"

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

		err = sy_handshake(ctx, aio, sy->sec, sy->parent, NULL,
		                   (int)sy->cfg->compression_level, CALL_TIMEOUT_MS,
		                   &sy->link_downs, &ps, &ptime, &d);
		if (err != 0) {
			pthread_mutex_unlock(&sy->clock);
			log_warnx("parent-session", "%s", d.msg);
			return err;
		}
		if (ptime != 0) {
			int64_t skew = pk_clock_skew(ptime, now_ms() / 1000);

			sy_peer_clock(sy, sy->parent, "parent", &skew, 0);
		}
		sy->cs = ps;
		sy->have_cs = true;
		sy->cs_epoch++;
		pk_session_wipe(&ps);
		metrics_session_opened("parent");
		log_info("parent-session", "session with the parent opened%s",
		         (sy->cs.features & PK_FEAT_ZSTD) != 0 ? " (zstd compression)" : "");
		sy_wake(sy);
	}
	err = pk_seal_request(&sy->cs, req, len, &sealed, &slen);
	counter = sy->cs.sent;
	epoch = sy->cs_epoch;
	pthread_mutex_unlock(&sy->clock);
	if (err != 0)
		return err;
	err = sy_roundtrip(ctx, aio, sealed, slen, timeout_ms, &sy->link_downs, &reply);
	metrics_link_bytes(sy->parent, "parent", err == 0 ? nng_msg_len(reply) : 0, slen);
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
		sy_wait_change(sy, sy_generation(sy), until - t < 100 ? until - t : 100);
	*delay = *delay * 2 > sy->cfg->retry_max_ms ? sy->cfg->retry_max_ms : *delay * 2;
}

/*
 * nng calls this when a connection to the parent is made or lost. A request sent on a lost
 * connection is never answered (REQ's own resend is off, since a resent request would be a
 * replay), so its wait is cancelled at once and the loop retries on the next connection.
 */
void sy_link_event(nng_pipe p, nng_pipe_ev ev, void *arg)
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

void *sy_uplink(void *arg)
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
		gen = sy_generation(sy);
		mine.n = 0;
		if (sy_my_heads(sy, NULL, 0, &mine) != 0)
			goto retry;
		/* A new session (the parent may have restarted, or been restored): ask again. */
		if (sy_session_epoch(sy) != heads_epoch)
			heads_at = 0;
		if (heads_at == 0 || mono_ms() - heads_at > HEADS_EVERY_MS) {
			/* While the clocks disagree, read them again at each exchange. */
			if (heads_at != 0 && sy_parent_skewed(sy))
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
			heads_epoch = sy_session_epoch(sy);
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
		sy_batch_free(&bt);
		bt.budget = sy->cfg->batch_bytes;
		bt.max = sy->cfg->batch_changesets;
		lag = (int64_t)sy_batch_fill(sy, &mine, &theirs, &up, &bt);
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
			/* Kept, so that `pokjactl status` counts what is not yet acknowledged. */
			if (progress)
				store_peer_heads_put(sy->s, sy->parent, theirs.h, theirs.n, 0);
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
			sy_peer_seen(sy, sy->parent, "parent", &lag, NULL, nref);
			if (nheld > 0) {
				log_warnx("push-held",
				          "the parent holds %zu changesets of this node stamped "
				          "ahead of its clock, until their time comes",
				          nheld);
				sy_peer_clock(sy, sy->parent, "parent", NULL, nheld);
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
		sy_peer_seen(sy, sy->parent, "parent", &lag, NULL, 0);
		delay = sy->cfg->retry_min_ms;
		sy_wait_change(sy, gen, 5000);
		continue;
	retry:
		free(plain);
		plain = NULL;
		heads_at = 0;
		sy_peer_lost(sy, sy->parent, "parent");
		backoff(sy, &delay);
	}
	sy_batch_free(&bt);
	pk_heads_free(&mine);
	pk_heads_free(&theirs);
	nng_ctx_close(ctx);
	atomic_fetch_sub(&sy->live, 1);
	return NULL;
}

void *sy_downlink(void *arg)
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
		if (sy_my_heads(sy, NULL, 0, &mine) != 0 ||
		    store_heads_add_held(sy->s, &mine) != 0 ||
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
		metrics_ingested(&r);
		free(plain);
		plain = NULL;
		if (serr != 0)
			goto retry;
		sy_peer_seen(sy, sy->parent, "parent", NULL, &zero, r.refused);
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
		sy_peer_lost(sy, sy->parent, "parent");
		backoff(sy, &delay);
	}
	pk_heads_free(&mine);
	nng_ctx_close(ctx);
	atomic_fetch_sub(&sy->live, 1);
	return NULL;
}
