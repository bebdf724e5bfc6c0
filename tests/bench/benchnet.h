/*
 * benchnet.h: a three-level network of real nodes for the replication benchmarks. The national
 * node, the province of Jawa Barat (32) joined to it online and Kota Bekasi (32.75) joined to the
 * province, each in its own folder under one temporary directory, made with $BUILD/pokjactl
 * exactly as an operator would (init --listen, invite, init --join) and run as $BUILD/pokjad
 * child processes on loopback ports derived from the bench's PID.
 *
 * Every daemon started here is stopped at exit (SIGTERM, SIGKILL after 5 s), on SIGINT or
 * SIGTERM, and when the bench overruns its time limit (SIGALRM, armed by bn_setup); each also
 * gets PR_SET_PDEATHSIG so that it dies with the bench even when the bench is killed outright.
 * The temporary directory is removed in all those cases (kept at a normal exit or failure with
 * BENCH_KEEP=1, to read the daemons' logs). Header-only, because the Makefile links
 * each bench from its one .c file.
 */
#ifndef BENCHNET_H
#define BENCHNET_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { BN_NAS, BN_PROV, BN_KOTA, BN_NODES };

struct bn {
	const char *prog;
	char build[512];
	char top[512];
	char dir[BN_NODES][600];
	char log[BN_NODES][600];
	char ctl_log[600];
	volatile pid_t pid[BN_NODES];
	int port[2]; /* the national node's and the province's listen ports */
};

static struct bn bn;
static const char *const bn_names[BN_NODES] = {"nasional", "provinsi", "kota"};

static inline double bn_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void bn_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static inline int bn_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

/* Stops one daemon: SIGTERM, then SIGKILL when it has not exited within 5 s. */
static inline void bn_stop(int node)
{
	pid_t pid = bn.pid[node];

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			bn.pid[node] = 0;
			return;
		}
		bn_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	bn.pid[node] = 0;
}

