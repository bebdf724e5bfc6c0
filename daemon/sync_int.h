/*
 * sync_int.h: what the files of the sync module (sync.h) share, and nothing outside them may use:
 * the state of one sync, a peer's record, the constants, and the sy_ functions each file gives
 * the others. Each function is listed under the file that defines it.
 */
#ifndef SYNC_INT_H
#define SYNC_INT_H

#include <nng/nng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "linkest.h"
#include "node.h"
#include "outbox.h"
#include "proto/compress.h"
#include "proto/session.h"
#include "sync.h"
#include "sync_link.h"

#define SESSIONS_MAX 512         /* sessions a parent keeps, all children together */
#define SESSIONS_PER_CHILD 4     /* established sessions per child (SPEC section 15) */
#define PENDING_MS 30000         /* a welcome not followed by a request is dropped */
#define IDLE_MS (10 * 60 * 1000) /* a session without requests ends */
#define CALL_TIMEOUT_MS 30000    /* a request that is not a long poll */
#define HEADS_EVERY_MS 30000     /* the child re-exchanges heads this often */
#define PEER_WRITE_MS 1000       /* peer status is written to the store at most this often */
#define PEER_CONTACT_MS 30000    /* ... and for a new contact time alone, this often */
#define HELD_RECHECK_MS 60000    /* the longest wait between two looks at held changesets */
#define SERVE_THREADS 2 /* threads serving children's requests, whatever max_children says */
#define SERVE_STACK (256 * 1024)
#define REDIAL_MAX_MS 5000       /* longest wait between two dials of the parent */
#define REDIAL_FAST_MS 500       /* ... while a cut is recent (the parent was there moments ago) */
#define REDIAL_FAST_FOR_MS 30000 /* how long a cut counts as recent */
#define RESUME_TRIES 3 /* first requests of a resumed session lost in a row before a new one */
#define PATH_MAX_KEYS (PK_CHAIN_MAX + 1)
/* nng counts its REQ/REP header (a 4-byte request id per hop) against NNG_OPT_RECVMAXSZ, so the
 * limit leaves room for it above the largest message body the protocol allows. */
#define NNG_HEADER_ROOM 1024
#define PART_MIN 1024        /* the least data a part carries (unless the changeset ends first) */
#define SY_URGENT_BYTES 4096 /* a changeset this small goes ahead of bulk (SPEC section 16) */
#define SY_SMALL_MSG 4096    /* a message this small is sealed at the configured level */
#define REQ_HEADER_ROOM 64   /* nng's REQ header, under PK_RESUME_FIRST_MAX with the request */

/* A parent's session with one child. */
struct srv_session {
	bool used, established, join;
	uint8_t child[PK_PUB_BYTES];
	uint8_t secret[PK_JOIN_SECRET_BYTES]; /* the invite's, for a join session */
	char region[PK_REGION_MAX + 1];       /* the invite's region, for a join session */
	uint64_t created_ms, last_ms;
	uint32_t pipe; /* nng's id of the connection its last request came on; 0: gone */
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

	/* Every commit to the store bumps gen and wakes whoever waits on changed (sync.c). */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t gen;
	/* The watcher (sync.c, on the thread that calls sync_run) sleeps in poll() on wake_fd (an
	 * eventfd: stop, or a flag below set), note_fd (the store's commit notification socket;
	 * -1: none) and the stop signals. */
	int wake_fd, note_fd;
	pthread_mutex_t wake_lock; /* a leaf: wake_fd's writes against its close (nng's pipe
	                            * callbacks may poke until the sockets are closed) */
	atomic_bool w_store;       /* a commit in this process since the watcher last looked */
	atomic_bool w_peers;       /* a peer became dirty or its state changed */

	/* Peers, under lock. */
	struct peer *peers;
	size_t npeers;

	/* The health record (sync_health.c), the watcher's only. */
	uint64_t started;      /* when sync_start ran, Unix seconds */
	uint64_t started_mono; /* ... monotonic milliseconds */
	uint64_t health_at;    /* monotonic ms of the last record written; 0: none yet */
	uint64_t health_sig;

	/* Receipts (sync_receipt.c), the watcher's only. */
	uint64_t receipt_gen;   /* the store generation last scanned; 0: none yet */
	uint64_t receipt_retry; /* monotonic ms after which a failed write is tried again */

	/* Serving children. */
	bool serving;
	nng_socket rep;
	struct gate *gate; /* owns a tcp:// listen port; nng listens on an internal socket */
	/* The request slots and the threads that serve them (sync_slots.c). */
	struct slot *slots;
	int nslots, slots_live; /* slots_live: not yet done, under qlock */
	pthread_t serve_tid[SERVE_THREADS];
	int nserve;
	pthread_mutex_t qlock; /* the run queue and every slot's state */
	pthread_cond_t qcond;  /* a slot queued, stop, or a slot done */
	struct slot *qhead, *qtail;
	pthread_mutex_t slock; /* the session table */
	struct srv_session *sessions;

