#!/bin/sh
# make demo: a national node, the province of Jawa Barat (32) and Kota Bekasi (32.75), joined
# with the offline certificate path; Kota Bekasi imports sample records drawn from the Pokja
# documents and lists them. Everything lives in a temporary folder that is removed at the end
# (set KEEP=1 to keep it). Replication between the nodes over nng is issue #3.
set -eu
BUILD=${BUILD:-build}
P="$BUILD/pokjactl"
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d "${TMPDIR:-/tmp}/pokja-demo.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT INT TERM
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ pokjactl %s\n' "$*"; "$P" "$@"; }

step "the national node (root of trust)"
run init --dir "$work/nasional" --name "Kementerian PKP"
step "Provinsi Jawa Barat (32) asks the national node for a certificate"
run init --dir "$work/jabar" --region 32 >/dev/null
run --dir "$work/jabar" request -o "$work/jabar.req"
run --dir "$work/nasional" certify "$work/jabar.req" -o "$work/jabar.cert"
run --dir "$work/jabar" install-cert "$work/jabar.cert"
step "Kota Bekasi (32.75) joins under Jawa Barat"
run init --dir "$work/bekasi" --region 32.75 --name "Pokja Sanitasi Kota Bekasi" >/dev/null
run --dir "$work/bekasi" request -o "$work/bekasi.req"
run --dir "$work/jabar" certify "$work/bekasi.req" -o "$work/bekasi.cert"
run --dir "$work/bekasi" install-cert "$work/bekasi.cert"
step "Kota Bekasi imports its records (deploy/demo/sample.jsonl)"
run --dir "$work/bekasi" import deploy/demo/sample.jsonl
step "its activities (kegiatan)"
run --dir "$work/bekasi" list kegiatan
step "one of them as JSON"
run --dir "$work/bekasi" get kegiatan kg-2026-001 --json
step "slum area per kelurahan (kumuh)"
run --dir "$work/bekasi" list kumuh
step "a write outside its region is refused"
if run --dir "$work/bekasi" put kegiatan --json '{"wilayah":"32.73","nama":"x","tahun":2026}'; then
	echo "demo: an out-of-region write was accepted" >&2
	exit 1
fi
step "the signed log, and a full re-check of the store"
run --dir "$work/bekasi" log
run --dir "$work/bekasi" verify
printf '\ndemo finished%s\n' "$([ "${KEEP:-0}" = 1 ] && echo ": nodes kept in $work")"
