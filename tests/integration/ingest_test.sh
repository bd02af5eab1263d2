#!/usr/bin/env bash
# `naervaer ingest` end to end, with real parts: the embedded broker over TCP, kcat as an
# independent consumer, the aggregator with RocksDB on disk. Checks:
#   - identity numbers without a key: refused, exit 1, nothing on the topic;
#   - the generator's CSV exports (Norwegian dialect, synthetic identity numbers) with a
#     key: exit 0, every row on the topic, no identity number in the topic, the output or
#     the aggregator's state; the aggregator's figures equal a fold of the generator's events;
#   - re-importing the same export sends only duplicates (the figures do not move);
#   - a file with bad rows: each named FILE:LINE with its rule, the valid rows delivered, exit 3;
#   - an unreachable broker: exit 1.
# Usage: ingest_test.sh NAERVAER_BINARY
set -euo pipefail
bin="$1"
source "$(dirname "$0")/lib.sh"
TODAY=2026-11-22

no_identity_numbers() {  # FILE...: fail when any holds 11 digits with valid check digits
  python3 - "$@" <<'PY'
import re, sys
def valid(s):
    d = [int(c) for c in s]
    k1 = (11 - sum(w * x for w, x in zip([3, 7, 6, 1, 8, 9, 4, 5, 2], d)) % 11) % 11
    k2 = (11 - sum(w * x for w, x in zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], d)) % 11) % 11
    return k1 < 10 and k2 < 10 and k1 == d[9] and k2 == d[10]
for path in sys.argv[1:]:
    data = open(path, "rb").read().decode("latin-1")
    # Delimited as a value would be: 11 digits inside a hex pseudonym or hash are not one.
    hits = [m for m in re.findall(r"(?<![0-9A-Za-z])\d{11}(?![0-9A-Za-z])", data) if valid(m)]
    if hits:
        sys.exit(f"{path}: {len(hits)} national identity numbers")
PY
}

step "embedded broker"
start_broker 4

