/*
 * test_config.c: pokjad.conf (daemon/config.h): defaults, a full file, every kind of error with
 * its line number, durations and sizes, all-or-nothing loading, and print/parse round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "testutil.h"

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Reads text (length len, so it may hold a NUL) as a file named "t.conf". */
static int parse_n(const char *text, size_t len, struct config *cfg, struct config_diag *d)
{
	FILE *f = fmemopen((void *)text, len, "r");
	int err;

	assert_non_null(f);
	err = config_read(f, "t.conf", cfg, d);
	fclose(f);
	return err;
}

static int parse(const char *text, struct config *cfg, struct config_diag *d)
{
	return parse_n(text, strlen(text), cfg, d);
}

/* Reads "[section]\nname = value\n"; the error, if any, is on line 2. */
static int parse_one(const char *section, const char *name, const char *value, struct config *cfg,
                     struct config_diag *d)
{
	char text[512];

	snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, name, value);
	return parse(text, cfg, d);
}

static void print_diag(const struct config_diag *d)
{
	for (unsigned i = 0; i < d->count && i < CONFIG_DIAG_MAX; i++)
		print_message("#   %s\n", d->msg[i]);
}

/* Asserts exactly one error, on `line`, reading "t.conf:LINE: ..." and containing `want`. */
static void assert_one_error(int err, const struct config_diag *d, unsigned line, const char *want)
{
	char prefix[32];

	if (err != PK_EINVAL || d->count != 1 || d->line[0] != line ||
	    strstr(d->msg[0], want) == NULL)
		print_diag(d);
	assert_int_equal(err, PK_EINVAL);
	assert_int_equal(d->count, 1);
	assert_int_equal(d->line[0], line);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	assert_memory_equal(d->msg[0], prefix, strlen(prefix));
	assert_non_null(strstr(d->msg[0], want));
}

static void assert_defaults(const struct config *cfg)
{
	assert_string_equal(cfg->listen, "");
	assert_string_equal(cfg->parent_url, "");
	assert_false(cfg->parent_key.set);
	assert_int_equal(cfg->batch_bytes, 1024 * 1024);
	assert_int_equal(cfg->batch_changesets, 512);
	assert_int_equal(cfg->poll_wait_ms, 25000);
	assert_int_equal(cfg->retry_min_ms, 200);
	assert_int_equal(cfg->retry_max_ms, 60000);
	assert_int_equal(cfg->verify_threads, 2);
	assert_int_equal(cfg->max_clock_skew_ms, 600000);
	assert_int_equal(cfg->max_children, 100);
	assert_int_equal(cfg->port_unauth_max, 64);
	assert_int_equal(cfg->port_per_address, 8);
	assert_int_equal(cfg->port_handshake_ms, 10000);
	assert_int_equal(cfg->port_idle_ms, 5000);
	assert_string_equal(cfg->pg_conninfo, "");
	assert_string_equal(cfg->pg_schema, "pokja");
	assert_int_equal(cfg->pg_retry_max_ms, 60000);
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_string_equal(cfg->metrics, "");
	assert_int_equal(cfg->metrics_remote, 0);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0 || text[0] == '\0', 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- defaults */

static void test_defaults(void **state)
{
	struct config cfg, def;
	struct config_diag d;
	char path[512];
	char *dir = tu_tmpdir();

	(void)state;
	config_defaults(&def);
	assert_defaults(&def);

	/* No file: every default, no error. */
	memset(&cfg, 0x5a, sizeof(cfg));
	snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_FILE);
	assert_int_equal(config_load(path, &cfg, &d), 0);
	assert_int_equal(d.count, 0);
	assert_memory_equal(&cfg, &def, sizeof(cfg));

	/* An empty file and one of comments and blank lines mean the same. */
	write_file(path, "");
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(config_load(path, &cfg, &d), 0);
	assert_memory_equal(&cfg, &def, sizeof(cfg));
	write_file(path, "; nothing\n\n# to see\n   \n\t; here\n");
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(config_load(path, &cfg, NULL), 0);
	assert_memory_equal(&cfg, &def, sizeof(cfg));

	/* Empty sections change nothing either. */
	assert_int_equal(parse("[node]\n[parent]\n[sync]\n[limits]\n[log]\n", &cfg, &d), 0);
	assert_memory_equal(&cfg, &def, sizeof(cfg));

	tu_rmrf(dir);
	free(dir);
}

