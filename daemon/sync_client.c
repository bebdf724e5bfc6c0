/*
 * sync_client.c: talking to the parent: sealed calls on the shared client session, the back-off,
 * the link events, and the two loops, up (push what the parent lacks) and down (pull).
 */
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "staging.h"
#include "sync_int.h"

/* Opens the session with the parent, under sy->clock, when there is none. */
static int session_open_locked(struct sync *sy, nng_ctx ctx, nng_aio *aio)
{
	struct pk_diag d = {""};
	struct pk_session ps;
	uint64_t ptime = 0, t0 = mono_ms();
	unsigned ups = atomic_load(&sy->link_ups);
	bool connected = atomic_load(&sy->link_up_ms) != 0;
	int err;

	if (sy->have_cs)
		return 0;
	err = sy_handshake(ctx, aio, sy->sec, sy->parent, NULL, (int)sy->cfg->compression_level,
	                   PK_FEAT_PARTS | PK_FEAT_RESUME, CALL_TIMEOUT_MS, &sy->link_downs, &ps,
	                   &ptime, &d);
	if (err != 0) {
		log_warnx("parent-session", "%s", d.msg);
		return err;
	}
	/* A hello and a welcome are small: their time is a round trip, unless it also waited for
	 * the connection to be made (TCP, nng's header: two more round trips on a thin link). */
	pthread_mutex_lock(&sy->est_lock);
	linkest_note(&sy->est, 0, 0, 0, 0, mono_ms() - t0,
	             !connected || atomic_load(&sy->link_ups) != ups);
	pthread_mutex_unlock(&sy->est_lock);
	/* A welcome is contact: the parent shows connected from now, before its clock is noted
	 * (the first health record waits for that, and would otherwise say "not connected"). */
	sy_peer_seen(sy, sy->parent, "parent", NULL, NULL, 0);
	if (ptime != 0) {
		int64_t skew = pk_clock_skew(ptime, now_ms() / 1000);

		sy_peer_clock(sy, sy->parent, "parent", &skew, 0);
	}
	sy->cs = ps;
	sy->have_cs = true;
	sy->cs_epoch++;
	sy->cs_ups = ups;
	sy->resume_fails = 0;
	pk_session_wipe(&ps);
	metrics_session_opened("parent");
	log_info("parent-session", "session with the parent opened%s%s%s",
	         (sy->cs.features & PK_FEAT_ZSTD) != 0 ? " (zstd compression)" : "",
	         (sy->cs.features & PK_FEAT_PARTS) != 0 ? " (parts)" : "",
	         (sy->cs.features & PK_FEAT_RESUME) != 0 ? " (resume)" : "");
	sy_wake(sy);
	return 0;
}

/* Opens the session with the parent when there is none; *features: what it chose. */
static int session_ensure(struct sync *sy, nng_ctx ctx, nng_aio *aio, uint64_t *features)
{
	int err;

	pthread_mutex_lock(&sy->clock);
	err = session_open_locked(sy, ctx, aio);
	*features = err == 0 ? sy->cs.features : 0;
	pthread_mutex_unlock(&sy->clock);
	return err;
}

/* The size of the next unit up or down (linkest.h), and whether the link is thin. */
static size_t unit_size(struct sync *sy, bool up, bool *thin)
{
	size_t cap = sy->cfg->batch_bytes, unit;

	pthread_mutex_lock(&sy->est_lock);
	unit = linkest_unit(&sy->est, up, cap);
	pthread_mutex_unlock(&sy->est_lock);
	if (thin != NULL)
		*thin = unit < cap;
	return unit;
}

/*
 * A sealed request to the parent and its reply, on the shared client session (opened here when
 * there is none). On any session-level failure the session is dropped, so the next call opens a
 * new one; except that with PK_FEAT_RESUME a session whose connection was cut goes on over the
 * next one (SPEC section 14, "Resumed connections"). The first request on a new connection may
 * be lost to a cut or closed by the parent's port for a session it no longer holds (it
 * restarted), which look the same from here: the session is dropped after RESUME_TRIES such
 * losses in a row. A request too large to open a resumed connection (PK_RESUME_FIRST_MAX) gets a
 * new session first. Returns 0 and the decoded reply's plaintext in *plain (malloc'd). The
 * exchange is noted in the link estimate; held: the parent may have held it (a long poll).
 */
