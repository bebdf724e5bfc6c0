/*
 * workload.h: the changesets the benchmarks apply: valid `kegiatan` record values, varied by an
 * index, with their keys in ascending byte order as the schema requires. Header-only, since each
 * benchmark is built on its own (tests/bench/X.c -> X).
 */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void pstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	pstr(pk, k);
	pstr(pk, v);
}

static void kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
	pstr(pk, k);
	msgpack_pack_int64(pk, v);
}

static const char *const kegiatan[] = {
    "Rapat koordinasi Pokja PKP",         "Lokakarya penjaminan kualitas RP3KP",
    "Sosialisasi STBM tingkat kelurahan", "Advokasi kepada kepala daerah",
    "Penyusunan Buku Putih Sanitasi",     "Pendampingan BKM penyusunan RPLP",
    "Forum konsultasi publik SSK",        "Monitoring dan evaluasi PPSP",
};
static const char *const strategi[] = {
    "Penjaminan kualitas RP3KP",
    "Advokasi kepada kepala daerah",
    "Penguatan aliansi dan jejaring",
};
static const char *const sumber[] = {"APBD", "APBN", "DAK", "Swasta", "Swadaya masyarakat"};
static const char *const status[] = {"rencana", "berjalan", "selesai"};

/* A valid kegiatan value, varied by i; keys in ascending byte order, as the schema requires. */
static void value(msgpack_sbuffer *sb, unsigned i)
{
	msgpack_packer pk;
	char nama[128];

	snprintf(nama, sizeof(nama), "%s %u", kegiatan[i % 8], i / 8 + 1);
	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 12);
	kv_str(&pk, "asumsi", "Anggaran disahkan tepat waktu dan narasumber bersedia hadir");
	kv_int(&pk, "biaya", 5000000 + (int64_t)(i % 97) * 250000);
	kv_int(&pk, "bulan", (int64_t)(i % 12) + 1);
	kv_int(&pk, "jumlah_peserta", 15 + (int64_t)(i % 60));
	kv_str(&pk, "nama", nama);
	kv_str(&pk, "penanggung_jawab", "Sekretariat Pokja PKP Kota Bekasi");
	kv_str(&pk, "status", status[i % 3]);
	kv_str(&pk, "strategi", strategi[i % 3]);
	kv_str(&pk, "sumber_biaya", sumber[i % 5]);
	kv_int(&pk, "tahun", 2024 + (int64_t)(i % 3));
	kv_str(&pk, "target_hasil", "Kesepakatan program dan rencana tindak lanjut tertulis");
	kv_str(&pk, "tujuan",
	       "Menyamakan pemahaman perangkat daerah tentang penanganan "
	       "permukiman kumuh dan sanitasi");
}

#endif
