/*
 * fuzz_lmdbcheck.c: libFuzzer target for the LMDB page checker (lmdbcheck in daemon/lmdbcheck.h),
 * which `pokjactl restore` and `pokjactl verify` run on a data file before LMDB opens it.
 * fuzz-links: daemon/lmdbcheck.c
 *
 * The input is the file image (map, length), as the store maps data.mdb. It is checked as the
 * newest snapshot (txnid 0) and then, when that walk finished, as that snapshot named by its
 * txnid (what the store passes when LMDB could open the file): both must pick the same meta page
 * and report the same findings and counts. What lmdbcheck.h promises is asserted: no read
 * outside the image (ASan), termination, 0 or PK_ECORRUPT (with a finding) or PK_ENOMEM, one
 * call per counted finding with a NUL-terminated sentence and the page's offset (pgno times a
 * page size LMDB could use, or UINT64_MAX). A file reported clean (0, no findings) accounts for
 * every page it counts exactly once: the two meta pages, the branch, leaf and overflow pages in
 * use and the free pages, all inside the image. A broken promise aborts, which libFuzzer
 * reports as a crash. Seeds: gen_lmdb_corpus.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/lmdbcheck.h"
#include "proto/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one run reported: the count, and a hash over every (page, offset, sentence). */
struct seen {
	size_t n;
	uint64_t hash;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static void on_problem(uint64_t pgno, uint64_t offset, const char *what, void *arg)
{
	struct seen *s = arg;
	size_t len;

	check(what != NULL);
	len = strnlen(what, 320);
	check(len > 0 && len < 320);
	if (offset != UINT64_MAX) {
		if (pgno == 0) {
			check(offset == 0);
		} else {
			uint64_t ps = offset / pgno;
			check(offset % pgno == 0 && ps >= 512 && ps <= 32768 &&
			      (ps & (ps - 1)) == 0);
		}
	}
	s->n++;
	s->hash = fnv(s->hash, &pgno, sizeof(pgno));
	s->hash = fnv(s->hash, &offset, sizeof(offset));
	s->hash = fnv(s->hash, what, len);
}

static int run(const uint8_t *data, size_t size, uint64_t txnid, struct seen *s,
               struct lmdbcheck_stats *st)
{
	int err;

	s->n = 0;
	s->hash = 0xcbf29ce484222325ULL;
	err = lmdbcheck(data, size, txnid, on_problem, s, st);
	check(err == 0 || err == PK_ECORRUPT || err == PK_ENOMEM);
	check(s->n == st->problems);
	check(err != PK_ECORRUPT || st->problems >= 1);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lmdbcheck_stats st, st2;
	struct seen s, s2;
	int err;

	err = run(data, size, 0, &s, &st);
	if (err != 0)
		return 0;
	check(st.pages >= 1);
	if (st.problems == 0) {
		check(st.pages <= size / 512);
		check(st.branch + st.leaf + st.overflow + st.free + 2 == st.pages);
	}
	/* Named by its txnid, the same snapshot gives the same walk. (Txnid 0 means "the newest",
	 * so a snapshot numbered 0 cannot be named.) */
	if (st.txnid != 0) {
		err = run(data, size, st.txnid, &s2, &st2);
		check(err == 0 && memcmp(&st, &st2, sizeof(st)) == 0);
		check(s.n == s2.n && s.hash == s2.hash);
	}
	return 0;
}
