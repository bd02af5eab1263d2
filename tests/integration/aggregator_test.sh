#!/usr/bin/env bash
# End to end, with real parts only: `naervaer broker` (librdkafka's mock cluster over TCP),
# kcat as an independent producer and consumer, `naervaer aggregate` with RocksDB on disk,
# real HTTP (curl) and promtool. Checks:
#   - the API's figures equal a from-scratch fold of the valid events (`naervaer replay`);
#   - kill -9 in mid-stream and a restart change nothing; a duplicate counts once;
#   - every reject is in the DLQ with its reason; no identity number anywhere;
#   - 400 and 404; /metrics passes `promtool check metrics`; SIGTERM exits 0.
# Usage: aggregator_test.sh NAERVAER_BINARY
set -euo pipefail
bin="$1"
source "$(dirname "$0")/lib.sh"

TODAY=2026-11-22
FNR=01010112377  # valid check digits: must never get past the aggregator

step "embedded broker"
start_broker 8

step "scenario: a generated municipality with corrections, cancellations, duplicates, conflicts, invalid events"
"$bin" generate --employees 400 --from 2024-06-01 --to "$TODAY" --seed 3 -o "$work/generated.jsonl" 2>/dev/null
python3 - "$work" "$FNR" <<'PY'
import json, sys
work, fnr = sys.argv[1], sys.argv[2]
events = [json.loads(l) for l in open(f"{work}/generated.jsonl")]
def key(e): return e.get("employee") or e.get("unit") or e.get("measure_id")
valid = list(events)
extra_valid, invalid = [], []
# A correction and a cancellation of the first doctor-certified absence, sent later.
a = next(e for e in events if e["type"] == "absence_set" and e["kind"] == "doctor_certified")
fix = dict(a, event_id="fix-1", to="2026-11-20", recorded_at="2026-11-21T10:00:00Z")
cancel = {"event_id": "cancel-1", "type": "absence_cancelled", "recorded_at": "2026-11-21T11:00:00Z",
          "employee": a["employee"], "absence_id": next(e for e in events if e["type"] == "absence_set"
          and e["employee"] == a["employee"] and e["absence_id"] != a["absence_id"])["absence_id"]} \
    if sum(1 for e in events if e["type"] == "absence_set" and e["employee"] == a["employee"]) > 1 else None
extra_valid += [fix] + ([cancel] if cancel else [])
# A unit of two persons: its figures must be masked, but still counted in its parent.
extra_valid.append({"event_id": "small-unit", "type": "unit_registered", "recorded_at": "2024-05-01T08:00:00Z",
                    "unit": "liten", "name": "Lille enhet", "parent": "kultur"})
for i in range(2):
    extra_valid.append({"event_id": f"small-{i}", "type": "employment_set", "recorded_at": "2024-05-01T08:00:00Z",
                        "employee": f"psmall{i}", "employment_id": "m1", "unit": "liten", "from": "2024-06-01",
                        "fte_percent": 100})
extra_valid.append({"event_id": "small-abs", "type": "absence_set", "recorded_at": "2026-11-10T08:00:00Z",
                    "employee": "psmall0", "absence_id": "a1", "kind": "self_certified",
                    "from": "2026-11-09", "to": "2026-11-10"})
# Conflicts: known event ids with other content.
conflict = dict(events[-1]); conflict["recorded_at"] = "2026-11-22T09:00:00Z"
invalid.append(("conflict", key(conflict), json.dumps(conflict)))
# Invalid events, one per rule.
base = {"event_id": "bad-1", "type": "absence_set", "recorded_at": "2026-11-21T10:00:00Z",
        "employee": a["employee"], "absence_id": "x", "kind": "self_certified", "from": "2026-11-02"}
invalid.append(("bad_date", a["employee"], json.dumps(dict(base, event_id="bad-date", **{"from": "2026-02-30"}))))
invalid.append(("end_before_start", a["employee"], json.dumps(dict(base, event_id="bad-order", to="2026-11-01"))))
invalid.append(("identity_number", fnr, json.dumps(dict(base, event_id="bad-fnr", employee=fnr))))
invalid.append(("malformed_json", "junk", '{"event_id": "broken'))
invalid.append(("unknown_type", "u", json.dumps({"event_id": "bad-type", "type": "absence_deleted",
                                                  "recorded_at": "2026-11-21T10:00:00Z"})))
