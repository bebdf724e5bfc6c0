#!/bin/sh
# pokjactl verify: a clean node passes; a flipped byte in a stored changeset or record is found
# and located in the data file; a damaged data file is refused without a crash.
. tests/cli/lib.sh

N=$T/nasional
MARK=PENANDA-UNIK-12345
ok "init national" "$P" --dir "$N" init
ok "put the marked record" "$P" --dir "$N" put kegiatan tanda --json \
	"{\"nama\":\"$MARK\",\"tahun\":2026,\"wilayah\":\"\"}"
ok "put a second record" "$P" --dir "$N" put kegiatan lain --json \
	'{"nama":"Lain","tahun":2026,"wilayah":""}'
ok "put a third record" "$P" --dir "$N" put arahan ar --json \
	'{"judul":"A","isi":"B","wilayah_sasaran":"32"}'

outputs "verify on a clean node: 0 problems" ": 0 masalah$" "$P" --dir "$N" verify
outputs "verify counts what it checked" "diperiksa 3 changeset, 3 rekaman" "$P" --dir "$N" verify
jcheck "verify --json: ok true, no findings" \
	'j["ok"] is True and j["problems"] == 0 and j["findings"] == [] and j["changesets"] == 3
	 and j["records"] == 3' \
	"$P" --dir "$N" verify --json
clean=$(snapshot "$N")

# The changeset that carries the marker: seq 1 of this node; its size from the log.
CSBYTES=$("$P" --dir "$N" log --json | python3 -c '
import json, sys
print([c for c in json.load(sys.stdin) if c["seq"] == 1][0]["bytes"])' 2>/dev/null || echo 0)
check "log --json gives the size of changeset 1 ($CSBYTES bytes)" test "$CSBYTES" -gt 64

# Every place the marker sits in the data file. The live ones are one inside the signed
# changeset in the log and one in the records table; LMDB may keep stale copies in free pages,
# which verify rightly does not see.
OFFS=$(grep -boa "$MARK" "$N/store/data.mdb" | cut -d: -f1)
count=$(printf '%s\n' "$OFFS" | grep -c .)
check "the marker is in the data file at least twice ($count)" test "$count" -ge 2

# For each occurrence: a copy of the node with one byte of it flipped, and verify --json.
# Classify what verify says: "changeset" (a "changeset asal ..." finding), "record" (only
# record findings), "clean" (no finding: a stale copy), or "error: ..." (verify failed, crashed,
# or a finding without an offset, or an offset that does not cover the flipped byte).
classify() { # offset -> prints the class; leaves the copy in $T/copy-OFFSET
	c=$T/copy-$1
	cp -a "$N" "$c"
	flip_byte "$c/store/data.mdb" $(($1 + 3))
	"$P" --dir "$c" verify --json >"$T/v-$1.json" 2>"$T/v-$1.err"
	rc=$?
	python3 - "$T/v-$1.json" "$rc" "$(($1 + 3))" "$CSBYTES" <<'EOF'
import json, re, sys
path, rc, flipped, csbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
try:
    j = json.load(open(path))
except Exception as e:
    print("error: exit %d, output is not JSON (%s)" % (rc, e)); sys.exit()
f = j["findings"]
if not f:
    print("clean" if rc == 0 and j["ok"] is True else "error: exit %d with no findings" % rc)
    sys.exit()
if rc != 1 or j["ok"] is not False or j["problems"] != len(f):
    print("error: exit %d, ok %s, problems %s for %d findings" % (rc, j["ok"], j["problems"], len(f)))
    sys.exit()
offs = []
for x in f:
    m = re.search(r"offset (\d+)", x["where"])
    if not m:
        print("error: finding without an offset: %s" % x); sys.exit()
    offs.append((x["where"], int(m.group(1))))
cs = [(w, o) for w, o in offs if w.startswith("changeset asal ") and " urutan 1 " in w]
if cs:
    w, o = cs[0]
    if not (o <= flipped < o + csbytes):
        print("error: changeset at offset %d (%d bytes) does not hold byte %d" % (o, csbytes, flipped))
    else:
        print("changeset %d" % o)
    sys.exit()
if all(w.startswith("rekaman kegiatan//tanda") for w, o in offs):
    w, o = offs[0]
    if not (o <= flipped < o + 4096):
        print("error: record at offset %d does not hold byte %d" % (o, flipped))
    else:
        print("record")
    sys.exit()
print("error: unexpected findings %s" % offs)
EOF
}
seen_cs=""
seen_rec=""
for o in $OFFS; do
	class=$(classify "$o")
	case $class in
	changeset*)
		seen_cs=$o
		CSOFF=${class#changeset }
		;;
	record) seen_rec=$o ;;
	clean) ;;
	*) fail "verify of a copy with byte $((o + 3)) flipped" "$class" ;;
	esac
