#!/usr/bin/env bash
# Validates deploy/ without Docker, Kafka or a cluster: what can be checked here is checked
# with the real tools, and what cannot is said (deploy/README.md, "What is validated").
#
#   tests/integration/deploy_test.sh REPO_ROOT [NAERVAER_BINARY]
#
# NAERVAER_BINARY defaults to REPO_ROOT/build/release/aggregator/naervaer. Needs python3
# with PyYAML (Debian: python3-yaml), promtool (prometheus), amtool
# (prometheus-alertmanager); uses kubectl (kustomize) and systemd-analyze when installed and
# says SKIP for their checks when not. Ends with the line "N passed, N failed, N skipped";
# exits 1 when anything failed.
set -euo pipefail

if (($# < 1 || $# > 2)) || [[ ! -d $1/deploy ]]; then
  echo "usage: deploy_test.sh REPO_ROOT [NAERVAER_BINARY]   (REPO_ROOT holds deploy/)" >&2
  exit 2
fi
root=$(cd "$1" && pwd)
bin=${2:-$root/build/release/aggregator/naervaer}
[[ -x $bin ]] || { echo "deploy_test.sh: no executable naervaer at $bin" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then python=$p; break; fi
done
[[ -n $python ]] || { echo "deploy_test.sh: needs python3 with PyYAML (apt-get install python3-yaml)" >&2; exit 2; }
for tool in promtool amtool; do
  command -v "$tool" >/dev/null || { echo "deploy_test.sh: needs $tool (apt-get install prometheus prometheus-alertmanager)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: the build tree's binary may be relinked while this runs.
cp "$bin" "$work/naervaer"

"$python" - "$root" "$work/naervaer" "$work" "$bin" <<'PY'
import glob, json, os, re, shlex, shutil, subprocess, sys, time
import yaml

ROOT, BIN, WORK, BIN_SHOWN = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "k8s")
COMPOSE = os.path.join(DEPLOY, "compose", "compose.yaml")
started = time.monotonic()
results = {"passed": 0, "failed": 0, "skipped": 0}


class Skip(Exception):
    pass


class Failed(Exception):
    pass


def check(name):
    def wrap(fn):
        t = time.monotonic()
        try:
            notes = fn() or []
            results["passed"] += 1
            print(f"ok    {name} ({time.monotonic() - t:.1f} s)")
            for n in notes:
                print(f"        {n}")
        except Skip as e:
            results["skipped"] += 1
            print(f"SKIP  {name}: {e}")
        except Failed as e:
            results["failed"] += 1
            print(f"FAIL  {name}:")
            for line in str(e).splitlines():
                print(f"        {line}")
        except Exception as e:  # a bug in a check, or a file that is not what it should be
            results["failed"] += 1
            print(f"FAIL  {name}: {type(e).__name__}: {e}")
        return fn
    return wrap


def need(problems):
    if problems:
        raise Failed("\n".join(problems))


def rel(p):
    return os.path.relpath(p, ROOT)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def has_var(s):
    return "$" in s


def placeholder(s):
    """Environment references as Kubernetes, systemd, compose and the shell write them."""
    s = re.sub(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", "placeholder", s)
    s = re.sub(r"\$\{[^}]*\}", "placeholder", s)
    return re.sub(r"\$[A-Za-z_][A-Za-z0-9_]*", "placeholder", s)


# ---------------------------------------------------------------------------------------
# Invocations of naervaer found in the deployment files: (where, subcommand, argv after it).
invocations = []


def add_invocation(where, argv):
    """argv as the process sees it: [program, ...]."""
    if not argv:
        return
    prog = os.path.basename(argv[0])
    if prog == "naervaer" and len(argv) > 1:
        invocations.append((where, argv[1], argv[2:]))
    elif prog == "naervaer-ingest-inbox":
        invocations.append((where, "ingest", argv[2:]))  # argv[1] is the inbox folder
    elif prog in ("bash", "sh"):
        raise Failed(f"{where}: naervaer started through a shell script; use the binary or "
                     "naervaer-ingest-inbox so that its options can be checked")
    else:
        raise Failed(f"{where}: unknown program {argv[0]!r} in a naervaer container")


def containerfile_entrypoint():
    text = open(os.path.join(DEPLOY, "Containerfile"), encoding="utf-8").read()
    m = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", text, re.M)
    if not m:
        raise Failed("deploy/Containerfile: no ENTRYPOINT in exec form")
    return json.loads(m.group(1))


def is_naervaer_image(image):
    """naervaer:TAG, registry.example.org/x/naervaer:TAG, ...@sha256:..."""
    return image.split("@")[0].split("/")[-1].split(":")[0] == "naervaer"


# ---------------------------------------------------------------------------------------
@check("every YAML file under deploy/ parses")
def yaml_files():
    files = sorted(glob.glob(f"{DEPLOY}/**/*.y*ml", recursive=True))
    problems = []
    for f in files:
        try:
            if not load_all(f):
                problems.append(f"{rel(f)}: empty")
        except yaml.YAMLError as e:
            problems.append(f"{rel(f)}: {e}")
    need(problems)
    if not files:
        raise Failed("no YAML files under deploy/")
    return [f"{len(files)} files"]


# ---------------------------------------------------------------------------------------
kustomization = {}


@check("kustomization: resources and generator files exist; every manifest has apiVersion, kind, metadata.name")
def k8s_manifests():
    kpath = os.path.join(K8S, "kustomization.yaml")
    kustomization.update(load_all(kpath)[0])
    problems, n = [], 0
    referenced = {os.path.realpath(kpath)}
    for r in kustomization.get("resources", []):
        p = os.path.join(K8S, r)
        referenced.add(os.path.realpath(p))
        if not os.path.isfile(p):
            problems.append(f"resource {r}: no such file")
            continue
        for i, d in enumerate(load_all(p)):
            n += 1
            for field in ("apiVersion", "kind"):
                if not d.get(field):
                    problems.append(f"{r} document {i + 1}: no {field}")
            if not (d.get("metadata") or {}).get("name"):
                problems.append(f"{r} document {i + 1}: no metadata.name")
    for gen in kustomization.get("configMapGenerator", []) + kustomization.get("secretGenerator", []):
        for entry in gen.get("files") or []:
            src = entry.split("=", 1)[-1]
            p = os.path.join(K8S, src)
            referenced.add(os.path.realpath(p))
            if not os.path.isfile(p):
                problems.append(f"{gen['name']}: file {src} does not exist ({rel(os.path.normpath(p))})")
    # Every dashboard is in the Grafana ConfigMap, and nothing else.
    dash = sorted(os.path.basename(p) for p in glob.glob(f"{ROOT}/dashboards/grafana/dashboards/*.json"))
    gen = next((g for g in kustomization.get("configMapGenerator", []) if g["name"] == "grafana-dashboards"), None)
    if gen is None:
        problems.append("no configMapGenerator grafana-dashboards")
    else:
        listed = sorted(os.path.basename(e.split("=", 1)[-1]) for e in gen.get("files") or [])
        for d in sorted(set(dash) - set(listed)):
            problems.append(f"dashboards/grafana/dashboards/{d} is not listed in grafana-dashboards")
        for d in sorted(set(listed) - set(dash)):
            problems.append(f"grafana-dashboards lists {d}, which is not in dashboards/grafana/dashboards/")
    # No YAML file in deploy/k8s that kustomize never reads (forgotten in resources).
    for f in glob.glob(f"{K8S}/**/*.y*ml", recursive=True):
        if os.path.realpath(f) not in referenced:
            problems.append(f"{rel(f)} is neither a resource nor a generator file of the kustomization")
    need(problems)
    return [f"{n} manifests, {len(dash)} dashboards"]


# ---------------------------------------------------------------------------------------
rendered = []


def mini_kustomize():
    """What the checks need of `kustomize build` when kubectl is missing."""
    out = []
    for r in kustomization.get("resources", []):
        out += load_all(os.path.join(K8S, r))
    for gen in kustomization.get("configMapGenerator", []):
        data = {}
        for lit in gen.get("literals") or []:
            k, v = lit.split("=", 1)
            data[k] = v
        for entry in gen.get("files") or []:
            k, _, src = entry.rpartition("=")
            data[k or os.path.basename(src)] = open(os.path.join(K8S, src), encoding="utf-8").read()
        out.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]}, "data": data})
    images = {i["name"]: i for i in kustomization.get("images", [])}
    for o in out:
        if o["kind"] != "Namespace" and kustomization.get("namespace"):
            o["metadata"]["namespace"] = kustomization["namespace"]
        spec = o.get("spec", {})
        tmpl = spec.get("jobTemplate", {}).get("spec", {}).get("template") or spec.get("template")
        for c in (tmpl or {}).get("spec", {}).get("containers", []):
            name, _, tag = c["image"].partition(":")
            if name in images:
                i = images[name]
                c["image"] = f"{i.get('newName', name)}:{i.get('newTag', tag)}"
    return out


