/*
 * sync_slots.c: serving children without a thread per request.
 *
 * Each slot is one nng context on the REP socket and one aio whose completion callback moves
 * it along:
 *
 *	SL_RECV --request--> SL_QUEUED --a serving thread--> SL_WORK --> SL_SEND --> SL_RECV
 *	                                                            \--> SL_PARK --> SL_QUEUED
 *
 * A received request goes on the run queue, taken by one of SERVE_THREADS threads, which does
 * the work (opening the session, verifying and applying a push, reading a batch) and sends
 * the reply without waiting for it. A long poll with nothing to send is parked: its aio
 * sleeps until the poll's time comes, and sy_wake cancels the sleep as soon as the store
 * changes, which queues the poll again. So a thousand children cost a thousand contexts and
 * aios, not a thousand threads, and nng's callbacks never block: they only take qlock.
 *
 * Every state change happens under qlock. nng runs a completion callback on one of its own
 * threads, never inside the call that started or cancelled the operation, so calling nng with
 * qlock held cannot deadlock.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sync_int.h"

/* How long a reply may take to be handed to the connection before it is dropped. */
#define SEND_TIMEOUT_MS 10000

static void slot_done(struct slot *sl)
{
	sl->state = SL_DONE;
	sl->sy->slots_live--;
	pthread_cond_broadcast(&sl->sy->qcond);
}

static void slot_recv(struct slot *sl)
{
	sl->state = SL_RECV;
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
}

static void slot_queue(struct slot *sl)
{
	struct sync *sy = sl->sy;

	sl->state = SL_QUEUED;
	sl->next = NULL;
	if (sy->qtail != NULL)
		sy->qtail->next = sl;
	else
		sy->qhead = sl;
	sy->qtail = sl;
	pthread_cond_broadcast(&sy->qcond); /* sy_slots_stop may wait on it too */
}

/* A slot's aio completed: a receive, a send, or a parked long poll's sleep (its time came, or
 * sy_slots_wake or sy_slots_stop cancelled it). Runs on an nng thread. */
static void slot_cb(void *arg)
{
	struct slot *sl = arg;
	struct sync *sy = sl->sy;
	int rv = nng_aio_result(sl->aio);
	bool stopping;
	nng_msg *m;

	/* Read under qlock: a serving thread leaves only when stopping is set and the queue is
	 * empty under it, so nothing queued here is left behind. */
	pthread_mutex_lock(&sy->qlock);
	stopping = atomic_load(&sy->stopping);
	switch (sl->state) {
	case SL_RECV:
		if (rv != 0) {
			if (stopping || rv == NNG_ECLOSED)
				slot_done(sl);
			else
				slot_recv(sl);
			break;
		}
		m = nng_aio_get_msg(sl->aio);
		if (stopping) {
			nng_msg_free(m);
			slot_done(sl);
			break;
		}
		sl->msg = m;
		slot_queue(sl);
		break;
	case SL_SEND:
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(sl->aio));
		if (stopping || rv == NNG_ECLOSED)
			slot_done(sl);
		else
			slot_recv(sl);
		break;
	case SL_PARK:
		if (stopping) {
			sy_wait_free(sl);
			slot_done(sl);
		} else {
			slot_queue(sl);
		}
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&sy->qlock);
}

/* Hands what serving came to back to nng. Call with qlock. */
static void slot_after(struct slot *sl, enum serve_result r, uint8_t *reply, size_t rlen,
                       uint64_t park_ms)
{
	struct sync *sy = sl->sy;
	nng_msg *m = NULL;

	if (atomic_load(&sy->stopping)) {
		sy_wait_free(sl);
		slot_done(sl);
		return;
	}
	switch (r) {
	case SERVE_REPLY:
		if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, reply, rlen) != 0) {
			if (m != NULL)
				nng_msg_free(m);
			slot_recv(sl);
			return;
		}
		sl->state = SL_SEND;
		nng_aio_set_msg(sl->aio, m);
		nng_aio_set_timeout(sl->aio, SEND_TIMEOUT_MS);
		nng_ctx_send(sl->ctx, sl->aio);
		return;
	case SERVE_PARK:
		/* A change after the poll looked and before qlock was taken must not be missed:
		 * sy_wake bumps the generation before it wakes the parked, so compare. */
		if (sy_generation(sy) != sl->gen) {
			slot_queue(sl);
			return;
		}
		sl->state = SL_PARK;
		nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
		nng_sleep_aio(park_ms > INT32_MAX ? INT32_MAX : (nng_duration)park_ms, sl->aio);
		return;
	case SERVE_DROP:
		slot_recv(sl);
		return;
	}
}

