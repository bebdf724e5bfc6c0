#!/bin/sh
# The office web application (issue 13, "How it is judged"): three pokjad of one lineage online
# (the national node, province 32, Kota Bekasi 32.75), each serving [web] on its own loopback port,
# with accounts made by `pokjactl user add`. Through the JSON API (proto/SPEC.md section 22,
# "Web API"), with python3's urllib and one cookie file per user:
#   - security: 401 auth without a session on every address; 403 csrf without or with a wrong
#     X-CSRF-Token, and nothing written; 403 role for an operator's verdict and a pimpinan's
#     write; the login throttle (429 throttled with retry_after) for one name only; the session
#     cookie HttpOnly and SameSite=Strict; logout ends the session; malformed JSON 400; an unknown
#     collection 404; a body over 1 MiB refused; a <script> value stored and returned as text; a
#     district operator may not write another region's record; a garbage request line refused
#     while pokjad keeps serving;
#   - the round trip: a kegiatan with a mistake (422 with the field), fixed (201), in the
#     district's list, then the province's; the province's verifikator approves it; the verdict at
#     the district; PATCH one field; DELETE;
#   - the messages in Indonesian (LANGUAGE=id from lib.sh);
#   - the size of the pages and the first byte of GET / on loopback;
#   - then the browser test tests/web/test_web.py (headless chromium through chromedriver)
#     against the three nodes, its TAP lines counted as this test's.
# Every wait is bounded; every pokjad is stopped at exit.
. tests/cli/lib.sh
. tests/cli/net.sh

PW='sandi-uji-web-2026' # every account's password
W_NAS=$((BASE + 10))    # the web ports
W_P32=$((BASE + 11))
W_K=$((BASE + 12))

# ---- web.py: the HTTP client ------------------------------------------------------------------
# python3 web.py JAR PORT METHOD PATH [BODY] [--csrf none|wrong] [--raw-body FILE]
#   one request; JAR is a user's cookie file (JAR.csrf its CSRF token, both written by a
#   successful POST /api/login, removed by /api/logout); prints {"status", "headers", "body"}
#   (body parsed as JSON when it is), or {"status": null, "closed": why} when the connection was
#   closed without an answer. JAR "-" sends no cookie.
# python3 web.py raw PORT TEXT: TEXT (with \r\n escapes) on a new connection; prints
#   {"reply": the answer's first line or "", "closed": bool}.
# python3 web.py ttfb PORT: the best of 5 times to the first byte of GET / (ms).
# python3 web.py sizes PORT: GET / and every asset it names: {"/": bytes, "/app.js": bytes, ...}.
cat >"$T/web.py" <<'EOF'
import json, os, re, socket, sys, time, urllib.error, urllib.request

def out(o):
    print(json.dumps(o, ensure_ascii=False))

