/*
 * cmd_wilayah.c: `pokjactl wilayah`: lookups in the official region list built into the program
 * (proto/wilayah.h). It needs no node: the list is compiled in.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/wilayah.h"

/* A name search shows at most so many matches; the rest are counted. */
#define SEARCH_SHOWN 50

/* A growable array of entries of the list (which live as long as the process). */
struct entries {
	const struct pk_wilayah **v;
	size_t n, cap;
	bool nomem;
};

static int push(const struct pk_wilayah *w, void *arg)
{
	struct entries *l = arg;
	const struct pk_wilayah **nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL) {
			l->nomem = true;
			return 1;
		}
		l->v = nv;
	}
	l->v[l->n++] = w;
	return 0;
}

/* A name match; the national entry ("Indonesia", code "") is no region to look up. */
static int push_match(const struct pk_wilayah *w, void *arg)
{
	return w->level == PK_LEVEL_NATIONAL ? 0 : push(w, arg);
}

/* The children one level down of a region, gathered from a prefix search. */
struct children {
	struct entries l;
	const struct pk_wilayah *parent;
	size_t plen;
};

static int push_child(const struct pk_wilayah *w, void *arg)
{
	struct children *ch = arg;
	const char *p = ch->parent->code;

	/* The search also matches names that contain the code's digits: keep only real children. */
	if (w->level != ch->parent->level + 1 ||
	    (ch->plen > 0 && (strncmp(w->code, p, ch->plen) != 0 || w->code[ch->plen] != '.')))
		return 0;
	return push(w, &ch->l);
}

/* The regions containing code, nearest first (for 32.75.01: 32.75, then 32). Returns how many
 * (0 for a province); the national entry is not counted. */
static int parents_of(const char *code, const struct pk_wilayah *out[3])
{
	size_t len = strlen(code);
	int n = 0;

	while (n < 3 && len > 0) {
		while (len > 0 && code[len - 1] != '.')
			len--;
		if (len == 0)
			break;
		len--; /* the dot */
		if ((out[n] = pk_wilayah_find(code, len)) != NULL)
			n++;
	}
	return n;
}

/* Columns in characters, not bytes: a few names hold UTF-8 (Regapu’u). */
static void print_padded(const char *s, size_t width)
{
	size_t w = pk_utf8_width(s);

	fputs(s, stdout);
	for (; w < width; w++)
		fputc(' ', stdout);
}

static void print_notice(bool json)
{
	if (json)
		fprintf(stderr, "%s\n", pk_wilayah_notice());
	else
		printf("\n%s\n", pk_wilayah_notice());
}

static json_t *entry_json(const struct pk_wilayah *w)
{
	return json_pack("{s:s, s:s, s:s}", "code", w->code, "name", w->name, "level",
	                 pk_level_name(w->level));
}

