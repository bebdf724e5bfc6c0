/* test_cert.c: certificate encoding, decoding, signatures and chains (proto/cert.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "proto/cert.h"
#include "testutil.h"

#define NB TU_NOT_BEFORE
#define NA TU_NOT_AFTER
#define MID (TU_NOT_BEFORE + 86400 * 30)

static struct tu_key root, prov, kab, other;

static int setup(void **state)
{
	(void)state;
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab, 2);
	tu_key(&other, 3);
	return 0;
}

/* A decoded certificate that owns its bytes. */
struct owned {
	uint8_t *buf;
	size_t len;
	struct pk_cert c;
};

static void own(struct owned *o, const struct tu_key *issuer, const struct tu_key *subject,
                const char *region, uint64_t nb, uint64_t na)
{
	o->buf = tu_cert(issuer, subject, 7, region, "Pokja", nb, na, &o->len);
	assert_non_null(o->buf);
	assert_int_equal(pk_cert_decode(o->buf, o->len, &o->c, NULL), 0);
}

static void disown(struct owned *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(o[i].buf);
}

static void test_round_trip(void **state)
{
	struct pk_cert_info in;
	struct pk_cert c;
	uint8_t *buf;
	size_t len;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.serial = 0x1122334455667788ULL;
	memcpy(in.subject, kab.pub, PK_PUB_BYTES);
	memcpy(in.issuer, prov.pub, PK_PUB_BYTES);
	strcpy(in.region, "32.75");
	strcpy(in.name, "Pokja PKP Kota Bekasi \xe2\x80\x94 Sekretariat");
	in.not_before = NB;
	in.not_after = NA;
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), 0);
	assert_true(len <= PK_CERT_MAX_BYTES);
	assert_int_equal(pk_cert_decode(buf, len, &c, NULL), 0);
	assert_true(c.info.serial == in.serial);
	assert_memory_equal(c.info.subject, kab.pub, PK_PUB_BYTES);
	assert_memory_equal(c.info.issuer, prov.pub, PK_PUB_BYTES);
	assert_string_equal(c.info.region, "32.75");
	assert_string_equal(c.info.name, in.name);
	assert_true(c.info.not_before == NB && c.info.not_after == NA);
	assert_ptr_equal(c.raw, buf);
	assert_int_equal(c.raw_len, len);
	assert_ptr_equal(c.sig, buf + len - PK_SIG_BYTES);
	assert_true(c.body > buf && c.body + c.body_len <= c.sig);
	assert_true(pk_cert_sig_ok(&c));
	free(buf);

	/* The national region and the longest name. */
	in.region[0] = '\0';
	memset(in.name, 'n', PK_NAME_MAX);
	in.name[PK_NAME_MAX] = '\0';
	in.not_after = in.not_before; /* one second of validity is allowed */
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), 0);
	assert_int_equal(pk_cert_decode(buf, len, &c, NULL), 0);
	assert_string_equal(c.info.region, "");
	assert_int_equal(strlen(c.info.name), PK_NAME_MAX);
	assert_true(pk_cert_sig_ok(&c));
	free(buf);
}

static void test_encode_refusals(void **state)
{
	struct pk_cert_info in;
	uint8_t *buf = (uint8_t *)"x";
	size_t len = 9;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.serial = 1;
	memcpy(in.subject, kab.pub, PK_PUB_BYTES);
	memcpy(in.issuer, prov.pub, PK_PUB_BYTES);
	strcpy(in.region, "32.75");
	strcpy(in.name, "Pokja");
	in.not_before = NB;
	in.not_after = NA;

	strcpy(in.region, "32.7");
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), PK_EREGION);
	assert_null(buf);
	assert_int_equal(len, 0);
	strcpy(in.region, "32.75");
	in.name[0] = '\0';
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), PK_EINVAL);
	strcpy(in.name, "bad \xc0\xaf utf-8");
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), PK_EINVAL);
	strcpy(in.name, "Pokja");
	in.not_before = NA + 1;
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), PK_EINVAL);
	in.not_before = NB;
	/* Signing with a key other than the issuer's. */
	assert_int_equal(pk_cert_encode(&in, other.sec, &buf, &len), PK_EINVAL);
	assert_null(buf);
	assert_int_equal(pk_cert_encode(&in, prov.sec, &buf, &len), 0);
	free(buf);
}

