/*
 * rogue.c: a hostile test peer. It speaks the real protocol (proto/SPEC.md Part II) to a running
 * pokjad parent as one of its children, whose key and store are in --dir (a node made with
 * `pokjactl init --join`), and sends it traffic a parent must refuse. Only for tests.
 *
 *   rogue --dir CHILDDIR --url tcp://HOST:PORT [--signer DIR] [--timeout MS] COMMAND
 *
 * Commands:
 *   heads ordered|unordered N   one heads request of N heads of random origins, in ascending
 *                               or descending order (prints the reply and "took MS")
 *   push KIND [N] [KIND [N]] ...   one push with N (default 1) changesets of each KIND, in order:
 *       ok       a valid next changeset, written to CHILDDIR's store first (a real local write)
 *       badsig   the next changeset with one signature byte flipped
 *       nocert   signed by a fresh key that has no certificate
 *       expired  signed by a fresh key whose certificate (issued by the child, sent along in the
 *                push) expired before the changeset was written
 *       region   a record outside the child's region
 *       owner    a record inside the child's region that a node below it owns (SPEC section
 *                5): for a province child, one of its kabupaten/kota's (PP.01)
 *       schema   a record with an unknown field
 *       future   stamped 2 hours ahead of now (held by the parent until its time: SPEC 8)
 *       farfuture stamped 30 days ahead of now (beyond the hold bound: refused as clock)
 *       fork     a different changeset with the child's last sequence number, correctly signed
 *       displace (with --victim HEX) no changeset, two certificates naming the victim's key:
 *                one issued by the child (chains, but another is held for that key), one
 *                issued by a fresh key (no chain to the root)
 *       lineage  a changeset from outside the child's subtree: with --signer DIR, a fresh next
 *                changeset signed by DIR's key (a sibling's is refused as lineage; the
 *                parent's own is its log coming back, accepted: SPEC section 16); else a
 *                changeset of another origin pulled from the parent, sent back up
 *     Prints "sent I HASH" per changeset, then the reply: "refused I REASON" per refusal and
 *     "head ORIGIN SEQ" per acknowledged head (or "error CODE TEXT" when the parent answers with
 *     an error). Crafted changesets build on the child's current head and are not stored.
 *   hello      a handshake as the child: prints "welcome" or "error CODE TEXT"
 *   stranger   a hello from a fresh key the parent never certified
 *   replay     the same sealed request sent twice: prints one answer per line
 *   garbage    200 random bytes as a message before any session, then random bytes as a
 *              sealed request's plaintext
 *   resume     a session on one connection (a heads request, answered), then six new connections,
 *              each opening with a sealed message (SPEC section 14, "Resumed connections"), 1.1 s
 *              apart (the parent logs one line a second per tag): "unknown" of a session the
 *              parent never made, "forged" of the real session with one byte of its box flipped,
 *              "replay" the first request again, "unknown-big" one of about 20,000 bytes of a
 *              session never made, then "next" a real next request (a heads) and "next-big" a
 *              real one of about 20,000 bytes (a heads of 500 origins). Prints "NAME: " and the
 *              answer ("reply heads", "error CODE TEXT" or "dropped (WHY)") for each
 *   oversize   1,000 random bytes before any session (more than a hello may be: SPEC section
 *              14), then, in a session, a message body of exactly the 4 MiB limit (random
 *              bytes), then one a byte above it: prints each answer, or "dropped (WHY)" when
 *              none came (a timeout, or the parent closed the connection)
 *
 * Exit status: 0 when every request got an answer (an error answer included; for oversize a
 * drop too), 1 on a transport or local failure, 2 on a usage error.
 */
#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/hlc.h"
#include "proto/session.h"
#include "proto/syncmsg.h"

#define MAX_ITEMS 64

struct rogue {
	const char *dir, *url, *signer, *victim;
	int timeout_ms;
	struct store *s;
	struct store_node node;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	uint8_t parent[PK_PUB_BYTES];
	nng_socket sock;
	bool open;
	struct pk_session ps;
	/* the push being built */
	struct pk_blob cs[MAX_ITEMS];
	size_t ncs;
	struct pk_blob certs[PK_SYNC_PUSH_MAX_CERTS];
	size_t ncerts;
};

static void usage(void) __attribute__((noreturn));

static void usage(void)
{
	fprintf(stderr,
	        "usage: rogue --dir CHILDDIR --url tcp://HOST:PORT [--signer DIR] [--victim HEX]\n"
	        "             [--timeout MS]\n"
	        "             push KIND [N] [KIND [N]]... | heads ordered|unordered N | hello |\n"
	        "             stranger | replay | garbage | resume |\n"
	        "             oversize\n"
	        "KIND: ok badsig nocert expired region owner schema future farfuture fork lineage "
	        "displace\n");
	exit(2);
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rogue: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 1;
}

/* ---- transport ----------------------------------------------------------------------------- */

