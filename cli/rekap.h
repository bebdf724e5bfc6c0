/*
 * rekap.h: what the three aggregators of `pokjactl rekap` share (cli/rekap_kegiatan.c,
 * rekap_arahan.c, rekap_kumuh.c): the report's options, reading record fields, grouping by
 * region and free text, and the columns that name a group. Each aggregator reads its collection
 * once through store_list, keeps one accumulator per cell of the report, and fills one report
 * model (cli/report.h); cmd_rekap.c parses the options and writes the model out.
 */
#ifndef CLI_REKAP_H
#define CLI_REKAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "render.h"
#include "report.h"
#include "smap.h"
#include "verif.h"

enum rekap_by { BY_WILAYAH, BY_SUMBER, BY_STRATEGI, BY_STATUS, BY_VERIFIKASI };

/* --by values, --level values and the words for levels in output (indexed by enum pk_level). */
extern const char *const rekap_by_names[];
extern const char *const rekap_level_names[];
extern const char *const rekap_level_titles[];

/* The status values of kegiatan (schema order), then a slot for records without one. */
extern const char *const rekap_statuses[];
#define NSTATUS 5
#define ST_BATAL 3
#define ST_NONE 4

#define YEAR_MIN 2000
#define YEAR_MAX 2100
#define TEXT_CELL_MAX 40 /* display width of free text (names, titles) in a text table */

/* The options every report shares. */
struct rekap {
	enum rekap_by by;
	char region[PK_REGION_MAX + 1];
	int level;             /* the level rows are grouped at (wilayah grouping) */
	int tahun;             /* 0: every year */
	int64_t today;         /* arahan: the day deadlines are judged on (pk_date_days) */
	size_t bad;            /* records that do not decode, left out */
	const struct vidx *vx; /* the verdicts held (BY_VERIFIKASI) */
};

/*
 * The references within the report that name no record held here (refs.h): for the report on
 * collection `report`, those of its records and of the verifikasi naming them, in rk->region,
 * as a JSON list "dangling_references" of {collection, wilayah, key, field, what} and lines
 * after the text tables, so that a tindak_lanjut or verdict whose record has not arrived is
 * seen, not dropped. home is this node's region. extra, when not NULL, is a collection read too
 * (the arahan report's tindak_lanjut). Returns 0 or a negative error.
 */
int rekap_dangling(const struct rekap *rk, struct store *s, const char *home, const char *report,
                   const char *extra, struct report *r);

/* The reports: their names (NULL-terminated), in the order of these numbers. */
extern const char *const rekap_report_names[];
enum { REKAP_KEGIATAN, REKAP_ARAHAN, REKAP_KUMUH };

/* Fills report rep (REKAP_*): the aggregator, then the dangling references in its scope; with
 * BY_VERIFIKASI the verdicts are read first, once. 0 or a negative error. */
int rekap_fill(struct rekap *rk, struct store *s, int rep, struct report *r);

/* Fills report rep and writes it into a malloc'd buffer (*buf, *len): as a page to print under
 * page's letterhead when page is set, else in fmt. For `pokjactl rekap` and the web
 * application. 0 or a negative error. */
int rekap_build(struct rekap *rk, struct store *s, int rep, enum rpt_fmt fmt,
                const struct rpt_page *page, char **buf, size_t *len);

/* Each fills r from the store; returns 0 or a negative error (of the store, PK_ENOMEM, or
 * PK_ETOOBIG for a sum past 2^63 - 1). Records that do not decode are counted in rk->bad. */
int rekap_kegiatan(struct rekap *rk, struct store *s, struct report *r);
int rekap_arahan(struct rekap *rk, struct store *s, struct report *r);
int rekap_kumuh(struct rekap *rk, struct store *s, struct report *r);

/* One field of a record, read by rekap_fields. */
struct fget {
	const char *name;
	bool present;
	int64_t i;     /* PK_T_INT fields */
	double d;      /* PK_T_NUM fields */
	const char *s; /* string fields, into the record value: valid during the store callback */
	uint32_t slen;
};

/*
 * Reads the fields named in f[0..n) from a stored value of collection coll (proto/record.h);
 * other fields are passed over. Returns 0, or PK_EDECODE when the value is not a record of
 * coll or a field has another type (only a damaged store holds such a value: the store
 * validates every record).
 */
int rekap_fields(const char *coll, const uint8_t *v, size_t len, struct fget *f, size_t n);

/*
 * A free-text field (sumber_biaya, strategi) made comparable: blanks at the ends dropped and
 * runs of blanks inside made one space (into disp), ASCII letters lowered too (into key), so
 * that "APBD", " apbd " and "Apbd" count as one funding source. Returns the length, 0 when
 * the field is absent or blank. Both buffers hold PK_STR_MAX + 1 bytes; f->slen is at most
 * PK_STR_MAX (the caller checks).
 */
size_t rekap_norm_text(const struct fget *f, char *disp, char *key);

/* Keeps in *label the spelling that sorts first bytewise, so that which one a report shows
 * does not depend on the order records are read in. 0 or PK_ENOMEM. */
int rekap_keep_label(char **label, const char *disp);

/* How many bytes of a record's region name its group at `level`: the record's own region when
 * that lies above the level (a provincial record when grouping by kabupaten/kota). */
size_t rekap_group_len(const char *region, int level);

/* The level of a region code (enum pk_level), -1 when malformed. */
int rekap_code_level(const char *code);

/* A code for people: the whole country's empty code as "". */
const char *rekap_code_text(const char *code);

/* A region for people, in buf of size n: "Jawa Barat (32)", or "Indonesia" for the country. */
void rekap_place(const char *code, char *buf, size_t n);

/* The first line of a text report, in buf of size n: "Recap of WHAT in Jawa Barat (32), all
 * years" (or ", tahun 2026"). */
void rekap_title(const struct rekap *rk, const char *what, char *buf, size_t n);

/* The report's options as the first JSON members: report, region, region_name, and tahun
 * (null for every year) except in the arahan report, which has no years. */
void rekap_meta(const struct rekap *rk, struct report *r, const char *report, const char *region);

/* A cell key of two indexes (group and funding source, or group and year). */
struct rekap_pair {
	uint32_t a, b;
};

/* An output order: groups or sources sorted by rank, then bytewise; "" (none) ranks last,
 * except as the whole country's region code, which comes first. */
struct ord {
	const char *key;
	const char *label; /* what the report shows */
	int rank;
	size_t idx;
};

/* Sorts the keys of m for output (malloc'd; NULL when out of memory). by_status ranks status
 * names in their schema order. */
struct ord *rekap_sort_keys(const struct smap *m, bool none_last, bool by_status);

/* The columns that name a group, first in every row: for regions, WILAYAH and NAME in text
 * and wilayah, name and level for machines; else the --by field. */
void rekap_group_cols(struct report *r, enum rekap_by by);

/* Fills the group columns of row (o: the group), or writes TOTAL in them for RPT_TOTAL. */
void rekap_group_cells(struct report *r, size_t row, const struct rekap *rk, const struct ord *o);

#endif
