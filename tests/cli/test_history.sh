#!/bin/sh
# Authors and history across nodes (issue 12): a record written and edited at a district shows
# at its province (and the national node) with the district's name and region as its author,
# and its history there lists the district's versions. Three pokjad on loopback (national,
# province 32, Kota Bekasi 32.75); every wait is a bounded poll. KEEP_LOGS: see net.sh.
. tests/cli/lib.sh
. tests/cli/net.sh

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --name Nasional --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
join k3275 p32 32.75
KEY=$(key_of k3275)

outputs "put at Kota Bekasi" '^r-bks$' "$P" --dir "$T/k3275" put kegiatan r-bks \
	--json '{"nama":"Sosialisasi","tahun":2026,"bulan":3,"biaya":1000000}'
ok "edit it there" "$P" --dir "$T/k3275" edit kegiatan r-bks --set "nama=Sosialisasi RP3KP"
jcheck "the district shows itself as the author" \
	'j["diubah_oleh"] == {"nama": "Kota Bekasi", "wilayah": "32.75", "kunci": "'"$(echo "$KEY" | cut -c1-16)"'"}' \
	"$P" --dir "$T/k3275" get kegiatan r-bks --json

edited() { jtrue "$1" 'j["nama"] == "Sosialisasi RP3KP"' get kegiatan r-bks; }
if wait_for 15 edited p32 && wait_for 15 edited nas; then
	pass "the edited record reaches the province and the national node"
else
	fail "the edited record reaches the province and the national node" "$(tails k3275 p32 nas)"
fi
for nd in p32 nas; do
	jcheck "at $nd: the author is the district, by its certificate (name, region, key)" \
		'j["diubah_oleh"] == {"nama": "Kota Bekasi", "wilayah": "32.75",
		 "kunci": "'"$(echo "$KEY" | cut -c1-16)"'"} and j["diubah"].endswith("Z") and
		 j["biaya"] == 1000000' \
		"$P" --dir "$T/$nd" get kegiatan r-bks --json
	jcheck "at $nd: history has both versions by the district, the second changing nama" \
		'[v["diubah_oleh"]["nama"] for v in j["versions"]] == ["Kota Bekasi"] * 2 and
		 j["versions"][0]["seq"] < j["versions"][1]["seq"] and
		 all(v["origin"] == "'"$KEY"'" for v in j["versions"]) and
		 j["versions"][1]["changes"] == [{"field": "nama", "change": "changed",
		   "old": "Sosialisasi", "new": "Sosialisasi RP3KP"}]' \
		"$P" --dir "$T/$nd" history kegiatan r-bks --json
done
# The district's changeset of the second version (its pokjad's own records, health and receipts,
# take sequence numbers of the same log in between).
seq2=$("$P" --dir "$T/p32" history kegiatan r-bks --json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["versions"][1]["seq"])')
outputs "at the province, history (text) names the district" \
	"^versi 2  .*  Kota Bekasi \\(32\\.75\\), kunci [0-9a-f]{16}, changeset $seq2\$" \
	"$P" --dir "$T/p32" history kegiatan r-bks
jcheck "at the province, list --json carries the author" \
	'[o["diubah_oleh"]["wilayah"] for o in j if o["key"] == "r-bks"] == ["32.75"]' \
	"$P" --dir "$T/p32" list kegiatan --json
outputs "at the province, the CSV export names the district next to diubah" \
	'^r-bks,32\.75,Kota Bekasi,.*,20[0-9-]+T[0-9:.]+Z,Kota Bekasi,32\.75,belum diverifikasi,'"$(printf '\r')"'$' \
	"$P" --dir "$T/p32" export kegiatan

# The province's own record: its own name, also at the national node.
outputs "put at the province" '^r-jabar$' "$P" --dir "$T/p32" put kegiatan r-jabar \
	--json '{"nama":"Rakor provinsi","tahun":2026}'
if wait_for 15 has nas kegiatan r-jabar; then
	jcheck "at the national node the province's record is by Jawa Barat (32)" \
		'j["diubah_oleh"]["nama"] == "Jawa Barat" and j["diubah_oleh"]["wilayah"] == "32"' \
		"$P" --dir "$T/nas" get kegiatan r-jabar --json
else
	fail "the province's record reaches the national node" "$(tails p32 nas)"
fi

# A delete at the district is the last version everywhere.
ok "delete at Kota Bekasi" "$P" --dir "$T/k3275" del kegiatan r-bks
if wait_for 15 lacks p32 kegiatan r-bks; then
	jcheck "at the province the history ends with the district's delete" \
		'len(j["versions"]) == 3 and j["versions"][-1]["deleted"] and
		 j["versions"][-1]["diubah_oleh"]["nama"] == "Kota Bekasi"' \
		"$P" --dir "$T/p32" history kegiatan r-bks --json
else
	fail "the delete reaches the province" "$(tails k3275 p32)"
fi
ok "verify at the province" "$P" --dir "$T/p32" verify

done_testing