static int dial(struct rogue *r)
{
	int rv;

	if ((rv = nng_req0_open(&r->sock)) != 0)
		return die("cannot open a socket: %s", nng_strerror(rv));
	r->open = true;
	nng_socket_set_ms(r->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(r->sock, NNG_OPT_RECVMAXSZ, PK_MSG_MAX);
	nng_socket_set_ms(r->sock, NNG_OPT_SENDTIMEO, r->timeout_ms);
	nng_socket_set_ms(r->sock, NNG_OPT_RECVTIMEO, r->timeout_ms);
	if ((rv = nng_dial(r->sock, r->url, NULL, 0)) != 0)
		return die("cannot dial: %s", nng_strerror(rv));
	return 0;
}

/* One request and its reply. Returns 0, or an nng error (NNG_ETIMEDOUT when no answer came). */
static int roundtrip(struct rogue *r, const uint8_t *req, size_t len, nng_msg **reply)
{
	nng_msg *m;
	int rv;

	*reply = NULL;
	if ((rv = nng_msg_alloc(&m, 0)) != 0 || (rv = nng_msg_append(m, req, len)) != 0)
		return rv;
	if ((rv = nng_sendmsg(r->sock, m, 0)) != 0) {
		nng_msg_free(m);
		return rv;
	}
	return nng_recvmsg(r->sock, reply, 0);
}

/* Prints "error CODE TEXT" when the reply is an error message. */
static bool print_error(nng_msg *reply)
{
	struct pk_errmsg em;

	if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) != 0)
		return false;
	printf("error %s %s\n", em.code, em.text);
	return true;
}

/*
 * Hello and welcome with the key sec. Returns 0 with the session in r->ps, 3 when the parent
 * answered with an error (printed), or 1.
 */
static int handshake(struct rogue *r, const uint8_t sec[PK_SEC_BYTES])
{
	struct pk_handshake hs;
	struct pk_diag d = {""};
	uint8_t *hello = NULL;
	nng_msg *reply;
	size_t len;
	int rv, err;

	if (pk_hello_make(&hs, sec, r->parent, node_now_ms() / 1000, NULL, &hello, &len) != 0)
		return die("%s", "cannot make a hello");
	rv = roundtrip(r, hello, len, &reply);
	free(hello);
	if (rv != 0) {
		pk_handshake_wipe(&hs);
		return die("the parent does not answer the hello: %s", nng_strerror(rv));
	}
	if (print_error(reply)) {
		nng_msg_free(reply);
		pk_handshake_wipe(&hs);
		return 3;
	}
	err = pk_welcome_read(&hs, nng_msg_body(reply), nng_msg_len(reply), &r->ps, NULL, &d);
	nng_msg_free(reply);
	pk_handshake_wipe(&hs);
	if (err != 0)
		return die("the welcome does not read: %s", d.msg);
	return 0;
}

/*
 * A sealed request already sealed as `sealed`, sent, its reply opened with `counter`. Returns 0
 * with the decoded reply in *m (views into *plain, which the caller frees), 3 after an error
 * answer (printed), or 1.
 */
static int send_sealed(struct rogue *r, const uint8_t *sealed, size_t slen, uint64_t counter,
                       uint8_t **plain, struct pk_sync_msg *m)
{
	struct pk_diag d = {""};
	nng_msg *reply;
	size_t plen;
	int rv, err;

	*plain = NULL;
	if ((rv = roundtrip(r, sealed, slen, &reply)) != 0)
		return die("the parent does not answer: %s", nng_strerror(rv));
	if (print_error(reply)) {
		nng_msg_free(reply);
		return 3;
	}
	err = pk_open_reply(&r->ps, counter, nng_msg_body(reply), nng_msg_len(reply), plain, &plen);
	nng_msg_free(reply);
	if (err != 0)
		return die("the reply does not open: %s", pk_strerror(err));
	if (pk_sync_decode(*plain, plen, PK_SYNC_REPLY, m, &d) != 0) {
		free(*plain);
		*plain = NULL;
		return die("the reply does not decode: %s", d.msg);
	}
	return 0;
}

/* Seals plain as the next request and sends it. Same returns as send_sealed. */
static int call(struct rogue *r, const uint8_t *req, size_t len, uint8_t **plain,
                struct pk_sync_msg *m)
{
	uint8_t *sealed = NULL;
	size_t slen;
	int err;

	if ((err = pk_seal_request(&r->ps, req, len, &sealed, &slen)) != 0)
		return die("cannot seal: %s", pk_strerror(err));
	err = send_sealed(r, sealed, slen, r->ps.sent, plain, m);
	free(sealed);
	return err;
}

/* ---- crafting changesets -------------------------------------------------------------------- */

/* A kegiatan value {nama, tahun} (and an unknown field when bad). */
static int value_make(const char *nama, bool bad, uint8_t **out, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, bad ? 3 : 2);
	msgpack_pack_str_with_body(&pk, "nama", 4);
	msgpack_pack_str_with_body(&pk, nama, strlen(nama));
	msgpack_pack_str_with_body(&pk, "tahun", 5);
	msgpack_pack_uint32(&pk, 2026);
	if (bad) {
		msgpack_pack_str_with_body(&pk, "zz_unknown", 10);
		msgpack_pack_uint32(&pk, 1);
	}
	*out = (uint8_t *)sb.data;
	*len = sb.size;
	return sb.data != NULL ? 0 : PK_ENOMEM;
}

