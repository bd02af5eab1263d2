#!/usr/bin/env bash
# The command line as a user meets it. Usage: cli_test.sh NAERVAER_BINARY SCENARIO
set -uo pipefail
bin="$1"
scenario="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$scenario" in
  demo)
    out=$("$bin" demo --employees 300 --today 2026-11-22 --rows 5 2>&1) || fail "demo exited $?: $out"
    grep -q "Attendance by unit, window 365d (2025-11-23 .. 2026-11-22)" <<<"$out" || fail "no table header: $out"
    grep -q "^Nærvik kommune" <<<"$out" || fail "no municipality row: $out"
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
    ;;
  unknown-command)
    out=$("$bin" frobnicate 2>&1)
    [[ $? -eq 2 ]] || fail "want exit 2"
    grep -q 'unknown command "frobnicate"' <<<"$out" || fail "unclear message: $out"
    ;;
  *) fail "no scenario $scenario" ;;
esac
echo "ok: $scenario"
