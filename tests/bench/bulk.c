/*
 * bulk.c: a bulk import end to end (issue 11): 100,000 kegiatan imported at Kota Bekasi with
 * `pokjactl import`, timed from the start of the import until the province (its parent, a
 * running pokjad) holds them all, signed at the district and verified at the province.
 *
 * Builds the benchnet.h network (national node, Jawa Barat, Kota Bekasi joined online), starts
 * Kota Bekasi's pokjad and waits for its session with the province. Writes a JSONL file of
 * 100,000 kegiatan records of region 32.75 (the district's own), then starts
 * `$BUILD/pokjactl --dir KOTA import FILE` as a child process and, every 2 ms, reads the
 * province's head of the district's log (store_head_get on its store, opened read-only). When
 * the import exits, the district's own head is the last sequence it wrote; the clock stops when
 * the province's head reaches it. The province must then hold 100,000 kegiatan in 32.75.
 * Prints one line:
 *
 *   bulk: records=100000 seconds=S rate=R import_seconds=I first_at_parent=F
 *
 * S: import start to all held at the province (R = 100,000 / S); I: the import alone (as the
 * district's operator sees it, while its pokjad pushes); F: import start to the import's first
 * record at the province (not a health record the district's pokjad wrote meanwhile). All three
 * processes share this machine's cores.
 * BENCH_KEEP=1 keeps the temporary folder. Run from the repository root (BUILD names the build
 * folder, default "build"). Takes about 20 s, 400 MB of temporary disk; exits 1 on any failure
 * or after 150 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchnet.h"
#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/crypto.h"

#define N_RECORDS 100000
#define REGION "32.75"
#define CATCHUP_TIMEOUT_S 90.0

static const char *const kegiatan[] = {
    "Rapat koordinasi Pokja PKP",
    "Lokakarya penjaminan kualitas RP3KP",
    "Sosialisasi STBM tingkat kelurahan",
    "Audiensi dan advokasi kepada Wali Kota",
    "Penyusunan Buku Putih Sanitasi",
    "Pendampingan BKM dalam penyusunan RPLP",
    "Forum konsultasi publik Strategi Sanitasi Kota",
    "Monitoring dan evaluasi pelaksanaan PPSP",
};
static const char *const sumber[] = {"APBD", "APBN", "DAK", "Swasta (CSR)", "Swadaya masyarakat"};
static const char *const status_keg[] = {"rencana", "berjalan", "selesai", "batal"};

#define PICK(a, i) a[(i) % (sizeof(a) / sizeof(a[0]))]

/* The same shape of record as tests/bench/import.c, in the district's region. */
static void write_jsonl(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bn_fail("%s: %s", path, strerror(errno));
	for (unsigned i = 0; i < N_RECORDS; i++)
		fprintf(f,
		        "{\"collection\":\"kegiatan\",\"key\":\"bulk-%06u\",\"wilayah\":\"%s\","
		        "\"nama\":\"%s %u\",\"strategi\":\"Penjaminan kualitas RP3KP\","
		        "\"tujuan\":\"Menyamakan pemahaman perangkat daerah tentang arah "
		        "pembangunan kawasan permukiman\",\"target_hasil\":\"Berita acara "
		        "kesepakatan dan daftar rencana tindak lanjut\",\"tahun\":%u,\"bulan\":%u,"
		        "\"jumlah_peserta\":%u,\"biaya\":%u,\"sumber_biaya\":\"%s\","
		        "\"penanggung_jawab\":\"Sekretariat Pokja PKP Kota Bekasi\",\"asumsi\":"
		        "\"Anggaran disahkan tepat waktu dan narasumber bersedia hadir\","
		        "\"status\":\"%s\"}\n",
		        i + 1, REGION, PICK(kegiatan, i), i / 8 + 1, 2023 + i % 4, i % 12 + 1,
		        12 + i % 90, 2500000 + (i % 193) * 150000, PICK(sumber, i / 2),
		        PICK(status_keg, i));
	if (fclose(f) != 0)
		bn_fail("%s: %s", path, strerror(errno));
}

