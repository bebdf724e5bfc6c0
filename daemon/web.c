/*
 * web.c: the office web application's server (web.h): the pages, the sessions, login and its
 * throttle, the CSRF check, then the API proper (web_api.c).
 *
 * As in metrics_http.c, nng may call a handler while the server stops, so what a handler uses
 * sits behind the file-local gate (httpgate.h). One web server per process, as pokjad has.
 */
#include "web.h"

#include <ctype.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "httpgate.h"
#include "log.h"
#include "node.h"
#include "proto/crypto.h"
#include "users.h"
#include "web_assets.h"
#include "web_int.h"

#define COOKIE "pokja_sesi"
#define TOKEN_HEX (2 * 32 + 1)
#define THROTTLE_NAMES 512 /* names whose failed logins are remembered */

struct web {
	nng_http_server *srv;
	nng_tls_config *tls;
	bool secure; /* https: the cookie is Secure */
};

struct session {
	char token[TOKEN_HEX]; /* "" when free */
	char csrf[TOKEN_HEX];
	char user[USER_NAME_MAX + 1];
	char fullname[USER_FULLNAME_MAX + 1];
	char role[16];
	time_t last;
};

struct throttle {
	char name[USER_NAME_MAX + 1]; /* "" when free */
	unsigned fails;               /* in a row */
	time_t until;                 /* no login before */
	time_t last;
};

static struct http_gate gate = HTTP_GATE_INIT;
static struct store *gate_store;
static struct sync *gate_sync;
static struct store_node gate_node;
static uint8_t gate_sec[PK_SEC_BYTES];
static bool gate_secure;

/* Sessions and the login throttle, under their own lock. */
static pthread_mutex_t sess_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session sessions[WEB_SESSIONS_MAX];
static struct throttle throttles[THROTTLE_NAMES];

/* ---- answers ---------------------------------------------------------------------------- */

void web_fail(struct web_req *r, int status, const char *tag, const char *msg, json_t *fields)
{
	json_t *e = json_pack("{s:s, s:s}", "tag", tag, "message", msg);

	if (e != NULL && fields != NULL)
		json_object_set(e, "fields", fields);
	json_decref(fields);
	json_decref(r->out);
	r->status = status;
	r->out = json_pack("{s:o*}", "error", e);
}

/* Headers every answer carries: nothing from elsewhere, not in a frame, types as said. */
static int common_headers(nng_http_res *res)
{
	int rv;

	if ((rv = nng_http_res_set_header(res, "Content-Security-Policy",
	                                  "default-src 'self'; img-src 'self' data:; "
	                                  "frame-ancestors 'none'; form-action 'self'")) != 0 ||
	    (rv = nng_http_res_set_header(res, "X-Content-Type-Options", "nosniff")) != 0 ||
	    (rv = nng_http_res_set_header(res, "Referrer-Policy", "no-referrer")) != 0)
		return rv;
	return nng_http_res_set_header(res, "X-Frame-Options", "DENY");
}

