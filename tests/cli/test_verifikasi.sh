#!/bin/sh
# Verification as a workflow and references between records (issue 12, points 4 and 5; SPEC
# section 5, "References" and "Verification state"), on a running network: national, province
# 32, Kota Bekasi 32.75. The district writes a kegiatan; it waits in the province's queue; the
# province asks for a correction with a note, which the district sees with who wrote it; the
# district's edit sends the record back to the queue and to belum diverifikasi; the province
# approves and every level shows disetujui. Verdicts that may not be given are refused with
# exit status 1. A reference to a record not held is refused on put, edit and import, and one
# that arrives by replication (a verdict on a record never sent) is accepted and reported by
# verify and rekap.
. tests/cli/lib.sh
. tests/cli/net.sh

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE" --name Nasional
start nas
join p32 nas 32 $((BASE + 1))
join k3275 p32 32.75

# state NODE EXPR: get kegiatan keg-1 --json at NODE satisfies EXPR.
state() {
	jtrue "$1" "$2" get kegiatan keg-1
}

ok "Kota Bekasi writes a kegiatan" "$P" --dir "$T/k3275" put kegiatan keg-1 \
	--json '{"nama":"Sosialisasi RP3KP","tahun":2026,"biaya":5000000}'
jcheck "at Kota Bekasi it is belum diverifikasi" \
	'j["verifikasi"] == {"status": "belum diverifikasi"}' \
	"$P" --dir "$T/k3275" get kegiatan keg-1 --json
if wait_for 15 jtrue p32 'any(o["key"] == "keg-1" for o in j)' verifikasi; then
	pass "it appears in the province's queue"
else
	fail "it appears in the province's queue" "$(tails k3275 p32)"
fi
jcheck "the queue names its collection, region and state" \
	'[(o["collection"], o["key"], o["wilayah"], o["verifikasi"]["status"]) for o in j] ==
	 [("kegiatan", "keg-1", "32.75", "belum diverifikasi")]' \
	"$P" --dir "$T/p32" verifikasi --json
jcheck "the queue of --collection rapat is empty" 'j == []' \
	"$P" --dir "$T/p32" verifikasi --collection rapat --json
jcheck "Kota Bekasi's own queue is empty (nothing below it)" 'j == []' \
	"$P" --dir "$T/k3275" verifikasi --json

# ---- refusals ---------------------------------------------------------------------------------
errs "a verdict on its own record is refused" "adalah rekaman node ini sendiri" \
	"$P" --dir "$T/k3275" verifikasi kegiatan keg-1 setujui
same "... exit 1" "$RC" 1
errs "a verdict on a record not held is refused" "tidak ada rekaman kegiatan/tidak-ada" \
	"$P" --dir "$T/p32" verifikasi kegiatan tidak-ada setujui
same "... exit 1" "$RC" 1
ok "the province writes a kegiatan of its own" "$P" --dir "$T/p32" put kegiatan keg-prov \
	--json '{"nama":"Rakor provinsi","tahun":2026}'
if wait_for 15 has k3275 kegiatan keg-prov; then
	pass "it reaches Kota Bekasi"
else
	fail "it reaches Kota Bekasi" "$(tails p32 k3275)"
fi
# What a node wrote itself (other nodes' changesets come and go), less its pokjad's own health
# records, which it writes on its own schedule (after commits, at the heartbeat).
own() {
	"$P" --dir "$T/$1" log --origin self --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if any(r["collection"] != "kesehatan_node" for r in c["records"]):
        print(c["seq"], c["hash"])'
}
before=$(own k3275)
errs "a verdict by an operator below (Kota Bekasi on the province's record) is refused" \
	"tidak berada di bawah wilayah node ini, 32\\.75" \
	"$P" --dir "$T/k3275" verifikasi kegiatan keg-prov setujui
same "... exit 1" "$RC" 1
errs "put of a verdict by hand on the province's record is refused as verifikasi refuses it" \
	"tidak berada di bawah wilayah node ini, 32\\.75" \
	"$P" --dir "$T/k3275" put verifikasi v-naik --json \
	'{"koleksi":"kegiatan","wilayah_rekaman":"32","kunci":"keg-prov","hasil":"diterima"}'
same "... exit 1" "$RC" 1
errs "put of a verdict by hand on its own record is refused" "adalah rekaman node ini sendiri" \
	"$P" --dir "$T/k3275" put verifikasi v-sendiri --json \
	'{"koleksi":"kegiatan","wilayah_rekaman":"32.75","kunci":"keg-1","hasil":"diterima"}'
same "... exit 1" "$RC" 1
printf '%s\n' '{"key":"v-impor","koleksi":"kegiatan","wilayah_rekaman":"32","kunci":"keg-prov","hasil":"ditolak"}' \
	>"$T/verdict.jsonl"
