/*
 * store_notify.c: commit notification (store.h; proto/SPEC.md section 11, "Commit
 * notification"). Every process that commits a write transaction to a store sends a one-byte
 * datagram to the Unix socket STORE_NOTIFY_SOCK in the store folder, where pokjad listens, so
 * that a `pokjactl put` reaches pokjad's loops without pokjad polling the store. pokjad's own
 * commits call its callback directly instead.
 *
 * Why a socket poked after the commit and not an inotify watch on data.mdb: LMDB writes the meta
 * page that commits a transaction with pwrite(), and inotify reports that write before the writer
 * publishes the new transaction id to readers (mti_txnid in lock.mdb, a store to shared memory
 * after pwrite returns), so a reader woken by the event may still see the old snapshot, with no
 * later event to wake it again: it would have to poll. Measured on a 2-core machine, 1000
 * commits from another process, each 2 ms apart: with inotify, 1 commit in 1000 was not yet
 * visible after its last event (in each of two runs); with this socket the listener woke p50
 * 24 us (p99 0.8 ms on the loaded machine) after the writer's commit returned, the commit
 * itself (fsync) taking p50 0.33 ms. inotify instances are also capped per user
 * (fs.inotify.max_user_instances, 128 by default), fewer than the daemons of a whole country on
 * one machine. A writer that does not poke (another LMDB tool) is caught by pokjad's look at
 * the store's generation at each heartbeat.
 *
 * Cost to a writer: one sendto() per commit, under 1 us (with or without a listener).
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The socket's address: its path when that fits sun_path, else the same file reached through
 * the store folder held open (Linux resolves /proc/self/fd/N as the folder). */
static void notify_addr(struct store *s)
{
	size_t n;

	memset(&s->note_addr, 0, sizeof(s->note_addr));
	s->note_addr.sun_family = AF_UNIX;
	n = (size_t)snprintf(s->note_addr.sun_path, sizeof(s->note_addr.sun_path), "%s/%s", s->path,
	                     STORE_NOTIFY_SOCK);
	if (n >= sizeof(s->note_addr.sun_path)) {
		s->note_dir = open(s->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		n = (size_t)snprintf(s->note_addr.sun_path, sizeof(s->note_addr.sun_path),
		                     "/proc/self/fd/%d/%s", s->note_dir, STORE_NOTIFY_SOCK);
	}
	s->note_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

void st_notify_init(struct store *s)
{
	s->note_in = s->note_out = s->note_dir = -1;
	if (s->rdonly)
		return;
	notify_addr(s);
	s->note_out = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

void st_notify_commit(struct store *s)
{
	void (*fn)(void *) = atomic_load_explicit(&s->note_fn, memory_order_acquire);
	char b = 0;

	if (fn != NULL) {
		fn(s->note_arg);
		return;
	}
	/* Best effort: no listener (ENOENT, ECONNREFUSED) or a full queue (EAGAIN, when the
	 * listener has a wake-up waiting already) is no failure of the commit. */
	if (s->note_out >= 0)
		(void)sendto(s->note_out, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
		             (const struct sockaddr *)&s->note_addr, s->note_len);
}

void st_notify_fini(struct store *s)
{
	store_notify_unlisten(s);
	if (s->note_out >= 0)
		close(s->note_out);
	if (s->note_dir >= 0)
		close(s->note_dir);
	s->note_out = s->note_dir = -1;
}

int store_notify_listen(struct store *s, void (*fn)(void *arg), void *arg, int *fd,
                        struct pk_diag *d)
{
	int sock, err;

	*fd = -1;
	if (s->rdonly || s->note_in >= 0)
		return pk_diagf(d, PK_EINVAL, "%s: cannot listen for commits", s->path);
	if ((sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	/* A file left by a pokjad that was killed: the node lock (node_lock) says no other
	 * pokjad runs on this folder, so it is ours to replace. */
	unlink(s->note_addr.sun_path);
	if (bind(sock, (const struct sockaddr *)&s->note_addr, s->note_len) != 0) {
		close(sock);
		goto fail;
	}
	s->note_arg = arg;
	atomic_store_explicit(&s->note_fn, fn, memory_order_release);
	s->note_in = sock;
	*fd = sock;
	return 0;
fail:
	err = pk_errno_err(errno);
	return pk_diagf(d, err, "%s/%s: cannot listen for commits: %s", s->path, STORE_NOTIFY_SOCK,
	                strerror(errno));
}

void store_notify_drain(int fd)
{
	char buf[64];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

void store_notify_unlisten(struct store *s)
{
	if (s->note_in < 0)
		return;
	atomic_store_explicit(&s->note_fn, NULL, memory_order_release);
	unlink(s->note_addr.sun_path);
	close(s->note_in);
	s->note_in = -1;
}
