/*
 * trust.c: whom the store trusts, and for what: certificate chains to the root (loaded from the
 * certs table, checked as a whole and cached per origin in struct store), revocations (at once,
 * or pending until the revoked key's certificate arrives; SPEC section 9) and storing
 * certificates (SPEC section 7). The cache holds AUTH_SETS x AUTH_WAYS origins, a set per hash
 * of a key's first two bytes; any change that could leave a cached chain stale empties it.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/mpread.h"
#include "proto/region.h"

#define REVOKED_BYTES (8 + PK_PUB_BYTES + 8)
#define REVOCATION_COLL "pencabutan"

/* ---- certificates and authority ----------------------------------------------------------- */

static void cache_forget(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	s->cache_gen++;
	pthread_mutex_unlock(&s->lock);
}

static int cert_keep(struct db_txn *t, struct store *s, const struct pk_cert *c, struct pk_diag *d);

/* Loads origin's chain from the certs table, root-issued first. Views point into LMDB pages
 * and are valid while t is. Returns the chain length or an error. */
int st_chain_load(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                  struct pk_cert chain[PK_CHAIN_MAX], struct pk_diag *d)
{
	struct pk_cert tmp[PK_CHAIN_MAX];
	const uint8_t *cur = origin;
	struct db_val v;
	size_t n = 0;
	int err;

	while (n < PK_CHAIN_MAX) {
		err = db_get(t, s->certs, cur, PK_PUB_BYTES, &v);
		if (err == PK_ENOTFOUND)
			return pk_diagf(d, PK_ECERT, "no certificate for %s key",
			                /* TRANSLATORS: "no certificate for the origin's key" */
			                n == 0 ? PK_("the origin's") : PK_("an issuer's"));
		if (err != 0)
			return err;
		if (pk_cert_decode(v.data, v.len, &tmp[n], d) != 0)
			return pk_diagf(d, PK_ECORRUPT, "stored certificate does not decode");
		cur = tmp[n].info.issuer;
		n++;
		if (memcmp(cur, s->root, PK_PUB_BYTES) == 0) {
			for (size_t i = 0; i < n; i++)
				chain[i] = tmp[n - 1 - i];
			return (int)n;
		}
	}
	return pk_diagf(d, PK_ECERT, "certificate chain longer than %d", PK_CHAIN_MAX);
}

/* The keys from the root down to the subject of chain[n - 1]. Returns n + 1. */
int st_chain_path(const struct store *s, const struct pk_cert *chain, int n,
                  uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES])
{
	memcpy(path[0], s->root, PK_PUB_BYTES);
	for (int i = 0; i < n; i++)
		memcpy(path[i + 1], chain[i].info.subject, PK_PUB_BYTES);
	return n + 1;
}

/*
 * The verified authority of origin (not the root): its chain loaded from the certs table and
 * checked as a whole (each certificate issued by the one above, signatures, regions nested,
 * a time at which all are valid), from the cache when it is there. Returns 0, PK_ECERT (no
 * chain held), PK_EEXPIRED (never valid as a whole), another refusal or a store failure.
 */
