/*
 * users.c: the web application's local accounts (users.h), in the database `users`. An entry is
 * keyed by the user name; its value (SPEC section 11) is
 *
 *	version (1 byte: 1) ‖ role (1 byte) ‖ disabled (1 byte: 0 or 1) ‖ created (u64be) ‖
 *	password changed (u64be) ‖ hash (crypto_pwhash_str, ASCII) ‖ \0 ‖ full name (UTF-8, to the
 *end)
 *
 * This file wraps libsodium's password hashing (crypto_pwhash_str*): its failures become PK_E*
 * codes here. Accounts are few (an office's staff): users_list is a whole scan.
 */
#include "users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "proto/schema.h" /* pk_utf8_valid */
#include "store_int.h"

#define USER_VERSION 1
#define USER_META (1 + 1 + 1 + 8 + 8)
#define USER_HASH_MAX (crypto_pwhash_STRBYTES - 1)
#define USER_VAL_MAX (USER_META + USER_HASH_MAX + 1 + USER_FULLNAME_MAX)

/*
 * The hash an unknown name is checked against, so that a login for a name that does not exist
 * costs what one for a name that does costs. Made once with crypto_pwhash_str_alg (argon2id,
 * the INTERACTIVE limits, as every stored hash) from a random password nobody kept.
 */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$uhHvIQ/wWjJut9t1tNGr3w$"
    "qVpp6rop5p62VGhny/CRT9ix6u4mpKoE7dmmp5PPmAU";

static const char *const role_names[USER_ROLE_COUNT] = {
    [USER_OPERATOR] = "operator",
    [USER_VERIFIKATOR] = "verifikator",
    [USER_PIMPINAN] = "pimpinan",
    [USER_ADMIN] = "admin",
};

/* ---- names, roles, passwords ------------------------------------------------------------- */

const char *users_role_name(enum user_role r)
{
	return (unsigned)r < USER_ROLE_COUNT ? role_names[r] : "?";
}

int users_role_parse(const char *s, enum user_role *out, struct pk_diag *d)
{
	for (int i = 0; i < USER_ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum user_role)i;
			return 0;
		}
	return pk_diagf(d, PK_EINVAL,
	                "unknown role '%.40s' (operator, verifikator, pimpinan or admin)", s);
}

int users_name_check(const char *name, struct pk_diag *d)
{
	size_t n = strnlen(name, USER_NAME_MAX + 1);
	bool ok = n >= 1 && n <= USER_NAME_MAX && strchr("._-", name[0]) == NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		     strchr("._-", name[i]) != NULL;
	if (ok)
		return 0;
	return pk_diagf(d, PK_EINVAL,
	                "'%.40s' is not a user name: 1 to 32 characters of a-z, 0-9, '.', '_' and "
	                "'-' (lower case), starting with a letter or digit",
	                name);
}

int users_password_check(const char *password, struct pk_diag *d)
{
	size_t n = strnlen(password, USER_PASSWORD_MAX + 1);

	if (n > USER_PASSWORD_MAX)
		return pk_diagf(d, PK_EINVAL, "the password is longer than %d bytes",
		                USER_PASSWORD_MAX);
	if (!pk_utf8_valid(password, n))
		return pk_diagf(d, PK_EINVAL, "the password is not valid UTF-8");
	if (pk_utf8_width(password) < USER_PASSWORD_MIN)
		return pk_diagf(d, PK_EINVAL, "the password is shorter than %d characters",
		                USER_PASSWORD_MIN);
	return 0;
}

int users_fullname_check(const char *fullname, struct pk_diag *d)
{
	size_t n = strnlen(fullname, USER_FULLNAME_MAX + 1);

	if (n > USER_FULLNAME_MAX)
		return pk_diagf(d, PK_EINVAL, "the full name is longer than %d bytes",
		                USER_FULLNAME_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)fullname[i] < 0x20 || fullname[i] == 0x7f)
			return pk_diagf(d, PK_EINVAL, "the full name holds a control character");
	if (!pk_utf8_valid(fullname, n))
		return pk_diagf(d, PK_EINVAL, "the full name is not valid UTF-8");
	return 0;
}

/* password's argon2id hash string into hash (NUL-ended): 0, or PK_ENOMEM (the only way
 * crypto_pwhash_str fails with these limits). */
