/*
 * fuzz_syncmsg.c: libFuzzer target for sync messages and invite tokens (proto/syncmsg.h).
 *
 * Decodes arbitrary bytes as a request and as a reply. When they decode, it walks every list
 * with the iterators (which must not fail), checks that every view lies inside the input and
 * every limit holds, then encodes the message again from what it read: that must succeed,
 * be no longer than the input, and decode to the same elements. The same bytes, NUL-terminated,
 * are decoded as an invite token; a decoded invite must encode and decode to itself. A broken
 * promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/enroll.h"
#include "proto/error.h"
#include "proto/region.h"
#include "proto/syncmsg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const uint8_t *p, size_t len, const uint8_t *buf, size_t size)
{
	return len == 0 || (p >= buf && len <= size && (size_t)(p - buf) <= size - len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	return 0;
}

/* Every element of a list, into a malloc'd array (n may be 0). */
static struct pk_head *all_heads(const struct pk_sync_list *l, const uint8_t *buf, size_t size)
{
	struct pk_head *h = malloc((l->n + 1) * sizeof(*h));
	struct pk_sync_iter it;
	uint32_t k = 0;

	check(h != NULL && inside(l->p, l->len, buf, size));
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_head(&it, &h[k]))
		check(++k <= l->n);
	check(k == l->n && it.err == 0);
	return h;
}

static struct pk_blob *all_blobs(const struct pk_sync_list *l, size_t max_each, const uint8_t *buf,
                                 size_t size)
{
	struct pk_blob *b = malloc((l->n + 1) * sizeof(*b));
	struct pk_sync_iter it;
	uint32_t k = 0;

	check(b != NULL && inside(l->p, l->len, buf, size));
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_blob(&it, &b[k])) {
		check(b[k].len <= max_each && inside(b[k].p, b[k].len, l->p, l->len));
		check(++k <= l->n);
	}
	check(k == l->n && it.err == 0);
	return b;
}

static struct pk_refusal *all_refusals(const struct pk_sync_list *l, struct pk_refused **store,
                                       const uint8_t *buf, size_t size)
{
	struct pk_refusal *r = malloc((l->n + 1) * sizeof(*r));
	struct pk_refused *rf = malloc((l->n + 1) * sizeof(*rf));
	struct pk_sync_iter it;
	uint32_t k = 0;

	check(r != NULL && rf != NULL && inside(l->p, l->len, buf, size));
	check(l->n <= PK_SYNC_PUSH_MAX_CS);
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_refused(&it, &rf[k])) {
		size_t len = strnlen(rf[k].reason, sizeof(rf[k].reason));

		check(len >= 1 && len <= PK_SYNC_REASON_MAX && rf[k].index < PK_SYNC_PUSH_MAX_CS);
		r[k].index = rf[k].index;
		r[k].reason = rf[k].reason;
		check(++k <= l->n);
	}
	check(k == l->n && it.err == 0);
	*store = rf;
	return r;
}

static bool same_heads(const struct pk_head *a, const struct pk_head *b, uint32_t n)
{
	return n == 0 || memcmp(a, b, n * sizeof(*a)) == 0;
}

static bool same_blobs(const struct pk_blob *a, const struct pk_blob *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || (a[i].len > 0 && memcmp(a[i].p, b[i].p, a[i].len) != 0))
			return false;
	return true;
}

