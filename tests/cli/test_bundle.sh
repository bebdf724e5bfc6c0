#!/bin/sh
# pokjactl bundle create / apply: offline bundles (SPEC section 18) between a national node and
# provinces that never connect. What goes each way, applying twice, learning what the other
# side holds, the lineage rule, and every whole-bundle refusal leaving the store unchanged.
. tests/cli/lib.sh

R=$(dirname "$P")/tests/tools/bundle_resign
if [ ! -x "$R" ]; then
	echo "not ok 1 - the bundle_resign test tool exists ($R; run 'make unit' first)"
	echo "1..1"
	exit 1
fi

N=$T/nasional
J=$T/jabar
K=$T/jateng
B=$T/bundles
mkdir -p "$B"

key_of() { # dir: prints the node's key
	"$P" --dir "$1" info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}

join_offline() { # dir region: an offline join under the national node
	"$P" --dir "$1" init --region "$2" >/dev/null &&
		"$P" --dir "$1" request -o "$T/$2.req" 2>/dev/null &&
		"$P" --dir "$N" certify "$T/$2.req" -o "$T/$2.set" >/dev/null &&
		"$P" --dir "$1" install-cert "$T/$2.set" >/dev/null
}

# Checks the JSON of the last command's stdout (for commands that exit non-zero).
out_json() { # name pyexpr
	if _why=$(_jtest "$OUT" "$2"); then
		pass "$1"
	else
		fail "$1" "$_why
$(sed -n '1,30s/^/  /p' "$OUT")"
	fi
}

arahan() { # dir key region: a directive to a region
	"$P" --dir "$1" put arahan "$2" --json \
		"{\"judul\":\"Arahan $2\",\"isi\":\"Percepatan RP3KP\",\"wilayah_sasaran\":\"$3\"}"
}

kegiatan() { # dir key region
	"$P" --dir "$1" put kegiatan "$2" --json \
		"{\"nama\":\"Kegiatan $2\",\"tahun\":2026,\"wilayah\":\"$3\"}"
}

ok "init national" "$P" --dir "$N" init
ok "Jawa Barat (32) joins offline" join_offline "$J" 32
ok "Jawa Tengah (33) joins offline" join_offline "$K" 33
NK=$(key_of "$N")
JK=$(key_of "$J")
KK=$(key_of "$K")
ok "national writes a directive for 32" arahan "$N" arahan-32 32
ok "national writes a directive for 33" arahan "$N" arahan-33 33
ok "32 writes an activity" kegiatan "$J" keg-j1 32
ok "33 writes an activity" kegiatan "$K" keg-k1 33

# ---- usage
fails "bundle without a subcommand is a usage error" 2 "$P" --dir "$N" bundle
fails "an unknown subcommand is a usage error" 2 "$P" --dir "$N" bundle frob
fails "create without -o is a usage error" 2 "$P" --dir "$N" bundle create
fails "create with a FILE argument is a usage error" 2 "$P" --dir "$N" bundle create x -o "$B/x"
fails "apply without FILE is a usage error" 2 "$P" --dir "$J" bundle apply
fails "apply with two files is a usage error" 2 "$P" --dir "$J" bundle apply "$B/a" "$B/b"
fails "apply with -o is a usage error" 2 "$P" --dir "$J" bundle apply "$B/a" -o "$B/b"
fails "apply with --for is a usage error" 2 "$P" --dir "$J" bundle apply "$B/a" --for 32
outputs "help bundle names both forms" 'bundle apply \[--dir DIR\] FILE' "$P" help bundle
stdout_has "help bundle names --for" 'bundle create \[--dir DIR\] \[--for NODE\] -o FILE'

# ---- bad --for
errs "--for that is neither a key nor a region code" "64 digit heksadesimal" \
	"$P" --dir "$N" bundle create --for xyz -o "$B/bad"
same "bad --for exits 1" "$RC" 1
errs "--for an unknown key" "rantai sertifikat node [0-9a-f]{64} tidak disimpan di sini" \
	"$P" --dir "$N" bundle create --for "$(printf '%064d' 7)" -o "$B/bad"
errs "--for a region with no known node" "tidak ada node wilayah 35" \
	"$P" --dir "$N" bundle create --for 35 -o "$B/bad"
errs "--for this node itself" "node ini sendiri" "$P" --dir "$N" bundle create --for "$NK" -o "$B/bad"
errs "--for \"\" at the national node is itself" "node ini sendiri" \
	"$P" --dir "$N" bundle create --for "" -o "$B/bad"
