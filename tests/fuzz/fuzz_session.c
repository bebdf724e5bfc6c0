/*
 * fuzz_session.c: libFuzzer target for the session messages (proto/session.h).
 *
 * Feeds arbitrary bytes to every reader: pk_msg_kind, pk_hello_read, pk_welcome_read against a
 * fixed handshake, pk_sealed_session, pk_open_request on a fixed parent session, pk_open_reply
 * on the matching child session, and pk_errmsg_read. The fixed keys and session are the ones
 * gen_session_corpus.c makes its seeds with, so that mutations of them reach the signature,
 * hash and decryption steps. Every input starts from the same state. A broken promise aborts,
 * which libFuzzer reports as a crash.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with gen_session_corpus.c. */
#define CHILD_SEED_BYTE 0x02  /* the child's node key seed: 32 bytes of this */
#define PARENT_SEED_BYTE 0x03 /* the parent's */
#define HELLO_TIME 1767225600ULL
#define JOIN_SECRET_BYTE 0x05
#define CHILD_EPH_FIRST 0x40 /* the fixed ephemeral secrets are bytes FIRST, FIRST + 1, ... */
#define PARENT_EPH_FIRST 0x60
#define HELLO_HASH_BYTE 0xaa /* the fixed handshake's hello hash */
#define WELCOME_HASH_BYTE 0xbb

static uint8_t parent_pub[PK_PUB_BYTES];
static uint8_t join_secret[PK_JOIN_SECRET_BYTES];
static struct pk_handshake fixed_hs;
static struct pk_session fixed_parent, fixed_child;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void key(uint8_t seed_byte, uint8_t pub[PK_PUB_BYTES])
{
	uint8_t seed[PK_SEED_BYTES], sec[PK_SEC_BYTES];

	memset(seed, seed_byte, sizeof(seed));
	pk_key_from_seed(seed, pub, sec);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t csec[PK_EPH_BYTES], psec[PK_EPH_BYTES], ce[PK_EPH_BYTES], pe[PK_EPH_BYTES];
	uint8_t hh[PK_HASH_BYTES], wh[PK_HASH_BYTES], id[PK_SESSION_ID_BYTES];

	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	key(PARENT_SEED_BYTE, parent_pub);
	memset(join_secret, JOIN_SECRET_BYTE, sizeof(join_secret));
	for (int i = 0; i < PK_EPH_BYTES; i++) {
		csec[i] = (uint8_t)(CHILD_EPH_FIRST + i);
		psec[i] = (uint8_t)(PARENT_EPH_FIRST + i);
	}
	for (int i = 0; i < PK_SESSION_ID_BYTES; i++)
		id[i] = (uint8_t)i;
	crypto_scalarmult_base(ce, csec);
	crypto_scalarmult_base(pe, psec);
	memset(hh, HELLO_HASH_BYTE, sizeof(hh));
	memset(wh, WELCOME_HASH_BYTE, sizeof(wh));

	key(CHILD_SEED_BYTE, fixed_hs.child);
	memcpy(fixed_hs.parent, parent_pub, PK_PUB_BYTES);
	memcpy(fixed_hs.eph_sec, csec, PK_EPH_BYTES);
	memcpy(fixed_hs.eph_pub, ce, PK_EPH_BYTES);
	memcpy(fixed_hs.hello_hash, hh, PK_HASH_BYTES);
	if (pk_session_derive(&fixed_parent, psec, ce, ce, pe, hh, wh, id) != 0 ||
	    pk_session_derive(&fixed_child, csec, pe, ce, pe, hh, wh, id) != 0)
		abort();
	fixed_child.sent = UINT64_MAX; /* so that a reply to any counter is worth opening */
	/* zstd negotiated, so that mutations of the sealed-zstd seeds reach the frame checks. */
	fixed_parent.features = fixed_child.features = PK_FEAT_ZSTD;
	fixed_parent.level = fixed_child.level = 3;
	return 0;
}

static void check_err(int err)
{
	check(err <= 0 && err > -PK_ERR_COUNT);
}

static void check_diag(const struct pk_diag *d)
{
	check(strnlen(d->msg, sizeof(d->msg)) < sizeof(d->msg));
}

static void hello(const uint8_t *data, size_t size)
{
	struct pk_hello h;
	struct pk_diag d;
	int err;

	d.msg[0] = '\0';
	err = pk_hello_read(data, size, parent_pub, HELLO_TIME, &h, &d);
	check_err(err);
	check_diag(&d);
	if (err != 0)
		return;
	check(memcmp(h.parent, parent_pub, PK_PUB_BYTES) == 0);
	check(h.skew == pk_clock_skew(h.time, HELLO_TIME));
	check(pk_join_proof_ok(&h, join_secret) == false || h.has_join);
}

static void welcome(const uint8_t *data, size_t size)
{
	struct pk_handshake hs = fixed_hs;
	struct pk_session s;
	struct pk_diag d;
	int err;

	d.msg[0] = '\0';
	err = pk_welcome_read(&hs, data, size, &s, NULL, &d);
	check_err(err);
	check_diag(&d);
	if (err == 0) {
		check(sodium_is_zero((const unsigned char *)&hs, sizeof(hs)));
		check(s.sent == 0);
		pk_session_wipe(&s);
	} else {
		check(memcmp(&hs, &fixed_hs, sizeof(hs)) == 0);
	}
}

static void sealed(const uint8_t *data, size_t size)
{
	struct pk_session p = fixed_parent;
	uint8_t id[PK_SESSION_ID_BYTES], *plain, *reply;
	size_t plen, rlen;
	uint64_t peeked = 0, counter;
	int err;

	err = pk_sealed_session(data, size, id, &peeked);
	check_err(err);

	err = pk_open_request(&p, data, size, &plain, &plen, &counter);
	check_err(err);
	if (err == 0) {
		check(counter == peeked && counter > 0 && p.highest == counter);
		check(plain != NULL && plen <= PK_PLAIN_MAX);
		free(plain);
		/* The reply seals once, and only once. */
		check(pk_seal_reply(&p, counter, data, size > 64 ? 64 : size, &reply, &rlen) == 0);
		free(reply);
		check(pk_seal_reply(&p, counter, data, 0, &reply, &rlen) == PK_ESTATE);
		check(pk_open_request(&p, data, size, &plain, &plen, &counter) == PK_EREPLAY);
	} else {
		check(plain == NULL);
		check(memcmp(&p, &fixed_parent, sizeof(p)) == 0);
	}

	err = pk_open_reply(&fixed_child, peeked > 0 ? peeked : 1, data, size, &plain, &plen);
	check_err(err);
	if (err == 0) {
		check(plain != NULL && plen <= PK_PLAIN_MAX);
		free(plain);
	}
}

static void errmsg(const uint8_t *data, size_t size)
{
	struct pk_errmsg e;
	int err = pk_errmsg_read(data, size, &e);

	check_err(err);
	if (err == 0) {
		check(strnlen(e.code, sizeof(e.code)) < sizeof(e.code) && e.code[0] != '\0');
		check(strnlen(e.text, sizeof(e.text)) < sizeof(e.text));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum pk_msg_kind kind = pk_msg_kind(data, size);

	check(kind >= PK_MSG_UNKNOWN && kind <= PK_MSG_ERROR);
	hello(data, size);
	welcome(data, size);
	sealed(data, size);
	errmsg(data, size);
	return 0;
}