invalid.append(("grade_out_of_range", a["employee"], json.dumps(dict(base, event_id="bad-grade",
                kind="doctor_certified", grade_percent=10))))
with open(f"{work}/valid.jsonl", "w") as f:
    for e in valid + extra_valid: f.write(json.dumps(e, ensure_ascii=False) + "\n")
lines = [f"{key(e)}\t{json.dumps(e, ensure_ascii=False)}" for e in valid + extra_valid]
lines += [f"{key(e)}\t{json.dumps(e, ensure_ascii=False)}" for e in valid[:300]]  # duplicates
lines += [f"{k}\t{v}" for _, k, v in invalid]
half = len(valid) // 2
with open(f"{work}/part1.txt", "w") as f: f.write("\n".join(lines[:half]) + "\n")
with open(f"{work}/part2.txt", "w") as f: f.write("\n".join(lines[half:]) + "\n")
with open(f"{work}/expected_rejects.txt", "w") as f: f.write("\n".join(sorted(r for r, _, _ in invalid)) + "\n")
with open(f"{work}/invalid_lines.txt", "w") as f: f.write("\n".join(f"{k}\t{v}" for _, k, v in invalid) + "\n")
PY

step "produce the first half with kcat"
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/part1.txt"

HTTP=127.0.0.1:$(port)
start_aggregator() {  # extra environment may be given, e.g. NAERVAER_FAILPOINT_EXIT_AFTER_MESSAGES=N
  env "$@" "$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" \
    --checkpoint-ms 200 --checkpoint-events 300 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
    >>"$work/aggregate.out" 2>>"$work/aggregate.err" &
  agg=$!
  pids+=("$agg")
}
wait_caught_up() {  # until every partition is assigned and has no lag
  for _ in $(seq 300); do
    kill -0 "$agg" 2>/dev/null || fail "the aggregator exited: $(tail -5 "$work/aggregate.err")"
    if python3 - "$HTTP" <<'PY' 2>/dev/null; then return 0; fi
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/status", timeout=2))
parts = s["partitions"]
sys.exit(0 if len(parts) == 8 and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts) else 1)
PY
    sleep 0.2
  done
  fail "the aggregator did not catch up: $(tail -5 "$work/aggregate.err")"
}

step "aggregate; crash in mid-stream at chosen points (failpoint), and by kill -9"
# Each run dies right after applying the batch that holds its N-th message, before that
# batch's checkpoint; the next run rebuilds from the journal and re-consumes the rest.
# A run commits at most N plus one poll (300) of the ~2,050 messages of the first half,
# so the third run still has more than its N left to consume.
for n in 400 500 300; do
  start_aggregator NAERVAER_FAILPOINT_EXIT_AFTER_MESSAGES=$n
  for _ in $(seq 600); do kill -0 "$agg" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$agg" 2>/dev/null && fail "the failpoint at message $n did not fire within 30 s (fewer messages left?)"
  wait "$agg" 2>/dev/null && fail "the failpoint did not fire" || true
done
start_aggregator
wait_caught_up
kill -TERM "$agg"
wait "$agg" || fail "exit status $? after SIGTERM"
# The second half holds the rejects. A run that dies once a checkpoint's rejects are on the
# dead-letter topic, before its offsets are committed: the next run consumes them again and
# must not send them again.
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/part2.txt"
start_aggregator NAERVAER_FAILPOINT_EXIT_AFTER_DEAD_LETTERS=1
for _ in $(seq 600); do kill -0 "$agg" 2>/dev/null || break; sleep 0.05; done
kill -0 "$agg" 2>/dev/null && fail "the dead-letter failpoint did not fire within 30 s"
wait "$agg" 2>/dev/null && fail "the dead-letter failpoint did not fire" || true
start_aggregator
sleep 0.2
kill -9 "$agg"
wait "$agg" 2>/dev/null || true
start_aggregator
wait_caught_up
grep "rebuilt" "$work/aggregate.err"
[[ $(grep -c "rebuilt .* events from the journal" "$work/aggregate.err") -ge 2 ]] || fail "too few journal rebuilds"
grep "not sent again" "$work/aggregate.err" || fail "no run found the rejects sent ahead of its checkpoint"

