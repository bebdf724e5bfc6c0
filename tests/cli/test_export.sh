#!/bin/sh
# pokjactl export: CSV, JSON and JSON Lines compared byte for byte with the golden files in
# tests/cli/golden/export/ (made from the fixture input.jsonl there), the CSV read back with
# Python's csv module against the fixture, region filters, deleted records, atomic -o, and
# refusals that leave the store and any existing output file unchanged.
#
# The golden files are committed and the test fails when the output differs. After an
# intended change of the output, regenerate them and review `git diff` before committing:
#
#	UPDATE_GOLDEN=1 BUILD=build sh tests/cli/test_export.sh
#
# The diubah column holds the time of the import, so it is replaced by DIUBAH before comparing;
# the times themselves are checked apart (ISO 8601 UTC, within this run).
. tests/cli/lib.sh

G=tests/cli/golden/export
N=$T/nasional
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
START=$(date -u +%s)

ok "init national" "$P" --dir "$N" init
ok "the fixture, each record written by the office that owns it" offices "$N" "$G/input.jsonl"

# ---- deleted records
outputs "before the delete, keg-del is exported" '^keg-del,32\.75,' \
	"$P" --dir "$N" export kegiatan
ok "delete keg-del at Kota Bekasi, whose record it is" \
	"$P" --dir "$T/offices/n-32.75" del kegiatan keg-del
ok "... and the delete comes to the national node" bring "$T/offices/n-32.75" "$N"

# egolden NAME FILE ARGS...: `export ARGS` succeeds and prints $G/FILE, the times replaced.
GOLDEN_FILTER="s/$ISO/DIUBAH/g"
egolden() {
	_eg=$1
	_ef=$G/$2
	shift 2
	golden "$_eg" "$_ef" "$P" --dir "$N" export "$@"
}

# ---- golden files: every format, every collection of the fixture, a filter, an empty one
egolden "kegiatan csv (the default format)" kegiatan.csv kegiatan
egolden "kegiatan --format csv" kegiatan.csv kegiatan --format csv
egolden "kegiatan --format json" kegiatan.json kegiatan --format json
egolden "kegiatan --format jsonl" kegiatan.jsonl kegiatan --format jsonl
egolden "kegiatan --region 32 (csv)" kegiatan-32.csv kegiatan --region 32
egolden "rapat csv (strlist as JSON array text)" rapat.csv rapat
egolden "rapat json" rapat.json rapat --format json
egolden "kumuh csv (num fields)" kumuh.csv kumuh
egolden "kumuh jsonl (num fields)" kumuh.jsonl kumuh --format jsonl
egolden "indikator csv (big and tiny numbers)" indikator.csv indikator
egolden "indikator json" indikator.json indikator --format json
egolden "arahan csv (national record)" arahan.csv arahan
egolden "anggota csv" anggota.csv anggota
egolden "verifikasi csv: no records, a header row only" verifikasi.csv verifikasi
egolden "verifikasi json: no records, []" verifikasi.json verifikasi --format json
egolden "verifikasi jsonl: no records, nothing" verifikasi.jsonl verifikasi --format jsonl

