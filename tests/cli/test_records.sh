#!/bin/sh
# pokjactl put, get, list, del: round trips, JSON output, region filters, and refusals of bad
# input that leave the store unchanged. Also usage errors and help.
. tests/cli/lib.sh

N=$T/nasional
ok "init national" "$P" --dir "$N" init
# Each record is written at the office that owns its region (SPEC section 5, "Ownership") and
# read here at the national node, which gets it in a bundle (`at` in lib.sh).

# ---- kegiatan: every field
KEG='{"nama":"Sosialisasi RP3KP","strategi":"Penjaminan kualitas RP3KP","tujuan":"Pemahaman bersama",
 "target_hasil":"Draf RP3KP disepakati","tahun":2026,"bulan":3,"jumlah_peserta":45,
 "biaya":125000000,"sumber_biaya":"APBD","penanggung_jawab":"Dinas Perkim",
 "asumsi":"Anggaran tersedia","status":"rencana","gugus_tugas":"GT-1","indikator":"IND-1",
 "wilayah":"32.75"}'
# The records its references name (SPEC section 5, "References"): put checks they exist.
ok "put the task force GT-1 the kegiatan names" at "$N" 32.75 put gugus_tugas GT-1 --json \
	'{"nama":"Gugus Tugas Advokasi","wilayah":"32.75"}'
ok "put the indikator IND-1 the kegiatan names" at "$N" 32.75 put indikator IND-1 --json \
	'{"nama":"RP3KP ditetapkan","wilayah":"32.75"}'
outputs "put kegiatan with every field and a given key" '^keg-1$' \
	at "$N" 32.75 put kegiatan keg-1 --json "$KEG"
jcheck "get --json: one object, key, wilayah and fields at top level" \
	'isinstance(j, dict) and j["key"] == "keg-1" and j["wilayah"] == "32.75" and
	 j["nama"] == "Sosialisasi RP3KP" and j["biaya"] == 125000000 and type(j["biaya"]) is int
	 and j["tahun"] == 2026 and j["bulan"] == 3 and j["jumlah_peserta"] == 45 and
	 j["sumber_biaya"] == "APBD" and j["status"] == "rencana" and j["gugus_tugas"] == "GT-1"
	 and j["indikator"] == "IND-1" and j["asumsi"] == "Anggaran tersedia" and
	 j["tujuan"] == "Pemahaman bersama" and j["target_hasil"] == "Draf RP3KP disepakati" and
	 j["penanggung_jawab"] == "Dinas Perkim" and j["strategi"] == "Penjaminan kualitas RP3KP"
	 and "fields" not in j and "value" not in j' \
	"$P" --dir "$N" get kegiatan keg-1 --json
jcheck "get --json round-trips the input exactly (no extra or lost members; diubah, diubah_oleh and verifikasi added)" \
	"sorted(j.keys()) == sorted(['key', 'diubah', 'diubah_oleh', 'verifikasi'] + list($(printf '%s' "$KEG" | tr -d '\n' |
		python3 -c 'import json,sys; print(list(json.load(sys.stdin).keys()))')))" \
	"$P" --dir "$N" get kegiatan keg-1 --json
outputs "get (text) shows the fields" 'biaya +125000000' "$P" --dir "$N" get kegiatan keg-1
outputs "get (text) shows the region name" 'wilayah +32\.75 Kota Bekasi' \
	"$P" --dir "$N" get kegiatan keg-1
outputs "biggest rupiah amount (10^15) is accepted" '^keg-max$' \
	at "$N" 32.75 put kegiatan keg-max --json \
	'{"nama":"Besar","tahun":2026,"biaya":1000000000000000,"wilayah":"32.75"}'
jcheck "10^15 rupiah comes back exactly" 'j["biaya"] == 10**15' \
	"$P" --dir "$N" get kegiatan keg-max --json
outputs "put with a generated key prints it" '^[0-9A-Z]{26}$' \
	at "$N" 32.01 put kegiatan --json '{"nama":"Tanpa kunci","tahun":2026,"wilayah":"32.01"}'
GEN=$(cat "$OUT")
jcheck "the generated key gets the record" \
	"j['key'] == '$GEN' and j['wilayah'] == '32.01' and j['nama'] == 'Tanpa kunci'" \
	"$P" --dir "$N" get kegiatan "$GEN" --json
