/*
 * cmd_user.c: `pokjactl user`, the accounts of the office web application (daemon/users.h):
 * add, list, disable, enable, role and passwd. Accounts are this node's own: nothing here makes
 * a changeset, so nothing replicates.
 *
 * A password comes from --password-file FILE (its first line; "-" for standard input), else
 * from the terminal, typed twice without echo, when standard input is one, else from the first
 * line of standard input. It is never an argument (others could read it in the process list),
 * never printed, and wiped from memory after use; its hash never leaves daemon/users.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon/users.h"
#include "i18n.h"

/* A password line: room for one byte more than the longest password, so that one too long is
 * read as such (and refused by users_password_check), plus the NUL. */
#define PW_BUF (USER_PASSWORD_MAX + 2)

/* Unix seconds as ISO 8601 UTC. */
static void iso_time(char out[32], uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%llu", (unsigned long long)t);
}

/* An account as JSON (never its hash); the caller decrefs. */
static json_t *user_json(const struct user *u)
{
	char created[32], changed[32];

	iso_time(created, u->created);
	iso_time(changed, u->pw_changed);
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "name", u->name, "role",
	                 users_role_name(u->role), "full_name", u->fullname, "disabled",
	                 u->disabled, "created", created, "password_changed", changed);
}

/* ---- reading a password ------------------------------------------------------------------ */

/*
 * One line from fd into buf (PW_BUF bytes), without its "\n" or "\r\n", read a byte at a time
 * so that nothing past the line is taken from a pipe or kept in a stdio buffer. Stops at PW_BUF
 * - 1 bytes: a longer line reads as too long. Returns the bytes read, or -1 with errno.
 */
static ssize_t read_line(int fd, char buf[PW_BUF])
{
	size_t n = 0;
	ssize_t r;
	char ch;

	while (n < PW_BUF - 1) {
		r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || ch == '\n')
			break;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Asks for a line on the terminal (standard input) with echo off; prompt on stderr. */
static int ask(const struct cli *c, const char *prompt, char buf[PW_BUF])
{
	struct termios old, quiet;
	ssize_t n;
	int e;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return cli_fail(c, "reading the password from the terminal: %s", strerror(errno));
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	n = read_line(STDIN_FILENO, buf);
	e = errno;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (n < 0)
		return cli_fail(c, "reading the password from the terminal: %s", strerror(e));
	return 0;
}

/* The new password into pw (PW_BUF bytes): from file (NULL: the terminal or standard input, as
 * the file comment says). Prints its own errors; returns 0 or EXIT_FAIL. */
static int get_password(const struct cli *c, const char *file, const char *name, char *pw)
{
	char again[PW_BUF], prompt[128];
	ssize_t n;
	int fd, rc = 0;

	if (file == NULL && isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof(prompt), _("New password for %s: "), name);
		if ((rc = ask(c, prompt, pw)) != 0 ||
		    (rc = ask(c, _("The same password again: "), again)) != 0)
			goto out;
		if (strcmp(pw, again) != 0)
			rc = cli_fail(c, "the two passwords differ; nothing changed");
		goto out;
	}
	if (file == NULL || strcmp(file, "-") == 0) {
		fd = STDIN_FILENO;
	} else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		return cli_fail(c, "%s: %s", file, strerror(errno));
	}
	n = read_line(fd, pw);
	if (n < 0)
		rc = cli_fail(c, "%s: %s", fd == STDIN_FILENO ? "-" : file, strerror(errno));
	else if (n == 0)
		rc = cli_fail(c, "no password given: the first line of %s is empty",
		              fd == STDIN_FILENO ? _("standard input") : file);
	if (fd != STDIN_FILENO)
		close(fd);
out:
	sodium_memzero(again, sizeof(again));
	if (rc != 0)
		sodium_memzero(pw, PW_BUF);
	return rc;
}

/* ---- the subcommands ---------------------------------------------------------------------- */

/* The account name as JSON on stdout (--json after a change). */
static int show(const struct cli *c, struct store *s, const char *name)
{
	struct user u;
	json_t *j;
	int err;

	if ((err = users_get(s, name, &u)) != 0)
		return cli_fail(c, "%s: %s", name, pk_strerror(err));
	if ((j = user_json(&u)) == NULL)
		return cli_fail(c, "%s", pk_strerror(PK_ENOMEM));
	cli_print_json(j);
	json_decref(j);
	return EXIT_OK;
}

static int user_add(const struct cli *c, struct store *s, const char *name, const char *role,
                    const char *fullname, const char *file)
{
	char pw[PW_BUF];
	enum user_role r;
	struct pk_diag d;
	struct user u;
	int rc;

	/* Every refusal that needs no password comes before asking for one. */
	if (users_name_check(name, &d) != 0 || users_role_parse(role, &r, &d) != 0 ||
	    (fullname != NULL && users_fullname_check(fullname, &d) != 0))
		return cli_fail(c, "%s", d.msg);
	if (users_get(s, name, &u) == 0)
		return cli_fail(c, "user '%s' exists already", name);
	if ((rc = get_password(c, file, name, pw)) != 0)
		return rc;
	rc = users_add(s, name, r, fullname, pw, (uint64_t)time(NULL), &d);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return cli_fail(c, "%s", d.msg);
	if (c->json)
		return show(c, s, name);
	printf(_("user %s added, role %s\n"), name, users_role_name(r));
	return EXIT_OK;
}

struct listing {
	json_t *arr; /* --json */
	size_t n;
	bool nomem;
};

