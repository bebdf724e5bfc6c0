#!/bin/sh
# Spreadsheets both ways: export CSV (plain and --excel) edited and imported back (a changed row
# is refused without --replace and replaces its record with it; unchanged rows are left out),
# CSV import errors (every bad row reported with its line and column, nothing written), xlsx exports and
# rekap workbooks read back by openpyxl with their cell types, and `template` in each format.
. tests/cli/lib.sh

G=tests/cli/golden/export
N=$T/nasional
PYX=$(openpyxl_python)

# The national node N holds the export fixture, each record written by the office that owns it
# (SPEC section 5, "Ownership"); an edited export goes back in at the owner: Jawa Barat (J) for
# its kegiatan, Kota Bekasi (K) for its kumuh. Each holds its lineage's records first.
ok "init national" "$P" --dir "$N" init
ok "the export fixture, written by the offices that own its records" \
	offices "$N" "$G/input.jsonl"
ok "Kabupaten Majalengka's office" office "$N" 32.10
ok "a kegiatan in Kabupaten Majalengka (32.10, a code a spreadsheet would make 32.1)" \
	"$P" --dir "$T/offices/n-32.10" put kegiatan keg-3210 \
	--json '{"wilayah":"32.10","nama":"Rapat Pokja Majalengka","tahun":2025,"biaya":1250000}'
ok "... and it comes to the national node" bring "$T/offices/n-32.10" "$N"
J=$T/offices/n-32
K=$T/offices/n-32.75
ok "Jawa Barat gets its lineage's records from the national node" bring "$N" "$J"
ok "Kota Bekasi too" bring "$N" "$K"

# The records of a collection as JSON, one per line, sorted, without the key given.
others() { # collection key
	"$P" --dir "$J" list "$1" --json | python3 -c '
import json, sys
for o in sorted(json.load(sys.stdin), key=lambda o: o["key"]):
    if o["key"] != sys.argv[1]:
        print(json.dumps(o, sort_keys=True))' "$2"
}

