#!/bin/sh
# pokjactl user (issue 13, point 3): the web application's local accounts. Each subcommand in
# text and --json; every refusal with its Indonesian message, its exit status, and nothing
# changed; passwords from a file, from standard input and typed on a terminal; the password and
# its hash never in any output; and no trace of accounts in the node's log, its verify or a
# bundle (accounts do not replicate).
. tests/cli/lib.sh

# Every command's stdout and stderr are also kept in $T/all, to look for the hash in them at the
# end (lib.sh's _run, with one line more).
_run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
	cat "$OUT" "$ERR" >>"$T/all"
}

N=$T/n
PW1='sandi-budi-pertama'
PW2='sandi budi kedua!'
ok "init a national node" "$P" --dir "$N" init
ok "put a record (a changeset of its own before any account)" "$P" --dir "$N" put kegiatan k1 \
	--json '{"nama":"Rapat","tahun":2026}'
"$P" --dir "$N" log --json >"$T/log.before"
outputs "user list: none yet" "^\(belum ada pengguna; tambahkan dengan 'pokjactl user add NAMA --role PERAN'\)$" \
	"$P" --dir "$N" user list
jcheck "user list --json: []" 'j == []' "$P" --dir "$N" user list --json

# ---- add: a password from a file, from standard input, from "-" --------------------------
printf '%s\n' "$PW1" >"$T/pw1"
printf '%s\r\n' "$PW2" >"$T/pw2"
outputs "add budi, password from a file" "^pengguna budi ditambahkan, peran operator$" \
	"$P" --dir "$N" user add budi --role operator --name "Budi Santoso" --password-file "$T/pw1"
outputs "add sari.w, password from standard input (not a terminal)" \
	"^pengguna sari\.w ditambahkan, peran verifikator$" \
	"$P" --dir "$N" user add sari.w --role verifikator --name "Sari Wulandari" <"$T/pw2"
jcheck "add joko_1 --password-file - --json: the account" \
	'j == {"name": "joko_1", "role": "pimpinan", "full_name": "", "disabled": False,
	       "created": j["created"], "password_changed": j["created"]} and
	 j["created"].endswith("Z")' \
	"$P" --dir "$N" user add joko_1 --role pimpinan --password-file - --json <"$T/pw1"
outputs "list in text: a heading and one line per account, in name order" \
	"^NAMA +PERAN +STATUS +DIBUAT +SANDI DIATUR +NAMA LENGKAP$" "$P" --dir "$N" user list
stdout_has "... budi first, active, with its full name" \
	'^budi +operator +aktif +20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z +Budi Santoso$'
same "... three accounts, sorted" "$(sed 1d "$OUT" | cut -d' ' -f1 | tr '\n' ' ')" \
	"budi joko_1 sari.w "
jcheck "list --json: the three accounts, no hash" \
	'[u["name"] for u in j] == ["budi", "joko_1", "sari.w"] and
	 [u["role"] for u in j] == ["operator", "pimpinan", "verifikator"] and
	 j[2]["full_name"] == "Sari Wulandari" and not any(u["disabled"] for u in j) and
	 all(set(u) == {"name", "role", "full_name", "disabled", "created", "password_changed"}
	     for u in j)' \
	"$P" --dir "$N" user list --json
"$P" --dir "$N" user list --json >"$T/users.before"

# ---- refusals: each with its message and exit status, and nothing changes ----------------
refused() { # name status pattern command...
	_rn=$1
	_rs=$2
	_rp=$3
	shift 3
	errs "$_rn" "$_rp" "$@"
	same "... exit status $_rs" "$RC" "$_rs" # $OUT and $ERR stay the command's
}
refused "add a name taken" 1 "^pokjactl user: pengguna 'budi' sudah ada$" \
	"$P" --dir "$N" user add budi --role admin --password-file "$T/pw1"
refused "add an upper-case name" 1 \
	"^pokjactl user: 'Budi' bukan nama pengguna: 1 sampai 32 karakter a-z, 0-9, '\.', '_' dan '-' \(huruf kecil\), diawali huruf atau angka$" \
	"$P" --dir "$N" user add Budi --role admin --password-file "$T/pw1"
refused "add a name with a space" 1 "'ani w' bukan nama pengguna" \
	"$P" --dir "$N" user add "ani w" --role admin --password-file "$T/pw1"