static void send_res(nng_aio *aio, nng_http_res *res, int rv)
{
	if (rv != 0) {
		if (res != NULL)
			nng_http_res_free(res);
		nng_aio_finish(aio, rv); /* nng answers 500 and closes the connection */
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Sends r's answer as JSON, with cookie (a whole Set-Cookie value) when not NULL. */
static void send_json(nng_aio *aio, struct web_req *r, const char *cookie)
{
	nng_http_res *res = NULL;
	char *text;
	int rv;

	if (r->out == NULL)
		r->out = json_object();
	text = json_dumps(r->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		send_res(aio, NULL, NNG_ENOMEM);
		return;
	}
	if ((rv = nng_http_res_alloc(&res)) == 0 &&
	    (rv = nng_http_res_set_status(res, (uint16_t)r->status)) == 0 &&
	    (rv = common_headers(res)) == 0 &&
	    (rv = nng_http_res_set_header(res, "Content-Type",
	                                  "application/json; charset=utf-8")) == 0 &&
	    (rv = nng_http_res_set_header(res, "Cache-Control", "no-store")) == 0 &&
	    (cookie == NULL || (rv = nng_http_res_set_header(res, "Set-Cookie", cookie)) == 0))
		rv = nng_http_res_copy_data(res, text, strlen(text));
	free(text);
	send_res(aio, res, rv);
}

/* Sends r's download (an export). */
static void send_raw(nng_aio *aio, struct web_req *r)
{
	nng_http_res *res = NULL;
	char disp[128];
	int rv;

	snprintf(disp, sizeof(disp), "%s; filename=\"%s\"", r->raw_inline ? "inline" : "attachment",
	         r->raw_name);
	if ((rv = nng_http_res_alloc(&res)) == 0 && (rv = common_headers(res)) == 0 &&
	    /* A printed report: its own style sheet inline, and no script at all. */
	    (!r->raw_inline ||
	     (rv = nng_http_res_set_header(res, "Content-Security-Policy",
	                                   "default-src 'none'; style-src 'unsafe-inline'; "
	                                   "img-src data:; frame-ancestors 'none'")) == 0) &&
	    (rv = nng_http_res_set_header(res, "Content-Type", r->raw_type)) == 0 &&
	    (rv = nng_http_res_set_header(res, "Content-Disposition", disp)) == 0 &&
	    (rv = nng_http_res_set_header(res, "Cache-Control", "no-store")) == 0)
		rv = nng_http_res_copy_data(res, r->raw, r->raw_len);
	send_res(aio, res, rv);
}

/* ---- the pages -------------------------------------------------------------------------- */

static void serve_asset(nng_aio *aio)
{
	const struct web_asset *a = nng_http_handler_get_data(nng_aio_get_input(aio, 1));
	nng_http_res *res = NULL;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) == 0 && (rv = common_headers(res)) == 0 &&
	    (rv = nng_http_res_set_header(res, "Content-Type", a->type)) == 0 &&
	    (rv = nng_http_res_set_header(res, "Cache-Control", "no-cache")) == 0)
		rv = nng_http_res_set_data(res, a->data, a->len); /* static: not copied */
	send_res(aio, res, rv);
}

/* ---- sessions --------------------------------------------------------------------------- */

static void random_hex(char out[TOKEN_HEX])
{
	uint8_t b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, TOKEN_HEX, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

/* The session of the request's cookie, copied into *out; false when none is live. */
static bool session_of(nng_http_req *req, struct session *out)
{
	const char *c = nng_http_req_get_header(req, "Cookie"), *p;
	char tok[TOKEN_HEX];
	time_t now = time(NULL);
	bool found = false;
	size_t n;

	for (p = c; p != NULL && (p = strstr(p, COOKIE "=")) != NULL; p += 1)
		if (p == c || p[-1] == ' ' || p[-1] == ';')
			break;
	if (p == NULL)
		return false;
	p += strlen(COOKIE "=");
	n = strcspn(p, "; ");
	if (n != TOKEN_HEX - 1)
		return false;
	memcpy(tok, p, n);
	tok[n] = '\0';
	pthread_mutex_lock(&sess_lock);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct session *s = &sessions[i];

		if (s->token[0] == '\0' || sodium_memcmp(s->token, tok, TOKEN_HEX - 1) != 0)
			continue;
		if (now - s->last > WEB_SESSION_IDLE_S) {
			memset(s, 0, sizeof(*s));
			break;
		}
		s->last = now;
		*out = *s;
		found = true;
		break;
	}
	pthread_mutex_unlock(&sess_lock);
	return found;
}

