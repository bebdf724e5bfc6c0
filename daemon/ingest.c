/*
 * ingest.c: one way in for received changesets (see ingest.h). Each changeset is decoded once,
 * inside store_apply_from; the origin and sequence it reports serve the log lines and the
 * acknowledgement, so nothing here decodes again.
 */
#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto/crypto.h"
#include "proto/mpwrite.h"

/* store_sender's question, asked of outbox.h's rule. */
static bool sender_wants(const void *arg, const uint8_t origin[PK_PUB_BYTES],
                         uint8_t (*path)[PK_PUB_BYTES], int npath)
{
	return outbox_wants_path(arg, origin, path, npath);
}

/* True while refusals may still be logged for this result (ingest_from.log_max). */
static bool may_log(const struct ingest_from *from, struct ingest_result *r)
{
	if (from->log_max == 0 || r->refused + r->certs_refused <= from->log_max)
		return true;
	r->unlogged++;
	return false;
}

static void store_failed(struct store *s, const struct ingest_from *from, int err)
{
	struct pk_diag d;

	if (err == PK_ENOSPC)
		log_error("disk-full", "from %s: nothing applied: %s", from->name,
		          store_strerror(s, err, &d));
	else
		log_error("apply-failed", "from %s: the store failed: %s", from->name,
		          pk_strerror(err));
}

/* Stores the certificates (SPEC section 7, "Storing certificates"), all in one transaction:
 * each that does not chain to the root or would displace a held one is refused on its own. */
static int take_certs(struct store *s, const struct ingest_from *from,
                      const struct pk_sync_list *certs, struct ingest_result *r)
{
	size_t n = certs->n, i = 0, stored = 0;
	struct store_blob *b = calloc(n ? n : 1, sizeof(*b));
	struct pk_diag *why = calloc(n ? n : 1, sizeof(*why));
	int *errs = calloc(n ? n : 1, sizeof(*errs));
	struct pk_sync_iter it;
	struct pk_blob blob;
	int err = PK_ENOMEM;

	if (b == NULL || why == NULL || errs == NULL)
		goto out;
	pk_sync_iter_init(&it, certs);
	while (i < n && pk_sync_next_blob(&it, &blob)) {
		b[i].data = blob.p;
		b[i++].len = blob.len;
	}
	if ((err = store_certs_put(s, b, i, errs, why, &stored)) != 0)
		goto out;
	r->certs_stored += stored;
	for (size_t j = 0; j < i; j++) {
		if (errs[j] == 0)
			continue;
		r->certs_refused++;
		if (may_log(from, r))
			log_warnx("cert-refused", "from %s: certificate %zu refused (%s): %s",
			          from->name, j, pk_errtag(errs[j]), why[j].msg);
	}
out:
	free(b);
	free(why);
	free(errs);
	return err;
}

/* Counts and logs what became of each changeset of one transaction. */
static void report(const struct ingest_from *from, struct ingest_result *r,
                   const struct store_outcome *out, size_t n)
{
	char k[17];

	for (size_t i = 0; i < n; i++) {
		const struct store_outcome *o = &out[i];
		int e = o->err;

		if (o->decoded)
			pk_hex(k, o->origin, 8);
		if (e == 0) {
			r->applied++;
			/* Stamped just after the commit: each node's own arrival time (benchmarks
			 * read it). Debug level: a bulk transfer applies one per changeset. */
			if (o->decoded)
				log_debug("applied", "from %s: origin %s seq %llu", from->name, k,
				          (unsigned long long)o->seq);
		} else if (e == PK_EEXIST) {
			r->exists++;
		} else if (e == PK_EHELD) {
			r->held++;
			log_info("apply-held", "from %s: origin %s seq %llu: %s", from->name, k,
			         (unsigned long long)o->seq, o->why.msg);
		} else if (e == PK_ELINEAGE && !from->lineage_refuses) {
			r->left_out++;
		} else {
			r->refused++;
			r->by_reason[-e > 0 && -e < PK_ERR_COUNT ? -e : 0]++;
			if (!may_log(from, r))
				continue;
			if (o->decoded)
				log_warnx("apply-refused", "from %s: origin %s seq %llu: %s: %s",
				          from->name, k, (unsigned long long)o->seq, pk_errtag(e),
				          o->why.msg);
			else
				log_warnx("apply-refused", "from %s: changeset %llu: %s: %s",
				          from->name, (unsigned long long)(r->seen + i),
				          pk_errtag(e), o->why.msg);
		}
	}
}

