/*
 * join.c: the network half of `init`: the pokjad.conf it writes for the new node and, for
 * `init --join TOKEN`, joining the parent online (daemon/sync_link.c) and installing the
 * certificate set the parent returns.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon/config.h"
#include "daemon/sync_link.h"
#include "proto/enroll.h"
#include "proto/syncmsg.h"

#define JOIN_TIMEOUT_MS 15000

/* Writes DIR/pokjad.conf with the settings init knows; the rest keep their defaults. */
int cli_write_config(const struct cli *c, const char *listen, const char *parent_url,
                     const uint8_t *parent_key)
{
	char path[4096], key[2 * PK_PUB_BYTES + 1] = "", buf[2048];
	int n;

	if (parent_key != NULL)
		cli_key_hex(key, parent_key);
	n = snprintf(
	    buf, sizeof(buf),
	    "# pokjad settings for this node, written by pokjactl init. Every key and its\n"
	    "# default: deploy/pokjad.conf.example (pokjad --print-config).\n\n"
	    "[node]\nlisten = %s\n\n[parent]\nurl = %s\nkey = %s\n",
	    listen ? listen : "", parent_url ? parent_url : "", key);
	snprintf(path, sizeof(path), "%s/%s", c->dir, CONFIG_FILE);
	return cli_write_file(c, path, (const uint8_t *)buf, (size_t)n);
}

/* The online half of `init --join TOKEN`: c->dir holds a fresh pending node. */
int cli_join(const struct cli *c, const struct pk_invite *inv, const uint8_t pub[PK_PUB_BYTES],
             const uint8_t sec[PK_SEC_BYTES], struct store *s, const char *listen)
{
	struct pk_request rq;
	struct pk_certset set;
	struct pk_diag d = {""};
	uint8_t *req = NULL, *buf = NULL;
	size_t reqlen, len;
	int rc = EXIT_FAIL, err;

	memset(&rq, 0, sizeof(rq));
	memcpy(rq.pub, pub, PK_PUB_BYTES);
	memcpy(rq.region, inv->region, sizeof(rq.region));
	memcpy(rq.name, inv->name, sizeof(rq.name));
	rq.created = node_now_ms() / 1000;
	if ((err = pk_request_encode(&rq, sec, &req, &reqlen)) != 0) {
		cli_fail(c, "cannot make the join request: %s", pk_strerror(err));
		goto out;
	}
	err = sync_join(inv, pub, sec, req, reqlen, JOIN_TIMEOUT_MS, &buf, &len, &d);
	if (err != 0) {
		cli_fail(c, "joining %s failed: %s", inv->url, d.msg[0] ? d.msg : pk_strerror(err));
		goto out;
	}
	if ((err = pk_certset_decode(buf, len, &set, &d)) != 0 ||
	    (err = store_install_chain(s, set.root, set.cert, set.len, set.n, node_now_ms() / 1000,
	                               &d)) != 0) {
		cli_fail(c, "the parent's certificate set does not install: %s", d.msg);
		goto out;
	}
	rc = cli_write_config(c, listen, inv->url, inv->parent);
out:
	free(req);
	free(buf);
	return rc;
}
