#!/usr/bin/env bash
# Two aggregator instances in one consumer group: a second instance joins (the partitions
# are split), events keep coming, then it leaves (SIGTERM). At every stage the figures,
# summed over the instances as Prometheus would (sum by unit), equal a from-scratch fold:
# no figure lost, none counted twice. Masking is off (--masking-limit 1) so every unit is
# exported by every instance that has persons there. Evaluations of measures (DOMAIN.md §13)
# need every person: each instance names the other with --peer and adds its sums, and the
# answer equals that of a third instance, in a group of its own, that holds everyone.
# Usage: rebalance_test.sh NAERVAER_BINARY
set -euo pipefail
bin="$1"
source "$(dirname "$0")/lib.sh"
TODAY=2026-11-22

start_broker 8

"$bin" generate --employees 300 --from 2025-01-01 --to "$TODAY" --seed 9 --with-key -o "$work/all.txt" 2>/dev/null
total=$(wc -l <"$work/all.txt")
head -n $((total / 2)) "$work/all.txt" >"$work/part1.txt"
tail -n +$((total / 2 + 1)) "$work/all.txt" >"$work/part2.txt"
cut -f2- "$work/all.txt" >"$work/all.jsonl"

http_a=127.0.0.1:$(port)
http_b=127.0.0.1:$(port)
start() {  # NAME [OPTION...]: an instance with its own state and port
  local name=$1 http; shift
  eval "http=\${http_$name:-127.0.0.1:\$(port)}"
  "$bin" aggregate --brokers "$BS" --state "$work/state-$name" --listen "$http" --today "$TODAY" \
    --masking-limit 1 --checkpoint-ms 200 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 "$@" \
    2>>"$work/$name.err" &
  pids+=($!)
  eval "pid_$name=$!; http_$name=$http"
}

# Waits until the given instances together own all 8 partitions without lag.
wait_split() {
  for _ in $(seq 400); do
    if python3 - "$@" <<'PY' 2>/dev/null; then return 0; fi
import json, sys, urllib.request
owned = []
for http in sys.argv[1:]:
    s = json.load(urllib.request.urlopen(f"http://{http}/api/v1/status", timeout=2))
    if any(p["lag"] != 0 or p["high_watermark"] < 0 for p in s["partitions"]): sys.exit(1)
    if not s["partitions"]: sys.exit(1)
    owned += [p["partition"] for p in s["partitions"]]
sys.exit(0 if sorted(owned) == list(range(8)) else 1)
PY
    sleep 0.25
  done
  fail "the instances did not settle: $(tail -3 "$work"/*.err)"
}

# Sums the unit metrics over the instances and compares them with a fresh fold of FILE.
compare() {
  local file=$1; shift
  "$bin" replay --from-file "$file" --today "$TODAY" --masking-limit 1 >"$work/scratch.json"
  for http in "$@"; do curl -sf "http://$http/metrics"; done >"$work/metrics.txt"
  python3 - "$work" <<'PY'
import json, re, sys
from collections import defaultdict
work = sys.argv[1]
got = defaultdict(float)
pat = re.compile(r'naervaer_unit_(contracted_workdays|lost_workdays|persons)\{parent="[^"]*",sector="[^"]*",unit="([^"]+)",window="([^"]+)"\} (\S+)')
for line in open(f"{work}/metrics.txt"):
    m = pat.match(line)
    if m: got[(m.group(1), m.group(2), m.group(3))] += float(m.group(4))
want = {}
for u in json.load(open(f"{work}/scratch.json"))["units"]:
    for w, p in u["windows"].items():
        if p["headcount"] == 0: continue
        want[("contracted_workdays", u["unit"], w)] = p["contracted_workdays"]
        want[("lost_workdays", u["unit"], w)] = p["lost_workdays"]
        want[("persons", u["unit"], w)] = p["headcount"]
bad = [(k, got.get(k), v) for k, v in want.items() if abs(got.get(k, -1) - v) > 1e-6 * max(1, abs(v))]
extra = [k for k in got if k not in want and got[k] != 0]
assert not bad and not extra, f"{len(bad)} differ, e.g. {bad[:3]}; {len(extra)} extra, e.g. {extra[:3]}"
print(f"{len(want)} unit figures equal the from-scratch fold")
PY
}

