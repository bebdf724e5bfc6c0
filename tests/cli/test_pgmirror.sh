#!/bin/sh
# pokjad's PostgreSQL mirror ([postgres] conninfo) against a real PostgreSQL server that this test
# starts (Debian's postgresql 15: initdb in $T, on a loopback port): bad settings refused, an
# unreachable server logged and shown by status, the records copied with typed columns, an edit
# and a delete, a child's records with their author, pokjad killed and stopped in the middle of a
# copy (nothing missing, nothing twice), PostgreSQL restarted in the middle (replication goes on,
# the mirror lags, shows the error, and converges). Skipped only where PostgreSQL is missing.
. tests/cli/lib.sh
. tests/cli/net.sh

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/postgres" ] || ! command -v psql >/dev/null 2>&1; then
	echo "ok 1 # skip PostgreSQL 15 is not installed ($PGBIN/initdb, psql): deploy/install-deps.sh installs postgresql"
	echo "1..1"
	exit 0
fi

# ---- a PostgreSQL server of our own ----------------------------------------------------------

PGPORT=$((BASE + 15))
BADPORT=$((BASE + 14)) # nothing listens there
PGDIR=$T/pg
mkdir -p "$PGDIR"
# PostgreSQL refuses to run as root: then it runs as nobody, in a folder of its own ($T may be
# crossed, not read). setpriv execs, so $! is the postmaster's PID.
AS=""
if [ "$(id -u)" = 0 ]; then
	chmod 0711 "$T"
	chown nobody "$PGDIR"
	AS="setpriv --reuid=$(id -u nobody) --regid=$(id -g nobody) --clear-groups"
	if ! $AS test -w "$PGDIR"; then
		fail "nobody can reach $PGDIR" "a folder above $T is closed to other users: set TMPDIR to one that is not (e.g. /tmp)"
		done_testing
	fi
fi
ok "initdb in a temporary folder" $AS "$PGBIN/initdb" -D "$PGDIR/data" -U pokja -A trust \
	--no-sync -E UTF8 --locale=C

PGPID=""
pg_start() {
	$AS "$PGBIN/postgres" -D "$PGDIR/data" -p "$PGPORT" -k "$PGDIR" \
		-c listen_addresses=127.0.0.1 -c fsync=off >>"$PGDIR/server.log" 2>&1 &
	PGPID=$!
	track "$PGPID"
}
pg_stop() { # fast shutdown, by PID; at most 10 s
	kill -INT "$PGPID" 2>/dev/null
	_i=0
	while kill -0 "$PGPID" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$PGPID" 2>/dev/null
}
psqlq() { # database SQL: one value per line, nothing else
	psql -h 127.0.0.1 -p "$PGPORT" -U pokja -d "$1" -XAtq -c "$2"
}
q() { psqlq nasional "$1"; }
q_is() { # SQL expected
	[ "$(q "$1" 2>/dev/null)" = "$2" ]
}

pg_start
if ! wait_for 15 psqlq postgres "SELECT 1"; then
	fail "PostgreSQL answers on 127.0.0.1:$PGPORT" "$(tail -n 20 "$PGDIR/server.log")"
	done_testing
fi
pass "PostgreSQL answers on 127.0.0.1:$PGPORT"
ok "create the database nasional" psqlq postgres "CREATE DATABASE nasional"

# ---- bad settings --------------------------------------------------------------------------

ok "init the national node" "$P" init --dir "$T/nas" --listen "tcp://127.0.0.1:$BASE"
cp "$T/nas/pokjad.conf" "$T/base.conf"
conf() { # the base config plus [postgres] lines
	{
		cat "$T/base.conf"
		printf '\n[postgres]\n'
		printf '%s\n' "$@"
	} >"$T/nas/pokjad.conf"
	chmod 0640 "$T/nas/pokjad.conf"
}

conf "conninfo = host=127.0.0.1 port"
errs "pokjad --check refuses a conninfo libpq cannot parse, saying how it should look" \
	"conninfo is not a libpq connection string.*host=127.0.0.1 port=5432" \
	"$PD" --dir "$T/nas" --check
errs "pokjad itself refuses to start with it" "conninfo is not a libpq connection string" \
	"$PD" --dir "$T/nas"
conf "conninfo = host=127.0.0.1 port=$PGPORT dbname=nasional user=pokja password=rahasia"
chmod 0644 "$T/nas/pokjad.conf"
errs "a password in a pokjad.conf every user can read is refused, with the fix" \
	"holds a password.*mode 0644.*chmod o-r.*passfile" "$PD" --dir "$T/nas" --check
