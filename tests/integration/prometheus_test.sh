#!/usr/bin/env bash
# Live test of dashboards/ against real parts: `naervaer broker`, kcat, `naervaer aggregate`,
# Debian's Prometheus loading dashboards/prometheus/*_rules.yml and Debian's Alertmanager
# with dashboards/alertmanager/alertmanager.yml. Checks:
#   - every PromQL query of every dashboard (variables: a real sector with units below it,
#     window 30d) returns data; the one that may legitimately be empty (the table of units
#     over their threshold) returns exactly the units the aggregator's API puts over;
#   - the recording rules equal the API's own figures (absence, attendance, short- and
#     long-term, headcount) for every unit and window shown;
#   - every Infinity query of the dashboards (panels and the measures' annotations) is answered
#     by the aggregator and has the fields the panel reads;
#   - NaervaerUnitOverAbsenceThreshold is pending (or firing) for exactly the units whose
#     30-day absence is over their threshold, and for none under it; likewise
#     NaervaerUnitUnderAttendanceTarget (ytd); none of the pipeline alerts is active;
#   - the aggregator stopped: up == 0 and NaervaerAggregatorDown pending;
#   - Alertmanager: a unit alert goes to its sector's HR receiver and is inhibited while
#     NaervaerAggregatorDown fires.
# Usage: prometheus_test.sh NAERVAER_BINARY REPO_ROOT
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 NAERVAER_BINARY REPO_ROOT" >&2; exit 2; }
[[ -x "$1" ]] || { echo "FAIL: $1 is not an executable" >&2; exit 1; }
bin=$(realpath "$1")
root=$(cd "$2" && pwd)
source "$root/tests/integration/lib.sh"
for tool in prometheus prometheus-alertmanager amtool kcat curl python3; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing (Debian: apt-get install -y prometheus prometheus-alertmanager kcat curl)"
done
TODAY=2026-11-22
started=$SECONDS

step "embedded broker, a generated municipality (600 employees) produced with kcat"
start_broker 8
"$bin" generate --employees 600 --seed 5 --from 2024-01-01 --to "$TODAY" --with-key -o "$work/ev.txt" 2>/dev/null
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/ev.txt"

step "aggregate until ready and caught up"
HTTP=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" \
  -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 >"$work/aggregate.out" 2>"$work/aggregate.err" &
agg=$!
pids+=("$agg")
caught_up=
for _ in $(seq 300); do
  kill -0 "$agg" 2>/dev/null || fail "the aggregator exited: $(tail -5 "$work/aggregate.err")"
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/readyz") == 200 ]] &&
    python3 - "$HTTP" <<'PY' 2>/dev/null; then caught_up=1; break; fi
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/status", timeout=2))
parts = s["partitions"]
sys.exit(0 if len(parts) == 8 and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts) else 1)
PY
  sleep 0.2
done
[[ -n $caught_up ]] || fail "the aggregator did not catch up: $(tail -5 "$work/aggregate.err")"
curl -sf "http://$HTTP/metrics" >"$work/metrics.txt"
grep -q '^naervaer_unit_lost_workdays{.*sector="' "$work/metrics.txt" ||
  fail "the unit metrics have no sector label: $bin is older than the sector label (rebuild it)"
curl -sf "http://$HTTP/api/v1/units" >"$work/units.json"

step "Prometheus (scrape and evaluate every second) with the repository's rules"
PROM=127.0.0.1:$(port)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $root/dashboards/prometheus/recording_rules.yml
  - $root/dashboards/prometheus/alert_rules.yml
scrape_configs:
  - job_name: naervaer-aggregator
    static_configs:
      - targets: ['$HTTP']
EOF
promtool check config "$work/prometheus.yml" >/dev/null || fail "the test's prometheus.yml is invalid"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="$PROM" >"$work/prometheus.out" 2>&1 &
pids+=($!)
prom_pid=$!
query() {  # PROMQL: prints the number of series returned
  curl -sf "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"]["result"]))'
}
ready=
for _ in $(seq 150); do
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited: $(tail -5 "$work/prometheus.out")"
  # Enough scrapes for rate() over a minute, and the rules evaluated since.
  if [[ $(query 'count_over_time(up{job="naervaer-aggregator"}[1m]) >= 6' 2>/dev/null) == 1 &&
    $(query 'unit_window:naervaer_absence:ratio' 2>/dev/null) -gt 0 &&
    $(query 'ALERTS{alertname="NaervaerUnitOverAbsenceThreshold"}' 2>/dev/null) -gt 0 ]]; then
    ready=1
    break
  fi
  sleep 0.2
