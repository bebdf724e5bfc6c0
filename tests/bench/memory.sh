#!/bin/sh
# memory.sh: the resident memory of an idle district pokjad.
#
# Builds a real network in a temporary folder, as an operator would: the national node and the
# province of Jawa Barat listening on loopback ports derived from this script's PID, Kota Bekasi
# joined to the province online. Starts all three, waits until Kota Bekasi has a session with
# its province, lets it sit idle for 5 s, then reads VmRSS (resident now) and VmHWM (the peak
# resident size since it started) from /proc/PID/status. Prints one line:
#
#   memory: idle_rss_kb=N peak_kb=N
#
# Every daemon started here is stopped (SIGTERM, SIGKILL after 5 s) and the folder removed on
# any exit. Run from the repository root (BUILD names the build folder, default "build").
# Takes about 10 s; exits 1 when a step fails.
set -u
. tests/bench/lib/procs.sh
BUILD=${BUILD:-build}
P=$BUILD/pokjactl
PD=$BUILD/pokjad
W=$(mktemp -d "${TMPDIR:-/tmp}/pokja-bench-memory.XXXXXX") || exit 1
PIDS=""
P0=$((20000 + ($$ % 20000) * 2))
P1=$((P0 + 1))

cleanup() {
	stop_pids
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "memory: $*" >&2
	for f in "$W"/*.log; do
		[ -f "$f" ] && { echo "---- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

start() { # name: runs pokjad for the node folder $W/name, logging to $W/name.log
	"$PD" --dir "$W/$1" 2>>"$W/$1.log" &
	PIDS="$PIDS $!"
	LAST=$!
}

wait_log() { # name pattern: up to 10 s
	i=0
	while ! grep -q -- "$2" "$W/$1.log" 2>/dev/null; do
		[ $i -ge 100 ] && fail "no '$2' in $1's log within 10 s"
		kill -0 "$LAST" 2>/dev/null || fail "pokjad for $1 exited"
		sleep 0.1
		i=$((i + 1))
	done
}

ctl() {
	"$P" "$@" 2>>"$W/pokjactl.log" || fail "pokjactl $1 $2 $3 failed"
}

[ -x "$PD" ] && [ -x "$P" ] || fail "$PD or $P is not built (make builds them)"
ctl --dir "$W/nasional" init --listen "tcp://127.0.0.1:$P0" >/dev/null
start nasional
wait_log nasional " listen: "
T=$(ctl --dir "$W/nasional" invite --region 32) || exit 1
ctl init --dir "$W/provinsi" --join "$T" --listen "tcp://127.0.0.1:$P1" >/dev/null
start provinsi
wait_log provinsi "session with the parent opened"
T2=$(ctl --dir "$W/provinsi" invite --region 32.75) || exit 1
ctl init --dir "$W/kota" --join "$T2" >/dev/null
start kota
KOTA=$LAST
wait_log kota "session with the parent opened"
sleep 5
kill -0 "$KOTA" 2>/dev/null || fail "pokjad for kota exited while idle"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$KOTA/status")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$KOTA/status")
[ -n "$rss" ] && [ -n "$hwm" ] || fail "cannot read /proc/$KOTA/status"
echo "memory: idle_rss_kb=$rss peak_kb=$hwm"
