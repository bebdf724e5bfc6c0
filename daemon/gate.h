/*
 * gate.h: the public TCP port of a parent, in front of nng. nng 1.5.2's TCP transport allocates
 * a message of the announced length (up to NNG_OPT_RECVMAXSZ, 4 MiB) before reading it, keeps a
 * silent connection forever and has no per-connection or per-address limit, so a stranger could
 * exhaust memory and descriptors before any authentication. The gate owns the listening socket
 * instead: one thread with epoll holds every connection in a small fixed buffer until its hello
 * passed pk_hello_read and the parent answered it with a welcome, and only then relays bytes to
 * nng's listener on an internal abstract socket (proto/SPEC.md section 14, "The listen port").
 *
 * A connection may also open with a sealed request of a session the parent already established
 * (PK_FEAT_RESUME: a child's session outlives a cut): the gate holds that first message whole,
 * at most PK_RESUME_FIRST_MAX bytes, and relays the connection only when the session code says
 * that it is a request of a live session that decrypts and is no replay (gate_admit_fn).
 *
 * Limits before the welcome: one frame at a time of at most GATE_PREAUTH_FRAME_MAX bytes,
 * GATE_PREAUTH_BYTES in all, a handshake deadline and an idle timeout, a cap on such
 * connections in all and per source address (the oldest is closed to make room). Each trip
 * logs one of the tags port-limit, port-timeout, port-oversize or port-protocol, at most once
 * a second per tag with a count of the lines left out.
 */
#ifndef GATE_H
#define GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/session.h"

/* The largest frame before the welcome: a hello and the REQ header nng puts before it. */
#define GATE_HEADER_ROOM 64
#define GATE_PREAUTH_FRAME_MAX (PK_HELLO_MAX + GATE_HEADER_ROOM)
/* Bytes a connection may send in all before the welcome: a few hellos. */
#define GATE_PREAUTH_BYTES (4 * (GATE_PREAUTH_FRAME_MAX + 8))

struct gate_limits {
	uint32_t handshake_ms; /* from accept to the welcome */
	uint32_t idle_ms;      /* without a byte from the peer, before the welcome */
	uint32_t unauth_max;   /* connections before the welcome, in all */
	uint32_t per_address;  /* ... and from one source address */
	uint32_t auth_max;     /* connections after the welcome (the table holds both kinds) */
	uint32_t msg_max;      /* the largest frame after the welcome (nng's receive limit) */
};

struct gate;

/*
 * Whether a sealed message may open a new connection as a request of its session (SPEC section
 * 14, "Resumed connections"). whole false: only the message's first bytes (at least
 * PK_SEALED_PREFIX) are given, and the answer says whether they name a live established session,
 * before the gate holds more of it; whole true: the whole message, which must be a request that
 * session would accept now (its replay window, its box). Called on the gate's thread; must not
 * block for long.
 */
typedef bool (*gate_admit_fn)(void *arg, const uint8_t *sealed, size_t len, bool whole);

/*
 * Listens on `url` (tcp://HOST:PORT; an empty host or "*" is every IPv4 interface) and relays
 * admitted connections to the abstract socket `inner` (its name, without the leading NUL).
 * `self` is this node's key, which a hello must name. admit (with arg) decides on a connection
 * that opens with a sealed message; NULL closes every such connection. Lowers unauth_max when the
 * descriptor limit (RLIMIT_NOFILE) cannot hold it, and says so in the log. Returns 0 and the
 * running gate in *out, or PK_EINVAL (a bad URL), PK_EEXIST (address in use), PK_EIO or PK_ENOMEM
 * with a sentence in d.
 */
int gate_start(struct gate **out, const char *url, const char *inner,
               const uint8_t self[PK_PUB_BYTES], const struct gate_limits *lim, gate_admit_fn admit,
               void *arg, struct pk_diag *d);

/* Stops the thread and closes every connection and the listening socket. NULL is ignored. */
void gate_stop(struct gate *g);

#endif