check "no file from a refused create" test ! -e "$B/bad"

# ---- national -> 32: the first bundle carries the whole lineage
jcheck "create --for 32's key: the national node's 2 changesets, nothing known of 32" \
	"j['changesets'] == 2 and j['origins'] == 1 and j['heads_known'] is False and
	 j['for'] == '$JK' and j['creator'] == '$NK' and j['bytes'] > 0" \
	"$P" --dir "$N" bundle create --for "$JK" -o "$B/n-j1" --json
stderr_has "create says it carries the whole lineage" "seluruh garis hierarkinya"
same "the bundle file has mode 0644" "$(stat -c %a "$B/n-j1")" 644
same "the summary's byte count is the file's size" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$OUT")" \
	"$(wc -c <"$B/n-j1" | tr -d ' ')"
check "no temporary file left beside it" sh -c "! ls '$B' | grep -q tmp"
jcheck "32 applies it: 2 applied, nothing refused" \
	"j['ok'] is True and j['applied'] == 2 and j['already_held'] == 0 and
	 j['refused'] == 0 and j['outside_lineage'] == 0 and j['creator'] == '$NK' and
	 j['for'] == '$JK' and j['creator_region'] == ''" \
	"$P" --dir "$J" bundle apply "$B/n-j1" --json
jcheck "32 now holds the national directive" "j['judul'] == 'Arahan arahan-32'" \
	"$P" --dir "$J" get arahan arahan-32 --json
before=$(snapshot "$J")
jcheck "applying it again: nothing applied, 2 already held" \
	"j['ok'] is True and j['applied'] == 0 and j['already_held'] == 2" \
	"$P" --dir "$J" bundle apply "$B/n-j1" --json
same "applying it again changed nothing" "$(snapshot "$J")" "$before"
outputs "apply for people shows the counts" 'sudah dimiliki: +2' \
	"$P" --dir "$J" bundle apply "$B/n-j1"
stdout_has "apply for people names the creator" 'bundel dari node nasional'

# ---- 32 -> national, by region code: only 32's own changeset goes up
jcheck "32 creates for the national node (--for \"\"): only its own changeset" \
	"j['changesets'] == 1 and j['for'] == '$NK' and j['heads_known'] is True and
	 j['certificates'] >= 1" \
	"$P" --dir "$J" bundle create --for "" -o "$B/j-n1" --json
jcheck "the national node applies it" "j['ok'] is True and j['applied'] == 1" \
	"$P" --dir "$N" bundle apply "$B/j-n1" --json
jcheck "the national node holds 32's activity" "j['nama'] == 'Kegiatan keg-j1'" \
	"$P" --dir "$N" get kegiatan keg-j1 --json

# ---- what the national node learned of 32's heads makes its next bundle exact
jcheck "nothing new for 32: an empty bundle" "j['changesets'] == 0 and j['heads_known'] is True" \
	"$P" --dir "$N" bundle create --for "$JK" -o "$B/n-j-empty" --json
ok "national writes a second directive" arahan "$N" arahan-32b 32
ok "national writes an activity of its own" kegiatan "$N" keg-n1 ""
jcheck "the next bundle for 32 (by region code) holds exactly the 2 new changesets" \
	"j['changesets'] == 2 and j['for'] == '$JK'" \
	"$P" --dir "$N" bundle create --for 32 -o "$B/n-j2" --json
jcheck "32 applies the 2 new ones" "j['applied'] == 2 and j['already_held'] == 0" \
	"$P" --dir "$J" bundle apply "$B/n-j2" --json
outputs "apply for people, for this node" 'untuk node ini' \
	"$P" --dir "$J" bundle apply "$B/n-j2"

# ---- the lineage rule
jcheck "33 sends its activity up" "j['changesets'] == 1" \
	"$P" --dir "$K" bundle create --for "" -o "$B/k-n1" --json
ok "the national node applies 33's bundle" "$P" --dir "$N" bundle apply "$B/k-n1"
jcheck "a bundle for every node at the national node: 4 + 1 + 1 changesets, 3 origins" \
	"j['changesets'] == 6 and j['origins'] == 3 and j['for'] is None" \
	"$P" --dir "$N" bundle create -o "$B/n-all" --json
before=$(snapshot "$J")
jcheck "32 applies it: 33's changeset left out (outside its lineage), no refusal" \
	"j['ok'] is True and j['outside_lineage'] == 1 and j['already_held'] == 5 and
	 j['applied'] == 0 and j['refused'] == 0 and j['for'] is None" \
	"$P" --dir "$J" bundle apply "$B/n-all" --json
