#!/bin/sh
# Replication between running pokjad nodes on loopback: a seven-node network (national,
# provinces 32 and 33, two kabupaten/kota under each), the lineage rule (up to ancestors, down
# to descendants, never to siblings), a province restarted in the middle of a stream, a district
# offline while both sides write, a revoked district cut off, status, and clean stops.
# Every wait is a bounded poll; every pokjad started is killed when the test exits.
# KEEP_LOGS and POKJAD_LOG_LEVEL: see net.sh.
. tests/cli/lib.sh
. tests/cli/net.sh

ALL="nas p32 p33 k3275 k3273 k3374 k3302"
T0=$(date +%s)

# ---- the network ---------------------------------------------------------------------------

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
join p33 nas 33 $((BASE + 2))
join k3275 p32 32.75
join k3273 p32 32.73
join k3374 p33 33.74
join k3302 p33 33.02

sleep 0.2
_dead=""
for _nd in $ALL; do
	kill -0 "$(pid_of "$_nd")" 2>/dev/null || _dead="$_dead $_nd"
done
if [ -z "$_dead" ]; then pass "all seven pokjad are running"; else
	fail "all seven pokjad are running" "not running:$_dead
$(tails $_dead)" # (word splitting wanted)
fi

# ---- 1. a district's record goes up to its ancestors only ----------------------------------

"$P" --dir "$T/k3275" put kegiatan r1-bekasi --json \
	'{"nama":"Sosialisasi RP3KP Kota Bekasi","tahun":2026}' >/dev/null 2>"$T/.err" ||
	fail "put at 32.75" "$(cat "$T/.err")"
if wait_for 10 all_have kegiatan r1-bekasi p32 nas; then
	pass "1. a record written at 32.75 reaches 32 and the national node"
else
	fail "1. a record written at 32.75 reaches 32 and the national node" \
		"missing at: $(where_not has kegiatan r1-bekasi p32 nas)
$(tails k3275 p32 nas)"
fi
sleep 2 # the national node has it: give the siblings time to (wrongly) get it too
bad=$(where_not lacks kegiatan r1-bekasi k3273 p33 k3374 k3302)
if [ -z "$bad" ]; then
	pass "1. ... and does not reach 32.73, 33, 33.74, 33.02 (2 s after the national node got it)"
else
	fail "1. ... and does not reach 32.73, 33, 33.74, 33.02 (2 s after the national node got it)" \
		"present (or get failed) at: $bad"
fi

# ---- 2. a national directive reaches everyone ----------------------------------------------

"$P" --dir "$T/nas" put arahan a2-nasional --json '{"judul":"Percepatan RP3KP",
	"isi":"Seluruh daerah menyusun RP3KP.","wilayah_sasaran":"","wilayah":""}' \
	>/dev/null 2>"$T/.err" || fail "put arahan at the national node" "$(cat "$T/.err")"
if wait_for 10 all_have arahan a2-nasional p32 p33 k3275 k3273 k3374 k3302; then
	pass "2. a national arahan reaches all six other nodes"
else
	fail "2. a national arahan reaches all six other nodes" \
		"missing at: $(where_not has arahan a2-nasional p32 p33 k3275 k3273 k3374 k3302)
$(tails nas p32 k3273)"
fi

# ---- 3. a provincial directive reaches its districts and the centre only -------------------

"$P" --dir "$T/p32" put arahan a3-jabar --json '{"judul":"Pembentukan Pokja PKP",
	"isi":"Kabupaten/kota membentuk Pokja PKP.","wilayah_sasaran":"32","wilayah":"32"}' \
	>/dev/null 2>"$T/.err" || fail "put arahan at 32" "$(cat "$T/.err")"
if wait_for 10 all_have arahan a3-jabar k3275 k3273 nas; then
	pass "3. a provincial arahan at 32 reaches 32.75, 32.73 and the national node"
else
	fail "3. a provincial arahan at 32 reaches 32.75, 32.73 and the national node" \
		"missing at: $(where_not has arahan a3-jabar k3275 k3273 nas)
$(tails p32 nas k3275)"
fi
# The national node has it; the down path to 33's subtree is as fast as the one to 32's.
wait_for 2 has p33 arahan a3-jabar
bad=$(where_not lacks arahan a3-jabar p33 k3374 k3302)
if [ -z "$bad" ]; then
	pass "3. ... and does not reach 33, 33.74 or 33.02"
else
	fail "3. ... and does not reach 33, 33.74 or 33.02" "present (or get failed) at: $bad"
fi

# ---- 4. a province restarted in the middle of a stream loses nothing -----------------------

t4=$(date +%s)
STOP4="not stopped"
i=1
while [ $i -le 300 ]; do
	"$P" --dir "$T/k3275" put kegiatan "s4-$i" --json \
		"{\"nama\":\"Rapat koordinasi $i\",\"tahun\":2026,\"jumlah_peserta\":$i}" \
		>/dev/null 2>"$T/.err" || echo "# put s4-$i failed: $(cat "$T/.err")"
	case $i in
	100) stop p32 nowait ;; # SIGTERM while the stream flows; keep writing
	200)
		reap p32
		STOP4=$STOPPED
		start p32
		;;
	esac
	i=$((i + 1))