def request(port, method, path, body=None, headers=None, timeout=20):
    req = urllib.request.Request('http://127.0.0.1:%s%s' % (port, path), data=body,
                                 method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

def main(a):
    if a[0] == 'raw':
        s = socket.create_connection(('127.0.0.1', int(a[1])), timeout=10)
        data = b''
        try:  # the server may close the connection while the request is still being sent
            s.sendall(a[2].encode().decode('unicode_escape').encode('latin-1'))
            s.shutdown(socket.SHUT_WR)
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
        except OSError:
            pass
        s.close()
        out({'reply': data.split(b'\r\n', 1)[0].decode('latin-1'), 'closed': not data})
        return 0
    if a[0] == 'ttfb':
        best = None
        for _ in range(5):
            t0 = time.perf_counter()
            s = socket.create_connection(('127.0.0.1', int(a[1])), timeout=10)
            s.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
            s.recv(1)
            dt = (time.perf_counter() - t0) * 1000
            s.close()
            best = dt if best is None or dt < best else best
        out({'ms': round(best, 2)})
        return 0
    if a[0] == 'sizes':
        st, h, b = request(a[1], 'GET', '/')
        sizes = {'/': len(b)}
        for ref in re.findall(r'(?:src|href)="(/?[A-Za-z0-9_./-]+\.(?:js|css|png|svg|ico))"',
                              b.decode('utf-8', 'replace')):
            p = ref if ref.startswith('/') else '/' + ref
            st2, h2, b2 = request(a[1], 'GET', p)
            sizes[p] = len(b2) if st2 == 200 else -st2
        out({'status': st, 'sizes': sizes, 'total': sum(v for v in sizes.values() if v > 0)})
        return 0
    jar, port, method, path = a[:4]
    rest = a[4:]
    body = None
    csrf_mode = 'auto'
    while rest:
        if rest[0] == '--csrf':
            csrf_mode = rest[1]
            rest = rest[2:]
        elif rest[0] == '--raw-body':
            body = open(rest[1], 'rb').read()
            rest = rest[2:]
        else:
            body = rest[0].encode()
            rest = rest[1:]
    headers = {}
    if body is not None:
        headers['Content-Type'] = 'application/json'
    if jar != '-' and os.path.exists(jar):
        headers['Cookie'] = open(jar).read().strip()
    if method != 'GET' and csrf_mode != 'none' and path != '/api/login':
        tok = open(jar + '.csrf').read().strip() if jar != '-' and os.path.exists(jar + '.csrf') else ''
        headers['X-CSRF-Token'] = ('0' * 64) if csrf_mode == 'wrong' else tok
    try:
        st, h, raw = request(port, method, path, body, headers)
    except (ConnectionError, socket.timeout, urllib.error.URLError, OSError) as e:
        out({'status': None, 'closed': str(e)})
        return 0
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw.decode('utf-8', 'replace')
    hd = {k.lower(): v for k, v in h.items()}
    if path == '/api/login' and st == 200 and jar != '-':
        c = hd.get('set-cookie', '')
        open(jar, 'w').write(c.split(';', 1)[0])
        open(jar + '.csrf', 'w').write(parsed.get('csrf', ''))
    out({'status': st, 'headers': hd, 'body': parsed})
    return 0

sys.exit(main(sys.argv[1:]))
EOF
web() { python3 "$T/web.py" "$@"; }

# The error tag of an answer, in jcheck expressions.
TAG='((j["body"].get("error") or {}).get("tag") if isinstance(j["body"], dict) else None)'

# ---- the network -----------------------------------------------------------------------------
ok "init the national node (listens on $BASE, web on $W_NAS)" \
	"$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE" --name Nasional
printf '\n[web]\nlisten = http://127.0.0.1:%s\n' "$W_NAS" >>"$T/nas/pokjad.conf"
start nas
JOIN_CONF=$(printf '\n[web]\nlisten = http://127.0.0.1:%s\n' "$W_P32")
join p32 nas 32 $((BASE + 1))
JOIN_CONF=$(printf '\n[web]\nlisten = http://127.0.0.1:%s\n' "$W_K")
join k3275 p32 32.75

# Accounts: an admin on each node (the browser test's), and the roles the checks need.
adduser() { # node name role
	printf '%s\n' "$PW" | "$P" --dir "$T/$1" user add "$2" --role "$3" --password-file -
}
for n in nas p32 k3275; do
	ok "an admin account at $n" adduser $n admin admin
done
for u in opr:operator pim:pimpinan ver:verifikator korban:operator; do
	ok "a ${u#*:} ${u%%:*} at Kota Bekasi" adduser k3275 "${u%%:*}" "${u#*:}"
done
ok "a verifikator at the province" adduser p32 ver32 verifikator

served() { web - "$1" GET /api/me | grep -q '"status": 401'; }
for np in nas:$W_NAS p32:$W_P32 k3275:$W_K; do
	if wait_for 20 served "${np#*:}"; then
		pass "${np%%:*} serves the web application on ${np#*:}"
	else
		fail "${np%%:*} serves the web application on ${np#*:}" "$(tails "${np%%:*}")"
	fi
done

J=$T/jar # J.USER: the cookie of USER at Kota Bekasi
login() { # jar port user [password]
	web "$1" "$2" POST /api/login "{\"user\":\"$3\",\"password\":\"${4:-$PW}\"}"
}
kegiatan_at() { "$P" --dir "$T/$1" list kegiatan --json; }

# ---- no session: 401 auth on every address -----------------------------------------------------
for mp in "GET /api/me" "POST /api/logout" "GET /api/schema" "GET /api/records/kegiatan" \
	"GET /api/records/kegiatan/abc" "POST /api/records/kegiatan" "PATCH /api/records/kegiatan/abc" \
	"DELETE /api/records/kegiatan/abc" "GET /api/verifikasi" "POST /api/verifikasi" \
	"GET /api/beranda" "GET /api/status" "GET /api/export/kegiatan"; do
	case $mp in
	POST* | PATCH*) jcheck "no session: $mp answers 401 auth" \
		"j['status'] == 401 and $TAG == 'auth'" web - $W_K ${mp% *} ${mp#* } '{}' ;;
	*) jcheck "no session: $mp answers 401 auth" \
		"j['status'] == 401 and $TAG == 'auth'" web - $W_K ${mp% *} ${mp#* } ;;
	esac
done

# ---- login, the cookie, the messages ---------------------------------------------------------
jcheck "a wrong password answers 401 login, its message in Indonesian" \
	"j['status'] == 401 and $TAG == 'login' and
	 j['body']['error']['message'] == 'nama pengguna atau kata sandi salah'" \
	login "$J.x" $W_K opr salah-sandi
jcheck "the operator logs in at Kota Bekasi: its role, a CSRF token, the node" \
	"j['status'] == 200 and j['body']['user'] == 'opr' and j['body']['role'] == 'operator' and
	 len(j['body']['csrf']) == 64 and j['body']['node']['region'] == '32.75'" \
	login "$J.opr" $W_K opr
_sc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["headers"].get("set-cookie",""))' "$OUT" 2>/dev/null)
if printf '%s' "$_sc" | python3 -c '
import sys
c = sys.stdin.read()
parts = [p.strip().lower() for p in c.split(";")]
sys.exit(0 if c.startswith("pokja_sesi=") and "httponly" in parts and "samesite=strict" in parts
         and "path=/" in parts else 1)'; then
	pass "... the session cookie pokja_sesi is HttpOnly, SameSite=Strict, Path=/"
