/*
 * report.h: the report model of `pokjactl rekap`. An aggregator fills a report (a title, typed
 * columns, rows of cells, a total row, notes and items under rows); cli/render.h writes it for
 * people as aligned text tables, as CSV or as JSON.
 *
 * A report is one wide table: each column says where it appears (a text table, a CSV header, a
 * path in each JSON row object), so a column can be for people only (a name with its level) or
 * for machines only. Setters never fail on their own: the first error (out of memory, a sum
 * past RPT_INT_MAX) sticks in the report and rpt_write returns it, so that an aggregator fills a
 * report without checking each call. Nothing here reads the store or knows a collection.
 */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rpt_type {
	RPT_STR, /* text; in a text table cut to text_max characters */
	RPT_INT, /* a count or rupiah, 0 to RPT_INT_MAX: "1.250.000" for people, digits for machines
	          */
	RPT_HA,  /* square metres shown as hectares: "12,50" for people, 12.5 for machines */
	RPT_OBJ, /* no value: a JSON object at json[] in every row, even when nothing fills it */
};

#define RPT_KEY 1u   /* names the row: shown in every text table, left out of the JSON total */
#define RPT_RIGHT 2u /* right-aligned in text (numbers always are) */
#define RPT_PATH_MAX 3
#define RPT_TEXT_MAX 127 /* the largest text_max */
/* The largest integer a cell holds: jansson's (and most JSON readers') largest, 2^63 - 1. A sum
 * of rupiah never comes near it (a record holds at most 10^15, and 2^63 is 9.2 * 10^18). */
#define RPT_INT_MAX ((uint64_t)INT64_MAX)

/* A column. The strings are copied. A NULL header leaves the column out of that format. */
struct rpt_col {
	enum rpt_type type;
	unsigned flags;
	int section;                    /* the text table it belongs to: 0, 1, ... */
	size_t text_max;                /* at most this many characters in text, 0: any */
	const char *text;               /* header in text */
	const char *csv;                /* header in CSV */
	const char *json[RPT_PATH_MAX]; /* member names from the row object down */
};

/*
 * Items under rows (the nodes a directive targets): each a code, a name, a flag and up to
 * RPT_ITEM_MORE typed cells (RPT_STR or RPT_INT). In CSV a row gives one line per item, its own
 * cells followed by the item's (a row without items one line with empty item cells), and the
 * total is left out; in JSON a row lists its items flagged yes under list_yes and the others
 * under list_no (with list_no NULL: every item under list_yes, in order), as objects {json[0]:
 * code, json[1]: name, more[k].json: cell, ...}. A flag with csv[2] NULL is left out of CSV.
 * Text shows no items: the aggregator writes what people need into the row's note. The
 * strings must outlive the report (string constants).
 */
#define RPT_ITEM_MORE 8
struct rpt_item_col {
	enum rpt_type type; /* RPT_STR or RPT_INT */
	const char *csv, *json;
};

struct rpt_items {
	const char *csv[3];  /* headers of the code, the name and the flag ("yes" or "no") */
	const char *json[2]; /* member names of the code and the name */
	const char *list_yes, *list_no;
	size_t nmore;
	struct rpt_item_col more[RPT_ITEM_MORE];
};

/* The row number of the total row, for the cell setters. */
#define RPT_TOTAL ((size_t)-1)

/*
 * The model as stored, for the renderer (cli/render.h) and tests; aggregators use the
 * functions below. Every string is owned by the report.
 */
enum rpt_kind { RPT_ABSENT, RPT_NULL, RPT_VAL };

struct rpt_cell {
	enum rpt_kind kind;
	uint64_t n; /* RPT_INT and RPT_HA values */
	char *s;    /* RPT_STR values */
};

struct rpt_item {
	char *code, *name;
	bool yes;
	struct rpt_cell more[RPT_ITEM_MORE]; /* absent unless set */
};