/* ---- a full file */

static const char full_text[] = "\xEF\xBB\xBF# pokjad.conf of the West Java province node\n"
                                "; both comment styles\n"
                                "\n"
                                "[node]\n"
                                "listen = tcp://0.0.0.0:7451\n"
                                "\n"
                                "[ parent ]\r\n"
                                "url=tcp://pokja.example.go.id:7450 ; the ministry\r\n"
                                "  key   =   " HEX64 "   # its key\n"
                                "\n"
                                "[sync]\n"
                                "\tbatch_bytes = 256K\n"
                                "batch_changesets = 100\n"
                                "poll_wait = 1500ms\n"
                                "[limits]\n"
                                "max_clock_skew = 2h\n"
                                "max_children = 38\n"
                                "[sync]\n"
                                "retry_min = 2\n"
                                "retry_max = 5m\n"
                                "verify_threads = 16\n"
                                "[log]\n"
                                "level = debug\n";

static void test_full_file(void **state)
{
	struct config cfg;
	struct config_diag d;
	uint8_t key[PK_PUB_BYTES];

	(void)state;
	if (parse(full_text, &cfg, &d) != 0)
		print_diag(&d);
	assert_int_equal(parse(full_text, &cfg, &d), 0);
	assert_int_equal(d.count, 0);
	assert_string_equal(cfg.listen, "tcp://0.0.0.0:7451");
	assert_string_equal(cfg.parent_url, "tcp://pokja.example.go.id:7450");
	assert_true(cfg.parent_key.set);
	assert_int_equal(pk_unhex(key, sizeof(key), HEX64, strlen(HEX64)), 0);
	assert_memory_equal(cfg.parent_key.pub, key, sizeof(key));
	assert_int_equal(cfg.batch_bytes, 256 * 1024);
	assert_int_equal(cfg.batch_changesets, 100);
	assert_int_equal(cfg.poll_wait_ms, 1500);
	assert_int_equal(cfg.retry_min_ms, 2000);
	assert_int_equal(cfg.retry_max_ms, 300000);
	assert_int_equal(cfg.verify_threads, 16);
	assert_int_equal(cfg.max_clock_skew_ms, 2 * 3600 * 1000);
	assert_int_equal(cfg.max_children, 38);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
}

/* Every [log] level name means the LOG_* value log.c gives it; upper case is not a name. */
static void test_levels(void **state)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	struct config cfg;
	struct config_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(parse_one("log", "level", names[i], &cfg, &d), 0);
		assert_int_equal(cfg.log_level, log_level_parse(names[i]));
	}
	assert_one_error(parse_one("log", "level", "INFO", &cfg, &d), &d, 2,
	                 "[log] level: 'INFO' is not one of error, warn, info or debug");
}

/* ---- errors, one kind at a time */

struct bad_case {
	const char *text;
	unsigned line;
	const char *want;
};