# ---- plain CSV: export, edit one cell, import back (at Jawa Barat, whose record it is)
ok "export kegiatan as CSV" "$P" --dir "$J" export kegiatan -o "$T/k.csv"
before_log=$("$P" --dir "$J" log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
before_others=$(others kegiatan keg-05)
python3 - "$T/k.csv" "$T/k2.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
h = rows[0]
for r in rows[1:]:
    if r[h.index("key")] == "keg-05":
        r[h.index("nama")] = "Lokakarya RP3KP (diubah di spreadsheet)"
        r[h.index("jumlah_peserta")] = "45"
w = csv.writer(open(sys.argv[2], "w", newline="", encoding="utf-8"), lineterminator="\r\n")
w.writerows(rows)
PY
check "the export has the author columns after diubah" \
	grep -q '^key,wilayah,nama_wilayah,nama,.*,diubah,diubah_oleh,diubah_oleh_wilayah' "$T/k.csv"
before=$(snapshot "$J")
errs "the edited CSV without --replace is refused at the changed row" \
	"k2\.csv:[0-9]*: rekaman kegiatan/keg-05 sudah ada di wilayah 32 dan baris ini mengubahnya" \
	"$P" --dir "$J" import "$T/k2.csv" --collection kegiatan
same "... exit status 1" "$RC" 1
stderr_has "... saying to use --replace to update records from an edited export" \
	"1 baris akan mengubah rekaman yang sudah ada atau menyebut satu rekaman dua kali; tidak ada yang diimpor \(untuk memperbarui rekaman dari hasil ekspor yang disunting gunakan --replace"
check "... and no unchanged row is reported" sh -c '! grep -q "keg-0[1-46-9]" "$1"' sh "$ERR"
same "... nothing was written" "$(snapshot "$J")" "$before"
outputs "import the edited CSV --replace: one record written, the others left out as unchanged" \
	'^1 rekaman diimpor dalam 1 changeset .*; 5 tidak berubah, dilewati' \
	"$P" --dir "$J" import "$T/k2.csv" --collection kegiatan --replace
jcheck "the edited cells are stored" \
	'j["nama"] == "Lokakarya RP3KP (diubah di spreadsheet)" and j["jumlah_peserta"] == 45 and j["wilayah"] == "32"' \
	"$P" --dir "$J" get kegiatan keg-05 --json
same "the other kegiatan are untouched" "$(others kegiatan keg-05)" "$before_others"
after_log=$("$P" --dir "$J" log --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
same "one changeset more in the log" "$after_log" "$((before_log + 1))"
outputs "importing the same file again writes nothing (without --replace too)" \
	"^tidak ada yang diimpor: 6 rekaman di .*k2\.csv sama dengan yang tersimpan" \
	"$P" --dir "$J" import "$T/k2.csv" --collection kegiatan
jcheck "--json says records and unchanged" \
	'j["records"] == 0 and j["unchanged"] == 6 and j["superseded"] == 0' \
	"$P" --dir "$J" import "$T/k2.csv" --collection kegiatan --json
outputs "--format csv chooses CSV whatever the name" "^tidak ada yang diimpor: 6 rekaman" \
	sh -c 'cat "$1" >"$2" && "$3" --dir "$4" import "$2" --format csv --collection kegiatan' \
	sh "$T/k2.csv" "$T/k2.txt" "$P" "$J"

errs "the same edit at the national node is refused: keg-05 is Jawa Barat's" \
	"k2\.csv:[0-9]*: rekaman kegiatan/keg-05: rekaman wilayah '32' milik node Jawa Barat \(32\)" \
	"$P" --dir "$N" import "$T/k2.csv" --collection kegiatan --replace
stderr_has "... saying that a node imports only its own records" \
	"1 baris akan menulis rekaman milik node lain; tidak ada yang diimpor"
same "... exit status 1" "$RC" 1

# ---- the Excel dialect
ok "export kegiatan --excel" "$P" --dir "$N" export kegiatan --excel -o "$T/ke.csv"
check "it starts with the UTF-8 byte order mark and a ';' header" \
	python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); sys.exit(not b.startswith(b"\xef\xbb\xbfkey;wilayah;nama_wilayah;nama;"))' "$T/ke.csv"
check "rows end in CRLF" python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); sys.exit(b.count(b"\r\n") < 8 or b"\n" in b.replace(b"\r\n", b"").replace(b"Baris satu\nBaris", b""))' "$T/ke.csv"
check "the code 32.10 is kept text by the U+200B mark" grep -q "$(printf 'keg-3210;\342\200\21332.10;')" "$T/ke.csv"
check "text that starts with spaces is marked too" grep -q "$(printf ';\342\200\213  spasi di tepi  ;')" "$T/ke.csv"
ok "export kumuh --excel (at Kota Bekasi, whose records they are)" \
	"$P" --dir "$K" export kumuh --excel -o "$T/kumuh.csv"
check "numbers have a decimal comma (12,5)" grep -q ';2024;12,5;1200;' "$T/kumuh.csv"
outputs "the unedited Excel files import back unchanged" "^tidak ada yang diimpor: 7 rekaman" \
	"$P" --dir "$N" import "$T/ke.csv" --collection kegiatan
python3 - "$T/kumuh.csv" "$T/kumuh2.csv" <<'PY'
import sys
t = open(sys.argv[1], encoding="utf-8-sig").read()
assert ";2024;12,5;1200;" in t
t = t.replace(";2024;12,5;1200;", ";2024;13,75;1.250;")   # as Excel with id-ID writes
open(sys.argv[2], "w", encoding="utf-8-sig", newline="").write(t)
PY
errs "an Excel edit without --replace is refused" \
	"kumuh2\.csv:[0-9]*: rekaman kumuh/km-1 sudah ada di wilayah 32\.75\.01\.1001 dan baris ini mengubahnya" \
	"$P" --dir "$K" import "$T/kumuh2.csv" --collection kumuh