step "the API equals a from-scratch fold of the valid events"
curl -sf "http://$HTTP/api/v1/units" >"$work/api_units.json"
"$bin" replay --from-file "$work/valid.jsonl" --today "$TODAY" >"$work/scratch_units.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
api = {u["unit"]: u for u in json.load(open(f"{work}/api_units.json"))["units"]}
ref = {u["unit"]: u for u in json.load(open(f"{work}/scratch_units.json"))["units"]}
assert api.keys() == ref.keys(), (sorted(api.keys() ^ ref.keys()))
for unit in ref:
    assert api[unit] == ref[unit], f"unit {unit} differs:\n{api[unit]}\n{ref[unit]}"
shown = sum(1 for u in ref.values() if not u["windows"]["365d"]["masked"])
assert shown >= 5, "too few unmasked units for a meaningful comparison"
assert ref["liten"]["windows"]["30d"]["masked"] and "lost_workdays" not in ref["liten"]["windows"]["30d"]
print(f"{len(ref)} units equal, {shown} unmasked")
PY

step "status: duplicates counted once"
python3 - "$HTTP" "$work" <<'PY'
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/status"))
distinct = len({json.loads(l)["event_id"] for l in open(f"{sys.argv[2]}/valid.jsonl")})
# Every distinct valid event applied exactly once, whatever was repeated or re-consumed.
assert s["events_applied"] == distinct, (s["events_applied"], distinct)
# The counters too, across the three crashes at failpoints and the kill -9: each message
# on the topic counted once, as applied, duplicate or rejected.
work = sys.argv[2]
invalid = set(open(f"{work}/invalid_lines.txt").read().splitlines())
sent = open(f"{work}/part1.txt").read().splitlines() + open(f"{work}/part2.txt").read().splitlines()
rejected = sum(1 for line in sent if line in invalid)
assert s["events_rejected"] == rejected, ("rejected", s["events_rejected"], rejected)
assert s["events_applied"] + s["events_duplicate"] + s["events_rejected"] == len(sent), \
    ("every message once", s["events_applied"], s["events_duplicate"], s["events_rejected"], len(sent))
metrics = urllib.request.urlopen(f"http://{sys.argv[1]}/metrics").read().decode()
total = sum(float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines() if l.startswith("naervaer_events_total{"))
assert total == len(sent), ("naervaer_events_total", total, len(sent))
print(f"{distinct} distinct events applied once; {len(sent)} messages counted once each after the crashes "
      f"({s['events_duplicate']} duplicates, {rejected} rejected)")
PY

step "bad parameters answer 400, an unknown unit 404"
code() { curl -s -o /dev/null -w '%{http_code}' "http://$HTTP$1"; }
[[ $(code "/api/v1/units/kommune/series?granularity=week") == 400 ]] || fail "granularity=week"
[[ $(code "/api/v1/units/kommune/series?from=2026-02-30") == 400 ]] || fail "from=2026-02-30"
[[ $(code "/api/v1/units/kommune/series?from=2026-05-01&to=2026-04-01") == 400 ]] || fail "to before from"
[[ $(code "/api/v1/units/no-such-unit/series") == 404 ]] || fail "unknown unit"
[[ $(code "/api/v1/units/kommune/series?granularity=month&from=2026-01-01&to=2026-06-30") == 200 ]] || fail "series"
[[ $(code "/readyz") == 200 ]] || fail "readyz"

step "follow-up (DOMAIN.md §10-§12): per unit, in /api/v1/units, masked where the unit is"
[[ $(code "/api/v1/units/kommune/followups?from=2026-13-01") == 400 ]] || fail "followups from=2026-13-01"
[[ $(code "/api/v1/units/kommune/followups?from=2026-05-01&to=2026-04-01") == 400 ]] || fail "followups to before from"
[[ $(code "/api/v1/units/no-such-unit/followups") == 404 ]] || fail "followups of an unknown unit"
python3 - "$HTTP" <<'PY' || fail "the follow-up answers do not have the shape of DESIGN.md"
import json, sys, urllib.request
http = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(f"http://{http}{p}"))
units = get("/api/v1/units")["units"]
steps = {"followup_plan", "dialogue_meeting_1", "activity_requirement", "dialogue_meeting_2"}
seen_due = seen_masked = 0
for u in units:
    f = get(f"/api/v1/units/{u['unit']}/followups?from=2025-11-23&to=2026-11-22")
    assert f == u["followups"], (u["unit"], f, u["followups"])  # the 365 days of /api/v1/units
    if f["masked"]:
        assert set(f) == {"unit", "from", "to", "masked"}, f
        seen_masked += 1
        continue
    assert set(f["steps"]) == steps, f
    for c in f["steps"].values():
        assert c["due"] == c["done_on_time"] + c["late"] + c["overdue"], f
        seen_due += c["due"]
    fr = u["frequent_short_term"]
    assert fr["masked"] or isinstance(fr["persons"], int), fr
    for w, point in u["windows"].items():
        assert point.get("band") in (None, "green", "yellow", "red"), point
        if u["parent"] is None: assert point["band"] is None, (u["unit"], point)
