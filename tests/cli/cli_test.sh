#!/usr/bin/env bash
# The command line as a user meets it. Usage: cli_test.sh NAERVAER_BINARY SCENARIO
set -uo pipefail
bin="$1"
scenario="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$scenario" in
  demo)
    state=$(mktemp -d)
    trap 'rm -rf "$state"' EXIT
    run_demo() { "$bin" demo --employees 300 --today 2026-11-22 --rows 5 --once --state "$state" --listen 127.0.0.1:0 2>&1; }
    out=$(run_demo) || fail "demo exited $?: $out"
    grep -q "Attendance by unit, window 365d (2025-11-23 .. 2026-11-22)" <<<"$out" || fail "no table header: $out"
    grep -q "^Nærvik kommune" <<<"$out" || fail "no municipality row: $out"
    grep -qE "^  http://127.0.0.1:[1-9][0-9]*/ " <<<"$out" || fail "the demo should say where to look: $out"
    grep -qE "^naervaer ingest: [1-9][0-9]* rows delivered" <<<"$out" || fail "the exports should go through ingest: $out"
    [[ -s "$state/export/absences.csv" && -s "$state/pseudonym.key" ]] || fail "no exports or key in the state directory"
    # A second run reuses its state: the same municipality, the same figures.
    again=$(run_demo) || fail "second demo exited $?: $again"
    grep -q "reusing the municipality" <<<"$again" || fail "the second run should reuse its state: $again"
    diff <(grep -A12 '^Attendance by unit' <<<"$out") <(grep -A12 '^Attendance by unit' <<<"$again") >/dev/null ||
      fail "the second run gave other figures"
    ;;
  generate)
    first=$("$bin" generate --employees 50 --from 2025-01-01 --to 2025-03-31 2>/dev/null | head -1)
    [[ "$first" == '{"event_id":"g1-1","type":"unit_registered"'* ]] || fail "unexpected first line: $first"
    a=$("$bin" generate --employees 50 --seed 5 --from 2025-01-01 --to 2025-03-31 2>/dev/null | md5sum)
    b=$("$bin" generate --employees 50 --seed 5 --from 2025-01-01 --to 2025-03-31 2>/dev/null | md5sum)
    [[ "$a" == "$b" ]] || fail "the same seed gave different output"
    ;;
  bad-flag)
    out=$("$bin" demo --today 2026-13-01 2>&1)
    code=$?
    [[ $code -eq 2 ]] || fail "exit $code, want 2"
    [[ $(wc -l <<<"$out") -eq 1 ]] || fail "want one line, got: $out"
    grep -q -- "--today must be a date YYYY-MM-DD" <<<"$out" || fail "unclear message: $out"
    out=$("$bin" demo --employes 5 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "unknown flag: $out"
    out=$("$bin" generate --employees 5 stray 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "a stray word should be refused, not ignored: $out"
    ;;
  kafka-config-file)
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    printf '# librdkafka settings\nbroker.address.family = v4\nnot a setting\n' >"$dir/bad.properties"
    out=$("$bin" aggregate --brokers 127.0.0.1:1 --state "$dir/state" -F "$dir/bad.properties" 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "a bad settings line should be one line and exit 2: $out"
    grep -q "bad.properties:3: expected name=value" <<<"$out" || fail "the bad line should be named: $out"
    printf 'no.such.property=1\n' >"$dir/unknown.properties"
    out=$("$bin" aggregate --brokers 127.0.0.1:1 --state "$dir/state" -F "$dir/unknown.properties" 2>&1)
    [[ $? -ne 0 ]] || fail "an unknown librdkafka setting from the file was accepted"
    grep -q "no.such.property" <<<"$out" || fail "the unknown setting should be named: $out"
    ;;
  journal)
    out=$("$bin" journal 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "no --state: $out"
    grep -q -- "--state is required" <<<"$out" || fail "unclear message: $out"
    missing=$(mktemp -d)/nothing-here
    out=$("$bin" journal --state "$missing" 2>&1)
    [[ $? -eq 1 && $(wc -l <<<"$out") -eq 1 ]] || fail "a missing state: $out"
    grep -q "no aggregator state in $missing" <<<"$out" || fail "the path is not named: $out"
    [[ ! -e "$missing" ]] || fail "reading created the state directory"
    rm -rf "$(dirname "$missing")"
    ;;
  evaluate)
    out=$("$bin" evaluate 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "no --state: $out"
    grep -q -- "--state is required" <<<"$out" || fail "unclear message: $out"
    out=$("$bin" evaluate --state x --format xml 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "a bad format: $out"
    grep -q -- "--format must be json, csv or html" <<<"$out" || fail "unclear message: $out"
    out=$("$bin" evaluate --state x --year 0 2>&1)
    [[ $? -eq 2 ]] && grep -q -- "--year must be from 1 to 50" <<<"$out" || fail "year 0: $out"
    # A real state: the demo's. An unknown measure is one line and exit 1.
    state=$(mktemp -d)
    trap 'rm -rf "$state"' EXIT
    "$bin" demo --employees 300 --today 2026-11-22 --once --state "$state" --listen 127.0.0.1:0 >/dev/null 2>&1 ||
      fail "the demo failed"
    out=$("$bin" evaluate --state "$state/aggregator" --today 2026-11-22 --measure no-such -q 2>&1)
    [[ $? -eq 1 && $(wc -l <<<"$out") -eq 1 ]] || fail "an unknown measure: $out"
    grep -q 'no measure "no-such"' <<<"$out" || fail "unclear message: $out"
    out=$("$bin" evaluate --state "$state/aggregator" --today 2026-11-22 -q) || fail "evaluate exited $?"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["as_of"] == "2026-11-22" and d["evaluations"], d' "$out" ||
      fail "not a list of evaluations: ${out:0:200}"
    ;;
  report)
    out=$("$bin" report --out x 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] && grep -q -- "--state is required" <<<"$out" || fail "no --state: $out"
    out=$("$bin" report --state x --out y --month 2026-13 2>&1)
    [[ $? -eq 2 && $(wc -l <<<"$out") -eq 1 ]] && grep -q -- "--month must be YYYY-MM" <<<"$out" || fail "month 13: $out"
    out=$("$bin" report --state x --out y --frequent-short-term-cases 0 2>&1)
    [[ $? -eq 2 ]] && grep -q -- "--frequent-short-term-cases must be from 1 to 100" <<<"$out" || fail "0 cases: $out"
    out=$("$bin" aggregate --brokers b --state s --frequent-short-term-days 0 2>&1)
    [[ $? -eq 2 ]] && grep -q -- "--frequent-short-term-days must be from 1 to 3660" <<<"$out" || fail "0 days: $out"
    ;;
  unreachable-broker)
    # No broker at all: liveness answers at once, readiness says why not (the aggregator
    # keeps looking for the broker meanwhile).
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$bin" aggregate --brokers 127.0.0.1:1 --state "$dir/state" --listen "127.0.0.1:$port" -q 2>"$dir/err" &
    agg=$!
    trap 'kill -9 $agg 2>/dev/null; rm -rf "$dir"' EXIT
    ok=0
    for _ in $(seq 50); do
      if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz") == 200 ]]; then ok=1; break; fi
      sleep 0.1
    done
    [[ $ok == 1 ]] || fail "/healthz did not answer within 5 s with the broker unreachable: $(cat "$dir/err")"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 503 ]] || fail "/readyz should be 503"
    [[ $(curl -s "http://127.0.0.1:$port/api/v1/status" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["partitions"]))') == 0 ]] ||
      fail "the status should list no partitions yet"
    ;;
  unknown-command)
    out=$("$bin" frobnicate 2>&1)
    [[ $? -eq 2 ]] || fail "want exit 2"
    grep -q 'unknown command "frobnicate"' <<<"$out" || fail "unclear message: $out"
    ;;
  *) fail "no scenario $scenario" ;;
esac
echo "ok: $scenario"