/* Encodes one op on (kegiatan, region, a random key) signed by pub/sec. */
static int craft(const struct pk_cs_head *h, const char *region, const char *nama, bool bad,
                 const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                 size_t *outlen)
{
	uint8_t rnd[8], *value = NULL;
	char key[32];
	size_t vlen;
	struct pk_op op;
	int err;

	pk_random(rnd, sizeof(rnd));
	memcpy(key, "rogue-", 6);
	pk_hex(key + 6, rnd, sizeof(rnd));
	if ((err = value_make(nama, bad, &value, &vlen)) != 0)
		return err;
	pk_op_set(&op, "kegiatan", region, key, value, vlen);
	err = pk_cs_encode(h, &op, 1, pub, sec, out, outlen);
	free(value);
	return err;
}

/* The head for the next changeset after head h, stamped at least `at_ms`. */
static void next_head(const struct store_head *h, uint64_t at_ms, struct pk_cs_head *ch)
{
	ch->seq = h->seq + 1;
	if (h->seq == 0)
		memset(ch->prev, 0, sizeof(ch->prev));
	else
		memcpy(ch->prev, h->hash, sizeof(ch->prev));
	ch->hlc = pk_hlc_next(h->hlc, at_ms);
}

static int add_cs(struct rogue *r, uint8_t *buf, size_t len)
{
	if (r->ncs == MAX_ITEMS) {
		free(buf);
		return die("%s", "too many changesets in one push");
	}
	r->cs[r->ncs].p = buf;
	r->cs[r->ncs++].len = len;
	return 0;
}

static void fresh_key(uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES])
{
	uint8_t seed[PK_SEED_BYTES];

	pk_random(seed, sizeof(seed));
	pk_key_from_seed(seed, pub, sec);
	pk_wipe(seed, sizeof(seed));
}

/* A region code inside the child's region, one level down. */
static void sub_region(const char *region, char out[PK_REGION_MAX + 1])
{
	int level = pk_region_level(region, strlen(region));

	snprintf(out, PK_REGION_MAX + 1, "%s%s", region, level == 3 ? ".0001" : ".01");
}

/* A province that is not the child's. */
static const char *other_region(const char *region)
{
	return strncmp(region, "11", 2) == 0 ? "12" : "11";
}

static int kind_ok(struct rogue *r)
{
	struct store_written w;
	struct pk_diag d = {""};
	uint8_t rnd[8], *value = NULL, *buf = NULL;
	char key[32];
	size_t vlen, len;
	struct pk_op op;
	int err;

	pk_random(rnd, sizeof(rnd));
	memcpy(key, "ok-", 3);
	pk_hex(key + 3, rnd, sizeof(rnd));
	if (value_make("rogue ok", false, &value, &vlen) != 0)
		return die("%s", "out of memory");
	pk_op_set(&op, "kegiatan", r->node.region, key, value, vlen);
	err = store_write(r->s, r->sec, &op, 1, node_now_ms(), &w, NULL, NULL, &d);
	free(value);
	if (err != 0)
		return die("the local write failed: %s", d.msg[0] ? d.msg : pk_strerror(err));
	if ((err = store_log_get(r->s, r->pub, w.last_seq, &buf, &len)) != 0)
		return die("cannot read back the local write: %s", pk_strerror(err));
	return add_cs(r, buf, len);
}

/* A changeset of another origin, pulled from the parent (the child's ancestors' log). */
static int pulled_foreign(struct rogue *r)
{
	struct pk_sync_msg m;
	struct pk_sync_iter it;
	struct pk_changeset cs;
	struct pk_blob b;
	uint8_t *req = NULL, *plain = NULL, *copy;
	size_t len;
	int err;

	if (pk_sync_pull_encode(NULL, 0, 0, PK_SYNC_PULL_MAX_BYTES, &req, &len) != 0)
		return die("%s", "cannot encode a pull");
	err = call(r, req, len, &plain, &m);
	free(req);
	if (err != 0)
		return err;
	if (m.kind != PK_SYNC_PULLED) {
		free(plain);
		return die("the parent answered the pull with '%s'", pk_sync_kind_name(m.kind));
	}
	pk_sync_iter_init(&it, &m.changesets);
	while (pk_sync_next_blob(&it, &b)) {
		if (pk_cs_decode(b.p, b.len, &cs, NULL) != 0 ||
		    memcmp(cs.origin, r->pub, PK_PUB_BYTES) == 0)
			continue;
		if ((copy = malloc(b.len)) == NULL)
			break;
		memcpy(copy, b.p, b.len);
		free(plain);
		return add_cs(r, copy, b.len);
	}
	free(plain);
	return die("%s", "the parent sent no changeset of another origin (write one there first)");
}

