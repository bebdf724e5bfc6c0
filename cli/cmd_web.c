/*
 * cmd_web.c: `pokjactl web cert`, a self-signed certificate and key for the office web
 * application that pokjad serves over https:// ([web] listen, tls_cert, tls_key).
 *
 * The pair is made by the openssl command (Debian's openssl package, a dependency of ours), run
 * without a shell from an argv built here, with a configuration file of our own so that the
 * system's openssl.cnf adds nothing: ECDSA P-256, the hosts as subjectAltName, and the
 * extensions of a server certificate (CA:FALSE, which Firefox requires of a certificate it is
 * to accept as a server's). openssl writes to temporary files beside the final ones; both are
 * renamed into place only when it succeeded, so a failure leaves what was there. The fingerprint
 * is computed here (SHA-256 of the DER, as browsers show it) from the PEM written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "daemon/config.h"
#include "i18n.h"

#define HOST_MAX 16      /* --host options, the defaults included */
#define HOST_LEN 253     /* a DNS name's longest text */
#define DAYS_DEFAULT 825 /* what browsers accept of a certificate's life at most */
#define DAYS_MAX 36500   /* a hundred years */
#define OPENSSL_ERR 4096 /* bytes of openssl's stderr kept for the message */
#define CERT_MAX 65536   /* a PEM certificate read back, at most */
#define CONF_LINE 1024   /* pokjad.conf's lines are this long at most (config.c) */
#define LISTEN_HINT "https://0.0.0.0:8443"

struct hosts {
	const char *name[HOST_MAX];
	bool ip[HOST_MAX];
	int n;
};

/* ---- the hosts --------------------------------------------------------------------------- */

/* Whether s is a DNS name: labels of a-z, A-Z, 0-9 and '-', not starting or ending with '-',
 * 1 to 63 characters each, at most HOST_LEN in all. */
static bool dns_name(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > HOST_LEN || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || (ch == '-' && label > 0)))
			return false;
		if (++label > 63)
			return false;
	}
	return s[len - 1] != '-';
}

static bool ip_address(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Adds a host (an IP address or a DNS name) once; false when it is neither or h is full. */
static bool host_add(struct hosts *h, const char *name)
{
	bool ip = ip_address(name);

	if (!ip && !dns_name(name))
		return false;
	for (int i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return true;
	if (h->n == HOST_MAX)
		return false;
	h->ip[h->n] = ip;
	h->name[h->n++] = name;
	return true;
}

/*
 * Takes the repeatable option --host NAME (also --host=NAME) out of argv into h, leaving the
 * rest for cli_parse. Returns 0 or EXIT_USAGE after saying why.
 */
static int take_hosts(const struct cli *c, int *argc, char **argv, struct hosts *h)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i], *val;

		if (strncmp(a, "--host", 6) != 0 || (a[6] != '\0' && a[6] != '=')) {
			argv[out++] = argv[i];
			continue;
		}
		if (a[6] == '=')
			val = a + 7;
		else if (i + 1 < *argc)
			val = argv[++i];
		else
			return cli_usagef(c, "option '%s' needs a value", a);
		if (h->n == HOST_MAX)
			return cli_usagef(c, "more than %d --host options", HOST_MAX);
		if (!host_add(h, val))
			return cli_usagef(c,
			                  "--host %.80s: not a host name (letters, digits, '-' and "
			                  "'.') nor an IP address",
			                  val);
	}
	*argc = out;
	return 0;
}

/* The default hosts: localhost, 127.0.0.1 and this machine's name (when it has a usable one).
 * name holds the machine's name; it must live as long as h. */
static void default_hosts(struct hosts *h, char name[HOST_LEN + 1])
{
	host_add(h, "localhost");
	host_add(h, "127.0.0.1");
	if (gethostname(name, HOST_LEN + 1) == 0) {
		name[HOST_LEN] = '\0';
		host_add(h, name); /* refused quietly when it is not a DNS name */
	}
}

/* ---- openssl ------------------------------------------------------------------------------ */

