#!/bin/sh
# HTTPS for the office web application: `pokjactl web cert` (the files, their modes, no overwrite
# without --force, [web] tls_cert and tls_key set in pokjad.conf with its other lines kept, usage
# errors), pokjad serving https:// on a loopback port with that pair (an HTTPS client that trusts
# only cert.pem and checks the host name gets /api/me's 401 and the page; the certificate served
# has the fingerprint web cert printed; plain HTTP to that port gets no HTTP answer), and the
# configuration check: plain HTTP on an address that is not loopback refused unless
# allow_plain_http = yes, https:// refused without tls_cert and tls_key, a tls_cert that cannot
# be read refusing the start (in Indonesian: pokjad speaks it when [web] is on). Every wait is
# bounded; every pokjad is stopped at exit.
. tests/cli/lib.sh
. tests/cli/net.sh

TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 20"
WP=$((BASE + 3)) # the web application's port

# tls.py: the HTTPS client (trusting only the given cert.pem, checking the host name) and the
# plain HTTP probe.
cat >"$T/tls.py" <<'EOF'
import hashlib, http.client, socket, ssl, sys, urllib.error, urllib.request

def ctx(cafile):
    c = ssl.create_default_context(cafile=cafile)
    c.check_hostname = True
    return c

cmd = sys.argv[1]
if cmd == 'get':  # URL CAFILE: prints the status, the content type and the body
    # urllib asks for Connection: close, and nng's TLS close can cut the body short (seen once
    # in a CI run under load, never with a browser's kept-alive connections): up to 3 tries, each
    # retry said on stderr.
    for attempt in range(3):
        try:
            try:
                with urllib.request.urlopen(sys.argv[2], context=ctx(sys.argv[3]), timeout=10) as r:
                    st, ctype, body = r.status, r.headers.get('Content-Type', ''), r.read()
            except urllib.error.HTTPError as e:
                st, ctype, body = e.code, e.headers.get('Content-Type', ''), e.read()
            break
        except (ssl.SSLError, http.client.IncompleteRead, ConnectionError) as e:
            if attempt == 2:
                raise
            sys.stderr.write('retry after a cut answer: %r\n' % e)
    print(st)
    print(ctype)
    sys.stdout.write(body.decode('utf-8'))
elif cmd == 'fingerprint':  # PORT CAFILE: the SHA-256 of the certificate served, AB:CD:...
    with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=10) as s:
        with ctx(sys.argv[3]).wrap_socket(s, server_hostname='localhost') as t:
            der = t.getpeercert(True)
    print(':'.join('%02X' % b for b in hashlib.sha256(der).digest()))
elif cmd == 'plain':  # PORT: exit 0 when a plain HTTP request gets no HTTP answer
    c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[2]), timeout=10)
    try:
        c.request('GET', '/api/me')
        r = c.getresponse()
    except (http.client.HTTPException, OSError) as e:
        print('no HTTP answer: %r' % e)
        sys.exit(0)
    sys.exit('an HTTP answer: %d' % r.status)
EOF
tls() { python3 "$T/tls.py" "$@"; }
conf() { # NODE LINES...: writes $T/NODE/pokjad.conf
	_f=$T/$1/pokjad.conf
	shift
	printf '%s\n' "$@" >"$_f"
}

ok "init a node" "$P" --dir "$T/n" init --json

# ---- web cert ----------------------------------------------------------------------------

outputs "web cert makes a pair" "sidik jari SHA-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}" \
	"$P" --dir "$T/n" web cert
fp=$(sed -n 's/.*sidik jari SHA-256: //p' "$OUT")
stdout_has "... names the files" "sertifikat: +$T/n/web/cert.pem"
stdout_has "... says it set pokjad.conf" "\[web\] tls_cert dan tls_key diatur"
stdout_has "... and gives the listen line" "listen = https://0.0.0.0:8443"
same "cert.pem has mode 0644" "$(stat -c %a "$T/n/web/cert.pem")" 644
same "key.pem has mode 0600" "$(stat -c %a "$T/n/web/key.pem")" 600
same "the web folder has mode 0700" "$(stat -c %a "$T/n/web")" 700
check "no temporary file is left" test "$(ls "$T/n/web" | tr '\n' ' ')" = "cert.pem key.pem "
same "the fingerprint is openssl's" "$fp" \
	"$(openssl x509 -in "$T/n/web/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')"