/* A fresh next changeset signed by the key in --signer's folder. */
static int signed_foreign(struct rogue *r)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	struct store_node node;
	struct store_head h;
	struct pk_cs_head ch;
	struct pk_diag d = {""};
	struct store *s = NULL;
	size_t len;
	int err;

	if ((err = node_key_load(r->signer, pub, sec, &d)) != 0 ||
	    (err = node_store_open(r->signer, STORE_RDONLY, &s, &d)) != 0)
		return die("--signer: %s", d.msg[0] ? d.msg : pk_strerror(err));
	err = store_node_get(s, &node);
	if (err == 0)
		err = store_head_get(s, pub, &h);
	store_close(s);
	if (err != 0)
		return die("--signer: cannot read the store: %s", pk_strerror(err));
	next_head(&h, node_now_ms(), &ch);
	err = craft(&ch, node.region, "rogue lineage", false, pub, sec, &buf, &len);
	pk_wipe(sec, sizeof(sec));
	if (err != 0)
		return die("cannot encode: %s", pk_strerror(err));
	return add_cs(r, buf, len);
}

/* An expired certificate for a fresh key, issued by the child, and that key's changeset. */
static int kind_expired(struct rogue *r)
{
	struct pk_cert_info ci;
	struct pk_cs_head ch = {1, {0}, 0};
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *cert = NULL, *buf = NULL;
	uint64_t now = node_now_ms() / 1000;
	size_t len;
	int err;

	if (r->ncerts == PK_SYNC_PUSH_MAX_CERTS)
		return die("%s", "too many certificates in one push");
	fresh_key(pub, sec);
	memset(&ci, 0, sizeof(ci));
	pk_random(&ci.serial, sizeof(ci.serial));
	ci.serial = (ci.serial >> 1) | 1;
	memcpy(ci.subject, pub, PK_PUB_BYTES);
	sub_region(r->node.region, ci.region);
	snprintf(ci.name, sizeof(ci.name), "%s", "Rogue expired");
	/* Inside the child's own validity (it began an hour before it joined, SPEC section 7), so
	 * the certificate chains and is stored, but over before the changeset was written. */
	ci.not_before = now - 600;
	ci.not_after = now - 300;
	memcpy(ci.issuer, r->pub, PK_PUB_BYTES);
	if ((err = pk_cert_encode(&ci, r->sec, &cert, &len)) != 0)
		return die("cannot encode the certificate: %s", pk_strerror(err));
	r->certs[r->ncerts].p = cert;
	r->certs[r->ncerts++].len = len;
	ch.hlc = pk_hlc_from_ms(node_now_ms());
	err = craft(&ch, ci.region, "rogue expired", false, pub, sec, &buf, &len);
	pk_wipe(sec, sizeof(sec));
	if (err != 0)
		return die("cannot encode: %s", pk_strerror(err));
	return add_cs(r, buf, len);
}

/* Two certificates that would displace the victim's: the child's own, and a stranger's. */
static int kind_displace(struct rogue *r)
{
	struct pk_cert_info ci;
	uint8_t victim[PK_PUB_BYTES], pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *cert = NULL;
	uint64_t now = node_now_ms() / 1000;
	size_t len;
	int err;

	if (r->victim == NULL || pk_unhex(victim, PK_PUB_BYTES, r->victim, strlen(r->victim)) != 0)
		return die("%s", "displace needs --victim with a 64-hex-digit key");
	for (int i = 0; i < 2; i++) {
		if (r->ncerts == PK_SYNC_PUSH_MAX_CERTS)
			return die("%s", "too many certificates in one push");
		memset(&ci, 0, sizeof(ci));
		pk_random(&ci.serial, sizeof(ci.serial));
		ci.serial = (ci.serial >> 1) | 1;
		memcpy(ci.subject, victim, PK_PUB_BYTES);
		if (i == 0)
			sub_region(r->node.region, ci.region);
		else
			snprintf(ci.region, sizeof(ci.region), "%s", r->node.region);
		snprintf(ci.name, sizeof(ci.name), "Rogue displace %d", i);
		ci.not_before = now - 3600;
		ci.not_after = now + 86400;
		if (i == 0) {
			memcpy(ci.issuer, r->pub, PK_PUB_BYTES);
			err = pk_cert_encode(&ci, r->sec, &cert, &len);
		} else {
			fresh_key(pub, sec);
			memcpy(ci.issuer, pub, PK_PUB_BYTES);
			err = pk_cert_encode(&ci, sec, &cert, &len);
			pk_wipe(sec, sizeof(sec));
		}
		if (err != 0)
			return die("cannot encode the certificate: %s", pk_strerror(err));
		r->certs[r->ncerts].p = cert;
		r->certs[r->ncerts++].len = len;
	}
	return 0;
}

