#!/bin/sh
# zstd compression of what crosses a link (proto/SPEC.md section 15, "Compression"), on real
# daemons: the national node and province 32, which dials it through tests/tools/linksim (no
# rate limit, no cuts: only its byte counts). The same 150 kegiatan are imported at the
# province three times under other keys: with compression on at both ends (the default level
# 3), with the province's [sync] compression_level = 0, and with the national node's = 0. Each
# time every record must reach the national node, and the bytes that crossed up with
# compression on must be well under those with it off at either end. About 20 s. Ports are
# derived from the PID (net.sh); every process started here is stopped by PID.
. tests/cli/lib.sh
. tests/cli/net.sh

LS=$(dirname "$P")/tests/tools/linksim
NAS=$BASE
P32=$((BASE + 1))
LINK=$((BASE + 2)) # linksim, one port per run: BASE+2, BASE+3, BASE+4
N=150

if [ ! -x "$LS" ]; then
	fail "linksim is built ($LS; make unit builds it)"
	done_testing
fi

# kegiatan.jsonl with keys PREFIX-00000..: the same records each time, under other keys.
records() { # prefix file
	awk -v n="$N" -v pre="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"collection\":\"kegiatan\",\"key\":\"%s-%05d\",\"wilayah\":\"32\",\"nama\":\"Sosialisasi %d\",\"tahun\":%d,\"bulan\":%d,\"biaya\":%d,\"jumlah_peserta\":%d,\"status\":\"rencana\",\"penanggung_jawab\":\"Sekretariat Pokja PKP Provinsi Jawa Barat\",\"tujuan\":\"Menyamakan pemahaman perangkat daerah tentang penanganan permukiman kumuh\"}\n", pre, i, i, 2024 + i % 3, i % 12 + 1, 5000000 + (i % 97) * 250000, 15 + i % 60
	}' >"$2"
}

# bytes_up FILE: the bytes linksim counted from the province to the national node.
bytes_up() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["bytes_up"])' "$1" \
		2>/dev/null || echo 0
}

ok "the national node" "$P" --dir "$T/nas" init --listen "tcp://127.0.0.1:$NAS"
start nas
tok=$("$P" --dir "$T/nas" invite --region 32 2>"$T/inv.err")
ok "province 32 joins online" "$P" init --dir "$T/p32" --join "$tok"
sed -i "s|^url = tcp://127.0.0.1:$NAS\$|url = tcp://127.0.0.1:$LINK|" "$T/p32/pokjad.conf"
check "the province's [parent] url points at linksim" \
	grep -q "^url = tcp://127.0.0.1:$LINK\$" "$T/p32/pokjad.conf"
printf '\n[sync]\nretry_max = 2s\n' >>"$T/p32/pokjad.conf"

# run NAME PORT: linksim on PORT to the national node, the province dialling it; imports the
# records under key prefix NAME, waits until all are at the national node, then stops the
# province and linksim, leaving linksim's stats in $T/NAME.json.
run() {
	sed -i "s|^url = tcp://127.0.0.1:[0-9]*\$|url = tcp://127.0.0.1:$2|" "$T/p32/pokjad.conf"
	"$LS" --listen "127.0.0.1:$2" --upstream "127.0.0.1:$NAS" --stats "$T/$1.json" \
		--quiet 2>"$T/$1.linksim.log" &
	_ls=$!
	track $_ls
	wait_for 10 grep -q "listening on" "$T/$1.linksim.log"
	start p32
	wait_for 20 grep -q "session with the parent opened" "$(log_of p32)"
	records "$1" "$T/$1.jsonl"
	ok "$1: $N kegiatan imported at the province" "$P" --dir "$T/p32" import "$T/$1.jsonl"
	if wait_for 30 count_is nas "$1-" "$N"; then
		pass "$1: all $N at the national node"
	else
		fail "$1: all $N at the national node" "$(tails)"
	fi
	stop p32
	kill -TERM $_ls 2>/dev/null
	wait $_ls 2>/dev/null
}

run on $LINK
check "with compression on at both ends the province's log says so" \
	grep -q "session with the parent opened (zstd compression)" "$(log_of p32)"
ON=$(bytes_up "$T/on.json")

printf 'compression_level = 0\n' >>"$T/p32/pokjad.conf"
ok "pokjad --check accepts compression_level = 0" "$PD" --dir "$T/p32" --check
run childoff $((LINK + 1))
check "with the province's level 0 its log does not say zstd" \
	sh -c "! grep -q 'zstd' '$(log_of p32)'"
CHILDOFF=$(bytes_up "$T/childoff.json")

sed -i '/^compression_level = 0$/d' "$T/p32/pokjad.conf"
stop nas
printf '\n[sync]\ncompression_level = 0\n' >>"$T/nas/pokjad.conf"
start nas
run parentoff $((LINK + 2))
check "with the national node's level 0 the province's session is not compressed" \
	sh -c "grep -q 'session with the parent opened' '$(log_of p32)' &&
	       ! grep -q 'zstd' '$(log_of p32)'"
PARENTOFF=$(bytes_up "$T/parentoff.json")

echo "# bytes up: compression on $ON, province level 0 $CHILDOFF, national level 0 $PARENTOFF"
check "bytes crossed with compression on ($ON) are under 60% of those with the province's level 0 ($CHILDOFF)" \
	test "$ON" -gt 0 -a $((ON * 10)) -lt $((CHILDOFF * 6))
check "and under 60% of those with the national node's level 0 ($PARENTOFF)" \
	test "$ON" -gt 0 -a $((ON * 10)) -lt $((PARENTOFF * 6))

check "pokjad --check refuses compression_level = 20, with the range" \
	sh -c "printf 'compression_level = 20\n' >>'$T/p32/pokjad.conf';
	       ! '$PD' --dir '$T/p32' --check 2>'$T/chk.err' && grep -q '0\.\.19' '$T/chk.err'"
done_testing