assert seen_due > 0 and seen_masked > 0, (seen_due, seen_masked)
print(f"{len(units)} units: follow-up of {seen_due} steps, {seen_masked} masked")
PY

step "measures: listed, evaluated (DOMAIN.md §13), 404 and 400, numbers without exponents"
curl -sf "http://$HTTP/api/v1/measures" >"$work/measures.json"
measure=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["measures"]; assert m, "no measures"; print(m[0]["measure_id"])' "$work/measures.json") || fail "no measures listed"
curl -sf "http://$HTTP/api/v1/measures/$measure/evaluation" >"$work/evaluation.json" || fail "evaluation of $measure"
python3 - "$work/evaluation.json" <<'PY' || fail "the evaluation does not have the shape of DESIGN.md"
import json, sys
e = json.load(open(sys.argv[1]))
for k in ["measure_id", "name", "status", "year", "after", "before", "treated_units", "comparison_units", "masked",
          "verdict", "warnings", "cells", "effects", "workdays_avoided", "placebo", "monthly"]:
    assert k in e, k
assert e["verdict"] in {"not_started", "masked", "reduced", "increased", "inconclusive", "no_detectable_change"}
if e["verdict"] not in {"not_started", "masked"}:
    d = e["effects"]["total"]["did"]
    assert d["ci_low"] <= d["estimate"] <= d["ci_high"], d
    assert abs(e["effects"]["total"]["mde"] - 2.8 * d["se"]) < 1e-9
    t = e["cells"]["treated"]
    assert abs(e["effects"]["total"]["treated_change"]["estimate"]
               - (t["after"]["absence_percent"] - t["before"]["absence_percent"])) < 1e-9
PY
# A masked evaluation (the generator's youth club of three) shows no cell's numbers at all.
python3 - "$HTTP" "$work/measures.json" <<'PY' || fail "a masked evaluation shows numbers, or none is masked"
import json, sys, urllib.request
masked = 0
for m in json.load(open(sys.argv[2]))["measures"]:
    e = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/measures/{m['measure_id']}/evaluation"))
    if not e["masked"]:
        continue
    masked += 1
    assert e["verdict"] == "masked" and e["effects"] is None and e["placebo"] is None and e["monthly"] == [], e
    for group in e["cells"].values():
        for c in group.values():
            assert set(c) == {"headcount", "masked"}, (m["measure_id"], c)
assert masked > 0, "no masked evaluation to check"
PY
# Kept for `naervaer evaluate`, which must answer the same from the state directory.
mkdir -p "$work/api_evaluations"
for id in $(python3 -c 'import json,sys; print(" ".join(m["measure_id"] for m in json.load(open(sys.argv[1]))["measures"]))' "$work/measures.json"); do
  curl -sf "http://$HTTP/api/v1/measures/$id/evaluation" >"$work/api_evaluations/$id.json" || fail "evaluation of $id"
done
[[ $(code "/api/v1/measures/no-such-measure/evaluation") == 404 ]] || fail "unknown measure"
[[ $(code "/api/v1/measures?unit=no-such-unit") == 404 ]] || fail "measures of an unknown unit"
[[ $(code "/api/v1/evaluations?year=0") == 400 ]] || fail "evaluations of year 0"
curl -sf "http://$HTTP/api/v1/evaluations" >"$work/evaluations_list.json" || fail "/api/v1/evaluations"
python3 - "$work" <<'PY' || fail "/api/v1/evaluations does not list every measure as its evaluation says"
import glob, json, os, sys
work = sys.argv[1]
rows = {r["measure_id"]: r for r in json.load(open(f"{work}/evaluations_list.json"))["evaluations"]}
for f in glob.glob(f"{work}/api_evaluations/*.json"):
    e = json.load(open(f))
    r = rows.pop(e["measure_id"])
    assert r["verdict"] == e["verdict"] and r["error"] is None and r["in_words"], r
    total = (e["effects"] or {}).get("total")
    assert (r["did"] is None) == (total is None), r
    if total: assert r["did"] == total["did"]["estimate"] and r["ci_high"] == total["did"]["ci_high"], (r, total)
