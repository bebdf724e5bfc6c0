/*
 * cli.h: what pokjactl's commands share: the parsed global options, the option parser, the
 * node opening helpers and the error printer. Each command is a function in a cmd_*.c file,
 * listed in the command table in main.c, which also holds its usage text.
 */
#ifndef CLI_H
#define CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/error.h"

/* Exit statuses: documented in README, section "Exit status". */
#define EXIT_OK 0
#define EXIT_FAIL 1  /* the operation failed or was refused */
#define EXIT_USAGE 2 /* the command line is wrong */

struct cli {
	const char *prog;
	const char *cmd; /* the command's name */
	const char *dir; /* the node folder (resolved) */
	bool json;       /* machine output */
};

/* One command-specific option. Exactly one of val or flag is set. */
struct cli_opt {
	const char *name; /* without the leading dashes */
	const char **val;
	bool *flag;
};

/*
 * Parses argv (the words after the command name): the global options --dir DIR and --json,
 * -h/--help, the command's own options, and up to maxpos positional words. "--name=value" and
 * "--name value" both work; "-" is a positional word. Returns 0, EXIT_USAGE after printing why,
 * or -1 when help was asked for (the caller prints usage and exits 0).
 */
int cli_parse(struct cli *c, int argc, char **argv, const struct cli_opt *opts, char **pos,
              int minpos, int maxpos, int *npos);

/* Prints "pokjactl CMD: message" on stderr and returns EXIT_FAIL. fmt is an English message,
 * translated here (cli/i18n.h): write it as a literal, so that `make pot` finds it; an argument
 * %s that is itself a message is translated by its maker. */
