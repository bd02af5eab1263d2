#!/usr/bin/env bash
# The ingest benchmark (issue 4), measured in this one run against the embedded broker:
#   (a) raw produce of the very events ingest sends, by kcat (librdkafka, lz4): the ceiling;
#   (b) `naervaer ingest` of the CSV exports (two passes: validate and pseudonymise
#       everything, then produce in stage order), and of the same events as JSON Lines.
# Usage: bench/ingest_bench.sh [BUILD_DIR] [EMPLOYEES] [YEARS]
set -euo pipefail
build=${1:-build/release}
employees=${2:-20000}
years=${3:-3}
bin=$build/aggregator/naervaer
source "$(dirname "$0")/../tests/integration/lib.sh"
TODAY=2026-11-22
now() { date +%s.%N; }

echo "== generating $employees employees over $years years as CSV exports"
from=$(( ${TODAY:0:4} - years ))-01-01
"$bin" generate --employees "$employees" --from "$from" --to "$TODAY" --format csv -o "$work/export"
rows=$(( $(cat "$work"/export/*.csv | wc -l) - 6 ))
openssl rand -hex 32 >"$work/key"
"$bin" broker --partitions 64 --topic naervaer.events --topic raw --topic jsonl >"$work/broker.out" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [[ -s "$work/broker.out" ]] && break; sleep 0.1; done
BS=$(sed -n 's/^bootstrap.servers=//p' "$work/broker.out")

echo "== (b) naervaer ingest of $rows CSV rows"
t0=$(now)
"$bin" ingest --brokers "$BS" --pseudonym-key-file "$work/key" -q "$work"/export/*.csv
csv_s=$(echo "$(now) - $t0" | bc)

kcat -C -b "$BS" -t naervaer.events -e -q -o beginning -f '%k\t%s\n' >"$work/events.txt"
cut -f2- "$work/events.txt" >"$work/events.jsonl"
echo "== (a) kcat produce of the same $(wc -l <"$work/events.txt") events"
t0=$(now)
kcat -P -b "$BS" -t raw -K $'\t' -z lz4 -X linger.ms=20 -l "$work/events.txt"
raw_s=$(echo "$(now) - $t0" | bc)

echo "== (b') naervaer ingest of the same events as JSON Lines"
t0=$(now)
"$bin" ingest --brokers "$BS" --topic jsonl -q "$work/events.jsonl"
jsonl_s=$(echo "$(now) - $t0" | bc)

python3 - "$rows" "$raw_s" "$csv_s" "$jsonl_s" <<'PY'
import sys
rows, raw, csv, jsonl = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"\n| path | rows/s | ratio to the ceiling |\n|---|---|---|")
print(f"| (a) kcat raw produce (ceiling) | {rows/raw:,.0f} | 1 |")
print(f"| (b) ingest CSV, with pseudonyms | {rows/csv:,.0f} | {raw/csv:.2f} |")
print(f"| (b') ingest JSON Lines | {rows/jsonl:,.0f} | {raw/jsonl:.2f} |")
PY
