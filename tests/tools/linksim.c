/*
 * linksim.c: a thin, slow, intermittent link between two loopback TCP ports, for tests and the
 * thin-link benchmark (tests/bench/thinlink.sh). A TCP proxy: each connection accepted on the
 * listen address gets its own connection to the upstream address, and bytes are copied both ways
 * through a simulated link.
 *
 *   linksim --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT [--rate BITS_PER_S]
 *           [--delay MS] [--cut-every MS | --cut-period MS] [--down MS] [--seed N]
 *           [--stats FILE] [--quiet]
 *
 *   --rate        each direction of each connection separately limited to this many bits a
 *                 second (a token bucket whose burst is one MSS, 1460 bytes); 0: no limit
 *   --delay       one-way latency added in each direction: a byte read at t is written on at
 *                 t + MS at the earliest, in order (the rate limit applies before the delay,
 *                 as on a real line: serialisation, then propagation)
 *   --cut-every   random cuts, the gaps between them exponential with this mean (seeded by
 *                 --seed, default 1, so a run is reproducible); --cut-period: a cut every MS
 *   --down        after a cut, new connections are accepted and reset at once for this long
 *                 (default 500 ms); at the cut itself every open connection pair is reset
 *                 (SO_LINGER 0, so both ends see ECONNRESET, as when a modem drops)
 *   --stats       on exit and on SIGUSR1, FILE is replaced by one JSON object: bytes_up
 *                 (written to the upstream), bytes_down (written back to the clients), connections
 *                 (accepted and forwarded), refused (accepted while down), upstream_failures,
 *                 cuts, pairs_cut, open, uptime_ms
 *
 * Prints "linksim: listening on ADDR" on stderr once it accepts connections, then one line per
 * connection, cut and failure (--quiet: only failures). An upstream that cannot be reached closes
 * the client's connection and is logged; the proxy goes on. SIGTERM or SIGINT: writes the stats,
 * exits 0. Exits 2 on a usage error, 1 when it cannot listen.
 *
 * One thread, one epoll set; no busy loop: the wait's timeout is the nearest of the next cut, the
 * next release of delayed bytes and the next time the token bucket has a segment's worth.
 * Memory is bounded: each direction holds at most BUF_CAP bytes, and a side is not read while its
 * direction is full, so a slow link pushes back on the sender as TCP would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_CAP (64 * 1024) /* bytes held per direction: the backpressure bound */
#define MARKS 1024          /* admitted runs of bytes per direction awaiting their release */
#define MSS 1460            /* the token bucket's burst, and the unit it releases */
#define PAIRS_MAX 256       /* connection pairs open at once; more are reset at accept */
#define EVENTS 64
#define RATE_MAX 10000000000LL /* 10 Gbit/s */
#define MS_MAX 86400000LL      /* a day */

enum { UP, DOWN };               /* client to upstream, upstream to client */
enum { K_LISTEN, K_SIG, K_END }; /* what an epoll entry is */

struct pair;

/* One socket of a pair, as epoll sees it. */
struct end {
	int kind;
	int fd;
	uint32_t mask; /* the events asked of epoll now */
	struct pair *p;
	int side;     /* 0: the client, 1: the upstream */
	bool removed; /* out of the epoll set: nothing more to read from or write to it */
};

/* A run of admitted bytes: everything before stream position end may be written at release. */
struct mark {
	uint64_t end;
	uint64_t release_us;
};

/* One direction. Positions count bytes since the connection opened: written <= released <=
 * admitted <= received, and received - written <= BUF_CAP (buf is a ring indexed by position). */
struct dir {
	uint8_t buf[BUF_CAP];
	uint64_t received, admitted, released, written;
	struct mark marks[MARKS];
	unsigned mhead, mcount;
	double tokens; /* bytes the bucket allows now */
	uint64_t refill_us;
	bool eof;        /* the source sent FIN */
	uint64_t eof_us; /* ... and it is passed on no earlier than this */
	bool shut;       /* FIN passed on */
};

struct pair {
	struct end e[2];
	struct dir d[2]; /* d[UP] reads e[0] and writes e[1]; d[DOWN] the other way */
	bool connecting;
	bool dead;
	unsigned id;
	struct pair *next;
};

struct opts {
	struct sockaddr_in listen, upstream;
	long long rate;     /* bits per second; 0: unlimited */
	long long delay_ms; /* one way */
	long long cut_ms;   /* mean or period; 0: no cuts */
	bool cut_fixed;
	long long down_ms;
	unsigned long long seed;
	const char *stats;
	bool quiet;
};

