/*
 * test_health.c: the health record (daemon/health.h): its value both ways and against the
 * schema, the tautan items, the count of changesets a parent has not acknowledged, the local
 * fields, and whether pokjad holds the folder's lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/health.h"
#include "daemon/node.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"
#include "testutil.h"

#define NOW_MS (TU_T0_MS + 86400000ULL) /* 2026-01-02: inside every certificate */

static struct tu_key root, prov, kab;

static void sample(struct health *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->version, sizeof(h->version), "0.1");
	h->started = 1767225600;
	h->written = 1767229200;
	h->nlinks = 2;
	h->links[0] = (struct health_link){true, "", "29acbae141bccaf0", true, 1767229190, 0, 2};
	h->links[1] = (struct health_link){false, "32.75.01", "0b22e1a94d34d0bc", false, 0, 5, 0};
	h->lag_down = 2;
	h->unacked = 7;
	h->unacked_bytes = 3100;
	h->refused = 4;
	h->nreasons = 2;
	h->reasons[0] = (struct health_reason){"clock", 1};
	h->reasons[1] = (struct health_reason){"schema", 3};
	h->forks = 1;
	h->disk_used = 1 << 20;
	h->disk_free = 5ULL << 30;
	h->disk_full = true;
}

static void test_roundtrip(void **state)
{
	const struct pk_collection *c = pk_schema_find(HEALTH_COLL, strlen(HEALTH_COLL));
	struct health in, *out = calloc(1, sizeof(*out));
	struct pk_diag d;
	uint8_t *v = NULL;
	size_t len;

	(void)state;
	assert_non_null(c);
	sample(&in);
	assert_int_equal(health_encode(&in, &v, &len), 0);
	assert_int_equal(pk_schema_validate(c, v, len, &d), 0);
	assert_int_equal(health_decode(v, len, out), 0);
	assert_string_equal(out->version, "0.1");
	assert_int_equal(out->started, in.started);
	assert_int_equal(out->written, in.written);
	assert_int_equal(out->nlinks, 2);
	assert_true(out->links[0].parent);
	assert_string_equal(out->links[0].region, "");
	assert_string_equal(out->links[0].key, "29acbae141bccaf0");
	assert_true(out->links[0].connected);
	assert_int_equal(out->links[0].last_contact, 1767229190);
	assert_int_equal(out->links[0].lag_down, 2);
	assert_false(out->links[1].parent);
	assert_string_equal(out->links[1].region, "32.75.01");
	assert_false(out->links[1].connected);
	assert_int_equal(out->links[1].lag_up, 5);
	assert_int_equal(out->lag_down, 2);
	assert_int_equal(out->unacked, 7);
	assert_int_equal(out->unacked_bytes, 3100);
	assert_int_equal(out->refused, 4);
	assert_int_equal(out->nreasons, 2);
	assert_string_equal(out->reasons[1].tag, "schema");
	assert_int_equal(out->reasons[1].count, 3);
	assert_int_equal(out->forks, 1);
	assert_int_equal(out->disk_used, 1 << 20);
	assert_int_equal(out->disk_free, 5ULL << 30);
	assert_true(out->disk_full);
	/* Damaged bytes are refused, never read past. */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(health_decode(v, cut, out), PK_EDECODE);
	free(v);
	free(out);
}

static void test_links(void **state)
{
	struct health_link l, back;
	char s[256];

	(void)state;
	assert_int_equal(
	    health_link_parse("peran=anak wilayah=33.02 kunci=ab terhubung=tidak "
	                      "kontak=5 lag_naik=1 lag_turun=2 baru=x",
	                      strlen("peran=anak wilayah=33.02 kunci=ab terhubung=tidak "
	                             "kontak=5 lag_naik=1 lag_turun=2 baru=x"),
	                      &l),
	    0);
	assert_false(l.parent);
	assert_string_equal(l.region, "33.02");
	assert_int_equal(l.last_contact, 5);
	assert_int_equal(l.lag_up, 1);
	assert_int_equal(l.lag_down, 2);
	health_link_format(s, sizeof(s), &l);
	assert_string_equal(s, "peran=anak wilayah=33.02 kunci=ab terhubung=tidak kontak=5 "
	                       "lag_naik=1 lag_turun=2");
	assert_int_equal(health_link_parse(s, strlen(s), &back), 0);
	assert_memory_equal(&back, &l, sizeof(l));
	/* peran and wilayah are required; numbers are decimal; pairs have an '='. */
	assert_int_equal(health_link_parse("wilayah=32", 10, &l), PK_EDECODE);
	assert_int_equal(health_link_parse("peran=induk", 11, &l), PK_EDECODE);
	assert_int_equal(health_link_parse("peran=induk wilayah=- kontak=1x", 31, &l), PK_EDECODE);
	assert_int_equal(health_link_parse("peran=induk wilayah=- kontak", 28, &l), PK_EDECODE);
	assert_int_equal(health_link_parse("peran=induk wilayah=-", 21, &l), 0);
	assert_true(l.parent);
	assert_string_equal(l.region, "");
}