outputs "put without wilayah at the national node writes \"\"" '^nas-1$' \
	"$P" --dir "$N" put kegiatan nas-1 --json '{"nama":"Nasional","tahun":2026}'
jcheck "national default region is \"\"" 'j["wilayah"] == ""' \
	"$P" --dir "$N" get kegiatan nas-1 --json
ok "put kegiatan in 33.01" at "$N" 33.01 put kegiatan jateng-1 --json \
	'{"nama":"Jateng","tahun":2025,"wilayah":"33.01"}'
ok "put kegiatan in 32.75.01 (kecamatan)" at "$N" 32.75.01 put kegiatan kec-1 --json \
	'{"nama":"Kecamatan","tahun":2025,"wilayah":"32.75.01"}'
ok "put with the key in the JSON" at "$N" 32 put kegiatan --json \
	'{"key":"json-key","nama":"Kunci JSON","tahun":2025,"wilayah":"32"}'
jcheck "the JSON key is used" 'j["key"] == "json-key" and j["wilayah"] == "32"' \
	"$P" --dir "$N" get kegiatan json-key --json
outputs "put --replace replaces an existing record whole" '^keg-max$' at "$N" 32.75 \
	put kegiatan keg-max --replace --json '{"nama":"Diubah","tahun":2027,"wilayah":"32.75"}'
jcheck "get shows the new value, without the old fields" \
	'j["nama"] == "Diubah" and j["tahun"] == 2027 and "biaya" not in j' \
	"$P" --dir "$N" get kegiatan keg-max --json

# ---- arahan, rapat, kumuh, pokja, anggota
ARAHAN='{"judul":"Percepatan RP3KP","isi":"Setiap kabupaten/kota menetapkan RP3KP.\nBaris dua.",
 "dasar_hukum":"UU 1/2011","wilayah_sasaran":"32","batas_tindak_lanjut":"2026-12-31",
 "tanggal":"2026-01-15"}'
ok "put arahan (national, region \"\")" "$P" --dir "$N" put arahan ar-1 --json "$ARAHAN"
jcheck "get arahan --json" \
	'j["key"] == "ar-1" and j["wilayah"] == "" and j["wilayah_sasaran"] == "32" and
	 j["isi"].endswith("\nBaris dua.") and j["batas_tindak_lanjut"] == "2026-12-31" and
	 j["dasar_hukum"] == "UU 1/2011" and j["tanggal"] == "2026-01-15"' \
	"$P" --dir "$N" get arahan ar-1 --json
ok "put arahan with an empty wilayah_sasaran (whole country)" "$P" --dir "$N" put arahan ar-2 \
	--json '{"judul":"Semua","isi":"Untuk semua","wilayah_sasaran":""}'
ok "put rapat with a participant list" at "$N" 32.75 put rapat rp-1 --json \
	'{"judul":"Rapat koordinasi","tanggal":"2024-02-29","peserta":["Bappeda","Dinas PU","Ibu Siti Ünal"],"jumlah_peserta":3,"wilayah":"32.75"}'
jcheck "get rapat: list and UTF-8 kept" \
	'j["peserta"] == ["Bappeda", "Dinas PU", "Ibu Siti \u00dcnal"] and j["tanggal"] == "2024-02-29"' \
	"$P" --dir "$N" get rapat rp-1 --json
ok "put kumuh with a fractional area" at "$N" 32.75 put kumuh km-1 --json \
	'{"tahun":2025,"luas_ha":12.75,"jumlah_kk":120,"wilayah":"32.75.01.1001"}'
jcheck "get kumuh: luas_ha 12.75" 'j["luas_ha"] == 12.75 and j["wilayah"] == "32.75.01.1001"' \
	"$P" --dir "$N" get kumuh km-1 --json
ok "put pokja" at "$N" 32.75 put pokja pk-1 --json \
	'{"nama":"Pokja PKP Kota Bekasi","jenis":"PKP","sk_nomor":"SK 050/123","sk_tanggal":"2025-06-01","wilayah":"32.75"}'
ok "put anggota" at "$N" 32.75 put anggota ag-1 --json \
	'{"nama":"Budi","tim":"pelaksana","jabatan":"ketua","pokja":"pk-1","wilayah":"32.75"}'

# ---- list
jcheck "list --json is an array of objects with key and wilayah" \
	'isinstance(j, list) and len(j) == 7 and all(isinstance(o, dict) and "key" in o and
	 "wilayah" in o and "nama" in o and "tahun" in o for o in j)' \
	"$P" --dir "$N" list kegiatan --json