/* An array of entry objects, or NULL when memory runs out. */
static json_t *entries_json(const struct pk_wilayah *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, entry_json(v[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

/* An entry with its parents (nearest first) as "parents". */
static json_t *entry_with_parents(const struct pk_wilayah *w)
{
	const struct pk_wilayah *up[3];
	int nup = parents_of(w->code, up);
	json_t *o = entry_json(w);

	if (o != NULL && json_object_set_new(o, "parents", entries_json(up, (size_t)nup)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static int print_json_or_fail(const struct cli *c, json_t *j)
{
	if (j == NULL)
		return cli_fail(c, "out of memory");
	cli_print_json(j);
	json_decref(j);
	return EXIT_OK;
}

/* No argument (or ""): the provinces. */
static int show_provinces(const struct cli *c)
{
	const struct pk_wilayah *nat = pk_wilayah_find("", 0);
	struct children ch = {{NULL, 0, 0, false}, nat, 0};
	int rc = EXIT_OK;

	if (nat == NULL)
		return cli_fail(c, "out of memory loading the region list");
	pk_wilayah_search("", SIZE_MAX, push_child, &ch);
	if (ch.l.nomem) {
		rc = cli_fail(c, "out of memory");
	} else if (c->json) {
		rc = print_json_or_fail(c, entries_json(ch.l.v, ch.l.n));
		print_notice(true);
	} else {
		printf(_("CODE  NAME\n"));
		for (size_t i = 0; i < ch.l.n; i++)
			printf("%-4s  %s\n", ch.l.v[i]->code, ch.l.v[i]->name);
		printf(_("(%zu provinces)\n"), ch.l.n);
		print_notice(false);
	}
	free(ch.l.v);
	return rc;
}

/* CODE: the entry, its parents and its direct children. */
static int show_code(const struct cli *c, const char *code)
{
	const struct pk_wilayah *w, *up[3];
	struct children ch = {{NULL, 0, 0, false}, NULL, strlen(code)};
	struct pk_diag d;
	size_t width = 0;
	int nup, rc = EXIT_OK;
	json_t *o;

	if (cli_region_ok(code, NULL, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	w = ch.parent = pk_wilayah_find(code, strlen(code));
	nup = parents_of(code, up);
	if (w->level < PK_LEVEL_DESA)
		pk_wilayah_search(code, SIZE_MAX, push_child, &ch);
	if (ch.l.nomem) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	if (c->json) {
		o = entry_with_parents(w);
		if (o != NULL &&
		    json_object_set_new(o, "children", entries_json(ch.l.v, ch.l.n)) != 0) {
			json_decref(o);
			o = NULL;
		}
		rc = print_json_or_fail(c, o);
		print_notice(true);
		goto out;
	}
	printf(_("code:   %s\nname:   %s\nlevel:  %s\n"), w->code, w->name,
	       _(pk_level_name(w->level)));
	if (nup > 0) {
		printf(_("in:     "));
		for (int i = 0; i < nup; i++)
			printf("%s%s (%s)", i ? ", " : "", up[i]->name, up[i]->code);
		printf("\n");
	}
	if (w->level < PK_LEVEL_DESA) {
		printf("\n%zu %s:\n", ch.l.n, _(pk_level_name(w->level + 1)));
		for (size_t i = 0; i < ch.l.n; i++)
			if (strlen(ch.l.v[i]->code) > width)
				width = strlen(ch.l.v[i]->code);
		for (size_t i = 0; i < ch.l.n; i++)
			printf("  %-*s  %s\n", (int)width, ch.l.v[i]->code, ch.l.v[i]->name);
	}
	print_notice(false);
out:
	free(ch.l.v);
	return rc;
}

/* Higher levels first (a search for "bekasi" should show the city before its villages), then
 * by code. */
static int level_code_cmp(const void *a, const void *b)
{
	const struct pk_wilayah *x = *(const struct pk_wilayah *const *)a;
	const struct pk_wilayah *y = *(const struct pk_wilayah *const *)b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return strcmp(x->code, y->code);
}

/* The parents' names, nearest first, comma-separated, into buf. */
static void parent_names(const struct pk_wilayah *w, char *buf, size_t cap)
{
	const struct pk_wilayah *up[3];
	int nup = parents_of(w->code, up);
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < nup && used < cap; i++)
		used +=
		    (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", up[i]->name);
}

/* NAME: the entries whose name contains it (or whose code starts with it). */
static int show_search(const struct cli *c, const char *query)
{
	struct entries l = {NULL, 0, 0, false};
	size_t shown, wcode = pk_utf8_width(_("CODE")), wlevel = pk_utf8_width(_("LEVEL")),
	              wname = pk_utf8_width(_("NAME"));
	char in[400];
	int rc = EXIT_OK;
	json_t *o, *a;

	/* Every match is gathered before sorting, so the cap keeps the highest levels. */
	pk_wilayah_search(query, SIZE_MAX, push_match, &l);
	if (l.nomem) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	if (l.n == 0) {
		rc = cli_fail(c, "no region on the official list has a name containing '%.80s'",
		              query);
		goto out;
	}
	qsort(l.v, l.n, sizeof(*l.v), level_code_cmp);
	shown = l.n < SEARCH_SHOWN ? l.n : SEARCH_SHOWN;
	if (c->json) {
		a = json_array();
		for (size_t i = 0; a != NULL && i < shown; i++)
			if (json_array_append_new(a, entry_with_parents(l.v[i])) != 0) {
				json_decref(a);
				a = NULL;
			}
		o = a ? json_pack("{s:s, s:I, s:o}", "query", query, "total", (json_int_t)l.n,
		                  "matches", a)
		      : NULL;
		rc = print_json_or_fail(c, o);
		print_notice(true);
		goto out;
	}
	for (size_t i = 0; i < shown; i++) {
		size_t wc = strlen(l.v[i]->code),
		       wl = pk_utf8_width(_(pk_level_name(l.v[i]->level)));
		size_t wn = pk_utf8_width(l.v[i]->name);

		wcode = wc > wcode ? wc : wcode;
		wlevel = wl > wlevel ? wl : wlevel;
		wname = wn > wname ? wn : wname;
	}
	print_padded(_("CODE"), wcode + 2);
	print_padded(_("LEVEL"), wlevel + 2);
	print_padded(_("NAME"), wname + 2);
	printf("%s\n", _("IN"));
	for (size_t i = 0; i < shown; i++) {
		print_padded(l.v[i]->code, wcode + 2);
		print_padded(_(pk_level_name(l.v[i]->level)), wlevel + 2);
		parent_names(l.v[i], in, sizeof(in));
		if (in[0] != '\0') {
			print_padded(l.v[i]->name, wname + 2);
			printf("%s\n", in);
		} else {
			printf("%s\n", l.v[i]->name);
		}
	}
	if (l.n > shown)
		printf(_("(%zu matches; the first %zu shown, %zu more: narrow the search)\n"), l.n,
		       shown, l.n - shown);
	else
		printf(_("(%zu match%s)\n"), l.n, l.n == 1 ? "" : "es");
	print_notice(false);
out:
	free(l.v);
	return rc;
}

/* Digits and dots only: a code (well formed or not), not a name. */
static bool looks_like_code(const char *s)
{
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '.')
			return false;
	return true;
}

int cmd_wilayah(struct cli *c, int argc, char **argv)
{
	char *pos[1];
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, NULL, pos, 0, 1, &npos)) != 0)
		return rc;
	if (npos == 0 || pos[0][0] == '\0')
		return show_provinces(c);
	if (looks_like_code(pos[0]))
		return show_code(c, pos[0]);
	return show_search(c, pos[0]);
}
