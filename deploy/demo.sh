#!/bin/sh
# make demo: a small pokja-sync network on loopback. The national node, Jawa Barat (32) and Jawa
# Tengah (33), Kota Bekasi (32.75) and Kota Bandung (32.73) under Jawa Barat, Kota Semarang
# (33.74) under Jawa Tengah; each joins its parent online with an invite token and runs pokjad.
# Kota Bekasi imports sample records drawn from the Pokja documents; one of its activities
# travels up to the province and the ministry but not to its neighbours; a national directive
# travels down to every district, and each province's receipt of it travels up; Jawa Barat
# verifies a Kota Bekasi activity and Kota Bekasi sees the verdict, while Jawa Barat may not
# change the activity itself. Every node also serves the office web application on loopback,
# with an account admin / pokja-demo (printed at the end): the demo keeps the network running
# until Enter is pressed, unless --no-wait is given or stdin is not a terminal. Then everything
# is stopped and removed (KEEP=1 keeps the folders, with the daemons stopped).
set -eu
wait_enter=1
for a in "$@"; do
	case $a in
	--no-wait) wait_enter=0 ;;
	*) echo "usage: demo.sh [--no-wait]" >&2; exit 2 ;;
	esac
done
[ -t 0 ] || wait_enter=0
WEB_USER=admin
WEB_PASSWORD=pokja-demo
BUILD=${BUILD:-build}
P="$BUILD/pokjactl"
D="$BUILD/pokjad"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d "${TMPDIR:-/tmp}/pokja-demo.XXXXXX")
base=$((20000 + ($$ * 8) % 40000))
pids=""
stop_all() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids=""
}
cleanup() {
	stop_all
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ pokjactl %s\n' "$*"; "$P" "$@"; }
webs="" # "name url" of each node's web application
web() { # node port: serves the web application on loopback, with the demo's admin account
	printf '\n[web]\nlisten = http://127.0.0.1:%s\n' "$2" >>"$work/$1/pokjad.conf"
	echo "$WEB_PASSWORD" | "$P" --dir "$work/$1" user add "$WEB_USER" --role admin \
		--password-file - >/dev/null
	webs="$webs
$1 http://127.0.0.1:$2/"
}
start() { # node folder: runs its pokjad in the background, logging to NODE.log
	"$D" --dir "$work/$1" 2>"$work/$1.log" &
	pids="$pids $!"
	# Wait (at most 5 s) until it is up.
	i=0
	until grep -q "info start" "$work/$1.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "demo: pokjad for $1 did not start" >&2; cat "$work/$1.log" >&2; exit 1; }
		sleep 0.1
	done
}
join() { # parent child region port
	tok=$("$P" --dir "$work/$1" invite --region "$3" 2>/dev/null)
	printf '$ pokjactl --dir %s invite --region %s    -> token %.24s...\n' "$1" "$3" "$tok"
	"$P" init --dir "$work/$2" --join "$tok" --listen "tcp://127.0.0.1:$4" >/dev/null
	printf '$ pokjactl init --dir %s --join TOKEN     -> %s\n' "$2" \
		"$("$P" --dir "$work/$2" info --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["name"], j["region"], j["level"])')"
	web "$2" $(($4 + 10))
	start "$2"
}
wait_for() { # seconds, command...: retries every 0.1 s
	n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
where() { # collection key: which nodes hold the record
	for n in nasional jabar jateng bekasi bandung semarang; do
		if "$P" --dir "$work/$n" get "$1" "$2" >/dev/null 2>&1; then
			printf '   %-9s has it\n' "$n"
		else
			printf '   %-9s -\n' "$n"
		fi
	done
}

step "the national node, root of trust, listening for provinces"
run init --dir "$work/nasional" --name "Kementerian PKP" --listen "tcp://127.0.0.1:$base" >/dev/null
web nasional $((base + 10))
start nasional
step "provinces and kabupaten/kota join online"
join nasional jabar 32 $((base + 1))
join nasional jateng 33 $((base + 2))
join jabar bekasi 32.75 $((base + 3))
join jabar bandung 32.73 $((base + 4))
join jateng semarang 33.74 $((base + 5))

step "Kota Bekasi imports its records (deploy/demo/sample.jsonl)"
run --dir "$work/bekasi" import deploy/demo/sample.jsonl
run --dir "$work/bekasi" list kegiatan

step "a Kota Bekasi activity travels up (not sideways)"
wait_for 10 "$P" --dir "$work/nasional" get kegiatan kg-2026-001
wait_for 5 "$P" --dir "$work/jabar" get kegiatan kg-2026-001
where kegiatan kg-2026-001

step "a national directive (arahan) travels down to every district"
run --dir "$work/nasional" put arahan arahan-2026-01 --json \
	'{"wilayah":"","judul":"Percepatan penyusunan RP3KP","isi":"Setiap kabupaten/kota menyusun RP3KP dan melaporkan kemajuannya.","dasar_hukum":"UU 1/2011","wilayah_sasaran":"","batas_tindak_lanjut":"2026-12-31"}'
for n in bekasi bandung semarang; do wait_for 10 "$P" --dir "$work/$n" get arahan arahan-2026-01; done
where arahan arahan-2026-01

step "each province's pokjad writes a receipt (penerimaan) of the directive, which travels up"
receipts() { [ "$("$P" --dir "$work/nasional" list penerimaan --json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -ge 2 ]; }
wait_for 20 receipts || echo "demo: the receipts have not all reached the ministry yet"
run --dir "$work/nasional" rekap arahan

step "Jawa Barat verifies a Kota Bekasi activity; Kota Bekasi sees the verdict"
run --dir "$work/jabar" verifikasi --collection kegiatan
run --dir "$work/jabar" verifikasi kegiatan kg-2026-001 perbaiki \
	--catatan "Lengkapi jumlah peserta dan sumber biaya"
verdict() { "$P" --dir "$work/bekasi" get kegiatan kg-2026-001 --json |
	python3 -c 'import json,sys; sys.exit(json.load(sys.stdin).get("verifikasi", {}).get("status") != "perlu perbaikan")'; }
wait_for 10 verdict || echo "demo: the verdict has not reached Kota Bekasi yet"
run --dir "$work/bekasi" get kegiatan kg-2026-001

step "Jawa Barat's view of its network"
run --dir "$work/jabar" status

step "the ministry's view of the whole network, from the health records every node sends up"
tree_full() { "$P" --dir "$work/nasional" status --tree --json |
	python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["count"] != 6)'; }
wait_for 20 tree_full || echo "demo: not every node's health record has reached the ministry yet"
run --dir "$work/nasional" status --tree

step "a province may not change a district's record: it acts through a verifikasi of its own"
if run --dir "$work/jabar" edit kegiatan kg-2026-001 --set nama=Diubah; then
	echo "demo: a province changed a district's record" >&2
	exit 1
fi

step "a write outside a node's region is refused"
if run --dir "$work/bekasi" put kegiatan --json '{"wilayah":"32.73","nama":"x","tahun":2026}'; then
	echo "demo: an out-of-region write was accepted" >&2
	exit 1
fi

step "the office web application of each node (user $WEB_USER, password $WEB_PASSWORD)"
echo "$webs" | while read -r n u; do [ -n "$n" ] && printf '   %-9s %s\n' "$n" "$u"; done
if [ "$wait_enter" = 1 ]; then
	printf '\nThe network keeps running: open an address above in a browser. Press Enter to stop.'
	read -r _
fi

step "stopping every node (SIGTERM)"
stop_all
echo "nodes that logged 'stopped cleanly': $(cat "$work"/*.log | grep -c 'stopped cleanly') of 6"
printf '\ndemo finished%s\n' "$([ "${KEEP:-0}" = 1 ] && echo ": nodes kept in $work")"
