#!/usr/bin/env bash
# The fault suite (issue 15): the aggregator against crashes, a lost broker, a full disk and
# hostile input. Each case ends by checking the figures (equal to a from-scratch fold of
# the valid events), the counters (every message counted once) and the dead-letter topic
# (every reject on it once, with its reason).
# Usage: faults_test.sh NAERVAER_BINARY CASE
#   CASE: kill9 | broker-loss | disk-full | hostile-kafka | hostile-http | deleted-before-read
set -euo pipefail
bin="$1"
case_name="$2"
source "$(dirname "$0")/../integration/lib.sh"
TODAY=2026-11-22
HTTP=127.0.0.1:$(port)

start_broker 4

# A generated municipality as kcat lines (key TAB value), its valid events as JSON Lines.
make_stream() {  # EMPLOYEES FROM
  "$bin" generate --employees "$1" --from "$2" --to "$TODAY" --seed 15 --with-key -o "$work/stream.txt" 2>/dev/null
  cut -f2- "$work/stream.txt" >"$work/valid.jsonl"
  : >"$work/sent.txt"
}
produce() {  # FILE: to the events topic, remembered as sent
  kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$1"
  cat "$1" >>"$work/sent.txt"
}
start_aggregator() {  # [OPTION...]
  "$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" \
    --checkpoint-ms 200 --checkpoint-events 500 -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 "$@" \
    >>"$work/aggregate.out" 2>>"$work/aggregate.err" &
  agg=$!
  pids+=("$agg")
}
status_json() { curl -sf --max-time 5 "http://$HTTP/api/v1/status"; }
wait_caught_up() {  # until every partition is assigned, the lag is 0 and every message sent is counted
  local sent
  sent=$(wc -l <"$work/sent.txt")
  for _ in $(seq 600); do
    kill -0 "$agg" 2>/dev/null || fail "the aggregator exited: $(tail -5 "$work/aggregate.err")"
    if status_json 2>/dev/null | python3 2>/dev/null -c '
import json, sys
s = json.load(sys.stdin); sent = int(sys.argv[1])
parts = s["partitions"]
done = len(parts) == 4 and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts)
sys.exit(0 if done and s["events_applied"] + s["events_duplicate"] + s["events_rejected"] >= sent else 1)' "$sent"; then
      return 0
    fi
    sleep 0.2
  done
  fail "the aggregator did not catch up: $(tail -5 "$work/aggregate.err")"
}
# Figures, counters and the dead-letter topic, after everything sent was consumed.
check_exact() {  # EXPECTED_REJECTS
  step "figures equal a from-scratch fold; every message counted once; every reject on the DLQ once"
  curl -sf "http://$HTTP/api/v1/units" >"$work/api_units.json"
  "$bin" replay --from-file "$work/valid.jsonl" --today "$TODAY" >"$work/scratch_units.json"
  # The same text: the units in tree order whatever order the partitions came in.
  python3 - "$work" <<'PY' || fail "the figures differ from a from-scratch fold"
import json, sys
work = sys.argv[1]
api = {u["unit"]: u for u in json.load(open(f"{work}/api_units.json"))["units"]}
ref = {u["unit"]: u for u in json.load(open(f"{work}/scratch_units.json"))["units"]}
assert api.keys() == ref.keys(), sorted(api.keys() ^ ref.keys())
for unit in ref:
    assert api[unit] == ref[unit], f"unit {unit} differs:\n{api[unit]}\n{ref[unit]}"
assert open(f"{work}/api_units.json").read().strip() == open(f"{work}/scratch_units.json").read().strip(), \
    "the same units and figures, but not the same text (the order of the units?)"
PY
  status_json >"$work/status.json"
  kcat -C -b "$BS" -t naervaer.events.dlq -e -q -f '%h\n' |
    sed -n 's/.*reason=\([a-z_]*\),.*source_partition=\([0-9]*\),source_offset=\([0-9]*\).*/\2:\3 \1/p' |
    sort >"$work/dlq.txt"
  python3 - "$work" "$1" <<'PY'
import json, sys
work, expected_rejects = sys.argv[1], int(sys.argv[2])
s = json.load(open(f"{work}/status.json"))
sent = sum(1 for _ in open(f"{work}/sent.txt", "rb"))
distinct = len({json.loads(l)["event_id"] for l in open(f"{work}/valid.jsonl")})
assert s["events_applied"] == distinct, ("applied", s["events_applied"], distinct)
assert s["events_rejected"] == expected_rejects, ("rejected", s["events_rejected"], expected_rejects)
assert s["events_applied"] + s["events_duplicate"] + s["events_rejected"] == sent, \
    ("every message once", s["events_applied"], s["events_duplicate"], s["events_rejected"], sent)
dlq = open(f"{work}/dlq.txt").read().splitlines()
sources = [l.split()[0] for l in dlq]
assert len(sources) == len(set(sources)), "a reject on the dead-letter topic twice"
assert len(dlq) == expected_rejects, ("dead letters", len(dlq), expected_rejects)
print(f"{distinct} events applied once; {sent} messages counted once; {len(dlq)} dead letters, each once")
PY
}

