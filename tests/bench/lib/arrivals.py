"""arrivals.py: when one changeset arrived at each node, read from the nodes' own logs.

    python3 arrivals.py WHAT BOUND_MS EXPECT OUT

EXPECT has one line per (node, changeset): "NAME LOG ORIGIN16 SEQ WRITE_MS": the node's pokjad
log, the changeset's origin (16 hex digits, as pokjad logs it) and sequence, and the time it was
written at its origin (milliseconds since the epoch, from the origin's own clock stamp). The
arrival is the time stamp of the node's line "applied: from ...: origin ORIGIN16 seq SEQ" (or
"held-applied: origin ORIGIN16 seq SEQ: ..."), which pokjad writes just after the commit.

Writes OUT, one line per node: "NAME WRITE_MS ARRIVAL_MS DELAY_MS" ("-" for the last two when the
node's log has no such line), and prints one line of figures:

    WHAT: nodes=N held=N p50_ms=N p99_ms=N max_ms=N within_BOUNDms=N first_write_ms=N
          last_write_ms=N write_spread_ms=N last_arrival_after_last_write_ms=N

p50 and p99 are nearest-rank percentiles of the delays of the nodes that hold it. Exit status 0
when every node holds it, 1 when some do not.
"""
import math
import re
import sys
from datetime import datetime, timezone

LINE = re.compile(
    r"^(\S+Z) \S+ \w+ (?:applied: from .*: origin ([0-9a-f]{16}) seq (\d+)$"
    r"|held-applied: origin ([0-9a-f]{16}) seq (\d+):)"
)


def stamp_ms(text):
    t = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(t.timestamp() * 1000)


def arrivals(path):
    """(origin, seq) -> the first time the log says it was committed."""
    seen = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.match(line.rstrip("\n"))
                if m is None:
                    continue
                origin = m.group(2) or m.group(4)
                seq = int(m.group(3) or m.group(5))
                seen.setdefault((origin, seq), stamp_ms(m.group(1)))
    except OSError:
        pass
    return seen


def rank(sorted_values, p):
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def main():
    what, bound, expect, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    logs = {}
    rows = []
    with open(expect) as f:
        for line in f:
            if not line.strip():
                continue
            name, log, origin, seq, write = line.split()
            if log not in logs:
                logs[log] = arrivals(log)
            at = logs[log].get((origin, int(seq)))
            rows.append((name, int(write), at))
    delays = sorted(at - w for _, w, at in rows if at is not None)
    with open(out, "w") as f:
        for name, w, at in rows:
            if at is None:
                f.write("%s %d - -\n" % (name, w))
            else:
                f.write("%s %d %d %d\n" % (name, w, at, at - w))
    writes = [w for _, w, _ in rows]
    held = [at for _, _, at in rows if at is not None]
    fig = ["nodes=%d" % len(rows), "held=%d" % len(delays)]
    if delays:
        fig += [
            "p50_ms=%d" % rank(delays, 0.50),
            "p99_ms=%d" % rank(delays, 0.99),
            "max_ms=%d" % delays[-1],
            "within_%dms=%d" % (bound, sum(1 for d in delays if d <= bound)),
        ]
    if writes:
        fig += [
            "first_write_ms=%d" % min(writes),
            "last_write_ms=%d" % max(writes),
            "write_spread_ms=%d" % (max(writes) - min(writes)),
        ]
    if writes and held:
        fig.append("last_arrival_after_last_write_ms=%d" % (max(held) - max(writes)))
    print("%s: %s" % (what, " ".join(fig)))
    return 0 if rows and len(delays) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
