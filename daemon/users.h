/*
 * users.h: the local accounts of the office web application (issue 13), kept in the store's
 * database `users` (SPEC section 11): one entry per user name with its role, whether it is
 * disabled, when it was made and its password last set, its full name and an argon2id hash of
 * its password. Accounts belong to this node alone: they are never in a changeset, so they do
 * not replicate and no bundle carries them; a backup (a copy of the whole LMDB file) keeps them.
 *
 * Every function opens its own short transaction and returns 0 or a PK_E* code, the refusals
 * with a sentence in d (which may be NULL). Hashing a password costs about 64 MiB of memory and
 * a tenth of a second or more of one core (crypto_pwhash's INTERACTIVE limits); it runs before
 * the write transaction, never inside it. The hash itself never leaves this module.
 */
#ifndef PK_USERS_H
#define PK_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/error.h"
#include "store.h"

#define USER_NAME_MAX 32      /* bytes of [a-z0-9._-] */
#define USER_FULLNAME_MAX 64  /* bytes of UTF-8 */
#define USER_PASSWORD_MIN 8   /* characters (UTF-8 code points) */
#define USER_PASSWORD_MAX 128 /* bytes */

/* What an account may do in the web application. The numbers are stored: never renumber. */
enum user_role {
	USER_OPERATOR = 0,    /* enters and edits this office's records, follows up directives */
	USER_VERIFIKATOR = 1, /* gives verdicts on the lower levels' records */
	USER_PIMPINAN = 2,    /* reads only */
	USER_ADMIN = 3,       /* all of it, and the IT pages */
};
#define USER_ROLE_COUNT 4

/* An account as read; never holds the password or its hash. */
struct user {
	char name[USER_NAME_MAX + 1];
	enum user_role role;
	bool disabled;
	uint64_t created;                     /* Unix seconds */
	uint64_t pw_changed;                  /* Unix seconds: when the password was last set */
	char fullname[USER_FULLNAME_MAX + 1]; /* "" when none */
};

/* The role's name ("operator", "verifikator", "pimpinan", "admin"); "?" for another value. */
const char *users_role_name(enum user_role r);

/* The role named s (exactly, lower case): 0, or PK_EINVAL with a sentence listing the roles. */
int users_role_parse(const char *s, enum user_role *out, struct pk_diag *d);

/* Whether name is a user name: 1..USER_NAME_MAX characters of a-z, 0-9, '.', '_' and '-',
 * starting with a letter or digit. 0, or PK_EINVAL with a sentence. */
int users_name_check(const char *name, struct pk_diag *d);

/* Whether fullname may be an account's full name: at most USER_FULLNAME_MAX bytes of UTF-8
 * without control characters ("" is none). 0, or PK_EINVAL with a sentence. */
int users_fullname_check(const char *fullname, struct pk_diag *d);

/* Whether password may be set: at least USER_PASSWORD_MIN characters of valid UTF-8, at most
 * USER_PASSWORD_MAX bytes. 0, or PK_EINVAL with a sentence (which never quotes it). */
int users_password_check(const char *password, struct pk_diag *d);

/*
 * Adds the account name with role, fullname (NULL or "" for none; at most USER_FULLNAME_MAX
 * bytes of UTF-8 without control characters) and password, created at `now` (Unix seconds).
 * Returns 0; PK_EINVAL for a bad name, role, full name or password, PK_EEXIST when the name is
 * taken (nothing changes), each with a sentence; or a store failure.
 */
int users_add(struct store *s, const char *name, enum user_role role, const char *fullname,
              const char *password, uint64_t now, struct pk_diag *d);

/* The account name into *out: 0, PK_ENOTFOUND, PK_ECORRUPT or a store failure. A read-only
 * store of a node older than the table holds no account. */
int users_get(struct store *s, const char *name, struct user *out);

/* Calls fn for every account in name order; fn returns nonzero to stop. No transaction is open
 * while fn runs (it may write). Returns 0 or a store failure (PK_ECORRUPT for a damaged entry). */
int users_list(struct store *s, int (*fn)(const struct user *u, void *arg), void *arg);

/* Sets name's password (checked as users_add does) and its change time to now: 0, PK_EINVAL,
 * PK_ENOTFOUND (with a sentence) or a store failure. */
int users_set_password(struct store *s, const char *name, const char *password, uint64_t now,
                       struct pk_diag *d);

/* Disables (or enables again) the account name: 0 (also when it already was so),
 * PK_ENOTFOUND with a sentence, or a store failure. */
int users_set_disabled(struct store *s, const char *name, bool disabled, struct pk_diag *d);

/* Gives the account name another role: 0, PK_EINVAL, PK_ENOTFOUND (with a sentence) or a store
 * failure. */
int users_set_role(struct store *s, const char *name, enum user_role role, struct pk_diag *d);

/*
 * A login: 0 with the account in *out (may be NULL) only when name is an enabled account and
 * password is its password. PK_EAUTH for an unknown name or a wrong password alike: an unknown
 * name (or one that is not a user name) still costs one argon2id verification, against a fixed
 * hash, so the time taken does not tell which names exist. PK_EPERM when the password is right
 * but the account is disabled. Or a store failure. Costs as much as hashing (see above).
 */
int users_check_password(struct store *s, const char *name, const char *password, struct user *out);

#endif