jcheck "list --json has one object per record, each key once" \
	"sorted(o['key'] for o in j) == sorted(['keg-1', 'keg-max', '$GEN', 'nas-1', 'jateng-1',
	 'kec-1', 'json-key'])" \
	"$P" --dir "$N" list kegiatan --json
jcheck "list --region 32: 32, 32.75, 32.75.01 and 32.01 records, no 33.x, no national" \
	"sorted(o['key'] for o in j) == sorted(['keg-1', 'keg-max', '$GEN', 'kec-1', 'json-key'])
	 and all(o['wilayah'] == '32' or o['wilayah'].startswith('32.') for o in j)" \
	"$P" --dir "$N" list kegiatan --region 32 --json
jcheck "list --region 32.75: 32.75 and 32.75.01 only" \
	"sorted(o['key'] for o in j) == ['kec-1', 'keg-1', 'keg-max']" \
	"$P" --dir "$N" list kegiatan --region 32.75 --json
jcheck "list --region 33" "[o['key'] for o in j] == ['jateng-1']" \
	"$P" --dir "$N" list kegiatan --region 33 --json
jcheck "list --region 34 (no records) is an empty array" 'j == []' \
	"$P" --dir "$N" list kegiatan --region 34 --json
jcheck "list of an empty collection is an empty array" 'j == []' \
	"$P" --dir "$N" list verifikasi --json
outputs "list (text) shows the key and region" '^keg-1 +32\.75 ' \
	"$P" --dir "$N" list kegiatan --region 32
for r in 32.7 3 abc 32. 32.75.1; do
	errs "list --region $r is refused (not a code)" "bukan kode wilayah" \
		"$P" --dir "$N" list kegiatan --region "$r"
	same "list --region $r exits 1" "$RC" 1
done
errs "list of an unknown collection is refused" "koleksi 'nope' tidak dikenal" "$P" --dir "$N" list nope
jcheck "list arahan --json" '[o["key"] for o in j] == ["ar-1", "ar-2"] or
	 sorted(o["key"] for o in j) == ["ar-1", "ar-2"]' "$P" --dir "$N" list arahan --json

# ---- del
ok "del kec-1 (at Kota Bekasi, whose record it is)" at "$N" 32.75 del kegiatan kec-1
errs "get after del exits 1" "tidak ada rekaman" "$P" --dir "$N" get kegiatan kec-1
same "get after del: exit 1" "$RC" 1
jcheck "list no longer shows it" "'kec-1' not in [o['key'] for o in j] and len(j) == 6" \
	"$P" --dir "$N" list kegiatan --json
errs "del again exits 1" "tidak ada rekaman" at "$N" 32.75 del kegiatan kec-1
fails "del of a missing key exits 1" 1 "$P" --dir "$N" del kegiatan no-such-key
fails "get of a missing key exits 1" 1 "$P" --dir "$N" get kegiatan no-such-key
ok "put again after a delete" at "$N" 32.75 put kegiatan kec-1 --json \
	'{"nama":"Lagi","tahun":2026,"wilayah":"32.75.01"}'
jcheck "the record is back with the new value" 'j["nama"] == "Lagi"' \
	"$P" --dir "$N" get kegiatan kec-1 --json

# ---- one key in two regions
ok "put dup in 32.75" at "$N" 32.75 put kegiatan dup --json \
	'{"nama":"Bekasi","tahun":2026,"wilayah":"32.75"}'
ok "put dup in 33.01" at "$N" 33.01 put kegiatan dup --json \
	'{"nama":"Cilacap","tahun":2026,"wilayah":"33.01"}'
errs "get of a key in two regions is ambiguous and lists them" "32\.75.*33\.01|33\.01.*32\.75" \
	"$P" --dir "$N" get kegiatan dup
same "ambiguous get exits 1" "$RC" 1
jcheck "get --region 33.01 resolves it" 'j["nama"] == "Cilacap" and j["wilayah"] == "33.01"' \
	"$P" --dir "$N" get kegiatan dup --region 33.01 --json
jcheck "get --region 32.75 resolves it" 'j["nama"] == "Bekasi" and j["wilayah"] == "32.75"' \
	"$P" --dir "$N" get kegiatan dup --region 32.75 --json