static void test_every_flip_detected(void **state)
{
	struct owned o;
	struct pk_cert c;
	uint8_t *copy;

	(void)state;
	own(&o, &root, &prov, "32", NB, NA);
	assert_true(pk_cert_sig_ok(&o.c));
	copy = malloc(o.len);
	assert_non_null(copy);
	for (size_t i = 0; i < o.len; i++) {
		for (unsigned m = 1; m < 256; m <<= 1) {
			memcpy(copy, o.buf, o.len);
			copy[i] ^= (uint8_t)m;
			if (pk_cert_decode(copy, o.len, &c, NULL) == 0 && pk_cert_sig_ok(&c))
				fail_msg("byte %zu ^ 0x%02x: still decodes and verifies", i, m);
		}
	}
	free(copy);
	disown(&o, 1);
}

/* ---- chains -------------------------------------------------------------------------------- */

static int chain(struct owned *o, size_t n, uint64_t at, struct pk_diag *d)
{
	struct pk_cert c[PK_CHAIN_MAX + 2];

	for (size_t i = 0; i < n; i++)
		c[i] = o[i].c;
	return pk_cert_chain_check(root.pub, c, n, at, d);
}

static void test_chain_valid(void **state)
{
	struct owned o[2];

	(void)state;
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "32.75", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), 0);
	assert_int_equal(chain(o, 1, MID, NULL), 0);
	/* The validity period is inclusive at both ends. */
	assert_int_equal(chain(o, 2, NB, NULL), 0);
	assert_int_equal(chain(o, 2, NA, NULL), 0);
	disown(o, 2);

	/* A child may hold its parent's whole region. */
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "32", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), 0);
	disown(o, 2);
	/* The root may certify a kabupaten/kota directly. */
	own(&o[0], &root, &kab, "32.75", NB, NA);
	assert_int_equal(chain(o, 1, MID, NULL), 0);
	disown(o, 1);
}

static void test_chain_wrong_issuer(void **state)
{
	struct owned o[2];
	struct pk_diag d;

	(void)state;
	/* The first certificate is not issued by the root. */
	own(&o[0], &prov, &kab, "32.75", NB, NA);
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 1, MID, &d), PK_ECERT);
	assert_non_null(strstr(d.msg, "certificate 0"));
	disown(o, 1);

	/* The second is not issued by the first one's subject. */
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &other, &kab, "32.75", NB, NA);
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 2, MID, &d), PK_ECERT);
	assert_non_null(strstr(d.msg, "certificate 1"));
	disown(o, 2);

	/* Right certificates, wrong order. */
	own(&o[0], &prov, &kab, "32.75", NB, NA);
	own(&o[1], &root, &prov, "32", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), PK_ECERT);
	disown(o, 2);

	/* Another root. */
	own(&o[0], &root, &prov, "32", NB, NA);
	{
		struct pk_cert c = o[0].c;
		assert_int_equal(pk_cert_chain_check(other.pub, &c, 1, MID, NULL), PK_ECERT);
	}
	disown(o, 1);
}

static void test_chain_bad_signature(void **state)
{
	struct owned o[2];
	struct pk_diag d;

	(void)state;
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "32.75", NB, NA);
	o[1].buf[o[1].len - 10] ^= 0x04; /* inside the signature: still decodes */
	assert_int_equal(pk_cert_decode(o[1].buf, o[1].len, &o[1].c, NULL), 0);
	assert_false(pk_cert_sig_ok(&o[1].c));
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 2, MID, &d), PK_ESIG);
	assert_non_null(strstr(d.msg, "certificate 1"));
	/* The same with the root-issued one. */
	o[0].buf[o[0].len - 1] ^= 0x01;
	assert_int_equal(pk_cert_decode(o[0].buf, o[0].len, &o[0].c, NULL), 0);
	assert_int_equal(chain(o, 2, MID, NULL), PK_ESIG);
	disown(o, 2);
}