static int call(struct sync *sy, nng_ctx ctx, nng_aio *aio, const uint8_t *req, size_t len,
                int timeout_ms, bool held, uint8_t **plain, size_t *plen)
{
	struct pk_errmsg em;
	uint8_t *sealed = NULL;
	nng_msg *reply = NULL;
	uint64_t epoch, counter, t0, up_at;
	size_t slen, rlen;
	unsigned ups, downs;
	int err, level;
	bool thin, resumable, connected;

	pthread_mutex_lock(&sy->clock);
again:
	if ((err = session_open_locked(sy, ctx, aio)) != 0) {
		pthread_mutex_unlock(&sy->clock);
		return err;
	}
	/* A thin link is slow enough for the strongest compression (SPEC section 16, "Units"). */
	level = sy->cs.level;
	if (level > 0 && len > SY_SMALL_MSG) {
		unit_size(sy, true, &thin);
		if (thin)
			sy->cs.level = PK_ZSTD_LEVEL_MAX;
	}
	err = pk_seal_request(&sy->cs, req, len, &sealed, &slen);
	sy->cs.level = level;
	counter = sy->cs.sent;
	epoch = sy->cs_epoch;
	ups = atomic_load(&sy->link_ups);
	resumable = (sy->cs.features & PK_FEAT_RESUME) != 0 &&
	            (sy->cs_ups == ups || sy->resume_fails + 1 < RESUME_TRIES);
	if (err == 0 && (sy->cs.features & PK_FEAT_RESUME) != 0 && sy->cs_ups != ups &&
	    slen + REQ_HEADER_ROOM > PK_RESUME_FIRST_MAX) {
		/* Too large to open a resumed connection: a new session (its hello) first. */
		free(sealed);
		sealed = NULL;
		pk_session_wipe(&sy->cs);
		sy->have_cs = false;
		goto again;
	}
	pthread_mutex_unlock(&sy->clock);
	if (err != 0)
		return err;
	t0 = mono_ms();
	/* An exchange that also waited for a connection to be made, or during which the link was
	 * made again, says nothing of its throughput or round trip. */
	connected = atomic_load(&sy->link_up_ms) != 0;
	downs = atomic_load(&sy->link_downs);
	err = sy_roundtrip(ctx, aio, sealed, slen, timeout_ms, &sy->link_downs, &reply);
	metrics_link_bytes(sy->parent, "parent", err == 0 ? nng_msg_len(reply) : 0, slen);
	free(sealed);
	if (err != 0) {
		/* A unit lost to a timeout: the next ones are smaller (linkest_lost). A request
		 * the parent held (a pull) loses the reply it would have sent, if any. A unit
		 * lost to a cut is not congestion: the cut's own note sizes the units to fit
		 * between cuts (sy_link_event, linkest_cut). */
		pthread_mutex_lock(&sy->est_lock);
		if (atomic_load(&sy->link_downs) == downs && (slen >= LINKEST_SAMPLE_MIN || !held))
			linkest_lost(&sy->est, slen >= LINKEST_SAMPLE_MIN);
		pthread_mutex_unlock(&sy->est_lock);
		if (err == PK_EIO && resumable) {
			/* The session goes on over the next connection. */
			pthread_mutex_lock(&sy->clock);
			if (sy->cs_ups != ups && sy->have_cs && sy->cs_epoch == epoch)
				sy->resume_fails++;
			pthread_mutex_unlock(&sy->clock);
			return err;
		}
		goto drop;
	}
	if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0) {
		log_warnx("parent-error", "the parent answered: %s (%s)", em.text, em.code);
		nng_msg_free(reply);
		err = PK_EPERM;
		goto drop;
	}
	rlen = nng_msg_len(reply);
	pthread_mutex_lock(&sy->clock);
	if (sy->have_cs && sy->cs_epoch == epoch) {
		err = pk_open_reply(&sy->cs, counter, nng_msg_body(reply), nng_msg_len(reply),
		                    plain, plen);
		if (err == 0) {
			sy->cs_ups = ups;
			sy->resume_fails = 0;
		}
	} else
		err = PK_ESTATE; /* the session changed while this request was out */
	pthread_mutex_unlock(&sy->clock);
	nng_msg_free(reply);
	if (err == 0) {
		struct linkest e;

		up_at = atomic_load(&sy->link_up_ms);
		pthread_mutex_lock(&sy->est_lock);
		linkest_note(&sy->est, slen, len, rlen, *plen, mono_ms() - t0,
		             held || !connected || atomic_load(&sy->link_ups) != ups);
		if (up_at != 0)
			linkest_alive(&sy->est, mono_ms() - up_at);
		e = sy->est;
		pthread_mutex_unlock(&sy->est_lock);
		sy_peer_link(sy, sy->parent, &e);
		return 0;
	}
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

