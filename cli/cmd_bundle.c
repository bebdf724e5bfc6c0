/*
 * cmd_bundle.c: offline bundles (SPEC section 18) for offices with no network link.
 *
 * `bundle create` packs the signed changesets another node lacks (by what this node last learned
 * of its heads), with the certificates that check them and this node's heads, into one file
 * signed by this node. `bundle apply` checks such a file as a whole (signature, creator, network)
 * and then hands its certificates and changesets to daemon/ingest.c, the one way in that live
 * sync uses too, in batches on the verification threads.
 * Both work while pokjad runs: the store is multi-process LMDB.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "daemon/config.h"
#include "daemon/ingest.h"
#include "daemon/outbox.h"
#include "proto/bundle.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/wilayah.h"

#define READ_CHUNK 4096   /* changesets per store_log_after call when creating */
#define PROGRESS_MIN 5000 /* show progress on a terminal from this many changesets */
#define PROGRESS_EVERY 1024
#define REFUSALS_SHOWN 20 /* refusals listed for people; --json lists every one */
#define THREADS_MAX 8     /* verification threads when pokjad.conf does not say */

/* ---- shared ------------------------------------------------------------------------------ */

static int my_head_visit(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	if (h->seq == 0)
		return 0;
	return pk_heads_set(arg, origin, h->seq) != 0 ? -1 : 0;
}

static int peer_head_visit(const struct pk_head *h, void *arg)
{
	return pk_heads_set(arg, h->origin, h->seq) != 0 ? -1 : 0;
}

static void progress(bool tty, const char *what, uint64_t done, uint64_t total)
{
	if (tty && total >= PROGRESS_MIN && (done % PROGRESS_EVERY == 0 || done == total))
		cli_progress("%s: %llu/%llu changesets", what, (unsigned long long)done,
		             (unsigned long long)total);
	if (tty && total >= PROGRESS_MIN && done == total)
		fputc('\n', stderr);
}

/* A copy of a held certificate (the decoded chain points into it). */
struct cert_find {
	uint8_t buf[PK_CERT_MAX_BYTES];
	size_t len;
};

/* ---- create ------------------------------------------------------------------------------ */

/* Certificates to carry, copied, without duplicates. */
struct certs {
	struct pk_blob *c;
	size_t n, cap;
};

static int certs_take(const uint8_t *cert, size_t len, void *arg)
{
	struct certs *cs = arg;
	struct pk_blob *nb;
	uint8_t *copy;

	for (size_t i = 0; i < cs->n; i++)
		if (cs->c[i].len == len && memcmp(cs->c[i].p, cert, len) == 0)
			return 0;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		if ((nb = realloc(cs->c, cap * sizeof(*nb))) == NULL)
			return -1;
		cs->c = nb;
		cs->cap = cap;
	}
	if ((copy = malloc(len)) == NULL)
		return -1;
	memcpy(copy, cert, len);
	cs->c[cs->n].p = copy;
	cs->c[cs->n++].len = len;
	return 0;
}

static void certs_free(struct certs *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free((void *)cs->c[i].p);
	free(cs->c);
}

/* Nodes of a region, by the certificates held (for --for CODE). */
struct region_find {
	struct store *s;
	const char *region;
	uint8_t keys[8][PK_PUB_BYTES];
	size_t n, live;
	uint8_t live_key[PK_PUB_BYTES];
};

static int region_find_visit(const uint8_t *cert, size_t len, void *arg)
{
	struct region_find *f = arg;
	struct pk_cert c;

	if (pk_cert_decode(cert, len, &c, NULL) != 0 || strcmp(c.info.region, f->region) != 0)
		return 0;
	if (f->n < sizeof(f->keys) / sizeof(f->keys[0]))
		memcpy(f->keys[f->n], c.info.subject, PK_PUB_BYTES);
	f->n++;
	if (store_revoked(f->s, c.info.subject, NULL) != 0) {
		memcpy(f->live_key, c.info.subject, PK_PUB_BYTES);
		f->live++;
	}
	return 0;
}

