#!/bin/sh
# The language of pokjactl (cli/i18n.h): Indonesian by default, whatever the locale says unless
# it names English (LANG unset, C, C.UTF-8, id_ID.UTF-8 whether installed or not); English with
# LANG=en_US.UTF-8, LANGUAGE=en or --lang en. The catalog compiles (msgfmt --check), the
# template is current, and the files done hold no untranslated message. Numbers in reports and
# JSON keys are the same in every language.
TEST_LANG=id
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

# The catalog: it compiles with every check, the template holds every message of the sources
# (make pot was run), and the files done leave nothing untranslated.
check "id.po compiles (msgfmt --check)" msgfmt --check -o /dev/null cli/po/id.po
ok "a fresh template" make --no-print-directory -s pot POT="$T/fresh.pot" PO_LANGS=
check "id.po has every message of the sources (run 'make pot' after changing one)" \
	msgcmp --use-untranslated cli/po/id.po "$T/fresh.pot"
done_files='cli/(main|util|recnorm|recfind|recin|i18n|join|status_tree|cmd_rekap|rekap|rekap_kegiatan|rekap_kumuh|rekap_arahan|report|render|render_html|render_xlsx|cmd_arahan|cmd_backup|cmd_bundle|cmd_data|cmd_edit|cmd_export|cmd_history|cmd_import|cmd_net|cmd_node|cmd_template|cmd_verifikasi|cmd_wilayah)\.c'
msgattrib --untranslated --no-obsolete cli/po/id.po | grep -E "^#:.* $done_files:" >"$T/untr"
same "no untranslated message in the files done" "$(wc -l <"$T/untr" | tr -d ' ')" 0
msgattrib --only-fuzzy cli/po/id.po >"$T/fuzzy"
check "no fuzzy message" test ! -s "$T/fuzzy"
done_testing
