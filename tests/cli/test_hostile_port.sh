#!/bin/sh
# The listen port under attack before any authentication (SPEC section 14, "The listen port"):
# a parent run with 256 file descriptors is hit at once by connections announcing 4,194,000-byte
# messages, hundreds of idle connections, slowloris and garbage, from many loopback source
# addresses (tests/tools/attack.c). Its memory stays bounded, every limit shows in the log under
# its tag (rate-limited), the attackers' connections are all closed by the parent, and a real
# child keeps syncing, restarts and reconnects, and a new child joins online, all during the
# attack. Every wait is bounded; every process started is stopped by its PID.
. tests/cli/lib.sh
. tests/cli/net.sh

A=$(dirname "$P")/tests/tools/attack
if [ ! -x "$A" ]; then
	echo "not ok 1 - the attack tool exists ($A; run 'make unit' first)"
	echo "1..1"
	exit 1
fi
ATTACK_S=14 # every attack runs this long, then stops by itself

# pokjad with a lowered descriptor limit: the wrapper execs it, so the PID is pokjad's own.
REAL_PD=$PD
PD=$T/pokjad-256fd
printf '#!/bin/sh\nulimit -n 256 || exit 3\nexec "%s" "$@"\n' "$REAL_PD" >"$PD"
chmod +x "$PD"

