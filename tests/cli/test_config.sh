#!/bin/sh
# pokjad.conf: `pokjad --check` and `--print-config` against good and bad files (FILE:LINE
# messages, exit statuses), the log level taken from the file, and deploy/pokjad.conf.example
# being exactly what --print-config prints for the defaults.
. tests/cli/lib.sh

HEX=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
N=$T/node
C=$N/pokjad.conf
ok "init a node" "$P" --dir "$N" init

# ---- good files
outputs "--check without a pokjad.conf: configuration OK" "^configuration OK$" \
	"$PD" --dir "$N" --check
outputs "--print-config without a pokjad.conf prints the defaults" "^batch_bytes = 1M$" \
	"$PD" --dir "$N" --print-config

cat >"$C" <<EOF
# a province node
[node]
listen = tcp://0.0.0.0:7451   ; children dial in here

[parent]
url = tcp://127.0.0.1:7450
key = $HEX

[sync]
batch_bytes = 256K
poll_wait = 1500ms
retry_max = 5m
verify_threads = 4

[limits]
max_clock_skew = 2h

[log]
level = warn
EOF
outputs "--check with a full valid pokjad.conf: configuration OK" "^configuration OK$" \
	"$PD" --dir "$N" --check
check "and it says nothing on stderr" test ! -s "$ERR"
outputs "--print-config shows the file's values" "^batch_bytes = 256K$" \
	"$PD" --dir "$N" --print-config
stdout_has "... durations in their canonical form" "^poll_wait = 1500ms$"
stdout_has "... the parent key" "^key = $HEX$"
stdout_has "... the defaults of keys the file leaves out" "^max_children = 100$"
stdout_has "... and the log level from the file" "^level = warn$"
outputs "--print-config with --log-level shows the command line's level" "^level = debug$" \
	"$PD" --dir "$N" --print-config --log-level debug

# Round trip: what --print-config prints, read back, prints the same.
"$PD" --dir "$N" --print-config >"$T/printed1" 2>/dev/null
cp "$T/printed1" "$C"
outputs "--check accepts --print-config's output" "^configuration OK$" "$PD" --dir "$N" --check
ok "--print-config of --print-config's output" "$PD" --dir "$N" --print-config
same "prints it unchanged" "$(cat "$T/printed1")" "$(cat "$OUT")"

# ---- bad files: each fails with exit status 1 and one FILE:LINE message, before the node
bad() { # name, line, ERE for the message after "FILE:LINE: ", file text (printf %b)
	printf '%b' "$4" >"$C"
	fails "$1: --check exits 1" 1 "$PD" --dir "$N" --check
	stderr_has "$1: says pokjad.conf:$2: ..." "$CONF:$2: $3"
	check "$1: prints no 'configuration OK'" test ! -s "$OUT"
	fails "$1: --print-config exits 1 too" 1 "$PD" --dir "$N" --print-config
	stderr_has "$1: --print-config says it too" "$CONF:$2: $3"
}
CONF="pokjad\\.conf"
bad "unknown section" 3 \
	"unknown section \\[frob\\] \\(sections: node, parent, sync, limits, log, health, metrics, web, postgres\\)" \
	'[sync]\nbatch_bytes = 1M\n[frob]\nx = 1\n'
bad "unknown key" 3 "unknown key 'batchbytes' in \\[sync\\] \\(keys: batch_bytes, " \
	'[sync]\n\nbatchbytes = 1M\n'
bad "duplicate key" 4 "duplicate key 'level' in \\[log\\] \\(first set on line 2\\)" \
	'[log]\nlevel = info\n# again\nlevel = debug\n'
bad "duration out of range" 2 "\\[sync\\] poll_wait: 45s is out of range 1s\\.\\.30s" \
	'[sync]\npoll_wait = 45s\n'
bad "size out of range" 3 "\\[sync\\] batch_bytes: 8M is out of range 64K\\.\\.4M" \
	'[sync]\n; big\nbatch_bytes = 8M\n'
