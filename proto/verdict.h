/*
 * verdict.h: the verification state of a record (SPEC section 5, "Verification state"), derived
 * from the verifikasi records that name it and never stored. The rule reads record versions and
 * region codes only, so every node holding the same changesets derives the same state; this
 * module is that rule, with no I/O: the CLI collects the verdicts and asks here.
 */
#ifndef PK_VERDICT_H
#define PK_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

enum pk_vstate {
	PK_VS_BELUM,     /* belum diverifikasi: no verdict, or the record changed after it */
	PK_VS_DISETUJUI, /* hasil diterima */
	PK_VS_PERBAIKAN, /* hasil perbaikan: perlu perbaikan */
	PK_VS_DITOLAK,   /* hasil ditolak */
};
#define PK_VS_COUNT 4

/* "belum diverifikasi", "disetujui", "perlu perbaikan", "ditolak". */
const char *pk_vstate_name(enum pk_vstate s);

/* The state a verifikasi's hasil gives ("diterima", "perbaikan", "ditolak"), or -1. */
int pk_vstate_of_hasil(const char *hasil, size_t len);

/* A record's version: the clock and origin of the changeset that last wrote it (SPEC 9). */
struct pk_version {
	uint64_t hlc;
	uint8_t origin[PK_PUB_BYTES];
};

/* <0, 0, >0 as a is older than, the same as, newer than b: hlc first, then origin bytewise. */
int pk_version_cmp(const struct pk_version *a, const struct pk_version *b);

/* One verifikasi naming a record. */
struct pk_verdict {
	const char *region;   /* the verifikasi's own region: its writer's (SPEC 5, Ownership) */
	struct pk_version v;  /* the verifikasi's version */
	enum pk_vstate state; /* from its hasil */
};

/* True when a node of region `verifier` is an ancestor of the owner of region `region`: its
 * region strictly encloses the owner's ("32" of "32.75" and of "32.75.01"; not "32.75" of
 * "32.75.01", which 32.75 owns). Invalid codes give false. */
bool pk_verdict_ancestor(const char *verifier, const char *region);

/*
 * Which of the n verdicts naming a record of region `region` whose version is `rec` decides its
 * state: among those written by an ancestor of the record's owner (pk_verdict_ancestor; the
 * others are ignored), and by region `by` only when by is not NULL, the one with the newest
 * version, if that is newer than rec. Returns its index, or -1: no verdict counts, the record
 * is belum diverifikasi (for `by`: it awaits by's verdict). O(n).
 */
long pk_verdict_pick(const char *region, const struct pk_version *rec, const struct pk_verdict *v,
                     size_t n, const char *by);

#endif