chmod 0640 "$T/nas/pokjad.conf"
outputs "the same password in a file others cannot read is accepted" "^configuration OK$" \
	"$PD" --dir "$T/nas" --check
conf "conninfo = host=127.0.0.1 port=$PGPORT dbname=nasional user=pokja passfile=$T/pgpass"
chmod 0644 "$T/nas/pokjad.conf"
outputs "a passfile in a world-readable pokjad.conf is accepted" "^configuration OK$" \
	"$PD" --dir "$T/nas" --check
conf "schema = Pokja"
errs "a schema that is not a plain SQL name is refused" "schema: 'Pokja' is not a name" \
	"$PD" --dir "$T/nas" --check

# A server that is not there: pokjad runs, logs why, and status says so.
conf "conninfo = host=127.0.0.1 port=$BADPORT dbname=nasional user=pokja connect_timeout=2" \
	"retry_max = 1s"
start nas
pg_error_logged() { grep -q "error pg-error: PostgreSQL mirror: cannot connect" "$(log_of nas)"; }
if wait_for 10 pg_error_logged; then
	pass "an unreachable server gives a clear log line (pg-error: cannot connect)"
else
	fail "an unreachable server gives a clear log line" "$(tail -n 5 "$(log_of nas)")"
fi
check "the log line names the server" grep -q "port $BADPORT\|$BADPORT" "$(log_of nas)"
outputs "status shows the last error" "postgres: +kesalahan terakhir .*cannot connect" \
	"$P" --dir "$T/nas" status
stdout_has "and that the mirror is not connected" "port=$BADPORT schema=pokja: tidak terhubung"
jcheck "status --json: connected false, the error and when" \
	'j["postgres"]["connected"] is False and "cannot connect" in j["postgres"]["error"] and
	 j["postgres"]["error_at"] > 0 and "password" not in j["postgres"]["target"]' \
	"$P" --dir "$T/nas" status --json
check "pokjad keeps running" kill -0 "$(pid_of nas)"
stop nas
same "pokjad stops cleanly with the mirror failing" "$STOPPED" ""

# ---- the copy --------------------------------------------------------------------------------

KEYHEX=$(key_of nas)
ok "put rapat (date, a list with quotes and UTF-8)" "$P" --dir "$T/nas" put rapat rp-1 --json \
	'{"judul":"Rapat \"koordinasi\"","tanggal":"2024-02-29","peserta":["Bappeda","Dinas \"PU\"","Ibu Siti Ünal","a\\b"],"jumlah_peserta":4,"wilayah":""}'
ok "put kumuh (a fractional number)" "$P" --dir "$T/nas" put kumuh km-1 --json \
	'{"tahun":2025,"luas_ha":12.5,"jumlah_kk":30,"wilayah":""}'
ok "put the task force the kegiatan names" "$P" --dir "$T/nas" put gugus_tugas GT-1 --json \
	'{"nama":"Gugus Tugas Advokasi","wilayah":""}'
ok "put kegiatan (int, enum, ref)" "$P" --dir "$T/nas" put kegiatan keg-1 --json \
	'{"nama":"Sosialisasi","tahun":2026,"bulan":3,"biaya":125000000,"status":"rencana","gugus_tugas":"GT-1","wilayah":""}'
awk 'BEGIN { for (i = 1; i <= 300; i++)
	printf "{\"collection\":\"kegiatan\",\"key\":\"imp-%d\",\"wilayah\":\"\",\"nama\":\"Kegiatan %d\",\"tahun\":2026,\"biaya\":%d}\n", i, i, i * 1000 }' \
	>"$T/imp.jsonl"
ok "import 300 kegiatan" "$P" --dir "$T/nas" import "$T/imp.jsonl"

conf "conninfo = host=127.0.0.1 port=$PGPORT dbname=nasional user=pokja connect_timeout=2" \
	"retry_max = 1s"
start nas
if wait_for 20 q_is "SELECT count(*) FROM pokja.kegiatan" 301; then
	pass "the mirror catches up: 301 kegiatan rows"
else
	fail "the mirror catches up: 301 kegiatan rows" "$(q "SELECT count(*) FROM pokja.kegiatan" 2>&1; tail -n 5 "$(log_of nas)")"
fi
check "the log says it connected" grep -q "info pg-connect: PostgreSQL mirror connected" \
	"$(log_of nas)"

