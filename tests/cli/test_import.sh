#!/bin/sh
# pokjactl import: bulk loading of JSONL files; a bad line anywhere stops the import before
# anything is written.
. tests/cli/lib.sh

N=$T/nasional
K=$T/kota
ok "init national" "$P" --dir "$N" init
"$P" --dir "$K" init --region 32.75 >/dev/null 2>&1
"$P" --dir "$K" request -o "$T/k.req" >/dev/null 2>&1
"$P" --dir "$N" certify "$T/k.req" -o "$T/k.cert" >/dev/null 2>&1
ok "a certified kota 32.75" "$P" --dir "$K" install-cert "$T/k.cert"

# ---- 500 records across collections, with blank lines, in regions all over the kota (its own
# records: SPEC section 5, "Ownership"); the eighth has no wilayah, so the node's own
awk 'BEGIN {
	split("32.75.02 32.75 32.75.03 32.75.04 32.75.05 32.75.01 32.75.01.1001 -", reg, " ")
	for (i = 1; i <= 500; i++) {
		r = reg[(i % 8) + 1]
		if (r == "-") w = "\"32.75\""; else w = "\"" r "\""
		if (i % 5 == 0)
			printf "{\"collection\":\"rapat\",\"key\":\"rp-%d\",\"wilayah\":%s,\"judul\":\"Rapat %d\",\"tanggal\":\"2025-%02d-%02d\",\"peserta\":[\"A\",\"B\"]}\n", i, w, i, (i % 12) + 1, (i % 28) + 1
		else if (i % 5 == 1)
			printf "{\"collection\":\"kumuh\",\"wilayah\":%s,\"tahun\":%d,\"luas_ha\":%d.5,\"jumlah_kk\":%d}\n", w, 2000 + (i % 100), i, i * 3
		else if (i % 5 == 2)
			printf "{\"collection\":\"arahan\",\"key\":\"ar-%d\",\"wilayah\":%s,\"judul\":\"Arahan %d\",\"isi\":\"Isi arahan %d\",\"wilayah_sasaran\":\"32\"}\n", i, w, i, i
		else
			printf "{\"collection\":\"kegiatan\",\"key\":\"keg-%d\",\"wilayah\":%s,\"nama\":\"Kegiatan %d\",\"tahun\":2026,\"bulan\":%d,\"biaya\":%d}\n", i, w, i, (i % 12) + 1, i * 1000000
		if (i % 50 == 0)
			print ""
		if (i % 97 == 0)
			print "   \t"
	}
}' >"$T/big.jsonl"
same "the generated file has 500 records" "$(grep -c collection "$T/big.jsonl")" 500
check "and some blank lines" grep -q '^[[:space:]]*$' "$T/big.jsonl"

jcheck "import --json of 500 records: output parses, counts them" \
	'j["records"] == 500 and 1 <= j["changesets"] < 500 and
	 j["last_seq"] - j["first_seq"] + 1 == j["changesets"]' \
	"$P" --dir "$K" import "$T/big.jsonl" --json
jcheck "list kegiatan counts 200" 'len(j) == 200' "$P" --dir "$K" list kegiatan --json
jcheck "list rapat counts 100" 'len(j) == 100' "$P" --dir "$K" list rapat --json
jcheck "list kumuh counts 100" 'len(j) == 100' "$P" --dir "$K" list kumuh --json
jcheck "list arahan counts 100" 'len(j) == 100' "$P" --dir "$K" list arahan --json
jcheck "log: fewer changesets than records (bulk), all from this node" \
	'1 <= len(j) < 500 and sum(c["ops"] for c in j) == 500 and len(set(c["origin"] for c in j)) == 1' \
	"$P" --dir "$K" log --json
jcheck "an imported record comes back whole" \
	'j["key"] == "keg-8" and j["biaya"] == 8000000 and j["wilayah"] == "32.75.02" and j["bulan"] == 9' \
	"$P" --dir "$K" get kegiatan keg-8 --json