else
	fail "... the session cookie pokja_sesi is HttpOnly, SameSite=Strict, Path=/" "Set-Cookie: $_sc"
fi
jcheck "GET /api/me with the cookie" \
	"j['status'] == 200 and j['body']['user'] == 'opr' and j['body']['node']['name'] != ''" \
	web "$J.opr" $W_K GET /api/me
for u in pim ver admin; do
	jcheck "$u logs in at Kota Bekasi" "j['status'] == 200" login "$J.$u" $W_K $u
done
jcheck "the province's verifikator logs in there" "j['status'] == 200" login "$J.ver32" $W_P32 ver32

# ---- CSRF: refused, nothing written ----------------------------------------------------------
before=$(kegiatan_at k3275)
jcheck "a POST without X-CSRF-Token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K POST /api/records/kegiatan '{"nama":"csrf","tahun":2026}' --csrf none
jcheck "a POST with a wrong X-CSRF-Token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K POST /api/records/kegiatan '{"nama":"csrf","tahun":2026}' --csrf wrong
same "... and nothing was stored by them" "$(kegiatan_at k3275)" "$before"
ok "a record to PATCH and DELETE" "$P" --dir "$T/k3275" put kegiatan csrf-1 \
	--json '{"nama":"Tetap","tahun":2026}'
