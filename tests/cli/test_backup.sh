#!/bin/sh
# backup, restore and allow-writes. A three-level network on loopback (national, province 32,
# Kota Bekasi 32.75): a hot backup of the province taken while it writes; the province restored
# from it after more writes everywhere gets back what came from above, from below and its own
# later changesets, and refuses local writes until it has them; then the national node restored
# the same way gets its own later directives back from its child. What a session taught the
# province about its district then serves an exact bundle for it while it is offline. Then the
# override, and every kind of bad backup or misuse, each leaving the node as it was.
. tests/cli/lib.sh
. tests/cli/net.sh

# put NODE KEY: a kegiatan written at NODE (in its own region).
put() {
	"$P" --dir "$T/$1" put kegiatan "$2" --json "{\"nama\":\"$2\",\"tahun\":2026}" >/dev/null
}
# arahan NODE KEY: a directive written at NODE for the whole of its region.
arahan() {
	"$P" --dir "$T/$1" put arahan "$2" --json \
		"{\"judul\":\"$2\",\"isi\":\"Segera ditindaklanjuti\",\"wilayah_sasaran\":\"32\"}" \
		>/dev/null
}
has_arahan() { # node key
	"$P" --dir "$T/$1" get arahan "$2" >/dev/null 2>&1
}
no_fork() { # node: it knows of no forked origin
	jtrue "$1" 'j["forked"] == []' status
}
writes_are() { # node held|allowed
	jtrue "$1" "j['writes'] == '$2'" status
}

ok "init the national node" "$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
join k3275 p32 32.75

# ---- before the backup: one write at each level, everywhere it belongs
arahan nas a1 && put p32 p1 && put k3275 k1
if wait_for 15 has_arahan k3275 a1 && wait_for 15 all_have kegiatan k1 p32 nas &&
	wait_for 15 all_have kegiatan p1 nas k3275; then
	pass "a directive, a provincial and a district activity replicate"
else
	fail "a directive, a provincial and a district activity replicate" "$(tails nas p32 k3275)"
fi

# ---- a hot backup while the province writes
(
	i=0
	while [ $i -lt 40 ]; do
		put p32 "during-$i" || exit 1
		i=$((i + 1))
	done
) &
writer=$!
ok "backup while pokjad runs and pokjactl writes" "$P" --dir "$T/p32" backup "$T/p32.backup"
wait $writer
same "the writes during the backup all succeeded" "$?" 0
check "the backup is mode 0600 (it holds invite secrets)" \
	test "$(stat -c %a "$T/p32.backup")" = 600
check "no temporary file is left beside the backup" \
	test -z "$(find "$T" -maxdepth 1 -name 'p32.backup.tmp*')"
jcheck "backup --json reports the file, its size and the changesets" \
	'j["file"].endswith("p32.again") and j["bytes"] > 0 and j["changesets"] >= 3' \
	"$P" --dir "$T/p32" backup "$T/p32.again" --json

# ---- after the backup: more writes at every level, including the province's own
for i in 1 2 3 4 5; do put p32 "p-late-$i"; done
arahan nas a2
put k3275 k2
if wait_for 15 all_have kegiatan p-late-5 nas k3275 && wait_for 15 has_arahan p32 a2 &&
	wait_for 15 all_have kegiatan k2 p32 nas; then
	pass "the later writes replicate before the province fails"
else
	fail "the later writes replicate before the province fails" "$(tails nas p32 k3275)"
fi

# ---- restore refuses to run under a running pokjad
# pokjad is paused (SIGSTOP: it still holds its lock) meanwhile, so that its own writes (its
# health record, kesehatan_node) cannot change the node between the two snapshots.
kill -STOP "$(pid_of p32)"
snapshot "$T/p32" >"$T/p32.before"
errs "restore while pokjad runs is refused, naming it" "pokjad \(pid [0-9]+\) sedang berjalan" \
	"$P" --dir "$T/p32" restore "$T/p32.backup"
snapshot "$T/p32" >"$T/p32.after"
kill -CONT "$(pid_of p32)"
check "... and the node is unchanged" cmp -s "$T/p32.before" "$T/p32.after"
errs "a second pokjad on the same node is refused" "pokjad \(pid [0-9]+\) is running" \
	"$PD" --dir "$T/p32"

# ---- the province fails; it is restored from the old backup
stop p32
same "the province stops cleanly" "$STOPPED" ""
outputs "restore the province from its old backup" "penulisan lokal ditahan sampai" \
	"$P" --dir "$T/p32" restore "$T/p32.backup"
check "the store it replaced is kept" \
	test -n "$(find "$T/p32" -maxdepth 1 -name 'store.before-restore-*')"
check "the restored province lacks its own later activities" lacks p32 kegiatan p-late-5
errs "a local write is refused until its own latest sequence is known" \
	"dipulihkan dari cadangan.*bercabang" "$P" --dir "$T/p32" put kegiatan early --json \
	'{"nama":"terlalu cepat","tahun":2026}'
