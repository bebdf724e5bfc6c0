/* region.c: region code syntax and containment. */
#include "region.h"

#include <string.h>

#include "error.h"

/* Digits per level's component: PP, KK, CC, NNNN. */
static const unsigned char part_len[] = {2, 2, 2, 4};

int pk_region_level(const char *code, size_t len)
{
	size_t pos = 0;
	int level = 0;

	if (len == 0)
		return PK_LEVEL_NATIONAL;
	while (level < 4) {
		size_t n = part_len[level];
		if (pos + n > len)
			return PK_EREGION;
		for (size_t i = 0; i < n; i++)
			if (code[pos + i] < '0' || code[pos + i] > '9')
				return PK_EREGION;
		pos += n;
		level++;
		if (pos == len)
			return level;
		if (code[pos] != '.')
			return PK_EREGION;
		pos++;
	}
	return PK_EREGION;
}

bool pk_region_valid(const char *code, size_t len)
{
	return pk_region_level(code, len) >= 0;
}

bool pk_region_within(const char *inner, size_t inner_len, const char *outer, size_t outer_len)
{
	if (!pk_region_valid(inner, inner_len) || !pk_region_valid(outer, outer_len))
		return false;
	if (outer_len == 0)
		return true;
	if (inner_len < outer_len)
		return false;
	for (size_t i = 0; i < outer_len; i++)
		if (inner[i] != outer[i])
			return false;
	return inner_len == outer_len || inner[outer_len] == '.';
}

int pk_region_owner_len(const char *code, size_t len)
{
	int level = pk_region_level(code, len);

	if (level < 0)
		return level;
	/* "PP.KK" is five bytes: the prefix of every code below it. */
	return level <= PK_NODE_LEVEL_MAX ? (int)len : 5;
}

bool pk_region_owned(const char *code, size_t len, const char *writer, size_t writer_len)
{
	int own = pk_region_owner_len(code, len);

	if (own < 0 || !pk_region_valid(writer, writer_len))
		return false;
	return (size_t)own == writer_len && memcmp(code, writer, writer_len) == 0;
}

/* Marks the level names for the catalog (cli/po): pokjactl shows them translated in text for
 * people, and as they are here in JSON. */
#define N_(s) (s)

const char *pk_level_name(int level)
{
	static const char *const names[] = {N_("national"), N_("province"), N_("kabupaten/kota"),
	                                    N_("kecamatan"), N_("desa/kelurahan")};

	if (level < 0 || level > 4)
		return "invalid";
	return names[level];
}
