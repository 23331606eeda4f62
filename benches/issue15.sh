#!/usr/bin/env bash
# Issue 15's benchmark, end to end: 10 batches of 100,000 generated documents, one after
# the other into one index. Batch k is make_corpus.py with seed k plus copies of 10,000
# articles of earlier batches (5,000 verbatim, 5,000 with their first line dropped), so
# every batch has duplicates inside it and against the index. For each batch it prints
# wall time, peak resident memory (GNU time), and the index size per document.
# Pass: batch 10 at most 1.3x the time of batch 1, peak memory at batch 10 at most
# 400 MiB, index at most 1 KiB a document plus the compressed bodies.
#
#   bash benches/issue15.sh [WORK DIR] [DOCS PER BATCH] [DOCSIFT BINARY]
#
# Needs `docsift clean --index` (the wiring of src/index into the run); the storage
# layer alone is measured by `cargo bench --bench index_store`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/docsift-issue15}
docs=${2:-100000}
bin=${3:-target/release/docsift}
if [ $# -lt 3 ]; then cargo build --release -q; fi
if ! "$bin" clean --help | grep -q -- '--index'; then
  echo "issue15.sh: $bin has no 'clean --index' yet; run cargo bench --bench index_store for the storage layer" >&2
  exit 2
fi
make_corpus=../shared/bench/make_corpus.py
mkdir -p "$work"
idx="$work/index"
rm -rf "$idx"
printf 'batch  wall_s  peak_MiB  index_MB  docs_in_index  bytes/doc  bodies/doc\n'
for k in $(seq 1 10); do
  batch="$work/batch-$k"
  if [ ! -d "$batch" ]; then
    python3 "$make_corpus" --docs "$docs" --out "$batch" --seed "$k" > /dev/null
    if [ "$k" -gt 1 ]; then
      # Copies of earlier batches' articles: every (k-1)th file of earlier batches.
      mkdir -p "$batch/docs/copies"
      find "$work"/batch-[0-9]*/docs -path "$batch" -prune -o -name '*.txt' -print \
        | grep -v "/batch-$k/" | sort | awk -v n=$((docs / 10)) 'NR % 7 == 0 && c < n { print; c++ }' \
        | while read -r f; do
            name=$(echo "$f" | md5sum | cut -c1-12)
            if [ $((0x${name:0:2} % 2)) -eq 0 ]; then cp "$f" "$batch/docs/copies/$name.txt";
            else tail -n +2 "$f" > "$batch/docs/copies/$name.txt"; fi
          done
    fi
  fi
  out="$work/out-$k"
  rm -rf "$out"
  log=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$log" "$bin" clean "$batch/docs" -o "$out" --index "$idx" -q
  read -r wall kib < "$log"
  rm -f "$log"
  stats=$("$bin" index stats --json "$idx")
  python3 - "$k" "$wall" "$kib" "$stats" <<'PY'
import json, sys
k, wall, kib, stats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
n = max(stats["documents"], 1)
print(f'{k:>5}  {wall:6.1f}  {kib / 1024:8.0f}  {stats["bytes"] / 1e6:8.1f}  {stats["documents"]:13d}  '
      f'{(stats["bytes"] - stats["body_bytes"]) / n:9.0f}  {stats["body_bytes"] / n:10.0f}')
PY
done
"$bin" index verify "$idx"