before=$(kegiatan_at k3275)
jcheck "a PATCH without the token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K PATCH /api/records/kegiatan/csrf-1 '{"set":{"nama":"Diubah"}}' --csrf none
jcheck "a PATCH with a wrong token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K PATCH /api/records/kegiatan/csrf-1 '{"set":{"nama":"Diubah"}}' --csrf wrong
jcheck "a DELETE without the token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K DELETE /api/records/kegiatan/csrf-1 --csrf none
jcheck "a DELETE with a wrong token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.opr" $W_K DELETE /api/records/kegiatan/csrf-1 --csrf wrong
jcheck "a verdict without the token answers 403 csrf" "j['status'] == 403 and $TAG == 'csrf'" \
	web "$J.ver32" $W_P32 POST /api/verifikasi \
	'{"collection":"kegiatan","key":"csrf-1","region":"32.75","verdict":"disetujui"}' --csrf none
same "... and the district's kegiatan are as they were" "$(kegiatan_at k3275)" "$before"

# ---- roles -------------------------------------------------------------------------------------
jcheck "an operator's POST /api/verifikasi answers 403 role" "j['status'] == 403 and $TAG == 'role'" \
	web "$J.opr" $W_K POST /api/verifikasi \
	'{"collection":"kegiatan","key":"csrf-1","region":"32.75","verdict":"disetujui"}'
jcheck "a pimpinan's POST /api/records/kegiatan answers 403 role" \
	"j['status'] == 403 and $TAG == 'role'" \
	web "$J.pim" $W_K POST /api/records/kegiatan '{"nama":"Pimpinan","tahun":2026}'
jcheck "a pimpinan reads the list" "j['status'] == 200 and j['body']['total'] >= 1" \
	web "$J.pim" $W_K GET /api/records/kegiatan
same "... nothing written by the refused ones" "$(kegiatan_at k3275)" "$before"

# ---- bad requests ------------------------------------------------------------------------------
jcheck "malformed JSON answers 400 malformed" "j['status'] == 400 and $TAG == 'malformed'" \
	web "$J.opr" $W_K POST /api/records/kegiatan '{"nama": "rusak", "tahun": 2026'
jcheck "a JSON array instead of an object answers 400 malformed" \
	"j['status'] == 400 and $TAG == 'malformed'" \
	web "$J.opr" $W_K POST /api/records/kegiatan '[1,2]'
jcheck "an unknown collection answers 404" "j['status'] == 404" \
	web "$J.opr" $W_K GET /api/records/tidakada
jcheck "a POST to an unknown collection answers 404" "j['status'] == 404" \
	web "$J.opr" $W_K POST /api/records/tidakada '{"nama":"x"}'
python3 -c '
import json, sys
open(sys.argv[1], "w").write(json.dumps({"nama": "besar", "tahun": 2026, "catatan": "x" * (1100 * 1024)}))' \
	"$T/big.json"
jcheck "a body over 1 MiB is refused (a 4xx or the connection closed)" \
	"j['status'] is None or 400 <= j['status'] < 500" \
	web "$J.opr" $W_K POST /api/records/kegiatan --raw-body "$T/big.json"
echo "# the body over 1 MiB: $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["status"], j.get("closed") or json.dumps(j.get("body"), ensure_ascii=False)[:200])' "$OUT")"
same "... and nothing was stored by them" "$(kegiatan_at k3275)" "$before"

# ---- another region: refused, nothing stored ---------------------------------------------------
jcheck "the district operator's record of region 33.01 answers 403 owner or 422 invalid" \
	"(j['status'] == 403 and $TAG == 'owner') or (j['status'] == 422 and $TAG == 'invalid')" \
	web "$J.opr" $W_K POST /api/records/kegiatan '{"wilayah":"33.01","nama":"Bukan milik","tahun":2026}'
echo "# another region's record: $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["status"], json.dumps(j["body"], ensure_ascii=False))' "$OUT")"
same "... nothing stored" "$(kegiatan_at k3275)" "$before"

# ---- a record of another node: refused, nothing changed -----------------------------------------
ok "the national node writes an arahan for Kota Bekasi" "$P" --dir "$T/nas" put arahan arh-web \
	--json '{"judul":"Arahan uji web","isi":"Laporkan","wilayah_sasaran":"32.75"}'
if wait_for 30 has k3275 arahan arh-web; then
	pass "... it reaches Kota Bekasi"
else
	fail "... it reaches Kota Bekasi" "$(tails nas p32 k3275)"
