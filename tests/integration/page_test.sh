#!/usr/bin/env bash
# The built-in web page (aggregator/web/index.html, served at /), rendered by a real browser:
# Debian's headless Chromium against `naervaer aggregate` fed through the embedded broker
# by kcat. Checks:
#   - / answers 200 text/html with exactly aggregator/web/index.html (the embedded copy is
#     not stale); /favicon.ico answers 404; the page names no external resource;
#   - the rendered DOM, for the default window (last_4q) and for ?window=30d: every unit of
#     /api/v1/units has its row; an unmasked unit shows headcount, attendance and absence
#     exactly as the page formats them (computed here in Python from the API's numbers);
#     units over their absence threshold carry the class over-threshold and a text marker,
#     the others do not; masked units show "masked (< 5 persons)" and no figures;
#   - untrusted data stays text: a unit whose id and name are HTML renders literally and
#     injects no element;
#   - #unit=ID opens that unit's trend on load: one SVG point per unmasked month of the
#     series API, masked months as gaps, the target as a dashed line, one table row per month;
#     a unit id with /, ?, # and % in it works;
#   - an unknown unit in the address puts the API's 404 in the visible error banner;
#   - a screenshot at 1280x900 is a real PNG of that size, of many colours, among them the
#     over-threshold highlight (kept as ${PAGE_SCREENSHOT_DIR:-$work}/page.png).
# Usage: page_test.sh NAERVAER_BINARY
# PAGE_TEST_FROM_SOURCE=1 serves the page from the source tree through a small Python proxy
# in front of the aggregator (forwarding /api/), for working on the page without a rebuild.
set -euo pipefail
bin="$1"
source "$(dirname "$0")/lib.sh"
page_src="$(cd "$(dirname "$0")/../../aggregator/web" && pwd)/index.html"
[[ -f "$page_src" ]] || fail "no $page_src"
command -v chromium >/dev/null || fail "no chromium (apt-get install chromium)"
started=$SECONDS

TODAY=2026-11-22
# A unit id and name that are markup, with the characters a URL path and fragment care about.
EVIL_ID='<b id="pwn">ond</b>&amp;/?#%2F x'
EVIL_NAME='<img src=x onerror="document.title=`pwned`">Ond & Co <script>document.title="pwned"</script>'

step "embedded broker"
start_broker 4

step "generated municipality, plus a unit of two persons (masked) and a unit with hostile identifiers"
"$bin" generate --employees 300 --seed 2 --from 2024-01-01 --to "$TODAY" --with-key -o "$work/ev.txt" 2>/dev/null
python3 - "$work/ev.txt" "$EVIL_ID" "$EVIL_NAME" <<'PY'
import json, sys
path, evil_id, evil_name = sys.argv[1:]
at = "2024-01-01T08:00:00Z"
events = [
    {"event_id": "page-small", "type": "unit_registered", "recorded_at": at,
     "unit": "liten", "name": "Lille enhet", "parent": "kultur"},
    {"event_id": "page-evil", "type": "unit_registered", "recorded_at": at,
     "unit": evil_id, "name": evil_name, "parent": "teknisk"},
]
for i in range(2):
    events.append({"event_id": f"page-small-{i}", "type": "employment_set", "recorded_at": at,
                   "employee": f"page-small-{i}", "employment_id": "e1", "unit": "liten",
                   "from": "2024-01-01", "fte_percent": 100})
# Six persons, two leave after June 2025 and two join in March 2026: its months from July
# 2025 to February 2026 are masked, a gap in the middle of its trend; its windows are not.
for i in range(8):
    e = {"event_id": f"page-evil-{i}", "type": "employment_set", "recorded_at": at,
         "employee": f"page-evil-{i}", "employment_id": "e1", "unit": evil_id,
         "from": "2026-03-01" if i >= 6 else "2024-01-01", "fte_percent": 80 + 2 * i}
    if i < 2: e["to"] = "2025-06-30"
    events.append(e)
    events.append({"event_id": f"page-evil-abs-{i}", "type": "absence_set", "recorded_at": "2026-11-20T08:00:00Z",
                   "employee": f"page-evil-{i}", "absence_id": "a1", "kind": "doctor_certified",
                   "from": f"{2026 if i >= 6 else 2025}-{3 + i % 6:02d}-02",
                   "to": f"{2026 if i >= 6 else 2025}-{3 + i % 6:02d}-{10 + 2 * i:02d}"})
