#!/usr/bin/env python3
"""Dedup alone with a Python MinHash library, for comparison with `docsift clean`.

    python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install datasketch rensa
    /tmp/bench-venv/bin/python benches/python_minhash.py datasketch /tmp/docsift-bench-100000/docs
    /tmp/bench-venv/bin/python benches/python_minhash.py rensa /tmp/docsift-bench-100000/docs

Does what a user of the library would write: read every file, lowercase, fold
punctuation, word 5-gram shingles, 128 permutations, MinHash LSH at threshold 0.8,
then query every document and count the clusters its candidates form. No chrome
stripping, no confirmation of candidates, no output written: the dedup alone.
Prints wall time, MB/s, documents per second, peak resident memory and clusters.
"""
import os
import re
import resource
import sys
import time

NUM_PERM = 128
THRESHOLD = 0.8
WORD = re.compile(r"\w+")


def shingles(text):
    words = WORD.findall(text.lower())
    if len(words) < 5:
        return [" ".join(words)] if words else [""]
    return [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]


def files_under(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        out.extend(os.path.join(d, n) for n in sorted(names))
    return out


def main():
    lib, root = sys.argv[1], sys.argv[2]
    paths = files_under(root)
    start = time.perf_counter()
    total = 0
    if lib == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        sigs = []
        for i, p in enumerate(paths):
            data = open(p, "rb").read()
            total += len(data)
            m = MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch([s.encode() for s in shingles(data.decode("utf-8", "replace"))])
            lsh.insert(i, m)
            sigs.append(m)
        query = lsh.query
    elif lib == "rensa":
        from rensa import RMinHash, RMinHashLSH

        lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=16)
        sigs = []
        for i, p in enumerate(paths):
            data = open(p, "rb").read()
            total += len(data)
            m = RMinHash(num_perm=NUM_PERM, seed=1)
            m.update(shingles(data.decode("utf-8", "replace")))
            lsh.insert(i, m)
            sigs.append(m)
        query = lsh.query
    else:
        sys.exit(f"unknown library {lib!r}: datasketch or rensa")
    # Clusters: union of every document with its candidates.
    parent = list(range(len(paths)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(sigs):
        for j in query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    clusters = sum(1 for i in range(len(paths)) if find(i) == i)
    secs = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{lib:<22} {secs:8.2f} s {total / 1e6 / secs:9.1f} MB/s "
        f"{len(paths) / secs:10.0f} docs/s {peak_mb:8.1f} MB peak  ({clusters} clusters)"
    )


if __name__ == "__main__":
    main()
