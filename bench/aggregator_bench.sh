#!/usr/bin/env bash
# The aggregator benchmark (issue 3). Everything is measured in this one run:
#   (a) raw librdkafka consumption of the topic: the ceiling;
#   (b) the aggregator from offset 0 until caught up (its figures current), checkpoints on;
#       target (b) >= 0.7 × (a)
# and: peak RSS, checkpoint p99, restart time (journal rebuild), /metrics scrape time
# with about 1,000 units (target < 50 ms), monthly series query p99 (target < 5 ms).
# Usage: [PARTITIONS=n] bench/aggregator_bench.sh [BUILD_DIR] [EMPLOYEES] [YEARS]
# (50,000 employees over 10 years is about 2.2 million events. The embedded broker keeps
# about 5 MiB of compressed batches per partition: 64 partitions hold 2.2 M events, 10 M
# need PARTITIONS=256.)
set -euo pipefail
build=${1:-build/release}
employees=${2:-50000}
years=${3:-10}
bin=$build/aggregator/naervaer
ceiling=$build/bench/naervaer_consume_ceiling
source "$(dirname "$0")/../tests/integration/lib.sh"
TODAY=2026-11-22

echo "== generating $employees employees over $years years"
from=$(( ${TODAY:0:4} - years ))-01-01
"$bin" generate --employees "$employees" --from "$from" --to "$TODAY" --with-key -o "$work/events.txt"
events=$(wc -l <"$work/events.txt")

# 64 partitions × 5 MiB keep every compressed batch of 2.2 M events.
start_broker "${PARTITIONS:-64}"

echo "== producing $events events (kcat, lz4)"
start=$(date +%s.%N)
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -X linger.ms=50 -X batch.num.messages=10000 -l "$work/events.txt"
echo "produced in $(echo "$(date +%s.%N) - $start" | bc) s"

echo "== (a) ceiling: raw consumption with librdkafka"
ceiling_out=$("$ceiling" "$BS" naervaer.events "$events")
echo "$ceiling_out"
ceiling_rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$ceiling_out")
ceiling_cpu=$(sed -n 's/.*cpu_seconds=\([0-9.]*\).*/\1/p' <<<"$ceiling_out")

echo "== (b) the aggregator from offset 0 until caught up"
HTTP=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" --quiet 2>"$work/agg.err" &
agg=$!
pids+=("$agg")
python3 - "$HTTP" "$events" "$agg" "$ceiling_cpu" >"$work/agg_rate.txt" <<'PY'
import json, os, sys, time, urllib.request
http, total, pid, ceiling_cpu = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
def status():
    try: return json.load(urllib.request.urlopen(f"http://{http}/api/v1/status", timeout=5))
    except Exception: return None
def cpu_by_thread():  # CPU seconds (user + system) per thread name
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try: stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except FileNotFoundError: continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out
first = None
peak = 0
while True:
    s = status()
    now = time.monotonic()
    if s:
        done = s["events_applied"] + s["events_duplicate"] + s["events_rejected"]
        if first is None and done > 0: first, first_done, cpu_first = now, done, cpu_by_thread()
        if s["partitions"] and done >= total and all(p["lag"] == 0 for p in s["partitions"]):
            cpu_last = cpu_by_thread()
            break
    try:
        proc = open(f"/proc/{pid}/status").read().splitlines()
    except FileNotFoundError:
        sys.exit("the aggregator exited; see its standard error")
    for line in proc:
        if line.startswith("VmHWM:"): peak = int(line.split()[1])
    time.sleep(0.05)
