#!/usr/bin/env bash
# As known at (issue 14), measured in one run against a live aggregator:
#   - /api/v1/units as known at a time not seen before (a fold of the journal), and again
#     (cached): targets < 1 s at 2,000 employees, < 10 s at 50,000; < 50 ms cached;
#   - revisions of one unit for 24 months (target < 5 s at 50,000), and of the municipality;
#   - live ingestion while as-known-at answers are folded, against the same ingestion alone
#     (target >= 0.9): equal batches of new events, alone and with a stream of new times
#     asked, alternating (ROUNDS, default 3; BATCH_EMPLOYEES, default half the employees);
#   - the memory the kept projections take (their estimate, and the process's RSS).
# Usage: bench/time_travel_bench.sh [BUILD_DIR] [EMPLOYEES] [YEARS]
set -euo pipefail
build=${1:-build/release}
employees=${2:-2000}
years=${3:-10}
bin=$build/aggregator/naervaer
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/integration/lib.sh"
TODAY=2026-11-22
from=$(( ${TODAY:0:4} - years ))-01-01

rounds=${ROUNDS:-3}
batches=$((2 * rounds + 1))
echo "== a municipality of $employees employees over $years years, and $batches batches of new events"
"$bin" generate --employees "$employees" --from "$from" --to "$TODAY" --seed 1 --with-key -o "$work/events.txt" 2>/dev/null
# The batches: other municipalities' events (other ids) of the last two years, equal in size.
batch_employees=${BATCH_EMPLOYEES:-$(( employees / 2 ))}
for b in $(seq "$batches"); do
  "$bin" generate --employees "$batch_employees" --from 2024-01-01 --to "$TODAY" --seed $((b + 1)) --with-key \
    -o "$work/batch$b.txt" 2>/dev/null
done
n=$(wc -l <"$work/batch1.txt")
for b in $(seq "$batches"); do (( $(wc -l <"$work/batch$b.txt") < n )) && n=$(wc -l <"$work/batch$b.txt"); done
for b in $(seq "$batches"); do head -n "$n" "$work/batch$b.txt" >"$work/b$b.txt"; done
echo "$(wc -l <"$work/events.txt") events, then $batches x $n"
start_broker "${PARTITIONS:-64}"
broker=${pids[-1]}
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -X linger.ms=50 -l "$work/events.txt"

HTTP=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" --quiet \
  --checkpoint-ms 500 2>"$work/agg.err" &
agg=$!
pids+=("$agg")
# Waits until the aggregator has taken N events more than it had when `mark` was called
# (applied, duplicate or rejected: each message once), and prints the seconds since.
mark() {
  python3 -c 'import json, sys, urllib.request
s = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/status", timeout=5))
print(s["events_applied"] + s["events_duplicate"] + s["events_rejected"])' "$HTTP"
}
taken() {  # BASE N START: waits for BASE + N events; prints seconds since START (epoch seconds)
  python3 - "$HTTP" "$1" "$2" "$3" <<'PY'
import json, sys, time, urllib.request
http, base, n, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
while True:
    try:
        s = json.load(urllib.request.urlopen(f"http://{http}/api/v1/status", timeout=5))
        if s["events_applied"] + s["events_duplicate"] + s["events_rejected"] >= base + n:
            break
    except Exception:
        pass
    time.sleep(0.02)
print(f"{time.time() - start:.3f}")
PY
}
for _ in $(seq 200); do curl -sf -o /dev/null "http://$HTTP/api/v1/status" && break; sleep 0.1; done
echo "caught up with the municipality in $(taken 0 "$(wc -l <"$work/events.txt")" "$(date +%s.%N)") s (after kcat)"
sleep 1  # a checkpoint: the journal holds everything

rss() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$agg/status"; }
rss_before=$(rss)
echo "== as known at a time not seen before, then again (cached)"
python3 - "$HTTP" <<'PY'
import sys, time, urllib.request, urllib.parse
http = sys.argv[1]
def timed(path):
    start = time.time()
    urllib.request.urlopen(f"http://{http}{path}", timeout=600).read()
    return time.time() - start
