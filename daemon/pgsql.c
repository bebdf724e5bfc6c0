/*
 * pgsql.c: the SQL text of the PostgreSQL mirror (see pgsql.h). No libpq here: statements and
 * values are plain strings, so they are testable without a server.
 */
#include "pgsql.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pgsql_type(enum pk_ftype t)
{
	switch (t) {
	case PK_T_INT:
		return "bigint";
	case PK_T_NUM:
		return "double precision";
	case PK_T_BOOL:
		return "boolean";
	case PK_T_DATE:
		return "date";
	case PK_T_STRLIST:
		return "text[]";
	default:
		return "text"; /* str, text, enum, region, ref */
	}
}

void pgsql_add(struct pgsql_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			free(b->p);
			b->p = NULL;
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

char *pgsql_take(struct pgsql_buf *b)
{
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* The statements of one collection: INSERT ... ON CONFLICT DO UPDATE, and DELETE. Parameters:
 * $1 region, $2 key, one per field, then author, author_region, changed_at (ms). */
int pgsql_statements(const char *schema, const struct pk_collection *c, char **upsert, char **del)
{
	struct pgsql_buf b = {0}, d = {0};
	size_t n = c->nfields;

	pgsql_add(&b, "INSERT INTO \"%s\".\"%s\" (region, key", schema, c->name);
	for (size_t i = 0; i < n; i++)
		pgsql_add(&b, ", \"%s\"", c->fields[i].name);
	pgsql_add(&b, ", author, author_region, changed_at) VALUES ($1, $2");
	for (size_t i = 0; i < n; i++)
		pgsql_add(&b, ", $%zu::%s", i + 3, pgsql_type(c->fields[i].type));
	pgsql_add(&b, ", $%zu, $%zu, to_timestamp($%zu::bigint / 1000.0))", n + 3, n + 4, n + 5);
	pgsql_add(&b, " ON CONFLICT (region, key) DO UPDATE SET ");
	for (size_t i = 0; i < n; i++)
		pgsql_add(&b, "\"%s\" = EXCLUDED.\"%s\", ", c->fields[i].name, c->fields[i].name);
	pgsql_add(&b, "author = EXCLUDED.author, author_region = EXCLUDED.author_region, "
	              "changed_at = EXCLUDED.changed_at");
	pgsql_add(&d, "DELETE FROM \"%s\".\"%s\" WHERE region = $1 AND key = $2", schema, c->name);
	*upsert = pgsql_take(&b);
	*del = pgsql_take(&d);
	return *upsert != NULL && *del != NULL ? 0 : PK_ENOMEM;
}

/* A strlist as a PostgreSQL array literal: {"a","b\"c"}. */
static char *array_literal(struct pk_mpr *r)
{
	struct pgsql_buf b = {0};
	const char *s;
	uint32_t n, len;

	if (pk_mpr_array(r, &n) != 0)
		return NULL;
	pgsql_add(&b, "{");
	for (uint32_t i = 0; i < n; i++) {
		if (pk_mpr_str(r, &s, &len) != 0) {
			b.failed = true;
			break;
		}
		pgsql_add(&b, "%s\"", i ? "," : "");
		for (uint32_t k = 0; k < len; k++)
			pgsql_add(&b, "%s%c", s[k] == '"' || s[k] == '\\' ? "\\" : "", s[k]);
		pgsql_add(&b, "\"");
	}
	pgsql_add(&b, "}");
	return pgsql_take(&b);
}

/* One field's value as the text PostgreSQL reads for its column type (malloc'd). */
char *pgsql_field_text(const struct pk_field *f, struct pk_mpr *r)
{
	const char *s;
	uint32_t len;
	int64_t i;
	double x;
	bool v;
	char buf[64];

	switch (f->type) {
	case PK_T_INT:
		if (pk_mpr_int(r, &i) != 0)
			return NULL;
		snprintf(buf, sizeof(buf), "%" PRId64, i);
		return strdup(buf);
	case PK_T_NUM:
		if (pk_mpr_num(r, &x) != 0)
			return NULL;
		snprintf(buf, sizeof(buf), "%.17g", x);
		return strdup(buf);
	case PK_T_BOOL:
		if (pk_mpr_bool(r, &v) != 0)
			return NULL;
		return strdup(v ? "true" : "false");
	case PK_T_STRLIST:
		return array_literal(r);
	default:
		if (pk_mpr_str(r, &s, &len) != 0)
			return NULL;
		return strndup(s, len);
	}
}
