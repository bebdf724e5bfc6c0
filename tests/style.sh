#!/bin/sh
# Checks that every C file follows the committed .clang-format (STYLE.md point 10): one TAP line.
# `make format` rewrites the files that fail.
set -u
bad=""
for f in proto/*.[ch] proto/wilayah/*.c daemon/*.[ch] cli/*.[ch] tests/*/*.[ch]; do
	[ -f "$f" ] || continue
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad="$bad $f"
	fi
done
if [ -z "$bad" ]; then
	echo "ok 1 - every C file is formatted as .clang-format says"
else
	echo "not ok 1 - every C file is formatted as .clang-format says"
	echo "# run 'make format'; these differ:$bad"
fi
echo "1..1"