@check("kubectl kustomize renders deploy/k8s (dashboards/ files loaded from outside the root)")
def k8s_render():
    if not kustomization:
        raise Failed("kustomization.yaml did not load")
    kubectl = shutil.which("kubectl")
    if not kubectl:
        rendered.extend(mini_kustomize())
        raise Skip("kubectl is not installed: the checks below use this test's own minimal "
                   "rendering (resources, namespace, images, ConfigMap generators; no name hashes)")
    r = run([kubectl, "kustomize", "--load-restrictor=LoadRestrictionsNone", K8S])
    if r.returncode != 0:
        raise Failed(r.stderr.strip())
    rendered.extend(d for d in yaml.safe_load_all(r.stdout) if d)
    return [f"{len(rendered)} objects"]


def objects(kind):
    return [o for o in rendered if o.get("kind") == kind]


def by_name(kind, name):
    return next((o for o in objects(kind) if o["metadata"]["name"] == name), None)


def pod_templates():
    for o in rendered:
        k = o.get("kind")
        if k in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield o, o["spec"]["template"]
        elif k == "CronJob":
            yield o, o["spec"]["jobTemplate"]["spec"]["template"]


def where(o, c=None):
    return f"{o['kind']}/{o['metadata']['name']}" + (f" container {c['name']}" if c else "")


def readme_text():
    readme = open(os.path.join(DEPLOY, "README.md"), encoding="utf-8").read()
    return readme


def need_rendered():
    if not rendered:
        raise Skip("nothing rendered (see the kustomize check)")