/* --for NODE: a key (64 hex digits) or a region code ("" is the national node). */
static int resolve_for(const struct cli *c, struct store *s, const struct store_node *node,
                       const char *arg, uint8_t key[PK_PUB_BYTES])
{
	struct region_find f;
	char hex[2 * PK_PUB_BYTES + 1];
	int err;

	if (strlen(arg) == 2 * PK_PUB_BYTES && pk_unhex(key, PK_PUB_BYTES, arg, strlen(arg)) == 0)
		goto found;
	if (!pk_region_valid(arg, strlen(arg)))
		return cli_fail(c,
		                "--for takes a node's key (64 hex digits) or its region code "
		                "(\"\" for the national node), not '%.70s'",
		                arg);
	if (arg[0] == '\0') {
		memcpy(key, node->root, PK_PUB_BYTES);
		goto found;
	}
	memset(&f, 0, sizeof(f));
	f.s = s;
	f.region = arg;
	if ((err = store_certs(s, region_find_visit, &f)) < 0)
		return cli_fail(c, "reading the certificates: %s", pk_strerror(err));
	if (f.n == 0)
		return cli_fail(
		    c,
		    "--for %s: no node of region %s is known here (no certificate of it "
		    "is held); give the node's key instead",
		    arg, arg);
	if (f.live == 1) {
		memcpy(key, f.live_key, PK_PUB_BYTES);
		goto found;
	}
	fprintf(stderr, _("pokjactl %s: --for %s: %zu nodes of region %s are known here:\n"),
	        c->cmd, arg, f.n, arg);
	for (size_t i = 0; i < f.n && i < sizeof(f.keys) / sizeof(f.keys[0]); i++) {
		cli_key_hex(hex, f.keys[i]);
		fprintf(stderr, "  %s%s\n", hex,
		        store_revoked(s, f.keys[i], NULL) == 0 ? _(" (revoked)") : "");
	}
	return cli_fail(c, "--for %s is ambiguous: give the node's key", arg);
found:
	if (memcmp(key, node->pub, PK_PUB_BYTES) == 0)
		return cli_fail(c, "--for names this node itself");
	return 0;
}

struct pick {
	uint8_t origin[PK_PUB_BYTES];
	uint64_t after, last; /* the changesets after..last (after < last) */
};

/* Collects what a bundle carries: the picks, and the certificates that check their origins. */
struct plan {
	struct store *s;
	const uint8_t *root;
	struct pick *picks;
	size_t npicks, nmissing;
	uint64_t total;
	struct certs *certs;
};

static int plan_take(const struct outbox_pick *pk, void *arg)
{
	struct plan *p = arg;
	struct pick *k = &p->picks[p->npicks++];

	memcpy(k->origin, pk->origin, PK_PUB_BYTES);
	k->after = pk->after;
	k->last = pk->last;
	p->total += pk->last - pk->after;
	/* The certificates that check them (none for the root, which has none). */
	if (memcmp(pk->origin, p->root, PK_PUB_BYTES) != 0 &&
	    store_chain_get(p->s, pk->origin, certs_take, p->certs) != 0)
		p->nmissing++;
	return 0;
}

/* Writes the three parts of a bundle to path, whole or not at all. Mode 0644: a bundle holds
 * only what replicates anyway. */
static int write_bundle_file(const struct cli *c, const char *path, const struct pk_bundle_file *f)
{
	const struct {
		const uint8_t *p;
		size_t len;
	} parts[] = {{f->head, f->head_len}, {f->body, f->body_len}, {f->tail, sizeof(f->tail)}};
	struct cli_out o;

	if (cli_out_open(c, path, 0644, &o) != 0)
		return EXIT_FAIL;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (fwrite(parts[i].p, 1, parts[i].len, o.f) != parts[i].len) {
			struct pk_diag d;
			int e = errno;
			cli_out_abort(&o);
			return cli_fail(c, "writing %s: %s", path, cli_io_why(&d, path, e));
		}
	return cli_out_commit(c, &o);
}

struct adder {
	struct pk_bundle_writer *bw;
	uint64_t expect; /* the next sequence number */
	uint64_t given;
	int err;
};

static int adder_take(const uint8_t *raw, size_t len, void *arg)
{
	struct adder *a = arg;
	struct pk_changeset cs;

	if (pk_cs_decode(raw, len, &cs, NULL) != 0 || cs.seq != a->expect) {
		a->err = PK_ECORRUPT;
		return 1;
	}
	if ((a->err = pk_bundle_add(a->bw, raw, len)) != 0)
		return 1;
	a->expect++;
	a->given++;
	return 0;
}

