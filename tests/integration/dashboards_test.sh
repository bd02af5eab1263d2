#!/usr/bin/env bash
# Static checks of dashboards/ (monitoring as code), fast and without any server:
#   - promtool check rules: the recording and alert rules are valid;
#   - promtool test rules: their unit tests pass, every recording rule and every alert has
#     a test, and the tests can fail (a few rules broken on purpose must be caught);
#   - amtool check-config, and amtool config routes test: each alert goes to the receiver
#     expected (HR advisers by sector, the platform team by severity);
#   - the Grafana dashboards: JSON, fixed and unique uids, every datasource one of the
#     provisioned ones (fixed uids), every variable used defined, every metric or recorded
#     series named by a query exists, and EVERY PromQL expression (variables substituted)
#     parses: they are written as recording rules into a temporary file for promtool.
# Usage: dashboards_test.sh REPO_ROOT
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 REPO_ROOT" >&2; exit 2; }
root=$(cd "$1" && pwd)
dash="$root/dashboards"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }
for tool in promtool amtool python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (Debian: apt-get install prometheus prometheus-alertmanager python3)"
done
rules="$dash/prometheus/recording_rules.yml"
alerts="$dash/prometheus/alert_rules.yml"
am="$dash/alertmanager/alertmanager.yml"
for f in "$rules" "$alerts" "$am" "$dash/grafana/provisioning/datasources/naervaer.yml" \
  "$dash/grafana/provisioning/dashboards/naervaer.yml" "$dash/grafana/dashboards/overview.json" \
  "$dash/grafana/dashboards/unit.json" "$dash/grafana/dashboards/pipeline.json" "$dash/README.md"; do
  [[ -f "$f" ]] || fail "missing $f"
done

step "promtool check rules: recording and alert rules"
promtool check rules --lint=all --lint-fatal "$rules" "$alerts" || fail "promtool check rules"

