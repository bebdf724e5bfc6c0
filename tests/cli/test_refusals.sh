#!/bin/sh
# A parent under attack from one of its children: a national pokjad and a province (32) joined
# online, whose pokjad never runs: the rogue test peer (tests/tools/rogue.c) speaks the protocol
# as the province, with its key and store, and sends hostile traffic. The parent must refuse each
# bad changeset with the right reason, keep it out of its store, count it, not let it block the
# valid ones of the same batch, record a fork, and survive garbage, oversize messages, replays,
# strangers and a revoked child.
. tests/cli/lib.sh

R=$(dirname "$P")/tests/tools/rogue
if [ ! -x "$R" ]; then
	echo "not ok 1 - the rogue test peer exists ($R; run 'make unit' first)"
	echo "1..1"
	exit 1
fi

NAS=$T/nasional
PROV=$T/jabar
LOG=$T/pokjad.log
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"

# Shows the end of pokjad's log in a failure report.
fail_log() { # name why
	fail "$1" "$2
pokjad log (last 8 lines):
$(tail -n 8 "$LOG" 2>/dev/null | sed 's/^/  /')"
}

wait_for_line() { # file pattern: up to 5 s
	_i=0
	while [ $_i -lt 50 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---- the national node, listening on a loopback port derived from the PID
ok "init national" "$P" --dir "$NAS" init --listen "tcp://127.0.0.1:1"
PID=""
for try in 0 1 2; do
	PORT=$((21000 + ($$ * 7 + try * 997) % 10000))
	U=tcp://127.0.0.1:$PORT
	sed "s|^listen = .*|listen = $U|" "$NAS/pokjad.conf" >"$T/conf" && cp "$T/conf" "$NAS/pokjad.conf"
	: >"$LOG"
	"$PD" --dir "$NAS" 2>"$LOG" &
	PID=$!
	track "$PID"
	wait_for_line "$LOG" " listen: | error " || true
	if kill -0 "$PID" 2>/dev/null && grep -q " listen: " "$LOG"; then
		break
	fi
	kill "$PID" 2>/dev/null
	PID=""
done
if [ -n "$PID" ]; then
	pass "pokjad serves children on $U"
else
	fail_log "pokjad serves children on a loopback port" "it did not start"
	done_testing
fi

TOKEN=$("$P" --dir "$NAS" invite --region 32 2>"$ERR")
check "an invite for region 32" test -n "$TOKEN"
ok "the province joins online" "$P" --dir "$PROV" init --join "$TOKEN"
NASKEY=$("$P" --dir "$NAS" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
PROVKEY=$("$P" --dir "$PROV" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
check "both keys are known" test ${#NASKEY} -eq 64 -a ${#PROVKEY} -eq 64
ok "the national node writes a record (its own log, the province's lineage)" \
	"$P" --dir "$NAS" put kegiatan nas-1 --json '{"nama":"Arahan pusat","tahun":2026}'

rogue() { # args...: the rogue as the province; output in $OUT/$ERR
	# shellcheck disable=SC2086 # $TO is empty or "timeout 20"
	_run $TO "$R" --dir "$PROV" --url "$U" --timeout 5000 "$@"
}

# What the national node holds and counts.
nas_log() { "$P" --dir "$NAS" log --json >"$T/log.json" 2>/dev/null; }
head_of() { # key: the national node's head (highest seq held) for that origin
	nas_log
	python3 -c '
import json, sys
print(max([c["seq"] for c in json.load(open(sys.argv[1])) if c["origin"] == sys.argv[2]] or [0]))' \
		"$T/log.json" "$1"
}
held() { # hash: true when the national node holds that changeset
	nas_log
	grep -q "\"$1\"" "$T/log.json"
}
refusals() { # file: the national node's refusal counters, "REASON COUNT" per line
	"$P" --dir "$NAS" status --json 2>/dev/null | python3 -c '
import json, sys
for k, v in json.load(sys.stdin)["refused"].items(): print(k, v)' >"$1"
}
count_in() { # file reason
	awk -v r="$2" '$1 == r { n = $2 } END { print n + 0 }' "$1"
}
refused_count() { # reason
	refusals "$T/counts"
	count_in "$T/counts" "$1"
}
sent_hash() { # index: the hash of the changeset the last push sent at that index
	sed -n "s/^sent $1 //p" "$OUT"
}

# ---- valid changesets are applied
rogue push ok 2
if [ "$RC" -eq 0 ] && ! grep -q '^refused' "$OUT"; then
	pass "a push of 2 valid changesets: no refusal"
else
	fail_log "a push of 2 valid changesets: no refusal" "exit $RC: $(cat "$OUT" "$ERR")"
fi
stdout_has "the parent acknowledges the province's head 2" "^head $PROVKEY 2\$"
same "the national node holds the province's changesets 1 and 2" "$(head_of "$PROVKEY")" 2
H0=$(sent_hash 0)
if [ -n "$H0" ] && held "$H0"; then pass "and by hash"; else fail "and by hash" "$H0 not in the log"; fi

# ---- one bad changeset at a time
# refused NAME KIND REASON ORIGIN [ROGUE OPTIONS]: pushes one changeset of KIND; the reply
# refuses index 0 with REASON (an ERE), the changeset is not held, ORIGIN's head at the national
# node did not move, and the counter of the reason went up by one.
refused() {
	_nm=$1
	_kind=$2
	_why=$3
	_org=$4
	shift 4
	_hb=$(head_of "$_org")
	refusals "$T/before"
	rogue "$@" push "$_kind"
	_got=$(sed -n 's/^refused 0 //p' "$OUT")
	if [ "$RC" -eq 0 ] && echo "$_got" | grep -Eqx -- "$_why"; then
		pass "$_nm: refused as $_got"
	else
		fail_log "$_nm: refused as $_why" "exit $RC, got '$_got'; stdout/stderr:
$(cat "$OUT" "$ERR")"
		_got=$(echo "$_why" | sed 's/|.*//') # the counter to check
	fi
	_h=$(sent_hash 0)
	if [ -n "$_h" ] && ! held "$_h"; then
		pass "$_nm: the changeset is not in the national store"
	else
		fail_log "$_nm: the changeset is not in the national store" "hash '$_h' held"
	fi
	same "$_nm: the origin's head at the national node did not move" "$(head_of "$_org")" "$_hb"
	same "$_nm: status counts one more '$_got' refusal" "$(refused_count "$_got")" \
		$(($(count_in "$T/before" "$_got") + 1))
}

refused "a flipped signature byte" badsig bad-signature "$PROVKEY"
# A key without a certificate: the lineage rule is for origins whose chain is held (SPEC 16), so
# section 8 refuses it as 'no-certificate', as it does from a bundle (test_bundle.sh).
refused "a fresh key without a certificate" nocert no-certificate "$PROVKEY"
refused "a fresh key whose certificate (sent along) expired" expired expired "$PROVKEY"
refused "a record outside the province's region" region region "$PROVKEY"
refused "a record with an unknown field" schema schema "$PROVKEY"
# Stamped 2 hours ahead a changeset is held (tests/cli/test_clock.sh); beyond the hold bound of
# 7 days it is refused.
refused "a changeset stamped 30 days ahead" farfuture clock "$PROVKEY"
# A sibling province, certified offline by the national node: its changesets may not come up
# through province 32.
JATENG=$T/jateng
ok "a sibling province 33 is certified offline" sh -c "
	\"$P\" --dir \"$JATENG\" init --region 33 >/dev/null &&
	\"$P\" --dir \"$JATENG\" request -o \"$T/33.req\" &&
	\"$P\" --dir \"$NAS\" certify \"$T/33.req\" -o \"$T/33.set\" >/dev/null &&
	\"$P\" --dir \"$JATENG\" install-cert \"$T/33.set\""
JATENGKEY=$("$P" --dir "$JATENG" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
refused "a sibling province's changeset pushed up by province 32" lineage lineage "$JATENGKEY" \
	--signer "$JATENG"

# The national node's own changeset, as the province holds it, sent back up: the national node
# holds it, so it is neither refused nor counted (SPEC 16 lets a child return the parent's own
# changesets, for a parent restored from an old backup).
n_before=$(refused_count lineage)
hb=$(head_of "$NASKEY")
rogue push lineage
if [ "$RC" -eq 0 ] && ! grep -q '^refused' "$OUT"; then
	pass "the national node's own changeset sent back up is not refused (already held)"
else
	fail_log "the national node's own changeset sent back up is not refused (already held)" \
		"exit $RC: $(cat "$OUT" "$ERR")"
fi
same "... and no refusal is counted" "$(refused_count lineage)" "$n_before"
# A national changeset the national node lacks, signed by its own key, is its own log coming
# back (after a restore): applied, whoever carries it.
rogue --signer "$NAS" push lineage
H=$(sent_hash 0)
if [ "$RC" -eq 0 ] && ! grep -q '^refused' "$OUT" && [ -n "$H" ] && held "$H"; then
	pass "a national changeset the national node lacks, pushed up by the province, is applied"
else
	fail_log "a national changeset the national node lacks, pushed up by the province, is applied" \
		"exit $RC: $(cat "$OUT" "$ERR")"
fi
same "... and the national node's head moved by one" "$(head_of "$NASKEY")" $((hb + 1))

# ---- a bad changeset does not block the valid ones of its batch
hb=$(head_of "$PROVKEY")
rogue push badsig ok schema ok
got=$(grep '^refused' "$OUT" | tr '\n' ' ')
same "a batch of badsig, ok, schema, ok: exactly 0 and 2 refused" "$got" \
	"refused 0 bad-signature refused 2 schema "
for i in 1 3; do
	h=$(sent_hash $i)
	if [ -n "$h" ] && held "$h"; then
		pass "the valid changeset $i of that batch is applied"
	else
		fail_log "the valid changeset $i of that batch is applied" "$(cat "$OUT" "$ERR")"
	fi
done
for i in 0 2; do
	h=$(sent_hash $i)
	if [ -n "$h" ] && ! held "$h"; then pass "the refused changeset $i of that batch is not held"
	else fail "the refused changeset $i of that batch is not held" "hash '$h'"; fi
done
same "the province's head moved by exactly 2" "$(head_of "$PROVKEY")" $((hb + 2))

# ---- hostile messages
rogue replay
same "the same sealed request twice: answered, then refused as a replay" \
	"$(cut -d' ' -f1,2 "$OUT" | tr '\n' ' ')" "reply heads error replay "
rogue garbage
stdout_has "random bytes as a message are answered with an error" "^raw: error [a-z-]+"
stdout_has "random bytes as a sealed request's plaintext are answered with an error" \
	"^sealed: error [a-z-]+"
check "pokjad still runs after garbage" kill -0 "$PID"
rogue oversize
# SPEC 14: before a session a message is at most a hello's size, refused at its length by closing
# the connection; in a session a body is at most 4,194,304 bytes, a larger one dropped unread.
stdout_has "1,000 bytes before any session: the connection is closed" "^early: dropped"
stdout_has "a message body of exactly 4 MiB (the limit) is answered" "^limit: error "
stdout_has "a message body above 4 MiB is refused or dropped" "^above: (error|dropped)"
check "pokjad still runs after an oversize message" kill -0 "$PID"
rogue stranger
stdout_has "a hello from a key the parent never certified is refused" "^error refused"
check "pokjad still runs after the stranger" kill -0 "$PID"
rogue hello
stdout_has "the province still gets a session afterwards" "^welcome\$"
hb=$(head_of "$PROVKEY")
rogue push ok
if [ "$RC" -eq 0 ] && ! grep -q '^refused' "$OUT" && held "$(sent_hash 0)"; then
	pass "and a valid push is still applied"
else
	fail_log "and a valid push is still applied" "exit $RC: $(cat "$OUT" "$ERR")"
fi
same "the province's head moved by 1" "$(head_of "$PROVKEY")" $((hb + 1))

# ---- a fork
hb=$(head_of "$PROVKEY")
refused "a second changeset for the province's last sequence number" fork fork "$PROVKEY"
jcheck "status lists the province as forked at its last sequence number" \
	"[(f['origin'], f['seq']) for f in j['forked']] == [('$PROVKEY', $hb)]" \
	"$P" --dir "$NAS" status --json
refused "a valid changeset from the forked origin" ok forked-origin "$PROVKEY"

# ---- what the parent tells about its child
i=0
while [ $i -lt 30 ]; do
	c=$("$P" --dir "$NAS" status --json 2>/dev/null | python3 -c '
import json, sys
print(sum(c["refused"] for c in json.load(sys.stdin)["children"]))')
	[ "${c:-0}" -eq 11 ] && break
	sleep 0.1
	i=$((i + 1))
done
same "status counts the province's 11 refused changesets against it" "${c:-0}" 11
outputs "the national store verifies clean after all this" ": 0 masalah$" "$P" --dir "$NAS" verify

# ---- a revoked child is refused at the hello
rogue hello
stdout_has "before its revocation the (forked) province still gets a session" "^welcome\$"
ok "the national node revokes the province" "$P" --dir "$NAS" revoke "$PROVKEY" --reason "test"
rogue hello
stdout_has "the revoked province's hello is refused" "^error refused"
rogue push ok
stdout_has "and so is its push" "^error refused"

check "pokjad is still running at the end" kill -0 "$PID"
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$PID" 2>/dev/null; then
	fail_log "pokjad stops within 5 s of SIGTERM" "still running"
else
	wait "$PID"
	same "pokjad exits with status 0" "$?" 0
fi
if grep -Eq "stopped cleanly" "$LOG"; then pass "pokjad logs 'stopped cleanly'"; else
	fail_log "pokjad logs 'stopped cleanly'" "no such line"; fi

done_testing