static int hash_password(char hash[crypto_pwhash_STRBYTES], const char *password)
{
	if (crypto_pwhash_str_alg(
	        hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	        crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return PK_ENOMEM;
	return 0;
}

/* ---- entries ---------------------------------------------------------------------------- */

/* Encodes u and hash into buf (USER_VAL_MAX bytes); returns the length. */
static size_t user_encode(uint8_t buf[USER_VAL_MAX], const struct user *u, const char *hash)
{
	size_t hl = strlen(hash), fl = strlen(u->fullname);

	buf[0] = USER_VERSION;
	buf[1] = (uint8_t)u->role;
	buf[2] = u->disabled ? 1 : 0;
	db_put_be64(buf + 3, u->created);
	db_put_be64(buf + 11, u->pw_changed);
	memcpy(buf + USER_META, hash, hl);
	buf[USER_META + hl] = '\0';
	memcpy(buf + USER_META + hl + 1, u->fullname, fl);
	return USER_META + hl + 1 + fl;
}

/* Splits an entry of `users` into *u and its hash (hash may be NULL): 0, PK_EVERSION for a
 * layout newer than this one, or PK_ECORRUPT. */
static int user_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                       struct user *u, char hash[crypto_pwhash_STRBYTES])
{
	const uint8_t *z;
	size_t hl, fl;

	memset(u, 0, sizeof(*u));
	if (vlen >= 1 && val[0] > USER_VERSION)
		return PK_EVERSION;
	if (klen < 1 || klen > USER_NAME_MAX || vlen < USER_META + 1 || val[0] != USER_VERSION ||
	    val[1] >= USER_ROLE_COUNT || val[2] > 1 ||
	    (z = memchr(val + USER_META, 0, vlen - USER_META)) == NULL)
		return PK_ECORRUPT;
	hl = (size_t)(z - val) - USER_META;
	fl = vlen - USER_META - hl - 1;
	if (hl == 0 || hl > USER_HASH_MAX || fl > USER_FULLNAME_MAX)
		return PK_ECORRUPT;
	memcpy(u->name, key, klen);
	u->role = (enum user_role)val[1];
	u->disabled = val[2] != 0;
	u->created = db_get_be64(val + 3);
	u->pw_changed = db_get_be64(val + 11);
	memcpy(u->fullname, z + 1, fl);
	if (hash != NULL) {
		memcpy(hash, val + USER_META, hl);
		hash[hl] = '\0';
	}
	return 0;
}

/* name's entry in t into *u and hash: 0, PK_ENOTFOUND (does not stick), or a failure that
 * sticks to t. */
static int user_read(struct db_txn *t, struct store *s, const char *name, struct user *u,
                     char hash[crypto_pwhash_STRBYTES])
{
	struct db_val v;
	int err;

	if ((err = db_get(t, s->users, name, strlen(name), &v)) != 0)
		return err;
	if ((err = user_decode((const uint8_t *)name, strlen(name), v.data, v.len, u, hash)) != 0)
		return db_txn_fail(t, err);
	return 0;
}

/* The sentence for an account that is not there. */
static int not_found(struct pk_diag *d, const char *name)
{
	return pk_diagf(d, PK_ENOTFOUND, "no user '%s'", name);
}

/* ---- the API ----------------------------------------------------------------------------- */

int users_add(struct store *s, const char *name, enum user_role role, const char *fullname,
              const char *password, uint64_t now, struct pk_diag *d)
{
	char hash[crypto_pwhash_STRBYTES];
	uint8_t buf[USER_VAL_MAX];
	struct user u;
	struct db_txn t;
	size_t len;
	int err;

	if (fullname == NULL)
		fullname = "";
	if ((err = users_name_check(name, d)) != 0 ||
	    (err = users_fullname_check(fullname, d)) != 0 ||
	    (err = users_password_check(password, d)) != 0)
		return err;
	if ((unsigned)role >= USER_ROLE_COUNT)
		return pk_diagf(d, PK_EINVAL, "unknown role %d", (int)role);
	if (s->users == DB_NONE)
		return pk_diagf(d, PK_ESTORE, "%s: the store has no table of users (read-only)",
		                s->path);
	/* A name taken is told before the costly hash (an admin's typo costs no second). */
	if ((err = users_get(s, name, &u)) == 0)
		return pk_diagf(d, PK_EEXIST, "user '%s' exists already", name);
	if (err != PK_ENOTFOUND)
		return pk_diagf(d, err, "%s: %s", s->path, pk_strerror(err));
	if ((err = hash_password(hash, password)) != 0)
		return pk_diagf(d, err, "hashing the password: %s", pk_strerror(err));
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.fullname, sizeof(u.fullname), "%s", fullname);
	u.role = role;
	u.created = now;
	u.pw_changed = now;
	len = user_encode(buf, &u, hash);
	sodium_memzero(hash, sizeof(hash));
	db_txn_begin(&t, s->db, 0);
	err = db_put_new(&t, s->users, name, strlen(name), buf, len);
	db_txn_fail(&t, err); /* PK_EEXIST: added by another process meanwhile */
	if ((err = db_txn_commit(&t)) == PK_EEXIST)
		return pk_diagf(d, err, "user '%s' exists already", name);
	return err != 0 ? pk_diagf(d, err, "%s: %s", s->path, pk_strerror(err)) : 0;
}