step "promtool test rules: dashboards/prometheus/tests/*.yml"
tests=("$dash"/prometheus/tests/*.yml)
[[ -f "${tests[0]}" ]] || fail "no rule tests in dashboards/prometheus/tests"
promtool test rules "${tests[@]}" || fail "promtool test rules"

step "every recording rule and every alert has a unit test"
python3 - "$rules" "$alerts" "${tests[@]}" <<'PY' || fail "rules without tests"
import re, sys
rules, alerts, tests = sys.argv[1], sys.argv[2], sys.argv[3:]
recorded = re.findall(r"^\s*- record:\s*(\S+)", open(rules).read(), re.M)
alerting = re.findall(r"^\s*- alert:\s*(\S+)", open(alerts).read(), re.M)
text = "".join(open(t).read() for t in tests)
tested_exprs = re.findall(r"^\s*- expr:\s*'?([a-z_:]+)", text, re.M)
tested_alerts = set(re.findall(r"^\s*alertname:\s*(\S+)", text, re.M))
fired = set(re.findall(r"^\s*alertname:\s*(\S+)\n\s*exp_alerts:\s*\n\s*- exp_labels", text, re.M))
missing = [r for r in recorded if r not in tested_exprs]
missing += [a for a in alerting if a not in tested_alerts]
missing += [f"{a} (never expected to fire)" for a in alerting if a not in fired]
if missing:
    print("untested:", *missing, sep="\n  ")
    sys.exit(1)
print(f"{len(recorded)} recording rules and {len(alerting)} alerts, each with a test")
PY

step "the rule tests can fail: rules broken on purpose are caught"
python3 - "$dash/prometheus" "$work/mutants" <<'PY' || fail "a broken rule passed the tests"
import os, shutil, subprocess, sys
src, out = sys.argv[1], sys.argv[2]
# (file, text, replacement, what the tests must notice, the test file that must notice it)
R, U, P = "recording_rules_test.yml", "unit_alerts_test.yml", "pipeline_alerts_test.yml"
mutants = [
    ("recording_rules.yml", "sum by (unit, parent, sector, window) (naervaer_unit_lost_workdays)",
     "avg by (unit, parent, sector, window) (naervaer_unit_lost_workdays)", "lost workdays averaged over instances", R),
    ("recording_rules.yml", "max by (unit, parent, sector) (naervaer_unit_absence_threshold_percent)",
     "sum by (unit, parent, sector) (naervaer_unit_absence_threshold_percent)", "thresholds summed over instances", R),
    ("recording_rules.yml", 'duration=~"17-56|57-140|141-273|274\\\\+"', 'duration=~"17-56|57-140|141-273"',
     "long-term without 274+", R),
    ("recording_rules.yml", "unit_window:naervaer_unit_contracted_workdays:sum and on (unit, sector) sector:naervaer_sector_unit:info",
     "unit_window:naervaer_unit_contracted_workdays:sum", "a sector summed over its units", R),
    ("alert_rules.yml", 'unit_window:naervaer_absence:ratio{window="30d"}', 'unit_window:naervaer_absence:ratio',
     "the threshold alert on every window", U),
    ("alert_rules.yml", "\n        for: 6h\n", "\n        for: 1h\n", "a shorter for: on the threshold alert", U),
    ("alert_rules.yml", "absent(up{job=\"naervaer-aggregator\"})", "absent(up)", "no alert without targets", P),
    ("alert_rules.yml", "deriv(naervaer_consumer_lag[15m])) > 0", "deriv(naervaer_consumer_lag[15m])) >= 0",
     "a constant lag taken for a growing one", P),
    ("recording_rules.yml", "sum by (unit, parent, sector, window, step, outcome) (naervaer_unit_followup_steps)",
     "avg by (unit, parent, sector, window, step, outcome) (naervaer_unit_followup_steps)",
     "follow-up steps averaged over instances", "followup_test.yml"),
    ("alert_rules.yml", 'outcome="overdue", window="30d"} > 0', 'outcome="overdue"} > 0',
     "overdue plans alerted in every window", "followup_test.yml"),
    ("alert_rules.yml", '{window="90d"} > 1.1', '{window="90d"} > 1.0', "red against the parent at 1.0", "followup_test.yml"),
]
for i, (f, old, new, what, test) in enumerate(mutants):
    d = f"{out}/{i}"
    shutil.copytree(src, d)
    text = open(f"{d}/{f}").read()
    if old not in text:
        sys.exit(f"the mutant '{what}' no longer applies: {old!r} is not in {f}")
    open(f"{d}/{f}", "w").write(text.replace(old, new, 1))
    r = subprocess.run(["promtool", "test", "rules", f"{d}/tests/{test}"], capture_output=True, text=True)
    if r.returncode == 0:
        sys.exit(f"the tests pass with a broken rule: {what}")
    print(f"caught: {what}")
PY

step "amtool check-config"
amtool check-config "$am" || fail "amtool check-config"

step "amtool config routes test: each alert reaches its receiver"
route() {  # EXPECTED_RECEIVER LABEL=VALUE...
  local want=$1; shift
  if ! amtool config routes test --config.file="$am" --verify.receivers="$want" "$@" >/dev/null 2>&1; then
    fail "route of {$*}: expected $want, got '$(amtool config routes test --config.file="$am" "$@" 2>/dev/null)'"
  fi
  printf '  %-18s <- %s\n' "$want" "$*"
}
for s in oppvekst helse teknisk kultur administrasjon; do
  route "hr-$s" alertname=NaervaerUnitOverAbsenceThreshold severity=warning team=hr sector="$s" parent="$s" unit="$s-3" window=30d
  route "hr-$s" alertname=NaervaerUnitUnderAttendanceTarget severity=info team=hr sector="$s" parent="$s" unit="$s-3" window=ytd
done
for s in oppvekst helse teknisk kultur administrasjon; do
  route "hr-$s" alertname=NaervaerFollowupPlansOverdue severity=warning team=hr sector="$s" parent="$s" unit="$s-3" step=followup_plan outcome=overdue window=30d
  route "hr-$s" alertname=NaervaerUnitRedAgainstParent severity=info team=hr sector="$s" parent="$s" unit="$s-3" window=90d
done
route hr-helse alertname=NaervaerUnitOverAbsenceThreshold severity=warning team=hr sector=helse parent=kommune unit=helse window=30d
route hr-kommune alertname=NaervaerUnitOverAbsenceThreshold severity=warning team=hr unit=kommune window=30d
route hr-kommune alertname=NaervaerUnitOverAbsenceThreshold severity=warning team=hr sector=ny-sektor unit=ny-1 window=30d
route platform-oncall alertname=NaervaerAggregatorDown severity=critical team=platform job=naervaer-aggregator instance=agg-0:8080
route platform-oncall alertname=NaervaerAggregatorDown severity=critical team=platform job=naervaer-aggregator
route platform-team alertname=NaervaerConsumerLagGrowing severity=warning team=platform job=naervaer-aggregator instance=agg-0:8080
route platform-team alertname=NaervaerEventsRejected severity=warning team=platform reason=bad_date
route platform-team alertname=SomethingElse severity=critical
# The verification itself can fail: a helse alert must not reach the oppvekst advisers.
if amtool config routes test --config.file="$am" --verify.receivers=hr-oppvekst \
  alertname=NaervaerUnitOverAbsenceThreshold team=hr sector=helse unit=helse-3 >/dev/null 2>&1; then
  fail "amtool --verify.receivers accepted a wrong receiver"
fi
# Every alert rule's team and severity are routed somewhere other than the fallback.
python3 - "$alerts" <<'PY' || fail "alert labels"
import re, sys
text = open(sys.argv[1]).read()
for name, body in re.findall(r"- alert: (\S+)\n(.*?)(?=\n      - alert:|\n  - name:|\Z)", text, re.S):
    sev = re.search(r"severity: (\S+)", body); team = re.search(r"team: (\S+)", body)
    if not sev or sev.group(1) not in ("critical", "warning", "info"):
        sys.exit(f"{name}: severity missing or unknown")
    if not team or team.group(1) not in ("hr", "platform"):
        sys.exit(f"{name}: team missing or unknown")
    for a in ("summary", "description", "runbook"):
        if f"{a}:" not in body:
            sys.exit(f"{name}: no {a} annotation")
print("every alert has severity, team, summary, description and runbook")
PY

step "Grafana dashboards: JSON, uids, datasources, variables"
python3 - "$dash/grafana" <<'PY' || fail "dashboards"
import json, os, re, sys
g = sys.argv[1]
prov = open(f"{g}/provisioning/datasources/naervaer.yml").read()
uids = dict(re.findall(r"^\s+uid:\s*(\S+)\n\s+type:\s*(\S+)", prov, re.M))
want_ds = {"naervaer-prometheus": "prometheus", "naervaer-api": "yesoreyeram-infinity-datasource"}
if uids != want_ds:
    sys.exit(f"provisioned datasources {uids}, expected {want_ds}")
if "http://prometheus:9090" not in prov or "https://aggregator:8080" not in prov:
    sys.exit("datasource URLs: expected http://prometheus:9090 and https://aggregator:8080")
provider = open(f"{g}/provisioning/dashboards/naervaer.yml").read()
if "path: /var/lib/grafana/dashboards/naervaer" not in provider or "type: file" not in provider:
    sys.exit("dashboard provider: expected a file provider at /var/lib/grafana/dashboards/naervaer")
expected = {"overview.json": "naervaer-overview", "unit.json": "naervaer-unit", "pipeline.json": "naervaer-pipeline"}
files = sorted(f for f in os.listdir(f"{g}/dashboards") if f.endswith(".json"))
seen = {}
errors = []
builtins = {"__rate_interval", "__interval", "__interval_ms", "__range", "__range_s", "__range_ms", "__from", "__to",
            "__value", "__data", "__field", "__series", "__all"}
for f in files:
    try:
        d = json.load(open(f"{g}/dashboards/{f}", encoding="utf-8"))
    except json.JSONDecodeError as e:
        sys.exit(f"{f}: not JSON: {e}")
    uid = d.get("uid")
    if f in expected and uid != expected[f]:
        errors.append(f"{f}: uid {uid!r}, expected {expected[f]!r}")
    if uid in seen:
        errors.append(f"{f}: uid {uid!r} also in {seen[uid]}")
    seen[uid] = f
    if not d.get("title"):
        errors.append(f"{f}: no title")
    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    for v in variables.values():
        if v.get("type") == "query":
            ds = v.get("datasource") or {}
            if ds.get("uid") not in want_ds:
                errors.append(f"{f}: variable {v['name']}: datasource {ds}")
    panels = []
    for p in d.get("panels", []):
        panels.append(p); panels += p.get("panels", [])
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)):
        errors.append(f"{f}: panel ids not unique")
    n = 0
    for p in panels:
        if p.get("type") == "row":
            continue
        where = f"{f}: panel {p.get('title')!r}"
        ds = p.get("datasource") or {}
        if ds.get("uid") not in want_ds or want_ds[ds["uid"]] != ds.get("type"):
            errors.append(f"{where}: datasource {ds} is not one of the provisioned {sorted(want_ds)}")
        if not p.get("targets"):
            errors.append(f"{where}: no query")
        for t in p.get("targets", []):
            n += 1
            tds = t.get("datasource") or ds
            if tds.get("uid") not in want_ds or want_ds[tds["uid"]] != tds.get("type"):
                errors.append(f"{where} {t.get('refId')}: datasource {tds}")
            if tds.get("type") == "yesoreyeram-infinity-datasource" and not t.get("url", "").startswith("/api/v1/"):
                errors.append(f"{where}: Infinity URL {t.get('url')!r} is not a path of the aggregator's /api/v1")
            text = json.dumps(t)
            for m in re.finditer(r"\$\{(\w+)|\$(\w+)|\[\[(\w+)", text):
                name = m.group(1) or m.group(2) or m.group(3)
                if name not in variables and name not in builtins:
                    errors.append(f"{where}: unknown variable ${name}")
            # A multi-value variable expands to a regex: only =~ may take it.
            for name, v in variables.items():
                if v.get("multi") or v.get("includeAll"):
                    if re.search(r'[^=!]=\s*"\$\{?' + name + r'\b', t.get("expr", "")):
                        errors.append(f"{where}: multi-value ${name} used with = instead of =~")
        for link in json.dumps(p.get("fieldConfig", {})).split("/d/")[1:]:
            if not any(link.startswith(u + "/") for u in expected.values()):
                errors.append(f"{where}: a link to an unknown dashboard /d/{link[:30]}")
    # Annotations from the API (the measures' periods): the columns Infinity turns into annotations.
    for a in d.get("annotations", {}).get("list", []):
        if "target" not in a:
            continue
        where = f"{f}: annotation {a.get('name')!r}"
        ads = a.get("datasource") or {}
        if ads.get("uid") not in want_ds or want_ds[ads["uid"]] != ads.get("type"):
            errors.append(f"{where}: datasource {ads}")
        names = {c.get("text") for c in a["target"].get("columns", [])}
        if not {"time", "text"} <= names or not names <= {"time", "timeEnd", "title", "text", "tags"}:
            errors.append(f"{where}: columns {sorted(names)} are not Infinity's annotation fields")
        n += 1
    print(f"{f}: uid {uid}, {len(panels)} panels, {n} queries, {len(variables)} variables")
missing = set(expected) - set(files)
if missing:
    errors.append(f"missing dashboards: {sorted(missing)}")
if errors:
    print(*errors, sep="\n")
    sys.exit(1)
PY

step "every PromQL expression of the dashboards parses (promtool check rules on a temporary rule file)"
python3 "$dash/tools/dashboard_queries.py" "$dash/grafana/dashboards" --set unit=helse-3 --set sector=helse \
  --set window=30d --set instance=.+ >"$work/queries.jsonl" || fail "listing the dashboards' queries"
python3 - "$work/queries.jsonl" "$work/dashboard_queries.rules.yml" "$rules" <<'PY' || fail "dashboard queries"
import json, re, sys
queries = [json.loads(l) for l in open(sys.argv[1])]
recorded = set(re.findall(r"^\s*- record:\s*(\S+)", open(sys.argv[3]).read(), re.M))
# The aggregator's metric families (aggregator/src/service.cc) and Prometheus' own per target.
exported = {"naervaer_unit_contracted_workdays", "naervaer_unit_lost_workdays", "naervaer_unit_lost_workdays_by_kind",
            "naervaer_unit_lost_workdays_by_duration", "naervaer_unit_persons", "naervaer_unit_attendance_target_percent",
            "naervaer_unit_absence_threshold_percent", "naervaer_events_total", "naervaer_events_rejected_total",
            "naervaer_consumer_lag", "naervaer_checkpoint_duration_seconds_bucket", "naervaer_checkpoint_duration_seconds_sum",
            "naervaer_checkpoint_duration_seconds_count", "naervaer_state_size_bytes",
            "naervaer_newest_event_recorded_timestamp_seconds", "naervaer_as_of_timestamp_seconds",
            "naervaer_unmatched_absence_workdays", "naervaer_unit_followup_steps",
            "naervaer_unit_frequent_short_term_persons", "up", "scrape_duration_seconds"}
promql = [q for q in queries if q["kind"] == "prometheus"]
errors = []
with open(sys.argv[2], "w") as out:
    out.write("# Generated by dashboards_test.sh: every PromQL query of the dashboards as a recording rule.\n")
    out.write("groups:\n  - name: dashboard-queries\n    rules:\n")
    for i, q in enumerate(promql):
        out.write(f"      # {q['dashboard']}: {q['panel']} ({q['ref']})\n")
        out.write(f"      - record: dashboard_query_{i}\n        expr: {json.dumps(q['query'])}\n")
        # Every series named must exist: a recording rule or a metric the aggregator exports.
        body = re.sub(r'"[^"]*"', '""', q["query"])           # no label values
        body = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", body)         # no matchers, no ranges
        body = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", body)
        for m in re.finditer(r"(?<![\w:.])[a-zA-Z_][\w:]*", body):
            name = m.group(0)
            if body[m.end():].lstrip().startswith("(") or name.lower() in (
                    "and", "or", "unless", "bool", "offset", "inf", "nan", "group_left", "group_right"):
                continue  # a function or a keyword
            if ":" in name and name not in recorded:
                errors.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): {name} is not a recording rule")
            elif ":" not in name and name not in exported:
                errors.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): {name} is not an exported metric")
infinity = [q for q in queries if q["kind"] == "infinity"]
for q in infinity:
    if not re.fullmatch(r"/api/v1/units(/[\w%.-]+/series\?granularity=month&from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d)?"
                        r"|/api/v1/(measures|evaluations)(\?unit=[\w%.-]+)?"
                        r"|/api/v1/units/[\w%.-]+/revisions\?granularity=month&lag_days=7", q["query"]):
        errors.append(f"{q['dashboard']}: {q['panel']} ({q['ref']}): unexpected API URL {q['query']}")
if errors:
    print(*errors, sep="\n")
    sys.exit(1)
print(f"{len(promql)} PromQL expressions (each naming existing series), {len(infinity)} Infinity queries")
PY
promtool check rules --lint=none "$work/dashboard_queries.rules.yml" >"$work/check.out" 2>&1 || {
  cat "$work/check.out" >&2
  python3 - "$work/queries.jsonl" "$work/check.out" <<'PY' >&2
import json, re, sys
promql = [q for q in map(json.loads, open(sys.argv[1])) if q["kind"] == "prometheus"]
for n in sorted({int(n) for n in re.findall(r"dashboard_query_(\d+)", open(sys.argv[2]).read())}):
    q = promql[n]
    print(f"dashboard_query_{n} is {q['dashboard']}: panel {q['panel']!r} ({q['ref']}): {q['raw']}")
PY
  fail "a dashboard query does not parse"
}
grep -o "SUCCESS.*" "$work/check.out"

echo "ok: dashboards"