def key(e): return e.get("employee") or e.get("unit")
with open(path, "a") as f:
    for e in events: f.write(f"{key(e)}\t{json.dumps(e, ensure_ascii=False)}\n")
PY
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/ev.txt"

step "aggregate until caught up"
HTTP=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "$HTTP" --today "$TODAY" \
  >"$work/aggregate.out" 2>"$work/aggregate.err" &
agg=$!
pids+=("$agg")
caught_up=0
for _ in $(seq 300); do
  kill -0 "$agg" 2>/dev/null || fail "the aggregator exited: $(tail -5 "$work/aggregate.err")"
  if python3 - "$HTTP" <<'PY' 2>/dev/null; then caught_up=1; break; fi
import json, sys, urllib.request
s = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/status", timeout=2))
parts = s["partitions"]
sys.exit(0 if len(parts) == 4 and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts) else 1)
PY
  sleep 0.2
done
[[ $caught_up == 1 ]] || fail "the aggregator did not catch up: $(tail -5 "$work/aggregate.err")"

if [[ "${PAGE_TEST_FROM_SOURCE:-}" == 1 ]]; then
  step "serve the page from the source tree through a proxy (PAGE_TEST_FROM_SOURCE=1)"
  BASE=http://127.0.0.1:$(port)
  cat >"$work/proxy.py" <<'PY'
import http.server, sys, urllib.error, urllib.request
page, upstream, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
# The headers recommended to the aggregator for /: the page must work under them.
PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
}
class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/":
            with open(page, "rb") as f: self.answer(200, PAGE_HEADERS, f.read())
        elif path.startswith("/api/"):
            try:
                r = urllib.request.urlopen(upstream + self.path, timeout=10)
                status, ctype, body = r.status, r.headers["Content-Type"], r.read()
            except urllib.error.HTTPError as e:
                status, ctype, body = e.code, e.headers["Content-Type"], e.read()
            self.answer(status, {"Content-Type": ctype}, body)
        else:
            self.answer(404, {"Content-Type": "application/json"}, b'{"error":"no such path"}')
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
  python3 "$work/proxy.py" "$page_src" "http://$HTTP" "${BASE##*:}" 2>"$work/proxy.err" &
  pids+=($!)
  for _ in $(seq 50); do curl -sf -o /dev/null "$BASE/" && break; sleep 0.1; done
else
  BASE=http://$HTTP
fi