# ---- an independent reader: Python's csv and json modules against the fixture
"$P" schema --json >"$T/schema.json"
cat >"$T/expect.py" <<'EOF'
# Usage: expect.py SCHEMA INPUT WILAYAHDIR COLLECTION FORMAT FILE [REGION]
# Checks FILE (an export) against the fixture: columns, rows, order, every value.
import csv, io, json, re, sys
schema_path, input_path, wdir, coll, fmt, path = sys.argv[1:7]
region = sys.argv[7] if len(sys.argv) > 7 else ""
fields = [f for c in json.load(open(schema_path)) if c["name"] == coll for f in c["fields"]]
names = {"": "Indonesia"}
for fn in ("provinces", "regencies", "districts", "villages"):
    with open("%s/%s.csv" % (wdir, fn), newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            names[row[0]] = row[-1]
def within(code, prefix):
    return prefix == "" or code == prefix or code.startswith(prefix + ".")
recs = [json.loads(l) for l in open(input_path, encoding="utf-8") if l.strip()]
recs = [r for r in recs if r["collection"] == coll and r["key"] != "keg-del"
        and within(r["wilayah"], region)]
recs.sort(key=lambda r: (r["wilayah"].encode(), r["key"].encode()))
iso = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
def author(w):
    """The office that wrote a record of region w: the owner of w (SPEC section 5)."""
    owner = w if w.count(".") < 2 else w[:5]
    return ("Nasional" if owner == "" else names[owner], owner)
errors = []
def want(cond, what):
    if not cond:
        errors.append(what)
# The verified collections (all but these) end in the derived verification state (SPEC section
# 5): nothing in the fixture is verified, so it is "belum diverifikasi", or empty for a national
# record, which no node is above.
verified = coll not in ("verifikasi", "pencabutan", "kesehatan_node")
header = (["key", "wilayah", "nama_wilayah"] + [f["name"] for f in fields] +
          ["diubah", "diubah_oleh", "diubah_oleh_wilayah"] +
          (["status_verifikasi", "catatan_verifikasi"] if verified else []))
def state(w):
    return "" if w == "" else "belum diverifikasi"
if fmt == "csv":
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    want(rows and rows[0] == header, "header %r, expected %r" % (rows[:1], header))
    want(len(rows) - 1 == len(recs), "%d rows, expected %d" % (len(rows) - 1, len(recs)))
    for row, r in zip(rows[1:], recs):
        want(len(row) == len(header), "%s: %d cells" % (r["key"], len(row)))
        cell = dict(zip(header, row))
        # The whole country's region is the word "nasional" (an empty cell is the importer's).
        want(cell["key"] == r["key"] and cell["wilayah"] == (r["wilayah"] or "nasional"),
             "row order: %r/%r where %r/%r expected" % (cell["key"], cell["wilayah"], r["key"], r["wilayah"]))
        want(cell["nama_wilayah"] == names[r["wilayah"]], "%s: nama_wilayah %r" % (r["key"], cell["nama_wilayah"]))
        want(iso.match(cell["diubah"]), "%s: diubah %r" % (r["key"], cell["diubah"]))
        # Every record was written by the office that owns its region (`offices` in lib.sh).
        want((cell["diubah_oleh"], cell["diubah_oleh_wilayah"]) == author(r["wilayah"]),
             "%s: diubah_oleh %r %r" % (r["key"], cell["diubah_oleh"], cell["diubah_oleh_wilayah"]))
        if verified:
            want(cell["status_verifikasi"] == state(r["wilayah"]) and cell["catatan_verifikasi"] == "",
                 "%s: status_verifikasi %r" % (r["key"], cell["status_verifikasi"]))
        for f in fields:
            got, v = cell[f["name"]], r.get(f["name"])
            if v is None:
                ok = got == ""
            elif f["type"] == "strlist":
                ok = json.loads(got) == v
            elif f["type"] == "num":
                ok = float(got) == v and not re.search(r"\.\d*0$|\.$", got)
            elif f["type"] == "int":
                ok = got == str(v)
            else:
                ok = got == v
            want(ok, "%s.%s: %r for %r" % (r["key"], f["name"], got, v))
else:
    text = open(path, encoding="utf-8").read()
    if fmt == "json":
        objs = json.loads(text)
    else:
        want(text == "" or text.endswith("\n"), "JSON Lines must end with a newline")
        objs = [json.loads(l) for l in text.split("\n") if l != ""]
    want(len(objs) == len(recs), "%d objects, expected %d" % (len(objs), len(recs)))
    for o, r in zip(objs, recs):
        exp = {"key": r["key"], "wilayah": r["wilayah"], "nama_wilayah": names[r["wilayah"]]}
        for f in fields:
            if f["name"] in r:
                exp[f["name"]] = r[f["name"]]
        d = o.pop("diubah", None)
        want(d is not None and iso.match(d), "%s: diubah %r" % (r["key"], d))
        who = (o.pop("diubah_oleh", None), o.pop("diubah_oleh_wilayah", None))
        want(who == author(r["wilayah"]), "%s: diubah_oleh %r" % (r["key"], who))
        if verified:
            st = o.pop("status_verifikasi", None)
            want(st == state(r["wilayah"]), "%s: status_verifikasi %r" % (r["key"], st))
        want(o == exp, "%s: %r, expected %r" % (r["key"], o, exp))
        want(list(o) == list(exp), "%s: member order %r" % (r["key"], list(o)))
        for f in fields:
            if f["type"] == "int" and f["name"] in o:
                want(type(o[f["name"]]) is int, "%s.%s is not an integer" % (r["key"], f["name"]))
if errors:
    print("\n".join(errors[:20]))
    sys.exit(1)
EOF

# expect NAME COLLECTION FORMAT [REGION]: exports and checks with expect.py.
expect() {
	_ename=$1
	_ecoll=$2
	_efmt=$3
	shift 3
	if [ $# -gt 0 ]; then
		_run "$P" --dir "$N" export "$_ecoll" --format "$_efmt" --region "$1"
	else
		_run "$P" --dir "$N" export "$_ecoll" --format "$_efmt"
	fi
	if [ "$RC" -ne 0 ]; then
		_report "$_ename" "expected exit status 0" "$P" export "$_ecoll" "$_efmt" "$@"
	elif _why=$(python3 "$T/expect.py" "$T/schema.json" "$G/input.jsonl" proto/wilayah \
		"$_ecoll" "$_efmt" "$OUT" "$@" 2>&1); then
		pass "$_ename"
	else
		fail "$_ename" "$_why"
	fi
}
for coll in kegiatan rapat kumuh indikator arahan anggota verifikasi; do
	expect "python csv reads the $coll export back to the fixture's values" "$coll" csv
	expect "python json reads the $coll export back to the fixture's values" "$coll" json
	expect "python reads the $coll JSON Lines back to the fixture's values" "$coll" jsonl
done
expect "--region 32.75 (csv): 32.75 and below, not 32" kegiatan csv 32.75
expect "--region 33 (jsonl): only Jawa Tengah" kegiatan jsonl 33
expect "--region 32.75.01.1001 (json): one desa" kumuh json 32.75.01.1001
expect "--region \"\" is every record" kegiatan csv ""
outputs "--region 33: only keg-03" '^keg-03,33\.01,Kabupaten Cilacap,' \
	"$P" --dir "$N" export kegiatan --region 33
check "--region 33: exactly a header and one row" test "$(wc -l <"$OUT")" -eq 2

# ---- what is and is not in the data
for fmt in csv json jsonl; do
	_run "$P" --dir "$N" export kegiatan --format "$fmt"
	stderr_has "$fmt: the ODbL notice is on stderr" 'Open Database License'
	cp "$OUT" "$T/data"
	check "$fmt: exit status 0" test "$RC" -eq 0
	check "$fmt: the deleted record is not exported" test "$(grep -c 'keg-del' "$T/data")" -eq 0
	check "$fmt: the ODbL notice is not in the data" test "$(grep -c 'ODbL' "$T/data")" -eq 0
done
_run "$P" --dir "$N" export kegiatan
stdout_has "csv: UTF-8 kept as is, quotes doubled" 'Tahap Ⅱ, ""prioritas""'
# 6 rows end in CRLF, and one field holds a CRLF of its own; the LF inside keg-01's tujuan
# stays a bare LF: 8 lines, 7 of them ending in CR.
check "csv rows end in CRLF, a field's own LF is kept bare" \
	test "$(grep -c "$(printf '\r')\$" "$OUT")" -eq 7 -a "$(wc -l <"$OUT")" -eq 8

# The diubah times: ISO 8601 UTC, between the start of this test and now.
jcheck "diubah is the change time, ISO 8601 UTC, within this run" "
	len(j) == 5 and all(
	  $START - 2 <= __import__('calendar').timegm(__import__('time').strptime(
	    o['diubah'][:19], '%Y-%m-%dT%H:%M:%S')) <= $(date -u +%s) + 2 and
	  __import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', o['diubah'])
	  for o in j)" \
	"$P" --dir "$N" export kegiatan --format json
sleep 1
ok "put changes keg-02 at Kota Bekasi" "$P" --dir "$T/offices/n-32.75" put kegiatan keg-02 \
	--replace --json '{"wilayah":"32.75.01","nama":"Rembuk warga (diubah)","tahun":2025}'
ok "... and the change comes to the national node" bring "$T/offices/n-32.75" "$N"
jcheck "a changed record gets a later diubah" "
	[o for o in j if o['key'] == 'keg-02'][0]['diubah'] >
	[o for o in j if o['key'] == 'keg-01'][0]['diubah']" \
	"$P" --dir "$N" export kegiatan --format json
BEFORE=$(snapshot "$N")

# ---- --json
"$P" --dir "$N" export kegiatan --format json >"$T/fmt.json" 2>/dev/null
ok "--json without -o is --format json" "$P" --dir "$N" export kegiatan --json
cp "$OUT" "$T/got.json"
check "--json without -o: the same bytes as --format json" cmp -s "$T/got.json" "$T/fmt.json"
ok "--json --format json without -o" "$P" --dir "$N" --json export kegiatan --format json
cp "$OUT" "$T/got.json"
check "--json --format json: the same bytes" cmp -s "$T/got.json" "$T/fmt.json"
errs "--json --format csv without -o is a usage error" '--json tanpa -o berarti --format json, bukan --format csv' \
	"$P" --dir "$N" export kegiatan --json --format csv
same "... exit status 2" "$RC" 2
fails "--json --format jsonl without -o: exit 2" 2 \
	"$P" --dir "$N" export kegiatan --json --format jsonl

# ---- -o FILE
"$P" --dir "$N" export kegiatan >"$T/stdout.csv" 2>/dev/null
outputs "-o FILE prints the count" '^5 rekaman diekspor ke .*/k\.csv$' \
	"$P" --dir "$N" export kegiatan -o "$T/k.csv"
stderr_has "-o FILE: the notice on stderr" 'Open Database License'
check "-o FILE holds what stdout gets" cmp -s "$T/k.csv" "$T/stdout.csv"
check "-o FILE: no temporary file left" test -z "$(ls "$T" | grep 'tmp')"
printf 'old contents\n' >"$T/k2.csv"
ok "-o replaces an existing file" "$P" --dir "$N" export kegiatan --output "$T/k2.csv"
check "... with the whole export" cmp -s "$T/k2.csv" "$T/stdout.csv"
jcheck "--json -o FILE prints a summary" \
	"j == {'records': 5, 'file': '$T/k3.jsonl'}" \
	"$P" --dir "$N" export kegiatan --format jsonl -o "$T/k3.jsonl" --json
check "--json -o FILE --format jsonl: the file has 5 lines" test "$(wc -l <"$T/k3.jsonl")" -eq 5
jcheck "--json -o FILE: CSV by default" "j['records'] == 2" \
	"$P" --dir "$N" export rapat --region 32.75 -o "$T/r.csv" --json
check "... the file is CSV" grep -q '^key,wilayah,nama_wilayah,judul,' "$T/r.csv"

printf 'keep me\n' >"$T/keep.csv"
errs "-o with an unknown collection fails" "koleksi 'nosuch' tidak dikenal" \
	"$P" --dir "$N" export nosuch -o "$T/keep.csv"
same "... exit status 1" "$RC" 1
same "... the existing file is untouched" "$(cat "$T/keep.csv")" "keep me"
errs "-o with a bad region fails" 'bukan kode wilayah' \
	"$P" --dir "$N" export kegiatan --region 32.7 -o "$T/keep.csv"
same "... the existing file is untouched" "$(cat "$T/keep.csv")" "keep me"
errs "-o with no node fails" '.' "$P" --dir "$T/none" export kegiatan -o "$T/keep.csv"
same "... the existing file is untouched" "$(cat "$T/keep.csv")" "keep me"
mkdir "$T/adir"
# The reason is the C library's strerror: Indonesian where its catalog (libc-l10n) is installed.
errs "-o onto a folder fails after writing (rename refused)" \
	'gagal menulis .*adir: (Adalah sebuah direktori|Is a directory)' \
	"$P" --dir "$N" export kegiatan -o "$T/adir"
check "... the temporary file is removed" test -z "$(ls "$T" | grep 'tmp')"
check "... the folder is still a folder" test -d "$T/adir"
errs "-o into a missing folder fails" 'tidak dapat menulis .*missing/x\.csv' \
	"$P" --dir "$N" export kegiatan -o "$T/missing/x.csv"
check "... and creates nothing" test ! -e "$T/missing"
fails "-o with an empty name: exit 2" 2 "$P" --dir "$N" export kegiatan -o ""

# ---- refusals
errs "unknown collection" "koleksi 'nosuch' tidak dikenal" "$P" --dir "$N" export nosuch
same "... exit status 1" "$RC" 1
errs "malformed region" 'bukan kode wilayah' "$P" --dir "$N" export kegiatan --region 32.7
same "... exit status 1" "$RC" 1
errs "region not on the official list" 'tidak ada dalam daftar resmi' \
	"$P" --dir "$N" export kegiatan --region 32.99
errs "region that is not a code" 'bukan kode wilayah' \
	"$P" --dir "$N" export kegiatan --region bekasi
errs "unknown format" "format 'xml' tidak dikenal" "$P" --dir "$N" export kegiatan --format xml
same "... exit status 2" "$RC" 2
errs "missing collection" 'argumen kurang' "$P" --dir "$N" export
same "... exit status 2" "$RC" 2
fails "two collections: exit 2" 2 "$P" --dir "$N" export kegiatan rapat
fails "unknown option: exit 2" 2 "$P" --dir "$N" export kegiatan --sort key
fails "--format without a value: exit 2" 2 "$P" --dir "$N" export kegiatan --format
errs "no node at --dir" '.' "$P" --dir "$T/none" export kegiatan
same "... exit status 1" "$RC" 1
check "... creates no node folder" test ! -e "$T/none/store"
outputs "help export names the formats" 'csv\|json\|jsonl' "$P" help export

same "the store is unchanged by every export and refusal" "$BEFORE" "$(snapshot "$N")"

done_testing
