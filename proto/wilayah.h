/*
 * wilayah.h: the official list of region codes and names (Kemendagri), built into the program.
 *
 * The list (proto/wilayah/, ODbL, source in proto/wilayah/SOURCE.md) is compiled into the binary as
 * a sorted table generated at build time (proto/wilayah/gen_table.c), so that a node needs no data
 * files and nothing is parsed at run time; every function here is thread-safe. It is consulted only
 * where a person types a code (init, put, list filters): replication never depends on it, so nodes
 * built with different editions of the list still agree on every record.
 */
#ifndef PK_WILAYAH_H
#define PK_WILAYAH_H

#include <stddef.h>

#include "proto/region.h"

#define PK_WILAYAH_NAME_MAX 51 /* bytes of a name; the generator refuses a longer one */

/* The strings are held in the entry, not pointed to: a table of 91,600 pointers would cost a
 * relocation each at every start of a position-independent program, and 6 MB of dirty memory
 * in every pokjad; arrays leave it read-only and shared, read only where it is looked at. */
struct pk_wilayah {
	char code[PK_REGION_MAX + 1];       /* NUL-terminated, e.g. "32.75" */
	char name[PK_WILAYAH_NAME_MAX + 1]; /* NUL-terminated, e.g. "Kota Bekasi" */
	int level;                          /* enum pk_level */
};

/* The entry for an exact code, or NULL when the code is not on the official list. "" gives the
 * national entry ("Indonesia"). */
const struct pk_wilayah *pk_wilayah_find(const char *code, size_t len);

/*
 * The entry whose code, with its dots taken out, is the digits s[0..len): "3275" gives 32.75
 * (Kota Bekasi), "327501" 32.75.01, "3275011001" 32.75.01.1001. NULL when s is not 4, 6 or 10
 * digits or the code so written is not on the list. For telling a person which code they meant:
 * such digits are never taken for the code itself.
 */
const struct pk_wilayah *pk_wilayah_undotted(const char *s, size_t len);

/* The name to show for a region code: the official one ("Indonesia" for ""), or
 * PK_WILAYAH_UNLISTED when the code is not on the list. Every place that prints a region's name
 * uses this, so they all say the same thing. */
#define PK_WILAYAH_UNLISTED "(tidak ada di daftar resmi)"
const char *pk_wilayah_name(const char *code);

/*
 * Calls fn for each entry whose code starts with `query` at a component boundary, or whose name
 * contains `query` case-insensitively, in code order, until fn returns non-zero or `max` entries
 * were given. Returns the number of entries given.
 */
size_t pk_wilayah_search(const char *query, size_t max,
                         int (*fn)(const struct pk_wilayah *w, void *arg), void *arg);

/*
 * Calls fn for each entry one level below `code` (the provinces for "", the kabupaten/kota of a
 * province, ...), in code order, until fn returns non-zero. Returns the number of entries given.
 * A binary search per child, O(children * log n), however many entries lie further below.
 */
size_t pk_wilayah_children(const char *code, int (*fn)(const struct pk_wilayah *w, void *arg),
                           void *arg);

/* The ODbL attribution line to print wherever names from the list are shown in bulk. */
const char *pk_wilayah_notice(void);

#endif