static void test_errors(void **state)
{
	static char long_line[700];
	const struct bad_case cases[] = {
	    /* unknown section; the keys under it are not reported again */
	    {"[sync]\nbatch_bytes = 1M\n\n[frob]\nx = 1\ny = 2\n", 4,
	     "unknown section [frob] (sections: node, parent, sync, limits, log, health, "
	     "metrics, web, postgres)"},
	    /* [postgres]: the schema is an SQL name; no control character in a string */
	    {"[postgres]\nschema = Pokja\n", 2,
	     "[postgres] schema: 'Pokja' is not a name of a-z, 0-9 and _ that does not start "
	     "with a digit"},
	    {"[postgres]\nschema =\n", 2, "[postgres] schema: '' is not a name"},
	    {"[postgres]\nschema = 9x\n", 2, "[postgres] schema: '9x' is not a name"},
	    {"[postgres]\nconninfo = host=a\tport=1\n", 2,
	     "[postgres] conninfo: the value holds a control character"},
	    {"[log]\n[]\n", 2, "unknown section []"},
	    /* a section header without its ']' */
	    {"\n\n[sync\nbatch_bytes = 1M\n", 3, "expected ']' at the end of the section header"},
	    {"[sync] extra\n", 1, "expected ']'"},
	    /* unknown key, with the section's keys listed */
	    {"[sync]\n# c\nbatch_size = 1M\n", 3,
	     "unknown key 'batch_size' in [sync] (keys: batch_bytes, batch_changesets, poll_wait, "
	     "retry_min, retry_max, verify_threads, compression_level)"},
	    {"[node]\nurl = tcp://a:1\n", 2, "unknown key 'url' in [node] (keys: listen)"},
	    {"[log]\nLevel = info\n", 2, "unknown key 'Level' in [log]"},
	    /* duplicate key, even across two headers of the same section */
	    {"[sync]\npoll_wait = 5\n[limits]\nmax_children = 3\n[sync]\npoll_wait = 6\n", 6,
	     "duplicate key 'poll_wait' in [sync] (first set on line 2)"},
	    {"[log]\nlevel = info\nlevel = info\n", 3, "duplicate key 'level'"},
	    /* bad values, each with what is allowed */
	    {"[sync]\nbatch_changesets = lots\n", 2,
	     "[sync] batch_changesets: 'lots' is not a whole number; allowed 1..1024"},
	    {"[limits]\nmax_children = 1001\n", 2,
	     "[limits] max_children: 1001 is out of range 1..1000"},
	    {"[sync]\nverify_threads = 0\n", 2, "verify_threads: 0 is out of range 1..16"},
	    {"[limits]\nport_unauth_max = 0\n", 2, "port_unauth_max: 0 is out of range 1..4096"},
	    {"[limits]\nport_unauth_max = 4\nport_unauth_per_address = 5\n", 3,
	     "port_unauth_per_address"},
	    {"[limits]\nport_idle_timeout = 20s\n", 2, "port_idle_timeout"},
	    {"[limits]\nport_handshake_timeout = 500ms\n", 2, "port_handshake_timeout"},
	    {"[sync]\nbatch_bytes =\n", 2,
	     "batch_bytes: '' is not a size (bytes, or a number with K or M); allowed 64K..4M"},
	    {"[log]\nlevel = info#debug\n", 2, "'info#debug' is not one of"},
	    {"[parent]\nurl = http://a.example:80\n", 2,
	     "[parent] url: 'http://a.example:80' is not tcp://HOST:PORT, or empty"},
	    {"[node]\nlisten = 0.0.0.0:7450\n", 2,
	     "[node] listen: '0.0.0.0:7450' is not tcp://HOST:PORT (HOST empty or * for every "
	     "interface), or empty"},
	    {"[parent]\nurl = tcp://a:1\nkey = abcd\n", 3,
	     "[parent] key: expected 64 hex digits, or empty (got 4 characters)"},
	    {"[parent]\nurl = tcp://a:1\nkey = " HEX64 "0\n", 3, "(got 65 characters)"},
	    {"[parent]\nurl = tcp://a:1\nkey = "
	     "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	     3, "(got 64 characters, not all hex)"},
	    /* malformed lines: no '=' */
	    {"[log]\nlevel = info\nverbose\n", 3,
	     "expected 'name = value', a [section] or a comment, not 'verbose'"},
	    {"hello\n[log]\n", 1, "not 'hello'"},
	    {"[sync]\npoll_wait: 5\n", 2, "not 'poll_wait: 5'"},
	    {"[sync]\n\n\n\n   poll_wait 5   ; five\n", 5, "not 'poll_wait 5'"},
	    /* a key with no name, a key before any section */
	    {"[log]\n = info\n", 2, "expected a key name before '='"},
	    {"level = info\n[log]\n", 1, "'level' comes before any [section]"},
	    /* a required value missing: at its section's line, or at its own when empty */
	    {"# x\n[parent]\nkey = " HEX64 "\n", 2,
	     "[parent] url is missing: it is required when key is set"},
	    {"[parent]\n\nurl =\nkey = " HEX64 "\n", 3, "[parent] url is missing"},
	    {"[parent]\nkey = " HEX64 "\n[sync]\n[parent]\nurl =\n", 5, "[parent] url is missing"},
	    /* keys that must agree: at the line of the later one */
	    {"[sync]\nretry_min = 30s\nretry_max = 10s\n", 3,
	     "[sync] retry_min (30s) is greater than retry_max (10s)"},
	    {"[sync]\nretry_max = 1s\n\nretry_min = 1500ms\n", 4,
	     "retry_min (1500ms) is greater than retry_max (1s)"},
	    {"[sync]\nretry_min = 1m\nretry_max = 1s\n", 3, "retry_min (1m) is greater than"},
	    /* a line longer than the parser's buffer */
	    {long_line, 2, "the line is too long"},
	};
	struct config cfg;
	struct config_diag d;

	(void)state;
	snprintf(long_line, sizeof(long_line), "[parent]\nurl = tcp://%0600d:1\n", 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# case %zu\n", i);
		assert_one_error(parse(cases[i].text, &cfg, &d), &d, cases[i].line, cases[i].want);
	}
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[log]\nlevel = info\nx\0y = 1\n";
	struct config cfg;
	struct config_diag d;

	(void)state;
	assert_one_error(parse_n(text, sizeof(text) - 1, &cfg, &d), &d, 3,
	                 "the line holds a NUL byte");
}

/* A folder where the file should be is a file-level error: "FILE: ...", line 0. */
static void test_unreadable(void **state)
{
	struct config cfg, before;
	struct config_diag d;
	char path[512], want[600];
	char *dir = tu_tmpdir();

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_FILE);
	assert_int_equal(mkdir(path, 0700), 0); /* a folder where the file should be */
	memset(&cfg, 0x5a, sizeof(cfg));
	before = cfg;
	assert_int_equal(config_load(path, &cfg, &d), PK_EINVAL);
	assert_int_equal(d.count, 1);
	assert_int_equal(d.line[0], 0);
	snprintf(want, sizeof(want), "%s: is a directory; the configuration must be a regular file",
	         path);
	assert_memory_equal(d.msg[0], want, strlen(want));
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(config_load(path, &cfg, NULL), PK_EINVAL);
	tu_rmrf(dir);
	free(dir);
}

