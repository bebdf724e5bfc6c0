/*
 * status.h: a node's state as `pokjactl status --json` prints it and the web application's node
 * page shows it: the node, what the parent has not acknowledged, the disk, the peers as pokjad
 * last saw them (with the parent's link), refusals by reason, forked origins and held
 * changesets. What pokjad itself is doing (running, since when; the PostgreSQL mirror) the
 * caller adds.
 */
#ifndef CLI_STATUS_H
#define CLI_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "daemon/store.h"
#include "proto/cert.h"

/* A certificate copied out of the store. */
struct cli_last_cert {
	uint8_t buf[PK_CERT_MAX_BYTES];
	size_t len;
};

/* The certificate of key itself (the last of its chain), decoded into lc's copy that c views. */
int cli_cert_of(struct store *s, const uint8_t key[PK_PUB_BYTES], struct cli_last_cert *lc,
                struct pk_cert *c);

/* The seconds the bytes behind take on the parent's link as measured; 0: unknown. */
uint64_t status_catch_up_s(const struct store_peer *p, uint64_t behind);

/* The parent's link as measured (SPEC section 16, "Units"); JSON null before it is. */
json_t *status_link_json(const struct store_peer *p, uint64_t behind);

/* A peer's name and region, from its certificate ("Nasional" and "" for the root). */
void status_peer_label(struct store *s, const uint8_t *key, char *name, size_t nn, char *region,
                       size_t rn);

/* The free space of the device holding the store into j ("disk_free_bytes", "disk_full",
 * "disk_full_at", "disk_warning"), or, j NULL, as lines for people. */
void status_disk(struct store *s, json_t *j);

/* The node's state as JSON into *out (the caller decrefs). 0, or a store error. */
int status_json(struct store *s, const struct store_node *node, json_t **out);

#endif
