/*
 * followup.h: what the store says of the follow-up of directives, for `pokjactl rekap arahan`
 * and `pokjactl arahan`: each arahan with the nodes it targets (pk_arahan_targets), and per
 * target its receipt (penerimaan), its latest tindak_lanjut and where it stands against the
 * deadline (proto/arahan.h; SPEC section 21). Three passes over the store (arahan, penerimaan,
 * tindak_lanjut within the scope); memory grows with directives times targets (at most the 38
 * provinces or a province's kabupaten/kota each).
 */
#ifndef CLI_FOLLOWUP_H
#define CLI_FOLLOWUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/store.h"
#include "proto/arahan.h"
#include "proto/schema.h"
#include "smap.h"

struct fu_target {
	char region[PK_REGION_MAX + 1];
	uint64_t diterima;           /* the receipt's time, Unix seconds; 0: none held */
	char tl_key[PK_KEY_MAX + 1]; /* the latest tindak_lanjut (by version); "": none */
	uint64_t tl_hlc;
	uint8_t tl_origin[PK_PUB_BYTES];
	enum pk_tl_status status; /* its status */
	int64_t done;             /* selesai: its tanggal, else the day it was written */
	enum pk_due due;
};

struct fu_directive {
	char key[PK_KEY_MAX + 1];
	char region[PK_REGION_MAX + 1];  /* where it was issued */
	char sasaran[PK_REGION_MAX + 1]; /* wilayah_sasaran */
	char batas[11];                  /* batas_tindak_lanjut, "" when absent */
	int64_t deadline;                /* its day, PK_NO_DAY when absent */
	char *judul;
	struct fu_target *t; /* the targets within the scope, in code order */
	size_t n;
	/* Counts over the targets: receipts, latest status, due states; the weighted sum of the
	 * statuses in halves (pk_tl_weight2). */
	size_t received, by_status[4], by_due[4], weight2;
	long next; /* the next directive with the same key, or -1 */
};

struct followup {
	struct fu_directive *d; /* in store order: by the region issued, then key */
	size_t n, cap;
	char scope[PK_REGION_MAX + 1];
	int64_t today;
	size_t bad;       /* records that do not decode, left out */
	struct smap ids;  /* "region/key" -> long: the directive */
	struct smap keys; /* key -> long: the first directive with it */
};

/*
 * Reads the directives with a target within `scope` (a region code; cut to its kabupaten/kota
 * below that level), and those of the scope that target nobody, with their targets' receipts
 * and follow-ups, judged against `today` (a day number, pk_date_days). Returns 0, PK_ENOMEM or
 * a store error; fu is then to be freed with followup_free either way.
 */
int followup_load(struct followup *fu, struct store *s, const char *scope, int64_t today);
void followup_free(struct followup *fu);

/* A target not selesai whose deadline is near or past: days_left to the deadline (negative:
 * overdue by so many). */
struct fu_due {
	const struct fu_directive *d;
	const struct fu_target *t;
	int64_t left;
};

/* The targets not selesai whose deadline is at most `due` days away, most overdue first; *n
 * gets their count. malloc'd; NULL when out of memory. */
struct fu_due *followup_due(const struct followup *fu, long due, size_t *n);

/* A due target as `pokjactl arahan --due --json` and the web application show it. */
json_t *followup_due_json(const struct fu_due *r);

/* Every target of d: wilayah, nama_wilayah, diterima (Unix seconds or null), kunci (the
 * latest tindak_lanjut, ""), status (or null) and keadaan (pk_due_name). NULL: out of memory. */
json_t *followup_targets_json(const struct fu_directive *d);

/* Today's day number in the local time zone, as offices date their letters. */
int64_t followup_today(void);

/* The day number of a Unix time in the local time zone. */
int64_t followup_day_of(uint64_t unix_seconds);

/* A region for a column of people: the code, or "Indonesia" for the whole country. */
const char *followup_region_text(const char *code);

#endif