jcheck "kumuh lines had no key: each got a generated one" \
	'all(len(o["key"]) == 26 for o in j)' "$P" --dir "$K" list kumuh --json
jcheck "list --region 32.75.01 after import" \
	'len(j) > 0 and all(o["wilayah"] == "32.75.01" or o["wilayah"].startswith("32.75.01.") for o in j)' \
	"$P" --dir "$K" list kegiatan --region 32.75.01 --json
outputs "import (text) says how many records and changesets" \
	'^3 rekaman diimpor dalam 1 changeset' "$P" --dir "$N" import /dev/stdin <<'EOF'
{"collection":"kegiatan","key":"tx-1","nama":"a","tahun":2026}
{"collection":"kegiatan","key":"tx-2","nama":"b","tahun":2026}
{"collection":"kegiatan","key":"tx-3","nama":"c","tahun":2026}
EOF
outputs "import - reads stdin" '^1 rekaman diimpor' "$P" --dir "$N" import - <<'EOF'
{"collection":"kegiatan","key":"tx-4","nama":"d","tahun":2026}
EOF
jcheck "records from stdin are stored" 'j["nama"] == "d"' "$P" --dir "$N" get kegiatan tx-4 --json
ok "verify after the import" "$P" --dir "$N" verify

# ---- a bad line 137 stops everything (at the kota, whose region is 32.75)
# 150 good lines (with blank lines among them, which count as lines); line 137 replaced.
awk 'BEGIN {
	for (i = 1; i <= 150; i++) {
		if (i % 20 == 0) { print ""; continue }
		printf "{\"collection\":\"kegiatan\",\"key\":\"k-%d\",\"wilayah\":\"32.75.01\",\"nama\":\"K %d\",\"tahun\":2026}\n", i, i
	}
}' >"$T/good150.jsonl"
same "the good file has 150 lines" "$(wc -l <"$T/good150.jsonl")" 150
before=$(snapshot "$K")

bad_at_137() { # name pattern line
	awk -v bad="$3" 'NR == 137 { print bad; next } { print }' "$T/good150.jsonl" >"$T/bad.jsonl"
	same "$1: line 137 is the bad one" "$(sed -n 137p "$T/bad.jsonl")" "$3"
	errs "import with $1 at line 137 is refused, naming :137:" ":137:.*$2" \
		"$P" --dir "$K" import "$T/bad.jsonl"
	same "$1: exit 1" "$RC" 1
	same "$1: nothing was half-applied" "$(snapshot "$K")" "$before"
}
bad_at_137 "invalid JSON" "JSON tidak sah" '{"collection":"kegiatan","nama":"x","tahun":2026'
bad_at_137 "unknown collection" "koleksi 'proyek' tidak dikenal" '{"collection":"proyek","nama":"x"}'
bad_at_137 "missing collection" "tidak ada anggota 'collection'" '{"nama":"x","tahun":2026}'
bad_at_137 "schema violation" "bulan" '{"collection":"kegiatan","nama":"x","tahun":2026,"bulan":13}'
bad_at_137 "missing required field" "nama" '{"collection":"kegiatan","tahun":2026}'
bad_at_137 "region outside the node" "di luar wilayah node ini" '{"collection":"kegiatan","nama":"x","tahun":2026,"wilayah":"33.01"}'
bad_at_137 "region not a code" "bukan kode wilayah" '{"collection":"kegiatan","nama":"x","tahun":2026,"wilayah":"32.7"}'
bad_at_137 "a JSON array" "objek JSON" '[{"collection":"kegiatan","nama":"x","tahun":2026}]'
bad_at_137 "duplicate member" "anggota yang sama muncul dua kali" '{"collection":"kegiatan","nama":"x","nama":"y","tahun":2026}'
bad_at_137 "bad key" "kunci 'a b'" '{"collection":"kegiatan","key":"a b","nama":"x","tahun":2026}'

# The last line bad, with no newline at its end.
{ head -n 149 "$T/good150.jsonl"; printf '%s' '{"collection":"kegiatan","nama":1,"tahun":2026}'; } \
	>"$T/badlast.jsonl"