fails "get --region 32 (no record exactly there) exits 1" 1 \
	"$P" --dir "$N" get kegiatan dup --region 32
fails "del of an ambiguous key exits 1" 1 "$P" --dir "$N" del kegiatan dup
ok "del --region 33.01 (at Kabupaten Cilacap)" at "$N" 33.01 del kegiatan dup --region 33.01
jcheck "then get is no longer ambiguous" 'j["wilayah"] == "32.75"' \
	"$P" --dir "$N" get kegiatan dup --json

# ---- put --json - reads stdin
printf '%s\n' '{"nama":"Dari stdin","tahun":2026,"wilayah":"32.75"}' >"$T/in.json"
outputs "put --json - reads the record from stdin" '^stdin-1$' \
	at "$N" 32.75 put kegiatan stdin-1 --json - <"$T/in.json"
jcheck "the stdin record is stored" 'j["nama"] == "Dari stdin"' \
	"$P" --dir "$N" get kegiatan stdin-1 --json

# ---- bad input: refused, exit 1, a clear message, nothing changed
before=$(snapshot "$N")
nrec=$(printf '%s' "$before" | grep -c '"key"')
check "the snapshot sees the records ($nrec)" test "$nrec" -ge 15
refused() { # name pattern collection json
	errs "refused: $1" "$2" "$P" --dir "$N" put "$3" --json "$4"
	[ "$RC" -eq 1 ] || fail "refused: $1: exit status 1" "exit status was $RC"
}
refused "invalid JSON" "JSON tidak sah: teks berakhir sebelum nilai JSON selesai" kegiatan '{"nama":"a","tahun":2026,'
refused "trailing garbage" "JSON tidak sah: masih ada teks setelah nilai JSON" kegiatan '{"nama":"a","tahun":2026} x'
refused "JSON array instead of object" "objek JSON|'\\{' expected" kegiatan '[{"nama":"a","tahun":2026}]'
refused "JSON string instead of object" "objek JSON|'\\{' expected" kegiatan '"kegiatan"'
refused "empty input" "JSON tidak sah" kegiatan ''
refused "unknown collection" "koleksi 'proyek' tidak dikenal" proyek '{"nama":"a"}'
refused "unknown field" "'lokasi'" kegiatan '{"nama":"a","tahun":2026,"lokasi":"x"}'
refused "words for an int" "'tahun'.*bukan bilangan bulat" kegiatan '{"nama":"a","tahun":"dua ribu"}'
refused "float for an int" "'tahun'.*bilangan bulat" kegiatan '{"nama":"a","tahun":2026.5}'
refused "int for a string" "'nama': seharusnya teks, bukan bilangan bulat" kegiatan '{"nama":42,"tahun":2026}'
refused "bool for an int" "'biaya'" kegiatan '{"nama":"a","tahun":2026,"biaya":true}'
refused "null for a string" "'nama'" kegiatan '{"nama":null,"tahun":2026}'
refused "object for a string" "'nama'" kegiatan '{"nama":{"x":1},"tahun":2026}'
refused "number for a list" "'peserta'" rapat '{"judul":"a","tanggal":"2026-01-01","peserta":5}'
refused "number inside a list" "'peserta'" rapat '{"judul":"a","tanggal":"2026-01-01","peserta":["a",5]}'
refused "missing required field nama" "kolom wajib 'nama' tidak ada" kegiatan '{"tahun":2026}'
refused "missing required field tahun" "'tahun'" kegiatan '{"nama":"a"}'
refused "missing required wilayah_sasaran" "'wilayah_sasaran'" arahan '{"judul":"a","isi":"b"}'
refused "bulan 13 out of range" "'bulan'.*13" kegiatan '{"nama":"a","tahun":2026,"bulan":13}'
refused "bulan 0 out of range" "'bulan'" kegiatan '{"nama":"a","tahun":2026,"bulan":0}'
refused "tahun 1800 out of range" "'tahun'.*1800" kegiatan '{"nama":"a","tahun":1800}'
refused "negative biaya" "'biaya'" kegiatan '{"nama":"a","tahun":2026,"biaya":-1}'
refused "biaya above 10^15" "'biaya'" kegiatan '{"nama":"a","tahun":2026,"biaya":1000000000000001}'
refused "biaya far beyond int64" "'biaya'|bilangan bulat|JSON" kegiatan \
	'{"nama":"a","tahun":2026,"biaya":99999999999999999999999}'
