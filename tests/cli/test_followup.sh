#!/bin/sh
# Directive follow-up (issue 12, point 6; SPEC section 21) on a running network: national,
# province 32, Kota Bekasi (32.75) and Kota Bandung (32.73) below it. Each node's pokjad writes
# a receipt (penerimaan) of each arahan that targets it, by itself and once, and the receipts
# travel up; an arahan aimed at province 32 targets the province alone; rekap arahan shows
# receipts, the latest tindak_lanjut and its status per target, the rate weighted by status and
# what is overdue; `pokjactl arahan --due N` lists what is due. A restart writes no second
# receipt; an arahan that arrived while pokjad was stopped gets its receipt at the next start.
# Every wait is a bounded poll; every pokjad started is stopped when the test exits.
. tests/cli/lib.sh
. tests/cli/net.sh

day() { date -d "$1 days" +%Y-%m-%d; } # today plus N days, local
SOON=$(day 20)
PAST=$(day -10)

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE" --name Nasional
start nas
join p32 nas 32 $((BASE + 1))
join k3275 p32 32.75
join k3273 p32 32.73

# receipts_of_at NODE REGION: the penerimaan records NODE holds that REGION's node wrote, as
# "wilayah_arahan/arahan", sorted, on one line.
receipts_of_at() {
	"$P" --dir "$T/$1" list penerimaan --json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted("%s/%s" % (r["wilayah_arahan"], r["arahan"]) for r in json.load(sys.stdin)
                      if r["wilayah"] == sys.argv[1])))' "$2"
}
receipts_of_at_are() { # node region "list"
	[ "$(receipts_of_at "$1" "$2")" = "$3" ]
}
# receipts NODE: the node's own receipts (it holds its ancestors' too).
region_of() {
	case $1 in
	p32) echo 32 ;;
	k3275) echo 32.75 ;;
	k3273) echo 32.73 ;;
	*) echo "" ;;
	esac
}
receipts() {
	receipts_of_at "$1" "$(region_of "$1")"
}
receipts_are() { # node "list"
	[ "$(receipts "$1")" = "$2" ]
}
# expect_receipts NODE "list" NAME: within 20 s the node holds exactly those receipts of its own.
expect_receipts() {
	if wait_for 20 receipts_are "$1" "$2"; then
		pass "$3"
	else
		fail "$3" "have: $(receipts "$1")
$(tails "$1")"
	fi
}

# ---- directives: national to the country, to province 32, to Kota Bekasi; 32 to its own -----
ok "the national node writes an arahan to the whole country" "$P" --dir "$T/nas" put arahan ar-nas \
	--json "{\"judul\":\"Percepatan RP3KP\",\"isi\":\"Tetapkan RP3KP.\",\"wilayah_sasaran\":\"\",\"batas_tindak_lanjut\":\"$SOON\"}"
ok "... one to province 32" "$P" --dir "$T/nas" put arahan ar-jabar \
	--json "{\"judul\":\"Laporan provinsi\",\"isi\":\"Kirim laporan.\",\"wilayah_sasaran\":\"32\",\"batas_tindak_lanjut\":\"$SOON\"}"
ok "... and one to Kota Bekasi whose deadline has passed" "$P" --dir "$T/nas" put arahan ar-bekasi \
	--json "{\"judul\":\"Data kumuh\",\"isi\":\"Kirim data.\",\"wilayah_sasaran\":\"32.75\",\"batas_tindak_lanjut\":\"$PAST\"}"
ok "the province writes one to its own region (its kabupaten/kota)" "$P" --dir "$T/p32" put arahan \
	ar-p32 --json '{"judul":"Pokja PKP","isi":"Bentuk Pokja PKP.","wilayah_sasaran":"32"}'

expect_receipts p32 "/ar-jabar /ar-nas" \
	"province 32's pokjad writes a receipt of each national arahan that targets it"
expect_receipts k3275 "/ar-bekasi 32/ar-p32" \
	"Kota Bekasi's: of the province's arahan and of the national one aimed at it"
expect_receipts k3273 "32/ar-p32" \
	"Kota Bandung's: of the province's arahan only (not of ar-nas, ar-jabar, ar-bekasi)"
if wait_for 20 receipts_of_at_are nas 32.75 "/ar-bekasi 32/ar-p32" &&
	wait_for 10 receipts_of_at_are nas 32 "/ar-jabar /ar-nas" &&
	wait_for 10 receipts_of_at_are nas 32.73 "32/ar-p32"; then
	pass "the receipts travel up to the national node"
else
	fail "the receipts travel up to the national node" "$(receipts nas)"
fi
jcheck "a receipt: arahan, wilayah_arahan, diterima (the time it arrived), key from SPEC section 21" \
	"(r := [x for x in j if x['arahan'] == 'ar-jabar']) and len(r) == 1 and
	 r[0]['wilayah'] == '32' and r[0]['wilayah_arahan'] == '' and
	 abs(r[0]['diterima'] - $(date +%s)) < 120 and r[0]['key'].startswith('terima-') and
	 len(r[0]['key']) == 33" \
	"$P" --dir "$T/p32" list penerimaan --region 32 --json

# ---- rekap arahan at the national node ---------------------------------------------------------
AR='(ar := lambda k: [d for d in j["arahan"] if d["key"] == k][0]) and
	(tg := lambda k, t: [x for x in ar(k)["sasaran"] if x["wilayah"] == t][0]) and '
