/*
 * sync.c: replication over nng (see sync.h; protocol in proto/SPEC.md Part II): starting and
 * stopping, the sockets, and the watcher that wakes every loop when the store changes. The
 * server, the client loops, peers and batches are in sync_*.c (sync_int.h).
 */
#include <errno.h>
#include <limits.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "gate.h"
#include "log.h"
#include "metrics.h"
#include "sync_int.h"

/* ---- the watcher ------------------------------------------------------------------------ */

/*
 * The watcher thread sleeps in poll() until something happens or a deadline comes; nothing in it
 * runs on a clock faster than [health] heartbeat. What wakes it:
 *  - a commit in this process: the store calls committed() on the committing thread, which
 *    wakes the loops at once (sy_wake) and the watcher through its eventfd;
 *  - a commit in another process (pokjactl): the datagram it sends to the store's notification
 *    socket (store.h, "commit notification"), which makes note_fd readable;
 *  - a peer whose state changed (sy_watch_peers) and stop: the eventfd;
 *  - the next deadline: a held changeset's time, a peer going silent or due to be written, the
 *    health record due, the store-change jobs held back by JOBS_GAP_MS, and the heartbeat.
 * An idle node with no children thus wakes once per heartbeat.
 */
#define JOBS_GAP_MS 1000 /* the jobs a change calls for, at most this often */

static void watcher_poke(struct sync *sy)
{
	uint64_t one = 1;
	bool failed;

	pthread_mutex_lock(&sy->wake_lock);
	failed = sy->wake_fd >= 0 && write(sy->wake_fd, &one, sizeof(one)) != sizeof(one) &&
	         errno != EAGAIN;
	pthread_mutex_unlock(&sy->wake_lock);
	if (failed)
		log_warn("watch", "cannot wake the watcher");
}

/* Wakes every loop waiting in wait_change and every parked long poll: the store changed, or a
 * new session with the parent opened (the uplink then re-learns where the parent stands). */
void sy_wake(struct sync *sy)
{
	pthread_mutex_lock(&sy->lock);
	sy->gen++;
	pthread_cond_broadcast(&sy->changed);
	pthread_mutex_unlock(&sy->lock);
	sy_slots_wake(sy, 0);
}

void sy_watch_peers(struct sync *sy)
{
	if (!atomic_exchange(&sy->w_peers, true))
		watcher_poke(sy);
}

/* The store's commit callback (store_notify_listen): a commit by any thread of this process. The
 * watcher is poked only when it has taken the last one, so a burst of commits costs it one wake. */
static void committed(void *arg)
{
	struct sync *sy = arg;

	sy_wake(sy);
	if (!atomic_exchange(&sy->w_store, true))
		watcher_poke(sy);
}

uint64_t sy_session_epoch(struct sync *sy)
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
	metrics_released(o);
	if (pk_cs_decode(raw, len, &cs, NULL) == 0)
		short_key(k, cs.origin);
	if (o->err == 0)
		log_info("held-applied", "origin %s seq %llu: its time has come; applied", k,
		         (unsigned long long)cs.seq);
	else if (o->err != PK_EEXIST && o->err != PK_EHELD)
		log_warnx("held-refused", "origin %s seq %llu: %s: %s", k,
		          (unsigned long long)cs.seq, pk_errtag(o->err), o->why.msg);
}

/* Applies the held changesets that are due; returns the monotonic time to look again: the
 * earliest held one's time, else HELD_RECHECK_MS from now (a changeset held later is a commit,
 * which brings the watcher back sooner). */
