#!/bin/sh
# country.sh: the whole country on one machine (issue 11, point 5): the national node, the 38
# provinces and the 514 kabupaten/kota of the official list (proto/wilayah/*.csv), each its own
# pokjad on loopback, joined by invite tokens as an operator joins them.
#
# Sizes (environment):
#   PROVINCES   how many provinces, the first N of the list (default 38), or a comma list of
#               province codes ("32,35")
#   DISTRICTS   how many kabupaten/kota in all, taken in turn under the chosen provinces, each
#               under its real province (default: every one of the chosen provinces)
#   JOBS        invites and joins run this many at a time (default 4)
#   IDLE_SECONDS, IDLE_SETTLE   the idle window (default 30 s) and the pause before it (70 s:
#               every node writes its health record again a minute after its first, when its
#               links changed meanwhile; the window comes after that wave)
#   ARAHAN_BOUND_MS, KEGIATAN_BOUND_MS   the bounds counted as "within" (2000 and 5000)
#   WAIT_SECONDS   the longest wait for any one step (default 60 s plus a tenth of a second a node)
#   VERIFY=1       after the daemons stop, `pokjactl verify` on every store
#   ARRIVALS=FILE  each node's arrival lines: "arahan|kegiatan NAME WRITE_MS ARRIVAL_MS DELAY_MS"
#   KEEP_LOGS=DIR  keeps the daemons' logs in DIR
#
# Steps: init and start the national node; invite and join the provinces (each listens on a
# loopback port from a base derived from this script's PID, below the ephemeral range), start
# them; then the districts under their provinces. Every pokjad runs at log level debug, so that
# each logs the changesets it commits (tag applied, stamped just after the commit): every arrival
# time below is the receiving node's own, read from its log, never a poll of it with pokjactl.
# Prints one line of figures per measurement (key=value):
#
#   country: provinces=N districts=N nodes=N jobs=N
#   country-join: children=N sessions=N replicating=N join_s=N sessions_s=N replicating_s=N
#       join_s: the first invite to the last join done; sessions_s: to the last child's session
#       with its parent (its log); replicating_s: to the national node's commit of a changeset
#       (the first health record) of every other node (its log)
#   country-memory: nodes=N rss_mb=N pss_mb=N anon_mb=N threads=N threads_national=N
#       threads_province_max=N threads_district_max=N
#       rss: the sum of VmRSS (shared pages counted once per process); pss: the sum of Pss
#       (smaps_rollup, shared pages divided among their users: the real total); anon: RssAnon
#   country-idle: seconds=N cpu_pct=N national_pct=N provinces_pct=N districts_pct=N applied=N
#       log_lines=N
#       utime+stime of every pokjad over the window, per cent of one core (all, and by level:
#       the provinces together, the districts together); the changesets the
#       nodes committed from others meanwhile (health records) and their log lines, all levels
#   country-arahan: nodes=N held=N p50_ms=N p99_ms=N max_ms=N within_Bms=N ... put_ms=N
#       one arahan written at the national node (pokjactl put, to the whole country); each
#       district's commit of it, from the national node's own stamp of the write (the changeset's
#       clock, in ms)
#   country-kegiatan: nodes=N held=N p50_ms=N p99_ms=N max_ms=N within_Bms=N ...
#       last_arrival_after_last_write_ms=N
#       one kegiatan written at every district (JOBS at a time, close together); the national
#       node's commit of each, from the district's own stamp of its write
#   country-stop: nodes=N clean=N stop_s=N     (then country-verify: nodes=N ok=N with VERIFY=1)
#   country-bars: ...                          the issue's bars, yes or no (not pass/fail here)
#
# Not part of `make check` (tests/cli/test_country.sh runs 1 + 2 + 6). The full size starts
# 553 daemons: about 17,000 threads with today's pokjad (a listening node runs about 218, a
# district about 17), within this machine's pid_max of 32768; a few minutes. Every pokjad is
# stopped by PID (SIGTERM, SIGKILL after 10 s) and the folder removed on any exit. Run from the
# repository root (BUILD names the build folder, default "build"). Exits 1 when a step fails or
# a record did not reach every node it should within WAIT_SECONDS.
#
# With some 17,000 threads of a pid_max of 32768 taken, process ids come round again within
# seconds: a PID is signalled only while its process is still a pokjad of this run (its command
# line names this run's folder), and a pokjad that stopped on a signal this script did not send
# is named when a step fails.
set -u
BUILD=${BUILD:-build}
P=$BUILD/pokjactl
PD=$BUILD/pokjad
PROVINCES=${PROVINCES:-38}
DISTRICTS=${DISTRICTS:-all}
JOBS=${JOBS:-4}
IDLE=${IDLE_SECONDS:-30}
SETTLE=${IDLE_SETTLE:-70}
AR_BOUND=${ARAHAN_BOUND_MS:-2000}
KG_BOUND=${KEGIATAN_BOUND_MS:-5000}
W=$(mktemp -d "${TMPDIR:-/tmp}/pokja-bench-country.XXXXXX") || exit 1
PIDS=""
# 50 ports from a base derived from the PID, all below 32768 (the ephemeral ports start there).
P0=$((20000 + ($$ % 250) * 50))
export P W

