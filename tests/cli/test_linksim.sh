#!/bin/sh
# The link simulator itself (tests/tools/linksim.c), quickly (about 15 s): its rate limit, its
# added delay, its cuts and the stats file that counts them, its refusal of bad flags and an
# unreachable upstream. A python3 echo server on loopback stands for the upstream; python3
# clients measure what goes through. Ports are derived from the PID as in net.sh; every process
# started here is stopped by PID.
. tests/cli/lib.sh

LS=$(dirname "$P")/tests/tools/linksim
BASE=$((20000 + ($$ * 16) % 40000))
ECHO_PORT=$BASE
DEAD_PORT=$((BASE + 15)) # nothing listens there

if [ ! -x "$LS" ]; then
	fail "linksim is built ($LS; make unit builds it)"
	done_testing
fi

cat >"$T/peer.py" <<'EOF'
import json, socket, sys, threading, time

def echo(port, ready):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    open(ready, "w").close()
    def serve(c):
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        except OSError:
            pass
        c.close()
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)

def rate(port, n):
    # Sends n bytes, reads them back; the rate is measured on the way back, from the first
    # byte echoed to the last, leaving out what the first read brought (the bucket's burst).
    s = connect(port)
    threading.Thread(target=lambda: s.sendall(b"x" * n), daemon=True).start()
    got, first, t0 = 0, 0, 0.0
    while got < n:
        b = s.recv(65536)
        if not b:
            raise SystemExit("closed after %d bytes" % got)
        if got == 0:
            first, t0 = len(b), time.monotonic()
        got += len(b)
    dt = time.monotonic() - t0
    print(json.dumps({"bytes": got, "seconds": dt, "bps": (got - first) * 8 / dt}))

