#!/bin/sh
# Metrics in the Prometheus text format ([metrics] listen, GET /metrics): a national pokjad and a
# province (32) joined online, each serving its metrics on a loopback port. Every scrape is
# parsed strictly (each line a HELP or TYPE comment or `name{label="value",...} number`, each
# sample under its family's HELP and TYPE, no series twice); the counters move with what
# happens: a write at the province that replicates, a changeset refused at the national node
# (sent by the rogue test peer as a second province, 33, whose pokjad never runs), the bytes on
# the link, the sessions; refusals survive a restart, in-memory counters start again at zero.
# Then the HTTP answers (404, 405, 400), a non-loopback address refused without allow_remote,
# and a port in use at start. Every wait is bounded; every pokjad is stopped at exit.
. tests/cli/lib.sh
. tests/cli/net.sh

R=$(dirname "$P")/tests/tools/rogue
if [ ! -x "$R" ]; then
	echo "not ok 1 - the rogue test peer exists ($R; run 'make unit' first)"
	echo "1..1"
	exit 1
fi
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"

NASM=$((BASE + 8)) # the national node's metrics port
P32M=$((BASE + 9)) # the province's

# prom.py: the HTTP client and the strict reader of the text format.
cat >"$T/prom.py" <<'EOF'
import re, sys, urllib.error, urllib.request

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'^(' + NAME + r')(\{(' + LABEL + r'(?:,' + LABEL + r')*)\})? (\S+)$')

def request(port, path, method, body=None):
    req = urllib.request.Request('http://127.0.0.1:%s%s' % (port, path), data=body,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get('Content-Type', ''), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Content-Type', ''), e.read()

def parse(text):
    """{(name, ((label, value), ...)): value}; raises ValueError on any bad line."""
    helped, typed, fam, out = set(), {}, None, {}
    if not text.endswith('\n'):
        raise ValueError('the text does not end with a newline')
    for line in text[:-1].split('\n'):
        if line.startswith('# HELP '):
            parts = line.split(' ', 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]) or parts[2] in helped:
                raise ValueError('bad or repeated HELP: ' + line)
            helped.add(parts[2])
        elif line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or parts[3] not in ('counter', 'gauge') or parts[2] in typed:
                raise ValueError('bad or repeated TYPE: ' + line)
            if parts[2] not in helped:
                raise ValueError('TYPE before HELP: ' + line)
            if parts[3] == 'counter' and not parts[2].endswith('_total'):
                raise ValueError('a counter not named _total: ' + line)
            typed[parts[2]] = parts[3]
            fam = parts[2]
        else:
            m = SAMPLE.match(line)
            if not m:
                raise ValueError('not a sample: ' + repr(line))
            if m.group(1) != fam:
                raise ValueError('sample outside its family (%s): %s' % (fam, line))
            v = float(m.group(4))  # raises ValueError when not a number
            labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"',
                                      m.group(3) or ''))
            key = (m.group(1), labels)
            if key in out:
                raise ValueError('series twice: ' + line)
            if typed[fam] == 'counter' and v < 0:
                raise ValueError('negative counter: ' + line)
            out[key] = v
    for f in helped:
        if f not in typed:
            raise ValueError('HELP without TYPE: ' + f)
    return out

cmd = sys.argv[1]
if cmd == 'get':  # PORT FILE: GET /metrics, status 200, the right type, parses strictly
    st, ctype, body = request(sys.argv[2], '/metrics', 'GET')
    if st != 200:
        sys.exit('status %d' % st)
    if ctype != 'text/plain; version=0.0.4; charset=utf-8':
        sys.exit('content type %r' % ctype)
    open(sys.argv[3], 'wb').write(body)
    try:
        parse(body.decode('utf-8'))
    except ValueError as e:
        sys.exit(str(e))
elif cmd == 'status':  # PORT PATH METHOD [BODY]: prints the status code
    body = sys.argv[5].encode() if len(sys.argv) > 5 else None
    print(request(sys.argv[2], sys.argv[3], sys.argv[4], body)[0])