done
[[ -n $ready ]] || fail "Prometheus has no scrapes or no rule results: $(tail -5 "$work/prometheus.out")"
[[ $(query 'up{job="naervaer-aggregator"} == 1') == 1 ]] || fail "the aggregator target is not up"

step "choose a sector with units below it, some over their threshold, for the dashboards' variables"
sector=$(python3 - "$work/units.json" <<'PY'
import json, sys
units = json.load(open(sys.argv[1]))["units"]
root = next(u["unit"] for u in units if not u["parent"])
shown = lambda u: not u["windows"]["30d"]["masked"]
def over(u):
    p, t = u["windows"]["30d"], u["target"].get("absence_threshold_percent")
    return shown(u) and t is not None and p["absence_percent"] > t
sectors = [u["unit"] for u in units if u["parent"] == root and shown(u)]
with_units = [s for s in sectors if any(u["parent"] == s and shown(u) for u in units)]
if not with_units:
    sys.exit("no sector has units shown below it")
# The most units over their threshold: the over-threshold table is then checked on real rows.
print(max(sorted(with_units), key=lambda s: sum(1 for u in units if u["parent"] == s and over(u))))
PY
)
echo "unit=$sector sector=$sector window=30d instance=$HTTP"
python3 "$root/dashboards/tools/dashboard_queries.py" "$root/dashboards/grafana/dashboards" \
  --set unit="$sector" --set sector="$sector" --set window=30d --set instance="$HTTP" \
  --set __from=2024-01-01 --set __to="$TODAY" >"$work/queries.jsonl" || fail "listing the dashboards' queries"

step "every dashboard query returns data from Prometheus or the aggregator's API"
python3 - "$work" "$PROM" "$HTTP" "$sector" <<'PY' || fail "dashboard queries"
import json, sys, urllib.parse, urllib.request
work, prom, http, sector = sys.argv[1:]
queries = [json.loads(l) for l in open(f"{work}/queries.jsonl")]
units = json.load(open(f"{work}/units.json"))["units"]
by_id = {u["unit"]: u for u in units}
def sector_of(u):
    chain = [u]
    while by_id[chain[-1]]["parent"]:
        chain.append(by_id[chain[-1]]["parent"])
    return chain[-2] if len(chain) >= 2 else ""
def promql(q):
    url = f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    r = json.load(urllib.request.urlopen(url, timeout=10))
    if r["status"] != "success":
        raise SystemExit(f"query failed: {q}: {r}")
    return r["data"]["result"]
def over(u, w="30d"):
    p = u["windows"][w]
    t = u["target"].get("absence_threshold_percent")
    return not p["masked"] and p.get("absence_percent") is not None and t is not None and p["absence_percent"] > t
# May be empty: the units over their threshold. Checked here against the API instead.
MAY_BE_EMPTY = {("naervaer-overview", "Units over their absence threshold ($window)", "A")}
empty, n = [], 0
for q in queries:
    key = (q["dashboard"], q["panel"], q["ref"])
    if q["kind"] == "prometheus":
        n += 1
        result = promql(q["query"])
        if key in MAY_BE_EMPTY:
            got = sorted(s["metric"]["unit"] for s in result)
            want = sorted(u["unit"] for u in units if over(u) and sector_of(u["unit"]) == sector)
            if got != want:
                raise SystemExit(f"{q['panel']}: {got}, but the API puts these units of {sector} over: {want}")
            print(f"  {q['panel']}: {len(got)} units over their threshold in {sector}, as the API says")
        elif not result:
            empty.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): {q['query']}")
    else:
        n += 1
        body = json.load(urllib.request.urlopen(f"http://{http}{q['query']}", timeout=10))
        rows = body
        for part in q["root_selector"].split(".") if q["root_selector"] else []:
            rows = rows[part]
        if q.get("filter"):  # unit == 'X'
            field, value = [s.strip(" '") for s in q["filter"].split("==")]
            rows = [r for r in rows if r.get(field) == value]
        if q["root_selector"] in ("measures", "evaluations"):
            # The measures touching a unit: run in it, above it or below it (the API's filter,
            # computed here from the unit tree); without ?unit= every measure.
            every = json.load(urllib.request.urlopen(f"http://{http}/api/v1/measures", timeout=10))["measures"]
            unit = urllib.parse.parse_qs(urllib.parse.urlsplit(q["query"]).query).get("unit", [None])[0]
            def line(u):
                out = [u]
                while u in by_id and by_id[u]["parent"]:
                    u = by_id[u]["parent"]
                    out.append(u)
                return out
            want = sorted(m["measure_id"] for m in every
                          if unit is None or any(unit in line(mu) or mu in line(unit) for mu in m["units"]))
            got = sorted(r["measure_id"] for r in rows)
            if got != want:
                raise SystemExit(f"{q['panel']}: measures {got}, want {want}")
            if unit is None and not want:
                raise SystemExit(f"{q['panel']}: the municipality has no measures to show")
            if not want:
                print(f"  {q['panel']}: no measure touches {unit}, as the API says")
                continue
        if not rows:
            empty.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): {q['query']} has no rows")
            continue
        for col in q["columns"]:  # gjson-style paths: a.b, keys may hold '-' and '+'
            def get(r, path=col):
                for part in path.split("."):
                    r = r.get(part) if isinstance(r, dict) else None
                return r
            # An evaluation's "error" is null unless an instance could not answer.
            if all(get(r) is None for r in rows) and not (q["root_selector"] == "evaluations" and col == "error"):
                empty.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): no row has {col}")
