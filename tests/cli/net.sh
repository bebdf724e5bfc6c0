# net.sh: running pokjad networks on loopback, for the CLI tests that need daemons. Source it
# after lib.sh:
#
#	. tests/cli/lib.sh
#	. tests/cli/net.sh
#
# and get: start NAME / stop NAME [nowait] / reap NAME (node folders are $T/NAME; logs in
# $LOGS), pid_of, log_of, logs_of, tails (failure reports), wait_for SECONDS CMD... (bounded
# polls), has / lacks / where_not / all_have (records at nodes), jtrue, count / count_is,
# key_of, and join CHILD PARENT REGION [PORT] (an online join, then start). $BASE is the first
# of 16 loopback ports derived from the PID, so that parallel runs do not collide. Every pokjad
# started is stopped when the test exits. KEEP_LOGS=DIR keeps the daemons' logs in DIR (and,
# with gdb, the stacks of a pokjad that does not stop within 5 s); POKJAD_LOG_LEVEL=debug runs
# the daemons with that log level.

# ---- daemons: started, recorded, stopped ---------------------------------------------------

_live="" # "name:pid" of every pokjad this test started and has not reaped
_repl_cleanup() {
	for _e in $_live; do
		_p=${_e#*:}
		kill -TERM "$_p" 2>/dev/null
	done
	for _e in $_live; do
		_p=${_e#*:}
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -KILL "$_p" 2>/dev/null
	done
	_live=""
}
trap '_repl_cleanup; [ -z "${KEEP_LOGS:-}" ] || cp -r "$LOGS" "$KEEP_LOGS"; _cleanup' EXIT

# Ports: consecutive, from a base chosen by the PID so that parallel runs do not collide.
BASE=$((20000 + ($$ * 16) % 40000))
LOGS=$T/logs
mkdir -p "$LOGS"

pid_of() { # name
	for _e in $_live; do
		[ "${_e%%:*}" = "$1" ] && {
			echo "${_e#*:}"
			return 0
		}
	done
	return 1
}

# start NAME [OFFSET]: runs pokjad on $T/NAME, logging to $LOGS/NAME.N.log (N counts the
# starts); with OFFSET (libfaketime's "+2h", "-90m"), its wall clock is moved by that much.
start() {
	_k=1
	while [ -e "$LOGS/$1.$_k.log" ]; do _k=$((_k + 1)); done
	_log=$LOGS/$1.$_k.log
	if [ -n "${2:-}" ]; then
		# env execs pokjad: $! is pokjad's PID.
		env $(_faketime_env "$2") "$PD" --dir "$T/$1" \
			${POKJAD_LOG_LEVEL:+--log-level "$POKJAD_LOG_LEVEL"} 2>"$_log" &
	else
		"$PD" --dir "$T/$1" ${POKJAD_LOG_LEVEL:+--log-level "$POKJAD_LOG_LEVEL"} 2>"$_log" &
	fi
	_live="$_live $1:$!"
	eval "LOG_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)=\$_log"
}

# skewed OFFSET CMD...: runs CMD with its wall clock moved by OFFSET (libfaketime's "+2h",
# "-90m") through libfaketime's preload; monotonic clocks are left alone.
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
_faketime_env() { # offset: the environment, one word each (no blanks in any)
	# A sanitizer runtime must come first among the libraries unless told not to check.
	echo "LD_PRELOAD=$FAKETIME_LIB FAKETIME=$1 FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1" \
		"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}
skewed() {
	_off=$1
	shift
	env $(_faketime_env "$_off") "$@"
}

log_of() { # name: the current log of the node
	eval "echo \"\$LOG_$(echo "$1" | tr -c 'A-Za-z0-9\n' _)\""
}

# stop NAME [nowait]: SIGTERM; then (unless nowait) reap. Reaping waits at most 5 s for the
# exit and sets STOPPED to "" when pokjad exited 0 and logged "stopped cleanly", else to why not.
stop() {
	_p=$(pid_of "$1") || {
		STOPPED="$1: no pokjad of this test is running there"
		return 0
	}
	if ! kill -0 "$_p" 2>/dev/null; then
		wait "$_p"
		STOPPED="$1: pokjad had already exited (status $?) before SIGTERM"
		_forget "$1"
		return 0
	fi
	kill -TERM "$_p"
	[ "${2:-}" = nowait ] || reap "$1"
}

reap() { # name
	_p=$(pid_of "$1")
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_p" 2>/dev/null; then
		# With KEEP_LOGS set, keep the stuck threads' stacks for the report.
		if [ -n "${KEEP_LOGS:-}" ] && command -v gdb >/dev/null 2>&1; then
			gdb -p "$_p" -batch -ex "thread apply all bt" >"$LOGS/$1.stacks" 2>&1
		fi
		kill -KILL "$_p" 2>/dev/null
		wait "$_p"
		STOPPED="$1: pokjad still running 5 s after SIGTERM (killed)"
	else
		wait "$_p"
		_st=$?
		if [ "$_st" -ne 0 ]; then
			STOPPED="$1: pokjad exited with status $_st"
		elif ! grep -q "stopped cleanly" "$(log_of "$1")"; then
			STOPPED="$1: pokjad exited 0 but did not log 'stopped cleanly'"
		else
			STOPPED=""
		fi
	fi
	[ -z "$STOPPED" ] || STOPPED="$STOPPED
$(tail -n 15 "$(log_of "$1")")"
	_forget "$1"
}

_forget() {
	_n2=""
	for _e in $_live; do
		[ "${_e%%:*}" = "$1" ] || _n2="$_n2 $_e"
	done
	_live=$_n2
}

# ---- bounded polls and record checks -------------------------------------------------------

# Tenths of a second on the wall clock (GNU date's %N; elsewhere whole seconds).
now_ds() {
	_t=$(date +%s%N)
	case $_t in
	*N) echo $(($(date +%s) * 10)) ;;
	*) echo $((${_t%????????})) ;;
	esac
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds (0) or SECONDS of wall
# time have passed (1); the last try comes at or after the deadline.
wait_for() {
	_end=$(($(now_ds) + $1 * 10))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ds)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}

has() { # node collection key
	"$P" --dir "$T/$1" get "$2" "$3" >/dev/null 2>&1
}

# lacks NODE COLLECTION KEY: the node answers "tidak ada rekaman" (no record; exit 1), not some
# other failure.
lacks() {
	"$P" --dir "$T/$1" get "$2" "$3" >"$T/.lacks" 2>&1
	[ $? -eq 1 ] && grep -q "tidak ada rekaman" "$T/.lacks"
}

# Checks one record on many nodes: prints the nodes where `has` (or `lacks`) fails.
where_not() { # has|lacks collection key nodes...
	_f=$1
	_c=$2
	_key=$3
	shift 3
	_bad=""
	for _nd in "$@"; do
		$_f "$_nd" "$_c" "$_key" || _bad="$_bad $_nd"
	done
	echo "${_bad# }"
}
all_have() { # collection key nodes...
	[ -z "$(where_not has "$@")" ]
}

# jtrue NODE EXPR ARGS...: pokjactl --dir NODE ARGS --json prints JSON for which EXPR holds.
jtrue() {
	_nd=$1
	_ex=$2
	shift 2
	"$P" --dir "$T/$_nd" "$@" --json >"$T/.j.$_nd" 2>/dev/null && _jtest "$T/.j.$_nd" "$_ex" >/dev/null
}

# Number of kegiatan records at a node whose key starts with a prefix.
count() { # node prefix
	"$P" --dir "$T/$1" list kegiatan --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for o in json.load(sys.stdin) if o["key"].startswith(sys.argv[1])))' "$2" 2>/dev/null ||
		echo -1
}
count_is() { # node prefix n
	[ "$(count "$1" "$2")" = "$3" ]
}

