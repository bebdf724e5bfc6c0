/*
 * linkest.c: the link's measurements and the unit size (linkest.h).
 *
 * A child's exchanges are request and reply, one at a time per loop, so each one's time is a
 * round trip plus the time its bytes took on the wire: elapsed = rtt + bytes / throughput. The
 * round trip is read from small exchanges (both ways under LINKEST_RTT_MAX on the wire, not
 * held), and the throughput of a direction from exchanges that carried at least
 * LINKEST_SAMPLE_MIN that way: bytes / (elapsed - rtt_min). Both are smoothed (exponentially,
 * weights below) so that one slow exchange does not halve the unit, and the round trip follows a
 * drop at once (the smallest is the truest: queues only add to it).
 *
 * The throughput subtracts the shortest round trip seen, not the smoothed one: the smoothed one
 * carries the other side's processing time too, and on a busy parent it can come close to a
 * large exchange's whole time, which made the rate read twenty times the link's. Subtracting
 * the shortest can only leave processing time in the wire time, so a sample errs low, never high.
 */
#include "linkest.h"

#define RTT_WEIGHT 0.05  /* of a new round-trip sample above the estimate */
#define RATE_WEIGHT 0.3  /* of a new throughput sample */
#define RATIO_WEIGHT 0.3 /* of a new compression-ratio sample */
#define RATIO_MAX 32.0

static double smooth(double old, double sample, double weight)
{
	return old <= 0 ? sample : old + weight * (sample - old);
}

static void note_ratio(double *ratio, size_t wire, size_t plain)
{
	double r;

	if (wire < 256 || plain < wire)
		return; /* too small to say, or not compressed */
	r = (double)plain / (double)wire;
	*ratio = smooth(*ratio, r > RATIO_MAX ? RATIO_MAX : r, RATIO_WEIGHT);
}

void linkest_note(struct linkest *e, size_t sent_wire, size_t sent_plain, size_t recv_wire,
                  size_t recv_plain, uint64_t elapsed_ms, bool held)
{
	double t;

	e->samples++;
	/* Additive increase, multiplicative decrease (as TCP's congestion window): a link cut
	 * every few seconds settles on units that fit between two cuts. */
	if (e->cap_up > 0 && sent_wire >= LINKEST_RTT_MAX)
		e->cap_up += LINKEST_GROW;
	if (e->cap_down > 0 && recv_wire >= LINKEST_RTT_MAX)
		e->cap_down += LINKEST_GROW;
	note_ratio(&e->ratio_up, sent_wire, sent_plain);
	note_ratio(&e->ratio_down, recv_wire, recv_plain);
	if (held)
		return;
	if (sent_wire < LINKEST_RTT_MAX && recv_wire < LINKEST_RTT_MAX) {
		if (e->rtt_min <= 0 || (double)elapsed_ms < e->rtt_min)
			e->rtt_min = (double)elapsed_ms;
		if (e->rtt_ms <= 0 || (double)elapsed_ms < e->rtt_ms)
			e->rtt_ms = (double)elapsed_ms;
		else
			e->rtt_ms = smooth(e->rtt_ms, (double)elapsed_ms, RTT_WEIGHT);
		return;
	}
	if (sent_wire < LINKEST_SAMPLE_MIN && recv_wire < LINKEST_SAMPLE_MIN)
		return;
	/* The time the bytes took on the wire: what the exchange took beyond a round trip (at
	 * least a millisecond, so that a LAN reads as fast, not as infinite). */
	t = (double)elapsed_ms - (e->rtt_min > 0 ? e->rtt_min : 0);
	if (t < 1)
		t = 1;
	/* A link lets its first segment through at once (its buffer, a token bucket's burst): the
	 * rate is what followed it. */
	if (sent_wire >= recv_wire)
		e->up_bps = smooth(e->up_bps, (double)(sent_wire - LINKEST_BURST) * 1000.0 / t,
		                   RATE_WEIGHT);
	else
		e->down_bps = smooth(e->down_bps, (double)(recv_wire - LINKEST_BURST) * 1000.0 / t,
		                     RATE_WEIGHT);
}

/* The unit's time on the wire: LINKEST_UNIT_MS, or less on a link whose connections are cut
 * sooner: half of a connection's life less two round trips (its set-up, the unit's own). */
static double unit_ms(const struct linkest *e)
{
	double rtt = e->rtt_min > 0 ? e->rtt_min : e->rtt_ms, fit;

	if (e->life_ms <= 0)
		return LINKEST_UNIT_MS;
	fit = (e->life_ms - 2 * rtt) / 2;
	return fit < LINKEST_UNIT_MS ? fit : LINKEST_UNIT_MS;
}

void linkest_cut(struct linkest *e, uint64_t life_ms)
{
	e->life_ms = smooth(e->life_ms, (double)life_ms, LINKEST_LIFE_WEIGHT);
}

void linkest_alive(struct linkest *e, uint64_t up_ms)
{
	if (e->life_ms > 0 && (double)up_ms > e->life_ms)
		e->life_ms = (double)up_ms;
}

/* The unit on the wire before the loss bound. */
static double wire_unit(const struct linkest *e, bool up, size_t cap)
{
	double bps = up ? e->up_bps : e->down_bps, wire = bps * unit_ms(e) / 1000.0;

	if (bps <= 0)
		wire =
		    e->rtt_ms > 0 && e->rtt_ms < LINKEST_LAN_MS ? (double)cap : LINKEST_WIRE_START;
	return wire;
}

void linkest_lost(struct linkest *e, bool up)
{
	double *c = up ? &e->cap_up : &e->cap_down;
	double w = wire_unit(e, up, (size_t)1 << 30);

	if (*c > 0 && *c < w)
		w = *c;
	*c = w / 2 < LINKEST_WIRE_MIN ? LINKEST_WIRE_MIN : w / 2;
}

size_t linkest_unit(const struct linkest *e, bool up, size_t cap)
{
	double ratio = up ? e->ratio_up : e->ratio_down, plain,
	       bound = up ? e->cap_up : e->cap_down;
	/* Unmeasured: a LAN (a round trip under LINKEST_LAN_MS) sends whole batches at once; any
	 * other link starts small and grows with what it carries. */
	double wire = wire_unit(e, up, cap);

	if (bound > 0 && wire > bound)
		wire = bound;

	if (wire < LINKEST_WIRE_MIN)
		wire = LINKEST_WIRE_MIN;
	plain = wire * (ratio >= 1 ? ratio : 1);
	return plain >= (double)cap ? cap : (size_t)plain;
}
