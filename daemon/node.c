/* node.c: the node folder (see node.h). */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_TAG "pokja-key-1 "

const char *node_dir(const char *dir)
{
	const char *env;

	if (dir != NULL && dir[0] != '\0')
		return dir;
	env = getenv("POKJA_DIR");
	return env != NULL && env[0] != '\0' ? env : NODE_DEFAULT_DIR;
}

#define LOCK_RETRY_MS 200

int node_lock(const char *dir, const char *prog, int *fd, struct pk_diag *d)
{
	char path[4096], who[64] = "", name[32];
	ssize_t n;
	long pid;
	int f;

	*fd = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/pokjad.lock", dir) >= sizeof(path))
		return pk_diagf(d, PK_EINVAL, "%s: the folder name is too long", dir);
	if ((f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return pk_diagf(d, PK_EIO, "%s: %s", path, strerror(errno));
	/* `pokjactl status` takes the lock shared for a moment to see whether pokjad runs
	 * (health_daemon): a lock refused is asked again for up to LOCK_RETRY_MS, so that such a
	 * look never stops a pokjad that starts at that instant. */
	for (int i = 0; flock(f, LOCK_EX | LOCK_NB) != 0; i++) {
		int e = errno;

		if (e == EWOULDBLOCK && i < LOCK_RETRY_MS / 10) {
			struct timespec ts = {0, 10 * 1000000L};

			nanosleep(&ts, NULL);
			continue;
		}

		if (e != EWOULDBLOCK) {
			close(f);
			return pk_diagf(d, PK_EIO, "%s: %s", path, strerror(e));
		}
		n = pread(f, who, sizeof(who) - 1, 0);
		close(f);
		who[n > 0 ? n : 0] = '\0';
		if (sscanf(who, "%ld %31s", &pid, name) != 2)
			return pk_diagf(d, PK_EEXIST, "another process holds %s", path);
		return pk_diagf(d, PK_EEXIST, "%s (pid %ld) is running on %s", name, pid, dir);
	}
	/* "PID PROG START": health_daemon (health.h) reads it for `pokjactl status`. */
	n = snprintf(who, sizeof(who), "%ld %s %llu\n", (long)getpid(), prog,
	             (unsigned long long)(node_now_ms() / 1000));
	if (ftruncate(f, 0) != 0 || pwrite(f, who, (size_t)n, 0) != n) {
		int e = errno;

		close(f);
		return pk_diagf(d, PK_EIO, "%s: %s", path, strerror(e));
	}
	*fd = f;
	return 0;
}

static void key_path(char *buf, size_t n, const char *dir)
{
	snprintf(buf, n, "%s/%s", dir, NODE_KEY_FILE);
}

int node_key_create(const char *dir, uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES],
                    struct pk_diag *d)
{
	uint8_t seed[PK_SEED_BYTES];
	char path[4096], line[sizeof(KEY_TAG) + 2 * PK_SEED_BYTES + 2];
	int fd, err = 0;
	ssize_t len;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pk_diagf(d, PK_EIO, "%s: %s", dir, strerror(errno));
	key_path(path, sizeof(path), dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return pk_diagf(d, errno == EEXIST ? PK_EEXIST : PK_EIO, "%s: %s", path,
		                errno == EEXIST ? PK_("a node key exists already")
		                                : strerror(errno));
	pk_random(seed, sizeof(seed));
	memcpy(line, KEY_TAG, strlen(KEY_TAG));
	pk_hex(line + strlen(KEY_TAG), seed, sizeof(seed));
	len = (ssize_t)strlen(line);
	line[len++] = '\n';
	if (write(fd, line, (size_t)len) != len || fsync(fd) != 0)
		err = pk_diagf(d, PK_EIO, "%s: %s", path, strerror(errno));
	close(fd);
	if (err != 0) {
		unlink(path);
		return err;
	}
	pk_key_from_seed(seed, pub, sec);
	memset(seed, 0, sizeof(seed));
	memset(line, 0, sizeof(line));
	return 0;
}

int node_key_load(const char *dir, uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES],
                  struct pk_diag *d)
{
	uint8_t seed[PK_SEED_BYTES];
	char path[4096], line[256];
	struct stat st;
	size_t taglen = strlen(KEY_TAG);
	ssize_t n;
	int fd, err = 0;

	key_path(path, sizeof(path), dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pk_diagf(d, errno == ENOENT ? PK_ENOTFOUND : PK_EIO, "%s: %s", path,
		                strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = pk_diagf(d, PK_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & 077) {
		err = pk_diagf(d, PK_EPERM, "%s: readable by others (mode %04o); chmod 600 it",
		               path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, line, sizeof(line) - 1);
	if (n < 0) {
		err = pk_diagf(d, PK_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	line[n] = '\0';
	if ((size_t)n < taglen + 2 * PK_SEED_BYTES || memcmp(line, KEY_TAG, taglen) != 0 ||
	    pk_unhex(seed, sizeof(seed), line + taglen, 2 * PK_SEED_BYTES) != 0) {
		err = pk_diagf(d, PK_EDECODE, "%s: not a pokja key file", path);
		goto out;
	}
	pk_key_from_seed(seed, pub, sec);
out:
	memset(seed, 0, sizeof(seed));
	memset(line, 0, sizeof(line));
	close(fd);
	return err;
}

int node_store_open(const char *dir, unsigned flags, struct store **s, struct pk_diag *d)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, NODE_STORE_DIR);
	if (stat(path, &st) != 0 && errno == ENOENT)
		return pk_diagf(d, PK_ENOTFOUND, "%s: no node here (run 'pokjactl init' first)",
		                dir);
	return store_open(path, flags, s, d);
}

uint64_t node_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char fault_msg[2][512];

static void on_fault(int sig)
{
	const char *m = fault_msg[sig == SIGBUS ? 0 : 1];
	ssize_t r;

	r = write(STDERR_FILENO, m, strlen(m)); /* async-signal-safe */
	(void)r;
	_exit(1);
}

void node_guard_faults(const char *prog, const char *dir, bool all)
{
	struct sigaction sa;

	snprintf(fault_msg[0], sizeof(fault_msg[0]),
	         PK_("%s: the store in %s/%s is damaged (a read of its file faulted); "
	             "restore it from a backup\n"),
	         prog, dir, NODE_STORE_DIR);
	snprintf(fault_msg[1], sizeof(fault_msg[1]),
	         PK_("%s: crashed reading the store in %s/%s, which is most likely damaged; "
	             "'pokjactl verify' says where, or restore it from a backup\n"),
	         prog, dir, NODE_STORE_DIR);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGBUS, &sa, NULL);
	if (all) {
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGABRT, &sa, NULL);
	}
}