outputs "an Excel edit (decimal comma, grouped thousands) imports with --replace" \
	"^1 rekaman diimpor" "$P" --dir "$K" import "$T/kumuh2.csv" --collection kumuh --replace
jcheck "13,75 is 13.75 and 1.250 is 1250; the desa code survived" \
	'[(o["luas_ha"], o["jumlah_kk"], o["wilayah"]) for o in j if o["key"] == "km-1"] == [(13.75, 1250, "32.75.01.1001")]' \
	"$P" --dir "$K" list kumuh --json
jcheck "32.10 came back as 32.10" '[o["wilayah"] for o in j if o["key"] == "keg-3210"] == ["32.10"]' \
	"$P" --dir "$N" list kegiatan --json

# ---- errors: every bad row, with its line and column; nothing written
before=$(snapshot "$N")
cat >"$T/bad.csv" <<'CSV'
key,wilayah,nama,tahun,bulan,biaya
ok-1,32.75,Baik satu,2026,1,1000
bad-1,32.75,Tahun salah,20x6,2,1000
ok-2,32.75,Baik dua,2026,3,2000
bad-2,32.75,Biaya pecahan,2026,4,12.5
"ok-3",32.75,"Baik, tiga",2026,5,3000
bad-3,32.7,Wilayah salah,2026,6,1000
bad-4,32.75,Bulan salah,2026,13,1000
CSV
errs "a file with four bad rows is refused" "4 kesalahan di .*bad.csv; tidak ada yang diimpor" \
	"$P" --dir "$N" import "$T/bad.csv" --collection kegiatan
same "exit status 1" "$RC" 1
stderr_has "row 3 (line 3): column tahun" "bad.csv:3: kolom 'tahun': \"20x6\" bukan bilangan bulat"
stderr_has "row 5: column biaya" "bad.csv:5: kolom 'biaya': \"12.5\" bukan bilangan bulat: titik memisahkan ribuan"
stderr_has "row 7: column wilayah" "bad.csv:7: kolom 'wilayah': wilayah '32.7' bukan kode wilayah"
stderr_has "row 8: column bulan (a range the schema checks)" "bad.csv:8: kolom 'bulan': .*13"
check "no good row is reported" sh -c '! grep -q ":[246]: " "$1"' sh "$ERR"
same "nothing was written" "$(snapshot "$N")" "$before"

# The forms people type into cells: rupiah, month names, choices in any case, dates day first;
# a code without its dots is refused with the one meant, every bad cell of a row reported.
printf '%s\n' 'key,wilayah,nama,tahun,bulan,biaya,status' \
	'cf-1,32.75,Baik,2026,Maret,"Rp 15.000.000",Selesai' \
	'cf-2,3275,Buruk,2026,Maretz,"Rp 1,5",tunda' >"$T/forms.csv"
before=$(snapshot "$N")
errs "a row with four bad cells is refused" "4 kesalahan di .*forms\.csv; tidak ada yang diimpor" \
	"$P" --dir "$N" import "$T/forms.csv" --collection kegiatan
stderr_has "... the region without dots, with the code meant" \
	"forms\.csv:3: kolom 'wilayah': '3275' bukan kode wilayah; maksud Anda 32\.75 \(Kota Bekasi\)\?"
stderr_has "... the month" "forms\.csv:3: kolom 'bulan': \"Maretz\" bukan bulan; maksud Anda Maret"
stderr_has "... the rupiah (a comma is no decimal point in a ',' file)" \
	"forms\.csv:3: kolom 'biaya': \"Rp 1,5\" bukan jumlah rupiah"
stderr_has "... the choice, with the allowed ones" \
	"forms\.csv:3: kolom 'status': \"tunda\" bukan salah satu dari \"rencana\""
same "... nothing was written" "$(snapshot "$N")" "$before"
printf '%s\r\n' 'key;wilayah;nama;tahun;bulan;biaya;status' \
	'cf-1;32.75;Baik;2026;Maret;Rp 15.000.000,-;Selesai' \
	'cf-2;32.75;Juga baik;2026;agt;15.000.000;BATAL' >"$T/forms2.csv"