/* Every error is reported, in line order, each with its own line; not only the first. */
static void test_many_errors(void **state)
{
	static const char text[] = "[sync]\n"           /* 1 */
	                           "retry_max = 10s\n"  /* 2 */
	                           "oops\n"             /* 3: malformed */
	                           "batch_bytes = 9M\n" /* 4: out of range */
	                           "[limits]\n"         /* 5 */
	                           "max_children 5\n"   /* 6: malformed */
	                           "[sync]\n"           /* 7 */
	                           "retry_min = 30s\n"  /* 8: greater than retry_max */
	                           "[log]\n"            /* 9 */
	                           "level = loud\n"     /* 10: not a level */
	                           "[nope\n"            /* 11: no ']' */
	                           "level = info\n";    /* 12: skipped with its bad section */
	static const unsigned lines[] = {3, 4, 6, 8, 10, 11};
	struct config cfg;
	struct config_diag d;
	char many[2048] = "[sync]\n";
	char prefix[32];

	(void)state;
	assert_int_equal(parse(text, &cfg, &d), PK_EINVAL);
	if (d.count != 6)
		print_diag(&d);
	assert_int_equal(d.count, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(d.line[i], lines[i]);
		snprintf(prefix, sizeof(prefix), "t.conf:%u: ", lines[i]);
		assert_memory_equal(d.msg[i], prefix, strlen(prefix));
	}
	assert_non_null(strstr(d.msg[3], "retry_min (30s) is greater than retry_max (10s)"));

	/* More errors than are kept: all counted, the first CONFIG_DIAG_MAX kept. */
	for (int i = 0; i < 20; i++)
		strcat(many, "bad line\n");
	assert_int_equal(parse(many, &cfg, &d), PK_EINVAL);
	assert_int_equal(d.count, 20);
	for (unsigned i = 0; i < CONFIG_DIAG_MAX; i++)
		assert_int_equal(d.line[i], i + 2);

	/* A key set twice is a duplicate even when its first value was bad. */
	assert_int_equal(parse("[sync]\npoll_wait = 99\npoll_wait = 5\n", &cfg, &d), PK_EINVAL);
	assert_int_equal(d.count, 2);
	assert_int_equal(d.line[0], 2);
	assert_int_equal(d.line[1], 3);
	assert_non_null(
	    strstr(d.msg[1], "duplicate key 'poll_wait' in [sync] (first set on line 2)"));

	/* Without a diag, errors still fail the read. */
	assert_int_equal(parse(text, &cfg, NULL), PK_EINVAL);
}

/* ---- durations and sizes */