/* A second, different changeset for the child's last sequence number. */
static int kind_fork(struct rogue *r, const struct store_head *h)
{
	struct pk_changeset held;
	struct pk_cs_head ch;
	uint8_t *raw = NULL, *buf = NULL;
	size_t rawlen, len;
	int err;

	if (h->seq == 0)
		return die("%s", "fork: the child has written nothing yet (push ok first)");
	if ((err = store_log_get(r->s, r->pub, h->seq, &raw, &rawlen)) != 0 ||
	    (err = pk_cs_decode(raw, rawlen, &held, NULL)) != 0) {
		free(raw);
		return die("fork: cannot read the last changeset: %s", pk_strerror(err));
	}
	ch.seq = held.seq;
	memcpy(ch.prev, held.prev, PK_HASH_BYTES);
	ch.hlc = held.hlc + 1;
	free(raw);
	err = craft(&ch, r->node.region, "rogue fork", false, r->pub, r->sec, &buf, &len);
	if (err != 0)
		return die("cannot encode: %s", pk_strerror(err));
	return add_cs(r, buf, len);
}

/* Adds one changeset of the kind to the push. */
static int add_kind(struct rogue *r, const char *kind)
{
	struct store_head h;
	struct pk_cs_head ch;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf = NULL;
	char region[PK_REGION_MAX + 1];
	uint64_t now = node_now_ms();
	size_t len;
	int err;

	if (strcmp(kind, "ok") == 0)
		return kind_ok(r);
	if (strcmp(kind, "expired") == 0)
		return kind_expired(r);
	if (strcmp(kind, "displace") == 0)
		return kind_displace(r);
	if (strcmp(kind, "lineage") == 0)
		return r->signer != NULL ? signed_foreign(r) : pulled_foreign(r);
	if ((err = store_head_get(r->s, r->pub, &h)) != 0)
		return die("cannot read the child's head: %s", pk_strerror(err));
	if (strcmp(kind, "fork") == 0)
		return kind_fork(r, &h);
	next_head(&h, now, &ch);
	if (strcmp(kind, "badsig") == 0) {
		err = craft(&ch, r->node.region, "rogue badsig", false, r->pub, r->sec, &buf, &len);
		if (err == 0)
			buf[len - 40] ^= 0x01; /* inside the 64-byte signature at the end */
	} else if (strcmp(kind, "nocert") == 0) {
		fresh_key(pub, sec);
		memset(&ch, 0, sizeof(ch));
		ch.seq = 1;
		ch.hlc = pk_hlc_from_ms(now);
		sub_region(r->node.region, region);
		err = craft(&ch, region, "rogue nocert", false, pub, sec, &buf, &len);
		pk_wipe(sec, sizeof(sec));
	} else if (strcmp(kind, "region") == 0) {
		err = craft(&ch, other_region(r->node.region), "rogue region", false, r->pub,
		            r->sec, &buf, &len);
	} else if (strcmp(kind, "owner") == 0) {
		sub_region(r->node.region, region);
		err = craft(&ch, region, "rogue owner", false, r->pub, r->sec, &buf, &len);
	} else if (strcmp(kind, "schema") == 0) {
		err = craft(&ch, r->node.region, "rogue schema", true, r->pub, r->sec, &buf, &len);
	} else if (strcmp(kind, "future") == 0 || strcmp(kind, "farfuture") == 0) {
		uint64_t ahead =
		    strcmp(kind, "farfuture") == 0 ? 30ull * 24 * 3600 * 1000 : 2ull * 3600 * 1000;

		ch.hlc = pk_hlc_next(h.hlc, now + ahead);
		err = craft(&ch, r->node.region, "rogue future", false, r->pub, r->sec, &buf, &len);
	} else {
		fprintf(stderr, "rogue: unknown kind '%s'\n", kind);
		usage();
		return 2;
	}
	if (err != 0)
		return die("cannot encode: %s", pk_strerror(err));
	return add_cs(r, buf, len);
}

/* ---- commands ------------------------------------------------------------------------------- */

static int cmd_push(struct rogue *r, int argc, char **argv)
{
	struct pk_sync_msg m;
	struct pk_sync_iter it;
	struct pk_refused rf;
	struct pk_head hd;
	struct pk_changeset cs;
	uint8_t hash[PK_HASH_BYTES], *req = NULL, *plain = NULL;
	char hex[2 * PK_HASH_BYTES + 1];
	size_t len;
	int err = 0;

	if (argc < 1)
		usage();
	/* Build every changeset first (pulling a foreign one needs the session). */
	if ((err = handshake(r, r->sec)) != 0)
		return err == 3 ? 0 : err;
	for (int i = 0; i < argc && err == 0; i++) {
		long n = 1;
		char *end;

		if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9') {
			n = strtol(argv[i + 1], &end, 10);
			if (*end != '\0' || n < 1 || n > MAX_ITEMS)
				usage();
		}
		for (long k = 0; k < n && err == 0; k++)
			err = add_kind(r, argv[i]);
		if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
			i++;
	}
	if (err != 0)
		return err == 3 ? 0 : err;
	for (size_t i = 0; i < r->ncs; i++) {
		if (pk_cs_decode(r->cs[i].p, r->cs[i].len, &cs, NULL) == 0) {
			pk_cs_hash(&cs, hash);
			pk_hex(hex, hash, PK_HASH_BYTES);
		} else {
			snprintf(hex, sizeof(hex), "%s", "undecodable");
		}
		printf("sent %zu %s\n", i, hex);
	}
	if (pk_sync_push_encode(r->certs, r->ncerts, r->cs, r->ncs, &req, &len) != 0)
		return die("%s", "cannot encode the push");
	err = call(r, req, len, &plain, &m);
	free(req);
	if (err != 0)
		return err == 3 ? 0 : err;
	if (m.kind != PK_SYNC_PUSHED) {
		free(plain);
		return die("the parent answered the push with '%s'", pk_sync_kind_name(m.kind));
	}
	pk_sync_iter_init(&it, &m.refused);
	while (pk_sync_next_refused(&it, &rf))
		printf("refused %u %s\n", rf.index, rf.reason);
	pk_sync_iter_init(&it, &m.heads);
	while (pk_sync_next_head(&it, &hd)) {
		pk_hex(hex, hd.origin, PK_PUB_BYTES);
		printf("head %s %llu\n", hex, (unsigned long long)hd.seq);
	}
	free(plain);
	return 0;
}