# The PIDs of the pokjad of this run that still run (a zombie's command line is empty).
running() {
	[ -s "$W/pids" ] || return 0
	grep -l -a -F -- "$W/" $(awk '{ print "/proc/" $2 "/cmdline" }' "$W/pids") 2>/dev/null |
		sed 's|^/proc/\([0-9]*\)/cmdline$|\1|'
}

# Stops every pokjad of this run: SIGTERM, up to 10 s for all to exit, SIGKILL for the rest.
stop_all() {
	for pid in $(running); do
		kill -TERM "$pid" 2>/dev/null
	done
	_i=0
	while [ -n "$(running)" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	for pid in $(running); do
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	PIDS=""
}

cleanup() {
	stop_all
	[ -z "${KEEP_LOGS:-}" ] || { mkdir -p "$KEEP_LOGS" && cp "$W"/*.log "$KEEP_LOGS"/; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "country: $*" >&2
	[ -f "$W/ctl.log" ] && tail -n 20 "$W/ctl.log" >&2
	# Before this script stops them, no pokjad logs "stop:".
	[ -n "$PIDS" ] && _early=$(grep -l " info stop: " "$W"/*.log 2>/dev/null) &&
		echo "country: stopped on a signal this script did not send:" \
			$(echo "$_early" | sed 's|.*/||; s|\.log$||') >&2
	exit 1
}

now_ms() {
	date +%s%3N
}

[ -x "$PD" ] && [ -x "$P" ] || fail "$PD or $P is not built (make builds them)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to read the logs"

# ---- the tree: national (n), provinces (p-CODE), districts (k-CODE) ------------------------

# $W/provinces: "CODE PORT"; $W/districts: "CODE PROVINCE", in the order they are joined.
tail -n +2 proto/wilayah/provinces.csv | cut -d, -f1 >"$W/all-provinces"
case $PROVINCES in
*,*) echo "$PROVINCES" | tr ',' '\n' ;;
*) head -n "$PROVINCES" "$W/all-provinces" ;;
esac | awk -v p0="$P0" 'NF { print $1, p0 + NR }' >"$W/provinces"
while read -r code port; do
	grep -qx "$code" "$W/all-provinces" || fail "$code is not a province of the official list"
done <"$W/provinces"
NPROV=$(wc -l <"$W/provinces")
[ "$NPROV" -ge 1 ] && [ "$NPROV" -le 49 ] || fail "PROVINCES: 1 to 38 provinces"
# The regencies of the chosen provinces, in turn (the first of each, then the second, ...).
tail -n +2 proto/wilayah/regencies.csv | awk -F, -v want="$(cut -d' ' -f1 "$W/provinces")" '
	BEGIN { n = split(want, w, "\n"); for (i = 1; i <= n; i++) order[w[i]] = i }
	($2 in order) { k = ++seen[$2]; print k, order[$2], $1, $2 }' |
	sort -n -k1,1 -k2,2 | awk '{ print $3, $4 }' >"$W/pool"
if [ "$DISTRICTS" = all ]; then
	cp "$W/pool" "$W/districts"
else
	head -n "$DISTRICTS" "$W/pool" >"$W/districts"