struct num_case {
	const char *section, *name, *value;
	int ok;        /* 1: accepted, 0: out of range, -1: not a number of that kind */
	uint32_t want; /* when accepted */
};

static uint32_t num_field(const struct config *cfg, const char *name)
{
	if (strcmp(name, "poll_wait") == 0)
		return cfg->poll_wait_ms;
	if (strcmp(name, "retry_min") == 0)
		return cfg->retry_min_ms;
	if (strcmp(name, "retry_max") == 0)
		return cfg->retry_max_ms;
	if (strcmp(name, "max_clock_skew") == 0)
		return cfg->max_clock_skew_ms;
	if (strcmp(name, "batch_bytes") == 0)
		return cfg->batch_bytes;
	fail_msg("no field %s", name);
	return 0;
}

static void run_num_cases(const struct num_case *cases, size_t n)
{
	struct config cfg;
	struct config_diag d;
	int err;

	for (size_t i = 0; i < n; i++) {
		const struct num_case *c = &cases[i];

		print_message("# [%s] %s = '%s'\n", c->section, c->name, c->value);
		/* retry_min <= retry_max holds for every accepted value below */
		err = parse_one(c->section, c->name, c->value, &cfg, &d);
		if (c->ok == 1) {
			if (err != 0)
				print_diag(&d);
			assert_int_equal(err, 0);
			assert_int_equal(num_field(&cfg, c->name), c->want);
		} else {
			assert_one_error(err, &d, 2, c->ok == 0 ? "is out of range" : "is not a");
		}
	}
}

