#!/bin/sh
# Runs every test: unit tests (cmocka, TAP output), CLI tests (shell, TAP output) and, when clang's
# libFuzzer is available, each fuzz target for a short bounded time. Ends with "N passed, N failed".
# Each test program prints TAP lines ("ok N - name" / "not ok N - name"); this script counts them.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
out=$(mktemp -d "${TMPDIR:-/tmp}/pokja-test.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
pass=0
fail=0
crashed=""

run_one() { # name, command...
	name=$1
	shift
	log="$out/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
		echo "FAIL $name (exit $rc, $p passed, $f failed)"
		grep -v '^ok ' "$log" | tail -n 40 | sed 's/^/    /'
		if [ "$f" -eq 0 ]; then
			fail=$((fail + 1)) # a crash or a run with no test counts as a failure
			crashed="$crashed $name"
		fi
	else
		echo "ok   $name ($p)"
	fi
}

echo "== unit tests"
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done

echo "== CLI tests"
for t in tests/cli/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done

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

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