	/* Talking to the parent. */
	bool dialing;
	nng_socket req;
	uint8_t parent[PK_PUB_BYTES];
	pthread_t up, down;
	atomic_uint link_ups;   /* connections made to the parent: a back-off ends at the next */
	atomic_uint link_downs; /* connections to the parent lost (roundtrip) */
	nng_dialer dialer;
	_Atomic uint64_t link_up_ms;   /* monotonic ms the current connection was made; 0: none */
	_Atomic uint64_t link_lost_ms; /* ... the last one was lost; 0: none yet */
	atomic_bool redial_fast;       /* the dialer's RECONNMAXT is REDIAL_FAST_MS */
	nng_aio *up_aio, *down_aio;    /* in flight to the parent; cancelled when its link drops */
	pthread_mutex_t clock;         /* the client session */
	struct pk_session cs;
	bool have_cs;
	uint64_t cs_epoch;
	/* link_ups when the session last had an answer: while it is current, the connection has
	 * carried the session, and the session outlives a cut of it (PK_FEAT_RESUME). */
	unsigned cs_ups;
	unsigned resume_fails; /* first requests on new connections lost in a row */
	/* What the link to the parent was measured to carry (linkest.h), under est_lock. */
	pthread_mutex_t est_lock;
	struct linkest est;
};

static inline uint64_t now_ms(void)
{
	return node_now_ms();
}

static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void short_key(char out[17], const uint8_t *key)
{
	pk_hex(out, key, 8);
}

/* Changesets to send, copied out of the store (sync_batch.c): at most max of them, and at most
 * budget bytes once one is in; full when one more did not fit. With parts, a first changeset
 * larger than the budget is not taken but copied to big, to go in parts (SPEC section 16). */
struct batch {
	struct pk_blob *b;
	size_t n, cap, bytes, budget, max;
	bool full;
	bool parts;
	struct pk_blob big;
};

/*
 * A request slot (sync_slots.c): one nng context on the REP socket, so one request at a time,
 * driven by its aio's completion callback: receive, queue for a serving thread, then send the
 * reply, or park a long poll as a sleep on the same aio until the store changes or its time
 * comes. No thread waits for a slot.
 */
enum slot_state { SL_RECV, SL_QUEUED, SL_WORK, SL_PARK, SL_SEND, SL_DONE };
struct pull_wait;
struct slot {
	struct sync *sy;
	nng_ctx ctx;
	nng_aio *aio;
	enum slot_state state; /* under qlock */
	nng_msg *msg;          /* the request, from its receipt until it is served */
	struct pull_wait *pw;  /* a long poll waiting to be answered (sync_server.c) */
	uint64_t gen;          /* the store generation the long poll last looked at */
	struct slot *next;     /* in the run queue */
};

/* What serving a request came to (sy_serve). */
enum serve_result {
	SERVE_REPLY, /* *reply holds the answer to send */
	SERVE_PARK,  /* a long poll with nothing to send yet as of generation sl->gen: sl->pw
	              * waits, at most *park_ms */
	SERVE_DROP,  /* nothing to send (the child's connection is gone) */
};

/* ---- sync.c: the watcher */

/* Wakes every loop waiting in sy_wait_change and every parked long poll. Takes sy->lock, then
 * qlock (never both at once). */
void sy_wake(struct sync *sy);
/* Tells the watcher that a peer's state changed (a peer to write or to watch for silence); may
 * be called with sy->lock held. */
void sy_watch_peers(struct sync *sy);
/* Counts the sessions opened with the parent: a new value means a new session. */
uint64_t sy_session_epoch(struct sync *sy);
/* Waits until the store changes after generation `since`, stop, or ms pass. Returns the
 * current generation. */
uint64_t sy_wait_change(struct sync *sy, uint64_t since, uint64_t ms);
/* The current generation: the count of store changes seen by the watcher. */
uint64_t sy_generation(struct sync *sy);

/* ---- sync_peers.c: what this node knows of its peers, for `pokjactl status` */

/* Each takes sy->lock itself; see sync_peers.c for what each notes. */
void sy_peer_seen(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
                  const int64_t *lag_up, const int64_t *lag_down, uint64_t refused);
void sy_peer_clock(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role,
                   const int64_t *skew, uint64_t held);
bool sy_parent_skewed(struct sync *sy);
void sy_peer_lost(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const char *role);
/* Notes what the link to the parent was measured to carry (shown by `pokjactl status`). */
void sy_peer_link(struct sync *sy, const uint8_t key[PK_PUB_BYTES], const struct linkest *e);
/* Writes changed peers to the store and marks silent ones not connected; the watcher calls it
 * when told (sy_watch_peers), at each heartbeat and at the time it returns: the monotonic ms
 * when a peer is next due to be written or to go silent (UINT64_MAX: none; 0: more to write
 * now). final writes every changed peer now, as far as it returns 0 again and again. */
