#!/usr/bin/env bash
# Locked (issue 15): --web-config with TLS, bcrypt users and unit scopes. Nobody reads a
# figure without a password; with TLS configured there is no plain HTTP; a user scoped
# to a sector sees its units and nothing else; health checks need no password; the state
# directory is its owner's only. Real parts: openssl makes the certificate, curl and
# Python's ssl module are the clients, `naervaer passwd` makes the hashes.
# Usage: locked_test.sh NAERVAER_BINARY
set -euo pipefail
bin="$1"
source "$(dirname "$0")/lib.sh"
TODAY=2026-11-22

step "a certificate, two users (one scoped to helse), a web config"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
prom_hash=$("$bin" passwd <<<"scrape-secret")
leder_hash=$("$bin" passwd <<<"helse-secret")
cat >"$work/web.yml" <<EOF
# as for any Prometheus exporter
tls_server_config:
  cert_file: tls.crt        # relative to this file
  key_file: tls.key
basic_auth_users:
  prometheus: '$prom_hash'
  helse-leder: $leder_hash
unit_scopes:
  helse-leder: [helse]
EOF

step "a bad web config: one line naming the file and line, exit 2"
printf 'basic_auth_users:\n  someone: plaintext\n' >"$work/bad.yml"
set +e
out=$("$bin" aggregate --brokers 127.0.0.1:1 --state "$work/bad-state" --web-config "$work/bad.yml" 2>&1)
code=$?
set -e
[[ $code -eq 2 && $(wc -l <<<"$out") -eq 1 ]] || fail "exit $code: $out"
grep -q "bad.yml:2: the password of \"someone\" is not a bcrypt hash" <<<"$out" || fail "unclear: $out"

start_broker 4
"$bin" generate --employees 200 --from 2025-06-01 --to "$TODAY" --seed 4 --with-key -o "$work/stream.txt" 2>/dev/null
kcat -P -b "$BS" -t naervaer.events -K $'\t' -z lz4 -l "$work/stream.txt"
PORT=$(port)
umask 022  # as a careless shell would have it: the state must still be private
"$bin" aggregate --brokers "$BS" --state "$work/state" --listen "127.0.0.1:$PORT" --today "$TODAY" \
  --web-config "$work/web.yml" -X session.timeout.ms=6000 2>"$work/agg.err" &
pids+=($!)
URL="https://127.0.0.1:$PORT"
TLS=(--cacert "$work/tls.crt" --max-time 10 -s)
for _ in $(seq 300); do
  [[ $(curl "${TLS[@]}" "$URL/readyz" || true) == ready ]] && break
  sleep 0.2
done
[[ $(curl "${TLS[@]}" "$URL/readyz") == ready ]] || fail "not ready: $(tail -3 "$work/agg.err")"

step "TLS only: plain HTTP gets no answer"
if curl -s --max-time 5 "http://127.0.0.1:$PORT/healthz" >/dev/null; then fail "plain HTTP was answered"; fi
"$bin" healthcheck --address "127.0.0.1:$PORT" || fail "naervaer healthcheck (the image's) does not follow TLS"

step "no password, a wrong one, an unknown user: 401 with a challenge; health checks are open"
code() { curl "${TLS[@]}" -o /dev/null -w '%{http_code}' "$@"; }
[[ $(code "$URL/api/v1/units") == 401 ]] || fail "no credentials"
[[ $(code -u prometheus:wrong "$URL/api/v1/units") == 401 ]] || fail "a wrong password"
[[ $(code -u nobody:scrape-secret "$URL/metrics") == 401 ]] || fail "an unknown user"
[[ $(code -u helse-leder:scrape-secret "$URL/") == 401 ]] || fail "another user's password"
curl "${TLS[@]}" -D - -o /dev/null "$URL/api/v1/units" | grep -qi '^www-authenticate: Basic realm="naervaer"' ||
  fail "no WWW-Authenticate challenge"
