/* test_handshake_compat.c: the child's handshake (sy_handshake, daemon/sync_link.c) against a
 * parent of this version and one of the previous version, which refuses a hello with features
 * as malformed (SPEC section 15, "features"): the child must say hello again without them and
 * get an uncompressed session. The parent is a thread on an nng inproc REP socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>

#include "daemon/sync_int.h"
#include "proto/session.h"
#include "testutil.h"

static struct tu_key child, parent;

/* The fake parent: answers hellos until `hellos` were read. */
struct fake {
	nng_socket sock;
	bool old;   /* the previous version: a hello with features is malformed */
	int level;  /* this version's parent: its compression level */
	int hellos; /* how many to answer */
	int seen;   /* hellos read */
	int with;   /* of which with features */
	char url[64];
};

static void *serve(void *arg)
{
	struct fake *f = arg;

	while (f->seen < f->hellos) {
		struct pk_hello h;
		struct pk_session s;
		nng_msg *msg, *rep;
		uint8_t *out = NULL;
		size_t outlen = 0;

		if (nng_recvmsg(f->sock, &msg, 0) != 0)
			break;
		f->seen++;
		if (pk_hello_read(nng_msg_body(msg), nng_msg_len(msg), parent.pub, 1767225600ULL,
		                  &h, NULL) != 0)
			abort();
		if (h.has_features)
			f->with++;
		if (f->old && h.has_features)
			pk_errmsg_make("malformed", "hello refused", &out, &outlen);
		else
			pk_welcome_make_zstd(&h, parent.sec, 1767225600ULL, f->old ? 0 : f->level,
			                     &s, &out, &outlen);
		nng_msg_free(msg);
		if (out == NULL || nng_msg_alloc(&rep, 0) != 0 ||
		    nng_msg_append(rep, out, outlen) != 0)
			abort();
		free(out);
		if (nng_sendmsg(f->sock, rep, 0) != 0)
			nng_msg_free(rep);
	}
	return NULL;
}

/* One handshake of a child at `clevel` with the fake parent; returns sy_handshake's result and
 * the session's features in *features. */
static int shake(struct fake *f, int clevel, uint64_t *features)
{
	static int n;
	nng_socket req;
	nng_ctx ctx;
	nng_aio *aio;
	pthread_t th;
	struct pk_session ps;
	struct pk_diag d = {""};
	int err;

	snprintf(f->url, sizeof(f->url), "inproc://compat-%d", n++);
	assert_int_equal(nng_rep0_open(&f->sock), 0);
	assert_int_equal(nng_listen(f->sock, f->url, NULL, 0), 0);
	assert_int_equal(nng_req0_open(&req), 0);
	nng_socket_set_ms(req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	assert_int_equal(nng_dial(req, f->url, NULL, 0), 0);
	assert_int_equal(nng_ctx_open(&ctx, req), 0);
	assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, serve, f), 0);
	memset(&ps, 0, sizeof(ps));
	err = sy_handshake(ctx, aio, child.sec, parent.pub, NULL, clevel, 0, 5000, NULL, &ps, NULL,
	                   &d);
	*features = ps.features;
	pk_session_wipe(&ps);
	nng_close(req);
	nng_close(f->sock); /* ends the thread's wait, if it still waits */
	pthread_join(th, NULL);
	nng_aio_free(aio);
	return err;
}

static int setup(void **state)
{
	(void)state;
	tu_key(&child, 1);
	tu_key(&parent, 2);
	return 0;
}

static void test_new_parent(void **state)
{
	struct fake f = {.level = 3, .hellos = 1};
	uint64_t feat;

	(void)state;
	assert_int_equal(shake(&f, 3, &feat), 0);
	assert_int_equal(feat, PK_FEAT_ZSTD);
	assert_int_equal(f.seen, 1);
	assert_int_equal(f.with, 1);
}

static void test_new_parent_off(void **state)
{
	struct fake f = {.level = 0, .hellos = 1};
	uint64_t feat;

	(void)state;
	assert_int_equal(shake(&f, 3, &feat), 0);
	assert_int_equal(feat, 0);
	assert_int_equal(f.seen, 1);
}

static void test_old_parent(void **state)
{
	struct fake f = {.old = true, .hellos = 2};
	uint64_t feat;

	(void)state;
	/* The first hello offers zstd and is refused as malformed; the second has 6 elements. */
	assert_int_equal(shake(&f, 3, &feat), 0);
	assert_int_equal(feat, 0);
	assert_int_equal(f.seen, 2);
	assert_int_equal(f.with, 1);
}

static void test_child_off(void **state)
{
	struct fake f = {.old = true, .hellos = 1};
	uint64_t feat;

	(void)state;
	/* Level 0: the one hello has no features, which the previous version accepts at once. */
	assert_int_equal(shake(&f, 0, &feat), 0);
	assert_int_equal(feat, 0);
	assert_int_equal(f.seen, 1);
	assert_int_equal(f.with, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_parent),
	    cmocka_unit_test(test_new_parent_off),
	    cmocka_unit_test(test_old_parent),
	    cmocka_unit_test(test_child_off),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
