#!/bin/sh
# pokjactl rekap: the kegiatan, arahan and kumuh reports in text, CSV, JSON and HTML, compared
# byte for byte with the golden files in tests/cli/golden/rekap/ (made from the fixture
# input.jsonl there, imported at a national node; the time an HTML page was made is filtered
# out); totals recomputed in Python from the fixture and from the official region list; exact
# sums beyond 2^63; the node's region as the default; the page to print read back by Python's
# html.parser at a kabupaten/kota node with markup in its records; and every usage error and
# refusal with its exit status, leaving the store unchanged.
#
# The golden files are committed and the test fails when the output differs. After an
# intended change of the output, regenerate them and review `git diff` before committing:
#
#	UPDATE_GOLDEN=1 BUILD=build sh tests/cli/test_rekap.sh
# The reports for people and the refusals are in Indonesian, pokjactl's default language; CSV
# and JSON (data contracts: column names and keys) are the same in every language.
. tests/cli/lib.sh

G=tests/cli/golden/rekap
N=$T/nasional

ok "init national" "$P" --dir "$N" init
ok "the fixture, each record written by the office that owns it" offices "$N" "$G/input.jsonl"
snapshot "$N" >"$T/before"

# rgolden NAME FILE ARGS...: `rekap ARGS` succeeds and prints exactly $G/FILE.
rgolden() {
	_rg=$1
	_rf=$G/$2
	shift 2
	golden "$_rg" "$_rf" "$P" --dir "$N" rekap "$@"
}

# ---- golden files
rgolden "kegiatan (text, by provinsi)" kegiatan.txt kegiatan
rgolden "kegiatan --csv" kegiatan.csv kegiatan --csv
rgolden "kegiatan --json" kegiatan.json kegiatan --json
rgolden "kegiatan --by sumber_biaya" kegiatan-sumber.txt kegiatan --by sumber_biaya
rgolden "kegiatan --by sumber_biaya --csv" kegiatan-sumber.csv kegiatan --by sumber_biaya --csv
rgolden "kegiatan --by sumber_biaya --json" kegiatan-sumber.json kegiatan --by sumber_biaya --json
rgolden "kegiatan --by strategi" kegiatan-strategi.txt kegiatan --by strategi
rgolden "kegiatan --by strategi --csv (quoting)" kegiatan-strategi.csv kegiatan --by strategi --csv
rgolden "kegiatan --by status" kegiatan-status.txt kegiatan --by status
rgolden "kegiatan --by status --json" kegiatan-status.json kegiatan --by status --json
rgolden "kegiatan --tahun 2026" kegiatan-2026.txt kegiatan --tahun 2026
rgolden "kegiatan --tahun 2026 --csv" kegiatan-2026.csv kegiatan --tahun 2026 --csv
rgolden "kegiatan --tahun 2026 --json" kegiatan-2026.json kegiatan --tahun 2026 --json
rgolden "kegiatan --level kabupaten" kegiatan-kabupaten.txt kegiatan --level kabupaten
rgolden "kegiatan --level kabupaten --csv" kegiatan-kabupaten.csv kegiatan --level kabupaten --csv
rgolden "kegiatan --level kabupaten --json" kegiatan-kabupaten.json \
	kegiatan --level kabupaten --json
rgolden "kegiatan --region 32" kegiatan-32.txt kegiatan --region 32
rgolden "kegiatan --region 32 --csv" kegiatan-32.csv kegiatan --region 32 --csv
rgolden "kegiatan --region 32 --json" kegiatan-32.json kegiatan --region 32 --json
rgolden "kegiatan with no records (text)" kegiatan-none.txt kegiatan --tahun 2030
rgolden "kegiatan with no records --csv" kegiatan-none.csv kegiatan --tahun 2030 --csv
rgolden "kegiatan with no records --json" kegiatan-none.json kegiatan --tahun 2030 --json
# The arahan report judges deadlines on a day: --today fixes it.
D=2026-07-15
rgolden "arahan (text, national)" arahan.txt arahan --today $D
rgolden "arahan --region 32" arahan-32.txt arahan --region 32 --today $D
rgolden "arahan --region 32 --csv" arahan-32.csv arahan --region 32 --csv --today $D
rgolden "arahan --region 32 --json" arahan-32.json arahan --region 32 --json --today $D
rgolden "arahan --region 32.75.01 (a kecamatan: its kabupaten/kota)" arahan-3275.txt \
	arahan --region 32.75.01 --today $D