[[ $(code "$URL/healthz") == 200 ]] || fail "/healthz should need no password"

step "an unscoped user reads everything"
[[ $(code -u prometheus:scrape-secret "$URL/metrics") == 200 ]] || fail "/metrics for prometheus"
curl "${TLS[@]}" -u prometheus:scrape-secret "$URL/api/v1/units" >"$work/all.json"

step "a user scoped to helse sees helse and the units under it, nothing else"
curl "${TLS[@]}" -u helse-leder:helse-secret "$URL/api/v1/units" >"$work/helse.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
every = {u["unit"]: u for u in json.load(open(f"{work}/all.json"))["units"]}
seen = {u["unit"]: u for u in json.load(open(f"{work}/helse.json"))["units"]}
def under_helse(unit):
    while unit is not None:
        if unit == "helse": return True
        unit = every[unit]["parent"]
    return False
want = {u for u in every if under_helse(u)}
assert len(want) >= 2 and want != set(every), want
assert set(seen) == want, (sorted(seen), sorted(want))
for u in want:
    assert seen[u] == every[u], f"{u}: the scoped user's figures differ"
print(f"the scoped user sees {len(seen)} of {len(every)} units: {sorted(seen)}")
PY
L=(-u helse-leder:helse-secret)
[[ $(code "${L[@]}" "$URL/api/v1/units/helse-1/series") == 200 ]] || fail "a unit under helse"
[[ $(code "${L[@]}" "$URL/report/helse-1?month=2026-10") == 200 ]] || fail "a report under helse"
[[ $(code "${L[@]}" "$URL/") == 200 ]] || fail "the page"
for path in /api/v1/units/oppvekst/series /api/v1/units/kommune/followups /report/oppvekst-1 /metrics \
  /api/v1/measures /api/v1/evaluations "/api/v1/units/oppvekst-1/revisions"; do
  [[ $(code "${L[@]}" "$URL$path") == 403 ]] || fail "$path should be forbidden to the scoped user"
done
curl "${TLS[@]}" "${L[@]}" "$URL/metrics" | grep -q "sees only the units helse" || fail "the 403 does not say why"

step "Debian's Prometheus scrapes it as any exporter: https, the CA, basic auth from a password file"
printf '%s' scrape-secret >"$work/prometheus.password"
PROM=127.0.0.1:$(port)
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: naervaer-aggregator
    scheme: https
    tls_config:
      ca_file: $work/tls.crt
    basic_auth:
      username: prometheus
      password_file: $work/prometheus.password
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
  - job_name: wrong-password
    scheme: https
    tls_config:
      ca_file: $work/tls.crt
    basic_auth:
      username: prometheus
      password: not-it
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="$PROM" >"$work/prometheus.out" 2>&1 &
pids+=($!)
ok=0
for _ in $(seq 150); do
  if python3 - "$PROM" <<'PY' 2>/dev/null; then ok=1; break; fi
import json, sys, urllib.parse, urllib.request
def query(q):
    url = f"http://{sys.argv[1]}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    return json.load(urllib.request.urlopen(url, timeout=2))["data"]["result"]
up = {r["metric"]["job"]: r["value"][1] for r in query("up")}
units = query('count(naervaer_unit_contracted_workdays{job="naervaer-aggregator"})')
assert up.get("naervaer-aggregator") == "1" and up.get("wrong-password") == "0" and units, (up, units)
print(f"up: {up}; {units[0]['value'][1]} series of contracted workdays scraped over https with basic auth")
PY
  sleep 0.2
done
[[ $ok == 1 ]] || fail "Prometheus did not scrape over https with basic auth: $(tail -3 "$work/prometheus.out")"

step "two locked instances ask each other for evaluation sums over https (--peer-ca-file, --peer-credentials-file)"
# TLS and basic authentication between peers, as the k8s manifests run them. A has the
# credentials, B does not: B's evaluations fail with the peer's 401 said, A's are whole.
# (A certificate that does not verify is refused: tests/unit/aggregator/https_test.cc.)
printf 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: %s\n' \
  "$prom_hash" >"$work/peers.yml"
