#!/bin/sh
# --help matches the README: every command's usage line that `pokjactl help` lists stands in the
# README's "Commands" table as `pokjactl USAGE` (with "|" written "\|" inside the table), `pokjactl
# help COMMAND` starts with the same line, an unknown command is a usage error that says where to
# look, and pokjad's usage line is the README's. pokjactl speaks Indonesian here, its default; the
# usage lines (options, command names) are the same in every language.
. tests/cli/lib.sh

ok "pokjactl help" "$P" help
sed -n 's/^  pokjactl //p' "$OUT" | sed -e 's/ | bundle apply /\
bundle apply /' -e 's/ | user /\
user /g' >"$T/usages"
check "help lists the commands" test "$(grep -c '' "$T/usages")" -ge 20
while IFS= read -r usage; do
	escaped=$(printf '%s' "$usage" | sed 's/|/\\|/g')
	check "README has \`pokjactl $usage\`" grep -qF "\`pokjactl $escaped\`" README.md
done <"$T/usages"
for cmd in $(cut -d' ' -f1 "$T/usages" | sort -u); do
	ok "pokjactl help $cmd" "$P" help "$cmd"
	line=$(head -n 1 "$OUT")
	first=$(grep -m1 "^$cmd " "$T/usages")
	check "help $cmd opens with its usage line" test "$line" = "penggunaan: pokjactl $first" -o \
		"$(printf '%s' "$line" | cut -c1-$((${#first} + 21)))" = "penggunaan: pokjactl $first"
done
errs "an unknown command is refused and points to help" "tidak ada perintah 'nosuch' \(lihat 'pokjactl help'\)" "$P" nosuch
check "... as a usage error (exit 2)" test "$RC" -eq 2

ok "pokjad --help" "$PD" --help
pusage=$(sed -n 's/^usage: pokjad //p' "$OUT")
check "pokjad's usage is README's" grep -qF "\`pokjad $pusage [--version]\`" README.md
for opt in $(grep -o '^  --[a-z-]*' "$OUT"); do
	check "README names pokjad $opt" grep -qF -- "$opt" README.md
done
done_testing