/* openssl's configuration: only what we ask for, nothing from the system's openssl.cnf. */
static int write_openssl_conf(const struct cli *c, const char *path, const struct hosts *h)
{
	struct cli_out o;

	if (cli_out_open(c, path, 0600, &o) != 0)
		return EXIT_FAIL;
	fprintf(o.f,
	        "[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n"
	        "[dn]\nCN = %s\n"
	        "[ext]\nbasicConstraints = critical,CA:FALSE\n"
	        "keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n"
	        "subjectKeyIdentifier = hash\nsubjectAltName = ",
	        h->name[0]);
	for (int i = 0; i < h->n; i++)
		fprintf(o.f, "%s%s:%s", i > 0 ? "," : "", h->ip[i] ? "IP" : "DNS", h->name[i]);
	fputc('\n', o.f);
	return cli_out_commit(c, &o);
}

/* The last line of openssl's stderr that says something (its error lines end with the cause). */
static const char *last_line(char *buf)
{
	char *end = buf + strlen(buf), *start;

	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(buf, '\n');
	return start != NULL ? start + 1 : buf;
}

/*
 * Runs openssl req to write a key and a self-signed certificate to keyout and certout. Its
 * standard output goes nowhere, its standard error into the message when it fails. Returns 0,
 * or EXIT_FAIL after saying why.
 */
static int run_openssl(const struct cli *c, const char *conf, const char *keyout,
                       const char *certout, unsigned days)
{
	char daystr[16], err[OPENSSL_ERR] = "";
	/* clang-format off */
	char *argv[] = {"openssl", "req", "-x509", "-config", (char *)conf,
	                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
	                "-sha256", "-days", daystr,
	                "-keyout", (char *)keyout, "-out", (char *)certout, NULL};
	/* clang-format on */
	size_t n = 0;
	ssize_t r;
	int pipefd[2], st, devnull;
	pid_t pid;

	snprintf(daystr, sizeof(daystr), "%u", days);
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return cli_fail(c, "cannot run openssl: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return cli_fail(c, "cannot run openssl: %s", strerror(errno));
	}
	if (pid == 0) {
		/* The child: the key is made mode 0600 from the start. */
		umask(077);
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		dup2(pipefd[1], STDERR_FILENO);
		execvp("openssl", argv);
		dprintf(STDERR_FILENO, "openssl: %s\n", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		r = read(pipefd[0], err + n, sizeof(err) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(err) - 1) {
			char drain[512]; /* the rest is read and dropped, so openssl never blocks */

			while ((r = read(pipefd[0], drain, sizeof(drain))) > 0 ||
			       (r < 0 && errno == EINTR))
				;
			break;
		}
	}
	err[n] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cli_fail(c, "openssl: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return cli_fail(c,
		                "cannot run openssl (%s): install the openssl package "
		                "(apt-get install openssl)",
		                last_line(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return cli_fail(c, "openssl could not make the certificate: %s",
		                n > 0 ? last_line(err) : _("(it said nothing)"));
	return 0;
}

/* ---- the fingerprint ---------------------------------------------------------------------- */

/* The SHA-256 of the certificate's DER, as "AB:CD:..." (95 characters and a NUL). 0 or
 * EXIT_FAIL after saying why. */
static int fingerprint(const struct cli *c, const char *path, char out[96])
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----",
	                  end[] = "-----END CERTIFICATE-----";
	unsigned char hash[crypto_hash_sha256_BYTES];
	uint8_t *pem = NULL, *der = NULL;
	char *b, *e;
	size_t len, derlen;
	int rc = EXIT_FAIL;

	if (cli_read_file(c, path, CERT_MAX, &pem, &len) != 0)
		return EXIT_FAIL;
	if ((b = memmem(pem, len, begin, sizeof(begin) - 1)) == NULL ||
	    (e = memmem(b, len - (size_t)((uint8_t *)b - pem), end, sizeof(end) - 1)) == NULL) {
		cli_fail(c, "%s: no PEM certificate in it", path);
		goto out;
	}
	b += sizeof(begin) - 1;
	if ((der = malloc((size_t)(e - b))) == NULL) {
		cli_fail(c, "%s", pk_strerror(PK_ENOMEM));
		goto out;
	}
	if (sodium_base642bin(der, (size_t)(e - b), b, (size_t)(e - b), "\r\n", &derlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		cli_fail(c, "%s: the PEM certificate is not base64", path);
		goto out;
	}
	crypto_hash_sha256(hash, der, derlen);
	len = 0;
	for (size_t i = 0; i < sizeof(hash); i++)
		len += (size_t)snprintf(out + len, 96 - len, i > 0 ? ":%02X" : "%02X", hash[i]);
	rc = 0;
out:
	free(pem);
	free(der);
	return rc;
}

/* ---- pokjad.conf -------------------------------------------------------------------------- */

/* What [web] of pokjad.conf says already, read line by line as config.c reads them. */
struct webconf {
	char cert[CONF_LINE];   /* tls_cert's value, "" when unset or empty */
	char listen[CONF_LINE]; /* listen's value */
};

/* s without its leading and trailing blanks and a trailing comment; in place. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	for (char *p = s + 1; *s != '\0' && *p != '\0'; p++)
		if ((*p == ';' || *p == '#') && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/*
 * One line of pokjad.conf: sets *in_web when it is a section header; when it is "name = value"
 * inside [web], the name in *name and the value in *value (both inside buf, a copy of line).
 * Returns whether it is such a key line.
 */
static bool web_key(const char *line, char buf[CONF_LINE], bool *in_web, char **name, char **value)
{
	char *s, *eq;

	snprintf(buf, CONF_LINE, "%s", line);
	s = trim(buf);
	if (*s == '\0' || *s == '#' || *s == ';')
		return false;
	if (*s == '[') {
		s = trim(s + 1);
		*in_web = strncmp(s, "web", 3) == 0 && trim(s + 3)[0] == ']';
		return false;
	}
	if (!*in_web || (eq = strchr(s, '=')) == NULL)
		return false;
	*eq = '\0';
	*name = trim(s);
	*value = trim(eq + 1);
	return true;
}

static void read_webconf(const char *text, struct webconf *w)
{
	char buf[CONF_LINE], line[CONF_LINE], *name, *value;
	bool in_web = false;
	const char *p = text, *nl;

	memset(w, 0, sizeof(*w));
	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl != NULL ? nl - p : (long)strlen(p)),
		         p);
		if (!web_key(line, buf, &in_web, &name, &value))
			continue;
		if (strcmp(name, "tls_cert") == 0)
			snprintf(w->cert, sizeof(w->cert), "%s", value);
		else if (strcmp(name, "listen") == 0)
			snprintf(w->listen, sizeof(w->listen), "%s", value);
	}
}