bad "not a number" 2 \
	"\\[limits\\] max_children: 'many' is not a whole number; allowed 1\\.\\.1000" \
	'[limits]\nmax_children = many\n'
bad "not a duration" 2 \
	"\\[sync\\] retry_min: '1\\.5s' is not a duration \\(seconds, or a number with ms, s, m or h\\)" \
	'[sync]\nretry_min = 1.5s\n'
bad "unknown log level" 2 "\\[log\\] level: 'loud' is not one of error, warn, info or debug" \
	'[log]\nlevel = loud\n'
bad "bad parent URL" 2 "\\[parent\\] url: 'http://a:1' is not tcp://HOST:PORT, or empty" \
	'[parent]\nurl = http://a:1\n'
bad "bad parent key" 3 "\\[parent\\] key: expected 64 hex digits" \
	'[parent]\nurl = tcp://a:1\nkey = 1234\n'
bad "line without '='" 2 "expected 'name = value', a \\[section\\] or a comment" \
	'[node]\nlisten tcp://0.0.0.0:7450\n'
bad "section without ']'" 1 "expected '\\]'" '[sync\nbatch_bytes = 1M\n'
bad "key before any section" 1 "'level' comes before any \\[section\\]" 'level = info\n[log]\n'
bad "key without url: missing at its section's line" 2 \
	"\\[parent\\] url is missing: it is required when key is set" "# x\n[parent]\nkey = $HEX\n"
bad "retry_min above retry_max" 3 \
	"\\[sync\\] retry_min \\(30s\\) is greater than retry_max \\(10s\\)" \
	'[sync]\nretry_min = 30s\nretry_max = 10s\n'

printf '[sync]\nretry_max = 10s\noops\nbatch_bytes = 9M\n[log]\nlevel = loud\n' >"$C"
fails "several errors: exit 1" 1 "$PD" --dir "$N" --check
stderr_has "several errors: the malformed line 3" "$CONF:3: expected 'name = value'"
stderr_has "several errors: and line 4 after it" "$CONF:4: \\[sync\\] batch_bytes: 9M"
stderr_has "several errors: and line 6" "$CONF:6: \\[log\\] level: 'loud'"
same "several errors: three lines" "$(grep -c 'pokjad\.conf:' "$ERR")" 3

rm -f "$C"
mkdir "$C"
errs "a pokjad.conf that is a directory: FILE: message without a line" \
	"$CONF: is a directory; the configuration must be a regular file" "$PD" --dir "$N" --check
fails "and exit status 1" 1 "$PD" --dir "$N" --check
rmdir "$C"

# The configuration is read before the node: a bad one is reported even where no node is.
mkdir "$T/no-node"
printf '[sync]\nbatch_bytes = 1\n' >"$T/no-node/pokjad.conf"
errs "a bad pokjad.conf is reported before the missing node" \
	"no-node/$CONF:2: \\[sync\\] batch_bytes: 1 is out of range" "$PD" --dir "$T/no-node" --check
check "and the node is not mentioned" sh -c "! grep -q node-key '$ERR'"

# ---- the example in deploy/ is --print-config's output for the defaults, after a header
ok "--print-config in a folder with nothing in it" "$PD" --dir "$T/nothing" --print-config
sed '1,/^$/d' deploy/pokjad.conf.example >"$T/example-body"
same "deploy/pokjad.conf.example equals --print-config (regenerate it from the table)" \
	"$(cat "$T/example-body")" "$(cat "$OUT")"
same "the example's header (up to the first blank line) is all comments" \
	"$(sed -n '1,/^$/p' deploy/pokjad.conf.example | grep -Ecv '^(#|$)')" 0
cp deploy/pokjad.conf.example "$C"
outputs "--check accepts the example as pokjad.conf" "^configuration OK$" \
	"$PD" --dir "$N" --check

