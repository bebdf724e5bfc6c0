/*
 * hlc.h: hybrid logical clocks.
 *
 * A clock value is 64 bits: the upper 48 are milliseconds since the Unix epoch, the lower 16 a
 * counter that orders events within one millisecond or while the wall clock lags behind what the
 * node has already seen. Every changeset carries one; records converge by last-writer-wins on
 * (clock, origin key). Pure functions: the caller reads the wall clock.
 */
#ifndef PK_HLC_H
#define PK_HLC_H

#include <stdint.h>

#define PK_HLC_LOGICAL_BITS 16

static inline uint64_t pk_hlc_ms(uint64_t hlc)
{
	return hlc >> PK_HLC_LOGICAL_BITS;
}

static inline uint64_t pk_hlc_from_ms(uint64_t ms)
{
	return ms << PK_HLC_LOGICAL_BITS;
}

/* The clock for a new local event: greater than `last` (the largest clock this node has issued
 * or received), and at least the wall clock. */
static inline uint64_t pk_hlc_next(uint64_t last, uint64_t wall_ms)
{
	uint64_t wall = pk_hlc_from_ms(wall_ms);

	return wall > last ? wall : last + 1;
}

/* What `last` becomes after receiving a changeset stamped `remote`. */
static inline uint64_t pk_hlc_seen(uint64_t last, uint64_t remote)
{
	return remote > last ? remote : last;
}

#endif