/*
 * Writes pokjad.conf (text, of its old mode; NULL when there was none) again with [web] tls_cert
 * and tls_key set: under the first [web] header, else in a [web] section added at the end; empty
 * tls_cert and tls_key lines of [web] are left out (a key twice is an error). Every other line
 * stays as it was. Whole or nothing (cli_out_open).
 */
static int set_web_keys(const struct cli *c, const char *path, const char *text, mode_t mode,
                        const char *cert, const char *key)
{
	char buf[CONF_LINE], line[CONF_LINE], *name, *value;
	bool in_web = false, done = false;
	const char *p = text != NULL ? text : "", *nl;
	struct cli_out o;
	size_t len;

	if (cli_out_open(c, path, mode, &o) != 0)
		return EXIT_FAIL;
	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + len) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (web_key(line, buf, &in_web, &name, &value) && value[0] == '\0' &&
		    (strcmp(name, "tls_cert") == 0 || strcmp(name, "tls_key") == 0))
			continue;
		fwrite(p, 1, len, o.f);
		fputc('\n', o.f);
		if (in_web && !done) {
			fprintf(o.f, "tls_cert = %s\ntls_key = %s\n", cert, key);
			done = true;
		}
	}
	if (!done)
		fprintf(o.f, "%s[web]\ntls_cert = %s\ntls_key = %s\n", text != NULL ? "\n" : "",
		        cert, key);
	return cli_out_commit(c, &o);
}

