#!/bin/sh
# Health that replicates upward and honest local status (issue 14): a 1 + 2 + 6 network on
# loopback (national, provinces 32 and 33, three kabupaten/kota under each) with short [health]
# settings. The national node's `status --tree` shows all nine nodes from their kesehatan_node
# records; a district killed shows as not heard of within stale_after; `status` says whether
# pokjad runs (and since when), counts what the parent has not acknowledged, and shows a stopped
# child as not connected within seconds. Every wait is a bounded poll; every pokjad started is
# stopped when the test exits. KEEP_LOGS and POKJAD_LOG_LEVEL: see net.sh.
. tests/cli/lib.sh
. tests/cli/net.sh

ALL="nas p32 p33 k3271 k3273 k3275 k3301 k3302 k3374"
HEALTH='
[health]
interval = 2s
stale_after = 6s
heartbeat = 3s
'

# net.sh's join writes these short [health] settings into every child's pokjad.conf.
JOIN_CONF=$HEALTH
JOIN_RETRY_MAX=1s

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
printf '%s' "$HEALTH" >>"$T/nas/pokjad.conf"
start nas
join p32 nas 32 $((BASE + 1))
join p33 nas 33 $((BASE + 2))
join k3271 p32 32.71
join k3273 p32 32.73
join k3275 p32 32.75
join k3301 p33 33.01
join k3302 p33 33.02
join k3374 p33 33.74

# ---- the tree at the national node ---------------------------------------------------------

tree_all_fresh() {
	jtrue nas 'j["count"] == 9 and j["stale"] == 0 and
		all(n["health_record"] for n in j["nodes"])' status --tree
}
if wait_for 20 tree_all_fresh; then
	pass "the national node's status --tree shows all nine nodes, each with a fresh health record"
else
	fail "the national node's status --tree shows all nine nodes, each with a fresh health record" \
		"$(cat "$T/.j.nas" 2>/dev/null | head -c 3000)
$(tails nas p33 k3302)"
fi
jcheck "--tree --json: regions, names, levels, keys, versions and times" \
	'sorted(n["region"] for n in j["nodes"]) == ["", "32", "32.71", "32.73", "32.75", "33",
		"33.01", "33.02", "33.74"] and
	 all(n["name"] and n["level"] and len(n["key"]) == 64 and n["version"] and
	     n["started"] > 0 and n["written"] >= n["started"] and n["last_heard"] >= n["written"] - 1
	     and n["disk_free_bytes"] > 0 and n["disk_used_bytes"] > 0 and not n["disk_full"]
	     and n["forks"] == 0 for n in j["nodes"]) and
	 [n["name"] for n in j["nodes"] if n["region"] == "32.75"] == ["Kota Bekasi"] and
	 [n["level"] for n in j["nodes"] if n["region"] == "33"] == ["province"]' \
	"$P" --dir "$T/nas" status --tree --json
# A province's record may predate its last child's session: the next one comes within
# [health] interval (at most a minute) of the change.
provinces_linked() {
	jtrue nas 'all(len([l for l in n["links"] if l["role"] == "child" and l["connected"]]) == 3 and
	     [l["region"] for l in n["links"] if l["role"] == "parent" and l["connected"]] == [""]
	     for n in j["nodes"] if n["region"] in ("32", "33"))' status --tree
}
if wait_for 10 provinces_linked; then
	pass "--tree --json: each province reports its parent and three children connected"
else
	fail "--tree --json: each province reports its parent and three children connected" \
		"$(head -c 3000 "$T/.j.nas")"
fi
# Records of the collection written by hand, not by a node's pokjad about itself, describe no
# node: a province writing one under another key, or a district one for a kecamatan below it.
ok "a record kesehatan_node under another key, written at 33" "$P" --dir "$T/p33" put \
	kesehatan_node palsu --json '{"wilayah":"33","versi":"9","mulai":1,"waktu":1}'
ok "... and one for 33.74.01, a region below it, written at 33.74" "$P" --dir "$T/k3374" put \
	kesehatan_node 33.74.01 --json '{"wilayah":"33.74.01","versi":"9","mulai":1,"waktu":1}'
if wait_for 10 all_have kesehatan_node 33.74.01 nas && all_have kesehatan_node palsu nas; then
	pass "both reach the national node"
else
	fail "both reach the national node" "$(tails p33 nas)"
fi
jcheck "--tree still shows the nine nodes, none from those records" \
	'j["count"] == 9 and "33.74.01" not in [n["region"] for n in j["nodes"]] and
	 all(n.get("version") != "9" for n in j["nodes"])' \
	"$P" --dir "$T/nas" status --tree --json
outputs "--tree for people: a header and a row per node" \
	"^WILAYAH +NAMA +TINGKAT +KABAR TERAKHIR +TERTINGGAL +MASALAH" "$P" --dir "$T/nas" status --tree
same "... nine rows and the summary" "$(grep -c '' "$OUT")" 11
stdout_has "... the summary counts nine nodes" "^9 node, 0 tanpa kabar lebih dari"
cp "$OUT" "$T/tree.txt"
check "... in columns: each row's last-heard time starts under KABAR TERAKHIR (kabupaten/kota too)" \
	python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
col = lines[0].index("KABAR TERAKHIR")
rows = lines[1:-1]
sys.exit(not rows or any(not r[col].isdigit() or r[col - 1] != " " for r in rows))' "$T/tree.txt"
jcheck "--tree --region 33 at the national node: the province and its three children" \
	'sorted(n["region"] for n in j["nodes"]) == ["33", "33.01", "33.02", "33.74"]' \
	"$P" --dir "$T/nas" status --tree --region 33 --json
