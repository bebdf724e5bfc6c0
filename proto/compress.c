/* compress.c: zstd frames for sealed plaintexts (see compress.h). libzstd's one-shot calls
 * only: no streaming state outlives a call, so a session stays plain data. */
#include "compress.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

bool pk_zstd_is_frame(const uint8_t *buf, size_t len)
{
	return len >= sizeof(zstd_magic) && memcmp(buf, zstd_magic, sizeof(zstd_magic)) == 0;
}

int pk_zstd_pack(int level, const uint8_t *msg, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = NULL;
	size_t cap, n;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (level < 1 || level > PK_ZSTD_LEVEL_MAX)
		return PK_EINVAL;
	if (len < PK_ZSTD_MIN_INPUT)
		return 0;
	/* A frame of len - 1 bytes at most: anything longer does not pay, and ZSTD_compress
	 * reports dstSize_tooSmall instead of writing it. */
	cap = len - 1;
	if ((buf = malloc(cap)) == NULL)
		return PK_ENOMEM;
	/* ZSTD_compress writes the content size into the frame header (one-shot, size known). */
	n = ZSTD_compress(buf, cap, msg, len, level);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
			err = PK_ENOMEM;
		goto out; /* dstSize_tooSmall: it does not pay */
	}
	*out = buf;
	*outlen = n;
	buf = NULL;
out:
	free(buf);
	return err;
}

int pk_zstd_unpack(const uint8_t *buf, size_t len, size_t max, uint8_t **out, size_t *outlen)
{
	unsigned long long size;
	uint8_t *m = NULL;
	size_t n;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (!pk_zstd_is_frame(buf, len))
		return PK_EDECODE;
	size = ZSTD_getFrameContentSize(buf, len);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
		return PK_EDECODE;
	if (size > max)
		return PK_ETOOBIG;
	/* Exactly one frame: trailing bytes (a second frame) would be content nobody declared. */
	n = ZSTD_findFrameCompressedSize(buf, len);
	if (ZSTD_isError(n) || n != len)
		return PK_EDECODE;
	if ((m = malloc(size > 0 ? (size_t)size : 1)) == NULL)
		return PK_ENOMEM;
	n = ZSTD_decompress(m, (size_t)size, buf, len);
	if (ZSTD_isError(n)) {
		err = ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation ? PK_ENOMEM : PK_EDECODE;
		goto out;
	}
	if (n != size) {
		err = PK_EDECODE;
		goto out;
	}
	*out = m;
	*outlen = n;
	m = NULL;
out:
	free(m);
	return err;
}