if empty:
    print("queries with no data:", *empty, sep="\n  ")
    sys.exit(1)
print(f"{n} queries, all with data")
PY

step "the recording rules equal the aggregator's own figures, unit by unit and window by window"
python3 - "$work" "$PROM" <<'PY' || fail "recording rules against the API"
import json, sys, urllib.parse, urllib.request
work, prom = sys.argv[1:]
units = json.load(open(f"{work}/units.json"))["units"]
def series(q):
    url = f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    return {(s["metric"]["unit"], s["metric"]["window"]): float(s["value"][1])
            for s in json.load(urllib.request.urlopen(url, timeout=10))["data"]["result"]}
absence = series("unit_window:naervaer_absence:ratio")
attendance = series("unit_window:naervaer_attendance:ratio")
short = series("unit_window:naervaer_absence_short_term:ratio")
long_ = series("unit_window:naervaer_absence_long_term:ratio")
persons = series("unit_window:naervaer_unit_persons:sum")
errors, checked = [], 0
for u in units:
    for w, p in u["windows"].items():
        k = (u["unit"], w)
        if p["masked"] or p.get("absence_percent") is None:
            if k in absence:
                errors.append(f"{k}: masked or without contracted days in the API, yet a ratio in Prometheus")
            continue
        c = p["contracted_workdays"]
        d = p["lost_by_duration"]
        want = {"absence": p["absence_percent"] / 100, "attendance": p["attendance_percent"] / 100,
                "short": (d["1-7"] + d["8-16"]) / c, "long": (d["17-56"] + d["57-140"] + d["141-273"] + d["274+"]) / c,
                "persons": p["headcount"]}
        got = {"absence": absence.get(k), "attendance": attendance.get(k), "short": short.get(k),
               "long": long_.get(k), "persons": persons.get(k)}
        for name in want:
            if got[name] is None or abs(got[name] - want[name]) > 1e-9:
                errors.append(f"{k} {name}: Prometheus {got[name]}, API {want[name]}")
        checked += 1
if errors:
    print(*errors[:20], sep="\n")
    sys.exit(1)
print(f"{checked} unit windows equal")
PY

step "alerts: over the threshold (30d) and under the target (ytd) for exactly the right units"
python3 - "$work" "$PROM" <<'PY' || fail "alerts"
import json, sys, time, urllib.request
work, prom = sys.argv[1:]
units = json.load(open(f"{work}/units.json"))["units"]
def active_alerts():
    active = {}
    for a in json.load(urllib.request.urlopen(f"http://{prom}/api/v1/alerts", timeout=10))["data"]["alerts"]:
        active.setdefault(a["labels"]["alertname"], {})[a["labels"].get("unit")] = a["state"]
    return active
def split(window, value, limit, is_bad):
    bad, good = set(), set()
    for u in units:
        p, t = u["windows"][window], u["target"].get(limit)
        if p["masked"] or p.get(value) is None or t is None or abs(p[value] - t) < 1e-9:
            continue
        (bad if is_bad(p[value], t) else good).add(u["unit"])
    return bad, good
