#!/bin/sh
# Resumed connections (proto/SPEC.md section 14, "Resumed connections"; section 15, feature bit
# 2): a child's session outlives a cut, and the parent's port lets a new connection open with a
# sealed request of that session instead of a hello, once the whole request has checked (a live
# established session, no replay, a box that decrypts). The rogue test peer speaks as province
# 32 to the national node: a sealed message of a session the parent never made, one of the real
# session with its box altered, a replay of an answered request and a 20,000-byte one of no
# session, each on a fresh connection, must each be closed and logged under port-protocol; a
# real next request on a fresh connection, small or of 20,000 bytes, must be answered. The
# province's own pokjad negotiates the bit and keeps syncing. Ports are derived from the PID
# (net.sh); every process started here is stopped by PID.
. tests/cli/lib.sh
. tests/cli/net.sh

ROGUE=$(dirname "$P")/tests/tools/rogue
if [ ! -x "$ROGUE" ]; then
	fail "the rogue test peer exists ($ROGUE; run 'make unit' first)"
	done_testing
fi

ok "the national node" "$P" --dir "$T/nas" init --listen "tcp://127.0.0.1:$BASE"
start nas
wait_for 10 grep -q " listen: " "$(log_of nas)"
join p32 nas 32
if wait_for 20 grep -q "session with the parent opened.*(resume)" "$(log_of p32)"; then
	pass "the province's session with the national node chose resumption (feature bit 2)"
else
	fail "the province's session with the national node chose resumption (feature bit 2)" \
		"$(tails p32)"
fi

"$ROGUE" --dir "$T/p32" --url "tcp://127.0.0.1:$BASE" --timeout 2000 resume >"$T/resume.out" \
	2>&1
echo "# rogue resume: $(tr '\n' ';' <"$T/resume.out")"
check "a first request in a session is answered" grep -q '^first: reply heads$' "$T/resume.out"
for what in unknown forged replay unknown-big; do
	check "$what: a fresh connection opening with it is closed, nothing answered" \
		grep -q "^$what: dropped" "$T/resume.out"
done
check "next: a real next request opens a fresh connection and is answered" \
	grep -q '^next: reply heads$' "$T/resume.out"
check "next-big: so is a real one of 20,000 bytes (held whole, then relayed)" \
	grep -q '^next-big: reply heads$' "$T/resume.out"
LOG=$(log_of nas)
check "the parent logs the small ones under port-protocol" \
	grep -q 'port-protocol.*a sealed message of no live session' "$LOG"
check "... and the large one, refused at its first bytes" \
	grep -q 'port-protocol.*a first message of [0-9]* bytes that is no live session' "$LOG"
if grep -q 'request-refused\|hello-refused' "$LOG"; then
	fail "none of them reached the session code" "$(grep 'refused' "$LOG")"
else
	pass "none of them reached the session code"
fi

"$P" --dir "$T/p32" put kegiatan after --json '{"nama":"Sesudah","tahun":2026}' >/dev/null
if wait_for 10 has nas kegiatan after; then
	pass "the province still syncs: its next record reaches the national node"
else
	fail "the province still syncs: its next record reaches the national node" "$(tails p32 nas)"
fi
for nd in p32 nas; do
	stop $nd
	same "$nd stops cleanly" "" "$STOPPED"
done
done_testing