rgolden "arahan with none addressed (text)" arahan-none.txt arahan --region 11 --today $D
rgolden "kumuh (text, by provinsi)" kumuh.txt kumuh
rgolden "kumuh --csv" kumuh.csv kumuh --csv
rgolden "kumuh --json" kumuh.json kumuh --json
rgolden "kumuh --region 32.75 --level desa" kumuh-3275-desa.txt kumuh --region 32.75 --level desa
rgolden "kumuh --region 32.75 --level desa --csv" kumuh-3275-desa.csv \
	kumuh --region 32.75 --level desa --csv
rgolden "kumuh --region 32.75 --level desa --json" kumuh-3275-desa.json \
	kumuh --region 32.75 --level desa --json
rgolden "kumuh --tahun 2026 --level kabupaten" kumuh-2026-kabupaten.txt \
	kumuh --tahun 2026 --level kabupaten
rgolden "kumuh with no records (text)" kumuh-none.txt kumuh --region 11
# The page to print says when it was made: the time is filtered out of the comparison.
GOLDEN_FILTER='s|<time datetime="[^"]*">[^<]*</time>|<time>MADE</time>|'
rgolden "kegiatan --format html" kegiatan.html kegiatan --format html
rgolden "arahan --region 32 --format html (notes under their rows)" arahan-32.html \
	arahan --region 32 --format html --today $D
rgolden "kumuh --region 32.75 --level desa --format html (hectares)" kumuh-3275-desa.html \
	kumuh --region 32.75 --level desa --format html
rgolden "kegiatan with no records --format html" kegiatan-none.html \
	kegiatan --tahun 2030 --format html
unset GOLDEN_FILTER

# ---- the same report whatever the option order and place of --json; -o writes it
rgolden "--json after the options gives the same JSON" kegiatan-32.json \
	kegiatan --json --region=32
_run "$P" --json --dir "$N" rekap kegiatan --region 32
cp "$OUT" "$T/global.json"
check "--json before the command gives the same JSON" cmp -s "$T/global.json" "$G/kegiatan-32.json"
ok "-o FILE writes the report" "$P" --dir "$N" rekap kumuh --csv -o "$T/kumuh.csv"
same "-o prints nothing on stdout" "$(cat "$OUT")" ""
check "-o FILE holds what stdout would" cmp -s "$T/kumuh.csv" "$G/kumuh.csv"
check "-o leaves no temporary file" test -z "$(ls "$T" | grep '\.tmp\.')"

# ---- independent checks: recomputed from the fixture and the official list
PY=$T/recompute.py
cat >"$PY" <<'EOF'
import csv, json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
kab = [r[0] for r in csv.reader(open(sys.argv[2], encoding="utf-8"))][1:]
def inside(code, prefix):
    return prefix == "" or code == prefix or code.startswith(prefix + ".")
what = sys.argv[3]
keg = [r for r in recs if r["collection"] == "kegiatan"]
if what == "biaya-32-2026":  # not cancelled
    print(sum(r.get("biaya", 0) for r in keg if inside(r["wilayah"], "32") and
              r["tahun"] == 2026 and r.get("status") != "batal"))
elif what == "batal-all":
    print(sum(r.get("biaya", 0) for r in keg if r.get("status") == "batal"))
elif what == "peserta-33":
    print(sum(r.get("jumlah_peserta", 0) for r in keg if inside(r["wilayah"], "33") and
              r.get("status") != "batal"))
elif what == "count-by-prov":
    c = {}
    for r in keg:
        c[r["wilayah"][:2]] = c.get(r["wilayah"][:2], 0) + 1
    print(json.dumps(c, sort_keys=True))
elif what == "apbd":  # case and blanks ignored
    print(sum(r.get("biaya", 0) for r in keg if r.get("sumber_biaya", "").strip().lower()
              == "apbd" and r.get("status") != "batal"))
elif what == "kab-count":
    print(len(kab), len([k for k in kab if k.startswith(sys.argv[4] + ".")]))
elif what == "luas-32-2025":
    print(round(sum(r["luas_ha"] for r in recs if r["collection"] == "kumuh" and
                    inside(r["wilayah"], "32") and r["tahun"] == 2025), 4))
EOF
py() { python3 "$PY" "$G/input.jsonl" proto/wilayah/regencies.csv "$@"; }

jcheck "total biaya in 32 in 2026 (without batal) matches the fixture" \
	"j['total']['biaya'] == $(py biaya-32-2026) and j['tahun'] == 2026 and j['region'] == '32'" \
	"$P" --dir "$N" rekap kegiatan --region 32 --tahun 2026 --json
jcheck "total biaya_batal matches the fixture" \
	"j['total']['biaya_batal'] == $(py batal-all) and j['total']['biaya_batal'] > 0" \
	"$P" --dir "$N" rekap kegiatan --json
