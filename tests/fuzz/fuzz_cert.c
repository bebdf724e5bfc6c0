/*
 * fuzz_cert.c: libFuzzer target for certificate decoding and chain checks (proto/cert.h).
 *
 * Feeds arbitrary bytes to pk_cert_decode. When they decode, it checks the copied-out fields
 * (NUL-terminated, a valid region, validity in order), the signature, and a one-certificate
 * chain against a fixed root key: the key gen_corpus.c signs the seed certificates with, so
 * that mutations of them reach every step of the chain check. A broken promise aborts, which
 * libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cert.h"
#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/region.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The root key pair comes from this seed; gen_corpus.c uses the same one (32 bytes of 0x01). */
#define ROOT_SEED_BYTE 0x01

static uint8_t root_pub[PK_PUB_BYTES];

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t seed[PK_SEED_BYTES], sec[PK_SEC_BYTES];

	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	memset(seed, ROOT_SEED_BYTE, sizeof(seed));
	pk_key_from_seed(seed, root_pub, sec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_cert c;
	struct pk_diag d;
	size_t rlen, nlen;
	int err;

	d.msg[0] = '\0';
	err = pk_cert_decode(data, size, &c, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	if (err != 0)
		return 0;

	check(c.raw == data && c.raw_len == size);
	check(c.body >= data && c.body_len <= (size_t)(data + size - c.body));
	check(c.sig >= data && PK_SIG_BYTES <= (size_t)(data + size - c.sig));
	rlen = strnlen(c.info.region, sizeof(c.info.region));
	nlen = strnlen(c.info.name, sizeof(c.info.name));
	check(rlen < sizeof(c.info.region) && pk_region_valid(c.info.region, rlen));
	check(nlen >= 1 && nlen < sizeof(c.info.name));
	check(c.info.not_before <= c.info.not_after);

	(void)pk_cert_sig_ok(&c);
	d.msg[0] = '\0';
	/* At the start of the validity period, so that a certificate issued by the root with a
	 * good signature passes; and at a fixed time, which most fail. */
	err = pk_cert_chain_check(root_pub, &c, 1, c.info.not_before, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	err = pk_cert_chain_check(root_pub, &c, 1, 1700000000, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	return 0;
}
