#!/bin/sh
# idle.sh: what an idle pokjad costs while it listens with no children.
#
# Makes a national node listening on a loopback port derived from this script's PID, starts its
# pokjad, lets it settle for IDLE_SETTLE seconds (default 3), then reads its CPU time (utime plus
# stime, /proc/PID/stat) and its context switches (voluntary plus involuntary, summed over
# /proc/PID/task/*/status: each is a thread waking up) at the start and the end of IDLE_SECONDS
# (default 30). Prints one line:
#
#   idle: seconds=30 cpu_pct=N wakeups=N wakeups_per_s=N threads=N nng_threads=N rss_kb=N
#
# threads counts all of pokjad's, nng_threads those nng started (named nng:...); rss_kb is the
# resident memory (VmRSS) at the end. cpu_pct is per cent of one core. The clock ticks of /proc (USER_HZ, 100 a second) limit the
# resolution to 1 tick over the window: 0.033% over 30 s. The daemon is stopped (SIGTERM,
# SIGKILL after 5 s) and the folder removed on any exit. Run from the repository root (BUILD
# names the build folder, default "build"). Exits 1 when a step fails.
set -u
. tests/bench/lib/procs.sh
BUILD=${BUILD:-build}
P=$BUILD/pokjactl
PD=$BUILD/pokjad
SECS=${IDLE_SECONDS:-30}
SETTLE=${IDLE_SETTLE:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/pokja-bench-idle.XXXXXX") || exit 1
PIDS=""
P0=$((20000 + ($$ % 20000) * 2))

cleanup() {
	stop_pids
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "idle: $*" >&2
	[ -f "$W/nasional.log" ] && cat "$W/nasional.log" >&2
	exit 1
}

[ -x "$PD" ] && [ -x "$P" ] || fail "$PD or $P is not built (make builds them)"
"$P" --dir "$W/nasional" init --listen "tcp://127.0.0.1:$P0" >/dev/null 2>>"$W/pokjactl.log" ||
	fail "pokjactl init failed"
"$PD" --dir "$W/nasional" 2>>"$W/nasional.log" &
PID=$!
PIDS=$PID
i=0
while ! grep -q " listen: " "$W/nasional.log" 2>/dev/null; do
	[ $i -ge 100 ] && fail "pokjad did not listen within 10 s"
	kill -0 "$PID" 2>/dev/null || fail "pokjad exited"
	sleep 0.1
	i=$((i + 1))
done
sleep "$SETTLE"

ticks() { # utime + stime of the whole process, in clock ticks
	# The command name is in parentheses and may hold blanks: take the fields after it.
	sed 's/^.*) //' "/proc/$PID/stat" | awk '{print $12 + $13}'
}
switches() { # context switches of every thread
	cat /proc/"$PID"/task/*/status 2>/dev/null |
		awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ {n += $2} END {print n + 0}'
}

t0=$(ticks)
c0=$(switches)
sleep "$SECS"
kill -0 "$PID" 2>/dev/null || fail "pokjad exited while idle"
t1=$(ticks)
c1=$(switches)
threads=$(ls "/proc/$PID/task" | wc -l)
nng=$(cat /proc/"$PID"/task/*/comm 2>/dev/null | grep -c '^nng:')
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")
hz=$(getconf CLK_TCK)
awk -v t="$((t1 - t0))" -v c="$((c1 - c0))" -v s="$SECS" -v hz="$hz" -v n="$threads" \
	-v g="$nng" -v r="$rss" 'BEGIN {
	printf "idle: seconds=%d cpu_pct=%.3f wakeups=%d wakeups_per_s=%.2f threads=%d " \
	       "nng_threads=%d rss_kb=%d\n", s, 100 * t / hz / s, c, c / s, n, g, r
}'