static void session_new(const struct user *u, struct session *out)
{
	struct session *s = &sessions[0];
	time_t now = time(NULL);

	pthread_mutex_lock(&sess_lock);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (sessions[i].token[0] == '\0') {
			s = &sessions[i];
			break;
		}
		if (sessions[i].last < s->last)
			s = &sessions[i];
	}
	memset(s, 0, sizeof(*s));
	random_hex(s->token);
	random_hex(s->csrf);
	snprintf(s->user, sizeof(s->user), "%s", u->name);
	snprintf(s->fullname, sizeof(s->fullname), "%s", u->fullname);
	snprintf(s->role, sizeof(s->role), "%s", users_role_name(u->role));
	s->last = now;
	*out = *s;
	pthread_mutex_unlock(&sess_lock);
}

static void session_end(const char *token)
{
	pthread_mutex_lock(&sess_lock);
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (sessions[i].token[0] != '\0' && strcmp(sessions[i].token, token) == 0)
			memset(&sessions[i], 0, sizeof(sessions[i]));
	pthread_mutex_unlock(&sess_lock);
}

/* ---- the login throttle ----------------------------------------------------------------- */

/* The throttle entry of name (a new one, the oldest given up, when create). Under sess_lock. */
static struct throttle *throttle_of(const char *name, bool create)
{
	struct throttle *t = &throttles[0];

	for (int i = 0; i < THROTTLE_NAMES; i++) {
		if (strcmp(throttles[i].name, name) == 0)
			return &throttles[i];
		if (throttles[i].last < t->last)
			t = &throttles[i];
	}
	if (!create)
		return NULL;
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	return t;
}

/* Seconds name must still wait before it may try again; 0: it may. */
static long throttle_wait(const char *name)
{
	struct throttle *t;
	long w = 0;

	pthread_mutex_lock(&sess_lock);
	if ((t = throttle_of(name, false)) != NULL && t->until > time(NULL))
		w = (long)(t->until - time(NULL));
	pthread_mutex_unlock(&sess_lock);
	return w;
}

static void throttle_note(const char *name, bool ok)
{
	struct throttle *t;
	time_t now = time(NULL);
	long wait;

	pthread_mutex_lock(&sess_lock);
	if (ok) {
		if ((t = throttle_of(name, false)) != NULL)
			memset(t, 0, sizeof(*t));
	} else {
		t = throttle_of(name, true);
		t->last = now;
		if (++t->fails >= WEB_LOGIN_TRIES) {
			wait = WEB_LOGIN_WAIT_S;
			for (unsigned i = WEB_LOGIN_TRIES;
			     i < t->fails && wait < WEB_LOGIN_WAIT_MAX_S; i++)
				wait *= 2;
			t->until =
			    now + (wait < WEB_LOGIN_WAIT_MAX_S ? wait : WEB_LOGIN_WAIT_MAX_S);
		}
	}
	pthread_mutex_unlock(&sess_lock);
}

/* ---- login, logout, me ------------------------------------------------------------------ */

static json_t *me_json(const struct session *se)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "user", se->user, "role", se->role, WEB_TAG_CSRF,
	    se->csrf, "node", "region", gate_node.region, "name", gate_node.name, "level",
	    pk_level_name(pk_region_level(gate_node.region, strlen(gate_node.region))));
}