elif cmd == 'value':  # FILE NAME [LABEL=VALUE...]: the sum of the matching samples, or absent
    got = parse(open(sys.argv[2]).read())
    want = dict(a.split('=', 1) for a in sys.argv[4:])
    vals = [v for (n, ls), v in got.items()
            if n == sys.argv[3] and all(dict(ls).get(k) == w for k, w in want.items())]
    print('%d' % sum(vals) if vals else 'absent')
EOF

prom() { python3 "$T/prom.py" "$@"; }
# scrape PORT NAME: GET /metrics into $T/NAME.prom (checked strictly); 0 when that worked.
scrape() { prom get "$1" "$T/$2.prom" 2>"$T/.scrape.err"; }
# val NAME METRIC [LABEL=VALUE...]: from the last scrape NAME.
val() {
	_f=$T/$1.prom
	shift
	prom value "$_f" "$@"
}
# rises NAME PORT BEFORE METRIC [LABEL=VALUE...]: scrapes until the value exceeds BEFORE (10 s).
above() {
	_nm=$1
	_pt=$2
	_b=$3
	shift 3
	scrape "$_pt" "$_nm" || return 1
	_v=$(val "$_nm" "$@")
	[ "$_v" != absent ] && [ "$_v" -gt "$_b" ]
}
num() { # a value, "absent" read as 0
	[ "$1" = absent ] && echo 0 || echo "$1"
}

# ---- the network: the national node and province 32, each with its metrics on loopback

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
printf '\n[metrics]\nlisten = http://127.0.0.1:%s\n' "$NASM" >>"$T/nas/pokjad.conf"
ok "pokjad --check accepts [metrics] listen on 127.0.0.1" "$PD" --dir "$T/nas" --check
start nas
TOK=$("$P" --dir "$T/nas" invite --region 32 2>"$ERR")
check "an invite for region 32" test -n "$TOK"
ok "province 32 joins online" "$P" init --dir "$T/p32" --join "$TOK"
printf '\n[sync]\nretry_max = 2s\n\n[metrics]\nlisten = http://localhost:%s\n' "$P32M" \
	>>"$T/p32/pokjad.conf"
start p32
TOK=$("$P" --dir "$T/nas" invite --region 33 2>"$ERR")
ok "province 33 joins online (its pokjad never runs: the rogue speaks as it)" \
	"$P" init --dir "$T/p33" --join "$TOK"

if wait_for 10 scrape "$NASM" nas; then
	pass "the national node serves /metrics, and the text parses strictly"
else
	fail "the national node serves /metrics, and the text parses strictly" \
		"$(cat "$T/.scrape.err")
$(tails nas)"
fi
if wait_for 10 scrape "$P32M" p32; then
	pass "province 32 serves /metrics on localhost, and the text parses strictly"
else
	fail "province 32 serves /metrics on localhost, and the text parses strictly" \
		"$(cat "$T/.scrape.err")
$(tails p32)"
fi
check "the log says where the metrics are served" \
	grep -q "metrics: serving GET /metrics on http://127.0.0.1:$NASM" "$(log_of nas)"
same "pokja_build_info names the version" "$(val nas pokja_build_info version=0.1)" 1
now=$(date +%s)
st=$(python3 -c 'import sys; print(int(float(sys.argv[1])))' \
	"$(sed -n 's/^process_start_time_seconds //p' "$T/nas.prom")")
check "process_start_time_seconds is pokjad's start (within a minute of now)" \
	test "$st" -le "$now" -a "$st" -gt $((now - 60))
# The file only grows, and the province's first records may be arriving: the size read by the
# scrape lies between the sizes just before and just after it.
sz0=$(wc -c <"$T/nas/store/data.mdb")
scrape "$NASM" nas
sz1=$(wc -c <"$T/nas/store/data.mdb")
fb=$(val nas pokja_store_file_bytes)
check "pokja_store_file_bytes is the data file's size ($sz0 <= $fb <= $sz1)" \
	test "$fb" -ge "$sz0" -a "$fb" -le "$sz1"
used=$(val nas pokja_store_used_bytes)
check "pokja_store_used_bytes is above 0 and at most the file's size" \
	test "$used" -gt 0 -a "$used" -le "$(val nas pokja_store_file_bytes)"
