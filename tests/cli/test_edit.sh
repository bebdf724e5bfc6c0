#!/bin/sh
# Safe edits (issue 12): `edit` changes some fields and keeps the others; `put` of an existing
# key is refused unless --replace; `import` leaves lines equal to the stored record out and
# refuses lines that would change one unless --replace; every refusal names the field or line and leaves the store as it was. Also
# `history` and the author of each version on one node, and `log`'s records.
. tests/cli/lib.sh

# The records are Kota Bekasi's, written at its own node (SPEC section 5, "Ownership").
ok "init national" "$P" --dir "$T/nasional" init --name Nasional
ok "Kota Bekasi's node, certified below it" office "$T/nasional" 32.75
N=$T/offices/n-32.75

KEG='{"wilayah":"32.75","nama":"Sosialisasi","tahun":2026,"bulan":3,"jumlah_peserta":40,
"biaya":5000000,"sumber_biaya":"APBD","status":"rencana"}'
outputs "put a kegiatan" '^keg-1$' "$P" --dir "$N" put kegiatan keg-1 --json "$KEG"

# ---- edit keeps the untouched fields -------------------------------------------------------

outputs "edit nama" '^kegiatan/keg-1 di wilayah 32\.75 diubah: nama \(changeset 2\)$' \
	"$P" --dir "$N" edit kegiatan keg-1 --set "nama=Sosialisasi RP3KP"
jcheck "get --json: nama changed, every other field as it was" \
	'{k: v for k, v in j.items() if k not in ("diubah", "diubah_oleh", "verifikasi")} == {"key": "keg-1",
	 "wilayah": "32.75", "nama": "Sosialisasi RP3KP", "tahun": 2026, "bulan": 3,
	 "jumlah_peserta": 40, "biaya": 5000000, "sumber_biaya": "APBD", "status": "rencana"}' \
	"$P" --dir "$N" get kegiatan keg-1 --json
jcheck "edit --json: several fields, by their types; prints the record as get --json" \
	'j["bulan"] == 4 and type(j["bulan"]) is int and j["biaya"] == 7500000 and
	 j["status"] == "berjalan" and "sumber_biaya" not in j and j["nama"] == "Sosialisasi RP3KP"
	 and j["jumlah_peserta"] == 40 and j["diubah_oleh"]["nama"] == "Kota Bekasi"' \
	"$P" --dir "$N" edit kegiatan keg-1 --set bulan=4 --set biaya=7500000 \
	--set status=berjalan --unset sumber_biaya --json
jcheck "... and get agrees" '"sumber_biaya" not in j and j["bulan"] == 4' \
	"$P" --dir "$N" get kegiatan keg-1 --json

# Lists: a comma list (items trimmed) or a JSON array.
outputs "put a rapat" '^rap-1$' "$P" --dir "$N" put rapat rap-1 \
	--json '{"wilayah":"32.75","judul":"Rapat pleno","tanggal":"2026-03-02"}'
ok "edit a list field as a comma list" "$P" --dir "$N" edit rapat rap-1 \
	--set "peserta=Bappeda, Dinas PU ,,Dinas Perkim"
jcheck "... gives the trimmed items" 'j["peserta"] == ["Bappeda", "Dinas PU", "Dinas Perkim"]' \
	"$P" --dir "$N" get rapat rap-1 --json
ok "edit a list field as a JSON array" "$P" --dir "$N" edit rapat rap-1 \
	--set 'peserta=["Bappeda, bidang fisik","BPN"]'
jcheck "... keeps items with commas" 'j["peserta"] == ["Bappeda, bidang fisik", "BPN"]' \
	"$P" --dir "$N" get rapat rap-1 --json

# ---- refusals leave the store as it was ----------------------------------------------------

BEFORE=$(snapshot "$N")
LIST_BEFORE=$("$P" --dir "$N" list kegiatan --json)
errs "put of an existing key is refused, with the way out" \
	"sudah ada di wilayah 32\.75; .*pokjactl edit kegiatan keg-1 --set FIELD=VALUE.*put --replace" \
	"$P" --dir "$N" put kegiatan keg-1 --json '{"wilayah":"32.75","nama":"Lain","tahun":2027}'
fails "... with exit status 1" 1 \
	"$P" --dir "$N" put kegiatan keg-1 --json '{"wilayah":"32.75","nama":"Lain","tahun":2027}'
errs "edit of a record that does not exist" "tidak ada rekaman kegiatan/keg-nope" \
	"$P" --dir "$N" edit kegiatan keg-nope --set nama=X
errs "edit of an unknown field names it and says where the fields are" \
	"'warna' bukan kolom koleksi 'kegiatan' \(lihat 'pokjactl schema kegiatan'\)" \
	"$P" --dir "$N" edit kegiatan keg-1 --set warna=merah
errs "edit with a misspelt month names the field and the month meant" \
	"kolom 'bulan': \"maretz\" bukan bulan; maksud Anda Maret\\? \\(1 sampai 12" \
	"$P" --dir "$N" edit kegiatan keg-1 --set bulan=maretz
