/*
 * export.h: a collection's live records written out as CSV, JSON, JSON Lines or xlsx (export.c),
 * for `pokjactl export` and the web application's export buttons.
 */
#ifndef CLI_EXPORT_H
#define CLI_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "daemon/store.h"
#include "proto/schema.h"

enum export_format { FMT_CSV, FMT_JSON, FMT_JSONL, FMT_XLSX };

/* Column names the export adds beside the schema's fields (NULL-less, 8 of them). */
#define EXPORT_EXTRA_COLUMNS 8
extern const char *const export_extra_columns[EXPORT_EXTRA_COLUMNS];

struct export_opts {
	const struct pk_collection *coll;
	enum export_format fmt;
	const char *region;    /* NULL: every region */
	FILE *f;               /* the text formats' output */
	const char *xlsx_path; /* FMT_XLSX: the file the workbook is written to */
	bool excel;            /* FMT_CSV in the dialect of Excel in an Indonesian locale */
	bool progress;         /* a count on stderr as it goes */
};

enum export_outcome {
	EXPORT_OK,
	EXPORT_STORE,       /* the store could not be read: err */
	EXPORT_NOMEM,       /* out of memory */
	EXPORT_TOO_MANY,    /* more records than an xlsx sheet holds */
	EXPORT_BAD,         /* records that do not decode: bad */
	EXPORT_WRITE,       /* writing f failed (errno) */
	EXPORT_XLSX_FAILED, /* the workbook could not be written: xlsx_why */
};

struct export_result {
	size_t n;   /* records written */
	size_t bad; /* stored records that did not decode */
	int err;
	char xlsx_why[200];
};

enum export_outcome export_run(struct store *s, const struct store_node *node,
                               const struct export_opts *o, struct export_result *res);

#endif
