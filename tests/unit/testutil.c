/* testutil.c: helpers shared by the unit tests (see testutil.h). */
#include "testutil.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "proto/cert.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"

void tu_init(void)
{
	if (pk_crypto_init() != 0) {
		fprintf(stderr, "libsodium does not initialise\n");
		exit(1);
	}
}

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;
	size_t n;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = strlen(base) + sizeof("/pokja-unit.XXXXXX");
	path = malloc(n);
	assert_non_null(path);
	snprintf(path, n, "%s/pokja-unit.XXXXXX", base);
	assert_non_null(mkdtemp(path));
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void tu_key(struct tu_key *k, unsigned n)
{
	uint8_t seed[PK_SEED_BYTES];

	for (unsigned i = 0; i < PK_SEED_BYTES; i++)
		seed[i] = (uint8_t)(n * 32 + i);
	seed[31] ^= (uint8_t)(n / 8);
	seed[30] ^= (uint8_t)(n / 2048);
	pk_key_from_seed(seed, k->pub, k->sec);
}

struct store *tu_store_open(const char *dir)
{
	struct store *s = NULL;
	struct pk_diag d = {""};
	int err = store_open(dir, 0, &s, &d);

	if (err != 0)
		fail_msg("store_open(%s): %s: %s", dir, pk_strerror(err), d.msg);
	return s;
}

struct store *tu_store_new(const char *dir, const struct tu_key *root, const struct tu_key *self,
                           const char *region, const char *name)
{
	struct store *s = tu_store_open(dir);
	struct store_node n;

	memset(&n, 0, sizeof(n));
	memcpy(n.pub, self->pub, PK_PUB_BYTES);
	memcpy(n.root, root->pub, PK_PUB_BYTES);
	snprintf(n.region, sizeof(n.region), "%s", region);
	snprintf(n.name, sizeof(n.name), "%s", name);
	assert_int_equal(store_node_init(s, &n), 0);
	return s;
}

uint8_t *tu_cert(const struct tu_key *issuer, const struct tu_key *subject, uint64_t serial,
                 const char *region, const char *name, uint64_t not_before, uint64_t not_after,
                 size_t *len)
{
	struct pk_cert_info in;
	uint8_t *out = NULL;

	memset(&in, 0, sizeof(in));
	in.serial = serial;
	memcpy(in.subject, subject->pub, PK_PUB_BYTES);
	memcpy(in.issuer, issuer->pub, PK_PUB_BYTES);
	snprintf(in.region, sizeof(in.region), "%s", region);
	snprintf(in.name, sizeof(in.name), "%s", name);
	in.not_before = not_before;
	in.not_after = not_after;
	if (pk_cert_encode(&in, issuer->sec, &out, len) != 0)
		return NULL;
	return out;
}

void tu_cert_put(struct store *s, const struct tu_key *issuer, const struct tu_key *subject,
                 const char *region)
{
	struct pk_diag d = {""};
	char name[64];
	size_t len;
	uint8_t *c;
	int err;

	snprintf(name, sizeof(name), "Pokja %s", region[0] ? region : "nasional");
	c = tu_cert(issuer, subject, 1, region, name, TU_NOT_BEFORE, TU_NOT_AFTER, &len);
	assert_non_null(c);
	err = store_cert_put(s, c, len, &d);
	if (err != 0)
		fail_msg("store_cert_put(%s): %s: %s", region, pk_strerror(err), d.msg);
	free(c);
}

int tu_install_chain(struct store *s, const struct tu_key *const *keys, const char *const *regions,
                     size_t n)
{
	const uint8_t *certs[PK_CHAIN_MAX + 2];
	uint8_t *owned[PK_CHAIN_MAX + 2];
	size_t lens[PK_CHAIN_MAX + 2];
	struct pk_diag d = {""};
	char name[64];
	int err;

	assert_true(n <= PK_CHAIN_MAX + 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "Pokja %s", regions[i]);
		owned[i] = tu_cert(keys[i], keys[i + 1], i + 1, regions[i], name, TU_NOT_BEFORE,
		                   TU_NOT_AFTER, &lens[i]);
		assert_non_null(owned[i]);
		certs[i] = owned[i];
	}
	err = store_install_chain(s, keys[0]->pub, certs, lens, n, TU_NOT_BEFORE + 86400, &d);
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	return err;
}

/* Moves an sbuffer's bytes into a malloc'd buffer of exactly their size. */
static uint8_t *sbuf_take(msgpack_sbuffer *sb, size_t *len)
{
	uint8_t *out = malloc(sb->size ? sb->size : 1);

	assert_non_null(out);
	if (sb->size)
		memcpy(out, sb->data, sb->size);
	*len = sb->size;
	msgpack_sbuffer_destroy(sb);
	return out;
}

static void pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

uint8_t *tu_kegiatan(const char *nama, int64_t tahun, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	pack_cstr(&pk, "nama");
	pack_cstr(&pk, nama);
	pack_cstr(&pk, "tahun");
	msgpack_pack_int64(&pk, tahun);
	return sbuf_take(&sb, len);
}

uint8_t *tu_map(size_t *len, size_t n, const char *const *keys, const char *const *vals,
                const bool *ints)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < n; i++) {
		pack_cstr(&pk, keys[i]);
		if (ints != NULL && ints[i])
			msgpack_pack_int64(&pk, atoll(vals[i]));
		else
			pack_cstr(&pk, vals[i]);
	}
	return sbuf_take(&sb, len);
}

struct pk_op tu_op(const char *coll, const char *region, const char *key, const uint8_t *value,
                   size_t value_len)
{
	struct pk_op op;

	op.coll = coll;
	op.coll_len = (uint32_t)strlen(coll);
	op.region = region;
	op.region_len = (uint32_t)strlen(region);
	op.key = key;
	op.key_len = (uint32_t)strlen(key);
	op.value = value;
	op.value_len = value != NULL ? (uint32_t)value_len : 0;
	return op;
}