for t in ("2025-06-30T23:59:59+02:00", "2026-03-31T23:59:59+02:00"):
    q = urllib.parse.quote(t, safe="")
    first = timed(f"/api/v1/units?known_at={q}")
    again = min(timed(f"/api/v1/units?known_at={q}") for _ in range(5))
    print(f"known_at={t}: first {first:.3f} s, cached {again * 1000:.1f} ms")
live = min(timed("/api/v1/units") for _ in range(5))
print(f"the live /api/v1/units for comparison: {live * 1000:.1f} ms")
for unit in ("helse-3", "kommune"):
    start = time.time()
    urllib.request.urlopen(f"http://{http}/api/v1/units/{unit}/revisions?granularity=month", timeout=600).read()
    print(f"revisions of {unit}, 24 months: {time.time() - start:.3f} s")
PY
echo "memory: RSS $rss_before MiB before, $(rss) MiB with two projections kept"

# Batches alone and with as-known-at folds running alternate (alone, with, alone, ...), and
# each batch with folds is compared with the mean of the ones alone just before and after:
# the state grows with each batch, and now and then a batch pays for something of its own
# (the event-id index doubling, 0.5 s at 3 M events, or a RocksDB compaction) whatever runs
# beside it. The median of the rounds' ratios is the figure; every batch is printed with
# the CPU its threads took.
ingest() {  # BATCH LABEL: sends the batch, prints the seconds until every event was taken
  local base t0 took
  base=$(mark)
  "$here/thread_cpu.py" "$agg" "$broker=broker" >"$work/cpu.txt"
  t0=$(date +%s.%N)
  kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -X linger.ms=50 -l "$work/b$1.txt"
  took=$(taken "$base" "$n" "$t0")
  echo "  batch $1 $2: $took s, $("$here/thread_cpu.py" --since "$work/cpu.txt" "$agg" "$broker=broker")" >&2
  echo "$took"
}
echo "== live ingestion of $n events alone and while as-known-at answers are folded, alternating"
times=("$(ingest 1 alone)")
for r in $(seq "$rounds"); do
  python3 - "$HTTP" "$r" >"$work/asking$r.txt" 2>&1 <<'PY' &
import sys, time, urllib.request
http, round_ = sys.argv[1], int(sys.argv[2])
asked = 0
end = time.time() + 600
while time.time() < end:  # a new time each second of 2025: never cached
    t = f"2025-{round_:02d}-{1 + asked // 60 % 28:02d}T00:{asked // 1680 % 60:02d}:{asked % 60:02d}Z"
    try:
        urllib.request.urlopen(f"http://{http}/api/v1/units?known_at={t}", timeout=600).read()
    except Exception as e:
        print(e)
    asked += 1
    print(asked, flush=True)
PY
  asker=$!
  pids+=("$asker")
  sleep 0.5  # the first fold has begun
  times+=("$(ingest $((2 * r)) "with folds")")
  kill "$asker" 2>/dev/null || true
  wait "$asker" 2>/dev/null || true
  sleep 3  # the fold asked last ends
  times+=("$(ingest $((2 * r + 1)) alone)")
done
python3 -c "
import statistics, sys
n, t = int(sys.argv[1]), [float(x) for x in sys.argv[2:]]
ratios = []
for i in range(1, len(t) - 1, 2):
    alone = (n / t[i - 1] + n / t[i + 1]) / 2
    ratios.append(n / t[i] / alone)
    print(f'round {i // 2 + 1}: {n / t[i]:.0f} events/s with folds running, {alone:.0f}/s alone around it: {ratios[-1]:.2f}')
print(f'live ingestion while as-known-at answers are folded: {statistics.median(ratios):.2f} of its rate alone '
      f'(median of {len(ratios)} rounds; target >= 0.9)')
" "$n" "${times[@]}"
