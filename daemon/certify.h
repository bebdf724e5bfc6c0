/*
 * certify.h: a parent issuing a certificate to a child from its join request, for both ways of
 * joining: `pokjactl certify` (the request carried by hand) and pokjad (the request sent over an
 * invite session). The answer is a certificate set (SPEC section 10): the root key and the chain
 * from the root down to the child.
 */
#ifndef CERTIFY_H
#define CERTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "proto/enroll.h"
#include "store.h"

#define CERTIFY_DAYS_DEFAULT 3650

/*
 * Checks that this node may certify the request (it is certified itself, the region lies
 * strictly inside its own), issues a certificate valid `days` days from an hour before `now`
 * (office clocks run behind), records it in the store, and returns the certificate set in a
 * malloc'd *set (the caller frees it) and the serial in *serial. A key this node certified
 * before for the same region gets that certificate again (a node holds one certificate per
 * key, SPEC section 7); one certified for another region or by another node is refused with
 * PK_ECONFLICT. Returns 0, PK_ESTATE, PK_EREGION, PK_ECONFLICT, or a store error, with a
 * sentence in d. The official region list is the
 * caller's business: this checks only syntax and containment.
 */
int certify_request(struct store *s, const uint8_t pub[PK_PUB_BYTES],
                    const uint8_t sec[PK_SEC_BYTES], const struct pk_request *rq, unsigned days,
                    uint64_t now, uint8_t **set, size_t *setlen, uint64_t *serial,
                    struct pk_diag *d);

#endif
