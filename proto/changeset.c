/* changeset.c: changeset encoding and checks (see changeset.h and SPEC.md). */
#include "changeset.h"

#include <stdatomic.h>
#include <string.h>

#include "mpwrite.h"
#include "region.h"
#include "schema.h"

/* Bytes the fixed part of a body and the outer envelope take at most. */
#define CS_OVERHEAD 192

static const uint8_t zero_hash[PK_HASH_BYTES];

/* Calls of pk_cs_decode in this process: one relaxed atomic add each, a few nanoseconds. */
static atomic_ullong decodes;

unsigned long long pk_cs_decode_count(void)
{
	return atomic_load_explicit(&decodes, memory_order_relaxed);
}

static int expect_bin(struct pk_mpr *r, size_t want, const uint8_t **out)
{
	uint32_t n;

	if (pk_mpr_bin(r, out, &n) != 0 || n != want)
		return PK_EDECODE;
	return 0;
}

/* Reads one op and checks what can be checked without the schema table. */
static int read_op(struct pk_mpr *r, struct pk_op *op, struct pk_diag *d)
{
	uint32_t n;

	if (pk_mpr_array(r, &n) != 0 || n != 4)
		return pk_diagf(d, PK_EDECODE, "operation is not a 4-element array");
	if (pk_mpr_str(r, &op->coll, &op->coll_len) != 0 ||
	    pk_mpr_str(r, &op->region, &op->region_len) != 0 ||
	    pk_mpr_str(r, &op->key, &op->key_len) != 0)
		return pk_diagf(d, PK_EDECODE, "operation fields have the wrong types");
	if (pk_mpr_peek(r) == PK_MPT_NIL) {
		pk_mpr_nil(r);
		op->value = NULL;
		op->value_len = 0;
	} else if (pk_mpr_bin(r, &op->value, &op->value_len) != 0) {
		return pk_diagf(d, PK_EDECODE, "operation value is neither bin nor nil");
	}
	if (op->coll_len == 0 || op->coll_len > PK_COLL_MAX)
		return pk_diagf(d, PK_ESCHEMA, "collection name length %u out of range",
		                op->coll_len);
	if (!pk_region_valid(op->region, op->region_len))
		return pk_diagf(d, PK_EREGION, "malformed region code '%.*s'",
		                (int)(op->region_len > 20 ? 20 : op->region_len), op->region);
	if (!pk_key_valid(op->key, op->key_len))
		return pk_diagf(d, PK_ESCHEMA, "malformed record key");
	if (op->value != NULL && op->value_len > PK_VALUE_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "record value of %u bytes exceeds %u", op->value_len,
		                PK_VALUE_MAX_BYTES);
	return 0;
}

