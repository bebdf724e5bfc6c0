/* util.c: option parsing, errors, files and formatting shared by pokjactl's commands. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/wilayah.h"
#include "recnorm.h"

int cli_usagef(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_say(c, fmt, ap);
	va_end(ap);
	return cli_usage(c);
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

int cli_parse(struct cli *c, int argc, char **argv, const struct cli_opt *opts, char **pos,
              int minpos, int maxpos, int *npos)
{
	static const char *dir_val, *lang_val;
	static bool json_flag;
	/* --lang is read before anything else (main.c); here it is only let through. */
	const struct cli_opt global[] = {{"dir", &dir_val, NULL},
	                                 {"json", NULL, &json_flag},
	                                 {"lang", &lang_val, NULL},
	                                 {NULL, NULL, NULL}};
	const struct cli_opt *o;
	const char *name, *eq, *val;
	size_t len;

	*npos = 0;
	dir_val = NULL;
	json_flag = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return -1;
		if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			if (*npos >= maxpos) {
				return cli_usagef(c, "unexpected argument '%s'", argv[i]);
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		name = argv[i] + (argv[i][1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		o = find_opt(opts, name, len);
		if (o == NULL)
			o = find_opt(global, name, len);
		if (o == NULL) {
			return cli_usagef(c, "unknown option '%s'", argv[i]);
		}
		if (o->flag != NULL) {
			if (eq != NULL) {
				return cli_usagef(c, "option '--%s' takes no value", o->name);
			}
			*o->flag = true;
			continue;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return cli_usagef(c, "option '--%s' needs a value", o->name);
		}
		*o->val = val;
	}
	if (*npos < minpos) {
		return cli_usagef(c, "missing argument");
	}
	if (dir_val != NULL)
		c->dir = dir_val;
	if (json_flag)
		c->json = true;
	c->dir = node_dir(c->dir);
	return 0;
}

int cli_check_owner(const struct cli *c)
{
	struct passwd *pw;
	struct stat st;

	if (geteuid() != 0 || stat(c->dir, &st) != 0 || st.st_uid == 0)
		return 0;
	pw = getpwuid(st.st_uid);
	if (pw == NULL)
		return cli_fail(c,
		                "%s belongs to user id %u: run pokjactl as that user, so that "
		                "pokjad can read what it writes",
		                c->dir, (unsigned)st.st_uid);
	return cli_fail(c,
	                "%s belongs to user '%s': run pokjactl as that user (sudo -u %s "
	                "pokjactl ...), so that pokjad can read what it writes",
	                c->dir, pw->pw_name, pw->pw_name);
}

int cli_open(const struct cli *c, unsigned flags, struct store **s, struct store_node *node,
             uint8_t pub[PK_PUB_BYTES], uint8_t sec[PK_SEC_BYTES])
{
	struct pk_diag d = {""};
	int err;

	*s = NULL;
	if (!(flags & STORE_RDONLY) && cli_check_owner(c) != 0)
		return EXIT_FAIL;
	node_guard_faults(c->prog, c->dir, true);
	if ((err = node_store_open(c->dir, flags, s, &d)) != 0)
		return cli_fail(c, "%s", d.msg[0] ? d.msg : pk_strerror(err));
	if ((err = store_node_get(*s, node)) != 0) {
		store_close(*s);
		*s = NULL;
		return cli_fail(c, "%s: node identity unreadable: %s", c->dir, pk_strerror(err));
	}
	if (sec != NULL) {
		if ((err = node_key_load(c->dir, pub, sec, &d)) != 0) {
			store_close(*s);
			*s = NULL;
			return cli_fail(c, "%s", d.msg);
		}
		if (memcmp(pub, node->pub, PK_PUB_BYTES) != 0) {
			store_close(*s);
			*s = NULL;
			return cli_fail(c, "%s: the key file does not belong to this store",
			                c->dir);
		}
	}
	return 0;
}

int cli_read_file(const struct cli *c, const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	uint8_t *buf, *nb;

	*out = NULL;
	if (f == NULL)
		return cli_fail(c, "%s: %s", path, strerror(errno));
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > max) {
			free(buf);
			if (f != stdin)
				fclose(f);
			return cli_fail(c, "%s: larger than %zu bytes", path, max);
		}
		if (n == cap) {
			cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto nomem;
			buf = nb;
		}
	}
	if (ferror(f)) {
		free(buf);
		if (f != stdin)
			fclose(f);
		return cli_fail(c, "%s: %s", path, strerror(errno));
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*len = n;
	return 0;
nomem:
	free(buf);
	if (f != stdin)
		fclose(f);
	return cli_fail(c, "out of memory reading %s", path);
}

int cli_out_open(const struct cli *c, const char *path, unsigned mode, struct cli_out *o)
{
	struct pk_diag d;
	int fd, e;

	o->f = NULL;
	o->path = path;
	if ((size_t)snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    sizeof(o->tmp))
		return cli_fail(c, "%.60s...: the file name is too long", path);
	if ((fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode)) < 0)
		return cli_fail(c, "cannot write %s: %s", path, cli_io_why(&d, path, errno));
	if ((o->f = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		unlink(o->tmp);
		return cli_fail(c, "cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

void cli_out_abort(struct cli_out *o)
{
	if (o->f == NULL)
		return;
	fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

const char *cli_io_why(struct pk_diag *d, const char *path, int e)
{
	if (pk_errno_err(e) != PK_ENOSPC)
		return strerror(e);
	pk_diag_nospace_file(d, path);
	return d->msg;
}

void cli_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* cli_sync_dir of the folder that holds path. */
static void sync_folder_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	cli_sync_dir(dir);
}

int cli_out_commit(const struct cli *c, struct cli_out *o)
{
	struct pk_diag d;
	int e = 0;

	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		e = errno != 0 ? errno : EIO;
	if (fclose(o->f) != 0 && e == 0)
		e = errno;
	o->f = NULL;
	if (e == 0 && rename(o->tmp, o->path) != 0)
		e = errno;
	if (e != 0) {
		unlink(o->tmp);
		return cli_fail(c, "writing %s: %s", o->path, cli_io_why(&d, o->path, e));
	}
	sync_folder_of(o->path);
	return 0;
}

int cli_write_file(const struct cli *c, const char *path, const uint8_t *data, size_t len)
{
	struct cli_out o;

	if (cli_out_open(c, path, 0644, &o) != 0)
		return EXIT_FAIL;
	if (fwrite(data, 1, len, o.f) != len) {
		struct pk_diag d;
		int e = errno;
		cli_out_abort(&o);
		return cli_fail(c, "writing %s: %s", path, cli_io_why(&d, path, e));
	}
	return cli_out_commit(c, &o);
}

int cli_check_region(const struct cli *c, const char *code, const char *within)
{
	struct pk_diag d;

	if (cli_region_ok(code, within, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	return 0;
}
