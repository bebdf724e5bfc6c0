#!/bin/sh
# Runs every benchmark (tests/bench/X.c, built by `make bench` into $BUILD/tests/bench/X) in turn
# and prints their summary lines. Not part of `make check`: each takes up to a minute and the
# figures depend on the machine. Exits 1 when any benchmark is missing or fails.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

failed=0
for src in tests/bench/*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	bin=$BUILD/tests/bench/$name
	if [ ! -x "$bin" ]; then
		echo "bench $name: $bin is not built (make bench builds it)" >&2
		failed=$((failed + 1))
		continue
	fi
	"$bin"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench $name: FAILED (exit status $rc)" >&2
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
