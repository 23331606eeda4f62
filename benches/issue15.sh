#!/usr/bin/env bash
# Issue 15's benchmark, end to end: 10 batches of 100,000 generated documents, one after
# the other into one index. Batch k is make_corpus.py with seed k plus up to 10,000 copies
# of earlier batches' articles (drawn from a pool of every 50th article of each earlier
# batch, so 2,000 for batch 2 and 10,000 from batch 6 on; half verbatim, half with their
# first line dropped), so every batch has duplicates inside it and against the index.
# Each batch's captures and output are deleted once measured (disk). For each batch it prints
# wall time, CPU time (user + system), peak resident memory (GNU time), and the index
# size per document (fixed part, compressed bodies, shingle sets); then the batch's
# phase timings (DOCSIFT_TIMINGS=1: cleaning, dedup against the index with its probe
# time, candidates, those ruled out by the shingle sets and the pairs measured, dedup
# within the batch, writing, adding to the index). At the end the index is verified
# and removed (KEEP_INDEX=1 keeps it, and the script prints where it is; it then also keeps
# each batch's manifest as WORK/manifest-K.jsonl, to compare two binaries' results, and the
# last batch's captures with a copy of the index before it, to rerun or profile that batch).
# Pass: batch 10 at most 1.3x the time of batch 1, peak memory at batch 10 at most
# 400 MiB, index at most 1 KiB a document plus what verification needs (the compressed
# bodies and the shingle sets).
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
pool="$work/pool"
rm -rf "$pool"
mkdir -p "$pool"
printf 'batch  wall_s   cpu_s  peak_MiB  index_MB  docs_in_index  bytes/doc  bodies/doc  sets/doc\n'
for k in $(seq 1 10); do
  batch="$work/batch-$k"
  rm -rf "$batch"
  python3 "$make_corpus" --docs "$docs" --out "$batch" --seed "$k" > /dev/null
  if [ "$k" -gt 1 ]; then
    # Copies of earlier batches' articles (docs/10 of them, from the pool of every
    # earlier batch): half verbatim, half with their first line (site chrome) dropped.
    python3 - "$pool" "$batch/docs/copies" "$((docs / 10))" <<'PY'
import hashlib, os, sys
pool, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dest, exist_ok=True)
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(pool) for f in fs)
step = max(1, len(files) // n)
for f in files[::step][:n]:
    # Named from the path inside the pool, so two runs in different WORK folders get
    # the same batches (and comparable manifests).
    name = hashlib.md5(os.path.relpath(f, pool).encode()).hexdigest()[:12]
    data = open(f, "rb").read()
    if int(name[:2], 16) % 2:
        data = data.split(b"\n", 1)[-1]
    open(os.path.join(dest, name + ".txt"), "wb").write(data)
PY
  fi
  out="$work/out-$k"
  rm -rf "$out"
  if [ -n "${KEEP_INDEX:-}" ] && [ "$k" -eq 10 ]; then
    rm -rf "$work/index-before-10"
    cp -r "$idx" "$work/index-before-10"
  fi
  log=$(mktemp)
  phases=$(mktemp)
  DOCSIFT_TIMINGS=1 /usr/bin/time -f '%e %U %S %M' -o "$log" "$bin" clean "$batch/docs" \
    -o "$out" --index "$idx" --batch-name "batch $k" -q 2> "$phases" || true
  read -r wall user sys kib < "$log"
  rm -f "$log"
  stats=$("$bin" index stats --json "$idx")
  python3 - "$k" "$wall" "$user" "$sys" "$kib" "$stats" <<'PY'
import json, sys
k, wall, user, sys_, kib = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
stats = json.loads(sys.argv[6])
n = max(stats["documents"], 1)
print(f'{k:>5}  {wall:6.1f}  {user + sys_:6.1f}  {kib / 1024:8.0f}  {stats["bytes"] / 1e6:8.1f}  {stats["documents"]:13d}  '
      f'{(stats["bytes"] - stats["body_bytes"] - stats["set_bytes"]) / n:9.0f}  {stats["body_bytes"] / n:10.0f}  '
      f'{stats["set_bytes"] / n:8.0f}', flush=True)
PY
  grep '^docsift: timing: ' "$phases" | sed 's/^docsift: timing: /         /' || true
  rm -f "$phases"
  # Keep a sample of this batch's articles for later batches' copies, then free the
  # disk (a batch is ~600 MB of captures and ~500 MB of output).
  mkdir -p "$pool/$k"
  find "$batch/docs" -path "$batch/docs/copies" -prune -o -name '*.txt' -print | sort \
    | awk 'NR % 50 == 0' | while read -r f; do cp "$f" "$pool/$k/$(basename "$f")"; done
  if [ -n "${KEEP_INDEX:-}" ]; then
    cp "$out/manifest.jsonl" "$work/manifest-$k.jsonl"
  fi
  if [ -n "${KEEP_INDEX:-}" ] && [ "$k" -eq 10 ]; then
    rm -rf "$out"
  else
    rm -rf "$batch" "$out"
  fi
done
"$bin" index verify "$idx"
rm -rf "$pool"
if [ -n "${KEEP_INDEX:-}" ]; then
  echo "issue15.sh: the index is kept in $idx ($(du -sh "$idx" | cut -f1)), with the index before batch 10 in $work/index-before-10, batch 10's captures in $work/batch-10 and each batch's manifest; remove them when done"
else
  rm -rf "$idx"
  echo "issue15.sh: removed the index ($idx); KEEP_INDEX=1 keeps it"
fi