assert not rows, f"listed but not measures: {sorted(rows)}"
PY
[[ $(code "/api/v1/measures/$measure/evaluation?year=0") == 400 ]] || fail "year=0"
[[ $(code "/api/v1/measures/$measure/evaluation?comparison=no-such-unit") == 400 ]] || fail "unknown comparison unit"
[[ $(code "/api/v1/measures/$measure/evaluation?comparison=kultur,") == 400 ]] || fail "empty comparison unit"
[[ $(code "/api/v1/measures/$measure/evaluation/sums") == 200 ]] || fail "sums"
for path in /api/v1/units /api/v1/measures "/api/v1/measures/$measure/evaluation" /api/v1/status; do
  ! curl -sf "http://$HTTP$path" | grep -Eq '[0-9][eE][-+]?[0-9]' || fail "$path writes a number with an exponent"
done
# HEAD: the headers of GET, no body (a body would break the next request on the connection).
python3 - "$HTTP" <<'PY' || fail "a HEAD response carried a body"
import socket, sys
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(0.5)
data = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
except socket.timeout:
    pass
assert data.startswith(b"HTTP/1.1 200") and b"Content-Length: 3" in data and data.endswith(b"\r\n\r\n"), data
PY

step "/metrics passes promtool check metrics; masked units are absent"
curl -sf "http://$HTTP/metrics" >"$work/metrics.txt"
promtool check metrics <"$work/metrics.txt" || fail "promtool check metrics"
grep -q '^naervaer_unit_lost_workdays{parent="",sector="",unit="kommune",window="365d"}' "$work/metrics.txt" || fail "no root figures"
python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
units = json.load(open(f"{work}/api_units.json"))["units"]
masked = {u["unit"] for u in units if u["windows"]["30d"]["masked"]}
for line in open(f"{work}/metrics.txt"):
    m = re.match(r'naervaer_unit_\w+\{.*unit="([^"]+)".*window="30d"', line)
    assert not (m and m.group(1) in masked), f"masked unit exported: {line}"
PY

step "strangers: 400 idle and slow connections do not lock out /healthz; 405 says Allow; a bad % is 400"
python3 - "$HTTP" <<'PY' || fail "the HTTP server does not stand up to idle and slow clients"
import http.client, socket, sys, time, urllib.request
host, port = sys.argv[1].split(":")
conns = []
for i in range(400):  # more than the server's 256 sessions
    s = socket.create_connection((host, int(port)), timeout=5)
    if i % 2: s.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # half a header, never finished
    conns.append(s)
start = time.time()
assert urllib.request.urlopen(f"http://{sys.argv[1]}/healthz", timeout=5).read() == b"ok\n"
waited = time.time() - start
assert waited < 2, f"/healthz took {waited:.1f} s behind idle connections"
closed = 0
for s in conns:  # the longest-waiting were closed to make room
    s.settimeout(0.01)
    try:
        closed += s.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
assert closed > 0, "no idle connection was closed"
c = http.client.HTTPConnection(host, int(port), timeout=5)
c.request("POST", "/api/v1/units")
r = c.getresponse(); r.read()
assert r.status == 405 and r.getheader("Allow") == "GET, HEAD", (r.status, r.getheader("Allow"))
c.request("GET", "/api/v1/units/%zz/series")
r = c.getresponse(); r.read()
assert r.status == 400, r.status
print(f"/healthz in {waited * 1000:.0f} ms behind 400 idle or slow connections ({closed} closed to make room)")
PY

