/*
 * trust.c: whom the store trusts, and for what: certificate chains to the root (loaded from the
 * certs table, checked as a whole and cached per origin in struct store), revocations (at once,
 * or pending until the revoked key's certificate arrives; SPEC section 9) and storing
 * certificates (SPEC section 7). The cache holds AUTH_CACHE origins, one slot per hash of a key's
 * first two bytes; any change that could leave a cached chain stale empties it.
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
	memset(s->cache, 0, sizeof(s->cache));
	pthread_mutex_unlock(&s->lock);
}

static int cert_keep(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d);

/* Loads origin's chain from the certs table, root-issued first. Views point into LMDB pages
 * and are valid while txn is. Returns the chain length or an error. */
int st_chain_load(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                  struct pk_cert chain[PK_CHAIN_MAX], struct pk_diag *d)
{
	struct pk_cert tmp[PK_CHAIN_MAX];
	const uint8_t *cur = origin;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	while (n < PK_CHAIN_MAX) {
		k.mv_size = PK_PUB_BYTES;
		k.mv_data = (void *)cur;
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			return pk_diagf(d, PK_ECERT, "no certificate for %s key",
			                n == 0 ? "the origin's" : "an issuer's");
		if (rc != 0)
			return lmdb_err(rc);
		if (pk_cert_decode(v.mv_data, v.mv_size, &tmp[n], d) != 0)
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
static int auth_find(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES],
                     struct auth *found, struct pk_diag *d)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	struct auth *slot;
	uint64_t nb = 0, na = UINT64_MAX;
	unsigned h;
	int n, err;

	h = (unsigned)(origin[0] | origin[1] << 8) % AUTH_CACHE;
	slot = &s->cache[h];
	pthread_mutex_lock(&s->lock);
	*found = *slot;
	pthread_mutex_unlock(&s->lock);
	if (found->used && memcmp(found->pub, origin, PK_PUB_BYTES) == 0)
		return 0;
	if ((n = st_chain_load(txn, s, origin, chain, d)) < 0)
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
	found->used = true;
	pthread_mutex_lock(&s->lock);
	*slot = *found;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/*
 * The region origin may write, if its chain is valid at `at` (Unix seconds), and the keys from
 * the root down to origin in path (*npath of them).
 */
int st_authority(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t at,
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
	if ((err = auth_find(txn, s, origin, &found, d)) != 0)
		return err;
	if (at < found.not_before || at > found.not_after)
		return pk_diagf(d, PK_EEXPIRED,
		                "certificate chain not valid at the changeset's time");
	memcpy(region, found.region, PK_REGION_MAX + 1);
	memcpy(path, found.path, sizeof(found.path));
	*npath = found.npath;
	return 0;
}

int st_origin_path(MDB_txn *txn, struct store *s, const uint8_t origin[PK_PUB_BYTES],
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
	if (auth_find(txn, s, origin, &found, NULL) == 0) {
		memcpy(path, found.path, sizeof(found.path));
		return found.npath;
	}
	if ((n = st_chain_load(txn, s, origin, chain, NULL)) < 0)
		return n;
	return st_chain_path(s, chain, n, path);
}

/* The revocation of key, if any: its clock in *hlc. Returns 0, PK_ENOTFOUND or an error. */
static int revoked_get(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       uint64_t *hlc)
{
	MDB_val k = {PK_PUB_BYTES, (void *)key}, v;
	int rc;

	if (s->revoked == NO_DBI)
		return PK_ENOTFOUND;
	if ((rc = mdb_get(txn, s->revoked, &k, &v)) != 0)
		return lmdb_err(rc);
	if (v.mv_size != REVOKED_BYTES)
		return PK_ECORRUPT;
	*hlc = get_be64(v.mv_data);
	return 0;
}

/*
 * Step 9's revocation check: PK_EREVOKED when a key on the origin's path was revoked from a
 * clock below hlc. Costs one lookup per key on the path, and nothing while no key is revoked.
 */
int st_path_revoked(MDB_txn *txn, struct store *s, uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES],
                    int npath, uint64_t hlc, struct pk_diag *d)
{
	MDB_stat st;
	uint64_t since;
	char hex[17];
	int rc, err;

	if (s->revoked == NO_DBI)
		return 0;
	if ((rc = mdb_stat(txn, s->revoked, &st)) != 0)
		return lmdb_err(rc);
	if (st.ms_entries == 0)
		return 0;
	for (int i = 0; i < npath; i++) {
		err = revoked_get(txn, s, path[i], &since);
		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0)
			return err;
		if (since < hlc) {
			pk_hex(hex, path[i], 8);
			return pk_diagf(d, PK_EREVOKED,
			                "the certificate of %s%s was revoked before the changeset "
			                "was written",
			                i == npath - 1 ? "the origin " : "its ancestor ", hex);
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
	MDB_txn *txn;
	int rc, err;

	if (n == 0 || n > PK_CHAIN_MAX)
		return pk_diagf(d, PK_ECERT, "a chain holds 1 to %d certificates", PK_CHAIN_MAX);
	for (size_t i = 0; i < n; i++)
		if ((err = pk_cert_decode(certs[i], lens[i], &chain[i], d)) != 0)
			return err;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return lmdb_err(rc);
	if ((err = st_node_read(txn, s, &node)) != 0)
		goto fail;
	if (memcmp(node.root, none, PK_PUB_BYTES) != 0 &&
	    memcmp(node.root, root, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificates chain to another national root");
		goto fail;
	}
	if ((err = pk_cert_chain_check(root, chain, n, now, d)) != 0)
		goto fail;
	if (memcmp(chain[n - 1].info.subject, node.pub, PK_PUB_BYTES) != 0) {
		err = pk_diagf(d, PK_ECERT, "the certificate is for another node's key");
		goto fail;
	}
	if (strcmp(chain[n - 1].info.region, node.region) != 0) {
		err = pk_diagf(d, PK_EREGION, "the certificate grants region '%s', not '%s'",
		               chain[n - 1].info.region, node.region);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = cert_keep(txn, s, &chain[i], d)) != 0)
			goto fail;
	if ((err = st_meta_put(txn, s, "root", root, PK_PUB_BYTES)) != 0 ||
	    (err = st_meta_put(txn, s, "certified", "1", 1)) != 0)
		goto fail;
	if ((rc = st_txn_commit(s, txn)) != 0) {
		cache_forget(s);
		return store_diag(s, lmdb_err(rc), d);
	}
	memcpy(s->root, root, PK_PUB_BYTES);
	s->have_root = true;
	cache_forget(s);
	return 0;
fail:
	mdb_txn_abort(txn);
	cache_forget(s);
	return store_diag(s, err, d);
}

int store_chain_get(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                    int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg)
{
	struct pk_cert chain[PK_CHAIN_MAX];
	MDB_txn *txn;
	int rc, n;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	n = st_chain_load(txn, s, origin, chain, NULL);
	for (int i = 0; i < n; i++)
		if (fn(chain[i].raw, chain[i].raw_len, arg) != 0)
			break;
	mdb_txn_abort(txn);
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
 * store holds that key's certificate, is filed under the certificate's region. Returns 0, a
 * refusal (PK_EREGION, PK_EDECODE) with a sentence in d, or a store failure.
 */
int st_revocations_check(MDB_txn *txn, struct store *s, const struct pk_changeset *cs,
                         struct pk_diag *d)
{
	uint8_t key[PK_PUB_BYTES];
	struct pk_cs_iter it;
	struct pk_cert c;
	struct pk_op op;
	MDB_val k = {PK_PUB_BYTES, key}, v;
	int rc;

	pk_cs_iter_init(&it, cs);
	for (uint32_t i = 0; pk_cs_iter_next(&it, &op); i++) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return pk_diagf(d, PK_EDECODE, "operation %u: revocation names no key", i);
		if (memcmp(key, s->root, PK_PUB_BYTES) == 0)
			return pk_diagf(d, PK_EREGION, "operation %u revokes the root key", i);
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return lmdb_err(rc);
		if (pk_cert_decode(v.mv_data, v.mv_size, &c, NULL) != 0)
			return PK_ECORRUPT;
		if (strlen(c.info.region) != op.region_len ||
		    memcmp(c.info.region, op.region, op.region_len) != 0)
			return pk_diagf(
			    d, PK_EREGION,
			    "operation %u revokes a certificate of region '%s' in region "
			    "'%.*s'",
			    i, c.info.region, (int)op.region_len, op.region);
	}
	return 0;
}

/*
 * Records key as revoked from `by` (REVOKED_BYTES: the revoking changeset's hlc, origin and
 * seq), keeping the earliest clock when revoked twice.
 */
static int revoked_put(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const uint8_t by[REVOKED_BYTES])
{
	MDB_val k = {PK_PUB_BYTES, (void *)key}, v = {REVOKED_BYTES, (void *)by};
	uint64_t since;
	int err;

	err = revoked_get(txn, s, key, &since);
	if (err == 0 && since <= get_be64(by))
		return 0;
	if (err != 0 && err != PK_ENOTFOUND)
		return err;
	return lmdb_err(mdb_put(txn, s->revoked, &k, &v, 0));
}

/* A revocation's entry: the revoking changeset's hlc, origin and seq. */
static void revoked_by(uint8_t by[REVOKED_BYTES], const struct pk_changeset *cs)
{
	put_be64(by, cs->hlc);
	memcpy(by + 8, cs->origin, PK_PUB_BYTES);
	put_be64(by + 8 + PK_PUB_BYTES, cs->seq);
}

/*
 * Keeps a revocation of a key whose certificate is not held yet in `revpending`, under
 * key ‖ the op's region, the earliest per (key, region). It takes effect when the certificate
 * arrives and its region is that region (revocations_settle); SPEC section 9.
 */
static int pending_put(MDB_txn *txn, struct store *s, const uint8_t key[PK_PUB_BYTES],
                       const struct pk_op *op, const uint8_t by[REVOKED_BYTES])
{
	uint8_t kb[PK_PUB_BYTES + PK_REGION_MAX];
	MDB_val k = {PK_PUB_BYTES + op->region_len, kb}, v, nv = {REVOKED_BYTES, (void *)by};
	int rc;

	if (s->revpending == NO_DBI || op->region_len > PK_REGION_MAX)
		return PK_ESTORE;
	memcpy(kb, key, PK_PUB_BYTES);
	memcpy(kb + PK_PUB_BYTES, op->region, op->region_len);
	rc = mdb_get(txn, s->revpending, &k, &v);
	if (rc == 0 && v.mv_size == REVOKED_BYTES && get_be64(v.mv_data) <= get_be64(by))
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return lmdb_err(rc);
	return lmdb_err(mdb_put(txn, s->revpending, &k, &nv, 0));
}

/*
 * The certificate c has just been stored for a subject this store held no certificate of:
 * the pending revocations of its key filed under its region take effect, the others (filed
 * under another region: by a node that does not cover it) are dropped. Costs one cursor step
 * per pending entry of the key, nothing when there is none.
 */
static int revocations_settle(MDB_txn *txn, struct store *s, const struct pk_cert *c)
{
	MDB_cursor *cur;
	MDB_val k = {PK_PUB_BYTES, (void *)c->info.subject}, v;
	size_t rlen = strlen(c->info.region);
	int rc, err = 0;

	if (s->revpending == NO_DBI)
		return 0;
	if ((rc = mdb_cursor_open(txn, s->revpending, &cur)) != 0)
		return lmdb_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < PK_PUB_BYTES ||
		    memcmp(k.mv_data, c->info.subject, PK_PUB_BYTES) != 0)
			break;
		if (v.mv_size != REVOKED_BYTES) {
			err = PK_ECORRUPT;
			break;
		}
		if (k.mv_size - PK_PUB_BYTES == rlen &&
		    memcmp((const uint8_t *)k.mv_data + PK_PUB_BYTES, c->info.region, rlen) == 0 &&
		    (err = revoked_put(txn, s, c->info.subject, v.mv_data)) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (err != 0)
		return err;
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : lmdb_err(rc);
}

/*
 * Records the revocations of an accepted changeset (checked by st_revocations_check): at once
 * when the revoked key's certificate is held (its region was checked), else as pending.
 */
int st_revocations_record(MDB_txn *txn, struct store *s, const struct pk_changeset *cs)
{
	uint8_t key[PK_PUB_BYTES], by[REVOKED_BYTES];
	MDB_val k = {PK_PUB_BYTES, key}, v;
	struct pk_cs_iter it;
	struct pk_op op;
	bool any = false;
	int rc, err;

	revoked_by(by, cs);
	pk_cs_iter_init(&it, cs);
	while (pk_cs_iter_next(&it, &op)) {
		if (!is_revocation(&op))
			continue;
		if (revocation_key(&op, key) != 0)
			return PK_ECORRUPT; /* st_revocations_check passed it */
		rc = mdb_get(txn, s->certs, &k, &v);
		if (rc == MDB_NOTFOUND)
			err = pending_put(txn, s, key, &op, by);
		else if (rc == 0)
			err = revoked_put(txn, s, key, by);
		else
			err = lmdb_err(rc);
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
	MDB_txn *txn;
	uint64_t hlc = 0;
	int rc, err;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	err = revoked_get(txn, s, key, &hlc);
	mdb_txn_abort(txn);
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
static int cert_link(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d)
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
		err = auth_find(txn, s, in->issuer, &up, d);
		if (err == PK_ECERT) {
			pk_hex(hex, in->issuer, 8);
			pk_diagf(d, PK_ECERT,
			         "its issuer %s... has no certificate chain to the root here", hex);
			return PK_ENOTFOUND;
		}
		if (err != 0)
			return err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT
			           ? err
			           : pk_diagf(d, PK_ECERT, "its issuer's chain does not hold: %s",
			                      d != NULL ? d->msg : "");
	}
	if (up.npath >= PK_CHAIN_MAX + 1)
		return pk_diagf(d, PK_ECERT, "the chain would be longer than %d certificates",
		                PK_CHAIN_MAX);
	if (!pk_cert_sig_ok(c))
		return pk_diagf(d, PK_ESIG, "the issuer's signature does not verify");
	if (!pk_region_within(in->region, strlen(in->region), up.region, strlen(up.region)))
		return pk_diagf(d, PK_ECERT, "region '%s' lies outside its issuer's region '%s'",
		                in->region, up.region[0] ? up.region : "(national)");
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
static int cert_keep(MDB_txn *txn, struct store *s, const struct pk_cert *c, struct pk_diag *d)
{
	const struct pk_cert_info *in = &c->info;
	MDB_val k = {PK_PUB_BYTES, (void *)in->subject}, v, nv = {c->raw_len, (void *)c->raw};
	struct pk_cert held;
	char hex[17];
	int rc;

	rc = mdb_get(txn, s->certs, &k, &v);
	if (rc == MDB_NOTFOUND) {
		if ((rc = mdb_put(txn, s->certs, &k, &nv, 0)) != 0)
			return lmdb_err(rc);
		return revocations_settle(txn, s, c);
	}
	if (rc != 0)
		return lmdb_err(rc);
	if (v.mv_size == c->raw_len && memcmp(v.mv_data, c->raw, c->raw_len) == 0)
		return 0;
	if (pk_cert_decode(v.mv_data, v.mv_size, &held, NULL) != 0)
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
	if ((rc = mdb_put(txn, s->certs, &k, &nv, 0)) != 0)
		return lmdb_err(rc);
	cache_forget(s);
	return 0;
}

int store_certs_put(struct store *s, const struct store_blob *certs, size_t n, int *errs,
                    struct pk_diag *whys, size_t *stored)
{
	struct pk_cert *c = NULL;
	struct pk_diag scratch;
	MDB_txn *txn = NULL;
	size_t left = 0, kept = 0;
	bool progress = true;
	int rc, err = 0;

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
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		err = lmdb_err(rc);
		goto out;
	}
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
			err = cert_link(txn, s, &c[i], d);
			if (err == 0)
				err = cert_keep(txn, s, &c[i], d);
			if (err == PK_ENOTFOUND)
				continue;
			if (err == PK_ESTORE || err == PK_ENOMEM || err == PK_ECORRUPT ||
			    err == PK_EIO)
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
	rc = st_txn_commit(s, txn);
	txn = NULL;
	if (rc != 0)
		err = lmdb_err(rc);
	else if (stored != NULL)
		*stored = kept;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (err != 0)
		cache_forget(s); /* it may hold chains of this aborted transaction */
	free(c);
	return err;
}

int store_cert_get(struct store *s, const uint8_t subject[PK_PUB_BYTES], uint8_t *buf, size_t *len)
{
	MDB_val k = {PK_PUB_BYTES, (void *)subject}, v;
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return lmdb_err(rc);
	rc = mdb_get(txn, s->certs, &k, &v);
	if (rc == 0 && v.mv_size > PK_CERT_MAX_BYTES)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		memcpy(buf, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_txn_abort(txn);
	return lmdb_err(rc);
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