# Caught up means the figures answer for every event: a large backlog is folded with the
# per-day figures deferred, and this first figure query waits for them to be computed.
folded = now
urllib.request.urlopen(f"http://{http}/api/v1/units", timeout=120).read()
now = time.monotonic()
cpu_last = cpu_by_thread()
secs = now - first
n = total - first_done
print(f"figures current {now - folded:.2f} s after the last event was folded (a figure query included)")
print(f"messages={n} seconds={secs:.3f} rate={n / secs:.0f} peak_rss_mib={peak / 1024:.0f}")
# Where the CPU went while catching up, and the bound it sets: on C cores, a program that
# needs u CPU-seconds per message cannot go faster than C / u messages per second.
used = {k: cpu_last.get(k, 0) - cpu_first.get(k, 0) for k in cpu_last}
cpu = sum(used.values())
cores = os.cpu_count()
threads = ", ".join(f"{k} {v:.2f}" for k, v in sorted(used.items(), key=lambda kv: -kv[1]) if v >= 0.05)
print(f"aggregator CPU while catching up: {cpu:.2f} s = {cpu / n * 1e6:.2f} us/message ({threads})")
print(f"ceiling CPU (whole run, group join included): {ceiling_cpu:.2f} s = {ceiling_cpu / total * 1e6:.2f} us/message")
print(f"CPU bound on {cores} cores: at most {cores / (cpu / n) / 1e6:.2f} M messages/s")
PY
[[ -s "$work/agg_rate.txt" ]] || { cat "$work/agg.err"; exit 1; }
cat "$work/agg_rate.txt"
bound=$(sed -n 's/.*at most \([0-9.]*\) M.*/\1/p' "$work/agg_rate.txt")
agg_rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$work/agg_rate.txt")
echo "ratio (b)/(a) = $(echo "scale=3; $agg_rate / $ceiling_rate" | bc)   (target >= 0.7;" \
  "the CPU bound above is $(echo "scale=3; $bound * 1000000 / $ceiling_rate" | bc) x the ceiling)"

echo "== checkpoints"
curl -sf "http://$HTTP/metrics" >"$work/metrics.txt"
python3 - "$work/metrics.txt" <<'PY'
import re, sys
buckets, count = [], 0
for line in open(sys.argv[1]):
    m = re.match(r'naervaer_checkpoint_duration_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
    if m: buckets.append((float(m.group(1)), float(m.group(2))))
    m = re.match(r'naervaer_checkpoint_duration_seconds_count (\S+)', line)
    if m: count = float(m.group(1))
p99 = next(le for le, c in buckets if c >= 0.99 * count)
print(f"checkpoints={count:.0f} p99 <= {p99 * 1000:.1f} ms (histogram bucket)")
PY
units=$(grep -c '^naervaer_unit_persons{.*window="30d"' "$work/metrics.txt" || true)

echo "== /metrics scrape ($units unmasked units) and a monthly series query"
python3 - "$HTTP" "$BS" <<'PY'
import json, subprocess, sys, time, urllib.request
http, brokers = sys.argv[1], sys.argv[2]
def timed(path, n, before=None):
    t = []
    for i in range(n):
        if before: before(i)
        a = time.perf_counter(); urllib.request.urlopen(f"http://{http}{path}").read(); t.append(time.perf_counter() - a)
    t.sort(); return t[len(t) // 2] * 1000, t[int(len(t) * 0.99) - 1] * 1000
m50, m99 = timed("/metrics", 30)
print(f"/metrics, projection unchanged (the kept text): median {m50:.1f} ms, p99 {m99:.1f} ms   (target < 50 ms)")
# A scrape right after the projection changed renders it again: one new event before each.
def applied():
    return json.load(urllib.request.urlopen(f"http://{http}/api/v1/status"))["events_applied"]
def change(i):
    before = applied()
    event = {"event_id": f"bench-change-{i}", "type": "target_set", "recorded_at": "2026-11-22T08:00:00Z",
             "unit": "helse-3", "year": 2026, "attendance_target_percent": 93 + i / 100}
    subprocess.run(["kcat", "-P", "-b", brokers, "-t", "naervaer.events", "-K", "\t"],
                   input=f"helse-3\t{json.dumps(event)}\n", text=True, check=True)
    deadline = time.monotonic() + 30
    while applied() == before:
        if time.monotonic() > deadline: sys.exit("the aggregator did not apply the bench's change")
        time.sleep(0.01)
c50, c99 = timed("/metrics", 30, change)
print(f"/metrics, rendered after a change: median {c50:.1f} ms, p99 {c99:.1f} ms   (target < 50 ms)")
s50, s99 = timed("/api/v1/units/helse-3/series?granularity=month&from=2024-01-01&to=2026-11-22", 300)
print(f"monthly series of a unit: median {s50:.2f} ms, p99 {s99:.2f} ms   (target p99 < 5 ms)")
r50, r99 = timed("/api/v1/units/kommune/series?granularity=month&from=2024-01-01&to=2026-11-22", 50)
print(f"monthly series of the municipality: median {r50:.2f} ms, p99 {r99:.2f} ms")
PY

echo "== restart: rebuild from the journal"
kill -TERM "$agg"
wait "$agg" || true
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" 2>"$work/restart.err" &
agg=$!
pids+=("$agg")
for _ in $(seq 600); do grep -q "serving" "$work/restart.err" && break; sleep 0.1; done
grep "rebuilt" "$work/restart.err"
du -sh "$work/state" | awk '{print "state directory: " $1}'
