/*
 * config_int.h: private to config.c and config_keys.c: the shape of one key of pokjad.conf and
 * the one table of keys (config_keys.c) that drives parsing, defaults, range checks, printing and
 * the man page. Nothing else includes it; the API is config.h.
 */
#ifndef PK_CONFIG_INT_H
#define PK_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define SEC 1000u
#define MIN (60u * SEC)
#define HOUR (60u * MIN)

enum item_type {
	T_URL,      /* char[CONFIG_URL_MAX]: "" or tcp://HOST:PORT (F_HTTP: http://HOST:PORT) */
	T_KEY,      /* struct config_key: "" or 64 hex digits */
	T_SIZE,     /* uint32_t bytes: 65536, 64K, 1M */
	T_DURATION, /* uint32_t milliseconds: 25 (seconds), 1500ms, 25s, 2m, 1h */
	T_COUNT,    /* uint32_t */
	T_ENUM,     /* int: an index into names */
	T_STR,      /* char[max]: any printable text, "" allowed unless F_IDENT */
};

#define F_ANY_HOST 1u /* a listening URL: the host may be empty or "*" (every interface) */
#define F_IDENT 2u    /* a T_STR that is an SQL name: [a-z_][a-z0-9_]*, never empty */
#define F_HTTP 4u     /* an http:// URL rather than tcp:// */
#define F_HTTPS 8u    /* an http:// or https:// URL; loopback_unless applies to http:// only */

/*
 * One key. Numbers (min, max, def) are in the stored unit: bytes, milliseconds, units, or the
 * index of an enum name. URL and key defaults are empty. needs names a key of the same section
 * that must be set whenever this one is; at_most one whose value this one must not exceed.
 */
struct item {
	const char *section, *name;
	enum item_type type;
	unsigned flags;
	size_t off;
	uint64_t min, max, def;
	const char *const *names;
	const char *str_def; /* T_STR's default (NULL: empty) */
	const char *needs, *at_most;
	/* A yes/no key of the section that must be yes for a URL whose host is not loopback. */
	const char *loopback_unless;
	const char *doc;
};

/* A number suffix and what it multiplies by; "" is a bare number. */
struct unit {
	const char *suffix;
	uint64_t mult;
};

/* Room in a read's per-key arrays; config_keys.c checks at build time that the table fits. */
#define CONFIG_ITEMS_MAX 64

extern const struct item config_items[];
extern const size_t config_nitems;
extern const struct unit config_size_units[], config_duration_units[], config_count_units[];

#endif
