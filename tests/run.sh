#!/bin/sh
# Runs every test: unit tests (cmocka, TAP output), CLI tests (shell, TAP output), the style check
# and, when clang's libFuzzer is available, each fuzz target for FUZZ_SECONDS (default 10). Then,
# when set, in two sanitizer builds (made by `make check`):
#
#   ASAN_BUILD   a -fsanitize=address,undefined build: the unit and CLI tests again
#   TSAN_BUILD   a -fsanitize=thread build: the CLI tests that run pokjad in the background
#                (those that source tests/cli/net.sh or start "$PD" ... &), except those with a
#                line "# not under tsan: WHY" (printed)
#   A CLI test with a line "# not under sanitizers: WHY" runs in the plain phase only (printed).
#
# In a sanitizer run each test gets its own report folder: ASAN_OPTIONS, UBSAN_OPTIONS and
# TSAN_OPTIONS stop a program at its first report with a non-zero exit and write the report there
# (log_path), for the test's own programs and every daemon it starts; a test after which any
# report file exists fails, whatever its TAP lines say. SANITIZE=... (set by `make SANITIZE=...
# check`) marks $BUILD itself as a sanitizer build and gets the same treatment.
#
# Each test program prints TAP lines ("ok N - name" / "not ok N - name"); this script counts them
# over all phases and ends with one line "N passed, N failed".
set -u
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-}
TSAN_BUILD=${TSAN_BUILD:-}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=$(mktemp -d "${TMPDIR:-/tmp}/pokja-test.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
pass=0
fail=0
crashed=""
phase=main # a prefix for the names of the tests in a sanitizer phase
san=""     # "": no sanitizer; else the sanitizer set of the build under test

# The sanitizers' options for one test, reports written under $1.
san_env() { # dir
	ASAN_OPTIONS="halt_on_error=1:exitcode=86:detect_leaks=1:handle_sigill=1:log_path=$1/asan"
	UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1:log_path=$1/ubsan"
	TSAN_OPTIONS="halt_on_error=1:exitcode=88:second_deadlock_stack=1:log_path=$1/tsan"
	LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0" # see the file
	export ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS LSAN_OPTIONS
}

run_one() { # name, command...
	name=$1
	shift
	[ "$phase" = main ] || name="$phase/$name"
	tag=$(echo "$name" | tr '/ ' '__')
	log="$out/$tag.log"
	reports=""
	if [ -n "$san" ]; then
		reports="$out/san/$tag"
		mkdir -p "$reports"
	fi
	(
		[ -z "$reports" ] || san_env "$reports"
		exec "$@"
	) >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	found=""
	if [ -n "$reports" ]; then
		found=$(find "$reports" -type f | sort)
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] || [ "$p" -eq 0 ] || [ -n "$found" ]; then
		echo "FAIL $name (exit $rc, $p passed, $f failed)"
		grep -v '^ok ' "$log" | tail -n 40 | sed 's/^/    /'
		for r in $found; do
			echo "    sanitizer report $(basename "$r"):"
			head -n 40 "$r" | sed 's/^/      /'
		done
		if [ "$f" -eq 0 ] || [ -n "$found" ]; then
			fail=$((fail + 1)) # a crash, a run with no test or a sanitizer report is a failure
			crashed="$crashed $name"
		fi
	else
		echo "ok   $name ($p)"
	fi
}

unit_tests() {
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
	done
}

cli_tests() { # all | daemons
	for t in tests/cli/test_*.sh; do
		[ -f "$t" ] || continue
		if [ "$1" = daemons ] &&
			! grep -q -e 'net\.sh' -e '"\$PD"[^|#]*&[[:space:]]*$' "$t"; then
			continue
		fi
		# A test that says why it cannot run under TSan (a line "# not under tsan: WHY") is
		# left out of that phase, and the reason printed; it runs in the others.
		why=$(sed -n 's/^# not under tsan: //p' "$t")
		if [ "$1" = daemons ] && [ -n "$why" ]; then
			echo "   (cli/$(basename "$t" .sh) left out under tsan: $why)"
			continue
		fi
		# A test of something no sanitizer build reaches (a line "# not under sanitizers: WHY")
		# runs in the plain phase only.
		why=$(sed -n 's/^# not under sanitizers: //p' "$t")
		if [ -n "$san" ] && [ -n "$why" ]; then
			echo "   (cli/$(basename "$t" .sh) left out under $san: $why)"
			continue
		fi
		run_one "cli/$(basename "$t" .sh)" sh "$t"
	done
}

san=${SANITIZE:-}
echo "== unit tests${san:+ (sanitize=$san)}"
unit_tests

echo "== CLI tests${san:+ (sanitize=$san)}"
cli_tests all

san=""
echo "== style"
if command -v clang-format >/dev/null 2>&1; then
	run_one "style" sh tests/style.sh
else
	echo "skip style: clang-format not installed"
fi

echo "== fuzz targets (bounded)"
if sh tests/fuzz/run.sh --probe >/dev/null 2>&1; then
	run_one "fuzz" sh tests/fuzz/run.sh --seconds "${FUZZ_SECONDS:-10}"
else
	echo "skip fuzz: clang with libFuzzer not available"
fi

if [ -n "$ASAN_BUILD" ]; then
	echo "== unit and CLI tests in $ASAN_BUILD (sanitize=address,undefined)"
	BUILD=$ASAN_BUILD SANITIZE=address,undefined
	export SANITIZE
	phase=asan san=$SANITIZE
	unit_tests
	cli_tests all
fi

if [ -n "$TSAN_BUILD" ]; then
	echo "== CLI tests that run daemons, in $TSAN_BUILD (sanitize=thread)"
	BUILD=$TSAN_BUILD SANITIZE=thread
	export SANITIZE
	phase=tsan san=$SANITIZE
	cli_tests daemons
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
