/* arahan.c: the rules of directive follow-up (see arahan.h; proto/SPEC.md section 21). */
#include "arahan.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "wilayah.h"

struct visit {
	int (*fn)(const char *node, void *arg);
	void *arg;
	bool stopped;
};

static int visit_child(const struct pk_wilayah *w, void *arg)
{
	struct visit *v = arg;

	if (v->fn != NULL && v->fn(w->code, v->arg) != 0) {
		v->stopped = true;
		return 1;
	}
	return 0;
}

int pk_arahan_targets(const char *writer, const char *sasaran,
                      int (*fn)(const char *node, void *arg), void *arg)
{
	size_t wlen, slen;
	int level, own;
	char node[PK_REGION_MAX + 1];

	if (writer == NULL || sasaran == NULL)
		return PK_EREGION;
	wlen = strlen(writer);
	slen = strlen(sasaran);
	if ((level = pk_region_level(writer, wlen)) < 0 || pk_region_level(sasaran, slen) < 0)
		return PK_EREGION;
	if (wlen == slen && memcmp(writer, sasaran, wlen) == 0) {
		struct visit v = {fn, arg, false};

		/* Kecamatan and desa run no node: a kabupaten/kota's own region targets nobody. */
		if (level >= PK_NODE_LEVEL_MAX)
			return 0;
		return (int)pk_wilayah_children(writer, visit_child, &v);
	}
	if (!pk_region_within(sasaran, slen, writer, wlen))
		return 0;
	own = pk_region_owner_len(sasaran, slen);
	if ((size_t)own == wlen)
		return 0; /* a kabupaten/kota's own kecamatan or desa: kept by the writer itself */
	memcpy(node, sasaran, (size_t)own);
	node[own] = '\0';
	if (fn != NULL)
		fn(node, arg);
	return 1;
}

struct match {
	const char *node;
	bool found;
};

static int same_node(const char *node, void *arg)
{
	struct match *m = arg;

	m->found = m->found || strcmp(node, m->node) == 0;
	return 0;
}

bool pk_arahan_targets_node(const char *writer, const char *sasaran, const char *node)
{
	size_t wlen, nlen;
	int wlevel;

	if (writer == NULL || sasaran == NULL || node == NULL)
		return false;
	wlen = strlen(writer);
	nlen = strlen(node);
	if ((wlevel = pk_region_level(writer, wlen)) < 0 || pk_region_level(node, nlen) < 0 ||
	    pk_region_level(sasaran, strlen(sasaran)) < 0)
		return false;
	if (strcmp(writer, sasaran) == 0)
		/* One level below the writer, on the official list (pk_arahan_targets). */
		return wlevel < PK_NODE_LEVEL_MAX && pk_region_level(node, nlen) == wlevel + 1 &&
		       pk_region_within(node, nlen, writer, wlen) &&
		       pk_wilayah_find(node, nlen) != NULL;
	{
		struct match m = {node, false};

		pk_arahan_targets(writer, sasaran, same_node, &m);
		return m.found;
	}
}

void pk_penerimaan_key(const char *wilayah_arahan, const char *arahan,
                       char out[PK_PENERIMAAN_KEY_LEN + 1])
{
	static const char tag[] = "pokja-penerimaan-1";
	static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t msg[sizeof(tag) + PK_REGION_MAX + 1 + 128 + 1], h[PK_HASH_BYTES];
	size_t n = 0, wl = strlen(wilayah_arahan), al = strlen(arahan);
	unsigned acc = 0, bits = 2;
	int o;

	/* tag NUL region NUL key: the NULs keep ("3", "2x") and ("32", "x") apart. */
	if (wl > PK_REGION_MAX)
		wl = PK_REGION_MAX;
	if (al > 128)
		al = 128;
	memcpy(msg, tag, sizeof(tag));
	n = sizeof(tag);
	memcpy(msg + n, wilayah_arahan, wl);
	n += wl;
	msg[n++] = 0;
	memcpy(msg + n, arahan, al);
	n += al;
	pk_hash(h, msg, n);
	o = snprintf(out, PK_PENERIMAAN_KEY_LEN + 1, "terima-");
	/* The first 128 bits as 26 digits: two zero bits pad the first, as in new record keys. */
	for (int i = 0; i < 16; i++) {
		acc = (acc << 8) | h[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = digits[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = '\0';
}

static const char *const status_names[] = {"", "direncanakan", "dilaksanakan", "selesai"};

enum pk_tl_status pk_tl_status_parse(const char *s, size_t len)
{
	for (int st = PK_TL_DIRENCANAKAN; st <= PK_TL_SELESAI; st++)
		if (s != NULL && strlen(status_names[st]) == len &&
		    memcmp(s, status_names[st], len) == 0)
			return (enum pk_tl_status)st;
	return PK_TL_NONE;
}

const char *pk_tl_status_name(enum pk_tl_status st)
{
	return st >= PK_TL_NONE && st <= PK_TL_SELESAI ? status_names[st] : "";
}

unsigned pk_tl_weight2(enum pk_tl_status st)
{
	return st == PK_TL_SELESAI ? 2 : st == PK_TL_DILAKSANAKAN ? 1 : 0;
}

enum pk_due pk_arahan_due(enum pk_tl_status st, int64_t done, int64_t deadline, int64_t today)
{
	if (st == PK_TL_SELESAI)
		return deadline != PK_NO_DAY && done != PK_NO_DAY && done > deadline ? PK_DUE_LATE
		                                                                     : PK_DUE_DONE;
	return deadline != PK_NO_DAY && today > deadline ? PK_DUE_OVERDUE : PK_DUE_OPEN;
}

const char *pk_due_name(enum pk_due d)
{
	static const char *const names[] = {"open", "overdue", "done", "late"};

	return d >= PK_DUE_OPEN && d <= PK_DUE_LATE ? names[d] : "?";
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int pk_date_days(const char *s, size_t len, int64_t *days)
{
	static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y = 0, m, d, lim;

	if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
		return PK_EINVAL;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return PK_EINVAL;
	for (int i = 0; i < 4; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	m = (unsigned)(s[5] - '0') * 10 + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10 + (unsigned)(s[9] - '0');
	if (m < 1 || m > 12 || d < 1)
		return PK_EINVAL;
	lim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > lim)
		return PK_EINVAL;
	*days = days_from_civil(y, m, d);
	return 0;
}

void pk_days_date(int64_t days, char out[11])
{
	/* civil_from_days, the inverse of days_from_civil. */
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	if (y < 0 || y > 9999)
		y = 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = out[7] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}
