#!/bin/sh
# proto/SPEC.md's Appendix A must be what the schema table says (regenerate it with
# tests/spec_schema.sh when a field changes).
BUILD=${BUILD:-build}
want=$(sh tests/spec_schema.sh 2>&1)
have=$(sed -n '/^## Appendix A/,$p' proto/SPEC.md | sed -n '/^### /,$p')
if [ "$want" = "$have" ]; then
	echo "ok 1 - SPEC.md appendix A matches the schema table"
else
	echo "not ok 1 - SPEC.md appendix A matches the schema table"
	printf '%s\n' "$want" >/tmp/spec-want.$$
	printf '%s\n' "$have" >/tmp/spec-have.$$
	diff /tmp/spec-have.$$ /tmp/spec-want.$$ | head -20 | sed 's/^/# /'
	rm -f /tmp/spec-want.$$ /tmp/spec-have.$$
fi
echo "1..1"