jcheck "--tree at a province: its own subtree only" \
	'sorted(n["region"] for n in j["nodes"]) == ["32", "32.71", "32.73", "32.75"]' \
	"$P" --dir "$T/p32" status --tree --json

# ---- bad input -----------------------------------------------------------------------------

errs "--region with a code that is not a region code" "bukan kode wilayah" \
	"$P" --dir "$T/nas" status --tree --region 3x.99
errs "--region with a code not on the official list" "tidak ada dalam daftar resmi" \
	"$P" --dir "$T/nas" status --tree --region 32.99
errs "--region outside this node's subtree" "di luar wilayah node ini '32'" \
	"$P" --dir "$T/p32" status --tree --region 33.74
fails "--region without --tree is a usage error" 2 "$P" --dir "$T/nas" status --region 32

# ---- pokjad running, and since when --------------------------------------------------------

pid=$(pid_of k3302)
jcheck "status at a running district: pokjad running, with its pid and start time" \
	"j['pokjad']['running'] and j['pokjad']['pid'] == $pid and j['pokjad']['since'] > 0" \
	"$P" --dir "$T/k3302" status --json
outputs "... and for people: berjalan sejak" "^pokjad: +berjalan sejak .*pid $pid" \
	"$P" --dir "$T/k3302" status
kill -KILL "$pid"
wait "$pid" 2>/dev/null
_forget k3302
check "after kill -9 the lock file is still there" test -s "$T/k3302/pokjad.lock"
t0=$(now_ds)
gone_3302() {
	jtrue p33 '[c["connected"] for c in j["children"] if c["region"] == "33.02"] == [False]' status
}
if wait_for 5 gone_3302; then
	pass "its province shows 33.02 not connected $(( ($(now_ds) - t0) / 10 )) s after kill -9"
else
	fail "its province shows 33.02 not connected within 5 s of kill -9" \
		"$(cat "$T/.j.p33" | head -c 2000)"
fi
jcheck "status after kill -9: pokjad not running" \
	"not j['pokjad']['running'] and j['pokjad']['pid'] is None" \
	"$P" --dir "$T/k3302" status --json
outputs "... and for people: TIDAK BERJALAN" "^pokjad: +TIDAK BERJALAN" "$P" --dir "$T/k3302" status

# ---- the killed district is flagged at the national node -----------------------------------

t0=$(date +%s)
only_3302_stale() {
	jtrue nas 'j["stale"] == 1 and j["nodes"][0]["region"] == "33.02" and
		j["nodes"][0]["stale"] and j["nodes"][0]["severity"] == "bad" and
		any(p.startswith("tanpa kabar selama ") for p in j["nodes"][0]["problems"])' status --tree
}
if wait_for 15 only_3302_stale; then
	pass "the killed district is flagged not heard of, worst first ($(($(date +%s) - t0)) s; stale_after 6 s)"
else
	fail "the killed district is flagged not heard of, worst first" \
		"$(cat "$T/.j.nas" 2>/dev/null | head -c 3000)"
fi
outputs "--tree for people: the district first, not heard of" \
	"^33\\.02 +Kab\\. Banyumas|^33\\.02 .*tanpa kabar selama" "$P" --dir "$T/nas" status --tree
cp "$OUT" "$T/tree.txt"
check "... on the first row" sh -c "sed -n 2p '$T/tree.txt' | grep -q '^33.02 .*tanpa kabar selama'"

# ---- a stopped child is shown not connected within seconds ---------------------------------

jcheck "the province shows 32.75 connected" \
	'[c["connected"] for c in j["children"] if c["region"] == "32.75"] == [True]' \
	"$P" --dir "$T/p32" status --json
stop k3275
same "32.75 stopped cleanly" "$STOPPED" ""
t0=$(now_ds)
child_gone() {
	jtrue p32 '[c["connected"] for c in j["children"] if c["region"] == "32.75"] == [False]' status
}
if wait_for 8 child_gone; then
	pass "the province shows 32.75 not connected $(( ($(now_ds) - t0) / 10 )) s after it stopped"
else
	fail "the province shows 32.75 not connected within 8 s of its stop" \
		"$(cat "$T/.j.p32" | head -c 2000)"
fi

# ---- changesets not acknowledged by the parent ---------------------------------------------

stop p33
same "33 stopped cleanly" "$STOPPED" ""
ok "a record written at 33.74 while its parent is down" "$P" --dir "$T/k3374" put kegiatan \
	h1 --json '{"nama":"Rapat kesehatan jaringan","tahun":2026}'
jcheck "status at 33.74: changesets not acknowledged by the parent" \
	'j["unacked"] > 0 and j["unacked_bytes"] > 0' "$P" --dir "$T/k3374" status --json
outputs "... and for people" "^belum diakui: +[1-9][0-9]* changeset " "$P" --dir "$T/k3374" status
start p33
unacked_zero() {
	jtrue k3374 'j["unacked"] == 0' status
}
if wait_for 15 unacked_zero; then
	pass "once the parent is back and synced, nothing is left unacknowledged"
else
	fail "once the parent is back and synced, nothing is left unacknowledged" \
		"$(cat "$T/.j.k3374" | head -c 2000)
$(tails p33 k3374)"
fi
check "the record reached the parent" has p33 kegiatan h1
jcheck "the national node has no parent: unacked is null" 'j["unacked"] is None' \
	"$P" --dir "$T/nas" status --json

for _nd in nas p32 p33 k3271 k3273 k3301 k3374; do
	stop "$_nd"
	same "$_nd stopped cleanly" "$STOPPED" ""
done
done_testing
