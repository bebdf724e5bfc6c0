/*
 * store_stats.c: the store's size and a few counts for pokjad's metrics (store.h, store_stats),
 * each read in O(1) so that a scrape every few seconds costs nothing: the data file's size,
 * LMDB's high-water mark, the free space of its device and two tables' entry counts.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "store_int.h"

int store_stats(struct store *s, struct store_stats *st)
{
	char file[sizeof(s->path) + 16];
	struct stat fst;
	struct statvfs v;
	struct db_txn t;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(file, sizeof(file), "%s/data.mdb", s->path);
	if (stat(file, &fst) != 0)
		return PK_EIO;
	st->file_bytes = (uint64_t)fst.st_size;
	/* What an unprivileged writer may still use, as `pokjactl status` reports it. */
	if (statvfs(s->path, &v) == 0) {
		st->disk_free_known = true;
		st->disk_free_bytes = (uint64_t)v.f_bavail * v.f_frsize;
	}
	if ((err = db_space(s->db, &st->used_bytes, &st->page_bytes)) != 0)
		return err;
	/* One short read transaction: two entry counts from the tables' roots. */
	db_txn_begin(&t, s->db, DB_RDONLY);
	db_count(&t, s->forks, &st->forked_origins);
	if (s->held != DB_NONE)
		db_count(&t, s->held, &st->held);
	return db_txn_end(&t);
}
