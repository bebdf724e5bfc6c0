#!/bin/sh
# The fuzz targets' seed corpora (tests/fuzz/corpus/NAME/, written by tests/fuzz/gen_*.c) cover
# every kind of input each decoder accepts. Seeds are named after their kind, and the kinds are
# read from the sources where they are enumerated, so a kind added without a seed fails here:
#
#   syncmsg     one seed per message name in enum pk_sync_kind's comments (proto/syncmsg.h)
#               and in the message table of proto/syncmsg.c, and an invite token
#   session     a seed <kind>*.bin per enum pk_msg_kind member but UNKNOWN (proto/session.h)
#   record      a seed NN_<collection> starting with the byte NN per collection in the schema
#               table (proto/schema.c)
#   changeset, apply     a changeset with a put and one with a delete (put-*, delete-*)
#   others      the fixed lists below (a certificate set of one and of several certificates,
#               join requests, LMDB files with each page kind, ...)
#
# Also: every tests/fuzz/fuzz_*.c target has a non-empty corpus folder, and the corpora stay
# under 200 KiB together.
set -u
C=tests/fuzz/corpus
n=0
bad=0

result() { # ok|fail, description, [why]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && echo "# $3"
		bad=$((bad + 1))
	fi
}

has() { # corpus, glob: at least one file of that name in the corpus
	for f in "$C/$1"/$2; do
		[ -f "$f" ] && [ -s "$f" ] && return 0
	done
	return 1
}

want() { # corpus, glob, what
	if has "$1" "$2"; then
		result ok "$1: a seed $2 ($3)"
	else
		result fail "$1: a seed $2 ($3)" "none in $C/$1/"
	fi
}

# ---- every target has seeds
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	if has "$name" '*'; then
		result ok "fuzz_$name has a seed corpus"
	else
		result fail "fuzz_$name has a seed corpus" "$C/$name/ is missing or empty"
	fi
done

# ---- sync messages: the enum's members and their names
members=$(sed -n '/^enum pk_sync_kind {/,/^};/p' proto/syncmsg.h | grep -c 'PK_SYNC_[A-Z_]*[ ,=]')
named=$(sed -n '/^enum pk_sync_kind {/,/^};/p' proto/syncmsg.h |
	sed -n 's/.*PK_SYNC_[A-Z_]*,.*\/\* \["\([a-z]*\)".*/\1/p')
count=$(printf '%s\n' "$named" | grep -c .)
if [ "$members" -ge 2 ] && [ "$count" -eq $((members - 1)) ]; then
	result ok "syncmsg: every enum pk_sync_kind member but NONE names its message"
else
	result fail "syncmsg: every enum pk_sync_kind member but NONE names its message" \
		"$members members, $count with a /* [\"name\", ...] */ comment"
fi
table=$(sed -n '/^} msgs\[\] = {/,/^};/p' proto/syncmsg.c | grep -o '{"[a-z]*"' | tr -d '{"')
[ -n "$table" ] || result fail "syncmsg: the message table in proto/syncmsg.c is found"
for k in $(printf '%s\n%s\n' "$named" "$table" | sort -u); do
	want syncmsg "$k" "the $k message"
done
want syncmsg invite "an invite token"

# ---- session messages
kinds=$(sed -n '/^enum pk_msg_kind {/,/^};/p' proto/session.h |
	sed -n 's/^[[:space:]]*PK_MSG_\([A-Z_]*\).*/\1/p' | grep -v '^UNKNOWN$' |
	tr '[:upper:]' '[:lower:]')
[ -n "$kinds" ] || result fail "session: enum pk_msg_kind is found in proto/session.h"
for k in $kinds; do
	want session "$k*.bin" "the $k message"
done
want session 'sealed-request-*.bin' "a sealed request"
want session 'sealed-reply-*.bin' "a sealed reply"

# ---- record values: one per collection, led by its index
i=0
# shellcheck disable=SC2013 # collection names are single words
for coll in $(sed -n 's/^[[:space:]]*COLL("\([a-z_]*\)".*/\1/p' proto/schema.c); do
	f=$(printf '%s/record/%02d_%s' "$C" "$i" "$coll")
	lead=$(od -An -tu1 -N1 "$f" 2>/dev/null | tr -d ' ')
	if [ -s "$f" ] && [ "$lead" = "$i" ]; then
		result ok "record: a seed for collection $i ($coll)"
	else
		result fail "record: a seed for collection $i ($coll)" \
			"$f is missing or does not start with the byte $i"
	fi
	i=$((i + 1))
done
[ "$i" -gt 0 ] || result fail "record: the schema table is found in proto/schema.c"

# ---- changesets: each op kind
for t in changeset apply; do
	want "$t" 'put-*.bin' "a changeset that puts a record"
	want "$t" 'delete-*.bin' "a changeset that deletes a record"
	want "$t" 'mixed-*.bin' "a changeset of several ops"
done

# ---- fixed lists
want cert 'root-*.bin' "a certificate the root issued"
want cert 'province-*.bin' "a certificate a province issued"
want certset 'certset-single.bin' "a set of one certificate"
want certset 'certset-chain-*.bin' "a chain"
want certset 'certset-max.bin' "a set of PK_CHAIN_MAX certificates"
want enroll 'request-*.bin' "a join request"
want bundle 'vector.bin' "a whole bundle"
want bundle 'vector-body.bin' "a bundle body"
want bundle 'empty.bin' "a bundle with empty lists"
want lmdbcheck 'empty.mdb' "a new LMDB file: meta pages only"
want lmdbcheck 'named-dbs-freelist.mdb' "named dbs and a free list"
want lmdbcheck 'branch-overflow.mdb' "branch and overflow pages"
want mpread 'all-types.bin' "every msgpack type"
want config 'full.conf' "a configuration with many settings"

# ---- size
bytes=$(find "$C" -type f -exec cat {} + | wc -c)
if [ "$bytes" -le 204800 ]; then
	result ok "the corpora hold $bytes bytes, at most 200 KiB"
else
	result fail "the corpora hold $bytes bytes, at most 200 KiB"
fi

echo "1..$n"
[ "$bad" -eq 0 ]
