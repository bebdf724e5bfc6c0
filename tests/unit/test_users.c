/*
 * test_users.c: the web application's accounts (daemon/users.h): add, get, list, refusals
 * (duplicate, bad name, role, full name, password), password checks (right, wrong, unknown
 * user, disabled user), password and role changes, that accounts make no changeset, and that a
 * read-only open of a store without the table reads as no accounts. Each password hash costs
 * argon2id's INTERACTIVE limits, so the tests hash as few as they can.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>

#include "daemon/store.h"
#include "daemon/users.h"
#include "testutil.h"

#define NOW 1767225600ULL /* 2026-01-01T00:00:00Z */

static struct tu_key root;

struct fx {
	char *dir;
	char path[512];
	struct store *s;
};

static int group_setup(void **state)
{
	(void)state;
	tu_init();
	tu_key(&root, 0);
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/node", f->dir);
	f->s = tu_store_new(f->path, &root, &root, "", "Kementerian PKP");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

struct names {
	char list[8][USER_NAME_MAX + 1];
	struct user u[8];
	size_t n;
};

static int collect(const struct user *u, void *arg)
{
	struct names *nm = arg;

	assert_true(nm->n < 8);
	snprintf(nm->list[nm->n], sizeof(nm->list[0]), "%s", u->name);
	nm->u[nm->n++] = *u;
	return 0;
}

static void test_add_get_list(void **state)
{
	struct fx *f = *state;
	struct names nm = {.n = 0};
	struct pk_diag d;
	struct user u;

	assert_int_equal(
	    users_add(f->s, "budi", USER_OPERATOR, "Budi Santoso", "rahasia-budi", NOW, &d), 0);
	assert_int_equal(users_add(f->s, "ani.w", USER_ADMIN, NULL, "sandi ani 123", NOW + 5, &d),
	                 0);
	assert_int_equal(users_get(f->s, "budi", &u), 0);
	assert_string_equal(u.name, "budi");
	assert_int_equal(u.role, USER_OPERATOR);
	assert_false(u.disabled);
	assert_int_equal(u.created, NOW);
	assert_int_equal(u.pw_changed, NOW);
	assert_string_equal(u.fullname, "Budi Santoso");
	assert_int_equal(users_get(f->s, "ani.w", &u), 0);
	assert_int_equal(u.role, USER_ADMIN);
	assert_string_equal(u.fullname, "");
	assert_int_equal(users_get(f->s, "citra", &u), PK_ENOTFOUND);
	assert_int_equal(users_get(f->s, "Budi", &u), PK_ENOTFOUND);

	assert_int_equal(users_list(f->s, collect, &nm), 0);
	assert_int_equal(nm.n, 2);
	assert_string_equal(nm.list[0], "ani.w"); /* name order */
	assert_string_equal(nm.list[1], "budi");
	assert_int_equal(nm.u[0].created, NOW + 5);

	/* Taken: refused before any hashing, and nothing changes. */
	assert_int_equal(users_add(f->s, "budi", USER_ADMIN, "Lain", "password lain", NOW + 9, &d),
	                 PK_EEXIST);
	assert_string_equal(d.msg, "user 'budi' exists already");
	assert_int_equal(users_get(f->s, "budi", &u), 0);
	assert_int_equal(u.role, USER_OPERATOR);
	assert_string_equal(u.fullname, "Budi Santoso");

	/* The accounts survive a reopen. */
	store_close(f->s);
	f->s = tu_store_open(f->path);
	assert_int_equal(users_get(f->s, "budi", &u), 0);
	assert_string_equal(u.fullname, "Budi Santoso");
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	static const char *const bad_names[] = {
	    "",           "Budi",  "budi santoso",
	    "-budi",      ".budi", "budi/x",
	    "bu\xc3\xa9", "a@b",   "abcdefghijklmnopqrstuvwxyz0123456"};
	char long_pw[USER_PASSWORD_MAX + 2], long_name[USER_FULLNAME_MAX + 2];
	struct names nm = {.n = 0};
	enum user_role r;
	struct pk_diag d;

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(
		    users_add(f->s, bad_names[i], USER_OPERATOR, NULL, "good password", NOW, &d),
		    PK_EINVAL);
		assert_non_null(strstr(d.msg, "is not a user name"));
	}
	assert_int_equal(users_name_check("abcdefghijklmnopqrstuvwxyz012345", NULL), 0);
	assert_int_equal(users_name_check("a", NULL), 0);
	assert_int_equal(users_name_check("0_x-y.z", NULL), 0);

	assert_int_equal(users_role_parse("verifikator", &r, &d), 0);
	assert_int_equal(r, USER_VERIFIKATOR);
	assert_int_equal(users_role_parse("pimpinan", &r, &d), 0);
	assert_int_equal(r, USER_PIMPINAN);
	assert_int_equal(users_role_parse("Admin", &r, &d), PK_EINVAL);
	assert_non_null(strstr(d.msg, "unknown role 'Admin'"));
	assert_int_equal(users_role_parse("root", &r, &d), PK_EINVAL);
	for (int i = 0; i < USER_ROLE_COUNT; i++) {
		assert_int_equal(users_role_parse(users_role_name((enum user_role)i), &r, NULL), 0);
		assert_int_equal(r, i);
	}
	assert_string_equal(users_role_name((enum user_role)9), "?");
	assert_int_equal(users_add(f->s, "budi", (enum user_role)7, NULL, "good password", NOW, &d),
	                 PK_EINVAL);

	assert_int_equal(users_add(f->s, "budi", USER_OPERATOR, NULL, "pendek7", NOW, &d),
	                 PK_EINVAL);
	assert_string_equal(d.msg, "the password is shorter than 8 characters");
	/* Eight characters, more bytes: counted as characters. */
	assert_int_equal(users_password_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL), PK_EINVAL);
	assert_int_equal(users_password_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9xxxx", NULL), 0);
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_int_equal(users_add(f->s, "budi", USER_OPERATOR, NULL, long_pw, NOW, &d), PK_EINVAL);
	assert_string_equal(d.msg, "the password is longer than 128 bytes");
	long_pw[USER_PASSWORD_MAX] = '\0';
	assert_int_equal(users_password_check(long_pw, NULL), 0);
	assert_int_equal(users_password_check("bad \xff utf-8 password", &d), PK_EINVAL);

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(
	    users_add(f->s, "budi", USER_OPERATOR, long_name, "good password", NOW, &d), PK_EINVAL);
	assert_string_equal(d.msg, "the full name is longer than 64 bytes");
	assert_int_equal(
	    users_add(f->s, "budi", USER_OPERATOR, "Budi\nX", "good password", NOW, &d), PK_EINVAL);

	/* None of them wrote anything. */
	assert_int_equal(users_list(f->s, collect, &nm), 0);
	assert_int_equal(nm.n, 0);
}

