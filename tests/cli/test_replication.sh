#!/bin/sh
# Replication between running pokjad nodes on loopback: a seven-node network (national,
# provinces 32 and 33, two kabupaten/kota under each), the lineage rule (up to ancestors, down
# to descendants, never to siblings), a province restarted in the middle of a stream, a district
# offline while both sides write, a revoked district cut off, status, and clean stops.
# Every wait is a bounded poll; every pokjad started is killed when the test exits.
# KEEP_LOGS=DIR keeps the daemons' logs in DIR (and, with gdb, the stacks of a pokjad that does
# not stop within 5 s); POKJAD_LOG_LEVEL=debug runs the daemons with that log level.
. tests/cli/lib.sh

# ---- daemons: started, recorded, stopped ---------------------------------------------------

_live="" # "name:pid" of every pokjad this test started and has not reaped
_repl_cleanup() {
	for _e in $_live; do
		_p=${_e#*:}
		kill -TERM "$_p" 2>/dev/null
	done
	for _e in $_live; do
		_p=${_e#*:}
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$_p" 2>/dev/null
	done
	_live=""
}
trap '_repl_cleanup; [ -z "${KEEP_LOGS:-}" ] || cp -r "$LOGS" "$KEEP_LOGS"; _cleanup' EXIT

# Ports: consecutive, from a base chosen by the PID so that parallel runs do not collide.
BASE=$((20000 + ($$ * 16) % 40000))
LOGS=$T/logs
mkdir -p "$LOGS"

pid_of() { # name
	for _e in $_live; do
		[ "${_e%%:*}" = "$1" ] && {
			echo "${_e#*:}"
			return 0
		}
	done
	return 1
}

# start NAME: runs pokjad on $T/NAME, logging to $LOGS/NAME.N.log (N counts the starts).
start() {
	_k=1
	while [ -e "$LOGS/$1.$_k.log" ]; do _k=$((_k + 1)); done
	_log=$LOGS/$1.$_k.log
	"$PD" --dir "$T/$1" ${POKJAD_LOG_LEVEL:+--log-level "$POKJAD_LOG_LEVEL"} 2>"$_log" &
	_live="$_live $1:$!"
	eval "LOG_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)=\$_log"
}

log_of() { # name: the current log of the node
	eval "echo \"\$LOG_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)\""
}

# stop NAME [nowait]: SIGTERM; then (unless nowait) reap. Reaping waits at most 5 s for the
# exit and sets STOPPED to "" when pokjad exited 0 and logged "stopped cleanly", else to why not.
stop() {
	_p=$(pid_of "$1") || {
		STOPPED="$1: no pokjad of this test is running there"
		return 0
	}
	if ! kill -0 "$_p" 2>/dev/null; then
		wait "$_p"
		STOPPED="$1: pokjad had already exited (status $?) before SIGTERM"
		_forget "$1"
		return 0
	fi
	kill -TERM "$_p"
	[ "${2:-}" = nowait ] || reap "$1"
}

reap() { # name
	_p=$(pid_of "$1")
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_p" 2>/dev/null; then
		# With KEEP_LOGS set, keep the stuck threads' stacks for the report.
		if [ -n "${KEEP_LOGS:-}" ] && command -v gdb >/dev/null 2>&1; then
			gdb -p "$_p" -batch -ex "thread apply all bt" >"$LOGS/$1.stacks" 2>&1
		fi
		kill -KILL "$_p" 2>/dev/null
		wait "$_p"
		STOPPED="$1: pokjad still running 5 s after SIGTERM (killed)"
	else
		wait "$_p"
		_st=$?
		if [ "$_st" -ne 0 ]; then
			STOPPED="$1: pokjad exited with status $_st"
		elif ! grep -q "stopped cleanly" "$(log_of "$1")"; then
			STOPPED="$1: pokjad exited 0 but did not log 'stopped cleanly'"
		else
			STOPPED=""
		fi
	fi
	[ -z "$STOPPED" ] || STOPPED="$STOPPED
$(tail -n 15 "$(log_of "$1")")"
	_forget "$1"
}

_forget() {
	_n2=""
	for _e in $_live; do
		[ "${_e%%:*}" = "$1" ] || _n2="$_n2 $_e"
	done
	_live=$_n2
}

# ---- bounded polls and record checks -------------------------------------------------------

# Tenths of a second on the wall clock (GNU date's %N; elsewhere whole seconds).
now_ds() {
	_t=$(date +%s%N)
	case $_t in
	*N) echo $(($(date +%s) * 10)) ;;
	*) echo $((${_t%????????})) ;;
	esac
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds (0) or SECONDS of wall
# time have passed (1); the last try comes at or after the deadline.
wait_for() {
	_end=$(($(now_ds) + $1 * 10))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ds)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}

