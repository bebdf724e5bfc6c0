#!/bin/sh
# The language of pokjactl (cli/i18n.h): Indonesian by default, whatever the locale says unless
# it names English (LANG unset, C, C.UTF-8, id_ID.UTF-8 whether installed or not); English with
# LANG=en_US.UTF-8, LANGUAGE=en or --lang en. The catalog compiles (msgfmt --check), the
# template is current, and the files done hold no untranslated message. Numbers in reports and
# JSON keys are the same in every language.
. tests/cli/lib.sh

# Runs pokjactl with only the given locale variables set.
inloc() { # VAR=VALUE... -- ARGS...
	_env=""
	while [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG $_env "$P" "$@"
}

for loc in "" LANG=C LANG=C.UTF-8 LANG=POSIX LC_ALL=C LANG=id_ID.UTF-8 "LANG=C LANGUAGE=id"; do
	outputs "help in Indonesian with ${loc:-no locale set}" '^penggunaan: pokjactl del ' \
		inloc $loc -- help del
	stdout_has "... the help text too" '^Menghapus rekaman'
done
for loc in LANG=en_US.UTF-8 LC_ALL=en_GB.UTF-8 LC_MESSAGES=en_US.UTF-8 LANGUAGE=en \
	"LANG=C LANGUAGE=en"; do
	outputs "help in English with $loc" '^usage: pokjactl del ' inloc $loc -- help del
	stdout_has "... the help text too" '^Deletes a record'
done
outputs "--lang en gives English on a C locale" '^usage: pokjactl del ' \
	inloc LANG=C -- --lang en help del
outputs "--lang=en after the command too" '^Deletes a record' inloc -- help del --lang=en
outputs "--lang id beats LANG=en_US.UTF-8" '^penggunaan: pokjactl del ' \
	inloc LANG=en_US.UTF-8 -- --lang id help del
errs "--lang fr is a usage error" "--lang 'fr'" inloc -- --lang fr help
check "... exit status 2" test "$RC" -eq 2
outputs "the overview in Indonesian" '^Perintah:$' inloc -- help

# Errors: the common ones (cli/util.c, recnorm.c, recfind.c) in both languages.
errs "a bad region code, in Indonesian" \
	"pokjactl rekap: wilayah '32\.7' bukan kode wilayah \(contoh: 32, 32\.75, 32\.75\.01, 32\.75\.01\.1001; \"\" untuk seluruh Indonesia\)" \
	inloc LANG=C.UTF-8 -- --dir "$T/none" rekap kegiatan --region 32.7
errs "... and in English" "'32\.7' is not a region code \(forms: 32, 32\.75" \
	inloc LANG=en_US.UTF-8 -- --dir "$T/none" rekap kegiatan --region 32.7
errs "an unknown option, in Indonesian, with the usage line" "opsi '--nope' tidak dikenal" \
	inloc -- info --nope
stderr_has "... and the usage line" '^penggunaan: pokjactl info '

ok "init a national node" "$P" --dir "$T/n" init
ok "put a kegiatan" "$P" --dir "$T/n" put kegiatan keg-1 --json \
	'{"nama":"Rapat koordinasi","tahun":2026,"jumlah_peserta":1250,"biaya":"Rp 15.000.000","sumber_biaya":"APBD","status":"selesai"}'
errs "no record, in Indonesian" "^pokjactl get: tidak ada rekaman kegiatan/keg-2$" \
	"$P" --dir "$T/n" get kegiatan keg-2
errs "... in English" "^pokjactl get: no record kegiatan/keg-2$" \
	"$P" --dir "$T/n" --lang en get kegiatan keg-2

# The library's messages (daemon/, proto/) and the plain output of status, in both languages.
errs "a daemon library message, in Indonesian" \
	"^pokjactl status: .*/none: tidak ada node di sini \\(jalankan 'pokjactl init' terlebih dahulu\\)$" \
	"$P" --dir "$T/none" status
errs "... in English" "^pokjactl status: .*/none: no node here \\(run 'pokjactl init' first\\)$" \
	"$P" --dir "$T/none" --lang en status
ok "a bundle" "$P" --dir "$T/n" bundle create -o "$T/b.bundle"
# One byte of its signature changed (the signature ends the file).
printf 'x' | dd of="$T/b.bundle" bs=1 seek=$(($(wc -c <"$T/b.bundle") - 5)) conv=notrunc 2>/dev/null
errs "a protocol library message (a bundle changed after it was signed), in Indonesian" \
	"tanda tangan bundel tidak valid" "$P" --dir "$T/n" bundle apply "$T/b.bundle"
errs "... in English" "the bundle's signature does not verify" \
	"$P" --dir "$T/n" --lang en bundle apply "$T/b.bundle"
outputs "status in Indonesian" "^kunci: +[0-9a-f]{64}$" "$P" --dir "$T/n" status
stdout_has "... names the level and the running daemon in Indonesian" \
	"^pokjad: +TIDAK BERJALAN di folder ini"
outputs "... and in English" "^key: +[0-9a-f]{64}$" "$P" --dir "$T/n" --lang en status
stdout_has "... English too" "^pokjad: +NOT RUNNING on this folder"
outputs "a region's level in Indonesian in text" "^tingkat: provinsi$" "$P" wilayah 32
outputs "... in English with --lang en" "^level: +province$" "$P" --lang en wilayah 32
jcheck "... and as it is in JSON in both" 'j["level"] == "province"' "$P" wilayah 32 --json

errs "jansson's refusal of a JSON text, in Indonesian" \
	"JSON tidak sah: anggota yang sama muncul dua kali dalam satu objek \\(baris 1, kolom" \
	"$P" --dir "$T/n" put kegiatan k-dup --json '{"nama":"a","tahun":2026,"nama":"b"}'
errs "... and as jansson says it in English" "invalid JSON: duplicate object key" \
	"$P" --dir "$T/n" --lang en put kegiatan k-dup --json '{"nama":"a","tahun":2026,"nama":"b"}'

# Numbers and the machine formats do not move with the language or the locale.
for loc in "" LANG=id_ID.UTF-8 LANG=en_US.UTF-8 LC_ALL=de_DE.UTF-8; do
	outputs "rupiah as 15.000.000 with ${loc:-no locale set}" '15\.000\.000' \
		inloc $loc -- --dir "$T/n" rekap kegiatan
	stdout_has "... participants as 1.250" '1\.250'
done
outputs "the report's heading in Indonesian" '^Rekap kegiatan di Indonesia, semua tahun, per provinsi$' \
	inloc LANG=C -- --dir "$T/n" rekap kegiatan
stdout_has "... its columns too" '^WILAYAH +NAMA +KEGIATAN .* PESERTA +BIAYA +BIAYA BATAL$'
outputs "... and in English" '^Recap of kegiatan in Indonesia, all years, by provinsi$' \
	inloc LANG=en_US.UTF-8 -- --dir "$T/n" rekap kegiatan
stdout_has "... its columns too" '^WILAYAH +NAME +KEGIATAN '
outputs "the page to print says it is Indonesian" '<html lang="id">' \
	inloc -- --dir "$T/n" rekap kegiatan --format html
outputs "... or English" '<html lang="en">' inloc -- --dir "$T/n" rekap kegiatan --format html --lang en
inloc LANG=C -- --dir "$T/n" rekap kegiatan --json >"$T/id.json"
inloc LANG=en_US.UTF-8 -- --dir "$T/n" rekap kegiatan --json >"$T/en.json"
check "rekap --json is the same in both languages" cmp "$T/id.json" "$T/en.json"
inloc LANG=C -- --dir "$T/n" rekap kegiatan --csv >"$T/id.csv"
inloc LANG=en_US.UTF-8 -- --dir "$T/n" rekap kegiatan --csv >"$T/en.csv"
check "rekap --csv is the same in both languages" cmp "$T/id.csv" "$T/en.csv"

# The schema's descriptions (proto/schema.c, cmd_template.c): in the reader's language where
# people read them (schema text, the xlsx template's 'kolom' sheet), English as the table has
# them in JSON, which scripts and SPEC.md's Appendix A read.
outputs "schema kegiatan describes its fields in Indonesian" \
	'^  biaya +int +0\.\.[0-9]+  biaya dalam rupiah$' inloc -- schema kegiatan
stdout_has "... and the collection" '^kegiatan: kegiatan: tujuan, waktu, peserta, biaya, status$'
stdout_has "... a ref's range too" '^  gugus_tugas +ref +rujukan ke gugus_tugas \(di sini atau di atas\)  kunci gugus tugas'
outputs "... and in English with --lang en" '^  biaya +int +0\.\.[0-9]+  cost in rupiah$' \
	inloc -- --lang en schema kegiatan
outputs "schema lists the collections in Indonesian" '^kumuh +kawasan kumuh suatu kelurahan' \
	inloc -- schema
inloc LANG=C -- schema --json >"$T/schema-id.json"
inloc LANG=en_US.UTF-8 -- schema --json >"$T/schema-en.json"
check "schema --json is the same in both languages" cmp "$T/schema-id.json" "$T/schema-en.json"
jcheck "... with the English descriptions and ranges" \
	'[f for f in j["fields"] if f["name"] == "biaya"][0]["doc"] == "cost in rupiah"
	 and [f for f in j["fields"] if f["name"] == "gugus_tugas"][0]["range"] == "ref to gugus_tugas (here or above)"
	 and j["doc"].startswith("activity:")' inloc -- schema kegiatan --json
inloc -- template kegiatan --format json >"$T/tpl-id.json"
inloc -- --lang en template kegiatan --format json >"$T/tpl-en.json"
check "template --format json is the same in both languages" cmp "$T/tpl-id.json" "$T/tpl-en.json"
PYX=$(openpyxl_python)
ok "template kegiatan --format xlsx" inloc -- template kegiatan --format xlsx -o "$T/tpl-id.xlsx"
ok "... and with --lang en" inloc -- --lang en template kegiatan --format xlsx -o "$T/tpl-en.xlsx"
if [ -n "$PYX" ]; then
	check "the xlsx template describes its columns in Indonesian, or English with --lang en" \
		"$PYX" - "$T/tpl-id.xlsx" "$T/tpl-en.xlsx" <<'PY'
import sys, openpyxl
ids, ens = ({r[0]: r[3] for r in openpyxl.load_workbook(f)["kolom"].iter_rows(min_row=2, values_only=True)}
            for f in sys.argv[1:])
assert ids["biaya"] == "biaya dalam rupiah" and ens["biaya"] == "cost in rupiah", (ids, ens)
assert ids["key"].startswith("kunci rekaman") and ens["key"].startswith("the record's key"), (ids, ens)
PY
fi

# The catalog: it compiles with every check, the template holds every message of the sources
# (make pot was run, so every message of cli/, daemon/ and proto/ is in it), and none is left
# untranslated or fuzzy.
check "id.po compiles (msgfmt --check)" msgfmt --check -o /dev/null cli/po/id.po
ok "a fresh template" make --no-print-directory -s pot POT="$T/fresh.pot" PO_LANGS=
check "id.po has every message of the sources (run 'make pot' after changing one)" \
	msgcmp --use-untranslated cli/po/id.po "$T/fresh.pot"
msgattrib --untranslated --no-obsolete cli/po/id.po | grep -E "^#: " >"$T/untr"
same "no untranslated message, in cli/, daemon/ or proto/" "$(wc -l <"$T/untr" | tr -d ' ')" 0
msgattrib --only-fuzzy cli/po/id.po >"$T/fuzzy"
check "no fuzzy message" test ! -s "$T/fuzzy"
done_testing