static void *serve_thread(void *arg)
{
	struct sync *sy = arg;
	enum serve_result r;
	struct slot *sl;
	uint8_t *reply;
	uint64_t park_ms;
	size_t rlen;

	pthread_mutex_lock(&sy->qlock);
	for (;;) {
		while (sy->qhead == NULL && !atomic_load(&sy->stopping))
			pthread_cond_wait(&sy->qcond, &sy->qlock);
		if ((sl = sy->qhead) == NULL)
			break; /* stopping, and nothing left */
		if ((sy->qhead = sl->next) == NULL)
			sy->qtail = NULL;
		if (atomic_load(&sy->stopping)) { /* drop what is left */
			nng_msg_free(sl->msg);
			sl->msg = NULL;
			sy_wait_free(sl);
			slot_done(sl);
			continue;
		}
		sl->state = SL_WORK;
		pthread_mutex_unlock(&sy->qlock);
		reply = NULL;
		rlen = 0;
		park_ms = 0;
		r = sy_serve(sy, sl, &reply, &rlen, &park_ms);
		pthread_mutex_lock(&sy->qlock);
		slot_after(sl, r, reply, rlen, park_ms);
		free(reply);
	}
	pthread_mutex_unlock(&sy->qlock);
	return NULL;
}

void sy_slots_wake(struct sync *sy, uint32_t pipe)
{
	pthread_mutex_lock(&sy->qlock);
	for (int i = 0; i < sy->nslots; i++) {
		struct slot *sl = &sy->slots[i];
		if (sl->state == SL_PARK && (pipe == 0 || sy_wait_on_pipe(sl, pipe)))
			nng_aio_cancel(sl->aio); /* its callback queues it */
	}
	pthread_mutex_unlock(&sy->qlock);
}

int sy_slots_start(struct sync *sy, int nslots, struct pk_diag *d)
{
	struct slot *slots;
	pthread_attr_t attr;
	int n;

	if ((slots = calloc((size_t)nslots, sizeof(*slots))) == NULL)
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	for (n = 0; n < nslots; n++) {
		struct slot *sl = &slots[n];
		sl->sy = sy;
		if (nng_ctx_open(&sl->ctx, sy->rep) != 0)
			break;
		if (nng_aio_alloc(&sl->aio, slot_cb, sl) != 0) {
			nng_ctx_close(sl->ctx);
			break;
		}
	}
	/* Published under qlock: a commit on another thread may already look for parked polls. */
	pthread_mutex_lock(&sy->qlock);
	sy->slots = slots;
	sy->nslots = n;
	pthread_mutex_unlock(&sy->qlock);
	if (n == 0)
		return pk_diagf(d, PK_ENOMEM, "cannot open a context on the listen socket");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVE_STACK);
	for (sy->nserve = 0; sy->nserve < SERVE_THREADS; sy->nserve++)
		if (pthread_create(&sy->serve_tid[sy->nserve], &attr, serve_thread, sy) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (sy->nserve == 0)
		return pk_diagf(d, PK_ENOMEM, "cannot start the threads that serve children");
	pthread_mutex_lock(&sy->qlock);
	sy->slots_live = sy->nslots;
	for (int i = 0; i < sy->nslots; i++)
		slot_recv(&sy->slots[i]);
	pthread_mutex_unlock(&sy->qlock);
	return 0;
}

void sy_slots_stop(struct sync *sy)
{
	struct timespec dl;

	pthread_mutex_lock(&sy->qlock);
	pthread_cond_broadcast(&sy->qcond);
	/* A slot may start its next operation just after a cancel: cancel until all are done.
	 * A request being served finishes first (a store transaction in flight among them). */
	while (sy->slots_live > 0) {
		for (int i = 0; i < sy->nslots; i++) {
			enum slot_state st = sy->slots[i].state;
			if (st == SL_RECV || st == SL_SEND || st == SL_PARK)
				nng_aio_cancel(sy->slots[i].aio);
		}
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 20 * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sy->qcond, &sy->qlock, &dl);
	}
	pthread_mutex_unlock(&sy->qlock);
	for (int i = 0; i < sy->nserve; i++)
		pthread_join(sy->serve_tid[i], NULL);
	sy->nserve = 0;
}

void sy_slots_free(struct sync *sy)
{
	struct slot *slots;
	int n;

	pthread_mutex_lock(&sy->qlock);
	slots = sy->slots;
	n = sy->nslots;
	sy->slots = NULL;
	sy->nslots = 0;
	pthread_mutex_unlock(&sy->qlock);
	for (int i = 0; i < n; i++)
		nng_aio_free(slots[i].aio);
	free(slots);
}