coltype() { # table column: its type as information_schema spells it
	q "SELECT data_type FROM information_schema.columns WHERE table_schema = 'pokja' AND
	   table_name = '$1' AND column_name = '$2'"
}
same "int is bigint" "$(coltype kegiatan tahun)" "bigint"
same "num is double precision" "$(coltype kumuh luas_ha)" "double precision"
same "date is date" "$(coltype rapat tanggal)" "date"
same "strlist is text[]" "$(coltype rapat peserta)" "ARRAY"
same "str is text" "$(coltype kegiatan nama)" "text"
same "enum is text" "$(coltype kegiatan status)" "text"
same "ref is text" "$(coltype kegiatan gugus_tugas)" "text"
same "changed_at is timestamptz" "$(coltype kegiatan changed_at)" "timestamp with time zone"
same "every collection has its table" \
	"$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'pokja'")" \
	"$("$P" schema --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
same "the primary key is (region, key)" \
	"$(q "SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM pg_index x
	      CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(n, i)
	      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n
	      WHERE x.indrelid = 'pokja.kegiatan'::regclass AND x.indisprimary")" "region,key"

same "rapat's values, typed" \
	"$(q "SELECT region, tanggal = DATE '2024-02-29', jumlah_peserta + 1, judul FROM pokja.rapat
	      WHERE key = 'rp-1'")" '|t|5|Rapat "koordinasi"'
same "the list keeps its items, quotes, backslash and UTF-8" \
	"$(q "SELECT array_length(peserta, 1), peserta[2], peserta[3], peserta[4] FROM pokja.rapat")" \
	'4|Dinas "PU"|Ibu Siti Ünal|a\b'
same "kumuh's number" "$(q "SELECT luas_ha * 2, jumlah_kk FROM pokja.kumuh")" "25|30"
same "kegiatan's values" \
	"$(q "SELECT tahun, bulan, biaya, status, gugus_tugas, indikator IS NULL FROM pokja.kegiatan
	      WHERE key = 'keg-1'")" "2026|3|125000000|rencana|GT-1|t"
same "author is the writing node's key, author_region its region (national: empty)" \
	"$(q "SELECT DISTINCT author, author_region = '' FROM pokja.kegiatan")" "$KEYHEX|t"
same "changed_at is the write's time (within the last 10 minutes)" \
	"$(q "SELECT bool_and(changed_at > now() - interval '10 minutes' AND
	                      changed_at <= now() + interval '1 minute') FROM pokja.kegiatan")" "t"
imported_ok() { q_is "SELECT count(*), sum(biaya) FROM pokja.kegiatan WHERE key LIKE 'imp-%'" \
	"300|45150000"; }
check "the imported rows, every one" imported_ok

# ---- an edit and a delete --------------------------------------------------------------------

ok "edit keg-1" "$P" --dir "$T/nas" put kegiatan keg-1 --replace --json \
	'{"nama":"Sosialisasi ulang","tahun":2027,"status":"berjalan","wilayah":""}'
if wait_for 10 q_is "SELECT nama, tahun, status, bulan IS NULL FROM pokja.kegiatan WHERE key = 'keg-1'" \
	"Sosialisasi ulang|2027|berjalan|t"; then
	pass "the edit is reflected (and a field left out is NULL)"
else
	fail "the edit is reflected" "$(q "SELECT * FROM pokja.kegiatan WHERE key = 'keg-1'" 2>&1)"
fi
ok "delete rp-1" "$P" --dir "$T/nas" del rapat rp-1 --region ""
if wait_for 10 q_is "SELECT count(*) FROM pokja.rapat" 0; then
	pass "the delete removes the row"
else
	fail "the delete removes the row" "$(q "SELECT key FROM pokja.rapat" 2>&1)"
fi
jcheck "status --json: connected, lag 0, caught up, no error" \
	'j["postgres"]["connected"] is True and j["postgres"]["lag"] == 0 and
	 j["postgres"]["caught_up"] > 0 and j["postgres"]["error"] is None' \
	"$P" --dir "$T/nas" status --json
outputs "status says so" "postgres: +tertinggal 0 changeset:" "$P" --dir "$T/nas" status

# ---- a child's records: replicated, then copied with their author ----------------------------

join k3275 nas 32.75
ok "the child writes a kegiatan" "$P" --dir "$T/k3275" put kegiatan anak-1 --json \
	'{"nama":"Dari kota","tahun":2026,"wilayah":"32.75"}'
if wait_for 15 q_is "SELECT author, author_region FROM pokja.kegiatan WHERE key = 'anak-1'" \
	"$(key_of k3275)|32.75"; then
	pass "the child's record reaches PostgreSQL with the child's key and region as author"
else
	fail "the child's record reaches PostgreSQL with its author" \
		"$(q "SELECT author, author_region FROM pokja.kegiatan WHERE key = 'anak-1'" 2>&1; tails nas k3275)"
fi

# ---- pokjad killed, then stopped, in the middle of a copy ------------------------------------

# Everything the store holds of kegiatan against everything PostgreSQL holds, one line each.
store_rows() {
	"$P" --dir "$T/nas" list kegiatan --json | python3 -c '
import json, sys
for o in sorted(json.load(sys.stdin), key=lambda o: (o["wilayah"], o["key"])):
    print("%s|%s|%s" % (o["wilayah"], o["key"], o.get("biaya", "")))'
}
pg_rows() {
	q "SELECT region || '|' || key || '|' || coalesce(biaya::text, '') FROM pokja.kegiatan
	   ORDER BY region COLLATE \"C\", key COLLATE \"C\""
}
converged() {
	store_rows >"$T/store.rows" && pg_rows >"$T/pg.rows" && cmp -s "$T/store.rows" "$T/pg.rows"
}
diff_rows() { diff "$T/store.rows" "$T/pg.rows" | head -n 10; }

stop nas
i=1
while [ $i -le 6 ]; do
	awk -v b=$i 'BEGIN { for (k = 1; k <= 500; k++)
		printf "{\"collection\":\"kegiatan\",\"key\":\"big-%d-%d\",\"wilayah\":\"\",\"nama\":\"Besar\",\"tahun\":2026,\"biaya\":%d}\n", b, k, b * 100000 + k }' \
		>"$T/big$i.jsonl"
	"$P" --dir "$T/nas" import "$T/big$i.jsonl" >/dev/null 2>&1 || fail "import big$i"
	i=$((i + 1))