fi
arahan_before=$("$P" --dir "$T/k3275" list arahan --json)
jcheck "the district operator's PATCH of the national arahan answers 403 owner" \
	"j['status'] == 403 and $TAG == 'owner'" \
	web "$J.opr" $W_K PATCH /api/records/arahan/arh-web '{"set":{"judul":"Diubah di kota"}}'
jcheck "... its DELETE answers 403 owner" "j['status'] == 403 and $TAG == 'owner'" \
	web "$J.opr" $W_K DELETE /api/records/arahan/arh-web
same "... the arahan is as it was" "$("$P" --dir "$T/k3275" list arahan --json)" "$arahan_before"

# ---- methods and headers -----------------------------------------------------------------------
jcheck "GET /api/login answers 405 method" "j['status'] == 405 and $TAG == 'method'" \
	web "$J.opr" $W_K GET /api/login
jcheck "PUT /api/records/kegiatan/csrf-1 answers 405 method" "j['status'] == 405 and $TAG == 'method'" \
	web "$J.opr" $W_K PUT /api/records/kegiatan/csrf-1 '{"nama":"x"}'
jcheck "an API answer is JSON, not cached, not framed, not sniffed" \
	"j['headers'].get('content-type', '').startswith('application/json') and
	 j['headers'].get('cache-control') == 'no-store' and
	 j['headers'].get('x-frame-options') == 'DENY' and
	 j['headers'].get('x-content-type-options') == 'nosniff'" \
	web "$J.opr" $W_K GET /api/me
jcheck "GET / is the page, HTML, with a Content-Security-Policy of its own origin only" \
	"j['status'] == 200 and j['headers'].get('content-type', '').startswith('text/html') and
	 \"default-src 'self'\" in j['headers'].get('content-security-policy', '') and
	 'frame-ancestors' in j['headers'].get('content-security-policy', '')" \
	web - $W_K GET /

# ---- a stranger's garbage on the port ---------------------------------------------------------
jcheck "a garbage request line gets an HTTP error or a closed connection" \
	"j['closed'] or j['reply'].startswith('HTTP/1.') and j['reply'].split()[1][0] in '45'" \
	web raw $W_K '\x16\x03\x01\x00\xa5garbage \x00\xff\r\n\r\n'
echo "# garbage: $(cat "$OUT")"
jcheck "... a request line of 20000 bytes too" \
	"j['closed'] or j['reply'].startswith('HTTP/1.') and j['reply'].split()[1][0] in '45'" \
	web raw $W_K "GET /$(head -c 20000 /dev/zero | tr '\0' a) HTTP/1.1\r\n\r\n"
jcheck "... and pokjad keeps serving" "j['status'] == 200" web "$J.opr" $W_K GET /api/me
check "... still running" kill -0 "$(pid_of k3275)"

# ---- the round trip ----------------------------------------------------------------------------
STAMP=uji$$
jcheck "a kegiatan with biaya \"banyak\" answers 422 invalid with fields.biaya" \
	"j['status'] == 422 and $TAG == 'invalid' and 'biaya' in j['body']['error'].get('fields', {})" \
	web "$J.opr" $W_K POST /api/records/kegiatan \
	"{\"nama\":\"Sosialisasi $STAMP\",\"tahun\":2026,\"status\":\"rencana\",\"biaya\":\"banyak\"}"
cp "$OUT" "$T/422.json"
# The messages in Indonesian: the record's problems as pokjactl says them (cli/po/id.po: "the
# record has 1 problem; %s" with "nothing was stored"), the field's as pokjactl put says it.
jcheck "... its message in Indonesian: rekaman itu memiliki 1 masalah; tidak ada yang disimpan" \
	"j['body']['error']['message'] == 'rekaman itu memiliki 1 masalah; tidak ada yang disimpan'" \
	cat "$T/422.json"
jcheck "... the field's message in Indonesian (bukan jumlah rupiah)" \
	"'bukan jumlah rupiah' in j['body']['error']['fields']['biaya']" cat "$T/422.json"
