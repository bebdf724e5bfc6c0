/*
 * cmd_backup.c: backup, restore and allow-writes.
 *
 * A backup is LMDB's compacted hot copy of the store's data file: one read transaction, so
 * pokjad and other writers go on meanwhile, and the copy is exactly one committed state. It holds
 * no key: node.key never changes and is kept apart. Restore checks a backup whole (raw pages,
 * then every changeset, record and certificate), checks that it belongs to this node's key, and
 * swaps it in on a stopped node, keeping the store it replaces. A restored node may lack
 * changesets of its own that reached its peers after the backup was taken, so restore sets the
 * store's fence (store.h): local writes wait until pokjad has learned the node's own latest
 * sequence from its peers and got those changesets back; allow-writes is the operator's override.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/node.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_head(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	(void)origin;
	*(uint64_t *)arg += h->seq;
	return 0;
}

/* Changesets held in all: the sum of the heads. */
static uint64_t changesets_held(struct store *s)
{
	uint64_t n = 0;

	store_heads(s, count_head, &n);
	return n;
}

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct cli_out out = {NULL, NULL, ""};
	struct store_node node;
	struct pk_diag d;
	struct store *s;
	struct statvfs v;
	struct stat st;
	char *pos[1];
	uint64_t held;
	double t0;
	int npos, rc, err, e;
	bool to_stdout;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 1, 1, &npos)) != 0)
		return rc;
	to_stdout = strcmp(pos[0], "-") == 0;
	if (to_stdout && isatty(STDOUT_FILENO))
		return cli_fail(c, "will not write a backup to a terminal; name a FILE");
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	t0 = now_s();
	held = changesets_held(s);
	/* Mode 0600: the store holds invite secrets. */
	if (!to_stdout && (rc = cli_out_open(c, pos[0], 0600, &out)) != 0) {
		store_close(s);
		return rc;
	}
	err = store_backup(s, to_stdout ? STDOUT_FILENO : fileno(out.f));
	e = errno;
	store_close(s);
	/* LMDB reports a short write (the device filled up during it) as EIO. */
	if (err == PK_EIO && e == EIO && !to_stdout && fstatvfs(fileno(out.f), &v) == 0 &&
	    (uint64_t)v.f_bavail * v.f_frsize < ((uint64_t)1 << 20))
		e = ENOSPC;
	if (err != 0) {
		cli_out_abort(&out);
		return cli_fail(c, "writing %s: %s", pos[0],
		                err == PK_EIO || err == PK_ENOSPC ? cli_io_why(&d, pos[0], e)
		                                                  : pk_strerror(err));
	}
	if (to_stdout)
		return EXIT_OK;
	if (fstat(fileno(out.f), &st) != 0)
		st.st_size = 0;
	if ((rc = cli_out_commit(c, &out)) != 0)
		return rc;
	if (c->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:f}", "file", pos[0], "bytes",
		                      (json_int_t)st.st_size, "changesets", (json_int_t)held,
		                      "seconds", now_s() - t0);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("backed up %llu changesets to %s (%lld bytes, %.1f s)\n"),
		       (unsigned long long)held, pos[0], (long long)st.st_size, now_s() - t0);
		fprintf(stderr,
		        _("note: the backup holds no key; keep a copy of %s/%s apart "
		          "(it never changes)\n"),
		        c->dir, NODE_KEY_FILE);
	}
	return EXIT_OK;
}

/* ---- restore ----------------------------------------------------------------------------- */

struct first_problem {
	size_t n;
	char text[512];
};

static void note_problem(const char *where, const char *what, void *arg)
{
	struct first_problem *p = arg;

	if (p->n++ == 0)
		snprintf(p->text, sizeof(p->text), "%s: %s", where, what);
}