static void test_durations(void **state)
{
	static const struct num_case cases[] = {
	    {"sync", "poll_wait", "25", 1, 25000},
	    {"sync", "poll_wait", "25s", 1, 25000},
	    {"sync", "poll_wait", "1500ms", 1, 1500},
	    {"sync", "poll_wait", "1", 1, 1000},
	    {"sync", "poll_wait", "30s", 1, 30000},
	    {"sync", "poll_wait", "30000ms", 1, 30000},
	    {"sync", "poll_wait", "007", 1, 7000},
	    {"sync", "poll_wait", "0", 0, 0},
	    {"sync", "poll_wait", "999ms", 0, 0},
	    {"sync", "poll_wait", "31s", 0, 0},
	    {"sync", "poll_wait", "1m", 0, 0},
	    {"sync", "poll_wait", "99999999999999999999999h", 0, 0},
	    {"sync", "poll_wait", "1.5s", -1, 0},
	    {"sync", "poll_wait", "25 s", -1, 0},
	    {"sync", "poll_wait", "-1", -1, 0},
	    {"sync", "poll_wait", "+5", -1, 0},
	    {"sync", "poll_wait", "s", -1, 0},
	    {"sync", "poll_wait", "5x", -1, 0},
	    {"sync", "poll_wait", "5S", -1, 0},
	    {"sync", "poll_wait", "5sec", -1, 0},
	    {"sync", "poll_wait", "0x10", -1, 0},
	    {"sync", "poll_wait", "", -1, 0},
	    {"sync", "retry_min", "100ms", 1, 100},
	    {"sync", "retry_min", "99ms", 0, 0},
	    {"sync", "retry_min", "1m", 1, 60000},
	    {"sync", "retry_max", "1h", 1, 3600000},
	    {"sync", "retry_max", "60m", 1, 3600000},
	    {"sync", "retry_max", "61m", 0, 0},
	    {"sync", "retry_max", "3601", 0, 0},
	    {"sync", "retry_max", "2m", 1, 120000},
	    {"limits", "max_clock_skew", "24h", 1, 86400000},
	    {"limits", "max_clock_skew", "86400", 1, 86400000},
	    {"limits", "max_clock_skew", "86401", 0, 0},
	    {"limits", "max_clock_skew", "10", 1, 10000},
	    {"limits", "max_clock_skew", "9", 0, 0},
	    {"limits", "max_clock_skew", "9999ms", 0, 0},
	    {"limits", "max_clock_skew", "10m", 1, 600000},
	};

	(void)state;
	run_num_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_sizes(void **state)
{
	static const struct num_case cases[] = {
	    {"sync", "batch_bytes", "64K", 1, 65536},
	    {"sync", "batch_bytes", "65536", 1, 65536},
	    {"sync", "batch_bytes", "64k", 1, 65536},
	    {"sync", "batch_bytes", "4M", 1, 4194304},
	    {"sync", "batch_bytes", "4m", 1, 4194304},
	    {"sync", "batch_bytes", "4096K", 1, 4194304},
	    {"sync", "batch_bytes", "4194304", 1, 4194304},
	    {"sync", "batch_bytes", "100000", 1, 100000},
	    {"sync", "batch_bytes", "63K", 0, 0},
	    {"sync", "batch_bytes", "65535", 0, 0},
	    {"sync", "batch_bytes", "4097K", 0, 0},
	    {"sync", "batch_bytes", "4194305", 0, 0},
	    {"sync", "batch_bytes", "5M", 0, 0},
	    {"sync", "batch_bytes", "0", 0, 0},
	    {"sync", "batch_bytes", "1G", -1, 0},
	    {"sync", "batch_bytes", "1KB", -1, 0},
	    {"sync", "batch_bytes", "1KiB", -1, 0},
	    {"sync", "batch_bytes", "1.5M", -1, 0},
	    {"sync", "batch_bytes", "1 M", -1, 0},
	    {"sync", "batch_bytes", "M", -1, 0},
	    {"sync", "batch_bytes", "-1M", -1, 0},
	};
	struct config cfg;
	struct config_diag d;

	(void)state;
	run_num_cases(cases, sizeof(cases) / sizeof(cases[0]));
	assert_one_error(parse_one("sync", "batch_bytes", "8M", &cfg, &d), &d, 2,
	                 "[sync] batch_bytes: 8M is out of range 64K..4M");
	assert_one_error(parse_one("sync", "poll_wait", "45s", &cfg, &d), &d, 2,
	                 "[sync] poll_wait: 45s is out of range 1s..30s");
	assert_one_error(
	    parse_one("sync", "poll_wait", "soon", &cfg, &d), &d, 2,
	    "[sync] poll_wait: 'soon' is not a duration (seconds, or a number with ms, "
	    "s, m or h); allowed 1s..30s");
}

/* [metrics] listen: http:// only, and loopback unless allow_remote = yes says otherwise. */
static void test_metrics_urls(void **state)
{
	static const char *const loopback[] = {
	    "http://127.0.0.1:9750",
	    "http://127.3.2.1:1",
	    "http://localhost:9750",
	    "http://[::1]:9750",
	    "",
	};
	static const char *const remote[] = {
	    "http://0.0.0.0:9750",     "http://10.0.0.1:9750",      "http://127.0.0.1.example:80",
	    "http://[::]:9750",        "http://localhost.lan:9750", "http://1127.0.0.1:9750",
	    "http://127.0.0.256:9750", "http://mon.example:9750",
	};
	static const char *const bad[] = {"tcp://127.0.0.1:9750", "http://127.0.0.1",
	                                  "http://*:9750", "http://:9750", "https://127.0.0.1:1"};
	struct config cfg;
	struct config_diag d;
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		print_message("# listen = %s\n", loopback[i]);
		assert_int_equal(parse_one("metrics", "listen", loopback[i], &cfg, &d), 0);
		assert_string_equal(cfg.metrics, loopback[i]);
	}
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		print_message("# listen = %s\n", remote[i]);
		assert_one_error(parse_one("metrics", "listen", remote[i], &cfg, &d), &d, 2,
		                 "is not loopback (127.0.0.1, [::1], localhost); use one, or set "
		                 "[metrics] allow_remote = yes");
		snprintf(text, sizeof(text), "[metrics]\nlisten = %s\nallow_remote = yes\n",
		         remote[i]);
		assert_int_equal(parse(text, &cfg, &d), 0);
		assert_string_equal(cfg.metrics, remote[i]);
		assert_int_equal(cfg.metrics_remote, 1);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# listen = %s\n", bad[i]);
		assert_one_error(parse_one("metrics", "listen", bad[i], &cfg, &d), &d, 2,
		                 "is not http://HOST:PORT, or empty");
	}
	/* allow_remote = no says the same as leaving it out; a bad value is reported alone. */
	assert_one_error(
	    parse("[metrics]\nallow_remote = no\nlisten = http://10.1.1.1:80\n", &cfg, &d), &d, 3,
	    "10.1.1.1");
	assert_one_error(
	    parse("[metrics]\nlisten = http://10.1.1.1:80\nallow_remote = maybe\n", &cfg, &d), &d,
	    3, "[metrics] allow_remote: 'maybe' is not one of no or yes");
}

