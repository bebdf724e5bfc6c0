/*
 * pgsql.h: the SQL text of the PostgreSQL mirror (pgmirror.c): the column type of each field
 * type, a collection's upsert and delete statements, a field's value as the text PostgreSQL
 * reads for its column, and a growing string to build them in. Pure functions on strings.
 */
#ifndef PK_PGSQL_H
#define PK_PGSQL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/mpread.h"
#include "proto/schema.h"

/* A growing string for building statements; on ENOMEM it stays failed and reads as NULL. */
struct pgsql_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Appends printf-style text to b; after a failure (out of memory) b stays failed. */
void pgsql_add(struct pgsql_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The text built (the caller frees it), or NULL when b failed (then freed). */
char *pgsql_take(struct pgsql_buf *b);

/* The PostgreSQL column type of a field type: bigint, double precision, boolean, date, text[]
 * or text. */
const char *pgsql_type(enum pk_ftype t);

/* Collection c's statements in schema: INSERT ... ON CONFLICT (region, key) DO UPDATE, and
 * DELETE, each malloc'd. Parameters: $1 region, $2 key, one per field, then author,
 * author_region and changed_at (Unix ms). Returns 0 or PK_ENOMEM. */
int pgsql_statements(const char *schema, const struct pk_collection *c, char **upsert, char **del);

/* One field's value read from r, as the text PostgreSQL reads for its column type (malloc'd;
 * NULL when the value does not decode as f's type, or out of memory). */
char *pgsql_field_text(const struct pk_field *f, struct pk_mpr *r);

#endif