static int list_one(const struct user *u, void *arg)
{
	struct listing *l = arg;
	char created[32], changed[32];

	l->n++;
	if (l->arr != NULL) {
		if (json_array_append_new(l->arr, user_json(u)) != 0)
			l->nomem = true;
		return l->nomem ? 1 : 0;
	}
	iso_time(created, u->created);
	iso_time(changed, u->pw_changed);
	printf("%-20s %-11s %-9s %s  %s  %s\n", u->name, users_role_name(u->role),
	       u->disabled ? _("disabled") : _("active"), created, changed, u->fullname);
	return 0;
}

static int user_list(const struct cli *c, struct store *s)
{
	struct listing l = {.arr = NULL};
	int err;

	if (c->json && (l.arr = json_array()) == NULL)
		return cli_fail(c, "%s", pk_strerror(PK_ENOMEM));
	if (!c->json)
		/* TRANSLATORS: the heading of 'pokjactl user list': keep the column widths (20, 11,
		 * 9, 20, 20 characters with the spaces after them). */
		fputs(_("NAME                 ROLE        STATUS    CREATED               "
		        "PASSWORD SET          FULL NAME\n"),
		      stdout);
	err = users_list(s, list_one, &l);
	if (err != 0 || l.nomem) {
		json_decref(l.arr);
		return cli_fail(c, "%s", pk_strerror(err != 0 ? err : PK_ENOMEM));
	}
	if (l.arr != NULL) {
		cli_print_json(l.arr);
		json_decref(l.arr);
	} else if (l.n == 0) {
		printf(_("(no users; add one with 'pokjactl user add NAME --role ROLE')\n"));
	}
	return EXIT_OK;
}

static int user_passwd(const struct cli *c, struct store *s, const char *name, const char *file)
{
	char pw[PW_BUF];
	struct pk_diag d;
	struct user u;
	int rc;

	if (users_name_check(name, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	if (users_get(s, name, &u) != 0)
		return cli_fail(c, "no user '%s'", name);
	if ((rc = get_password(c, file, name, pw)) != 0)
		return rc;
	rc = users_set_password(s, name, pw, (uint64_t)time(NULL), &d);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0)
		return cli_fail(c, "%s", d.msg);
	if (c->json)
		return show(c, s, name);
	printf(_("password of user %s changed\n"), name);
	return EXIT_OK;
}

int cmd_user(struct cli *c, int argc, char **argv)
{
	const char *role = NULL, *fullname = NULL, *file = NULL, *sub;
	struct cli_opt opts[] = {
	    {"role", &role, NULL}, {"name", &fullname, NULL}, {"password-file", &file, NULL}, {0}};
	struct store_node node;
	struct pk_diag d;
	enum user_role r = USER_OPERATOR;
	struct store *s;
	char *pos[3];
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 3, &npos)) != 0)
		return rc;
	sub = pos[0];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "disable") != 0 &&
	    strcmp(sub, "enable") != 0 && strcmp(sub, "role") != 0 && strcmp(sub, "passwd") != 0)
		return cli_usagef(
		    c, "unknown subcommand '%s' (add, list, disable, enable, role or passwd)", sub);
	if (strcmp(sub, "add") == 0 && (npos != 2 || role == NULL))
		return cli_usagef(c, "add takes one NAME and needs --role ROLE");
	if (strcmp(sub, "add") != 0 && (role != NULL || fullname != NULL))
		return cli_usagef(c, "--role and --name are for add only");
	if (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 && file != NULL)
		return cli_usagef(c, "--password-file is for add and passwd only");
	if (strcmp(sub, "list") == 0 && npos != 1)
		return cli_usagef(c, "list takes no NAME");
	if (strcmp(sub, "role") == 0 && npos != 3)
		return cli_usagef(c, "role takes a NAME and a ROLE");
	if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
	     strcmp(sub, "passwd") == 0) &&
	    npos != 2)
		return cli_usagef(c, "%s takes one NAME", sub);
	if (strcmp(sub, "role") == 0 && users_role_parse(pos[2], &r, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	/* list only reads: a store of a node older than accounts reads as none. */
	if ((rc = cli_open(c, strcmp(sub, "list") == 0 ? STORE_RDONLY : 0, &s, &node, NULL,
	                   NULL)) != 0)
		return rc;
	if (strcmp(sub, "add") == 0) {
		rc = user_add(c, s, pos[1], role, fullname, file);
	} else if (strcmp(sub, "list") == 0) {
		rc = user_list(c, s);
	} else if (strcmp(sub, "passwd") == 0) {
		rc = user_passwd(c, s, pos[1], file);
	} else if (strcmp(sub, "role") == 0) {
		if ((rc = users_set_role(s, pos[1], r, &d)) != 0)
			rc = cli_fail(c, "%s", d.msg);
		else if (c->json)
			rc = show(c, s, pos[1]);
		else
			printf(_("user %s now has role %s\n"), pos[1], users_role_name(r));
	} else {
		bool off = strcmp(sub, "disable") == 0;

		if ((rc = users_set_disabled(s, pos[1], off, &d)) != 0)
			rc = cli_fail(c, "%s", d.msg);
		else if (c->json)
			rc = show(c, s, pos[1]);
		else if (off)
			printf(_("user %s disabled: it can no longer log in\n"), pos[1]);
		else
			printf(_("user %s enabled\n"), pos[1]);
	}
	store_close(s);
	return rc;
}