static void test_unacked_and_local(void **state)
{
	const struct tu_key *keys[] = {&root, &prov, &kab};
	const char *regions[] = {"32", "32.75"};
	char *dir = tu_tmpdir(), path[600];
	struct store_written w;
	struct pk_diag d = {""};
	struct pk_op op;
	struct pk_head ack;
	struct health *h = calloc(1, sizeof(*h));
	uint64_t n, bytes;
	bool known;
	uint8_t *v;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/kab", dir);
	struct store *s = tu_store_new(path, &root, &kab, "32.75", "Pokja PKP Kota Bekasi");
	assert_int_equal(tu_install_chain(s, keys, regions, 2), 0);
	assert_int_equal(health_unacked(s, kab.pub, &known, &n, &bytes), 0);
	assert_true(known);
	assert_int_equal(n, 0);
	for (int i = 0; i < 3; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		v = tu_kegiatan("Rapat", 2026, &len);
		op = tu_op("kegiatan", "32.75", key, v, len);
		assert_int_equal(
		    store_write(s, kab.sec, &op, 1, NOW_MS + (uint64_t)i, &w, NULL, NULL, &d), 0);
		free(v);
	}
	/* Nothing acknowledged by the parent yet: all three wait. */
	assert_int_equal(health_unacked(s, kab.pub, &known, &n, &bytes), 0);
	assert_int_equal(n, 3);
	assert_true(bytes > 3 * 100);
	/* The parent acknowledges two of them. */
	memcpy(ack.origin, kab.pub, PK_PUB_BYTES);
	ack.seq = 2;
	assert_int_equal(store_peer_heads_put(s, prov.pub, &ack, 1, 0), 0);
	assert_int_equal(health_unacked(s, kab.pub, &known, &n, &bytes), 0);
	assert_int_equal(n, 1);
	/* Another node's acknowledgement counts for nothing: only the parent's. */
	ack.seq = 3;
	assert_int_equal(store_peer_heads_put(s, root.pub, &ack, 1, 0), 0);
	assert_int_equal(health_unacked(s, kab.pub, &known, &n, &bytes), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_peer_heads_put(s, prov.pub, &ack, 1, 0), 0);
	assert_int_equal(health_unacked(s, kab.pub, &known, &n, &bytes), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	/* The local fields. */
	assert_int_equal(health_local(s, kab.pub, h), 0);
	assert_int_equal(h->unacked, 0);
	assert_int_equal(h->refused, 0);
	assert_int_equal(h->forks, 0);
	assert_true(h->disk_used > 0);
	assert_true(h->disk_free > 0);
	store_close(s);

	/* The national node has no parent: nothing to acknowledge, and it says so. */
	snprintf(path, sizeof(path), "%s/nas", dir);
	s = tu_store_new(path, &root, &root, "", "Kementerian PKP");
	v = tu_kegiatan("Rapat", 2026, &len);
	op = tu_op("kegiatan", "", "n1", v, len);
	assert_int_equal(store_write(s, root.sec, &op, 1, NOW_MS, &w, NULL, NULL, &d), 0);
	free(v);
	assert_int_equal(health_unacked(s, root.pub, &known, &n, &bytes), 0);
	assert_false(known);
	assert_int_equal(n, 0);
	assert_string_equal(health_key(""), "nasional");
	assert_string_equal(health_key("32.75"), "32.75");
	store_close(s);
	tu_rmrf(dir);
	free(dir);
	free(h);
}

static void test_daemon_lock(void **state)
{
	char *dir = tu_tmpdir(), path[600];
	struct health_daemon hd;
	struct pk_diag d = {""};
	FILE *f;
	int fd;

	(void)state;
	/* No lock file: pokjad never ran here. */
	assert_int_equal(health_daemon(dir, &hd, &d), 0);
	assert_false(hd.running);
	/* Held by a running pokjad: running, with its pid and start. */
	assert_int_equal(node_lock(dir, "pokjad", &fd, &d), 0);
	assert_int_equal(health_daemon(dir, &hd, &d), 0);
	assert_true(hd.running);
	assert_int_equal(hd.pid, (long)getpid());
	assert_string_equal(hd.prog, "pokjad");
	assert_true(hd.since > 1700000000);
	/* The lock dropped (as when the process is killed): the file stays, but not running. */
	close(fd);
	assert_int_equal(health_daemon(dir, &hd, &d), 0);
	assert_false(hd.running);
	/* A file from an older pokjad ("PID PROG"): running without a start time. */
	snprintf(path, sizeof(path), "%s/pokjad.lock", dir);
	assert_int_equal(node_lock(dir, "pokjad", &fd, &d), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "123 pokjad\n");
	fclose(f);
	assert_int_equal(health_daemon(dir, &hd, &d), 0);
	assert_true(hd.running);
	assert_int_equal(hd.pid, 123);
	assert_int_equal(hd.since, 0);
	close(fd);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_links),
	    cmocka_unit_test(test_unacked_and_local),
	    cmocka_unit_test(test_daemon_lock),
	};

	tu_init();
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab, 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
