#!/bin/sh
# A full disk: a national node whose folder is a 2 MiB tmpfs, with a province below it. Once the
# device is full, a write fails (exit 1) with "no space left on the device holding DIR", and so
# does pokjad's apply of a push (log tag disk-full); nothing written before is lost or damaged;
# status says so; once room is made, writes work again and the push gets through.
# Needs root (mount -t tmpfs); without it the test fails, saying why (CI runs it as root).
. tests/cli/lib.sh
. tests/cli/net.sh

N=$T/nas
S=$N/store

if [ "$(id -u)" -ne 0 ]; then
	fail "mount a 2 MiB tmpfs for the node" "not root: this test mounts a tmpfs (run it as root)"
	done_testing
fi
mkdir -p "$N"
if ! mount -t tmpfs -o size=2m,mode=0700 tmpfs "$N" 2>"$T/.mount"; then
	fail "mount a 2 MiB tmpfs for the node" "mount -t tmpfs failed: $(cat "$T/.mount")"
	done_testing
fi
# Stop the daemons before unmounting, and unmount before the folder is removed.
trap '_repl_cleanup; [ -z "${KEEP_LOGS:-}" ] || cp -r "$LOGS" "$KEEP_LOGS"
umount "$N" 2>/dev/null || umount -l "$N"; _cleanup' EXIT
pass "mount a 2 MiB tmpfs for the node"

# Free bytes on the device holding a folder.
avail() {
	python3 -c 'import os, sys; v = os.statvfs(sys.argv[1]); print(v.f_bavail * v.f_frsize)' "$1"
}

# records PREFIX N: N kegiatan lines of about 300 bytes each, as JSONL, in the region of the
# node that imports them.
records() {
	awk -v p="$1" -v n="$2" 'BEGIN {
		pad = sprintf("%200s", ""); gsub(/ /, "x", pad)
		for (i = 0; i < n; i++)
			printf "{\"collection\":\"kegiatan\",\"key\":\"%s-%04d\",\"nama\":\"%s\",\"tahun\":2026}\n", p, i, pad
	}'
}

ok "init the national node on the tmpfs (listens on $BASE)" \
	"$P" init --dir "$N" --listen "tcp://127.0.0.1:$BASE"
start nas
join p32 nas 32 $((BASE + 1))
records keep 300 >"$T/keep.jsonl"
ok "300 records written while there is room" "$P" --dir "$N" import "$T/keep.jsonl"
jcheck "status --json: room left, not full" \
	'j["disk_free_bytes"] > 1048576 and j["disk_full"] is False' "$P" --dir "$N" status --json

# ---- 1. the device fills up: the write fails, saying so, and nothing is lost ---------------

room=$(avail "$N")
dd if=/dev/zero of="$N/filler" bs=4096 count=$(((room - 32768) / 4096)) 2>/dev/null
check "a filler leaves under 64 KiB on the device" test "$(avail "$N")" -lt 65536
records more 300 >"$T/more.jsonl"
errs "import with the device full fails" "ruang perangkat yang menyimpan $S sudah habis" \
	"$P" --dir "$N" import "$T/more.jsonl"
same "... with exit status 1" "$RC" 1
same "... and exactly the sentence, with the store folder" "$(cat "$ERR")" \
	"pokjactl import: ditolak: ruang perangkat yang menyimpan $S sudah habis; tidak ada yang diimpor"
BIG="{\"nama\":\"besar\",\"tahun\":2026,\"tujuan\":\"$(head -c 32000 /dev/zero | tr '\0' x)\"}"
errs "put of a 32 KB record fails the same way" \
	"^pokjactl put: ditolak: ruang perangkat yang menyimpan $S sudah habis\$" \
	"$P" --dir "$N" put kegiatan big --json "$BIG"
outputs "verify finds no problem after the failed writes" ': 0 masalah$' "$P" --dir "$N" verify
same "all 300 records written before are there" "$(count nas keep-)" 300
outputs "... and read back whole" '^ +nama +x{200}$' "$P" --dir "$N" get kegiatan keep-0299
same "none of the failed import is there" "$(count nas more-)" 0
outputs "status warns that the device is full" \
	"^DISK PENUH: +ruang perangkat yang menyimpan $S sudah habis\$" "$P" --dir "$N" status