has() { # node collection key
	"$P" --dir "$T/$1" get "$2" "$3" >/dev/null 2>&1
}

# lacks NODE COLLECTION KEY: the node answers "no record" (exit 1), not some other failure.
lacks() {
	"$P" --dir "$T/$1" get "$2" "$3" >"$T/.lacks" 2>&1
	[ $? -eq 1 ] && grep -q "no record" "$T/.lacks"
}

# Checks one record on many nodes: prints the nodes where `has` (or `lacks`) fails.
where_not() { # has|lacks collection key nodes...
	_f=$1
	_c=$2
	_key=$3
	shift 3
	_bad=""
	for _nd in "$@"; do
		$_f "$_nd" "$_c" "$_key" || _bad="$_bad $_nd"
	done
	echo "${_bad# }"
}
all_have() { # collection key nodes...
	[ -z "$(where_not has "$@")" ]
}

# jtrue NODE EXPR ARGS...: pokjactl --dir NODE ARGS --json prints JSON for which EXPR holds.
jtrue() {
	_nd=$1
	_ex=$2
	shift 2
	"$P" --dir "$T/$_nd" "$@" --json >"$T/.j.$_nd" 2>/dev/null && _jtest "$T/.j.$_nd" "$_ex" >/dev/null
}

# Number of kegiatan records at a node whose key starts with a prefix.
count() { # node prefix
	"$P" --dir "$T/$1" list kegiatan --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for o in json.load(sys.stdin) if o["key"].startswith(sys.argv[1])))' "$2" 2>/dev/null ||
		echo -1
}
count_is() { # node prefix n
	[ "$(count "$1" "$2")" = "$3" ]
}

key_of() { # node: its public key
	"$P" --dir "$T/$1" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

logs_of() { # node: every log of the node, all starts
	cat "$LOGS/$1".*.log 2>/dev/null
}

# A failure report: the last lines of the given nodes' logs.
tails() {
	for _nd in "$@"; do
		echo "--- $_nd log:"
		logs_of "$_nd" | tail -n 8
	done
}

ALL="nas p32 p33 k3275 k3273 k3374 k3302"
T0=$(date +%s)

# ---- the network ---------------------------------------------------------------------------

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas

# join CHILD PARENT REGION [PORT]: an invite at PARENT, init --join at CHILD, start CHILD.
join() {
	_tok=$("$P" --dir "$T/$2" invite --region "$3" 2>"$T/.inv.err")
	if [ -z "$_tok" ]; then
		fail "invite for $3 at $2" "$(cat "$T/.inv.err")"
		return
	fi
	if [ -n "${4:-}" ]; then
		ok "$1 ($3) joins $2 online" "$P" init --dir "$T/$1" --join "$_tok" \
			--listen "tcp://127.0.0.1:$4"
	else
		ok "$1 ($3) joins $2 online" "$P" init --dir "$T/$1" --join "$_tok"
	fi
	# Redial a restarted parent within 2 s (the default back-off doubles up to a minute, with
	# nng's random spread), so that a slow catch-up below means more than a long back-off.
	printf '\n[sync]\nretry_max = 2s\n' >>"$T/$1/pokjad.conf"
	start "$1"
}
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
	outputs "4. pokjactl verify passes at $nd" " 0 problems" "$P" --dir "$T/$nd" verify
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
# 33.02 came back (a few seconds), a back-off starting at retry_min (1 s) allows a handful of
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