done
same "3000 more kegiatan in the store, none in PostgreSQL yet" \
	"$(q "SELECT count(*) FROM pokja.kegiatan WHERE key LIKE 'big-%'")" 0
# The mirror's transaction seen open in PostgreSQL: the copy is under way.
copying() {
	q_is "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pokjad' AND
	      datname = 'nasional' AND xact_start IS NOT NULL AND query NOT LIKE '%CREATE%'" 1
}
start nas
if wait_for 15 copying; then pass "the copy of the batch is under way"; else
	fail "the copy of the batch is under way" "$(tail -n 5 "$(log_of nas)")"; fi
kill -KILL "$(pid_of nas)"
wait "$(pid_of nas)" 2>/dev/null
_forget nas
got=$(q "SELECT count(*) FROM pokja.kegiatan WHERE key LIKE 'big-%'")
case $got in
0 | 3000) pass "killed mid-copy: PostgreSQL holds none or all of the batch ($got), never part" ;;
*) fail "killed mid-copy: PostgreSQL holds none or all of the batch" "it holds $got" ;;
esac
start nas
if wait_for 15 copying; then pass "after the kill, the copy starts again"; else
	fail "after the kill, the copy starts again" "$(tail -n 5 "$(log_of nas)")"; fi
stop nas
same "stopped mid-copy: pokjad stops cleanly (and at once)" "$STOPPED" ""
got=$(q "SELECT count(*) FROM pokja.kegiatan WHERE key LIKE 'big-%'")
case $got in
0 | 3000) pass "stopped mid-copy: none or all of the batch ($got)" ;;
*) fail "stopped mid-copy: none or all of the batch" "it holds $got" ;;
esac
start nas
if wait_for 30 converged; then
	pass "after the restarts PostgreSQL equals the store: nothing missing, nothing twice"
else
	fail "after the restarts PostgreSQL equals the store" "$(diff_rows)"
fi
same "no key twice" "$(q "SELECT count(*) - count(DISTINCT (region, key)) FROM pokja.kegiatan")" 0

# ---- PostgreSQL restarted in the middle ------------------------------------------------------

pg_stop
check "PostgreSQL is down" sh -c "! kill -0 $PGPID 2>/dev/null"
ok "the child writes while PostgreSQL is down" "$P" --dir "$T/k3275" put kegiatan anak-2 --json \
	'{"nama":"Saat PostgreSQL mati","tahun":2026,"biaya":7,"wilayah":"32.75"}'
if wait_for 15 has nas kegiatan anak-2; then
	pass "replication goes on: the national node has the child's new record"
else
	fail "replication goes on without PostgreSQL" "$(tails nas k3275)"
fi
ok "and the national node writes too" "$P" --dir "$T/nas" put kegiatan nas-2 --json \
	'{"nama":"Nasional","tahun":2026,"biaya":9}'
mirror_down() {
	"$P" --dir "$T/nas" status --json >"$T/st.json" 2>/dev/null &&
		_jtest "$T/st.json" 'j["postgres"]["connected"] is False and
		                     j["postgres"]["error"] is not None and j["postgres"]["lag"] > 0' \
			>/dev/null
}
if wait_for 15 mirror_down; then
	pass "status shows the mirror down, its error and its lag"
