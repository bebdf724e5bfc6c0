#!/bin/sh
# A hostile member of the network, on real daemons (issue "trust under attack"): a sibling's or
# a child's forged certificate naming another node's key, by push and by bundle; a sibling's
# revocation; a backdated bundle from a revoked node. Each is refused with its SPEC tag, nothing
# of it is stored, the victim still writes and syncs, and `verify` finds nothing wrong.
# Every wait is bounded; every pokjad started is stopped by PID when the test exits.
. tests/cli/lib.sh
. tests/cli/net.sh

TOOLS=$(dirname "$P")/tests/tools
ROGUE=$TOOLS/rogue
RESIGN=$TOOLS/bundle_resign
for _t in "$ROGUE" "$RESIGN"; do
	if [ ! -x "$_t" ]; then
		echo "not ok 1 - the test tool $_t exists (run 'make unit' first)"
		echo "1..1"
		exit 1
	fi
done

ok "init the national node" "$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
join p33 nas 33 $((BASE + 2))
join k3275 p32 32.75
join k3273 p32 32.73
NAS=$(key_of nas)
P32=$(key_of p32)
K3275=$(key_of k3275)
K3273=$(key_of k3273)

kegiatan() { # node key
	"$P" --dir "$T/$1" put kegiatan "$2" --json "{\"nama\":\"Kegiatan $2\",\"tahun\":2026}" \
		>/dev/null
}

verify_clean() { # node: exit status 1 when verify finds anything wrong
	"$P" --dir "$T/$1" verify
}

# ---- 1. forged certificates by push ---------------------------------------------------------

# Province 33 pushes to the national node two certificates naming province 32's key: one it
# issued itself (it chains through 33, but 32's genuine one is held) and a self-made one.
ok "1. (precondition) 32 writes before the attack" kegiatan p32 h1-before
wait_for 10 has nas kegiatan h1-before || fail "1. (precondition) h1-before reaches nas" "$(tails p32 nas)"
ok "1. province 33 pushes two certificates naming 32's key" \
	"$ROGUE" --dir "$T/p33" --url "tcp://127.0.0.1:$BASE" --victim "$P32" push displace ok
if wait_for 5 sh -c "grep -q 'cert-refused.*(cert-conflict)' '$(log_of nas)' &&
	grep -q 'cert-refused.*(no-certificate)' '$(log_of nas)'"; then
	pass "1. the national node refuses both, as cert-conflict and no-certificate (log)"
else
	fail "1. the national node refuses both, as cert-conflict and no-certificate (log)" "$(tails nas)"
fi
# A kabupaten pushes to its province a certificate naming its sibling's key.
ok "1. kabupaten 32.73 pushes certificates naming its sibling 32.75's key" \
	"$ROGUE" --dir "$T/k3273" --url "tcp://127.0.0.1:$((BASE + 1))" --victim "$K3275" push displace ok
if wait_for 5 sh -c "grep -q 'cert-refused.*(cert-conflict)' '$(log_of p32)'"; then
	pass "1. province 32 refuses it as cert-conflict (log)"
else
	fail "1. province 32 refuses it as cert-conflict (log)" "$(tails p32)"
fi
ok "1. province 32 still writes" kegiatan p32 h1-after
ok "1. kabupaten 32.75 still writes" kegiatan k3275 h1-k3275
if wait_for 10 all_have kegiatan h1-after nas && wait_for 10 all_have kegiatan h1-k3275 p32 nas; then
	pass "1. ... and their records reach the national node"
else
	fail "1. ... and their records reach the national node" \
		"h1-after missing at: $(where_not has kegiatan h1-after nas); h1-k3275 missing at: $(where_not has kegiatan h1-k3275 p32 nas)
$(tails p32 nas k3275)"
fi
ok "1. verify at the national node finds nothing wrong" verify_clean nas
ok "1. verify at province 32 finds nothing wrong" verify_clean p32

# ---- 2. forged certificates by bundle -------------------------------------------------------

ok "2. province 33 writes a bundle" "$P" --dir "$T/p33" bundle create -o "$T/p33.bundle"
ok "2. ... and adds certificates naming 32's key (re-signed as 33)" \
	"$RESIGN" --dir "$T/p33" --displace "$P32" "$T/p33.bundle" "$T/p33-forged.bundle"
"$P" --dir "$T/nas" bundle apply "$T/p33-forged.bundle" >"$T/.out" 2>"$T/.err"
rc=$?
same "2. the national node reports refusals (exit 1)" "$rc" 1
if grep -q 'refused (cert-conflict)' "$T/.err" && grep -q 'refused (no-certificate)' "$T/.err"; then
	pass "2. ... and refuses both certificates, as cert-conflict and no-certificate"
else
	fail "2. ... and refuses both certificates, as cert-conflict and no-certificate" "$(cat "$T/.err")"
fi
ok "2. province 32 still writes" kegiatan p32 h2-after
if wait_for 10 has nas kegiatan h2-after; then
	pass "2. ... and its record reaches the national node"
