/*
 * smap.h: a map from byte strings to dense indexes, for the aggregators of `pokjactl rekap`.
 * Each distinct key gets the next index (0, 1, ...) and a zeroed value of vsize bytes, so that
 * a report keeps one accumulator per distinct key; memory grows with the keys, not the lookups.
 */
#ifndef CLI_SMAP_H
#define CLI_SMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open addressing with FNV-1a hashes, kept at most half full. Set vsize before the first
 * smap_put ({.vsize = sizeof(struct x)}); the rest starts zeroed. keys[i] is a NUL-terminated
 * copy of key i (keys may hold NULs: lens[i] is the length); it and smap_val(m, i) stay valid
 * until the next smap_put.
 */
struct smap {
	char **keys;
	size_t *lens;
	unsigned char *vals;
	size_t vsize, n, cap;
	uint32_t *slots; /* index + 1; 0 is empty */
	size_t nslots;   /* a power of two */
};

/* The index of key, or -1 when absent. */
long smap_get(const struct smap *m, const void *key, size_t len);

/* The index of key, added (with a zeroed value) when new; -1 when out of memory. */
long smap_put(struct smap *m, const void *key, size_t len);

/* The value of index i (vsize bytes). */
void *smap_val(const struct smap *m, size_t i);

/* Frees the keys, values and slots; m is empty (and keeps vsize) afterwards. */
void smap_free(struct smap *m);

#endif
