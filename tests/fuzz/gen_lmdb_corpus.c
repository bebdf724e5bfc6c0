/*
 * gen_lmdb_corpus.c: writes the seed corpus of fuzz_lmdbcheck.c in tests/fuzz/corpus/lmdbcheck/:
 * small LMDB data files written by liblmdb in a temporary folder, named after what they hold
 * (the test tests/cli/test_fuzz_corpus.sh wants each of these):
 *
 *   empty.mdb                 a new environment: the two meta pages and nothing else
 *   named-dbs-freelist.mdb    the store's six named dbs with a few records each, then a second
 *                             transaction that deletes some, so that the free db lists pages
 *   branch-overflow.mdb       one db deep enough for a branch page, and a value on overflow pages
 *
 * Each file is checked with mdb_stat for what its name says. Keys and values are fixed and LMDB
 * zeroes the unused parts of the pages it writes, so running this again with the same liblmdb
 * gives the same bytes. Not part of the build; from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -I. -o /tmp/gen_lmdb_corpus tests/fuzz/gen_lmdb_corpus.c -llmdb \
 *      && /tmp/gen_lmdb_corpus tests/fuzz/corpus/lmdbcheck
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAPSIZE (1024 * 1024)

static const char *outdir;
static int failures;

static void fail(const char *what, int rc)
{
	fprintf(stderr, "gen_lmdb_corpus: %s: %s\n", what, rc ? mdb_strerror(rc) : "unexpected");
	failures++;
}

#define TRY(call)                                                                                  \
	do {                                                                                       \
		int rc_ = (call);                                                                  \
		if (rc_ != 0) {                                                                    \
			fail(#call, rc_);                                                          \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static void put(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t vlen, unsigned char fill)
{
	static unsigned char v[8192];
	MDB_val k = {strlen(key), (void *)key}, d = {vlen, v};
	int rc;

	for (size_t i = 0; i < vlen; i++)
		v[i] = (unsigned char)(fill + i);
	if ((rc = mdb_put(txn, dbi, &k, &d, 0)) != 0)
		fail(key, rc);
}

static void del(MDB_txn *txn, MDB_dbi dbi, const char *key)
{
	MDB_val k = {strlen(key), (void *)key};
	int rc;

	if ((rc = mdb_del(txn, dbi, &k, NULL)) != 0)
		fail(key, rc);
}

/* Copies dir/data.mdb to outdir/name. */
static void copy_out(const char *dir, const char *name)
{
	char src[512], dst[512], buf[4096];
	FILE *in, *out;
	size_t n, total = 0;

	snprintf(src, sizeof(src), "%s/data.mdb", dir);
	snprintf(dst, sizeof(dst), "%s/%s", outdir, name);
	if ((in = fopen(src, "rb")) == NULL || (out = fopen(dst, "wb")) == NULL) {
		perror(in == NULL ? src : dst);
		failures++;
		if (in != NULL)
			fclose(in);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n)
			failures++;
		total += n;
	}
	fclose(in);
	if (fclose(out) != 0)
		failures++;
	printf("%s (%zu bytes)\n", dst, total);
}

/* A fresh environment in a new temporary folder; dir receives its path. */
static MDB_env *env_new(char *dir, size_t dirlen)
{
	MDB_env *env;

	snprintf(dir, dirlen, "%s/pokja-lmdbseed.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		failures++;
		return NULL;
	}
	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 8) != 0 ||
	    mdb_env_set_mapsize(env, MAPSIZE) != 0 || mdb_env_open(env, dir, 0, 0600) != 0) {
		fail("mdb_env_open", 0);
		return NULL;
	}
	return env;
}

static void env_done(MDB_env *env, const char *dir, const char *name)
{
	char path[512];

	mdb_env_close(env);
	copy_out(dir, name);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static void empty(void)
{
	char dir[256];
	MDB_env *env = env_new(dir, sizeof(dir));

	if (env != NULL)
		env_done(env, dir, "empty.mdb");
}

static void named_dbs(void)
{
	static const char *const names[] = {"log", "rec", "bykey", "certs", "meta", "forks"};
	char dir[256], key[32];
	MDB_env *env = env_new(dir, sizeof(dir));
	MDB_txn *txn;
	MDB_dbi dbi[6];
	MDB_stat st;

	if (env == NULL)
		return;
	TRY(mdb_txn_begin(env, NULL, 0, &txn));
	for (int i = 0; i < 6; i++) {
		TRY(mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi[i]));
		for (int j = 0; j < 3; j++) {
			snprintf(key, sizeof(key), "%s-%d", names[i], j);
			put(txn, dbi[i], key, 20 + 10 * (size_t)j, (unsigned char)(16 * i + j));
		}
	}
	TRY(mdb_txn_commit(txn));
	/* A second transaction frees the pages the first wrote: the free db lists them. */
	TRY(mdb_txn_begin(env, NULL, 0, &txn));
	del(txn, dbi[1], "rec-1");
	del(txn, dbi[5], "forks-0");
	put(txn, dbi[0], "log-3", 40, 0x33);
	TRY(mdb_txn_commit(txn));
	TRY(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	TRY(mdb_stat(txn, 0, &st)); /* the free db */
	mdb_txn_abort(txn);
	if (st.ms_entries == 0)
		fail("named-dbs-freelist.mdb: the free db is empty", 0);
	env_done(env, dir, "named-dbs-freelist.mdb");
}

static void branch_overflow(void)
{
	char dir[256], key[32];
	MDB_env *env = env_new(dir, sizeof(dir));
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;

	if (env == NULL)
		return;
	TRY(mdb_txn_begin(env, NULL, 0, &txn));
	TRY(mdb_dbi_open(txn, "rec", MDB_CREATE, &dbi));
	for (int i = 0; i < 90; i++) {
		snprintf(key, sizeof(key), "kegiatan/32.75/%03d", i);
		put(txn, dbi, key, 48, (unsigned char)i);
	}
	put(txn, dbi, "lampiran/big", 5000, 0x55);
	TRY(mdb_stat(txn, dbi, &st));
	TRY(mdb_txn_commit(txn));
	if (st.ms_branch_pages == 0 || st.ms_overflow_pages == 0)
		fail("branch-overflow.mdb: no branch or no overflow page", 0);
	env_done(env, dir, "branch-overflow.mdb");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr,
		        "usage: gen_lmdb_corpus DIR (normally tests/fuzz/corpus/lmdbcheck)\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	empty();
	named_dbs();
	branch_overflow();
	return failures == 0 ? 0 : 1;
}
