/*
 * store_int.h: private to the store's own files (store.c, trust.c, apply.c, fence.c, verify.c,
 * lineage.c, invites.c, peers.c, pgpos.c, store_stats.c, history.c, staging.c, users.c; clock.c
 * reaches the store through clock.h; the API is store.h). Holds struct store, the shared layout
 * constants, and the st_ helpers one file defines for the others. Every LMDB call goes through db.h
 * (transactions with a sticky error, cursors, big-endian keys, paged scans); none of these files
 * includes <lmdb.h>.
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "db.h"
#include "proto/schema.h" /* REC_KEY_MAX */
#include "store.h"

/* Origins whose certificate chain is cached: AUTH_SETS sets of AUTH_WAYS, by a key's first two
 * bytes. A whole country is 553 origins: direct-mapped, a tenth of them would share a slot and
 * evict each other at every look, each miss a chain checked again, signatures and all. */
#define AUTH_SETS 1024
#define AUTH_WAYS 4
#define HEAD_BYTES (8 + PK_HASH_BYTES + 8 + 1)
#define REC_META (8 + PK_PUB_BYTES + 8 + 1)
#define REC_KEY_MAX (PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 2)

/* An origin's verified authority: its region, the time window its whole chain is valid, and the
 * keys from the root down to it (checked against revocations on every changeset). */
struct auth {
	uint8_t pub[PK_PUB_BYTES];
	char region[PK_REGION_MAX + 1];
	uint64_t not_before, not_after;
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int npath;
	uint64_t gen; /* the cache's generation when filled; 0: empty */
};

struct store {
	struct db *db;
	db_dbi meta, log, heads, certs, rec, bykey, forks;
	db_dbi invites, peers, refused, revoked; /* DB_NONE when absent from a read-only store */
	db_dbi peerheads;                        /* likewise (offline bundles) */
	db_dbi revpending;                       /* likewise (revocations ahead of their cert) */
	db_dbi held;                             /* likewise (changesets stamped ahead) */
	db_dbi pgmirror;                         /* likewise (the PostgreSQL mirror, pgpos.c) */
	db_dbi hist;                             /* likewise (record history, history.c) */
	db_dbi staging;                          /* likewise (changesets arriving in parts) */
	db_dbi users;                            /* likewise (web accounts, users.c) */
	bool hist_ready; /* hist covers the whole log (meta "hist"); else history scans the log */
	char path[4096];
	bool rdonly; /* opened with STORE_RDONLY */
	/* STORE_FULL_MARK exists (as far as this process knows); atomic: every thread that commits
	 * reads and sets it after its commit, outside LMDB's write lock. */
	atomic_bool marked_full;
	const char *mapaddr;
	uint8_t root[PK_PUB_BYTES];
	bool have_root;
	uint64_t max_skew_ms; /* how far ahead of our clock a changeset may be stamped */
	uint64_t max_hold_ms; /* ... and still be held for its time */
	pthread_mutex_t lock; /* guards the authority cache */
	struct auth cache[AUTH_SETS][AUTH_WAYS];
	uint64_t cache_gen; /* a new one empties the cache without touching it */
	/* Commit notification (store_notify.c). note_fn and note_arg are set by
	 * store_notify_listen before any thread of the listener commits, and cleared after. */
	struct sockaddr_un note_addr; /* STORE_NOTIFY_SOCK in the store folder */
	socklen_t note_len;
	int note_out; /* the socket a commit's datagram leaves by; -1: none (read-only) */
	int note_in;  /* bound to note_addr while this process listens; else -1 */
	int note_dir; /* the store folder (O_PATH) when its path is too long for note_addr */
	_Atomic(void (*)(void *)) note_fn;
	void *note_arg;
};

/* ---- helpers one file defines for the others ------------------------------------------ */

