/*
 * test_metrics.c: the metrics renderer (daemon/metrics.h). Every rendering is checked strictly
 * against the Prometheus text format 0.0.4 (each line a HELP or TYPE comment or a sample
 * `name{label="value",...} number`, each sample under its family's HELP and TYPE), and each
 * metric is checked to move with its source: the counters the sync code bumps, the store's
 * refusal counts and forks, the peers pokjad keeps, the links' byte counts and regions.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/metrics.h"
#include "daemon/store.h"
#include "proto/hlc.h"
#include "testutil.h"

#define DAY_MS 86400000ULL
#define BASE_MS (TU_T0_MS + DAY_MS) /* inside every test certificate's validity */
#define NOW_MS (BASE_MS + 3600000ULL)

struct fx {
	char *dir;
	struct store *s;
	struct tu_key root;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	tu_init();
	f->dir = tu_tmpdir();
	tu_key(&f->root, 0);
	f->s = tu_store_new(f->dir, &f->root, &f->root, "", "Kementerian PKP");
	metrics_reset(1767225600123ULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- a strict reader of the text format */

static bool name_ok(const char *p, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
			return false;
	return true;
}

/* Fails the test with the line when cond is false. */
static void expect(bool cond, const char *line, const char *what)
{
	if (!cond)
		print_message("# bad line (%s): %s\n", what, line);
	assert_true(cond);
}

/* Checks one sample line; fam is the family of the last TYPE line. */
static void check_sample(const char *line, const char *fam)
{
	const char *p = line, *q;
	char *end;
	size_t n;

	while (*p && *p != '{' && *p != ' ')
		p++;
	n = (size_t)(p - line);
	expect(name_ok(line, n), line, "metric name");
	expect(strlen(fam) == n && strncmp(line, fam, n) == 0, line, "sample outside its family");
	if (*p == '{') {
		p++;
		for (;;) {
			q = p;
			while (*p && *p != '=')
				p++;
			expect(*p == '=' && name_ok(q, (size_t)(p - q)), line, "label name");
			p++;
			expect(*p == '"', line, "label value opens with a quote");
			for (p++; *p && *p != '"'; p++) {
				expect(*p != '\n', line, "newline in a label value");
				if (*p == '\\') {
					p++;
					expect(*p == '\\' || *p == '"' || *p == 'n', line,
					       "escape");
				}
			}
			expect(*p == '"', line, "label value closes");
			p++;
			if (*p == ',') {
				p++;
				continue;
			}
			expect(*p == '}', line, "labels close");
			p++;
			break;
		}
	}
	expect(*p == ' ', line, "one space before the value");
	p++;
	expect(*p != '\0' && !isspace((unsigned char)*p), line, "a value");
	strtod(p, &end);
	expect(end != p && *end == '\0', line, "the value is a number");
}

/* Checks the whole text; returns the number of samples. */
static size_t check_format(const char *text)
{
	char helped[64][96], fam[96] = "", type[16];
	size_t nh = 0, samples = 0, len = strlen(text);
	char *copy = strdup(text), *line, *save = NULL;

	assert_true(len > 0 && text[len - 1] == '\n');
	assert_null(strstr(text, "\n\n"));
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			const char *sp = strchr(line + 7, ' ');

			expect(sp != NULL && sp[1] != '\0', line, "HELP has a text");
			expect(nh < 64 && (size_t)(sp - line - 7) < sizeof(helped[0]), line,
			       "room");
			memcpy(helped[nh], line + 7, (size_t)(sp - line - 7));
			helped[nh][sp - line - 7] = '\0';
			expect(name_ok(helped[nh], strlen(helped[nh])), line, "HELP name");
			for (size_t i = 0; i < nh; i++)
				expect(strcmp(helped[i], helped[nh]) != 0, line,
				       "one HELP per family");
			nh++;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			expect(sscanf(line + 7, "%95s %15s", fam, type) == 2, line,
			       "TYPE name type");
			expect(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0, line,
			       "counter or gauge");
			expect(nh > 0 && strcmp(helped[nh - 1], fam) == 0, line,
			       "TYPE follows its HELP");
			if (strcmp(type, "counter") == 0)
				expect(strlen(fam) > 6 &&
				           strcmp(fam + strlen(fam) - 6, "_total") == 0,
				       line, "a counter's name ends in _total");
		} else {
			expect(line[0] != '#', line, "only HELP and TYPE comments");
			check_sample(line, fam);
			samples++;
		}
	}
	free(copy);
	return samples;
}