static void login(nng_aio *aio, struct web_req *r)
{
	const char *name = json_string_value(json_object_get(r->body, "user"));
	const char *pw = json_string_value(json_object_get(r->body, "password"));
	char cookie[160], msg[200];
	struct session se;
	struct user u;
	long wait;
	int err;

	if (name == NULL || pw == NULL) {
		web_fail(r, 400, "malformed", PK_("give user and password"), NULL);
		send_json(aio, r, NULL);
		return;
	}
	if ((wait = throttle_wait(name)) > 0) {
		snprintf(msg, sizeof(msg),
		         PK_("too many wrong passwords for '%.32s': try again in %ld seconds"),
		         name, wait);
		web_fail(r, 429, WEB_TAG_THROTTLED, msg, NULL);
		json_object_set_new(json_object_get(r->out, "error"), "retry_after",
		                    json_integer(wait));
		send_json(aio, r, NULL);
		return;
	}
	err = users_check_password(r->s, name, pw, &u);
	throttle_note(name, err == 0);
	if (err == PK_EPERM) {
		web_fail(r, 401, WEB_TAG_LOGIN,
		         PK_("this account is disabled; ask the office's admin"), NULL);
	} else if (err != 0) {
		web_fail(r, 401, WEB_TAG_LOGIN, PK_("wrong user name or password"), NULL);
	} else {
		session_new(&u, &se);
		snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
		         se.token, gate_secure ? "; Secure" : "");
		log_info("web", "login: %s (%s)", se.user, se.role);
		r->status = 200;
		r->out = me_json(&se);
		send_json(aio, r, cookie);
		return;
	}
	log_warnx("web", "login refused for '%.32s'", name);
	send_json(aio, r, NULL);
}

/* ---- the API entry ---------------------------------------------------------------------- */

int web_unescape(const char *src, size_t len, char *dst, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			char hex[3];
			unsigned long v;

			if (i + 2 >= len || !isxdigit((unsigned char)src[i + 1]) ||
			    !isxdigit((unsigned char)src[i + 2]))
				return -1;
			hex[0] = src[i + 1];
			hex[1] = src[i + 2];
			hex[2] = '\0';
			if ((v = strtoul(hex, NULL, 16)) == 0)
				return -1;
			c = (int)v;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap)
			return -1;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return 0;
}

const char *web_query(const struct web_req *r, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name);

	for (const char *p = r->query; *p != '\0';) {
		size_t n = strcspn(p, "&");

		if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=')
			return web_unescape(p + nl + 1, n - nl - 1, buf, cap) == 0 ? buf : NULL;
		p += n + (p[n] == '&');
	}
	return NULL;
}

/* Reads the request into r: method, path, query and a JSON body. 0, or an answer is set. */
static int read_req(nng_http_req *req, struct web_req *r)
{
	const char *uri = nng_http_req_get_uri(req), *q = strchr(uri, '?');
	size_t plen = q != NULL ? (size_t)(q - uri) : strlen(uri);
	json_error_t jerr;
	void *data;
	size_t len;

	r->method = nng_http_req_get_method(req);
	if (web_unescape(uri, plen, r->path, sizeof(r->path)) != 0 ||
	    (q != NULL && strlen(q + 1) >= sizeof(r->query))) {
		web_fail(r, 400, "malformed", PK_("the address is malformed or too long"), NULL);
		return -1;
	}
	if (q != NULL)
		snprintf(r->query, sizeof(r->query), "%s", q + 1);
	nng_http_req_get_data(req, &data, &len);
	if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "PATCH") != 0)
		return 0;
	if (len == 0) {
		r->body = json_object();
		return 0;
	}
	r->body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r->body == NULL || !json_is_object(r->body)) {
		char msg[300];

		snprintf(msg, sizeof(msg), PK_("the request is not a JSON object: %s"),
		         r->body == NULL ? jerr.text : PK_("another JSON value"));
		web_fail(r, 400, "malformed", msg, NULL);
		return -1;
	}
	return 0;
}

