#!/bin/sh
# Serving children (issue 11, point 2). [limits] max_children is enforced (issue 11, point 2; SPEC section 15): a national node
# allowed one child serves Jawa Barat, and refuses Jawa Tengah's hello with the error `full`
# and a log line that names the setting; Jawa Tengah's pokjad says why it is not let in. Once
# Jawa Barat stops, Jawa Tengah gets in after its back-off, and its record reaches the
# national node. Whatever max_children says, pokjad runs a fixed number of threads: nng's
# own plus at most 4 of ours; and without a PostgreSQL mirror it does not map libpq. Every wait
# is bounded; every pokjad started is stopped.
. tests/cli/lib.sh
. tests/cli/net.sh

JOIN_CONF='[health]
heartbeat = 1s
'

ok "init the national node (listens on $BASE)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32
join p33 nas 33

connected() { # node region True|False: as the node's status shows that child
	jtrue "$1" "[c['connected'] for c in j['children'] if c['region'] == '$2'] == [$3]" status
}
if wait_for 10 connected nas 32 True && wait_for 10 connected nas 33 True; then
	pass "with the default limit both provinces are connected"
else
	fail "with the default limit both provinces are connected within 10 s" \
		"$(head -c 2000 "$T/.j.nas")"
fi

# ---- one child allowed ---------------------------------------------------------------------

stop p33
stop p32
stop nas
printf '\n[limits]\nmax_children = 1\n' >>"$T/nas/pokjad.conf"
start nas
start p32
# Its own log says when it is in (the status at the parent may still show the old contact).
if wait_for 10 grep -q "parent-session: session with the parent opened" "$(log_of p32)"; then
	pass "Jawa Barat connects to the national node allowed one child"
else
	fail "Jawa Barat connects within 10 s" "$(tail -n 20 "$(log_of p32)")"
fi
start p33
if wait_for 10 grep -q "hello-refused.*max_children" "$(log_of nas)"; then
	pass "the national node refuses a second child and logs the setting"
else
	fail "the national node logs the refusal within 10 s" "$(tail -n 20 "$(log_of nas)")"
fi
if wait_for 10 grep -q "(full)" "$(log_of p33)"; then
	pass "Jawa Tengah's pokjad says the parent is full"
else
	fail "Jawa Tengah's pokjad says the parent is full within 10 s" \
		"$(tail -n 20 "$(log_of p33)")"
fi
both() { connected nas 33 False && connected nas 32 True; }
# pokjad writes what it knows of its peers at most once a second.
if wait_for 5 both; then
	pass "the national node shows Jawa Barat connected and Jawa Tengah not"
else
	fail "the national node shows Jawa Barat connected and Jawa Tengah not" \
		"$(head -c 3000 "$T/.j.nas")"
fi
ok "a write at Jawa Tengah while it waits" "$P" --dir "$T/p33" put kegiatan mc-1 \
	--json '{"nama":"Rapat Pokja","tahun":2026}'
check "... does not reach the national node while the limit holds" lacks nas kegiatan mc-1

# nng's own threads (named nng:...) plus at most 4 of pokjad's, whatever max_children says.
# ThreadSanitizer runs one thread of its own in the process (tests/run.sh's thread phase).
OURS=4
[ "${SANITIZE:-}" = thread ] && OURS=5
threads() { # pid: "ours nng"
	cat /proc/"$1"/task/*/comm 2>/dev/null |
		awk '/^nng:/ {n++; next} {o++} END {print o + 0, n + 0}'
}
set -- $(threads "$(pid_of nas)")
if [ "$1" -le "$OURS" ] && [ "$2" -ge 1 ]; then
	pass "the national node runs $1 threads of its own besides nng's $2"
else
	fail "the national node runs at most $OURS threads of its own" "ours $1, nng's $2"
fi

if grep -q "libpq" /proc/"$(pid_of nas)"/maps; then
	fail "without a PostgreSQL mirror pokjad does not map libpq" \
		"$(grep libpq /proc/"$(pid_of nas)"/maps | head -3)"
else
	pass "without a PostgreSQL mirror pokjad does not map libpq"
fi

stop p32
if wait_for 15 connected nas 33 True; then
	pass "once Jawa Barat leaves, Jawa Tengah gets in"
else
	fail "Jawa Tengah gets in within 15 s of Jawa Barat leaving" \
		"$(tail -n 20 "$(log_of p33)")"
fi
if wait_for 10 has nas kegiatan mc-1; then
	pass "and its record reaches the national node"
else
	fail "its record reaches the national node within 10 s"
fi

# ---- the limit at the largest value: still the same threads ----------------------------------

stop p33
stop nas
sed -i 's/^max_children = 1$/max_children = 1000/' "$T/nas/pokjad.conf"
start nas
if wait_for 10 grep -q "at most 1000 children" "$(log_of nas)"; then
	pass "the national node starts with max_children = 1000"
else
	fail "the national node starts with max_children = 1000" "$(tail -n 5 "$(log_of nas)")"
fi
set -- $(threads "$(pid_of nas)")
if [ "$1" -le "$OURS" ]; then
	pass "with max_children = 1000 it still runs $1 threads of its own"
else
	fail "with max_children = 1000 it runs at most $OURS threads of its own" "ours $1"
fi
stop nas
check "the national node stops cleanly" test -z "$STOPPED"
done_testing
