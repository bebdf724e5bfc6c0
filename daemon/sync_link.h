/*
 * sync_link.h: joining a parent online, the one piece of replication that pokjactl runs
 * (`init --join`). It is in the store library (libpokjastore.a) and needs no running sync: one
 * socket, one session, one request (sync_link.c, which pokjad's client loops use too).
 */
#ifndef SYNC_LINK_H
#define SYNC_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/syncmsg.h"

/*
 * Joins a parent online (SPEC section 17): opens a session with the invite's proof, sends the
 * join request and returns the certificate set in a malloc'd *set. Waits at most timeout_ms.
 * For `pokjactl init --join`.
 */
int sync_join(const struct pk_invite *inv, const uint8_t pub[PK_PUB_BYTES],
              const uint8_t sec[PK_SEC_BYTES], const uint8_t *request, size_t reqlen,
              int timeout_ms, uint8_t **set, size_t *setlen, struct pk_diag *d);

#endif
