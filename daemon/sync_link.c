/*
 * sync_link.c: one request to a parent and its reply, the handshake that opens a session, and
 * sync_join (`pokjactl init --join`). Nothing here uses a struct sync, so pokjactl links this
 * without the server or the client loops.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdlib.h>
#include <string.h>

#include "proto/enroll.h"
#include "sync_int.h"

/* ---- talking to the parent ---------------------------------------------------------------- */

/*
 * One request and its reply on ctx. Returns 0 and the raw reply, or an nng-level error.
 * `downs`, when not NULL, counts lost connections to the parent (link_event): a request that
 * went out on a connection lost since is never answered, so the wait ends as soon as a loss is
 * seen, whether it comes before the reply is awaited or during the wait.
 */
int sy_roundtrip(nng_ctx ctx, nng_aio *aio, const uint8_t *req, size_t len, int timeout_ms,
                 atomic_uint *downs, nng_msg **reply)
{
	unsigned before = downs != NULL ? atomic_load(downs) : 0;
	nng_msg *msg;
	int rv;

	if (nng_msg_alloc(&msg, 0) != 0 || nng_msg_append(msg, req, len) != 0)
		return PK_ENOMEM;
	nng_aio_set_msg(aio, msg);
	nng_aio_set_timeout(aio, timeout_ms);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		nng_msg_free(msg);
		return rv == NNG_ECLOSED ? PK_ESTATE : PK_EIO;
	}
	if (downs != NULL && atomic_load(downs) != before)
		return PK_EIO;
	nng_aio_set_timeout(aio, timeout_ms);
	nng_ctx_recv(ctx, aio);
	/* link_event counts a loss before it cancels: either it cancels this wait, or this sees
	 * the count and cancels it here. */
	if (downs != NULL && atomic_load(downs) != before)
		nng_aio_cancel(aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0)
		return rv == NNG_ECLOSED ? PK_ESTATE : PK_EIO;
	*reply = nng_aio_get_msg(aio);
	return 0;
}

/* Opens a session: hello, welcome. join_secret for a join session; level > 0 offers zstd
 * compression at that level (SPEC section 15, "Compression"); extra offers further feature bits
 * (PK_FEAT_PARTS). A parent of an earlier version that refuses the offer is asked again without. */
#define JOIN_TRIES 5 /* hellos a join sends before it gives up (sync_join) */

int sy_handshake(nng_ctx ctx, nng_aio *aio, const uint8_t sec[PK_SEC_BYTES],
                 const uint8_t parent[PK_PUB_BYTES], const uint8_t *join_secret, int level,
                 uint64_t extra, int timeout_ms, atomic_uint *downs, struct pk_session *ps,
                 uint64_t *parent_time, struct pk_diag *d)
{
	struct pk_handshake hs;
	struct pk_errmsg em;
	uint8_t *hello = NULL;
	nng_msg *reply = NULL;
	size_t len;
	int err;

again:
	if ((err = pk_hello_make_feat(&hs, sec, parent, now_ms() / 1000, join_secret, level, extra,
	                              &hello, &len)) != 0)
		return pk_diagf(d, err, "cannot make a hello: %s", pk_strerror(err));
	err = sy_roundtrip(ctx, aio, hello, len, timeout_ms, downs, &reply);
	free(hello);
	if (err != 0) {
		pk_handshake_wipe(&hs);
		return pk_diagf(d, err, "the parent does not answer");
	}
	if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0) {
		/* A parent of an earlier version refuses the 7-element hello as malformed: say
		 * hello again without features, which costs one round trip per session with such a
		 * parent and nothing with a current one. */
		if ((level > 0 || extra != 0) && strcmp(em.code, "malformed") == 0) {
			nng_msg_free(reply);
			reply = NULL;
			pk_handshake_wipe(&hs);
			level = 0;
			extra = 0;
			goto again;
		}
		pk_diagf(d, PK_EPERM, "the parent refused the session: %s (%s)", em.text, em.code);
		err = PK_EPERM;
	} else {
		err = pk_welcome_read(&hs, nng_msg_body(reply), nng_msg_len(reply), ps, parent_time,
		                      d);
	}
	nng_msg_free(reply);
	pk_handshake_wipe(&hs);
	return err;
}