@check("k8s: references resolve (ConfigMaps and keys, Secrets, PVCs, volumes, ports, Services)")
def k8s_references():
    need_rendered()
    problems = []
    readme = readme_text()
    claims = {o["metadata"]["name"] for o in objects("PersistentVolumeClaim")}
    for o, t in pod_templates():
        spec = t["spec"]
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        templates = {c["metadata"]["name"] for c in o["spec"].get("volumeClaimTemplates", [])}
        for v in volumes.values():
            if "configMap" in v:
                cm = by_name("ConfigMap", v["configMap"]["name"])
                if not cm:
                    problems.append(f"{where(o)}: volume {v['name']}: no ConfigMap {v['configMap']['name']}")
                else:
                    for it in v["configMap"].get("items", []):
                        if it["key"] not in cm.get("data", {}):
                            problems.append(f"{where(o)}: ConfigMap {cm['metadata']['name']} has no key {it['key']}")
            if "secret" in v:
                name = v["secret"]["secretName"]
                if not by_name("Secret", name) and name not in readme:
                    problems.append(f"{where(o)}: Secret {name} is neither generated nor documented in deploy/README.md")
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in claims:
                problems.append(f"{where(o)}: no PersistentVolumeClaim {v['persistentVolumeClaim']['claimName']}")
        for c in spec.get("initContainers", []) + spec["containers"]:
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes and m["name"] not in templates:
                    problems.append(f"{where(o, c)}: mounts {m['name']}, which is no volume")
            for e in c.get("env", []):
                ref = (e.get("valueFrom") or {}).get("configMapKeyRef")
                if ref:
                    cm = by_name("ConfigMap", ref["name"])
                    if not cm or ref["key"] not in cm.get("data", {}):
                        problems.append(f"{where(o, c)}: env {e['name']}: no key {ref['key']} in ConfigMap {ref['name']}")
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and not by_name("Secret", ref["name"]) and ref["name"] not in readme:
                    problems.append(f"{where(o, c)}: Secret {ref['name']} is neither generated nor documented")
            ports = {p.get("name") for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                pr = c.get(probe) or {}
                port = (pr.get("httpGet") or pr.get("tcpSocket") or {}).get("port")
                if port is not None and port not in ports:
                    problems.append(f"{where(o, c)}: {probe} uses port {port}, which the container does not declare")
        if o["kind"] == "StatefulSet":
            svc = by_name("Service", o["spec"]["serviceName"])
            if not svc or svc["spec"].get("clusterIP") != "None":
                problems.append(f"{where(o)}: serviceName {o['spec']['serviceName']} is no headless Service")
        sel = o["spec"].get("selector", {}).get("matchLabels")
        if sel and any(t["metadata"].get("labels", {}).get(k) != v for k, v in sel.items()):
            problems.append(f"{where(o)}: selector does not match the pod template's labels")
    for svc in objects("Service"):
        sel = svc["spec"].get("selector") or {}
        matching = [(o, t) for o, t in pod_templates()
                    if sel and all(t["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())]
        if not matching:
            problems.append(f"Service/{svc['metadata']['name']}: selects no pod template")
            continue
        for p in svc["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            declared = {x for _, t in matching for c in t["spec"]["containers"] for pp in c.get("ports", [])
                        for x in (pp.get("name"), pp["containerPort"])}
            if tp not in declared:
                problems.append(f"Service/{svc['metadata']['name']}: targetPort {tp} is no port of the selected pods")
    for o in rendered:
        ns = o["metadata"].get("namespace")
        if o["kind"] == "Namespace":
            if o["metadata"]["name"] != kustomization.get("namespace"):
                problems.append(f"Namespace {o['metadata']['name']} differs from the kustomization's namespace")
        elif ns != kustomization.get("namespace"):
            problems.append(f"{where(o)}: namespace {ns}")
    need(problems)


@check("k8s: pods meet the restricted Pod Security Standard; images pinned; memory sized")
def k8s_security():
    need_rendered()
    problems = []
    for o, t in pod_templates():
        spec = t["spec"]
        psc = spec.get("securityContext", {})
        for v in spec.get("volumes", []):
            if "hostPath" in v:
                problems.append(f"{where(o)}: hostPath volume {v['name']}")
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                problems.append(f"{where(o)}: {flag}")
        for c in spec.get("initContainers", []) + spec["containers"]:
            csc = c.get("securityContext", {})
            if not (csc.get("runAsNonRoot", psc.get("runAsNonRoot"))):
                problems.append(f"{where(o, c)}: runAsNonRoot is not true")
            if csc.get("runAsUser", psc.get("runAsUser")) == 0:
                problems.append(f"{where(o, c)}: runAsUser 0")
            sp = csc.get("seccompProfile", psc.get("seccompProfile")) or {}
            if sp.get("type") not in ("RuntimeDefault", "Localhost"):
                problems.append(f"{where(o, c)}: no seccompProfile RuntimeDefault")
            if csc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where(o, c)}: allowPrivilegeEscalation is not false")
            if csc.get("privileged"):
                problems.append(f"{where(o, c)}: privileged")
            if "ALL" not in (csc.get("capabilities") or {}).get("drop", []):
                problems.append(f"{where(o, c)}: capabilities do not drop ALL")
            image = c["image"]
            last = image.split("/")[-1]
            if "@" not in image and (":" not in last or last.endswith(":latest")):
                problems.append(f"{where(o, c)}: image {image} has no pinned tag")
            res = c.get("resources", {})
            if not res.get("requests", {}).get("memory") or not res.get("limits", {}).get("memory"):
                problems.append(f"{where(o, c)}: no memory request and limit")
    need(problems)


def materialize_k8s(o, t, container, dest):
    """Writes what `container` sees of its ConfigMap and Secret volumes under dest."""
    spec = t["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for m in container.get("volumeMounts", []):
        target = dest + m["mountPath"]
        v = volumes.get(m["name"], {})
        if "configMap" in v or "secret" in v:
            if "configMap" in v:
                cm = by_name("ConfigMap", v["configMap"]["name"]) or {}
                data = dict(cm.get("data", {}))
                items = v["configMap"].get("items")
            else:
                sec = by_name("Secret", v["secret"]["secretName"])
                items = v["secret"].get("items")
                data = {i["key"]: "placeholder\n" for i in items or []} if not sec else \
                    {k: "secret\n" for k in list(sec.get("data", {})) + list(sec.get("stringData", {}))}
            files = {i["path"]: data.get(i["key"], "") for i in items} if items else data
            if m.get("subPath"):
                files = {"": files.get(m["subPath"], "")}
            for path, content in files.items():
                p = os.path.join(target, path) if path else target
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w", encoding="utf-8") as f:
                    f.write(content)
        else:
            os.makedirs(target, exist_ok=True)


def arg_value(args, name, default=None):
    for i, a in enumerate(args):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return default


def promtool_check(config_in_root, fsroot, where_):
    """promtool check config on a Prometheus config laid out under fsroot as in its container;
    absolute rule paths are moved under fsroot, and every rule glob must match a file."""
    cfg = yaml.safe_load(open(config_in_root, encoding="utf-8"))
    problems, matched = [], set()
    cfg_dir = os.path.dirname(config_in_root)
    rewritten = []
    for pattern in cfg.get("rule_files") or []:
        local = fsroot + pattern if pattern.startswith("/") else os.path.join(cfg_dir, pattern)
        hits = glob.glob(local)
        if not hits:
            problems.append(f"{where_}: rule_files {pattern} matches no mounted file")
        matched.update(os.path.realpath(h) for h in hits)
        rewritten.append(local)
    if cfg.get("rule_files"):
        cfg["rule_files"] = rewritten
    checked = os.path.join(cfg_dir, "checked-" + os.path.basename(config_in_root))
    with open(checked, "w", encoding="utf-8") as f:
        yaml.safe_dump(cfg, f)
    r = run(["promtool", "check", "config", checked])
    notes = []
    if r.returncode != 0 and "field kubernetes_sd_configs not found" in r.stdout + r.stderr:
        # Debian builds Prometheus without Kubernetes discovery: check the rest of the config
        # (relabelling, rules, alerting) with the discovery replaced by an empty static list,
        # and the discovery's own fields here.
        notes.append("this promtool has no Kubernetes discovery (Debian builds it out): "
                     "kubernetes_sd_configs checked by field names only")
        for sc in cfg.get("scrape_configs", []):
            for sd in sc.pop("kubernetes_sd_configs", None) or []:
                if sd.get("role") not in ("pod", "endpoints", "endpointslice", "service", "node", "ingress"):
                    problems.append(f"{where_}: job {sc['job_name']}: kubernetes_sd role {sd.get('role')!r}")
                extra = set(sd) - {"role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata"}
                extra |= set(sd.get("namespaces") or {}) - {"names", "own_namespace"}
                if extra:
                    problems.append(f"{where_}: job {sc['job_name']}: unknown kubernetes_sd fields {sorted(extra)}")
                sc.setdefault("static_configs", []).append({"targets": []})
        with open(checked, "w", encoding="utf-8") as f:
            yaml.safe_dump(cfg, f)
        r = run(["promtool", "check", "config", checked])
    if r.returncode != 0:
        problems.append(f"{where_}: promtool check config:\n{r.stdout}{r.stderr}".rstrip())
    jobs = [s.get("job_name") for s in cfg.get("scrape_configs", [])]
    if "naervaer-aggregator" not in jobs:
        problems.append(f"{where_}: no scrape job naervaer-aggregator (the alert rules expect it)")
    return problems, matched, notes + [l for l in r.stdout.splitlines() if "SUCCESS" in l]


def grafana_check(fsroot, where_, hostports):
    """Grafana's provisioning as the container sees it: datasources point at services that
    exist, the dashboard provider's folder holds every dashboard."""
    problems = []
    ds_files = glob.glob(f"{fsroot}/etc/grafana/provisioning/datasources/*.y*ml")
    if not ds_files:
        problems.append(f"{where_}: no datasource provisioning file mounted")
    for f in ds_files:
        for d in (yaml.safe_load(open(f, encoding="utf-8")) or {}).get("datasources", []):
            url = d.get("url", "")
            m = re.match(r"https?://([^/:]+)(?::(\d+))?", url)
            if not m:
                continue
            host, port = m.group(1), int(m.group(2) or 80)
            if (host, port) not in hostports:
                problems.append(f"{where_}: datasource {d.get('name')} url {url}: no service {host} with port {port}")
    providers = []
    for f in glob.glob(f"{fsroot}/etc/grafana/provisioning/dashboards/*.y*ml"):
        providers += (yaml.safe_load(open(f, encoding="utf-8")) or {}).get("providers", [])
    if not providers:
        problems.append(f"{where_}: no dashboard provider mounted")
    want = sorted(os.path.basename(p) for p in glob.glob(f"{ROOT}/dashboards/grafana/dashboards/*.json"))
    for p in providers:
        path = (p.get("options") or {}).get("path", "")
        have = sorted(os.path.basename(x) for x in glob.glob(f"{fsroot}{path}/*.json"))
        if have != want:
            problems.append(f"{where_}: provider {p.get('name')} reads {path}, where the container has {have}, not {want}")
        for x in glob.glob(f"{fsroot}{path}/*.json"):
            try:
                if not json.load(open(x, encoding="utf-8")).get("uid"):
                    problems.append(f"{where_}: {os.path.basename(x)} has no uid")
            except ValueError as e:
                problems.append(f"{where_}: {os.path.basename(x)}: {e}")
    return problems


def k8s_container(kind, name, container=None):
    o = by_name(kind, name)
    if not o:
        raise Failed(f"no {kind}/{name} in the rendered manifests")
    t = o["spec"]["template"]
    c = next(c for c in t["spec"]["containers"] if container in (None, c["name"]))
    return o, t, c


@check("k8s: Prometheus config and rules as mounted pass promtool check config")
def k8s_prometheus():
    need_rendered()
    o, t, c = k8s_container("Deployment", "prometheus")
    fsroot = os.path.join(WORK, "k8s-prometheus")
    materialize_k8s(o, t, c, fsroot)
    cfg = fsroot + arg_value(c.get("args", []), "--config.file", "/etc/prometheus/prometheus.yml")
    if not os.path.isfile(cfg):
        raise Failed(f"--config.file {cfg[len(fsroot):]} is not in a mounted ConfigMap")
    problems, matched, out = promtool_check(cfg, fsroot, "k8s prometheus")
    rules = {os.path.realpath(p) for p in glob.glob(f"{fsroot}/etc/prometheus/rules/*")}
    for r in sorted(rules - matched):
        problems.append(f"rule file {os.path.basename(r)} is mounted but no rule_files pattern reads it")
    need(problems)
    return out


@check("k8s: Alertmanager config as mounted passes amtool check-config")
def k8s_alertmanager():
    need_rendered()
    o, t, c = k8s_container("Deployment", "alertmanager")
    fsroot = os.path.join(WORK, "k8s-alertmanager")
    materialize_k8s(o, t, c, fsroot)
    cfg = fsroot + arg_value(c.get("args", []), "--config.file", "/etc/alertmanager/alertmanager.yml")
    r = run(["amtool", "check-config", cfg])
    if r.returncode != 0:
        raise Failed(f"{r.stdout}{r.stderr}")


@check("k8s: Grafana provisioning as mounted (datasource hosts are Services, every dashboard present)")
def k8s_grafana():
    need_rendered()
    o, t, c = k8s_container("Deployment", "grafana")
    fsroot = os.path.join(WORK, "k8s-grafana")
    materialize_k8s(o, t, c, fsroot)
    hostports = {(s["metadata"]["name"], p["port"]) for s in objects("Service") for p in s["spec"]["ports"]}
    env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
    problems = grafana_check(fsroot, "k8s grafana", hostports)
    if "yesoreyeram-infinity-datasource" not in env.get("GF_INSTALL_PLUGINS", ""):
        problems.append("GF_INSTALL_PLUGINS does not install yesoreyeram-infinity-datasource")
    need(problems)


@check("k8s: the aggregator listens on all interfaces, keeps --state on its own volume, probes /healthz and /readyz")
def k8s_aggregator():
    need_rendered()
    o, t, c = k8s_container("StatefulSet", "aggregator")
    problems = []
    argv = (c.get("command") or containerfile_entrypoint()) + c.get("args", [])
    listen = arg_value(argv, "--listen", "")
    ports = {p["containerPort"] for p in c.get("ports", [])}
    if not listen.startswith("0.0.0.0:") or int(listen.rsplit(":", 1)[1]) not in ports:
        problems.append(f"--listen {listen!r}: must be 0.0.0.0:PORT with PORT a container port {sorted(ports)}")
    state = arg_value(argv, "--state", "")
    claims = {v["metadata"]["name"] for v in o["spec"].get("volumeClaimTemplates", [])}
    on = [m for m in c.get("volumeMounts", []) if state.startswith(m["mountPath"].rstrip("/") + "/")]
    if not on or on[0]["name"] not in claims:
        problems.append(f"--state {state!r} is not on a volumeClaimTemplate (one persistent volume per pod)")
    if (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz":
        problems.append("readinessProbe is not GET /readyz")
    if (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") != "/healthz":
        problems.append("livenessProbe is not GET /healthz")
    if t["spec"].get("terminationGracePeriodSeconds", 30) < 60:
        problems.append("terminationGracePeriodSeconds < 60: a checkpoint or journal rebuild may be cut off")
    parts = int(by_name("ConfigMap", next(e["valueFrom"]["configMapKeyRef"]["name"] for e in
                c["env"] if e["name"] == "NAERVAER_BROKERS"))["data"].get("NAERVAER_PARTITIONS", "0"))
    if o["spec"].get("replicas", 1) > parts:
        problems.append(f"{o['spec']['replicas']} replicas for {parts} partitions: some would never be ready")
    # Evaluations add every instance's sums: each pod names every pod of the StatefulSet.
    peers = sorted(a.split("=", 1)[1] for a in argv if a.startswith("--peer="))
    service = o["spec"]["serviceName"]
    port = listen.rsplit(":", 1)[1]
    # TLS (the probes speak https): the peers are asked over https, checking the CA.
    schemes = {(c.get(p) or {}).get("httpGet", {}).get("scheme", "HTTP")
               for p in ("startupProbe", "livenessProbe", "readinessProbe")}
    if len(schemes) != 1:
        problems.append(f"the probes mix schemes {sorted(schemes)}")
    scheme = "https" if "HTTPS" in schemes else "http"
    # Over https by full name (*.SERVICE.NAMESPACE.svc in the certificate: OpenSSL matches a
    # wildcard only with two more labels after it), else by the short name.
    ns = o["metadata"].get("namespace") or kustomization.get("namespace", "default")
    suffix = f".{ns}.svc" if scheme == "https" else ""
    want = sorted(f"{scheme}://{o['metadata']['name']}-{i}.{service}{suffix}:{port}"
                  for i in range(o["spec"].get("replicas", 1)))
    if o["spec"].get("replicas", 1) > 1 and peers != want:
        problems.append(f"--peer {peers}: want every pod, {want}")
    if scheme == "https" and o["spec"].get("replicas", 1) > 1 and not arg_value(argv, "--peer-ca-file"):
        problems.append("peers over https without --peer-ca-file: the system's CAs do not know a private CA")
    # Prometheus scrapes the pods with the same scheme.
    prom_cm = next(m for m in objects("ConfigMap") if m["metadata"]["name"].startswith("prometheus-config"))
    prom = yaml.safe_load(prom_cm["data"]["prometheus.yml"])
    job = next((j for j in prom.get("scrape_configs", []) if j.get("job_name") == "naervaer-aggregator"), {})
    if job.get("scheme", "http") != scheme:
        problems.append(f"Prometheus scrapes the aggregators with {job.get('scheme', 'http')}, they serve {scheme}")
    if scheme == "https" and not (job.get("tls_config") or {}).get("ca_file"):
        problems.append("Prometheus scrapes over https without tls_config.ca_file")
    need(problems)


@check("k8s: naervaer containers' command lines are collected")
def k8s_invocations():
    need_rendered()
    n = 0
    for o, t in pod_templates():
        for c in t["spec"]["containers"]:
            if is_naervaer_image(c["image"]):
                add_invocation(where(o, c), (c.get("command") or containerfile_entrypoint()) + c.get("args", []))
                n += 1
    if n == 0:
        raise Failed("no container runs the naervaer image")
    return [f"{n} containers"]


# ---------------------------------------------------------------------------------------
compose = {}


def compose_mounts(svc):
    """(source or None for a named volume, target) of a compose service's volumes."""
    out = []
    for v in svc.get("volumes", []):
        if isinstance(v, dict):
            src = v.get("source") if v.get("type", "volume") == "bind" else None
            out.append((src, v["target"]))
        else:
            # SOURCE:TARGET[:MODE], where SOURCE may be ${VAR:-default} (a colon inside braces).
            parts = re.findall(r"(?:\$\{[^}]*\}|[^:])+", v)
            src = parts[0] if parts[0].startswith((".", "/", "~", "$")) else None
            out.append((src, parts[1]))
    return out


def compose_path(p):
    return os.path.normpath(os.path.join(os.path.dirname(COMPOSE), p))


@check("compose: services, images pinned, depends_on, build context and every mounted file exist")
def compose_files():
    compose.update(load_all(COMPOSE)[0])
    services = compose.get("services") or {}
    problems, notes = [], []
    named = set((compose.get("volumes") or {}).keys())
    for name, s in services.items():
        image = s.get("image", "")
        if "build" not in s:
            last = image.split("/")[-1]
            if not image or ("@" not in image and (":" not in last or last.endswith(":latest"))):
                problems.append(f"{name}: image {image!r} has no pinned tag")
        else:
            b = s["build"]
            ctx = compose_path(b if isinstance(b, str) else b.get("context", "."))
            df = os.path.join(ctx, b.get("dockerfile", "Dockerfile") if isinstance(b, dict) else "Dockerfile")
            if not os.path.isdir(ctx) or not os.path.isfile(df):
                problems.append(f"{name}: build context {rel(ctx)} or Containerfile {rel(df)} missing")
        deps = s.get("depends_on") or []
        for d in (deps if isinstance(deps, list) else deps.keys()):
            if d not in services:
                problems.append(f"{name}: depends_on {d}, which is no service")
        for src, target in compose_mounts(s):
            if src is None:
                vol = s["volumes"][[t for _, t in compose_mounts(s)].index(target)]
                vname = vol["source"] if isinstance(vol, dict) else vol.split(":")[0]
                if vname not in named:
                    problems.append(f"{name}: volume {vname} is not declared under volumes:")
            elif has_var(src):
                notes.append(f"{name}: {src} -> {target} is chosen by the operator (not checked)")
            elif not os.path.exists(compose_path(src)):
                problems.append(f"{name}: mounts {src}, which does not exist ({rel(compose_path(src))})")
        for sec in s.get("secrets", []):
            sname = sec if isinstance(sec, str) else sec["source"]
            if sname not in (compose.get("secrets") or {}):
                problems.append(f"{name}: secret {sname} is not declared under secrets:")
    for sname, sdef in (compose.get("secrets") or {}).items():
        f = sdef.get("file", "")
        readme = readme_text()
        if os.path.basename(f.split(":-")[-1].rstrip("}")) not in readme:
            problems.append(f"secret {sname} ({f}) is not documented in deploy/README.md")
    need(problems)
    return notes


def materialize_compose(svc, dest):
    for src, target in compose_mounts(svc):
        p = dest + target
        if src is None or has_var(src):
            os.makedirs(p, exist_ok=True)
            continue
        s = compose_path(src)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.isdir(s):
            shutil.copytree(s, p, dirs_exist_ok=True)
        elif os.path.isfile(s):
            shutil.copy(s, p)
    for sec in svc.get("secrets", []):
        sname = sec if isinstance(sec, str) else sec["source"]
        os.makedirs(dest + "/run/secrets", exist_ok=True)
        open(f"{dest}/run/secrets/{sname}", "w").write("placeholder\n")


def compose_service(name):
    if not compose:
        raise Skip("compose.yaml did not load")
    s = (compose.get("services") or {}).get(name)
    if s is None:
        raise Failed(f"no service {name} in compose.yaml")
    return s


@check("compose: Prometheus config and rules as mounted pass promtool check config")
def compose_prometheus():
    s = compose_service("prometheus")
    fsroot = os.path.join(WORK, "compose-prometheus")
    materialize_compose(s, fsroot)
    cfg = fsroot + arg_value(s.get("command", []), "--config.file", "/etc/prometheus/prometheus.yml")
    if not os.path.isfile(cfg):
        raise Failed(f"--config.file {cfg[len(fsroot):]} is not mounted")
    problems, matched, out = promtool_check(cfg, fsroot, "compose prometheus")
    mounted_rules = {os.path.realpath(fsroot + t) for src, t in compose_mounts(s)
                     if src and "dashboards/prometheus/" in src}
    for r in sorted(mounted_rules - matched):
        problems.append(f"{r[len(fsroot):]} is mounted but no rule_files pattern reads it")
    want = {os.path.basename(p) for p in glob.glob(f"{ROOT}/dashboards/prometheus/*_rules.yml")}
    have = {os.path.basename(p) for p in mounted_rules}
    for r in sorted(want - have):
        problems.append(f"dashboards/prometheus/{r} is not mounted")
    targets = [t for sc in yaml.safe_load(open(cfg)).get("scrape_configs", []) if sc["job_name"] == "naervaer-aggregator"
               for st in sc.get("static_configs", []) for t in st.get("targets", [])]
    for t in targets:
        host, port = t.rsplit(":", 1)
        agg = compose["services"].get(host)
        if not agg or f"0.0.0.0:{port}" not in " ".join(agg.get("command", [])).replace("--listen ", "--listen="):
            problems.append(f"scrape target {t}: no service {host} listening on 0.0.0.0:{port}")
    need(problems)
    return out


@check("compose: Alertmanager config as mounted passes amtool check-config")
def compose_alertmanager():
    s = compose_service("alertmanager")
    fsroot = os.path.join(WORK, "compose-alertmanager")
    materialize_compose(s, fsroot)
    cfg = fsroot + arg_value(s.get("command", []), "--config.file", "/etc/alertmanager/alertmanager.yml")
    if not os.path.isfile(cfg):
        raise Failed(f"--config.file {cfg[len(fsroot):]} is not mounted")
    r = run(["amtool", "check-config", cfg])
    if r.returncode != 0:
        raise Failed(f"{r.stdout}{r.stderr}")


@check("compose: Grafana provisioning as mounted (datasource hosts are services, every dashboard present)")
def compose_grafana():
    s = compose_service("grafana")
    fsroot = os.path.join(WORK, "compose-grafana")
    materialize_compose(s, fsroot)
    hostports = set()
    for name, svc in compose["services"].items():
        for p in svc.get("ports", []):
            hostports.add((name, int(str(p).rsplit(":", 1)[-1].split("/")[0])))
        listen = arg_value(svc.get("command", []) or [], "--listen")
        if listen:
            hostports.add((name, int(listen.rsplit(":", 1)[1])))
    problems = grafana_check(fsroot, "compose grafana", hostports)
    if "yesoreyeram-infinity-datasource" not in str((s.get("environment") or {}).get("GF_INSTALL_PLUGINS", "")):
        problems.append("GF_INSTALL_PLUGINS does not install yesoreyeram-infinity-datasource")
    need(problems)


@check("compose: the aggregator listens on all interfaces and keeps --state on a named volume")
def compose_aggregator():
    s = compose_service("aggregator")
    argv = (s.get("entrypoint") or containerfile_entrypoint()) + s.get("command", [])
    problems = []
    listen = arg_value(argv, "--listen", "")
    if not listen.startswith("0.0.0.0:"):
        problems.append(f"--listen {listen!r}: must be 0.0.0.0:PORT in a container")
    state = arg_value(argv, "--state", "")
    on = [(src, t) for src, t in compose_mounts(s) if state.startswith(t.rstrip("/") + "/")]
    if not on or on[0][0] is not None:
        problems.append(f"--state {state!r} is not on a named volume")
    deps = s.get("depends_on") or {}
    if not isinstance(deps, dict) or (deps.get("kafka-init") or {}).get("condition") != "service_completed_successfully":
        problems.append("does not wait for kafka-init (service_completed_successfully): the topic must exist first")
    need(problems)


@check("compose: naervaer services' command lines are collected")
def compose_invocations():
    if not compose:
        raise Skip("compose.yaml did not load")
    n = 0
    for name, s in compose["services"].items():
        if is_naervaer_image(s.get("image", "")) or "build" in s:
            add_invocation(f"compose {name}", (s.get("entrypoint") or containerfile_entrypoint()) + s.get("command", []))
            n += 1
    if n == 0:
        raise Failed("no compose service runs naervaer")
    return [f"{n} services"]


# ---------------------------------------------------------------------------------------
@check("bare metal: deploy/prometheus/prometheus.yml with dashboards/prometheus/ installed beside it")
def baremetal_prometheus():
    src = os.path.join(DEPLOY, "prometheus", "prometheus.yml")
    fsroot = os.path.join(WORK, "baremetal-prometheus")
    etc = fsroot + "/etc/prometheus"
    os.makedirs(etc + "/naervaer", exist_ok=True)
    shutil.copy(src, etc + "/prometheus.yml")
    for r in glob.glob(f"{ROOT}/dashboards/prometheus/*_rules.yml"):
        shutil.copy(r, etc + "/naervaer/")
    problems, matched, out = promtool_check(etc + "/prometheus.yml", fsroot, "deploy/prometheus/prometheus.yml")
    need(problems)
    return out


# ---------------------------------------------------------------------------------------
UNITS = sorted(glob.glob(f"{DEPLOY}/systemd/*.service") + glob.glob(f"{DEPLOY}/systemd/*.timer"))


def unit_sections(path):
    sections, cur, pending = {}, None, ""
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if pending:
            line, pending = pending + line.lstrip(), ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        m = re.match(r"\[(.+)\]$", line.strip())
        if m:
            cur = sections.setdefault(m.group(1), [])
        elif "=" in line and cur is not None:
            k, v = line.split("=", 1)
            cur.append((k.strip(), v.strip()))
    return sections


@check("systemd: units are hardened, the aggregator keeps its state in StateDirectory")
def systemd_units():
    problems = []
    agg = os.path.join(DEPLOY, "systemd", "naervaer-aggregator.service")
    if not os.path.isfile(agg):
        raise Failed("no deploy/systemd/naervaer-aggregator.service")
    for u in UNITS:
        if not u.endswith(".service"):
            continue
        svc = dict(unit_sections(u).get("Service", []))
        for k, want in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes")):
            if svc.get(k) != want:
                problems.append(f"{os.path.basename(u)}: {k}={svc.get(k)} (want {want})")
        if svc.get("DynamicUser") != "yes" and not svc.get("User"):
            problems.append(f"{os.path.basename(u)}: runs as root (no DynamicUser= or User=)")
        for k, v in unit_sections(u).get("Service", []):
            if k == "ExecStart":
                add_invocation(os.path.basename(u), shlex.split(v.lstrip("-@+!:")))
    svc = dict(unit_sections(agg).get("Service", []))
    execs = [v for k, v in unit_sections(agg)["Service"] if k == "ExecStart"]
    argv = shlex.split(execs[0]) if execs else []
    state = arg_value(argv, "--state", "")
    sd = svc.get("StateDirectory", "").split()
    if not sd or not state.startswith(f"/var/lib/{sd[0]}/"):
        problems.append(f"aggregator: --state {state!r} is not under StateDirectory=/var/lib/{sd[0] if sd else '?'}")
    for k, want in (("KillSignal", "SIGTERM"), ("Restart", "on-failure")):
        if svc.get(k) != want:
            problems.append(f"aggregator: {k}={svc.get(k)} (want {want})")
    if not svc.get("TimeoutStopSec") or not svc.get("EnvironmentFile"):
        problems.append("aggregator: needs TimeoutStopSec= and EnvironmentFile=")
    need(problems)


@check("systemd-analyze verify on the units (binary paths pointed at the ones tested here)")
def systemd_verify():
    sa = shutil.which("systemd-analyze")
    if not sa:
        raise Skip("systemd-analyze is not installed")
    d = os.path.join(WORK, "systemd")
    os.makedirs(d, exist_ok=True)
    for u in UNITS:
        text = open(u, encoding="utf-8").read()
        text = text.replace("/usr/local/bin/naervaer-ingest-inbox", os.path.join(DEPLOY, "bin", "naervaer-ingest-inbox"))
        text = re.sub(r"/usr/local/bin/naervaer\b", BIN, text)
        open(os.path.join(d, os.path.basename(u)), "w", encoding="utf-8").write(text)
    # A template is verified through an instance.
    paths = []
    for u in sorted(os.listdir(d)):
        if "@." in u:
            inst = u.replace("@.", "@example.")
            shutil.copy(os.path.join(d, u), os.path.join(d, inst))
            paths.append(os.path.join(d, inst))
        else:
            paths.append(os.path.join(d, u))
    r = run([sa, "verify", "--man=no", *paths], env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
    out = (r.stdout + r.stderr).strip()
    # In a container without systemd as PID 1 some messages are about the machine, not the units.
    noise = re.compile(r"(Failed to connect to|System has not been booted|/etc/systemd/system|"
                       r"Cannot add dependency job|Unit .*\.(socket|slice|target|service) not found|"
                       r"Failed to load configuration|No such file or directory.*(\.d|/run))")
    real = [l for l in out.splitlines() if l.strip() and not noise.search(l)]
    if r.returncode != 0 or real:
        raise Failed(f"exit {r.returncode}\n" + "\n".join(real or out.splitlines()))
    return [f"{len(paths)} units"]


# ---------------------------------------------------------------------------------------
@check("Containerfile: sources it copies exist; build options exist; runtime packages cover ldd of the binary")
def containerfile():
    path = os.path.join(DEPLOY, "Containerfile")
    text = open(path, encoding="utf-8").read()
    joined = re.sub(r"\\\n", " ", text)
    problems = []
    stages = re.split(r"^FROM\s+", joined, flags=re.M)[1:]
    if len(stages) < 2:
        raise Failed("not multi-stage")
    for m in re.finditer(r"^COPY\s+(?!--from)(.*)$", joined, re.M):
        parts = [p for p in shlex.split(m.group(1)) if not p.startswith("--")]
        for src in parts[:-1]:
            if not os.path.exists(os.path.join(ROOT, src)):
                problems.append(f"COPY {src}: not in the repository")
    cmake = open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8").read()
    copied = {p.strip("/") for m in re.finditer(r"^COPY\s+(?!--from)(.*)$", joined, re.M)
              for p in shlex.split(m.group(1))[:-1] if not p.startswith("--")}
    for sub in re.findall(r"add_subdirectory\((\w+)\)", cmake):
        if sub not in copied and sub not in ("tests", "bench"):
            problems.append(f"CMakeLists.txt builds {sub}/, which the Containerfile does not copy")
    for opt in re.findall(r"-D(NAERVAER_[A-Z_]+)=", joined):
        if f"option({opt} " not in cmake:
            problems.append(f"-D{opt}: no such option in CMakeLists.txt")
    presets = json.load(open(os.path.join(ROOT, "CMakePresets.json")))
    for p in re.findall(r"--preset\s+(\S+)", joined):
        if p not in {x["name"] for x in presets.get("configurePresets", []) + presets.get("buildPresets", [])}:
            problems.append(f"--preset {p}: no such preset")

    def installs(stage):
        pk = []
        for cmd in re.findall(r"apt-get install ([^&]*)", stage):
            pk += [w for w in cmd.split() if not w.startswith("-")]
        return pk

    runtime = set(installs(stages[-1]))
    build = set(installs(stages[0]))
    # The build stage needs every development package CI builds with (.ci/deps), but those
    # of the tests and benchmarks, which the image does not build.
    deps = os.path.join(ROOT, ".ci", "deps")
    if os.path.isfile(deps):
        m = re.search(r"^PACKAGES=\(([^)]*)\)", open(deps, encoding="utf-8").read(), re.M)
        ci_dev = {w for w in (m.group(1).split() if m else []) if w.endswith("-dev")}
        for pk in sorted(ci_dev - {"libgtest-dev", "libgmock-dev", "libbenchmark-dev"} - build):
            problems.append(f"build stage lacks {pk}, which .ci/deps installs to build naervaer")
    every = sorted(runtime | build)
    q = run(["dpkg-query", "-W", "-f=${Package} ${Status}\n", *every])
    installed = {l.split()[0] for l in q.stdout.splitlines() if l.endswith(" installed")}
    rest = [pk for pk in every if pk not in installed]
    if rest:
        policy = run(["apt-cache", "policy", *rest]).stdout
        for pk in rest:
            m = re.search(rf"^{re.escape(pk)}:\n(?:\s+.*\n)*?\s+Candidate: (\S+)", policy, re.M)
            if not m or m.group(1) == "(none)":
                problems.append(f"package {pk}: unknown to dpkg and apt-cache on this Debian")
    libs = []
    for line in run(["ldd", BIN]).stdout.splitlines():
        m = re.search(r"=>\s+(/\S+)", line)
        if m:
            libs.append((line.strip(), m.group(1), os.path.realpath(m.group(1))))
    # dpkg knows a library by the path its package installed, which with a merged /usr may
    # be /lib/... where ldd says /usr/lib/... (exact paths: a pattern search is slow).
    def variants(p):
        return {p, p.replace("/usr/lib/", "/lib/", 1), p.replace("/lib/", "/usr/lib/", 1)
                if p.startswith("/lib/") else p}
    asked = sorted(set().union(*[variants(x) for _, path, real in libs for x in (path, real)]) if libs else set())
    owners = {}
    for line in run(["dpkg", "-S", *asked]).stdout.splitlines():
        if ": /" in line:
            pkgs, path = line.split(": ", 1)
            owners.setdefault(os.path.basename(path), set()).update(x.split(":")[0].strip() for x in pkgs.split(","))
    missing = []
    for line, path, real in libs:
        found = owners.get(os.path.basename(real), set()) | owners.get(os.path.basename(path), set())
        if not found:
            missing.append(f"{line} (no package owns it: built locally?)")
        elif not found & runtime:
            missing.append(f"{os.path.basename(path)} from {'/'.join(sorted(found))}: not installed by the runtime stage")
    need(problems + missing)
    return [f"runtime stage installs {len(runtime)} packages; every library `ldd {BIN_SHOWN}` names is among them"]


# ---------------------------------------------------------------------------------------
@check("naervaer-ingest-inbox: moves files on 0 and 3, keeps them otherwise, passes options through")
def ingest_inbox():
    script = os.path.join(DEPLOY, "bin", "naervaer-ingest-inbox")
    d = os.path.join(WORK, "inbox-test")
    stub = os.path.join(d, "naervaer")
    os.makedirs(d)
    with open(stub, "w") as f:
        f.write('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$STUB_ARGS"\nexit "${STUB_STATUS:-0}"\n')
    os.chmod(stub, 0o755)
    problems = []

    def case(status, files):
        inbox = os.path.join(d, f"inbox-{status}-{len(files)}")
        os.makedirs(inbox + "/new")
        for n in files:
            open(os.path.join(inbox, "new", n), "w").write("x\n")
        env = {**os.environ, "NAERVAER": stub, "STUB_STATUS": str(status), "STUB_ARGS": inbox + ".args"}
        r = run([script, inbox, "--brokers=b:9092", "--pseudonym-key-file=/k"], env=env)
        left = sorted(os.listdir(inbox + "/new"))
        moved = sorted(os.path.basename(p) for p in glob.glob(inbox + "/done/*/*"))
        args = open(inbox + ".args").read().split("\n")[:-1] if os.path.exists(inbox + ".args") else None
        return r.returncode, left, moved, args

    rc, left, moved, args = case(0, ["a.csv", "b.jsonl", "notes.txt"])
    if rc != 0 or left != ["notes.txt"] or moved != ["a.csv", "b.jsonl"]:
        problems.append(f"status 0: exit {rc}, left {left}, moved {moved}")
    if args != ["ingest", "--brokers=b:9092", "--pseudonym-key-file=/k"] + [os.path.join(d, "inbox-0-3", "new", x) for x in ("a.csv", "b.jsonl")]:
        problems.append(f"status 0: naervaer got {args}")
    rc, left, moved, _ = case(3, ["a.csv"])
    if rc != 3 or left or moved != ["a.csv"]:
        problems.append(f"status 3: exit {rc}, left {left}, moved {moved}")
    rc, left, moved, _ = case(1, ["a.csv"])
    if rc != 1 or left != ["a.csv"] or moved:
        problems.append(f"status 1: exit {rc}, left {left}, moved {moved}")
    rc, left, moved, args = case(0, [])
    if rc != 0 or args is not None:
        problems.append(f"empty inbox: exit {rc}, naervaer called with {args}")
    need(problems)


# ---------------------------------------------------------------------------------------
@check("Kafka scripts (compose kafka-init, k8s topic Job, k8s broker start) run against stub Kafka tools")
def kafka_scripts():
    stub = os.path.join(WORK, "kafka-stub")
    os.makedirs(stub + "/bin")
    for t in ("kafka-topics.sh", "kafka-configs.sh"):
        with open(f"{stub}/bin/{t}", "w") as f:
            f.write(f'#!/usr/bin/env bash\necho "{t} $*"\n')
        os.chmod(f"{stub}/bin/{t}", 0o755)
    with open(f"{stub}/run", "w") as f:
        f.write('#!/usr/bin/env bash\nenv | grep -E "^KAFKA_(NODE_ID|CONTROLLER_QUORUM_VOTERS|ADVERTISED_LISTENERS)=" | sort\n')
    os.chmod(f"{stub}/run", 0o755)
    problems = []

    def topics_ok(where_, script, env):
        r = run(["bash", "-euc", script.replace("/opt/kafka/bin", stub + "/bin")], env={**os.environ, **env})
        if r.returncode != 0:
            problems.append(f"{where_}: exit {r.returncode}: {r.stderr.strip()}")
            return
        for topic in ("naervaer.events", "naervaer.events.dlq"):
            create = [l for l in r.stdout.splitlines() if "--create" in l and f"--topic {topic} " in l]
            alter = [l for l in r.stdout.splitlines() if "--alter" in l and f"--entity-name {topic} " in l]
            if not create or "retention.ms=-1" not in create[0] or "cleanup.policy=delete" not in create[0]:
                problems.append(f"{where_}: {topic} is not created with retention.ms=-1 and cleanup.policy=delete")
            if not alter or "retention.ms=-1" not in alter[0]:
                problems.append(f"{where_}: {topic}'s retention is not enforced on an existing topic")
        if "--partitions 12 " not in r.stdout:
            problems.append(f"{where_}: naervaer.events does not get the configured 12 partitions")

    if compose:
        init = compose["services"]["kafka-init"]
        env = {k: str(v).replace("${NAERVAER_PARTITIONS:-12}", "12") for k, v in (init.get("environment") or {}).items()}
        topics_ok("compose kafka-init", init["command"][0].replace("$$", "$"), env)
    if rendered:
        job = k8s_container("Job", "kafka-topics")[2]
        cm = by_name("ConfigMap", job["env"][0]["valueFrom"]["configMapKeyRef"]["name"])["data"]
        env = {e["name"]: cm[e["valueFrom"]["configMapKeyRef"]["key"]] for e in job["env"]}
        topics_ok("k8s Job kafka-topics", job["args"][0], env)
        o, t, c = k8s_container("StatefulSet", "kafka")
        env = {e["name"]: e["value"] for e in c["env"] if "value" in e}
        fqdn = f"kafka-2.kafka-headless.{o['metadata'].get('namespace', 'ns')}.svc.cluster.local"
        script = (c["args"][0].replace("$(hostname -f)", fqdn).replace("/etc/kafka/docker/run", stub + "/run")
                  .replace('mkdir -p "$KAFKA_LOG_DIRS"', "true"))
        r = run(["bash", "-euc", script], env={**os.environ, **env, "HOSTNAME": "kafka-2"})
        got = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
        voters = ",".join(f"{i}@kafka-{i}.{fqdn.split('.', 1)[1]}:9093" for i in range(o["spec"]["replicas"]))
        if r.returncode != 0 or got.get("KAFKA_NODE_ID") != "2" or got.get("KAFKA_CONTROLLER_QUORUM_VOTERS") != voters \
                or got.get("KAFKA_ADVERTISED_LISTENERS") != f"PLAINTEXT://{fqdn}:9092":
            problems.append(f"k8s kafka start script: exit {r.returncode}, {got} {r.stderr.strip()}")
        if env.get("KRAFT_VOTERS") != str(o["spec"]["replicas"]):
            problems.append(f"k8s kafka: KRAFT_VOTERS {env.get('KRAFT_VOTERS')} != replicas {o['spec']['replicas']}")
        if t["spec"].get("enableServiceLinks") is not False:
            problems.append("k8s kafka: enableServiceLinks must be false (KAFKA_PORT breaks the image's start)")
    need(problems)


# ---------------------------------------------------------------------------------------
@check("naervaer accepts every option the deployment files pass (names in --help; the whole line parses)")
def binary_flags():
    if not invocations:
        raise Failed("no naervaer command line was collected (see the checks above)")
    problems, notes, helps = [], [], {}
    commands = run([BIN, "help"]).stdout
    for where_, sub, args in invocations:
        if sub not in helps:
            if not re.search(rf"^\s+{re.escape(sub)}\s", commands, re.M):
                helps[sub] = None
            else:
                h = run([BIN, sub, "--help"])
                if h.returncode != 0:
                    problems.append(f"`naervaer {sub} --help` exits {h.returncode}")
                    helps[sub] = None
                    continue
                names = set(re.findall(r"--([a-z][a-z0-9-]*)", h.stdout))
                names |= {"-" + s for s in re.findall(r"^\s+-([A-Za-z]) \[", h.stdout, re.M)}
                helps[sub] = names
        names = helps[sub]
        if names is None:
            notes.append(f"{where_}: this naervaer has no `{sub}` command (rebuild?): not checked")
            continue
        for a in args:
            if a.startswith("--"):
                if a[2:].split("=", 1)[0] not in names:
                    problems.append(f"{where_}: naervaer {sub} has no option {a.split('=', 1)[0]}")
            elif a.startswith("-") and len(a) >= 2 and "-" + a[1] not in names:
                problems.append(f"{where_}: naervaer {sub} has no option {a[:2]}")
        # A whole-word `$NAME` is split at spaces by systemd: its default (empty) adds no
        # argument, so it is left out rather than passed as a stray word.
        r = run([BIN, sub, *[placeholder(a) for a in args if not re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", a)],
                 "--help"])
        if r.returncode != 0:
            problems.append(f"{where_}: `naervaer {sub} {' '.join(args)}` does not parse: {r.stderr.strip()}")
    if notes and all(n is None for n in helps.values()):
        raise Skip("; ".join(notes))
    need(problems)
    return notes + [f"{len(invocations)} command lines: " + ", ".join(sorted({f'{w} ({s})' for w, s, _ in invocations}))]


# ---------------------------------------------------------------------------------------
@check("the image's HEALTHCHECK command against a real aggregator on 0.0.0.0 (embedded broker); SIGTERM exits 0")
def healthcheck_live():
    text = re.sub(r"\\\n", " ", open(os.path.join(DEPLOY, "Containerfile"), encoding="utf-8").read())
    m = re.search(r"^HEALTHCHECK\s.*?CMD\s+(\[.*\])\s*$", text, re.M)
    if not m:
        raise Failed("no HEALTHCHECK ... CMD [exec form] in the Containerfile")
    hc = json.loads(m.group(1))
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    hc = [BIN if a == "/usr/local/bin/naervaer" else a.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
          for a in hc]
    procs = []
    try:
        broker = subprocess.Popen([BIN, "broker", "--partitions", "2"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        procs.append(broker)
        line = broker.stdout.readline().strip()
        if not line.startswith("bootstrap.servers="):
            raise Failed(f"the embedded broker printed {line!r}")
        log = open(os.path.join(WORK, "aggregate.log"), "w")
        agg = subprocess.Popen([BIN, "aggregate", "--brokers", line.split("=", 1)[1], "--state",
                                os.path.join(WORK, "state"), "--listen", f"0.0.0.0:{port}", "--today", "2025-06-30"],
                               stdout=log, stderr=log)
        procs.append(agg)
        deadline, ok = time.monotonic() + 30, False
        while time.monotonic() < deadline and agg.poll() is None:
            if run(hc).returncode == 0:
                ok = True
                break
            time.sleep(0.3)
        if not ok:
            raise Failed("the HEALTHCHECK command never succeeded:\n" + open(log.name).read())
        agg.send_signal(15)
        try:
            rc = agg.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise Failed("the aggregator did not exit within 60 s of SIGTERM")
        if rc != 0:
            raise Failed(f"the aggregator exited {rc} after SIGTERM:\n" + open(log.name).read())
        if run(hc).returncode == 0:
            raise Failed("the HEALTHCHECK command succeeds with no aggregator running")
    finally:
        for p_ in procs:
            if p_.poll() is None:
                p_.kill()
                p_.wait()


# ---------------------------------------------------------------------------------------
@check("deploy/README.md names every file under deploy/")
def readme_covers():
    readme = open(os.path.join(DEPLOY, "README.md"), encoding="utf-8").read()
    missing = []
    for p in sorted(glob.glob(f"{DEPLOY}/**/*", recursive=True)):
        if os.path.isfile(p) and not os.path.basename(p).startswith(".") and p != os.path.join(DEPLOY, "README.md"):
            r = os.path.relpath(p, DEPLOY)
            if r not in readme and os.path.basename(p) not in readme:
                missing.append(r)
    need([f"{m} is not mentioned" for m in missing])


print(f"deploy_test: {time.monotonic() - started:.1f} s")
print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
sys.exit(1 if results["failed"] else 0)
PY
