/*
 * config.h: pokjad's settings, read from DIR/pokjad.conf (INI). One table of keys in config_keys.c
 * drives parsing, defaults, range checks and printing, so --print-config, the example file in
 * deploy/ and the parser cannot drift apart.
 *
 * A file is read and checked whole before anything is applied: config_load() fills *cfg only
 * when every line is good, else it leaves *cfg untouched and lists the errors, each as
 * "FILE:LINE: what is wrong" ("FILE: ..." for what belongs to no line).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/crypto.h"
#include "proto/error.h"

#define CONFIG_FILE "pokjad.conf"
#define CONFIG_URL_MAX 256    /* a URL, with its terminating NUL */
#define CONFIG_STR_MAX 400    /* a free string ([postgres] conninfo), with its NUL */
#define CONFIG_IDENT_MAX 64   /* an SQL name ([postgres] schema), with its NUL */
#define CONFIG_FILE_MAX 65536 /* pokjad.conf is read only up to this size, and only as a file */
#define CONFIG_DIAG_MAX 16    /* errors kept by one load; further ones are only counted */
/* One error's text, "FILE:LINE: " included: room for the longest message (the plain-HTTP
 * refusal of [web] listen, about 270 bytes in English and more in Indonesian) after a path. */
#define CONFIG_DIAG_BYTES 640

/* An optional public key: set is false when the file leaves it empty. */
struct config_key {
	bool set;
	uint8_t pub[PK_PUB_BYTES];
};

/* Every setting, in the unit its name says. Durations are in milliseconds. */
struct config {
	char listen[CONFIG_URL_MAX];     /* [node] listen: "" = no children */
	char parent_url[CONFIG_URL_MAX]; /* [parent] url: "" = no parent (the national node) */
	struct config_key parent_key;    /* [parent] key: unset = learn it from the chain */
	uint32_t batch_bytes;            /* [sync] batch_bytes */
	uint32_t batch_changesets;       /* [sync] batch_changesets */
	uint32_t poll_wait_ms;           /* [sync] poll_wait */
	uint32_t retry_min_ms;           /* [sync] retry_min */
	uint32_t retry_max_ms;           /* [sync] retry_max */
	uint32_t verify_threads;         /* [sync] verify_threads */
	uint32_t compression_level;      /* [sync] compression_level: 0 = off, 1..19 zstd */
	uint32_t max_clock_skew_ms;      /* [limits] max_clock_skew */
	uint32_t max_clock_hold_ms;      /* [limits] max_clock_hold */
	uint32_t max_children;           /* [limits] max_children */
	uint32_t port_unauth_max;        /* [limits] port_unauth_max */
	uint32_t port_per_address;       /* [limits] port_unauth_per_address */
	uint32_t port_handshake_ms;      /* [limits] port_handshake_timeout */
	uint32_t port_idle_ms;           /* [limits] port_idle_timeout */
	int log_level;                   /* [log] level: a LOG_* value (log.h) */
	uint32_t health_interval_ms;     /* [health] interval */
	uint32_t health_stale_ms;        /* [health] stale_after */
	uint32_t heartbeat_ms;           /* [health] heartbeat */

	char metrics[CONFIG_URL_MAX]; /* [metrics] listen: "" = no metrics served */
	/* [web]: listen ("" = no web application), allow_plain_http, tls_cert, tls_key */
	char web[CONFIG_URL_MAX];
	int web_plain;
	char web_tls_cert[CONFIG_STR_MAX];
	char web_tls_key[CONFIG_STR_MAX];
	int metrics_remote; /* [metrics] allow_remote: 1 = any host allowed */

	/* [postgres]: conninfo ("" = no mirror), schema, retry_max */
	char pg_conninfo[CONFIG_STR_MAX];
	char pg_schema[CONFIG_IDENT_MAX];
	uint32_t pg_retry_max_ms;
};

/*
 * The errors of one load, in line order. line[i] is the line msg[i] is about (0: the file as a
 * whole); msg[i] is the complete "FILE:LINE: ..." text. count may exceed CONFIG_DIAG_MAX: only
 * the first CONFIG_DIAG_MAX are kept.
 */
struct config_diag {
	unsigned count;
	unsigned line[CONFIG_DIAG_MAX];
	char msg[CONFIG_DIAG_MAX][CONFIG_DIAG_BYTES];
};

/* Sets every key to its default (the whole struct, padding included, so memcmp works). */
void config_defaults(struct config *cfg);

/*
 * Reads the file at path over the defaults. A missing file (ENOENT) is not an error: *cfg gets
 * all defaults. Only a regular file of at most CONFIG_FILE_MAX bytes is read (a FIFO, a
 * directory, a device or a larger file is refused at once, PK_EINVAL). Returns 0; PK_EINVAL
 * when the file has errors; PK_EIO when it cannot be read; PK_ENOMEM. On any failure *cfg is
 * unchanged and d (which may be NULL) lists the errors.
 */
int config_load(const char *path, struct config *cfg, struct config_diag *d);

/* The same from an open stream; name is the file name used in messages. Does not close f. */
int config_read(FILE *f, const char *name, struct config *cfg, struct config_diag *d);

/*
 * Writes cfg as an annotated INI file: every section and key in table order, each key with a
 * comment giving its meaning, allowed values and default. Reading the output back gives cfg
 * again. Returns 0 or PK_EIO when writing fails.
 */
int config_print(FILE *f, const struct config *cfg);

#endif
