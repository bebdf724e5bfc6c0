#!/bin/sh
# pokjad wakes on events, not on a clock (issue 11, point 1): a national node and Kota Bekasi
# below it, with [sync] poll_wait = 1s and [health] heartbeat = 1s. A pokjactl write at the
# district reaches the national node at once (the commit notification socket, store/notify, is
# there while pokjad runs and gone after it stops); a district that goes silent with its
# connection open (SIGSTOP) shows as not connected at the national node within a few seconds
# (poll_wait plus heartbeat), and as connected again once it goes on. Every wait is a bounded
# poll; every pokjad started is stopped when the test exits.
. tests/cli/lib.sh
. tests/cli/net.sh

FAST='
[health]
heartbeat = 1s
'
JOIN_CONF="poll_wait = 1s
$FAST"

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
printf '\n[sync]\npoll_wait = 1s\n%s' "$FAST" >>"$T/nas/pokjad.conf"
start nas
join k3275 nas 32.75

connected() { # node region yes|no: as the node's status shows that child
	jtrue "$1" "[c['connected'] for c in j['children'] if c['region'] == '$2'] == [$3]" status
}
if wait_for 10 connected nas 32.75 True; then
	pass "the national node shows 32.75 connected"
else
	fail "the national node shows 32.75 connected within 10 s" "$(head -c 2000 "$T/.j.nas")"
fi
check "pokjad listens on store/notify" test -S "$T/k3275/store/notify"

# ---- a write by pokjactl goes up at once ---------------------------------------------------

t0=$(now_ds)
ok "pokjactl put at the district" "$P" --dir "$T/k3275" put kegiatan wake-1 \
	--json '{"nama":"Rapat koordinasi","tahun":2026}'

if wait_for 5 has nas kegiatan wake-1; then
	pass "the national node holds it $(( ($(now_ds) - t0) / 10 )) s later"
else
	fail "the national node holds it within 5 s"
fi

# ---- a silent district: not connected within poll_wait plus heartbeat ----------------------

pid=$(pid_of k3275)
kill -STOP "$pid"
t0=$(now_ds)
if wait_for 8 connected nas 32.75 False; then
	pass "a stopped (SIGSTOP) district shows not connected $(( ($(now_ds) - t0) / 10 )) s later"
else
	fail "a stopped (SIGSTOP) district shows not connected within 8 s" \
		"$(head -c 2000 "$T/.j.nas")"
fi
kill -CONT "$pid"
if wait_for 10 connected nas 32.75 True; then
	pass "once it goes on it shows connected again"
else
	fail "once it goes on it shows connected again within 10 s" "$(head -c 2000 "$T/.j.nas")"
fi

stop k3275
check "store/notify is gone after pokjad stopped" test ! -e "$T/k3275/store/notify"
done_testing