same "32 unchanged by the bundle for every node" "$(snapshot "$J")" "$before"
fails "32 does not hold 33's activity" 1 "$P" --dir "$J" get kegiatan keg-k1
outputs "apply for people counts what was left out" 'di luar hierarki: +1' \
	"$P" --dir "$J" bundle apply "$B/n-all"

ok "forge: the bundle for every node, re-signed by the national node as made for 32" \
	"$R" --dir "$N" --for "$JK" "$B/n-all" "$B/n-all-for-j"
errs "a bundle made for 32 that carries 33's changeset: refused as lineage, exit 1" \
	"1 changeset dan 0 sertifikat ditolak" \
	"$P" --dir "$J" bundle apply "$B/n-all-for-j"
errs "... logged with pokjad's tag and line (daemon/ingest.c, one way in)" \
	"warn apply-refused: from bundel .*n-all-for-j: origin [0-9a-f]{16} seq 1: lineage: " \
	"$P" --dir "$J" bundle apply "$B/n-all-for-j"
fails "the same with --json exits 1" 1 "$P" --dir "$J" bundle apply "$B/n-all-for-j" --json
out_json "--json names the lineage refusal, its origin and the rest held" \
	"j['ok'] is False and j['refused'] == 1 and j['refused_by_reason'] == {'lineage': 1} and
	 j['refusals'][0]['origin'] == '$KK' and j['refusals'][0]['seq'] == 1 and
	 j['refusals'][0]['reason'] == 'lineage' and j['already_held'] == 5"
same "32 still unchanged" "$(snapshot "$J")" "$before"
jcheck "32 counts lineage refusals" "j['refused'].get('lineage', 0) >= 2" \
	"$P" --dir "$J" status --json

jcheck "a bundle made for 32, applied at 33: what is in 33's lineage is applied" \
	"j['ok'] is True and j['applied'] == 2 and j['refused'] == 0" \
	"$P" --dir "$K" bundle apply "$B/n-j1" --json
stderr_has "apply notes that it was made for another node" "bukan node ini"
jcheck "33 now holds the national directive for 33" "j['judul'] == 'Arahan arahan-33'" \
	"$P" --dir "$K" get arahan arahan-33 --json

# ---- a brand new node is filled by its parent's bundle
L=$T/jatim
ok "Jawa Timur (35) joins offline" join_offline "$L" 35
LK=$(key_of "$L")
jcheck "a bundle for the new node: the national node's 4 changesets" "j['changesets'] == 4" \
	"$P" --dir "$N" bundle create --for 35 -o "$B/n-l" --json
jcheck "the new node applies it" "j['ok'] is True and j['applied'] == 4" \
	"$P" --dir "$L" bundle apply "$B/n-l" --json
jcheck "the new node lists the national directives" "len(j) == 3" \
	"$P" --dir "$L" list arahan --json

# ---- whole-bundle refusals: nothing applied, store unchanged
ok "national writes a third directive for 32" arahan "$N" arahan-32c 32
jcheck "until 32 answers, the national node sends again what it may hold (2 + 1)" \
	"j['changesets'] == 3" "$P" --dir "$N" bundle create --for "$JK" -o "$B/again" --json
jcheck "32's bundle back carries nothing new but its heads" "j['changesets'] == 0" \
	"$P" --dir "$J" bundle create --for "" -o "$B/j-n2" --json
ok "the national node applies it" "$P" --dir "$N" bundle apply "$B/j-n2"
jcheck "now the bundle for 32 holds just the new changeset" "j['changesets'] == 1" \
	"$P" --dir "$N" bundle create --for "$JK" -o "$B/good" --json
size=$(wc -c <"$B/good" | tr -d ' ')
before=$(snapshot "$J")

# ENOENT's text is glibc's (strerror): Indonesian where its catalog (libc-l10n) is installed.
NOFILE="Tidak ada berkas atau direktori|No such file"

refused() { # name pattern file: apply at 32 is refused whole and changes nothing
	errs "$1" "$2" "$P" --dir "$J" bundle apply "$3"
	same "$1: exit status 1" "$RC" 1
	stderr_has "$1: says nothing was applied" "tidak ada yang diterapkan|$NOFILE|bukan berkas biasa"
	same "$1: 32 unchanged" "$(snapshot "$J")" "$before"
}

flipped() { # offset: a copy of the good bundle with that byte flipped
	cp "$B/good" "$B/flip" && flip_byte "$B/flip" "$1"
}

