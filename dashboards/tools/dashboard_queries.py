#!/usr/bin/env python3
"""Lists every query of the Grafana dashboards, with the Grafana variables substituted.

Used by tests/integration/dashboards_test.sh (every PromQL expression must parse) and
tests/integration/prometheus_test.sh (every query must return data from a live
Prometheus), and by hand:

    dashboards/tools/dashboard_queries.py dashboards/grafana/dashboards \
        --set unit=helse --set window=30d

prints one JSON object per line:
    {"dashboard": UID, "panel": TITLE, "ref": REFID, "kind": "prometheus"|"infinity",
     "raw": the query as written, "query": the query with the variables substituted}
Annotation queries are listed as panels named "annotation NAME".
For Prometheus, "query" is the PromQL expression (for a variable: the series selector
inside label_values()). For Infinity, "query" is the URL path with its parameters.

A variable that is neither defined by the dashboard nor a Grafana built-in is an error
(exit status 1), so is a query variable that is not label_values(...).
"""
import argparse
import json
import os
import re
import sys
import urllib.parse

# Grafana's built-in variables, replaced by values that are valid wherever Grafana would
# put them (PromQL durations, a date for the ${__from:date:...} form).
BUILTINS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__from": "2026-01-01",
    "__to": "2026-11-22",
}

VAR = re.compile(r"\$\{(\w+)(?::([^}]*))?\}|\[\[(\w+)\]\]|\$(\w+)")


def defaults(dashboard):
    """Values for the dashboard's own variables: the current value, else the first option."""
    out = {}
    for v in dashboard.get("templating", {}).get("list", []):
        value = None
        cur = v.get("current") or {}
        cv = cur.get("value")
        if isinstance(cv, list):
            cv = cv[0] if cv else None
        if cv and cv != "$__all":
            value = cv
        elif v.get("includeAll") and v.get("allValue"):
            value = v["allValue"]
        elif v.get("options"):
            value = v["options"][0]["value"]
        elif v.get("type") == "custom" and v.get("query"):
            value = v["query"].split(",")[0].strip()
        out[v["name"]] = value
    return out


def substitute(text, values, where):
    def repl(m):
        name = m.group(1) or m.group(3) or m.group(4)
        fmt = m.group(2)
        if name not in values or values[name] is None:
            raise SystemExit(f"{where}: unknown or valueless variable ${name} in {text!r}")
        value = values[name]
        if fmt and fmt.startswith("date:"):
            return value  # __from/__to are given as YYYY-MM-DD already
        if fmt == "percentencode":
            return urllib.parse.quote(value, safe="")
        return value
    return VAR.sub(repl, text)


def label_values_selector(query, where):
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", query)
    if not m:
        raise SystemExit(f"{where}: a query variable must be label_values(SELECTOR, LABEL): {query!r}")
    return m.group(1)


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        for q in p.get("panels", []):  # panels inside a collapsed row
            yield q


def queries(path, overrides):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    uid = dash.get("uid")
    values = dict(BUILTINS)
    values.update(defaults(dash))
    values.update(overrides)
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        raw = q.get("query") if isinstance(q, dict) else q
        where = f"{os.path.basename(path)}: variable {v['name']}"
        sel = label_values_selector(raw, where)
        yield {"dashboard": uid, "panel": f"variable {v['name']}", "ref": v["name"], "kind": "prometheus",
               "raw": raw, "query": substitute(sel, values, where)}
    # Annotation queries (Grafana's built-in one excepted) are queries like a panel's.
    annotations = [{"title": f"annotation {a.get('name')}", "datasource": a.get("datasource"), "targets": [a["target"]]}
                   for a in dash.get("annotations", {}).get("list", []) if "target" in a]
    for p in [*panels_of(dash), *annotations]:
        for t in p.get("targets", []):
            ds = t.get("datasource") or p.get("datasource") or {}
            where = f"{os.path.basename(path)}: panel {p.get('title')!r} {t.get('refId')}"
            if ds.get("type") == "prometheus":
                yield {"dashboard": uid, "panel": p.get("title"), "ref": t.get("refId"), "kind": "prometheus",
                       "raw": t["expr"], "query": substitute(t["expr"], values, where)}
            elif ds.get("type") == "yesoreyeram-infinity-datasource":
                url = substitute(t.get("url", ""), values, where)
                params = [(pp["key"], substitute(pp["value"], values, where))
                          for pp in (t.get("url_options") or {}).get("params", [])]
                if params:
                    url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
                yield {"dashboard": uid, "panel": p.get("title"), "ref": t.get("refId"), "kind": "infinity",
                       "raw": t.get("url", ""), "query": url, "root_selector": t.get("root_selector", ""),
                       "columns": [c["selector"] for c in t.get("columns", [])],
                       "filter": substitute(t.get("filterExpression", ""), values, where)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="the folder of dashboard JSON files")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="the value of a variable (repeatable)")
    args = ap.parse_args()
    overrides = {}
    for s in args.set:
        name, _, value = s.partition("=")
        overrides[name] = value
    for name in sorted(os.listdir(args.dir)):
        if name.endswith(".json"):
            for q in queries(os.path.join(args.dir, name), overrides):
                print(json.dumps(q, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