check "pokja_disk_free_bytes is there" test "$(val nas pokja_disk_free_bytes)" -gt 0
same "pokja_changesets_held is 0" "$(val nas pokja_changesets_held)" 0
same "pokja_forked_origins is 0" "$(val nas pokja_forked_origins)" 0

# ---- sessions and links, once the province has talked to its parent
if wait_for 15 above p32 "$P32M" 0 pokja_sessions_open role=parent; then
	pass "the province has a session open with its parent"
else
	fail "the province has a session open with its parent" "$(cat "$T/p32.prom")"
fi
check "... and counts it established" \
	test "$(val p32 pokja_sessions_established_total role=parent)" -ge 1
if wait_for 15 above nas "$NASM" 0 pokja_link_connected peer=32 role=child; then
	pass "the national node shows the link to province 32 (peer=\"32\") connected"
else
	fail "the national node shows the link to province 32 (peer=\"32\") connected" \
		"$(grep link "$T/nas.prom")"
fi
check "... with a session open with a child" \
	test "$(val nas pokja_sessions_open role=child)" -ge 1
check "... and its lag in changesets, both ways" \
	test "$(val nas pokja_link_lag_changesets peer=32 direction=up)" != absent -a \
	"$(val nas pokja_link_lag_changesets peer=32 direction=down)" != absent
check "... and when it was last heard from" \
	test "$(val nas pokja_link_last_contact_seconds peer=32)" -gt $((now - 60))

# ---- a write at the province: applied at the national node, bytes counted both ends
scrape "$NASM" nas
A0=$(num "$(val nas pokja_changesets_applied_total)")
IN0=$(num "$(val nas pokja_link_bytes_total peer=32 direction=in)")
scrape "$P32M" p32
OUT0=$(num "$(val p32 pokja_link_bytes_total role=parent direction=out)")
"$P" --dir "$T/p32" put kegiatan m1 --json '{"nama":"Rapat Pokja PKP","tahun":2026}' \
	>/dev/null 2>"$T/.err" || fail "put at province 32" "$(cat "$T/.err")"
if wait_for 10 has nas kegiatan m1; then
	pass "the province's record reaches the national node"
else
	fail "the province's record reaches the national node" "$(tails p32 nas)"
fi
if wait_for 5 above nas "$NASM" "$A0" pokja_changesets_applied_total; then
	pass "pokja_changesets_applied_total rises at the national node ($A0 -> $(val nas pokja_changesets_applied_total))"
else
	fail "pokja_changesets_applied_total rises at the national node" \
		"still $(val nas pokja_changesets_applied_total)"
fi
if wait_for 5 above nas "$NASM" "$IN0" pokja_link_bytes_total peer=32 direction=in; then
	pass "bytes in from province 32 rise at the national node"
else
	fail "bytes in from province 32 rise at the national node" "$(grep bytes "$T/nas.prom")"
fi
check "bytes out to province 32 are counted too" \
	test "$(val nas pokja_link_bytes_total peer=32 direction=out)" -gt 0
if wait_for 5 above p32 "$P32M" "$OUT0" pokja_link_bytes_total role=parent direction=out; then
	pass "bytes out to the parent rise at the province"
else
	fail "bytes out to the parent rise at the province" "$(grep bytes "$T/p32.prom")"
fi
check "bytes in from the parent are counted at the province" \
	test "$(val p32 pokja_link_bytes_total role=parent direction=in)" -gt 0

# ---- a refused changeset shows under its reason tag
scrape "$NASM" nas
B0=$(num "$(val nas pokja_changesets_refused_total reason=bad-signature)")
# shellcheck disable=SC2086 # $TO is empty or "timeout 20"
_run $TO "$R" --dir "$T/p33" --url "tcp://127.0.0.1:$BASE" --timeout 5000 push badsig
cp "$OUT" "$T/rogue.out"
check "the rogue's push of a bad signature is refused" \
	grep -q '^refused 0 bad-signature$' "$T/rogue.out"
scrape "$NASM" nas
same "pokja_changesets_refused_total{reason=\"bad-signature\"} rose by one" \
	"$(val nas pokja_changesets_refused_total reason=bad-signature)" $((B0 + 1))