else
	fail "status shows the mirror down, its error and its lag" "$(cat "$T/st.json")"
fi
outputs "status in words: lag N changesets behind, last error" \
	"postgres: +tertinggal [1-9][0-9]* changeset dari penyimpanan.*" "$P" --dir "$T/nas" status
stdout_has "and the last error" "postgres: +kesalahan terakhir"
pg_start
if wait_for 15 psqlq postgres "SELECT 1"; then pass "PostgreSQL back"; else fail "PostgreSQL back"; fi
if wait_for 20 converged; then
	pass "the mirror reconnects and converges: PostgreSQL equals the store again"
else
	fail "the mirror reconnects and converges" "$(diff_rows; tail -n 5 "$(log_of nas)")"
fi
same "the record written while it was down is there" \
	"$(q "SELECT biaya, author_region FROM pokja.kegiatan WHERE key = 'anak-2'")" "7|32.75"
caught_up() { jtrue nas 'j["postgres"]["connected"] is True and j["postgres"]["lag"] == 0' status; }
if wait_for 10 caught_up; then pass "status: connected again, lag 0"; else
	fail "status: connected again, lag 0" "$(cat "$T/.j.nas")"; fi
check "the log says it connected again" sh -c \
	"[ \$(grep -c 'pg-connect: PostgreSQL mirror connected' '$(log_of nas)') -ge 2 ]"
other_tables_ok() { q_is "SELECT count(*) FROM pokja.kumuh" 1; }
check "the other tables are untouched" other_tables_ok

# ---- a record PostgreSQL refuses: the mirror stops there, says which, and goes on once it can ----

ok "an analyst adds a CHECK constraint" q \
	"ALTER TABLE pokja.kegiatan ADD CONSTRAINT murah CHECK (biaya IS NULL OR biaya < 1000000)"
ok "a record that breaks it, written at the kota" "$P" --dir "$T/k3275" put kegiatan mahal-1 --json \
	'{"nama":"Mahal","tahun":2026,"biaya":5000000,"wilayah":"32.75"}'
refused_shown() {
	jtrue nas 'j["postgres"]["lag"] > 0 and
	           "writing kegiatan 32.75/mahal-1 failed" in (j["postgres"]["error"] or "") and
	           "murah" in j["postgres"]["error"]' status
}
if wait_for 15 refused_shown; then
	pass "status names the refused record and PostgreSQL's reason; the mirror lags"
else
	fail "status names the refused record" "$(cat "$T/.j.nas"; tail -n 5 "$(log_of nas)")"
fi
check "the log says it too" grep -q "pg-error: .*writing kegiatan 32.75/mahal-1 failed" \
	"$(log_of nas)"
ok "the analyst drops the constraint" q "ALTER TABLE pokja.kegiatan DROP CONSTRAINT murah"
if wait_for 15 converged; then
	pass "the mirror goes on by itself and converges"
else
	fail "the mirror goes on by itself and converges" "$(diff_rows)"
fi

# ---- another schema: everything copied again -------------------------------------------------

stop nas
conf "conninfo = host=127.0.0.1 port=$PGPORT dbname=nasional user=pokja connect_timeout=2" \
	"schema = analisis" "retry_max = 1s"
start nas
analisis_ok() {
	store_rows >"$T/store.rows" &&
		q "SELECT region || '|' || key || '|' || coalesce(biaya::text, '') FROM analisis.kegiatan
		   ORDER BY region COLLATE \"C\", key COLLATE \"C\"" >"$T/pg.rows" 2>/dev/null &&
		cmp -s "$T/store.rows" "$T/pg.rows"
}
if wait_for 20 analisis_ok; then
	pass "a new schema gets every record, not only the new ones"
else
	fail "a new schema gets every record" "$(diff_rows; tail -n 5 "$(log_of nas)")"
fi
outputs "status names the schema" "schema=analisis: terhubung" "$P" --dir "$T/nas" status

# ---- turned off ------------------------------------------------------------------------------

stop nas
same "stops cleanly" "$STOPPED" ""
cp "$T/base.conf" "$T/nas/pokjad.conf"
start nas
no_mirror() { jtrue nas 'j["postgres"] is None' status; }
if wait_for 10 no_mirror; then pass "with no conninfo, status shows no mirror"; else
	fail "with no conninfo, status shows no mirror" "$(cat "$T/.j.nas")"; fi
stop nas
stop k3275
same "both stop cleanly" "$STOPPED" ""
pg_stop
done_testing