static int copy_file(const char *from, const char *to, char *why, size_t whylen)
{
	static char buf[1 << 20];
	struct pk_diag d;
	int in, out = -1, rc = -1;
	ssize_t n;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "%s: %s", from, strerror(errno));
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		snprintf(why, whylen, "%s: %s", to, cli_io_why(&d, to, errno));
		goto done;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			snprintf(why, whylen, "%s: %s", to,
			         cli_io_why(&d, to, n < 0 ? errno : ENOSPC));
			goto done;
		}
	if (n < 0) {
		snprintf(why, whylen, "%s: %s", from, strerror(errno));
		goto done;
	}
	if (fsync(out) != 0) {
		snprintf(why, whylen, "%s: %s", to, cli_io_why(&d, to, errno));
		goto done;
	}
	rc = 0;
done:
	if (out >= 0)
		close(out);
	close(in);
	return rc;
}

/* Removes a staging folder and what restore put in it. */
static void unstage(const char *stage)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/data.mdb", stage);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", stage);
	unlink(p);
	rmdir(stage);
}

/*
 * Checks the staged copy whole and sets its fence. Returns 0, or EXIT_FAIL after printing why.
 * *held receives the changesets in it and *own this node's own head.
 */
static int check_staged(struct cli *c, const char *file, const char *stage,
                        const uint8_t pub[PK_PUB_BYTES], uint64_t *held, uint64_t *own)
{
	struct first_problem fp = {0, ""};
	struct store_verify_stats vs;
	struct store_node node;
	struct store_head h;
	struct pk_diag d = {""};
	struct store *s = NULL;
	char a[2 * PK_PUB_BYTES + 1], b[2 * PK_PUB_BYTES + 1];
	size_t problems = 0;
	int err;

	err = store_check_pages(stage, note_problem, &fp, &problems);
	if (err != 0 || problems > 0)
		return cli_fail(c, "%s is not a usable backup: %s", file,
		                fp.n > 0 ? fp.text : pk_strerror(err));
	if ((err = store_open(stage, 0, &s, &d)) != 0)
		return cli_fail(c, "%s is not a usable backup: %s", file,
		                d.msg[0] ? d.msg : pk_strerror(err));
	if ((err = store_node_get(s, &node)) != 0) {
		store_close(s);
		return cli_fail(c, "%s is not a usable backup: it holds no node", file);
	}
	if (memcmp(node.pub, pub, PK_PUB_BYTES) != 0) {
		cli_key_hex(a, node.pub);
		cli_key_hex(b, pub);
		store_close(s);
		return cli_fail(c, "%s is a backup of node %.16s..., not of this node (%.16s...)",
		                file, a, b);
	}
	if ((err = store_verify(s, note_problem, &fp, &vs)) != 0 || vs.problems > 0) {
		store_close(s);
		return cli_fail(c, "%s is damaged (%zu problems; the first: %s)", file, fp.n,
		                fp.n > 0 ? fp.text : pk_strerror(err));
	}
	*held = changesets_held(s);
	*own = store_head_get(s, pub, &h) == 0 ? h.seq : 0;
	if ((err = store_fence_set(s)) != 0)
		cli_fail(c, "%s: cannot mark the restored store: %s", stage,
		         store_strerror(s, err, &d));
	store_close(s);
	if (err != 0)
		return EXIT_FAIL;
	return 0;
}

