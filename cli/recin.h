/*
 * recin.h: records coming in from a person or a file, shared by `put` and `import`: a JSON
 * object (its key, wilayah and fields) checked against the schema and the node's region and
 * encoded, ready to be one op of a changeset, with every problem it has reported at once.
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
#include "recerr.h"

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
 * new key; without a wilayah member the region is `home`. The region must be an official code;
 * whether this node may write it (cli_region_own) is the caller's question, asked only of what
 * it will write. Consumes the members key, wilayah and collection. Its fields are read as
 * recjson_encode_input reads them, with the RECNORM_* flags in how (RECNORM_LISTED is added:
 * region codes are checked against the official list). Every problem (the key, the wilayah and
 * each field) is added to errs with line, a sentence naming the member or field. Returns 0, or
 * an error (PK_ESCHEMA, PK_EREGION, PK_ETOOBIG, PK_ENOMEM) and r->value is then NULL.
 */
int rec_from_json(json_t *obj, const char *coll_name, const char *key, const char *home,
                  unsigned how, struct rec_in *r, struct rec_errors *errs, size_t line);

/*
 * Reports the problems of one record (put, edit) on stderr, each on its own line
 * "pokjactl CMD: PROBLEM", then "pokjactl CMD: the record has N problems; OUTCOME", and returns
 * EXIT_FAIL. outcome is a sentence such as "nothing was stored".
 */
struct cli;
int rec_errors_fail(const struct cli *c, const struct rec_errors *l, const char *outcome);

/* The op that writes r (pointing into r: r must outlive it). */
void rec_op(const struct rec_in *r, struct pk_op *op);

void rec_in_free(struct rec_in *r);

#endif