static int report_sealed(struct rogue *r, const uint8_t *sealed, size_t slen, uint64_t counter);

/*
 * "heads ORDER N": a heads request of N heads for random origins, sorted descending
 * (`unordered`) or ascending (`ordered`), each with seq 1, encoded by hand so that the order is
 * what the test asks for. Prints "reply KIND" or the parent's error, and "took MS".
 */
static int cmd_heads(struct rogue *r, int argc, char **argv)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t(*keys)[PK_PUB_BYTES];
	uint8_t *sealed = NULL;
	size_t slen;
	long n;
	bool down;
	uint64_t t0;
	int err;

	if (argc != 2 || (strcmp(argv[0], "unordered") != 0 && strcmp(argv[0], "ordered") != 0) ||
	    (n = strtol(argv[1], NULL, 10)) < 1 || n > 10000000)
		usage();
	down = strcmp(argv[0], "unordered") == 0;
	if ((keys = calloc((size_t)n, PK_PUB_BYTES)) == NULL)
		return die("%s", "out of memory");
	/* Spread evenly over the key space, so the order is known without sorting. */
	for (long i = 0; i < n; i++) {
		uint64_t v = (uint64_t)(down ? n - 1 - i : i) * (UINT64_MAX / (uint64_t)n);

		for (int b = 0; b < 8; b++)
			keys[i][b] = (uint8_t)(v >> (56 - 8 * b));
		pk_random(keys[i] + 8, PK_PUB_BYTES - 8);
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, "heads", 5);
	msgpack_pack_array(&pk, (uint32_t)n);
	for (long i = 0; i < n; i++) {
		msgpack_pack_array(&pk, 2);
		msgpack_pack_bin_with_body(&pk, keys[i], PK_PUB_BYTES);
		msgpack_pack_uint64(&pk, 1);
	}
	free(keys);
	if ((err = handshake(r, r->sec)) != 0) {
		msgpack_sbuffer_destroy(&sb);
		return err == 3 ? 0 : err;
	}
	if ((err = pk_seal_request(&r->ps, (const uint8_t *)sb.data, sb.size, &sealed, &slen)) !=
	    0) {
		msgpack_sbuffer_destroy(&sb);
		return die("cannot seal: %s", pk_strerror(err));
	}
	msgpack_sbuffer_destroy(&sb);
	t0 = node_now_ms();
	err = report_sealed(r, sealed, slen, r->ps.sent);
	printf("took %llu\n", (unsigned long long)(node_now_ms() - t0));
	free(sealed);
	return err;
}

static int cmd_hello(struct rogue *r, bool stranger)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	int err;

	if (stranger)
		fresh_key(pub, sec);
	err = handshake(r, stranger ? sec : r->sec);
	pk_wipe(sec, sizeof(sec));
	if (err == 0)
		printf("welcome\n");
	return err == 3 ? 0 : err;
}

/* Prints what a sealed request got: "reply KIND" or the error. */
static int report_sealed(struct rogue *r, const uint8_t *sealed, size_t slen, uint64_t counter)
{
	struct pk_sync_msg m;
	uint8_t *plain = NULL;
	int err = send_sealed(r, sealed, slen, counter, &plain, &m);

	if (err == 0)
		printf("reply %s\n", pk_sync_kind_name(m.kind));
	free(plain);
	return err == 3 ? 0 : err;
}

static int cmd_replay(struct rogue *r)
{
	uint8_t *req = NULL, *sealed = NULL;
	size_t len, slen;
	int err;

	if ((err = handshake(r, r->sec)) != 0)
		return err == 3 ? 0 : err;
	if (pk_sync_heads_encode(NULL, 0, &req, &len) != 0 ||
	    pk_seal_request(&r->ps, req, len, &sealed, &slen) != 0) {
		free(req);
		return die("%s", "cannot make the request");
	}
	free(req);
	err = report_sealed(r, sealed, slen, r->ps.sent);
	if (err == 0)
		err = report_sealed(r, sealed, slen, r->ps.sent);
	free(sealed);
	return err;
}

/* Sends raw bytes; prints the answer, or "dropped" when drop_ok and the parent did not answer
 * (a timeout, or it closed the connection). */