outputs "the forms people type import (Excel dialect), at Kota Bekasi" "^2 rekaman diimpor" \
	"$P" --dir "$K" import "$T/forms2.csv" --collection kegiatan
jcheck "... as 15000000, 3 and 8, selesai and batal" \
	'sorted((o["key"], o["biaya"], o["bulan"], o["status"]) for o in j if o["key"].startswith("cf-")) == [("cf-1", 15000000, 3, "selesai"), ("cf-2", 15000000, 8, "batal")]' \
	"$P" --dir "$K" list kegiatan --json

awk 'BEGIN { print "key;wilayah;nama;tahun"; for (i = 1; i <= 60; i++) printf "k-%d;32.75;Nama %d;tahun-%d\n", i, i, i }' >"$T/many.csv"
errs "60 bad rows: the first 50 shown, then how many more" "\.\.\. dan 10 kesalahan lain" \
	"$P" --dir "$N" import "$T/many.csv" --collection kegiatan
same "50 error lines" "$(grep -c "many.csv:[0-9]*: kolom 'tahun'" "$ERR")" 50
stderr_has "the count says 60" "60 kesalahan di"

printf 'key,wilayah,nama,tahun\nx-1,32.75,Satu,2026\n' >"$T/one.csv"
errs "a wrong-type cell alone" "one2.csv:2: kolom 'tahun': \"dua ribu\" bukan bilangan bulat" \
	sh -c 'printf "key,wilayah,nama,tahun\nx-1,32.75,Satu,dua ribu\n" >"$1"; "$2" --dir "$3" import "$1" --collection kegiatan' \
	sh "$T/one2.csv" "$P" "$N"
printf 'key,wilayah,nama,tahun,anggaran\nx-1,32.75,Satu,2026,5\n' >"$T/unknown.csv"
errs "an unknown column is refused, named" \
	"unknown.csv:1: kolom 'anggaran': bukan kolom koleksi 'kegiatan'" \
	"$P" --dir "$N" import "$T/unknown.csv" --collection kegiatan
errs "an unknown collection is refused" "koleksi 'proyek' tidak dikenal" \
	"$P" --dir "$N" import "$T/one.csv" --collection proyek
same "unknown collection: exit 1" "$RC" 1
printf 'key,wilayah,nama,tahun\nx-1,32.75,"Satu,2026\nx-2,32.75,Dua,2026\n' >"$T/quote.csv"
errs "an unterminated quote is refused with its line" \
	'quote.csv: baris 2: tanda kutip \(") membuka sel dan tidak pernah ditutup; tidak ada yang diimpor' \
	"$P" --dir "$N" import "$T/quote.csv" --collection kegiatan
fails "CSV without --collection is a usage error" 2 "$P" --dir "$N" import "$T/one.csv"
stderr_has "... that says what to add" "berkas CSV memerlukan --collection NAME"
printf 'key,wilayah,nama,tahun\nx-1,32.75,Satu,2026,extra\n' >"$T/wide.csv"
errs "a cell beyond the header is refused" "wide.csv:2: sel 5 \('extra'\) berada di luar 4 kolom baris judul" \
	"$P" --dir "$N" import "$T/wide.csv" --collection kegiatan
printf 'key;wilayah;nama;tahun\n\342\200\213;32.75;Baru;2026\n' >"$T/new.csv"
outputs "an empty key makes a new record (the mark alone counts as empty), at Kota Bekasi" \
	"^1 rekaman diimpor" "$P" --dir "$K" import "$T/new.csv" --collection kegiatan
jcheck "... with a generated key" '[len(o["key"]) for o in j if o["nama"] == "Baru"] == [26]' \
	"$P" --dir "$K" list kegiatan --json