# ---- the log level of the file applies, unless --log-level says otherwise
# Runs pokjad until a SIGTERM finds it running, and sets STATUS. Exit status 0 shows that pokjad
# got as far as its clean stop, which logs at info level ("stop"), as does "start" before it.
# 143 means the signal came before pokjad handled it: then it tries again, waiting longer.
run_briefly() { # log file, pokjad arguments...
	_log=$1
	shift
	for _wait in 0.5 1 2; do
		"$PD" "$@" 2>"$_log" &
		_pid=$!
		track "$_pid"
		sleep "$_wait"
		kill -TERM "$_pid" 2>/dev/null
		_i=0
		while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		if kill -0 "$_pid" 2>/dev/null; then
			kill -KILL "$_pid"
			STATUS=running
			return
		fi
		wait "$_pid"
		STATUS=$?
		[ "$STATUS" -eq 143 ] || return
	done
}

printf '[log]\nlevel = warn\n' >"$C"
run_briefly "$T/warn.log" --dir "$N"
same "[log] level = warn: pokjad runs and stops cleanly" "$STATUS" 0
same "[log] level = warn: no info lines (start, stop)" "$(grep -c ' info ' "$T/warn.log")" 0
run_briefly "$T/info.log" --dir "$N" --log-level info
same "--log-level info over [log] level = warn: runs and stops cleanly" "$STATUS" 0
same "--log-level info over [log] level = warn: logs start" \
	"$(grep -c ' info start: ' "$T/info.log")" 1
printf '[log]\nlevel = info\n' >"$C"
run_briefly "$T/info2.log" --dir "$N"
same "[log] level = info: logs start" "$(grep -c ' info start: ' "$T/info2.log")" 1

# ---- not a regular file, or too big: refused at once (bounded by timeout)
rm -f "$C"
ln -s /dev/zero "$C"
errs "pokjad.conf a link to /dev/zero: refused at once" "is a device; the configuration must be a regular file" \
	timeout 10 "$PD" --dir "$N" --check
same "... with exit status 1" "$RC" 1
rm -f "$C"
mkfifo "$C"
errs "pokjad.conf a FIFO: refused at once" "is a FIFO" timeout 10 "$PD" --dir "$N" --check
same "... with exit status 1" "$RC" 1
rm -f "$C"
python3 -c 'import sys; sys.stdout.write("# padding\n" * 7000)' >"$C"
errs "pokjad.conf over 64 KiB: refused" "larger than 65536 bytes" timeout 10 "$PD" --dir "$N" --check
: >"$C"
outputs "an empty pokjad.conf at the national node: configuration OK" "^configuration OK$" \
	"$PD" --dir "$N" --check
rm -f "$C"

# ---- a certified node below the root that names no parent would replicate with nobody
D=$T/district
ok "init a district (32.75)" "$P" --dir "$D" init --region 32.75
ok "... request" "$P" --dir "$D" request -o "$T/d.req"
PR=$T/province
ok "init a province to certify it" "$P" --dir "$PR" init --region 32
ok "... province request" "$P" --dir "$PR" request -o "$T/pr.req"
ok "the national node certifies the province" "$P" --dir "$N" certify "$T/pr.req" -o "$T/pr.set"
ok "the province installs it" "$P" --dir "$PR" install-cert "$T/pr.set"
ok "the province certifies the district" "$P" --dir "$PR" certify "$T/d.req" -o "$T/d.set"
ok "the district installs it" "$P" --dir "$D" install-cert "$T/d.set"
: >"$D/pokjad.conf"
errs "an empty pokjad.conf at a certified district: refused with the fix" \
	"names no parent.*set \[parent\] url = tcp://HOST:PORT" "$PD" --dir "$D" --check
same "... with exit status 1" "$RC" 1
printf '[parent]\nurl = tcp://127.0.0.1:7450\n' >"$D/pokjad.conf"
outputs "the same district with [parent] url: configuration OK" "^configuration OK$" \
	"$PD" --dir "$D" --check

done_testing