step "/ serves the page as text/html, unchanged; /favicon.ico is 404; no external resources"
code=$(curl -s -D "$work/page.headers" -o "$work/served.html" -w '%{http_code}' "$BASE/")
[[ $code == 200 ]] || fail "GET / answered $code: $(head -c 300 "$work/served.html")"
grep -qi '^content-type: *text/html' "$work/page.headers" || fail "GET / is not text/html: $(grep -i '^content-type' "$work/page.headers")"
grep -qi "^content-security-policy: *default-src 'none'" "$work/page.headers" || fail "GET / has no Content-Security-Policy"
grep -qi "^cache-control: *no-cache" "$work/page.headers" || fail "GET / should not be cached: the page changes with the binary"
cmp -s "$work/served.html" "$page_src" || fail "GET / differs from $page_src (a stale embedded copy?)"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/favicon.ico") == 404 ]] || fail "/favicon.ico is not 404"
python3 - "$page_src" <<'PY' || fail "the page refers to an external resource"
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
# The SVG namespace is a name, not a fetch.
urls = [u for u in re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\"`)<>]*", src, re.I) if u != "http://www.w3.org/2000/svg"]
assert not urls, urls
for m in re.finditer(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", src, re.I):
    assert m.group(1).startswith(("data:", "#")), m.group(0)
assert not re.search(r"@import|url\(\s*['\"]?(?!data:)", src), "CSS import or url()"
PY

step "the API's answers, as the page will see them"
curl -sf "http://$HTTP/api/v1/units" >"$work/units.json"
python3 - "$work" "$HTTP" "$EVIL_ID" <<'PY'
import json, sys, urllib.parse, urllib.request
work, http, evil = sys.argv[1:]
d = json.load(open(f"{work}/units.json"))
y, m = map(int, d["as_of"][:7].split("-"))
first = y * 12 + m - 1 - 23
frm = f"{first // 12:04d}-{first % 12 + 1:02d}-01"
units = {u["unit"]: u for u in d["units"]}
over = [u for u in units.values() if u["parent"] is not None and not u["windows"]["last_4q"]["masked"]
        and u["windows"]["last_4q"]["absence_percent"] > u["target"]["absence_threshold_percent"]]
assert over, "no unit below the root over its threshold: the data cannot test the highlight"
over = max(over, key=lambda u: u["windows"]["last_4q"]["headcount"])["unit"]
for name, unit in (("over", over), ("evil", evil)):
    url = (f"http://{http}/api/v1/units/{urllib.parse.quote(unit, safe='')}/series"
           f"?granularity=month&from={frm}&to={d['as_of']}")
    with open(f"{work}/series_{name}.json", "wb") as f: f.write(urllib.request.urlopen(url).read())
open(f"{work}/over_unit", "w").write(over)
PY
OVER=$(cat "$work/over_unit")

cat >"$work/check_page.py" <<'PY'
# check_page.py DUMP UNITS_JSON WINDOW TREND_UNIT SERIES_JSON EVIL_ID
import json, re, sys
from decimal import Decimal, ROUND_HALF_UP
from html.parser import HTMLParser

dump, units_json, window, trend_unit, series_json, evil_id = sys.argv[1:]
NBSP = "\u00a0"
MASKED = "masked (< 5 persons)"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []
    def cls(self): return set((self.attrs.get("class") or "").split())
    def text(self): return "".join(c if isinstance(c, str) else c.text() for c in self.children)
    def all(self, pred=lambda n: True):
        for c in self.children:
            if isinstance(c, Node):
                if pred(c): yield c
                yield from c.all(pred)
    def first(self, pred):
        return next(self.all(pred), None)

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)
    def handle_starttag(self, tag, attrs):
        n = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(n)
        if tag not in VOID: self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.cur))
    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag: n = n.parent
        if n is not self.root: self.cur = n.parent
    def handle_data(self, data): self.cur.children.append(data)

t = Tree(); t.feed(open(dump, encoding="utf-8").read()); t.close()
root = t.root
by_id = lambda i: root.first(lambda n: n.attrs.get("id") == i)
body = root.first(lambda n: n.tag == "body")

