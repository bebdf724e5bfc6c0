#!/bin/sh
# Prints proto/SPEC.md's Appendix A (collections and fields) from `pokjactl schema --json`, so the
# appendix is generated from the one schema table. tests/cli/test_spec.sh compares the two.
set -eu
BUILD=${BUILD:-build}
"$BUILD/pokjactl" schema --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    print("### `%s`\n\n%s\n" % (c["name"], c["doc"]))
    print("| field | type | req | range or choices | meaning |")
    print("| --- | --- | --- | --- | --- |")
    for f in c["fields"]:
        rng = f["range"].replace("|", ", ")
        print("| `%s` | %s | %s | %s | %s |" % (f["name"], f["type"], "req" if f["required"] else "", rng, f["doc"]))
    print()
'