case "$case_name" in
  kill9)
    step "ten kill -9 at random moments while events stream in"
    make_stream 300 2025-01-01
    # Ten chunks; a few bad messages and repeated events in each.
    split -n l/10 -d "$work/stream.txt" "$work/chunk."
    rejects=0
    for i in $(seq 0 9); do
      f="$work/chunk.0$i"
      printf 'junk-%d\t{"event_id": "x%d", "type": "absence_set"\njunk\tnot json at all %d\n' "$i" "$i" "$i" >>"$f"
      head -20 "$f" | grep -v '^junk' >>"$f.dup" || true
      cat "$f.dup" >>"$f"
      rejects=$((rejects + 2))
    done
    RANDOM=15  # the same moments every run
    start_aggregator
    for i in $(seq 0 9); do
      produce "$work/chunk.0$i" &
      producer=$!
      # A moment while it consumes: once the group gave it partitions, up to 1.5 s later.
      for _ in $(seq 100); do
        status_json 2>/dev/null | grep -q '"partition":' && break
        sleep 0.1
      done
      sleep "$((RANDOM % 2)).$((RANDOM % 10))"
      kill -9 "$agg"
      wait "$agg" 2>/dev/null || true
      wait "$producer"
      start_aggregator
    done
    wait_caught_up
    rebuilds=$(grep -c "rebuilt .* events from the journal" "$work/aggregate.err" || true)
    echo "journal rebuilds: $rebuilds"
    ((rebuilds >= 5)) || fail "only $rebuilds of the ten restarts found a journal: the kills came too early"
    check_exact "$rejects"
    ;;

  broker-loss)
    make_stream 200 2025-06-01
    split -n l/2 -d "$work/stream.txt" "$work/half."
    produce "$work/half.00"
    start_aggregator
    wait_caught_up
    curl -sf "http://$HTTP/api/v1/units" >"$work/before.json"
    lines_before=$(wc -l <"$work/aggregate.err")
    step "the broker goes off the network: not ready (and why), the API answers from the last state"
    kill -USR1 "${pids[0]}"
    ok=0
    for _ in $(seq 100); do
      body=$(curl -s --max-time 2 "http://$HTTP/readyz" || true)
      if [[ $body == "not ready: the brokers cannot be reached"* ]]; then ok=1; break; fi
      sleep 0.1
    done
    [[ $ok == 1 ]] || fail "/readyz did not turn false within 10 s of losing the broker: $body"
    echo "$body"
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HTTP/healthz") == 200 ]] || fail "/healthz"
    curl -sf --max-time 2 "http://$HTTP/api/v1/units" | cmp -s - "$work/before.json" ||
      fail "the API does not answer the last state while the broker is gone"
    sleep 20
    lost_lines=$(($(wc -l <"$work/aggregate.err") - lines_before))
    echo "log lines in about 25 s without a broker: $lost_lines"
    tail -n "$lost_lines" "$work/aggregate.err" | cut -c1-160
    ((lost_lines <= 10)) || fail "$lost_lines log lines in 25 s: a flood"
    grep -q "naervaer aggregate: the brokers cannot be reached" "$work/aggregate.err" || fail "no clear line on the loss"
    step "the broker comes back: consuming again, ready, exact"
    kill -USR2 "${pids[0]}"
    produce "$work/half.01"
    wait_caught_up
    ok=0
    for _ in $(seq 100); do
      [[ $(curl -s --max-time 2 "http://$HTTP/readyz") == ready ]] && { ok=1; break; }
      sleep 0.1
    done
    [[ $ok == 1 ]] || fail "not ready again after the broker came back: $(curl -s "http://$HTTP/readyz")"
    grep "the brokers answer again" "$work/aggregate.err" || fail "no line when the brokers came back"
    check_exact 0
    ;;

  disk-full)
    step "the state directory's disk fills up: one clear message, a non-zero exit"
    # 32,000 events: about 500 kB of journal, against 320 kB of room.
    make_stream 2000 2023-01-01
    mkdir -p "$work/state"
    # A small tmpfs where mounting is allowed (root); elsewhere a file size limit, which
    # fails the writes the same way (EFBIG instead of ENOSPC).
    limit=()
    if [[ -z ${FAULTS_NO_MOUNT:-} ]] && mount -t tmpfs -o size=320k,mode=0700 tmpfs "$work/state" 2>/dev/null; then
      trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait 2>/dev/null
            umount "$work/state" 2>/dev/null || true; cleanup' EXIT
      full="No space left on device"
    else
      echo "(no tmpfs can be mounted here: a file size limit of 320 kB stands in for the full disk)"
      limit=(bash -c 'trap "" XFSZ; ulimit -f 320; exec "$@"' limit)
      full="File too large"
    fi
    produce "$work/stream.txt"
    set +e
    timeout 120 "${limit[@]}" "$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" -q \
      -X session.timeout.ms=6000 >"$work/full.out" 2>"$work/full.err"
    status=$?
    set -e
    echo "exit $status; its last lines:"
    tail -3 "$work/full.err"
    [[ $status -ne 0 ]] || fail "exit 0 with the disk full"
    [[ $status -eq 1 ]] || fail "exit $status, not a clean stop (1)"
    grep -q "cannot write the state: .*$full" "$work/full.err" ||
      fail "no clear message on the full disk: $(tail -3 "$work/full.err")"
    (($(wc -l <"$work/full.err") <= 8)) || fail "a flood of lines: $(cat "$work/full.err")"
    [[ ${#limit[@]} -gt 0 ]] || mount -o remount,size=256m "$work/state"
    step "room again: a restart gives the exact figures"
    start_aggregator
    wait_caught_up
    check_exact 0
    ;;

  hostile-kafka)
    step "hostile messages: random bytes, huge and deeply nested JSON, invalid UTF-8, out-of-range numbers"
    make_stream 100 2025-06-01
    python3 - "$work/hostile.txt" <<'PY'
import json, random, sys
random.seed(15)
def clean(b):  # one kcat line: no tab or newline inside
    return bytes(c for c in b if c not in (9, 10, 13))
lines = []
for i in range(20):
    lines.append(b"rnd-%d\t" % i + clean(bytes(random.randrange(256) for _ in range(random.randrange(1, 300)))))
lines.append(b"deep\t" + b"[" * 100000 + b"]" * 100000)
lines.append(b"deep-object\t" + b'{"a":' * 50000 + b"1" + b"}" * 50000)
big = {"event_id": "huge", "type": "absence_set", "note": "x" * 900_000}
lines.append(b"huge\t" + json.dumps(big).encode())
lines.append(b"utf8\t" + b'{"event_id":"u\xff\xfe","type":"unit_registered","unit":"a\xc3"}')
base = {"event_id": "n1", "type": "employment_set", "recorded_at": "2026-01-01T00:00:00Z",
        "employment_id": "e1", "employee": "p0000000000000001", "unit": "kommune", "from": "2026-01-01",
        "fte_percent": 100}
for field, value in [("fte_percent", 1e308), ("fte_percent", -5), ("fte_percent", 10**30),
                     ("from", "99999-01-01"), ("recorded_at", "0000-01-01T00:00:00Z")]:
    e = dict(base, event_id=f"range-{field}-{value}")
    e[field] = value
    lines.append(b"range\t" + json.dumps(e).encode())
open(sys.argv[1], "wb").write(b"\n".join(lines) + b"\n")
print(f"{len(lines)} hostile messages")
PY
    hostile=$(wc -l <"$work/hostile.txt")
    start_aggregator
    produce "$work/stream.txt"
    kcat -P -b "$BS" -t naervaer.events -K $'\t' -X message.max.bytes=2000000 -l "$work/hostile.txt"
    cat "$work/hostile.txt" >>"$work/sent.txt"
    wait_caught_up
    step "one employee with 20,000 one-day absences, one long case, folded live (chunks of 500)"
    python3 - "$work" <<'PY'
import datetime, json, sys
work = sys.argv[1]
emp = "p00000000000beef1"
first = datetime.date(2026, 11, 22) - datetime.timedelta(days=20000)
events = [{"event_id": "long-m", "type": "employment_set", "recorded_at": "1970-01-01T00:00:00Z",
           "employee": emp, "employment_id": "m1", "unit": "kommune", "from": "1970-01-01", "fte_percent": 100}]
for i in range(20000):
    d = (first + datetime.timedelta(days=i)).isoformat()
    events.append({"event_id": f"long-{i}", "type": "absence_set", "recorded_at": "2026-11-21T00:00:00Z",
                   "employee": emp, "absence_id": f"a{i}", "kind": "self_certified", "from": d, "to": d,
                   "grade_percent": 100})
with open(f"{work}/valid.jsonl", "a") as f:
    for e in events: f.write(json.dumps(e) + "\n")
for c in range(0, len(events), 500):
    with open(f"{work}/long.{c // 500:03d}", "w") as f:
        for e in events[c:c + 500]: f.write(emp + "\t" + json.dumps(e) + "\n")
PY
    cpu() { awk '{print $14 + $15}' "/proc/$agg/stat"; }
    before=$(cpu)
    for f in "$work"/long.*; do
      produce "$f"
      wait_caught_up
    done
    ticks=$(($(cpu) - before))
    echo "fold CPU for the long case: $((ticks / $(getconf CLK_TCK))) s (it was 150-170 s when the live retraction was quadratic)"
    ((ticks < 30 * $(getconf CLK_TCK))) || fail "the long case took $((ticks / $(getconf CLK_TCK))) s of CPU"
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$agg/status")
    echo "peak resident memory: $((rss_kb / 1024)) MiB"
    ((rss_kb < 1024 * 1024)) || fail "peak memory $((rss_kb / 1024)) MiB after the hostile messages"
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HTTP/healthz") == 200 ]] || fail "/healthz"
    cut -d' ' -f2 "$work/dlq.txt" 2>/dev/null | sort | uniq -c || true
    check_exact "$hostile"
    cut -d' ' -f2 "$work/dlq.txt" | sort | uniq -c
    ;;

  deleted-before-read)
    # The embedded broker keeps about 5 MB per partition and deletes the oldest message
    # sets beyond it, as a broker's retention would: events sent while no aggregator read
    # them are gone for good. The aggregator must say so (once per partition, no person in
    # the line), count its lag from what the broker still holds, and be ready when it has
    # read that (before: nothing said, and the lag counted from the deleted offsets).
    step "30 MB of events sent before any aggregator reads them; the broker keeps the last 5 MB per partition"
    "$bin" generate --employees 12000 --from 2024-01-01 --to "$TODAY" --seed 16 --with-key -o "$work/big.txt" 2>/dev/null
    kcat -P -b "$BS" -t naervaer.events -K $'\t' -l "$work/big.txt"
    start_aggregator
    for _ in $(seq 600); do
      kill -0 "$agg" 2>/dev/null || fail "the aggregator exited: $(tail -5 "$work/aggregate.err")"
      [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HTTP/readyz") == 200 ]] && break
      sleep 0.2
    done
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HTTP/readyz") == 200 ]] ||
      fail "not ready after reading what the broker holds: $(curl -s "http://$HTTP/readyz")"
    status_json | python3 -c '
import json, sys
s = json.load(sys.stdin)
parts = s["partitions"]
assert len(parts) == 4 and all(p["lag"] == 0 and p["next_offset"] == p["high_watermark"] for p in parts), parts
taken = s["events_applied"] + s["events_duplicate"] + s["events_rejected"]
print(f"ready, lag 0 on 4 partitions; {taken} events read of the {int(sys.argv[1])} sent")
assert 0 < taken < int(sys.argv[1]), taken' "$(wc -l <"$work/big.txt")"
    said=$(grep -c "were deleted by the broker" "$work/aggregate.err" || true)
    [[ $said == 4 ]] || fail "expected one line per partition about deleted events, got $said: $(cat "$work/aggregate.err")"
    grep "were deleted by the broker" "$work/aggregate.err" | head -1
    curl -sf "http://$HTTP/metrics" | grep '^naervaer_consumer_lag' | grep -v ' 0$' && fail "a lag above 0 in /metrics"
    ;;

  hostile-http)
    make_stream 100 2025-06-01
    produce "$work/stream.txt"
    start_aggregator
    wait_caught_up
    step "huge headers and query strings, 300 idle connections, slow clients: others are answered"
    python3 - "$HTTP" <<'PY'
import socket, sys, time, urllib.request
host, port = sys.argv[1].split(":")
port = int(port)
def status_of(raw):
    s = socket.create_connection((host, port), timeout=15)
    s.sendall(raw)
    data = s.recv(200)
    s.close()
    return data.split(b"\r\n")[0].decode(errors="replace")
for name, raw, want in [
        ("huge header", b"GET /api/v1/units HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n", "431"),
        ("huge query", b"GET /api/v1/units?" + b"a=1&" * 50000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "431"),
        ("bad encoding", b"GET /api/v1/units/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
        ("not HTTP", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", "400")]:
    line = status_of(raw)
    print(f"{name}: {line}")
    assert line.startswith(f"HTTP/1.1 {want}"), (name, line, want)
idle = []
for _ in range(300):
    idle.append(socket.create_connection((host, port), timeout=15))
slow = []
for _ in range(20):
    s = socket.create_connection((host, port), timeout=15)
    s.sendall(b"GET /api/v1/units HTTP/1.1\r\nHo")  # and nothing more
    slow.append(s)
t0 = time.time()
for path in ["/healthz", "/api/v1/units", "/metrics"]:
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=10) as r:
        assert r.status == 200, (path, r.status)
print(f"answered with 300 idle and 20 slow connections open, in {time.time() - t0:.2f} s")
for s in idle + slow:
    s.close()
PY
    kill -0 "$agg" || fail "the aggregator died"
    check_exact 0
    ;;

  *) fail "no case $case_name" ;;
esac
echo "ok: $case_name"
