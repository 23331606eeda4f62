#!/usr/bin/env bash
# Issue 14's three measurements, one table each. Speed is measured here, never
# asserted in tests.
#
#   bash benches/issue14.sh [RUNS] [DOCSIFT BINARY]
#
# 1. One capture: what a pipeline that calls docsift once per page pays. Mean wall
#    time over RUNS runs (hyperfine if installed, else a shell loop) and the peak
#    resident memory of
#      docsift clean fixtures/sample/ferry-capture.txt
#      cat fixtures/sample/ferry-capture.txt | docsift clean -
# 2. The 100,000-document corpus (../shared/bench/make_corpus.py, generated once into
#    /tmp/docsift-bench-100000): `docsift clean -o` beside rensa and datasketch doing
#    the dedup alone (benches/python_minhash.py, in the virtualenv $BENCH_PYTHON,
#    default /tmp/bench-venv/bin/python; see its header), side by side: each Python
#    run between two docsift runs, and its time divided by theirs.
# 3. The 1,000,000-document corpus: `docsift clean -o` with DOCSIFT_TIMINGS, its wall
#    time, the dedup phase's, peak memory against 100 MiB + 0.8 KiB per document, and
#    dedup's band collisions and pairs measured (counts that do not depend on load).
#
# Every docsift run reports wall time, CPU time (user + system) and peak resident
# memory: on a shared machine wall time follows the load, CPU time much less, the
# counts and peak memory not at all. With BENCH_OLD=BINARY (an older docsift), the
# 100k and 1M sections run it and the binary under test one after the other in the
# same sitting (old first), and compare their manifests by cluster membership
# (benches/same_clusters.py).
#
# SECTIONS (default "capture 100k 1m") picks sections; output goes under
# $BENCH_SCRATCH (default /tmp/docsift-issue14, on disk; each run's output is deleted
# once measured, its manifest kept there until the comparison is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
bin=${2:-target/release/docsift}
if [ $# -lt 2 ]; then cargo build --release -q; fi
capture=fixtures/sample/ferry-capture.txt
file_cmd="$bin clean $capture"
pipe_cmd="cat $capture | $bin clean -"

mean_ms() { # command (run by sh)
  if command -v hyperfine > /dev/null; then
    local json
    json=$(mktemp)
    hyperfine -N -w 3 -r "$runs" --style none --export-json "$json" "sh -c '$1 > /dev/null 2>&1'" > /dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f" % (r["mean"]*1e3))' "$json"
    rm -f "$json"
  else
    local start end
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do sh -c "$1" > /dev/null 2>&1; done
    end=$(date +%s%N)
    awk -v s="$start" -v e="$end" -v n="$runs" 'BEGIN { printf "%.1f\n", (e - s) / n / 1e6 }'
  fi
}
peak_mb() { # command (run by sh); the largest of five runs
  local max=0 kb
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f %M -o /tmp/docsift-issue14-rss sh -c "$1" > /dev/null 2>&1
    kb=$(tail -1 /tmp/docsift-issue14-rss)
    [ "$kb" -gt "$max" ] && max=$kb
  done
  rm -f /tmp/docsift-issue14-rss
  awk -v kb="$max" 'BEGIN { printf "%.1f\n", kb / 1024 }'
}

sections=${SECTIONS:-capture 100k 1m}
scratch_root=${BENCH_SCRATCH:-/tmp/docsift-issue14}
mkdir -p "$scratch_root"
old=${BENCH_OLD:-}
python=${BENCH_PYTHON:-/tmp/bench-venv/bin/python}

if [[ " $sections " == *" capture "* ]]; then
echo "one capture ($capture, $(wc -c < "$capture") bytes), $runs runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "binary: $bin"
printf '%-52s %12s %10s\n' command "mean wall" "peak RSS"
for cmd in "$file_cmd" "$pipe_cmd"; do
  printf '%-52s %9s ms %7s MB\n' "${cmd//"$bin"/docsift}" "$(mean_ms "$cmd")" "$(peak_mb "$cmd")"
done
echo
fi

corpus() { # docs -> folder of the generated corpus (generated once)
  local dir=/tmp/docsift-bench-$1
  if [ ! -f "$dir/labels.json" ]; then
    echo "generating $1 documents into $dir" >&2
    python3 ../shared/bench/make_corpus.py --docs "$1" --out "$dir" >&2
  fi
  echo "$dir/docs"
}
warm() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }

# Runs docsift binary $2 (default $bin) over $1 into a fresh folder; sets secs (wall),
# cpu (user + system seconds), kb (peak), dedup (the dedup phase's wall and CPU seconds) and
# counts (its band collisions, pairs measured and bodies read, then the wall time of its
# steps when the binary prints them). With $3, keeps the manifest as
# $scratch_root/manifest-$3.jsonl.
run_docsift() {
  local out exe=${2:-$bin} user sys
  out=$(mktemp -d "$scratch_root/run.XXXX")
  DOCSIFT_TIMINGS=1 /usr/bin/time -f "%e %U %S %M" -o "$out.time" \
    "$exe" clean "$1" -o "$out/o" -q 2> "$out.err" > /dev/null || true
  read -r secs user sys kb < <(tail -1 "$out.time")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
  dedup=$(sed -n 's/^docsift: timing: deduplicate (.*): \([0-9.]*\) s, cpu \([0-9.]*\) s.*/\1 s, CPU \2 s/p' "$out.err")
  counts=$(sed -n 's/^docsift: timing: deduplicate (\([0-9]*\) band collisions, \([0-9]*\) pairs measured, \([0-9]*\) bodies read.*/\1 collisions, \2 pairs, \3 bodies read/p' "$out.err")
  # The wall time of dedup's steps, when the binary prints them (newer than e1f3075).
  steps=$(sed -n 's/^docsift: timing: deduplicate (.*; candidates \([0-9.]*\) s, reading \([0-9.]*\) s, measuring \([0-9.]*\) s).*/; steps: candidates \1 s, reading \2 s, measuring \3 s/p' "$out.err")
  counts="$counts$steps"
  if [ -n "${3:-}" ]; then cp "$out/o/manifest.jsonl" "$scratch_root/manifest-$3.jsonl"; fi
  rm -rf "$out" "$out.time" "$out.err"
}
# One table row for the last run_docsift: label $1, note $2.
row() {
  printf '%-34s %8s s %8s s %9s  %s\n' "$1" "$secs" "$cpu" "$(mib "$kb")" "$2"
}
header() { printf '%-34s %10s %10s %9s  %s\n' run wall "CPU u+s" peak note; }
# Compares the manifests kept as $1 and $2 (labels) and deletes them.
compare() {
  echo "same clusters ($1 vs $2): $(python3 benches/same_clusters.py "$scratch_root/manifest-$1.jsonl" "$scratch_root/manifest-$2.jsonl" | head -1)"
  rm -f "$scratch_root/manifest-$1.jsonl" "$scratch_root/manifest-$2.jsonl"
}
# Runs benches/python_minhash.py with library $1 over $2; sets py_secs and py_mb.
run_python() {
  local line
  line=$("$python" benches/python_minhash.py "$1" "$2")
  py_secs=$(awk '{print $2}' <<< "$line")
  py_mb=$(awk '{for (i = 1; i < NF; i++) if ($(i + 1) == "MB" && $(i + 2) == "peak") print $i}' <<< "$line")
}
mib() { awk -v kb="$1" 'BEGIN { printf "%.0f MiB", kb / 1024 }'; }

if [[ " $sections " == *" 100k "* ]]; then
  docs=$(corpus 100000)
  warm "$docs"
  echo "100,000 documents ($(du -sb --apparent-size "$docs" | awk '{printf "%.0f MB", $1/1e6}')), page cache warm, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
  header
  if [ -n "$old" ]; then
    run_docsift "$docs" "$old" old100k
    row "docsift clean -o (old)" "dedup $dedup ($counts)"
  fi
  run_docsift "$docs" "$bin" new100k
  before=$secs
  row "docsift clean -o" "dedup $dedup ($counts)"
  if [ -n "$old" ]; then compare old100k new100k; fi
  for lib in rensa datasketch; do
    if [ ! -x "$python" ]; then
      echo "($lib skipped: no $python; see benches/python_minhash.py)"
      continue
    fi
    run_python "$lib" "$docs"
    run_docsift "$docs"
    ratio=$(awk -v p="$py_secs" -v a="$before" -v b="$secs" 'BEGIN { printf "%.1f", p / ((a + b) / 2) }')
    printf '%-34s %8s s %10s %6s MB  %s\n' "$lib (dedup alone, 1 core)" "$py_secs" "" "$py_mb" "docsift ${ratio}x faster in wall time (the docsift runs around it)"
    row "docsift clean -o" "dedup $dedup ($counts)"
    before=$secs
  done
  echo
fi

if [[ " $sections " == *" 1m "* ]]; then
  docs=$(corpus 1000000)
  warm "$docs"
  budget=$(awk 'BEGIN { printf "%.0f MiB", 100 + 0.8 * 1000000 / 1024 }')
  echo "1,000,000 documents, page cache warm, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); memory budget $budget"
  header
  if [ -n "$old" ]; then
    run_docsift "$docs" "$old" old1m
    row "docsift clean -o (old)" "dedup $dedup ($counts); load $(cut -d' ' -f1 /proc/loadavg)"
  fi
  run_docsift "$docs" "$bin" new1m
  row "docsift clean -o" "dedup $dedup ($counts); load $(cut -d' ' -f1 /proc/loadavg)"
  if [ -n "$old" ]; then compare old1m new1m; fi
  rm -f "$scratch_root/manifest-new1m.jsonl" "$scratch_root/manifest-new100k.jsonl"
fi