/* nng's redial: within REDIAL_FAST_MS while the last connection was lost less than
 * REDIAL_FAST_FOR_MS ago (a cut: the parent was there moments ago, and each dial is one TCP
 * connect), else the slower pace of start_client. Takes effect at nng's next redial. */
static void redial_pace(struct sync *sy)
{
	uint64_t lost = atomic_load(&sy->link_lost_ms);
	bool fast = lost != 0 && mono_ms() - lost < REDIAL_FAST_FOR_MS;
	uint64_t slow =
	    sy->cfg->retry_max_ms < REDIAL_MAX_MS ? sy->cfg->retry_max_ms : REDIAL_MAX_MS;

	if (atomic_exchange(&sy->redial_fast, fast) != fast)
		nng_dialer_set_ms(
		    sy->dialer, NNG_OPT_RECONNMAXT,
		    (nng_duration)(fast && REDIAL_FAST_MS < slow ? REDIAL_FAST_MS : slow));
}

/* Sleeps for the back-off, doubling it up to retry_max. A new connection to the parent (nng
 * redials by itself) or stopping cuts it short, so a parent that comes back is served at once. */
static void backoff(struct sync *sy, uint64_t *delay)
{
	uint64_t until = mono_ms() + *delay, t, gen;
	unsigned ups = atomic_load(&sy->link_ups);

	redial_pace(sy);
	/* The generation is read before the connection count: sy_link_event counts, then wakes. */
	for (;;) {
		gen = sy_generation(sy);
		if (atomic_load(&sy->stopping) || atomic_load(&sy->link_ups) != ups ||
		    (t = mono_ms()) >= until)
			break;
		sy_wait_change(sy, gen, until - t);
	}
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
	uint64_t up, now;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_store(&sy->link_up_ms, mono_ms());
		atomic_fetch_add(&sy->link_ups, 1);
		sy_wake(sy); /* ends a back-off */
		return;
	}
	/* How long the connection lasted: the units to come fit in such a time (linkest_cut). */
	if ((up = atomic_exchange(&sy->link_up_ms, 0)) != 0) {
		now = mono_ms();
		atomic_store(&sy->link_lost_ms, now);
		pthread_mutex_lock(&sy->est_lock);
		linkest_cut(&sy->est, now - up);
		pthread_mutex_unlock(&sy->est_lock);
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

/* The certificates of the origins in a push that the parent cannot have: those below this node;
 * with_big: also those of the changeset in parts (sent with the part that completes it). */
static void push_certs(struct sync *sy, const struct batch *bt, bool with_big, struct cert_list *cl)
{
	struct pk_changeset cs;

	cl->n = 0;
	for (size_t i = 0; i < bt->n + (with_big ? 1 : 0); i++) {
		const struct pk_blob *b = i < bt->n ? &bt->b[i] : &bt->big;

		if (pk_cs_decode(b->p, b->len, &cs, NULL) != 0 ||
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
	uint64_t features;
	uint8_t *req = NULL, *plain = NULL;
	size_t len, plen;
	struct pk_sync_msg m;
	struct pk_staged upart = {{0}, 0, 0}; /* what the parent holds of the changeset in parts */
	struct batch bt = {0};
	bool thin, cut = false, resume = false;
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
		/* A new session (the parent may have restarted, or been restored): ask again;
		 * unless the last one ended by a cut in the middle of a push, when the parent's
		 * heads from before stand (a cut every few seconds cannot spare a round trip per
		 * session), and a restarted or restored parent shows itself by refusing the next
		 * push (a refusal asks again below). */
		if (sy_session_epoch(sy) != heads_epoch) {
			if (resume)
				heads_epoch = sy_session_epoch(sy);
			else
				heads_at = 0;
		}
		resume = false;
		if (heads_at == 0 || mono_ms() - heads_at > HEADS_EVERY_MS) {
			/* While the clocks disagree, read them again at each exchange. */
			if (heads_at != 0 && sy_parent_skewed(sy))
				session_forget(sy);
			if (pk_sync_heads_encode(mine.h, mine.n, &req, &len) != 0)
				goto retry;
			err = call(sy, ctx, aio, req, len, CALL_TIMEOUT_MS, false, &plain, &plen);
			free(req);
			req = NULL;
			if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
			    m.kind != PK_SYNC_HEADS_REPLY)
				goto retry;
			err = pk_heads_from_list(&theirs, &m.heads);
			/* Where the changeset in parts stands at the parent (SPEC section 16). */
			if (m.parts)
				upart = m.has_staged ? m.pstaged : (struct pk_staged){{0}, 0, 0};
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
		/* Push what the parent lacks of this node's subtree, a unit at a time: the
		 * changesets that fit, or the next part of one that alone does not (SPEC section
		 * 16, "Parts"), on a thin link with a parent that takes parts. */
		sy_batch_free(&bt);
		bt.budget = unit_size(sy, true, &thin);
		bt.max = sy->cfg->batch_changesets;
		if (session_ensure(sy, ctx, aio, &features) != 0)
			goto retry;
		bt.parts = thin && (features & PK_FEAT_PARTS) != 0;
		lag = (int64_t)sy_batch_fill(sy, &mine, &theirs, &up, &bt);
		if (bt.n > 0 || bt.big.p != NULL) {
			struct pk_part part, *pp = NULL;

			/* A changeset in parts: its next part fills what the unit has left. */
			if (bt.big.p != NULL) {
				pp = &part;
				sy_part_next(&upart, &bt.big,
				             bt.budget > bt.bytes ? bt.budget - bt.bytes : 0, pp);
			}
			push_certs(sy, &bt, pp != NULL && part.offset + part.data.len == part.total,
			           &cl);
			err = pk_sync_push_part_encode(cl.c, cl.n, bt.b, bt.n, pp, &req, &len);
			for (size_t i = 0; i < cl.n; i++)
				free((void *)cl.c[i].p);
			if (err != 0)
				goto retry;
			err = call(sy, ctx, aio, req, len, CALL_TIMEOUT_MS, false, &plain, &plen);
			free(req);
			req = NULL;
			if (err == PK_EIO)
				cut = true;
			if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
			    m.kind != PK_SYNC_PUSHED || m.has_staged != (pp != NULL))
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
			if (pp != NULL) {
				log_debug("push-part",
				          "part %llu..%llu of %llu bytes with %zu changesets (%zu "
				          "bytes before sealing): the parent holds %llu",
				          (unsigned long long)part.offset,
				          (unsigned long long)(part.offset + part.data.len),
				          (unsigned long long)part.total, bt.n, len,
				          (unsigned long long)m.staged);
				/* Where the parent stands in the changeset: the next part starts
				 * there (a part it had already, or one it ignored, costs no more).
				 */
				progress |= m.staged > part.offset;
				memcpy(upart.hash, part.hash, PK_HASH_BYTES);
				upart.total = part.total;
				upart.have = m.staged < part.total ? m.staged : 0;
			}
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
		/* Nothing to send: until a commit, or the heartbeat (a parent's heads are asked
		 * again after HEADS_EVERY_MS). */
		sy_wait_change(sy, gen, sy->cfg->heartbeat_ms);
		continue;
	retry:
		free(plain);
		plain = NULL;
		if (cut && heads_at != 0)
			resume = true; /* see the session check at the top */
		else
			heads_at = 0;
		cut = false;
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

/* A part of a pulled reply: staged, and the changeset it completes goes in. Returns 0 or a
 * store failure. */
static int take_part(struct sync *sy, const struct ingest_from *from, const struct pk_part *p,
                     struct ingest_result *r)
{
	uint8_t *blob = NULL;
	uint64_t have;
	size_t len;
	int err;

	err = staging_take(sy->s, sy->parent, p, &have, &blob, &len);
	if (err == PK_EDECODE) {
		log_warnx("part-refused",
		          "the parts from the parent do not make the changeset they name; starting "
		          "it again");
		r->refused++;
		return 0;
	}
	if (err != 0 || blob == NULL)
		return err;
	err = ingest_one(sy->s, from, blob, len, r);
	free(blob);
	if (err == 0)
		err = staging_done(sy->s, sy->parent, p->hash);
	return err;
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
	uint64_t delay = sy->cfg->retry_min_ms, features;
	uint8_t *req = NULL, *plain = NULL;
	size_t len, plen, n;
	struct pk_sync_msg m;
	struct pk_staged st;
	nng_ctx ctx;
	nng_aio *aio;
	int64_t zero = 0;
	int err, serr, pn;
	bool pending = false; /* the last reply said more was waiting: this one is not held */

	if (nng_ctx_open(&ctx, sy->req) != 0) {
		atomic_fetch_sub(&sy->live, 1);
		return NULL;
	}
	aio = sy->down_aio;
	while (!atomic_load(&sy->stopping)) {
		mine.n = 0;
		if (sy_my_heads(sy, NULL, 0, &mine) != 0 ||
		    store_heads_add_held(sy->s, &mine) != 0 ||
		    session_ensure(sy, ctx, aio, &features) != 0)
			goto retry;
		/* With parts (SPEC section 16), ask for a unit the link carries in about
		 * LINKEST_UNIT_MS, and say what is held of a changeset coming in parts. */
		if ((features & PK_FEAT_PARTS) != 0)
			err = pk_sync_pull_part_encode(
			    mine.h, mine.n, sy->cfg->poll_wait_ms, unit_size(sy, false, NULL),
			    staging_get(sy->s, sy->parent, &st) == 0 ? &st : NULL, &req, &len);
		else
			err = pk_sync_pull_encode(mine.h, mine.n, sy->cfg->poll_wait_ms,
			                          sy->cfg->batch_bytes, &req, &len);
		if (err != 0)
			goto retry;
		err = call(sy, ctx, aio, req, len, (int)sy->cfg->poll_wait_ms + CALL_TIMEOUT_MS,
		           !pending, &plain, &plen);
		free(req);
		req = NULL;
		if (err != 0 || pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, NULL) != 0 ||
		    m.kind != PK_SYNC_PULLED)
			goto retry;
		pending = m.more || m.has_part;
		/* Only this node's lineage may come down (SPEC section 16), once its path is held.
		 */
		pn = store_origin_path(sy->s, sy->pub, path);
		parent = (struct outbox_peer){.rule = OUTBOX_LINEAGE, .path = path, .n = pn};
		from.sender = pn > 0 ? &parent : NULL;
		n = m.changesets.n;
		memset(&r, 0, sizeof(r));
		serr = ingest_batch(sy->s, &from, NULL, &m.changesets, &r);
		if (serr == 0 && m.has_part) {
			serr = take_part(sy, &from, &m.part, &r);
			n++;
		}
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