errs "edit out of range names the field" "kolom 'bulan'.*13" \
	"$P" --dir "$N" edit kegiatan keg-1 --set bulan=13
errs "edit with a value not among the choices names the field" "status" \
	"$P" --dir "$N" edit kegiatan keg-1 --set status=tertunda
errs "unsetting a required field is refused" \
	"kolom 'nama' wajib dalam koleksi 'kegiatan' dan tidak dapat dikosongkan; beri nilai lain dengan --set nama=NILAI" \
	"$P" --dir "$N" edit kegiatan keg-1 --unset nama
errs "a list field refuses a JSON value that is not an array" "kolom 'peserta': \"\\[1\" bukan daftar" \
	"$P" --dir "$N" edit rapat rap-1 --set 'peserta=[1'
errs "the region is not a field edit changes" "'wilayah' bukan kolom: edit tidak dapat memindahkan" \
	"$P" --dir "$N" edit kegiatan keg-1 --set wilayah=32
errs "one bad option refuses the whole edit" "kolom 'bulan': \"x\" bukan bulan" \
	"$P" --dir "$N" edit kegiatan keg-1 --set nama=Baru --set bulan=x
fails "edit without --set or --unset is a usage error" 2 "$P" --dir "$N" edit kegiatan keg-1
fails "the same field twice is a usage error" 2 \
	"$P" --dir "$N" edit kegiatan keg-1 --set nama=A --unset nama
outputs "an edit that changes nothing writes nothing" "tidak ada perubahan" \
	"$P" --dir "$N" edit kegiatan keg-1 --set bulan=4
same "list --json is as it was after every refusal" "$LIST_BEFORE" \
	"$("$P" --dir "$N" list kegiatan --json)"
same "the whole store is as it was (log, records)" "$BEFORE" "$(snapshot "$N")"

outputs "put --replace replaces the whole record" '^keg-1$' "$P" --dir "$N" put kegiatan keg-1 \
	--replace --json '{"wilayah":"32.75","nama":"Diganti","tahun":2027}'
jcheck "... the fields left out are gone" \
	'j["nama"] == "Diganti" and j["tahun"] == 2027 and "bulan" not in j and "biaya" not in j' \
	"$P" --dir "$N" get kegiatan keg-1 --json
ok "a deleted record" "$P" --dir "$N" del kegiatan keg-1
outputs "... may be put again without --replace" '^keg-1$' "$P" --dir "$N" put kegiatan keg-1 \
	--json '{"wilayah":"32.75","nama":"Dihidupkan","tahun":2028}'

# ---- import: adds records, leaves unchanged ones out, refuses changes by line, --replace -------

cat >"$T/a.jsonl" <<'JSONL'
{"collection":"kegiatan","key":"imp-1","wilayah":"32.75","nama":"Impor satu","tahun":2026}
{"collection":"kegiatan","wilayah":"32.75","nama":"Tanpa kunci","tahun":2026}
JSONL
cat >"$T/a2.jsonl" <<'JSONL'
{"collection":"kegiatan","key":"imp-1","wilayah":"32.75","nama":"Impor satu (diubah)","tahun":2026}
{"collection":"kegiatan","wilayah":"32.75","nama":"Tanpa kunci","tahun":2026}
JSONL
outputs "import a file" "^2 rekaman diimpor" "$P" --dir "$N" import "$T/a.jsonl"
BEFORE=$(snapshot "$N")
errs "a line that would change an existing record is refused at its line" \
	"a2\.jsonl:1: rekaman kegiatan/imp-1 sudah ada di wilayah 32\.75 dan baris ini mengubahnya" \
	"$P" --dir "$N" import "$T/a2.jsonl"
stderr_has "... with a count and the way out" \
	"1 baris akan mengubah rekaman yang sudah ada atau menyebut satu rekaman dua kali; tidak ada yang diimpor \(untuk memperbarui rekaman dari hasil ekspor yang disunting gunakan --replace"
cat >"$T/b.jsonl" <<'JSONL'
{"collection":"kegiatan","key":"imp-2","wilayah":"32.75","nama":"Dua","tahun":2026}

{"collection":"kegiatan","key":"imp-2","wilayah":"32.75","nama":"Dua lagi","tahun":2026}
JSONL
errs "a record named twice in one file is refused by line" "b\.jsonl:3: rekaman yang sama dengan baris 1" \
	"$P" --dir "$N" import "$T/b.jsonl"
same "nothing was imported by either" "$BEFORE" "$(snapshot "$N")"
outputs "importing the same file again leaves the unchanged line out (the keyless one is new)" \
	"^1 rekaman diimpor dalam 1 changeset .*; 1 tidak berubah, dilewati" "$P" --dir "$N" import "$T/a.jsonl"
