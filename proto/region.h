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

/*
 * The deepest level a node has (SPEC section 5, "Ownership"): national, province and
 * kabupaten/kota offices run nodes; a kecamatan's or desa's records are kept by its
 * kabupaten/kota.
 */
#define PK_NODE_LEVEL_MAX PK_LEVEL_KABKOTA

/*
 * The length of the owner of region `code`: the region of the node that alone may write the
 * records filed under it. A code at node level owns itself (its own length); a kecamatan or desa
 * is owned by its kabupaten/kota (5, "PP.KK"). PK_EREGION for a malformed code.
 */
int pk_region_owner_len(const char *code, size_t len);

/*
 * True when a node whose certificate names region `writer` may write records filed under
 * `code`: the owner of `code` is `writer` itself. So a province writes only under its own code,
 * never under a kabupaten/kota's, and siblings never under each other's. Order-independent: it
 * reads the two codes and nothing else. Both must be valid codes; an invalid one gives false.
 */
bool pk_region_owned(const char *code, size_t len, const char *writer, size_t writer_len);

/* A static English name for a level: "national", "province", "kabupaten/kota", ... */
const char *pk_level_name(int level);

#endif