same "... nothing stored" "$(kegiatan_at k3275)" "$before"
jcheck "fixed (Rp 15.000.000), it answers 201 with its key and region" \
	"j['status'] == 201 and j['body']['key'] != '' and j['body']['region'] == '32.75'" \
	web "$J.opr" $W_K POST /api/records/kegiatan \
	"{\"nama\":\"Sosialisasi $STAMP\",\"tahun\":2026,\"status\":\"rencana\",\"sumber_biaya\":\"APBD\",\"biaya\":\"Rp 15.000.000\",\"penanggung_jawab\":\"<script>alert(1)</script>\"}"
K=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["body"].get("key",""))' "$OUT" 2>/dev/null)
jcheck "it is in the district's list (q=$STAMP), normalised, with its author" \
	"j['status'] == 200 and j['body']['total'] == 1 and
	 (lambda r: r['key'] == '$K' and r['wilayah'] == '32.75' and r['biaya'] == 15000000 and
	  r['diubah_oleh']['wilayah'] == '32.75' and r['collection'] == 'kegiatan')(j['body']['items'][0])" \
	web "$J.opr" $W_K GET "/api/records/kegiatan?q=$STAMP&tahun=2026&region=32.75"
cp "$OUT" "$T/list.json"
jcheck "... and its <script> value comes back as the same text" \
	"j['body']['items'][0]['penanggung_jawab'] == '<script>alert(1)</script>'" cat "$T/list.json"
jcheck "a filter that does not match (tahun=2025) lists none" "j['status'] == 200 and j['body']['total'] == 0" \
	web "$J.opr" $W_K GET "/api/records/kegiatan?q=$STAMP&tahun=2025"
at_province() {
	web "$J.ver32" $W_P32 GET "/api/records/kegiatan?q=$STAMP&region=32.75" >"$T/.prov" &&
		_jtest "$T/.prov" "j['status'] == 200 and j['body']['total'] == 1" >/dev/null
}
if wait_for 30 at_province; then
	pass "it reaches the province's list within 30 s"
else
	fail "it reaches the province's list within 30 s" "$(cat "$T/.prov"; tails k3275 p32)"
fi
in_queue() {
	web "$J.ver32" $W_P32 GET /api/verifikasi >"$T/.q" &&
		_jtest "$T/.q" "any(x['key'] == '$K' for x in j['body']['items'])" >/dev/null
}
if wait_for 10 in_queue; then
	pass "... and the province's verification queue"
else
	fail "... and the province's verification queue" "$(cat "$T/.q")"
fi
jcheck "the province's verifikator approves it (201)" "j['status'] == 201" \
	web "$J.ver32" $W_P32 POST /api/verifikasi \
	"{\"collection\":\"kegiatan\",\"key\":\"$K\",\"region\":\"32.75\",\"verdict\":\"disetujui\",\"catatan\":\"Lengkap\"}"
approved() {
	web "$J.opr" $W_K GET "/api/records/kegiatan/$K?region=32.75" >"$T/.rec" &&
		_jtest "$T/.rec" "j['body']['verifikasi']['status'] == 'disetujui'" >/dev/null
}
if wait_for 30 approved; then
	pass "the district's GET record shows verifikasi.status disetujui within 30 s"
else
	fail "the district's GET record shows verifikasi.status disetujui within 30 s" \
		"$(cat "$T/.rec"; tails p32 k3275)"
fi
cp "$T/.rec" "$T/rec.json"
jcheck "... the verdict's note and who gave it" \
	"j['body']['verifikasi'].get('catatan') == 'Lengkap' and
	 j['body']['verifikasi']['oleh']['wilayah'] == '32'" cat "$T/rec.json"
jcheck "GET record has the history of its versions (version, diubah_oleh, diubah, changes), each naming the web user who wrote it" \
	"isinstance(j['body'].get('history'), list) and len(j['body']['history']) >= 1 and
	 all(set(h) >= {'version', 'diubah_oleh', 'diubah', 'changes'} for h in j['body']['history']) and
	 all(h.get('pengguna', {}).get('pengguna') == 'opr' and h['pengguna']['peran'] == 'operator'
	     for h in j['body']['history'])" \
	cat "$T/rec.json"
