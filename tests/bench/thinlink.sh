#!/bin/sh
# thinlink.sh: replication over a thin, slow, intermittent district link (issue 10's scenario).
#
# For each scenario, builds a real network in a temporary folder as an operator would: the
# national node and the province of Jawa Barat (32) on loopback ports derived from this script's
# PID, Kota Bekasi (32.75) joined to the province online; then points Kota Bekasi's [parent] url
# at tests/tools/linksim (built by `make unit`), which forwards to the province through a link of
# THINLINK_RATE bit/s each way, THINLINK_DELAY ms one-way delay and the scenario's cuts. Once the
# district has a session through the link, it imports THINLINK_KEGIATAN kegiatan (pokjactl import
# of a JSONL file, at the district while its pokjad runs) and, from 5 s later, THINLINK_ARAHAN
# arahan are written at the national node every THINLINK_ARAHAN_GAP s. It then waits until every
# kegiatan is at the province (or THINLINK_LIMIT s have passed since the import began) and every
# arahan is at the district (or the same limit), and prints one line per scenario:
#
#   thinlink SCENARIO: kegiatan=AT/N time_s=T|none up_bytes=U down_bytes=D cuts=C gz_bytes=G
#     link_s=L bytes_ratio=R time_ratio=Q arahan_delay_s=A1,A2,... up_per_kegiatan=B (one line)
#
# time_s: from the start of the import until all kegiatan were at the province: the first poll
# (every 0.25 s) at which the district's `pokjactl status` counts nothing unacknowledged by the
# province (an acknowledgement follows the province's commit), confirmed by counting the kegiatan
# at the province then ("none" when not all were within the limit; AT says how many were). (Until
# this revision the province's kegiatan were counted every 2 s, a list of them all that itself
# takes about 0.5 s: figures taken that way are up to 2.5 s later.) up_bytes / down_bytes: what
# crossed the link district to province / province to district (linksim's stats, the whole run, the
# session's set-up included). gz_bytes: the size of the imported JSONL after gzip -9, the reference
# for what the records need on the wire; link_s: the time the link needs to carry gz_bytes once
# (gz_bytes * 8 / rate); bytes_ratio: up_bytes / gz_bytes; time_ratio: time_s / link_s (issue 10's
# bars: 1.3 with a cut every 5 s on average, 2 with a cut every 2 s; bytes 1.2). Each arahan's delay
# is from the end of its `pokjactl put` at the national node to the first poll (every 0.25 s) that
# finds it at the district; "-" when it never arrived.
#
# Scenarios (THINLINK_SCENARIOS, default "cut5s cut2s"): nocut (no cuts), cut5s (cuts with
# exponential gaps of mean 5 s), cut2s (a cut every 2 s exactly); each cut resets the connection
# and refuses new ones for THINLINK_DOWN ms (default 500). The cuts are seeded (THINLINK_SEED,
# default 1). Defaults are the issue's: 2,000 kegiatan, 50,000 bit/s, 150 ms, 5 arahan 10 s
# apart, a 600 s limit; a small run: THINLINK_KEGIATAN=200 THINLINK_LIMIT=60. The district's
# dialler keeps its default back-off (THINLINK_RETRY_MAX, e.g. 2s, sets [sync] retry_max).
# THINLINK_COMPRESSION sets [sync] compression_level at the district and the province (0: off, to
# measure the bytes without compression; unset: the default, 3). The line ends with
# up_per_kegiatan=B: up_bytes / N, the bytes per kegiatan that crossed the link up.
#
# Scenario offline (only when named in THINLINK_SCENARIOS): a district offline for a simulated
# 30 days. The same network and link, with the cuts of THINLINK_OFFLINE_CUT (cut5s, the default,
# cut2s or nocut). Once the district has had its first session and is in step with the province
# (its status: nothing unacknowledged, no lag; at most 30 s), its pokjad is stopped (SIGTERM);
# while it is down THINLINK_OFFLINE_CS (default 2,000) changesets are written at the district,
# each its own `pokjactl put` of a kegiatan (keys ol-up-NNNNN, the records above), and as many at
# the national node, each a `pokjactl put` of an arahan to region 32 (keys ol-down-NNNNN); the
# two loops run side by side. Once every ol-down arahan is at the province (over loopback), a
# fresh linksim (same settings and seed, its stats from zero) and the district's pokjad are
# started, and every 2 s the kegiatan at the province and the arahan at the district are
# counted, until all are there or THINLINK_LIMIT s have passed since the restart. One line:
#
#   thinlink offline: up=AT/N down=AT/N time_s=T|none up_bytes=U down_bytes=D cuts=C gz_bytes=G
#     link_s=L bytes_ratio=R time_ratio=Q (one line)
#
# time_s: from the restart until both directions were complete ("none" when not within the
# limit; AT says how many of the N each way had arrived). up_bytes / down_bytes / cuts: linksim's
# stats from the restart on, the new session's set-up included. gz_bytes: the JSONL of every
# record written both ways (as written, one line each), after gzip -9; link_s = gz_bytes * 8 /
# rate, as if both directions shared one link of THINLINK_RATE bit/s: they do not (each way has
# its own rate), so this is the conservative reference, a link_s at most twice the one of two
# directions in parallel. bytes_ratio: (up_bytes + down_bytes) / gz_bytes; time_ratio: time_s /
# link_s (the same bars as above). A small run: THINLINK_SCENARIOS=offline
# THINLINK_OFFLINE_CS=200 THINLINK_LIMIT=120.
#
# Not part of `make check`: at the defaults each scenario takes up to 10 minutes (offline: its
# writes and the wait for the arahan at the province come on top). Run from the
# repository root (BUILD names the build folder, default "build"); `make bench` runs it through
# tests/bench/run.sh. Every process started here is stopped by PID (SIGTERM, SIGKILL after 5 s)
# and the folder removed on any exit (kept with THINLINK_KEEP=1, to read the logs). Exits 1
# when a step fails (not when the figures miss the bars: they are measurements).
set -u
. tests/bench/lib/procs.sh
BUILD=${BUILD:-build}
P=$BUILD/pokjactl
PD=$BUILD/pokjad
LS=$BUILD/tests/tools/linksim
N_KEG=${THINLINK_KEGIATAN:-2000}
LIMIT=${THINLINK_LIMIT:-600}
RATE=${THINLINK_RATE:-50000}
DELAY=${THINLINK_DELAY:-150}
DOWN=${THINLINK_DOWN:-500}
SEED=${THINLINK_SEED:-1}
N_AR=${THINLINK_ARAHAN:-5}
AR_GAP=${THINLINK_ARAHAN_GAP:-10}
SCENARIOS=${THINLINK_SCENARIOS:-cut5s cut2s}
N_OFF=${THINLINK_OFFLINE_CS:-2000}
OFF_CUT=${THINLINK_OFFLINE_CUT:-cut5s}
TOP=$(mktemp -d "${TMPDIR:-/tmp}/pokja-bench-thinlink.XXXXXX") || exit 1
PIDS=""
W=$TOP
BASEPORT=$((20000 + ($$ % 4000) * 9))