jcheck "... imp-1 as it was" 'j["nama"] == "Impor satu"' "$P" --dir "$N" get kegiatan imp-1 --json
outputs "import --replace replaces existing records" "^2 rekaman diimpor" \
	"$P" --dir "$N" import --replace "$T/a2.jsonl"
jcheck "... (imp-1 is the file's now)" 'j["nama"] == "Impor satu (diubah)"' \
	"$P" --dir "$N" get kegiatan imp-1 --json
outputs "import --replace: the last line of a record wins, the earlier left out" \
	"^1 rekaman diimpor .*; 1 digantikan baris berikutnya untuk rekaman yang sama, dilewati" \
	"$P" --dir "$N" import "$T/b.jsonl" --replace
jcheck "... (imp-2 is the last line's)" 'j["nama"] == "Dua lagi"' \
	"$P" --dir "$N" get kegiatan imp-2 --json
jcheck "lines without a key get a new key at each import (three 'Tanpa kunci' now)" \
	'sum(1 for o in j if o["nama"] == "Tanpa kunci") == 3' "$P" --dir "$N" list kegiatan --json

# ---- history and authors on one node -------------------------------------------------------

jcheck "history --json: every version of keg-1, oldest first, a delete among them" \
	'[v["version"] for v in j["versions"]] == [1, 2, 3, 4, 5, 6] and
	 [v["deleted"] for v in j["versions"]] == [False] * 4 + [True, False] and
	 all(v["diubah_oleh"] == {"nama": "Kota Bekasi", "wilayah": "32.75", "kunci": v["origin"][:16]}
	     for v in j["versions"]) and
	 [v["diubah"] for v in j["versions"]] == sorted(v["diubah"] for v in j["versions"])' \
	"$P" --dir "$N" history kegiatan keg-1 --json
jcheck "history --json: version 2 changed nama only, with the old and new values" \
	'j["versions"][1]["changes"] == [{"field": "nama", "change": "changed",
	  "old": "Sosialisasi", "new": "Sosialisasi RP3KP"}]' \
	"$P" --dir "$N" history kegiatan keg-1 --json
jcheck "history --json: version 3 changed, added and removed fields" \
	'sorted((c["field"], c["change"], c["old"], c["new"]) for c in j["versions"][2]["changes"])
	 == [("biaya", "changed", 5000000, 7500000), ("bulan", "changed", 3, 4),
	     ("status", "changed", "rencana", "berjalan"), ("sumber_biaya", "removed", "APBD", None)]' \
	"$P" --dir "$N" history kegiatan keg-1 --json
jcheck "history --json: the version after the delete adds every field again" \
	'j["versions"][4]["changes"] == [] and
	 {c["field"] for c in j["versions"][5]["changes"] if c["change"] == "added"} == {"nama", "tahun"}' \
	"$P" --dir "$N" history kegiatan keg-1 --json
outputs "history (text): the author, a changed field old -> new" \
	'~ nama: Sosialisasi -> Sosialisasi RP3KP' "$P" --dir "$N" history kegiatan keg-1
stdout_has "... each version with time and author" \
	'^versi 2  20[0-9-]+T[0-9:.]+Z  Kota Bekasi \(32\.75\), kunci [0-9a-f]{16}, changeset 2$'
stdout_has "... a delete" '^  dihapus$'
stdout_has "... and the count" '^\(6 versi\)$'
ok "delete keg-1 again" "$P" --dir "$N" del kegiatan keg-1
jcheck "a deleted record still has its history" \
	'len(j["versions"]) == 7 and j["versions"][-1]["deleted"]' \
	"$P" --dir "$N" history kegiatan keg-1 --json
errs "history of a record never written" "tidak ada rekaman kegiatan/keg-never" \
	"$P" --dir "$N" history kegiatan keg-never
outputs "get (text) shows who changed it and when" \
	'diubah_oleh +Kota Bekasi \(32\.75\), kunci [0-9a-f]{16}$' "$P" --dir "$N" get kegiatan imp-1
stdout_has "... and diubah" 'diubah +20[0-9-]+T[0-9:.]+Z$'
jcheck "list --json: every record has diubah_oleh and diubah" \
	'len(j) > 0 and all(o["diubah_oleh"]["nama"] == "Kota Bekasi" and o["diubah"].endswith("Z")
	 for o in j)' "$P" --dir "$N" list kegiatan --json
outputs "log names each changeset's record" '  kegiatan 32\.75/keg-1$' "$P" --dir "$N" log
stdout_has "... a delete with a minus" '  -kegiatan 32\.75/keg-1$'
stdout_has "... and a bulk changeset's count" 'kegiatan 32\.75/imp-1 \(\+1 lagi\)$'
jcheck "log --json lists every op's record" \
	'any(c["records"] == [{"collection": "kegiatan", "wilayah": "32.75", "key": "keg-1",
	     "deleted": True}] for c in j)' "$P" --dir "$N" log --json
ok "verify: the store is sound after all this" "$P" --dir "$N" verify

done_testing
