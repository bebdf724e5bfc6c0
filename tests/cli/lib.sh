# lib.sh: helpers for the CLI tests (POSIX sh). Each tests/cli/test_*.sh sources it from the
# repository root:
#
#	. tests/cli/lib.sh
#
# and gets:
#   $P, $PD        paths to pokjactl and pokjad ($BUILD, default "build", relative to the root)
#   $T             a temporary directory, removed when the test exits
#   $OUT, $ERR     files with the stdout and stderr of the last command run by a helper
#   $RC            the exit status of that command
#   ok NAME CMD...               CMD exits 0
#   fails NAME STATUS CMD...     CMD exits with exactly STATUS (non-zero)
#   outputs NAME PATTERN CMD...  CMD exits 0 and its stdout matches grep -E PATTERN
#   errs NAME PATTERN CMD...     CMD exits non-zero (and not by a signal) and its stderr
#                                matches grep -E PATTERN
#   jcheck NAME PYEXPR CMD...    CMD exits 0, its stdout is JSON, and the Python expression
#                                PYEXPR (the parsed value is `j`) is true
#   same NAME A B                the strings A and B are equal
#   stdout_has NAME PATTERN      the last command's stdout matches (runs nothing)
#   stderr_has NAME PATTERN      the last command's stderr matches (runs nothing)
#   check NAME CMD...            like ok, for shell tests (test, grep, cmp, ...) run quietly
#   golden NAME FILE CMD...      CMD exits 0 and its stdout (through the sed -E expression
#                                $GOLDEN_FILTER when set) is byte for byte FILE; with
#                                UPDATE_GOLDEN set, FILE is rewritten instead
#   pass NAME / fail NAME [WHY]  record a result directly
#   snapshot DIR                 a canonical dump of a node's whole state
#   track PID                    kill PID (and wait for it) when the test exits
#   offices HOME FILE.jsonl      loads records of many regions as their own offices write
#                                them (SPEC section 5, "Ownership"): see below
#   office HOME CODE             the office node $T/offices/n-CODE, certified below HOME
#   bring FROM TO                what node FROM holds comes to node TO in a bundle
#   at HOME REGION ARGS...       pokjactl ARGS at the office owning REGION, then brought to HOME
#   flip_byte FILE OFFSET        xor one byte of FILE with 0x01 (OFFSET may be negative: from end)
#   flip_each FILE OUTDIR        OUTDIR/I = FILE with byte I flipped, for every I
#   done_testing                 prints the plan "1..N"; exits 1 if any test failed
#
# A failed helper prints the command, its exit status, and its stderr and stdout as TAP
# comments ("# ..."), which tests/run.sh shows.

set -u

# The language of pokjactl's messages (cli/i18n.h): Indonesian, its default, so every test checks
# the messages the secretariats read; a test sets TEST_LANG=en before sourcing this file for an
# English run (test_i18n.sh runs both). Nothing else in the environment chooses it.
unset LC_ALL LC_MESSAGES
LANGUAGE=${TEST_LANG:-id}
export LANGUAGE