static void test_check_password(void **state)
{
	struct fx *f = *state;
	struct pk_diag d;
	struct user u;

	assert_int_equal(
	    users_add(f->s, "sari", USER_VERIFIKATOR, "Sari Dewi", "kata sandi sari", NOW, &d), 0);
	assert_int_equal(users_check_password(f->s, "sari", "kata sandi sari", &u), 0);
	assert_string_equal(u.name, "sari");
	assert_int_equal(u.role, USER_VERIFIKATOR);
	assert_int_equal(users_check_password(f->s, "sari", "kata sandi salah", &u), PK_EAUTH);
	assert_string_equal(u.name, ""); /* nothing told on a refusal */
	assert_int_equal(users_check_password(f->s, "sari", "", NULL), PK_EAUTH);
	/* An unknown name, or one that could not be a name, reads as a wrong password. */
	assert_int_equal(users_check_password(f->s, "tono", "kata sandi sari", &u), PK_EAUTH);
	assert_int_equal(users_check_password(f->s, "Sari", "kata sandi sari", &u), PK_EAUTH);

	/* Disabled: refused even with the right password; enabled again: let in. */
	assert_int_equal(users_set_disabled(f->s, "sari", true, &d), 0);
	assert_int_equal(users_get(f->s, "sari", &u), 0);
	assert_true(u.disabled);
	assert_int_equal(users_check_password(f->s, "sari", "kata sandi sari", &u), PK_EPERM);
	assert_int_equal(users_check_password(f->s, "sari", "kata sandi salah", &u), PK_EAUTH);
	assert_int_equal(users_set_disabled(f->s, "sari", true, &d), 0); /* again: no change */
	assert_int_equal(users_set_disabled(f->s, "sari", false, &d), 0);
	assert_int_equal(users_check_password(f->s, "sari", "kata sandi sari", &u), 0);
	assert_int_equal(users_set_disabled(f->s, "tono", true, &d), PK_ENOTFOUND);
	assert_string_equal(d.msg, "no user 'tono'");
}

