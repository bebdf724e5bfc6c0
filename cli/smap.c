/* smap.c: byte-string keys to dense indexes by open addressing (see smap.h). */
#include <stdlib.h>
#include <string.h>

#include "smap.h"

static uint64_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The index of key, or -1 with *slot the empty slot where it would go. */
static long smap_find(const struct smap *m, const void *key, size_t len, size_t *slot)
{
	size_t mask = m->nslots - 1, i = (size_t)hash_bytes(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = m->slots[i];

		if (s == 0) {
			*slot = i;
			return -1;
		}
		if (m->lens[s - 1] == len && memcmp(m->keys[s - 1], key, len) == 0) {
			*slot = i;
			return (long)s - 1;
		}
	}
}

long smap_get(const struct smap *m, const void *key, size_t len)
{
	size_t slot;

	return m->nslots == 0 ? -1 : smap_find(m, key, len, &slot);
}

static int smap_rehash(struct smap *m, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = (size_t)hash_bytes(m->keys[i], m->lens[i]) & (nslots - 1);

		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

/* Room for one more key in keys, lens and vals. */
static int smap_grow(struct smap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	char **nk;
	size_t *nl;
	unsigned char *nv;

	if ((nk = realloc(m->keys, ncap * sizeof(*nk))) == NULL)
		return -1;
	m->keys = nk;
	if ((nl = realloc(m->lens, ncap * sizeof(*nl))) == NULL)
		return -1;
	m->lens = nl;
	if (m->vsize > 0) {
		if ((nv = realloc(m->vals, ncap * m->vsize)) == NULL)
			return -1;
		memset(nv + m->cap * m->vsize, 0, (ncap - m->cap) * m->vsize);
		m->vals = nv;
	}
	m->cap = ncap;
	return 0;
}

long smap_put(struct smap *m, const void *key, size_t len)
{
	size_t slot;
	long i;
	char *k;

	if ((m->n + 1) * 2 > m->nslots && smap_rehash(m, m->nslots ? m->nslots * 2 : 64) != 0)
		return -1;
	if ((i = smap_find(m, key, len, &slot)) >= 0)
		return i;
	if (m->n >= UINT32_MAX - 1 || (m->n == m->cap && smap_grow(m) != 0))
		return -1;
	if ((k = malloc(len + 1)) == NULL)
		return -1;
	memcpy(k, key, len);
	k[len] = '\0';
	m->keys[m->n] = k;
	m->lens[m->n] = len;
	m->slots[slot] = (uint32_t)(m->n + 1);
	return (long)m->n++;
}

void *smap_val(const struct smap *m, size_t i)
{
	return m->vals + i * m->vsize;
}

void smap_free(struct smap *m)
{
	size_t vsize = m->vsize;

	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->vals);
	free(m->slots);
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
}