def pct(x):  # the page's fmtPct: JavaScript's toFixed(2) (exact value, ties away from zero)
    if x is None: return "–"
    return str(Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + NBSP + "%"
def count(x): return f"{x:,}".replace(",", NBSP)

problems = []
def check(cond, msg):
    if not cond: problems.append(msg)

check(body.attrs.get("data-state") == "ready", f"body data-state {body.attrs.get('data-state')!r}, not ready")
err = by_id("error")
check(err is not None and "hidden" in err.attrs, f"the error banner shows: {err and err.text()!r}")
api = json.load(open(units_json))
check(by_id("as-of-date").text() == api["as_of"], "as-of date")
check(re.search(r"events applied", by_id("status").text()), f"status line: {by_id('status').text()!r}")
table = by_id("units")
check(table.attrs.get("data-window") == window, f"table window {table.attrs.get('data-window')!r}, wanted {window}")
rows = {n.attrs["data-unit"]: n for n in table.all(lambda n: n.tag == "tr" and "data-unit" in n.attrs)}
check(set(rows) == {u["unit"] for u in api["units"]}, f"rows {sorted(rows)} != units")
cell = lambda row, c: row.first(lambda n: n.tag == "td" and c in n.cls())
n_over = n_under = n_masked = 0
for u in api["units"]:
    row, p, t = rows.get(u["unit"]), u["windows"][window], u["target"]
    if row is None: continue
    name = cell(row, "name").text()
    check(u["name"] in name, f"{u['unit']}: name {name!r}")
    if p["masked"]:
        n_masked += 1
        check(row.attrs.get("data-masked") == "true", f"{u['unit']}: not marked masked")
        check(cell(row, "masked") is not None and cell(row, "masked").text() == MASKED, f"{u['unit']}: no masked label")
        for c in ("headcount", "attendance", "absence", "target", "threshold"):
            check(cell(row, c) is None, f"{u['unit']}: masked but shows {c}")
        rest = "".join(c.text() for c in row.all(lambda n: n.tag == "td" and
                                                  not {"name", "band", "followup", "frequent"} & n.cls()))
        check(not re.search(r"\d", rest.replace(MASKED, "")), f"{u['unit']}: masked but shows numbers: {rest!r}")
        check("over-threshold" not in row.cls(), f"{u['unit']}: masked but highlighted")
        continue
    check(row.attrs.get("data-masked") == "false", f"{u['unit']}: marked masked")
    for c, want in (("headcount", count(p["headcount"])), ("attendance", pct(p["attendance_percent"])),
                    ("absence", pct(p["absence_percent"]))):
        got = cell(row, c).text() if cell(row, c) else None
        check(got == want, f"{u['unit']}: {c} {got!r}, wanted {want!r}")
    thr = t["absence_threshold_percent"]
    over = p["absence_percent"] is not None and thr is not None and p["absence_percent"] > thr
    n_over += over; n_under += not over
    check(("over-threshold" in row.cls()) == over, f"{u['unit']}: over-threshold class should be {over}")
    marker = "over threshold" in cell(row, "status").text()
    check(marker == over, f"{u['unit']}: the 'over threshold' text marker should be {'there' if over else 'absent'}")
check(n_over > 0 and n_under > 0 and n_masked > 0,
      f"the data must hold units over ({n_over}), under ({n_under}) the threshold and masked ({n_masked})")

# NAV's band against the parent, the follow-up of the last 365 days and the frequent
# short-term count: each as the API gives it, masked on its own and saying why.
bands = set()
for u in api["units"]:
    row = rows.get(u["unit"])
    if row is None: continue
    band = cell(row, "band")
    want = u["windows"][window].get("band") or ""
    check(band is not None and band.attrs.get("data-band") == want, f"{u['unit']}: band {band and band.attrs}, wanted {want!r}")
    if want:
        bands.add(want)
        parent = next(x for x in api["units"] if x["unit"] == u["parent"])
        check(re.fullmatch(r"\d+ % (above|below) .+|as .+", band.first(lambda n: "reason" in n.cls()).text() or "")
              and parent["name"] in band.text(), f"{u['unit']}: band reason {band.text()!r}")
    else:
        check(band.text() == "–" and band.attrs.get("title"), f"{u['unit']}: no band should say why: {band.attrs}")
    f, fc = u["followups"], cell(row, "followup")
    if f["masked"]:
        check(fc.attrs.get("data-overdue") == "" and fc.text() == "masked" and fc.attrs.get("title"),
              f"{u['unit']}: masked follow-up shows {fc.text()!r}")
    else:
        overdue = sum(c["overdue"] for c in f["steps"].values())
        check(fc.attrs.get("data-overdue") == str(overdue), f"{u['unit']}: overdue {fc.attrs.get('data-overdue')} != {overdue}")
        check(("overdue" in fc.cls()) == (overdue > 0), f"{u['unit']}: overdue marking")
    fr, frc = u["frequent_short_term"], cell(row, "frequent")
    want_persons = "" if fr["masked"] else str(fr["persons"])
    check(frc.attrs.get("data-persons") == want_persons, f"{u['unit']}: frequent {frc.attrs.get('data-persons')} != {want_persons}")
check(len(bands) >= 2, f"the data should show several bands, got {bands}")

# Untrusted data is text: the hostile unit renders literally and injects nothing.
evil = next(u for u in api["units"] if u["unit"] == evil_id)
check(evil_id in rows and evil["name"] in cell(rows[evil_id], "name").text(), "the hostile unit is not shown literally")
check(root.first(lambda n: n.tag == "img") is None, "an <img> was injected")
check(root.first(lambda n: n.attrs.get("id") == "pwn") is None, "an element with id pwn was injected")
check(len(list(root.all(lambda n: n.tag == "script"))) == 1, "a script was injected")
check(root.first(lambda n: n.tag == "title").text() != "pwned", "injected script ran")

# The trend of the unit named in the address.
trend = by_id("trend")
check(trend.attrs.get("data-unit") == trend_unit, f"trend of {trend.attrs.get('data-unit')!r}, wanted {trend_unit!r}")
check(trend.attrs.get("data-state") == "ready", f"trend state {trend.attrs.get('data-state')!r}")
points = json.load(open(series_json))["points"]
check(len(points) == 24, f"{len(points)} months in the series, wanted 24")
chart = trend.first(lambda n: n.tag == "svg")
check(chart is not None, "no #trend svg")
if chart is not None:
    shown = [p["period_start"] for p in points if not p["masked"] and p["attendance_percent"] is not None]
    dots = [n.attrs.get("data-period") for n in chart.all(lambda n: n.tag == "circle" and "point" in n.cls())]
    check(dots == shown, f"chart points {len(dots)} {dots[:3]}..., wanted {len(shown)} {shown[:3]}...")
    gaps = [n.attrs.get("data-period") for n in chart.all(lambda n: n.tag == "rect" and "masked-month" in n.cls())]
    check(gaps == [p["period_start"] for p in points if p["masked"]], f"masked months {gaps}")
    if trend_unit == evil_id:
        check(0 < len(gaps) < len(points) - 1 and points[0]["period_start"] in shown and points[-1]["period_start"] in shown,
              "the hostile unit's trend should have masked months in the middle")
    path = chart.first(lambda n: n.tag == "path" and "series" in n.cls())
    check(path is not None and path.attrs.get("d", "").count("M") == sum(
        1 for i, p in enumerate(points) if p["period_start"] in shown and (i == 0 or points[i - 1]["period_start"] not in shown)),
        "the line does not break at masked months")
    check(chart.first(lambda n: n.tag == "line" and "target" in n.cls()) is not None, "no dashed target line")
    check(any("Attendance %" in n.text() for n in chart.all(lambda n: n.tag == "text")), "no y-axis title")
trows = list(by_id("trend-table").all(lambda n: n.tag == "tr" and "data-period" in n.attrs))
check(sorted(r.attrs["data-period"] for r in trows) == sorted(p["period_start"] for p in points), "trend table rows")
for r in trows:
    cells = [c.text() for c in r.all(lambda n: n.tag == "td")]
    if r.attrs.get("data-masked") == "true":
        check(cells[1:] == [MASKED], f"masked month {r.attrs['data-period']} shows {cells[1:]}")
    else:
        check(len(cells) == 8 and all(re.fullmatch(r"[\d\u00a0]+|\d+\.\d\d|–", c) for c in cells[1:]),
              f"month {r.attrs['data-period']}: {cells}")

if problems:
    print("\n".join(problems[:30]), file=sys.stderr)
    sys.exit(1)
print(f"{len(rows)} units ({n_over} over the threshold, {n_under} not, {n_masked} masked), "
      f"trend of {trend_unit!r}: {len(points)} months")
PY

chrome() {  # chrome ARGS... URL: headless Chromium with a fresh profile, waiting for the page's fetches
  rm -rf "$work/chromium-profile"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
    --disable-extensions --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$work/chromium-profile" --virtual-time-budget=20000 "$@" \
    2>>"$work/chromium.err"
}
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

step "rendered: the default window (last_4q), the trend of $OVER from the address"
chrome --dump-dom "$BASE/#unit=$(urlq "$OVER")" >"$work/dom_default.html" || fail "chromium: $(tail -3 "$work/chromium.err")"
python3 "$work/check_page.py" "$work/dom_default.html" "$work/units.json" last_4q "$OVER" \
  "$work/series_over.json" "$EVIL_ID" || fail "the default page (DOM in $work/dom_default.html)"

step "rendered: window 30d from the query, the trend of the hostile unit"
chrome --dump-dom "$BASE/?window=30d&unit=$(urlq "$EVIL_ID")" >"$work/dom_30d.html" || fail "chromium: $(tail -3 "$work/chromium.err")"
python3 "$work/check_page.py" "$work/dom_30d.html" "$work/units.json" 30d "$EVIL_ID" \
  "$work/series_evil.json" "$EVIL_ID" || fail "the page with window=30d"

step "rendered: the whole page as known at the end of 2026-06-30, and the revisions of $OVER"
offset=$(date +%:z)  # the browser's offset on that day: the machine's (CI runs in UTC)
KQ=$(urlq "2026-06-30T23:59:59$offset")
curl -sf "http://$HTTP/api/v1/units?known_at=$KQ" >"$work/units_known.json"
curl -sf "http://$HTTP/api/v1/units/$(urlq "$OVER")/series?granularity=month&from=2024-07-01&to=2026-06-30&known_at=$KQ" \
  >"$work/series_known.json"
chrome --dump-dom "$BASE/?known_at=2026-06-30&unit=$(urlq "$OVER")" >"$work/dom_known.html" ||
  fail "chromium: $(tail -3 "$work/chromium.err")"
grep -q 'data-known-at="2026-06-30"' "$work/dom_known.html" || fail "the page does not say it shows 2026-06-30"
grep -q 'id="as-of-date" datetime="2026-06-30"' "$work/dom_known.html" || fail "the as-of date is not 2026-06-30"
python3 "$work/check_page.py" "$work/dom_known.html" "$work/units_known.json" last_4q "$OVER" \
  "$work/series_known.json" "$EVIL_ID" || fail "the page as known at 2026-06-30 (DOM in $work/dom_known.html)"
curl -sf "http://$HTTP/api/v1/units/$(urlq "$OVER")/revisions?granularity=month&lag_days=7" >"$work/revisions.json"
python3 - "$work/dom_known.html" "$work/revisions.json" <<'PY' || fail "the revisions chart differs from the API"
import json, re, sys
dom, rev = open(sys.argv[1], encoding="utf-8").read(), json.load(open(sys.argv[2]))["points"]
for cls, key in (("published", "published_absence_percent"), ("now", "absence_percent")):
    m = re.search(rf'<path class="{cls}"[^>]*data-points="(\d+)"', dom)
    want = sum(1 for p in rev if p[key] is not None)
    assert m and int(m.group(1)) == want, (cls, m and m.group(1), want)
print(f"revisions: {len(rev)} months, {sum(1 for p in rev if p['revision'])} revised")
PY

step "rendered: an unknown unit in the address shows the API's 404 in the error banner"
chrome --dump-dom "$BASE/#unit=no-such-unit" >"$work/dom_error.html" || fail "chromium: $(tail -3 "$work/chromium.err")"
python3 - "$work/dom_error.html" <<'PY' || fail "no visible error banner for an unknown unit"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<div id="error"([^>]*)>(.*?)</div>', dom, re.S)
assert m and "hidden" not in m.group(1), m and m.group(0)
assert "no-such-unit" in m.group(2) and "404" in m.group(2), m.group(2)
assert re.search(r'<section id="trend"[^>]*data-state="error"', dom)
PY

step "rendered: the measures view (verdicts, forest plot, a measure in words and by month, CSV for Excel)"
curl -sf "http://$HTTP/api/v1/measures" >"$work/measures.json"
mkdir -p "$work/evaluations"
python3 - "$work" "$HTTP" <<'PY'
import json, sys, urllib.parse, urllib.request
work, http = sys.argv[1:]
chosen = {}
for m in json.load(open(f"{work}/measures.json"))["measures"]:
    body = urllib.request.urlopen(f"http://{http}/api/v1/measures/{urllib.parse.quote(m['measure_id'], safe='')}/evaluation").read()
    open(f"{work}/evaluations/{m['measure_id']}.json", "wb").write(body)
    e = json.loads(body)
    chosen.setdefault(e["verdict"], m["measure_id"])
    if e["warnings"]: chosen.setdefault("warned", m["measure_id"])
assert "masked" in chosen, f"no masked measure to show: {chosen}"
shown = chosen.get("warned") or chosen.get("reduced") or next(v for k, v in chosen.items() if k not in ("masked", "not_started"))
open(f"{work}/measure_shown", "w").write(shown)
open(f"{work}/measure_masked", "w").write(chosen["masked"])
PY
for which in shown masked; do
  mid=$(cat "$work/measure_$which")
  chrome --dump-dom "$BASE/?measure=$(urlq "$mid")" >"$work/dom_measure_$which.html" || fail "chromium: $(tail -3 "$work/chromium.err")"
  python3 "$(dirname "$0")/check_measures.py" "$work/dom_measure_$which.html" "$work/measures.json" "$work/evaluations" "$mid" ||
    fail "the measures view with $mid (DOM in $work/dom_measure_$which.html)"
done

step "screenshot of the measures view"
# Tall enough that the page does not scroll (headless Chromium paints nothing after a scroll);
# the measures, the last section, are cut out of it above the end of the page.
chrome --hide-scrollbars --screenshot="$work/page_tall.png" --window-size=1400,4000 \
  "$BASE/?measure=$(urlq "$(cat "$work/measure_shown")")" >/dev/null || fail "chromium: $(tail -3 "$work/chromium.err")"
end=$(python3 "$(dirname "$0")/png_tool.py" last-ink "$work/page_tall.png")
(( end > 1300 && end < 3990 )) || fail "the page ends at row $end of the screenshot: not all of it, or nothing"
python3 "$(dirname "$0")/png_tool.py" crop "$work/page_tall.png" "$work/measures.png" $((end - 1230)) 1245
python3 - "$(dirname "$0")" "$work/measures.png" <<'PY' || fail "the measures screenshot is not a plausible rendering"
import sys
sys.path.insert(0, sys.argv[1])
import png_tool
width, height, bpp, rows = png_tool.read(sys.argv[2])
# The measure's monthly chart: its treated line (#1f5fa8) and the shaded period (#e8f0fb).
for colour in ("1f5fa8", "e8f0fb", "8a929c"):
    assert png_tool.find(rows, bpp, bytes.fromhex(colour)) >= 0, f"no #{colour} on the page"
print(f"{width}x{height}")
PY
mkdir -p "${PAGE_SCREENSHOT_DIR:-$work}"
[[ "${PAGE_SCREENSHOT_DIR:-$work}" -ef "$work" ]] || cp "$work/measures.png" "${PAGE_SCREENSHOT_DIR}/measures.png"

step "the monthly unit report: /report/{unit} against the API; naervaer report; printed to PDF"
MONTH=2026-10
for unit in "$OVER" liten; do
  code=$(curl -s -D "$work/report.headers" -o "$work/report_$unit.html" -w '%{http_code}' "$BASE/report/$(urlq "$unit")?month=$MONTH")
  [[ $code == 200 ]] || fail "GET /report/$unit answered $code"
  grep -qi "^content-security-policy: *default-src 'none'" "$work/report.headers" || fail "the report has no CSP"
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/report/$(urlq "$OVER")?month=2026-13") == 400 ]] || fail "month 13"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/report/no-such-unit") == 404 ]] || fail "an unknown unit"
python3 - "$work" "$HTTP" "$OVER" "$MONTH" <<'PY' || fail "the report differs from the API"
import json, re, sys, urllib.parse, urllib.request
work, http, unit, month = sys.argv[1:]
q = lambda u: urllib.parse.quote(u, safe="")
get = lambda path: json.load(urllib.request.urlopen(f"http://{http}{path}"))
html = open(f"{work}/report_{unit}.html", encoding="utf-8").read()
first = f"{month}-01"
last = {"2026-10": "2026-10-31"}[month]
point = get(f"/api/v1/units/{q(unit)}/series?granularity=month&from={first}&to={last}")["points"][0]
row = re.search(rf'<tr data-period="{first}"[^>]*>(.*?)</tr>', html, re.S).group(1)
cells = [re.sub(r"<[^>]+>", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
assert cells[1] == str(point["headcount"]), (cells, point)
assert cells[4] == f'{point["absence_percent"]:.2f}\u00a0%', (cells[4], point["absence_percent"])
assert cells[5] == f'{point["attendance_percent"]:.2f}\u00a0%', (cells[5], point)
follow = get(f"/api/v1/units/{q(unit)}/followups?from={first}&to={last}")
for step, counts in follow["steps"].items():
    tr = re.search(rf'<tr data-step="{step}">(.*?)</tr>', html, re.S).group(1)
    got = [int(x) for x in re.findall(r'<td class="n[^"]*">(\d+)</td>', tr)[:4]]
    want = [counts["due"], counts["done_on_time"], counts["late"], counts["overdue"]]
    assert got == want, (step, got, want)
units = {u["unit"]: u for u in get("/api/v1/units")["units"]}
fr = units[unit]["frequent_short_term"]
m = re.search(r'data-persons="(\d+)"', html)
assert (m is None) == fr["masked"] and (fr["masked"] or int(m.group(1)) == fr["persons"]), (m and m.group(1), fr)
assert html.count("<circle") >= 20, "the 24-month trend has too few points"
small = open(f"{work}/report_liten.html", encoding="utf-8").read()
assert "masked: fewer than 5 persons" in small and not re.search(r'<td class="n absence">', small), "liten not masked"
print(f"{unit} {month}: persons, absence, attendance, the follow-up steps and the frequent count equal the API's")
PY
"$bin" report --state "$work/state" --month "$MONTH" --today "$TODAY" --lag-days 30 -o "$work/reports" -q ||
  fail "naervaer report"
n=$(ls "$work/reports" | wc -l)
[[ $n == $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["units"]))' "$work/units.json") ]] ||
  fail "naervaer report wrote $n files, not one per unit"
[[ $(stat -c %a "$work/reports") == 700 && $(stat -c %a "$work/reports/liten-$MONTH.html") == 600 ]] ||
  fail "the reports should be their owner's only"
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage \
  --user-data-dir="$work/chromium-pdf" --print-to-pdf="$work/report.pdf" --no-pdf-header-footer \
  "file://$work/reports/liten-$MONTH.html" 2>>"$work/chromium.err" || fail "chromium could not print the report"
[[ $(head -c4 "$work/report.pdf") == "%PDF" && $(grep -ac '/Type /Page\b' "$work/report.pdf") -ge 1 ]] ||
  fail "the report did not print to a PDF"
chrome --hide-scrollbars --screenshot="$work/report.png" --window-size=1000,2600 \
  "$BASE/report/$(urlq "$OVER")?month=$MONTH" >/dev/null || fail "chromium: $(tail -3 "$work/chromium.err")"
python3 - "$(dirname "$0")" "$work/report.png" <<'PY' || fail "the report's screenshot is not a plausible rendering"
import sys
sys.path.insert(0, sys.argv[1])
import png_tool
width, height, bpp, rows = png_tool.read(sys.argv[2])
for colour in ("1f5fa8", "1d6b35"):  # the trend and its target line
    assert png_tool.find(rows, bpp, bytes.fromhex(colour)) >= 0, f"no #{colour}"
print(f"report {width}x{height}")
PY
[[ "${PAGE_SCREENSHOT_DIR:-$work}" -ef "$work" ]] || cp "$work/report.png" "${PAGE_SCREENSHOT_DIR}/report.png"

step "screenshot at 1280x900"
chrome --screenshot="$work/page.png" --window-size=1280,900 "$BASE/#unit=$(urlq "$OVER")" >/dev/null ||
  fail "chromium: $(tail -3 "$work/chromium.err")"
python3 - "$(dirname "$0")" "$work/page.png" <<'PY' || fail "the screenshot is not a plausible rendering"
import os, sys
sys.path.insert(0, sys.argv[1])
import png_tool  # checks the signature and every chunk's CRC, and unfilters the rows
width, height, bpp, rows = png_tool.read(sys.argv[2])
assert (width, height) == (1280, 900), (width, height)
size = os.path.getsize(sys.argv[2])
colours = set()
for y in range(0, height, 9):
    colours.update(rows[y][i:i + 3] for i in range(0, len(rows[y]), bpp * 3))
assert size > 20000, f"only {size} bytes"
assert len(colours) > 20, f"only {len(colours)} colours"
# The highlight of a unit over its threshold (#fde8e6) is on screen.
assert bytes((0xfd, 0xe8, 0xe6)) in colours, "no over-threshold highlight colour"
print(f"{width}x{height}, {size} bytes, {len(colours)} colours sampled")
PY
mkdir -p "${PAGE_SCREENSHOT_DIR:-$work}"
[[ "${PAGE_SCREENSHOT_DIR:-$work}" -ef "$work" ]] || cp "$work/page.png" "${PAGE_SCREENSHOT_DIR}/page.png"

echo "ok: web page ($((SECONDS - started)) s)"