jcheck "jumlah_peserta of 33 matches the fixture" \
	"[r for r in j['rows'] if r['wilayah'] == '33'][0]['jumlah_peserta'] == $(py peserta-33)" \
	"$P" --dir "$N" rekap kegiatan --json
jcheck "kegiatan counts per province match the fixture" \
	"{r['wilayah']: r['kegiatan'] for r in j['rows']} == $(py count-by-prov) and
	 j['total']['kegiatan'] == sum($(py count-by-prov).values())" \
	"$P" --dir "$N" rekap kegiatan --json
jcheck "APBD, ' APBD ' are one source; its total matches the fixture" \
	"j['total']['biaya_per_sumber']['APBD'] == $(py apbd) and
	 len([s for s in j['sumber_biaya'] if s.strip().lower() == 'apbd']) == 1 and
	 'Swasta' in j['sumber_biaya'] and 'swasta' not in j['sumber_biaya']" \
	"$P" --dir "$N" rekap kegiatan --json
jcheck "per-source sums add up to biaya in every row" \
	"all(sum(r['biaya_per_sumber'].values()) == r['biaya'] for r in j['rows'] + [j['total']])" \
	"$P" --dir "$N" rekap kegiatan --level kabupaten --json
jcheck "status counts add up to kegiatan in every row" \
	"all(sum(r['status'].values()) == r['kegiatan'] for r in j['rows'] + [j['total']])" \
	"$P" --dir "$N" rekap kegiatan --level kecamatan --json
set -- $(py kab-count 32)
KAB_32=$2
NPROV=$(($(wc -l <proto/wilayah/provinces.csv) - 1))
# ${AR}: ar(KEY[, REGION]) is the directive's object in the JSON report (the first with KEY, or
# the one issued in REGION) and tg(KEY, TARGET[, REGION]) its target's.
AR='(ar := lambda k, w=None: [d for d in j["arahan"] if d["key"] == k and w in (None, d["wilayah"])][0]) and
	(tg := lambda k, t, w=None: [x for x in ar(k, w)["sasaran"] if x["wilayah"] == t][0]) and '
jcheck "ar-jabar (32 to 32): its 27 kabupaten/kota, 2 receipts, 32.75 selesai after the deadline (late), 32.01 only direncanakan (overdue, weight 0)" \
	"${AR}ar('ar-jabar')['targets'] == $KAB_32 and ar('ar-jabar')['received'] == 2 and
	 ar('ar-jabar')['selesai'] == 1 and ar('ar-jabar')['late'] == 1 and
	 ar('ar-jabar')['direncanakan'] == 1 and ar('ar-jabar')['overdue'] == $KAB_32 - 1 and
	 ar('ar-jabar')['rate'] == round(2 / (2 * $KAB_32), 4) and
	 tg('ar-jabar', '32.75')['tenggat'] == 'late' and tg('ar-jabar', '32.75')['tindak_lanjut'] == 'tl04' and
	 tg('ar-jabar', '32.01') == {'wilayah': '32.01', 'name': 'Kabupaten Bogor', 'diterima': 1777784400,
	     'tindak_lanjut': 'tl07', 'status': 'direncanakan', 'tenggat': 'overdue'}" \
	"$P" --dir "$N" rekap arahan --json --today 2026-07-15
jcheck "the same day before the deadline: nothing overdue, and 32.75 is still late" \
	"${AR}ar('ar-jabar')['overdue'] == 0 and ar('ar-jabar')['late'] == 1" \
	"$P" --dir "$N" rekap arahan --json --today 2026-06-30
jcheck "ar-nas (national to \"\"): each province of the official list is a target, not the kabupaten/kota" \
	"${AR}ar('ar-nas')['targets'] == $NPROV and
	 sorted(x['wilayah'] for x in ar('ar-nas')['sasaran'] if x['diterima']) == ['32', '33'] and
	 tg('ar-nas', '32')['status'] == 'dilaksanakan' and tg('ar-nas', '33')['tenggat'] == 'done' and
	 all(len(x['wilayah']) == 2 for x in ar('ar-nas')['sasaran']) and
	 ar('ar-nas')['selesai'] == 1 and ar('ar-nas')['dilaksanakan'] == 1 and ar('ar-nas')['rate'] == round(3 / (2 * $NPROV), 4)" \
	"$P" --dir "$N" rekap arahan --json --today 2026-07-15
