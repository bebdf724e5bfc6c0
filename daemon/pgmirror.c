/*
 * pgmirror.c: the PostgreSQL mirror (see pgmirror.h): the thread, its connection with back-off,
 * the tables made from the schema table, and the passes that copy what changed (the SQL text
 * itself is pgsql.c's). The only file
 * that includes <libpq-fe.h>; libpq's errors become sentences here.
 */
#include "pgmirror.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "pgsql.h"
#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"
#include "proto/mpread.h"
#include "proto/schema.h"

#define RETRY_MIN_MS 1000u
#define IDLE_POLL_MS 100u     /* how often an idle mirror looks at the store's generation */
#define PING_MS 5000u         /* how often an idle mirror checks that PostgreSQL is there */
#define PASS_CHANGESETS 256   /* most changesets one pass (one PostgreSQL transaction) takes */
#define PASS_KEYS 20000       /* ... and most records it touches, once past one changeset */
#define PASS_BYTES (1u << 20) /* most bytes of one origin's log a pass reads (~35000 ops) */
#define AUTHORS 256           /* origins whose region is cached */
#define CONNECT_TIMEOUT "10"  /* seconds, unless the connection string says otherwise */

/*
 * libpq, loaded when a mirror is configured (pq_load): a pokjad without one does not map it, nor
 * the dozen libraries it brings (TLS, Kerberos, LDAP), which would be most of an idle daemon's
 * memory. Each member has the libpq function's name and type.
 */