else
	fail "2. ... and its record reaches the national node" "$(tails p32 nas)"
fi
ok "2. verify at the national node finds nothing wrong" verify_clean nas

# ---- 3. a sibling's revocation --------------------------------------------------------------

# 32.75 may write only in 32.75: it files a "revocation" of its sibling 32.73 there.
ok "3. 32.75 writes a revocation of its sibling 32.73 (locally: it holds no certificate of 32.73)" \
	"$P" --dir "$T/k3275" put pencabutan cabut-sibling --json \
	"{\"wilayah\":\"32.75\",\"kunci\":\"$K3273\",\"alasan\":\"palsu\"}"
if wait_for 10 sh -c "grep -q 'apply-refused.*region' '$(log_of p32)'"; then
	pass "3. province 32 (which holds 32.73's certificate) refuses it as region"
else
	fail "3. province 32 (which holds 32.73's certificate) refuses it as region" "$(tails p32 k3275)"
fi
if "$P" --dir "$T/p32" get pencabutan cabut-sibling >/dev/null 2>&1; then
	fail "3. ... and does not store it" "province 32 holds pencabutan cabut-sibling"
else
	pass "3. ... and does not store it"
fi
ok "3. 32.73 still writes" kegiatan k3273 h3-k3273
if wait_for 10 all_have kegiatan h3-k3273 p32 nas; then
	pass "3. ... and its record reaches the province and the national node (not refused as revoked)"
else
	fail "3. ... and its record reaches the province and the national node (not refused as revoked)" \
		"missing at: $(where_not has kegiatan h3-k3273 p32 nas)
$(tails k3273 p32)"
fi

# ---- 3b. head lists out of order or over the cap ---------------------------------------------

# 60,000 descending heads from an authenticated child (once O(n^2) memmove at the parent) and
# 70,000 ascending ones (over the cap of 65,536, SPEC section 12): refused at decoding, fast.
"$ROGUE" --dir "$T/p33" --url "tcp://127.0.0.1:$BASE" --timeout 20000 heads unordered 60000 \
	>"$T/.out" 2>&1
if grep -q '^error malformed' "$T/.out"; then
	pass "3b. 60,000 descending heads are refused as malformed"
else
	fail "3b. 60,000 descending heads are refused as malformed" "$(cat "$T/.out")"
fi
took=$(sed -n 's/^took //p' "$T/.out")
if [ -n "$took" ] && [ "$took" -lt 3000 ]; then
	pass "3b. ... within 3 s ($took ms)"
else
	fail "3b. ... within 3 s" "took '$took' ms"
fi
"$ROGUE" --dir "$T/p33" --url "tcp://127.0.0.1:$BASE" --timeout 20000 heads ordered 70000 \
	>"$T/.out" 2>&1
if grep -q '^error too-big' "$T/.out"; then
	pass "3b. 70,000 ascending heads (over the cap) are refused as too-big"
else
	fail "3b. 70,000 ascending heads (over the cap) are refused as too-big" "$(cat "$T/.out")"
fi
ok "3b. province 33 still writes" kegiatan p33 h3b-p33
if wait_for 10 has nas kegiatan h3b-p33; then
	pass "3b. ... and its record reaches the national node"
else
	fail "3b. ... and its record reaches the national node" "$(tails p33 nas)"
fi

# ---- 4. a backdated bundle from a revoked node ----------------------------------------------

stop k3273
ok "4. 32.73, offline, writes a record" kegiatan k3273 h4-offline
ok "4. 32.73 writes a bundle for its province" "$P" --dir "$T/k3273" bundle create --for "$P32" -o "$T/k3273.bundle"
ok "4. province 32 revokes 32.73" "$P" --dir "$T/p32" revoke "$K3273"
# Half an hour back: before the revocation, inside its certificate (which began an hour before
# it joined), so the time alone would pass.
earlier=$(($(date +%s) - 1800))
ok "4. 32.73 backdates its bundle half an hour (before the revocation)" \
	"$RESIGN" --dir "$T/k3273" --created "$earlier" "$T/k3273.bundle" "$T/k3273-old.bundle"
"$P" --dir "$T/p32" bundle apply "$T/k3273-old.bundle" --json >"$T/.out" 2>"$T/.err"
rc=$?
same "4. province 32 refuses the backdated bundle (exit 1)" "$rc" 1
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["reason"]=="revoked" and not j["ok"] else 1)' "$T/.out"; then
	pass "4. ... as revoked (--json)"
else
	fail "4. ... as revoked (--json)" "$(cat "$T/.out" "$T/.err")"
fi
if "$P" --dir "$T/p32" get kegiatan h4-offline >/dev/null 2>&1; then
	fail "4. ... and stores nothing of it" "province 32 holds kegiatan h4-offline"
else
	pass "4. ... and stores nothing of it"
fi
ok "4. verify at province 32 finds nothing wrong" verify_clean p32

done_testing