uint64_t sy_peers_flush(struct sync *sy, bool final);
/* At start: no peer is connected yet, whatever the store says from before (a pokjad killed, or
 * stopped before its last write). */
void sy_peers_reset(struct sync *sy);

/* ---- sync_health.c: the health record (SPEC section 20) */

/* Writes this node's kesehatan_node record when due; the watcher calls it at each heartbeat,
 * after the store changed (at most once a second) and at the time it returns: the monotonic ms
 * when the record is next due as things stand (UINT64_MAX: not known). */
uint64_t sy_health_tick(struct sync *sy);

/* True when a peer's clock has been read and stored (for a node with a parent: the parent's),
 * so that store_write's clock rule (SPEC section 4) can judge this node's clock: pokjad writes
 * nothing of its own before, lest it stamp a changeset ahead that every ancestor would hold. */
bool sy_clock_read(struct sync *sy);

/* True while this node's own log is stamped ahead of its clock by more than the skew bound (it
 * wrote while its clock was wrong): each new changeset would carry that time on. */
bool sy_log_ahead(struct sync *sy);

/* ---- sync_receipt.c: receipts of directives (SPEC section 21) */

/* Writes a penerimaan for each arahan held that targets this node and has none; the watcher
 * calls it after the store changed (at most once a second) and at each heartbeat, and it scans
 * only when the store changed or a failed write is due to be tried again. */
void sy_receipt_tick(struct sync *sy);

/* ---- sync_batch.c: heads and the batches sent */

int sy_my_heads(struct sync *sy, uint8_t (*path)[PK_PUB_BYTES], int n, struct pk_heads *out);
void sy_batch_free(struct batch *bt);
uint64_t sy_batch_fill(struct sync *sy, const struct pk_heads *mine, const struct pk_heads *theirs,
                       const struct outbox_peer *peer, struct batch *bt);
/* The next part of changeset cs to send (SPEC section 16, "Parts"): from where the receiver
 * stands in it (held, when it names that changeset; else from the start), at most unit bytes
 * (at least PART_MIN, at most PK_PART_DATA_MAX). p->data points into cs. */
void sy_part_next(const struct pk_staged *held, const struct pk_blob *cs, size_t unit,
                  struct pk_part *p);

/* ---- sync_server.c: serving children */

/* Serves the request in sl->msg (taking it), or resumes the long poll sl->pw. */
enum serve_result sy_serve(struct sync *sy, struct slot *sl, uint8_t **reply, size_t *rlen,
                           uint64_t *park_ms);
/* Whether the long poll parked in sl->pw came on connection pipe. */
bool sy_wait_on_pipe(const struct slot *sl, uint32_t pipe);
/* Frees a parked long poll (at stop). */
void sy_wait_free(struct slot *sl);
/* nng's pipe callback on the REP socket for a connection gone (arg: the sync): a child whose
 * sessions all came on it is shown as not connected at once. */
void sy_child_pipe_gone(nng_pipe p, nng_pipe_ev ev, void *arg);
/* The listen port's admission of a connection that opens with a sealed request of a live
 * session (gate_admit_fn; sync_server.c). Takes slock. */
bool sy_session_admits(void *arg, const uint8_t *buf, size_t len, bool whole);

/* ---- sync_slots.c: the request slots and their serving threads */

/* Opens nslots contexts on sy->rep, starts the serving threads and the first receives. */
int sy_slots_start(struct sync *sy, int nslots, struct pk_diag *d);
/* Wakes the parked long polls: all of them (pipe 0), or those that came on pipe. */
void sy_slots_wake(struct sync *sy, uint32_t pipe);
/* Ends every slot and joins the serving threads; the sockets are still open. */
void sy_slots_stop(struct sync *sy);
/* Frees the slots' aios, after the socket closed. */
void sy_slots_free(struct sync *sy);

/* ---- sync_link.c: one request to a parent, the handshake; no struct sync (pokjactl links it) */

int sy_roundtrip(nng_ctx ctx, nng_aio *aio, const uint8_t *req, size_t len, int timeout_ms,
                 atomic_uint *downs, nng_msg **reply);
int sy_handshake(nng_ctx ctx, nng_aio *aio, const uint8_t sec[PK_SEC_BYTES],
                 const uint8_t parent[PK_PUB_BYTES], const uint8_t *join_secret, int level,
                 uint64_t extra, int timeout_ms, atomic_uint *downs, struct pk_session *ps,
                 uint64_t *parent_time, struct pk_diag *d);
/* An nng failure as an error and a sentence: "WHAT URL: nng's reason". */
int sy_nng_diag(struct pk_diag *d, int rv, const char *what, const char *url);

/* ---- sync_client.c: the loops that talk to the parent */

/* nng's pipe callback on the socket to the parent (arg: the sync). */
void sy_link_event(nng_pipe p, nng_pipe_ev ev, void *arg);
/* The threads of the up and down loops (arg: the sync). */
void *sy_uplink(void *arg);
void *sy_downlink(void *arg);

#endif