int pk_cs_decode(const uint8_t *buf, size_t len, struct pk_changeset *cs, struct pk_diag *d)
{
	struct pk_mpr r, b;
	const uint8_t *body, *sig;
	const char *tag;
	uint32_t n, blen, taglen;
	struct pk_op op;
	int err;

	atomic_fetch_add_explicit(&decodes, 1, memory_order_relaxed);
	memset(cs, 0, sizeof(*cs));
	if (len > PK_CS_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "changeset of %zu bytes exceeds %u", len,
		                PK_CS_MAX_BYTES);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 2 || pk_mpr_bin(&r, &body, &blen) != 0 ||
	    expect_bin(&r, PK_SIG_BYTES, &sig) != 0 || pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "not a changeset envelope [body, signature]");

	pk_mpr_init(&b, body, blen);
	if (pk_mpr_array(&b, &n) != 0 || n != 6 || pk_mpr_str(&b, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "changeset body is not a 6-element array");
	if (taglen != strlen(PK_CS_TAG) || memcmp(tag, PK_CS_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION, "changeset tag is not '%s'", PK_CS_TAG);
	if (expect_bin(&b, PK_PUB_BYTES, &cs->origin) != 0 || pk_mpr_uint(&b, &cs->seq) != 0 ||
	    expect_bin(&b, PK_HASH_BYTES, &cs->prev) != 0 || pk_mpr_uint(&b, &cs->hlc) != 0 ||
	    pk_mpr_array(&b, &cs->nops) != 0)
		return pk_diagf(d, PK_EDECODE, "changeset header fields have the wrong types");
	if (cs->seq == 0)
		return pk_diagf(d, PK_EDECODE, "sequence number 0");
	if (cs->seq == 1 && memcmp(cs->prev, zero_hash, PK_HASH_BYTES) != 0)
		return pk_diagf(d, PK_EDECODE, "first changeset with a non-zero previous hash");
	if (cs->nops == 0 || cs->nops > PK_CS_MAX_OPS)
		return pk_diagf(d, PK_EDECODE, "%u operations (allowed 1..%u)", cs->nops,
		                PK_CS_MAX_OPS);
	cs->ops = b.p;
	for (uint32_t i = 0; i < cs->nops; i++) {
		if ((err = read_op(&b, &op, d)) != 0)
			return err;
	}
	if (pk_mpr_left(&b) != 0)
		return pk_diagf(d, PK_EDECODE, "trailing bytes after the changeset body");
	cs->ops_len = (size_t)(b.p - cs->ops);
	cs->raw = buf;
	cs->raw_len = len;
	cs->body = body;
	cs->body_len = blen;
	cs->sig = sig;
	return 0;
}

bool pk_cs_sig_ok(const struct pk_changeset *cs)
{
	return pk_sig_ok(cs->sig, cs->body, cs->body_len, cs->origin);
}

void pk_cs_hash(const struct pk_changeset *cs, uint8_t out[PK_HASH_BYTES])
{
	pk_hash(out, cs->raw, cs->raw_len);
}

void pk_cs_iter_init(struct pk_cs_iter *it, const struct pk_changeset *cs)
{
	pk_mpr_init(&it->r, cs->ops, cs->ops_len);
	it->left = cs->nops;
}

bool pk_cs_iter_next(struct pk_cs_iter *it, struct pk_op *op)
{
	if (it->left == 0)
		return false;
	it->left--;
	return read_op(&it->r, op, NULL) == 0;
}

int pk_cs_check_records(const struct pk_changeset *cs, struct pk_diag *d)
{
	const struct pk_collection *c;
	struct pk_cs_iter it;
	struct pk_op op;
	struct pk_diag why;
	uint32_t i = 0;
	int err;

	pk_cs_iter_init(&it, cs);
	for (; pk_cs_iter_next(&it, &op); i++) {
		c = pk_schema_find(op.coll, op.coll_len);
		if (c == NULL)
			return pk_diagf(d, PK_ESCHEMA, "operation %u: unknown collection '%.*s'", i,
			                (int)op.coll_len, op.coll);
		if (op.value == NULL)
			continue;
		err = pk_schema_validate(c, op.value, op.value_len, &why);
		if (err != 0)
			return pk_diagf(d, err, "operation %u (%s/%.*s): %s", i, c->name,
			                (int)op.key_len, op.key, why.msg);
	}
	return 0;
}

size_t pk_cs_op_size(const struct pk_op *op)
{
	/* Each string or bin header takes at most 5 bytes; the op array header 1. */
	return 1 + 5 + op->coll_len + 5 + op->region_len + 5 + op->key_len + 5 + op->value_len;
}

int pk_cs_encode(const struct pk_cs_head *h, const struct pk_op *ops, uint32_t nops,
                 const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                 size_t *outlen)
{
	struct pk_mpw w;
	size_t total = CS_OVERHEAD;

	*out = NULL;
	*outlen = 0;
	if (nops == 0 || nops > PK_CS_MAX_OPS || h->seq == 0)
		return PK_EINVAL;
	for (uint32_t i = 0; i < nops; i++)
		total += pk_cs_op_size(&ops[i]);
	if (total > PK_CS_MAX_BYTES)
		return PK_ETOOBIG;

	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 6);
	pk_mpw_put_cstr(&w, PK_CS_TAG);
	pk_mpw_put_bin(&w, pub, PK_PUB_BYTES);
	pk_mpw_put_uint(&w, h->seq);
	pk_mpw_put_bin(&w, h->prev, PK_HASH_BYTES);
	pk_mpw_put_uint(&w, h->hlc);
	pk_mpw_put_array(&w, nops);
	for (uint32_t i = 0; i < nops; i++) {
		pk_mpw_put_array(&w, 4);
		pk_mpw_put_str(&w, ops[i].coll, ops[i].coll_len);
		pk_mpw_put_str(&w, ops[i].region, ops[i].region_len);
		pk_mpw_put_str(&w, ops[i].key, ops[i].key_len);
		if (ops[i].value == NULL)
			pk_mpw_put_nil(&w);
		else
			pk_mpw_put_bin(&w, ops[i].value, ops[i].value_len);
	}
	return pk_mpw_finish_signed(&w, sec, out, outlen);
}