def rtt(port, k):
    s = connect(port)
    times = []
    for i in range(k):
        t = time.monotonic()
        s.sendall(b"ping%04d" % i)
        got = b""
        while len(got) < 8:
            b = s.recv(64)
            if not b:
                raise SystemExit("closed")
            got += b
        times.append((time.monotonic() - t) * 1000)
    times.sort()
    print(json.dumps({"median_ms": times[len(times) // 2], "all": times}))

def alive(s):
    # One byte out, its echo back within 2 s: the connection works.
    try:
        s.settimeout(2)
        s.sendall(b"?")
        return s.recv(1) == b"?"
    except OSError:
        return False

def hold(port):
    # Holds a connection through the proxy until a cut resets it, then at once tries a new one,
    # which the proxy must refuse while the link is down.
    s = connect(port)
    if not alive(s):
        raise SystemExit("the first connection does not echo")
    t = time.monotonic()
    while alive(s):
        if time.monotonic() - t > 5:
            raise SystemExit("no cut within 5 s")
        time.sleep(0.02)
    cut_ms = (time.monotonic() - t) * 1000
    # While the link is down the proxy refuses the connection (RST at connect) or accepts and
    # drops it, as the race between its accept and its timer falls: either is "does not work".
    try:
        works = alive(connect(port))
    except OSError:
        works = False
    print(json.dumps({"cut_after_ms": cut_ms, "new_during_down_works": works}))

def closed(port):
    # The proxy closes (or resets) the connection within 3 s without an echo.
    try:
        s = connect(port)
        s.settimeout(3)
        s.sendall(b"?")
        b = s.recv(1)
    except OSError:
        b = b""
    print(json.dumps({"closed": b == b""}))

mode = sys.argv[1]
args = [int(a) if a.isdigit() else a for a in sys.argv[2:]]
{"echo": echo, "rate": rate, "rtt": rtt, "hold": hold, "closed": closed}[mode](*args)
EOF

python3 "$T/peer.py" echo "$ECHO_PORT" "$T/echo.ready" &
track $!
i=0
while [ ! -e "$T/echo.ready" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the echo server is up" test -e "$T/echo.ready"

# proxy NAME FLAGS...: starts linksim in front of the echo server on the next free port of ours
# ($BASE + 1 on; a port something else holds is passed over), logging to $T/NAME.log, stats in
# $T/NAME.json; waits (at most 5 s) until it listens. Sets PROXY (its PID) and PORT.
NEXT_PORT=$((BASE + 1))
proxy() {
	_name=$1
	shift
	while :; do
		PORT=$NEXT_PORT
		NEXT_PORT=$((NEXT_PORT + 1))
		"$LS" --listen "127.0.0.1:$PORT" --upstream "127.0.0.1:$ECHO_PORT" \
			--stats "$T/$_name.json" "$@" 2>"$T/$_name.log" &
		PROXY=$!
		_i=0
		while ! grep -q "listening on" "$T/$_name.log" 2>/dev/null &&
			kill -0 $PROXY 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		grep -q "cannot listen" "$T/$_name.log" && [ $NEXT_PORT -lt $((BASE + 13)) ] ||
			break
		wait $PROXY
	done
	track $PROXY
	check "linksim $_name listens" grep -q "listening on 127.0.0.1:$PORT" "$T/$_name.log"
}

# stats_now PID FILE: SIGUSR1, then waits (at most 2 s) until FILE has been rewritten.
stats_now() {
	rm -f "$2"
	kill -USR1 "$1"
	_i=0
	while [ ! -s "$2" ] && [ $_i -lt 20 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# ---- rate: 200 kbit/s each way, measured over about 2.4 s of transfer
proxy rate --rate 200000
jcheck "--rate 200000: 60,000 bytes echoed at 200 kbit/s +-15%" \
	'170000 <= j["bps"] <= 230000' python3 "$T/peer.py" rate "$PORT" 60000
stats_now $PROXY "$T/rate.json"
jcheck "the stats count the bytes each way and the connection" \
	'j["bytes_up"] == 60000 and j["bytes_down"] == 60000 and j["connections"] == 1 and
	 j["cuts"] == 0' cat "$T/rate.json"

# ---- delay: 100 ms each way, so a round trip of 200 ms +-20%
proxy delay --delay 100
jcheck "--delay 100: the round trip is 200 ms +-20%" '160 <= j["median_ms"] <= 240' \
	python3 "$T/peer.py" rtt "$PORT" 6
jcheck "without linksim, the same round trip is under 20 ms" 'j["median_ms"] < 20' \
	python3 "$T/peer.py" rtt "$ECHO_PORT" 6

# ---- cuts at a fixed period: an open connection is reset, a new one refused while down
proxy period --cut-period 1500 --down 500
jcheck "--cut-period 1500: a held connection is reset within 1.6 s, and one opened at once after \
is refused (--down 500)" \
	'j["cut_after_ms"] <= 1600 and not j["new_during_down_works"]' \
	python3 "$T/peer.py" hold "$PORT"
sleep 0.6 # the link is up again 0.5 s after the cut, and the next cut comes 1.5 s after it
jcheck "once the link is up again, a new connection works" 'j["median_ms"] < 100' \
	python3 "$T/peer.py" rtt "$PORT" 2
stats_now $PROXY "$T/period.json"
jcheck "the stats count the cuts (one each 1.5 s), the reset pair and the refusal" \
	'abs(j["cuts"] - j["uptime_ms"] // 1500) <= 1 and j["cuts"] >= 1 and j["pairs_cut"] >= 1
	 and j["refused"] >= 1' cat "$T/period.json"

# ---- random cuts, mean 200 ms, over 4 s: about 20, reproducible by the seed
proxy random --cut-every 200 --seed 7 --quiet
sleep 4
stats_now $PROXY "$T/random.json"
jcheck "--cut-every 200: the mean gap between cuts over 4 s is 200 ms within a factor of 1.6" \
	'j["cuts"] > 0 and 125 <= j["uptime_ms"] / j["cuts"] <= 320' cat "$T/random.json"

# ---- SIGTERM: a clean exit, with the stats written
kill -TERM $PROXY
wait $PROXY
same "SIGTERM: linksim exits 0" "$?" 0
check "and says it stops" grep -q "stopping" "$T/random.log"
jcheck "and its last stats are written" 'j["open"] == 0 and j["cuts"] > 0' cat "$T/random.json"

# ---- an unreachable upstream: the client's connection is closed, logged, linksim goes on
"$LS" --listen "127.0.0.1:$((BASE + 14))" --upstream "127.0.0.1:$DEAD_PORT" \
	--stats "$T/dead.json" 2>"$T/dead.log" &
DEAD=$!
track $DEAD
i=0
while ! grep -q "listening on" "$T/dead.log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
jcheck "an unreachable upstream: the client's connection is closed" 'j["closed"]' \
	python3 "$T/peer.py" closed $((BASE + 14))
jcheck "and again (linksim keeps running)" 'j["closed"]' \
	python3 "$T/peer.py" closed $((BASE + 14))
check "linksim still runs" kill -0 $DEAD
check "the failure is logged" grep -q "upstream unreachable" "$T/dead.log"
stats_now $DEAD "$T/dead.json"
jcheck "the stats count both failures" 'j["upstream_failures"] == 2' cat "$T/dead.json"

# ---- bad flags: a usage message and exit status 2, nothing started
L="--listen 127.0.0.1:$((BASE + 13))"
U="--upstream 127.0.0.1:$ECHO_PORT"
errs "no flags: usage" "usage: linksim" "$LS"
errs "no --upstream" "--listen and --upstream are both needed" "$LS" $L
errs "an unknown flag" "unknown flag --speed" "$LS" $L $U --speed 5
errs "a rate that is not a number" "bad value for --rate: 'fast'" "$LS" $L $U --rate fast
errs "a negative delay" "bad value for --delay: '-5'" "$LS" $L $U --delay -5
errs "a cut every 0 ms" "bad value for --cut-every: '0'" "$LS" $L $U --cut-every 0
errs "both kinds of cut" "one of --cut-every and --cut-period" "$LS" $L $U --cut-every 5 \
	--cut-period 5
errs "an address that is not loopback" "bad value for --upstream: '10.0.0.1:80'" \
	"$LS" $L --upstream 10.0.0.1:80
errs "a port out of range" "bad value for --listen: '127.0.0.1:70000'" \
	"$LS" --listen 127.0.0.1:70000 $U
errs "a flag without its value" "--seed needs a value" "$LS" $L $U --seed
fails "a usage error exits 2" 2 "$LS" $L $U --rate 1.5
errs "a port that is taken: exit 1, says so" "cannot listen on 127.0.0.1:$ECHO_PORT" \
	"$LS" --listen "127.0.0.1:$ECHO_PORT" $U

done_testing