static int auth_find(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                     struct auth *found, struct pk_diag *d)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	uint64_t nb = 0, na = UINT64_MAX, gen;
	unsigned set;
	int n, err;

	set = (unsigned)(origin[0] | origin[1] << 8) % AUTH_SETS;
	pthread_mutex_lock(&s->lock);
	gen = s->cache_gen + 1; /* entries are stamped one above the counter: 0 stays "empty" */
	for (int w = 0; w < AUTH_WAYS; w++) {
		const struct auth *a = &s->cache[set][w];
		if (a->gen == gen && memcmp(a->pub, origin, PK_PUB_BYTES) == 0) {
			*found = *a;
			pthread_mutex_unlock(&s->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if ((n = st_chain_load(t, s, origin, chain, d)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		nb = chain[i].info.not_before > nb ? chain[i].info.not_before : nb;
		na = chain[i].info.not_after < na ? chain[i].info.not_after : na;
	}
	if (nb > na)
		return pk_diagf(d, PK_EEXPIRED, "certificate chain is never valid as a whole");
	/* Section 8 step 9: a chain that fails (a region outside its issuer's, a signature) is no
	 * valid chain: `no-certificate`, as SPEC names it; only time has its own tag. */
	if ((err = pk_cert_chain_check(s->root, chain, (size_t)n, nb, d)) != 0)
		return err == PK_EEXPIRED || err == PK_ENOMEM ? err : PK_ECERT;
	memset(found, 0, sizeof(*found));
	memcpy(found->pub, origin, PK_PUB_BYTES);
	memcpy(found->region, chain[n - 1].info.region, sizeof(found->region));
	found->not_before = nb;
	found->not_after = na;
	found->npath = st_chain_path(s, chain, n, found->path);
	pthread_mutex_lock(&s->lock);
	/* Stamped with the generation read before the chain was loaded: a cache emptied meanwhile
	 * (a certificate changed) must not take a chain read before it. */
	found->gen = gen;
	if (gen == s->cache_gen + 1) {
		int victim = origin[2] % AUTH_WAYS;

		for (int w = AUTH_WAYS - 1; w >= 0; w--)
			if (s->cache[set][w].gen != gen)
				victim = w;
		s->cache[set][victim] = *found;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * The region origin may write, if its chain is valid at `at` (Unix seconds), and the keys from
 * the root down to origin in path (*npath of them).
 */
int st_authority(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t at,
                 char region[PK_REGION_MAX + 1], uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                 int *npath, struct pk_diag *d)
{
	struct auth found;
	int err;

	if (!s->have_root)
		return pk_diagf(d, PK_ESTATE, "store has no root key");
	if (memcmp(origin, s->root, PK_PUB_BYTES) == 0) {
		region[0] = '\0';
		memcpy(path[0], s->root, PK_PUB_BYTES);
		*npath = 1;
		return 0;
	}
	if ((err = auth_find(t, s, origin, &found, d)) != 0)
		return err;
	if (at < found.not_before || at > found.not_after)
		return pk_diagf(d, PK_EEXPIRED,
		                "certificate chain not valid at the changeset's time");
	memcpy(region, found.region, PK_REGION_MAX + 1);
	memcpy(path, found.path, sizeof(found.path));
	*npath = found.npath;
	return 0;
}

int st_origin_path(struct db_txn *t, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                   uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES])
{
	struct pk_cert chain[PK_CHAIN_MAX];
	struct auth found;
	int n;

	if (!s->have_root)
		return PK_ECERT;
	if (memcmp(origin, s->root, PK_PUB_BYTES) == 0) {
		memcpy(path[0], s->root, PK_PUB_BYTES);
		return 1;
	}
	/* A valid chain is cached by auth_find, which step 9 then finds again at no cost. */
	if (auth_find(t, s, origin, &found, NULL) == 0) {
		memcpy(path, found.path, sizeof(found.path));
		return found.npath;
	}
	if ((n = st_chain_load(t, s, origin, chain, NULL)) < 0)
		return n;
	return st_chain_path(s, chain, n, path);
}

/* The revocation of key, if any: its clock in *hlc. Returns 0, PK_ENOTFOUND or an error. */
static int revoked_get(struct db_txn *t, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       uint64_t *hlc)
{
	struct db_val v;
	int err;

	if (s->revoked == DB_NONE)
		return PK_ENOTFOUND;
	if ((err = db_get(t, s->revoked, key, PK_PUB_BYTES, &v)) != 0)
		return err;
	if (v.len != REVOKED_BYTES)
		return PK_ECORRUPT;
	*hlc = db_get_be64(v.data);
	return 0;
}

/*
 * Step 9's revocation check: PK_EREVOKED when a key on the origin's path was revoked from a
 * clock below hlc. Costs one lookup per key on the path, and nothing while no key is revoked.
 */
int st_path_revoked(struct db_txn *t, struct store *s, uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                    int npath, uint64_t hlc, struct pk_diag *d)
{
	uint64_t since, entries;
	char hex[17];
	int err;

	if (s->revoked == DB_NONE)
		return 0;
	if ((err = db_count(t, s->revoked, &entries)) != 0)
		return err;
	if (entries == 0)
		return 0;
	for (int i = 0; i < npath; i++) {
		err = revoked_get(t, s, path[i], &since);
		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0)
			return err;
		if (since < hlc) {
			pk_hex(hex, path[i], 8);
			return pk_diagf(d, PK_EREVOKED,
			                "the certificate of %s%s was revoked before the changeset "
			                "was written",
			                /* TRANSLATORS: "the certificate of the origin 1a2b..." */
			                i == npath - 1 ? PK_("the origin ") : PK_("its ancestor "),
			                hex);
		}
	}
	return 0;
}

int store_install_chain(struct store *s, const uint8_t root[PK_PUB_BYTES],
                        const uint8_t *const *certs, const size_t *lens, size_t n, uint64_t now,
                        struct pk_diag *d)
{
	static const uint8_t none[PK_PUB_BYTES];
	struct pk_cert chain[PK_CHAIN_MAX];
	struct store_node node;
	struct db_txn t;
	int err;

	if (n == 0 || n > PK_CHAIN_MAX)
		return pk_diagf(d, PK_ECERT, "a chain holds 1 to %d certificates", PK_CHAIN_MAX);
	for (size_t i = 0; i < n; i++)
		if ((err = pk_cert_decode(certs[i], lens[i], &chain[i], d)) != 0)
			return err;
	db_txn_begin(&t, s->db, 0);
	if ((err = st_node_read(&t, s, &node)) != 0)
		goto out;
	if (memcmp(node.root, none, PK_PUB_BYTES) != 0 &&
	    memcmp(node.root, root, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificates chain to another national root");
		goto out;
	}
	if ((err = pk_cert_chain_check(root, chain, n, now, d)) != 0)
		goto out;
	if (memcmp(chain[n - 1].info.subject, node.pub, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificate is for another node's key");
		goto out;
	}
	if (strcmp(chain[n - 1].info.region, node.region) != 0) {
		err = pk_diagf(d, PK_EREGION, "the certificate grants region '%s', not '%s'",
		               chain[n - 1].info.region, node.region);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = cert_keep(&t, s, &chain[i], d)) != 0)
			goto out;
	st_meta_put(&t, s, "root", root, PK_PUB_BYTES);
	st_meta_put(&t, s, "certified", "1", 1);
out:
	db_txn_fail(&t, err);
	if ((err = db_txn_commit(&t)) == 0) {
		memcpy(s->root, root, PK_PUB_BYTES);
		s->have_root = true;
	}
	cache_forget(s);
	return store_diag(s, err, d);
}

int store_chain_get(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                    int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	struct db_txn t;
	int err, n;

	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	n = st_chain_load(&t, s, origin, chain, NULL);
	for (int i = 0; i < n; i++)
		if (fn(chain[i].raw, chain[i].raw_len, arg) != 0)
			break;
	db_txn_end(&t);
	return n < 0 ? n : 0;
}

/* ---- revocations ------------------------------------------------------------------------- */

static bool is_revocation(const struct pk_op *op)
{
	return op->value != NULL && op->coll_len == strlen(REVOCATION_COLL) &&
	       memcmp(op->coll, REVOCATION_COLL, op->coll_len) == 0;
}

/* The key a revocation names (its `kunci` field), from a value the schema has accepted. */
static int revocation_key(const struct pk_op *op, uint8_t key[PK_PUB_BYTES])
{
	struct pk_mpr r;
	const char *name, *hex;
	uint32_t n, nlen, hlen;

	pk_mpr_init(&r, op->value, op->value_len);
	if (pk_mpr_map(&r, &n) != 0)
		return PK_EDECODE;
	for (uint32_t i = 0; i < n; i++) {
		if (pk_mpr_str(&r, &name, &nlen) != 0)
			return PK_EDECODE;
		if (nlen == 5 && memcmp(name, "kunci", 5) == 0) {
			if (pk_mpr_str(&r, &hex, &hlen) != 0)
				return PK_EDECODE;
			return pk_unhex(key, PK_PUB_BYTES, hex, hlen) == 0 ? 0 : PK_EDECODE;
		}
		if (pk_mpr_skip(&r, 2) != 0)
			return PK_EDECODE;
	}
	return PK_EDECODE;
}

/*
 * Step 12 (SPEC section 8): every revocation names a key other than the root's, and, when this
 * store holds that key's certificate, is filed under a region that covers the certificate's
 * (step 10 keeps that region the revoker's own). Returns 0, a
 * refusal (PK_EREGION, PK_EDECODE) with a sentence in d, or a store failure.
 */
int st_revocations_check(struct db_txn *t, struct store *s, const struct pk_changeset *cs,
                         struct pk_diag *d)
{
	uint8_t key[PK_PUB_BYTES];
	struct pk_cs_iter it;
	struct pk_cert c;
	struct pk_op op;
	struct db_val v;
	int err;

	pk_cs_iter_init(&it, cs);
	for (uint32_t i = 0; pk_cs_iter_next(&it, &op); i++) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return pk_diagf(d, PK_EDECODE, "operation %u: revocation names no key", i);
		if (memcmp(key, s->root, PK_PUB_BYTES) == 0)
			return pk_diagf(d, PK_EREGION, "operation %u revokes the root key", i);
		err = db_get(t, s->certs, key, PK_PUB_BYTES, &v);
		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0)
			return err;
		if (pk_cert_decode(v.data, v.len, &c, NULL) != 0)
			return PK_ECORRUPT;
		if (!pk_region_within(c.info.region, strlen(c.info.region), op.region,
		                      op.region_len))
			return pk_diagf(d, PK_EREGION,
			                "operation %u revokes a certificate of region '%s' from "
			                "region '%.*s', which does not cover it",
			                i, c.info.region, (int)op.region_len, op.region);
	}
	return 0;
}

/*
 * Records key as revoked from `by` (REVOKED_BYTES: the revoking changeset's hlc, origin and
 * seq), keeping the earliest clock when revoked twice.
 */
static int revoked_put(struct db_txn *t, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const uint8_t by[REVOKED_BYTES])
{
	uint64_t since;
	int err;

	err = revoked_get(t, s, key, &since);
	if (err == 0 && since <= db_get_be64(by))
		return 0;
	if (err != 0 && err != PK_ENOTFOUND)
		return err;
	return db_put(t, s->revoked, key, PK_PUB_BYTES, by, REVOKED_BYTES);
}

/* A revocation's entry: the revoking changeset's hlc, origin and seq. */
static void revoked_by(uint8_t by[REVOKED_BYTES], const struct pk_changeset *cs)
{
	db_put_be64(by, cs->hlc);
	memcpy(by + 8, cs->origin, PK_PUB_BYTES);
	db_put_be64(by + 8 + PK_PUB_BYTES, cs->seq);
}

/*
 * Keeps a revocation of a key whose certificate is not held yet in `revpending`, under
 * key ‖ the op's region, the earliest per (key, region). It takes effect when the certificate
 * arrives and its region lies within that region (revocations_settle); SPEC section 9.
 */
static int pending_put(struct db_txn *t, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const struct pk_op *op, const uint8_t by[REVOKED_BYTES])
{
	struct db_key k;
	struct db_val v;
	int err;

	if (s->revpending == DB_NONE || op->region_len > PK_REGION_MAX)
		return PK_ESTORE;
	db_key_init(&k);
	db_key_bytes(&k, key, PK_PUB_BYTES);
	db_key_bytes(&k, op->region, op->region_len);
	err = db_get(t, s->revpending, k.buf, k.len, &v);
	if (err == 0 && v.len == REVOKED_BYTES && db_get_be64(v.data) <= db_get_be64(by))
		return 0;
	if (err != 0 && err != PK_ENOTFOUND)
		return err;
	return db_put(t, s->revpending, k.buf, k.len, by, REVOKED_BYTES);
}

/*
 * The certificate c has just been stored for a subject this store held no certificate of:
 * the pending revocations of its key filed under a region covering its region take effect, the
 * others (filed by a node that does not cover it) are dropped. Costs one cursor step
 * per pending entry of the key, nothing when there is none.
 */
static int revocations_settle(struct db_txn *t, struct store *s, const struct pk_cert *c)
{
	struct db_cur cur;
	size_t rlen = strlen(c->info.region);
	int err = 0;

	if (s->revpending == DB_NONE)
		return 0;
	if ((err = db_cur_open(&cur, t, s->revpending)) != 0)
		return err;
	for (bool on = db_cur_prefix(&cur, c->info.subject, PK_PUB_BYTES); on;
	     on = db_cur_next(&cur)) {
		if (cur.v.len != REVOKED_BYTES) {
			err = PK_ECORRUPT;
			break;
		}
		if (pk_region_within(c->info.region, rlen, (const char *)cur.k.data + PK_PUB_BYTES,
		                     cur.k.len - PK_PUB_BYTES) &&
		    (err = revoked_put(t, s, c->info.subject, cur.v.data)) != 0)
			break;
		if ((err = db_cur_del(&cur)) != 0)
			break;
	}
	db_cur_close(&cur);
	return err != 0 ? err : t->err;
}

/*
 * Records the revocations of an accepted changeset (checked by st_revocations_check): at once
 * when the revoked key's certificate is held (its region was checked), else as pending.
 */
int st_revocations_record(struct db_txn *t, struct store *s, const struct pk_changeset *cs)
{
	uint8_t key[PK_PUB_BYTES], by[REVOKED_BYTES];
	struct db_val v;
	struct pk_cs_iter it;
	struct pk_op op;
	bool any = false;
	int err;

	revoked_by(by, cs);
	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return PK_ECORRUPT; /* st_revocations_check passed it */
		err = db_get(t, s->certs, key, PK_PUB_BYTES, &v);
		if (err == PK_ENOTFOUND)
			err = pending_put(t, s, key, &op, by);
		else if (err == 0)
			err = revoked_put(t, s, key, by);
		if (err != 0)
			return err;
		any = true;
	}
	/* The cache holds chains, not revocations, so this is not needed for correctness today;
	 * it keeps a revocation from ever being masked by a cached verdict. */
	if (any)
		cache_forget(s);
	return 0;
}

int store_revoked(struct store *s, const uint8_t key[PK_PUB_BYTES], uint64_t *since_hlc)
{
	struct db_txn t;
	uint64_t hlc = 0;
	int err;

	if ((err = db_txn_begin(&t, s->db, DB_RDONLY)) != 0)
		return err;
	err = revoked_get(&t, s, key, &hlc);
	db_txn_end(&t);
	if (err == 0 && since_hlc != NULL)
		*since_hlc = hlc;
	return err;
}

/* ---- storing certificates (SPEC section 7, "Storing certificates") ------------------- */

/*
 * Whether c chains to the root through the certificates held (its issuer is the root, or a key
 * whose held chain checks): issuer's signature, region within the issuer's, a time at which c
 * and its issuer's whole chain are valid, the chain no longer than PK_CHAIN_MAX. Returns 0,
 * PK_ENOTFOUND when the issuer's certificate is not held (it may come later in the same
 * message), a refusal (PK_ESIG, PK_ECERT, PK_EEXPIRED) with a sentence, or a store failure.
 */
static int cert_link(struct db_txn *t, struct store *s, const struct pk_cert *c, struct pk_diag *d)
{
	const struct pk_cert_info *in = &c->info;
	struct auth up;
	char hex[17];
	int err;

	if (!s->have_root)
		return pk_diagf(d, PK_ESTATE, "this node has no root key yet");
	if (memcmp(in->subject, s->root, PK_PUB_BYTES) == 0)
		return pk_diagf(d, PK_ECERT, "a certificate for the national (root) key");
	if (memcmp(in->issuer, s->root, PK_PUB_BYTES) == 0) {
		memset(&up, 0, sizeof(up));
		up.not_after = UINT64_MAX;
		up.npath = 1;
	} else {
		err = auth_find(t, s, in->issuer, &up, d);
		if (err == PK_ECERT) {
			pk_hex(hex, in->issuer, 8);
			pk_diagf(d, PK_ECERT,
			         "its issuer %s... has no certificate chain to the root here", hex);
			return PK_ENOTFOUND;
		}
		if (err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT)
			return err;
		if (err != 0) {
			/* The reason is in d->msg, which the sentence is written over: a copy. */
			char why[sizeof(d->msg)] = "";

			if (d != NULL)
				memcpy(why, d->msg, sizeof(why));
			return pk_diagf(d, PK_ECERT, "its issuer's chain does not hold: %s", why);
		}
	}
	if (up.npath >= PK_CHAIN_MAX + 1)
		return pk_diagf(d, PK_ECERT, "the chain would be longer than %d certificates",
		                PK_CHAIN_MAX);
	if (!pk_cert_sig_ok(c))
		return pk_diagf(d, PK_ESIG, "the issuer's signature does not verify");
	if (!pk_region_within(in->region, strlen(in->region), up.region, strlen(up.region)))
		return pk_diagf(d, PK_ECERT, "region '%s' lies outside its issuer's region '%s'",
		                in->region, up.region[0] ? up.region : PK_("(national)"));
	if ((in->not_before > up.not_before ? in->not_before : up.not_before) >
	    (in->not_after < up.not_after ? in->not_after : up.not_after))
		return pk_diagf(d, PK_EEXPIRED,
		                "never valid at the same time as its issuer's chain");
	return 0;
}

/*
 * Keeps c unless a different certificate is held for its subject that c does not supersede:
 * same issuer, same region, a higher serial and a validity window containing the held one's,
 * so that nothing the held certificate authorised stops being authorised. Identical bytes:
 * nothing to do. A first certificate for the subject settles its pending revocations.
 */
static int cert_keep(struct db_txn *t, struct store *s, const struct pk_cert *c, struct pk_diag *d)
{
	const struct pk_cert_info *in = &c->info;
	struct db_val v;
	struct pk_cert held;
	char hex[17];
	int err;

	err = db_get(t, s->certs, in->subject, PK_PUB_BYTES, &v);
	if (err == PK_ENOTFOUND) {
		if ((err = db_put(t, s->certs, in->subject, PK_PUB_BYTES, c->raw, c->raw_len)) != 0)
			return err;
		return revocations_settle(t, s, c);
	}
	if (err != 0)
		return err;
	if (v.len == c->raw_len && memcmp(v.data, c->raw, c->raw_len) == 0)
		return 0;
	if (pk_cert_decode(v.data, v.len, &held, NULL) != 0)
		return PK_ECORRUPT;
	if (memcmp(held.info.issuer, in->issuer, PK_PUB_BYTES) != 0 ||
	    strcmp(held.info.region, in->region) != 0 || in->serial <= held.info.serial ||
	    in->not_before > held.info.not_before || in->not_after < held.info.not_after) {
		pk_hex(hex, in->subject, 8);
		return pk_diagf(d, PK_ECONFLICT,
		                "a different certificate is held for key %s... ('%s', region '%s', "
		                "serial %llu); only a renewal by the same issuer for the same "
		                "region with a higher serial and a validity covering the held "
		                "one replaces it",
		                hex, held.info.name, held.info.region,
		                (unsigned long long)held.info.serial);
	}
	if ((err = db_put(t, s->certs, in->subject, PK_PUB_BYTES, c->raw, c->raw_len)) != 0)
		return err;
	cache_forget(s);
	return 0;
}

int store_certs_put(struct store *s, const struct store_blob *certs, size_t n, int *errs,
                    struct pk_diag *whys, size_t *stored)
{
	struct pk_cert *c = NULL;
	struct pk_diag scratch;
	struct db_txn t;
	size_t left = 0, kept = 0;
	bool progress = true;
	int err = 0;

	if (stored != NULL)
		*stored = 0;
	if (n == 0)
		return 0;
	if ((c = calloc(n, sizeof(*c))) == NULL)
		return PK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct pk_diag *d = whys != NULL ? &whys[i] : &scratch;

		errs[i] = pk_cert_decode(certs[i].data, certs[i].len, &c[i], d);
		if (errs[i] == 0) {
			errs[i] = PK_ENOTFOUND; /* to be tried */
			left++;
		}
	}
	db_txn_begin(&t, s->db, 0);
	/*
	 * A certificate whose issuer is certified by another certificate of the same message
	 * waits for it: each pass stores those whose issuer is held by now. A chain is at most
	 * PK_CHAIN_MAX long, so at most that many passes store anything: O(n) in all.
	 */
	for (int pass = 0; left > 0 && progress && pass < PK_CHAIN_MAX; pass++) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			struct pk_diag *d = whys != NULL ? &whys[i] : &scratch;

			if (errs[i] != PK_ENOTFOUND)
				continue;
			err = cert_link(&t, s, &c[i], d);
			if (err == 0)
				err = cert_keep(&t, s, &c[i], d);
			if (err == PK_ENOTFOUND)
				continue;
			if (err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT ||
			    err == PK_EIO || t.err != 0)
				goto out;
			errs[i] = err;
			left--;
			if (err == 0) {
				kept++;
				progress = true;
			}
		}
	}
	/* What is left has no chain to the root: its issuer's certificate is not held here and
	 * the message did not carry one that chains. */
	for (size_t i = 0; i < n; i++)
		if (errs[i] == PK_ENOTFOUND)
			errs[i] = PK_ECERT; /* the sentence was filled by cert_link */
	err = 0;