static int send_raw(struct rogue *r, const uint8_t *buf, size_t len, bool drop_ok)
{
	nng_msg *reply;
	int rv = roundtrip(r, buf, len, &reply);

	if (drop_ok && (rv == NNG_ETIMEDOUT || rv == NNG_ECONNRESET || rv == NNG_ECLOSED ||
	                rv == NNG_ECONNSHUT)) {
		printf("dropped (%s)\n", nng_strerror(rv));
		return 0;
	}
	if (rv != 0)
		return die("no answer: %s", nng_strerror(rv));
	if (!print_error(reply))
		printf("answer of %zu bytes that is not an error\n", nng_msg_len(reply));
	nng_msg_free(reply);
	return 0;
}

static int cmd_garbage(struct rogue *r)
{
	uint8_t buf[1000], *sealed = NULL;
	size_t slen;
	int err;

	pk_random(buf, sizeof(buf));
	printf("raw: ");
	if ((err = send_raw(r, buf, 200, false)) != 0)
		return err;
	if ((err = handshake(r, r->sec)) != 0)
		return err == 3 ? 0 : err;
	if (pk_seal_request(&r->ps, buf, sizeof(buf), &sealed, &slen) != 0)
		return die("%s", "cannot seal");
	printf("sealed: ");
	err = report_sealed(r, sealed, slen, r->ps.sent);
	free(sealed);
	return err;
}

/* A heads request of n random origins in ascending order, each with seq 1. */
static int heads_random(size_t n, uint8_t **out, size_t *len)
{
	struct pk_head *h = calloc(n ? n : 1, sizeof(*h));
	int err = PK_ENOMEM;

	if (h != NULL) {
		for (size_t i = 0; i < n; i++) { /* n < 65,536: the first two bytes order them */
			h[i].origin[0] = (uint8_t)(i >> 8);
			h[i].origin[1] = (uint8_t)i;
			pk_random(h[i].origin + 2, PK_PUB_BYTES - 2);
			h[i].seq = 1;
		}
		err = pk_sync_heads_encode(h, n, out, len);
	}
	free(h);
	return err;
}

/* Closes the connection and dials a new one (a new TCP connection to the parent's port). */
static int redial(struct rogue *r)
{
	struct timespec pause = {1, 100000000};

	nng_close(r->sock);
	r->open = false;
	nanosleep(&pause, NULL);
	return dial(r);
}

/* A sealed message of a session the parent never made: the real one's id replaced. */
static void unknown_id(uint8_t *sealed, size_t slen)
{
	uint8_t id[PK_SESSION_ID_BYTES];

	if (pk_sealed_prefix(sealed, slen, id) != 0)
		return;
	for (size_t i = 0; i + PK_SESSION_ID_BYTES <= slen; i++)
		if (memcmp(sealed + i, id, PK_SESSION_ID_BYTES) == 0) {
			pk_random(sealed + i, PK_SESSION_ID_BYTES);
			return;
		}
}

static int cmd_resume(struct rogue *r)
{
	uint8_t *req = NULL, *first = NULL, *s2 = NULL;
	size_t len, flen, s2len;
	int err;

	if ((err = handshake(r, r->sec)) != 0)
		return err == 3 ? 0 : err;
	if (heads_random(0, &req, &len) != 0 ||
	    pk_seal_request(&r->ps, req, len, &first, &flen) != 0)
		return die("%s", "cannot make the request");
	printf("first: ");
	if ((err = report_sealed(r, first, flen, r->ps.sent)) != 0)
		goto out;
	/* Of a session the parent never made. */
	if ((err = pk_seal_request(&r->ps, req, len, &s2, &s2len)) != 0)
		goto out;
	unknown_id(s2, s2len);
	printf("unknown: ");
	if ((err = redial(r)) != 0 || (err = send_raw(r, s2, s2len, true)) != 0)
		goto out;
	free(s2);
	/* Of the real session, its box altered. */
	if ((err = pk_seal_request(&r->ps, req, len, &s2, &s2len)) != 0)
		goto out;
	s2[s2len - 1] ^= 0x55;
	printf("forged: ");
	if ((err = redial(r)) != 0 || (err = send_raw(r, s2, s2len, true)) != 0)
		goto out;
	printf("replay: ");
	if ((err = redial(r)) != 0 || (err = send_raw(r, first, flen, true)) != 0)
		goto out;
	free(s2);
	free(req);
	req = NULL;
	/* About 20,000 bytes, more than a hello may be: held whole only for a live session. */
	if (heads_random(500, &req, &len) != 0 ||
	    (err = pk_seal_request(&r->ps, req, len, &s2, &s2len)) != 0)
		goto out;
	unknown_id(s2, s2len);
	printf("unknown-big: ");
	if ((err = redial(r)) != 0 || (err = send_raw(r, s2, s2len, true)) != 0)
		goto out;
	free(s2);
	s2 = NULL;
	printf("next: ");
	free(req);
	req = NULL;
	if (heads_random(0, &req, &len) != 0 ||
	    (err = pk_seal_request(&r->ps, req, len, &s2, &s2len)) != 0)
		goto out;
	if ((err = redial(r)) != 0 || (err = report_sealed(r, s2, s2len, r->ps.sent)) != 0)
		goto out;
	free(s2);
	s2 = NULL;
	free(req);
	req = NULL;
	printf("next-big: ");
	if (heads_random(500, &req, &len) != 0 ||
	    (err = pk_seal_request(&r->ps, req, len, &s2, &s2len)) != 0)
		goto out;
	if ((err = redial(r)) == 0)
		err = report_sealed(r, s2, s2len, r->ps.sent);
out:
	free(req);
	free(first);
	free(s2);
	return err;
}