errs "import of such a verdict is refused, naming the line" \
	"verdict\\.jsonl:1: kegiatan/keg-prov di wilayah 32 tidak berada di bawah" \
	"$P" --dir "$T/k3275" import "$T/verdict.jsonl" --collection verifikasi
same "... exit 1" "$RC" 1
same "Kota Bekasi wrote nothing in the refusals" "$(own k3275)" "$before"
errs "a word that is not a verdict is a usage error" "bukan keputusan" \
	"$P" --dir "$T/p32" verifikasi kegiatan keg-1 terima
same "... exit 2" "$RC" 2

# ---- perbaiki, edit, setujui -------------------------------------------------------------------
outputs "the province asks for a correction with a note" "perlu perbaikan" \
	"$P" --dir "$T/p32" verifikasi kegiatan keg-1 perbaiki --catatan "Lengkapi sumber biaya"
jcheck "the province's queue no longer holds it" 'j == []' "$P" --dir "$T/p32" verifikasi --json
jcheck "the verdict is a verifikasi under 32 with the record's key" \
	'j["wilayah"] == "32" and j["koleksi"] == "kegiatan" and j["wilayah_rekaman"] == "32.75"
	 and j["kunci"] == "keg-1" and j["hasil"] == "perbaikan"' \
	"$P" --dir "$T/p32" get verifikasi kegiatan:32.75:keg-1 --json
if wait_for 15 state k3275 'j["verifikasi"]["status"] == "perlu perbaikan"'; then
	pass "at Kota Bekasi get shows perlu perbaikan"
else
	fail "at Kota Bekasi get shows perlu perbaikan" "$(tails p32 k3275)"
fi
jcheck "... with the note and who gave it" \
	'j["verifikasi"]["catatan"] == "Lengkapi sumber biaya" and
	 j["verifikasi"]["oleh"]["wilayah"] == "32" and j["verifikasi"]["oleh"]["nama"] == "Jawa Barat"
	 and j["verifikasi"]["waktu"] > j["diubah"]' \
	"$P" --dir "$T/k3275" get kegiatan keg-1 --json
outputs "get (text) shows the state, the note and the verifier" \
	"catatan_verifikasi +Lengkapi sumber biaya" "$P" --dir "$T/k3275" get kegiatan keg-1
stdout_has "... and who" "diverifikasi_oleh +Jawa Barat \\(32\\)"
outputs "list (text) shows the state in a column" "^keg-1 +32\\.75 +perlu perbaikan " \
	"$P" --dir "$T/k3275" list kegiatan
jcheck "list --json has the same member" \
	'[o["verifikasi"]["status"] for o in j if o["key"] == "keg-1"] == ["perlu perbaikan"]' \
	"$P" --dir "$T/k3275" list kegiatan --json
outputs "export has status_verifikasi and catatan_verifikasi" \
	",perlu perbaikan,Lengkapi sumber biaya" "$P" --dir "$T/k3275" export kegiatan
outputs "rekap kegiatan --by verifikasi counts it" "perlu perbaikan +1 " \
	"$P" --dir "$T/k3275" rekap kegiatan --by verifikasi

ok "Kota Bekasi edits the record, as asked" "$P" --dir "$T/k3275" edit kegiatan keg-1 \
	--set sumber_biaya=APBD
jcheck "at Kota Bekasi it is belum diverifikasi again" \
	'j["verifikasi"] == {"status": "belum diverifikasi"}' \
	"$P" --dir "$T/k3275" get kegiatan keg-1 --json
if wait_for 15 jtrue p32 '[o["key"] for o in j] == ["keg-1"]' verifikasi; then
	pass "the province's queue shows it again"
else
	fail "the province's queue shows it again" "$(tails k3275 p32)"
fi
outputs "the province approves" "disetujui" \
	"$P" --dir "$T/p32" verifikasi kegiatan keg-1 setujui
jcheck "a new verdict replaces the province's last one (one verifikasi of 32)" \
	'[o["key"] for o in j if o["wilayah"] == "32"] == ["kegiatan:32.75:keg-1"]' \
	"$P" --dir "$T/p32" list verifikasi --json
for n in nas k3275; do
	if wait_for 15 state $n 'j["verifikasi"]["status"] == "disetujui" and
	    "catatan" not in j["verifikasi"] and j["verifikasi"]["oleh"]["wilayah"] == "32"'; then
		pass "$n shows disetujui"
	else
		fail "$n shows disetujui" "$(tails p32 $n)"
	fi
done
jcheck "the national node's queue holds keg-1 (it has not given its own verdict)" \
	'sorted(o["key"] for o in j) == ["keg-1", "keg-prov"]' \
	"$P" --dir "$T/nas" verifikasi --json