jcheck "a shared key (ar-dup): wilayah_arahan names the directive; a follow-up from a node it does not target counts nowhere" \
	"${AR}[(d['wilayah'], d['selesai']) for d in j['arahan'] if d['key'] == 'ar-dup'] == [('32', 0), ('33', 1)] and
	 tg('ar-dup', '33.74', '33')['tenggat'] == 'late' and tg('ar-dup', '32.73', '32')['tindak_lanjut'] is None" \
	"$P" --dir "$N" rekap arahan --json --today 2026-07-15
jcheck "a tindak_lanjut without wilayah_arahan (written before it) counts for the arahan with its key that targets its writer" \
	"${AR}tg('ar-kec', '32.73')['tindak_lanjut'] == 'tl10' and tg('ar-kec', '32.73')['status'] is None and
	 tg('ar-kec', '32.73')['tenggat'] == 'overdue'" \
	"$P" --dir "$N" rekap arahan --json --today 2026-07-15
jcheck "arahan --region 32: the directives with a target in 32; the national one targets the province alone" \
	"${AR}sorted(d['key'] for d in j['arahan']) == ['ar-bekasi', 'ar-dup', 'ar-jabar', 'ar-kec', 'ar-nas']
	 and [x['wilayah'] for x in ar('ar-nas')['sasaran']] == ['32']" \
	"$P" --dir "$N" rekap arahan --region 32 --json
_run "$P" --dir "$N" rekap arahan --region 32 --csv --today 2026-07-15
cp "$OUT" "$T/a.csv"
jcheck "arahan CSV: one row per directive and target, with its receipt, follow-up and state" \
	"len(j) == $((KAB_32 * 2 + 3)) and
	 sorted(r[0] for r in j if r[17] == 'selesai') == ['ar-jabar'] and
	 sorted(r[0] for r in j if r[15]) == ['ar-bekasi', 'ar-jabar', 'ar-jabar', 'ar-kec', 'ar-nas']" \
	python3 -c 'import csv, json, sys; rows = list(csv.reader(open(sys.argv[1], newline="")))
print(json.dumps(rows[1:]))' "$T/a.csv"
# ---- pokjactl arahan: what is overdue or due, most overdue first
KAB_33=$(py kab-count 33 | cut -d' ' -f2)
jcheck "arahan: the targets not selesai past their deadline, most overdue first; nothing due later" \
	"j['today'] == '2026-07-15' and j['due_days'] == 14 and
	 j['count'] == 1 + ($KAB_33 - 1) + ($KAB_32 - 1) == len(j['arahan']) and
	 j['arahan'][0]['key'] == 'ar-kec' and j['arahan'][0]['target'] == '32.73' and
	 j['arahan'][0]['days_left'] == -106 and j['arahan'][0]['diterima'] == 1772341200 and
	 all(a['overdue'] and a['status'] != 'selesai' for a in j['arahan']) and
	 [a['days_left'] for a in j['arahan']] == sorted(a['days_left'] for a in j['arahan']) and
	 not [a for a in j['arahan'] if a['key'] == 'ar-nas' or a['target'] in ('32.75', '33.74')]" \
	"$P" --dir "$N" arahan --today 2026-07-15 --json
jcheck "arahan --due 200: the national directive's provinces too, 169 days left, not overdue" \
	"len([a for a in j['arahan'] if a['key'] == 'ar-nas']) == $NPROV - 1 and
	 all(a['days_left'] == 169 and not a['overdue'] for a in j['arahan'] if a['key'] == 'ar-nas')" \
	"$P" --dir "$N" arahan --today 2026-07-15 --due 200 --json
outputs "arahan (text): days late, received or not, the latest status" \
	'^ar-jabar +Pembentukan Pokja PKP kabupaten/kota +32 +32\.01 +Kabupaten Bogor +2026-06-30 +terlambat 15 +2026-05-03 +direncanakan$' \
	"$P" --dir "$N" arahan --today 2026-07-15
outputs "arahan --region 32.75: selesai there, the rest has no deadline: nothing" \
	'^\(tidak ada yang lewat batas atau jatuh tempo\)$' "$P" --dir "$N" arahan --today 2026-07-15 --region 32.75
errs "arahan --due x" "--due harus jumlah hari dari 0 sampai 3650, bukan 'x'" "$P" --dir "$N" arahan --due x
same "arahan --due x: exit 2" "$RC" 2
errs "arahan --today 2026-02-30" "--today harus tanggal" "$P" --dir "$N" arahan --today 2026-02-30
errs "rekap kegiatan --today" "--today hanya untuk 'rekap arahan'" \
	"$P" --dir "$N" rekap kegiatan --today 2026-07-15

jcheck "luas_ha of 32 in 2025 matches the fixture (exact to 4 decimals)" \
	"[r for r in j['rows'] if r['wilayah'] == '32'][0]['tahun']['2025']['luas_ha'] ==
	 $(py luas-32-2025)" \
	"$P" --dir "$N" rekap kumuh --json
