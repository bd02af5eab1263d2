#!/usr/bin/env python3
"""Checks the page's Measures view (a DOM dumped by headless Chromium) against the API.

  check_measures.py DUMP.html MEASURES.json EVALUATIONS_DIR CHOSEN_ID

MEASURES.json is /api/v1/measures; EVALUATIONS_DIR holds ID.json = /api/v1/measures/ID/evaluation.
Checked: a row per measure with the API's verdict; a forest-plot row per evaluation with an
estimate, at the API's estimate; the chosen measure's details: the result in words (written
here again from DOMAIN.md's figures, as a unit leader reads them), the warnings, one chart point
per month with figures for each group, the cells (masked ones without numbers); and every CSV
link: a byte order mark, semicolons, decimal commas, CRLF, a row per table row.
"""
import csv
import io
import json
import math
import os
import sys
import urllib.parse
from html.parser import HTMLParser

dump, measures_json, evaluations_dir, chosen = sys.argv[1:]
MASKED = "masked (< 5 persons)"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def cls(self):
        return set((self.attrs.get("class") or "").split())

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, pred=lambda n: True):
        for c in self.children:
            if isinstance(c, Node):
                if pred(c):
                    yield c
                yield from c.all(pred)

    def first(self, pred):
        return next(self.all(pred), None)


class Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, dict(attrs), self.at)
        self.at.children.append(n)
        if tag not in VOID:
            self.at = n

    def handle_endtag(self, tag):
        n = self.at
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.at = n.parent

    def handle_data(self, data):
        self.at.children.append(data)


p = Parser()
p.feed(open(dump, encoding="utf-8").read())
root = p.root
by_id = lambda i: root.first(lambda n: n.attrs.get("id") == i)
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


measures = json.load(open(measures_json))["measures"]
evaluations = {m["measure_id"]: json.load(open(os.path.join(evaluations_dir, m["measure_id"] + ".json")))
               for m in measures}

# The same sentences as evaluation_report.cc and the page, from the API's numbers.
def one(x):
    r = math.floor(abs(x) * 10 + 0.5) / 10 * (1 if x >= 0 else -1)
    return f"{0.0 if r == 0 else r:.1f}"

def signed(x):
    return one(x).replace("-", "\u2212")

def about(x):
    x = abs(x)
    if x < 1:
        return "under 1"
    unit = max(1, 10 ** (math.floor(math.log10(x)) - 1))
    return f"{math.floor(x / unit + 0.5) * unit:,}"

def words(e):
    if e["verdict"] == "not_started":
        return f"The measure has not started yet (or year {e['year']} of it has not begun): there is nothing to evaluate."
    if e["verdict"] == "masked":
        return ("Too few persons in one of the groups to show any figures: the evaluation is masked to protect "
                "their health data.")
    t = (e["effects"] or {}).get("total")
    d = t["did"]
    size = one(abs(d["estimate"]))
    moved = (f"Absence fell {size} percentage points more than in comparable units" if d["estimate"] < 0 else
             f"Absence rose {size} percentage points more than in comparable units")
    avoided = e["workdays_avoided"]
    if e["verdict"] == "reduced":
        return f"{moved} (95 % interval {one(-d['ci_high'])} to {one(-d['ci_low'])}); about {about(avoided)} workdays avoided."
    if e["verdict"] == "increased":
        return f"{moved} (95 % interval {one(d['ci_low'])} to {one(d['ci_high'])}); about {about(avoided)} more workdays lost."
    if e["verdict"] == "inconclusive":
        return (f"{moved}, but that is within chance (95 % interval {signed(d['ci_low'])} to {signed(d['ci_high'])} "
                f"points): too few persons or too short a time to tell. Only an effect of about {one(t['mde'])} "
                "percentage points or more could have been seen.")
    return (f"No change beyond that in comparable units ({signed(d['estimate'])} points, 95 % interval "
            f"{signed(d['ci_low'])} to {signed(d['ci_high'])}): an effect of {one(t['mde'])} percentage points or "
            "more would most likely have been seen.")


def csv_rows(link_id):
    a = by_id(link_id)
    if a is None or not a.attrs.get("href", "").startswith("data:text/csv;charset=utf-8,"):
        problems.append(f"#{link_id} has no CSV to download")
        return []
    text = urllib.parse.unquote(a.attrs["href"].split(",", 1)[1])
    check(text.startswith("\ufeff"), f"#{link_id}: no byte order mark")
    check("\r\n" in text and ";" in text.splitlines()[0], f"#{link_id}: not semicolons and CRLF")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
    check(str(len(rows)) == a.attrs.get("data-rows"), f"#{link_id}: {len(rows)} rows, data-rows {a.attrs.get('data-rows')}")
    return rows