for name, window, value, limit, is_bad in [
        ("NaervaerUnitOverAbsenceThreshold", "30d", "absence_percent", "absence_threshold_percent", lambda v, t: v > t),
        ("NaervaerUnitUnderAttendanceTarget", "ytd", "attendance_percent", "attendance_target_percent", lambda v, t: v < t)]:
    bad, good = split(window, value, limit, is_bad)
    if not bad or not good:
        sys.exit(f"{name}: the generated data has no unit on one side ({len(bad)} over, {len(good)} under): no test")
    for _ in range(20):  # the alert group may have run before the recording group had finished
        active = active_alerts()
        got = active.get(name, {})
        if set(got) == bad:
            break
        time.sleep(0.5)
    if set(got) != bad:
        sys.exit(f"{name}: active for {sorted(got)}, expected {sorted(bad)}")
    if any(s not in ("pending", "firing") for s in got.values()):
        sys.exit(f"{name}: states {got}")
    print(f"{name}: pending for {len(bad)} units ({', '.join(sorted(bad)[:4])}...), "
          f"not for {len(good)} ({', '.join(sorted(good)[:4])}...)")
active = active_alerts()
for name in ("NaervaerAggregatorDown", "NaervaerConsumerLagGrowing", "NaervaerEventsRejected"):
    if name in active:
        sys.exit(f"{name} is active on a healthy pipeline: {active[name]}")
print("no pipeline alert")
PY

step "the aggregator stops: up == 0 and NaervaerAggregatorDown pending"
kill -TERM "$agg"
wait "$agg" || true
down=
for _ in $(seq 100); do
  if [[ $(query 'up{job="naervaer-aggregator"} == 0') == 1 &&
    $(query 'ALERTS{alertname="NaervaerAggregatorDown",alertstate="pending"}') == 1 ]]; then
    down=1
    break
  fi
  sleep 0.2
done
[[ -n $down ]] || fail "no NaervaerAggregatorDown after the aggregator stopped"
echo "NaervaerAggregatorDown pending"

step "Alertmanager with dashboards/alertmanager/alertmanager.yml: routing and inhibition"
AM=127.0.0.1:$(port)
prometheus-alertmanager --config.file="$root/dashboards/alertmanager/alertmanager.yml" \
  --storage.path="$work/alertmanager" --web.listen-address="$AM" --cluster.listen-address= \
  >"$work/alertmanager.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$AM/-/ready") == 200 ]] && break
  sleep 0.1
done
amq() { amtool --alertmanager.url="http://$AM" "$@"; }
amq alert add alertname=NaervaerUnitOverAbsenceThreshold severity=warning team=hr sector=helse parent=helse \
  unit=helse-3 window=30d --annotation=summary=test
state() {  # ALERTNAME: "active" or "suppressed", and the receiver
  curl -sf "http://$AM/api/v2/alerts?filter=alertname%3D%22$1%22" |
    python3 -c 'import json, sys; a = json.load(sys.stdin); print(a[0]["status"]["state"], *[r["name"] for r in a[0]["receivers"]]) if a else print("none")'
}
for _ in $(seq 50); do [[ $(state NaervaerUnitOverAbsenceThreshold) != none ]] && break; sleep 0.1; done
[[ $(state NaervaerUnitOverAbsenceThreshold) == "active hr-helse" ]] ||
  fail "a helse unit alert: $(state NaervaerUnitOverAbsenceThreshold), expected active for hr-helse"
echo "unit alert alone: $(state NaervaerUnitOverAbsenceThreshold)"
amq alert add alertname=NaervaerAggregatorDown severity=critical team=platform job=naervaer-aggregator instance="$HTTP"
inhibited=
for _ in $(seq 50); do
  [[ $(state NaervaerUnitOverAbsenceThreshold) == "suppressed hr-helse" ]] && { inhibited=1; break; }
  sleep 0.1
done
[[ -n $inhibited ]] || fail "the unit alert was not inhibited by NaervaerAggregatorDown: $(state NaervaerUnitOverAbsenceThreshold)"
[[ $(state NaervaerAggregatorDown) == "active platform-oncall" ]] ||
  fail "NaervaerAggregatorDown: $(state NaervaerAggregatorDown), expected active for platform-oncall"
echo "with NaervaerAggregatorDown: unit alert $(state NaervaerUnitOverAbsenceThreshold), down alert $(state NaervaerAggregatorDown)"

echo "ok: prometheus, rules, dashboards and alertmanager end to end ($((SECONDS - started)) s)"