static uint64_t held_release(struct sync *sy)
{
	uint64_t next = 0, wall = now_ms(), mono = mono_ms();
	int err;

	if ((err = store_held_release(sy->s, wall, held_told, NULL, &next)) != 0)
		log_error("held-failed", "cannot apply held changesets: %s", pk_strerror(err));
	if (err != 0 || next == 0 || next > wall + HELD_RECHECK_MS)
		return mono + HELD_RECHECK_MS;
	return mono + (next > wall ? next - wall : 0);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int sync_run(struct sync *sy, const sigset_t *stop)
{
	struct pollfd pf[3] = {{sy->wake_fd, POLLIN, 0}, {sy->note_fd, POLLIN, 0}, {-1, POLLIN, 0}};
	struct signalfd_siginfo si;
	int sig = 0;
	uint64_t t = mono_ms(), beat = sy->cfg->heartbeat_ms, beat_at = t + beat, jobs_at = 0,
	         release_at = t, peers_at = t, health_due = UINT64_MAX,
	         seen = store_generation(sy->s), next, g, buf;
	/* At start: the held changesets, and a receipt for an arahan that arrived while pokjad
	 * was down (or just before it was killed). */
	bool changed = true, beat_due, jobs_due;

	if ((pf[2].fd = signalfd(-1, stop, SFD_CLOEXEC)) < 0) {
		log_warn("watch", "cannot take the stop signals through a signalfd");
		return -1;
	}
	while (!atomic_load(&sy->stopping)) {
		if ((pf[2].revents & POLLIN) && read(pf[2].fd, &si, sizeof(si)) == sizeof(si)) {
			sig = (int)si.ssi_signo;
			break;
		}
		if (pf[0].revents & POLLIN)
			while (read(sy->wake_fd, &buf, sizeof(buf)) == sizeof(buf))
				;
		if (pf[1].revents & POLLIN) { /* another process committed */
			store_notify_drain(sy->note_fd);
			sy_wake(sy);
			changed = true;
		}
		/* Taken only when due, so that commits meanwhile do not poke the watcher. */
		if (!changed && atomic_exchange(&sy->w_store, false))
			changed = true;
		if (atomic_exchange(&sy->w_peers, false))
			peers_at = 0;
		t = mono_ms();
		beat_due = jobs_due = false;
		if (t >= beat_at) {
			/* A writer that does not notify (another LMDB tool) shows here. */
			if ((g = store_generation(sy->s)) != seen) {
				seen = g;
				sy_wake(sy);
				changed = true;
			}
			beat_due = true;
			peers_at = 0;
			beat_at = t + beat;
		}
		if (changed && t >= jobs_at) {
			/* A push or a bundle may have held a changeset, brought an arahan, changed
			 * what the health record says. */
			jobs_due = true;
			jobs_at = t + JOBS_GAP_MS;
			release_at = 0;
		}
		/* Peers first: this node's first health record and its receipts wait for a peer's
		 * clock to be written (sy_clock_read), which a flush may just have done. */
		if (t >= peers_at) {
			peers_at = sy_peers_flush(sy, false);
			beat_due |= sy->health_at == 0;
		}
		if (t >= health_due)
			beat_due = true;
		if (beat_due || jobs_due) {
			health_due = sy_health_tick(sy);
			sy_receipt_tick(sy); /* at the heartbeat: a failed write's retry */
		}
		if (jobs_due) /* commits meanwhile, these jobs' own among them: after the gap */
			changed = atomic_exchange(&sy->w_store, false);
		if (t >= release_at)
			release_at = held_release(sy);
		next = earliest(earliest(beat_at, health_due), earliest(release_at, peers_at));
		if (changed)
			next = earliest(next, jobs_at);
		t = mono_ms();
		pf[0].revents = pf[1].revents = pf[2].revents = 0;
		if (atomic_load(&sy->stopping))
			break;
		/* A failure (EINTR, ENOMEM) only makes this pass come sooner. */
		(void)poll(pf, 3, next <= t ? 0 : next - t > INT_MAX ? INT_MAX : (int)(next - t));
	}
	close(pf[2].fd);
	for (int i = 0; i < 64 && sy_peers_flush(sy, true) == 0; i++)
		;
	return sig;
}

/* Waits until the store changes after generation `since`, stop, or ms pass. Returns the
 * current generation. */
uint64_t sy_wait_change(struct sync *sy, uint64_t since, uint64_t ms)
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

uint64_t sy_generation(struct sync *sy)
{
	uint64_t g;

	pthread_mutex_lock(&sy->lock);
	g = sy->gen;
	pthread_mutex_unlock(&sy->lock);
	return g;
}

/* ---- start and stop ------------------------------------------------------------------------- */

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
	nng_pipe_notify(sy->rep, NNG_PIPE_EV_REM_POST, sy_child_pipe_gone, sy);
	if ((rv = nng_listen(sy->rep, url, NULL, 0)) != 0)
		return sy_nng_diag(d, rv, PK_("cannot listen on"), url);
	return gate_start(&sy->gate, cfg->listen, name, sy->pub, &lim, sy_session_admits, sy, d);
}