static void serve_api(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	struct web_req r;
	struct session se;
	const char *tok;
	bool change;

	memset(&r, 0, sizeof(r));
	if (!http_gate_enter(&gate)) {
		nng_aio_finish(aio, NNG_ECLOSED);
		return;
	}
	r.s = gate_store;
	r.sy = gate_sync;
	r.node = &gate_node;
	r.sec = gate_sec;
	r.status = 200;

	if (read_req(req, &r) != 0)
		goto answer;
	change = strcmp(r.method, "GET") != 0 && strcmp(r.method, "HEAD") != 0;
	if (strcmp(r.path, "/api/login") == 0) {
		if (strcmp(r.method, "POST") != 0)
			web_fail(&r, 405, WEB_TAG_METHOD, PK_("log in with POST"), NULL);
		else
			login(aio, &r);
		if (r.status == 405)
			goto answer;
		goto done;
	}
	if (!session_of(req, &se)) {
		web_fail(&r, 401, "auth", PK_("log in first (or the session has ended)"), NULL);
		goto answer;
	}
	tok = nng_http_req_get_header(req, "X-CSRF-Token");
	if (change && (tok == NULL || strlen(tok) != TOKEN_HEX - 1 ||
	               sodium_memcmp(tok, se.csrf, TOKEN_HEX - 1) != 0)) {
		web_fail(&r, 403, WEB_TAG_CSRF,
		         PK_("the request lacks this session's CSRF token (X-CSRF-Token); reload "
		             "the page"),
		         NULL);
		goto answer;
	}
	snprintf(r.user, sizeof(r.user), "%s", se.user);
	snprintf(r.fullname, sizeof(r.fullname), "%s", se.fullname);
	snprintf(r.role, sizeof(r.role), "%s", se.role);
	if (strcmp(r.path, "/api/logout") == 0 && strcmp(r.method, "POST") == 0) {
		session_end(se.token);
		r.out = json_object();
		send_json(aio, &r, COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
		goto done;
	}
	if (strcmp(r.path, "/api/me") == 0 && strcmp(r.method, "GET") == 0) {
		r.out = me_json(&se);
		goto answer;
	}
	web_api(&r);
	if (r.raw != NULL) {
		send_raw(aio, &r);
		goto done;
	}
answer:
	send_json(aio, &r, NULL);
done:
	json_decref(r.body);
	json_decref(r.out);
	free(r.raw);
	http_gate_leave(&gate);
}

/* ---- start and stop --------------------------------------------------------------------- */

static int add(struct web *w, const char *path, void (*fn)(nng_aio *), const void *data, bool tree)
{
	nng_http_handler *h;
	int rv;

	if ((rv = nng_http_handler_alloc(&h, path, fn)) != 0)
		return rv;
	if ((data != NULL && (rv = nng_http_handler_set_data(h, (void *)data, NULL)) != 0) ||
	    (tree && ((rv = nng_http_handler_set_tree(h)) != 0 ||
	              (rv = nng_http_handler_set_method(h, NULL)) != 0)) ||
	    (rv = nng_http_handler_collect_body(h, true, tree ? WEB_BODY_MAX : 0)) != 0 ||
	    (rv = nng_http_server_add_handler(w->srv, h)) != 0) {
		nng_http_handler_free(h);
		return rv;
	}
	return 0;
}

#define PEM_MAX (1u << 20)

/* Reads the whole PEM file path (relative: to the node folder dir) into a NUL-terminated
 * buffer; NULL after saying why in d, naming the key that names it. */
static char *read_pem(const char *dir, const char *key, const char *path, struct pk_diag *d)
{
	char full[PATH_MAX];
	struct stat st;
	char *buf = NULL;
	FILE *f;
	size_t n;

	if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path[0] == '/' ? "" : dir,
	                     path[0] == '/' ? "" : "/", path) >= sizeof(full)) {
		pk_diagf(d, PK_EINVAL, "[web] %s %s: the path is too long", key, path);
		return NULL;
	}
	if ((f = fopen(full, "rb")) == NULL || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size >= PEM_MAX) {
		pk_diagf(d, PK_EIO,
		         "[web] %s %s: %s; make a pair with 'pokjactl web cert', or name the "
		         "files pokjad may read",
		         key, full,
		         f == NULL              ? strerror(errno)
		         : !S_ISREG(st.st_mode) ? PK_("not a file")
		                                : PK_("larger than 1 MiB: not a PEM file"));
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) != NULL) {
		n = fread(buf, 1, (size_t)st.st_size, f);
		buf[n] = '\0';
	}
	fclose(f);
	if (buf == NULL)
		pk_diagf(d, PK_ENOMEM, "[web] %s: out of memory", key);
	return buf;
}