done
same "4. the district holds its 300 streamed records" "$(count k3275 s4-)" 300
# 40 s: more than a request's timeout (30 s), so that a request lost with the old process
# still counts as "nothing lost" here, only slow.
t4e=$(now_ds)
if wait_for 40 count_is nas s4- 300; then
	t4e=$(($(now_ds) - t4e))
	pass "4. after province 32 was stopped and restarted mid-stream, the national node holds all 300"
else
	t4e=$(($(now_ds) - t4e))
	fail "4. after province 32 was stopped and restarted mid-stream, the national node holds all 300" \
		"national: $(count nas s4-), province 32: $(count p32 s4-), 32.75: $(count k3275 s4-)
$(tails k3275 p32 nas)"
fi
# Promptly: with the back-off capped at 2 s, the district reconnects within seconds of the
# province's return; a request lost with the old process must not hold it for its timeout (30 s).
if [ "$t4e" -le 150 ]; then
	pass "4. ... and promptly: $((t4e / 10)).$((t4e % 10)) s after the stream ended (at most 15 s)"
else
	fail "4. ... and promptly: $((t4e / 10)).$((t4e % 10)) s after the stream ended (at most 15 s)" \
		"$(tails k3275 p32)"
fi
same "4. ... and so does province 32" "$(count p32 s4-)" 300
for nd in k3275 p32 nas; do
	outputs "4. pokjactl verify passes at $nd" ": 0 masalah" "$P" --dir "$T/$nd" verify
done
echo "# stream with restart: $(($(date +%s) - t4)) s"

# ---- 5. a district offline while both sides write converges when it returns ----------------

stop k3374
STOP5=$STOPPED
"$P" --dir "$T/k3374" put kegiatan r5-offline --json \
	'{"nama":"Ditulis saat luring","tahun":2026}' >/dev/null 2>"$T/.err" ||
	fail "put at 33.74 while its pokjad is stopped" "$(cat "$T/.err")"
"$P" --dir "$T/nas" put arahan a5-nasional --json '{"judul":"Data kumuh 2026",
	"isi":"Kirim data kumuh.","wilayah_sasaran":"33.74","wilayah":""}' >/dev/null 2>"$T/.err" ||
	fail "put arahan at the national node" "$(cat "$T/.err")"
wait_for 5 has p33 arahan a5-nasional
lacks k3374 arahan a5-nasional && lacks p33 kegiatan r5-offline
offline_ok=$?
start k3374
if [ $offline_ok -ne 0 ]; then
	fail "5. (precondition) while 33.74 is down, neither record has crossed" \
		"33.74 has the arahan or 33 has the kegiatan before the restart"
elif wait_for 15 all_have kegiatan r5-offline p33 nas && wait_for 15 has k3374 arahan a5-nasional; then
	pass "5. after 33.74 returns, it has the national arahan and 33 and the national node have its offline record"
else
	fail "5. after 33.74 returns, it has the national arahan and 33 and the national node have its offline record" \
		"kegiatan r5-offline missing at: $(where_not has kegiatan r5-offline p33 nas k3374); arahan a5-nasional missing at: $(where_not has arahan a5-nasional k3374 p33 nas)
$(tails k3374 p33)"
fi

# ---- 6. a revoked district is cut off ------------------------------------------------------

t6=$(date +%s)
"$P" --dir "$T/k3302" put kegiatan r6-before --json \
	'{"nama":"Sebelum pencabutan","tahun":2026}' >/dev/null 2>"$T/.err" ||
	fail "put at 33.02" "$(cat "$T/.err")"
wait_for 10 all_have kegiatan r6-before p33 nas ||
	fail "6. (precondition) a record from 33.02 reaches 33 before the revocation" \
		"missing at: $(where_not has kegiatan r6-before p33 nas)"
# 33.02 is offline while it is revoked, so it does not learn of the revocation and its next
# write is signed and stored locally; it must then be refused upstream.
K3302=$(key_of k3302)
stop k3302
STOP6=$STOPPED
ok "6. province 33 revokes 33.02" "$P" --dir "$T/p33" revoke "$K3302"
ok "6. (precondition) 33.02, offline and unaware, still writes locally" \
	"$P" --dir "$T/k3302" put kegiatan r6-after --json '{"nama":"Sesudah pencabutan","tahun":2026}'
start k3302
t6s=$(date +%s)
# Evidence that the province knows: it refuses the revoked child's hello (log), or counts a
# changeset refused as "revoked" (status).
revocation_known() {
	logs_of p33 | grep -Eq "hello-refused.*revoked|apply-refused.*revoked" && return 0
	jtrue p33 'j["refused"].get("revoked", 0) > 0' status
}
if wait_for 10 revocation_known; then
	pass "6. province 33 refuses the revoked 33.02 when it comes back (log hello-refused/revoked or status)"
