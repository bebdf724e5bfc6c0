#!/bin/sh
# Ownership of records (issue 12, point 1; SPEC section 5 "Ownership", section 8 step 10): on a
# running network (national, province 32, Kota Bekasi 32.75 below it) each node writes only the
# records of its own region, a kabupaten/kota also those of its kecamatan and desa. The province's
# attempts to change or delete Kota Bekasi's kegiatan are refused by pokjactl with the reason and
# the way out, and change nothing; a changeset that does it anyway (signed by the province, sent
# by a hostile peer) is refused by the national node as `owner`, counted and logged. The province
# acts on the district's record through a verifikasi of its own, which travels both ways. The
# order independence of the rule is tested in tests/unit/test_store.c (random interleavings).
. tests/cli/lib.sh
. tests/cli/net.sh

ROGUE=$(dirname "$P")/tests/tools/rogue
if [ ! -x "$ROGUE" ]; then
	echo "not ok 1 - the test tool $ROGUE exists (run 'make unit' first)"
	echo "1..1"
	exit 1
fi

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE" --name Nasional
start nas
join p32 nas 32 $((BASE + 1))
join k3275 p32 32.75

# ---- the district's own records, at every level ------------------------------------------------
ok "Kota Bekasi writes its kegiatan" "$P" --dir "$T/k3275" put kegiatan keg-1 \
	--json '{"nama":"Sosialisasi RP3KP","tahun":2026,"biaya":5000000,"status":"rencana"}'
ok "... and one of its kecamatan (32.75.01, its own too)" "$P" --dir "$T/k3275" put kegiatan \
	keg-kec --json '{"wilayah":"32.75.01","nama":"Rembuk warga","tahun":2026}'
if wait_for 15 all_have kegiatan keg-kec nas p32; then
	pass "both reach the province and the national node"
else
	fail "both reach the province and the national node" "$(tails k3275 p32 nas)"
fi

# ---- the province may not change them: refused at once, nothing written ----------------------
# The province's kegiatan as they are (its pokjad keeps writing health records meanwhile, so
# the whole store is no fixed point while the network runs).
kegiatan_at() { "$P" --dir "$T/$1" list kegiatan --json; }
before=$(kegiatan_at p32)
errs "the province's edit of Kota Bekasi's kegiatan is refused, saying whose it is" \
	"ditolak: rekaman wilayah '32\.75' milik node Kota Bekasi \(32\.75\).*verifikasi" \
	"$P" --dir "$T/p32" edit kegiatan keg-1 --set biaya=9000000
same "... exit 1" "$RC" 1
errs "its delete is refused" "rekaman wilayah '32\.75' milik node Kota Bekasi" \
	"$P" --dir "$T/p32" del kegiatan keg-1
same "... exit 1" "$RC" 1
errs "its put --replace is refused" "rekaman wilayah '32\.75' milik node" \
	"$P" --dir "$T/p32" put kegiatan keg-1 --replace \
	--json '{"wilayah":"32.75","nama":"Diganti","tahun":2026}'
errs "a new record in the district's kecamatan is refused too" \
	"rekaman wilayah '32\.75\.01' milik node Kota Bekasi" \
	"$P" --dir "$T/p32" put kegiatan --json '{"wilayah":"32.75.01","nama":"x","tahun":2026}'
printf '%s\n' '{"collection":"kegiatan","key":"keg-1","wilayah":"32.75","nama":"Impor","tahun":2026}' \
	>"$T/imp.jsonl"
errs "an import of it is refused, naming the line" \
	"imp\.jsonl:1: rekaman kegiatan/keg-1: rekaman wilayah '32\.75' milik node" \
	"$P" --dir "$T/p32" import "$T/imp.jsonl" --replace
same "the province's kegiatan are as they were after every refusal" "$(kegiatan_at p32)" "$before"
errs "the national node may not write a province's records either" \
	"rekaman wilayah '32' milik node Jawa Barat \(32\)" \
	"$P" --dir "$T/nas" put kegiatan --json '{"wilayah":"32","nama":"x","tahun":2026}'

# ---- a changeset that does it anyway is refused on receipt ------------------------------------
# The owner changeset alone: a valid one after it ("ok") would be written to the province's
# store first, and the province's pokjad, woken by that commit, may push it (the same sequence
# number) before the rogue's push arrives, making the crafted one a fork.
ok "a hostile province pushes its own changeset writing a kabupaten/kota's record" \
	"$ROGUE" --dir "$T/p32" --url "tcp://127.0.0.1:$BASE" push owner
stdout_has "... the national node refuses it as owner" "^refused 0 owner$"
if wait_for 5 grep -q "apply-refused: .*: owner: operation 0 writes a record of region '32\.01'" \
	"$(log_of nas)"; then
	pass "... and logs it with the reason tag"
else
	fail "... and logs it with the reason tag" "$(tails nas)"
fi
jcheck "... and counts it among the refusals by reason" \
	'j["refused"].get("owner", 0) == 1' \
	"$P" --dir "$T/nas" status --json
jcheck "Kota Bekasi's kegiatan is unchanged at the national node" \
	'j["biaya"] == 5000000 and j["diubah_oleh"]["wilayah"] == "32.75"' \
	"$P" --dir "$T/nas" get kegiatan keg-1 --json

# ---- the province acts through a record of its own --------------------------------------------
ok "the province writes a verifikasi of it, under its own region" "$P" --dir "$T/p32" put \
	verifikasi ver-1 --json '{"koleksi":"kegiatan","wilayah_rekaman":"32.75","kunci":"keg-1",
	"hasil":"perbaikan","catatan":"Lengkapi sumber biaya"}'
if wait_for 15 all_have verifikasi ver-1 nas k3275; then
	pass "it reaches the national node and Kota Bekasi"
else
	fail "it reaches the national node and Kota Bekasi" "$(tails p32 nas k3275)"
fi
jcheck "at Kota Bekasi it is the province's record, in region 32" \
	'j["wilayah"] == "32" and j["diubah_oleh"]["wilayah"] == "32" and j["hasil"] == "perbaikan"' \
	"$P" --dir "$T/k3275" get verifikasi ver-1 --json
ok "Kota Bekasi edits its own record, as asked" "$P" --dir "$T/k3275" edit kegiatan keg-1 \
	--set sumber_biaya=APBD
if wait_for 15 sh -c '"$1" --dir "$2" get kegiatan keg-1 --json | grep -q APBD' sh "$P" "$T/nas"; then
	pass "the edit reaches the national node"
else
	fail "the edit reaches the national node" "$(tails k3275 p32 nas)"
fi
errs "Kota Bekasi may not delete the province's verifikasi" \
	"ditolak: wilayah '32' berada di luar wilayah node ini '32\.75'; tidak ada yang dihapus" \
	"$P" --dir "$T/k3275" del verifikasi ver-1
for n in nas p32 k3275; do
	ok "verify at $n: sound" "$P" --dir "$T/$n" verify
done

done_testing
