/*
 * import.c: how fast `pokjactl import` loads a bulk file of activities into a node.
 *
 * Writes a JSONL file of 100,000 kegiatan records (the national region) to a temporary folder,
 * creates a national root node there with `$BUILD/pokjactl init` (which writes the whole country's
 * records), and times
 * `$BUILD/pokjactl --dir D import FILE` run as a child process: parsing, schema checks, signing
 * and the one write transaction, as an operator would see it. Then opens the node's store
 * read-only and checks that it holds all 100,000 records. Prints one line:
 *
 *   import: records=100000 seconds=S rate=R
 *
 * Exits 1 when pokjactl fails or records are missing. Run from the repository root (BUILD names
 * the build folder, default "build"). Takes about 10 s, 200 MB of temporary disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/error.h"

#define N_RECORDS 100000
#define REGION "" /* the national node's own records (SPEC section 5) */

static char tmpdir[512];

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the input file ----------------------------------------------------------------------- */

static const char *const kegiatan[] = {
    "Rapat koordinasi Pokja PKP",
    "Lokakarya penjaminan kualitas RP3KP",
    "Sosialisasi STBM tingkat kelurahan",
    "Audiensi dan advokasi kepada Wali Kota",
    "Penyusunan Buku Putih Sanitasi",
    "Pendampingan BKM dalam penyusunan RPLP",
    "Forum konsultasi publik Strategi Sanitasi Kota",
    "Monitoring dan evaluasi pelaksanaan PPSP",
    "Pelatihan pendataan rumah tidak layak huni",
    "Rembuk warga penanganan kawasan kumuh",
};
static const char *const strategi[] = {
    "Penjaminan kualitas RP3KP",
    "Advokasi kepada kepala daerah",
    "Penguatan aliansi dan jejaring",
    "Peningkatan peran serta masyarakat",
};
static const char *const tujuan[] = {
    "Menyamakan pemahaman perangkat daerah tentang arah pembangunan kawasan permukiman",
    "Memperoleh dukungan kepala daerah bagi penganggaran program sanitasi",
    "Membangun kesepakatan lintas sektor untuk mencapai kota tanpa kumuh",
    "Meningkatkan keterlibatan masyarakat dalam perencanaan dan pemeliharaan prasarana",
};
static const char *const target[] = {
    "Berita acara kesepakatan dan daftar rencana tindak lanjut",
    "Dokumen RP3KP yang telah direviu dan disepakati Pokja",
    "Surat dukungan kepala daerah dan alokasi anggaran tahun berikutnya",
    "Data rumah tidak layak huni per kelurahan yang mutakhir",
};
static const char *const sumber[] = {"APBD", "APBN", "DAK", "Swasta (CSR)", "Swadaya masyarakat"};
static const char *const pj[] = {
    "Sekretariat Pokja PKP Kota Bekasi",
    "Dinas Perumahan, Kawasan Permukiman dan Pertanahan",
    "Bappelitbangda Kota Bekasi",
    "Gugus Tugas Peran serta Masyarakat",
};
static const char *const asumsi[] = {
    "Anggaran disahkan tepat waktu dan narasumber bersedia hadir",
    "Data dasar dari kelurahan tersedia sebelum kegiatan dimulai",
    "Kepala daerah berkenan menerima audiensi pada triwulan pertama",
};
static const char *const status_keg[] = {"rencana", "berjalan", "selesai", "batal"};

#define PICK(a, i) a[(i) % (sizeof(a) / sizeof(a[0]))]

/* The strings above hold no character that JSON would need escaped. */
static int write_jsonl(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (unsigned i = 0; i < N_RECORDS; i++) {
		fprintf(f,
		        "{\"collection\":\"kegiatan\",\"key\":\"keg-%06u\",\"wilayah\":\"%s\","
		        "\"nama\":\"%s %u\",\"strategi\":\"%s\",\"tujuan\":\"%s\","
		        "\"target_hasil\":\"%s\",\"tahun\":%u,\"bulan\":%u,\"jumlah_peserta\":%u,"
		        "\"biaya\":%u,\"sumber_biaya\":\"%s\",\"penanggung_jawab\":\"%s\","
		        "\"asumsi\":\"%s\",\"status\":\"%s\"}\n",
		        i + 1, REGION, PICK(kegiatan, i), i / 10 + 1, PICK(strategi, i / 3),
		        PICK(tujuan, i / 7), PICK(target, i / 5), 2023 + i % 4, i % 12 + 1,
		        12 + i % 90, 2500000 + (i % 193) * 150000, PICK(sumber, i / 2),
		        PICK(pj, i / 11), PICK(asumsi, i / 13), PICK(status_keg, i));
	}
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* ---- running pokjactl --------------------------------------------------------------------- */

/* Runs argv with stdout and stderr into log; returns its exit status, or -1. */
static int run(char *const argv[], const char *log)
{
	pid_t pid;
	int status, fd;

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return -1;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void show_log(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "    %s", line);
	fclose(f);
}

static int count_one(const struct store_record *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

static void cleanup(void)
{
	char cmd[600];

	if (tmpdir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "import: could not remove %s\n", tmpdir);
}

int main(void)
{
	const char *build = getenv("BUILD"), *tmp = getenv("TMPDIR");
	char ctl[512], node[600], file[600], log[600];
	struct store *s;
	struct pk_diag d = {""};
	size_t count = 0;
	double t0, secs;
	int rc, err;

	if (build == NULL || *build == '\0')
		build = "build";
	snprintf(ctl, sizeof(ctl), "%s/pokjactl", build);
	if (access(ctl, X_OK) != 0) {
		fprintf(stderr, "import: %s not found; build it first (make)\n", ctl);
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/pokja-bench-import.XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 1;
	}
	atexit(cleanup);
	snprintf(node, sizeof(node), "%s/node", tmpdir);
	snprintf(file, sizeof(file), "%s/kegiatan.jsonl", tmpdir);
	snprintf(log, sizeof(log), "%s/pokjactl.log", tmpdir);
	if (write_jsonl(file) != 0)
		return 1;

	{
		char *argv[] = {ctl, "init", "--dir", node, "--name", "Bench", NULL};

		if ((rc = run(argv, log)) != 0) {
			fprintf(stderr, "import: pokjactl init failed (status %d):\n", rc);
			show_log(log);
			return 1;
		}
	}
	{
		char *argv[] = {ctl, "--dir", node, "import", file, NULL};

		t0 = mono();
		rc = run(argv, log);
		secs = mono() - t0;
		if (rc != 0) {
			fprintf(stderr, "import: pokjactl import failed (status %d):\n", rc);
			show_log(log);
			return 1;
		}
	}

	if ((err = node_store_open(node, STORE_RDONLY, &s, &d)) != 0) {
		fprintf(stderr, "import: opening the store: %s: %s\n", pk_strerror(err), d.msg);
		return 1;
	}
	err = store_list(s, "kegiatan", NULL, false, count_one, &count);
	store_close(s);
	if (err < 0) {
		fprintf(stderr, "import: store_list: %s\n", pk_strerror(err));
		return 1;
	}
	if (count != N_RECORDS) {
		fprintf(stderr, "import: the store holds %zu kegiatan records, not %d\n", count,
		        N_RECORDS);
		return 1;
	}
	printf("import: records=%d seconds=%.2f rate=%.0f\n", N_RECORDS, secs, N_RECORDS / secs);
	return 0;
}