jcheck "kumuh totals per year are the sums of the rows" \
	"all(abs(sum(r['tahun'][y]['luas_ha'] for r in j['rows'] if y in r['tahun']) -
	         j['total']['tahun'][y]['luas_ha']) < 1e-9 for y in j['total']['tahun'])" \
	"$P" --dir "$N" rekap kumuh --level desa --json
_run "$P" --dir "$N" rekap kegiatan --level kabupaten --csv
cp "$OUT" "$T/k.csv"
jcheck "kegiatan CSV (read back with Python's csv) agrees with the JSON" \
	"j[0]['TOTAL'] == [str(j[1]['total']['kegiatan']), str(j[1]['total']['biaya'])] and
	 j[0]['32.75'] == [str(r['kegiatan']) for r in j[1]['rows'] if r['wilayah'] == '32.75'] +
	 [str(r['biaya']) for r in j[1]['rows'] if r['wilayah'] == '32.75']" \
	python3 -c 'import csv, json, subprocess, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
j = json.loads(subprocess.run(sys.argv[2:], capture_output=True).stdout)
print(json.dumps([{r["wilayah"]: [r["kegiatan"], r["biaya"]] for r in rows}, j]))' \
	"$T/k.csv" "$P" --dir "$N" rekap kegiatan --level kabupaten --json
outputs "text groups thousands with '.'" '^TOTAL +15 .* 2\.391\.234\.567 +90\.000\.000$' \
	"$P" --dir "$N" rekap kegiatan
outputs "a provincial record gets a row of its own, labelled, when grouping by kabupaten" \
	'^32 +Jawa Barat \(tingkat provinsi\) ' "$P" --dir "$N" rekap kegiatan --level kabupaten

# ---- sums up to 2^63 - 1 stay exact (9,000 activities of 10^15 rupiah: 9 * 10^18 in all);
# one past it fails the report with the reason, never a wrapped number. They are the national
# node's own, so that it writes them itself.
B=$T/besar
ok "init a second national node" "$P" --dir "$B" init
big_jsonl() { # first count
	python3 -c '
import json, sys
first, count = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + count):
    print(json.dumps({"collection": "kegiatan", "key": "b%05d" % i, "wilayah": "",
                      "nama": "Besar", "tahun": 2026, "biaya": 10**15, "sumber_biaya": "APBN",
                      "jumlah_peserta": 10}))' "$1" "$2"
}
big_jsonl 0 9000 >"$T/besar.jsonl"
ok "import 9,000 activities of 10^15 rupiah" "$P" --dir "$B" import "$T/besar.jsonl"
jcheck "JSON total is exactly 9 * 10^18 (a JSON integer)" \
	"j['total']['biaya'] == 9 * 10**18 and j['rows'][0]['biaya_per_sumber']['APBN'] == 9 * 10**18 and
	 j['total']['jumlah_peserta'] == 90000 and j['total']['kegiatan'] == 9000" \
	"$P" --dir "$B" rekap kegiatan --json
outputs "text total is exactly 9 * 10^18" '^TOTAL +9\.000 .* 9\.000\.000\.000\.000\.000\.000 +0$' \
	"$P" --dir "$B" rekap kegiatan
outputs "CSV total is exactly 9 * 10^18" '^TOTAL,,,9000,.*,9000000000000000000,0,9000000000000000000' \
	"$P" --dir "$B" rekap kegiatan --csv
big_jsonl 9000 300 >"$T/besar2.jsonl"
ok "import 300 more (9.3 * 10^18 in all, past 2^63 - 1)" "$P" --dir "$B" import "$T/besar2.jsonl"
for fmt in "" --csv --json; do
	errs "a total past 2^63 - 1 fails the report ${fmt:-(text)} with the reason" \
		'terlalu besar untuk ditampilkan dengan tepat \(lebih dari 2\^63 - 1 rupiah' "$P" --dir "$B" rekap kegiatan $fmt
	check "... and writes nothing to stdout ${fmt:-(text)}" test ! -s "$OUT"
done

# ---- the node's own region is the default
K=$T/bekasi
ok "init a kabupaten/kota node (not certified: it can still be read)" \
	"$P" --dir "$K" init --region 32.75
jcheck "default region is the node's, grouped one level below" \
	"j['region'] == '32.75' and j['level'] == 'kecamatan' and j['rows'] == [] and
	 j['total']['kegiatan'] == 0" \
	"$P" --dir "$K" rekap kegiatan --json
