#!/bin/sh
# The region table generator (proto/wilayah/gen_table.c, run by make): the official CSV files give
# the table the library holds; each kind of bad row stops it with FILE:LINE and the reason, and
# no table is written. Only the generator runs here; no daemon.
. tests/cli/lib.sh

G=$_bin/gen_table
if [ ! -x "$G" ]; then
	echo "not ok 1 - the generator exists ($G; run 'make' first)"
	echo "1..1"
	exit 1
fi
W=proto/wilayah

ok "the official files give a table" "$G" "$T/t.c" $W/provinces.csv $W/regencies.csv \
	$W/districts.csv $W/villages.csv
check "... with every row and the national entry (91,600 entries)" \
	grep -q '^const size_t pk_wilayah_count = 91600;$' "$T/t.c"
check "... sorted by code (Aceh's first kabupaten after Aceh)" \
	sh -c "grep -n '^    {\"11\"\\|^    {\"11.01\"' '$T/t.c' | head -2 | cut -d: -f1 | sort -n -c"
check "... names with quotes escaped" grep -q 'Soka\\"an' "$T/t.c"
cmp -s "$T/t.c" "$_bin/proto/wilayah_table.c"
same "... and the same bytes as the build's table" "$?" 0

# A small edition to break one row at a time: the province and kabupaten files, real headers.
printf 'code,name\n32,Jawa Barat\n33,Jawa Tengah\n' >"$T/p.csv"
printf 'code,province_code,name\n32.75,32,Kota Bekasi\n' >"$T/r.csv"
printf 'code,regency_code,name\n32.75.01,32.75,Bekasi Barat\n' >"$T/d.csv"
printf 'code,district_code,name\n32.75.01.1001,32.75.01,Bintara\n' >"$T/v.csv"
ok "a small good edition gives a table" "$G" "$T/s.c" "$T/p.csv" "$T/r.csv" "$T/d.csv" "$T/v.csv"
check "... of six entries" grep -q '^const size_t pk_wilayah_count = 6;$' "$T/s.c"

bad() { # name, the regencies file's text, the expected "FILE:LINE: reason" pattern
	printf '%b' "$2" >"$T/bad.csv"
	rm -f "$T/bad.c"
	errs "$1" "$3" "$G" "$T/bad.c" "$T/p.csv" "$T/bad.csv" "$T/d.csv" "$T/v.csv"
	check "... and no table is written" test ! -e "$T/bad.c"
}
H='code,province_code,name\n'
bad "a wrong header" 'code,name\n32.75,Kota Bekasi\n' 'bad.csv:1: the header should be'
bad "a code of another level" "${H}32.75,32,Kota Bekasi\n32,32,Jawa\n" \
	"bad.csv:3: '32' is not a region code of this file's level"
bad "not a code at all" "${H}32.7x,32,Kota\n" "bad.csv:2: '32.7x' is not a region code"
bad "a parent column that is not the parent" "${H}32.75,33,Kota Bekasi\n" \
	"bad.csv:2: the parent column '33' is not the parent of '32.75'"
bad "a parent not on the list" "${H}34.01,34,Kulon Progo\n" \
	"bad.csv:2: the parent '34' of '34.01' is not on the list"
bad "an empty name" "${H}32.75,32,\n" "bad.csv:2: '32.75' has no name"
bad "a name that is not UTF-8" "${H}32.75,32,Kota \\0377Bekasi\n" "bad.csv:2: the name of '32.75' is not UTF-8"
bad "a control character in a name" "${H}32.75,32,Kota\\tBekasi\n" "bad.csv:2: the name of '32.75' is not UTF-8"
bad "too few columns" "${H}32.75,Kota Bekasi\n" "bad.csv:2: only two columns"
bad "too many columns" "${H}32.75,32,Kota,Bekasi\n" "bad.csv:2: more columns than"
bad "an unterminated quote" "${H}32.75,32,\"Kota Bekasi\n" "bad.csv:2: a quoted field has no closing quote"
bad "bytes after a closing quote" "${H}32.75,32,\"Kota\"x\n" "bad.csv:2: bytes after a closing quote"
bad "a code twice" "${H}32.75,32,Kota Bekasi\n32.75,32,Bekasi lagi\n" "bad.csv: '32.75' is listed twice"
bad "an empty line" "${H}32.75,32,Kota Bekasi\n\n32.76,32,Kota Depok\n" "bad.csv:3: an empty line"
bad "a newline inside a quoted name" "${H}32.75,32,\"Kota\nBekasi\"\n" \
	"bad.csv:2: the name of '32.75' is not UTF-8"
errs "a missing file" "nope.csv: cannot open" "$G" "$T/x.c" "$T/nope.csv" "$T/r.csv" "$T/d.csv" "$T/v.csv"
fails "the wrong number of arguments" 2 "$G" "$T/x.c"

done_testing