static void test_chain_region(void **state)
{
	struct owned o[2];
	struct pk_diag d;

	(void)state;
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "33.01", NB, NA);
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 2, MID, &d), PK_EREGION);
	assert_non_null(strstr(d.msg, "certificate 1"));
	disown(o, 2);

	/* A child wider than its parent. */
	own(&o[0], &root, &prov, "32.75", NB, NA);
	own(&o[1], &prov, &kab, "32", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), PK_EREGION);
	disown(o, 2);
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), PK_EREGION);
	disown(o, 2);
	/* Containment is by whole components: 32.01.01 is inside 32.01, 32.10.01 is not. */
	own(&o[0], &root, &prov, "32.01", NB, NA);
	own(&o[1], &prov, &kab, "32.01.01", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), 0);
	disown(o, 2);
	own(&o[0], &root, &prov, "32.01", NB, NA);
	own(&o[1], &prov, &kab, "32.10.01", NB, NA);
	assert_int_equal(chain(o, 2, MID, NULL), PK_EREGION);
	disown(o, 2);
}

static void test_chain_time(void **state)
{
	struct owned o[2];
	struct pk_diag d;

	(void)state;
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "32.75", NB, NA);
	assert_int_equal(chain(o, 2, NA + 1, NULL), PK_EEXPIRED);
	assert_int_equal(chain(o, 2, NB - 1, NULL), PK_EEXPIRED);
	assert_int_equal(chain(o, 2, 0, NULL), PK_EEXPIRED);
	assert_int_equal(chain(o, 2, UINT64_MAX, NULL), PK_EEXPIRED);
	disown(o, 2);

	/* Only the inner certificate has expired; only the outer one is not yet valid. */
	own(&o[0], &root, &prov, "32", NB, NA);
	own(&o[1], &prov, &kab, "32.75", NB, MID - 1);
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 2, MID, &d), PK_EEXPIRED);
	assert_non_null(strstr(d.msg, "certificate 1"));
	assert_int_equal(chain(o, 2, MID - 1, NULL), 0);
	disown(o, 2);
	own(&o[0], &root, &prov, "32", MID + 1, NA);
	own(&o[1], &prov, &kab, "32.75", NB, NA);
	memset(&d, 0, sizeof(d));
	assert_int_equal(chain(o, 2, MID, &d), PK_EEXPIRED);
	assert_non_null(strstr(d.msg, "certificate 0"));
	disown(o, 2);
}

static void test_chain_length(void **state)
{
	static const char *const regions[] = {
	    "32", "32.75", "32.75.01", "32.75.01.1001", "32.75.01.1001", "32.75.01.1001"};
	struct tu_key keys[PK_CHAIN_MAX + 2];
	struct owned o[PK_CHAIN_MAX + 1];

	(void)state;
	keys[0] = root;
	for (int i = 1; i <= PK_CHAIN_MAX + 1; i++)
		tu_key(&keys[i], 20 + (unsigned)i);
	for (int i = 0; i <= PK_CHAIN_MAX; i++)
		own(&o[i], &keys[i], &keys[i + 1], regions[i], NB, NA);
	assert_int_equal(chain(o, PK_CHAIN_MAX, MID, NULL), 0);
	assert_int_equal(chain(o, PK_CHAIN_MAX + 1, MID, NULL), PK_ECERT);
	assert_int_equal(chain(o, 0, MID, NULL), PK_ECERT);
	disown(o, PK_CHAIN_MAX + 1);
}

/* ---- decode refusals ----------------------------------------------------------------------- */