static int cmd_oversize(struct rogue *r)
{
	uint8_t *buf = malloc(PK_MSG_MAX + 1);
	int err;

	if (buf == NULL)
		return die("%s", "out of memory");
	pk_random(buf, PK_MSG_MAX + 1);
	printf("early: ");
	if ((err = send_raw(r, buf, 1000, true)) != 0)
		goto out;
	if ((err = handshake(r, r->sec)) != 0) {
		err = err == 3 ? 0 : err;
		goto out;
	}
	printf("limit: ");
	err = send_raw(r, buf, PK_MSG_MAX, true);
	if (err == 0) {
		printf("above: ");
		err = send_raw(r, buf, PK_MSG_MAX + 1, true);
	}
out:
	free(buf);
	return err;
}

int main(int argc, char **argv)
{
	struct rogue r;
	struct pk_diag d = {""};
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	const char *cmd;
	int i, n, err;

	memset(&r, 0, sizeof(r));
	r.timeout_ms = 10000;
	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--dir") == 0)
			r.dir = argv[i + 1];
		else if (strcmp(argv[i], "--url") == 0)
			r.url = argv[i + 1];
		else if (strcmp(argv[i], "--signer") == 0)
			r.signer = argv[i + 1];
		else if (strcmp(argv[i], "--timeout") == 0)
			r.timeout_ms = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--victim") == 0)
			r.victim = argv[i + 1];
		else
			usage();
	}
	if (r.dir == NULL || r.url == NULL || i >= argc || r.timeout_ms <= 0)
		usage();
	cmd = argv[i++];
	if (strcmp(cmd, "push") != 0 && strcmp(cmd, "heads") != 0 && i != argc)
		usage();
	if (strcmp(cmd, "push") == 0 && i < argc &&
	    (strcmp(argv[i], "replay") == 0 || strcmp(argv[i], "garbage") == 0 ||
	     strcmp(argv[i], "oversize") == 0 || strcmp(argv[i], "stranger") == 0) &&
	    i + 1 == argc)
		cmd = argv[i++]; /* "push replay" and the like, as the special kinds */
	if (strcmp(cmd, "push") != 0 && strcmp(cmd, "heads") != 0 && strcmp(cmd, "hello") != 0 &&
	    strcmp(cmd, "stranger") != 0 && strcmp(cmd, "replay") != 0 &&
	    strcmp(cmd, "garbage") != 0 && strcmp(cmd, "oversize") != 0 &&
	    strcmp(cmd, "resume") != 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pk_crypto_init() != 0)
		return die("%s", "libsodium does not start");
	if ((err = node_key_load(r.dir, r.pub, r.sec, &d)) != 0 ||
	    (err = node_store_open(r.dir, 0, &r.s, &d)) != 0)
		return die("%s", d.msg[0] ? d.msg : pk_strerror(err));
	if (store_node_get(r.s, &r.node) != 0 || !r.node.certified)
		return die("%s: not a certified node", r.dir);
	if ((n = store_origin_path(r.s, r.pub, path)) < 2)
		return die("%s: no certificate chain to learn the parent's key from", r.dir);
	memcpy(r.parent, path[n - 2], PK_PUB_BYTES);
	if ((err = dial(&r)) != 0)
		goto out;
	if (strcmp(cmd, "push") == 0)
		err = cmd_push(&r, argc - i, argv + i);
	else if (strcmp(cmd, "heads") == 0)
		err = cmd_heads(&r, argc - i, argv + i);
	else if (strcmp(cmd, "hello") == 0 || strcmp(cmd, "stranger") == 0)
		err = cmd_hello(&r, strcmp(cmd, "stranger") == 0);
	else if (strcmp(cmd, "replay") == 0)
		err = cmd_replay(&r);
	else if (strcmp(cmd, "garbage") == 0)
		err = cmd_garbage(&r);
	else if (strcmp(cmd, "resume") == 0)
		err = cmd_resume(&r);
	else
		err = cmd_oversize(&r);
out:
	for (size_t k = 0; k < r.ncs; k++)
		free((void *)r.cs[k].p);
	for (size_t k = 0; k < r.ncerts; k++)
		free((void *)r.certs[k].p);
	pk_session_wipe(&r.ps);
	pk_wipe(r.sec, sizeof(r.sec));
	if (r.open)
		nng_close(r.sock);
	store_close(r.s);
	return err;
}
