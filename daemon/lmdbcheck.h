/*
 * lmdbcheck.h: a structural check of an LMDB data file's pages that trusts nothing in them, so
 * that a damaged file is reported page by page instead of crashing LMDB (which trusts its pages).
 *
 * It reads LMDB 0.9's on-disk format for 64-bit builds (the only one this project writes) from a
 * file image in memory, with no LMDB call: meta pages, the free db, the main db and every named
 * db in it, their branch, leaf and overflow pages, and the free lists. It knows only the dbs this
 * store uses: the default key order, no DUPSORT, no DUPFIXED; any other db is a finding.
 */
#ifndef LMDBCHECK_H
#define LMDBCHECK_H

#include <stddef.h>
#include <stdint.h>

struct lmdbcheck_stats {
	size_t pages;                  /* pages the chosen meta counts (its last page + 1) */
	size_t branch, leaf, overflow; /* pages found in use, summed over all dbs */
	size_t free;                   /* pages on the free lists */
	size_t dbs;                    /* named dbs */
	uint64_t txnid;                /* the snapshot that was checked */
	size_t problems;               /* calls made to problem() */
};

/*
 * Checks the B-trees reachable from the meta page whose txnid equals `txnid` (0: the newest meta
 * page that LMDB would accept; when both have the txnid, meta page 0, the one LMDB reads) in the
 * file image map[0..len). A meta page that counts no pages, or more than 2^64 bytes of them, is
 * not usable. Calls problem() once per finding with the page number, that page's byte offset in
 * the file (UINT64_MAX when it does not fit), and a sentence that names the db ("db 'log'",
 * "main db", "free db"); `what` is valid during the call only. Returns 0 when the walk finished
 * (see stats->problems), PK_ECORRUPT when no usable meta page exists (also reported through
 * problem), or PK_ENOMEM.
 *
 * Never reads outside map[0..len). Visits each page at most once and recurses at most 32
 * levels per tree, so its time is linear in the file size; it allocates 9 bytes per page.
 * The image must not change during the call: check a copy, or a read-only mapping of a file
 * that no writer commits to (a write to a live file may race with the walk).
 */
int lmdbcheck(const uint8_t *map, size_t len, uint64_t txnid,
              void (*problem)(uint64_t pgno, uint64_t offset, const char *what, void *arg),
              void *arg, struct lmdbcheck_stats *st);

#endif