/* Adds the origins of one transaction's changesets that decoded to acks (any order). */
static int acks_add(struct pk_heads *acks, const struct store_outcome *out, size_t n)
{
	struct pk_head *nh;
	size_t cap;

	if (acks->n + n > acks->cap) {
		cap = acks->n + n;
		if ((nh = realloc(acks->h, cap * sizeof(*nh))) == NULL)
			return PK_ENOMEM;
		acks->h = nh;
		acks->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		if (!out[i].decoded)
			continue;
		memcpy(acks->h[acks->n].origin, out[i].origin, PK_PUB_BYTES);
		acks->h[acks->n++].seq = 0;
	}
	return 0;
}

/*
 * Turns the origins gathered in acks into this node's heads for them, raised to what it holds
 * for later (SPEC section 8: held changesets count as acknowledged, so the sender moves on).
 * The origins are sorted once (n log n), not inserted one by one.
 */
static int acks_fill(struct store *s, struct pk_heads *acks)
{
	struct pk_heads held = {0};
	struct store_head h;
	size_t m;
	int err;

	if ((err = store_heads_add_held(s, &held)) != 0)
		goto out;
	pk_heads_sort(acks);
	m = acks->n;
	acks->n = 0;
	for (size_t i = 0; i < m; i++) {
		uint64_t hs;

		if (store_head_get(s, acks->h[i].origin, &h) != 0)
			continue;
		hs = pk_heads_find(&held, acks->h[i].origin);
		if (hs > h.seq)
			h.seq = hs;
		if (h.seq == 0)
			continue;
		acks->h[acks->n] = acks->h[i];
		acks->h[acks->n++].seq = h.seq;
	}
out:
	pk_heads_free(&held);
	return err;
}

/* Applies the changesets of cs, INGEST_BATCH per transaction. */
static int take_changesets(struct store *s, const struct ingest_from *from,
                           const struct pk_sync_list *cs, struct ingest_result *r)
{
	const struct store_sender sender = {sender_wants, from->sender, from->lineage_refuses,
	                                    from->lineage_why};
	size_t max = cs->n < INGEST_BATCH ? cs->n : INGEST_BATCH, n;
	struct store_blob *sb = calloc(max ? max : 1, sizeof(*sb));
	struct store_outcome *out = calloc(max ? max : 1, sizeof(*out));
	struct pk_sync_iter it;
	struct pk_blob b;
	int err = PK_ENOMEM;

	if (sb == NULL || out == NULL)
		goto out;
	err = 0;
	pk_sync_iter_init(&it, cs);
	do {
		for (n = 0; n < max && pk_sync_next_blob(&it, &b); n++) {
			sb[n].data = b.p;
			sb[n].len = b.len;
		}
		if (n == 0)
			break;
		err = store_apply_from(s, sb, n, from->sender != NULL ? &sender : NULL,
		                       from->threads, from->now_ms(), out);
		if (err != 0)
			goto out;
		report(from, r, out, n);
		if (from->batch != NULL)
			from->batch(out, n, r->seen, from->arg);
		r->seen += n;
		if (r->acks != NULL && (err = acks_add(r->acks, out, n)) != 0)
			goto out;
	} while (n == max);
out:
	free(sb);
	free(out);
	return err;
}

int ingest_batch(struct store *s, const struct ingest_from *from, const struct pk_sync_list *certs,
                 const struct pk_sync_list *cs, struct ingest_result *r)
{
	int err = 0;

	if (r->acks != NULL)
		r->acks->n = 0;
	if (certs != NULL && (err = take_certs(s, from, certs, r)) != 0) {
		r->certs_failed = true;
		goto out;
	}
	if (cs != NULL && (err = take_changesets(s, from, cs, r)) != 0)
		goto out;
	if (r->acks != NULL)
		err = acks_fill(s, r->acks);
out:
	if (err != 0)
		store_failed(s, from, err);
	return err;
}

int ingest_one(struct store *s, const struct ingest_from *from, const uint8_t *blob, size_t len,
               struct ingest_result *r)
{
	struct pk_sync_list one;
	struct pk_mpw w;
	uint8_t *buf = NULL;
	size_t blen;
	int err;

	/* A list of one element, as pk_sync_decode would give it: the bytes after the header. */
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 1);
	pk_mpw_put_bin(&w, blob, len);
	if ((err = pk_mpw_finish(&w, &buf, &blen)) != 0)
		return err;
	one = (struct pk_sync_list){.n = 1, .p = buf + 1, .len = blen - 1};
	err = take_changesets(s, from, &one, r);
	if (err == 0 && r->acks != NULL)
		err = acks_fill(s, r->acks);
	if (err != 0)
		store_failed(s, from, err);
	free(buf);
	return err;
}