outputs "the hosts are its subjectAltName" "DNS:localhost, IP Address:127.0.0.1" \
	openssl x509 -in "$T/n/web/cert.pem" -noout -ext subjectAltName
# The machine's name too, when it is a DNS name (web cert leaves out one that is not).
if hostname | grep -Eqx '[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?'; then
	stdout_has "... with the machine's name" "IP Address:127.0.0.1, DNS:$(hostname)\$"
fi
outputs "an ECDSA P-256 key, CA:FALSE" "CA:FALSE" \
	openssl x509 -in "$T/n/web/cert.pem" -noout -text
stdout_has "... P-256" "NIST CURVE: P-256"
check "pokjad.conf names the pair" grep -qx "tls_cert = $T/n/web/cert.pem" "$T/n/pokjad.conf"
check "... the key too" grep -qx "tls_key = $T/n/web/key.pem" "$T/n/pokjad.conf"
ok "... and pokjad --check takes it" "$PD" --dir "$T/n" --check

cp "$T/n/web/cert.pem" "$T/cert.before"
errs "web cert again is refused" "cert.pem sudah ada: --force menggantinya" "$P" --dir "$T/n" web cert
check "... with exit status 1" test "$RC" -eq 1
check "... and cert.pem is kept" cmp -s "$T/n/web/cert.pem" "$T/cert.before"
cp "$T/n/pokjad.conf" "$T/conf.before"
jcheck "web cert --force --json replaces it" \
	"j['hosts'] == ['localhost', '127.0.0.1'] and j['days'] == 30 and not j['config_set'] and
	 j['config_tls_cert'] == j['cert'] and j['cert'].endswith('/web/cert.pem') and
	 len(j['fingerprint_sha256']) == 95" \
	"$P" --dir "$T/n" web cert --force --days 30 --host localhost --host 127.0.0.1 --json
fp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint_sha256"])' "$OUT")
check "... a new certificate" test "$(cat "$T/cert.before")" != "$(cat "$T/n/web/cert.pem")"
check "... pokjad.conf, which names it already, untouched" cmp -s "$T/n/pokjad.conf" "$T/conf.before"
outputs "... valid 30 days" "notAfter=$(LC_ALL=C date -u -d '+30 days' '+%b %e')" \
	openssl x509 -in "$T/n/web/cert.pem" -noout -enddate

for bad in 0 -1 abc 36501 12x; do
	fails "--days $bad is a usage error" 2 "$P" --dir "$T/n" web cert --force --days "$bad"
done
fails "--host with a comma is a usage error" 2 "$P" --dir "$T/n" web cert --force --host 'a,b'
fails "--host with a space is a usage error" 2 "$P" --dir "$T/n" web cert --force --host 'a b'
fails "an unknown subcommand is a usage error" 2 "$P" --dir "$T/n" web certs
fails "web alone is a usage error" 2 "$P" --dir "$T/n" web
check "the usage errors made nothing" cmp -s "$T/n/pokjad.conf" "$T/conf.before"

# A pokjad.conf with other sections, comments, an empty tls_cert and https:// already.
ok "init a second node" "$P" --dir "$T/m" init
conf m "# the office's settings" "[node]" "listen = " "" "[web]" \
	"listen = https://127.0.0.1:$WP ; the office LAN" "tls_cert =" "" "[log]" "level = info"
errs "https:// without tls_cert and tls_key is refused" \
	"\[web\] listen https://127.0.0.1:$WP is https://: set \[web\] tls_cert and tls_key" \
	"$PD" --dir "$T/m" --check
outputs "web cert in it" "sertifikat:" "$P" --dir "$T/m" web cert --host localhost
check "... prints no listen line, as listen is https:// already" \
	sh -c "! grep -q 'listen = https://0.0.0.0' '$OUT'"
check "... keeps the other lines" grep -qx "# the office's settings" "$T/m/pokjad.conf"
check "... and the comment after listen" grep -qx "listen = https://127.0.0.1:$WP ; the office LAN" \
	"$T/m/pokjad.conf"
check "... drops the empty tls_cert" sh -c "! grep -qx 'tls_cert =' '$T/m/pokjad.conf'"
check "... sets both under [web]" sh -c "sed -n '/^\[web\]/,/^\[log\]/p' '$T/m/pokjad.conf' |
	grep -c '^tls_' | grep -qx 2"
ok "... and pokjad --check takes it" "$PD" --dir "$T/m" --check

