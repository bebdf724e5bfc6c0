/*
 * attack.c: hostile connections to a pokjad listen port before any authentication (SPEC section
 * 14, "The listen port"), for tests. Loopback targets only; bounded in connections and time; it
 * stops by itself.
 *
 *   attack --url tcp://127.0.0.1:PORT [--count N] [--seconds S] [--from 127.0.0.X]
 *          [--spread K] [--reopen] MODE
 *
 * Modes (each of the N connections, all open at once):
 *   idle       connects and sends nothing
 *   garbage    sends 64 random bytes instead of an SP header, then waits
 *   huge       a valid SP header, then a frame announcing 4,194,000 bytes and as much of it as
 *              the socket takes (all but the last byte at most), then waits
 *   slowloris  a valid SP header, then a frame of 200 bytes one byte a second
 *
 * --from binds the connections to source addresses from 127.0.0.X on, spread over K of them
 * (default 1); --reopen opens a new connection whenever the server closed one (at most 100,000
 * in all). After --seconds (default 10, at most 300) it prints one line:
 *
 *   MODE: connected C, failed F, closed by the server S (slowest after MS ms), open O
 *
 * and exits 0; 1 when nothing could connect, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define COUNT_MAX 4096
#define SECONDS_MAX 300
#define CONNECTS_MAX 100000
#define HUGE_LEN 4194000u
#define SLOW_LEN 200u

enum mode { M_IDLE, M_GARBAGE, M_HUGE, M_SLOW };

struct link {
	int fd;
	uint64_t opened_ms, next_ms;
	uint64_t sent; /* bytes of the frame (after the SP header) sent */
	bool sp_sent;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int usage(void)
{
	fprintf(stderr, "usage: attack --url tcp://127.0.0.1:PORT [--count N] [--seconds S] "
	                "[--from 127.0.0.X] [--spread K] [--reopen] idle|garbage|huge|slowloris\n");
	return 2;
}

static struct sockaddr_in target, source;
static unsigned spread = 1, turn;
static enum mode mode;

