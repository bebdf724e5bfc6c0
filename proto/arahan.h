/*
 * arahan.h: the rules of directive follow-up (proto/SPEC.md section 21): which nodes an arahan
 * targets, the key of a node's receipt (penerimaan) for one, and how a target's follow-up is
 * judged against the deadline and weighted in a follow-up rate.
 *
 * pokjad asks pk_arahan_targets_node whether to write a receipt; pokjactl's rekap arahan and
 * arahan list the targets with pk_arahan_targets: one rule for both. Nothing here does I/O or
 * reads a clock: "today" comes from the caller, as a day number (pk_date_days).
 */
#ifndef PK_ARAHAN_H
#define PK_ARAHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

/*
 * Calls fn for each node region targeted by an arahan filed under region `writer` with
 * wilayah_sasaran `sasaran` (NUL-ended codes), in code order:
 * - sasaran = writer: every node one level below the writer on the official list (each
 *   province for the national node, each kabupaten/kota of a province); none below a
 *   kabupaten/kota (kecamatan and desa run no node);
 * - sasaran strictly inside writer: the one node that owns it (pk_region_owner_len: a province,
 *   a kabupaten/kota, the kabupaten/kota of a kecamatan or desa), unless that is the writer;
 * - anything else (sasaran outside the writer's region): none.
 * fn returning non-zero stops the walk. Returns the number of targets given, or PK_EREGION
 * when a code is malformed. Thread-safe; allocates nothing.
 */
int pk_arahan_targets(const char *writer, const char *sasaran,
                      int (*fn)(const char *node, void *arg), void *arg);

/* True when the node of region `node` is a target of the arahan (pk_arahan_targets's rule),
 * in O(log n) of the official list. */
bool pk_arahan_targets_node(const char *writer, const char *sasaran, const char *node);

/* The receipt key: "terima-" and 26 Crockford base32 digits of a BLAKE2b hash of the arahan's
 * region and key, so that one receiver has one receipt per arahan (SPEC section 21). */
#define PK_PENERIMAAN_KEY_LEN 33
void pk_penerimaan_key(const char *wilayah_arahan, const char *arahan,
                       char out[PK_PENERIMAAN_KEY_LEN + 1]);

/* A tindak_lanjut's status (schema order), PK_TL_NONE for a record without one. */
enum pk_tl_status {
	PK_TL_NONE,
	PK_TL_DIRENCANAKAN,
	PK_TL_DILAKSANAKAN,
	PK_TL_SELESAI,
};

/* The status named by s[0..len) (absent, len 0 or unknown: PK_TL_NONE), and its name ("" for
 * PK_TL_NONE). */
enum pk_tl_status pk_tl_status_parse(const char *s, size_t len);
const char *pk_tl_status_name(enum pk_tl_status st);

/* A status's weight in the follow-up rate, in halves: selesai 2 (1), dilaksanakan 1 (0.5),
 * direncanakan and none 0. The rate of a directive is the sum over its targets of their latest
 * follow-up's weight, divided by 2 * targets. */
unsigned pk_tl_weight2(enum pk_tl_status st);

/* Where a target stands against the deadline. */
enum pk_due {
	PK_DUE_OPEN,    /* not selesai; the deadline is today or later, or there is none */
	PK_DUE_OVERDUE, /* not selesai and today is past the deadline */
	PK_DUE_DONE,    /* selesai on or before the deadline (or there is none) */
	PK_DUE_LATE,    /* selesai after the deadline (terlambat) */
};

#define PK_NO_DAY INT64_MIN /* no deadline, or no day known */

/* Judges a target: st its latest follow-up's status, done the day it was completed (for
 * selesai; PK_NO_DAY counts as on time), deadline the batas_tindak_lanjut (PK_NO_DAY: none),
 * today the caller's day. All days as pk_date_days gives them. */
enum pk_due pk_arahan_due(enum pk_tl_status st, int64_t done, int64_t deadline, int64_t today);

/* A stable word for a due state: "open", "overdue", "done", "late". */
const char *pk_due_name(enum pk_due d);

/* Days since 1970-01-01 of a date "YYYY-MM-DD" (the schema's date type). 0, or PK_EINVAL when
 * s is not such a date. */
int pk_date_days(const char *s, size_t len, int64_t *days);

/* The date "YYYY-MM-DD" of a day number, in out[11] (a year outside 0..9999 as 0000). */
void pk_days_date(int64_t days, char out[11]);

#endif
