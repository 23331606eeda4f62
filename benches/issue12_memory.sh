#!/usr/bin/env bash
# Issue 12's memory check for a Unix pipe of JSON Lines records:
#   zstdcat shard.jsonl.zst | docsift clean --from jsonl - --to jsonl > /dev/null
# Peak RSS (/usr/bin/time) for N records of small texts against N records of large
# ones, and for 4N small ones: memory must grow with the number of documents, not
# with the size of their text. Records are generated (random words, every one
# distinct, so every document is canonical and written back), in 50 sites (hosts), and
# the large ones once more in a single site, where boilerplate learning keeps the most
# documents in memory. Never asserted in tests.
#
#   bash benches/issue12_memory.sh [WORK DIR] [DOCSIFT BINARY] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/docsift-issue12-memory}
bin=$(realpath "${2:-target/release/docsift}")
n=${3:-10000}
if [ $# -lt 2 ]; then cargo build --release -q; fi
mkdir -p "$work"

make() { # records, words per record, file, sites
  [ -f "$3" ] || python3 - "$1" "$2" "${4:-50}" <<'EOF' | zstd -q -3 -o "$3"
import json, random, sys
n, words, sites = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(12)
vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
         for _ in range(5000)]
for i in range(n):
    paras = []
    left = words
    while left > 0:
        k = min(left, rng.randint(40, 120))
        paras.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
        left -= k
    rec = {"id": f"r{i:07d}", "text": "\n\n".join(paras), "url": f"https://s{i % sites}.example/{i}"}
    sys.stdout.write(json.dumps(rec) + "\n")
EOF
}

small=$work/small-$n.jsonl.zst
large=$work/large-$n.jsonl.zst
small4=$work/small-$((4 * n)).jsonl.zst
make "$n" 60 "$small"
make "$n" 6000 "$large"
make "$((4 * n))" 60 "$small4"
# 4,000 records: a site of at most 4,096 documents (SITE_CACHE) is the one whose
# documents are kept in memory between cleaning and boilerplate removal.
large1=$work/large-4000-one-site.jsonl.zst
make 4000 6000 "$large1" 1

measure() { # label, file
  local bytes
  bytes=$(zstdcat "$2" | wc -c)
  /usr/bin/time -f "%e %M" -o "$work/time" sh -c "zstdcat '$2' | '$bin' clean --from jsonl - --to jsonl -q > /dev/null"
  read -r secs kb < "$work/time"
  printf '%-28s %10d records %8.1f MB of JSON %8.1f s %8.1f MB peak RSS\n' \
    "$1" "$(zstdcat "$2" | wc -l)" "$(echo "$bytes / 1048576" | bc -l)" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
echo "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), binary $bin"
measure "small texts (~400 B)" "$small"
measure "large texts (~40 KB)" "$large"
measure "4x as many small texts" "$small4"
measure "4000 large texts, one site" "$large1"