fi
NDIST=$(wc -l <"$W/districts")
NODES=$((1 + NPROV + NDIST))
WAIT=${WAIT_SECONDS:-$((60 + NODES / 10))}
echo "country: provinces=$NPROV districts=$NDIST nodes=$NODES jobs=$JOBS"

start() { # name: pokjad on $W/name, logging to $W/name.log
	"$PD" --dir "$W/$1" --log-level debug 2>>"$W/$1.log" &
	PIDS="$PIDS $!"
	echo "$1 $!" >>"$W/pids"
}

# wait_until SECONDS WHAT CMD...: CMD every 0.2 s until it succeeds (0), or, after SECONDS, says
# on stderr what it waited for (1).
wait_until() {
	_secs=$1
	_what=$2
	_end=$(($(now_ms) + _secs * 1000))
	shift 2
	until "$@"; do
		if [ "$(now_ms)" -ge "$_end" ]; then
			echo "country: waited $_secs s for $_what" >&2
			return 1
		fi
		sleep 0.2
	done
}

logs_with() { # pattern files...: how many of the files match
	_pat=$1
	shift
	grep -l -e "$_pat" "$@" 2>/dev/null | wc -l
}
listening() { # name...
	[ "$(logs_with " listen: " $(for n in "$@"; do echo "$W/$n.log"; done))" -eq $# ]
}

# One join (run by xargs, JOBS at a time): an invite at the parent, init --join at the child.
# The invite's note to people (stderr) is kept only when it fails.
JOIN_ONE='{ tok=$("$P" --dir "$W/$2" invite --region "$3" 2>"$W/$1.inv") ||
	{ cat "$W/$1.inv" >>"$W/ctl.log"; false; }; } &&
	"$P" init --dir "$W/$1" --join "$tok" ${4:+--listen "tcp://127.0.0.1:$4"} \
		>/dev/null 2>>"$W/ctl.log" || echo "$1" >>"$W/join-failed"
	rm -f "$W/$1.inv"'

"$P" --dir "$W/n" init --listen "tcp://127.0.0.1:$P0" >/dev/null 2>>"$W/ctl.log" ||
	fail "pokjactl init of the national node failed"
start n
wait_until "$WAIT" "the national node to listen" listening n || exit 1

t_join=$(now_ms)
awk '{ print "p-" $1, "n", $1, $2 }' "$W/provinces" | xargs -P "$JOBS" -L 1 sh -c "$JOIN_ONE" sh
[ -e "$W/join-failed" ] && fail "joins failed: $(tr '\n' ' ' <"$W/join-failed")"
for code in $(cut -d' ' -f1 "$W/provinces"); do
	start "p-$code"
done
wait_until "$WAIT" "the provinces to listen" listening $(awk '{ print "p-" $1 }' "$W/provinces") ||
	fail "not every province listens within $WAIT s"
awk '{ print "k-" $1, "p-" $2, $1 }' "$W/districts" | xargs -P "$JOBS" -L 1 sh -c "$JOIN_ONE" sh
[ -e "$W/join-failed" ] && fail "joins failed: $(tr '\n' ' ' <"$W/join-failed")"
t_joined=$(now_ms)
for code in $(cut -d' ' -f1 "$W/districts"); do
	start "k-$code"
done

# Every child's session with its parent, and the national node's commit of a changeset from
# every other node (its first health record), both from the nodes' own logs.
CHILDREN=$((NODES - 1))
sessions() {
	logs_with "session with the parent opened" "$W"/p-*.log "$W"/k-*.log
}
origins_at_national() {
	sed -n 's/.* applied: from .*: origin \([0-9a-f]\{16\}\) seq [0-9]*$/\1/p' "$W/n.log" |
		sort -u | wc -l
}
test_eq() { # cmd n: the command's output is n
	[ "$($1)" -eq "$2" ]
}
wait_until "$WAIT" "every child's session with its parent" test_eq sessions "$CHILDREN"
wait_until "$WAIT" "every node's first changeset at the national node" \
	test_eq origins_at_national "$CHILDREN"