int cli_fail(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_fail's printer: "pokjactl CMD: " and fmt (translated) with ap, and a newline. */
void cli_say(const struct cli *c, const char *fmt, va_list ap);

/* A progress line on stderr, for a terminal: back to the start of the line, then fmt printf'd
 * in the message language (fmt is a catalog message, as cli_fail's). */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the usage line of c->cmd on stderr and returns EXIT_USAGE. */
int cli_usage(const struct cli *c);

/* Prints "pokjactl CMD: message" and the usage line on stderr; returns EXIT_USAGE. fmt as for
 * cli_fail. */
int cli_usagef(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Refuses (printing why, returning EXIT_FAIL) when pokjactl runs as root on a node folder that
 * belongs to another user (the service user of pokjad): files root creates there would be
 * unreadable to pokjad. 0 otherwise. */
int cli_check_owner(const struct cli *c);

/* Opens the node's store and, when sec is not NULL, its key. Prints the error itself. Refuses a
 * writing open by root of another user's node folder (cli_check_owner). */
int cli_open(const struct cli *c, unsigned flags, struct store **s, struct store_node *node,
             uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES]);

/* Reads a whole file ("-" for stdin) into a malloc'd buffer of at most max bytes. */
int cli_read_file(const struct cli *c, const char *path, size_t max, uint8_t **out, size_t *len);

/*
 * An output file written whole or not at all: cli_out_open creates a temporary file beside
 * path (exclusively, with `mode`); the caller writes to o->f; cli_out_commit flushes it to
 * disk, renames it over path and syncs the folder, so path is either as it was or complete.
 * cli_out_abort removes the temporary file. Both open and commit print their error and return
 * EXIT_FAIL; after commit or abort o holds nothing.
 */
struct cli_out {
	FILE *f;
	const char *path;
	char tmp[4096];
};
int cli_out_open(const struct cli *c, const char *path, unsigned mode, struct cli_out *o);
int cli_out_commit(const struct cli *c, struct cli_out *o);
void cli_out_abort(struct cli_out *o);

/*
 * Why writing the file `path` failed with errno value e: "no space left on the device holding
 * DIR" (DIR the file's folder, in d->msg) for a full device or quota, else strerror(e).
 */
const char *cli_io_why(struct pk_diag *d, const char *path, int e);

/* Makes renames in folder dir durable (fsync of the folder; best effort: errors are ignored,
 * since the files themselves are on disk already). */
void cli_sync_dir(const char *dir);

/* Writes a whole file atomically (cli_out_open, mode 0644, and commit). */
int cli_write_file(const struct cli *c, const char *path, const uint8_t *data, size_t len);

/* Hex of a key, and the ISO 8601 UTC time of a hybrid clock value. */
void cli_key_hex(char out[2 * PK_PUB_BYTES + 1], const uint8_t *key);
void cli_hlc_time(char out[32], uint64_t hlc);

/* Region code checks for codes typed by a person: well formed, on the official list, and
 * inside `within` (the node's region). Prints the error itself; returns 0 or EXIT_FAIL. */
int cli_check_region(const struct cli *c, const char *code, const char *within);

/* The same check without printing: 0 or PK_EREGION with the reason in d. */
int cli_region_ok(const char *code, const char *within, struct pk_diag *d);

/* Whether this node (region `home`) may write records of region `code` (SPEC section 5,
 * "Ownership"): 0, PK_EREGION (outside home) or PK_EOWNER (a lower node's), with a sentence in
 * d that says what to do instead. */
int cli_region_own(const char *code, const char *home, struct pk_diag *d);

/* Shared output (show.c): a node's identity as JSON (caller decrefs) or as text; a JSON value on
 * stdout. */
struct json_t;
struct json_error_t;
struct json_t *cli_node_json(const struct store_node *n);
void cli_print_node(const struct store_node *n);
void cli_print_json(struct json_t *j);

/* Why jansson refused a JSON text, for people: its own English text in English, a sentence of
 * the catalog for the errors a person makes (bad syntax, a duplicate member, cut short, not
 * UTF-8, ...) in Indonesian. */
const char *cli_json_error(const struct json_error_t *e);

/* Whether local writes are held after a restore (show.c): sets "writes" in j ("allowed"
 * or "held", with the sequences) when j is not NULL, else prints a "writes:" line when held. */
void cli_show_writes(struct store *s, struct json_t *j);

/* pokjad's PostgreSQL mirror (show_pg.c): sets "postgres" in j (null when no mirror runs) when
 * j is not NULL, else prints "postgres:" lines when one does. Returns 0 or a store error. */
int cli_show_pgmirror(struct store *s, struct json_t *j);

/* pokjad.conf for a node that init creates (join.c). */
int cli_write_config(const struct cli *c, const char *listen, const char *parent_url,
                     const uint8_t *parent_key);

/* The online half of `init --join` (join.c): joins, installs the set, writes the config. */
struct pk_invite;
int cli_join(const struct cli *c, const struct pk_invite *inv, const uint8_t pub[PK_PUB_BYTES],
             const uint8_t sec[PK_SEC_BYTES], struct store *s, const char *listen);

/* The commands. */
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_request(struct cli *c, int argc, char **argv);
int cmd_certify(struct cli *c, int argc, char **argv);
int cmd_install_cert(struct cli *c, int argc, char **argv);
int cmd_put(struct cli *c, int argc, char **argv);
int cmd_get(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_del(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_edit(struct cli *c, int argc, char **argv);
int cmd_history(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_schema(struct cli *c, int argc, char **argv);
int cmd_info(struct cli *c, int argc, char **argv);
int cmd_invite(struct cli *c, int argc, char **argv);
int cmd_revoke(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
/* status --tree (status_tree.c): the subtree of `region` (NULL: this node's) from the health
 * records held. Prints its own errors; returns an exit status. */
int cli_status_tree(struct cli *c, struct store *s, const struct store_node *node,
                    const char *region);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_allow_writes(struct cli *c, int argc, char **argv);
int cmd_bundle(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_rekap(struct cli *c, int argc, char **argv);
int cmd_arahan(struct cli *c, int argc, char **argv);
int cmd_wilayah(struct cli *c, int argc, char **argv);
int cmd_template(struct cli *c, int argc, char **argv);
int cmd_verifikasi(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_web(struct cli *c, int argc, char **argv);

#endif