refused "invalid date 2026-02-30" "2026-02-30" rapat '{"judul":"a","tanggal":"2026-02-30"}'
refused "invalid date 2025-02-29 (no leap year)" "2025-02-29" rapat '{"judul":"a","tanggal":"2025-02-29"}'
refused "date with a two-digit year" "'tanggal'.*tahun empat angka" rapat '{"judul":"a","tanggal":"30/01/26"}'
refused "enum value not in the list" "'status'" kegiatan '{"nama":"a","tahun":2026,"status":"tunda"}'
refused "wilayah_sasaran not a code" "'wilayah_sasaran'" arahan \
	'{"judul":"a","isi":"b","wilayah_sasaran":"32.7"}'
refused "bad reference key" "'gugus_tugas'" kegiatan '{"nama":"a","tahun":2026,"gugus_tugas":"a b"}'
refused "region not a code (32.7)" "bukan kode wilayah" kegiatan '{"nama":"a","tahun":2026,"wilayah":"32.7"}'
refused "region not a code (abc)" "bukan kode wilayah" kegiatan '{"nama":"a","tahun":2026,"wilayah":"abc"}'
refused "region not official (32.99)" "daftar resmi" kegiatan '{"nama":"a","tahun":2026,"wilayah":"32.99"}'
refused "region given as a number" "'wilayah'" kegiatan '{"nama":"a","tahun":2026,"wilayah":32}'
refused "duplicate JSON member" "anggota yang sama muncul dua kali" kegiatan '{"nama":"a","tahun":2026,"nama":"b"}'
refused "collection member disagrees with the command" "collection" kegiatan \
	'{"collection":"rapat","nama":"a","tahun":2026}'
refused "invalid UTF-8" "UTF-8|tidak sah" kegiatan "$(printf '{"nama":"\377\376","tahun":2026}')"
refused "NUL inside a string" "'nama'|NUL|tidak sah" kegiatan '{"nama":"a\u0000b","tahun":2026}'
big40k=$(head -c 40000 /dev/zero | tr '\0' x)
refused "40 KB in a str field (limit 1024)" "'nama'.*1024" kegiatan \
	"{\"nama\":\"$big40k\",\"tahun\":2026}"
big1025=$(head -c 1025 /dev/zero | tr '\0' x)
refused "1025 bytes in a str field" "'nama'.*1024" kegiatan "{\"nama\":\"$big1025\",\"tahun\":2026}"
printf '{"nama":"a","tahun":2026,"tujuan":"%s"}' "$(head -c 71680 /dev/zero | tr '\0' y)" \
	>"$T/big70k.json"
errs "refused: 70 KB in a text field (limit 32 KB)" "'tujuan'.*32768" \
	"$P" --dir "$N" put kegiatan --json - <"$T/big70k.json"
same "refused: 70 KB text: exit 1" "$RC" 1
printf '{"nama":"a","tahun":2026,"tujuan":"%s"}' "$(head -c 32769 /dev/zero | tr '\0' y)" \
	>"$T/big32k.json"
fails "refused: 32769 bytes in a text field" 1 "$P" --dir "$N" put kegiatan --json - <"$T/big32k.json"
for k in "a b" "ä" "a/b" "" "$(head -c 129 /dev/zero | tr '\0' k)"; do
	errs "refused: bad key '$(printf '%.20s' "$k")'" "kunci" \
		"$P" --dir "$N" put kegiatan "$k" --json '{"nama":"a","tahun":2026}'
	same "refused: bad key '$(printf '%.20s' "$k")': exit 1" "$RC" 1
done
errs "refused: bad key in the JSON" "kunci" "$P" --dir "$N" put kegiatan --json \
	'{"key":"a b","nama":"a","tahun":2026}'
errs "refused: JSON key disagrees with the command's" "key" "$P" --dir "$N" put kegiatan k1 \
	--json '{"key":"k2","nama":"a","tahun":2026}'
errs "refused: invalid JSON on stdin" "JSON tidak sah" "$P" --dir "$N" put kegiatan --json - \
	</dev/null
same "refused inputs changed nothing" "$(snapshot "$N")" "$before"
ok "a good put still works after the refusals" "$P" --dir "$N" put kegiatan ok-1 --json \
	'{"nama":"a","tahun":2026}'