nsess=$(sessions)
nrepl=$(origins_at_national)
# The last time stamp of a session line, and of the national node's first commit from each origin.
last_stamp() { # prints the latest ISO stamp of the lines read on stdin, as ms
	sort | tail -n 1 | python3 -c '
import sys
from datetime import datetime, timezone
s = sys.stdin.read().strip()
print(round(datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000) if s else 0)'
}
t_sess=$(grep -h "session with the parent opened" "$W"/p-*.log "$W"/k-*.log | cut -d' ' -f1 |
	last_stamp)
t_repl=$(sed -n 's/^\([^ ]*\) .* applied: from .*: origin \([0-9a-f]\{16\}\) seq [0-9]*$/\2 \1/p' \
	"$W/n.log" | sort -k1,1 -k2,2 | awk '$1 != last { print $2; last = $1 }' | last_stamp)
secs() { # t0 t1: seconds from t0 to t1, or "-" when there is no t1
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", (b - a) / 1000; else print "-" }'
}
echo "country-join: children=$CHILDREN sessions=$nsess replicating=$nrepl" \
	"join_s=$(secs "$t_join" "$t_joined") sessions_s=$(secs "$t_join" "$t_sess")" \
	"replicating_s=$(secs "$t_join" "$t_repl")"
[ "$nsess" -eq "$CHILDREN" ] || fail "$((CHILDREN - nsess)) children opened no session within" \
	"$WAIT s:" $(grep -L "session with the parent opened" "$W"/p-*.log "$W"/k-*.log |
		sed 's|.*/||; s|\.log$||' | head -n 20)
[ "$nrepl" -eq "$CHILDREN" ] ||
	fail "the national node committed nothing from $((CHILDREN - nrepl)) nodes within $WAIT s"

# ---- memory, threads, idle CPU -------------------------------------------------------------

