/*
 * wilayah_table.h: the region table generated at build time (proto/wilayah/gen_table.c) from
 * the CSV files in proto/wilayah/. Internal to wilayah.c, which is its only reader.
 */
#ifndef PK_WILAYAH_TABLE_H
#define PK_WILAYAH_TABLE_H

#include <stddef.h>

#include "proto/region.h"
#include "proto/wilayah.h"

/* Every entry, sorted by code in strcmp order; entry 0 is the national one (""). */
extern const struct pk_wilayah pk_wilayah_table[];
extern const size_t pk_wilayah_count;

#endif