static void test_set_password_and_role(void **state)
{
	struct fx *f = *state;
	struct pk_diag d;
	struct user u;

	assert_int_equal(users_add(f->s, "joko", USER_PIMPINAN, "Joko", "sandi pertama", NOW, &d),
	                 0);
	assert_int_equal(users_set_password(f->s, "joko", "pendek", NOW + 60, &d), PK_EINVAL);
	assert_int_equal(users_set_password(f->s, "tono", "sandi kedua!", NOW + 60, &d),
	                 PK_ENOTFOUND);
	assert_int_equal(users_set_password(f->s, "joko", "sandi kedua!", NOW + 60, &d), 0);
	assert_int_equal(users_get(f->s, "joko", &u), 0);
	assert_int_equal(u.created, NOW);
	assert_int_equal(u.pw_changed, NOW + 60);
	assert_int_equal(u.role, USER_PIMPINAN);
	assert_string_equal(u.fullname, "Joko");
	assert_int_equal(users_check_password(f->s, "joko", "sandi pertama", NULL), PK_EAUTH);
	assert_int_equal(users_check_password(f->s, "joko", "sandi kedua!", NULL), 0);

	assert_int_equal(users_set_role(f->s, "joko", USER_ADMIN, &d), 0);
	assert_int_equal(users_get(f->s, "joko", &u), 0);
	assert_int_equal(u.role, USER_ADMIN);
	assert_int_equal(u.pw_changed, NOW + 60);
	assert_int_equal(users_set_role(f->s, "joko", (enum user_role)4, &d), PK_EINVAL);
	assert_int_equal(users_set_role(f->s, "tono", USER_ADMIN, &d), PK_ENOTFOUND);
	/* The password is still the one set. */
	assert_int_equal(users_check_password(f->s, "joko", "sandi kedua!", &u), 0);
	assert_int_equal(u.role, USER_ADMIN);
}

static int count_origin(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	(void)origin;
	(void)h;
	++*(int *)arg;
	return 0;
}

/* Accounts are not changesets: the node's heads and its own log stay as they were. */
static void test_no_changeset(void **state)
{
	struct fx *f = *state;
	struct store_head before, after;
	struct store_node n;
	struct pk_diag d;
	int origins = 0;

	assert_int_equal(store_node_get(f->s, &n), 0);
	assert_int_equal(store_head_get(f->s, n.pub, &before), 0);
	assert_int_equal(users_add(f->s, "rina", USER_OPERATOR, NULL, "sandi rina 1", NOW, &d), 0);
	assert_int_equal(users_set_role(f->s, "rina", USER_ADMIN, &d), 0);
	assert_int_equal(store_head_get(f->s, n.pub, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(store_heads(f->s, count_origin, &origins), 0);
	assert_int_equal(origins, 0);
}

static int never(const struct user *u, void *arg)
{
	(void)u;
	(void)arg;
	fail_msg("an account in a store without the table");
	return 1;
}

/* A store of a node older than the table (here: the table dropped), opened read-only, holds
 * no accounts; a writing open makes the table. */
static void test_old_store_read_only(void **state)
{
	struct fx *f = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	struct pk_diag d;
	struct user u;

	assert_int_equal(users_add(f->s, "budi", USER_OPERATOR, NULL, "rahasia-budi", NOW, &d), 0);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)16 << 30), 0);
	assert_int_equal(mdb_env_open(env, f->path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "users", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(store_open(f->path, STORE_RDONLY, &f->s, &d), 0);
	assert_int_equal(users_list(f->s, never, NULL), 0);
	assert_int_equal(users_get(f->s, "budi", &u), PK_ENOTFOUND);
	assert_int_equal(users_check_password(f->s, "budi", "rahasia-budi", &u), PK_EAUTH);
	assert_int_equal(users_set_disabled(f->s, "budi", true, &d), PK_ENOTFOUND);
	assert_int_not_equal(users_add(f->s, "budi", USER_OPERATOR, NULL, "rahasia-budi", NOW, &d),
	                     0);
	store_close(f->s);
	f->s = tu_store_open(f->path);
	assert_int_equal(users_list(f->s, never, NULL), 0);
	assert_int_equal(users_add(f->s, "budi", USER_OPERATOR, NULL, "rahasia-budi", NOW, &d), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_add_get_list),          T(test_refusals),     T(test_check_password),
	    T(test_set_password_and_role), T(test_no_changeset), T(test_old_store_read_only),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