key_of() { # node: its public key
	"$P" --dir "$T/$1" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

logs_of() { # node: every log of the node, all starts
	cat "$LOGS/$1".*.log 2>/dev/null
}

# A failure report: the last lines of the given nodes' logs.
tails() {
	for _nd in "$@"; do
		echo "--- $_nd log:"
		logs_of "$_nd" | tail -n 8
	done
}

# join CHILD PARENT REGION [PORT]: an invite at PARENT, init --join at CHILD, start CHILD.
join() {
	_tok=$("$P" --dir "$T/$2" invite --region "$3" 2>"$T/.inv.err")
	if [ -z "$_tok" ]; then
		fail "invite for $3 at $2" "$(cat "$T/.inv.err")"
		return
	fi
	if [ -n "${4:-}" ]; then
		ok "$1 ($3) joins $2 online" "$P" init --dir "$T/$1" --join "$_tok" \
			--listen "tcp://127.0.0.1:$4"
	else
		ok "$1 ($3) joins $2 online" "$P" init --dir "$T/$1" --join "$_tok"
	fi
	# Redial a restarted parent within 2 s (the default back-off doubles up to a minute, with
	# nng's random spread), so that a slow catch-up below means more than a long back-off.
	# A test may set JOIN_RETRY_MAX, and JOIN_CONF: more of pokjad.conf (whole sections) for
	# every node joined, written before its pokjad starts.
	printf '\n[sync]\nretry_max = %s\n%s' "${JOIN_RETRY_MAX:-2s}" "${JOIN_CONF:-}" \
		>>"$T/$1/pokjad.conf"
	start "$1"
}