# ---- pokjad over HTTPS ------------------------------------------------------------------

conf n "[web]" "listen = https://127.0.0.1:$WP" "tls_cert = $T/n/web/cert.pem" \
	"tls_key = $T/n/web/key.pem"
start n
if wait_for 10 tls fingerprint "$WP" "$T/n/web/cert.pem"; then
	pass "pokjad serves https://127.0.0.1:$WP"
else
	fail "pokjad serves https://127.0.0.1:$WP" "$(tail -n 15 "$(log_of n)")"
fi
outputs "the certificate served is the one made" "^$fp\$" tls fingerprint "$WP" "$T/n/web/cert.pem"
outputs "GET /api/me over HTTPS (host 127.0.0.1) answers 401" "^401$" \
	tls get "https://127.0.0.1:$WP/api/me" "$T/n/web/cert.pem"
cp "$OUT" "$T/me.out"
check "... with a JSON error tagged auth" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n", 2)
assert lines[1].startswith("application/json"), lines[1]
assert json.loads(lines[2])["error"]["tag"] == "auth"' "$T/me.out"
outputs "GET / (host localhost) answers the page" "^text/html" \
	tls get "https://localhost:$WP/" "$T/n/web/cert.pem"
stdout_has "... an HTML page" "<html"
errs "a client that trusts another certificate (the one replaced) refuses it" "CERTIFICATE_VERIFY_FAILED" \
	tls get "https://127.0.0.1:$WP/api/me" "$T/cert.before"
outputs "plain HTTP to the https:// port gets no HTTP answer" "no HTTP answer" tls plain "$WP"
stop n
same "pokjad stops cleanly" "$STOPPED" ""

# ---- the configuration check -------------------------------------------------------------

conf n "[web]" "listen = http://0.0.0.0:$WP"
errs "plain HTTP on 0.0.0.0 is refused" "allow_plain_http = yes" "$PD" --dir "$T/n" --check
stderr_has "... naming https://" "use https:// with \[web\] tls_cert and tls_key"
conf n "[web]" "listen = http://192.168.1.10:8080"
errs "plain HTTP on a LAN address is refused" "192.168.1.10:8080 is plain HTTP.*allow_plain_http" \
	"$PD" --dir "$T/n" --check
conf n "[web]" "listen = http://0.0.0.0:$WP" "allow_plain_http = yes"
outputs "... taken with allow_plain_http = yes" "configuration OK" "$PD" --dir "$T/n" --check
conf n "[web]" "listen = http://127.0.0.1:$WP"
outputs "plain HTTP on loopback is taken" "configuration OK" "$PD" --dir "$T/n" --check
conf n "[web]" "listen = https://127.0.0.1:$WP"
errs "https:// without tls_cert and tls_key is refused" "set \[web\] tls_cert and tls_key" \
	"$PD" --dir "$T/n" --check
conf n "[web]" "listen = https://127.0.0.1:$WP" "tls_cert = $T/n/web/nosuch.pem" \
	"tls_key = $T/n/web/key.pem"
errs "a tls_cert that does not exist refuses the start, in Indonesian, naming the file and why" \
	"\\[web\\] tls_cert $T/n/web/nosuch.pem: .*; buat sepasang dengan 'pokjactl web cert', atau sebutkan berkas yang dapat dibaca pokjad" \
	env LANGUAGE=id $TO "$PD" --dir "$T/n"
check "... with exit status 1" test "$RC" -eq 1
errs "... and in English with LANGUAGE=en" \
	"tls_cert $T/n/web/nosuch.pem: No such file or directory; make a pair with 'pokjactl web cert'" \
	env LANGUAGE=en $TO "$PD" --dir "$T/n"
# A relative path names a file in the node folder.
conf n "[web]" "listen = https://127.0.0.1:$WP" "tls_cert = web/missing.pem" \
	"tls_key = web/key.pem"
errs "a relative tls_cert is looked for in the node folder" \
	"tls_cert $T/n/web/missing.pem: No such file" env LANGUAGE=en $TO "$PD" --dir "$T/n"
# A folder, not a file.
conf n "[web]" "listen = https://127.0.0.1:$WP" "tls_cert = $T/n/web" "tls_key = web/key.pem"
errs "a folder named as tls_cert is refused as not a file" "tls_cert $T/n/web: not a file" \
	env LANGUAGE=en $TO "$PD" --dir "$T/n"
done_testing