BUILD=${BUILD:-build}
case $BUILD in
/*) _bin=$BUILD ;;
*) _bin=$(pwd)/$BUILD ;;
esac
P=$_bin/pokjactl
PD=$_bin/pokjad
export P PD

if [ ! -x "$P" ] || [ ! -x "$PD" ]; then
	echo "not ok 1 - binaries exist ($P, $PD; run 'make all' first)"
	echo "1..1"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/pokja-cli.XXXXXX") || exit 1
OUT=$T/.out
ERR=$T/.err
RC=0
: >"$OUT"
: >"$ERR"
_n=0
_failed=0
_pids=""

_cleanup() {
	for _p in $_pids; do
		if kill -0 "$_p" 2>/dev/null; then
			kill -TERM "$_p" 2>/dev/null
			_i=0
			while kill -0 "$_p" 2>/dev/null && [ $_i -lt 20 ]; do
				sleep 0.1
				_i=$((_i + 1))
			done
			kill -KILL "$_p" 2>/dev/null
		fi
	done
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

track() {
	_pids="$_pids $1"
}

# Quotes a command line for the failure report.
_cmdline() {
	_s=""
	for _a in "$@"; do
		_q=$(printf '%s' "$_a" | head -c 120 | sed "s/'/'\\\\''/g")
		[ ${#_a} -gt 120 ] && _q="$_q...(${#_a} bytes)"
		case $_a in
		*[!A-Za-z0-9_./:=@%+,-]* | '') _s="$_s '$_q'" ;;
		*) _s="$_s $_q" ;;
		esac
	done
	printf '%s' "${_s# }"
}

_comment() { # prints stdin as TAP comments, at most 30 lines
	sed -n '1,30s/^/#   /p'
}

pass() {
	_n=$((_n + 1))
	echo "ok $_n - $1"
}

fail() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}

# Runs a command with stdout/stderr into $OUT/$ERR; sets RC. Stdin is inherited.
_run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}

_report() { # name, why, command...
	_name=$1
	_why=$2
	shift 2
	fail "$_name"
	echo "# $_why"
	echo "# command: $(_cmdline "$@")"
	echo "# exit status: $RC"
	if [ -s "$ERR" ]; then
		echo "# stderr:"
		_comment <"$ERR"
	fi
	if [ -s "$OUT" ]; then
		echo "# stdout:"
		_comment <"$OUT"
	fi
}

golden() {
	_gname=$1
	_gfile=$2
	shift 2
	_run "$@"
	if [ "$RC" -ne 0 ]; then
		_report "$_gname" "expected exit status 0" "$@"
		return 0
	fi
	if [ -n "${GOLDEN_FILTER:-}" ]; then
		sed -E "$GOLDEN_FILTER" "$OUT" >"$T/.golden"
	else
		cp "$OUT" "$T/.golden"
	fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$T/.golden" "$_gfile"
		pass "$_gname (rewrote $_gfile)"
	elif cmp -s "$T/.golden" "$_gfile"; then
		pass "$_gname"
	else
		fail "$_gname" "output differs from $_gfile (UPDATE_GOLDEN=1 rewrites it):
$(diff "$_gfile" "$T/.golden" | sed -n '1,30p' | cat -A)"
	fi
}

ok() {
	_name=$1
	shift
	_run "$@"
	if [ "$RC" -eq 0 ]; then
		pass "$_name"
	else
		_report "$_name" "expected exit status 0" "$@"
	fi
}

check() {
	ok "$@"
}

fails() {
	_name=$1
	_want=$2
	shift 2
	_run "$@"
	if [ "$RC" -eq "$_want" ]; then
		pass "$_name"
	else
		_report "$_name" "expected exit status $_want" "$@"
	fi
}

outputs() {
	_name=$1
	_pat=$2
	shift 2
	_run "$@"
	if [ "$RC" -ne 0 ]; then
		_report "$_name" "expected exit status 0 (and stdout matching /$_pat/)" "$@"
	elif ! grep -Eq -- "$_pat" "$OUT"; then
		_report "$_name" "stdout does not match /$_pat/" "$@"
	else
		pass "$_name"
	fi
}

errs() {
	_name=$1
	_pat=$2
	shift 2
	_run "$@"
	if [ "$RC" -eq 0 ]; then
		_report "$_name" "expected a non-zero exit status (and stderr matching /$_pat/)" "$@"
	elif [ "$RC" -ge 126 ]; then
		_report "$_name" "expected a refusal, not exit status $RC (crash or signal)" "$@"
	elif ! grep -Eq -- "$_pat" "$ERR"; then
		_report "$_name" "stderr does not match /$_pat/" "$@"
	else
		pass "$_name"
	fi
}

# Checks that a file holds JSON for which the Python expression is true. Prints why not.
_jtest() { # file, expr
	python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception as e:
    print("not valid JSON: %s" % e); sys.exit(1)
try:
    r = eval("(" + sys.argv[2].strip() + "\n)", {"j": j})
except Exception as e:
    print("expression failed: %r" % e); sys.exit(1)
if not r:
    print("expression is false: %s" % sys.argv[2]); sys.exit(1)
' "$1" "$2"
}

jcheck() {
	_name=$1
	_expr=$2
	shift 2
	_run "$@"
	if [ "$RC" -ne 0 ]; then
		_report "$_name" "expected exit status 0 and JSON output" "$@"
	elif ! _why=$(_jtest "$OUT" "$_expr"); then
		_report "$_name" "$_why" "$@"
	else
		pass "$_name"
	fi
}

# Checks the stdout / stderr of the last command run by a helper, without running anything.
# (Beware: `check grep ... "$OUT"` would truncate $OUT before grep reads it.)
stdout_has() { # name pattern
	if grep -Eq -- "$2" "$OUT"; then
		pass "$1"
	else
		fail "$1" "the last stdout does not match /$2/:
$(sed -n '1,20s/^/  /p' "$OUT")"
	fi
}

stderr_has() { # name pattern
	if grep -Eq -- "$2" "$ERR"; then
		pass "$1"
	else
		fail "$1" "the last stderr does not match /$2/:
$(sed -n '1,20s/^/  /p' "$ERR")"
	fi
}

same() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '%s\n' "$2" >"$T/.same_a"
		printf '%s\n' "$3" >"$T/.same_b"
		echo "# the strings differ:"
		diff "$T/.same_a" "$T/.same_b" | sed -n '1,30s/^/#   /p'
	fi
}

# The collection names, from `pokjactl schema --json`.
_collections() {
	if [ ! -s "$T/.collections" ]; then
		"$P" schema --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    print(c["name"])' >"$T/.collections" || return 1
	fi
	cat "$T/.collections"
}

# Prints a canonical dump of a node's state: its identity, its whole log, and every
# collection's records. A command that fails shows up as an "ERROR" line in the dump.
snapshot() {
	_d=$1
	echo "== info"
	"$P" --dir "$_d" info --json 2>&1 || echo "ERROR info exit $?"
	echo "== log"
	"$P" --dir "$_d" log --json 2>&1 || echo "ERROR log exit $?"
	for _c in $(_collections); do
		echo "== $_c"
		"$P" --dir "$_d" list "$_c" --json 2>&1 || echo "ERROR list $_c exit $?"
	done
}

# xor one byte of a file with 0x01 in place. A negative offset counts from the end.
flip_byte() {
	python3 -c '
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read())
b[off] ^= 0x01
open(p, "wb").write(bytes(b))' "$1" "$2"
}

# Writes OUTDIR/0, OUTDIR/1, ...: copies of FILE, each with one byte xor'ed with 0x01 (one
# python run for all of them; python3 takes ~0.1 s to start).
flip_each() {
	mkdir -p "$2" && python3 -c '
import sys, os
b = open(sys.argv[1], "rb").read()
for i in range(len(b)):
    c = bytearray(b); c[i] ^= 0x01
    open(os.path.join(sys.argv[2], str(i)), "wb").write(bytes(c))' "$1" "$2"
}

# offices HOME FILE.jsonl: brings the records of FILE (JSON Lines with `collection` members)
# to the certified node HOME the way they arrive in the field: each record is written by the
# node that owns its region (SPEC section 5: a province's own code, a kabupaten/kota and what
# lies below it), HOME importing its own. Every other owner is a node of its own under
# $T/offices, certified offline in a chain below HOME (a province first for a kabupaten/kota),
# given what HOME holds by then (owners go by level, so a district gets the directives of the
# national node and its province) and importing its share; its changesets come to HOME in a bundle (`bundle create` / `bundle
# apply`), checked there like any received changeset. Regions outside HOME are an error.
# A line with the member "_lalu_dihapus": true is written, then deleted by its owner once every
# share is in, so that what named it is left dangling (SPEC section 5, "References"). Returns 0,
# or 1 with what failed on stderr; the record keys, values and order of each office's share are
# FILE's.
offices() {
	_oh=$1
	_of=$2
	_od=$T/offices
	mkdir -p "$_od"
	_oroot=$("$P" --dir "$_oh" info --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("root") or j["key"])') || return 1
	_ohome=$("$P" --dir "$_oh" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["region"])') || return 1
	# One file per owner, named by the owner's code ("nasional" for ""), owners by level.
	python3 - "$_of" "$_od" "$_ohome" <<'PY' >"$_od/.owners" || return 1
import json, sys
src, out, home = sys.argv[1:4]
shares, dels = {}, []
for line in open(src, encoding="utf-8"):
    if not line.strip():
        continue
    o = json.loads(line)
    w = o.get("wilayah", home)
    owner = w if w.count(".") < 2 else w[:5]
    if not (home == "" or owner == home or owner.startswith(home + ".")):
        sys.exit("offices: %r is outside the home node's region %r" % (w, home))
    if o.pop("_lalu_dihapus", False):
        dels.append("%s %s %s" % (owner or "nasional", o["collection"], o["key"]))
        line = json.dumps(o, ensure_ascii=False)
    shares.setdefault(owner, []).append(line if line.endswith("\n") else line + "\n")
for owner in sorted(shares, key=lambda o: (len(o), o)):
    open("%s/%s.jsonl" % (out, owner or "nasional"), "w", encoding="utf-8").writelines(shares[owner])
    print(owner or "nasional")
open("%s/.deletes" % out, "w").write("".join(d + "\n" for d in dels))
PY
	while read -r _oo; do
		if [ "$_oo" = "${_ohome:-nasional}" ]; then
			"$P" --dir "$_oh" import "$_od/$_oo.jsonl" >/dev/null 2>"$_od/.err" ||
				{ cat "$_od/.err" >&2; return 1; }
			continue
		fi
		_office "$_oh" "$_ohome" "$_oroot" "$_oo" || return 1
		# What HOME holds first, as replication would have brought it (the directives a
		# tindak_lanjut names, SPEC section 5 "References").
		bring "$_oh" "$_od/n-$_oo" || return 1
		"$P" --dir "$_od/n-$_oo" import "$_od/$_oo.jsonl" >/dev/null 2>"$_od/.err" &&
			"$P" --dir "$_od/n-$_oo" bundle create -o "$_od/$_oo.bundle" >/dev/null \
				2>"$_od/.err" &&
			"$P" --dir "$_oh" bundle apply "$_od/$_oo.bundle" >/dev/null 2>"$_od/.err" ||
			{ cat "$_od/.err" >&2; return 1; }
	done <"$_od/.owners"
	# Records marked "_lalu_dihapus": true are deleted by their owner once every share is in
	# (a directive withdrawn after a follow-up named it), and the delete brought to HOME.
	while read -r _oo _oc _ok; do
		if [ "$_oo" = "${_ohome:-nasional}" ]; then
			"$P" --dir "$_oh" del "$_oc" "$_ok" >/dev/null 2>"$_od/.err" ||
				{ cat "$_od/.err" >&2; return 1; }
		else
			"$P" --dir "$_od/n-$_oo" del "$_oc" "$_ok" >/dev/null 2>"$_od/.err" &&
				bring "$_od/n-$_oo" "$_oh" || { cat "$_od/.err" >&2; return 1; }
		fi
	done <"$_od/.deletes"
}

# bring FROM TO: what node FROM holds comes to node TO in a bundle (`bundle create` at FROM,
# `bundle apply` at TO), checked there like any received changeset. Returns 0, or 1 with what
# failed on stderr.
bring() {
	"$P" --dir "$1" bundle create -o "$T/.bring" >/dev/null 2>"$T/.bring.err" &&
		"$P" --dir "$2" bundle apply "$T/.bring" >/dev/null 2>"$T/.bring.err" ||
		{ cat "$T/.bring.err" >&2; return 1; }
}

# at HOME REGION ARGS...: runs `pokjactl ARGS` at the node that owns REGION's records (SPEC
# section 5): HOME itself when REGION is HOME's own, else the office below HOME (made by
# `office`), and then brings what that office holds to HOME. Its stdout and stderr are the
# command's; its status the command's, or 1 when the office or the bundle failed.
at() {
	_ah=$1
	_ar=$2
	shift 2
	case $_ar in
	*.*.*) _ao=$(printf '%.5s' "$_ar") ;;
	*) _ao=$_ar ;;
	esac
	_ad=$_ah
	if [ "$_ao" != "$("$P" --dir "$_ah" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["region"])')" ]; then
		office "$_ah" "$_ao" || return 1
		_ad=$T/offices/n-$_ao
	fi
	"$P" --dir "$_ad" "$@"
	_ars=$?
	[ "$_ad" = "$_ah" ] || bring "$_ad" "$_ah" || return 1
	return $_ars
}

# office HOME CODE: the node $T/offices/n-CODE (made once), certified offline below the certified
# node HOME (by the office of CODE's province when that lies below HOME): the office that owns
# CODE's records. Returns 0, or 1 with what failed on stderr.
office() {
	mkdir -p "$T/offices"
	"$P" --dir "$1" info --json >"$T/offices/.info" 2>"$T/offices/.err" ||
		{ cat "$T/offices/.err" >&2; return 1; }
	_office "$1" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["region"])' "$T/offices/.info")" \
		"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j.get("root") or j["key"])' "$T/offices/.info")" "$2"
}

# _office HOME HOMEREGION ROOT CODE: the node $T/offices/n-CODE, certified offline by its
# parent (HOME, or the office of CODE's province when that lies below HOME), once.
_office() {
	[ -d "$T/offices/n-$4" ] && return 0
	_opar=$1
	case $4 in
	*.*) [ "${4%%.*}" = "$2" ] || { _office "$1" "$2" "$3" "${4%%.*}" || return 1; _opar=$T/offices/n-${4%%.*}; } ;;
	esac
	"$P" --dir "$T/offices/n-$4" init --region "$4" --root "$3" >/dev/null 2>"$T/offices/.err" &&
		"$P" --dir "$T/offices/n-$4" request -o "$T/offices/$4.req" >/dev/null 2>"$T/offices/.err" &&
		"$P" --dir "$_opar" certify "$T/offices/$4.req" -o "$T/offices/$4.set" >/dev/null \
			2>"$T/offices/.err" &&
		"$P" --dir "$T/offices/n-$4" install-cert "$T/offices/$4.set" >/dev/null \
			2>"$T/offices/.err" ||
		{ cat "$T/offices/.err" >&2; return 1; }
}

done_testing() {
	echo "1..$_n"
	if [ "$_failed" -gt 0 ]; then
		echo "# $_failed of $_n tests failed"
		exit 1
	fi
	[ "$_n" -gt 0 ] || exit 1
	exit 0
}

# The python3 that has openpyxl (Debian's python3-openpyxl), to read workbooks back: the system
# one even where another python3 comes first on PATH; nothing when none has it.
openpyxl_python() {
	for _py in python3 /usr/bin/python3; do
		if "$_py" -c 'import openpyxl' 2>/dev/null; then
			echo "$_py"
			return
		fi
	done
}