static struct opts o = {.down_ms = 500, .seed = 1};
static int ep = -1;
static struct pair *pairs;
static unsigned npairs, next_id;
static uint64_t start_us, next_cut_us, down_until_us, rng;
static struct {
	uint64_t bytes[2], connections, refused, upstream_failures, cuts, pairs_cut;
} st;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void say(bool always, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(bool always, const char *fmt, ...)
{
	va_list ap;

	if (o.quiet && !always)
		return;
	fprintf(stderr, "linksim: %.3f ", (double)(now_us() - start_us) / 1e6);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* splitmix64: small, seedable, and good enough for cut times. */
static uint64_t rand64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t cut_gap_us(void)
{
	double u;

	if (o.cut_fixed)
		return (uint64_t)o.cut_ms * 1000u;
	u = (double)(rand64() >> 11) / 9007199254740992.0; /* [0, 1) */
	return (uint64_t)(-log(1.0 - u) * (double)o.cut_ms * 1000.0) + 1;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "linksim: %s\n", why);
	fprintf(
	    stderr,
	    "usage: linksim --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT [--rate BITS_PER_S]\n"
	    "               [--delay MS] [--cut-every MS | --cut-period MS] [--down MS] "
	    "[--seed N]\n"
	    "               [--stats FILE] [--quiet]\n");
	return 2;
}

/* A loopback IPv4 "host:port"; the port 1..65535. */
static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return -1;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	if ((ntohl(a->sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

static int parse_num(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	bool have_listen = false, have_up = false, have_cut = false;
	char why[160];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long n;
		int bad = 0;

		if (strcmp(a, "--quiet") == 0) {
			o.quiet = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(NULL);
		if (!v) {
			snprintf(why, sizeof(why), "%.60s needs a value (or is not a flag)", a);
			return usage(why);
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			bad = parse_addr(v, &o.listen);
			have_listen = true;
		} else if (strcmp(a, "--upstream") == 0) {
			bad = parse_addr(v, &o.upstream);
			have_up = true;
		} else if (strcmp(a, "--rate") == 0) {
			bad = parse_num(v, RATE_MAX, &o.rate);
		} else if (strcmp(a, "--delay") == 0) {
			bad = parse_num(v, MS_MAX, &o.delay_ms);
		} else if (strcmp(a, "--cut-every") == 0 || strcmp(a, "--cut-period") == 0) {
			if (have_cut)
				return usage("give one of --cut-every and --cut-period");
			have_cut = true;
			o.cut_fixed = strcmp(a, "--cut-period") == 0;
			bad = parse_num(v, MS_MAX, &o.cut_ms) || o.cut_ms == 0;
		} else if (strcmp(a, "--down") == 0) {
			bad = parse_num(v, MS_MAX, &o.down_ms);
		} else if (strcmp(a, "--seed") == 0) {
			bad = parse_num(v, LLONG_MAX, &n);
			o.seed = (unsigned long long)n;
		} else if (strcmp(a, "--stats") == 0) {
			o.stats = v;
			bad = *v == '\0';
		} else {
			snprintf(why, sizeof(why), "unknown flag %.60s", a);
			return usage(why);
		}
		if (bad) {
			snprintf(why, sizeof(why),
			         "bad value for %s: '%.60s' (addresses: 127.x.x.x:PORT; numbers: "
			         "whole, not negative%s)",
			         a, v, strncmp(a, "--cut", 5) == 0 ? ", above 0" : "");
			return usage(why);
		}
	}
	if (!have_listen || !have_up)
		return usage("--listen and --upstream are both needed");
	return 0;
}

/* Asks epoll for the events an end needs now; a no-op when they have not changed. */
static void want(struct end *e, uint32_t mask)
{
	struct epoll_event ev = {.events = mask, .data.ptr = e};

	if (e->fd < 0 || e->mask == mask || e->removed)
		return;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, e->fd, &ev) == 0)
		e->mask = mask;
}

static void close_end(struct end *e, bool reset)
{
	if (e->fd < 0)
		return;
	if (reset) {
		struct linger l = {1, 0};

		setsockopt(e->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	if (!e->removed)
		epoll_ctl(ep, EPOLL_CTL_DEL, e->fd, NULL);
	close(e->fd);
	e->fd = -1;
}

/* Closes both sockets (reset: with RST) and leaves the pair to be freed after this round of
 * events, which may still point at it. */
static void kill_pair(struct pair *p, bool reset, const char *why)
{
	if (p->dead)
		return;
	close_end(&p->e[0], reset);
	close_end(&p->e[1], reset);
	p->dead = true;
	npairs--;
	say(false, "connection %u closed (%s): %llu bytes up, %llu down", p->id, why,
	    (unsigned long long)p->d[UP].written, (unsigned long long)p->d[DOWN].written);
}

static void reap_pairs(void)
{
	struct pair **pp = &pairs;

	while (*pp) {
		struct pair *p = *pp;

		if (p->dead) {
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

static int add_end(struct end *e, uint32_t mask)
{
	struct epoll_event ev = {.events = mask, .data.ptr = e};

	if (epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) != 0)
		return -1;
	e->mask = mask;
	return 0;
}

static void accept_one(int lfd, uint64_t now)
{
	int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), ufd;
	struct pair *p;
	struct end reject = {.fd = cfd};

	if (cfd < 0)
		return;
	if (now < down_until_us || npairs >= PAIRS_MAX) {
		st.refused++;
		say(false, "connection refused (%s)",
		    now < down_until_us ? "link down" : "too many");
		close_end(&reject, true);
		return;
	}
	p = calloc(1, sizeof(*p));
	ufd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!p || ufd < 0) {
		say(true, "connection dropped: %s", strerror(errno));
		free(p);
		if (ufd >= 0)
			close(ufd);
		close_end(&reject, true);
		return;
	}
	p->id = ++next_id;
	for (int s = 0; s < 2; s++) {
		p->e[s] = (struct end){.kind = K_END, .fd = s ? ufd : cfd, .p = p, .side = s};
		p->d[s].tokens = MSS;
		p->d[s].refill_us = now;
	}
	p->next = pairs;
	pairs = p;
	npairs++;
	st.connections++;
	if (add_end(&p->e[0], EPOLLIN) != 0 || add_end(&p->e[1], EPOLLOUT) != 0) {
		kill_pair(p, true, "epoll failed");
		return;
	}
	p->connecting = true;
	if (connect(ufd, (struct sockaddr *)&o.upstream, sizeof(o.upstream)) != 0 &&
	    errno != EINPROGRESS) {
		st.upstream_failures++;
		say(true, "connection %u: upstream unreachable: %s", p->id, strerror(errno));
		kill_pair(p, true, "upstream unreachable");
		return;
	}
	say(false, "connection %u opened", p->id);
}

/* The upstream connect finished (or failed). */
static void connected(struct pair *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->e[1].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err) {
		st.upstream_failures++;
		say(true, "connection %u: upstream unreachable: %s", p->id, strerror(err));
		kill_pair(p, true, "upstream unreachable");
		return;
	}
	p->connecting = false;
}

/* Reads what the source has into the ring, as far as there is room. 0, or -1 when the pair was
 * killed. */
static int fill(struct pair *p, int di, uint64_t now)
{
	struct dir *d = &p->d[di];
	int fd = p->e[di == UP ? 0 : 1].fd;

	if (di == DOWN && p->connecting)
		return 0;
	while (!d->eof && d->received - d->written < BUF_CAP) {
		size_t at = (size_t)(d->received % BUF_CAP);
		size_t room = BUF_CAP - (size_t)(d->received - d->written);
		ssize_t n;

		if (room > BUF_CAP - at)
			room = BUF_CAP - at;
		n = read(fd, d->buf + at, room);
		if (n > 0) {
			d->received += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			d->eof = true;
			d->eof_us = now + (uint64_t)o.delay_ms * 1000u;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		kill_pair(p, true, strerror(errno));
		return -1;
	}
	return 0;
}

/* Moves bytes through the bucket onto the wire (admitted, stamped with their release time) and
 * releases those whose time has come. Admission goes a segment at a time (or what is waiting,
 * when less), so a thin link wakes the loop once per segment, not once per byte. */
static void advance(struct dir *d, uint64_t now)
{
	uint64_t waiting = d->received - d->admitted;

	if (waiting > 0 && d->mcount < MARKS) {
		uint64_t n = waiting;

		if (o.rate > 0) {
			double per_us = (double)o.rate / 8e6;
			uint64_t quantum = waiting < MSS ? waiting : MSS;

			d->tokens += (double)(now - d->refill_us) * per_us;
			if (d->tokens > MSS)
				d->tokens = MSS;
			d->refill_us = now;
			n = d->tokens >= (double)quantum ? (uint64_t)d->tokens : 0;
			if (n > waiting)
				n = waiting;
			d->tokens -= (double)n;
		}
		if (n > 0) {
			uint64_t rel = now + (uint64_t)o.delay_ms * 1000u;
			struct mark *last =
			    d->mcount ? &d->marks[(d->mhead + d->mcount - 1) % MARKS] : NULL;

			d->admitted += n;
			if (last && last->release_us == rel) {
				last->end = d->admitted;
			} else {
				d->marks[(d->mhead + d->mcount) % MARKS] =
				    (struct mark){d->admitted, rel};
				d->mcount++;
			}
		}
	} else if (o.rate > 0 && waiting == 0) {
		/* Idle: the bucket fills up to its burst meanwhile. */
		d->tokens += (double)(now - d->refill_us) * ((double)o.rate / 8e6);
		if (d->tokens > MSS)
			d->tokens = MSS;
		d->refill_us = now;
	}
	while (d->mcount && d->marks[d->mhead].release_us <= now) {
		d->released = d->marks[d->mhead].end;
		d->mhead = (d->mhead + 1) % MARKS;
		d->mcount--;
	}
}

/* Writes released bytes to the destination; passes FIN on when everything before it is out.
 * 0, or -1 when the pair was killed. */
static int drain(struct pair *p, int di, uint64_t now)
{
	struct dir *d = &p->d[di];
	int fd = p->e[di == UP ? 1 : 0].fd;

	if (p->connecting)
		return 0;
	while (d->written < d->released) {
		size_t at = (size_t)(d->written % BUF_CAP);
		size_t len = (size_t)(d->released - d->written);
		ssize_t n;

		if (len > BUF_CAP - at)
			len = BUF_CAP - at;
		n = send(fd, d->buf + at, len, MSG_NOSIGNAL);
		if (n > 0) {
			d->written += (uint64_t)n;
			st.bytes[di] += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		kill_pair(p, true, n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	if (d->eof && !d->shut && d->written == d->received && now >= d->eof_us) {
		shutdown(fd, SHUT_WR);
		d->shut = true;
	}
	return 0;
}

/* Brings a pair forward and asks epoll for what it needs next. */
static void step(struct pair *p, uint64_t now)
{
	for (int di = 0; di < 2; di++) {
		if (p->dead)
			return;
		if (fill(p, di, now) != 0)
			return;
		advance(&p->d[di], now);
		if (drain(p, di, now) != 0)
			return;
	}
	if (p->d[UP].shut && p->d[DOWN].shut) {
		kill_pair(p, false, "closed by both ends");
		return;
	}
	for (int s = 0; s < 2; s++) {
		struct dir *in = &p->d[s == 0 ? UP : DOWN], *out = &p->d[s == 0 ? DOWN : UP];
		uint32_t mask = 0;

		if (!in->eof && in->received - in->written < BUF_CAP && !(s == 1 && p->connecting))
			mask |= EPOLLIN;
		if ((s == 1 && p->connecting) || out->written < out->released)
			mask |= EPOLLOUT;
		/* Done with both ways, this socket may report EPOLLHUP at every wait while the
		 * other side still drains: it leaves the set. */
		if (in->eof && out->shut && !p->e[s].removed) {
			epoll_ctl(ep, EPOLL_CTL_DEL, p->e[s].fd, NULL);
			p->e[s].removed = true;
		}
		want(&p->e[s], mask);
	}
}

/* The earliest time (in us) when some pair has something to do without an event; or 0. */
static uint64_t next_due(uint64_t now)
{
	uint64_t due = o.cut_ms ? next_cut_us : 0;

	for (struct pair *p = pairs; p; p = p->next) {
		if (p->dead)
			continue;
		for (int di = 0; di < 2; di++) {
			struct dir *d = &p->d[di];
			uint64_t t = 0, waiting = d->received - d->admitted;

			if (d->mcount)
				t = d->marks[d->mhead].release_us;
			if (waiting && d->mcount < MARKS && o.rate > 0) {
				uint64_t quantum = waiting < MSS ? waiting : MSS;
				double lack = (double)quantum - d->tokens;
				uint64_t w =
				    lack > 0 ? (uint64_t)(lack * 8e6 / (double)o.rate) + 1 : 0;

				if (!t || now + w < t)
					t = now + w;
			}
			if (d->eof && !d->shut && d->written == d->received && d->eof_us > now &&
			    (!t || d->eof_us < t))
				t = d->eof_us;
			if (t && (!due || t < due))
				due = t;
		}
	}
	return due;
}

static void cut(uint64_t now)
{
	unsigned n = 0;

	for (struct pair *p = pairs; p; p = p->next) {
		if (!p->dead) {
			kill_pair(p, true, "cut");
			n++;
		}
	}
	st.cuts++;
	st.pairs_cut += n;
	down_until_us = now + (uint64_t)o.down_ms * 1000u;
	say(false, "cut %llu: %u connection(s) reset, down for %lld ms",
	    (unsigned long long)st.cuts, n, o.down_ms);
	next_cut_us += cut_gap_us();
	if (next_cut_us <= now)
		next_cut_us = now + cut_gap_us();
}

/* Replaces the stats file (through a temporary file and rename, so that a reader never sees a
 * half-written one). */
static void write_stats(void)
{
	char tmp[4096];
	FILE *f;

	if (!o.stats)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.stats);
	f = fopen(tmp, "w");
	if (!f) {
		say(true, "cannot write %s: %s", tmp, strerror(errno));
		return;
	}
	fprintf(f,
	        "{\"bytes_up\": %llu, \"bytes_down\": %llu, \"connections\": %llu, "
	        "\"refused\": %llu, \"upstream_failures\": %llu, \"cuts\": %llu, "
	        "\"pairs_cut\": %llu, \"open\": %u, \"uptime_ms\": %llu}\n",
	        (unsigned long long)st.bytes[UP], (unsigned long long)st.bytes[DOWN],
	        (unsigned long long)st.connections, (unsigned long long)st.refused,
	        (unsigned long long)st.upstream_failures, (unsigned long long)st.cuts,
	        (unsigned long long)st.pairs_cut, npairs,
	        (unsigned long long)((now_us() - start_us) / 1000u));
	if (fclose(f) != 0 || rename(tmp, o.stats) != 0)
		say(true, "cannot write %s: %s", o.stats, strerror(errno));
}

static int open_listener(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&o.listen, sizeof(o.listen)) != 0 || listen(fd, 64) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct end lend = {.kind = K_LISTEN, .fd = -1}, sigend = {.kind = K_SIG, .fd = -1};
	struct epoll_event evs[EVENTS];
	char addr[INET_ADDRSTRLEN] = "?";
	sigset_t sigs;
	bool running = true;
	int rc = parse_args(argc, argv);

	if (rc != 0)
		return rc;
	start_us = now_us();
	rng = o.seed;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sigend.fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	lend.fd = open_listener();
	inet_ntop(AF_INET, &o.listen.sin_addr, addr, sizeof(addr));
	if (ep < 0 || sigend.fd < 0 || lend.fd < 0 || add_end(&lend, EPOLLIN) != 0 ||
	    add_end(&sigend, EPOLLIN) != 0) {
		say(true, "cannot listen on %s:%u: %s (is the port taken?)", addr,
		    ntohs(o.listen.sin_port), strerror(errno));
		return 1;
	}
	if (o.cut_ms)
		next_cut_us = start_us + cut_gap_us();
	say(true, "listening on %s:%u", addr, ntohs(o.listen.sin_port));
	write_stats();
	while (running) {
		uint64_t now = now_us(), due = next_due(now);
		int timeout = -1, n;

		if (due)
			timeout = due <= now ? 0 : (int)((due - now + 999) / 1000);
		n = epoll_wait(ep, evs, EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			say(true, "epoll_wait: %s", strerror(errno));
			rc = 1;
			break;
		}
		now = now_us();
		for (int i = 0; i < n; i++) {
			struct end *e = evs[i].data.ptr;

			if (e->kind == K_LISTEN) {
				for (int k = 0; k < 16; k++)
					accept_one(lend.fd, now);
			} else if (e->kind == K_SIG) {
				struct signalfd_siginfo si;

				while (read(sigend.fd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGUSR1) {
						write_stats();
					} else {
						say(true, "signal %u: stopping", si.ssi_signo);
						running = false;
					}
				}
			} else if (e->p->dead) {
				continue;
			} else if (e->p->connecting && e->side == 1) {
				if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
					connected(e->p);
			} else if (evs[i].events & EPOLLERR) {
				/* A reset: the error would be reported at every wait. */
				kill_pair(e->p, true, "reset by a peer");
			}
		}
		if (o.cut_ms && now >= next_cut_us)
			cut(now);
		for (struct pair *p = pairs; p; p = p->next)
			if (!p->dead)
				step(p, now);
		reap_pairs();
	}
	for (struct pair *p = pairs; p; p = p->next)
		kill_pair(p, true, "stopping");
	reap_pairs();
	write_stats();
	close(lend.fd);
	close(sigend.fd);
	close(ep);
	return rc;
}