/* Checks a decoded message, encodes it again and checks that the copy says the same. */
static void recheck(const struct pk_sync_msg *m, enum pk_sync_dir dir, const uint8_t *buf,
                    size_t size)
{
	struct pk_head *h = NULL, *h2 = NULL;
	struct pk_blob *certs = NULL, *cs = NULL, *b2 = NULL;
	struct pk_refusal *rf = NULL;
	struct pk_refused *rfs = NULL;
	struct pk_sync_msg m2;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int err = PK_EINVAL;

	check(size <= PK_SYNC_MSG_MAX);
	check(strcmp(pk_sync_kind_name(m->kind), "?") != 0);
	switch (m->kind) {
	case PK_SYNC_HEADS:
	case PK_SYNC_HEADS_REPLY:
		check((m->kind == PK_SYNC_HEADS) == (dir == PK_SYNC_REQUEST));
		h = all_heads(&m->heads, buf, size);
		err = pk_sync_heads_encode(h, m->heads.n, &out, &outlen);
		break;
	case PK_SYNC_PUSH:
		check(dir == PK_SYNC_REQUEST);
		check(m->certs.n <= PK_SYNC_PUSH_MAX_CERTS &&
		      m->changesets.n <= PK_SYNC_PUSH_MAX_CS);
		certs = all_blobs(&m->certs, PK_CERT_MAX_BYTES, buf, size);
		cs = all_blobs(&m->changesets, PK_SYNC_CS_BLOB_MAX, buf, size);
		err = pk_sync_push_encode(certs, m->certs.n, cs, m->changesets.n, &out, &outlen);
		check(err != 0 ||
		      outlen == pk_sync_push_size(certs, m->certs.n, cs, m->changesets.n));
		break;
	case PK_SYNC_PULL:
		check(dir == PK_SYNC_REQUEST);
		check(m->wait_ms <= PK_SYNC_WAIT_MAX_MS && m->max_bytes <= PK_SYNC_PULL_MAX_BYTES);
		h = all_heads(&m->heads, buf, size);
		err = pk_sync_pull_encode(h, m->heads.n, m->wait_ms, m->max_bytes, &out, &outlen);
		break;
	case PK_SYNC_JOIN:
		check(dir == PK_SYNC_REQUEST && m->blob.len <= PK_REQUEST_MAX_BYTES);
		check(inside(m->blob.p, m->blob.len, buf, size));
		err = pk_sync_join_encode(m->blob.p, m->blob.len, &out, &outlen);
		break;
	case PK_SYNC_PUSHED:
		check(dir == PK_SYNC_REPLY && m->heads.n <= PK_SYNC_PUSH_MAX_CS);
		rf = all_refusals(&m->refused, &rfs, buf, size);
		h = all_heads(&m->heads, buf, size);
		err = pk_sync_pushed_encode(rf, m->refused.n, h, m->heads.n, &out, &outlen);
		break;
	case PK_SYNC_PULLED:
		check(dir == PK_SYNC_REPLY);
		cs = all_blobs(&m->changesets, PK_SYNC_CS_BLOB_MAX, buf, size);
		err = pk_sync_pulled_encode(cs, m->changesets.n, m->more, &out, &outlen);
		check(err != 0 || outlen == pk_sync_pulled_size(cs, m->changesets.n));
		break;
	case PK_SYNC_JOINED:
		check(dir == PK_SYNC_REPLY && m->blob.len <= PK_CERTSET_MAX_BYTES);
		check(inside(m->blob.p, m->blob.len, buf, size));
		err = pk_sync_joined_encode(m->blob.p, m->blob.len, &out, &outlen);
		break;
	default:
		check(false);
	}
	check(err == 0 && outlen <= size);

	/* The copy decodes to the same message. */
	check(pk_sync_decode(out, outlen, dir, &m2, NULL) == 0);
	check(m2.kind == m->kind && m2.heads.n == m->heads.n && m2.certs.n == m->certs.n &&
	      m2.changesets.n == m->changesets.n && m2.refused.n == m->refused.n);
	check(m2.wait_ms == m->wait_ms && m2.max_bytes == m->max_bytes && m2.more == m->more);
	check(m2.blob.len == m->blob.len &&
	      (m->blob.len == 0 || memcmp(m2.blob.p, m->blob.p, m->blob.len) == 0));
	if (h != NULL) {
		h2 = all_heads(&m2.heads, out, outlen);
		check(same_heads(h, h2, m->heads.n));
	}
	if (cs != NULL) {
		b2 = all_blobs(&m2.changesets, PK_SYNC_CS_BLOB_MAX, out, outlen);
		check(same_blobs(cs, b2, m->changesets.n));
	}
	free(out);
	free(h);
	free(h2);
	free(certs);
	free(cs);
	free(b2);
	free(rf);
	free(rfs);
}

static void invite(const uint8_t *data, size_t size)
{
	struct pk_invite inv, again;
	struct pk_diag d;
	char *s = malloc(size + 1), *tok = NULL;
	int err;

	check(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	d.msg[0] = '\0';
	err = pk_invite_decode(s, &inv, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	if (err == 0) {
		size_t rlen = strnlen(inv.region, sizeof(inv.region));
		size_t nlen = strnlen(inv.name, sizeof(inv.name));

		check(strncmp(inv.url, "tcp://", 6) == 0);
		check(strnlen(inv.url, sizeof(inv.url)) < sizeof(inv.url));
		check(rlen > 0 && rlen < sizeof(inv.region) && pk_region_valid(inv.region, rlen));
		check(nlen > 0 && nlen < sizeof(inv.name));
		check(pk_invite_encode(&inv, &tok) == 0);
		check(strlen(tok) < PK_INVITE_MAX);
		check(pk_invite_decode(tok, &again, NULL) == 0);
		check(memcmp(&inv, &again, sizeof(inv)) == 0);
		free(tok);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_sync_msg m;
	struct pk_diag d;

	for (int dir = PK_SYNC_REQUEST; dir <= PK_SYNC_REPLY; dir++) {
		int err;

		d.msg[0] = '\0';
		err = pk_sync_decode(data, size, (enum pk_sync_dir)dir, &m, &d);
		check(err == 0 || err == PK_EDECODE || err == PK_ETOOBIG);
		check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
		if (err == 0)
			recheck(&m, (enum pk_sync_dir)dir, data, size);
		else
			check(m.kind == PK_SYNC_NONE);
	}
	invite(data, size);
	return 0;
}