done
check "a flipped marker byte in the log is reported as the changeset, with its offset" \
	test -n "$seen_cs"
check "a flipped marker byte in the records table is reported as the record, with an offset" \
	test -n "$seen_rec"
if [ -n "$seen_cs" ]; then
	c=$T/copy-$seen_cs
	fails "verify (text) on the damaged changeset exits 1" 1 "$P" --dir "$c" verify
	stdout_has "it names the changeset and its offset" \
		"changeset asal [0-9a-f]+ urutan 1 \(offset [0-9]+ di data\.mdb\)"
	stdout_has "and says the signature does not verify" "urutan 1 .*tanda tangan tidak valid"
	stdout_has "and counts the problems" ": [1-9][0-9]* masalah$"
fi
if [ -n "$seen_rec" ]; then
	c=$T/copy-$seen_rec
	fails "verify (text) on the damaged record exits 1" 1 "$P" --dir "$c" verify
	stdout_has "it names the record and its offset" \
		"rekaman kegiatan//tanda \(offset [0-9]+ di data\.mdb\)"
	same "and does not blame any changeset" "$(grep -c "changeset asal" "$OUT")" 0
fi

# A flipped byte in the changeset's signature itself (the last 64 bytes of the envelope
# [body, signature]), located from the offset verify reported above.
if [ -n "${CSOFF:-}" ]; then
	c=$T/copy-sig
	cp -a "$N" "$c"
	flip_byte "$c/store/data.mdb" $((CSOFF + CSBYTES - 10))
	fails "a flipped signature byte: verify exits 1" 1 "$P" --dir "$c" verify
	stdout_has "it names the changeset at offset $CSOFF and its signature" \
		"changeset asal [0-9a-f]+ urutan 1 \(offset $CSOFF di data\.mdb\).*tanda tangan tidak valid"
	same "and no record is blamed (the record still matches the signed body)" \
		"$(grep -c "^MASALAH rekaman" "$OUT")" 0
else
	fail "a flipped signature byte (the changeset was not located above)"
fi
same "the original node is untouched by all this" "$(snapshot "$N")" "$clean"
outputs "and still verifies clean" ": 0 masalah$" "$P" --dir "$N" verify

# ---- a damaged data file: refused with exit 1, a message about the store, no crash
damaged() { # name dir
	# shellcheck disable=SC2089
	for cmd in "list kegiatan" "get kegiatan tanda" "verify" "verify --json" "log" "info" \
		"put kegiatan x --json {\"nama\":\"x\",\"tahun\":2026}"; do
		# shellcheck disable=SC2086,SC2090
		errs "$1: $cmd fails with a message about the store" "penyimpanan|rusak" \
			"$P" --dir "$2" $cmd
		same "$1: $cmd exits 1 (not a crash)" "$RC" 1
	done
}
cp -a "$N" "$T/trunc"
truncate -s 4096 "$T/trunc/store/data.mdb"
damaged "data.mdb truncated to 4096 bytes" "$T/trunc"
cp -a "$N" "$T/trunc2"
full=$(stat -c %s "$N/store/data.mdb" 2>/dev/null || echo 0)
truncate -s $((full / 2)) "$T/trunc2/store/data.mdb"
damaged "data.mdb truncated to half" "$T/trunc2"
cp -a "$N" "$T/garbage"
head -c 65536 /dev/urandom >"$T/garbage/store/data.mdb"
damaged "data.mdb of random bytes" "$T/garbage"
cp -a "$N" "$T/empty"
: >"$T/empty/store/data.mdb"
for cmd in "list kegiatan" "verify"; do
	# shellcheck disable=SC2086
	_run "$P" --dir "$T/empty" $cmd
	check "an empty data.mdb: $cmd does not crash (exit $RC)" test "$RC" -lt 126
done

