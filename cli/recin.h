/*
 * recin.h: records coming in from a person or a file, shared by `put` and `import`: a JSON
 * object (its key, wilayah and fields) checked against the schema and the node's region and
 * encoded, ready to be one op of a changeset; and the bounded list of errors an import reports.
 */
#ifndef CLI_RECIN_H
#define CLI_RECIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/changeset.h"
#include "proto/region.h"
#include "proto/schema.h"

/* A record parsed from JSON, ready to become one op. value is malloc'd (rec_in_free). */
struct rec_in {
	const struct pk_collection *coll;
	char region[PK_REGION_MAX + 1];
	char key[PK_KEY_MAX + 1];
	uint8_t *value;
	size_t value_len;
	bool keyed; /* the key was given (not generated) */
};

/*
 * Turns a JSON object into a record of collection `coll_name` (or of the collection its
 * "collection" member names, when coll_name is NULL), for a node in region `home`. key, when
 * not NULL, is the key given on the command line; without one the object's "key" member, else a
 * new key. Consumes the members key, wilayah and collection. Returns 0 or an error with a
 * sentence in d naming the member or field; r->value is then NULL.
 */
int rec_from_json(json_t *obj, const char *coll_name, const char *key, const char *home,
                  struct rec_in *r, struct pk_diag *d);

/* The op that writes r (pointing into r: r must outlive it). */
void rec_op(const struct rec_in *r, struct pk_op *op);

void rec_in_free(struct rec_in *r);

/*
 * The errors of an import, in file order: at most REC_ERRORS_KEPT are kept, the others only
 * counted. Not thread-safe: each thread checking a part of a file keeps its own list.
 */
#define REC_ERRORS_KEPT 50
struct rec_error {
	size_t line; /* in the file, from 1 */
	char msg[300];
};
struct rec_errors {
	struct rec_error e[REC_ERRORS_KEPT];
	size_t n;    /* kept */
	size_t more; /* counted beyond those kept */
};

void rec_error_add(struct rec_errors *l, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