step "an invalid event of 1.1 MB reaches the dead-letter topic cut, and the pipeline goes on"
before=$(curl -sf "http://$HTTP/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_rejected"])')
python3 -c 'import json; print("big\t" + json.dumps({"event_id": "bad-big", "type": "absence_set",
  "recorded_at": "2026-11-21T10:00:00Z", "employee": "pbig", "absence_id": "a1", "kind": "self_certified",
  "from": "2026-02-30", "note": "x" * 1100000}))' >"$work/big.txt"
kcat -P -b "$BS" -t naervaer.events -K $'\t' -X message.max.bytes=2000000 -l "$work/big.txt" ||
  fail "kcat could not produce the 1.1 MB event"
echo bad_date >>"$work/expected_rejects.txt" && sort -o "$work/expected_rejects.txt" "$work/expected_rejects.txt"
for _ in $(seq 100); do
  now=$(curl -sf "http://$HTTP/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events_rejected"])')
  (( now > before )) && break
  sleep 0.1
done
(( now == before + 1 )) || fail "the 1.1 MB event was not rejected once ($before -> $now)"
sleep 1.5  # its checkpoint: the DLQ is flushed before the offsets are committed
kill -0 "$agg" 2>/dev/null || fail "the aggregator stopped on a 1.1 MB reject: $(tail -3 "$work/aggregate.err")"
kcat -C -b "$BS" -t naervaer.events.dlq -e -q -X fetch.message.max.bytes=2000000 -f '%h|%S\n' |
  grep 'cut=true' >"$work/big_dlq.txt" || fail "no cut reject on the dead-letter topic"
grep -q 'value_bytes=[0-9]*,value_fnv1a64=[0-9a-f]\{16\}' "$work/big_dlq.txt" || fail "the cut reject has no size and hash"
size=$(sed 's/.*|//' "$work/big_dlq.txt" | head -1)
(( size <= 600000 )) || fail "the reject on the dead-letter topic is $size bytes, not cut"

step "as known at (DOMAIN.md §14): every figure endpoint against a from-scratch fold of the journal"
sleep 1.5  # the last events reach the journal with the next checkpoint
"$bin" journal --state "$work/state" >"$work/journal_live.jsonl" 2>/dev/null || fail "journal beside the aggregator"
# Times in UTC and in other offsets, before the first event, between events, at the end.
for T in 2024-01-01T00:00:00Z 2025-03-31T23:59:59+02:00 2025-11-15T12:00:00-05:00 2026-06-30T23:59:59+02:00 \
         2026-11-21T10:00:00Z; do
  q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$T")
  curl -sf "http://$HTTP/api/v1/units?known_at=$q" >"$work/known_units.json" || fail "units known_at=$T"
  "$bin" replay --from-file "$work/journal_live.jsonl" --known-at "$T" >"$work/replayed_units.json" 2>/dev/null ||
    fail "replay --known-at $T"
  python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:3]); assert a == b, sys.argv[3]' \
    "$work/known_units.json" "$work/replayed_units.json" "$T" || fail "/api/v1/units?known_at=$T differs from a fold of the events recorded by then"
done
code() { curl -s -o /dev/null -w '%{http_code}' "http://$HTTP$1"; }
[[ $(code "/api/v1/units?known_at=2030-01-01T00:00:00Z") == 400 ]] || fail "a future known_at"
[[ $(code "/api/v1/units?known_at=2026-01-01") == 400 ]] || fail "known_at without a time"
[[ $(code "/api/v1/units?as_of=2026-02-30") == 400 ]] || fail "as_of=2026-02-30"
[[ $(code "/api/v1/units?as_of=2027-01-01") == 400 ]] || fail "as_of after today"
python3 - "$HTTP" <<'PY' || fail "as known at: series, measures, follow-ups and revisions"
import json, sys, urllib.parse, urllib.request
http = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(f"http://{http}{p}", timeout=60))
T = urllib.parse.quote("2026-03-31T23:59:59+02:00", safe="")
# Every figure endpoint takes known_at, with its own date as the as-of date.
assert get(f"/api/v1/units/kommune/series?granularity=month&from=2026-01-01&to=2026-03-31&known_at={T}")["points"]
assert get(f"/api/v1/measures?known_at={T}")["as_of"] == "2026-03-31"
assert get(f"/api/v1/units/kommune/followups?known_at={T}")["to"] == "2026-03-31"
assert get(f"/api/v1/evaluations?known_at={T}")["as_of"] == "2026-03-31"
# Revisions: first published (as known at 23:59:59 UTC on the month's end + 7 days) and
# now; each equal to the series asked as known then, and the difference.
rev = get("/api/v1/units/kommune/revisions?granularity=month&from=2025-12-01&to=2026-10-31&lag_days=7")
assert rev["lag_days"] == 7 and len(rev["points"]) == 11, rev
live = {p["period_start"]: p for p in get("/api/v1/units/kommune/series?granularity=month&from=2025-12-01&to=2026-10-31")["points"]}
moved = 0
for p in rev["points"]:
    pub = p["published_on"]
    then = get(f"/api/v1/units/kommune/series?granularity=month&from={p['period_start']}&to={p['period_end']}"
               f"&known_at={pub}T23:59:59Z")["points"][0]
    assert abs(p["published_absence_percent"] - then["absence_percent"]) < 1e-9, (p, then)
    assert abs(p["absence_percent"] - live[p["period_start"]]["absence_percent"]) < 1e-9, p
    assert abs(p["revision"] - (p["absence_percent"] - p["published_absence_percent"])) < 1e-9, p
    moved += p["revision"] != 0
