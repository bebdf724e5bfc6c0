/* gate.c: the public TCP port in front of nng (see gate.h; SPEC section 14, "The listen port"). */
#include "gate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netaddr.h"

#define SMALL_BUF 2048      /* a direction's buffer before the welcome */
#define BIG_BUF (64 * 1024) /* ... and after it: the copy is done in pieces this large */
#define EVENTS 64           /* epoll events taken per wait */
#define ACCEPTS                                                                                    \
	8                  /* connections accepted per wait: their bytes are read (and most        \
	                      attackers refused) before more are taken */
#define STALE_MS 250       /* no byte for this long: a connection is closed first for room */
#define FD_RESERVE 32      /* descriptors kept free for the store, logs and nng */
#define LOG_EVERY_MS 1000  /* one line per tag at most this often */
#define SP_PROTO_REQ0 0x30 /* nng's protocol numbers in the SP header */
#define SP_PROTO_REP0 0x31
#define TCP_HDR 8 /* a TCP frame: 8-byte big-endian length */
#define IPC_HDR 9 /* an IPC frame: type 1, then the 8-byte length */

enum conn_state {
	ST_SP,    /* reading the peer's 8-byte SP header */
	ST_HELLO, /* reading a frame before the welcome: it must be a hello */
	ST_WAIT,  /* the hello went to nng; its answer decides */
	ST_AUTH,  /* answered with a welcome: bytes are copied both ways */
};

/* One direction of a connection: frames read from one side, translated, written to the other.
 * Bytes buf[off, len) wait to be written; while hold is set they are a frame still being read
 * whole, to be looked at before anything of it goes on. */
struct dir {
	uint8_t *buf;
	size_t cap, len, off;
	uint8_t hdr[IPC_HDR];
	size_t hgot;
	uint64_t left;    /* body bytes of the current frame still to read */
	size_t frame_off; /* where the current frame starts in buf */
	bool in_body, hold;
	uint8_t small[SMALL_BUF];
};

struct conn {
	bool used;
	enum conn_state st;
	int c, u; /* the peer's TCP socket; nng's side, -1 until a hello passes */
	uint32_t cmask, umask;
	struct sockaddr_storage addr;
	char name[INET6_ADDRSTRLEN + 8];
	uint64_t accepted_ms, rx_ms;
	size_t preauth_bytes;
	size_t resume_len; /* a first frame larger than a hello: a resumed session's (its length) */
	uint8_t sp[TCP_HDR], usp[TCP_HDR];
	size_t spgot, uspgot;
	struct dir cu, uc; /* peer to nng, nng to peer */
};

/* At most one line a second per kind of refusal; each kind has its own, so a flood of one
 * (idle connections) never hides the first line of another (handshake timeouts). */
struct ratelog {
	uint64_t last_ms;
	unsigned skipped;
};