void tu_origin_init(struct tu_origin *o, unsigned keyn, uint64_t hlc0)
{
	memset(o, 0, sizeof(*o));
	tu_key(&o->key, keyn);
	o->hlc = hlc0;
}

uint8_t *tu_cs_make(const struct tu_origin *o, uint64_t seq, const uint8_t prev[PK_HASH_BYTES],
                    uint64_t hlc, const struct pk_op *ops, uint32_t nops, size_t *len)
{
	struct pk_cs_head h;
	uint8_t *out = NULL;
	int err;

	h.seq = seq;
	memcpy(h.prev, prev, PK_HASH_BYTES);
	h.hlc = hlc;
	err = pk_cs_encode(&h, ops, nops, o->key.pub, o->key.sec, &out, len);
	if (err != 0)
		fail_msg("pk_cs_encode: %s", pk_strerror(err));
	return out;
}

uint8_t *tu_cs_next(struct tu_origin *o, uint64_t hlc, const struct pk_op *ops, uint32_t nops,
                    size_t *len)
{
	uint8_t *out;

	if (hlc == 0)
		hlc = o->hlc + pk_hlc_from_ms(1);
	out = tu_cs_make(o, o->seq + 1, o->prev, hlc, ops, nops, len);
	o->seq++;
	pk_hash(o->prev, out, *len);
	o->hlc = hlc;
	return out;
}

void tu_buf_add(struct tu_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		assert_non_null(b->data);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void tu_buf_free(struct tu_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void add_be(struct tu_buf *b, uint64_t v, int bytes)
{
	uint8_t tmp[8];

	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		tmp[i] = (uint8_t)v;
	tu_buf_add(b, tmp, (size_t)bytes);
}

void tu_dump_record(struct tu_buf *b, const char *coll, const char *region, const char *key,
                    uint64_t hlc, const uint8_t origin[PK_PUB_BYTES], uint64_t seq, bool deleted,
                    const uint8_t *value, size_t value_len)
{
	uint8_t del = deleted ? 1 : 0;

	tu_buf_add(b, coll, strlen(coll) + 1);
	tu_buf_add(b, region, strlen(region) + 1);
	tu_buf_add(b, key, strlen(key) + 1);
	add_be(b, hlc, 8);
	tu_buf_add(b, origin, PK_PUB_BYTES);
	add_be(b, seq, 8);
	tu_buf_add(b, &del, 1);
	add_be(b, value_len, 4);
	tu_buf_add(b, value, value_len);
}

static int dump_one(const struct store_record *r, void *arg)
{
	struct tu_buf *b = arg;

	/* A tombstone must come without a value, a live record with one. */
	assert_true(r->deleted == (r->value == NULL));
	tu_dump_record(b, r->coll, r->region, r->key, r->hlc, r->origin, r->seq, r->deleted,
	               r->value, r->value_len);
	return 0;
}

size_t tu_dump(struct store *s, struct tu_buf *out)
{
	const struct pk_collection *c;
	size_t n, total = 0;
	int got;

	c = pk_schema_all(&n);
	for (size_t i = 0; i < n; i++) {
		got = store_list(s, c[i].name, "", true, dump_one, out);
		if (got < 0)
			fail_msg("store_list(%s): %s", c[i].name, pk_strerror(got));
		total += (size_t)got;
	}
	return total;
}

uint64_t tu_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

char *tu_hex(const uint8_t *p, size_t n)
{
	char *out = malloc(2 * n + 1);

	assert_non_null(out);
	pk_hex(out, p, n);
	return out;
}

/* ---- sync lists ---- */

void tu_check_heads(const struct pk_sync_list *l, const struct pk_head *want, size_t n)
{
	struct pk_sync_iter it;
	struct pk_head h;
	size_t k = 0;

	assert_int_equal(l->n, n);
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_head(&it, &h)) {
		assert_true(k < n);
		assert_memory_equal(h.origin, want[k].origin, PK_PUB_BYTES);
		assert_true(h.seq == want[k].seq);
		k++;
	}
	assert_int_equal(k, n);
	assert_int_equal(it.err, 0);
}

void tu_check_blobs(const struct pk_sync_list *l, const uint8_t *buf, size_t len,
                    const struct pk_blob *want, size_t n)
{
	struct pk_sync_iter it;
	struct pk_blob b;
	size_t k = 0;

	assert_int_equal(l->n, n);
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_blob(&it, &b)) {
		assert_true(k < n);
		assert_int_equal(b.len, want[k].len);
		assert_true(b.p >= buf && b.p + b.len <= buf + len); /* a view into buf */
		if (b.len > 0)
			assert_memory_equal(b.p, want[k].p, b.len);
		k++;
	}
	assert_int_equal(k, n);
	assert_int_equal(it.err, 0);
}

uint8_t *tu_envelope(msgpack_sbuffer *body, const struct tu_key *k, size_t *len)
{
	msgpack_sbuffer env;
	msgpack_packer pk;
	uint8_t sig[PK_SIG_BYTES];

	pk_sign(sig, (const uint8_t *)body->data, body->size, k->sec);
	msgpack_sbuffer_init(&env);
	msgpack_packer_init(&pk, &env, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	tu_pack_bin(&pk, (const uint8_t *)body->data, body->size);
	tu_pack_bin(&pk, sig, PK_SIG_BYTES);
	msgpack_sbuffer_destroy(body);
	*len = env.size;
	return (uint8_t *)msgpack_sbuffer_release(&env);
}

void tu_pack_bin(msgpack_packer *pk, const uint8_t *b, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, b, n);
}

void tu_pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}