assert moved > 0, "no month was revised: the generator registers absences late"
print(f"as known at: 5 times equal a fold of the journal; {moved} of 11 months revised after publication")
PY

step "naervaer replay --state --known-at --listen serves the same API as known at then"
RHTTP=127.0.0.1:$(port)
"$bin" replay --state "$work/state" --known-at 2026-06-30T23:59:59+02:00 --listen "$RHTTP" 2>"$work/replay.err" &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://$RHTTP/readyz" && break; sleep 0.1; done
q=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("2026-06-30T23:59:59+02:00", safe=""))')
cmp <(curl -sf "http://$RHTTP/api/v1/units") <(curl -sf "http://$HTTP/api/v1/units?known_at=$q") ||
  fail "replay --listen answers otherwise than the aggregator as known at then"
curl -sf -o "$work/replay_page.html" "http://$RHTTP/" && grep -q "<title>" "$work/replay_page.html" ||
  fail "replay --listen serves no page"
kill -TERM "${pids[-1]}"

step "SIGTERM: finish the checkpoint, leave the group, exit 0"
kill -TERM "$agg"
status=0
wait "$agg" || status=$?
[[ $status -eq 0 ]] || fail "exit status $status after SIGTERM"
step "the dead-letter topic holds each reject with its reason"
# Read after the exit: rejects are promised on the topic once their offsets are committed,
# and the last checkpoint (on SIGTERM) commits everything.
# Exactly once, across the crashes above: a reject sent after the last checkpoint before a
# crash is consumed again after it, and not sent again.
kcat -C -b "$BS" -t naervaer.events.dlq -e -q -f '%h\n' |
  sed -n 's/.*reason=\([a-z_]*\),.*source_partition=\([0-9]*\),source_offset=\([0-9]*\).*/\2:\3 \1/p' |
  sort >"$work/dlq_sources.txt"
twice=$(uniq -d "$work/dlq_sources.txt")
[[ -z $twice ]] || fail "rejects on the dead-letter topic more than once (partition:offset reason): $twice"
cut -d' ' -f2 "$work/dlq_sources.txt" | sort >"$work/dlq_reasons.txt"
if ! diff "$work/expected_rejects.txt" "$work/dlq_reasons.txt"; then
  # Seen twice in about twenty runs, cause not yet found: show where each reject is.
  echo "dead-letter topic (partition offset | headers):"
  kcat -C -b "$BS" -t naervaer.events.dlq -e -q -f '%p %o | %h\n'
  echo "invalid messages on the topic (partition offset key):"
  kcat -C -b "$BS" -t naervaer.events -e -q -f '%p %o %k %s\n' | grep -E 'broken|bad-|redacted|junk|"u"' | sed -E 's/[0-9]{11}/<11 digits>/g' | cut -c1-120 || true
  grep -E "rebuilt|serving|stopping|cannot" "$work/aggregate.err"
  fail "DLQ reasons differ from the rejects sent"
fi