step "generate the CSV exports and the same municipality as events"
"$bin" generate --employees 250 --seed 4 --from 2024-01-01 --to "$TODAY" --format csv -o "$work/export" 2>/dev/null
"$bin" generate --employees 250 --seed 4 --from 2024-01-01 --to "$TODAY" -o "$work/events.jsonl" 2>/dev/null
head -c 3 "$work/export/units.csv" | od -An -tx1 | grep -q 'ef bb bf' || fail "the exports should start with a BOM"
rows=$(( $(cat "$work"/export/*.csv | wc -l) - 6 ))
! no_identity_numbers "$work/export/absences.csv" 2>/dev/null || fail "the exports should hold (synthetic) identity numbers"

step "identity numbers without a key: refused before anything is sent"
set +e
"$bin" ingest --brokers "$BS" "$work"/export/*.csv >"$work/nokey.out" 2>"$work/nokey.err"
status=$?
set -e
[[ $status -eq 1 ]] || fail "exit $status without a key, expected 1"
grep -q 'identity_number_without_key' "$work/nokey.err" || fail "no clear error: $(cat "$work/nokey.err")"
grep -q 'pseudonym-key-file' "$work/nokey.err" || fail "the error should say what to do"
no_identity_numbers "$work/nokey.out" "$work/nokey.err"
kcat -C -b "$BS" -t naervaer.events -e -q -o beginning >"$work/topic0.txt"
[[ ! -s "$work/topic0.txt" ]] || fail "something was sent: $(wc -l <"$work/topic0.txt") messages"

step "with a key: every row delivered, no identity number anywhere"
openssl rand -hex 32 >"$work/pseudonym.key"
"$bin" ingest --brokers "$BS" --pseudonym-key-file "$work/pseudonym.key" "$work"/export/*.csv \
  >"$work/ingest.out" 2>"$work/ingest.err" || fail "ingest failed: $(cat "$work/ingest.err")"
grep -q "^naervaer ingest: $rows rows delivered" "$work/ingest.err" || fail "expected $rows rows: $(cat "$work/ingest.err")"
kcat -C -b "$BS" -t naervaer.events -e -q -o beginning -f '%k\t%s\n' >"$work/topic1.txt"
[[ $(wc -l <"$work/topic1.txt") -eq $rows ]] || fail "$(wc -l <"$work/topic1.txt") messages on the topic, expected $rows"
no_identity_numbers "$work/topic1.txt" "$work/ingest.out" "$work/ingest.err"
python3 - "$work/topic1.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    key, value = line.rstrip("\n").split("\t", 1)
    e = json.loads(value)
    assert key == (e.get("employee") or e.get("unit") or e.get("measure_id")), f"wrong key {key} for {e['type']}"
    assert e["event_id"].startswith("r-"), e["event_id"]
    if "employee" in e:
        assert e["employee"].startswith("p-") and len(e["employee"]) == 34, "not a pseudonym"
PY

step "the aggregator's figures equal a fold of the generator's events"
HTTP=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" -q \
  >"$work/aggregate.out" 2>"$work/aggregate.err" &
pids+=($!)
caught_up() {  # EXPECTED_APPLIED EXPECTED_TOTAL
  for _ in $(seq 200); do
    if curl -sf "http://$HTTP/api/v1/status" >"$work/status.json" 2>/dev/null &&
      python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["partitions"] and all(p["lag"]==0 for p in s["partitions"]) and s["events_applied"]+s["events_duplicate"]+s["events_rejected"]==int(sys.argv[2]) else 1)' "$work/status.json" "$1"; then
      return 0
    fi
    sleep 0.1
  done
  fail "the aggregator did not catch up: $(cat "$work/status.json" 2>/dev/null)"
}
caught_up "$rows"
"$bin" replay --from-file "$work/events.jsonl" --today "$TODAY" >"$work/replay.json" 2>/dev/null
curl -sf "http://$HTTP/api/v1/units" >"$work/units1.json"
compare_units() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a = {u["unit"]: u["windows"] for u in json.load(open(sys.argv[1]))["units"]}
b = {u["unit"]: u["windows"] for u in json.load(open(sys.argv[2]))["units"]}
if a != b:
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    sys.exit(f"figures differ for {len(diff)} units, e.g. {diff[:3]}")
print(f"    {len(a)} units equal")
PY
}
compare_units "$work/units1.json" "$work/replay.json" || fail "ingested figures differ from the generator's events"
metrics_match_api() {  # /metrics shows what /api/v1/units shows, for every unmasked unit and window
  python3 - "$HTTP" <<'PY'
import json, math, re, sys, urllib.request
h = sys.argv[1]
text = urllib.request.urlopen(f"http://{h}/metrics").read().decode()
units = json.load(urllib.request.urlopen(f"http://{h}/api/v1/units"))["units"]
pat = re.compile(r'^naervaer_unit_(contracted_workdays|lost_workdays)\{[^}]*unit="([^"]+)",window="([^"]+)"\} (\S+)$')
metrics = {(m[2], m[3], m[1]): float(m[4]) for m in (pat.match(l) for l in text.splitlines()) if m}
checked = 0
for u in units:
    for w, point in u["windows"].items():
        if point["masked"]:
            assert (u["unit"], w, "lost_workdays") not in metrics, f"masked {u['unit']} {w} exported"
            continue
        for k in ("contracted_workdays", "lost_workdays"):
            got = metrics.get((u["unit"], w, k))
            assert got is not None and math.isclose(got, point[k], rel_tol=1e-12, abs_tol=1e-9), \
                f"{u['unit']} {w} {k}: /metrics {got}, API {point[k]}"
            checked += 1
print(f"    /metrics equals the API in {checked} figures")
PY
}
metrics_match_api || fail "/metrics disagrees with the API"

step "re-importing the same export sends only duplicates"
"$bin" ingest --brokers "$BS" --pseudonym-key-file "$work/pseudonym.key" -q "$work"/export/*.csv 2>"$work/ingest2.err" ||
  fail "re-import failed: $(cat "$work/ingest2.err")"
caught_up $((2 * rows))
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); d=s["events_duplicate"]; sys.exit(0 if d>=int(sys.argv[2]) else f"{d} duplicates, expected at least {sys.argv[2]}")' "$work/status.json" "$rows"
curl -sf "http://$HTTP/api/v1/units" >"$work/units2.json"
compare_units "$work/units2.json" "$work/units1.json" || fail "a re-import changed the figures"

step "bad rows: named FILE:LINE with the rule, valid rows delivered, exit 3"
printf 'person;absence_id;kind;from;to;grade_percent\n' >"$work/bad.csv"
printf 'pX;a1;egenmelding;03.11.2026;04.11.2026;\n' >>"$work/bad.csv"
printf 'pX;a2;influensa;05.11.2026;;\n' >>"$work/bad.csv"
printf 'pX;a3;sykmelding;06.11.2026;01.11.2026;50\n' >>"$work/bad.csv"
printf 'pX;a4;sykmelding;07.11.2026;;10\n' >>"$work/bad.csv"
printf 'pX;a5;sykmelding;09.11.2026;;50\n' >>"$work/bad.csv"
set +e
"$bin" ingest --brokers "$BS" --pseudonym-key-file "$work/pseudonym.key" -q "$work/bad.csv" 2>"$work/bad.err"
status=$?
set -e
[[ $status -eq 3 ]] || fail "exit $status with bad rows, expected 3: $(cat "$work/bad.err")"
for expected in "bad.csv:3: .*\[bad_kind\]" "bad.csv:4: .*\[end_before_start\]" "bad.csv:5: .*\[grade_out_of_range\]"; do
  grep -q "$expected" "$work/bad.err" || fail "no line matching '$expected' in: $(cat "$work/bad.err")"
done
grep -q "^naervaer ingest: 2 rows delivered" "$work/bad.err" || fail "the two valid rows should go: $(cat "$work/bad.err")"

step "new figures reach /metrics (nothing stale is served)"
printf 'person;employment_id;unit;from;fte_percent\npX;m1;kultur;01.10.2026;100\n' >"$work/late.csv"
"$bin" ingest --brokers "$BS" --pseudonym-key-file "$work/pseudonym.key" -q "$work/late.csv" 2>"$work/late.err" ||
  fail "late import failed: $(cat "$work/late.err")"
caught_up $((2 * rows + 3))
metrics_match_api || fail "/metrics does not show the new employment"

step "an unreachable broker: one true line, exit 1"
# It said "136 rows delivered ... 0 failed to deliver", then "delivery failed", after 70 s.
set +e
"$bin" ingest --brokers "127.0.0.1:$(port)" --pseudonym-key-file "$work/pseudonym.key" -q \
  "$work/bad.csv" 2>"$work/down.err"
status=$?
set -e
[[ $status -eq 1 ]] || fail "exit $status when nothing can be delivered, expected 1: $(tail -2 "$work/down.err")"
grep -q "did not answer within 10 s; nothing was sent" "$work/down.err" || fail "no clear error: $(tail -2 "$work/down.err")"
if grep -q "rows delivered" "$work/down.err"; then fail "a delivery summary with no broker: $(cat "$work/down.err")"; fi

step "no identity number in the aggregator's state"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" || true
# The journal's segments are compressed on disk: read them back as events too.
"$bin" journal --state "$work/state" >"$work/journal.jsonl" || fail "naervaer journal failed"
[[ -s "$work/journal.jsonl" ]] || fail "an empty journal"
no_identity_numbers $(find "$work/state" -type f) "$work/journal.jsonl" "$work/aggregate.out" "$work/aggregate.err"
echo "PASS"