static int bundle_create(struct cli *c, const char *forarg, const char *out)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], for_key[PK_PUB_BYTES];
	uint8_t for_path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	struct pk_heads mine = {0}, theirs = {0};
	struct certs certs = {0};
	struct pick *picks = NULL;
	struct outbox_peer peer = {0};
	struct plan pl;
	struct pk_bundle_writer bw;
	struct pk_bundle_file f = {0};
	struct pk_bundle_meta meta;
	struct store_node node;
	struct store *s = NULL;
	char hex[2 * PK_PUB_BYTES + 1], ohex[2 * PK_PUB_BYTES + 1];
	size_t npicks = 0, nmissing = 0;
	uint64_t total = 0, done = 0;
	bool tty = isatty(STDERR_FILENO) != 0, writing = false;
	int for_n = 0, known = 0, rc, err;

	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, pub, sec)) != 0)
		return rc;
	if (!node.certified) {
		rc = cli_fail(c, "this node is not certified yet, so no node would accept its "
		                 "bundle; install its certificate set first ('pokjactl "
		                 "install-cert')");
		goto out;
	}
	if (forarg != NULL) {
		if ((rc = resolve_for(c, s, &node, forarg, for_key)) != 0)
			goto out;
		cli_key_hex(hex, for_key);
		if ((for_n = store_origin_path(s, for_key, for_path)) <= 0) {
			rc = cli_fail(
			    c,
			    "no certificate chain for node %s is held here, so its lineage "
			    "is unknown; make a bundle for every node (without --for)",
			    hex);
			goto out;
		}
		if ((known = store_peer_heads_get(s, for_key, peer_head_visit, &theirs)) < 0) {
			rc = cli_fail(c, "reading what node %s holds: %s", hex, pk_strerror(known));
			goto out;
		}
		if (known == 0)
			fprintf(stderr,
			        _("pokjactl %s: nothing is known here of what node %.16s... holds "
			          "(no bundle from it applied yet): the bundle carries its whole "
			          "lineage\n"),
			        c->cmd, hex);
	}
	if ((err = store_heads(s, my_head_visit, &mine)) < 0) {
		rc = cli_fail(c, "reading the heads: %s", pk_strerror(err));
		goto out;
	}

	/* What to carry: per origin (of the target's lineage), what lies beyond its head. */
	if (mine.n > 0 && (picks = calloc(mine.n, sizeof(*picks))) == NULL) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	pl = (struct plan){s, node.root, picks, 0, 0, 0, &certs};
	peer.rule = forarg != NULL ? OUTBOX_LINEAGE : OUTBOX_EVERYTHING;
	peer.path = for_path;
	peer.n = for_n;
	outbox_plan(s, &peer, &mine, forarg != NULL ? &theirs : NULL, plan_take, &pl);
	npicks = pl.npicks;
	nmissing = pl.nmissing;
	total = pl.total;
	if (memcmp(node.pub, node.root, PK_PUB_BYTES) != 0 &&
	    (err = store_chain_get(s, node.pub, certs_take, &certs)) != 0) {
		rc = cli_fail(c, "this node's own certificate chain is unreadable: %s",
		              pk_strerror(err));
		goto out;
	}
	if (nmissing > 0)
		fprintf(
		    stderr,
		    _("pokjactl %s: warning: no certificate chain is held for %zu origin%s; the "
		      "receiver refuses their changesets unless it holds one\n"),
		    c->cmd, nmissing, nmissing == 1 ? "" : "s");
	if (total > PK_BUNDLE_MAX_CS) {
		rc = cli_fail(c, "%llu changesets are more than a bundle may carry (%u)%s",
		              (unsigned long long)total, PK_BUNDLE_MAX_CS,
		              forarg ? "" : "; use --for NODE");
		goto out;
	}

	memset(&meta, 0, sizeof(meta));
	memcpy(meta.creator, node.pub, PK_PUB_BYTES);
	meta.created = node_now_ms() / 1000;
	snprintf(meta.region, sizeof(meta.region), "%s", node.region);
	meta.has_for = forarg != NULL;
	if (meta.has_for)
		memcpy(meta.for_key, for_key, PK_PUB_BYTES);
	err = pk_bundle_begin(&bw, &meta, mine.h, mine.n, certs.c, certs.n, (size_t)total);
	writing = true;
	for (size_t i = 0; err == 0 && i < npicks; i++) {
		struct adder a = {&bw, picks[i].after + 1, 0, 0};
		uint64_t after = picks[i].after;

		while (err == 0 && after < picks[i].last) {
			uint64_t want = picks[i].last - after;
			int n = store_log_after(s, picks[i].origin, after, SIZE_MAX,
			                        want < READ_CHUNK ? (size_t)want : READ_CHUNK,
			                        adder_take, &a);
			if (n < 0)
				err = n;
			else if (a.err != 0)
				err = a.err;
			else if (n == 0)
				err = PK_ECORRUPT; /* the log ends before its head */
			after = picks[i].after + a.given;
			done += (uint64_t)(n > 0 ? n : 0);
			progress(tty, "packing", done, total);
		}
		if (err == PK_ECORRUPT) {
			cli_key_hex(ohex, picks[i].origin);
			rc = cli_fail(c,
			              "the log of origin %s is damaged near sequence %llu; run "
			              "'pokjactl verify'",
			              ohex, (unsigned long long)after + 1);
			goto out;
		}
	}
	if (err == 0) {
		err = pk_bundle_end(&bw, sec, &f);
		writing = false;
	}
	if (err == PK_ETOOBIG) {
		rc = cli_fail(c, "the bundle would be larger than %u bytes%s", PK_BUNDLE_MAX_BYTES,
		              forarg ? "" : "; use --for NODE to carry only one node's lineage");
		goto out;
	}
	if (err != 0) {
		rc = cli_fail(c, "cannot make the bundle: %s", pk_strerror(err));
		goto out;
	}
	if ((rc = write_bundle_file(c, out, &f)) != 0)
		goto out;

	size_t bytes = f.head_len + f.body_len + sizeof(f.tail);
	if (c->json) {
		cli_key_hex(ohex, node.pub);
		json_t *j =
		    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "file", out, "creator", ohex,
		              "changesets", (json_int_t)total, "origins", (json_int_t)npicks,
		              "certificates", (json_int_t)certs.n, "bytes", (json_int_t)bytes);
		json_object_set_new(j, "for", forarg ? json_string(hex) : json_null());
		json_object_set_new(j, "heads_known",
		                    forarg ? json_boolean(known > 0) : json_null());
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("bundle written to %s: %llu changeset%s from %zu origin%s, %zu "
		         "certificate%s, %zu bytes, for %s%s\n"),
		       out, (unsigned long long)total, total == 1 ? "" : "s", npicks,
		       npicks == 1 ? "" : "s", certs.n, certs.n == 1 ? "" : "s", bytes,
		       forarg ? _("node ") : _("every node"), forarg ? hex : "");
	}