outputs "empty report says so" '^\(tidak ada rekaman kegiatan\)$' "$P" --dir "$K" rekap kegiatan
jcheck "kumuh at a desa region groups at desa" \
	"j['region'] == '32.75.01.1001' and j['level'] == 'desa'" \
	"$P" --dir "$N" rekap kumuh --region 32.75.01.1001 --json

# ---- the page to print, at a kabupaten/kota node whose records hold markup
H=$T/cetak
ok "init Kota Bekasi (32.75), certified offline by the national node" sh -c '
	"$1" --dir "$2" init --region 32.75 >/dev/null &&
	"$1" --dir "$2" request -o "$2.req" 2>/dev/null &&
	"$1" --dir "$3" certify "$2.req" -o "$2.set" >/dev/null &&
	"$1" --dir "$2" install-cert "$2.set" >/dev/null' sh "$P" "$H" "$N"
cat >"$T/cetak.jsonl" <<'EOF'
{"collection":"kegiatan","key":"c1","wilayah":"32.75.01","nama":"Rembuk warga","tahun":2026,"jumlah_peserta":40,"biaya":1250000,"sumber_biaya":"<script>alert(1)</script>","strategi":"<b>tebal</b>","status":"selesai"}
{"collection":"kegiatan","key":"c2","wilayah":"32.75.01","nama":"Sosialisasi","tahun":2026,"jumlah_peserta":25,"biaya":3000000,"sumber_biaya":"Dana \"CSR\" & 'hibah'","status":"berjalan"}
{"collection":"kegiatan","key":"c3","wilayah":"32.75.02","nama":"Lokakarya","tahun":2026,"jumlah_peserta":60,"biaya":12500000,"sumber_biaya":"APBD","status":"rencana"}
{"collection":"kumuh","key":"m1","wilayah":"32.75.01.1001","tahun":2026,"luas_ha":12.5,"jumlah_kk":1250}
EOF
ok "import records with markup in sumber_biaya and strategi" "$P" --dir "$H" import "$T/cetak.jsonl"
ok "rekap kegiatan --format html -o FILE" \
	"$P" --dir "$H" rekap kegiatan --format html -o "$T/kegiatan.html"
same "-o prints nothing on stdout" "$(cat "$OUT")" ""
check "-o leaves no temporary file" test -z "$(ls "$T" | grep '\.tmp\.')"
ok "rekap kegiatan --format html to stdout" "$P" --dir "$H" rekap kegiatan --format html
sed -E 's|<time [^>]*>[^<]*</time>||' "$OUT" >"$T/stdout.html"
check "stdout holds what -o wrote (but for the time)" sh -c \
	'sed -E "s|<time [^>]*>[^<]*</time>||" "$1" | cmp -s - "$2"' sh "$T/kegiatan.html" "$T/stdout.html"
ok "rekap kegiatan --by strategi --format html" \
	"$P" --dir "$H" rekap kegiatan --by strategi --format html -o "$T/strategi.html"
ok "rekap kumuh --format html" "$P" --dir "$H" rekap kumuh --format html -o "$T/kumuh.html"

# htmlcheck.py FILE [TEXT...]: FILE is one HTML document (the doctype first, lang="id", UTF-8,
# every element closed in order as Python's html.parser reads it) that loads and runs nothing
# (no script, link, img or frame, no src, href or on... attribute, no url(, @import or http),
# and whose text holds each TEXT; prints the cells of each total row (<tfoot>), a line each.
cat >"$T/htmlcheck.py" <<'EOF'
import sys
from html.parser import HTMLParser
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.decl, self.lang, self.stack, self.bad = None, None, [], []
        self.tags, self.text, self.totals = set(), [], []
    def handle_decl(self, decl):
        self.decl = decl
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.bad += ["<%s %s=...>" % (tag, k) for k, v in attrs
                     if k in ("src", "href", "srcset", "action") or k.startswith("on")]
        self.lang = dict(attrs).get("lang") if tag == "html" else self.lang
        if tag == "tfoot":
            self.totals.append([])
        if tag == "td" and "tfoot" in self.stack:
            self.totals[-1].append("")
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.bad.append("</%s> out of order" % tag)
    def handle_data(self, data):
        self.text.append(data)
        if self.stack[-1:] == ["td"] and "tfoot" in self.stack:
            self.totals[-1][-1] += data
raw = open(sys.argv[1], encoding="utf-8").read()
p = Page()
p.feed(raw)
p.close()
why = p.bad + ["left open: %s" % t for t in p.stack]
why += ["no <%s>" % t for t in ("html", "head", "title", "style", "body", "table", "thead",
                                 "tbody", "tfoot") if t not in p.tags]
