#!/bin/sh
# pokjactl wilayah: lookups in the built-in region list, checked against the CSV files of
# proto/wilayah/ read by Python (an independent reader), plus golden files for the text output
# of a province, a kecamatan and a name search in tests/cli/golden/wilayah/.
#
# The golden files are committed and the test fails when the output differs. After an intended
# change of the output, regenerate them and review `git diff` before committing:
#
#	UPDATE_GOLDEN=1 BUILD=build sh tests/cli/test_wilayah.sh
. tests/cli/lib.sh

G=tests/cli/golden/wilayah
NOTICE='Open Database License \(ODbL\) 1\.0'
# No node anywhere: the command must not need one.
POKJA_DIR=$T/no-node
export POKJA_DIR

# wgolden NAME FILE ARGS...: `wilayah ARGS` succeeds and prints exactly $G/FILE.
wgolden() {
	_wg=$1
	_wf=$G/$2
	shift 2
	golden "$_wg" "$_wf" "$P" wilayah "$@"
}

wgolden "province 32 (text)" 32.txt 32
wgolden "kecamatan 32.75.01 (text)" 32.75.01.txt 32.75.01
wgolden "search bekasi (text)" bekasi.txt bekasi

# The official list as Python reads it, and what each answer should be.
cat >"$T/wl.py" <<'PY'
import csv
L = {}  # code -> (name, parent code)
for fn in ("provinces", "regencies", "districts", "villages"):
    with open("proto/wilayah/%s.csv" % fn, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            L[row[0]] = (row[-1], row[1] if len(row) == 3 else "")
LEVEL = {1: "province", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}
def level(code):
    return LEVEL[code.count(".") + 1]
def entry(c):
    return {"code": c, "name": L[c][0], "level": level(c)}
def children(code):
    return sorted(c for c, (n, p) in L.items() if p == code)
def parents(code):
    out = []
    while L[code][1]:
        code = L[code][1]
        out.append(code)
    return out
def lookup(code):
    e = entry(code)
    e["parents"] = [entry(p) for p in parents(code)]
    e["children"] = [entry(c) for c in children(code)]
    return e
def search(q):  # every match, in the order shown: higher levels first, then by code
    return sorted((c for c, (n, p) in L.items() if q.lower() in n.lower()),
                  key=lambda c: (c.count("."), c))
PY
cat >"$T/pycheck.py" <<'PY'
# Usage: pycheck.py FILE EXPR: FILE is JSON, and EXPR (with j and wl.py's helpers) is true.
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
import wl
try:
    j = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not valid JSON: %s" % e)
    sys.exit(1)
if not eval("(" + sys.argv[2] + "\n)", dict(vars(wl), j=j)):
    print("expression is false: %s" % sys.argv[2])
    sys.exit(1)
PY

# pyjcheck NAME PYEXPR ARGS...: `wilayah ARGS --json` succeeds, prints JSON, and PYEXPR holds
# (the parsed value is j; wl.py's helpers are at hand).
pyjcheck() {
	_pname=$1
	_pexpr=$2
	shift 2
	_run "$P" wilayah "$@" --json
	if [ "$RC" -ne 0 ]; then
		_report "$_pname" "expected exit status 0 and JSON output" "$P" wilayah "$@" --json
	elif _why=$(python3 "$T/pycheck.py" "$OUT" "$_pexpr" 2>&1); then
		pass "$_pname"
	else
		_report "$_pname" "$_why" "$P" wilayah "$@" --json
	fi
}

# ---- a code at each level, against the CSV files
pyjcheck "province 32 --json: entry, no parents, its 27 kabupaten/kota" \
	'j == lookup("32") and j["parents"] == [] and len(j["children"]) == 27' 32
pyjcheck "kabupaten/kota 32.75 --json: parent 32, its kecamatan" \
	'j == lookup("32.75") and [p["code"] for p in j["parents"]] == ["32"] and
	 j["level"] == "kabupaten/kota" and len(j["children"]) == 12 and
	 all(c["level"] == "kecamatan" for c in j["children"])' 32.75
pyjcheck "kecamatan 32.75.01 --json: parents nearest first, its desa" \
	'j == lookup("32.75.01") and [p["name"] for p in j["parents"]] == ["Kota Bekasi", "Jawa Barat"]
	 and j["children"] and all(c["level"] == "desa/kelurahan" for c in j["children"])' 32.75.01
pyjcheck "desa 32.75.01.1001 --json: three parents, no children" \
	'j == lookup("32.75.01.1001") and j["level"] == "desa/kelurahan" and
	 len(j["parents"]) == 3 and j["children"] == []' 32.75.01.1001
pyjcheck "the kecamatan with the most desa (95.06.03): all 108 listed" \
	'j == lookup("95.06.03") and len(j["children"]) == 108' 95.06.03
pyjcheck "a name with a doubled quote in the CSV (35.29.22)" \
	'j == lookup("35.29.22") and j["name"] == "Ra\"as"' 35.29.22
outputs "kecamatan (text): level" '^tingkat: +kecamatan$' "$P" wilayah 32.75.01
stdout_has "kecamatan (text): its parents, nearest first" \
	'^di: +Kota Bekasi \(32\.75\), Jawa Barat \(32\)$'
outputs "desa (text): three parents" \
	'^di: +Bekasi Timur \(32\.75\.01\), Kota Bekasi \(32\.75\), Jawa Barat \(32\)$' \
	"$P" wilayah 32.75.01.1001
stdout_has "desa (text): level desa/kelurahan" '^tingkat: +desa/kelurahan$'
outputs "kabupaten/kota (text): its kecamatan counted" '^12 kecamatan:$' "$P" wilayah 32.75
outputs "province (text): its kabupaten/kota counted" '^27 kabupaten/kota:$' "$P" wilayah 32
stdout_has "province (text): level province" '^tingkat: +provinsi$'
outputs "text output ends with the ODbL notice" "$NOTICE" "$P" wilayah 32.75.01
same "... as its last line" "$(tail -n 1 "$OUT" | grep -cE "$NOTICE")" 1

# ---- no argument: the provinces
outputs "no argument: the provinces" '^\(38 provinsi\)$' "$P" wilayah
same "... 38 rows" "$(grep -cE '^[0-9]{2}  ' "$OUT")" 38
same "... the last line is the notice" "$(tail -n 1 "$OUT" | grep -cE "$NOTICE")" 1
cp "$OUT" "$T/provinces.txt"
ok "\"\" is the same as no argument" "$P" wilayah ""
cp "$OUT" "$T/empty.txt"
check "... the same output" cmp -s "$T/empty.txt" "$T/provinces.txt"
pyjcheck "no argument --json: an array of the 38 provinces of provinces.csv" \
	'len(j) == 38 and j == [entry(c) for c in sorted(L) if level(c) == "province"] and
	 j[0] == {"code": "11", "name": "Aceh", "level": "province"}'

# ---- names
pyjcheck "search bekasi --json: every match, higher levels first" \
	'j["query"] == "bekasi" and j["total"] == len(search("bekasi")) == 7 and
	 [m["code"] for m in j["matches"]] == search("bekasi") and
	 j["matches"][1] == dict(entry("32.75"), parents=[entry("32")])' bekasi
pyjcheck "search ignores case: BeKaSi finds the same" \
	'j["total"] == len(search("bekasi")) and j["matches"][0]["name"] == "Kabupaten Bekasi"' \
	BeKaSi
pyjcheck "search with UTF-8 (pu’u)" \
	'j["total"] == 2 and sorted(m["name"] for m in j["matches"]) == ["Bu Nuapu’u", "Regapu’u"]
	 and j["matches"][0]["parents"][2]["name"] == "Nusa Tenggara Timur"' "pu’u"
pyjcheck "search a: capped at 50, the total counted" \
	'j["total"] == len(search("a")) > 1000 and len(j["matches"]) == 50 and
	 [m["code"] for m in j["matches"]] == search("a")[:50]' a
outputs "search a (text): 50 rows and how many more" \
	'^\([0-9]+ cocok; 50 pertama ditampilkan, [0-9]+ lagi: persempit pencarian\)$' "$P" wilayah a
same "... 50 rows under the header" "$(grep -cE '^[0-9]{2}(\.[0-9]+)* ' "$OUT")" 50
outputs "search (text): code, level, name and parents in columns" \
	'^32\.75 +kabupaten/kota +Kota Bekasi +Jawa Barat$' "$P" wilayah bekasi
stdout_has "search (text): the count" '^\(7 cocok\)$'
stdout_has "search (text): ends with the notice" "$NOTICE"
outputs "a search with one match says so" '^\(1 cocok\)$' "$P" wilayah Bekasijaya

# ---- --json keeps the notice out of the data
for a in 32.75 bekasi; do
	_run "$P" wilayah $a --json
	stderr_has "$a --json: the notice on stderr" "$NOTICE"
	check "$a --json: not on stdout" test "$(grep -c 'ODbL' "$OUT")" -eq 0
done

# ---- not found, bad input
errs "unknown code: not on the official list" "wilayah '32\.99' tidak ada dalam daftar resmi" \
	"$P" wilayah 32.99
same "... exit status 1" "$RC" 1
errs "unknown desa code" 'tidak ada dalam daftar resmi' "$P" wilayah 32.75.01.9999
errs "malformed code" "'3\.2' bukan kode wilayah" "$P" wilayah 3.2
same "... exit status 1" "$RC" 1
errs "unknown name" "tidak ada wilayah dalam daftar resmi yang namanya memuat 'zzqqxx'" \
	"$P" wilayah zzqqxx
same "... exit status 1" "$RC" 1
fails "unknown name --json: exit 1" 1 "$P" wilayah zzqqxx --json
same "... and no JSON on stdout" "$(cat "$OUT")" ""
fails "two arguments: exit 2" 2 "$P" wilayah kota bekasi
fails "unknown option: exit 2" 2 "$P" wilayah --limit 5
outputs "help wilayah" '^penggunaan: pokjactl wilayah \[CODE\|NAME\] \[--json\]$' "$P" help wilayah

# ---- no node needed
ok "works with --dir naming no node" "$P" --dir "$T/nothing" wilayah 32.75
check "... and creates nothing there" test ! -e "$T/nothing"
check "... nor at POKJA_DIR" test ! -e "$POKJA_DIR"

done_testing
