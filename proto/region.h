/*
 * region.h: Kemendagri region codes (kode wilayah): syntax, level and containment.
 *
 * A code is "" (the whole country), "PP" (province), "PP.KK" (kabupaten/kota), "PP.KK.CC"
 * (kecamatan) or "PP.KK.CC.NNNN" (desa/kelurahan), digits only. These rules are part of the
 * replication contract (who may write where), so they are purely syntactic: whether a code is on
 * the official list is a question for wilayah.h, asked only where a person types a code.
 */
#ifndef PK_REGION_H
#define PK_REGION_H

#include <stdbool.h>
#include <stddef.h>

#define PK_REGION_MAX 13 /* strlen("32.75.01.1001") */

enum pk_level {
	PK_LEVEL_NATIONAL = 0,
	PK_LEVEL_PROVINCE = 1,
	PK_LEVEL_KABKOTA = 2,
	PK_LEVEL_KECAMATAN = 3,
	PK_LEVEL_DESA = 4,
};

/* The level of a syntactically valid code (0..4), or PK_EREGION when the code is malformed. */
int pk_region_level(const char *code, size_t len);

/* True when code is well formed. */
bool pk_region_valid(const char *code, size_t len);

/*
 * True when region `inner` lies inside (or equals) region `outer`: "32.75" is inside "32" and
 * inside "", but not inside "3" or "32.7". Both must be valid codes; an invalid one gives false.
 */
bool pk_region_within(const char *inner, size_t inner_len, const char *outer, size_t outer_len);

/* A static English name for a level: "national", "province", "kabupaten/kota", ... */
const char *pk_level_name(int level);

#endif
