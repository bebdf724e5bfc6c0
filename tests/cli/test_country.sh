#!/bin/sh
# The country benchmark at its smallest (issue 11, point 5): tests/bench/country.sh with the
# national node, the first 2 provinces of the official list and 6 kabupaten/kota under them
# (the first 3 of each), 9 pokjad on loopback joined by invite tokens. Every node joins and
# replicates, the national arahan reaches all 6 districts and every district's kegiatan the
# national node, each arrival time read from the receiving node's own log is sane (not before
# the write, within 10 s of it), every store verifies and every pokjad stops cleanly; the
# bench's folder is gone afterwards, and a province that is not on the list is refused before
# anything starts. About 15 s.
. tests/cli/lib.sh

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
BOUND_MS=10000

# The districts the bench should take: the first 3 kabupaten/kota of each of the first 2
# provinces, from the list itself.
tail -n +2 proto/wilayah/provinces.csv | head -n 2 | cut -d, -f1 >"$T/provs"
want=$(tail -n +2 proto/wilayah/regencies.csv | awk -F, -v p="$(tr '\n' ' ' <"$T/provs")" '
	BEGIN { split(p, a, " "); for (i in a) ok[a[i]] = 1 }
	($2 in ok) && seen[$2]++ < 3 { print "k-" $1 }' | sort | tr '\n' ' ')

ok "country.sh with 1 + 2 + 6 nodes" env PROVINCES=2 DISTRICTS=6 IDLE_SECONDS=2 IDLE_SETTLE=1 \
	VERIFY=1 ARRIVALS="$T/arrivals" WAIT_SECONDS=30 sh tests/bench/country.sh
cp "$OUT" "$T/figures"

fig() { # line key: the value of key= on the line that starts with "line:"
	sed -n "s/^$1: .*\\b$2=\\([^ ]*\\).*/\\1/p" "$T/figures"
}
same "9 nodes: 2 provinces, 6 districts" "2 6 9" \
	"$(fig country provinces) $(fig country districts) $(fig country nodes)"
same "all 8 children opened a session with their parent" "8 8" \
	"$(fig country-join children) $(fig country-join sessions)"
same "the national node committed a changeset of each of the 8" 8 "$(fig country-join replicating)"
same "the arahan is held by all 6 districts" "6 6" \
	"$(fig country-arahan nodes) $(fig country-arahan held)"
same "every district's kegiatan is held by the national node" "6 6" \
	"$(fig country-kegiatan nodes) $(fig country-kegiatan held)"
same "every store verifies" "9 9" "$(fig country-verify nodes) $(fig country-verify ok)"
same "every pokjad stopped cleanly" 9 "$(fig country-stop clean)"
check "the memory and idle lines are there" grep -q "^country-idle: seconds=2 cpu_pct=" "$T/figures"
check "threads are counted for all" test "$(fig country-memory threads)" -ge 9

# Each arrival line: "arahan|kegiatan NAME WRITE_MS ARRIVAL_MS DELAY_MS".
same "the arahan arrived at the 6 districts of the list" "$want" \
	"$(awk '$1 == "arahan" { print $2 }' "$T/arrivals" | sort | tr '\n' ' ')"
same "a kegiatan of each of the 6 arrived at the national node" "$want" \
	"$(awk '$1 == "kegiatan" { print $2 }' "$T/arrivals" | sort | tr '\n' ' ')"
bad=$(awk -v b="$BOUND_MS" '!($4 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $5 == $4 - $3 &&
	$5 >= 0 && $5 <= b) { print }' "$T/arrivals")
same "every arrival time is read, not before its write and within $BOUND_MS ms" "" "$bad"
same "the arahan's arrival lines name one write time" 1 \
	"$(awk '$1 == "arahan" { print $3 }' "$T/arrivals" | sort -u | wc -l | tr -d ' ')"

check "the bench's folder is removed" test -z "$(ls -A "$TMPDIR")"

errs "a province not on the list is refused" "99 is not a province of the official list" \
	env PROVINCES=11,99 sh tests/bench/country.sh
check "... before anything starts, and its folder is removed" test -z "$(ls -A "$TMPDIR")"
done_testing