jcheck "PATCH one field answers 200" "j['status'] == 200 and j['body']['key'] == '$K'" \
	web "$J.opr" $W_K PATCH "/api/records/kegiatan/$K" '{"set":{"status":"berjalan"}}'
jcheck "... the field changed, the others kept" \
	"j['status'] == 200 and j['body']['status'] == 'berjalan' and j['body']['biaya'] == 15000000 and
	 j['body']['nama'] == 'Sosialisasi $STAMP' and j['body']['sumber_biaya'] == 'APBD'" \
	web "$J.opr" $W_K GET "/api/records/kegiatan/$K"
jcheck "a PATCH with a bad value answers 422 with the field" \
	"j['status'] == 422 and 'tahun' in j['body']['error'].get('fields', {})" \
	web "$J.opr" $W_K PATCH "/api/records/kegiatan/$K" '{"set":{"tahun":"kemarin"}}'
jcheck "DELETE answers 200" "j['status'] == 200" web "$J.opr" $W_K DELETE "/api/records/kegiatan/$K"
jcheck "... then GET record answers 404 not-found" "j['status'] == 404 and $TAG == 'not-found'" \
	web "$J.opr" $W_K GET "/api/records/kegiatan/$K"
check "... and pokjactl no longer has it" lacks k3275 kegiatan "$K"

# ---- the beranda ------------------------------------------------------------------------------
jcheck "GET /api/beranda: the counts, the arahan due, the queue and the peers (the parent)" \
	"j['status'] == 200 and isinstance(j['body'].get('kegiatan_by_status'), dict) and
	 isinstance(j['body'].get('arahan_due'), list) and
	 isinstance(j['body'].get('verifikasi_waiting'), int) and
	 any(p.get('region') == '32' for p in j['body'].get('peers', []))" \
	web "$J.opr" $W_K GET /api/beranda

# ---- the throttle --------------------------------------------------------------------------------
for i in 1 2 3 4 5; do
	web "$J.k" $W_K POST /api/login '{"user":"korban","password":"salah"}' >"$T/.thr.$i"
done
thr=""
for i in 1 2 3 4 5; do
	thr="$thr $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$T/.thr.$i")"
done
same "five wrong passwords for korban each answer 401 login" "$thr" " 401 401 401 401 401"
jcheck "... then the right one answers 429 throttled with retry_after > 0" \
	"j['status'] == 429 and $TAG == 'throttled' and j['body']['error']['retry_after'] > 0" \
	login "$J.korban" $W_K korban
jcheck "... while another name still logs in" "j['status'] == 200" login "$J.opr2" $W_K opr

# ---- logout ------------------------------------------------------------------------------------
cp "$J.pim" "$J.pim.old"
jcheck "logout answers 200" "j['status'] == 200" web "$J.pim" $W_K POST /api/logout
jcheck "... and the old cookie then answers 401 auth" "j['status'] == 401 and $TAG == 'auth'" \
	web "$J.pim.old" $W_K GET /api/me

# ---- the node's status (admin), exports, the printable rekap --------------------------------------
jcheck "an operator's GET /api/status answers 403 role" "j['status'] == 403 and $TAG == 'role'" \
	web "$J.opr" $W_K GET /api/status
jcheck "the admin logs in at Kota Bekasi" "j['status'] == 200 and j['body']['role'] == 'admin'" \
	login "$J.adm" $W_K admin
jcheck "the admin's GET /api/status answers what pokjactl status --json prints: the parent connected" \
	"j['status'] == 200 and j['body']['region'] == '32.75' and
	 j['body']['parent']['region'] == '32' and j['body']['parent']['connected'] and
	 isinstance(j['body']['refused'], dict) and isinstance(j['body']['invites'], list)" \
	web "$J.adm" $W_K GET /api/status