enum mutation {
	M_NONE,
	M_ENV3,
	M_BODY7,
	M_BODY9,
	M_TAG_BIN,
	M_SERIAL_NEG,
	M_SUBJECT31,
	M_REGION_BIN,
	M_NAME_INT,
	M_NB_STR,
	M_ISSUER33,
	M_BODY_TRAIL,
	M_ENV_TRAIL,
	M_SIG63,
};

struct spec {
	const char *tag;
	const char *region;
	const char *name;
	uint64_t nb, na;
	enum mutation m;
};

static void pstr(msgpack_packer *pk, const void *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void pbin(msgpack_packer *pk, const void *b, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, b, n);
}

/* A hand-made certificate root -> kab, signed by root, with one thing changed. */
static uint8_t *raw_cert(const struct spec *sp, size_t *len)
{
	msgpack_sbuffer body, env;
	msgpack_packer pk;
	uint8_t sig[PK_SIG_BYTES], wide[33] = {0}, *out;
	enum mutation m = sp->m;

	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, m == M_BODY7 ? 7 : m == M_BODY9 ? 9 : 8);
	if (m == M_TAG_BIN)
		pbin(&pk, sp->tag, strlen(sp->tag));
	else
		pstr(&pk, sp->tag, strlen(sp->tag));
	if (m == M_SERIAL_NEG)
		msgpack_pack_int64(&pk, -2);
	else
		msgpack_pack_uint64(&pk, 5);
	pbin(&pk, kab.pub, m == M_SUBJECT31 ? 31 : PK_PUB_BYTES);
	if (m == M_REGION_BIN)
		pbin(&pk, sp->region, strlen(sp->region));
	else
		pstr(&pk, sp->region, strlen(sp->region));
	if (m == M_NAME_INT)
		msgpack_pack_int(&pk, 3);
	else
		pstr(&pk, sp->name, strlen(sp->name));
	if (m == M_NB_STR)
		pstr(&pk, "2026", 4);
	else
		msgpack_pack_uint64(&pk, sp->nb);
	if (m != M_BODY7)
		msgpack_pack_uint64(&pk, sp->na);
	memcpy(wide, root.pub, PK_PUB_BYTES);
	pbin(&pk, wide, m == M_ISSUER33 ? 33 : PK_PUB_BYTES);
	if (m == M_BODY9 || m == M_BODY_TRAIL)
		msgpack_pack_nil(&pk);
	pk_sign(sig, (const uint8_t *)body.data, body.size, root.sec);
	msgpack_sbuffer_init(&env);
	msgpack_packer_init(&pk, &env, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, m == M_ENV3 ? 3 : 2);
	pbin(&pk, body.data, body.size);
	pbin(&pk, sig, m == M_SIG63 ? 63 : PK_SIG_BYTES);
	if (m == M_ENV3 || m == M_ENV_TRAIL)
		msgpack_pack_nil(&pk);
	out = malloc(env.size);
	assert_non_null(out);
	memcpy(out, env.data, env.size);
	*len = env.size;
	msgpack_sbuffer_destroy(&body);
	msgpack_sbuffer_destroy(&env);
	return out;
}

static int decode_spec(const struct spec *sp)
{
	struct pk_cert c;
	struct pk_diag d = {""};
	size_t len;
	uint8_t *buf = raw_cert(sp, &len);
	int err = pk_cert_decode(buf, len, &c, &d);

	if (err != 0)
		assert_true(d.msg[0] != '\0');
	else
		assert_true(pk_cert_sig_ok(&c));
	free(buf);
	return err;
}