# ---- one flipped byte in any LMDB page header (the first 16 bytes of each 4 KB page, where
# LMDB keeps the page number, flags and free-space bounds): verify, log and list must report it
# or fail cleanly: never die by a signal, never hang (3 s each). Bounded to 25 s in all.
python3 - "$P" "$N" "$T/pagehdr" >"$T/pagehdr.out" 2>&1 <<'EOF'
import os, shutil, subprocess, sys, time
p, node, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.copytree(node, work)
src = open(os.path.join(node, "store", "data.mdb"), "rb").read()
dst = os.path.join(work, "store", "data.mdb")
def run(cmd):
    try:
        r = subprocess.run([p, "--dir", work] + cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=3)
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired:
        return "hangs (killed after 3 s)", b""
open(dst, "wb").write(src)
clean = {c: run(c.split()) for c in ("log", "list kegiatan")}
bad, missed, tried, deadline = [], [], 0, time.time() + 25
for page in range(2, len(src) // 4096):  # pages 0 and 1 are the meta pages
    for i in range(16):
        for x in (0x01, 0x80):
            if time.time() > deadline:
                break
            b = bytearray(src); b[page * 4096 + i] ^= x
            open(dst, "wb").write(bytes(b))
            seen = {}
            for cmd in ("verify", "log", "list kegiatan"):
                rc, out = run(cmd.split())
                seen[cmd] = (rc, out)
                tried += 1
                if rc not in (0, 1):
                    if isinstance(rc, int) and rc < 0:
                        rc = "killed by signal %d" % -rc
                    bad.append("pokjactl %s, byte %d xor 0x%02x: %s" %
                               (cmd, page * 4096 + i, x, rc))
            # Damage that changes what the store returns must not pass verify.
            visible = any(seen[c] != clean[c] for c in clean)
            if visible and seen["verify"][0] != 1:
                missed.append("byte %d xor 0x%02x" % (page * 4096 + i, x))
print("tried", tried)
for c in bad:
    print("BAD", c)
for c in missed:
    print("MISSED", c)
EOF
tried=$(sed -n 's/^tried //p' "$T/pagehdr.out")
nmissed=$(grep -c "^MISSED" "$T/pagehdr.out")
if [ "$nmissed" -eq 0 ]; then
	pass "verify reports every page header flip that changes what log or list return"
else
	fail "verify reports every page header flip that changes what log or list return" \
		"$nmissed flips changed log/list output but verify passed, e.g. $(grep -m3 '^MISSED' "$T/pagehdr.out" | tr '\n' ' ')"
fi
check "page header flips were tried (${tried:-0} runs)" test "${tried:-0}" -gt 0
for cmd in verify log list; do
	nbad=$(grep -c "^BAD pokjactl $cmd" "$T/pagehdr.out")
	if [ "$nbad" -eq 0 ]; then
		pass "pokjactl $cmd neither crashes nor hangs on a flipped page header byte"
	else
		fail "pokjactl $cmd neither crashes nor hangs on a flipped page header byte" \
			"$nbad runs went wrong, e.g.:
$(grep "^BAD pokjactl $cmd" "$T/pagehdr.out" | head -n 5 | cut -c5-)"
	fi
done
if grep -qv '^tried \|^BAD ' "$T/pagehdr.out"; then
	fail "the page header sweep ran without errors" \
		"$(grep -v '^tried \|^BAD ' "$T/pagehdr.out" | head)"
fi

# ---- a large changeset (an import: one changeset of many ops): each record is checked
# against its own op, found by verify's op index, and a changed record value is caught.
B=$T/besar
ok "init a node for a large import" "$P" --dir "$B" init
python3 -c '
import json
for i in range(300):
    n = "BESAR-%03d" % i if i != 150 else "PENANDA-BESAR-99"
    print(json.dumps({"collection": "kegiatan", "key": "b%03d" % i, "wilayah": "",
                      "nama": n, "tahun": 2026}))' >"$T/besar.jsonl"
ok "import 300 records" "$P" --dir "$B" import "$T/besar.jsonl"
jcheck "verify on it: 300 records in few changesets, 0 problems" \
	'j["ok"] is True and j["records"] == 300 and j["changesets"] < 10' "$P" --dir "$B" verify --json
found_differs=no
for off in $(grep -boa "PENANDA-BESAR-99" "$B/store/data.mdb" | cut -d: -f1); do
	cp -a "$B" "$T/besar-$off"
	flip_byte "$T/besar-$off/store/data.mdb" $((off + 9))
	"$P" --dir "$T/besar-$off" verify --json >"$T/besar-$off.json" 2>/dev/null
	grep -q 'nilai rekaman berbeda dari changeset-nya' "$T/besar-$off.json" && found_differs=yes
done
same "a flipped byte in the marked record's stored value is caught as differing from its op" \
	"$found_differs" yes

done_testing