/* Renders, checks the format, and returns the text (the caller frees it). */
static char *render(struct store *s)
{
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(metrics_render(s, NULL, &text, &len), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_true(len <= METRICS_BODY_MAX);
	check_format(text);
	return text;
}

/* The value of the sample `series` (its name and labels exactly), or -1 when absent. */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

/* ---- tests */

static void test_fresh_node(void **state)
{
	struct fx *f = *state;
	char *t = render(f->s);

	assert_true(value_of(t, "pokja_build_info{version=\"" PK_VERSION "\"}") == 1);
	assert_non_null(strstr(t, "\nprocess_start_time_seconds 1767225600.123\n"));
	assert_true(value_of(t, "pokja_changesets_applied_total") == 0);
	assert_true(value_of(t, "pokja_changesets_held") == 0);
	assert_true(value_of(t, "pokja_forked_origins") == 0);
	assert_true(value_of(t, "pokja_sessions_open{role=\"child\"}") == 0);
	assert_true(value_of(t, "pokja_sessions_open{role=\"parent\"}") == 0);
	assert_true(value_of(t, "pokja_store_file_bytes") > 0);
	assert_true(value_of(t, "pokja_store_used_bytes") > 0);
	assert_true(value_of(t, "pokja_store_used_bytes") <= value_of(t, "pokja_store_file_bytes"));
	assert_true(value_of(t, "pokja_disk_free_bytes") > 0);
	/* A family with no sample yet still says what it is. */
	assert_non_null(strstr(t, "# TYPE pokja_changesets_refused_total counter\n"));
	assert_null(strstr(t, "pokja_link_bytes_total{"));
	free(t);
}

static void test_counters(void **state)
{
	struct fx *f = *state;
	struct ingest_result r = {.applied = 2, .exists = 5, .refused = 1};
	char *t;

	metrics_ingested(&r);
	r.applied = 3;
	metrics_ingested(&r);
	metrics_session_opened("child");
	metrics_session_opened("child");
	metrics_session_opened("parent");
	t = render(f->s);
	assert_true(value_of(t, "pokja_changesets_applied_total") == 5);
	assert_true(value_of(t, "pokja_sessions_established_total{role=\"child\"}") == 2);
	assert_true(value_of(t, "pokja_sessions_established_total{role=\"parent\"}") == 1);
	free(t);
	/* A new start counts from zero again. */
	metrics_reset(1767225700000ULL);
	t = render(f->s);
	assert_true(value_of(t, "pokja_changesets_applied_total") == 0);
	assert_true(value_of(t, "pokja_sessions_established_total{role=\"child\"}") == 0);
	assert_non_null(strstr(t, "\nprocess_start_time_seconds 1767225700.000\n"));
	free(t);
}

static void test_links(void **state)
{
	struct fx *f = *state;
	struct tu_key child, stranger;
	struct store_peer p;
	char series[256], ck[17], sk[17];
	char *t;

	tu_key(&child, 1);
	tu_key(&stranger, 2);
	tu_cert_put(f->s, &f->root, &child, "32");
	pk_hex(ck, child.pub, 8);
	pk_hex(sk, stranger.pub, 8);
	metrics_link_bytes(child.pub, "child", 100, 250);
	metrics_link_bytes(child.pub, "child", 100, 250);
	metrics_link_bytes(stranger.pub, "child", 7, 0);
	memset(&p, 0, sizeof(p));
	memcpy(p.key, child.pub, PK_PUB_BYTES);
	snprintf(p.role, sizeof(p.role), "child");
	p.connected = true;
	p.last_contact = 1767225660;
	p.lag_up = 7;
	p.lag_down = 2;
	assert_int_equal(store_peer_put(f->s, &p), 0);

	t = render(f->s);
	/* The child is named by its certificate's region; the stranger, with none, by its key. */
	snprintf(series, sizeof(series),
	         "pokja_link_bytes_total{peer=\"32\",key=\"%s\",role=\"child\",direction=\"in\"}",
	         ck);
	assert_true(value_of(t, series) == 200);
	snprintf(series, sizeof(series),
	         "pokja_link_bytes_total{peer=\"32\",key=\"%s\",role=\"child\",direction=\"out\"}",
	         ck);
	assert_true(value_of(t, series) == 500);
	snprintf(series, sizeof(series),
	         "pokja_link_bytes_total{peer=\"%s\",key=\"%s\",role=\"child\",direction=\"in\"}",
	         sk, sk);
	assert_true(value_of(t, series) == 7);
	snprintf(
	    series, sizeof(series),
	    "pokja_link_lag_changesets{peer=\"32\",key=\"%s\",role=\"child\",direction=\"up\"}",
	    ck);
	assert_true(value_of(t, series) == 7);
	snprintf(series, sizeof(series),
	         "pokja_link_lag_changesets{peer=\"32\",key=\"%s\",role=\"child\","
	         "direction=\"down\"}",
	         ck);
	assert_true(value_of(t, series) == 2);
	snprintf(series, sizeof(series),
	         "pokja_link_connected{peer=\"32\",key=\"%s\",role=\"child\"}", ck);
	assert_true(value_of(t, series) == 1);
	snprintf(series, sizeof(series),
	         "pokja_link_last_contact_seconds{peer=\"32\",key=\"%s\",role=\"child\"}", ck);
	assert_true(value_of(t, series) == 1767225660);
	/* The stranger is no kept peer: bytes only. */
	snprintf(series, sizeof(series),
	         "pokja_link_connected{peer=\"%s\",key=\"%s\",role=\"child\"}", sk, sk);
	assert_true(value_of(t, series) == -1);
	free(t);

	/* A peer pokjad keeps but has not talked to since the start gets its byte counters, at
	 * zero; a lost link says 0. */
	metrics_reset(1767225700000ULL);
	p.connected = false;
	assert_int_equal(store_peer_put(f->s, &p), 0);
	t = render(f->s);
	snprintf(series, sizeof(series),
	         "pokja_link_bytes_total{peer=\"32\",key=\"%s\",role=\"child\",direction=\"in\"}",
	         ck);
	assert_true(value_of(t, series) == 0);
	snprintf(series, sizeof(series),
	         "pokja_link_connected{peer=\"32\",key=\"%s\",role=\"child\"}", ck);
	assert_true(value_of(t, series) == 0);
	free(t);
}

/* The store's own counts: refusals by reason and forked origins, read at each rendering. */
static void test_store_counts(void **state)
{
	struct fx *f = *state;
	struct store_outcome out;
	struct store_blob b;
	struct tu_origin o, fork;
	struct pk_op op;
	uint8_t *v, *cs[3], *ahead;
	size_t vlen, len[3], alen;
	char *t;

	tu_origin_init(&o, 0, pk_hlc_from_ms(BASE_MS));
	v = tu_kegiatan("Rapat pokja", 2026, &vlen);
	/* The root writes national records: region "" is the only one it owns. */
	op = tu_op("kegiatan", "", "kg-1", v, vlen);
	cs[0] = tu_cs_next(&o, 0, &op, 1, &len[0]);
	fork = o;
	cs[1] = tu_cs_next(&o, 0, &op, 1, &len[1]);
	op = tu_op("kegiatan", "", "kg-2", v, vlen);
	cs[2] = tu_cs_next(&fork, 0, &op, 1, &len[2]); /* the same sequence as cs[1] */

	/* A flipped signature byte: refused as bad-signature, counted in the store. */
	cs[0][len[0] - 1] ^= 0x01;
	b = (struct store_blob){cs[0], len[0]};
	assert_int_equal(store_apply(f->s, &b, 1, 1, NOW_MS, &out), 0);
	assert_int_equal(out.err, PK_ESIG);
	t = render(f->s);
	assert_true(value_of(t, "pokja_changesets_refused_total{reason=\"bad-signature\"}") == 1);
	assert_true(value_of(t, "pokja_forked_origins") == 0);
	free(t);

	cs[0][len[0] - 1] ^= 0x01;
	for (int i = 0; i < 2; i++) {
		b = (struct store_blob){cs[i], len[i]};
		assert_int_equal(store_apply(f->s, &b, 1, 1, NOW_MS, &out), 0);
		assert_int_equal(out.err, 0);
	}
	/* Stamped two hours ahead of the receiver's clock: held for its time, not refused. */
	ahead = tu_cs_next(&o, pk_hlc_from_ms(NOW_MS + 7200000ULL), &op, 1, &alen);
	b = (struct store_blob){ahead, alen};
	assert_int_equal(store_apply(f->s, &b, 1, 1, NOW_MS, &out), 0);
	assert_int_equal(out.err, PK_EHELD);
	t = render(f->s);
	assert_true(value_of(t, "pokja_changesets_held") == 1);
	free(t);
	/* A second changeset with sequence 2: the root's log forked. */
	b = (struct store_blob){cs[2], len[2]};
	assert_int_equal(store_apply(f->s, &b, 1, 1, NOW_MS, &out), 0);
	assert_int_equal(out.err, PK_EFORK);
	t = render(f->s);
	assert_true(value_of(t, "pokja_forked_origins") == 1);
	assert_true(value_of(t, "pokja_changesets_refused_total{reason=\"bad-signature\"}") == 1);
	assert_true(value_of(t, "pokja_changesets_refused_total{reason=\"fork\"}") == 1);
	free(t);
	for (int i = 0; i < 3; i++)
		free(cs[i]);
	free(ahead);
	free(v);
}

/* The text stays under its bound with the link table full: the rest share "other". */
static void test_many_links(void **state)
{
	struct fx *f = *state;
	uint8_t key[PK_PUB_BYTES];
	char *t;

	memset(key, 0, sizeof(key));
	for (unsigned i = 0; i < METRICS_LINKS_MAX + 50; i++) {
		key[0] = (uint8_t)(i & 0xff);
		key[1] = (uint8_t)(i >> 8);
		key[2] = 1;
		metrics_link_bytes(key, "child", 1, 2);
	}
	t = render(f->s);
	assert_true(value_of(t,
	                     "pokja_link_bytes_total{peer=\"other\",key=\"other\",role=\"other\","
	                     "direction=\"in\"}") == 51);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_fresh_node, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_links, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