static void test_decode_refusals(void **state)
{
	static const struct {
		enum mutation m;
		int err;
	} cases[] = {
	    {M_NONE, 0},
	    {M_ENV3, PK_EDECODE},
	    {M_BODY7, PK_EDECODE},
	    {M_BODY9, PK_EDECODE},
	    {M_TAG_BIN, PK_EDECODE},
	    {M_SERIAL_NEG, PK_EDECODE},
	    {M_SUBJECT31, PK_EDECODE},
	    {M_REGION_BIN, PK_EDECODE},
	    {M_NAME_INT, PK_EDECODE},
	    {M_NB_STR, PK_EDECODE},
	    {M_ISSUER33, PK_EDECODE},
	    {M_BODY_TRAIL, PK_EDECODE},
	    {M_ENV_TRAIL, PK_EDECODE},
	    {M_SIG63, PK_EDECODE},
	};
	struct spec sp = {PK_CERT_TAG, "32.75", "Pokja PKP Kota Bekasi", NB, NA, M_NONE};
	char name[PK_NAME_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sp.m = cases[i].m;
		int err = decode_spec(&sp);
		if (err != cases[i].err)
			fail_msg("mutation %d: got %d (%s), want %d", (int)cases[i].m, err,
			         pk_strerror(err), cases[i].err);
	}
	sp.m = M_NONE;

	sp.tag = "pokja-cert-2";
	assert_int_equal(decode_spec(&sp), PK_EVERSION);
	sp.tag = "pokja-changeset-1";
	assert_int_equal(decode_spec(&sp), PK_EVERSION);
	sp.tag = PK_CERT_TAG;

	sp.region = "32.7";
	assert_int_equal(decode_spec(&sp), PK_EREGION);
	sp.region = "32.75.";
	assert_int_equal(decode_spec(&sp), PK_EREGION);
	sp.region = "32.75.01.1001.01";
	assert_int_equal(decode_spec(&sp), PK_EREGION);
	sp.region = "";
	assert_int_equal(decode_spec(&sp), 0);
	sp.region = "32.75";

	sp.name = "";
	assert_int_equal(decode_spec(&sp), PK_EDECODE);
	sp.name = "\xff\xfe";
	assert_int_equal(decode_spec(&sp), PK_EDECODE);
	sp.name = "\xed\xa0\x80"; /* a surrogate */
	assert_int_equal(decode_spec(&sp), PK_EDECODE);
	memset(name, 'n', sizeof(name));
	name[PK_NAME_MAX] = '\0';
	sp.name = name;
	assert_int_equal(decode_spec(&sp), 0);
	name[PK_NAME_MAX] = 'n';
	name[PK_NAME_MAX + 1] = '\0';
	assert_int_equal(decode_spec(&sp), PK_EDECODE);
	sp.name = "Pokja";

	sp.nb = NA + 1;
	assert_int_equal(decode_spec(&sp), PK_EDECODE);
	sp.nb = NA;
	assert_int_equal(decode_spec(&sp), 0);
	sp.nb = NB;
}

static void test_decode_truncation_and_size(void **state)
{
	struct owned o;
	struct pk_cert c;
	uint8_t *big;

	(void)state;
	own(&o, &root, &prov, "32", NB, NA);
	for (size_t cut = 0; cut < o.len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, o.buf, cut);
		assert_int_not_equal(pk_cert_decode(p, cut, &c, NULL), 0);
		free(p);
	}
	/* One trailing byte, and a buffer over the size limit. */
	big = calloc(1, PK_CERT_MAX_BYTES + 1);
	assert_non_null(big);
	memcpy(big, o.buf, o.len);
	assert_int_equal(pk_cert_decode(big, o.len + 1, &c, NULL), PK_EDECODE);
	assert_int_equal(pk_cert_decode(big, PK_CERT_MAX_BYTES + 1, &c, NULL), PK_ETOOBIG);
	assert_int_equal(pk_cert_decode(big, o.len, &c, NULL), 0);
	free(big);
	disown(&o, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_every_flip_detected),
	    cmocka_unit_test(test_chain_valid),
	    cmocka_unit_test(test_chain_wrong_issuer),
	    cmocka_unit_test(test_chain_bad_signature),
	    cmocka_unit_test(test_chain_region),
	    cmocka_unit_test(test_chain_time),
	    cmocka_unit_test(test_chain_length),
	    cmocka_unit_test(test_decode_refusals),
	    cmocka_unit_test(test_decode_truncation_and_size),
	};

	tu_init();
	return cmocka_run_group_tests(tests, setup, NULL);
}