out:
	if (writing)
		pk_bundle_abandon(&bw);
	pk_wipe(sec, sizeof(sec));
	store_close(s);
	free(f.body);
	free(picks);
	pk_heads_free(&mine);
	pk_heads_free(&theirs);
	certs_free(&certs);
	return rc;
}

/* ---- apply ------------------------------------------------------------------------------- */

/* Reads the whole file, its size checked against the bundle limit before anything is
 * allocated. Tens of MB is the common size; the limit is PK_BUNDLE_MAX_BYTES. */
static int read_bundle_file(const struct cli *c, const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t done = 0;
	int fd, e;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_fail(c, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return cli_fail(c, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cli_fail(c, "%s: not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return cli_fail(c,
		                "%s: refused: the file is empty, not a bundle; nothing was "
		                "applied",
		                path);
	}
	if ((uint64_t)st.st_size > PK_BUNDLE_MAX_BYTES) {
		close(fd);
		return cli_fail(c,
		                "%s: refused: %lld bytes, larger than a bundle may be (%u); "
		                "nothing was applied",
		                path, (long long)st.st_size, PK_BUNDLE_MAX_BYTES);
	}
	if ((buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return cli_fail(c, "out of memory reading %s", path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			e = r < 0 ? errno : 0;
			free(buf);
			close(fd);
			return cli_fail(c, "%s: %s", path,
			                e ? strerror(e) : "the file shrank while it was read");
		}
		done += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = done;
	return 0;
}

/*
 * Checks that the bundle's creator belongs to this node's network: the root itself, or a node
 * with a valid certificate chain to this node's root at the bundle's time, built from the
 * certificates the bundle carries and those held here, whose region is the one the bundle
 * states and which no held revocation covers. Fills name. Returns 0 or PK_* with why.
 */
static int check_creator(struct store *s, const struct store_node *node, const struct pk_bundle *b,
                         struct cert_find held[PK_CHAIN_MAX], char name[PK_NAME_MAX + 1],
                         struct pk_diag *why)
{
	struct pk_cert chain[PK_CHAIN_MAX], up[PK_CHAIN_MAX];
	const uint8_t *want = b->meta.creator;
	char hex[2 * PK_PUB_BYTES + 1];
	struct pk_diag d = {""};
	struct pk_sync_iter it;
	struct pk_blob blob;
	size_t n = 0;
	bool rooted = false;
	int err;

	cli_key_hex(hex, b->meta.creator);
	if (memcmp(want, node->root, PK_PUB_BYTES) == 0) {
		snprintf(name, PK_NAME_MAX + 1, _("the national node"));
		if (b->meta.region[0] != '\0')
			return pk_diagf(why, PK_EREGION,
			                "the bundle states region %s, but its creator is the "
			                "national node",
			                b->meta.region);
		return 0;
	}
	/* Walk up from the creator: each certificate from the store, else from the bundle (a
	 * carried one never displaces a held one, SPEC section 7). */
	while (n < PK_CHAIN_MAX && !rooted) {
		bool found;

		err = store_cert_get(s, want, held[n].buf, &held[n].len);
		if (err != 0 && err != PK_ENOTFOUND)
			return pk_diagf(why, err, "reading the certificates: %s", pk_strerror(err));
		found = err == 0 && pk_cert_decode(held[n].buf, held[n].len, &up[n], NULL) == 0;
		pk_sync_iter_init(&it, &b->certs);
		while (!found && pk_sync_next_blob(&it, &blob))
			found = pk_cert_decode(blob.p, blob.len, &up[n], NULL) == 0 &&
			        memcmp(up[n].info.subject, want, PK_PUB_BYTES) == 0;
		if (!found)
			break;
		want = up[n].info.issuer;
		rooted = memcmp(want, node->root, PK_PUB_BYTES) == 0;
		n++;
	}
	if (!rooted)
		return pk_diagf(why, PK_ECERT,
		                "bundle from another network (or without its creator's "
		                "certificates): its creator %.16s... has no certificate chain to "
		                "this node's national node",
		                hex);
	for (size_t i = 0; i < n; i++)
		chain[i] = up[n - 1 - i];
	if ((err = pk_cert_chain_check(node->root, chain, n, b->meta.created, &d)) != 0)
		return pk_diagf(why, err,
		                "the certificate chain of the bundle's creator %.16s... does not "
		                "hold when the bundle was made: %s",
		                hex, d.msg);
	if (strcmp(chain[n - 1].info.region, b->meta.region) != 0)
		return pk_diagf(why, PK_EREGION,
		                "the bundle states region '%s', but its creator is certified for "
		                "'%s'",
		                b->meta.region, chain[n - 1].info.region);
	/* A revoked creator's bundle is refused whatever its `created` says: the creator
	 * chooses that time, so it proves nothing (SPEC section 18, step 5). */
	for (size_t i = 0; i < n; i++)
		if (store_revoked(s, chain[i].info.subject, NULL) == 0)
			return pk_diagf(why, PK_EREVOKED,
			                "the certificate of the bundle's creator %.16s...%s is "
			                "revoked; its bundles are refused whatever time they state",
			                hex, i + 1 < n ? " (of a node above it)" : "");
	snprintf(name, PK_NAME_MAX + 1, "%s", chain[n - 1].info.name);
	return 0;
}

static int creator_check(struct store *s, const struct store_node *node, const struct pk_bundle *b,
                         char name[PK_NAME_MAX + 1], struct pk_diag *why)
{
	/* Copies of held certificates, which the decoded chain points into: 5 KiB, not on the
	 * stack. */
	struct cert_find *held = calloc(PK_CHAIN_MAX, sizeof(*held));
	int err;

	if (held == NULL)
		return pk_diagf(why, PK_ENOMEM, "out of memory");
	err = check_creator(s, node, b, held, name, why);
	free(held);
	return err;
}

/* What bundle apply keeps of each transaction's outcomes, beside ingest's counts. */
struct apply {
	bool for_me; /* a bundle made for this node: origins outside its lineage are refusals */
	bool tty;
	uint64_t total;
	json_t *refusals; /* with --json: every refusal, by index in the bundle */
};

static void applied(const struct store_outcome *out, size_t n, uint64_t base, void *arg)
{
	struct apply *a = arg;
	char hex[2 * PK_PUB_BYTES + 1];

	for (size_t i = 0; a->refusals != NULL && i < n; i++) {
		const struct store_outcome *o = &out[i];
		json_t *j;

		if (o->err == 0 || o->err == PK_EEXIST || o->err == PK_EHELD ||
		    (o->err == PK_ELINEAGE && !a->for_me))
			continue;
		j = json_pack("{s:I, s:s, s:s}", "index", (json_int_t)(base + i), "reason",
		              pk_errtag(o->err), "detail", o->why.msg);
		if (o->decoded)
			cli_key_hex(hex, o->origin);
		json_object_set_new(j, "origin", o->decoded ? json_string(hex) : json_null());
		json_object_set_new(j, "seq",
		                    o->decoded ? json_integer((json_int_t)o->seq) : json_null());
		json_array_append_new(a->refusals, j);
	}
	progress(a->tty, "applying", base + n, a->total);
}

/* The clock bounds as pokjad has them (DIR/pokjad.conf), set on s; returns its verification
 * threads. */
static int node_settings(const struct cli *c, struct store *s)
{
	struct config cfg;
	struct config_diag cd;
	char path[4200];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	config_defaults(&cfg);
	snprintf(path, sizeof(path), "%s/%s", c->dir, CONFIG_FILE);
	memset(&cd, 0, sizeof(cd));
	if (config_load(path, &cfg, &cd) != 0) {
		fprintf(stderr, _("pokjactl %s: warning: %s; using the default settings\n"), c->cmd,
		        cd.count > 0 ? cd.msg[0] : _("pokjad.conf is unreadable"));
		config_defaults(&cfg);
	}
	store_set_max_skew(s, cfg.max_clock_skew_ms);
	store_set_max_hold(s, cfg.max_clock_hold_ms);
	if (cfg.verify_threads >= 1)
		return (int)cfg.verify_threads;
	return cpus > 0 ? (int)(cpus < THREADS_MAX ? cpus : THREADS_MAX) : 1;
}

/* " (gap 2, lineage 1)": the refusals by reason, for people; "" when there are none. */
static const char *reasons(const struct ingest_result *r, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int e = 0; e < PK_ERR_COUNT && used < size; e++)
		if (r->by_reason[e] != 0)
			used += (size_t)snprintf(buf + used, size - used, "%s%s %llu",
			                         used == 0 ? " (" : ", ",
			                         e == 0 ? "unknown" : pk_errtag(-e),
			                         (unsigned long long)r->by_reason[e]);
	if (used > 0 && used < size)
		snprintf(buf + used, size - used, ")");
	return buf;
}

static int bundle_apply(struct cli *c, const char *file)
{
	struct apply a;
	struct ingest_result r;
	struct pk_bundle b;
	struct store_node node;
	struct store *s = NULL;
	struct pk_diag d = {""};
	struct pk_heads heads = {0};
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES]; /* this node's, root first */
	struct outbox_peer me;
	struct ingest_from from;
	char hex[2 * PK_PUB_BYTES + 1], fhex[2 * PK_PUB_BYTES + 1], when[32];
	char name[PK_NAME_MAX + 1] = "", why[512], fromname[300];
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc, err, pn, threads;
	json_t *j = NULL;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((rc = cli_open(c, 0, &s, &node, NULL, NULL)) != 0)
		return rc;
	if (!node.certified) {
		rc = cli_fail(c, "this node is not certified yet: install its certificate set "
		                 "('pokjactl install-cert') before applying a bundle; nothing was "
		                 "applied");
		goto out;
	}
	if ((pn = store_origin_path(s, node.pub, path)) <= 0) {
		rc = cli_fail(c, "this node's own certificate chain is unreadable: %s",
		              pk_strerror(pn));
		goto out;
	}
	me = (struct outbox_peer){.rule = OUTBOX_LINEAGE, .path = path, .n = pn};
	if ((rc = read_bundle_file(c, file, &buf, &len)) != 0)
		goto out;

	/* The bundle as a whole: layout, signature, creator, network. Any failure: nothing
	 * from the file is used. */
	err = pk_bundle_decode(buf, len, &b, &d);
	if (err == 0)
		err = creator_check(s, &node, &b, name, &d);
	if (err != 0) {
		if (c->json) {
			j = json_pack("{s:s, s:b, s:s, s:s}", "file", file, "ok", 0, "reason",
			              pk_errtag(err), "error", d.msg);
			cli_print_json(j);
		}
		rc = cli_fail(c, "%s: refused: %s; nothing was applied", file, d.msg);
		goto out;
	}
	cli_key_hex(hex, b.meta.creator);
	a.for_me = b.meta.has_for && memcmp(b.meta.for_key, node.pub, PK_PUB_BYTES) == 0;
	if (b.meta.has_for && !a.for_me) {
		cli_key_hex(fhex, b.meta.for_key);
		fprintf(
		    stderr,
		    _("pokjactl %s: note: this bundle was made for node %.16s..., not this one; "
		      "what belongs to this node's lineage is applied\n"),
		    c->cmd, fhex);
	}
	threads = node_settings(c, s);
	/* A node kept offline has no pokjad to apply its held changesets when their time comes:
	 * each bundle apply does it first. */
	{
		uint64_t next;

		if ((err = store_held_release(s, node_now_ms(), NULL, NULL, &next)) != 0)
			fprintf(stderr,
			        _("pokjactl %s: warning: held changesets not applied: %s\n"),
			        c->cmd, pk_strerror(err));
	}

	/* Then its certificates and changesets, by the one way in that live sync takes too
	 * (SPEC section 18, steps 6 and 7). */
	snprintf(fromname, sizeof(fromname), _("the bundle %.250s"), file);
	from = (struct ingest_from){.name = fromname,
	                            .sender = &me,
	                            .lineage_refuses = a.for_me,
	                            .lineage_why = _("origin outside this node's lineage"),
	                            .threads = threads,
	                            .log_max = REFUSALS_SHOWN,
	                            .now_ms = node_now_ms,
	                            .batch = applied,
	                            .arg = &a};
	a.tty = isatty(STDERR_FILENO) != 0;
	a.total = b.changesets.n;
	if (c->json)
		a.refusals = json_array();
	if ((err = ingest_batch(s, &from, &b.certs, &b.changesets, &r)) != 0) {
		if (r.certs_failed)
			rc = cli_fail(c, "%s: storing the certificates: %s; nothing was applied",
			              file, store_strerror(s, err, &d));
		else
			rc = cli_fail(c,
			              "the store failed after %llu changesets were applied: %s; "
			              "apply the bundle again to go on",
			              (unsigned long long)r.applied, store_strerror(s, err, &d));
		goto out;
	}

	/* What the creator holds: the next `bundle create --for CREATOR` here sends only what
	 * lies beyond it. Its head of this node's own log also feeds a restore fence. */
	if (memcmp(b.meta.creator, node.pub, PK_PUB_BYTES) != 0) {
		if ((err = pk_heads_from_list(&heads, &b.heads)) == 0)
			err = store_peer_heads_put(s, b.meta.creator, heads.h, heads.n,
			                           STORE_PEER_HEADS_ALL);
		if (err != 0)
			fprintf(stderr,
			        _("pokjactl %s: warning: could not record what the creator holds: "
			          "%s\n"),
			        c->cmd, store_strerror(s, err, &d));
		store_fence_note(s, pk_heads_find(&heads, node.pub), false);
	}

	cli_hlc_time(when, pk_hlc_from_ms(b.meta.created * 1000));
	if (c->json) {
		json_t *by = json_object();
		for (int e = 0; e < PK_ERR_COUNT; e++)
			if (r.by_reason[e] != 0)
				json_object_set_new(by, e == 0 ? "unknown" : pk_errtag(-e),
				                    json_integer((json_int_t)r.by_reason[e]));
		cli_key_hex(fhex, b.meta.for_key);
		j = json_pack(
		    "{s:s, s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, "
		    "s:o, s:o, s:I, s:I}",
		    "file", file, "ok", r.refused == 0 && r.certs_refused == 0, "creator", hex,
		    "creator_name", name, "creator_region", b.meta.region, "created", when,
		    "changesets", (json_int_t)b.changesets.n, "certificates", (json_int_t)b.certs.n,
		    "for", b.meta.has_for ? json_string(fhex) : json_null(), "applied",
		    (json_int_t)r.applied, "already_held", (json_int_t)r.exists,
		    "held_for_their_time", (json_int_t)r.held, "outside_lineage",
		    (json_int_t)r.left_out, "refused", (json_int_t)r.refused, "refused_by_reason",
		    by, "refusals", a.refusals, "certificates_stored", (json_int_t)r.certs_stored,
		    "certificates_refused", (json_int_t)r.certs_refused);
		a.refusals = NULL; /* s:o took it */
		cli_print_json(j);
	} else {
		printf(_("bundle from %s (%.16s..., region %s%s%s), made %s%s\n"), name, hex,
		       b.meta.region[0] ? b.meta.region : "\"\"", b.meta.region[0] ? " " : "",
		       b.meta.region[0] ? pk_wilayah_name(b.meta.region) : "", when,
		       a.for_me         ? _(" for this node")
		       : b.meta.has_for ? _(" for another node")
		                        : _(" for every node"));
		printf(_("  changesets:       %llu\n"), (unsigned long long)b.changesets.n);
		printf(_("  applied:          %llu\n"), (unsigned long long)r.applied);
		printf(_("  already held:     %llu\n"), (unsigned long long)r.exists);
		if (r.held > 0)
			printf(_("  held for later:   %llu (stamped ahead of this node's clock; "
			         "applied "
			         "when their time comes)\n"),
			       (unsigned long long)r.held);
		if (!a.for_me)
			printf(_("  outside lineage:  %llu (not for this node; left out)\n"),
			       (unsigned long long)r.left_out);
		printf(_("  refused:          %llu%s\n"), (unsigned long long)r.refused,
		       reasons(&r, why, sizeof(why)));
		printf(_("  certificates:     %llu stored, %llu refused\n"),
		       (unsigned long long)r.certs_stored, (unsigned long long)r.certs_refused);
		if (r.unlogged > 0)
			fprintf(stderr, _("... and %llu more refusals (--json lists them all)\n"),
			        (unsigned long long)r.unlogged);
	}
	if (r.by_reason[-PK_EGAP] > 0)
		fprintf(stderr,
		        _("pokjactl %s: %llu changesets came after a gap: this node lacks earlier "
		          "ones. Send the creator a bundle from this node first (so it learns what "
		          "this node holds), or ask it for one made without --for\n"),
		        c->cmd, (unsigned long long)r.by_reason[-PK_EGAP]);
	if (r.refused > 0 || r.certs_refused > 0)
		rc = cli_fail(c,
		              "%s: %llu changeset%s and %llu certificate%s refused; the rest was "
		              "applied",
		              file, (unsigned long long)r.refused, r.refused == 1 ? "" : "s",
		              (unsigned long long)r.certs_refused, r.certs_refused == 1 ? "" : "s");
out:
	json_decref(j);
	json_decref(a.refusals);
	pk_heads_free(&heads);
	free(buf);
	store_close(s);
	return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

int cmd_bundle(struct cli *c, int argc, char **argv)
{
	const char *out = NULL, *forarg = NULL;
	struct cli_opt opts[] = {
	    {"o", &out, NULL}, {"output", &out, NULL}, {"for", &forarg, NULL}, {0}};
	char *pos[2];
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 2, &npos)) != 0)
		return rc;
	if (strcmp(pos[0], "create") == 0) {
		if (npos != 1)
			return cli_usagef(c, "create takes no FILE argument (use -o FILE)");
		if (out == NULL)
			return cli_usagef(c, "create needs -o FILE");
		return bundle_create(c, forarg, out);
	}
	if (strcmp(pos[0], "apply") == 0) {
		if (npos != 2 || out != NULL || forarg != NULL)
			return cli_usagef(c, "apply takes one FILE and no -o or --for");
		return bundle_apply(c, pos[1]);
	}
	return cli_usagef(c, "unknown subcommand '%s' (create or apply)", pos[0]);
}