refused "add a name of 33 characters" 1 "bukan nama pengguna" \
	"$P" --dir "$N" user add abcdefghijklmnopqrstuvwxyz0123456 --role admin --password-file "$T/pw1"
refused "add an unknown role" 1 \
	"^pokjactl user: peran 'raja' tidak dikenal \(operator, verifikator, pimpinan, atau admin\)$" \
	"$P" --dir "$N" user add ani --role raja --password-file "$T/pw1"
printf 'pendek7\n' >"$T/short"
refused "add a password of 7 characters" 1 \
	"^pokjactl user: kata sandi lebih pendek dari 8 karakter$" \
	"$P" --dir "$N" user add ani --role admin --password-file "$T/short"
python3 -c 'print("x" * 129)' >"$T/long"
refused "add a password of 129 bytes" 1 "^pokjactl user: kata sandi lebih panjang dari 128 bita$" \
	"$P" --dir "$N" user add ani --role admin --password-file "$T/long"
python3 -c 'print("x" * 128)' >"$T/long128"
: >"$T/empty"
refused "add with an empty standard input" 1 \
	"^pokjactl user: tidak ada kata sandi: baris pertama masukan standar kosong$" \
	"$P" --dir "$N" user add ani --role admin <"$T/empty"
refused "add with a password file that does not exist" 1 "^pokjactl user: $T/none: " \
	"$P" --dir "$N" user add ani --role admin --password-file "$T/none"
# Refused before the password is read (stdin is empty: no "tidak ada kata sandi").
refused "add a full name of 65 bytes" 1 "^pokjactl user: nama lengkap lebih panjang dari 64 bita$" \
	"$P" --dir "$N" user add ani --role admin --name "$(python3 -c 'print("n" * 65)')" <"$T/empty"
refused "add without --role (usage)" 2 \
	"^pokjactl user: add menerima satu NAMA dan memerlukan --role PERAN$" \
	"$P" --dir "$N" user add ani --password-file "$T/pw1"
stderr_has "... with the usage line" "^penggunaan: pokjactl user add "
refused "an unknown subcommand (usage)" 2 \
	"^pokjactl user: subperintah 'hapus' tidak dikenal \(add, list, disable, enable, role, atau passwd\)$" \
	"$P" --dir "$N" user hapus budi
refused "no subcommand (usage)" 2 "^pokjactl user: argumen kurang$" "$P" --dir "$N" user
refused "list with a NAME (usage)" 2 "^pokjactl user: list tidak menerima NAMA$" \
	"$P" --dir "$N" user list budi
refused "disable with --role (usage)" 2 "^pokjactl user: --role dan --name hanya untuk add$" \
	"$P" --dir "$N" user disable budi --role admin
refused "enable with --password-file (usage)" 2 \
	"^pokjactl user: --password-file hanya untuk add dan passwd$" \
	"$P" --dir "$N" user enable budi --password-file "$T/pw1"
refused "role without a ROLE (usage)" 2 "^pokjactl user: role menerima NAMA dan PERAN$" \
	"$P" --dir "$N" user role budi
refused "disable without a NAME (usage)" 2 "^pokjactl user: disable menerima satu NAMA$" \
	"$P" --dir "$N" user disable
refused "disable an unknown user" 1 "^pokjactl user: tidak ada pengguna 'tono'$" \
	"$P" --dir "$N" user disable tono
refused "enable an unknown user" 1 "^pokjactl user: tidak ada pengguna 'tono'$" \
	"$P" --dir "$N" user enable tono
refused "role of an unknown user" 1 "^pokjactl user: tidak ada pengguna 'tono'$" \
	"$P" --dir "$N" user role tono admin
refused "role: an unknown role" 1 "^pokjactl user: peran 'Admin' tidak dikenal" \
	"$P" --dir "$N" user role budi Admin
refused "passwd of an unknown user" 1 "^pokjactl user: tidak ada pengguna 'tono'$" \
	"$P" --dir "$N" user passwd tono --password-file "$T/pw1"
refused "passwd: a password too short" 1 "^pokjactl user: kata sandi lebih pendek dari 8 karakter$" \
	"$P" --dir "$N" user passwd budi --password-file "$T/short"
refused "a node folder that does not exist" 1 "tidak ada node di sini" \
	"$P" --dir "$T/nowhere" user list
"$P" --dir "$N" user list --json >"$T/users.after"
check "nothing changed after the refusals" cmp -s "$T/users.after" "$T/users.before"