static int start_server(struct sync *sy, struct pk_diag *d)
{
	int rv, err;

	/* Before anything listens: the gate's thread (a resumed session's admission) and nng's
	 * pipe callbacks read the session table from the first connection on. */
	if ((sy->sessions = calloc(SESSIONS_MAX, sizeof(*sy->sessions))) == NULL)
		return PK_ENOMEM;
	if ((rv = nng_rep0_open(&sy->rep)) != 0)
		return sy_nng_diag(d, rv, PK_("cannot open a socket for"), sy->cfg->listen);
	nng_socket_set_size(sy->rep, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	if (strncmp(sy->cfg->listen, "tcp://", 6) == 0) {
		if ((err = listen_gated(sy, d)) != 0) {
			nng_close(sy->rep);
			return err;
		}
	} else if ((rv = nng_listen(sy->rep, sy->cfg->listen, NULL, 0)) != 0) {
		nng_close(sy->rep);
		return sy_nng_diag(d, rv, PK_("cannot listen on"), sy->cfg->listen);
	}
	sy->serving = true;
	/* A slot per concurrent request: each child may hold a long poll and send a push. A slot
	 * is a context and an aio, no thread: SERVE_THREADS threads serve them all. */
	if ((err = sy_slots_start(sy, 2 * (int)sy->cfg->max_children + 2, d)) != 0)
		return err;
	log_info("listen", "serving children on %s (at most %u children, %d threads)",
	         sy->cfg->listen, (unsigned)sy->cfg->max_children, sy->nserve);
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
		return sy_nng_diag(d, rv, PK_("cannot open a socket for"), sy->cfg->parent_url);
	nng_socket_set_size(sy->req, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	nng_socket_set_ms(sy->req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if (nng_aio_alloc(&sy->up_aio, NULL, NULL) != 0 ||
	    nng_aio_alloc(&sy->down_aio, NULL, NULL) != 0)
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	nng_pipe_notify(sy->req, NNG_PIPE_EV_ADD_POST, sy_link_event, sy);
	nng_pipe_notify(sy->req, NNG_PIPE_EV_REM_POST, sy_link_event, sy);
	/* nng redials by itself, with a random delay that doubles up to RECONNMAXT. A dial is
	 * one TCP connect, cheap enough to try every few seconds, and a parent that is back is
	 * then found within REDIAL_MAX_MS instead of up to retry_max later; within
	 * REDIAL_FAST_MS while a cut is recent (sync_client.c, redial_pace). */
	nng_socket_set_ms(sy->req, NNG_OPT_RECONNMINT, (nng_duration)sy->cfg->retry_min_ms);
	nng_socket_set_ms(sy->req, NNG_OPT_RECONNMAXT,
	                  (nng_duration)(sy->cfg->retry_max_ms < REDIAL_MAX_MS
	                                     ? sy->cfg->retry_max_ms
	                                     : REDIAL_MAX_MS));
	if ((rv = nng_dial(sy->req, sy->cfg->parent_url, &sy->dialer, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(sy->req);
		return sy_nng_diag(d, rv, PK_("cannot dial"), sy->cfg->parent_url);
	}
	sy->dialing = true;
	atomic_fetch_add(&sy->live, 2);
	if (pthread_create(&sy->up, NULL, sy_uplink, sy) != 0) {
		atomic_fetch_sub(&sy->live, 2);
		return pk_diagf(d, PK_ENOMEM, "cannot start threads");
	}
	if (pthread_create(&sy->down, NULL, sy_downlink, sy) != 0) {
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
	struct pk_diag nd = {""};
	int err;

	*out = NULL;
	if (sy == NULL)
		return PK_ENOMEM;
	sy->s = s;
	sy->cfg = cfg;
	sy->started = now_ms() / 1000;
	sy->started_mono = mono_ms();
	store_set_max_skew(s, cfg->max_clock_skew_ms);
	store_set_max_hold(s, cfg->max_clock_hold_ms);
	memcpy(sy->pub, pub, PK_PUB_BYTES);
	memcpy(sy->sec, sec, PK_SEC_BYTES);
	pthread_mutex_init(&sy->lock, NULL);
	pthread_mutex_init(&sy->slock, NULL);
	pthread_mutex_init(&sy->clock, NULL);
	pthread_mutex_init(&sy->est_lock, NULL);
	pthread_mutex_init(&sy->wake_lock, NULL);
	pthread_mutex_init(&sy->qlock, NULL);
	pthread_cond_init(&sy->changed, NULL);
	pthread_cond_init(&sy->qcond, NULL);
	sy->note_fd = -1;
	if ((sy->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(sy);
		return pk_diagf(d, PK_EIO, "cannot start the watcher: %s", strerror(errno));
	}
	sy_peers_reset(sy);
	/* Without the socket, another process's commit is seen at the next heartbeat. */
	if (store_notify_listen(s, committed, sy, &sy->note_fd, &nd) != 0)
		log_warnx("watch", "%s; commits by pokjactl are seen within [health] heartbeat",
		          nd.msg);
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
	watcher_poke(sy);
	pthread_mutex_lock(&sy->lock);
	pthread_cond_broadcast(&sy->changed);
	pthread_mutex_unlock(&sy->lock);
	/* Every thread of ours ends by itself once its wait is cancelled: join them all first, so
	 * that any store transaction in flight has finished before anything is torn down. */
	while (atomic_load(&sy->live) > 0) {
		/* A thread may start its next wait just after a cancel: cancel until all are out.
		 */
		struct timespec ts = {0, 20 * 1000000L};
		if (sy->up_aio != NULL)
			nng_aio_cancel(sy->up_aio);
		if (sy->down_aio != NULL)
			nng_aio_cancel(sy->down_aio);
		pthread_mutex_lock(&sy->lock);
		pthread_cond_broadcast(&sy->changed);
		pthread_mutex_unlock(&sy->lock);
		nanosleep(&ts, NULL);
	}
	sy_slots_stop(sy);
	if (sy->dialing) {
		if (sy->up)
			pthread_join(sy->up, NULL);
		if (sy->down)
			pthread_join(sy->down, NULL);
	}
	/* Every thread of ours that commits has stopped (the PostgreSQL mirror stops first). */
	store_notify_unlisten(sy->s);
	pthread_mutex_lock(&sy->wake_lock);
	close(sy->wake_fd);
	sy->wake_fd = -1;
	pthread_mutex_unlock(&sy->wake_lock);
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
	sy_slots_free(sy);
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
	pthread_mutex_destroy(&sy->est_lock);
	pthread_mutex_destroy(&sy->wake_lock);
	pthread_mutex_destroy(&sy->qlock);
	pthread_cond_destroy(&sy->changed);
	pthread_cond_destroy(&sy->qcond);
	free(sy->sessions);
	free(sy->peers);
	free(sy);
}

void sync_shutdown(void)
{
	nng_fini();
}