# ---- references -------------------------------------------------------------------------------
before=$(own k3275)
errs "a put naming a task force that does not exist is refused, naming the field" \
	"kolom 'gugus_tugas': tidak ada gugus_tugas 'gt-9' di wilayah 32\\.75 atau wilayah di atasnya \\(lihat 'pokjactl list gugus_tugas'\\)" \
	"$P" --dir "$T/k3275" put kegiatan --json '{"nama":"x","tahun":2026,"gugus_tugas":"gt-9"}'
same "... exit 1" "$RC" 1
errs "an edit setting one is refused" "kolom 'indikator': tidak ada indikator 'ind-9'" \
	"$P" --dir "$T/k3275" edit kegiatan keg-1 --set indikator=ind-9
printf '%s\n' '{"collection":"kegiatan","key":"k-a","nama":"a","tahun":2026,"gugus_tugas":"gt-9"}' \
	>"$T/bad.jsonl"
errs "an import naming one is refused with its line" \
	"bad\\.jsonl:1: kolom 'gugus_tugas': tidak ada gugus_tugas 'gt-9'" \
	"$P" --dir "$T/k3275" import "$T/bad.jsonl"
same "... exit 1" "$RC" 1
same "nothing was written by the refused writes" "$(own k3275)" "$before"
printf '%s\n' '{"collection":"kegiatan","key":"k-b","nama":"b","tahun":2026,"gugus_tugas":"gt-1"}' \
	'{"collection":"gugus_tugas","key":"gt-1","nama":"Advokasi"}' >"$T/good.jsonl"
ok "an import naming a record a later row of the file creates is accepted" \
	"$P" --dir "$T/k3275" import "$T/good.jsonl"
ok "a put naming the province's indikator (a region above) is accepted" \
	sh -c '"$1" --dir "$2" put indikator ind-prov --json "{\"nama\":\"RP3KP\"}" >/dev/null &&
	for i in $(seq 150); do "$1" --dir "$3" get indikator ind-prov >/dev/null 2>&1 && break; sleep 0.1; done &&
	"$1" --dir "$3" put kegiatan k-c --json "{\"nama\":\"c\",\"tahun\":2026,\"indikator\":\"ind-prov\"}"' \
	sh "$P" "$T/p32" "$T/k3275"

# A verdict whose record is gone: the province verifies k-ghost, Kota Bekasi deletes it; the
# verdict and the tombstone both arrive at the national node by replication, the verdict is
# kept, and verify and rekap report it instead of dropping it.
ok "Kota Bekasi writes k-ghost" "$P" --dir "$T/k3275" put kegiatan k-ghost \
	--json '{"nama":"ghost","tahun":2026}'
if wait_for 15 has p32 kegiatan k-ghost; then
	pass "it reaches the province"
else
	fail "it reaches the province" "$(tails k3275 p32)"
fi
ok "the province rejects it" "$P" --dir "$T/p32" verifikasi kegiatan k-ghost tolak \
	--catatan "tidak ada"
ok "Kota Bekasi deletes the record the verdict names" "$P" --dir "$T/k3275" del kegiatan k-ghost
if wait_for 15 sh -c '! "$1" --dir "$2" get kegiatan k-ghost >/dev/null 2>&1' sh "$P" "$T/nas"; then
	pass "the delete reaches the national node"
else
	fail "the delete reaches the national node" "$(tails k3275 p32 nas)"
fi
outputs "verify at the national node reports the dangling verdict, and exits 0" \
	"^MENGGANTUNG verifikasi/32/kegiatan:32\\.75:k-ghost: kolom 'kunci': kegiatan 'k-ghost' di wilayah 32\\.75 sudah dihapus" \
	"$P" --dir "$T/nas" verify
stdout_has "... counted apart from problems" "^rujukan menggantung: 1 "
jcheck "verify --json: a separate count, ok still true" \
	'j["ok"] is True and j["problems"] == 0 and j["dangling_references"] == 1 and
	 j["dangling"][0]["target"] == {"collection": "kegiatan", "wilayah": "32.75", "key": "k-ghost", "exact": True}' \
	"$P" --dir "$T/nas" verify --json
outputs "rekap kegiatan lists it after the tables" \
	"verifikasi/32/kegiatan:32\\.75:k-ghost: kolom 'kunci'" "$P" --dir "$T/nas" rekap kegiatan
jcheck "rekap kegiatan --json has it in dangling_references" \
	'[d["key"] for d in j["dangling_references"]] == ["kegiatan:32.75:k-ghost"]' \
	"$P" --dir "$T/nas" rekap kegiatan --json

ok "the province's verdict on Kota Bekasi's k-c" "$P" --dir "$T/p32" verifikasi kegiatan k-c setujui
for n in nas p32 k3275; do
	ok "verify at $n: sound" "$P" --dir "$T/$n" verify
done

done_testing
