/*
 * verif.h: the verification state of records as the CLI shows it (get, list, export, rekap and
 * the queue of `pokjactl verifikasi`): every verifikasi held, read once per command into an index
 * by the record it names (collection, region, key), and the state proto/verdict.h derives from
 * it for a record. Loading reads the verifikasi collection once (O(verifikasi)); a lookup is one
 * hash probe and a pass over the verdicts naming that record (usually one or two).
 */
#ifndef CLI_VERIF_H
#define CLI_VERIF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/store.h"
#include "proto/verdict.h"
#include "recfind.h"
#include "smap.h"

/* One verifikasi held. */
struct vinfo {
	char region[PK_REGION_MAX + 1]; /* the verifier's (the verifikasi's own region) */
	char key[PK_KEY_MAX + 1];       /* the verifikasi's key */
	char *catatan;                  /* NULL when absent */
	enum pk_vstate state;
};

struct vidx {
	struct smap targets;  /* "coll\0region\0key" -> struct vspan */
	struct pk_verdict *v; /* grouped by target */
	struct vinfo *info;   /* info[i] describes v[i] */
	size_t n, cap;
	size_t bad; /* verifikasi that do not decode, left out */
};

/* Reads every verifikasi of the store into x. Returns 0 or a negative error. */
int vidx_load(struct vidx *x, struct store *s);
void vidx_free(struct vidx *x);

/* Whether records of a collection have a verification state: all but verifikasi, pencabutan,
 * kesehatan_node and jejak (verdicts, revocations, health records and web trails are not
 * verified). */
bool vidx_applies(const char *coll);

/*
 * The verdict that decides the state of the record (coll, region, key) whose version is rec
 * (pk_verdict_pick): NULL when it is belum diverifikasi (or, with by, when it awaits by's
 * verdict); else *v gets the verdict. by: only verdicts filed under that region count.
 */
const struct vinfo *vidx_state(const struct vidx *x, const char *coll, const char *region,
                               const char *key, const struct pk_version *rec, const char *by,
                               const struct pk_verdict **v);

/*
 * Whether a node of region `home` may give a verdict on a record of region `region`: only a
 * node above the record's owner may (pk_verdict_ancestor). 0 when it may; -1 when not, with the
 * reason, for people, in why (the record named as coll/key).
 */
int vidx_may_judge(const char *home, const char *coll, const char *region, const char *key,
                   char *why, size_t n);

/* Whether a record of region has any verifier at all: its owner is below the national level. */
bool vidx_verifiable(const char *coll, const char *region);

/*
 * {"status": "perlu perbaikan", "catatan": ..., "oleh": {nama, wilayah, kunci}, "waktu": ISO
 * 8601 UTC} of a verdict (vi NULL: {"status": "belum diverifikasi"}). Caller decrefs; NULL when
 * out of memory.
 */
json_t *vidx_json(const struct vinfo *vi, const struct pk_verdict *v, struct cli_authors *as);

/* Whether the record (coll, region, key) at version rec awaits the verdict of the node of
 * region home: it is below home, and home has no verdict newer than its last change. */
bool vidx_awaits(const struct vidx *x, const char *home, const char *coll, const char *region,
                 const char *key, const struct pk_version *rec);

/*
 * Adds "verifikasi" (vidx_json) to o, the JSON of the record (coll, region, key) at version
 * (hlc, origin), when the record has a verification state. 0 or PK_ENOMEM.
 */
int vidx_add_json(json_t *o, const struct vidx *x, struct cli_authors *as, const char *coll,
                  const char *region, const char *key, uint64_t hlc,
                  const uint8_t origin[PK_PUB_BYTES]);

#endif