stdout_has "status shows the free space" "^disk: +[0-9.]+ MiB kosong di perangkat yang memuat $S\$"
jcheck "status --json: disk_full, disk_free_bytes, disk_warning" \
	"j['disk_full'] is True and j['disk_free_bytes'] < 1048576 and
	 j['disk_warning'] == 'ruang perangkat yang menyimpan $S sudah habis'" "$P" --dir "$N" status --json
errs "a backup onto the full device fails, naming its folder" \
	"^pokjactl backup: gagal menulis $N/backup.mdb: ruang perangkat yang menyimpan $N sudah habis\$" \
	"$P" --dir "$N" backup "$N/backup.mdb"
check "... and leaves no partial file behind" sh -c "! ls '$N' | grep -q backup"

# ---- 2. pokjad: a push it cannot store is logged as disk-full ------------------------------

records up 300 >"$T/up.jsonl"
ok "province 32 writes 300 records (its disk has room)" "$P" --dir "$T/p32" import "$T/up.jsonl"
if wait_for 20 grep -q "disk-full.*no space left on the device holding $S" "$(log_of nas)"; then
	pass "2. the national pokjad logs the push it cannot store (disk-full, with the folder)"
else
	fail "2. the national pokjad logs the push it cannot store (disk-full, with the folder)" \
		"$(tails nas p32)"
fi
check "... and keeps running" kill -0 "$(pid_of nas)"
same "... and the 300 records written before are still all there" "$(count nas keep-)" 300

# ---- 3. room made: writes work again ------------------------------------------------------

# Stopped while room is made, so that no write of its own clears the mark before status. Its
# last writes at shutdown may fit in pages LMDB had freed, and such a success rightly clears
# the mark: a write that still fails (the device is still full) makes it again.
stop nas
same "the national pokjad stops cleanly, full disk or not" "$STOPPED" ""
errs "with pokjad stopped and the device still full, an import still fails" \
	"ruang perangkat yang menyimpan $S sudah habis" "$P" --dir "$N" import "$T/more.jsonl"
rm -f "$N/filler"
jcheck "with room again, status --json still reports the failed write (its time)" \
	"j['disk_full'] is True and j['disk_free_bytes'] > 1048576 and
	 j['disk_full_at'].endswith('Z') and
	 j['disk_warning'] == 'ruang perangkat yang menyimpan $S sudah habis'" "$P" --dir "$N" status --json
outputs "... and status says when a write failed" \
	"^ +\(penulisan gagal karena ruang habis pada [0-9T:-]+Z; penulisan berikutnya yang berhasil menghapus tanda ini\)\$" \
	"$P" --dir "$N" status
ok "after the filler is removed, the import works" "$P" --dir "$N" import "$T/more.jsonl"
same "... all 300 new records are there" "$(count nas more-)" 300
start nas
if wait_for 20 count_is nas up- 300; then
	pass "3. the province's push gets through once there is room"
else
	fail "3. the province's push gets through once there is room" \
		"$(count nas up-) of 300 at nas; $(tails nas p32)"
fi
same "the records written before the failure are all still there" "$(count nas keep-)" 300
outputs "verify finds no problem" ': 0 masalah$' "$P" --dir "$N" verify
jcheck "status --json: not full any more" \
	'j["disk_full"] is False and j["disk_full_at"] is None and "disk_warning" not in j' \
	"$P" --dir "$N" status --json
"$P" --dir "$N" status >"$OUT" 2>&1
if grep -q "DISK PENUH" "$OUT"; then
	fail "status has no DISK PENUH line any more" "$(cat "$OUT")"
else
	pass "status has no DISK PENUH line any more"
fi

stop p32
same "province 32 stops cleanly" "$STOPPED" ""
stop nas
same "the national node stops cleanly" "$STOPPED" ""
done_testing
