/*
 * linkest.h: what a child measures of its link to the parent (issue: thin district links), from
 * the exchanges it makes anyway: the round-trip time, the throughput each way in bytes on the
 * wire a second, and how much the session's compression shrinks what it sends and receives.
 * From them, the size of the next unit of work (a push, a pulled reply, a part), so that one
 * unit takes about LINKEST_UNIT_MS on the wire: small on a 50 kbit/s modem, whole batches on a
 * LAN. No I/O and no locking: the caller owns the struct (tests/unit/test_parts.c).
 */
#ifndef PK_LINKEST_H
#define PK_LINKEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINKEST_UNIT_MS 2000    /* a unit's target time on the wire */
#define LINKEST_WIRE_MIN 2048   /* the smallest unit on the wire, bytes */
#define LINKEST_WIRE_START 8192 /* the unit before anything is measured */
#define LINKEST_SAMPLE_MIN 2048 /* a transfer this small says nothing of throughput */
#define LINKEST_BURST 1460      /* a transfer's first segment leaves at once (a link's buffer) */
#define LINKEST_RTT_MAX 1024    /* exchanges this small both ways time a round trip */
#define LINKEST_GROW 1024       /* what each exchange that came through adds to a lost bound */
#define LINKEST_LAN_MS 20       /* a round trip this short before any throughput is known */
#define LINKEST_LIFE_WEIGHT 0.3 /* of a new connection lifetime */

struct linkest {
	double rtt_ms;               /* smoothed round trip of small exchanges; 0: unknown */
	double rtt_min;              /* the shortest of them: the link's own delay; 0: unknown */
	double up_bps, down_bps;     /* wire bytes a second each way, smoothed; 0: unknown */
	double ratio_up, ratio_down; /* plaintext bytes per wire byte, smoothed; 0: unknown */
	uint64_t samples;            /* exchanges noted */
	/* The largest unit on the wire each way since the last losses (0: no bound): halved by
	 * each exchange a cut lost, raised by LINKEST_GROW by each one that came through. */
	double cap_up, cap_down;
	/* How long a connection to the parent lasts before a cut, smoothed (0: none was cut):
	 * a unit is sized to end well inside it (linkest_cut, linkest_alive). */
	double life_ms;
};

/*
 * Notes one exchange: the request's bytes on the wire and as plaintext, the reply's likewise,
 * and the time from sending to the reply. held: the other side may have held the request (a
 * long poll), so the time says nothing of the link; the sizes still give the ratios.
 */
void linkest_note(struct linkest *e, size_t sent_wire, size_t sent_plain, size_t recv_wire,
                  size_t recv_plain, uint64_t elapsed_ms, bool held);

/*
 * Notes an exchange that a cut or a timeout lost while it carried a unit (up: the request;
 * else the reply): the unit each way is then bounded by half of what it was, at least
 * LINKEST_WIRE_MIN, so that on a link cut every few seconds units shrink until one fits between
 * two cuts; each exchange that comes through raises the bound by LINKEST_GROW bytes.
 */
void linkest_lost(struct linkest *e, bool up);

/*
 * Notes a connection that was cut after lasting life_ms. A cut is not congestion: it does not
 * shrink the bound of linkest_lost, but from now on a unit takes at most half of what a
 * connection lasts less two round trips (its set-up and the unit's own) on the wire, so that it
 * comes through before the next cut.
 */
void linkest_cut(struct linkest *e, uint64_t life_ms);

/* Notes that the current connection has lasted up_ms and still carries exchanges: a lifetime
 * longer than the estimate raises it at once (cuts that stopped stop bounding units). */
void linkest_alive(struct linkest *e, uint64_t up_ms);

/*
 * The plaintext bytes of the next unit sent up (up) or asked for down: the measured throughput
 * times LINKEST_UNIT_MS (or less, to fit between cuts: linkest_cut), at least LINKEST_WIRE_MIN,
 * scaled by the direction's compression ratio, and at most cap. Before the direction is measured:
 * cap on a link whose round trip is known to be under LINKEST_LAN_MS, else LINKEST_WIRE_START
 * (scaled).
 */
size_t linkest_unit(const struct linkest *e, bool up, size_t cap);

#endif