jcheck "a page far past the end answers an empty page, with the total" \
	"j['status'] == 200 and j['body']['items'] == [] and j['body']['total'] >= 1" \
	web "$J.opr" $W_K GET "/api/records/kegiatan?page=999999999999&per_page=500"
for bad in "per_page=abc" "page=0" "page=-3" "page=99999999999999999999" "page=1x" "page="; do
	jcheck "a list with $bad answers 400 malformed" "j['status'] == 400 and $TAG == 'malformed'" \
		web "$J.opr" $W_K GET "/api/records/kegiatan?$bad"
done
jcheck "GET /api/export/kegiatan?format=csv answers 200" "j['status'] == 200" \
	web "$J.opr" $W_K GET "/api/export/kegiatan?format=csv"
jcheck "GET /api/rekap/kegiatan is the page to print, with a CSP that allows no script" \
	"j['status'] == 200 and j['headers']['content-type'].startswith('text/html') and
	 \"default-src 'none'\" in j['headers']['content-security-policy'] and
	 'script' not in j['headers']['content-security-policy']" \
	web "$J.opr" $W_K GET "/api/rekap/kegiatan?by=status"

# ---- the pages: size and first byte ------------------------------------------------------------
jcheck "GET / and its assets total under 100 KB" \
	"j['status'] == 200 and all(v > 0 for v in j['sizes'].values()) and len(j['sizes']) >= 3 and
	 j['total'] < 100 * 1024" web sizes $W_K
SIZES=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%d bytes (%s)" % (j["total"], ", ".join("%s %d" % kv for kv in j["sizes"].items())))' "$OUT" 2>/dev/null)
jcheck "the first byte of GET / within 200 ms on loopback (best of 5)" "j['ms'] < 200" web ttfb $W_K
TTFB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ms"])' "$OUT" 2>/dev/null)
echo "# pages: $SIZES; first byte of GET /: $TTFB ms (best of 5)"

# ---- the browser -------------------------------------------------------------------------------
SHOTS=${WEB_SHOTS:-$(dirname "$P")/web-shots} # kept: build/web-shots, gitignored
# The whole browser run bounded too (its own waits are: 20 s a page, WEB_WAIT a replication).
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout -k 10 300"
mkdir -p "$SHOTS"
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ] ||
	! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	fail "the browser test runs (chromium, chromium-driver, python3-selenium)" \
		"missing: deploy/install-deps.sh installs chromium, chromium-driver and python3-selenium"
else
	WEB_URL_DISTRICT=http://127.0.0.1:$W_K WEB_URL_PROVINCE=http://127.0.0.1:$W_P32 \
		WEB_URL_NATIONAL=http://127.0.0.1:$W_NAS WEB_USER=admin WEB_PASSWORD=$PW \
		SHOT_DIR=$SHOTS WEB_WAIT=${WEB_WAIT:-60} HOME=$T \
		$TO /usr/bin/python3 tests/web/test_web.py >"$T/browser.tap" 2>"$T/browser.err"
	brc=$?
	# Its TAP lines become this test's: each "ok"/"not ok" counted here, its comments passed on.
	seen=0
	plan=""
	while IFS= read -r line; do
		case $line in
		"ok "*) seen=$((seen + 1)); pass "browser: ${line#ok * - }" ;;
		"not ok "*) seen=$((seen + 1)); fail "browser: ${line#not ok * - }" ;;
		"1.."*) plan=${line#1..} ;;
		*) echo "$line" ;;
		esac
	done <"$T/browser.tap"
	if [ -n "$plan" ] && [ "$plan" = "$seen" ] && { [ $brc -eq 0 ] || [ $brc -eq 1 ]; }; then
		pass "the browser test ran to its plan ($seen tests; screenshots in $SHOTS)"
	else
		fail "the browser test ran to its plan ($seen tests; screenshots in $SHOTS)" \
			"exit $brc, plan '$plan'; stderr: $(tail -n 20 "$T/browser.err")"
	fi
	ls "$SHOTS" | sed 's/^/# screenshot: /'
fi

for n in k3275 p32 nas; do
	stop $n
	same "$n stops cleanly" "$STOPPED" ""
done
done_testing