printf 'prometheus:scrape-secret\n' >"$work/peer.credentials"
PA=127.0.0.1:$(port)
PB=127.0.0.1:$(port)
"$bin" aggregate --brokers "$BS" --state "$work/state-a" --listen "$PA" --today "$TODAY" --group locked-peers \
  --web-config "$work/peers.yml" --peer "https://$PB" --peer-ca-file "$work/tls.crt" \
  --peer-credentials-file "$work/peer.credentials" -X session.timeout.ms=6000 2>"$work/a.err" &
pids+=($!)
"$bin" aggregate --brokers "$BS" --state "$work/state-b" --listen "$PB" --today "$TODAY" --group locked-peers \
  --web-config "$work/peers.yml" --peer "https://$PA" --peer-ca-file "$work/tls.crt" \
  -X session.timeout.ms=6000 2>"$work/b.err" &
pids+=($!)
python3 - "$PA" "$PB" "$work/tls.crt" <<'PY'
import base64, json, ssl, sys, time, urllib.error, urllib.request
a, b, ca = sys.argv[1:]
tls = ssl.create_default_context(cafile=ca)
auth = {"Authorization": "Basic " + base64.b64encode(b"prometheus:scrape-secret").decode()}
def get(h, p):
    try:
        r = urllib.request.urlopen(urllib.request.Request(f"https://{h}{p}", headers=auth), timeout=30, context=tls)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
for _ in range(300):  # both have partitions, four in all, and have caught up
    try:
        parts = [json.loads(get(h, "/api/v1/status")[1])["partitions"] for h in (a, b)]
        if all(parts) and sum(len(p) for p in parts) == 4 and all(get(h, "/readyz")[0] == 200 for h in (a, b)):
            break
    except Exception:
        pass
    time.sleep(0.2)
else:
    sys.exit("the two instances did not split the partitions")
code, body = get(a, "/api/v1/evaluations")
assert code == 200, (code, body[:300])
evaluations = json.loads(body)["evaluations"]
assert evaluations and all(e["error"] is None for e in evaluations), body[:300]
code, body = get(b, "/api/v1/evaluations")
errors = [e["error"] for e in json.loads(body)["evaluations"]] if code == 200 else [body]
assert any("401" in str(e) for e in errors), (code, body[:300])
print(f"{len(evaluations)} evaluations whole over https on the instance with credentials; without: {str(errors[0])[:90]}")
PY

step "a new password in the web config is taken without a restart"
new_hash=$("$bin" passwd <<<"rotated-secret")
sed "s|prometheus: .*|prometheus: $new_hash|" "$work/peers.yml" >"$work/peers.yml.new"
mv "$work/peers.yml.new" "$work/peers.yml"
TLSA=(--cacert "$work/tls.crt" --max-time 10 -s -o /dev/null -w '%{http_code}')
for _ in $(seq 50); do
  [[ $(curl "${TLSA[@]}" -u prometheus:rotated-secret "https://$PA/api/v1/status") == 200 ]] && break
  sleep 0.1
done
[[ $(curl "${TLSA[@]}" -u prometheus:rotated-secret "https://$PA/api/v1/status") == 200 ]] ||
  fail "the new password is not taken: $(tail -2 "$work/a.err")"
[[ $(curl "${TLSA[@]}" -u prometheus:scrape-secret "https://$PA/api/v1/status") == 401 ]] ||
  fail "the old password still works"
grep -q "peers.yml read again" "$work/a.err" || fail "the reload is not said: $(tail -2 "$work/a.err")"

step "the state directory and its files are the owner's only"
[[ $(stat -c %a "$work/state") == 700 ]] || fail "state directory mode $(stat -c %a "$work/state")"
echo "ok: locked"