errs "a bad last line without a newline is refused, naming :150:" ":150:" \
	"$P" --dir "$K" import "$T/badlast.jsonl"
same "bad last line: nothing was half-applied" "$(snapshot "$K")" "$before"

ok "the good file imports at the kota" "$P" --dir "$K" import "$T/good150.jsonl"
jcheck "and all its records are there" 'len([o for o in j if o["key"].startswith("k-")]) == 143' \
	"$P" --dir "$K" list kegiatan --json

# ---- forgiving input: the forms people write; every bad field of every line reported
cat >"$T/forms.jsonl" <<'EOF'
{"collection":"kegiatan","key":"f-1","wilayah":"32.75","nama":"Rapat","tahun":"2026","bulan":"Maret","biaya":"Rp 15.000.000","status":"Selesai"}
{"collection":"kegiatan","key":"f-2","wilayah":"3275","nama":"Rapat","tahun":2026,"bulan":"Maretz","biaya":"1.5"}
{"collection":"dokumen","key":"f-3","jenis":"rpjmd","judul":"RPJMD","status":"Disahkn","tanggal":"31/02/2026"}
EOF
before=$(snapshot "$N")
errs "a file with bad fields on two lines is refused" "5 kesalahan di .*forms\.jsonl; tidak ada yang diimpor" \
	"$P" --dir "$N" import "$T/forms.jsonl"
stderr_has "line 2: the region written without dots" \
	"forms\.jsonl:2: wilayah: '3275' bukan kode wilayah; maksud Anda 32\.75 \(Kota Bekasi\)\?"
stderr_has "line 2: the month" "forms\.jsonl:2: kolom 'bulan': \"Maretz\" bukan bulan; maksud Anda Maret"
stderr_has "line 2: the rupiah" "forms\.jsonl:2: kolom 'biaya': \"1\.5\" bukan bilangan bulat"
stderr_has "line 3: the choice" "forms\.jsonl:3: kolom 'status': \"Disahkn\" bukan salah satu dari .*maksud Anda \"disahkan\""
stderr_has "line 3: the date" "forms\.jsonl:3: kolom 'tanggal': \"31/02/2026\" bukan tanggal: Februari 2026 tidak punya tanggal 31"
check "line 1 is not reported" sh -c '! grep -q "forms.jsonl:1:" "$1"' sh "$ERR"
same "nothing was written" "$(snapshot "$N")" "$before"
head -n 1 "$T/forms.jsonl" >"$T/forms1.jsonl"
outputs "the good line imports at the kota, whose record it is" "^1 rekaman diimpor" \
	"$P" --dir "$K" import "$T/forms1.jsonl"
jcheck "... with Rp 15.000.000 as 15000000, Maret as 3 and Selesai as selesai" \
	'j["biaya"] == 15000000 and j["bulan"] == 3 and j["tahun"] == 2026 and j["status"] == "selesai"' \
	"$P" --dir "$K" get kegiatan f-1 --json

# ---- empty and missing files
: >"$T/empty.jsonl"
outputs "an empty file imports nothing" "tidak ada rekaman" "$P" --dir "$N" import "$T/empty.jsonl"
printf '\n\n   \n\t\n' >"$T/blank.jsonl"
outputs "a file of blank lines imports nothing" "tidak ada rekaman" "$P" --dir "$N" import "$T/blank.jsonl"
jcheck "import --json of an empty file says 0 records" 'j["records"] == 0' \
	"$P" --dir "$N" import "$T/empty.jsonl" --json
before=$(snapshot "$N")
errs "a missing file is refused" "no-such.jsonl" "$P" --dir "$N" import "$T/no-such.jsonl"
same "missing file: exit 1" "$RC" 1
fails "a directory is refused" 1 "$P" --dir "$N" import "$T"
same "empty and missing files changed nothing" "$(snapshot "$N")" "$before"
fails "import without a file is a usage error" 2 "$P" --dir "$N" import

done_testing