/* store.c */
/* The meta entry name, in t: 0, PK_ENOTFOUND or a store failure. */
int st_meta_get(struct db_txn *t, struct store *s, const char *name, struct db_val *v);
/* Sets the meta entry name, in t. */
int st_meta_put(struct db_txn *t, struct store *s, const char *name, const void *data, size_t len);
/* The node identity from meta, in t; PK_ENOTFOUND before store_node_init. */
int st_node_read(struct db_txn *t, struct store *s, struct store_node *n);
/* origin's head in t (all zero when nothing is held from it). */
int st_head_read(struct db_txn *t, struct store *s, const uint8_t *origin, struct store_head *h);
/* Writes origin's head, in t. */
int st_head_write(struct db_txn *t, struct store *s, const uint8_t *origin,
                  const struct store_head *h);
/* The log table's key: origin then seq, big-endian. */
void st_log_key(uint8_t key[PK_PUB_BYTES + 8], const uint8_t *origin, uint64_t seq);
/* Keeps both changesets of a fork as evidence (the held one is `held`). */
int st_fork_record(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                   const struct db_val *held);
/* The records table's key of op (coll \0 region \0 key), or with index the key index's. */
size_t st_rec_key(uint8_t *buf, const struct pk_op *op, bool index);
/* (hlc, origin) ordering: negative when a < b. */
int st_version_cmp(uint64_t ha, const uint8_t *oa, uint64_t hb, const uint8_t *ob);
/* Last writer wins: writes op of cs to the records (and the key index when new), and adds it
 * to the history index. */
int st_rec_apply(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                 const struct pk_op *op, uint8_t *scratch);
/* Splits a records-table entry into a store_record (pointers into key and val). */
int st_rec_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen, size_t offset,
                  struct store_record *r);

/* trust.c */
/* origin's chain from the certs table, root-issued first; returns its length or an error. */
int st_chain_load(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                  struct pk_cert chain[PK_CHAIN_MAX], struct pk_diag *d);
/* The keys from the root down to the subject of chain[n - 1]; returns n + 1. */
int st_chain_path(const struct store *s, const struct pk_cert *chain, int n,
                  uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES]);
/* origin's path from the root when its chain is held (valid or not), from the authority cache
 * when it is there; returns its length, PK_ECERT (no chain held) or another error. */
int st_origin_path(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                   uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES]);
/* The region origin may write at `at` and its path from the root (SPEC section 8, step 9). */
int st_authority(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t at,
                 char region[PK_REGION_MAX + 1], uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                 int *npath, struct pk_diag *d);
/* PK_EREVOKED when a key on path was revoked from a clock below hlc. */
int st_path_revoked(struct db_txn *t, struct store *s, uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                    int npath, uint64_t hlc, struct pk_diag *d);
/* Step 12: cs's revocations name a key other than the root's, in its certificate's region. */
int st_revocations_check(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                         struct pk_diag *d);
/* Records the revocations of an accepted changeset (at once, or pending). */
int st_revocations_record(struct db_txn *t, struct store *s, const struct pk_changeset *cs);

/* apply.c */
/* Adds count to the refusals kept under tag, in t. */
int st_refused_add(struct db_txn *t, struct store *s, const char *tag, uint64_t count);

/* history.c */
/* Adds op of cs to the history index (SPEC section 11, `hist`), in t; every accepted op gets an
 * entry, whether or not it wins last-writer-wins. */
int st_hist_put(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                const struct pk_op *op);
/* On a read-write open: builds the index from the log when meta "hist" is absent (a store made
 * before it), then sets s->hist_ready. On a read-only open only reads whether it is there. */
int st_hist_open(struct store *s);

/* store_notify.c */
/* Sets up the sending side (before the environment is opened: its opening commit notifies). */
void st_notify_init(struct store *s);
/* After a commit that succeeded: the listener's callback in its own process, else a datagram. */
void st_notify_commit(struct store *s);
/* Stops listening and closes what st_notify_init opened. */
void st_notify_fini(struct store *s);

/* fence.c */
/* In store_write's transaction: lifts a fence whose condition is met, refuses while it holds. */
int st_fence_check(struct db_txn *t, struct store *s, uint64_t have, struct pk_diag *d);

#endif