alive() {
	[ "$(running | wc -l)" -eq "$NODES" ]
}
alive || fail "$((NODES - $(running | wc -l))) pokjad exited"
# Reads /proc/PID/FILE of every pokjad of $W/pids in one awk (no process per daemon); a file
# that is gone (its process exited) is left out.
proc_awk() { # file line-program end-program: a[] is each line split, kind n, p or k
	awk -v file="$1" "
	{ kind = substr(\$1, 1, 1); f = \"/proc/\" \$2 \"/\" file
	  while ((getline line < f) > 0) { split(line, a, \" \"); $2 }
	  close(f) }
	$3" "$W/pids"
}
proc_awk status '
	if (a[1] == "VmRSS:") rss += a[2]
	if (a[1] == "RssAnon:") anon += a[2]
	if (a[1] == "Threads:") { threads += a[2]; if (kind == "n") tn = a[2]
		else if (kind == "p") { if (a[2] > tp) tp = a[2] } else if (a[2] > tk) tk = a[2] }' \
	'END { printf "%d %d %d %d %d %d\n", rss, anon, threads, tn, tp, tk }' >"$W/mem"
proc_awk smaps_rollup 'if (a[1] == "Pss:") pss += a[2]' 'END { print pss + 0 }' >"$W/pss"
read -r rss anon threads tn tp tk <"$W/mem"
read -r pss <"$W/pss"
awk -v n="$NODES" -v r="$rss" -v p="$pss" -v a="$anon" -v t="$threads" -v tn="$tn" -v tp="$tp" \
	-v tk="$tk" 'BEGIN {
	printf "country-memory: nodes=%d rss_mb=%.1f pss_mb=%.1f anon_mb=%.1f threads=%d threads_national=%d threads_province_max=%d threads_district_max=%d\n",
	       n, r / 1024, p / 1024, a / 1024, t, tn, tp, tk
}'

# utime + stime of every pokjad, in clock ticks: all, the national node, the provinces, the
# districts (the name has no blanks: fields 14 and 15).
ticks() {
	proc_awk stat 't = a[14] + a[15]; all += t; by[kind] += t' \
		'END { print all + 0, by["n"] + 0, by["p"] + 0, by["k"] + 0 }'
}
iso_now() {
	date -u +%Y-%m-%dT%H:%M:%S.%3NZ
}
sleep "$SETTLE"
i0=$(iso_now)
ticks >"$W/ticks0"
sleep "$IDLE"
ticks >"$W/ticks1"
read -r c0 n0 p0 k0 <"$W/ticks0"
read -r c1 n1 p1 k1 <"$W/ticks1"
i1=$(iso_now)
alive || fail "a pokjad exited while idle"
# What the nodes did meanwhile, from their logs: changesets committed from other nodes (health
# records, mostly), and log lines of any kind.
cat "$W"/n.log "$W"/p-*.log "$W"/k-*.log | awk -v a="$i0" -v b="$i1" '
	$1 >= a && $1 <= b { lines++; if ($4 == "applied:") applied++ }
	END { print applied + 0, lines + 0 }' >"$W/idle-log"
read -r iapplied ilines <"$W/idle-log"
awk -v t="$((c1 - c0))" -v tn="$((n1 - n0))" -v tp="$((p1 - p0))" -v tk="$((k1 - k0))" \
	-v s="$IDLE" -v hz="$(getconf CLK_TCK)" -v a="$iapplied" -v l="$ilines" 'BEGIN {
	f = 100 / hz / s
	printf "country-idle: seconds=%d cpu_pct=%.3f national_pct=%.3f provinces_pct=%.3f districts_pct=%.3f applied=%d log_lines=%d\n",
	       s, t * f, tn * f, tp * f, tk * f, a, l
}'
idle_line_cpu=$(awk -v t="$((c1 - c0))" -v s="$IDLE" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.3f", 100 * t / hz / s }')

# ---- one arahan from the national node to every district -----------------------------------

nkey=$("$P" --dir "$W/n" info --json 2>>"$W/ctl.log" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["key"][:16])') ||
	fail "pokjactl info at the national node failed"
a0=$(now_ms)
"$P" --dir "$W/n" put arahan bench-arahan --json \
	'{"judul":"Percepatan pendataan","isi":"Lengkapi data kegiatan.","wilayah_sasaran":""}' \
	>/dev/null 2>>"$W/ctl.log" || fail "pokjactl put arahan failed"
a1=$(now_ms)
# The write's own stamp: its changeset's clock at the national node (ms), and its sequence.
"$P" --dir "$W/n" history arahan bench-arahan --json 2>>"$W/ctl.log" | python3 -c '
import json, sys
v = json.load(sys.stdin)["versions"][-1]
print(v["seq"], v["hlc"] >> 16)' >"$W/arahan-cs" || fail "pokjactl history arahan failed"
read -r aseq awrite <"$W/arahan-cs"
[ "$awrite" -ge $((a0 - 1)) ] && [ "$awrite" -le $((a1 + 1)) ] ||
	fail "the arahan's clock stamp $awrite is not within its put ($a0 to $a1)"
awk -v w="$W" -v k="$nkey" -v s="$aseq" -v t="$awrite" \
	'{ print "k-" $1, w "/k-" $1 ".log", k, s, t }' "$W/districts" >"$W/arahan-expect"
arahan_held() {
	[ "$(grep -l -E " (applied: from .*: origin $nkey seq $aseq\$|held-applied: origin $nkey seq $aseq:)" \
		"$W"/k-*.log 2>/dev/null | wc -l)" -eq "$NDIST" ]
}
wait_until "$WAIT" "the arahan at every district" arahan_held
python3 tests/bench/lib/arrivals.py country-arahan "$AR_BOUND" "$W/arahan-expect" \
	"$W/arahan-arrivals" >"$W/arahan-line"
arahan_rc=$?
echo "$(cat "$W/arahan-line") put_ms=$((a1 - a0))"
[ -z "${ARRIVALS:-}" ] || sed 's/^/arahan /' "$W/arahan-arrivals" >"$ARRIVALS"

# ---- one kegiatan from every district to the national node ---------------------------------

PUT_ONE='"$P" --dir "$W/k-$1" put kegiatan "bench-$1" \
	--json "{\"nama\":\"Rapat koordinasi $1\",\"tahun\":2026}" >/dev/null 2>>"$W/ctl.log" ||
	echo "$1" >>"$W/put-failed"'
cut -d' ' -f1 "$W/districts" | xargs -P "$JOBS" -L 1 sh -c "$PUT_ONE" sh
[ -e "$W/put-failed" ] && fail "pokjactl put kegiatan failed at: $(tr '\n' ' ' <"$W/put-failed")"
# When to stop waiting: the national node's count (a poll of that one node); the arrival times
# are its log's.
kegiatan_held() {
	[ "$("$P" --dir "$W/n" list kegiatan --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for o in json.load(sys.stdin) if o["key"].startswith("bench-")))' 2>/dev/null)" = "$NDIST" ]
}
wait_until "$WAIT" "every kegiatan at the national node" kegiatan_held
# Each kegiatan's origin, sequence and clock stamp, as the national node holds them (one
# pokjactl history each, read by one python3).
mkdir -p "$W/hist"
for code in $(cut -d' ' -f1 "$W/districts"); do
	"$P" --dir "$W/n" history kegiatan "bench-$code" --region "$code" --json \
		>"$W/hist/$code" 2>/dev/null
done
cut -d' ' -f1 "$W/districts" | python3 -c '
import json, sys
w = sys.argv[1]
for code in sys.stdin.read().split():
    try:
        with open("%s/hist/%s" % (w, code)) as f:
            v = json.load(f)["versions"][-1]
        print("k-%s %s/n.log %s %d %d" % (code, w, v["origin"][:16], v["seq"], v["hlc"] >> 16))
    except (OSError, ValueError, KeyError, IndexError):
        print("k-%s %s/n.log - 0 0" % (code, w))' "$W" >"$W/kegiatan-expect"
python3 tests/bench/lib/arrivals.py country-kegiatan "$KG_BOUND" "$W/kegiatan-expect" \
	"$W/kegiatan-arrivals" >"$W/kegiatan-line"
kegiatan_rc=$?
cat "$W/kegiatan-line"
[ -z "${ARRIVALS:-}" ] || sed 's/^/kegiatan /' "$W/kegiatan-arrivals" >>"$ARRIVALS"

# ---- stop, verify --------------------------------------------------------------------------

s0=$(now_ms)
stop_all
s1=$(now_ms)
clean=$(logs_with "stopped cleanly" "$W"/*.log)
echo "country-stop: nodes=$NODES clean=$clean stop_s=$(awk -v t="$((s1 - s0))" 'BEGIN { printf "%.2f", t / 1000 }')"
verified=-1
if [ "${VERIFY:-0}" = 1 ]; then
	verified=0
	for d in n $(awk '{ print "p-" $1 }' "$W/provinces") $(awk '{ print "k-" $1 }' "$W/districts"); do
		if "$P" --dir "$W/$d" verify >/dev/null 2>>"$W/verify.log"; then
			verified=$((verified + 1))
		else
			echo "country: pokjactl verify found problems at $d" >&2
		fi
	done
	echo "country-verify: nodes=$NODES ok=$verified"
fi

# ---- the issue's bars (reported, not pass/fail) --------------------------------------------

yes_no() { # awk condition
	awk "BEGIN { print ($1) ? \"yes\" : \"no\" }"
}
ap99=$(sed -n 's/.* p99_ms=\([0-9-]*\).*/\1/p' "$W/arahan-line")
kafter=$(sed -n 's/.* last_arrival_after_last_write_ms=\([0-9-]*\).*/\1/p' "$W/kegiatan-line" 2>/dev/null)
echo "country-bars: arahan_p99_le_2000ms=$(yes_no "${ap99:-99999} <= 2000 && $arahan_rc == 0")" \
	"kegiatan_le_5000ms_after_last=$(yes_no "${kafter:-99999} <= 5000 && $kegiatan_rc == 0")" \
	"idle_cpu_lt_1pct=$(yes_no "$idle_line_cpu < 1")" \
	"pss_lt_2gb=$(yes_no "$pss < 2097152")" "rss_lt_2gb=$(yes_no "$rss < 2097152")"

[ "$arahan_rc" -eq 0 ] || fail "the arahan did not reach every district within $WAIT s"
[ "$kegiatan_rc" -eq 0 ] || fail "a kegiatan did not reach the national node within $WAIT s"
[ "$clean" -eq "$NODES" ] || fail "$((NODES - clean)) pokjad did not stop cleanly"
[ "$verified" -eq -1 ] || [ "$verified" -eq "$NODES" ] || fail "pokjactl verify found problems"
exit 0