# ---- xlsx
fails "xlsx to stdout is refused" 2 "$P" --dir "$N" export kegiatan --format xlsx
stderr_has "... saying to give -o" "berikan -o FILE\.xlsx"
fails "--excel with --format json is a usage error" 2 "$P" --dir "$N" export kegiatan --excel --format json
ok "export kegiatan --format xlsx" "$P" --dir "$N" export kegiatan --format xlsx -o "$T/k.xlsx"
ok "export rapat --format xlsx" "$P" --dir "$N" export rapat --format xlsx -o "$T/r.xlsx"
if [ -z "$PYX" ]; then
	fail "python3-openpyxl is installed (apt-get install python3-openpyxl)"
else
	check "the xlsx reads back with typed cells" "$PYX" - "$T/k.xlsx" "$T/r.xlsx" <<'PY'
import datetime, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["kegiatan"]
head = [c.value for c in ws[1]]
assert head[:4] == ["key", "wilayah", "nama_wilayah", "nama"], head
assert head[-5:] == ["diubah", "diubah_oleh", "diubah_oleh_wilayah", "status_verifikasi",
                     "catatan_verifikasi"], head
assert all(c.font.b for c in ws[1]), "header not bold"
assert ws.freeze_panes == "A2", ws.freeze_panes
rows = {r[0].value: {h: c for h, c in zip(head, r)} for r in ws.iter_rows(min_row=2)}
m = rows["keg-3210"]
assert m["wilayah"].value == "32.10" and m["wilayah"].data_type == "s", m["wilayah"].value
assert m["tahun"].value == 2025 and isinstance(m["tahun"].value, int)
assert m["biaya"].value == 1250000 and m["biaya"].number_format == "#,##0", m["biaya"].number_format
assert isinstance(m["diubah"].value, datetime.datetime), type(m["diubah"].value)
assert abs((m["diubah"].value - datetime.datetime.utcnow()).total_seconds()) < 600
assert m["diubah_oleh"].value == "Kabupaten Majalengka" and m["diubah_oleh"].data_type == "s", m["diubah_oleh"].value
assert m["diubah_oleh_wilayah"].value == "32.10", m["diubah_oleh_wilayah"].value
assert m["status_verifikasi"].value == "belum diverifikasi", m["status_verifikasi"].value
assert m["catatan_verifikasi"].value is None, m["catatan_verifikasi"].value
assert rows["keg-04"]["wilayah"].value == "nasional", rows["keg-04"]["wilayah"].value
assert rows["keg-01"]["biaya"].value == 10**15
assert rows["keg-05"]["wilayah"].value == "32"
assert ws.column_dimensions["D"].width > 10
r = openpyxl.load_workbook(sys.argv[2])["rapat"]
rh = [c.value for c in r[1]]
rr = {x[0].value: {h: c.value for h, c in zip(rh, x)} for x in r.iter_rows(min_row=2)}
assert rr["rp-1"]["tanggal"] == datetime.datetime(2024, 2, 29), rr["rp-1"]["tanggal"]
assert rr["rp-1"]["peserta"].startswith('["Bappeda"'), rr["rp-1"]["peserta"]
PY
fi

