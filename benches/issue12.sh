#!/usr/bin/env bash
# Issue 12's benchmark: the same 100,000 documents as 100,000 files, as 2 zstd JSON
# Lines shards, and as one WET file, cleaned side by side in one sitting. Prints wall
# time and peak RSS of each run, the speed-up of JSON Lines over files, WET against
# JSON Lines, and whether the three runs give the same duplicate clusters (compared by
# document identity: the capture's number, 00012345, which is the file's stem, the
# record's id and the URL's last segment). Also prints each run's CPU seconds (user +
# system), which is what to compare on a loaded machine. Speed is measured here,
# never asserted in tests.
#
#   bash benches/issue12.sh [WORK DIR] [DOCSIFT BINARY] [DOCS]
#
# The corpus is made once under WORK DIR (default /tmp/docsift-issue12):
#   make_corpus.py --format both --shards 2   files and {"id","text"} shards
#   the shards with a "url" field added        https://site-NNNN.example/ID, the host
#                                              being the file's folder, as make_wet.py
#                                              names it, so all three runs group
#                                              documents into the same sites
#   zstd -3 of each shard, make_wet.py         the WET file
# The plain make_corpus shards (no url: every record in one site) are timed too.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/docsift-issue12}
bin=$(realpath "${2:-target/release/docsift}")
docs=${3:-100000}
if [ $# -lt 2 ]; then cargo build --release -q; fi
corpus=$work/corpus
mkdir -p "$work"

if [ ! -f "$corpus/labels.json" ]; then
  python3 ../shared/bench/make_corpus.py --docs "$docs" --out "$corpus" --format both --shards 2 > /dev/null
fi
if [ ! -f "$work/urls/part-00001.jsonl.zst" ]; then
  mkdir -p "$work/plain" "$work/urls"
  for f in "$corpus"/jsonl/part-*.jsonl; do
    name=$(basename "$f")
    zstd -q -3 -f "$f" -o "$work/plain/$name.zst"
    python3 - "$f" <<'EOF' | zstd -q -3 -f -o "$work/urls/$name.zst"
import json, sys
# The record's folder is its number // 1000, as make_corpus.py lays out the files.
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        r["url"] = f"https://site-{int(r['id']) // 1000:04d}.example/{r['id']}"
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
EOF
  done
fi
if [ ! -f "$work/corpus.warc.wet.gz" ]; then
  python3 benches/make_wet.py "$corpus/docs" "$work/corpus.warc.wet.gz" 2> /dev/null
fi

# RUNS="jsonl-urls wet" times only those (the cluster comparison then needs the
# other runs' outputs from an earlier sitting).
runs=${RUNS:-files jsonl-urls wet jsonl-plain}
run() { # name, then the docsift arguments
  local name=$1
  shift
  case " $runs " in *" $name "*) ;; *) return 0 ;; esac
  rm -rf "$work/out-$name"
  sync
  /usr/bin/time -f "%e %M %U %S" -o "$work/time-$name" "$bin" clean "$@" -o "$work/out-$name" -q || true
  read -r secs kb user sys < "$work/time-$name"
  # CPU seconds (user + system) compare runs on a loaded machine; wall time does not.
  printf '%-34s %8.1f s %8.0f MB %8.1f s\n' "$name" "$secs" "$((kb / 1024))" "$(echo "$user + $sys" | bc -l)"
  echo "$secs" > "$work/secs-$name"
}

echo "$docs documents, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), binary $bin"
printf '%-34s %10s %11s %10s\n' run wall "peak RSS" "CPU"
run files "$corpus/docs"
run jsonl-urls "$work"/urls/part-*.jsonl.zst --to jsonl
run wet "$work/corpus.warc.wet.gz" --to jsonl
run jsonl-plain "$work"/plain/part-*.jsonl.zst --to jsonl

python3 - "$work" <<'EOF'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])

def ident(row):
    if row.get("id") and not row["id"].startswith("<urn"):
        return row["id"]
    if row.get("url"):
        return row["url"].rsplit("/", 1)[1]
    return Path(row["source"]).stem

def clusters(name):
    rows = [json.loads(l) for l in open(work / f"out-{name}" / "manifest.jsonl")]
    by_source = {r["source"]: ident(r) for r in rows}
    groups = {}
    for r in rows:
        if r["status"] in ("duplicate", "near_duplicate"):
            groups.setdefault(by_source[r["duplicate_of"]], set()).add(ident(r))
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {frozenset(m | {c}) for c, m in groups.items()}, statuses

secs = {n: float((work / f"secs-{n}").read_text()) for n in ("files", "jsonl-urls", "wet", "jsonl-plain")}
print(f"JSON Lines (urls) is {secs['files'] / secs['jsonl-urls']:.2f}x as fast as files "
      f"(plain shards {secs['files'] / secs['jsonl-plain']:.2f}x); "
      f"WET takes {secs['wet'] / secs['jsonl-urls']:.2f}x the JSON Lines time")
base, st = clusters("files")
print(f"files: {len(base)} clusters, statuses {st}")
for name in ("jsonl-urls", "wet", "jsonl-plain"):
    c, st = clusters(name)
    same = "the same clusters" if c == base else f"{len(c ^ base)} clusters differ"
    print(f"{name}: {len(c)} clusters, {same} as files; statuses {st}")
EOF