struct gate {
	int lfd, ep, evfd, reserve;
	pthread_t tid;
	bool running;
	struct sockaddr_un inner;
	socklen_t inner_len;
	uint8_t self[PK_PUB_BYTES];
	struct gate_limits lim;
	gate_admit_fn admit;
	void *admit_arg;
	struct conn *conns;
	size_t nconns;
	struct ratelog rl_limit, rl_handshake, rl_idle, rl_oversize, rl_protocol, rl_hello;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Logs a warning under tag unless one went out less than LOG_EVERY_MS ago; the next line that
 * goes out counts the ones left out, so an attack cannot fill the log. */
static void limited(struct ratelog *rl, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void limited(struct ratelog *rl, const char *tag, const char *fmt, ...)
{
	uint64_t now = mono_ms();
	char line[256];
	va_list ap;

	if (rl->last_ms != 0 && now - rl->last_ms < LOG_EVERY_MS) {
		rl->skipped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rl->skipped > 0)
		log_warnx(tag, "%s (and %u more like it)", line, rl->skipped);
	else
		log_warnx(tag, "%s", line);
	rl->last_ms = now;
	rl->skipped = 0;
}

static void dir_init(struct dir *d)
{
	memset(d, 0, offsetof(struct dir, small));
	d->buf = d->small;
	d->cap = sizeof(d->small);
}

/* Moves the waiting bytes to the front to make room. */
static void dir_compact(struct dir *d)
{
	if (d->off == 0)
		return;
	memmove(d->buf, d->buf + d->off, d->len - d->off);
	d->frame_off -= d->frame_off >= d->off ? d->off : d->frame_off;
	d->len -= d->off;
	d->off = 0;
}

/* Appends bytes to write; the caller has checked the room. */
static void dir_put(struct dir *d, const void *p, size_t n)
{
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

/* A frame's header has been read whole: its translated header goes out (the body follows in
 * place), and the frame is held back from the other side while `hold`. Both directions. */
static void frame_start(struct dir *d, const uint8_t *hdr, size_t hlen, uint64_t len, bool hold)
{
	d->frame_off = d->len;
	d->hold = hold;
	dir_put(d, hdr, hlen);
	d->hgot = 0;
	d->left = len;
	d->in_body = true;
}

/* n more body bytes of the current frame arrived in place. */
static void frame_more(struct dir *d, size_t n)
{
	d->len += n;
	d->left -= (uint64_t)n;
}

/* The room left for reading, after compacting when it is short; 0 when it is too short for a
 * frame header and a byte, so that a reader waits for the writer. */
static size_t dir_room(struct dir *d)
{
	if (d->cap - d->len < IPC_HDR + 1)
		dir_compact(d);
	return d->cap - d->len < IPC_HDR + 1 ? 0 : d->cap - d->len;
}

/* Switches a direction to the large buffer once the peer is authenticated (or to hold a resumed
 * session's first frame). */
static int dir_grow(struct dir *d)
{
	uint8_t *b;

	if (d->buf != d->small)
		return 0;
	if ((b = malloc(BIG_BUF)) == NULL)
		return PK_ENOMEM;
	memcpy(b, d->buf + d->off, d->len - d->off);
	d->frame_off -= d->frame_off >= d->off ? d->off : d->frame_off;
	d->len -= d->off;
	d->off = 0;
	d->buf = b;
	d->cap = BIG_BUF;
	return 0;
}

static void conn_close(struct gate *g, struct conn *k)
{
	if (k->c >= 0)
		close(k->c);
	if (k->u >= 0)
		close(k->u);
	if (k->cu.buf != k->cu.small)
		free(k->cu.buf);
	if (k->uc.buf != k->uc.small)
		free(k->uc.buf);
	memset(k, 0, offsetof(struct conn, cu));
	k->c = k->u = -1;
	(void)g;
}

/* Sets the epoll interest of one socket when it changed. */
static void watch(struct gate *g, struct conn *k, int fd, uint32_t *cur, uint32_t want, int side)
{
	struct epoll_event ev;

	if (fd < 0 || *cur == want)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u64 = (uint64_t)(k - g->conns) << 1 | (uint64_t)side;
	epoll_ctl(g->ep, EPOLL_CTL_MOD, fd, &ev);
	*cur = want;
}

/* What each socket waits for, from the state and the buffers. */
static void conn_watch(struct gate *g, struct conn *k)
{
	uint32_t cw = 0, uw = 0;

	if ((k->st == ST_SP || k->st == ST_HELLO || k->st == ST_AUTH) && dir_room(&k->cu) > 0)
		cw |= EPOLLIN;
	if (k->uc.len > k->uc.off && !k->uc.hold)
		cw |= EPOLLOUT;
	if (k->u >= 0) {
		if (dir_room(&k->uc) > 0)
			uw |= EPOLLIN;
		if (k->cu.len > k->cu.off && !k->cu.hold)
			uw |= EPOLLOUT;
	}
	watch(g, k, k->c, &k->cmask, cw, 0);
	watch(g, k, k->u, &k->umask, uw, 1);
}

/* Writes what is waiting in d to fd. Returns 0, or -1 when the socket failed. */
static int dir_flush(struct dir *d, int fd)
{
	while (!d->hold && d->len > d->off) {
		ssize_t n = send(fd, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		d->off += (size_t)n;
	}
	if (d->off == d->len)
		d->off = d->len = d->frame_off = 0;
	return 0;
}

/* The body of a REQ/REP message after its header: 32-bit words up to and including the first
 * with its top bit set (nng's request id, after any hops). NULL when there is no such word. */
static const uint8_t *sp_body(const uint8_t *m, size_t len, size_t *blen)
{
	for (size_t i = 0; i + 4 <= len && i < GATE_HEADER_ROOM; i += 4)
		if (m[i] & 0x80) {
			*blen = len - i - 4;
			return m + i + 4;
		}
	return NULL;
}

/* Opens the connection to nng's internal listener and queues the peer's SP header for it. */
static int conn_upstream(struct gate *g, struct conn *k)
{
	struct epoll_event ev;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&g->inner, g->inner_len) != 0) {
		close(fd);
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.u64 = (uint64_t)(k - g->conns) << 1 | 1u;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return -1;
	}
	k->u = fd;
	k->umask = 0;
	return 0;
}

/* Answers the held frame of k->cu, whose REQ header is hlen bytes, with an error message as
 * the parent would (SPEC section 15), and forgets the frame. Returns 0, or -1 to close. */
static int answer(struct conn *k, size_t hlen, const char *code, const char *text)
{
	struct dir *d = &k->cu;
	uint8_t *em = NULL, lenb[TCP_HDR];
	size_t emlen;
	int rv = -1;

	d->len = d->frame_off;
	d->hold = false;
	if (pk_errmsg_make(code, text, &em, &emlen) != 0)
		return -1;
	if (k->uc.cap - k->uc.len >= TCP_HDR + hlen + emlen) {
		put64(lenb, hlen + emlen);
		dir_put(&k->uc, lenb, TCP_HDR);
		dir_put(&k->uc, d->buf + d->frame_off + IPC_HDR, hlen);
		dir_put(&k->uc, em, emlen);
		rv = 0;
	}
	free(em);
	return rv;
}

/*
 * A whole frame from the peer before the welcome, still held in k->cu from frame_off: it must
 * be a hello that pk_hello_read accepts, as the session code reads it, or a request of a session
 * the parent established, which g->admit checks whole (a resumed connection, SPEC section 14).
 * A refused hello is answered as the parent answers it, other bytes that are not a sealed
 * message with malformed; a sealed message that is not admitted closes the connection (a
 * stranger learns nothing, and a child whose session is gone says hello on its next one).
 * Returns 1 to let the hello on, 2 to let the request on and relay the connection from now, 0
 * when the frame was answered, -1 to close.
 */
static int check_hello(struct gate *g, struct conn *k)
{
	struct dir *d = &k->cu;
	const uint8_t *frame = d->buf + d->frame_off + IPC_HDR, *body;
	size_t flen = d->len - d->frame_off - IPC_HDR, blen, hlen;
	struct pk_diag diag = {""};
	struct pk_hello h;
	enum pk_msg_kind kind;
	int err;

	if ((body = sp_body(frame, flen, &blen)) == NULL) {
		limited(&g->rl_protocol, "port-protocol",
		        "%s: a message without a request id; closed", k->name);
		return -1;
	}
	hlen = (size_t)(body - frame);
	if ((kind = pk_msg_kind(body, blen)) == PK_MSG_SEALED) {
		if (g->admit != NULL && g->admit(g->admit_arg, body, blen, true))
			return 2;
		limited(&g->rl_protocol, "port-protocol",
		        "%s: a sealed message of no live session (%zu bytes) on a new connection; "
		        "closed",
		        k->name, blen);
		return -1;
	}
	if (k->resume_len > 0) {
		/* Larger than a hello and not a sealed message, so no resumed session's: closed
		 * (section 14), never answered. */
		limited(&g->rl_protocol, "port-protocol",
		        "%s: a first message of %zu bytes that is no live session's; closed",
		        k->name, blen);
		return -1;
	}
	if (kind != PK_MSG_HELLO) {
		limited(&g->rl_protocol, "port-protocol", "%s: not a hello before the session",
		        k->name);
		return answer(k, hlen, "malformed", "not a pokja message");
	}
	err = pk_hello_read(body, blen, g->self, (uint64_t)time(NULL), &h, &diag);
	if (err == 0)
		return 1;
	limited(&g->rl_hello, "hello-refused", "%s: a hello: %s", k->name, diag.msg);
	return answer(k, hlen, pk_errmsg_code(err), "hello refused");
}

/* The first bytes of a resumed session's first frame, held in k->cu: 0 when they name a live
 * session (g->admit), else -1 (closed as port-protocol). */
static int resume_prefix(struct gate *g, struct conn *k)
{
	struct dir *d = &k->cu;
	const uint8_t *frame = d->buf + d->frame_off + IPC_HDR, *body;
	size_t flen = d->len - d->frame_off - IPC_HDR, blen;

	body = sp_body(frame, flen, &blen);
	if (body != NULL && blen >= PK_SEALED_PREFIX && pk_msg_kind(body, blen) == PK_MSG_SEALED &&
	    g->admit(g->admit_arg, body, blen, false))
		return 0;
	limited(&g->rl_protocol, "port-protocol",
	        "%s: a first message of %zu bytes that is no live session's; closed", k->name,
	        k->resume_len);
	return -1;
}

/* Reads the peer's bytes as far as the state allows. Returns 0 or -1 to close. */
static int read_peer(struct gate *g, struct conn *k, uint64_t now, bool *progress)
{
	struct dir *d = &k->cu;
	ssize_t n;

	while (k->st == ST_SP || k->st == ST_HELLO || k->st == ST_AUTH) {
		size_t room = dir_room(d);
		uint8_t *dst;
		size_t want;

		/* A resumed session's first frame fills the small buffer: it goes on into the large
		 * one only when its first bytes name a live session (gate.h). */
		if (room == 0 && k->resume_len > 0 && k->st == ST_HELLO && d->in_body &&
		    d->buf == d->small) {
			if (resume_prefix(g, k) != 0 || dir_grow(d) != 0)
				return -1;
			room = dir_room(d);
		}
		if (k->st == ST_SP) {
			dst = k->sp + k->spgot;
			want = TCP_HDR - k->spgot;
		} else if (!d->in_body) {
			dst = d->hdr + d->hgot;
			want = TCP_HDR - d->hgot;
		} else {
			dst = d->buf + d->len;
			want = d->left < room ? (size_t)d->left : room;
		}
		if (want == 0 || (room == 0 && k->st != ST_SP))
			return 0;
		n = recv(k->c, dst, want, 0);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		*progress = true;
		k->rx_ms = now;
		if (k->st != ST_AUTH) {
			k->preauth_bytes += (size_t)n;
			if (k->preauth_bytes > GATE_PREAUTH_BYTES + k->resume_len) {
				limited(&g->rl_oversize, "port-oversize",
				        "%s: more than %u bytes before the session; closed",
				        k->name, (unsigned)GATE_PREAUTH_BYTES);
				return -1;
			}
		}
		if (k->st == ST_SP) {
			static const uint8_t reply[TCP_HDR] = {0, 'S',           'P', 0,
			                                       0, SP_PROTO_REP0, 0,   0};
			if ((k->spgot += (size_t)n) < TCP_HDR)
				continue;
			if (k->sp[0] != 0 || k->sp[1] != 'S' || k->sp[2] != 'P' || k->sp[3] != 0 ||
			    k->sp[4] != 0 || k->sp[5] != SP_PROTO_REQ0 || k->sp[6] != 0 ||
			    k->sp[7] != 0) {
				limited(&g->rl_protocol, "port-protocol",
				        "%s: not an SP request socket; closed", k->name);
				return -1;
			}
			dir_put(&k->uc, reply, TCP_HDR);
			k->st = ST_HELLO;
			continue;
		}
		if (!d->in_body) {
			uint64_t len;
			uint8_t ih[IPC_HDR];
			if ((d->hgot += (size_t)n) < TCP_HDR)
				continue;
			len = get64(d->hdr);
			/* Larger than a hello: only as the first frame, of a resumed session. */
			if (k->st == ST_HELLO && len > GATE_PREAUTH_FRAME_MAX && g->admit != NULL &&
			    len <= PK_RESUME_FIRST_MAX && k->preauth_bytes == 2 * TCP_HDR &&
			    k->resume_len == 0)
				k->resume_len = (size_t)len;
			else if (k->st == ST_HELLO && len > GATE_PREAUTH_FRAME_MAX) {
				limited(&g->rl_oversize, "port-oversize",
				        "%s: a message of %llu bytes before the session (at most "
				        "%u); closed",
				        k->name, (unsigned long long)len,
				        (unsigned)GATE_PREAUTH_FRAME_MAX);
				return -1;
			}
			if (len > g->lim.msg_max) {
				limited(&g->rl_oversize, "port-oversize",
				        "%s: a message of %llu bytes (at most %u); closed", k->name,
				        (unsigned long long)len, (unsigned)g->lim.msg_max);
				return -1;
			}
			ih[0] = 1;
			put64(ih + 1, len);
			frame_start(d, ih, IPC_HDR, len, k->st == ST_HELLO);
		} else {
			frame_more(d, (size_t)n);
		}
		if (d->in_body && d->left == 0) {
			d->in_body = false;
			if (k->st == ST_HELLO) {
				int r = check_hello(g, k);
				if (r < 0)
					return -1;
				if (r == 0)
					continue;
				if (r == 2 && (dir_grow(&k->cu) != 0 || dir_grow(&k->uc) != 0))
					return -1;
				if (k->u < 0) {
					uint8_t sp[TCP_HDR];
					size_t fl = d->len - d->frame_off;
					if (d->len + TCP_HDR > d->cap || conn_upstream(g, k) != 0) {
						limited(&g->rl_limit, "port-limit",
						        "%s: cannot reach the internal listener: "
						        "%s; closed",
						        k->name, strerror(errno));
						return -1;
					}
					/* The SP header goes before the frame. */
					memcpy(sp, k->sp, TCP_HDR);
					memmove(d->buf + d->frame_off + TCP_HDR,
					        d->buf + d->frame_off, fl);
					memcpy(d->buf + d->frame_off, sp, TCP_HDR);
					d->len += TCP_HDR;
				}
				d->hold = false;
				k->st = r == 2 ? ST_AUTH : ST_WAIT;
			}
		}
	}
	return 0;
}

/* Reads nng's bytes: its SP header (dropped: the gate answered the peer's itself), then frames.
 * Before the welcome each answer is held whole and looked at. Returns 0 or -1 to close. */
static int read_inner(struct gate *g, struct conn *k, bool *progress)
{
	struct dir *d = &k->uc;
	ssize_t n;

	while (k->u >= 0) {
		size_t room = dir_room(d);
		uint8_t *dst;
		size_t want;

		if (k->uspgot < TCP_HDR) {
			dst = k->usp + k->uspgot;
			want = TCP_HDR - k->uspgot;
		} else if (!d->in_body) {
			if (room == 0)
				return 0;
			dst = d->hdr + d->hgot;
			want = IPC_HDR - d->hgot;
		} else {
			dst = d->buf + d->len;
			want = d->left < room ? (size_t)d->left : room;
		}
		if (want == 0)
			return 0;
		n = recv(k->u, dst, want, 0);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		*progress = true;
		if (k->uspgot < TCP_HDR) {
			k->uspgot += (size_t)n;
			continue;
		}
		if (!d->in_body) {
			uint64_t len;
			uint8_t th[TCP_HDR];
			if ((d->hgot += (size_t)n) < IPC_HDR)
				continue;
			len = get64(d->hdr + 1);
			if (d->hdr[0] != 1 || len > g->lim.msg_max ||
			    (k->st != ST_AUTH && len > SMALL_BUF - TCP_HDR))
				return -1;
			put64(th, len);
			frame_start(d, th, TCP_HDR, len, k->st != ST_AUTH);
		} else {
			frame_more(d, (size_t)n);
		}
		if (d->in_body && d->left == 0) {
			d->in_body = false;
			if (k->st != ST_AUTH) {
				const uint8_t *m = d->buf + d->frame_off + TCP_HDR, *body;
				size_t blen;
				d->hold = false;
				body = sp_body(m, d->len - d->frame_off - TCP_HDR, &blen);
				if (body != NULL && pk_msg_kind(body, blen) == PK_MSG_WELCOME) {
					if (dir_grow(&k->cu) != 0 || dir_grow(&k->uc) != 0)
						return -1;
					k->st = ST_AUTH;
				} else if (k->st == ST_WAIT) {
					k->st = ST_HELLO;
				}
			}
		}
	}
	return 0;
}

/* Moves whatever can move on one connection. Returns 0 or -1 when it was closed. */
static int conn_pump(struct gate *g, struct conn *k, uint64_t now)
{
	bool progress = true;

	while (progress) {
		progress = false;
		if (read_peer(g, k, now, &progress) != 0 || read_inner(g, k, &progress) != 0)
			goto fail;
		if (k->u >= 0 && dir_flush(&k->cu, k->u) != 0)
			goto fail;
		if (dir_flush(&k->uc, k->c) != 0)
			goto fail;
	}
	conn_watch(g, k);
	return 0;
fail:
	conn_close(g, k);
	return -1;
}

static bool preauth(const struct conn *k)
{
	return k->used && k->st != ST_AUTH;
}

/* Whether a is to be closed before b to make room: a stale one (no byte for STALE_MS: idle,
 * or slowloris) before a live one, one whose hello is with nng (ST_WAIT) last, the oldest
 * first among equals. A real child sends its header and hello at once, so it is rarely stale. */
static bool closes_first(const struct conn *a, const struct conn *b, uint64_t now)
{
	bool sa = now - a->rx_ms > STALE_MS, sb = now - b->rx_ms > STALE_MS;

	if ((a->st == ST_WAIT) != (b->st == ST_WAIT))
		return b->st == ST_WAIT;
	if (sa != sb)
		return sa;
	return a->rx_ms < b->rx_ms;
}

/* Makes room for a connection from addr: closes one from the same address when it has
 * per_address without a session, else one of all when there are unauth_max (closes_first). */
static void make_room(struct gate *g, const struct sockaddr_storage *addr, uint64_t now)
{
	struct conn *old_same = NULL, *old_any = NULL;
	uint32_t same = 0, all = 0;

	for (size_t i = 0; i < g->nconns; i++) {
		struct conn *k = &g->conns[i];
		if (!preauth(k))
			continue;
		all++;
		if (old_any == NULL || closes_first(k, old_any, now))
			old_any = k;
		if (netaddr_same_host(&k->addr, addr)) {
			same++;
			if (old_same == NULL || closes_first(k, old_same, now))
				old_same = k;
		}
	}
	if (same >= g->lim.per_address && old_same != NULL) {
		limited(&g->rl_limit, "port-limit",
		        "%s: %u connections without a session from this address; closed one",
		        old_same->name, same);
		conn_close(g, old_same);
	} else if (all >= g->lim.unauth_max && old_any != NULL) {
		limited(&g->rl_limit, "port-limit",
		        "%u connections without a session; closed one, from %s", all,
		        old_any->name);
		conn_close(g, old_any);
	}
}

static struct conn *conn_slot(struct gate *g)
{
	for (size_t i = 0; i < g->nconns; i++)
		if (!g->conns[i].used)
			return &g->conns[i];
	return NULL;
}

static void accept_some(struct gate *g, uint64_t now)
{
	for (int i = 0; i < ACCEPTS; i++) {
		struct sockaddr_storage addr;
		socklen_t alen = sizeof(addr);
		struct epoll_event ev;
		struct conn *k;
		int fd =
		    accept4(g->lfd, (struct sockaddr *)&addr, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: take the connection with the reserve one and
				 * close it, so that the listening socket does not stay readable. */
				limited(&g->rl_limit, "port-limit",
				        "out of file descriptors; refusing connections");
				if (g->reserve >= 0) {
					close(g->reserve);
					fd = accept(g->lfd, NULL, NULL);
					if (fd >= 0)
						close(fd);
					g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
				}
			}
			return;
		}
		/* The gate writes a frame's header and body as they come, often in two writes:
		 * with Nagle's algorithm the second waits for the peer's delayed ACK (40 ms on
		 * Linux). nng sets TCP_NODELAY on its own connections; do the same. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
		make_room(g, &addr, now);
		if ((k = conn_slot(g)) == NULL) {
			limited(&g->rl_limit, "port-limit", "connection table full; refused one");
			close(fd);
			continue;
		}
		memset(k, 0, offsetof(struct conn, cu));
		k->used = true;
		k->c = fd;
		k->u = -1;
		k->st = ST_SP;
		k->addr = addr;
		netaddr_name(&addr, k->name, sizeof(k->name));
		k->accepted_ms = k->rx_ms = now;
		dir_init(&k->cu);
		dir_init(&k->uc);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(k - g->conns) << 1;
		k->cmask = EPOLLIN;
		if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
			conn_close(g, k);
			continue;
		}
	}
}

/* When an unauthenticated connection is next due to be closed: its handshake deadline, or while
 * it is not waiting on nng, its silence limit; UINT64_MAX for any other. */
static uint64_t conn_deadline(const struct gate *g, const struct conn *k)
{
	uint64_t dl;

	if (!k->used || !preauth(k))
		return UINT64_MAX;
	dl = k->accepted_ms + g->lim.handshake_ms + 1;
	if (k->st != ST_WAIT && k->rx_ms + g->lim.idle_ms + 1 < dl)
		dl = k->rx_ms + g->lim.idle_ms + 1;
	return dl;
}

/* Closes the unauthenticated connections past their deadline or idle for too long; returns
 * the earliest deadline of those left (UINT64_MAX: none). O(connections). */
static uint64_t expire(struct gate *g, uint64_t now)
{
	uint64_t next = UINT64_MAX, dl;

	for (size_t i = 0; i < g->nconns; i++) {
		struct conn *k = &g->conns[i];
		if (!preauth(k))
			continue;
		if (now - k->accepted_ms > g->lim.handshake_ms) {
			limited(&g->rl_handshake, "port-timeout",
			        "%s: no session within %u ms; closed", k->name,
			        g->lim.handshake_ms);
			conn_close(g, k);
		} else if (k->st != ST_WAIT && now - k->rx_ms > g->lim.idle_ms) {
			limited(&g->rl_idle, "port-timeout",
			        "%s: silent for %u ms before the session; closed", k->name,
			        g->lim.idle_ms);
			conn_close(g, k);
		} else if ((dl = conn_deadline(g, k)) < next) {
			next = dl;
		}
	}
	return next;
}

/* epoll_wait's timeout until deadline `next` (UINT64_MAX: none, wait for an event). */
static int wait_ms(uint64_t next, uint64_t now)
{
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static void *gate_main(void *arg)
{
	struct gate *g = arg;
	struct epoll_event evs[EVENTS];
	/* The earliest deadline of an unauthenticated connection, or earlier: epoll waits until
	 * then and no longer (with none, until an event), and expire() finds the true one. A
	 * connection's deadline only moves later as bytes come, except when it stops waiting on
	 * nng: each connection pumped lowers this to its own. */
	uint64_t next = UINT64_MAX, now = mono_ms();
	uint64_t first_limit =
	    g->lim.handshake_ms < g->lim.idle_ms ? g->lim.handshake_ms : g->lim.idle_ms;

	for (;;) {
		int n = epoll_wait(g->ep, evs, EVENTS, wait_ms(next, now));
		now = mono_ms();
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64, dl;
			if (tag == UINT64_MAX)
				return NULL;
			if (tag == UINT64_MAX - 1) {
				accept_some(g, now);
				dl = now + first_limit;
				if (dl < next)
					next = dl;
				continue;
			}
			struct conn *k = &g->conns[tag >> 1];
			if (!k->used)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				conn_close(g, k);
			else
				conn_pump(g, k, now);
			if ((dl = conn_deadline(g, k)) < next)
				next = dl;
		}
		if (now >= next)
			next = expire(g, now);
	}
}

int gate_start(struct gate **out, const char *url, const char *inner,
               const uint8_t self[PK_PUB_BYTES], const struct gate_limits *lim, gate_admit_fn admit,
               void *arg, struct pk_diag *d)
{
	struct gate *g = calloc(1, sizeof(*g));
	struct epoll_event ev;
	struct rlimit rl;
	size_t nlen = strlen(inner), fds;
	int err = 0;

	*out = NULL;
	if (g == NULL)
		return PK_ENOMEM;
	g->lfd = g->ep = g->evfd = g->reserve = -1;
	g->lim = *lim;
	g->admit = admit;
	g->admit_arg = arg;
	memcpy(g->self, self, PK_PUB_BYTES);
	if (nlen + 1 >= sizeof(g->inner.sun_path)) {
		err = pk_diagf(d, PK_EINVAL, "internal socket name too long");
		goto fail;
	}
	g->inner.sun_family = AF_UNIX;
	memcpy(g->inner.sun_path + 1, inner, nlen);
	g->inner_len = (socklen_t)(sizeof(sa_family_t) + 1 + nlen);
	/* Each unauthenticated connection holds one descriptor, an authenticated one three (its
	 * socket, the gate's and nng's ends of the internal one): keep the cap well inside the
	 * limit so that children and the store always find descriptors. */
	fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	          ? (size_t)rl.rlim_cur
	          : 65536;
	if (fds < 4 * FD_RESERVE)
		fds = 4 * FD_RESERVE;
	if (g->lim.unauth_max > (fds - FD_RESERVE) / 2) {
		g->lim.unauth_max = (uint32_t)((fds - FD_RESERVE) / 2);
		log_info("port-limit",
		         "at most %u connections without a session (the descriptor limit is %zu)",
		         g->lim.unauth_max, fds);
	}
	if (g->lim.per_address > g->lim.unauth_max)
		g->lim.per_address = g->lim.unauth_max;
	g->nconns = (size_t)g->lim.unauth_max + g->lim.auth_max;
	if (g->nconns > (fds - FD_RESERVE) / 2)
		g->nconns = (fds - FD_RESERVE) / 2;
	if ((g->conns = calloc(g->nconns, sizeof(*g->conns))) == NULL) {
		err = PK_ENOMEM;
		goto fail;
	}
	/* Left as calloc gave it (a slot's sockets are set when it is taken, accept_some): the
	 * table is a few kilobytes per connection, and touching it all would make an idle
	 * daemon's memory. */
	if ((err = netaddr_listen(url, &g->lfd, d)) != 0)
		goto fail;
	g->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((g->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (g->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		err = pk_diagf(d, PK_EIO, "cannot start the gate: %s", strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = UINT64_MAX - 1;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->lfd, &ev) != 0)
		goto sysfail;
	ev.data.u64 = UINT64_MAX;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, g->evfd, &ev) != 0)
		goto sysfail;
	if (pthread_create(&g->tid, NULL, gate_main, g) != 0)
		goto sysfail;
	g->running = true;
	*out = g;
	return 0;
sysfail:
	err = pk_diagf(d, PK_EIO, "cannot start the gate: %s", strerror(errno));
fail:
	gate_stop(g);
	return err;
}

void gate_stop(struct gate *g)
{
	uint64_t one = 1;

	if (g == NULL)
		return;
	if (g->running) {
		if (write(g->evfd, &one, sizeof(one)) != sizeof(one))
			log_warn("gate", "cannot stop the gate thread");
		pthread_join(g->tid, NULL);
	}
	for (size_t i = 0; g->conns != NULL && i < g->nconns; i++)
		if (g->conns[i].used)
			conn_close(g, &g->conns[i]);
	if (g->lfd >= 0)
		close(g->lfd);
	if (g->ep >= 0)
		close(g->ep);
	if (g->evfd >= 0)
		close(g->evfd);
	if (g->reserve >= 0)
		close(g->reserve);
	free(g->conns);
	free(g);
}
