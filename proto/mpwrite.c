/* mpwrite.c: the msgpack writer of proto/ (see mpwrite.h). */
#include "mpwrite.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* msgpack-c's pack calls return the write callback's result: 0, or -1 when it failed. */
static void note(struct pk_mpw *w, int rc)
{
	if (rc != 0)
		w->bad = true;
}

void pk_mpw_init(struct pk_mpw *w)
{
	msgpack_sbuffer_init(&w->sb);
	msgpack_packer_init(&w->pk, &w->sb, msgpack_sbuffer_write);
	w->bad = false;
}

void pk_mpw_put_array(struct pk_mpw *w, size_t n)
{
	note(w, msgpack_pack_array(&w->pk, n));
}

void pk_mpw_put_str(struct pk_mpw *w, const char *s, size_t n)
{
	note(w, msgpack_pack_str(&w->pk, n));
	if (n > 0) /* a NULL pointer with no bytes is allowed, and memcpy must not see it */
		note(w, msgpack_pack_str_body(&w->pk, s, n));
}

void pk_mpw_put_cstr(struct pk_mpw *w, const char *s)
{
	pk_mpw_put_str(w, s, strlen(s));
}

void pk_mpw_put_bin(struct pk_mpw *w, const uint8_t *b, size_t n)
{
	note(w, msgpack_pack_bin(&w->pk, n));
	if (n > 0)
		note(w, msgpack_pack_bin_body(&w->pk, b, n));
}

void pk_mpw_put_bin_head(struct pk_mpw *w, size_t n)
{
	note(w, msgpack_pack_bin(&w->pk, n));
}

void pk_mpw_put_uint(struct pk_mpw *w, uint64_t v)
{
	note(w, msgpack_pack_uint64(&w->pk, v));
}

void pk_mpw_put_map(struct pk_mpw *w, size_t n)
{
	note(w, msgpack_pack_map(&w->pk, n));
}

void pk_mpw_put_int(struct pk_mpw *w, int64_t v)
{
	note(w, msgpack_pack_int64(&w->pk, v));
}

void pk_mpw_put_double(struct pk_mpw *w, double v)
{
	note(w, msgpack_pack_double(&w->pk, v));
}

void pk_mpw_put_nil(struct pk_mpw *w)
{
	note(w, msgpack_pack_nil(&w->pk));
}

void pk_mpw_put_bool(struct pk_mpw *w, bool v)
{
	note(w, v ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk));
}

int pk_mpw_finish(struct pk_mpw *w, uint8_t **out, size_t *outlen)
{
	size_t alloc;
	int err = 0;

	*out = NULL;
	*outlen = 0;
	if (w->bad) {
		err = PK_ENOMEM;
		goto out;
	}
	if (w->sb.size == 0) {
		err = PK_EINVAL;
		goto out;
	}
	*outlen = w->sb.size;
	alloc = w->sb.alloc;
	*out = (uint8_t *)msgpack_sbuffer_release(&w->sb);
	/* The sbuffer grows from 8 KiB: an import holds every record's value until its one write,
	 * so a small encoding is copied into a block of its own size (100,000 records at 8 KiB
	 * each would be 800 MB) and the sbuffer's freed for the next encoding to reuse. A large one
	 * (a changeset, a message) is handed over as it is: it is short-lived, and shrinking it
	 * would only make glibc map fresh pages for the next. On failure the larger block serves.
	 */
	if (*outlen < 65536 && alloc - *outlen > 64) {
		uint8_t *fit = malloc(*outlen);

		if (fit != NULL) {
			memcpy(fit, *out, *outlen);
			free(*out);
			*out = fit;
		}
	}
out:
	pk_mpw_destroy(w);
	return err;
}

void pk_mpw_destroy(struct pk_mpw *w)
{
	msgpack_sbuffer_destroy(&w->sb);
	msgpack_sbuffer_init(&w->sb); /* so that a second call frees nothing */
}

int pk_mpw_sign_envelope(const uint8_t *body, size_t len, const uint8_t sec[PK_SEC_BYTES],
                         uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	uint8_t sig[PK_SIG_BYTES];

	pk_sign(sig, body, len, sec);
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 2);
	pk_mpw_put_bin(&w, body, len);
	pk_mpw_put_bin(&w, sig, PK_SIG_BYTES);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_mpw_finish_signed(struct pk_mpw *w, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                         size_t *outlen)
{
	uint8_t *body;
	size_t len;
	int err;

	if ((err = pk_mpw_finish(w, &body, &len)) != 0) {
		*out = NULL;
		*outlen = 0;
		return err;
	}
	err = pk_mpw_sign_envelope(body, len, sec, out, outlen);
	free(body);
	return err;
}
