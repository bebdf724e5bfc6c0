/*
 * csvin.h: the rows of a CSV file (cli/csvread.h) as JSON objects of one collection, for
 * import: the columns export writes (key, wilayah, nama_wilayah, the schema's fields, diubah,
 * diubah_oleh, diubah_oleh_wilayah; nama_wilayah and the three diubah columns are ignored), each
 * cell a JSON string that the record's encoding reads by its field's type (cli/recnorm.h, with
 * csvin_how's flags). An empty cell is an absent field (an empty key: a new record; an empty
 * wilayah: the node's region). With ';' between cells (the Excel dialect) numbers have a
 * decimal comma and may group thousands with '.'; with ',' a dot is the decimal point. Every
 * problem is reported with the row's line and the column's name, all of them.
 */
#ifndef CLI_CSVIN_H
#define CLI_CSVIN_H

#include <jansson.h>
#include <stdbool.h>

#include "csvread.h"
#include "proto/schema.h"
#include "recin.h"

struct csvin {
	const struct pk_collection *coll;
	const struct csv_doc *doc;
	int *col; /* per header cell: a field's index, or one of CSVIN_* below */
	size_t ncols;
};
#define CSVIN_KEY (-1)
#define CSVIN_WILAYAH (-2)
#define CSVIN_IGNORED (-3)
/* The wilayah cell of a national record (region ""), as export writes it; read in any case. */
#define CSVIN_NATIONAL "nasional"

/* Reads the header (doc->rows[0]) for collection coll: an unknown, repeated or unnamed column is
 * an error added to errs. Returns 0, PK_ESCHEMA (errors added) or PK_ENOMEM. */
int csvin_header(struct csvin *ci, const struct pk_collection *coll, const struct csv_doc *doc,
                 struct rec_errors *errs);

/* Row i (1 .. doc->nrows - 1) as a new JSON object {key, wilayah, fields...}; NULL after adding
 * its errors to errs (each naming the column), or when out of memory (*nomem set). Thread-safe
 * once the header is read. */
json_t *csvin_row(const struct csvin *ci, size_t i, struct rec_errors *errs, bool *nomem);

/* The RECNORM_* flags that read this file's numbers: RECNORM_COMMA for the ';' dialect, else
 * RECNORM_POINT. */
unsigned csvin_how(const struct csvin *ci);

void csvin_free(struct csvin *ci);

#endif
