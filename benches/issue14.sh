#!/usr/bin/env bash
# One capture: what a pipeline that calls docsift once per page pays. Prints the mean
# wall time over N runs (hyperfine if installed, else a shell loop) and the peak
# resident memory of
#   docsift clean fixtures/sample/ferry-capture.txt
#   cat fixtures/sample/ferry-capture.txt | docsift clean -
# Speed is measured here, never asserted in tests.
#
#   bash benches/issue14.sh [RUNS] [DOCSIFT BINARY]
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

echo "one capture ($capture, $(wc -c < "$capture") bytes), $runs runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "binary: $bin"
printf '%-52s %12s %10s\n' command "mean wall" "peak RSS"
for cmd in "$file_cmd" "$pipe_cmd"; do
  printf '%-52s %9s ms %7s MB\n' "${cmd//"$bin"/docsift}" "$(mean_ms "$cmd")" "$(peak_mb "$cmd")"
done