def decimal(s):
    check("." not in s, f"a decimal point in a CSV number: {s}")
    return float(s.replace(",", "."))


section = by_id("measures")
check(section is not None and section.attrs.get("data-state") == "ready", "the measures section is not ready")
rows = {r.attrs["data-measure"]: r for r in by_id("measures-table").all(lambda n: n.tag == "tr" and "data-measure" in n.attrs)}
check(set(rows) == set(evaluations), f"measure rows {sorted(rows)} against {sorted(evaluations)}")
for mid, r in rows.items():
    check(r.attrs.get("data-verdict") == evaluations[mid]["verdict"], f"{mid}: verdict {r.attrs.get('data-verdict')}")
    if evaluations[mid]["masked"]:
        check(r.first(lambda n: "effect" in n.cls()).text() == "–", f"{mid}: a masked measure shows an effect")

forest = {g.attrs["data-measure"]: g for g in by_id("forest").all(lambda n: n.tag == "g" and "forest-row" in n.cls())}
with_estimate = {m for m, e in evaluations.items() if e["effects"] and e["effects"]["total"]}
check(set(forest) == with_estimate, f"forest rows {sorted(forest)} against {sorted(with_estimate)}")
for mid, g in forest.items():
    check(abs(float(g.attrs["data-estimate"]) - evaluations[mid]["effects"]["total"]["did"]["estimate"]) < 1e-9,
          f"{mid}: forest estimate")

e = evaluations[chosen]
detail = by_id("measure-detail")
check(detail.attrs.get("data-measure") == chosen and detail.attrs.get("data-state") == "ready", "the chosen measure is not shown")
got = by_id("measure-words").text()
check(got == words(e), f"in words:\n  got  {got}\n  want {words(e)}")
shown_warnings = [w.attrs.get("data-warning") for w in by_id("measure-warnings").all(lambda n: "warning" in n.cls())]
check(shown_warnings == e["warnings"], f"warnings {shown_warnings} against {e['warnings']}")
paths = {c: by_id("measure-chart").first(lambda n, c=c: n.tag == "path" and c in n.cls()) for c in ("treated", "comparison")}
for group, path in paths.items():
    want = sum(1 for m in e["monthly"] if m[group] is not None)
    if want == 0:
        check(path is None, f"{group}: a line without figures")
    else:
        check(path is not None and path.attrs.get("data-points") == str(want), f"{group}: {path and path.attrs.get('data-points')} points, want {want}")
if not e["masked"] and e["after"]:
    check(by_id("measure-chart").first(lambda n: n.tag == "rect" and "after" in n.cls()) is not None, "the measure's period is not shaded")
cells = list(by_id("measure-cells").all(lambda n: n.tag == "tr" and "data-group" in n.attrs))
check(len(cells) == (4 if e["cells"] else 0), f"{len(cells)} cell rows")
for tr in cells:
    c = e["cells"][tr.attrs["data-group"]][tr.attrs["data-span"]]
    numbers_shown = MASKED not in tr.text()
    check(numbers_shown == ("absence_percent" in c), f"cell {tr.attrs['data-group']}/{tr.attrs['data-span']}: masked {c['masked']}")

measure_csv = csv_rows("measures-csv")
check(len(measure_csv) == len(measures), "measures CSV rows")
for r in measure_csv:
    t = (evaluations[r["measure_id"]]["effects"] or {}).get("total")
    if t:
        check(abs(decimal(r["did_pp"]) - t["did"]["estimate"]) < 1e-5, f"CSV did of {r['measure_id']}")
    else:
        check(r["did_pp"] == "", f"CSV of {r['measure_id']} shows an effect")
cell_csv = csv_rows("measure-cells-csv")
check(len(cell_csv) == len(cells), "cells CSV rows")
units_csv = csv_rows("units-csv")
check(len(units_csv) == len(list(by_id("units").all(lambda n: n.tag == "tr" and "data-unit" in n.attrs))), "units CSV rows")
check(len(csv_rows("trend-csv")) == len(list(by_id("trend-table").all(lambda n: n.tag == "tr" and "data-period" in n.attrs))), "trend CSV rows")

if problems:
    print("\n".join(problems[:30]), file=sys.stderr)
    sys.exit(1)
print(f"{len(rows)} measures ({len(forest)} in the forest plot); {chosen}: {e['verdict']}, "
      f"{len(cells)} cells, CSV of {len(measure_csv)} measures and {len(units_csv)} units")