#define PQ_LIBRARY "libpq.so.5"
static struct {
	void (*PQclear)(PGresult *);
	PGconn *(*PQconnectdbParams)(const char *const *, const char *const *, int);
	void (*PQconninfoFree)(PQconninfoOption *);
	PQconninfoOption *(*PQconninfoParse)(const char *, char **);
	char *(*PQerrorMessage)(const PGconn *);
	char *(*PQescapeLiteral)(PGconn *, const char *, size_t);
	PGresult *(*PQexec)(PGconn *, const char *);
	PGresult *(*PQexecParams)(PGconn *, const char *, int, const Oid *, const char *const *,
	                          const int *, const int *, int);
	void (*PQfinish)(PGconn *);
	void (*PQfreemem)(void *);
	ExecStatusType (*PQresultStatus)(const PGresult *);
	ConnStatusType (*PQstatus)(const PGconn *);
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_why[256]; /* empty: loaded */

static void pq_open(void)
{
	void *h = dlopen(PQ_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (h == NULL) {
		snprintf(pq_why, sizeof(pq_why), "%s", dlerror());
		return;
	}
#define PQ_SYM(name)                                                                               \
	do {                                                                                       \
		if ((*(void **)&pq.name = dlsym(h, #name)) == NULL && missing == NULL)             \
			missing = #name;                                                           \
	} while (0)
	PQ_SYM(PQclear);
	PQ_SYM(PQconnectdbParams);
	PQ_SYM(PQconninfoFree);
	PQ_SYM(PQconninfoParse);
	PQ_SYM(PQerrorMessage);
	PQ_SYM(PQescapeLiteral);
	PQ_SYM(PQexec);
	PQ_SYM(PQexecParams);
	PQ_SYM(PQfinish);
	PQ_SYM(PQfreemem);
	PQ_SYM(PQresultStatus);
	PQ_SYM(PQstatus);
#undef PQ_SYM
	if (missing != NULL)
		snprintf(pq_why, sizeof(pq_why), "%s has no %s", PQ_LIBRARY, missing);
}

/* Loads libpq once; 0, or an error that says what to install. */
static int pq_load(struct pk_diag *d)
{
	pthread_once(&pq_once, pq_open);
	if (pq_why[0] == '\0')
		return 0;
	return pk_diagf(d, PK_EINVAL,
	                "[postgres] conninfo is set, but the PostgreSQL client library cannot be "
	                "loaded (%s): install it (apt-get install libpq5), or remove [postgres] "
	                "conninfo",
	                pq_why);
}

/* One record an op touched: read again from the store when the pass copies it. */
struct touched {
	char coll[PK_COLL_MAX + 1];
	char region[PK_REGION_MAX + 1];
	char key[PK_KEY_MAX + 1];
};

/* Per collection: the statements, built once from the schema table. */
struct coll_sql {
	const struct pk_collection *c;
	char *upsert, *del;
};

struct author {
	uint8_t origin[PK_PUB_BYTES];
	char region[PK_REGION_MAX + 1];
	bool known;
};

struct pgmirror {
	struct store *s;
	char conninfo[CONFIG_STR_MAX];
	char schema[CONFIG_IDENT_MAX];
	uint32_t retry_max_ms;
	uint8_t root[PK_PUB_BYTES];
	PGconn *conn;
	struct coll_sql *colls;
	size_t ncolls;
	struct author authors[AUTHORS];
	size_t next_author;
	struct store_mirror_state st; /* what the store was last told */
	char last_logged[STORE_MIRROR_TEXT];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

/* Waits up to ms, or less when pgmirror_stop is called; returns true when stopping. */
static bool wait_ms(struct pgmirror *m, uint32_t ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->stopping && pthread_cond_timedwait(&m->wake, &m->lock, &ts) != ETIMEDOUT)
		;
	stop = m->stopping;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

static bool stopping(struct pgmirror *m)
{
	bool stop;

	pthread_mutex_lock(&m->lock);
	stop = m->stopping;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

/* libpq's message on one line, without its trailing newline. */
static void pq_sentence(char *buf, size_t n, const char *what, const char *msg)
{
	size_t k;

	snprintf(buf, n, "%s: %s", what, msg != NULL && msg[0] ? msg : "unknown error");
	for (k = 0; buf[k] != '\0'; k++)
		if (buf[k] == '\n' || buf[k] == '\r' || buf[k] == '\t')
			buf[k] = ' ';
	while (k > 0 && buf[k - 1] == ' ')
		buf[--k] = '\0';
}

/* Keeps the state in the store for `pokjactl status`; a failure only costs the status. */
static void save_state(struct pgmirror *m, const struct store_mirror_pos *p, size_t n, int *err)
{
	int e = store_mirror_save(m->s, p, n, &m->st);

	if (err != NULL)
		*err = e;
	if (e != 0)
		log_warnx("pg-state", "cannot record the PostgreSQL mirror's position: %s",
		          pk_strerror(e));
}

/* Records a failure: logged once per distinct sentence (then at debug level), kept for status. */
static void note_error(struct pgmirror *m, bool connected, const char *sentence)
{
	if (strcmp(sentence, m->last_logged) != 0) {
		log_error("pg-error", "PostgreSQL mirror: %s", sentence);
		snprintf(m->last_logged, sizeof(m->last_logged), "%s", sentence);
	} else {
		log_debug("pg-error", "PostgreSQL mirror: %s", sentence);
	}
	m->st.connected = connected;
	m->st.error_at = now_s();
	snprintf(m->st.error, sizeof(m->st.error), "%s", sentence);
	save_state(m, NULL, 0, NULL);
}

/* ---- the connection string ------------------------------------------------------------------ */

/* The connection string without its password: what the status shows and the state is for. */
static int conninfo_target(const char *conninfo, char *target, size_t n, bool *has_password,
                           struct pk_diag *d)
{
	static const char *const shown[] = {"host", "hostaddr", "port", "dbname", "user", NULL};
	PQconninfoOption *opts, *o;
	char *msg = NULL;
	size_t k = 0;

	*has_password = false;
	target[0] = '\0';
	if ((opts = pq.PQconninfoParse(conninfo, &msg)) == NULL) {
		char s[sizeof(((struct pk_diag *)0)->msg)];

		pq_sentence(s, sizeof(s), "[postgres] conninfo is not a libpq connection string",
		            msg);
		pq.PQfreemem(msg);
		return pk_diagf(d, PK_EINVAL,
		                "%s (write key=value pairs such as host=127.0.0.1 "
		                "port=5432 dbname=pokja user=pokja)",
		                s);
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0)
			*has_password = true;
		for (size_t i = 0; shown[i] != NULL; i++) {
			if (strcmp(o->keyword, shown[i]) == 0 && k < n) {
				int w = snprintf(target + k, n - k, "%s%s=%s", k ? " " : "",
				                 o->keyword, o->val);
				k = w < 0 ? n : k + (size_t)w;
			}
		}
	}
	pq.PQconninfoFree(opts);
	if (k >= n)
		target[n - 1] = '\0';
	return 0;
}

int pgmirror_check(const struct config *cfg, const char *conf_path, struct pk_diag *d)
{
	char target[STORE_MIRROR_TEXT];
	bool has_password;
	struct stat st;
	int err;

	if (cfg->pg_conninfo[0] == '\0')
		return 0;
	if ((err = pq_load(d)) != 0)
		return err;
	if ((err = conninfo_target(cfg->pg_conninfo, target, sizeof(target), &has_password, d)) !=
	    0)
		return err;
	if (has_password && stat(conf_path, &st) == 0 && (st.st_mode & S_IROTH))
		return pk_diagf(
		    d, PK_EINVAL,
		    "%s: [postgres] conninfo holds a password, and the file can be read "
		    "by every user (mode %04o): run chmod o-r %s, or move the password "
		    "to a password file named by passfile= (mode 0600)",
		    conf_path, (unsigned)(st.st_mode & 07777), conf_path);
	return 0;
}

/* ---- tables --------------------------------------------------------------------------------- */

/* Runs one statement without parameters; 0, or -1 with the sentence in err. */
static int exec_ok(struct pgmirror *m, const char *sql, char *err, size_t n)
{
	PGresult *r = pq.PQexec(m->conn, sql);
	ExecStatusType st = pq.PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pq_sentence(err, n, "a statement failed", pq.PQerrorMessage(m->conn));
		rc = -1;
	}
	pq.PQclear(r);
	return rc;
}

/* Adds COMMENT ON ... IS 'doc' to b, the literal quoted by libpq. */
static void pgsql_comment(struct pgmirror *m, struct pgsql_buf *b, const char *what,
                          const char *doc)
{
	char *lit = pq.PQescapeLiteral(m->conn, doc, strlen(doc));

	if (lit == NULL) {
		b->failed = true;
		return;
	}
	pgsql_add(b, "COMMENT ON %s IS %s;\n", what, lit);
	pq.PQfreemem(lit);
}

/* CREATE SCHEMA and one CREATE TABLE per collection, IF NOT EXISTS; a column the schema table
 * gained since is added. One transaction; 0 or -1 with the sentence in err. */
static int make_tables(struct pgmirror *m, char *err, size_t n)
{
	struct pgsql_buf b = {0};
	char what[160];
	char *sql;
	int rc;

	pgsql_add(&b, "BEGIN;\nCREATE SCHEMA IF NOT EXISTS \"%s\";\n", m->schema);
	for (size_t k = 0; k < m->ncolls; k++) {
		const struct pk_collection *c = m->colls[k].c;

		pgsql_add(
		    &b,
		    "CREATE TABLE IF NOT EXISTS \"%s\".\"%s\" (region text NOT NULL, key text "
		    "NOT NULL",
		    m->schema, c->name);
		for (size_t i = 0; i < c->nfields; i++)
			pgsql_add(&b, ", \"%s\" %s", c->fields[i].name,
			          pgsql_type(c->fields[i].type));
		pgsql_add(&b,
		          ", author text NOT NULL, author_region text, changed_at timestamptz NOT "
		          "NULL, PRIMARY KEY (region, key));\n");
		for (size_t i = 0; i < c->nfields; i++)
			pgsql_add(
			    &b, "ALTER TABLE \"%s\".\"%s\" ADD COLUMN IF NOT EXISTS \"%s\" %s;\n",
			    m->schema, c->name, c->fields[i].name, pgsql_type(c->fields[i].type));
		snprintf(what, sizeof(what), "TABLE \"%s\".\"%s\"", m->schema, c->name);
		pgsql_comment(m, &b, what, c->doc);
		for (size_t i = 0; i < c->nfields; i++) {
			snprintf(what, sizeof(what), "COLUMN \"%s\".\"%s\".\"%s\"", m->schema,
			         c->name, c->fields[i].name);
			pgsql_comment(m, &b, what, c->fields[i].doc);
		}
	}
	pgsql_add(&b, "COMMIT;\n");
	if ((sql = pgsql_take(&b)) == NULL) {
		snprintf(err, n, "out of memory building the tables' statements");
		return -1;
	}
	rc = exec_ok(m, sql, err, n);
	free(sql);
	if (rc != 0)
		exec_ok(m, "ROLLBACK", what, sizeof(what));
	return rc;
}

static void disconnect(struct pgmirror *m)
{
	if (m->conn != NULL)
		pq.PQfinish(m->conn);
	m->conn = NULL;
}

/* Connects and makes the tables; 0, or -1 with the sentence in err. */
static int connect_db(struct pgmirror *m, char *err, size_t n)
{
	/* expand_dbname: conninfo's own settings come after ours, so they win. */
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const vals[] = {CONNECT_TIMEOUT, "pokjad", m->conninfo, NULL};

	m->conn = pq.PQconnectdbParams(keys, vals, 1);
	if (m->conn == NULL || pq.PQstatus(m->conn) != CONNECTION_OK) {
		pq_sentence(err, n, "cannot connect",
		            m->conn ? pq.PQerrorMessage(m->conn) : "out of memory");
		disconnect(m);
		return -1;
	}
	if (exec_ok(m, "SET client_min_messages = warning", err, n) != 0 ||
	    make_tables(m, err, n) != 0) {
		disconnect(m);
		return -1;
	}
	return 0;
}

/* ---- one record ----------------------------------------------------------------------------- */

/* The region origin may write (its certificate's), cached; NULL when no chain is held. */
struct chain_last {
	const uint8_t *origin;
	char *region;
	bool found;
};

static int chain_visit(const uint8_t *cert, size_t len, void *arg)
{
	struct chain_last *c = arg;
	struct pk_cert pc;

	if (pk_cert_decode(cert, len, &pc, NULL) == 0 &&
	    memcmp(pc.info.subject, c->origin, PK_PUB_BYTES) == 0) {
		memcpy(c->region, pc.info.region, sizeof(pc.info.region));
		c->found = true;
	}
	return 0;
}

static const char *author_region(struct pgmirror *m, const uint8_t origin[PK_PUB_BYTES])
{
	struct author *a;
	struct chain_last c;

	for (size_t i = 0; i < AUTHORS; i++)
		if (m->authors[i].known && memcmp(m->authors[i].origin, origin, PK_PUB_BYTES) == 0)
			return m->authors[i].region;
	/* Only a region found is cached: an origin without a chain is asked about again. */
	a = &m->authors[m->next_author % AUTHORS];
	a->known = false;
	a->region[0] = '\0';
	if (memcmp(origin, m->root, PK_PUB_BYTES) != 0) {
		c = (struct chain_last){origin, a->region, false};
		if (store_chain_get(m->s, origin, chain_visit, &c) != 0 || !c.found)
			return NULL;
	} /* else the national node: the whole country, "" */
	memcpy(a->origin, origin, PK_PUB_BYTES);
	a->known = true;
	m->next_author++;
	return a->region;
}

struct upsert_ctx {
	struct pgmirror *m;
	const struct coll_sql *cs;
	char *err;
	size_t errlen;
	int rc; /* 0, -1 PostgreSQL failed (err), 1 the record was skipped */
};

/* store_get's callback: upserts the record r. */
static int upsert(const struct store_record *r, void *arg)
{
	struct upsert_ctx *u = arg;
	const struct pk_collection *c = u->cs->c;
	size_t np = c->nfields + 5;
	char **vals = calloc(np, sizeof(*vals));
	char author[2 * PK_PUB_BYTES + 1], ms[24];
	const char *areg;
	struct pk_mpr rd;
	PGresult *res;
	uint32_t n, klen;
	const char *k;

	if (vals == NULL) {
		snprintf(u->err, u->errlen, "out of memory");
		u->rc = -1;
		return 1;
	}
	pk_mpr_init(&rd, r->value, r->value_len);
	if (pk_mpr_map(&rd, &n) != 0)
		goto bad;
	for (uint32_t i = 0; i < n; i++) {
		const struct pk_field *f;

		if (pk_mpr_str(&rd, &k, &klen) != 0)
			goto bad;
		if ((f = pk_schema_field(c, k, klen)) == NULL) {
			if (pk_mpr_skip(&rd, 2) != 0)
				goto bad;
			continue;
		}
		size_t at = (size_t)(f - c->fields) + 2;
		free(vals[at]);
		if ((vals[at] = pgsql_field_text(f, &rd)) == NULL)
			goto bad;
	}
	pk_hex(author, r->origin, PK_PUB_BYTES);
	snprintf(ms, sizeof(ms), "%" PRIu64, pk_hlc_ms(r->hlc));
	areg = author_region(u->m, r->origin);
	vals[0] = (char *)r->region;
	vals[1] = (char *)r->key;
	vals[np - 3] = author;
	vals[np - 2] = (char *)areg;
	vals[np - 1] = ms;
	res = pq.PQexecParams(u->m->conn, u->cs->upsert, (int)np, NULL, (const char *const *)vals,
	                      NULL, NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		char what[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 32];

		snprintf(what, sizeof(what), "writing %s %s/%s failed", c->name, r->region, r->key);
		pq_sentence(u->err, u->errlen, what, pq.PQerrorMessage(u->m->conn));
		u->rc = -1;
	}
	pq.PQclear(res);
	for (size_t i = 2; i < np - 3; i++)
		free(vals[i]);
	free(vals);
	return u->rc != 0;
bad:
	/* The store validated the value when it took it: this is damage, not a PostgreSQL
	 * failure, so the record is left out and the mirror goes on (pokjactl verify finds it). */
	log_warnx("pg-skip", "%s %s/%s: the stored value does not decode; not copied", c->name,
	          r->region, r->key);
	for (size_t i = 2; i < np - 3; i++)
		free(vals[i]);
	free(vals);
	u->rc = 1;
	return 0;
}

/* ---- one pass ------------------------------------------------------------------------------- */

struct pass {
	struct pgmirror *m;
	struct store_mirror_pos *pos; /* positions held, in origin order */
	size_t npos, cappos;
	struct store_mirror_pos *reach; /* new positions this pass reaches */
	size_t nreach, capreach;
	struct touched *keys;
	size_t nkeys, capkeys;
	size_t changesets;
	bool behind; /* something is left for the next pass */
	int err;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return PK_ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int pos_collect(const struct store_mirror_pos *p, void *arg)
{
	struct pass *ps = arg;

	if ((ps->err = grow((void **)&ps->pos, &ps->cappos, ps->npos + 1, sizeof(*p))) != 0)
		return 1;
	ps->pos[ps->npos++] = *p;
	return 0;
}

static uint64_t pos_of(const struct pass *ps, const uint8_t origin[PK_PUB_BYTES])
{
	size_t lo = 0, hi = ps->npos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(ps->pos[mid].origin, origin, PK_PUB_BYTES);

		if (c == 0)
			return ps->pos[mid].seq;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct origin_walk {
	struct pass *ps;
	uint64_t last; /* the last sequence taken */
};

static void copy_field(char *dst, size_t cap, const char *s, uint32_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* store_log_after's callback: notes every (collection, region, key) of one changeset. */
static int log_take(const uint8_t *raw, size_t len, void *arg)
{
	struct origin_walk *w = arg;
	struct pass *ps = w->ps;
	struct pk_changeset cs;
	struct pk_cs_iter it;
	struct pk_op op;
	int err;

	if ((err = pk_cs_decode(raw, len, &cs, NULL)) != 0) {
		ps->err = err;
		return 1;
	}
	pk_cs_iter_init(&it, &cs);
	while (pk_cs_iter_next(&it, &op)) {
		struct touched *t;

		if ((ps->err = grow((void **)&ps->keys, &ps->capkeys, ps->nkeys + 1,
		                    sizeof(*ps->keys))) != 0)
			return 1;
		t = &ps->keys[ps->nkeys++];
		copy_field(t->coll, sizeof(t->coll), op.coll, op.coll_len);
		copy_field(t->region, sizeof(t->region), op.region, op.region_len);
		copy_field(t->key, sizeof(t->key), op.key, op.key_len);
	}
	w->last = cs.seq;
	ps->changesets++;
	return 0;
}

static int head_visit(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct pass *ps = arg;
	struct origin_walk w = {ps, 0};
	uint64_t at = pos_of(ps, origin);
	int n;

	if (h->seq <= at)
		return 0;
	if (ps->changesets >= PASS_CHANGESETS || ps->nkeys >= PASS_KEYS) {
		ps->behind = true;
		return 1;
	}
	w.last = at;
	n = store_log_after(ps->m->s, origin, at, PASS_BYTES, PASS_CHANGESETS - ps->changesets,
	                    log_take, &w);
	if (n < 0 || ps->err != 0) {
		ps->err = ps->err != 0 ? ps->err : n;
		return 1;
	}
	if (w.last > at) {
		if ((ps->err = grow((void **)&ps->reach, &ps->capreach, ps->nreach + 1,
		                    sizeof(*ps->reach))) != 0)
			return 1;
		memcpy(ps->reach[ps->nreach].origin, origin, PK_PUB_BYTES);
		ps->reach[ps->nreach++].seq = w.last;
	}
	if (w.last < h->seq)
		ps->behind = true;
	return 0;
}

static int touched_cmp(const void *a, const void *b)
{
	const struct touched *x = a, *y = b;
	int c;

	if ((c = strcmp(x->coll, y->coll)) != 0)
		return c;
	if ((c = strcmp(x->region, y->region)) != 0)
		return c;
	return strcmp(x->key, y->key);
}

static const struct coll_sql *coll_of(const struct pgmirror *m, const char *name)
{
	for (size_t i = 0; i < m->ncolls; i++)
		if (strcmp(m->colls[i].c->name, name) == 0)
			return &m->colls[i];
	return NULL;
}

/* Copies one touched record: its current version from the store, or a delete. */
static int copy_one(struct pgmirror *m, const struct touched *t, char *err, size_t n)
{
	const struct coll_sql *cs = coll_of(m, t->coll);
	struct upsert_ctx u = {m, cs, err, n, 0};
	const char *params[2] = {t->region, t->key};
	PGresult *res;
	int calls;

	if (cs == NULL)
		return 0; /* not a collection of this build's schema: the store refused it */
	if ((calls = store_get(m->s, t->coll, t->key, t->region, upsert, &u)) < 0) {
		snprintf(err, n, "reading %s %s/%s from the store: %s", t->coll, t->region, t->key,
		         pk_strerror(calls));
		return 1;
	}
	if (u.rc < 0)
		return -1;
	if (calls > 0)
		return 0;
	res = pq.PQexecParams(m->conn, cs->del, 2, NULL, params, NULL, NULL, 0);
	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK) {
		pq_sentence(err, n, "deleting a record failed", pq.PQerrorMessage(m->conn));
		pq.PQclear(res);
		return -1;
	}
	pq.PQclear(res);
	return 0;
}

/*
 * One pass: at most PASS_CHANGESETS changesets beyond the positions, copied in one PostgreSQL
 * transaction, then the positions advanced. Returns 1 when it copied something, 0 when there
 * was nothing to copy, -1 on a PostgreSQL failure (the connection is then dropped) and -2 on a
 * store failure, with the sentence in err.
 */
static int pass(struct pgmirror *m, char *err, size_t n)
{
	struct pass ps = {.m = m};
	char ignored[STORE_MIRROR_TEXT];
	int rc = 0, e;

	if ((e = store_mirror_positions(m->s, pos_collect, &ps)) < 0 || ps.err != 0 ||
	    (e = store_heads(m->s, head_visit, &ps)) < 0 || ps.err != 0) {
		snprintf(err, n, "reading the store: %s", pk_strerror(ps.err ? ps.err : e));
		rc = -2;
		goto out;
	}
	if (ps.nreach == 0)
		goto out;
	qsort(ps.keys, ps.nkeys, sizeof(*ps.keys), touched_cmp);
	if (exec_ok(m, "BEGIN", err, n) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < ps.nkeys; i++) {
		if (i > 0 && touched_cmp(&ps.keys[i - 1], &ps.keys[i]) == 0)
			continue;
		/* A stop does not wait for a long pass: the next start repeats it. */
		if (i % 64 == 63 && stopping(m)) {
			rc = 2;
			break;
		}
		if ((rc = copy_one(m, &ps.keys[i], err, n)) != 0)
			break;
	}
	if (rc != 0) {
		exec_ok(m, "ROLLBACK", ignored, sizeof(ignored));
		rc = rc == 2 ? 0 : rc == 1 ? -2 : -1;
		goto out;
	}
	if (exec_ok(m, "COMMIT", err, n) != 0) {
		rc = -1;
		goto out;
	}
	/* PostgreSQL holds the batch: only now may the positions pass it. */
	m->st.connected = true;
	m->st.updated = now_s();
	if (!ps.behind)
		m->st.caught_up = m->st.updated;
	save_state(m, ps.reach, ps.nreach, &e);
	if (e != 0) {
		snprintf(err, n, "recording the position in the store: %s", pk_strerror(e));
		rc = -2;
		goto out;
	}
	log_debug("pg-pass", "copied %zu changesets (%zu records touched)%s", ps.changesets,
	          ps.nkeys, ps.behind ? "; more to copy" : "");
	rc = 1;
out:
	if (rc == -1)
		disconnect(m);
	free(ps.pos);
	free(ps.reach);
	free(ps.keys);
	return rc;
}

/* ---- the thread ----------------------------------------------------------------------------- */

/* True when the connection still answers; drops it when it does not. */
static bool ping(struct pgmirror *m, char *err, size_t n)
{
	if (exec_ok(m, "SELECT 1", err, n) == 0)
		return true;
	disconnect(m);
	return false;
}

static void *run(void *arg)
{
	struct pgmirror *m = arg;
	char err[STORE_MIRROR_TEXT];
	uint32_t backoff = RETRY_MIN_MS, idle = 0;
	uint64_t gen = 0;
	bool first = true;
	int rc;

	while (!stopping(m)) {
		if (m->conn == NULL) {
			if (connect_db(m, err, sizeof(err)) != 0) {
				note_error(m, false, err);
				if (wait_ms(m, backoff))
					break;
				backoff =
				    backoff > m->retry_max_ms / 2 ? m->retry_max_ms : backoff * 2;
				continue;
			}
			log_info("pg-connect", "PostgreSQL mirror connected (%s)", m->st.target);
			m->last_logged[0] = '\0';
			m->st.connected = true;
			save_state(m, NULL, 0, NULL);
			first = true;
		}
		if (!first && store_generation(m->s) == gen) {
			/* Idle: nothing was written since the last pass. */
			idle += IDLE_POLL_MS;
			if (idle >= PING_MS) {
				idle = 0;
				if (!ping(m, err, sizeof(err))) {
					note_error(m, false, err);
					continue;
				}
			}
			if (wait_ms(m, IDLE_POLL_MS))
				break;
			continue;
		}
		first = false;
		idle = 0;
		gen = store_generation(m->s);
		rc = pass(m, err, sizeof(err));
		/* The back-off restarts only after a pass went through: a statement that keeps
		 * failing (a record PostgreSQL refuses) is retried ever more slowly, not every
		 * second after each reconnect. */
		if (rc >= 0)
			backoff = RETRY_MIN_MS;
		if (rc == 1) {
			first = true; /* maybe more: go on at once */
		} else if (rc == -1) {
			note_error(m, false, err);
			if (wait_ms(m, backoff))
				break;
			backoff = backoff > m->retry_max_ms / 2 ? m->retry_max_ms : backoff * 2;
		} else if (rc == -2) {
			note_error(m, true, err);
			if (wait_ms(m, m->retry_max_ms))
				break;
			first = true;
		}
	}
	disconnect(m);
	return NULL;
}

static void free_mirror(struct pgmirror *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ncolls; i++) {
		free(m->colls[i].upsert);
		free(m->colls[i].del);
	}
	free(m->colls);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->wake);
	free(m);
}

int pgmirror_start(struct pgmirror **out, struct store *s, const struct config *cfg,
                   const char *conf_path, struct pk_diag *d)
{
	const struct pk_collection *all;
	struct store_mirror_state old;
	struct store_node node;
	struct pgmirror *m = NULL;
	bool has_password;
	int err;

	*out = NULL;
	if (cfg->pg_conninfo[0] == '\0') {
		/* Off: no stale state for `pokjactl status`, and a later mirror starts over. */
		if (store_mirror_state(s, &old) == 0 && (err = store_mirror_clear(s, true)) != 0)
			return pk_diagf(d, err, "removing the PostgreSQL mirror's state: %s",
			                pk_strerror(err));
		return 0;
	}
	if ((err = pgmirror_check(cfg, conf_path, d)) != 0)
		return err;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return PK_ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->wake, NULL);
	m->s = s;
	snprintf(m->conninfo, sizeof(m->conninfo), "%s", cfg->pg_conninfo);
	snprintf(m->schema, sizeof(m->schema), "%s", cfg->pg_schema);
	m->retry_max_ms = cfg->pg_retry_max_ms > RETRY_MIN_MS ? cfg->pg_retry_max_ms : RETRY_MIN_MS;
	if ((err = store_node_get(s, &node)) != 0) {
		pk_diagf(d, err, "reading the node: %s", pk_strerror(err));
		goto fail;
	}
	memcpy(m->root, node.root, PK_PUB_BYTES);
	/* The target names the schema too: tables in another schema start empty. */
	conninfo_target(m->conninfo, m->st.target, sizeof(m->st.target) - CONFIG_IDENT_MAX - 8,
	                &has_password, NULL);
	snprintf(m->st.target + strlen(m->st.target), CONFIG_IDENT_MAX + 8, " schema=%s",
	         m->schema);
	all = pk_schema_all(&m->ncolls);
	if ((m->colls = calloc(m->ncolls, sizeof(*m->colls))) == NULL) {
		err = PK_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < m->ncolls; i++) {
		m->colls[i].c = &all[i];
		if ((err = pgsql_statements(m->schema, m->colls[i].c, &m->colls[i].upsert,
		                            &m->colls[i].del)) != 0)
			goto fail;
	}
	/* The positions are worth keeping only for the database (and schema) they were made for. */
	err = store_mirror_state(s, &old);
	if (err == 0 && strcmp(old.target, m->st.target) == 0) {
		m->st = old;
	} else if (err == 0 || err == PK_ENOTFOUND) {
		if ((err = store_mirror_clear(s, true)) != 0) {
			pk_diagf(d, err, "resetting the PostgreSQL mirror's position: %s",
			         pk_strerror(err));
			goto fail;
		}
		log_info("pg-start", "PostgreSQL mirror: copying every record to %s", m->st.target);
	} else {
		pk_diagf(d, err, "reading the PostgreSQL mirror's state: %s", pk_strerror(err));
		goto fail;
	}
	m->st.connected = false;
	save_state(m, NULL, 0, &err);
	if (err != 0) {
		pk_diagf(d, err, "recording the PostgreSQL mirror's state: %s", pk_strerror(err));
		goto fail;
	}
	if ((err = pthread_create(&m->thread, NULL, run, m)) != 0) {
		err = pk_diagf(d, PK_ENOMEM, "cannot start the PostgreSQL mirror's thread: %s",
		               strerror(err));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	free_mirror(m);
	return err;
}

void pgmirror_stop(struct pgmirror *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	m->st.connected = false;
	save_state(m, NULL, 0, NULL);
	free_mirror(m);
}
