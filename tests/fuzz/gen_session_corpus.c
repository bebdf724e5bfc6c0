/*
 * gen_session_corpus.c: writes the seed corpus of fuzz_session.c in tests/fuzz/corpus/session/.
 *
 * The seeds are valid messages made with proto/session.h from the fixed keys, handshake and
 * session that fuzz_session.c checks against (the constants below are shared with it). The
 * sealed messages and the error are the same bytes on every run; the hellos and the welcome
 * carry fresh random ephemeral keys and differ each time, but are just as valid.
 * Not part of the build; from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -I. -o /tmp/gen_session_corpus tests/fuzz/gen_session_corpus.c \
 *      proto/[a-z]*.c build/proto/wilayah_table.c -lmsgpackc -lsodium -lzstd \
 *      && /tmp/gen_session_corpus tests/fuzz/corpus/session
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/crypto.h"
#include "proto/session.h"

/* Shared with fuzz_session.c. */
#define CHILD_SEED_BYTE 0x02
#define PARENT_SEED_BYTE 0x03
#define HELLO_TIME 1767225600ULL
#define JOIN_SECRET_BYTE 0x05
#define CHILD_EPH_FIRST 0x40
#define PARENT_EPH_FIRST 0x60
#define HELLO_HASH_BYTE 0xaa
#define WELCOME_HASH_BYTE 0xbb

static const char *outdir;
static int failures;

static void write_file(const char *name, uint8_t *buf, size_t len, int err)
{
	char path[512];
	FILE *f;

	if (err != 0) {
		fprintf(stderr, "%s: %s\n", name, pk_strerror(err));
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		failures++;
	}
	free(buf);
}

int main(int argc, char **argv)
{
	static const uint8_t heads[] = {0x92, 0xa5, 'h', 'e', 'a', 'd', 's', 0x90};
	static const uint8_t pull[] = {0x94, 0xa4, 'p',  'u',  'l',  'l',  0x91, 0x92,
	                               0xc4, 0x02, 0x01, 0x02, 0x07, 0xcd, 0x75, 0x30,
	                               0xce, 0x00, 0x40, 0x00, 0x00}; /* ["pull", [[bin, 7]], 30000,
	                                                                 4194304] */
	uint8_t seed[PK_SEED_BYTES], cpub[PK_PUB_BYTES], csec_key[PK_SEC_BYTES];
	uint8_t ppub[PK_PUB_BYTES], psec_key[PK_SEC_BYTES], secret[PK_JOIN_SECRET_BYTES];
	uint8_t csec[PK_EPH_BYTES], psec[PK_EPH_BYTES], ce[PK_EPH_BYTES], pe[PK_EPH_BYTES];
	uint8_t hh[PK_HASH_BYTES], wh[PK_HASH_BYTES], id[PK_SESSION_ID_BYTES];
	struct pk_handshake hs;
	struct pk_hello h;
	struct pk_session c, p, s;
	uint8_t *buf, *plain;
	size_t len, plen;
	uint64_t counter;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	if (pk_crypto_init() != 0)
		return 1;
	memset(seed, CHILD_SEED_BYTE, sizeof(seed));
	pk_key_from_seed(seed, cpub, csec_key);
	memset(seed, PARENT_SEED_BYTE, sizeof(seed));
	pk_key_from_seed(seed, ppub, psec_key);
	memset(secret, JOIN_SECRET_BYTE, sizeof(secret));
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

	err = pk_hello_make(&hs, csec_key, ppub, HELLO_TIME, NULL, &buf, &len);
	pk_handshake_wipe(&hs);
	write_file("hello.bin", buf, len, err);
	err = pk_hello_make(&hs, csec_key, ppub, HELLO_TIME, secret, &buf, &len);
	pk_handshake_wipe(&hs);
	write_file("hello-join.bin", buf, len, err);
	err = pk_hello_make_zstd(&hs, csec_key, ppub, HELLO_TIME, NULL, 3, &buf, &len);
	pk_handshake_wipe(&hs);
	write_file("hello-zstd.bin", buf, len, err);

	/* A welcome to the fixed handshake of fuzz_session.c. */
	memset(&h, 0, sizeof(h));
	memcpy(h.child, cpub, PK_PUB_BYTES);
	memcpy(h.parent, ppub, PK_PUB_BYTES);
	memcpy(h.child_eph, ce, PK_EPH_BYTES);
	memcpy(h.hash, hh, PK_HASH_BYTES);
	err = pk_welcome_make(&h, psec_key, HELLO_TIME, &s, &buf, &len);
	pk_session_wipe(&s);
	write_file("welcome.bin", buf, len, err);

	/* Requests 1 and 2 and their replies in the fixed session. */
	if (pk_session_derive(&c, csec, pe, ce, pe, hh, wh, id) != 0 ||
	    pk_session_derive(&p, psec, ce, ce, pe, hh, wh, id) != 0)
		return 1;
	for (int i = 0; i < 2; i++) {
		const uint8_t *m = i == 0 ? heads : pull;
		size_t mlen = i == 0 ? sizeof(heads) : sizeof(pull);
		char name[32];

		err = pk_seal_request(&c, m, mlen, &buf, &len);
		if (err == 0 && (err = pk_open_request(&p, buf, len, &plain, &plen, &counter)) == 0)
			free(plain);
		snprintf(name, sizeof(name), "sealed-request-%d.bin", i + 1);
		write_file(name, buf, len, err);
		err = pk_seal_reply(&p, (uint64_t)i + 1, heads, sizeof(heads), &buf, &len);
		snprintf(name, sizeof(name), "sealed-reply-%d.bin", i + 1);
		write_file(name, buf, len, err);
	}
	/* Request 3 and its reply with zstd negotiated, as fuzz_session.c's fixed sessions have
	 * it: a pulled-like message of 600 compressible bytes, sealed as a zstd frame. */
	c.features = p.features = PK_FEAT_ZSTD;
	c.level = p.level = 3;
	{
		static uint8_t big[2 + 6 + 1 + 3 + 600 + 1];
		size_t k = 0;

		big[k++] = 0x93;
		big[k++] = 0xa6;
		memcpy(big + k, "pulled", 6);
		k += 6;
		big[k++] = 0x91;
		big[k++] = 0xc5; /* bin16 of 600 bytes */
		big[k++] = 0x02;
		big[k++] = 0x58;
		for (int i = 0; i < 600; i++)
			big[k++] = (uint8_t)("kegiatan posyandu "[i % 18]);
		big[k++] = 0xc2;
		err = pk_seal_request(&c, big, k, &buf, &len);
		if (err == 0 && (err = pk_open_request(&p, buf, len, &plain, &plen, &counter)) == 0)
			free(plain);
		write_file("sealed-zstd-request-3.bin", buf, len, err);
		err = pk_seal_reply(&p, 3, big, k, &buf, &len);
		write_file("sealed-zstd-reply-3.bin", buf, len, err);
	}
	err = pk_errmsg_make("unknown-session", "no such session; start a new one", &buf, &len);
	write_file("error.bin", buf, len, err);
	return failures == 0 ? 0 : 1;
}