else
	fail "6. province 33 refuses the revoked 33.02 when it comes back (log hello-refused/revoked or status)" \
		"status: $(tr -d '\n ' 2>/dev/null <"$T/.j.p33" | head -c 600)
$(tails p33 k3302)"
fi
# Bounded: the national node has the revocation (it came up from 33), and 2 s more.
wait_for 5 jtrue nas 'any(o["key"].startswith("cabut-") for o in j)' list pencabutan ||
	echo "# the national node did not get the revocation record within 5 s"
sleep 2
bad=$(where_not lacks kegiatan r6-after p33 nas)
if [ -z "$bad" ]; then
	pass "6. a record written at 33.02 after its revocation reaches neither 33 nor the national node"
else
	fail "6. a record written at 33.02 after its revocation reaches neither 33 nor the national node" \
		"present (or get failed) at: $bad
$(tails p33 k3302)"
fi
bad=$(where_not has kegiatan r6-before p33 nas)
if [ -z "$bad" ]; then
	pass "6. records written at 33.02 before the revocation are still at 33 and the national node"
else
	fail "6. records written at 33.02 before the revocation are still at 33 and the national node" \
		"missing at: $bad"
fi
# SPEC section 15: a child treats any error as "start a new session after a back-off". Since
# 33.02 came back (a few seconds), a back-off starting at retry_min (200 ms, doubling) allows a handful of
# hellos, not hundreds.
t6b=$(($(date +%s) - t6s))
nhello=$(logs_of p33 | grep -c "hello-refused")
if [ "$nhello" -le 20 ]; then
	pass "6. the revoked 33.02 backs off: 33 refused its hello $nhello times in about $t6b s (at most 20)"
else
	fail "6. the revoked 33.02 backs off: 33 refused its hello $nhello times in about $t6b s (at most 20)" \
		"$(logs_of p33 | grep "hello-refused" | head -n 3)
...
$(logs_of k3302 | grep -c "parent-session") 'parent-session' lines at 33.02, e.g.:
$(logs_of k3302 | grep "parent-session" | tail -n 2)"
fi
echo "# revocation: $(($(date +%s) - t6)) s"

# ---- 7. status --------------------------------------------------------------------------------

NAS=$(key_of nas)
K3275=$(key_of k3275)
K3273=$(key_of k3273)
ST32='j["parent"] is not None and j["parent"]["key"] == "'$NAS'" and j["parent"]["connected"]
 and j["parent"]["lag_up"] == 0 and j["parent"]["lag_down"] == 0
 and sorted(c["key"] for c in j["children"]) == sorted(["'$K3275'", "'$K3273'"])
 and all(c["connected"] and c["lag_up"] == 0 and c["lag_down"] == 0 for c in j["children"])'
if wait_for 15 jtrue p32 "$ST32" status; then
	pass "7. status at 32: the national node as parent, connected; both children connected; lags 0"
else
	fail "7. status at 32: the national node as parent, connected; both children connected; lags 0" \
		"$(cat "$T/.j.p32")"
fi
ST_NAS='j["parent"] is None and sorted(c["region"] for c in j["children"]) == ["32", "33"]
 and all(c["connected"] for c in j["children"])'
if wait_for 10 jtrue nas "$ST_NAS" status; then
	pass "7. status at the national node: two children, 32 and 33, connected"
else
	fail "7. status at the national node: two children, 32 and 33, connected" "$(cat "$T/.j.nas")"
fi

# ---- 8. clean stops --------------------------------------------------------------------------

if [ -z "$STOP4" ]; then pass "8. province 32, stopped mid-stream: exit 0 and 'stopped cleanly' within 5 s"; else
	fail "8. province 32, stopped mid-stream: exit 0 and 'stopped cleanly' within 5 s" "$STOP4"
fi
if [ -z "$STOP5" ]; then pass "8. district 33.74, stopped: exit 0 and 'stopped cleanly' within 5 s"; else
	fail "8. district 33.74, stopped: exit 0 and 'stopped cleanly' within 5 s" "$STOP5"
fi
if [ -z "$STOP6" ]; then pass "8. district 33.02, stopped: exit 0 and 'stopped cleanly' within 5 s"; else
	fail "8. district 33.02, stopped: exit 0 and 'stopped cleanly' within 5 s" "$STOP6"
fi
# All at once: parents and children go down together. A pokjad that already died is reported.
dead=""
for nd in $ALL; do
	if kill -0 "$(pid_of "$nd")" 2>/dev/null; then
		kill -TERM "$(pid_of "$nd")"
	else
		dead="$dead $nd"
	fi
done
for nd in $ALL; do
	case " $dead " in
	*" $nd "*) stop "$nd" ;; # reports how it had exited
	*) reap "$nd" ;;
	esac
	if [ -z "$STOPPED" ]; then pass "8. $nd: exit 0 and 'stopped cleanly' within 5 s of SIGTERM"; else
		fail "8. $nd: exit 0 and 'stopped cleanly' within 5 s of SIGTERM" "$STOPPED"
	fi
done

echo "# wall time: $(($(date +%s) - T0)) s"
done_testing
