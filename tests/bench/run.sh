#!/bin/sh
# Runs every benchmark in turn and prints their summary lines: each tests/bench/X.c (built by
# `make bench` into $BUILD/tests/bench/X), then each tests/bench/X.sh but this one (run with sh).
# Not part of `make check`: each takes up to a minute or so (country.sh, 553 daemons, about six)
# and the figures depend on the machine. Exits 1 when any benchmark is missing or fails.
set -u
BUILD=${BUILD:-build}
export BUILD
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

failed=0
report() { # name rc
	if [ "$2" -ne 0 ]; then
		echo "bench $1: FAILED (exit status $2)" >&2
		failed=$((failed + 1))
	fi
}
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
	report "$name" $?
done
for src in tests/bench/*.sh; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .sh)
	[ "$name" = run ] && continue
	sh "$src"
	report "$name" $?
done
[ "$failed" -eq 0 ]
