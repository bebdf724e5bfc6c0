/*
 * test_pgsql.c: the PostgreSQL mirror's SQL text (daemon/pgsql.c), without a server: column
 * types, a collection's statements with their parameter numbers, field values as PostgreSQL
 * reads them (array literals escaped), a value of the wrong type refused, and the growing
 * string. The mirror against a real server is tests/cli/test_pgmirror.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/pgsql.h"
#include "proto/mpwrite.h"

static void test_types(void **state)
{
	(void)state;
	assert_string_equal(pgsql_type(PK_T_INT), "bigint");
	assert_string_equal(pgsql_type(PK_T_NUM), "double precision");
	assert_string_equal(pgsql_type(PK_T_BOOL), "boolean");
	assert_string_equal(pgsql_type(PK_T_DATE), "date");
	assert_string_equal(pgsql_type(PK_T_STRLIST), "text[]");
	assert_string_equal(pgsql_type(PK_T_STR), "text");
	assert_string_equal(pgsql_type(PK_T_ENUM), "text");
	assert_string_equal(pgsql_type(PK_T_REF), "text");
}

/* The upsert names every field of kegiatan in schema order, numbers its parameters $1 .. $n+5
 * and casts each field's; the delete is keyed by region and key. */
static void test_statements(void **state)
{
	const struct pk_collection *c = pk_schema_find("kegiatan", strlen("kegiatan"));
	char *up = NULL, *del = NULL, want[64];

	(void)state;
	assert_non_null(c);
	assert_int_equal(pgsql_statements("pokja", c, &up, &del), 0);
	assert_non_null(strstr(up, "INSERT INTO \"pokja\".\"kegiatan\" (region, key, \""));
	assert_non_null(strstr(up, "ON CONFLICT (region, key) DO UPDATE SET "));
	for (size_t i = 0; i < c->nfields; i++) {
		snprintf(want, sizeof(want), "$%zu::%s", i + 3, pgsql_type(c->fields[i].type));
		assert_non_null(strstr(up, want));
		snprintf(want, sizeof(want), "\"%s\" = EXCLUDED.\"%s\"", c->fields[i].name,
		         c->fields[i].name);
		assert_non_null(strstr(up, want));
	}
	snprintf(want, sizeof(want), "to_timestamp($%zu::bigint / 1000.0)", c->nfields + 5);
	assert_non_null(strstr(up, want));
	assert_string_equal(del,
	                    "DELETE FROM \"pokja\".\"kegiatan\" WHERE region = $1 AND key = $2");
	free(up);
	free(del);
}

/* A field's msgpack value as text; NULL when it is not of the field's type. */
static char *text_of(enum pk_ftype t, void (*put)(struct pk_mpw *w))
{
	struct pk_field f = {.name = "f", .type = t};
	struct pk_mpw w;
	struct pk_mpr r;
	uint8_t *buf;
	size_t len;
	char *s;

	pk_mpw_init(&w);
	put(&w);
	assert_int_equal(pk_mpw_finish(&w, &buf, &len), 0);
	pk_mpr_init(&r, buf, len);
	s = pgsql_field_text(&f, &r);
	free(buf);
	return s;
}

static void put_int(struct pk_mpw *w)
{
	pk_mpw_put_int(w, -1250000);
}

static void put_num(struct pk_mpw *w)
{
	pk_mpw_put_double(w, 12.5);
}

static void put_bool(struct pk_mpw *w)
{
	pk_mpw_put_bool(w, true);
}

static void put_list(struct pk_mpw *w)
{
	pk_mpw_put_array(w, 3);
	pk_mpw_put_cstr(w, "Bekasi");
	pk_mpw_put_cstr(w, "a\"b");
	pk_mpw_put_cstr(w, "c\\d");
}

static void put_str(struct pk_mpw *w)
{
	pk_mpw_put_cstr(w, "Rapat koordinasi");
}

static void test_field_text(void **state)
{
	char *s;

	(void)state;
	assert_string_equal(s = text_of(PK_T_INT, put_int), "-1250000");
	free(s);
	assert_string_equal(s = text_of(PK_T_NUM, put_num), "12.5");
	free(s);
	assert_string_equal(s = text_of(PK_T_BOOL, put_bool), "true");
	free(s);
	assert_string_equal(s = text_of(PK_T_STRLIST, put_list),
	                    "{\"Bekasi\",\"a\\\"b\",\"c\\\\d\"}");
	free(s);
	assert_string_equal(s = text_of(PK_T_STR, put_str), "Rapat koordinasi");
	free(s);
	/* The wrong type for the field: no text, nothing guessed. */
	assert_null(text_of(PK_T_INT, put_str));
	assert_null(text_of(PK_T_STRLIST, put_int));
	assert_null(text_of(PK_T_STR, put_bool));
}

static void test_buf(void **state)
{
	struct pgsql_buf b = {0};
	char *s;

	(void)state;
	for (int i = 0; i < 1000; i++)
		pgsql_add(&b, "%d,", i % 10);
	s = pgsql_take(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), 2000);
	assert_memory_equal(s, "0,1,2,", 6);
	free(s);
	b = (struct pgsql_buf){0};
	b.failed = true; /* as after an allocation failed: stays failed, gives NULL */
	pgsql_add(&b, "x");
	assert_null(pgsql_take(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types),
	    cmocka_unit_test(test_statements),
	    cmocka_unit_test(test_field_text),
	    cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
