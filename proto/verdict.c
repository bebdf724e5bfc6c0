/* verdict.c: the derived verification state of a record (see verdict.h). */
#include "verdict.h"

#include <string.h>

#include "error.h"
#include "region.h"

static const char *const names[PK_VS_COUNT] = {"belum diverifikasi", "disetujui", "perlu perbaikan",
                                               "ditolak"};

const char *pk_vstate_name(enum pk_vstate s)
{
	return (unsigned)s < PK_VS_COUNT ? names[s] : "?";
}

int pk_vstate_of_hasil(const char *hasil, size_t len)
{
	static const struct {
		const char *hasil;
		enum pk_vstate s;
	} map[] = {{"diterima", PK_VS_DISETUJUI},
	           {"perbaikan", PK_VS_PERBAIKAN},
	           {"ditolak", PK_VS_DITOLAK}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].hasil) == len && memcmp(map[i].hasil, hasil, len) == 0)
			return (int)map[i].s;
	return -1;
}

int pk_version_cmp(const struct pk_version *a, const struct pk_version *b)
{
	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	return memcmp(a->origin, b->origin, PK_PUB_BYTES);
}

bool pk_verdict_ancestor(const char *verifier, const char *region)
{
	size_t vl = strlen(verifier), rl = strlen(region);
	int ol = pk_region_owner_len(region, rl);

	if (ol < 0 || !pk_region_valid(verifier, vl))
		return false;
	return vl < (size_t)ol && pk_region_within(region, (size_t)ol, verifier, vl);
}

long pk_verdict_pick(const char *region, const struct pk_version *rec, const struct pk_verdict *v,
                     size_t n, const char *by)
{
	long best = -1;

	for (size_t i = 0; i < n; i++) {
		if (by != NULL && strcmp(v[i].region, by) != 0)
			continue;
		if (!pk_verdict_ancestor(v[i].region, region))
			continue;
		if (best < 0 || pk_version_cmp(&v[i].v, &v[best].v) > 0)
			best = (long)i;
	}
	if (best >= 0 && pk_version_cmp(&v[best].v, rec) <= 0)
		return -1;
	return best;
}