why += ["a <%s>" % t for t in ("script", "link", "img", "iframe", "object", "embed")
        if t in p.tags]
why += ["%r in the page" % w for w in ("url(", "@import", "http:", "https:") if w in raw]
why += ["the text lacks %r" % w for w in sys.argv[2:] if w not in "".join(p.text)]
if not raw.startswith("<!DOCTYPE html>\n") or p.decl != "DOCTYPE html":
    why.append("the doctype is not first")
if p.lang != "id" or '<meta charset="utf-8">' not in raw:
    why.append("not lang=\"id\" in UTF-8")
if why:
    sys.exit("\n".join(why))
print("\n".join("|".join(cells) for cells in p.totals))
EOF
htmlcheck() { # name file [text...]: runs htmlcheck.py; the totals in $T/totals
	_hn=$1
	shift
	if python3 "$T/htmlcheck.py" "$@" >"$T/totals" 2>"$T/why"; then
		pass "$_hn"
	else
		fail "$_hn" "$(cat "$T/why")"
	fi
}
htmlcheck "kegiatan page: one self-contained document, the letterhead, the markup as text" \
	"$T/kegiatan.html" "Kota Bekasi" "Kota Bekasi (32.75)" "<script>alert(1)</script>" \
	"Dana \"CSR\" & 'hibah'" "Rekap kegiatan di Kota Bekasi (32.75)" "Bekasi Timur"
same "kegiatan page: the totals of both tables, grouped as in text" "$(cat "$T/totals")" \
	"TOTAL||3|1|1|1|0|0|125|16.750.000|0
TOTAL||1.250.000|12.500.000|3.000.000"
check "the markup from records is escaped in the file" \
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/kegiatan.html"
check "... and the quotes too" \
	grep -qF 'Dana &quot;CSR&quot; &amp; &#39;hibah&#39;' "$T/kegiatan.html"
ok "rekap --format html in the zone of Jakarta (TZ=WIB-7)" \
	env TZ=WIB-7 "$P" --dir "$H" rekap kegiatan --format html
stdout_has "the letterhead's date and time are local, as an Indonesian letter writes them" \
	'^<time datetime="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+0700">[1-9][0-9]? (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) [0-9]{4}, [0-9]{2}\.[0-9]{2}</time>$'

htmlcheck "kegiatan --by strategi page: markup in a row's cell is text" "$T/strategi.html" \
	"<b>tebal</b>" "(tanpa strategi)"
same "strategi page: the totals" "$(cat "$T/totals")" "TOTAL|3|1|1|1|0|0|125|16.750.000|0
TOTAL|1.250.000|12.500.000|3.000.000"
htmlcheck "kumuh page: hectares with a decimal comma" "$T/kumuh.html" "luas_ha: luas kawasan kumuh"
same "kumuh page: the totals of luas_ha and jumlah_kk" "$(head -n 2 "$T/totals")" \
	"TOTAL||12,50
TOTAL||1.250"
for g in kegiatan arahan-32 kumuh-3275-desa; do
	htmlcheck "golden $g.html reads back as one self-contained document" "$G/$g.html"
done
errs "--format html with --json" "--json dan --format html tidak dapat dipakai bersama" \
	"$P" --json --dir "$H" rekap kegiatan --format html
same "--format html with --json: exit 2" "$RC" 2
fails "a refused html report leaves an existing -o file alone" 2 \
	"$P" --dir "$H" rekap kegiatan --format html --by x -o "$T/kegiatan.html"
check "... the page is still there" grep -qF '</html>' "$T/kegiatan.html"

# ---- usage errors (exit 2) and refusals (exit 1)
errs "no report name" "argumen kurang" "$P" --dir "$N" rekap
same "no report name: exit 2" "$RC" 2
errs "unknown report" "tidak ada laporan 'laporan'" "$P" --dir "$N" rekap laporan
same "unknown report: exit 2" "$RC" 2
errs "bad --by" "--by harus wilayah, sumber_biaya, strategi, status atau verifikasi" \
	"$P" --dir "$N" rekap kegiatan --by bulan
same "bad --by: exit 2" "$RC" 2
errs "--by on arahan" "--by hanya untuk 'rekap kegiatan'" "$P" --dir "$N" rekap arahan --by status
same "--by on arahan: exit 2" "$RC" 2
errs "--by on kumuh" "--by hanya untuk" "$P" --dir "$N" rekap kumuh --by wilayah
same "--by on kumuh: exit 2" "$RC" 2
for y in abc 1999 2101 2026x "" " 2026"; do
	errs "bad --tahun '$y'" "--tahun harus tahun 2000 sampai 2100" \
		"$P" --dir "$N" rekap kegiatan --tahun "$y"
	same "bad --tahun '$y': exit 2" "$RC" 2