check "the link to the rogue (province 33) is counted as peer=\"33\"" \
	test "$(val nas pokja_link_bytes_total peer=33 direction=in)" -gt 0

# ---- HTTP: only GET /metrics
same "GET /other answers 404" "$(prom status "$NASM" /other GET)" 404
same "GET / answers 404" "$(prom status "$NASM" / GET)" 404
same "POST /metrics answers 405" "$(prom status "$NASM" /metrics POST)" 405
same "PUT /metrics answers 405" "$(prom status "$NASM" /metrics PUT x)" 405
same "GET /metrics with a body answers 400 (no request body is read)" \
	"$(prom status "$NASM" /metrics GET body)" 400
same "HEAD /metrics answers 200" "$(prom status "$NASM" /metrics HEAD)" 200
check "pokjad still serves after those" scrape "$NASM" nas

# ---- a restart: the store's refusal counts stay, the in-memory counters start at zero
# The province stops first: a parent stopped while a child's long poll is being answered can
# leave nng 1.5.2 holding that reply at exit (a leak LeakSanitizer reports, not ours).
stop p32
same "p32 stops cleanly" "$STOPPED" ""
R0=$(val nas pokja_changesets_refused_total reason=bad-signature)
stop nas
same "the national node stops cleanly" "$STOPPED" ""
start nas
if wait_for 10 scrape "$NASM" nas; then
	pass "after a restart the national node serves /metrics again"
else
	fail "after a restart the national node serves /metrics again" "$(tails nas)"
fi
same "the refusal count survives the restart (kept in the store)" \
	"$(val nas pokja_changesets_refused_total reason=bad-signature)" "$R0"
same "pokja_changesets_applied_total starts again at 0" \
	"$(val nas pokja_changesets_applied_total)" 0

# ---- the configuration: loopback only, unless allowed
ok "init a node for the configuration checks" "$P" init --dir "$T/cfg" --region 35
C=$T/cfg/pokjad.conf
printf '[metrics]\nlisten = http://0.0.0.0:%s\n' "$((BASE + 10))" >"$C"
errs "--check refuses a non-loopback metrics address without allow_remote, and says what to do" \
	"pokjad\.conf:2: \[metrics\] listen: http://0\.0\.0\.0:$((BASE + 10)) is not loopback .*set \[metrics\] allow_remote = yes" \
	"$PD" --dir "$T/cfg" --check
# shellcheck disable=SC2086
errs "pokjad does not start with it either" "is not loopback" $TO "$PD" --dir "$T/cfg"
printf '[metrics]\nlisten = http://192.0.2.1:%s\n' "$((BASE + 10))" >"$C"
errs "an address of another machine is refused too" "192\.0\.2\.1.* is not loopback" \
	"$PD" --dir "$T/cfg" --check
printf '[metrics]\nlisten = http://0.0.0.0:%s\nallow_remote = yes\n' "$((BASE + 10))" >"$C"
outputs "with allow_remote = yes it is accepted" "^configuration OK$" "$PD" --dir "$T/cfg" --check
printf '[metrics]\nlisten = tcp://127.0.0.1:%s\n' "$((BASE + 10))" >"$C"
errs "a tcp:// URL is refused: the metrics speak HTTP" \
	"listen: 'tcp://127\.0\.0\.1:$((BASE + 10))' is not http://HOST:PORT, or empty" \
	"$PD" --dir "$T/cfg" --check

# ---- a port in use: pokjad stops at start and says which key to change
printf '[metrics]\nlisten = http://127.0.0.1:%s\n' "$NASM" >"$C"
# shellcheck disable=SC2086
errs "a metrics port in use (the national node's) stops pokjad at start, clearly" \
	"\[metrics\] listen http://127\.0\.0\.1:$NASM: the address is in use .*choose a free port in pokjad\.conf" \
	$TO "$PD" --dir "$T/cfg"
check "... and the node lock is released (pokjad exited)" \
	sh -c "\"$PD\" --dir \"$T/cfg\" --check >/dev/null 2>&1"
check "the national node still serves its metrics" scrape "$NASM" nas

stop nas
same "nas stops cleanly" "$STOPPED" ""
done_testing