outputs "status says writes are held" "penulisan: +ditahan" "$P" --dir "$T/p32" status
jcheck "info --json says writes are held" 'j["writes"] == "held"' "$P" --dir "$T/p32" info --json

start p32
if wait_for 20 all_have kegiatan p-late-5 p32 && wait_for 20 has_arahan p32 a2 &&
	wait_for 20 all_have kegiatan k2 p32; then
	pass "the restored province gets back its own later changesets, the directive from " \
		"above and the district's activity from below"
else
	fail "the restored province gets back its own later changesets, the directive from above and the district's activity from below" \
		"own: $(where_not has kegiatan p-late-5 p32) k2: $(where_not has kegiatan k2 p32)
$(tails nas p32 k3275)"
fi
if wait_for 20 put p32 p-after; then
	pass "once it has its own log back, the province writes again"
else
	fail "once it has its own log back, the province writes again" \
		"$("$P" --dir "$T/p32" put kegiatan p-after2 --json '{"nama":"x","tahun":2026}' 2>&1)"
fi
check "status says writes are allowed" writes_are p32 allowed
if wait_for 15 all_have kegiatan p-after nas k3275; then
	pass "its new write reaches the national node and the district"
else
	fail "its new write reaches the national node and the district" "$(tails nas p32 k3275)"
fi
for nd in nas p32 k3275; do
	check "no forked origin at $nd" no_fork "$nd"
done
ok "the restored province's store verifies" "$P" --dir "$T/p32" verify

# ---- the national node restored: its later directives come back from its child
ok "backup the national node" "$P" --dir "$T/nas" backup "$T/nas.backup"
arahan nas a3
arahan nas a4
if wait_for 15 has_arahan k3275 a4; then pass "later directives reach the district"; else
	fail "later directives reach the district" "$(tails nas p32 k3275)"
fi
stop nas
same "the national node stops cleanly" "$STOPPED" ""
ok "restore the national node" "$P" --dir "$T/nas" restore "$T/nas.backup"
errs "the restored national node refuses a local write" "dipulihkan dari cadangan" \
	"$P" --dir "$T/nas" put arahan a-early --json \
	'{"judul":"x","isi":"y","wilayah_sasaran":""}'
start nas
if wait_for 20 has_arahan nas a4 && wait_for 20 has_arahan nas a3; then
	pass "the national node gets its own later directives back from its child"
else
	fail "the national node gets its own later directives back from its child" \
		"$(tails nas p32)"
fi
if wait_for 20 arahan nas a5 && wait_for 15 has_arahan k3275 a5; then
	pass "then it writes again, and the new directive reaches the district"
else
	fail "then it writes again, and the new directive reaches the district" "$(tails nas p32)"
fi
for nd in nas p32 k3275; do
	check "no forked origin at $nd after the national restore" no_fork "$nd"
done
# ---- what a session taught the province about its district serves a bundle for it offline
stop k3275
start k3275
sleep 1 # its new session: a heads exchange with everything it holds
stop k3275
same "the district stops cleanly" "$STOPPED" ""
arahan nas a6
arahan nas a7
if wait_for 15 has_arahan p32 a7; then pass "two directives reach the province"; else
	fail "two directives reach the province" "$(tails nas p32)"
fi
# Besides the two directives, the bundle carries the health records (kesehatan_node) that the
# national node's and the province's pokjad wrote since the district's heads exchange (they
# belong to its lineage like any record; one may have reached it in its short session after
# that exchange). Without the session's heads it would carry the district's whole lineage: the
# 40-odd activities of the province and all the rest.
jcheck "a bundle for the offline district carries what it lacked (its heads came by session)" \
	'2 <= j["changesets"] <= 10 and j["heads_known"] is True' \
	"$P" --dir "$T/p32" bundle create --for 32.75 -o "$T/k3275.bundle" --json
n_bundle=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changesets"])' "$OUT")
jcheck "applied at the district, it gives it all of them" \
	"j['applied'] >= 2 and j['applied'] + j['already_held'] == $n_bundle and j['refused'] == 0" \
	"$P" --dir "$T/k3275" bundle apply "$T/k3275.bundle" --json
check "... among them both directives" sh -c "'$P' --dir '$T/k3275' get arahan a6 >/dev/null &&
	'$P' --dir '$T/k3275' get arahan a7 >/dev/null"

for nd in nas p32; do
	stop "$nd"
	same "$nd stops cleanly" "$STOPPED" ""
done

# ---- the override, on a node alone
S=$T/solo
ok "init a lone national node" "$P" --dir "$S" init
ok "write a record" "$P" --dir "$S" put kegiatan s1 --json '{"nama":"s1","tahun":2026}'
ok "back it up to stdout" sh -c "\"$P\" --dir \"$S\" backup - >\"$T/solo.backup\""
ok "write another" "$P" --dir "$S" put kegiatan s2 --json '{"nama":"s2","tahun":2026}'
ok "restore the stdout backup" "$P" --dir "$S" restore "$T/solo.backup"
errs "writes are held" "dipulihkan dari cadangan" \
	"$P" --dir "$S" put kegiatan s3 --json '{"nama":"s3","tahun":2026}'
