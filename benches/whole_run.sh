#!/usr/bin/env bash
# Whole-run benchmark: docsift clean on a generated corpus, beside cat, sha256sum and
# cp -r over the same files. Speed is measured here, never asserted in tests.
#
#   bash benches/whole_run.sh [DOCS] [EXTRA DOCSIFT FLAGS...]
#
# Output goes under $BENCH_SCRATCH (default /tmp; a tmpfs takes the disk out of the
# numbers, which on a shared VM disk vary tenfold from run to run).
# Generates the corpus with ../shared/bench/make_corpus.py into /tmp/docsift-bench-DOCS
# (once), warms the page cache (every number below is with a warm cache), then prints
# wall time, throughput and peak resident memory for each command.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-100000}
shift || true
corpus=/tmp/docsift-bench-$docs
gen=../shared/bench/make_corpus.py
if [ ! -f "$corpus/labels.json" ]; then
  echo "generating $docs documents into $corpus" >&2
  python3 "$gen" --docs "$docs" --out "$corpus" >&2
fi
cargo build --release -q
bin=target/release/docsift
files=$(mktemp)
find "$corpus/docs" -type f > "$files"
bytes=$(du -sb --apparent-size "$corpus/docs" | cut -f1)
nfiles=$(wc -l < "$files")
xargs -a "$files" cat > /dev/null   # warm the page cache
scratch=$(mktemp -d "${BENCH_SCRATCH:-/tmp}/docsift-bench-out.XXXX")
trap 'rm -rf "$scratch" "$files"' EXIT

measure() { # name, command...
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$scratch/time" "$@" > /dev/null 2> "$scratch/stderr" || true
  read -r secs kb < "$scratch/time"
  awk -v n="$name" -v s="$secs" -v kb="$kb" -v b="$bytes" -v d="$nfiles" \
    'BEGIN { printf "%-22s %8.2f s %9.1f MB/s %10.0f docs/s %8.1f MB peak\n", n, s, b/1e6/s, d/s, kb/1024 }'
}

echo "corpus: $nfiles files, $(awk -v b="$bytes" 'BEGIN{printf "%.1f MB", b/1e6}'), page cache warm, $(nproc) cores"
measure "cat" sh -c "xargs -a '$files' cat"
measure "sha256sum" sh -c "xargs -a '$files' sha256sum"
measure "cp -r" cp -r "$corpus/docs" "$scratch/cp"
rm -rf "$scratch/cp"
measure "docsift clean -o" "$bin" clean "$corpus/docs" -o "$scratch/out" -q "$@"
grep -v '^$' "$scratch/stderr" | head -5 || true
rm -rf "$scratch/out"
