/*
 * main.c: pokjad, the node daemon: reads the config, opens the node's key and store, and runs
 * replication with its parent and children (sync.h) until SIGTERM or SIGINT. Local writes go
 * through pokjactl, which opens the same LMDB store (LMDB serialises writers across processes);
 * the daemon notices each commit and sends it on.
 */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "web.h"
#include "cli/i18n.h"
#include "node.h"
#include "pgmirror.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/region.h"
#include "proto/version.h"
#include "store.h"
#include "sync.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pokjad [--dir DIR] [--check] [--print-config] [--log-level LEVEL]\n"
	        "  --dir DIR          node folder (default $POKJA_DIR, else %s)\n"
	        "  --check            check DIR/%s and the node, print \"configuration OK\"\n"
	        "  --print-config     print the settings in effect, annotated, and exit\n"
	        "  --log-level LEVEL  error, warn, info or debug; overrides [log] level\n"
	        "  --version          print the version (as pokjactl --version) and exit\n",
	        NODE_DEFAULT_DIR, CONFIG_FILE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"check", no_argument, NULL, 'n'},
	                                     {"print-config", no_argument, NULL, 'p'},
	                                     {"log-level", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {"version", no_argument, NULL, 'v'},
	                                     {NULL, 0, NULL, 0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	const char *dir = NULL;
	char conf[PATH_MAX];
	struct config cfg;
	struct config_diag cd;
	struct store_node node;
	struct pk_diag d = {""};
	struct sigaction sa;
	struct sync *sy = NULL;
	struct pgmirror *pm = NULL;
	struct metrics_http *mh = NULL;
	struct web *web = NULL;
	sigset_t stop;
	int sig = 0;
	struct store *s;
	char key[2 * PK_PUB_BYTES + 1];
	int ch, check = 0, print_config = 0, level = -1, err, lockfd = -1;

	while ((ch = getopt_long(argc, argv, "d:nl:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			print_config = 1;
			break;
		case 'l':
			if ((level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "pokjad: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("pokjad %s\n", PK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("pokjad", level >= 0 ? level : LOG_INFO);
	dir = node_dir(dir);
	if ((size_t)snprintf(conf, sizeof(conf), "%s/%s", dir, CONFIG_FILE) >= sizeof(conf))
		fatalx("config", "%s: the folder name is too long", dir);
	if (config_load(conf, &cfg, &cd) != 0) {
		for (unsigned i = 0; i < cd.count && i < CONFIG_DIAG_MAX; i++)
			log_error("config", "%s", cd.msg[i]);
		if (cd.count > CONFIG_DIAG_MAX)
			log_error("config", "%s: %u more errors", conf, cd.count - CONFIG_DIAG_MAX);
		return 1;
	}
	if (level >= 0)
		cfg.log_level = level; /* the command line wins over the file */
	if (print_config)
		return config_print(stdout, &cfg) == 0 ? 0 : 1;
	log_init("pokjad", cfg.log_level);
	/* The web application speaks the office's language (Indonesian unless LANGUAGE or LANG say
	 * English), and so do pokjad's own messages then. Set before any thread starts. */
	if (cfg.web[0] != '\0')
		i18n_init(NULL);
	if (pk_crypto_init() != 0)
		fatalx("crypto-init", "cannot initialise libsodium");
	if ((err = node_key_load(dir, pub, sec, &d)) != 0)
		fatalx("node-key", "%s", d.msg);
	node_guard_faults("pokjad", dir, false);
	if (!check && (err = node_lock(dir, "pokjad", &lockfd, &d)) != 0)
		fatalx("node-lock", "%s", d.msg);
	if ((err = node_store_open(dir, 0, &s, &d)) != 0)
		fatalx("store-open", "%s", d.msg[0] ? d.msg : pk_strerror(err));
	if ((err = store_node_get(s, &node)) != 0 || memcmp(node.pub, pub, PK_PUB_BYTES) != 0)
		fatalx("store-open", "%s: the store does not belong to this node's key", dir);
	pk_hex(key, node.pub, PK_PUB_BYTES);
	/* A certified node below the root with no parent would replicate nowhere, silently. */
	if (node.certified && memcmp(node.pub, node.root, PK_PUB_BYTES) != 0 &&
	    cfg.parent_url[0] == '\0') {
		store_close(s);
		pk_wipe(sec, sizeof(sec));
		log_error(
		    "config",
		    "%s: this node (region %s) is certified below the national node but names "
		    "no parent, so it would replicate with nobody: set [parent] url = "
		    "tcp://HOST:PORT (the parent's pokjad listen address)",
		    conf, node.region);
		return 1;
	}
	if ((err = pgmirror_check(&cfg, conf, &d)) != 0) {
		store_close(s);
		pk_wipe(sec, sizeof(sec));
		log_error("config", "%s", d.msg);
		return 1;
	}
	if (check) {
		store_close(s);
		pk_wipe(sec, sizeof(sec));
		printf("configuration OK\n");
		return 0;
	}
	log_info("start", "node '%s' region '%s' (%s) key %.16s certified=%s", node.name,
	         node.region, pk_level_name(pk_region_level(node.region, strlen(node.region))), key,
	         node.certified ? "yes" : "no");

	/* SIGTERM and SIGINT are blocked in every thread and taken here with sigwait, so that
	 * no replication thread is interrupted by them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	metrics_reset(node_now_ms());
	if (!node.certified && (cfg.parent_url[0] != '\0' || cfg.listen[0] != '\0')) {
		log_warnx("start", "this node has no certificate yet: replication stays off until "
		                   "one is installed and pokjad restarted");
	} else if ((err = sync_start(&sy, s, &cfg, pub, sec, &d)) != 0) {
		store_close(s);
		fatalx("sync-start", "%s", d.msg[0] ? d.msg : pk_strerror(err));
	}
	if (cfg.metrics[0] != '\0' &&
	    (err = metrics_http_start(&mh, cfg.metrics, s, sy, &d)) != 0) {
		sync_stop(sy);
		store_close(s);
		fatalx("metrics-start", "%s", d.msg);
	}
	if (cfg.web[0] != '\0' && (err = web_start(&web, &cfg, dir, s, sy, sec, &d)) != 0) {
		metrics_http_stop(mh);
		sync_stop(sy);
		store_close(s);
		fatalx("web-start", "%s", d.msg);
	}
	/* The PostgreSQL mirror only reads the store and lags behind: never in replication's way.
	 */
	if ((err = pgmirror_start(&pm, s, &cfg, conf, &d)) != 0) {
		web_stop(web);
		metrics_http_stop(mh);
		sync_stop(sy);
		store_close(s);
		fatalx("pg-start", "%s", d.msg[0] ? d.msg : pk_strerror(err));
	}
	/* The watcher runs here, on the main thread, until a stop signal comes. */
	if (sy == NULL || (sig = sync_run(sy, &stop)) < 0)
		sigwait(&stop, &sig);
	log_info("stop", "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	pgmirror_stop(pm);
	web_stop(web);         /* before the sync and the store it reads */
	metrics_http_stop(mh); /* likewise */
	sync_stop(sy);
	sync_shutdown();
	log_info("decode-stats", "changesets decoded since the start: %llu", pk_cs_decode_count());
	store_close(s);
	pk_wipe(sec, sizeof(sec));
	log_info("stop", "stopped cleanly");
	close(lockfd);
	return 0;
}
