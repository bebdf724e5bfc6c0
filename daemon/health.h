/*
 * health.h: a node's replication health as the record pokjad publishes (collection
 * kesehatan_node, proto/SPEC.md section 20): the fields, their record value both ways, and what
 * the store and the node folder tell of this node (refusals, forks, disk, changesets its parent
 * has not acknowledged, whether pokjad runs). pokjad writes the record (sync_health.c); pokjactl
 * status reads it, here and for a whole subtree (--tree).
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/version.h"
#include "store.h"

#define HEALTH_COLL "kesehatan_node"
#define HEALTH_NATIONAL_KEY "nasional"      /* the record key of the national node (region "") */
#define HEALTH_LINKS_MAX 128                /* links kept in one record; more are left out */
#define HEALTH_REASONS_MAX 32               /* refusal reasons kept in one record */
#define HEALTH_DISK_LOW ((uint64_t)1 << 20) /* free bytes below which the device counts as full */
/* The bytes of unacknowledged changesets are summed over at most this many per origin, so that a
 * long backlog costs a bounded read; beyond it the sum is a lower bound. */
#define HEALTH_BYTES_SCAN_MAX 4096

/* One link of the node, as its pokjad last knew it. */
struct health_link {
	bool parent; /* the parent, else a child */
	char region[PK_REGION_MAX + 1];
	char key[17]; /* the first 16 hex digits of the peer's key */
	bool connected;
	uint64_t last_contact; /* Unix seconds; 0: never */
	uint64_t lag_up,
	    lag_down; /* changesets the peer lacks from this node / this node from it */
};

struct health_reason {
	char tag[32];
	uint64_t count;
};

/* A kesehatan_node record's fields (SPEC Appendix A and section 20). */
struct health {
	char version[32];
	uint64_t started, written; /* Unix seconds */
	struct health_link links[HEALTH_LINKS_MAX];
	size_t nlinks;
	uint64_t lag_up, lag_down;       /* on the link to the parent */
	uint64_t unacked, unacked_bytes; /* of the subtree's changesets, by the parent */
	uint64_t refused;
	struct health_reason reasons[HEALTH_REASONS_MAX];
	size_t nreasons;
	uint64_t forks;
	uint64_t disk_used, disk_free;
	bool disk_full;
};

/* The record key of the node of `region`: the code itself, HEALTH_NATIONAL_KEY for "". */
const char *health_key(const char *region);

/* Encodes h as a kesehatan_node value (keys in order, as SPEC section 5 wants) into a malloc'd
 * buffer. Returns 0, PK_ENOMEM, or PK_ESCHEMA when the schema refuses it (a bug). */
int health_encode(const struct health *h, uint8_t **out, size_t *len);

/* Decodes a kesehatan_node value (already valid by the schema: the store holds no other) into h;
 * items of tautan or ditolak_alasan that do not parse are left out. PK_EDECODE on bad bytes. */
int health_decode(const uint8_t *value, size_t len, struct health *h);

/* One tautan item for l ("peran=induk wilayah=32 kunci=... terhubung=ya kontak=N lag_naik=N
 * lag_turun=N"), and back; health_link_parse returns 0 or PK_EDECODE. */
void health_link_format(char *out, size_t cap, const struct health_link *l);
int health_link_parse(const char *s, size_t len, struct health_link *l);

/* Changesets of the subtree of `me` (its own and those of nodes certified below it) that the
 * parent has not acknowledged, by the parent's heads kept in the store (peerheads, written by
 * pokjad at each heads exchange and push acknowledgement), and their bytes (see
 * HEALTH_BYTES_SCAN_MAX). *known is false for a node without a parent (the national node), and
 * the counts are then 0. Returns 0 or a store error. O(origins) short read transactions. */
int health_unacked(struct store *s, const uint8_t me[PK_PUB_BYTES], bool *known, uint64_t *count,
                   uint64_t *bytes);

/* Fills the fields the store and its folder tell cheaply: refusals by reason, forks, disk use
 * and free space, the disk-full mark. Returns 0 or a store error. */
int health_state(struct store *s, struct health *h);

/* health_state and the unacknowledged changesets (health_unacked). Leaves version, times and
 * links alone. Returns 0 or a store error. */
int health_local(struct store *s, const uint8_t me[PK_PUB_BYTES], struct health *h);

/* Whether a pokjad holds the node folder's lock (node_lock: DIR/pokjad.lock), with its pid and
 * start time (Unix seconds; 0 when the lock file is older than start times). A lock file left by
 * a killed pokjad is not held, so it reads as not running. Returns 0 or PK_EIO with d. */
struct health_daemon {
	bool running;
	long pid;
	char prog[32]; /* "pokjad", or "pokjactl-restore" while a restore holds the folder */
	uint64_t since;
};
int health_daemon(const char *dir, struct health_daemon *out, struct pk_diag *d);

#endif