static void test_urls(void **state)
{
	static const char *const listen_ok[] = {
	    "tcp://0.0.0.0:7450",
	    "tcp://*:7450",
	    "tcp://:7450",
	    "tcp://[::]:7450",
	    "tcp://[::1]:1",
	    "tcp://node-1.example.go.id:65535",
	    "",
	};
	static const char *const parent_ok[] = {
	    "tcp://127.0.0.1:7450",
	    "tcp://[::1]:1",
	    "tcp://[2001:db8::7]:7450",
	    "tcp://pokja.prov-32.go.id:7450",
	    "",
	};
	static const char *const parent_bad[] = {
	    "tcp://*:7450",     "tcp://:7450",    "tcp://host",   "tcp://host:", "tcp://host:0",
	    "tcp://host:65536", "tcp://h:123456", "tcp://h:80x",  "tcp://h h:1", "udp://h:1",
	    "tcp://::1:7450",   "tcp://[]:1",     "tcp://[::1:1", "tcp://h/x:1", "tcp://h:-1",
	    "TCP://h:1",        "tcp://h:+80",
	};
	struct config cfg;
	struct config_diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(listen_ok) / sizeof(listen_ok[0]); i++) {
		print_message("# listen = %s\n", listen_ok[i]);
		assert_int_equal(parse_one("node", "listen", listen_ok[i], &cfg, &d), 0);
		assert_string_equal(cfg.listen, listen_ok[i]);
	}
	for (size_t i = 0; i < sizeof(parent_ok) / sizeof(parent_ok[0]); i++) {
		print_message("# url = %s\n", parent_ok[i]);
		assert_int_equal(parse_one("parent", "url", parent_ok[i], &cfg, &d), 0);
		assert_string_equal(cfg.parent_url, parent_ok[i]);
	}
	for (size_t i = 0; i < sizeof(parent_bad) / sizeof(parent_bad[0]); i++) {
		print_message("# url = %s\n", parent_bad[i]);
		assert_one_error(parse_one("parent", "url", parent_bad[i], &cfg, &d), &d, 2,
		                 "is not tcp://HOST:PORT, or empty");
	}
}

/* ---- all or nothing */

static void test_nothing_applied(void **state)
{
	static const char *const texts[] = {
	    /* good lines first, one bad value last */
	    "[node]\nlisten = tcp://0.0.0.0:1\n[sync]\nbatch_bytes = 64K\npoll_wait = 2\n"
	    "[log]\nlevel = debug\n[limits]\nmax_children = 5000\n",
	    /* a malformed last line */
	    "[sync]\nbatch_changesets = 1\nverify_threads = 3\n[log]\nlevel = error\nend\n",
	    /* only the rule between two good keys fails */
	    "[sync]\nretry_min = 1m\nbatch_bytes = 2M\nretry_max = 1s\n",
	};
	struct config cfg, before;
	struct config_diag d;
	char path[512];
	char *dir = tu_tmpdir();

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_FILE);
	config_defaults(&cfg);
	cfg.batch_bytes = 123456;
	snprintf(cfg.listen, sizeof(cfg.listen), "tcp://sentinel:9");
	cfg.log_level = LOG_WARN;
	before = cfg;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(texts[i], &cfg, &d), PK_EINVAL);
		assert_int_equal(d.count, 1);
		assert_memory_equal(&cfg, &before, sizeof(cfg));
		write_file(path, texts[i]);
		assert_int_equal(config_load(path, &cfg, &d), PK_EINVAL);
		assert_memory_equal(&cfg, &before, sizeof(cfg));
	}
	tu_rmrf(dir);
	free(dir);
}

/* ---- printing */

static char *print_to_string(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(config_print(f, cfg), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Prints cfg, reads it back, and checks that the two agree, and that printing is stable. */
static void round_trip(const struct config *cfg)
{
	struct config again;
	struct config_diag d;
	char *text = print_to_string(cfg), *text2, *line, *save = NULL;

	if (parse(text, &again, &d) != 0) {
		print_diag(&d);
		print_message("%s", text);
	}
	assert_int_equal(parse(text, &again, &d), 0);
	assert_memory_equal(&again, cfg, sizeof(again));
	text2 = print_to_string(&again);
	assert_string_equal(text, text2);
	/* Every line fits in 100 columns and has no trailing blank. */
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) <= 100);
		assert_true(line[strlen(line) - 1] != ' ');
	}
	free(text);
	free(text2);
}