int users_get(struct store *s, const char *name, struct user *out)
{
	struct db_txn t;
	int err;

	memset(out, 0, sizeof(*out));
	if (s->users == DB_NONE || users_name_check(name, NULL) != 0)
		return PK_ENOTFOUND;
	db_txn_begin(&t, s->db, DB_RDONLY);
	err = user_read(&t, s, name, out, NULL);
	db_txn_end(&t);
	return err;
}

struct list_ctx {
	int (*fn)(const struct user *u, void *arg);
	void *arg;
};

static int list_visit(const struct db_entry *e, void *arg)
{
	struct list_ctx *c = arg;
	struct user u;
	int err;

	if ((err = user_decode(e->key, e->klen, e->val, e->vlen, &u, NULL)) != 0)
		return err;
	return c->fn(&u, c->arg) != 0 ? 1 : 0;
}

int users_list(struct store *s, int (*fn)(const struct user *u, void *arg), void *arg)
{
	struct list_ctx c = {fn, arg};
	int err;

	if (s->users == DB_NONE)
		return 0;
	err = db_scan(s->db, s->users, NULL, 0, list_visit, &c);
	return err < 0 ? err : 0;
}

/* The read-modify-write of one account: calls change on it in a write transaction. A new
 * password's hash (hash not NULL) replaces the stored one. */
static int update(struct store *s, const char *name, const char *hash,
                  void (*change)(struct user *u, const void *arg), const void *arg,
                  struct pk_diag *d)
{
	char old[crypto_pwhash_STRBYTES];
	uint8_t buf[USER_VAL_MAX];
	struct db_txn t;
	struct user u;
	int err;

	if ((err = users_name_check(name, d)) != 0)
		return err;
	if (s->users == DB_NONE)
		return not_found(d, name);
	db_txn_begin(&t, s->db, 0);
	if ((err = user_read(&t, s, name, &u, old)) == PK_ENOTFOUND) {
		db_txn_end(&t);
		return not_found(d, name);
	}
	if (err == 0) {
		change(&u, arg);
		db_put(&t, s->users, name, strlen(name), buf,
		       user_encode(buf, &u, hash != NULL ? hash : old));
	}
	sodium_memzero(old, sizeof(old));
	err = db_txn_commit(&t);
	return err != 0 ? pk_diagf(d, err, "%s: %s", s->path, pk_strerror(err)) : 0;
}

static void set_changed(struct user *u, const void *arg)
{
	u->pw_changed = *(const uint64_t *)arg;
}

int users_set_password(struct store *s, const char *name, const char *password, uint64_t now,
                       struct pk_diag *d)
{
	char hash[crypto_pwhash_STRBYTES];
	struct user u;
	int err;

	if ((err = users_name_check(name, d)) != 0 ||
	    (err = users_password_check(password, d)) != 0)
		return err;
	if ((err = users_get(s, name, &u)) == PK_ENOTFOUND)
		return not_found(d, name);
	if (err != 0)
		return pk_diagf(d, err, "%s: %s", s->path, pk_strerror(err));
	if ((err = hash_password(hash, password)) != 0)
		return pk_diagf(d, err, "hashing the password: %s", pk_strerror(err));
	err = update(s, name, hash, set_changed, &now, d);
	sodium_memzero(hash, sizeof(hash));
	return err;
}

static void set_disabled(struct user *u, const void *arg)
{
	u->disabled = *(const bool *)arg;
}

int users_set_disabled(struct store *s, const char *name, bool disabled, struct pk_diag *d)
{
	return update(s, name, NULL, set_disabled, &disabled, d);
}

static void set_role(struct user *u, const void *arg)
{
	u->role = *(const enum user_role *)arg;
}

int users_set_role(struct store *s, const char *name, enum user_role role, struct pk_diag *d)
{
	if ((unsigned)role >= USER_ROLE_COUNT)
		return pk_diagf(d, PK_EINVAL, "unknown role %d", (int)role);
	return update(s, name, NULL, set_role, &role, d);
}

int users_check_password(struct store *s, const char *name, const char *password, struct user *out)
{
	char hash[crypto_pwhash_STRBYTES];
	struct db_txn t;
	struct user u;
	bool known = false, right;
	int err = PK_ENOTFOUND;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s->users != DB_NONE && users_name_check(name, NULL) == 0) {
		db_txn_begin(&t, s->db, DB_RDONLY);
		err = user_read(&t, s, name, &u, hash);
		db_txn_end(&t);
		known = err == 0;
	}
	if (err != 0 && err != PK_ENOTFOUND)
		return err;
	/* No transaction is open while argon2id runs; an unknown name costs the same. */
	right = crypto_pwhash_str_verify(known ? hash : dummy_hash, password,
	                                 strnlen(password, USER_PASSWORD_MAX + 1)) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (!known || !right)
		return PK_EAUTH;
	if (u.disabled)
		return PK_EPERM;
	if (out != NULL)
		*out = u;
	return 0;
}
