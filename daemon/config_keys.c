/*
 * config_keys.c: the one table of pokjad.conf's keys (see config_int.h): each row gives a key's
 * section, name, type, field, range, default and the sentence --print-config and the man page
 * show. config.c reads, checks and prints by it.
 */
#include <stddef.h>

#include "config_int.h"
#include "log.h"
#include "proto/compress.h"

/* In LOG_* order (log.h); test_config checks that log_level_parse() agrees. */
static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};
static const char *const yes_no[] = {"no", "yes", NULL};

/* The common columns of a row: section, name, type, the config field, min, max, default. */
#define ROW(sec, nm, ty, fld, lo, hi, dflt)                                                        \
	.section = (sec), .name = (nm), .type = (ty), .off = offsetof(struct config, fld),         \
	.min = (lo), .max = (hi), .def = (dflt)

const struct item config_items[] = {
    {ROW("node", "listen", T_URL, listen, 0, 0, 0), .flags = F_ANY_HOST,
     .doc = "Where children dial in, e.g. tcp://0.0.0.0:7450; empty: this node takes no children."},
    {ROW("parent", "url", T_URL, parent_url, 0, 0, 0),
     .doc = "The parent node to dial; empty: no parent (the national node)."},
    {ROW("parent", "key", T_KEY, parent_key, 0, 0, 0), .needs = "url",
     .doc = "The parent's public key; empty: take it from this node's certificate chain."},
    {ROW("sync", "batch_bytes", T_SIZE, batch_bytes, 64 * KIB, 4 * MIB, 1 * MIB),
     .doc = "Most bytes of changesets in one push or pull message."},
    {ROW("sync", "batch_changesets", T_COUNT, batch_changesets, 1, 1024, 512),
     .doc = "Most changesets in one push message."},
    {ROW("sync", "poll_wait", T_DURATION, poll_wait_ms, 1 * SEC, 30 * SEC, 25 * SEC),
     .doc = "How long the parent holds a pull that finds nothing new (long poll)."},
    {ROW("sync", "retry_min", T_DURATION, retry_min_ms, 100, 60 * SEC, 200), .at_most = "retry_max",
     .doc = "First wait before dialling the parent again; it doubles up to retry_max."},
    {ROW("sync", "retry_max", T_DURATION, retry_max_ms, 1 * SEC, 1 * HOUR, 60 * SEC),
     .doc = "Longest wait between two attempts to reach the parent."},
    {ROW("sync", "verify_threads", T_COUNT, verify_threads, 1, 16, 2),
     .doc = "Threads that verify the signatures of incoming changesets."},
    {ROW("sync", "compression_level", T_COUNT, compression_level, 0, PK_ZSTD_LEVEL_MAX, 3),
     .doc = "zstd level for what crosses a link, when both ends agree: 0 off, up to 19 for "
            "very thin links."},
    {ROW("limits", "max_clock_skew", T_DURATION, max_clock_skew_ms, 10 * SEC, 24 * HOUR, 10 * MIN),
     .doc = "Beyond this a changeset stamped ahead is held, and a clock off from its peers' "
            "refuses writes."},
    {ROW("limits", "max_clock_hold", T_DURATION, max_clock_hold_ms, 1 * HOUR, 720 * HOUR,
         168 * HOUR),
     .doc = "How far ahead a changeset may be stamped and still be held for its time."},
    {ROW("limits", "max_children", T_COUNT, max_children, 1, 1000, 100),
     .doc = "Most child nodes served at once: one more is refused (error 'full') until one "
            "leaves."},
    {ROW("limits", "port_unauth_max", T_COUNT, port_unauth_max, 1, 4096, 64),
     .doc = "Most connections to the listen port without a session; the oldest is closed to "
            "make room."},
    {ROW("limits", "port_unauth_per_address", T_COUNT, port_per_address, 1, 4096, 8),
     .at_most = "port_unauth_max",
     .doc = "Most connections without a session from one source address; the oldest is "
            "closed to make room."},
    {ROW("limits", "port_handshake_timeout", T_DURATION, port_handshake_ms, 1 * SEC, 5 * MIN,
         10 * SEC),
     .doc = "How long a connection to the listen port may take to open a session."},
    {ROW("limits", "port_idle_timeout", T_DURATION, port_idle_ms, 1 * SEC, 5 * MIN, 5 * SEC),
     .at_most = "port_handshake_timeout",
     .doc = "How long a connection without a session may stay silent."},
    {ROW("log", "level", T_ENUM, log_level, 0, 0, LOG_INFO), .names = level_names,
     .doc = "Most verbose messages logged; pokjad --log-level overrides it."},
    {ROW("health", "interval", T_DURATION, health_interval_ms, 1 * SEC, 24 * HOUR, 10 * MIN),
     .at_most = "stale_after",
     .doc = "How often pokjad rewrites its health record (kesehatan_node) when nothing changed."},
    {ROW("health", "stale_after", T_DURATION, health_stale_ms, 2 * SEC, 720 * HOUR, 30 * MIN),
     .doc = "status --tree flags a node not heard of for longer than this."},
    {ROW("health", "heartbeat", T_DURATION, heartbeat_ms, 1 * SEC, 10 * MIN, 10 * SEC),
     .doc = "A peer silent for poll_wait plus this shows as not connected (closed: at once)."},
    {ROW("metrics", "listen", T_URL, metrics, 0, 0, 0), .flags = F_HTTP,
     .loopback_unless = "allow_remote",
     .doc = "Where GET /metrics serves the Prometheus text format; empty: no metrics."},
    {ROW("metrics", "allow_remote", T_ENUM, metrics_remote, 0, 0, 0), .names = yes_no,
     .doc = "yes: [metrics] listen may name a host that is not loopback (127.0.0.1, ::1)."},
    {ROW("web", "listen", T_URL, web, 0, 0, 0), .flags = F_HTTPS,
     .loopback_unless = "allow_plain_http",
     .doc = "Where the web application is served: https://HOST:PORT, or http://127.0.0.1:PORT; "
            "empty: none."},
    {ROW("web", "allow_plain_http", T_ENUM, web_plain, 0, 0, 0), .names = yes_no,
     .doc = "yes: [web] listen may be http:// off loopback (passwords then cross the network "
            "readable)."},
    {ROW("web", "tls_cert", T_STR, web_tls_cert, 0, CONFIG_STR_MAX, 0),
     .doc = "The web application's certificate (PEM file) for https://; 'pokjactl web cert' "
            "makes one."},
    {ROW("web", "tls_key", T_STR, web_tls_key, 0, CONFIG_STR_MAX, 0),
     .doc = "Its private key (PEM file, readable by pokjad only)."},
    {ROW("postgres", "conninfo", T_STR, pg_conninfo, 0, CONFIG_STR_MAX, 0),
     .doc = "libpq connection string of the PostgreSQL database to copy records to; empty: "
            "none."},
    {ROW("postgres", "schema", T_STR, pg_schema, 0, CONFIG_IDENT_MAX, 0), .flags = F_IDENT,
     .str_def = "pokja", .doc = "The PostgreSQL schema that holds the tables, one per collection."},
    {ROW("postgres", "retry_max", T_DURATION, pg_retry_max_ms, 1 * SEC, 1 * HOUR, 60 * SEC),
     .doc = "Longest wait between two attempts to reach PostgreSQL; the first is 1 s, "
            "doubling."},
};

const size_t config_nitems = sizeof(config_items) / sizeof(config_items[0]);

_Static_assert(sizeof(config_items) / sizeof(config_items[0]) <= CONFIG_ITEMS_MAX,
               "CONFIG_ITEMS_MAX (config_int.h) is too small for the table");

const struct unit config_size_units[] = {{"", 1},    {"K", KIB}, {"k", KIB},
                                         {"M", MIB}, {"m", MIB}, {NULL, 0}};
const struct unit config_duration_units[] = {{"", SEC},  {"ms", 1},   {"s", SEC},
                                             {"m", MIN}, {"h", HOUR}, {NULL, 0}};
const struct unit config_count_units[] = {{"", 1}, {NULL, 0}};