outputs "allow-writes lifts the hold" "penulisan diizinkan" "$P" --dir "$S" allow-writes
ok "then it writes" "$P" --dir "$S" put kegiatan s3 --json '{"nama":"s3","tahun":2026}'
outputs "allow-writes on a node whose writes are not held says so" "tidak sedang ditahan" \
	"$P" --dir "$S" allow-writes
ok "the lone node verifies" "$P" --dir "$S" verify

# ---- bad backups and misuse: refused, the node unchanged, nothing left behind
ok "put a marked record" "$P" --dir "$S" put kegiatan mark --json \
	'{"nama":"PENANDA-UNIK-XYZ","tahun":2026}'
ok "back it up" "$P" --dir "$S" backup "$T/good.backup"
python3 - "$T/good.backup" "$T/damaged.backup" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"PENANDA-UNIK-XYZ")
d[i + 3] ^= 1
open(sys.argv[2], "wb").write(d)
EOF
head -c 4096 "$T/good.backup" >"$T/short.backup"
head -c 100000 /dev/urandom >"$T/random.backup"
: >"$T/empty.backup"
ok "init another national node" "$P" --dir "$T/other" init
ok "back it up" "$P" --dir "$T/other" backup "$T/other.backup"

# ENOENT's text is glibc's (strerror): Indonesian where its catalog (libc-l10n) is installed.
NOFILE="Tidak ada berkas atau direktori|No such file"

restore_refused() { # name pattern file
	snapshot "$S" >"$T/solo.before"
	errs "$1" "$2" "$P" --dir "$S" restore "$3"
	snapshot "$S" >"$T/solo.after"
	check "... the node is unchanged" cmp -s "$T/solo.before" "$T/solo.after"
	check "... no staging folder is left" \
		test -z "$(find "$S" -maxdepth 1 -name 'store.restore-*')"
}
restore_refused "a backup with a changed byte is refused" " rusak \([0-9]+ masalah" "$T/damaged.backup"
restore_refused "a truncated backup is refused" "bukan cadangan yang dapat dipakai" "$T/short.backup"
restore_refused "random bytes are refused" "bukan cadangan yang dapat dipakai" "$T/random.backup"
restore_refused "an empty file is refused" "bukan cadangan yang dapat dipakai" "$T/empty.backup"
restore_refused "another node's backup is refused" "adalah cadangan node .*bukan cadangan node ini" \
	"$T/other.backup"
restore_refused "a missing file is refused" "$NOFILE" "$T/no-such.backup"
restore_refused "a folder is refused" "bukan berkas biasa" "$T"
fails "restore without a file is a usage error" 2 "$P" --dir "$S" restore
fails "backup without a file is a usage error" 2 "$P" --dir "$S" backup
errs "backup into a missing folder fails" "$NOFILE" \
	"$P" --dir "$S" backup "$T/no/such/dir/x.backup"
errs "backup of a folder that is no node fails" "init" \
	"$P" --dir "$T/nothing" backup "$T/x.backup"
mv "$S/node.key" "$T/solo.key"
restore_refused "restore without the node key is refused, naming it" "node.key" \
	"$T/good.backup"
mv "$T/solo.key" "$S/node.key"
# s1, s3 (made after allow-writes at s2's lost sequence) and mark: s2 is gone with the store
# that the second restore replaced.
jcheck "a good backup still restores" 'j["writes_held"] is True and j["changesets"] == 3' \
	"$P" --dir "$S" restore "$T/good.backup" --json
ok "and the restored node has the marked record" "$P" --dir "$S" get kegiatan mark

# ---- disaster recovery: a new disk, node.key from where it was kept, the backup
mkdir "$T/newdisk" && chmod 700 "$T/newdisk" && cp -p "$S/node.key" "$T/newdisk/"
ok "restore onto a folder holding only node.key" "$P" --dir "$T/newdisk" restore "$T/good.backup"
ok "the recovered node has the marked record" "$P" --dir "$T/newdisk" get kegiatan mark
ok "and verifies" "$P" --dir "$T/newdisk" verify

# ---- root on the service user's node folder (the tests run as root in CI)
if [ "$(id -u)" = 0 ]; then
	cp -a "$S" "$T/owned"
	chown -R 65534 "$T/owned"
	snapshot "$T/owned" >"$T/owned.before"
	errs "root writing into another user's node folder is refused, naming the user" \
		"milik pengguna .*jalankan pokjactl sebagai pengguna itu" \
		"$P" --dir "$T/owned" put kegiatan x --json '{"nama":"x","tahun":2026}'
	errs "... and so is a restore there" "milik pengguna" \
		"$P" --dir "$T/owned" restore "$T/good.backup"
	snapshot "$T/owned" >"$T/owned.after"
	check "... the node is unchanged" cmp -s "$T/owned.before" "$T/owned.after"
	ok "root may still read it" "$P" --dir "$T/owned" get kegiatan mark
fi

done_testing