int cmd_restore(struct cli *c, int argc, char **argv)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct pk_diag d = {""};
	struct stat st;
	char *pos[1], stage[4096], data[4200], cur[4096], kept[4200], why[8400], stamp[32];
	uint64_t held = 0, own = 0;
	int npos, rc, lockfd = -1, err;
	time_t t;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 1, 1, &npos)) != 0)
		return rc;
	if (cli_check_owner(c) != 0)
		return EXIT_FAIL;
	if (stat(pos[0], &st) != 0)
		return cli_fail(c, "%s: %s", pos[0], strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cli_fail(c, "%s: not a regular file", pos[0]);
	if ((err = node_key_load(c->dir, pub, sec, &d)) != 0)
		return cli_fail(c,
		                "%s (restore needs this node's key: put node.key back in %s "
		                "first, from where you keep it)",
		                d.msg, c->dir);
	pk_wipe(sec, sizeof(sec));
	if ((err = node_lock(c->dir, "pokjactl-restore", &lockfd, &d)) != 0)
		return cli_fail(c, "%s; stop it first (systemctl stop pokjad)", d.msg);
	snprintf(stage, sizeof(stage), "%s/store.restore-%d", c->dir, (int)getpid());
	snprintf(data, sizeof(data), "%s/data.mdb", stage);
	snprintf(cur, sizeof(cur), "%s/%s", c->dir, NODE_STORE_DIR);
	if (mkdir(stage, 0700) != 0) {
		rc = cli_fail(c, "%s: %s", stage, strerror(errno));
		goto out;
	}
	node_guard_faults(c->prog, stage, true);
	if (copy_file(pos[0], data, why, sizeof(why)) != 0) {
		rc = cli_fail(c, "%s", why);
		unstage(stage);
		goto out;
	}
	if ((rc = check_staged(c, pos[0], stage, pub, &held, &own)) != 0) {
		unstage(stage);
		goto out;
	}
	snprintf(why, sizeof(why), "%s/lock.mdb", stage);
	unlink(why);
	/* Keep the store being replaced, named for the time of the restore. */
	kept[0] = '\0';
	if (stat(cur, &st) == 0) {
		t = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&t));
		snprintf(kept, sizeof(kept), "%s.before-restore-%s", cur, stamp);
		for (int i = 2; lstat(kept, &st) == 0 && i < 100; i++)
			snprintf(kept, sizeof(kept), "%s.before-restore-%s-%d", cur, stamp, i);
		if (rename(cur, kept) != 0) {
			rc = cli_fail(c, "%s: %s", kept, strerror(errno));
			unstage(stage);
			goto out;
		}
	}
	if (rename(stage, cur) != 0) {
		rc = cli_fail(c, "%s: %s", cur, strerror(errno));
		if (kept[0] != '\0')
			rename(kept, cur);
		unstage(stage);
		goto out;
	}
	/* The renames are durable once the node folder is synced. */
	cli_sync_dir(c->dir);
	if (c->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:s?, s:b}", "file", pos[0], "changesets",
		                      (json_int_t)held, "own_seq", (json_int_t)own, "previous",
		                      kept[0] ? kept : NULL, "writes_held", 1);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("restored %s: %llu changesets, this node's own log up to sequence %llu\n"),
		       pos[0], (unsigned long long)held, (unsigned long long)own);
		if (kept[0] != '\0')
			printf(_("the store it replaced is kept in %s\n"), kept);
		fputs(
		    _("local writes are held until pokjad has learned this node's latest sequence "
		      "from its peers\n(start pokjad; 'pokjactl status' shows when they are "
		      "allowed; 'pokjactl allow-writes' overrides)\n"),
		    stdout);
	}
	rc = EXIT_OK;
out:
	close(lockfd);
	return rc;
}

int cmd_allow_writes(struct cli *c, int argc, char **argv)
{
	struct store_node node;
	struct store_fence f;
	struct pk_diag d = {""};
	struct store *s;
	char *pos[1];
	int npos, rc, err;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 0, 0, &npos)) != 0)
		return rc;
	if ((rc = cli_open(c, 0, &s, &node, NULL, NULL)) != 0)
		return rc;
	err = store_fence_get(s, &f);
	if (err == PK_ENOTFOUND) {
		store_close(s);
		fputs(_("writes were not held\n"), stdout);
		return EXIT_OK;
	}
	if (err == 0)
		err = store_fence_lift(s);
	if (err != 0)
		cli_fail(c, "%s", store_strerror(s, err, &d));
	store_close(s);
	if (err != 0)
		return EXIT_FAIL;
	printf(_("writes allowed (this node holds its own log up to sequence %llu%s)\n"),
	       (unsigned long long)f.have,
	       f.need > f.have ? _("; a peer reported more: later writes may fork this node's log")
	                       : "");
	return EXIT_OK;
}
