/*
 * show.c: what several commands print about a node: its identity (init, info, status), whether
 * its local writes are held after a restore (info, status), and the JSON printer for --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "proto/region.h"
#include "proto/wilayah.h"

/* Prints a JSON value on stdout followed by a newline. */
void cli_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
}

json_t *cli_node_json(const struct store_node *n)
{
	char key[2 * PK_PUB_BYTES + 1], root[2 * PK_PUB_BYTES + 1];
	int level = pk_region_level(n->region, strlen(n->region));

	cli_key_hex(key, n->pub);
	cli_key_hex(root, n->root);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "key", key, "name", n->name,
	                 "region", n->region, "region_name", pk_wilayah_name(n->region), "level",
	                 pk_level_name(level), "root", root, "certified", n->certified);
}

void cli_print_node(const struct store_node *n)
{
	char key[2 * PK_PUB_BYTES + 1];
	int level = pk_region_level(n->region, strlen(n->region));

	cli_key_hex(key, n->pub);
	printf("node:      %s\n", n->name);
	printf("key:       %s\n", key);
	if (n->region[0] == '\0')
		printf("region:    \"\" (whole country, national)\n");
	else
		printf("region:    %s %s (%s)\n", n->region, pk_wilayah_name(n->region),
		       pk_level_name(level));
	printf("certified: %s\n", n->certified ? "yes" : "no (install a certificate set)");
}

/* Whether local writes are held after a restore (restore sets the fence; see cmd_backup.c). */
void cli_show_writes(struct store *s, json_t *j)
{
	struct store_fence f;
	bool held = store_fence_get(s, &f) == 0 && !(f.heard && f.have >= f.need);

	if (j != NULL) {
		json_object_set_new(j, "writes", json_string(held ? "held" : "allowed"));
		if (held)
			json_object_set_new(j, "restore",
			                    json_pack("{s:I, s:I, s:b}", "own_seq",
			                              (json_int_t)f.have, "peers_reported",
			                              (json_int_t)f.need, "heard", f.heard));
	} else if (held && !f.heard) {
		printf(
		    "writes:    held: restored from a backup; waiting to hear this node's latest "
		    "sequence from its peers (holds %llu)\n",
		    (unsigned long long)f.have);
	} else if (held) {
		printf("writes:    held: restored from a backup; getting its own changesets back "
		       "(holds %llu of %llu)\n",
		       (unsigned long long)f.have, (unsigned long long)f.need);
	}
}