rss_kb() { # pid: its VmRSS in kB
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

ok "init the parent (listens on $BASE)" "$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
printf '\n[limits]\nport_unauth_max = 48\nport_unauth_per_address = 8\n' >>"$T/nas/pokjad.conf"
printf 'port_handshake_timeout = 3s\nport_idle_timeout = 2s\n' >>"$T/nas/pokjad.conf"
start nas
NAS=$(pid_of nas)
PD=$REAL_PD # the children run with the usual limit
join k32 nas 32
check "the parent runs with a descriptor limit of 256" \
	grep -Eq '^Max open files +256 +256' "/proc/$NAS/limits"

"$P" --dir "$T/k32" put kegiatan before --json '{"nama":"Sebelum serangan","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at the child" "$(cat "$T/.err")"
if wait_for 15 has nas kegiatan before; then
	pass "before the attack, a record written at the child reaches the parent"
else
	fail "before the attack, a record written at the child reaches the parent" "$(tails k32 nas)"
fi
RSS0=$(rss_kb "$NAS")

# ---- the attack: four kinds at once, from 160 source addresses -----------------------------

URL=tcp://127.0.0.1:$BASE
"$A" --url "$URL" --seconds $ATTACK_S --count 300 --from 127.0.0.2 --spread 50 --reopen huge \
	>"$T/huge.out" 2>&1 &
A1=$!
"$A" --url "$URL" --seconds $ATTACK_S --count 400 --from 127.0.0.60 --spread 80 idle \
	>"$T/idle.out" 2>&1 &
A2=$!
"$A" --url "$URL" --seconds $ATTACK_S --count 60 --from 127.0.0.150 --spread 20 slowloris \
	>"$T/slow.out" 2>&1 &
A3=$!
"$A" --url "$URL" --seconds $ATTACK_S --count 40 --from 127.0.0.180 --spread 10 --reopen garbage \
	>"$T/garbage.out" 2>&1 &
A4=$!
track $A1
track $A2
track $A3
track $A4
sleep 1

# During the attack: the child keeps syncing, restarts and reconnects, and a new child joins.
"$P" --dir "$T/k32" put kegiatan during --json '{"nama":"Saat serangan","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at the child" "$(cat "$T/.err")"
if wait_for 10 has nas kegiatan during; then
	pass "during the attack, a record written at the child reaches the parent"
else
	fail "during the attack, a record written at the child reaches the parent" "$(tails k32 nas)"
fi
stop k32
same "the child stops cleanly" "" "$STOPPED"
start k32
"$P" --dir "$T/k32" put kegiatan restarted --json '{"nama":"Setelah restart","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at the child" "$(cat "$T/.err")"
if wait_for 10 has nas kegiatan restarted; then
	pass "a child restarted during the attack reconnects: its next record reaches the parent"
else
	fail "a child restarted during the attack reconnects: its next record reaches the parent" \
		"$(tails k32 nas)"
fi
join k33 nas 33
"$P" --dir "$T/k33" put kegiatan joined --json '{"nama":"Anggota baru","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at the new child" "$(cat "$T/.err")"
if wait_for 10 has nas kegiatan joined; then
	pass "a child that joins online during the attack syncs: its record reaches the parent"
else
	fail "a child that joins online during the attack syncs: its record reaches the parent" \
		"$(tails k33 nas)"
fi

# The parent's memory and descriptors while the attack lasts: the largest of samples every
# 0.2 s.
RSS_MAX=$RSS0
FD_MAX=0
while kill -0 $A1 2>/dev/null || kill -0 $A2 2>/dev/null; do
	r=$(rss_kb "$NAS")
	[ "$r" -gt "$RSS_MAX" ] && RSS_MAX=$r
	f=$(ls "/proc/$NAS/fd" 2>/dev/null | wc -l)
	[ "$f" -gt "$FD_MAX" ] && FD_MAX=$f
	sleep 0.2
done
for a in $A1 $A2 $A3 $A4; do
	_i=0
	while kill -0 $a 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
done
echo "# parent VmRSS: $RSS0 kB before, at most $RSS_MAX kB during the attack; $FD_MAX descriptors"
for f in huge idle slow garbage; do echo "# $(cat "$T/$f.out")"; done
if [ $((RSS_MAX - RSS0)) -lt 40960 ]; then
	pass "the parent's memory grows by less than 40 MB during the attack"
else
	fail "the parent's memory grows by less than 40 MB during the attack" \
		"VmRSS $RSS0 kB before, $RSS_MAX kB during"
fi

if [ "$FD_MAX" -lt 200 ]; then
	pass "the parent never holds more than 200 of its 256 descriptors ($FD_MAX at most)"
else
	fail "the parent never holds more than 200 of its 256 descriptors ($FD_MAX at most)"
fi
# A flood that reconnects at once ends with its last connections still queued: count closes.
check "a flood of huge length prefixes: thousands refused" \
	grep -Eq '^huge: connected [0-9]+, failed 0, closed by the server [0-9]{4,} ' "$T/huge.out"
check "a flood of garbage: thousands refused" \
	grep -Eq '^garbage: connected [0-9]+, failed 0, closed by the server [0-9]{4,} ' \
	"$T/garbage.out"

# ---- the timeouts, alone: fewer connections than the caps, so nothing is closed early -------

"$A" --url "$URL" --seconds 6 --count 30 --from 127.0.0.100 --spread 10 idle \
	>"$T/idle2.out" 2>&1 &
A5=$!
"$A" --url "$URL" --seconds 6 --count 15 --from 127.0.0.150 --spread 5 slowloris \
	>"$T/slow2.out" 2>&1 &
A6=$!
track $A5
track $A6
for a in $A5 $A6; do
	_i=0
	while kill -0 $a 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
done
echo "# $(cat "$T/idle2.out")"
echo "# $(cat "$T/slow2.out")"
check "idle connections: each closed by the idle timeout (2 s), none open at the end" \
	grep -Eq '^idle: connected 30, failed 0, closed by the server 30 \(slowest after 2[0-9]{3} ms\), open 0$' \
	"$T/idle2.out"
check "slowloris: each closed by the handshake timeout (3 s), none open at the end" \
	grep -Eq '^slowloris: connected 15, failed 0, closed by the server 15 \(slowest after 3[0-9]{3} ms\), open 0$' \
	"$T/slow2.out"

LOG=$(log_of nas)
check "the log shows port-oversize" grep -q 'port-oversize.*4194000 bytes before the session' "$LOG"
check "the log shows port-limit" grep -q 'port-limit.*without a session' "$LOG"
check "the log shows port-timeout (idle)" grep -q 'port-timeout.*silent for' "$LOG"
check "the log shows port-timeout (handshake)" grep -q 'port-timeout.*no session within' "$LOG"
check "the log shows port-protocol" grep -q 'port-protocol.*not an SP request socket' "$LOG"
n=$(grep -c 'port-' "$LOG")
if [ "$n" -le $((4 * (ATTACK_S + 6))) ]; then
	pass "the log is rate-limited: $n port-* lines for thousands of refusals"
else
	fail "the log is rate-limited: $n port-* lines for thousands of refusals"
fi
check "the rate-limited lines count what they left out" grep -q 'and [0-9]* more like it' "$LOG"

# ---- the measured attack alone: 300 connections announcing 4,194,000 bytes -----------------

"$A" --url "$URL" --seconds 3 --count 300 --from 127.0.0.2 --spread 50 huge >"$T/huge2.out" 2>&1
echo "# $(cat "$T/huge2.out")"
check "300 connections announcing 4,194,000 bytes: each refused at its length within 1 s" \
	grep -Eq '^huge: connected 300, failed 0, closed by the server 300 \(slowest after [0-9]{1,3} ms\), open 0$' \
	"$T/huge2.out"
r=$(rss_kb "$NAS")
if [ $((r - RSS0)) -lt 40960 ]; then
	pass "... and the parent's memory stays within 40 MB of where it was ($r kB)"
else
	fail "... and the parent's memory stays within 40 MB of where it was ($r kB)"
fi

# After the attack, the child still syncs.
"$P" --dir "$T/k32" put kegiatan after --json '{"nama":"Sesudah serangan","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at the child" "$(cat "$T/.err")"
if wait_for 10 has nas kegiatan after; then
	pass "after the attack, a record written at the child reaches the parent"
else
	fail "after the attack, a record written at the child reaches the parent" "$(tails k32 nas)"
fi

# The attack tool itself: loopback only, bounded.
errs "attack refuses a target outside loopback" "loopback" "$A" --url tcp://192.0.2.1:1 idle
errs "attack refuses more than 300 seconds" "usage" "$A" --url "$URL" --seconds 301 idle

for nd in k33 k32 nas; do
	stop $nd
	same "$nd stops cleanly" "" "$STOPPED"
done
done_testing
