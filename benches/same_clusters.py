#!/usr/bin/env python3
"""Whether two `docsift clean` manifests put the documents in the same clusters.

    python3 benches/same_clusters.py OLD/manifest.jsonl NEW/manifest.jsonl

A cluster is a canonical and every row whose `duplicate_of` names it (exact and near
duplicates alike). Prints the number of clusters on each side, how many documents sit
in a cluster that is not on the other side, how many rows differ in status, and how
many shared near-duplicate rows differ in `similarity`. Exits 1 when the clusters
differ, so a script can stop on it.
"""
import json
import signal
import sys


def clusters(path):
    members, status, sim = {}, {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            src = r["source"]
            status[src] = r["status"]
            sim[src] = r.get("similarity")
            head = r.get("duplicate_of") or src
            if r["status"] in ("canonical", "duplicate", "near_duplicate"):
                members.setdefault(head, set()).add(src)
    return {frozenset(m) for m in members.values()}, status, sim


def main():
    (ca, sa, ma), (cb, sb, mb) = clusters(sys.argv[1]), clusters(sys.argv[2])
    only_a, only_b = ca - cb, cb - ca
    moved = sum(len(c) for c in only_a)
    status = sum(sa.get(k) != sb.get(k) for k in sa.keys() | sb.keys())
    differ = sorted(
        k
        for k in sa.keys() & sb.keys()
        if sa[k] == sb[k] == "near_duplicate" and ma[k] != mb[k]
    )
    sims = len(differ)
    print(
        f"rows {len(sa)} / {len(sb)}; clusters {len(ca)} / {len(cb)}; "
        f"documents in clusters that differ: {moved} / {sum(len(c) for c in only_b)}; "
        f"status differences: {status}; near-duplicate similarity differences: {sims}"
    )
    for k in differ[:10]:
        print(f"  similarity of {k}: {ma[k]} / {mb[k]}")
    for c in sorted(only_a, key=min)[:10]:
        print("  only in the first: ", sorted(c)[:6])
    for c in sorted(only_b, key=min)[:10]:
        print("  only in the second:", sorted(c)[:6])
    return 1 if only_a or only_b else 0


if __name__ == "__main__":
    # Quiet when read by `head -1` (the bench script keeps the summary line only).
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