step "the journal (naervaer journal) holds each applied event once, and replays to the API's figures"
"$bin" journal --state "$work/state" >"$work/journal.jsonl" 2>"$work/journal.err" || fail "journal: $(cat "$work/journal.err")"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
journal = [json.loads(l)["event_id"] for l in open(f"{work}/journal.jsonl")]
distinct = {json.loads(l)["event_id"] for l in open(f"{work}/valid.jsonl")}
assert len(journal) == len(set(journal)) == len(distinct) and set(journal) == distinct, \
    (len(journal), len(set(journal)), len(distinct))
print(f"{len(journal)} events in the journal, each once")
PY
step "naervaer evaluate: the API's evaluations from the state directory; CSV for Excel; an HTML report that prints"
for f in "$work"/api_evaluations/*.json; do
  id=$(basename "$f" .json)
  "$bin" evaluate --state "$work/state" --today "$TODAY" --measure "$id" -q >"$work/cli_evaluation.json" ||
    fail "evaluate --measure $id"
  cmp <(tr -d '\n' <"$work/cli_evaluation.json") "$f" >/dev/null || fail "evaluate --measure $id differs from the API"
done
"$bin" evaluate --state "$work/state" --today "$TODAY" -o "$work/evaluations.csv" 2>/dev/null || fail "evaluate -o x.csv"
"$bin" evaluate --state "$work/state" --today "$TODAY" -o "$work/evaluations.html" 2>/dev/null || fail "evaluate -o x.html"
[[ $(stat -c %a "$work/evaluations.csv") == 600 && $(stat -c %a "$work/evaluations.html") == 600 ]] ||
  fail "the reports should be readable by their owner only"
python3 - "$work" <<'PY' || fail "the CSV is not the Norwegian Excel dialect or differs from the API"
import csv, glob, io, json, os, sys
work = sys.argv[1]
raw = open(f"{work}/evaluations.csv", "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
assert b"\r\n" in raw, "lines should end in CRLF"
rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=";"))
api = {os.path.basename(f)[:-5]: json.load(open(f)) for f in glob.glob(f"{work}/api_evaluations/*.json")}
assert {r["measure_id"] for r in rows} == set(api), "not every measure"
checked = 0
for r in rows:
    e = api[r["measure_id"]]
    assert r["verdict"] == e["verdict"], r
    effect = (e["effects"] or {}).get(r["part"])
    if effect is None:
        assert r["did_pp"] == "", r
        continue
    assert "." not in r["did_pp"], f"a decimal point, not a comma: {r['did_pp']}"
    assert abs(float(r["did_pp"].replace(",", ".")) - effect["did"]["estimate"]) < 1e-6, (r, effect)
    checked += 1
assert checked > 0, "no effect in the CSV"
print(f"{len(rows)} CSV rows, {checked} effects equal the API's")
PY
grep -q 'class="verdict masked"' "$work/evaluations.html" || fail "the report should show the masked measure"
grep -q "percentage points more than in comparable units" "$work/evaluations.html" || fail "no effect in words"
command -v chromium >/dev/null || fail "no chromium (apt-get install chromium)"
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
  --user-data-dir="$work/chromium-profile" --print-to-pdf="$work/evaluations.pdf" --no-pdf-header-footer \
  "file://$work/evaluations.html" 2>>"$work/chromium.err" || fail "chromium could not print the report"
pages=$(grep -ac '/Type /Page\b' "$work/evaluations.pdf" || true)
[[ $(head -c4 "$work/evaluations.pdf") == "%PDF" && $pages -ge 2 ]] ||
  fail "the report did not print to a PDF of several pages (one per measure): $pages pages"
echo "the report printed to $pages PDF pages"

"$bin" replay --from-file "$work/journal.jsonl" --today "$TODAY" >"$work/journal_units.json"
python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); assert a == b, "replay of the journal differs from the API"' \
  "$work/journal_units.json" "$work/api_units.json" || fail "the journal does not replay to the API's figures"

step "no national identity number after ingest: not in the DLQ, the state (raw and as a journal), the logs or the API"
kcat -C -b "$BS" -t naervaer.events.dlq -e -q -f '%k %s %h\n' >"$work/dlq_dump.txt"
# The journal's segments are compressed on disk: the raw files alone would not show a number.
if grep -rq "$FNR" "$work/dlq_dump.txt" "$work/state" "$work/journal.jsonl" "$work/aggregate.err" "$work/aggregate.out" \
  "$work/api_units.json"; then
  fail "an identity number leaked"
fi

echo "ok: aggregator end to end"