struct rpt_row {
	struct rpt_cell *cells; /* one per column */
	char *note;
	struct rpt_item *items;
	size_t nitems, icap;
};

struct rpt_column {
	struct rpt_col c; /* its strings are the copies below */
	char *text, *csv, *json[RPT_PATH_MAX];
	size_t depth; /* members in json */
};

struct json_t;

struct report {
	int err; /* the sticky error */
	char *title, *empty, *rows_name;
	char **headings; /* nsections, NULL: none */
	int nsections;
	struct json_t *meta; /* the JSON members before the rows */
	struct rpt_column *cols;
	size_t ncols;
	struct rpt_items items;
	bool has_items;
	struct rpt_row *rows, total; /* total.cells NULL: no total row */
	size_t nrows, cap;
	char *footer; /* text only: lines after the tables, NULL: none */
};

/* A new empty report whose JSON rows are listed under rows_name; NULL when out of memory. */
struct report *rpt_new(const char *rows_name);
void rpt_free(struct report *r);

/* The first error a setter met (PK_ENOMEM, PK_ETOOBIG, PK_EINVAL), or 0. */
int rpt_error(const struct report *r);

/* Text only: the lines before the tables, the line for a report without rows (both end in
 * "\n"), and the lines above text table `section` (none above table 0 unless set). */
void rpt_title(struct report *r, const char *title, const char *empty);
void rpt_heading(struct report *r, int section, const char *heading);

/* Text only: lines after the tables (each ending in "\n"), added to those set before. */
void rpt_footer(struct report *r, const char *lines);

/* JSON only: members of the report object before the rows, in the order set. rpt_meta_str
 * with NULL sets null; rpt_meta_list adds an empty array that rpt_meta_push_* append to. */
void rpt_meta_str(struct report *r, const char *key, const char *s);
void rpt_meta_int(struct report *r, const char *key, uint64_t v);
void rpt_meta_list(struct report *r, const char *key);
void rpt_meta_push_str(struct report *r, const char *key, const char *s);
void rpt_meta_push_int(struct report *r, const char *key, uint64_t v);

/* Adds a column (before the first row: PK_EINVAL after) and returns its number. */
size_t rpt_col(struct report *r, const struct rpt_col *c);

/* Declares items (before the first row). */
void rpt_items(struct report *r, const struct rpt_items *spec);

/* Adds a row, every cell absent, and returns its number. An absent cell shows as "" (text
 * columns) or "-" in text, "" in CSV, and is left out of JSON; a null cell shows as "-", "",
 * null. */
size_t rpt_row(struct report *r);

/* Cell setters; row may be RPT_TOTAL. rpt_str copies s (NULL: a null cell). rpt_add adds v to
 * an RPT_INT cell (absent or null counts as 0) and sets PK_ETOOBIG, keeping the cell, when the
 * sum would pass RPT_INT_MAX. rpt_int sets PK_ETOOBIG for a value above RPT_INT_MAX. */
void rpt_str(struct report *r, size_t row, size_t col, const char *s);
void rpt_int(struct report *r, size_t row, size_t col, uint64_t v);
void rpt_null(struct report *r, size_t row, size_t col);
void rpt_add(struct report *r, size_t row, size_t col, uint64_t v);

/* Text only: lines printed under a row in the first text table (each ending in "\n");
 * copied. */
void rpt_note(struct report *r, size_t row, const char *note);

/* Adds an item to a row (see struct rpt_items); the strings are copied. */
void rpt_item(struct report *r, size_t row, const char *code, const char *name, bool yes);

/* Sets cell k of the more cells of the last item added to row: a copy of s (NULL: null), or
 * the integer v. */
void rpt_item_str(struct report *r, size_t row, size_t k, const char *s);
void rpt_item_int(struct report *r, size_t row, size_t k, uint64_t v);

/* *acc += v, unless that would pass RPT_INT_MAX: then PK_ETOOBIG and *acc is unchanged. */
int rpt_sum(uint64_t *acc, uint64_t v);

#endif
