#!/bin/sh
# pokjad: --check, start, local writes through pokjactl while it runs, clean stop on a signal.
. tests/cli/lib.sh

N=$T/nasional
ok "init national" "$P" --dir "$N" init

# ---- --check
outputs "pokjad --check on a good node prints 'configuration OK'" "^configuration OK$" \
	"$PD" --dir "$N" --check
errs "pokjad --check on a missing node folder fails" "no-such-node" \
	"$PD" --dir "$T/no-such-node" --check
check "and prints no 'configuration OK'" test ! -s "$OUT"
cp -a "$N" "$T/open-key"
chmod 0644 "$T/open-key/node.key"
errs "pokjad --check with a key file of mode 0644 fails, saying so" "0644|readable by others" \
	"$PD" --dir "$T/open-key" --check
check "and prints no 'configuration OK' (mode 0644)" test ! -s "$OUT"
cp -a "$N" "$T/no-store"
rm -rf "$T/no-store/store"
fails_nz() { # name cmd...: any failure exit (1..125)
	_name=$1
	shift
	_run "$@"
	if [ "$RC" -ge 1 ] && [ "$RC" -le 125 ]; then pass "$_name"; else
		fail "$_name" "exit status $RC; stderr: $(head -c 300 "$ERR")"; fi
}
fails_nz "pokjad --check on a node folder without its store fails" \
	"$PD" --dir "$T/no-store" --check
"$P" --dir "$T/other" init >/dev/null 2>&1
cp -a "$N" "$T/wrong-key"
cp "$T/other/node.key" "$T/wrong-key/node.key"
errs "pokjad --check with another node's key file fails" "belong|key" \
	"$PD" --dir "$T/wrong-key" --check
fails "pokjad with an unknown option exits 2" 2 "$PD" --dir "$N" --frob
fails "pokjad with a stray argument exits 2" 2 "$PD" --dir "$N" extra
outputs "pokjad --help exits 0" "usage: pokjad" "$PD" --help
fails_nz "pokjad running on a key file of mode 0644 refuses to start" \
	"$PD" --dir "$T/open-key"

# ---- run it
wait_for_line() { # file pattern: up to 5 s
	_i=0
	while [ $_i -lt 50 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
wait_for_exit() { # pid: up to 5 s; sets STATUS (or "running")
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		STATUS=running
	else
		wait "$1"
		STATUS=$?
	fi
}

"$PD" --dir "$N" 2>"$T/pokjad.log" &
PID=$!
track "$PID"
if wait_for_line "$T/pokjad.log" " start: "; then
	pass "pokjad logs 'start' within 5 s"
else
	fail "pokjad logs 'start' within 5 s" "$(cat "$T/pokjad.log")"
fi
check "pokjad is still running after start" kill -0 "$PID"
same "the start line names the node's region and level" \
	"$(grep -c "start: .*region '' (national)" "$T/pokjad.log")" 1

ok "pokjactl put works while pokjad runs" "$P" --dir "$N" put kegiatan d-1 --json \
	'{"nama":"Selagi jalan","tahun":2026,"wilayah":""}'
printf '{"collection":"kegiatan","key":"d-%d","nama":"n","tahun":2026}\n' 2 3 4 5 >"$T/d.jsonl"
ok "pokjactl import works while pokjad runs" "$P" --dir "$N" import "$T/d.jsonl"
jcheck "pokjactl list sees them while pokjad runs" \
	'sorted(o["key"] for o in j) == ["d-1", "d-2", "d-3", "d-4", "d-5"]' \
	"$P" --dir "$N" list kegiatan --json
ok "pokjactl del works while pokjad runs" "$P" --dir "$N" del kegiatan d-5
outputs "pokjactl verify works while pokjad runs" ": 0 masalah" "$P" --dir "$N" verify
outputs "pokjad --check works while pokjad runs" "configuration OK" "$PD" --dir "$N" --check
check "pokjad is still running after the writes" kill -0 "$PID"

kill -TERM "$PID"
wait_for_exit "$PID"
same "pokjad exits with status 0 within 5 s of SIGTERM" "$STATUS" 0
if wait_for_line "$T/pokjad.log" "stopped cleanly"; then
	pass "pokjad logs 'stopped cleanly'"
else
	fail "pokjad logs 'stopped cleanly'" "$(cat "$T/pokjad.log")"
fi
jcheck "the records are still there after pokjad stopped" \
	'sorted(o["key"] for o in j) == ["d-1", "d-2", "d-3", "d-4"]' \
	"$P" --dir "$N" list kegiatan --json
outputs "and the node verifies clean" ": 0 masalah" "$P" --dir "$N" verify

# ---- SIGINT stops it cleanly too
"$PD" --dir "$N" 2>"$T/pokjad2.log" &
PID2=$!
track "$PID2"
if wait_for_line "$T/pokjad2.log" " start: "; then
	pass "pokjad starts again on the same node"
else
	fail "pokjad starts again on the same node" "$(cat "$T/pokjad2.log")"
fi
kill -INT "$PID2"
wait_for_exit "$PID2"
same "pokjad exits with status 0 on SIGINT" "$STATUS" 0
stopped=$(grep -c "stopped cleanly" "$T/pokjad2.log")
same "pokjad logs 'stopped cleanly' on SIGINT" "$stopped" 1

done_testing