int sy_nng_diag(struct pk_diag *d, int rv, const char *what, const char *url)
{
	return pk_diagf(d, rv == NNG_EADDRINUSE ? PK_EEXIST : PK_EINVAL, "%s %s: %s", what, url,
	                nng_strerror(rv));
}

int sync_join(const struct pk_invite *inv, const uint8_t pub[PK_PUB_BYTES],
              const uint8_t sec[PK_SEC_BYTES], const uint8_t *request, size_t reqlen,
              int timeout_ms, uint8_t **set, size_t *setlen, struct pk_diag *d)
{
	struct pk_session ps;
	struct pk_sync_msg m;
	uint8_t *req = NULL, *sealed = NULL, *plain = NULL;
	nng_socket sock;
	nng_msg *reply = NULL;
	nng_ctx ctx;
	nng_aio *aio = NULL;
	size_t len, plen;
	int rv, err;

	(void)pub;
	*set = NULL;
	memset(&ps, 0, sizeof(ps));
	if ((rv = nng_req0_open(&sock)) != 0)
		return sy_nng_diag(d, rv, PK_("cannot open a socket for"), inv->url);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, PK_MSG_MAX + NNG_HEADER_ROOM);
	if ((rv = nng_dial(sock, inv->url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(sock);
		return sy_nng_diag(d, rv, PK_("cannot dial"), inv->url);
	}
	if (nng_ctx_open(&ctx, sock) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0) {
		nng_close(sock);
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	}
	/* A hello changes nothing at the parent (a pending session at most), so an unanswered one
	 * is tried again: a parent under a connection flood may close a new connection before its
	 * hello (SPEC section 14, "The listen port"). JOIN_TRIES attempts share the timeout. */
	for (int i = 0; i < JOIN_TRIES; i++) {
		int part = timeout_ms / JOIN_TRIES > 1000 ? timeout_ms / JOIN_TRIES : 1000;

		/* A join is a few KB: not worth a second hello to a parent of an earlier version.
		 */
		err = sy_handshake(ctx, aio, sec, inv->parent, inv->secret, 0, 0, part, NULL, &ps,
		                   NULL, d);
		if (err == 0 || err == PK_EPERM)
			break;
	}
	if (err != 0)
		goto out;
	if ((err = pk_sync_join_encode(request, reqlen, &req, &len)) != 0 ||
	    (err = pk_seal_request(&ps, req, len, &sealed, &len)) != 0)
		goto out;
	if ((err = sy_roundtrip(ctx, aio, sealed, len, timeout_ms, NULL, &reply)) != 0) {
		pk_diagf(d, err, "the parent does not answer the join request");
		goto out;
	}
	if ((err = pk_open_reply(&ps, ps.sent, nng_msg_body(reply), nng_msg_len(reply), &plain,
	                         &plen)) != 0) {
		struct pk_errmsg em;
		if (pk_errmsg_read(nng_msg_body(reply), nng_msg_len(reply), &em) == 0)
			pk_diagf(d, PK_EPERM, "the parent refused: %s (%s)", em.text, em.code);
		else
			pk_diagf(d, err, "the parent's answer does not authenticate");
		goto out;
	}
	if ((err = pk_sync_decode(plain, plen, PK_SYNC_REPLY, &m, d)) != 0)
		goto out;
	if (m.kind != PK_SYNC_JOINED) {
		err = pk_diagf(d, PK_EDECODE, "the parent answered with '%s'",
		               pk_sync_kind_name(m.kind));
		goto out;
	}
	if ((*set = malloc(m.blob.len)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	memcpy(*set, m.blob.p, m.blob.len);
	*setlen = m.blob.len;
out:
	pk_session_wipe(&ps);
	if (reply != NULL)
		nng_msg_free(reply);
	free(req);
	free(sealed);
	free(plain);
	nng_aio_free(aio);
	nng_ctx_close(ctx);
	nng_close(sock);
	return err;
}