# ---- rekap xlsx
fails "rekap xlsx to stdout is refused" 2 "$P" --dir "$N" rekap kegiatan --region "" --format xlsx
ok "rekap kegiatan --format xlsx" "$P" --dir "$N" rekap kegiatan --region "" --format xlsx -o "$T/rk.xlsx"
ok "rekap arahan --format xlsx" "$P" --dir "$N" rekap arahan --region "" --format xlsx -o "$T/ra.xlsx"
if [ -n "$PYX" ]; then
	"$P" --dir "$N" rekap kegiatan --region "" --json >"$T/rk.json"
	check "the rekap workbook: a sheet per table, numbers as numbers equal to --json" \
		"$PYX" - "$T/rk.xlsx" "$T/rk.json" "$T/ra.xlsx" <<'PY'
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert len(wb.sheetnames) == 2, wb.sheetnames
ws = wb[wb.sheetnames[0]]
head = [c.value for c in ws[1]]
assert head[0] == "wilayah" and "biaya" in head, head
assert ws.freeze_panes == "A2"
j = json.load(open(sys.argv[2]))
rows = {r[0] or "": dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
for o in j["rows"]:
    x = rows[o["wilayah"]]
    assert x["kegiatan"] == o["kegiatan"] and isinstance(x["kegiatan"], int), (x, o)
    assert x["biaya"] == o["biaya"], (x, o)
a = openpyxl.load_workbook(sys.argv[3])
assert a.sheetnames == ["rekap", "rincian"], a.sheetnames
assert [c.value for c in a["rincian"][1]][-6:] == ["sasaran", "nama_sasaran", "diterima",
                                                   "tindak_lanjut", "status", "tenggat"]
PY
fi

# ---- template
outputs "template kegiatan (CSV): the header row" \
	'^key,wilayah,nama,strategi,tujuan,target_hasil,tahun,bulan,jumlah_peserta,biaya,sumber_biaya,penanggung_jawab,asumsi,status,gugus_tugas,indikator' \
	"$P" template kegiatan
same "... and nothing else" "$(wc -l <"$OUT" | tr -d ' ')" 1
ok "template rapat --excel -o" "$P" template rapat --excel -o "$T/t.csv"
check "... with the byte order mark and ';'" python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read() != b"\xef\xbb\xbfkey;wilayah;judul;tanggal;tempat;agenda;peserta;jumlah_peserta;kesepakatan\r\n")' "$T/t.csv"
jcheck "template dokumen --format json: every column with type, required, values, doc" \
	'j["collection"] == "dokumen" and [c["name"] for c in j["columns"]][:3] == ["key", "wilayah", "jenis"]
	 and j["columns"][2]["required"] is True and "RP3KP" in j["columns"][2]["values"]
	 and j["columns"][6]["type"] == "int" and j["columns"][6]["min"] == 1900 and all(c["doc"] for c in j["columns"])' \
	"$P" template dokumen --format json
jcheck "template --json is the same" 'j["collection"] == "kumuh"' "$P" template kumuh --json
fails "template xlsx to stdout is refused" 2 "$P" template kegiatan --format xlsx
errs "template of an unknown collection is refused" "koleksi 'proyek' tidak dikenal" "$P" template proyek
ok "template dokumen --format xlsx" "$P" template dokumen --format xlsx -o "$T/t.xlsx"
if [ -n "$PYX" ]; then
	check "the xlsx template: header, text code columns, a choice list, the 'kolom' sheet" \
		"$PYX" - "$T/t.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["dokumen", "kolom"], wb.sheetnames
ws = wb["dokumen"]
assert [c.value for c in ws[1]] == ["key", "wilayah", "jenis", "judul", "nomor", "tanggal", "tahun", "tahap", "status", "tautan"]
assert ws.freeze_panes == "A2" and ws.max_row == 1
dv = ws.data_validations.dataValidation
assert any("RP3KP" in (d.formula1 or "") for d in dv), [d.formula1 for d in dv]
k = {r[0]: r for r in wb["kolom"].iter_rows(min_row=2, values_only=True)}
assert k["jenis"][2] == "ya" and "RP3KP" in k["jenis"][1], k["jenis"]
assert k["tanggal"][1] == "tanggal YYYY-MM-DD" and k["nomor"][2] == "tidak", (k["tanggal"], k["nomor"])
PY
fi
"$P" template dokumen -o "$T/tpl.csv" >/dev/null 2>&1
printf 'tpl-1,32.75,SK,SK Pokja PKP,,2025-01-15,2025,,final,\r\n' >>"$T/tpl.csv"
outputs "a filled-in CSV template imports" "^1 rekaman diimpor" \
	"$P" --dir "$K" import "$T/tpl.csv" --collection dokumen
jcheck "... as the record written in it" 'j["judul"] == "SK Pokja PKP" and j["tanggal"] == "2025-01-15"' \
	"$P" --dir "$K" get dokumen tpl-1 --json
done_testing
