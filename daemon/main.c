/*
 * main.c: pokjad, the node daemon.
 *
 * This version opens the node's store, checks it, and serves as the long-running owner of the
 * node folder until SIGTERM or SIGINT; replication over nng is issue #3 and is not here yet.
 * Local writes go through pokjactl, which opens the same LMDB store (LMDB serialises writers
 * across processes), so running pokjad never blocks them.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "node.h"
#include "proto/crypto.h"
#include "proto/region.h"
#include "store.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pokjad [--dir DIR] [--check] [--log-level LEVEL]\n"
	        "  --dir DIR          node folder (default $POKJA_DIR, else %s)\n"
	        "  --check            open and check the node, print \"configuration OK\", exit\n"
	        "  --log-level LEVEL  error, warn, info (default) or debug\n",
	        NODE_DEFAULT_DIR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
	                                     {"check", no_argument, NULL, 'n'},
	                                     {"log-level", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	const char *dir = NULL;
	struct store_node node;
	struct pk_diag d = {""};
	struct sigaction sa;
	struct store *s;
	char key[2 * PK_PUB_BYTES + 1];
	int ch, check = 0, level = LOG_INFO, err;

	while ((ch = getopt_long(argc, argv, "d:nl:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			check = 1;
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
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("pokjad", level);
	if (pk_crypto_init() != 0)
		fatalx("crypto-init", "cannot initialise libsodium");
	dir = node_dir(dir);
	if ((err = node_key_load(dir, pub, sec, &d)) != 0)
		fatalx("node-key", "%s", d.msg);
	memset(sec, 0, sizeof(sec));
	node_guard_faults("pokjad", dir, false);
	if ((err = node_store_open(dir, 0, &s, &d)) != 0)
		fatalx("store-open", "%s", d.msg[0] ? d.msg : pk_strerror(err));
	if ((err = store_node_get(s, &node)) != 0 || memcmp(node.pub, pub, PK_PUB_BYTES) != 0)
		fatalx("store-open", "%s: the store does not belong to this node's key", dir);
	pk_hex(key, node.pub, PK_PUB_BYTES);
	if (check) {
		store_close(s);
		printf("configuration OK\n");
		return 0;
	}
	log_info("start", "node '%s' region '%s' (%s) key %.16s certified=%s", node.name,
	         node.region, pk_level_name(pk_region_level(node.region, strlen(node.region))), key,
	         node.certified ? "yes" : "no");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping)
		pause();
	store_close(s);
	log_info("stop", "stopped cleanly");
	return 0;
}
