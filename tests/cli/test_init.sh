#!/bin/sh
# pokjactl init, info, request, certify and install-cert: identities, regions and the certificate
# chain national -> province -> kabupaten/kota.
. tests/cli/lib.sh

N=$T/nasional
PROV=$T/jabar
KOTA=$T/bekasi

info_json() { # dir: prints info --json
	"$P" --dir "$1" info --json
}

# ---- national node
ok "init national" "$P" --dir "$N" init
check "national key file exists" test -f "$N/node.key"
same "national key file has mode 0600" "$(stat -c %a "$N/node.key" 2>&1)" "600"
check "national store exists" test -s "$N/store/data.mdb"
jcheck "info --json of national: region \"\", certified, level national" \
	'j["region"] == "" and j["certified"] is True and j["level"] == "national" and
	 j["key"] == j["root"] and len(j["key"]) == 64' \
	"$P" --dir "$N" info --json
NKEY=$(info_json "$N" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
outputs "info (text) names the node" "sertifikat: *ya$" "$P" --dir "$N" info

key_before=$(sha256sum <"$N/node.key")
errs "init twice is refused" "kunci node sudah ada" "$P" --dir "$N" init
same "init twice exits 1" "$RC" 1
fails "init twice with --region is refused" 1 "$P" --dir "$N" init --region 32
same "key file unchanged after a refused init" "$(sha256sum <"$N/node.key")" "$key_before"
same "key file mode unchanged after a refused init" "$(stat -c %a "$N/node.key")" "600"
jcheck "national node still national after a refused init" \
	'j["region"] == "" and j["certified"] is True' "$P" --dir "$N" info --json

# ---- region codes at init
for code in 3 32.7 abc 32. .32 32.750 "32 75"; do
	errs "init --region '$code' (not a code) refused" "bukan kode wilayah" \
		"$P" --dir "$T/bad-$code" init --region "$code"
	same "init --region '$code' exits 1" "$RC" 1
	check "init --region '$code' made no key" test ! -e "$T/bad-$code/node.key"
done
errs "init --region 32.99 (well formed, not official) refused" "tidak ada dalam daftar resmi" \
	"$P" --dir "$T/bad-3299" init --region 32.99
same "init --region 32.99 exits 1" "$RC" 1
check "init --region 32.99 made no key" test ! -e "$T/bad-3299/node.key"
fails "init --region 99 (no such province) refused" 1 "$P" --dir "$T/bad-99" init --region 99

# ---- an uncertified kabupaten/kota node
ok "init --region 32.75" "$P" --dir "$KOTA" init --region 32.75
same "kota key file has mode 0600" "$(stat -c %a "$KOTA/node.key" 2>&1)" "600"
jcheck "info --json of new kota: 32.75, kabupaten/kota, not certified, official name" \
	'j["region"] == "32.75" and j["level"] == "kabupaten/kota" and j["certified"] is False
	 and j["name"] == "Kota Bekasi"' \
	"$P" --dir "$KOTA" info --json
before=$(snapshot "$KOTA")
errs "uncertified node refuses put (message about its certificate)" "belum memiliki sertifikat" \
	"$P" --dir "$KOTA" put kegiatan --json '{"nama":"Rapat","tahun":2026}'
same "uncertified put exits 1" "$RC" 1
same "uncertified put changed nothing" "$(snapshot "$KOTA")" "$before"
ok "init --region 32 --name 'Pokja Jabar'" "$P" --dir "$PROV" init --region 32 --name "Pokja Jabar"
jcheck "province node has its --name and level province" \
	'j["name"] == "Pokja Jabar" and j["level"] == "province" and j["certified"] is False' \
	"$P" --dir "$PROV" info --json
fails "national node needs no request" 1 "$P" --dir "$N" request -o "$T/n.req"
fails "request without -o is a usage error" 2 "$P" --dir "$PROV" request

# ---- province 32 under national
ok "province: request" "$P" --dir "$PROV" request -o "$T/prov.req"
check "request file written" test -s "$T/prov.req"
ok "national: certify province" "$P" --dir "$N" certify "$T/prov.req" -o "$T/prov.cert"
check "certificate set written" test -s "$T/prov.cert"
ok "province: install-cert" "$P" --dir "$PROV" install-cert "$T/prov.cert"
jcheck "province certified, root is the national key" \
	"j['certified'] is True and j['region'] == '32' and j['root'] == '$NKEY'" \
	"$P" --dir "$PROV" info --json

# ---- kota 32.75 under the province (three levels)
ok "kota: request" "$P" --dir "$KOTA" request -o "$T/kota.req"
jcheck "province: certify --json" \
	'j["region"] == "32.75" and j["name"] == "Kota Bekasi" and len(j["subject"]) == 64' \
	"$P" --dir "$PROV" certify "$T/kota.req" -o "$T/kota.cert" --json
ok "kota: install-cert" "$P" --dir "$KOTA" install-cert "$T/kota.cert"
# A key keeps its one certificate (SPEC section 7): the same request again gets the same set.
ok "province: certify the same request again" \
	"$P" --dir "$PROV" certify "$T/kota.req" -o "$T/kota2.cert"
check "... and the set is the same, byte for byte" cmp -s "$T/kota.cert" "$T/kota2.cert"
ok "kota: install-cert of the same set again" "$P" --dir "$KOTA" install-cert "$T/kota2.cert"
jcheck "kota info --json: 32.75, kabupaten/kota, certified, root national" \
	"j['region'] == '32.75' and j['level'] == 'kabupaten/kota' and j['certified'] is True
	 and j['root'] == '$NKEY' and j['region_name'] == 'Kota Bekasi'" \
	"$P" --dir "$KOTA" info --json

# A real kecamatan and kelurahan of 32.75, from the official list.
KEC=$(awk -F, '$2 == "32.75" { print $1; exit }' proto/wilayah/districts.csv)
KEL=$(awk -F, -v k="$KEC" '$2 == k { print $1; exit }' proto/wilayah/villages.csv)
check "found a kecamatan ($KEC) and kelurahan ($KEL) of 32.75" \
	sh -c "case '$KEC/$KEL' in 32.75.??/32.75.??.????) exit 0;; esac; exit 1"

put_in() { # dir region -> runs put with that wilayah
	"$P" --dir "$1" put kegiatan --json "{\"nama\":\"Sosialisasi\",\"tahun\":2026,\"wilayah\":\"$2\"}"
}
ok "kota writes in 32.75" put_in "$KOTA" 32.75
ok "kota writes in its kecamatan $KEC" put_in "$KOTA" "$KEC"
ok "kota writes in its kelurahan $KEL" put_in "$KOTA" "$KEL"
ok "kota writes with the default region" \
	"$P" --dir "$KOTA" put kegiatan --json '{"nama":"Default","tahun":2026}'
outputs "default region is 32.75" '"wilayah": *"32.75"' \
	"$P" --dir "$KOTA" get kegiatan "$(cat "$OUT")" --json
before=$(snapshot "$KOTA")
for r in 32.73 33 32 "" 32.73.01; do
	errs "kota cannot write in '$r'" "berada di luar wilayah node ini" put_in "$KOTA" "$r"
	same "kota write in '$r' exits 1" "$RC" 1
done
same "refused writes changed nothing at the kota" "$(snapshot "$KOTA")" "$before"
ok "province writes in 32" put_in "$PROV" 32
# A lower level's records are its own (SPEC section 5, "Ownership"): the province and the
# national node act on them through records of their own, never by writing them.
before=$(snapshot "$PROV")
errs "province cannot write in 32.75: Kota Bekasi's own" \
	"rekaman wilayah '32\.75' milik node Kota Bekasi \(32\.75\).*verifikasi" \
	put_in "$PROV" 32.75
same "... exit 1" "$RC" 1
errs "province cannot write in a kecamatan of 32.01 either" \
	"rekaman wilayah '32\.01\.01' milik node Kabupaten Bogor \(32\.01\)" \
	put_in "$PROV" 32.01.01
same "refused writes changed nothing at the province" "$(snapshot "$PROV")" "$before"
fails "province cannot write in 33" 1 put_in "$PROV" 33
fails "province cannot write nationally" 1 put_in "$PROV" ""
errs "national cannot write in 33.01" "milik node Kabupaten Cilacap \(33\.01\)" \
	put_in "$N" 33.01
errs "national cannot write in 32 either" "milik node Jawa Barat \(32\)" \
	put_in "$N" 32
ok "national writes nationally" put_in "$N" ""
jcheck "kota info --json counts its own changesets" \
	"len(j['origins']) == 1 and j['origins'][0]['changesets'] == 4" \
	"$P" --dir "$KOTA" info --json

# ---- certify refusals
JATENG=$T/jateng-kab
ok "init --region 33.01 (outside the province)" "$P" --dir "$JATENG" init --region 33.01
ok "33.01: request" "$P" --dir "$JATENG" request -o "$T/jateng.req"
before=$(snapshot "$PROV")
errs "province 32 refuses to certify 33.01" "berada di luar wilayah node ini" \
	"$P" --dir "$PROV" certify "$T/jateng.req" -o "$T/jateng.cert"
same "certify outside exits 1" "$RC" 1
check "no certificate file for 33.01" test ! -e "$T/jateng.cert"
same "refused certify changed nothing at the province" "$(snapshot "$PROV")" "$before"
errs "kota refuses to certify 33.01" "berada di luar wilayah node ini" \
	"$P" --dir "$KOTA" certify "$T/jateng.req" -o "$T/jateng.cert"

PROV2=$T/jabar2
ok "a second node for region 32" "$P" --dir "$PROV2" init --region 32
ok "second 32: request" "$P" --dir "$PROV2" request -o "$T/prov2.req"
errs "an uncertified node cannot certify others" "belum memiliki sertifikat" \
	"$P" --dir "$PROV2" certify "$T/kota.req" -o "$T/x.cert"
errs "province refuses to certify its own region" "wilayah itu sendiri|di dalam wilayah" \
	"$P" --dir "$PROV" certify "$T/prov2.req" -o "$T/prov2.cert"
fails "certify --days 0 is refused" 1 \
	"$P" --dir "$N" certify "$T/prov2.req" -o "$T/prov2.cert" --days 0
fails "certify without -o is a usage error" 2 "$P" --dir "$N" certify "$T/prov2.req"
errs "certify of a missing request file fails" "no-such|No such" \
	"$P" --dir "$N" certify "$T/no-such.req" -o "$T/x.cert"

# Every single flipped byte of a request makes certify refuse it (exit 1).
size=$(wc -c <"$T/jateng.req")
ok "national: certify the untampered 33.01 request" \
	"$P" --dir "$N" certify "$T/jateng.req" -o "$T/jateng.cert"
before=$(snapshot "$N")
accepted=""
badrc=""
flip_each "$T/jateng.req" "$T/req-flips"
i=0
while [ "$i" -lt "$size" ]; do
	"$P" --dir "$N" certify "$T/req-flips/$i" -o "$T/tampered.cert" >/dev/null 2>"$ERR"
	rc=$?
	[ "$rc" -eq 0 ] && accepted="$accepted $i"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && badrc="$badrc $i:$rc"
	i=$((i + 1))
done
same "certify refuses a request with any one byte flipped ($size positions)" \
	"accepted at:$accepted" "accepted at:"
same "certify exits 1 for every tampered request" "other status at:$badrc" "other status at:"
check "no certificate set written for a tampered request" test ! -e "$T/tampered.cert"
same "tampered requests changed nothing at the national node" "$(snapshot "$N")" "$before"
cp "$T/req-flips/$((size - 1))" "$T/tampered.req"
errs "certify names the problem with the request" "tampered.req" \
	"$P" --dir "$N" certify "$T/tampered.req" -o "$T/tampered.cert"

# ---- install-cert refusals
BOGOR=$T/bogor
BOGOR2=$T/bogor2
ok "init 32.01" "$P" --dir "$BOGOR" init --region 32.01
ok "init another 32.01" "$P" --dir "$BOGOR2" init --region 32.01
ok "32.01: request" "$P" --dir "$BOGOR" request -o "$T/bogor.req"
ok "province certifies 32.01" "$P" --dir "$PROV" certify "$T/bogor.req" -o "$T/bogor.cert"

before=$(snapshot "$BOGOR2")
errs "install-cert of a set made for another node's key is refused" "." \
	"$P" --dir "$BOGOR2" install-cert "$T/bogor.cert"
same "install-cert for another key exits 1" "$RC" 1
jcheck "the other node stays uncertified" 'j["certified"] is False' \
	"$P" --dir "$BOGOR2" info --json
same "refused install-cert changed nothing" "$(snapshot "$BOGOR2")" "$before"
fails "and it still cannot write" 1 put_in "$BOGOR2" 32.01

before=$(snapshot "$BOGOR")
size=$(wc -c <"$T/bogor.cert")
accepted=""
badrc=""
flip_each "$T/bogor.cert" "$T/cert-flips"
i=0
while [ "$i" -lt "$size" ]; do
	"$P" --dir "$BOGOR" install-cert "$T/cert-flips/$i" >/dev/null 2>"$ERR"
	rc=$?
	[ "$rc" -eq 0 ] && accepted="$accepted $i"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && badrc="$badrc $i:$rc"
	# an accepted set would make the rest meaningless: start again from a clean node
	if [ "$rc" -eq 0 ]; then
		break
	fi
	i=$((i + 1))
done
same "install-cert refuses a set with any one byte flipped ($size positions)" \
	"accepted at:$accepted" "accepted at:"
same "install-cert exits 1 for every tampered set" "other status at:$badrc" "other status at:"
same "tampered sets changed nothing" "$(snapshot "$BOGOR")" "$before"
fails "install-cert of a truncated set is refused" 1 \
	sh -c 'head -c 100 "$1" >"$2" && "$P" --dir "$3" install-cert "$2"' sh \
	"$T/bogor.cert" "$T/trunc.cert" "$BOGOR"
fails "install-cert of a request file (wrong kind) is refused" 1 \
	"$P" --dir "$BOGOR" install-cert "$T/bogor.req"
fails "install-cert of an empty file is refused" 1 "$P" --dir "$BOGOR" install-cert /dev/null
fails "install-cert of a missing file is refused" 1 \
	"$P" --dir "$BOGOR" install-cert "$T/no-such.cert"
fails "install-cert without a file is a usage error" 2 "$P" --dir "$BOGOR" install-cert
ok "the untampered set installs" "$P" --dir "$BOGOR" install-cert "$T/bogor.cert"
jcheck "32.01 is now certified, regency level" \
	'j["certified"] is True and j["region"] == "32.01" and j["level"] == "kabupaten/kota"' \
	"$P" --dir "$BOGOR" info --json
ok "32.01 writes in 32.01" put_in "$BOGOR" 32.01
fails "32.01 cannot write in 32.75" 1 put_in "$BOGOR" 32.75

# ---- no node folder
errs "info on a missing node folder fails" "tidak ada node|init" "$P" --dir "$T/nothing" info
same "info on a missing node exits 1" "$RC" 1
jcheck "info --json parses for every node" 'j["certified"] is True' \
	"$P" --dir "$PROV" --json info

# ---- --root pins the national key
ROOTKEY=$("$P" --dir "$N" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
ok "init --root with the national key" "$P" init --dir "$T/pinned" --region 33 --root "$ROOTKEY"
ok "the pinned node writes a request" "$P" --dir "$T/pinned" request -o "$T/pinned.req"
ok "the national node certifies it" "$P" --dir "$N" certify "$T/pinned.req" -o "$T/pinned.cert"
ok "a set from the pinned root installs" "$P" --dir "$T/pinned" install-cert "$T/pinned.cert"
ok "init --root with another key" "$P" init --dir "$T/other" --region 33 \
	--root 0101010101010101010101010101010101010101010101010101010101010101
ok "that node writes a request" "$P" --dir "$T/other" request -o "$T/other.req"
ok "the national node certifies it too" "$P" --dir "$N" certify "$T/other.req" -o "$T/other.cert"
errs "a set from another root than the pinned one is refused" "akar nasional lain" \
	"$P" --dir "$T/other" install-cert "$T/other.cert"
jcheck "the refused node stays uncertified" 'j["certified"] is False' "$P" --dir "$T/other" info --json
fails "--root is refused for the national node" 1 "$P" init --dir "$T/natroot" --root "$ROOTKEY"
fails "--root must be 64 hex digits" 1 "$P" init --dir "$T/badroot" --region 33 --root abc

# ---- invite, revoke and init --join/--listen: bad input is refused and changes nothing
before=$(snapshot "$N")
fails "invite without --region is a usage error" 2 "$P" --dir "$N" invite --url tcp://127.0.0.1:7450
errs "invite without a listen address or --url is refused" "listen|--url" \
	"$P" --dir "$N" invite --region 33
errs "invite with a malformed --valid is refused" "valid" \
	"$P" --dir "$N" invite --region 33 --url tcp://127.0.0.1:7450 --valid soon
errs "invite for a region not on the official list is refused" "tidak ada dalam daftar resmi" \
	"$P" --dir "$N" invite --region 32.99 --url tcp://127.0.0.1:7450
errs "a province cannot invite outside its region" "berada di luar wilayah node ini" \
	"$P" --dir "$PROV" invite --region 33.01 --url tcp://127.0.0.1:7450
errs "a province cannot invite for its own region" "harus berada di dalam .*tidak boleh wilayah itu sendiri" \
	"$P" --dir "$PROV" invite --region 32 --url tcp://127.0.0.1:7450
outputs "invite with --url prints a pokja1- token" "^pokja1-" \
	"$P" --dir "$N" invite --region 34 --url tcp://127.0.0.1:7450
NATKEY=$("$P" --dir "$N" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
errs "revoke takes a 64-digit key" "64 digit heksadesimal" "$P" --dir "$N" revoke abc
errs "a province cannot revoke the national node" "bukan node yang disertifikasi di bawah" \
	"$P" --dir "$PROV" revoke "$NATKEY"
errs "revoke of an unknown key is refused" "bukan node yang disertifikasi di bawah" \
	"$P" --dir "$N" revoke 0101010101010101010101010101010101010101010101010101010101010101
same "refused invites and revocations wrote no changeset" "$(snapshot "$N")" "$before"
errs "init --join with garbage is refused" "bukan token undangan" \
	"$P" init --dir "$T/garbage-join" --join pokja1-AAAA
check "a refused join leaves no key behind" test ! -e "$T/garbage-join/node.key"
errs "init --join with --region is refused" "jangan gunakan --region" \
	"$P" init --dir "$T/both" --join pokja1-AAAA --region 32
errs "init --listen takes a tcp:// URL" "tcp://" "$P" init --dir "$T/badlisten" --listen 7450
errs "init --join to a parent that is not running fails cleanly" "gagal bergabung" \
	sh -c 'tok=$("$1" --dir "$2" invite --region 35 --url tcp://127.0.0.1:9 2>/dev/null) &&
		"$1" init --dir "$3" --join "$tok"' sh "$P" "$N" "$T/nojoin"
check "a failed join leaves no key or store behind" \
	sh -c '! test -e "$1/node.key" && ! test -e "$1/store/data.mdb"' sh "$T/nojoin"

done_testing