static int setup_tls(struct web *w, const struct config *cfg, const char *dir, struct pk_diag *d)
{
	char *cert = read_pem(dir, "tls_cert", cfg->web_tls_cert, d), *key = NULL;
	int rv, err = 0;

	if (cert == NULL || (key = read_pem(dir, "tls_key", cfg->web_tls_key, d)) == NULL) {
		err = PK_EIO;
	} else if ((rv = nng_tls_config_alloc(&w->tls, NNG_TLS_MODE_SERVER)) != 0 ||
	           (rv = nng_tls_config_own_cert(w->tls, cert, key, NULL)) != 0 ||
	           (rv = nng_http_server_set_tls(w->srv, w->tls)) != 0) {
		err =
		    pk_diagf(d, PK_EINVAL,
		             "[web] tls_cert %s, tls_key %s: %s (not a certificate and its key in "
		             "PEM?)",
		             cfg->web_tls_cert, cfg->web_tls_key, nng_strerror(rv));
	}
	if (key != NULL)
		sodium_memzero(key, strlen(key));
	free(cert);
	free(key);
	return err;
}

int web_start(struct web **out, const struct config *cfg, const char *dir, struct store *s,
              struct sync *sy, const uint8_t sec[PK_SEC_BYTES], struct pk_diag *d)
{
	struct web *w = calloc(1, sizeof(*w));
	const char *url = cfg->web;
	int rv, err;

	*out = NULL;
	if (w == NULL)
		return pk_diagf(d, PK_ENOMEM, "[web] listen %s: out of memory", url);
	gate_store = s;
	gate_sync = sy;
	memcpy(gate_sec, sec, PK_SEC_BYTES);
	gate_secure = w->secure = strncmp(url, "https://", 8) == 0;
	if ((err = store_node_get(s, &gate_node)) != 0) {
		err = pk_diagf(d, err, "[web] listen %s: this node's identity: %s", url,
		               pk_strerror(err));
		goto fail;
	}
	http_gate_open(&gate);
	if ((err = http_server_hold("[web] listen", url, &w->srv, d)) != 0)
		goto fail;
	if (w->secure && (err = setup_tls(w, cfg, dir, d)) != 0)
		goto fail;
	rv = add(w, "/api", serve_api, NULL, true);
	for (const struct web_asset *a = web_assets; rv == 0 && a->path != NULL; a++) {
		rv = add(w, a->path, serve_asset, a, false);
		if (rv == 0 && strcmp(a->path, "/index.html") == 0)
			rv = add(w, "/", serve_asset, a, false);
	}
	if (rv != 0) {
		err = pk_diagf(d, PK_ENOMEM, "[web] listen %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	if ((err = http_server_start("[web] listen", url, w->srv, d)) != 0)
		goto fail;
	log_info("web", "serving the web application on %s", url);
	*out = w;
	return 0;
fail:
	http_gate_close(&gate);
	sodium_memzero(gate_sec, sizeof(gate_sec));
	if (w->srv != NULL)
		nng_http_server_release(w->srv);
	if (w->tls != NULL)
		nng_tls_config_free(w->tls);
	free(w);
	return err;
}

void web_stop(struct web *w)
{
	if (w == NULL)
		return;
	nng_http_server_stop(w->srv);
	http_gate_close(&gate);
	gate_store = NULL;
	gate_sync = NULL;
	sodium_memzero(gate_sec, sizeof(gate_sec));
	nng_http_server_release(w->srv);
	if (w->tls != NULL)
		nng_tls_config_free(w->tls);
	pthread_mutex_lock(&sess_lock);
	memset(sessions, 0, sizeof(sessions));
	pthread_mutex_unlock(&sess_lock);
	free(w);
}
