#!/bin/sh
# Builds and runs the libFuzzer targets (tests/fuzz/fuzz_*.c) for a bounded time.
#
#   run.sh --probe       exits 0 only when clang can build and link a libFuzzer target
#   run.sh --seconds N   builds every target into $BUILD/fuzz/ (BUILD defaults to build), runs
#                        each for N seconds on a temporary copy of its seed corpus
#                        (tests/fuzz/corpus/NAME/, never written to), and prints one TAP line
#                        per target; exits 1 when any target failed to build or found a crash
#
# The whole run takes N seconds per target plus build time (about 3 s a target). A failing
# target's log and crash reproducer are kept in a temporary folder whose path is printed;
# everything else is removed. Set FUZZ_CC to use another clang.
set -u
BUILD=${BUILD:-build}
FUZZ_CC=${FUZZ_CC:-clang}
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

usage() {
	echo "usage: $0 --probe | --seconds N" >&2
	exit 2
}

probe() {
	d=$(mktemp -d "${TMPDIR:-/tmp}/pokja-fuzzprobe.XXXXXX") || return 1
	cat >"$d/t.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return size > 0 && data[0] == 0x42 ? 0 : 0;
}
EOF
	# shellcheck disable=SC2086
	$FUZZ_CC $SAN "$d/t.c" -o "$d/t" >/dev/null 2>&1
	rc=$?
	rm -rf "$d"
	return $rc
}

case "${1:-}" in
--probe)
	[ $# -eq 1 ] || usage
	probe
	exit $?
	;;
--seconds)
	[ $# -eq 2 ] || usage
	seconds=$2
	case "$seconds" in
	'' | *[!0-9]*) usage ;;
	esac
	[ "$seconds" -gt 0 ] || usage
	;;
*)
	usage
	;;
esac

outdir=$BUILD/fuzz
mkdir -p "$outdir" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/pokja-fuzz.XXXXXX") || exit 2
keep=0
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ "$keep" -eq 0 ]; then
		rm -rf "$work"
	else
		rm -rf "$work"/*/corpus
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A guard in case libFuzzer itself hangs outside an input (its -timeout covers inputs).
guard=""
if command -v timeout >/dev/null 2>&1; then
	guard="timeout -k 10 $((seconds + 120))"
fi

n=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] && n=$((n + 1))
done
echo "1..$n"

k=0
failed=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	k=$((k + 1))
	base=$(basename "$src" .c)
	name=${base#fuzz_}
	bin=$outdir/$base
	dir=$work/$name
	mkdir -p "$dir/corpus" "$dir/artifacts"

	# A target names what it needs beyond proto/ in a " * fuzz-links: ..." header line.
	links=$(sed -n 's/^ \* fuzz-links: //p' "$src")
	# shellcheck disable=SC2086
	if ! $FUZZ_CC -g -O1 $SAN -std=c11 -D_GNU_SOURCE -I. "$src" proto/*.c $links \
		proto/wilayah_data.S -lmsgpackc -lsodium -ljansson -o "$bin" >"$dir/build.log" 2>&1; then
		echo "not ok $k - fuzz $name (build failed)"
		tail -n 20 "$dir/build.log" | sed 's/^/# /'
		failed=$((failed + 1))
		keep=1
		continue
	fi

	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -R "tests/fuzz/corpus/$name/." "$dir/corpus/"
	fi
	# shellcheck disable=SC2086
	$guard "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/fuzz.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs in .*/\1/p' "$dir/fuzz.log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $k - fuzz $name ($runs runs)"
		rm -rf "$dir"
		continue
	fi
	echo "not ok $k - fuzz $name"
	failed=$((failed + 1))
	keep=1
	for f in "$dir"/artifacts/*; do
		[ -f "$f" ] && echo "# reproducer: $f (run: $bin $f)"
	done
	echo "# exit status $rc; log: $dir/fuzz.log"
	# The report from its first line (sanitizer error, abort, timeout), then the log's end.
	awk 'f == 0 && /ERROR|runtime error|deadly signal|timeout after|out-of-memory/ { f = 1 }
		f > 0 && f <= 25 { print; f++ }' "$dir/fuzz.log" | sed 's/^/#   /'
	echo "#   ..."
	tail -n 6 "$dir/fuzz.log" | sed 's/^/#   /'
done

[ "$failed" -eq 0 ] || exit 1
exit 0
