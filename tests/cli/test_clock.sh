#!/bin/sh
# Clocks that are wrong (issue "trust under attack", item 6), on real daemons whose wall clock is
# moved with libfaketime (tests/cli/net.sh: start NAME OFFSET, skewed OFFSET CMD):
#   1. a district whose clock runs 2 h ahead: both sides see the skew at the handshake (status,
#      log), and the district refuses local writes, loudly, with the fix, until it is set right;
#   2. a district that wrote while its clock was 2 h ahead (offline, so nobody could tell it):
#      the province holds those changesets instead of refusing them, the district's uplink moves
#      on (later changesets are held too, none refused), and when their time comes they are
#      applied and travel on;
#   3. the national node 1 h ahead: it refuses to write (the median of its children's clocks);
#      an arahan it wrote before anyone could tell is held by the province, and the next one is
#      not blocked behind it.
# Every wait is bounded; every pokjad started is stopped by PID when the test exits.
# not under tsan: libfaketime's preload alone (FAKETIME=+0) makes TSan report a double lock inside libnng
. tests/cli/lib.sh
. tests/cli/net.sh

if [ -z "$FAKETIME_LIB" ]; then
	fail "libfaketime is installed (deploy/install-deps.sh installs it)"
	done_testing
fi

ok "init the national node" "$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
join k3273 p32 32.73
NAS=$(key_of nas)
P32=$(key_of p32)
K3273=$(key_of k3273)

kegiatan() { # node key [offset]
	skewed "${3:-+0}" "$P" --dir "$T/$1" put kegiatan "$2" \
		--json "{\"nama\":\"Kegiatan $2\",\"tahun\":2026}"
}

# The peer KEY's clock skew in NODE's status --json, in seconds ("None" when unknown).
skew_of() { # node key
	"$P" --dir "$T/$1" status --json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
ps = ([j["parent"]] if j.get("parent") else []) + j.get("children", [])
print([p.get("clock_skew") for p in ps if p["key"] == sys.argv[1]][0])' "$2" 2>/dev/null
}
skew_near() { # node key seconds: the skew is within 60 s of seconds
	_s=$(skew_of "$1" "$2")
	[ "$_s" != None ] && [ -n "$_s" ] && [ $((_s - $3)) -le 60 ] && [ $((_s - $3)) -ge -60 ]
}
held_at() { # node n: status --json counts n held changesets
	jtrue "$1" "j['held']['count'] == $2" status
}

ok "(precondition) the district writes with a right clock" kegiatan k3273 c0-right
wait_for 10 all_have kegiatan c0-right p32 nas || fail "(precondition) c0-right reaches nas" "$(tails k3273 p32)"

# ---- 1. a district 2 h ahead ----------------------------------------------------------------

stop k3273
[ -z "$STOPPED" ] || fail "1. the district stops cleanly" "$STOPPED"
start k3273 +2h
if wait_for 15 skew_near k3273 "$P32" -7200; then
	pass "1. status at the district: its parent's clock is 2 h behind (clock_skew about -7200)"
else
	fail "1. status at the district: its parent's clock is 2 h behind (clock_skew about -7200)" \
		"skew $(skew_of k3273 "$P32"); $(tails k3273)"
fi
if wait_for 10 skew_near p32 "$K3273" 7200; then
	pass "1. status at the province: the district's clock is 2 h ahead (clock_skew about 7200)"
else
	fail "1. status at the province: the district's clock is 2 h ahead (clock_skew about 7200)" \
		"skew $(skew_of p32 "$K3273"); $(tails p32)"
fi
outputs "1. status at the district says so in words" "^induk: .*selisih waktu 2 jam 0 mnt, lebih lambat" \
	"$P" --dir "$T/k3273" status
check "1. the province logs clock-skew for the district" grep -q "clock-skew.*child" "$(log_of p32)"
check "1. the district logs clock-skew for its parent" grep -q "clock-skew.*parent" "$(log_of k3273)"
errs "1. a write at the district is refused with the fix" \
	"setel jam server ini: jam ini 2 jam 0 mnt lebih cepat dari jam induknya" kegiatan k3273 c1-skewed +2h
stderr_has "1. ... and says how far and by what bound" "penulisan ditolak sampai selisihnya tidak lebih dari 10 mnt 0 dtk"
fails "1. ... nothing was written" 1 "$P" --dir "$T/k3273" get kegiatan c1-skewed
stop k3273
[ -z "$STOPPED" ] || fail "1. the skewed district stops cleanly" "$STOPPED"
start k3273
if wait_for 15 skew_near k3273 "$P32" 0; then
	pass "1. its clock set right, the district sees its parent in step again"
else
	fail "1. its clock set right, the district sees its parent in step again" \
		"skew $(skew_of k3273 "$P32"); $(tails k3273)"
fi
ok "1. ... and writes again" kegiatan k3273 c1-right
wait_for 10 all_have kegiatan c1-right p32 nas || fail "1. c1-right reaches nas" "$(tails k3273 p32)"

# ---- 2. changesets stamped 2 h ahead reach the province -------------------------------------

stop k3273
[ -z "$STOPPED" ] || fail "2. the district stops" "$STOPPED"
# Offline, the district cannot tell its clock is wrong (the last handshake found it right).
ok "2. the district writes offline with its clock 2 h ahead" kegiatan k3273 c2-ahead +2h
start k3273
if wait_for 15 held_at p32 1; then
	pass "2. the province holds the changeset stamped 2 h ahead (status: held 1)"