cleanup() {
	stop_pids
	if [ -n "${THINLINK_KEEP:-}" ]; then
		echo "thinlink: logs kept in $TOP" >&2
	else
		rm -rf "$TOP"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "thinlink: $*" >&2
	for f in "$W"/*.log; do
		[ -f "$f" ] && { echo "---- $f (last lines)" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

for n in "$N_KEG" "$LIMIT" "$RATE" "$DELAY" "$DOWN" "$SEED" "$N_AR" "$AR_GAP" "$N_OFF"; do
	case $n in
	'' | *[!0-9]*) fail "THINLINK_* settings are whole numbers; got '$n'" ;;
	esac
done
[ "$RATE" -gt 0 ] || { fail "THINLINK_RATE must be above 0"; }

# Milliseconds on the monotonic-enough wall clock (GNU date).
now_ms() {
	t=$(date +%s%N)
	echo $((t / 1000000))
}

start() { # name: runs pokjad for the node folder $W/name, logging to $W/name.log
	"$PD" --dir "$W/$1" 2>>"$W/$1.log" &
	PIDS="$PIDS $!"
	LAST=$!
}

wait_log() { # name pattern seconds
	i=0
	while ! grep -q -- "$2" "$W/$1.log" 2>/dev/null; do
		[ $i -ge $(($3 * 10)) ] && fail "no '$2' in $1's log within $3 s"
		sleep 0.1
		i=$((i + 1))
	done
}

ctl() {
	"$P" "$@" 2>>"$W/pokjactl.log" || fail "pokjactl $1 $2 $3 failed"
}

# Records of a collection whose keys start with a prefix, at a node.
count_rec() { # name collection prefix
	"$P" --dir "$W/$1" list "$2" --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for o in json.load(sys.stdin) if o["key"].startswith(sys.argv[1])))' "$3" \
		2>/dev/null || echo 0
}

# Changesets of the district not yet acknowledged by its province (its status), or -1.
unacked() { # name
	"$P" --dir "$W/$1" status --json 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["unacked"])' 2>/dev/null || echo -1
}

# Kegiatan with keys tl-NNNNN at a node.
count_keg() { # name
	count_rec "$1" kegiatan tl-
}

# linksim's flags for the cuts of a scenario name.
cut_flags() { # nocut|cut5s|cut2s
	case $1 in
	nocut) CUT="" ;;
	cut5s) CUT="--cut-every 5000" ;;
	cut2s) CUT="--cut-period 2000" ;;
	*) return 1 ;;
	esac
}

start_link() { # linksim between the district and the province, stats in $W/link.json
	# shellcheck disable=SC2086 # CUT is a flag and its value
	"$LS" --listen "127.0.0.1:$PL" --upstream "127.0.0.1:$PP" --rate "$RATE" --delay "$DELAY" \
		$CUT --down "$DOWN" --seed "$SEED" --stats "$W/link.json" 2>"$W/linksim.log" &
	LINK=$!
	PIDS="$PIDS $LINK"
	wait_log linksim "listening on" 10
}

# One `pokjactl put` per line of a JSONL file (its 'key' member also given as KEY): one changeset
# each. Run in the background; exits 1 at the first refusal.
put_each() { # name collection file
	while IFS= read -r line; do
		key=${line#*\"key\":\"}
		key=${key%%\"*}
		"$P" --dir "$W/$1" put "$2" "$key" --json "$line" >/dev/null 2>>"$W/pokjactl.log" ||
			exit 1
	done <"$3"
}

# Fails when a daemon or linksim of this scenario has exited.
alive() {
	for pid in $PIDS; do
		kill -0 "$pid" 2>/dev/null || fail "a process of this scenario exited ($pid)"
	done
}

# Asks linksim for its stats (SIGUSR1) and waits for $W/link.json.
link_stats() {
	rm -f "$W/link.json"
	kill -USR1 "$LINK"
	i=0
	while [ ! -s "$W/link.json" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$W/link.json" ] || fail "linksim wrote no stats"
}

[ -x "$PD" ] && [ -x "$P" ] || { fail "$PD or $P is not built (make builds them)"; }
[ -x "$LS" ] || { fail "$LS is not built (make unit builds it)"; }

# The records: N kegiatan of Kota Bekasi with keys PREFIX-NNNNN, the fields of a real plan,
# varied by the index.
gen_kegiatan() { # prefix n
	awk -v p="$1" -v n="$2" 'BEGIN {
	split("Rapat koordinasi Pokja PKP|Lokakarya penjaminan kualitas RP3KP|Sosialisasi STBM tingkat kelurahan|Advokasi kepada kepala daerah|Penyusunan Buku Putih Sanitasi|Pendampingan BKM penyusunan RPLP|Forum konsultasi publik SSK|Monitoring dan evaluasi PPSP", keg, "|")
	split("Penjaminan kualitas RP3KP|Advokasi kepada kepala daerah|Penguatan aliansi dan jejaring", str, "|")
	split("APBD|APBN|DAK|Swasta|Swadaya masyarakat", sb, "|")
	split("rencana|berjalan|selesai", stt, "|")
	for (i = 0; i < n; i++)
		printf "{\"collection\":\"kegiatan\",\"key\":\"%s-%05d\",\"wilayah\":\"32.75\",\"nama\":\"%s %d\",\"tahun\":%d,\"bulan\":%d,\"biaya\":%d,\"jumlah_peserta\":%d,\"status\":\"%s\",\"strategi\":\"%s\",\"sumber_biaya\":\"%s\",\"penanggung_jawab\":\"Sekretariat Pokja PKP Kota Bekasi\",\"tujuan\":\"Menyamakan pemahaman perangkat daerah tentang penanganan permukiman kumuh dan sanitasi\",\"target_hasil\":\"Kesepakatan program dan rencana tindak lanjut tertulis\",\"asumsi\":\"Anggaran disahkan tepat waktu dan narasumber bersedia hadir\"}\n", p, i, keg[i % 8 + 1], int(i / 8) + 1, 2024 + i % 3, i % 12 + 1, 5000000 + (i % 97) * 250000, 15 + i % 60, stt[i % 3 + 1], str[i % 3 + 1], sb[i % 5 + 1]
}'
}
gen_kegiatan tl "$N_KEG" >"$TOP/kegiatan.jsonl"
GZ=$(gzip -9 -c "$TOP/kegiatan.jsonl" | wc -c)

# The offline scenario, once the network is up and the district has had its first session.
offline() {
	# In step with the province first (its status: nothing unacknowledged, no lag either way),
	# as a district is before it goes offline; at most 30 s.
	i=0
	until "$P" --dir "$W/kota" status --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = s.get("parent") or {}
sys.exit(0 if s["unacked"] == 0 and p.get("connected") and p.get("lag_up") == 0
         and p.get("lag_down") == 0 else 1)' 2>/dev/null; do
		[ $i -ge 60 ] && break
		sleep 0.5
		i=$((i + 1))
	done
	stop_pid "$KOTA"
	gen_kegiatan ol-up "$N_OFF" >"$W/offline-up.jsonl"
	awk -v n="$N_OFF" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"collection\":\"arahan\",\"key\":\"ol-down-%05d\",\"judul\":\"Arahan %d\",\"isi\":\"Segera ditindaklanjuti paling lambat minggu ke-%d\",\"wilayah_sasaran\":\"32\"}\n", i, i + 1, i % 52 + 1
	}' >"$W/offline-down.jsonl"
	gz=$(cat "$W/offline-up.jsonl" "$W/offline-down.jsonl" | gzip -9 | wc -c)
	tw=$(now_ms)
	put_each kota kegiatan "$W/offline-up.jsonl" &
	pu=$!
	PIDS="$PIDS $pu"
	put_each nasional arahan "$W/offline-down.jsonl" &
	pd=$!
	PIDS="$PIDS $pd"
	wait "$pu" || fail "a put of an ol-up kegiatan at the district failed"
	stop_pid "$pu"
	wait "$pd" || fail "a put of an ol-down arahan at the national node failed"
	stop_pid "$pd"
	echo "thinlink offline: wrote $N_OFF + $N_OFF changesets in $((($(now_ms) - tw) / 1000)) s" >&2
	# The arahan come down to the province over loopback.
	deadline=$(($(now_ms) + LIMIT * 1000))
	while [ "$(count_rec provinsi arahan ol-down-)" -lt "$N_OFF" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && fail "the ol-down arahan were not at the province within $LIMIT s"
		alive
		sleep 2
	done
	echo "thinlink offline: arahan at the province after $((($(now_ms) - tw) / 1000)) s" >&2

	# The restart: a fresh link (its stats from zero), then the district.
	stop_pid "$LINK"
	mv "$W/linksim.log" "$W/linksim-before.log"
	mv "$W/link.json" "$W/link-before.json" 2>/dev/null
	start_link
	t0=$(now_ms)
	start kota
	KOTA=$LAST
	deadline=$((t0 + LIMIT * 1000))
	done_ms=""
	while :; do
		up=$(count_rec provinsi kegiatan ol-up-)
		down=$(count_rec kota arahan ol-down-)
		if [ "$up" -ge "$N_OFF" ] && [ "$down" -ge "$N_OFF" ]; then
			done_ms=$(now_ms)
			break
		fi
		[ "$(now_ms)" -ge "$deadline" ] && break
		alive
		sleep 2
	done

	link_stats
	stop_pids

	python3 - "$W/link.json" "$N_OFF" "$up" "$down" "$t0" "$done_ms" "$gz" "$RATE" <<'EOF' || fail "cannot summarise"
import json, sys
st = json.load(open(sys.argv[1]))
n, up, down, t0 = (int(a) for a in sys.argv[2:6])
done, gz, rate = sys.argv[6], int(sys.argv[7]), int(sys.argv[8])
link_s = gz * 8 / rate  # both directions as if on one link: the conservative reference
t = (int(done) - t0) / 1000 if done else None
print("thinlink offline: up=%d/%d down=%d/%d time_s=%s up_bytes=%d down_bytes=%d cuts=%d "
      "gz_bytes=%d link_s=%.1f bytes_ratio=%.2f time_ratio=%s" % (
          up, n, down, n, "%.1f" % t if t is not None else "none", st["bytes_up"],
          st["bytes_down"], st["cuts"], gz, link_s, (st["bytes_up"] + st["bytes_down"]) / gz,
          "%.2f" % (t / link_s) if t is not None else "none"))
EOF
}

k=0
for sc in $SCENARIOS; do
	case $sc in
	offline) cut_flags "$OFF_CUT" || fail "unknown THINLINK_OFFLINE_CUT '$OFF_CUT' (nocut, cut5s, cut2s)" ;;
	*) cut_flags "$sc" || fail "unknown scenario '$sc' (THINLINK_SCENARIOS: nocut, cut5s, cut2s, offline)" ;;
	esac
	W=$TOP/$sc
	mkdir -p "$W"
	PN=$((BASEPORT + 3 * (k % 3)))
	PP=$((PN + 1))
	PL=$((PN + 2))
	k=$((k + 1))

	ctl --dir "$W/nasional" init --listen "tcp://127.0.0.1:$PN" >/dev/null
	start nasional
	wait_log nasional " listen: " 10
	tok=$(ctl --dir "$W/nasional" invite --region 32) || exit 1
	ctl init --dir "$W/provinsi" --join "$tok" --listen "tcp://127.0.0.1:$PP" >/dev/null
	[ -z "${THINLINK_COMPRESSION:-}" ] ||
		printf '\n[sync]\ncompression_level = %s\n' "$THINLINK_COMPRESSION" \
			>>"$W/provinsi/pokjad.conf"
	start provinsi
	wait_log provinsi "session with the parent opened" 20
	tok=$(ctl --dir "$W/provinsi" invite --region 32.75) || exit 1
	ctl init --dir "$W/kota" --join "$tok" >/dev/null
	# The district dials its province through the simulated link.
	sed -i "s|^url = tcp://127.0.0.1:$PP\$|url = tcp://127.0.0.1:$PL|" "$W/kota/pokjad.conf"
	grep -q "^url = tcp://127.0.0.1:$PL\$" "$W/kota/pokjad.conf" ||
		fail "the district's pokjad.conf has no [parent] url to point at linksim"
	if [ -n "${THINLINK_RETRY_MAX:-}${THINLINK_COMPRESSION:-}" ]; then
		printf '\n[sync]\n' >>"$W/kota/pokjad.conf"
		[ -z "${THINLINK_RETRY_MAX:-}" ] ||
			printf 'retry_max = %s\n' "$THINLINK_RETRY_MAX" >>"$W/kota/pokjad.conf"
		[ -z "${THINLINK_COMPRESSION:-}" ] ||
			printf 'compression_level = %s\n' "$THINLINK_COMPRESSION" >>"$W/kota/pokjad.conf"
	fi
	start_link
	start kota
	KOTA=$LAST
	wait_log kota "session with the parent opened" 120
	if [ "$sc" = offline ]; then
		offline
		continue
	fi

	t0=$(now_ms)
	ctl --dir "$W/kota" import "$TOP/kegiatan.jsonl" >/dev/null
	deadline=$((t0 + LIMIT * 1000))
	next_ar=$((t0 + 5000))
	written=0
	ar_at=""  # write times, ms, one per arahan
	ar_got="" # arrival times, ms, or "-"
	at=0
	done_ms=""
	while :; do
		now=$(now_ms)
		if [ "$written" -lt "$N_AR" ] && [ "$now" -ge "$next_ar" ]; then
			written=$((written + 1))
			ctl --dir "$W/nasional" put arahan "tl-arahan-$written" --json \
				"{\"judul\":\"Arahan $written\",\"isi\":\"Segera ditindaklanjuti\",\"wilayah_sasaran\":\"32\"}" \
				>/dev/null
			ar_at="$ar_at $(now_ms)"
			ar_got="$ar_got -"
			next_ar=$((next_ar + AR_GAP * 1000))
		fi
		# Arrivals of the arahan written so far.
		j=0
		new=""
		for g in $ar_got; do
			j=$((j + 1))
			if [ "$g" = - ] && "$P" --dir "$W/kota" get arahan "tl-arahan-$j" >/dev/null 2>&1; then
				g=$(now_ms)
			fi
			new="$new $g"
		done
		ar_got=$new
		# Everything acknowledged by the province (cheap), then confirmed by a count there
		# (a list of them all, about 0.5 s); the time is the poll's.
		if [ -z "$done_ms" ]; then
			t=$(now_ms)
			if [ "$(unacked kota)" -eq 0 ]; then
				at=$(count_keg provinsi)
				[ "$at" -ge "$N_KEG" ] && done_ms=$t
			fi
		fi
		if [ -n "$done_ms" ] && [ "$written" -ge "$N_AR" ] && ! echo "$ar_got" | grep -q -- '-'; then
			break
		fi
		[ "$(now_ms)" -ge "$deadline" ] && break
		alive
		sleep 0.25
	done
	[ -n "$done_ms" ] || at=$(count_keg provinsi)

	link_stats
	stop_pids

	python3 - "$W/link.json" "$sc" "$N_KEG" "$at" "$t0" "${done_ms:-}" "$GZ" "$RATE" \
		"$ar_at" "$ar_got" <<'EOF' || fail "cannot summarise"
import json, sys
st = json.load(open(sys.argv[1]))
sc, n, at, t0, done, gz, rate = sys.argv[2:9]
n, at, t0, gz, rate = int(n), int(at), int(t0), int(gz), int(rate)
wrote, got = sys.argv[9].split(), sys.argv[10].split()
link_s = gz * 8 / rate
t = (int(done) - t0) / 1000 if done else None
delays = ["-" if g == "-" else "%.1f" % ((int(g) - int(w)) / 1000) for w, g in zip(wrote, got)]
print("thinlink %s: kegiatan=%d/%d time_s=%s up_bytes=%d down_bytes=%d cuts=%d gz_bytes=%d "
      "link_s=%.1f bytes_ratio=%.2f time_ratio=%s arahan_delay_s=%s up_per_kegiatan=%.0f" % (
          sc, at, n, "%.1f" % t if t is not None else "none", st["bytes_up"], st["bytes_down"],
          st["cuts"], gz, link_s, st["bytes_up"] / gz,
          "%.2f" % (t / link_s) if t is not None else "none", ",".join(delays) or "none",
          st["bytes_up"] / n))
EOF
done