static inline void bn_cleanup(void)
{
	const char *keep = getenv("BENCH_KEEP");

	for (int i = 0; i < BN_NODES; i++)
		bn_stop(i);
	if (bn.top[0] != '\0' && keep != NULL && *keep == '1')
		fprintf(stderr, "%s: kept %s (BENCH_KEEP=1)\n", bn.prog, bn.top);
	else if (bn.top[0] != '\0')
		nftw(bn.top, bn_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	bn.top[0] = '\0';
}

/* On a signal: only async-signal-safe calls (kill, fork, execv, waitpid, write, _exit). */
static inline void bn_on_signal(int sig)
{
	static const char late[] = ": timed out\n", intr[] = ": interrupted\n";
	pid_t rm;

	for (int i = 0; i < BN_NODES; i++)
		if (bn.pid[i] > 0)
			kill(bn.pid[i], SIGKILL);
	for (int i = 0; i < BN_NODES; i++)
		if (bn.pid[i] > 0)
			waitpid(bn.pid[i], NULL, 0);
	if (bn.top[0] != '\0' && (rm = fork()) == 0) {
		char *argv[] = {"rm", "-rf", bn.top, NULL};
		execv("/bin/rm", argv);
		_exit(127);
	} else if (bn.top[0] != '\0' && rm > 0) {
		waitpid(rm, NULL, 0);
	}
	if (write(2, bn.prog, strlen(bn.prog)) >= 0) {
		if (sig == SIGALRM)
			(void)!write(2, late, sizeof(late) - 1);
		else
			(void)!write(2, intr, sizeof(intr) - 1);
	}
	_exit(1);
}

static inline void bn_dump(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "---- %s\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

/* Prints "PROG: message" and the daemons' logs, then exits 1 (the atexit handler cleans up). */
__attribute__((format(printf, 1, 2), noreturn)) static inline void bn_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bn.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (bn.top[0] != '\0') {
		bn_dump(bn.ctl_log);
		for (int i = 0; i < BN_NODES; i++)
			bn_dump(bn.log[i]);
	}
	exit(1);
}

/* Makes the temporary directory, picks the ports, arms the cleanup and the time limit. */
static inline void bn_setup(const char *prog, unsigned limit_s)
{
	const char *tmp = getenv("TMPDIR"), *build = getenv("BUILD");
	struct sigaction sa;
	int base;

	bn.prog = prog;
	snprintf(bn.build, sizeof(bn.build), "%s", build != NULL && *build ? build : "build");
	snprintf(bn.top, sizeof(bn.top), "%s/pokja-bench-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
	         prog);
	if (mkdtemp(bn.top) == NULL) {
		bn.top[0] = '\0';
		bn_fail("mkdtemp: %s", strerror(errno));
	}
	for (int i = 0; i < BN_NODES; i++) {
		snprintf(bn.dir[i], sizeof(bn.dir[i]), "%s/%s", bn.top, bn_names[i]);
		snprintf(bn.log[i], sizeof(bn.log[i]), "%s/%s.log", bn.top, bn_names[i]);
	}
	snprintf(bn.ctl_log, sizeof(bn.ctl_log), "%s/pokjactl.log", bn.top);
	/* Two ports per PID, in 20000..59999, so that benches run side by side do not collide. */
	base = 20000 + (int)(getpid() % 20000) * 2;
	bn.port[0] = base;
	bn.port[1] = base + 1;
	atexit(bn_cleanup);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bn_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	alarm(limit_s);
}

/* Runs $BUILD/pokjactl with the NULL-terminated arguments; its stdout (trailing newline
 * stripped) into out, its stderr appended to the bench's pokjactl.log. Fails the bench when
 * pokjactl fails. */
static inline void bn_ctl(char *out, size_t cap, ...)
{
	const char *argv[32];
	char bin[600];
	int fd[2], st, argc = 1, logfd;
	size_t n = 0;
	ssize_t r;
	pid_t pid;
	va_list ap;

	snprintf(bin, sizeof(bin), "%s/pokjactl", bn.build);
	argv[0] = bin;
	va_start(ap, cap);
	while (argc < 31 && (argv[argc] = va_arg(ap, const char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (pipe(fd) != 0)
		bn_fail("pipe: %s", strerror(errno));
	if ((pid = fork()) < 0)
		bn_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		logfd = open(bn.ctl_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd[1], 1);
		if (logfd >= 0)
			dup2(logfd, 2);
		close(fd[0]);
		close(fd[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char junk[512];

		if (n < cap - 1)
			r = read(fd[0], out + n, cap - 1 - n);
		else
			r = read(fd[0], junk, sizeof(junk)); /* too long: the rest is dropped */
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n < cap - 1)
			n += (size_t)r;
	}
	close(fd[0]);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		bn_fail("pokjactl %s %s %s failed (%s/pokjactl built?)", argv[1],
		        argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "", bn.build);
}

/* How many times needle occurs in a node's log so far. */
static inline int bn_log_count(int node, const char *needle)
{
	static char buf[1 << 20];
	size_t n;
	int count = 0;
	FILE *f = fopen(bn.log[node], "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (const char *p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		count++;
	return count;
}

/* Waits (up to timeout_ms) until needle occurs in the node's log more than `before` times. */
static inline void bn_wait_log(int node, const char *needle, int before, int timeout_ms)
{
	double end = bn_mono() + timeout_ms / 1000.0;

	while (bn_log_count(node, needle) <= before) {
		if (bn_mono() > end)
			bn_fail("%s: no '%s' in its log within %d ms", bn_names[node], needle,
			        timeout_ms);
		if (bn.pid[node] > 0 && waitpid(bn.pid[node], NULL, WNOHANG) == bn.pid[node]) {
			bn.pid[node] = 0;
			bn_fail("pokjad for %s exited", bn_names[node]);
		}
		bn_sleep_ms(10);
	}
}

/* Starts pokjad for a node, logging to its log file (appended across restarts). */
static inline void bn_start(int node)
{
	char bin[600];
	pid_t pid;
	int fd;

	snprintf(bin, sizeof(bin), "%s/pokjad", bn.build);
	if ((pid = fork()) < 0)
		bn_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {bin, "--dir", bn.dir[node], NULL};
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(bn.log[node], O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0)
			dup2(fd, 2);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execv(bin, argv);
		_exit(127);
	}
	bn.pid[node] = pid;
}

/*
 * Builds the network: the national node and the province listening (both left running, since
 * the joins go through them), Kota Bekasi joined to the province and not yet started.
 */
static inline void bn_build(void)
{
	char url[2][64], token[2048], out[4096];

	for (int i = 0; i < 2; i++)
		snprintf(url[i], sizeof(url[i]), "tcp://127.0.0.1:%d", bn.port[i]);
	bn_ctl(out, sizeof(out), "--dir", bn.dir[BN_NAS], "init", "--listen", url[0], NULL);
	bn_start(BN_NAS);
	bn_wait_log(BN_NAS, " listen: ", 0, 10000);
	bn_ctl(token, sizeof(token), "--dir", bn.dir[BN_NAS], "invite", "--region", "32", NULL);
	bn_ctl(out, sizeof(out), "init", "--dir", bn.dir[BN_PROV], "--join", token, "--listen",
	       url[1], NULL);
	bn_start(BN_PROV);
	bn_wait_log(BN_PROV, " listen: ", 0, 10000);
	bn_ctl(token, sizeof(token), "--dir", bn.dir[BN_PROV], "invite", "--region", "32.75", NULL);
	bn_ctl(out, sizeof(out), "init", "--dir", bn.dir[BN_KOTA], "--join", token, NULL);
}

#endif