static void test_print_round_trip(void **state)
{
	static const char *const odd =
	    "[node]\nlisten = tcp://[::]:7450\n"
	    "[parent]\nurl = tcp://10.0.0.1:7450\nkey = " HEX64 "\n"
	    "[sync]\nbatch_bytes = 100000\nbatch_changesets = 1024\npoll_wait = 2500ms\n"
	    "retry_min = 100ms\nretry_max = 3600\nverify_threads = 1\n"
	    "[limits]\nmax_clock_skew = 90\nmax_children = 1\n"
	    "[log]\nlevel = error\n"
	    "[postgres]\nconninfo = host=127.0.0.1 port=5433 dbname=nasional\nschema = p_1\n"
	    "retry_max = 5s\n"
	    "[metrics]\nlisten = http://0.0.0.0:9750\nallow_remote = yes\n";
	struct config cfg;
	struct config_diag d;
	char *text;

	(void)state;
	config_defaults(&cfg);
	round_trip(&cfg);
	assert_int_equal(parse(full_text, &cfg, &d), 0);
	round_trip(&cfg);
	assert_int_equal(parse(odd, &cfg, &d), 0);
	round_trip(&cfg);

	/* The printed values are canonical: sizes in K or M, durations in the largest unit. */
	text = print_to_string(&cfg);
	assert_non_null(strstr(text, "\nbatch_bytes = 100000\n"));
	assert_non_null(strstr(text, "\npoll_wait = 2500ms\n"));
	assert_non_null(strstr(text, "\nretry_max = 1h\n"));
	assert_non_null(strstr(text, "\nmax_clock_skew = 90s\n"));
	assert_non_null(strstr(text, "\nkey = " HEX64 "\n"));
	assert_non_null(strstr(text, "\nconninfo = host=127.0.0.1 port=5433 dbname=nasional\n"));
	assert_non_null(strstr(text, "\nschema = p_1\n"));
	assert_non_null(strstr(text, "\n[postgres]\n"));
	free(text);

	/* Upper-case hex is read, and printed in lower case. */
	assert_int_equal(
	    parse("[parent]\nurl = tcp://a:1\n"
	          "key = 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n",
	          &cfg, &d),
	    0);
	text = print_to_string(&cfg);
	assert_non_null(strstr(text, "\nkey = " HEX64 "\n"));
	free(text);
	round_trip(&cfg);
}

/* The printed defaults name every key with its annotation (the example file is this output). */
static void test_print_defaults(void **state)
{
	static const char *const expect[] = {
	    "\n[node]\n",
	    "\nlisten =\n",
	    "\n[parent]\n",
	    "\nurl =\n",
	    "\nkey =\n",
	    "\n[sync]\n",
	    "# 64K..4M; default 1M.\nbatch_bytes = 1M\n",
	    "# 1..1024; default 512.\nbatch_changesets = 512\n",
	    "# 1s..30s; default 25s.\npoll_wait = 25s\n",
	    "# 100ms..1m; default 200ms.\nretry_min = 200ms\n",
	    "# 1s..1h; default 1m.\nretry_max = 1m\n",
	    "# 1..16; default 2.\nverify_threads = 2\n",
	    "\n[limits]\n",
	    "# 10s..24h; default 10m.\nmax_clock_skew = 10m\n",
	    "# 1..1000; default 100.\nmax_children = 100\n",
	    "\n[log]\n",
	    "# error, warn, info or debug; default info.\nlevel = info\n",
	};
	struct config cfg;
	char *text;

	(void)state;
	config_defaults(&cfg);
	text = print_to_string(&cfg);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		if (strstr(text, expect[i]) == NULL)
			print_message("# missing: %s\n", expect[i]);
		assert_non_null(strstr(text, expect[i]));
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),        cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_levels),          cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_nul_byte),        cmocka_unit_test(test_unreadable),
	    cmocka_unit_test(test_many_errors),     cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_sizes),           cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_nothing_applied), cmocka_unit_test(test_print_round_trip),
	    cmocka_unit_test(test_print_defaults),  cmocka_unit_test(test_metrics_urls),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
