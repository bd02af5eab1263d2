# Shared by the integration tests and bench/aggregator_bench.sh (sourced, not run).
# Gives: $work (a temporary directory removed on exit with every process in pids),
# fail, step, port (a free loopback port) and start_broker PARTITIONS (sets $BS).
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_broker() {
  "$bin" broker --partitions "$1" >"$work/broker.out" 2>"$work/broker.err" &
  pids+=($!)
  for _ in $(seq 50); do [[ -s "$work/broker.out" ]] && break; sleep 0.1; done
  BS=$(sed -n 's/^bootstrap.servers=//p' "$work/broker.out")
  [[ -n "$BS" ]] || fail "the broker printed no bootstrap.servers line: $(cat "$work/broker.err")"
}