same "limits are inclusive: 1024-byte str and 32 KB text accepted" \
	"$(printf '{"nama":"%s","tahun":2026,"tujuan":"%s"}' \
		"$(head -c 1024 /dev/zero | tr '\0' x)" "$(head -c 32768 /dev/zero | tr '\0' y)" |
		"$P" --dir "$N" put kegiatan lim-1 --json - 2>&1)" "lim-1"

# ---- a region outside the node's (a certified kota)
K=$T/kota
"$P" --dir "$K" init --region 32.75 >/dev/null 2>&1
"$P" --dir "$K" request -o "$T/k.req" >/dev/null 2>&1
"$P" --dir "$N" certify "$T/k.req" -o "$T/k.cert" >/dev/null 2>&1
ok "a kota 32.75 certified by the national node" "$P" --dir "$K" install-cert "$T/k.cert"
ok "kota put in 32.75" "$P" --dir "$K" put kegiatan k-1 --json '{"nama":"a","tahun":2026}'
before=$(snapshot "$K")
errs "kota put in 32.73 refused (outside)" "di luar wilayah node ini" "$P" --dir "$K" put kegiatan --json \
	'{"nama":"a","tahun":2026,"wilayah":"32.73"}'
same "outside: exit 1" "$RC" 1
errs "kota put in 32 refused (outside)" "di luar wilayah node ini" "$P" --dir "$K" put kegiatan --json \
	'{"nama":"a","tahun":2026,"wilayah":"32"}'
errs "kota put in \"\" refused (outside)" "di luar wilayah node ini" "$P" --dir "$K" put kegiatan --json \
	'{"nama":"a","tahun":2026,"wilayah":""}'
same "outside writes changed nothing" "$(snapshot "$K")" "$before"

# ---- usage errors: exit 2
errs "unknown command exits 2" "tidak ada perintah" "$P" --dir "$N" frobnicate
same "unknown command: exit 2" "$RC" 2
fails "no command exits 2" 2 "$P" --dir "$N"
errs "unknown option exits 2" "opsi '--frob' tidak dikenal" "$P" --dir "$N" list kegiatan --frob
same "unknown option: exit 2" "$RC" 2
fails "unknown global option exits 2" 2 "$P" --frob list kegiatan
fails "flag with a value exits 2" 2 "$P" --dir "$N" list kegiatan --json=yes
errs "missing argument (get without a key) exits 2" "argumen kurang" \
	"$P" --dir "$N" get kegiatan
same "missing argument: exit 2" "$RC" 2
fails "missing argument (list without a collection) exits 2" 2 "$P" --dir "$N" list
fails "missing argument (del) exits 2" 2 "$P" --dir "$N" del kegiatan
fails "missing option value (get --region) exits 2" 2 "$P" --dir "$N" get kegiatan keg-1 --region
errs "put without --json exits 2" "penggunaan: pokjactl put" "$P" --dir "$N" put kegiatan
same "put without --json: exit 2" "$RC" 2
fails "too many arguments exits 2" 2 "$P" --dir "$N" get kegiatan a b
fails "help for an unknown command exits 2" 2 "$P" help frobnicate

# ---- forgiving input: the forms people write, and every problem of a record at once
before=$(snapshot "$N")
errs "three bad fields are all reported at once" "rekaman itu memiliki 3 masalah; tidak ada yang disimpan" \
	"$P" --dir "$N" put kegiatan --json \
	'{"nama":"a","tahun":2026,"bulan":"Maretz","biaya":"1.5","status":"tunda"}'
same "... with exit status 1" "$RC" 1
stderr_has "... the month, with the one meant" \
	"put: kolom 'bulan': \"Maretz\" bukan bulan; maksud Anda Maret\\?"
stderr_has "... the rupiah, with how dots group" \
	"put: kolom 'biaya': \"1\\.5\" bukan bilangan bulat: titik memisahkan ribuan"
stderr_has "... the choice, with the allowed ones" \
	"put: kolom 'status': \"tunda\" bukan salah satu dari \"rencana\", \"berjalan\", \"selesai\", \"batal\""
same "... each on its own line, then the count" "$(grep -c "^pokjactl put: " "$ERR")" 4
errs "a bad region and bad fields are reported together" "rekaman itu memiliki 2 masalah" \
	"$P" --dir "$N" put kegiatan --json '{"nama":"a","tahun":"dua","wilayah":"3275"}'
stderr_has "... the region written without dots, with the code meant" \
	"wilayah: '3275' bukan kode wilayah; maksud Anda 32\\.75 \\(Kota Bekasi\\)\\?"