/* Starts pokjactl import at the district; its output goes to the bench's pokjactl.log. */
static pid_t start_import(const char *file)
{
	char bin[600];
	pid_t pid;
	int fd;

	snprintf(bin, sizeof(bin), "%s/pokjactl", bn.build);
	if ((pid = fork()) < 0)
		bn_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = {bin, "--dir", bn.dir[BN_KOTA], "import", (char *)file, NULL};

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open(bn.ctl_log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(bin, argv);
		_exit(127);
	}
	return pid;
}

static int count_one(const struct store_record *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

int main(void)
{
	char file[700];
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct store *prov, *kota;
	struct store_head h, mine;
	struct pk_diag d = {""};
	double t0, t_import = 0, t_first = 0, t_all;
	uint64_t target = 0, start_seq;
	size_t count = 0, first = 0;
	pid_t pid;
	int st, err;

	if (pk_crypto_init() != 0)
		return 1;
	bn_setup("bulk", 150);
	bn_build();
	bn_start(BN_KOTA);
	bn_wait_log(BN_KOTA, "parent-session", 0, 20000);
	snprintf(file, sizeof(file), "%s/kegiatan.jsonl", bn.top);
	write_jsonl(file);

	if ((err = node_key_load(bn.dir[BN_KOTA], pub, sec, &d)) != 0)
		bn_fail("node_key_load: %s: %s", pk_strerror(err), d.msg);
	memset(sec, 0, sizeof(sec));
	if ((err = node_store_open(bn.dir[BN_PROV], STORE_RDONLY, &prov, &d)) != 0)
		bn_fail("opening the province's store: %s: %s", pk_strerror(err), d.msg);
	if ((err = store_head_get(prov, pub, &h)) != 0)
		bn_fail("store_head_get: %s", pk_strerror(err));
	start_seq = h.seq;

	t0 = bn_mono();
	pid = start_import(file);
	for (;;) {
		if (t_import == 0 && waitpid(pid, &st, WNOHANG) == pid) {
			t_import = bn_mono();
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bn_fail("pokjactl import failed (status %d)", st);
			if ((err = node_store_open(bn.dir[BN_KOTA], STORE_RDONLY, &kota, &d)) != 0)
				bn_fail("opening the district's store: %s: %s", pk_strerror(err),
				        d.msg);
			err = store_head_get(kota, pub, &mine);
			store_close(kota);
			if (err != 0)
				bn_fail("store_head_get: %s", pk_strerror(err));
			target = mine.seq;
		}
		if ((err = store_head_get(prov, pub, &h)) != 0)
			bn_fail("store_head_get: %s", pk_strerror(err));
		/* The import's first record, not a health record pokjad wrote meanwhile. */
		if (t_first == 0 && h.seq > start_seq &&
		    store_get(prov, "kegiatan", "bulk-000001", REGION, count_one, &first) > 0)
			t_first = bn_mono();
		if (target != 0 && h.seq >= target)
			break;
		if (bn_mono() - t0 > CATCHUP_TIMEOUT_S)
			bn_fail(
			    "the province holds the district's log up to %llu of %llu after %.0f s",
			    (unsigned long long)h.seq, (unsigned long long)target,
			    CATCHUP_TIMEOUT_S);
		bn_sleep_ms(2);
	}
	t_all = bn_mono();
	err = store_list(prov, "kegiatan", REGION, false, count_one, &count);
	store_close(prov);
	if (err < 0)
		bn_fail("store_list: %s", pk_strerror(err));
	if (count < N_RECORDS)
		bn_fail("the province holds %zu kegiatan of 32.75, not %d", count, N_RECORDS);
	printf("bulk: records=%d seconds=%.2f rate=%.0f import_seconds=%.2f first_at_parent=%.2f\n",
	       N_RECORDS, t_all - t0, N_RECORDS / (t_all - t0), t_import - t0, t_first - t0);
	fflush(stdout);
	return 0; /* bn_cleanup stops the daemons and removes the folder */
}