else
	fail "2. the province holds the changeset stamped 2 h ahead (status: held 1)" \
		"$(cat "$T/.j.p32" 2>/dev/null | head -c 400); $(tails p32 k3273)"
fi
check "2. ... logged apply-held" grep -q "apply-held" "$(log_of p32)"
check "2. ... the record is not applied yet" sh -c "! '$P' --dir '$T/p32' get kegiatan c2-ahead"
check "2. ... and it is not counted as refused" jtrue p32 "j['refused'].get('clock', 0) == 0" status
outputs "2. status at the province shows the held changeset in words" \
	"^ditahan: +1 changeset bercap waktu di depan jam node ini" "$P" --dir "$T/p32" status
# The district's later changesets follow it (its clock carries on from the last stamp).
ok "2. the district writes again, its clock set right" kegiatan k3273 c2-next
if wait_for 15 held_at p32 2; then
	pass "2. the later changeset is held behind it, not refused (held 2)"
else
	fail "2. the later changeset is held behind it, not refused (held 2)" "$(tails p32 k3273)"
fi
if wait_for 10 jtrue k3273 "j['parent']['lag_up'] == 0 and j['parent']['held'] >= 1" status; then
	pass "2. the district's uplink moved on: lag 0 up, the parent holds some"
else
	fail "2. the district's uplink moved on: lag 0 up, the parent holds some" \
		"$(head -c 600 "$T/.j.k3273"); $(tails k3273)"
fi
check "2. the district logs push-held" grep -q "push-held" "$(log_of k3273)"
# Their time comes: the province's clock moves 2 h 5 min on (the national node's stays).
stop p32
[ -z "$STOPPED" ] || fail "2. the province stops" "$STOPPED"
start p32 +125m
if wait_for 15 all_have kegiatan c2-ahead p32 && wait_for 5 all_have kegiatan c2-next p32; then
	pass "2. when their time comes the province applies both, in order"
else
	fail "2. when their time comes the province applies both, in order" "$(tails p32)"
fi
check "2. ... logged held-applied" grep -q "held-applied" "$(log_of p32)"
wait_for 5 held_at p32 0 || fail "2. nothing is held at the province any more" "$(head -c 400 "$T/.j.p32")"
# At the national node (right clock) they are 2 h ahead: held there in turn, not refused.
if wait_for 15 held_at nas 2; then
	pass "2. they travel on to the national node, which holds them in turn"
else
	fail "2. they travel on to the national node, which holds them in turn" \
		"$(head -c 400 "$T/.j.nas"); $(tails nas p32)"
fi
stop p32
[ -z "$STOPPED" ] || fail "2. the skewed province stops" "$STOPPED"
start p32

# ---- 3. the national node 1 h ahead ---------------------------------------------------------

stop nas
[ -z "$STOPPED" ] || fail "3. the national node stops" "$STOPPED"
ok "3. the national node writes an arahan offline, its clock 1 h ahead" \
	skewed +1h "$P" --dir "$T/nas" put arahan a3-ahead \
	--json '{"judul":"Arahan jam salah","isi":"Uji jam","wilayah_sasaran":""}'
start nas +1h
if wait_for 15 held_at p32 1; then
	pass "3. the province holds the arahan stamped 1 h ahead"
else
	fail "3. the province holds the arahan stamped 1 h ahead" "$(tails p32 nas)"
fi
if wait_for 15 skew_near nas "$P32" -3600; then
	pass "3. the national node sees its child's clock 1 h behind"
else
	fail "3. the national node sees its child's clock 1 h behind" "skew $(skew_of nas "$P32")"
fi
errs "3. a write at the national node is refused, with the fix" \
	"setel jam server ini: jam ini 1 jam 0 mnt lebih cepat dari jam anak-anaknya" \
	skewed +1h "$P" --dir "$T/nas" put arahan a3-refused \
	--json '{"judul":"Tidak","isi":"Tidak","wilayah_sasaran":""}'
stop nas
[ -z "$STOPPED" ] || fail "3. the skewed national node stops" "$STOPPED"
start nas
ok "3. its clock set right, once its child has been seen again, it writes the next arahan" \
	wait_for 20 sh -c "'$P' --dir '$T/nas' put arahan a3-next --json '{\"judul\":\"Berikut\",\"isi\":\"Uji\",\"wilayah_sasaran\":\"\"}'"
if wait_for 15 held_at p32 2; then
	pass "3. the next arahan is not blocked behind the held one: held too, none refused"
else
	fail "3. the next arahan is not blocked behind the held one: held too, none refused" \
		"$(head -c 400 "$T/.j.p32"); $(tails p32 nas)"
fi
check "3. nothing was refused as clock at the province" \
	jtrue p32 "j['refused'].get('clock', 0) == 0" status

for _node in k3273 p32 nas; do
	stop "$_node"
	[ -z "$STOPPED" ] || fail "$_node stops cleanly" "$STOPPED"
done
ok "verify at the province finds nothing wrong" "$P" --dir "$T/p32" verify
ok "verify at the national node finds nothing wrong" "$P" --dir "$T/nas" verify
done_testing