# ---- disable, enable, role, passwd ----------------------------------------------------------
outputs "disable budi" "^pengguna budi dinonaktifkan: tidak dapat masuk lagi$" \
	"$P" --dir "$N" user disable budi
outputs "... list shows it disabled" "^budi +operator +nonaktif " "$P" --dir "$N" user list
jcheck "disable again (--json): still disabled, no error" \
	'j["name"] == "budi" and j["disabled"] is True' "$P" --dir "$N" user disable budi --json
outputs "enable budi" "^pengguna budi diaktifkan$" "$P" --dir "$N" user enable budi
jcheck "... list --json shows it enabled" \
	'[u["disabled"] for u in j if u["name"] == "budi"] == [False]' \
	"$P" --dir "$N" user list --json
outputs "role budi admin" "^pengguna budi kini berperan admin$" "$P" --dir "$N" user role budi admin
jcheck "role sari.w pimpinan --json" 'j["name"] == "sari.w" and j["role"] == "pimpinan"' \
	"$P" --dir "$N" user role sari.w pimpinan --json
outputs "passwd budi from a file" "^kata sandi pengguna budi diganti$" \
	"$P" --dir "$N" user passwd budi --password-file "$T/pw2"
outputs "passwd budi, 128 bytes from standard input" "^kata sandi pengguna budi diganti$" \
	"$P" --dir "$N" user passwd budi <"$T/long128"
jcheck "passwd budi --password-file - --json: created kept" \
	'j["name"] == "budi" and j["role"] == "admin" and j["password_changed"] >= j["created"]' \
	"$P" --dir "$N" user passwd budi --password-file - --json <"$T/pw1"

# ---- a terminal: the password typed twice, without echo ------------------------------------
# A pseudo-terminal from python3's pty module: pokjactl's prompts and whatever the terminal
# echoes come back on it.
tty_run() { # password1 password2 args...
	python3 - "$@" <<'PY'
import os, pty, select, sys, time
pw1, pw2, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
out = b""
def read_until(want, limit=10.0):
    global out
    end = time.time() + limit
    while want not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                b = os.read(fd, 4096)
            except OSError:
                return
            if not b:
                return
            out += b
read_until(b": ")
os.write(fd, pw1.encode() + b"\n")
read_until(b"sama: ")
os.write(fd, pw2.encode() + b"\n")
read_until(b"\x00", 15.0)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
PY
}
outputs "passwd on a terminal: asked twice" "pengguna joko_1 diganti" \
	tty_run "$PW2" "$PW2" "$P" --dir "$N" user passwd joko_1
stdout_has "... the prompts in Indonesian" "Kata sandi baru untuk joko_1: "
stdout_has "... and again" "Ulangi kata sandi yang sama: "
check "... the password is not echoed" sh -c '! grep -qF "$1" "$2"' _ "$PW2" "$OUT"
fails "passwd on a terminal, two different passwords: refused (exit 1)" 1 \
	tty_run "$PW1" "$PW2" "$P" --dir "$N" user passwd joko_1
stdout_has "... saying so" "kedua kata sandi berbeda; tidak ada yang diubah"

# ---- no trace: neither the hash nor the password in any output, nor accounts in the log --
check "the store holds argon2id hashes (so the next check means something)" \
	grep -qa 'argon2id' "$N/store/data.mdb"
check "no output showed a hash" sh -c '! grep -qa "argon2" "$1"' _ "$T/all"
check "no output showed a password" sh -c '! grep -qaF -e "$1" -e "$2" "$3"' _ "$PW1" "$PW2" \
	"$T/all"
"$P" --dir "$N" log --json >"$T/log.after"
check "log --json after the accounts is as before them: no changeset for accounts" \
	cmp -s "$T/log.after" "$T/log.before"
outputs "verify passes, and counts only the one changeset" \
	"diperiksa 1 changeset, 1 rekaman, .*: 0 masalah$" "$P" --dir "$N" verify
ok "a bundle of everything held" "$P" --dir "$N" bundle create -o "$T/all.bundle"
check "... holds no account name" sh -c '! grep -qa -e "sari\.w" -e "Wulandari" "$1"' _ \
	"$T/all.bundle"

# A backup copies the whole data file: the accounts are in it.
ok "backup" "$P" --dir "$N" backup "$T/b.mdb"
check "... the backup holds the accounts" grep -qa 'Wulandari' "$T/b.mdb"

done_testing