jcheck "rekap arahan: the arahan aimed at 32 targets the province alone, received" \
	"${AR}[x['wilayah'] for x in ar('ar-jabar')['sasaran']] == ['32'] and
	 ar('ar-jabar')['received'] == 1 and tg('ar-jabar', '32')['diterima'] > 0" \
	"$P" --dir "$T/nas" rekap arahan --json
jcheck "... the one to the country targets every province, one received so far" \
	"${AR}ar('ar-nas')['targets'] == 38 and ar('ar-nas')['received'] == 1 and
	 tg('ar-nas', '33')['diterima'] is None" \
	"$P" --dir "$T/nas" rekap arahan --json
jcheck "... the one past its deadline is overdue at Kota Bekasi, received" \
	"${AR}tg('ar-bekasi', '32.75')['tenggat'] == 'overdue' and ar('ar-bekasi')['overdue'] == 1 and
	 tg('ar-bekasi', '32.75')['diterima'] > 0" \
	"$P" --dir "$T/nas" rekap arahan --json
outputs "... and the national target reads Indonesia in text" \
	'^ar-nas +Percepatan RP3KP +Indonesia +Indonesia ' "$P" --dir "$T/nas" rekap arahan

# ---- follow-up: direncanakan is not done, selesai is ------------------------------------------
ok "Kota Bekasi plans its follow-up of the province's arahan (direncanakan)" \
	"$P" --dir "$T/k3275" put tindak_lanjut tl-1 --json \
	'{"arahan":"ar-p32","wilayah_arahan":"32","uraian":"Rapat persiapan","status":"direncanakan"}'
p32_sees() { # expr on ar-p32 at the province
	jtrue p32 "${AR}$1" rekap arahan
}
if wait_for 20 p32_sees "tg('ar-p32', '32.75')['status'] == 'direncanakan'"; then
	pass "the province sees it: direncanakan counts for nothing"
else
	fail "the province sees it: direncanakan counts for nothing" "$(cat "$T/.j.p32" | head -c 2000)"
fi
jcheck "... not selesai, rate 0, two receipts of 27 targets" \
	"${AR}ar('ar-p32')['targets'] == 27 and ar('ar-p32')['received'] == 2 and
	 ar('ar-p32')['selesai'] == 0 and ar('ar-p32')['direncanakan'] == 1 and ar('ar-p32')['rate'] == 0" \
	"$P" --dir "$T/p32" rekap arahan --json
ok "Kota Bekasi completes it (selesai)" "$P" --dir "$T/k3275" edit tindak_lanjut tl-1 \
	--set status=selesai
if wait_for 20 p32_sees "ar('ar-p32')['selesai'] == 1"; then
	pass "the latest follow-up counts: selesai"
else
	fail "the latest follow-up counts: selesai" "$(cat "$T/.j.p32" | head -c 2000)"
fi
jcheck "... and the rate is 1 of 27 targets" \
	"${AR}ar('ar-p32')['rate'] == round(1 / 27, 4) and tg('ar-p32', '32.75')['tenggat'] == 'done'" \
	"$P" --dir "$T/p32" rekap arahan --json

# ---- pokjactl arahan --due ---------------------------------------------------------------------
jcheck "arahan --due 30 at the national node: the overdue one first, then the 38 provinces and 32" \
	"j['count'] == 40 and j['arahan'][0]['key'] == 'ar-bekasi' and j['arahan'][0]['days_left'] == -10 and
	 j['arahan'][0]['overdue'] and j['arahan'][0]['diterima'] is not None and
	 len([a for a in j['arahan'] if a['key'] == 'ar-nas' and a['days_left'] == 20]) == 38 and
	 [a['target'] for a in j['arahan'] if a['key'] == 'ar-jabar'] == ['32']" \
	"$P" --dir "$T/nas" arahan --due 30 --json
jcheck "arahan (14 days) at the national node: only what is overdue" \
	"[(a['key'], a['target']) for a in j['arahan']] == [('ar-bekasi', '32.75')]" \
	"$P" --dir "$T/nas" arahan --json
jcheck "arahan --due 30 at Kota Bekasi: its own subtree only" \
	"sorted(a['key'] for a in j['arahan']) == ['ar-bekasi'] and j['region'] == '32.75'" \
	"$P" --dir "$T/k3275" arahan --due 30 --json

# ---- restarts: no second receipt; one that arrived while pokjad was stopped gets one ----------
stop k3275
same "Kota Bekasi stops cleanly" "$STOPPED" ""
start k3275
sleep 3
same "after a restart Kota Bekasi holds the same two receipts" "$(receipts k3275)" \
	"/ar-bekasi 32/ar-p32"
same "... and its logs tell of two receipts written, over both starts" \
	"$(logs_of k3275 | grep -c 'receipt terima-.* written')" 2

stop k3273
same "Kota Bandung stops cleanly" "$STOPPED" ""
ok "the province writes another arahan to its kabupaten/kota" "$P" --dir "$T/p32" put arahan \
	ar-p32b --json '{"judul":"Data RP3KP","isi":"Kirim data RP3KP.","wilayah_sasaran":"32"}'
ok "... which reaches Kota Bandung in a bundle while its pokjad is stopped" bring "$T/p32" "$T/k3273"
same "... no receipt yet" "$(receipts k3273)" "32/ar-p32"
start k3273
if wait_for 20 receipts_are k3273 "32/ar-p32 32/ar-p32b"; then
	pass "at its next start Kota Bandung's pokjad writes the receipt"
else
	fail "at its next start Kota Bandung's pokjad writes the receipt" "$(tails k3273)"
fi

done_testing
