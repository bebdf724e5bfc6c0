/*
 * compress.h: zstd frames for sealed plaintexts (proto/SPEC.md, section "Sessions",
 * "Compression"), the one user of libzstd: it translates libzstd's errors to PK_ codes and
 * checks a frame's declared size before it allocates anything for the content.
 */
#ifndef PK_COMPRESS_H
#define PK_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PK_ZSTD_LEVEL_MAX 19  /* the highest level a node may choose ([sync] compression_level) */
#define PK_ZSTD_MIN_INPUT 256 /* shorter messages are sent as they are: a frame would not pay */

/* True when buf begins with the zstd frame magic number 28 b5 2f fd. A sync message never
 * does: it is a MessagePack array, whose first byte is 0x90-0x9f, 0xdc or 0xdd. */
bool pk_zstd_is_frame(const uint8_t *buf, size_t len);

/*
 * Compresses msg at level (1..PK_ZSTD_LEVEL_MAX) into one zstd frame that declares its content
 * size. When it pays (len >= PK_ZSTD_MIN_INPUT and the frame is shorter than msg) returns 0
 * with the malloc'd frame in *out (the caller frees it); when it does not, returns 0 with *out
 * NULL: send msg as it is. PK_EINVAL for a level out of range, PK_ENOMEM. Costs one
 * compression context (a few MB at level 3, some 100 MB at level 19 for a 4 MB message).
 */
int pk_zstd_pack(int level, const uint8_t *msg, size_t len, uint8_t **out, size_t *outlen);

/*
 * Decompresses exactly one zstd frame (buf holds nothing else) whose header declares a
 * content size of at most max bytes. The declared size is read and checked before anything is
 * allocated, and the content must be exactly that size. Returns 0 with the malloc'd content in
 * *out, PK_ETOOBIG (a declared size over max), PK_EDECODE (no declared size, not one whole
 * frame, a corrupt frame, or content of another size) or PK_ENOMEM.
 */
int pk_zstd_unpack(const uint8_t *buf, size_t len, size_t max, uint8_t **out, size_t *outlen);

#endif