step "instance a alone"
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/part1.txt"
start a --peer "http://$http_a" --peer "http://$http_b"  # the same list for both, as in a StatefulSet
wait_split "$http_a"
compare <(head -n $((total / 2)) "$work/all.jsonl") "$http_a"

step "instance b joins: the partitions are split, events keep coming"
start b --peer "http://$http_a" --peer "http://$http_b"
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/part2.txt"
wait_split "$http_a" "$http_b"
python3 - "$http_a" "$http_b" <<'PY'
import json, sys, urllib.request
n = [len(json.load(urllib.request.urlopen(f"http://{h}/api/v1/status"))["partitions"]) for h in sys.argv[1:]]
assert all(x > 0 for x in n), f"not split: {n}"
print(f"partitions split {n[0]} + {n[1]}")
# Each instance exports the lag of its own partitions only: a revoked partition's gauge is gone.
for h in sys.argv[1:]:
    mine = sorted(p["partition"] for p in json.load(urllib.request.urlopen(f"http://{h}/api/v1/status"))["partitions"])
    text = urllib.request.urlopen(f"http://{h}/metrics").read().decode()
    exported = sorted(int(l.split('partition="')[1].split('"')[0]) for l in text.splitlines()
                      if l.startswith("naervaer_consumer_lag{"))
    assert exported == mine, f"{h}: lag exported for {exported}, assigned {mine}"
PY
compare "$work/all.jsonl" "$http_a" "$http_b"

step "evaluations over two instances equal one instance that holds every person"
start whole --group whole
wait_split "$http_whole"
python3 - "$http_a" "$http_b" "$http_whole" <<'PY'
import json, sys, urllib.request, urllib.parse, urllib.error
a, b, whole = sys.argv[1:]
def get(h, p):
    try:
        return urllib.request.urlopen(f"http://{h}{p}", timeout=30).read()
    except urllib.error.HTTPError as e:
        sys.exit(f"{h}{p}: {e.code} {e.read().decode()}")
measures = [m["measure_id"] for m in json.loads(get(whole, "/api/v1/measures"))["measures"]]
assert measures, "the generated municipality has no measures"
def first_difference(x, y, at=""):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k): return first_difference(x.get(k), y.get(k), f"{at}.{k}")
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            if u != v: return first_difference(u, v, f"{at}[{i}]")
    return f"{at}: {x!r} against {y!r}"
checked = numbers = 0
for mid in measures:
    for query in ("", "?year=2"):
        path = f"/api/v1/measures/{urllib.parse.quote(mid, safe='')}/evaluation{query}"
        want = get(whole, path)
        for h in (a, b):
            got = get(h, path)
            assert got == want, f"{mid}{query} from {h} differs from the whole: {first_difference(json.loads(got), json.loads(want))}"
        checked += 1
        numbers += json.loads(want)["effects"] is not None
    # The halves really are halves: each instance's own sums hold fewer persons than the whole's.
    sums = [json.loads(get(h, f"/api/v1/measures/{urllib.parse.quote(mid, safe='')}/evaluation/sums"))
            for h in (a, b, whole)]
    assert sums[0]["partitions"] and sums[1]["partitions"] and len(sums[2]["partitions"]) == 8
    assert [x + y for x, y in zip(sums[0]["headcount"], sums[1]["headcount"])] == sums[2]["headcount"]
assert numbers > 0, "no evaluation had effects to compare"
listed = [get(h, "/api/v1/evaluations") for h in (a, b, whole)]
assert listed[0] == listed[1] == listed[2], "the list of evaluations differs between the instances"
assert all(r["error"] is None for r in json.loads(listed[0])["evaluations"]), listed[0][:300]
print(f"{checked} evaluations ({numbers} with effects) equal over two instances and one")
PY

step "instance b leaves (SIGTERM): a takes every partition back"
kill -TERM "$pid_b"
wait "$pid_b" || fail "instance b did not exit 0"
wait_split "$http_a"
compare "$work/all.jsonl" "$http_a"
# Holding every partition again, a answers alone: its peer is gone and not needed.
mid=$(curl -sf "http://$http_a/api/v1/measures" | python3 -c 'import json,sys; print(json.load(sys.stdin)["measures"][0]["measure_id"])')
cmp <(curl -sf "http://$http_a/api/v1/measures/$mid/evaluation") <(curl -sf "http://$http_whole/api/v1/measures/$mid/evaluation") ||
  fail "a alone evaluates $mid otherwise than the whole"
echo "ok: rebalance"