/* ---- the command -------------------------------------------------------------------------- */

/* Makes the folder DIR/web (mode 0700) when it is not there. */
static int make_folder(const struct cli *c, const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return cli_fail(c, "cannot make the folder %s: %s", path, strerror(errno));
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_fail(c, "%s is not a folder", path);
	return 0;
}

/* fsync of a file that openssl wrote, before it is renamed into place. */
static int sync_file(const struct cli *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0 || fsync(fd) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return cli_fail(c, "writing %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

static int web_cert(struct cli *c, const struct hosts *h, unsigned days, bool force)
{
	char dir[PATH_MAX], web[PATH_MAX + 8], cert[PATH_MAX + 24], key[PATH_MAX + 24];
	char certtmp[PATH_MAX + 64], keytmp[PATH_MAX + 64], conftmp[PATH_MAX + 64];
	char conf[PATH_MAX + 16], fp[96];
	struct webconf wc = {0};
	uint8_t *text = NULL, *nt;
	struct stat st;
	size_t len;
	mode_t mode = 0644;
	bool set_conf = false;
	int rc = EXIT_FAIL;

	if (realpath(c->dir, dir) == NULL)
		return cli_fail(c, "%s: %s", c->dir, strerror(errno));
	if (strlen(dir) > PATH_MAX - 64)
		return cli_fail(c, "%.60s...: the file name is too long", dir);
	if (cli_check_owner(c) != 0)
		return EXIT_FAIL;
	snprintf(web, sizeof(web), "%s/web", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", web);
	snprintf(key, sizeof(key), "%s/key.pem", web);
	snprintf(conf, sizeof(conf), "%s/%s", dir, CONFIG_FILE);
	if (!force && (lstat(cert, &st) == 0 || lstat(key, &st) == 0))
		return cli_fail(c,
		                "%s exists already: --force replaces it (browsers that trusted it "
		                "then warn again)",
		                lstat(cert, &st) == 0 ? cert : key);
	/* pokjad.conf is read before anything is made, so that a file we cannot read stops us. */
	if (lstat(conf, &st) == 0) {
		mode = st.st_mode & 07777;
		if (cli_read_file(c, conf, CONFIG_FILE_MAX, &text, &len) != 0)
			return EXIT_FAIL;
		if (memchr(text, '\0', len) != NULL) {
			free(text);
			return cli_fail(c, "%s holds a NUL byte; fix it first", conf);
		}
		if ((nt = realloc(text, len + 1)) == NULL) {
			free(text);
			return cli_fail(c, "%s", pk_strerror(PK_ENOMEM));
		}
		text = nt;
		text[len] = '\0';
		read_webconf((char *)text, &wc);
	} else if (errno != ENOENT) {
		return cli_fail(c, "%s: %s", conf, strerror(errno));
	}
	if (make_folder(c, web) != 0)
		goto out;
	snprintf(conftmp, sizeof(conftmp), "%s/openssl.cnf.tmp.%d", web, (int)getpid());
	snprintf(certtmp, sizeof(certtmp), "%s.tmp.%d", cert, (int)getpid());
	snprintf(keytmp, sizeof(keytmp), "%s.tmp.%d", key, (int)getpid());
	unlink(certtmp);
	unlink(keytmp);
	if (write_openssl_conf(c, conftmp, h) != 0)
		goto out;
	rc = run_openssl(c, conftmp, keytmp, certtmp, days);
	unlink(conftmp);
	if (rc != 0)
		goto fail;
	rc = EXIT_FAIL;
	if (chmod(keytmp, 0600) != 0 || chmod(certtmp, 0644) != 0) {
		cli_fail(c, "%s: %s", web, strerror(errno));
		goto fail;
	}
	if (sync_file(c, keytmp) != 0 || sync_file(c, certtmp) != 0 ||
	    fingerprint(c, certtmp, fp) != 0)
		goto fail;
	/* Two renames: a failure between them (not expected in a folder we just wrote in) would
	 * leave the new key beside the old certificate, which pokjad cannot serve. */
	if (rename(keytmp, key) != 0 || rename(certtmp, cert) != 0) {
		cli_fail(c, "writing %s: %s", web, strerror(errno));
		goto fail;
	}
	cli_sync_dir(web);
	if (wc.cert[0] == '\0') {
		if (set_web_keys(c, conf, (char *)text, mode, cert, key) != 0)
			goto out;
		set_conf = true;
	}
	rc = EXIT_OK;
	if (c->json) {
		json_t *j = json_pack(
		    "{s:s, s:s, s:i, s:[], s:s, s:s, s:b, s:s*, s:s*}", "cert", cert, "key", key,
		    "days", (int)days, "hosts", "fingerprint_sha256", fp, "config", conf,
		    "config_set", set_conf, "config_tls_cert", set_conf ? NULL : wc.cert,
		    "listen_hint",
		    strncmp(wc.listen, "https://", 8) == 0 ? NULL : "listen = " LISTEN_HINT);
		json_t *a = j != NULL ? json_object_get(j, "hosts") : NULL;

		for (int i = 0; a != NULL && i < h->n; i++)
			json_array_append_new(a, json_string(h->name[i]));
		if (j == NULL)
			rc = cli_fail(c, "%s", pk_strerror(PK_ENOMEM));
		else
			cli_print_json(j);
		json_decref(j);
		goto out;
	}
	printf(_("a self-signed certificate for the web application, valid %u days:\n"), days);
	printf(_("  certificate: %s\n"), cert);
	printf(_("  key:         %s (mode 0600: keep it secret)\n"), key);
	printf(_("  hosts:       "));
	for (int i = 0; i < h->n; i++)
		printf("%s%s", i > 0 ? ", " : "", h->name[i]);
	/* TRANSLATORS: browsers show this fingerprint in the certificate's details. */
	printf(_("\n  SHA-256 fingerprint: %s\n"), fp);
	if (set_conf)
		printf(_("%s: [web] tls_cert and tls_key set to them\n"), conf);
	else if (strcmp(wc.cert, cert) != 0)
		printf(
		    _("%s: [web] tls_cert names %s already, left as it is: set it and tls_key to "
		      "the files above to use them\n"),
		    conf, wc.cert);
	if (strncmp(wc.listen, "https://", 8) != 0)
		printf(_("To serve the web application over HTTPS, set in [web] of %s:\n"
		         "  listen = %s\n"
		         "(another port or address as you like), then restart pokjad.\n"),
		       conf, LISTEN_HINT);
	else
		printf(_("Restart pokjad to serve the new certificate.\n"));
	printf(_("Browsers warn about a self-signed certificate: check that the fingerprint they "
	         "show is the one above before you accept it.\n"));
	goto out;
fail:
	unlink(keytmp);
	unlink(certtmp);
out:
	free(text);
	return rc;
}

int cmd_web(struct cli *c, int argc, char **argv)
{
	const char *days_s = NULL;
	char hostname[HOST_LEN + 1];
	struct hosts h = {.n = 0};
	bool force = false;
	struct cli_opt opts[] = {{"days", &days_s, NULL}, {"force", NULL, &force}, {0}};
	unsigned long days = DAYS_DEFAULT;
	char *pos[1], *end;
	int npos, rc;

	if ((rc = take_hosts(c, &argc, argv, &h)) != 0)
		return rc;
	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if (strcmp(pos[0], "cert") != 0)
		return cli_usagef(c, "unknown subcommand '%s' (cert)", pos[0]);
	if (days_s != NULL) {
		errno = 0;
		days = strtoul(days_s, &end, 10);
		if (days_s[0] < '0' || days_s[0] > '9' || *end != '\0' || errno != 0 || days < 1 ||
		    days > DAYS_MAX)
			return cli_usagef(c, "--days %.40s: a whole number of days from 1 to %d",
			                  days_s, DAYS_MAX);
	}
	if (h.n == 0)
		default_hosts(&h, hostname);
	return web_cert(c, &h, (unsigned)days, force);
}