static int open_link(struct link *l, uint64_t now)
{
	struct sockaddr_in src = source;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	l->fd = -1;
	if (fd < 0)
		return -1;
	if (source.sin_addr.s_addr != 0) {
		src.sin_addr.s_addr = htonl(ntohl(source.sin_addr.s_addr) + turn++ % spread);
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&target, sizeof(target)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	l->fd = fd;
	l->opened_ms = l->next_ms = now;
	l->sent = 0;
	l->sp_sent = false;
	return 0;
}

/* Sends what the mode sends next; the socket is non-blocking, so a full buffer just waits. */
static void feed(struct link *l, uint64_t now)
{
	static const uint8_t sp[8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0};
	static uint8_t junk[65536];
	uint8_t frame[8];
	uint64_t len = mode == M_HUGE ? HUGE_LEN : SLOW_LEN;

	if (mode == M_IDLE || now < l->next_ms)
		return;
	if (mode == M_GARBAGE) {
		if (!l->sp_sent) {
			for (size_t i = 0; i < 64; i++)
				junk[i] = (uint8_t)rand();
			if (send(l->fd, junk, 64, MSG_NOSIGNAL) == 64)
				l->sp_sent = true;
		}
		return;
	}
	if (!l->sp_sent) {
		if (send(l->fd, sp, sizeof(sp), MSG_NOSIGNAL) != (ssize_t)sizeof(sp))
			return;
		l->sp_sent = true;
	}
	for (int i = 0; i < 8; i++)
		frame[i] = (uint8_t)(len >> (56 - 8 * i));
	if (mode == M_SLOW) {
		uint8_t b = l->sent < 8 ? frame[l->sent] : 0x90;
		if (l->sent < 8 + len - 1 && send(l->fd, &b, 1, MSG_NOSIGNAL) == 1)
			l->sent++;
		l->next_ms = now + 1000;
		return;
	}
	while (l->sent < 8 + len - 1) {
		const uint8_t *p = l->sent < 8 ? frame + l->sent : junk;
		size_t n = l->sent < 8 ? 8 - (size_t)l->sent : sizeof(junk);
		ssize_t k;
		if (l->sent >= 8 && n > 8 + len - 1 - l->sent)
			n = (size_t)(8 + len - 1 - l->sent);
		if ((k = send(l->fd, p, n, MSG_NOSIGNAL)) <= 0)
			break;
		l->sent += (uint64_t)k;
	}
	l->next_ms = now + 100;
}

int main(int argc, char **argv)
{
	unsigned count = 100, seconds = 10, connected = 0, failed = 0, closed = 0, opens = 0;
	uint64_t slowest = 0, start, now, until;
	const char *url = NULL, *from = NULL, *m = NULL;
	static struct link links[COUNT_MAX];
	static struct pollfd pf[COUNT_MAX];
	bool reopen = false;
	unsigned port, open_now = 0;
	char host[64];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--spread") == 0 && i + 1 < argc)
			spread = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reopen") == 0)
			reopen = true;
		else if (argv[i][0] != '-' && m == NULL)
			m = argv[i];
		else
			return usage();
	}
	if (url == NULL || m == NULL || count == 0 || count > COUNT_MAX || seconds == 0 ||
	    seconds > SECONDS_MAX || spread == 0 || spread > 250)
		return usage();
	if (strcmp(m, "idle") == 0)
		mode = M_IDLE;
	else if (strcmp(m, "garbage") == 0)
		mode = M_GARBAGE;
	else if (strcmp(m, "huge") == 0)
		mode = M_HUGE;
	else if (strcmp(m, "slowloris") == 0)
		mode = M_SLOW;
	else
		return usage();
	if (sscanf(url, "tcp://%63[0-9.]:%u", host, &port) != 2 || port == 0 || port > 65535)
		return usage();
	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	target.sin_port = htons((uint16_t)port);
	memset(&source, 0, sizeof(source));
	source.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &target.sin_addr) != 1 ||
	    (ntohl(target.sin_addr.s_addr) >> 24) != 127 ||
	    (from != NULL && (inet_pton(AF_INET, from, &source.sin_addr) != 1 ||
	                      (ntohl(source.sin_addr.s_addr) >> 24) != 127))) {
		fprintf(stderr, "attack: loopback addresses (127.0.0.0/8) only\n");
		return 2;
	}
	srand((unsigned)getpid());
	start = now = mono_ms();
	until = start + 1000u * seconds;
	for (unsigned i = 0; i < count; i++) {
		if (open_link(&links[i], now) == 0) {
			connected++;
			open_now++;
		} else {
			failed++;
		}
		opens++;
	}
	while ((now = mono_ms()) < until) {
		for (unsigned i = 0; i < count; i++) {
			pf[i].fd = links[i].fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			if (links[i].fd >= 0)
				feed(&links[i], now);
		}
		poll(pf, count, 100);
		now = mono_ms();
		for (unsigned i = 0; i < count; i++) {
			uint8_t buf[4096];
			ssize_t n;
			if (links[i].fd < 0 || pf[i].revents == 0)
				continue;
			n = recv(links[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
				continue;
			close(links[i].fd);
			links[i].fd = -1;
			closed++;
			open_now--;
			if (now - links[i].opened_ms > slowest)
				slowest = now - links[i].opened_ms;
			if (reopen && opens < CONNECTS_MAX) {
				opens++;
				if (open_link(&links[i], now) == 0) {
					connected++;
					open_now++;
				} else {
					failed++;
				}
			}
		}
	}
	for (unsigned i = 0; i < count; i++)
		if (links[i].fd >= 0)
			close(links[i].fd);
	printf("%s: connected %u, failed %u, closed by the server %u (slowest after %llu ms), "
	       "open %u\n",
	       m, connected, failed, closed, (unsigned long long)slowest, open_now);
	return connected == 0 ? 1 : 0;
}
