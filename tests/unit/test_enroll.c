/* test_enroll.c: join requests and certificate sets (proto/enroll.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/enroll.h"
#include "proto/error.h"
#include "testutil.h"

static struct tu_key root, kab;

static int setup(void **state)
{
	(void)state;
	tu_key(&root, 0);
	tu_key(&kab, 2);
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static uint8_t *request(struct pk_request *rq, size_t *len)
{
	uint8_t *buf;

	memset(rq, 0, sizeof(*rq));
	memcpy(rq->pub, kab.pub, PK_PUB_BYTES);
	strcpy(rq->region, "32.75");
	strcpy(rq->name, "Kota Bekasi");
	rq->created = 1767225600;
	assert_int_equal(pk_request_encode(rq, kab.sec, &buf, len), 0);
	return buf;
}

static void test_request_round_trip(void **state)
{
	struct pk_request rq, back;
	struct pk_diag d;
	size_t len;
	uint8_t *buf = request(&rq, &len);

	(void)state;
	assert_int_equal(pk_request_decode(buf, len, &back, &d), 0);
	assert_memory_equal(&rq, &back, sizeof(rq));
	free(buf);
}

/* A refused request leaves nothing behind: the creation time used to be read into *rq before
 * the signature was checked, so a forged request left its unverified time there. */
static void test_request_refused_is_zeroed(void **state)
{
	struct pk_request rq, back;
	struct pk_diag d;
	size_t len;
	uint8_t *buf = request(&rq, &len);

	(void)state;
	buf[len - 1] ^= 0x01; /* the signature's last byte */
	assert_int_equal(pk_request_decode(buf, len, &back, &d), PK_ESIG);
	assert_true(all_zero(&back, sizeof(back)));
	buf[len - 1] ^= 0x01;
	assert_int_equal(pk_request_decode(buf, len - 1, &back, &d), PK_EDECODE);
	assert_true(all_zero(&back, sizeof(back)));
	free(buf);
}

static void test_certset_round_trip(void **state)
{
	struct pk_certset cs, back;
	struct pk_diag d;
	uint8_t *c, *buf;
	size_t clen, len;

	(void)state;
	c = tu_cert(&root, &kab, 1, "32.75", "Kota Bekasi", TU_NOT_BEFORE, TU_NOT_AFTER, &clen);
	memset(&cs, 0, sizeof(cs));
	memcpy(cs.root, root.pub, PK_PUB_BYTES);
	cs.n = 1;
	cs.cert[0] = c;
	cs.len[0] = clen;
	assert_int_equal(pk_certset_encode(&cs, &buf, &len), 0);
	assert_int_equal(pk_certset_decode(buf, len, &back, &d), 0);
	assert_int_equal(back.n, 1);
	assert_memory_equal(back.root, root.pub, PK_PUB_BYTES);
	assert_int_equal(back.len[0], clen);
	assert_memory_equal(back.cert[0], c, clen);
	cs.n = 0;
	free(buf);
	assert_int_equal(pk_certset_encode(&cs, &buf, &len), PK_EINVAL);
	assert_null(buf);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_round_trip),
	    cmocka_unit_test(test_request_refused_is_zeroed),
	    cmocka_unit_test(test_certset_round_trip),
	};
	tu_init();
	return cmocka_run_group_tests(tests, setup, NULL);
}