done
errs "--tahun on arahan" "--tahun hanya untuk" "$P" --dir "$N" rekap arahan --tahun 2026
same "--tahun on arahan: exit 2" "$RC" 2
errs "bad --level" "--level harus provinsi, kabupaten, kecamatan atau desa" \
	"$P" --dir "$N" rekap kegiatan --level kota
same "bad --level: exit 2" "$RC" 2
errs "--level nasional" "--level harus" "$P" --dir "$N" rekap kumuh --level nasional
same "--level nasional: exit 2" "$RC" 2
errs "--level with --by status" "--level hanya untuk" \
	"$P" --dir "$N" rekap kegiatan --by status --level provinsi
same "--level with --by status: exit 2" "$RC" 2
errs "--level on arahan" "--level hanya untuk" "$P" --dir "$N" rekap arahan --level provinsi
same "--level on arahan: exit 2" "$RC" 2
errs "--level above the region" "--level provinsi berada di atas wilayah 32.75" \
	"$P" --dir "$N" rekap kegiatan --region 32.75 --level provinsi
same "--level above the region: exit 2" "$RC" 2
errs "--level above the node's own region" "berada di atas wilayah 32.75" \
	"$P" --dir "$K" rekap kumuh --level provinsi
same "--level above the node's region: exit 2" "$RC" 2
errs "--csv with --json" "--csv dan --json tidak dapat dipakai bersama" \
	"$P" --dir "$N" rekap kegiatan --csv --json
same "--csv with --json: exit 2" "$RC" 2
errs "global --json with --csv" "tidak dapat dipakai bersama" "$P" --json --dir "$N" rekap kumuh --csv
same "global --json with --csv: exit 2" "$RC" 2
errs "unknown format" "format 'pdf' tidak dikenal \(text, csv, json, xlsx atau html\)" \
	"$P" --dir "$N" rekap kegiatan --format pdf
same "unknown format: exit 2" "$RC" 2
errs "--csv takes no value" "tidak menerima nilai" "$P" --dir "$N" rekap kegiatan --csv=yes
same "--csv=yes: exit 2" "$RC" 2
errs "unknown option" "opsi '--wilayah' tidak dikenal" "$P" --dir "$N" rekap kegiatan --wilayah 32
same "unknown option: exit 2" "$RC" 2
errs "two report names" "argumen 'kumuh' tidak diharapkan" "$P" --dir "$N" rekap kegiatan kumuh
same "two report names: exit 2" "$RC" 2
errs "--region without a value" "memerlukan nilai" "$P" --dir "$N" rekap kegiatan --region
same "--region without a value: exit 2" "$RC" 2
errs "malformed --region" "'3x' bukan kode wilayah" "$P" --dir "$N" rekap kegiatan --region 3x
same "malformed --region: exit 1" "$RC" 1
errs "--region that is no whole code" "bukan kode wilayah" \
	"$P" --dir "$N" rekap kumuh --region 32.7
same "--region 32.7: exit 1" "$RC" 1
errs "--region not on the official list" "'99' tidak ada dalam daftar resmi Kemendagri" \
	"$P" --dir "$N" rekap arahan --region 99
same "--region 99: exit 1" "$RC" 1
errs "no node in the folder" "." "$P" --dir "$T/nothing" rekap kegiatan
same "no node: exit 1" "$RC" 1
check "no node: the folder was not created" test ! -e "$T/nothing/store"
errs "-o into a missing folder" "$T/no/such" "$P" --dir "$N" rekap kegiatan -o "$T/no/such/r.txt"
same "-o into a missing folder: exit 1" "$RC" 1
echo keep >"$T/keep.txt"
fails "a usage error leaves an existing -o file alone" 2 \
	"$P" --dir "$N" rekap kegiatan --by x -o "$T/keep.txt"
same "the -o file is unchanged" "$(cat "$T/keep.txt")" keep

# ---- help, and nothing written
outputs "help rekap prints the usage line" \
	'^penggunaan: pokjactl rekap \[--dir DIR\] kegiatan\|arahan\|kumuh \[--region PREFIX\]' \
	"$P" help rekap
stdout_has "help rekap names --format html" '--format xlsx\|html'
same "rekap --help prints the same as help rekap" "$("$P" rekap --help 2>&1)" \
	"$("$P" help rekap 2>&1)"
snapshot "$N" >"$T/after"
check "the store is unchanged after every report and refusal" cmp -s "$T/before" "$T/after"

done_testing