out:
	db_txn_fail(&t, err);
	if ((err = db_txn_commit(&t)) == 0 && stored != NULL)
		*stored = kept;
	if (err != 0)
		cache_forget(s); /* it may hold chains of this aborted transaction */
	free(c);
	return err;
}

int store_cert_get(struct store *s, const uint8_t subject[PK_PUB_BYTES], uint8_t *buf, size_t *len)
{
	struct db_txn t;
	struct db_val v;
	int err;

	db_txn_begin(&t, s->db, DB_RDONLY);
	err = db_get(&t, s->certs, subject, PK_PUB_BYTES, &v);
	if (err == 0 && v.len > PK_CERT_MAX_BYTES)
		err = PK_ECORRUPT;
	if (err == 0) {
		memcpy(buf, v.data, v.len);
		*len = v.len;
	}
	db_txn_end(&t);
	return err;
}

int store_cert_put(struct store *s, const uint8_t *cert, size_t len, struct pk_diag *d)
{
	struct store_blob b = {cert, len};
	struct pk_diag why = {""};
	int one, err;

	if ((err = store_certs_put(s, &b, 1, &one, &why, NULL)) != 0)
		return err == PK_ENOSPC ? store_diag(s, err, d)
		                        : pk_diagf(d, err, "%s", pk_strerror(err));
	if (one != 0 && d != NULL)
		*d = why;
	return one;
}