flipped 0
refused "a flipped byte in the envelope header (0)" "bukan bundel" "$B/flip"
flipped 2
refused "a flipped byte in the body's length (2)" "bukan bundel" "$B/flip"
flipped 12
refused "a flipped byte in the bundle's tag" "tanda tangan bundel tidak valid|tag" "$B/flip"
flipped 30
refused "a flipped byte in the creator's key" "tanda tangan bundel tidak valid" "$B/flip"
flipped $((size - 66 - 40))
refused "a flipped byte inside the changeset" "tanda tangan bundel tidak valid" "$B/flip"
flipped $((size - 66 - 150))
refused "a flipped byte in the changeset's record" "tanda tangan bundel tidak valid" "$B/flip"
flipped -66
refused "a flipped byte in the signature's header" "bukan bundel" "$B/flip"
flipped -30
refused "a flipped byte in the signature" "tanda tangan bundel tidak valid" "$B/flip"
flipped -1
refused "a flipped last byte" "tanda tangan bundel tidak valid" "$B/flip"
head -c $((size - 1)) "$B/good" >"$B/trunc"
refused "a bundle one byte short" "bukan bundel" "$B/trunc"
head -c $((size / 2)) "$B/good" >"$B/trunc"
refused "half a bundle" "bukan bundel" "$B/trunc"
cat "$B/good" "$B/good" >"$B/twice"
refused "a bundle followed by more bytes" "bukan bundel" "$B/twice"
: >"$B/empty"
refused "an empty file" "berkas kosong" "$B/empty"
head -c 4096 /dev/urandom >"$B/garbage"
refused "random bytes" "bukan bundel" "$B/garbage"
refused "a join request given as a bundle" "bukan bundel" "$T/32.req"
refused "a file that does not exist" "$NOFILE" "$B/no-such"
refused "a folder" "bukan berkas biasa" "$B"

fails "--json of a refused bundle exits 1" 1 "$P" --dir "$J" bundle apply "$B/flip" --json
out_json "--json of a refused bundle says why" \
	"j['ok'] is False and j['reason'] == 'bad-signature' and 'diubah' in j['error']"

N2=$T/nasional2
ok "another national node (another network)" "$P" --dir "$N2" init
ok "it writes a directive" arahan "$N2" arahan-x 32
ok "it creates a bundle for every node" "$P" --dir "$N2" bundle create -o "$B/other"
refused "a bundle from another network" "jaringan lain" "$B/other"
ok "32 creates a bundle for every node" "$P" --dir "$J" bundle create -o "$B/j-all"
n2before=$(snapshot "$N2")
errs "32's bundle at the other national node: another network" "jaringan lain" \
	"$P" --dir "$N2" bundle apply "$B/j-all"
same "the other national node unchanged" "$(snapshot "$N2")" "$n2before"

M=$T/papua
ok "a node (36) whose certificate 32 never saw" join_offline "$M" 36
ok "forge: the good bundle re-signed by 36" "$R" --dir "$M" "$B/good" "$B/by-m"
refused "a bundle whose creator's certificates are neither carried nor held" \
	"rantai sertifikat" "$B/by-m"
ok "forge: the good bundle re-signed by 33 (whose certificate 32 holds)" \
	"$R" --dir "$K" "$B/good" "$B/by-k"

U=$T/pending
ok "an uncertified node" "$P" --dir "$U" init --region 34
ubefore=$(snapshot "$U")
errs "apply at an uncertified node is refused" "belum bersertifikat" \
	"$P" --dir "$U" bundle apply "$B/good"
same "uncertified apply exits 1" "$RC" 1
same "the uncertified node unchanged" "$(snapshot "$U")" "$ubefore"
errs "create at an uncertified node is refused" "belum bersertifikat" \
	"$P" --dir "$U" bundle create -o "$B/u"
check "no file from it" test ! -e "$B/u"

# The untouched bundles still apply: the refusals above were for the damage alone.
jcheck "33 may carry the national node's changeset to 32" \
	"j['ok'] is True and j['applied'] == 1 and j['creator'] == '$KK'" \
	"$P" --dir "$J" bundle apply "$B/by-k" --json
jcheck "the good bundle: already held now" "j['ok'] is True and j['already_held'] == 1" \
	"$P" --dir "$J" bundle apply "$B/good" --json
jcheck "32 holds the third directive" "j['judul'] == 'Arahan arahan-32c'" \
	"$P" --dir "$J" get arahan arahan-32c --json
ok "verify at 32 finds the store sound" "$P" --dir "$J" verify

done_testing
