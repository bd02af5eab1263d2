#!/usr/bin/env bash
# Builds the fuzz targets with clang (into BUILD_DIR, default build/fuzz) and runs each for
# SECONDS, starting from its seed corpus (tests/fuzz/corpus/TARGET) and first replaying the
# inputs that once crashed it (tests/fuzz/regressions/TARGET: each stays as a test).
# A crash leaves its input in BUILD_DIR/crashes/TARGET and fails the run.
# Usage: tests/fuzz/run.sh [SECONDS] [BUILD_DIR] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-30}
build=${2:-$here/../../build/fuzz}
shift $(($# < 2 ? $# : 2))
targets=("$@")
((${#targets[@]})) || targets=(event_decoder journal_decoder csv_reader http_target)

if [[ ! -f $build/build.ninja ]]; then
  CCACHE_SLOPPINESS=pch_defines,time_macros cmake -S "$here" -B "$build" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_BUILD_TYPE=None >/dev/null
fi
cmake --build "$build" -j2 >/dev/null

status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"  # a working copy: the seeds stay as they are in the repository
  mkdir -p "$corpus" "$build/crashes/$t"
  cp -n "$here/corpus/$t"/* "$corpus/" 2>/dev/null || true
  if compgen -G "$here/regressions/$t/*" >/dev/null; then
    "$build/fuzz_$t" "$here/regressions/$t"/* >"$build/$t.regressions.log" 2>&1 || {
      echo "FAIL: $t: a kept regression input crashes again (see $build/$t.regressions.log)"
      status=1
      continue
    }
  fi
  if "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$build/crashes/$t/" -print_final_stats=1 "$corpus" >"$build/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/$t.log")
    cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -1)
    echo "ok: $t: $runs runs in ${seconds} s, $cov, corpus $(ls "$corpus" | wc -l)"
  else
    echo "FAIL: $t: a crash; its input is in $build/crashes/$t/ (keep it in tests/fuzz/regressions/$t/ once fixed)"
    grep -m5 -E "ERROR|SUMMARY|runtime error" "$build/$t.log" || tail -20 "$build/$t.log"
    status=1
  fi
done
exit $status