stderr_has "... and the field" "kolom 'tahun': \"dua\" bukan bilangan bulat"
errs "a region field written without dots is refused with the code meant" \
	"kolom 'wilayah_sasaran': '3275' bukan kode wilayah; maksud Anda 32\\.75 \\(Kota Bekasi\\)\\?" \
	"$P" --dir "$N" put arahan --json '{"judul":"a","isi":"b","wilayah_sasaran":"3275"}'
errs "a region field off the official list is refused" \
	"kolom 'wilayah_rekaman': wilayah '32\\.99' tidak ada dalam daftar resmi Kemendagri" \
	"$P" --dir "$N" put verifikasi --json \
	'{"koleksi":"kumuh","kunci":"k","wilayah_rekaman":"32.99","hasil":"diterima"}'
errs "an impossible date is refused, saying why" \
	"kolom 'tanggal': \"31 Februari 2026\" bukan tanggal: Februari 2026 tidak punya tanggal 31" \
	"$P" --dir "$N" put rapat --json '{"judul":"a","tanggal":"31 Februari 2026"}'
errs "a choice close to an allowed one is suggested" "maksud Anda \"disahkan\"\\?" \
	"$P" --dir "$N" put dokumen --json '{"jenis":"SK","judul":"a","status":"disahkn"}'
same "refused forgiving input changed nothing" "$(snapshot "$N")" "$before"

ok "Rp 15.000.000, Maret and a day-first date are read" at "$N" 32.75 put kegiatan keg-rp \
	--json '{"wilayah":"32.75","nama":"Sosialisasi","tahun":"2026","bulan":"Maret","biaya":"Rp 15.000.000","status":" Selesai "}'
jcheck "... stored as 15000000, 3 and selesai" \
	'j["biaya"] == 15000000 and j["bulan"] == 3 and j["tahun"] == 2026 and j["status"] == "selesai"' \
	"$P" --dir "$N" get kegiatan keg-rp --json
ok "Disahkan and 17 Agustus 2026 are read" "$P" --dir "$N" put dokumen dok-case \
	--json '{"jenis":"perda","judul":"Perda RP3KP","status":"Disahkan","tanggal":"17 Agustus 2026"}'
jcheck "... stored lower case, the choice as the schema spells it, the date as YYYY-MM-DD" \
	'j["status"] == "disahkan" and j["jenis"] == "Perda" and j["tanggal"] == "2026-08-17"' \
	"$P" --dir "$N" get dokumen dok-case --json
ok "edit --set reads the same forms" at "$N" 32.75 edit kegiatan keg-rp \
	--set "biaya=Rp2.500.000,-" --set bulan=agt --set status=BATAL
jcheck "... stored as 2500000, 8 and batal" \
	'j["biaya"] == 2500000 and j["bulan"] == 8 and j["status"] == "batal"' \
	"$P" --dir "$N" get kegiatan keg-rp --json

# ---- help: the usage line is the documented one
# The README's "Commands" section (a markdown table: `pokjactl put ...`, with "|" escaped as
# "\|") is the reference when it exists; else the command table in cli/main.c.
table=$(sed -n 's/^[[:space:]]*{"put", cmd_put, "\(.*\)",$/\1/p' cli/main.c)
check "found put's usage in cli/main.c ($table)" test -n "$table"
usage=$table
if [ -f README.md ]; then
	usage=$(sed -n 's/.*`pokjactl \(put \[[^`]*\)`.*/\1/p' README.md | sed 's/\\|/|/g' |
		head -n 1)
	check "found put's usage in README.md ($usage)" test -n "$usage"
	same "README and the command table agree on put's usage" "$usage" "$table"
fi
outputs "pokjactl help put exits 0" . "$P" help put
same "help put prints the usage line" "$(head -n 1 "$OUT")" "penggunaan: pokjactl $usage"
outputs "pokjactl put --help exits 0" . "$P" put --help
same "put --help prints the usage line" "$(head -n 1 "$OUT")" "penggunaan: pokjactl $usage"
same "help put and put --help print the same" "$("$P" help put 2>&1)" "$("$P" put --help 2>&1)"
outputs "pokjactl help lists every command" "pokjactl import" "$P" help
outputs "pokjactl --help exits 0" "penggunaan: pokjactl" "$P" --help

done_testing
