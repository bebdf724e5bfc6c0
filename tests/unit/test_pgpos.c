/*
 * test_pgpos.c: the PostgreSQL mirror's bookkeeping in the store (pgpos.c): positions per origin,
 * the state entry, the lag against the heads, clearing, and strings cut to fit. The mirror itself
 * (pgmirror.c) is tested against a real server by tests/cli/test_pgmirror.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/store.h"
#include "testutil.h"

static struct tu_key root;

static int write_kg(struct store *s, const char *key)
{
	size_t vlen = 0;
	uint8_t *v = tu_kegiatan("Rapat", 2026, &vlen);
	struct pk_op op = tu_op("kegiatan", "", key, v, vlen);
	struct store_written w;
	struct pk_diag d = {""};
	int err = store_write(s, root.sec, &op, 1, TU_T0_MS, &w, NULL, NULL, &d);

	free(v);
	return err;
}

struct seen {
	struct store_mirror_pos p[4];
	size_t n;
};

static int collect(const struct store_mirror_pos *p, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < 4);
	s->p[s->n++] = *p;
	return 0;
}

static void test_positions_state_lag(void **state)
{
	char *dir = tu_tmpdir();
	struct store *s = tu_store_new(dir, &root, &root, "", "Nasional");
	struct store_mirror_state st, got;
	struct store_mirror_pos p;
	struct seen seen = {0};
	uint64_t lag = 99;

	(void)state;
	/* No mirror ran: no state, no positions, lag = everything held. */
	assert_int_equal(store_mirror_state(s, &got), PK_ENOTFOUND);
	assert_int_equal(store_mirror_positions(s, collect, &seen), 0);
	assert_int_equal(write_kg(s, "a"), 0);
	assert_int_equal(write_kg(s, "b"), 0);
	assert_int_equal(write_kg(s, "c"), 0);
	assert_int_equal(store_mirror_lag(s, &lag), 0);
	assert_int_equal(lag, 3);

	/* A position and the state, in one write. */
	memcpy(p.origin, root.pub, PK_PUB_BYTES);
	p.seq = 2;
	memset(&st, 0, sizeof(st));
	st.connected = true;
	st.updated = 1000;
	st.caught_up = 900;
	st.error_at = 800;
	strcpy(st.target, "host=127.0.0.1 port=5432 dbname=pokja");
	strcpy(st.error, "cannot connect: refused");
	assert_int_equal(store_mirror_save(s, &p, 1, &st), 0);
	assert_int_equal(store_mirror_state(s, &got), 0);
	assert_true(got.connected);
	assert_int_equal(got.updated, 1000);
	assert_int_equal(got.caught_up, 900);
	assert_int_equal(got.error_at, 800);
	assert_string_equal(got.target, st.target);
	assert_string_equal(got.error, st.error);
	assert_int_equal(store_mirror_positions(s, collect, &seen), 1);
	assert_int_equal(seen.n, 1);
	assert_memory_equal(seen.p[0].origin, root.pub, PK_PUB_BYTES);
	assert_int_equal(seen.p[0].seq, 2);
	assert_int_equal(store_mirror_lag(s, &lag), 0);
	assert_int_equal(lag, 1);

	/* The state alone (no positions); an empty error and target read back empty. */
	st.error[0] = '\0';
	st.target[0] = '\0';
	st.connected = false;
	assert_int_equal(store_mirror_save(s, NULL, 0, &st), 0);
	assert_int_equal(store_mirror_state(s, &got), 0);
	assert_false(got.connected);
	assert_string_equal(got.error, "");
	assert_string_equal(got.target, "");

	/* Positions alone, caught up. */
	p.seq = 3;
	assert_int_equal(store_mirror_save(s, &p, 1, NULL), 0);
	assert_int_equal(store_mirror_lag(s, &lag), 0);
	assert_int_equal(lag, 0);

	/* Clearing the state keeps the positions; clearing all removes both. */
	assert_int_equal(store_mirror_clear(s, false), 0);
	assert_int_equal(store_mirror_state(s, &got), PK_ENOTFOUND);
	seen.n = 0;
	assert_int_equal(store_mirror_positions(s, collect, &seen), 1);
	assert_int_equal(store_mirror_save(s, NULL, 0, &st), 0);
	assert_int_equal(store_mirror_clear(s, true), 0);
	assert_int_equal(store_mirror_state(s, &got), PK_ENOTFOUND);
	seen.n = 0;
	assert_int_equal(store_mirror_positions(s, collect, &seen), 0);
	assert_int_equal(store_mirror_lag(s, &lag), 0);
	assert_int_equal(lag, 3);

	/* Long strings are cut to fit, never overflow. */
	memset(st.target, 'x', sizeof(st.target) - 1);
	st.target[sizeof(st.target) - 1] = '\0';
	memset(st.error, 'y', sizeof(st.error) - 1);
	st.error[sizeof(st.error) - 1] = '\0';
	assert_int_equal(store_mirror_save(s, NULL, 0, &st), 0);
	assert_int_equal(store_mirror_state(s, &got), 0);
	assert_int_equal(strlen(got.target), sizeof(got.target) - 1);
	assert_int_equal(strlen(got.error), sizeof(got.error) - 1);

	store_close(s);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positions_state_lag),
	};

	tu_init();
	tu_key(&root, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
