#!/usr/bin/env python3
"""Offline check of deploy/k8s: every manifest parses and carries what the
server and the generator fleet need, and what a cluster enforcing the Pod
Security Standards' baseline level (and most of restricted) admits: a
Localhost seccomp profile (DIR/../seccomp), non-root, no capabilities, a
read-only root, Guaranteed QoS, generators off the server's node, a
PodMonitor; the image (DIR/../Dockerfile, .dockerignore beside the build
context) runs as that non-root user. Usage: check_k8s.py DIR. Prints one
line per problem and exits 1, or prints a one-line ok and exits 0."""
import glob
import json
import os
import re
import sys

import yaml

# Kubernetes' safe sysctls: namespaced, allowed by every kubelet without
# --allowed-unsafe-sysctls (pkg/kubelet/sysctl/safe_sysctls.go), as of 1.32;
# the release that added each is beside it.
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",            # 1.18
    "net.ipv4.ip_unprivileged_port_start",  # 1.22
    "net.ipv4.ip_local_reserved_ports",     # 1.27
    "net.ipv4.tcp_keepalive_time",          # 1.29
    "net.ipv4.tcp_fin_timeout",             # 1.29
    "net.ipv4.tcp_keepalive_intvl",         # 1.29
    "net.ipv4.tcp_keepalive_probes",        # 1.29
    "net.ipv4.tcp_rmem",                    # 1.32 (what `holdconn sweep` recommends)
    "net.ipv4.tcp_wmem",                    # 1.32
}
SECCOMP_PROFILE = "profiles/holdconn.json"  # under the kubelet's seccomp root on each node
IO_URING_CALLS = {"io_uring_setup", "io_uring_enter", "io_uring_register"}
# The capabilities the baseline level lets a container add back; holdconn adds none.
BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                 "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
SIZE_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12,
              "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}

problems = []


def problem(where, what):
    problems.append(f"{where}: {what}")


def load(directory):
    docs = []
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    if not files:
        problem(directory, "no *.yaml manifests")
    for path in files:
        with open(path) as f:
            try:
                for d in yaml.safe_load_all(f):
                    if d:
                        docs.append((os.path.basename(path), d))
            except yaml.YAMLError as e:
                problem(path, f"does not parse: {e}")
    return docs


def component(doc):
    return doc.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/component")


def pod_spec(doc):
    return doc.get("spec", {}).get("template", {}).get("spec", {})


def command_line(container):
    return " ".join(str(a) for a in (container.get("command") or []) + (container.get("args") or []))


def ports_named(container):
    return {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}


def option(line, name):
    m = re.search(r"(?:^|\s)" + re.escape(name) + r"[ =]+(\S+)", line)
    return m.group(1).strip('"') if m else None


def port_of(endpoint):
    m = re.search(r":(\d+)(?:-(\d+))?\"?$", endpoint or "")
    return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else None


def size_bytes(text):
    """'8Gi', '512M', '536870912' as bytes (holdconn's and Kubernetes' suffixes); None if not a size."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmMgGtT]i?)?[bB]?", str(text or "").strip('"'))
    if not m:
        return None
    return float(m.group(1)) * SIZE_UNITS[(m.group(2) or "").lower()]


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")


def containers_of(doc):
    spec = pod_spec(doc)
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def is_holdconn(doc):
    return doc.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/name") == "holdconn"


def check_seccomp(where, doc, pod_sc):
    kinds = [((c.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
             for c in containers_of(doc)]
    pod = (pod_sc.get("seccompProfile") or {})
    if "Unconfined" in kinds or pod.get("type") == "Unconfined":
        problem(where, "seccompProfile Unconfined: the baseline Pod Security level rejects it")
    if is_holdconn(doc):
        if pod.get("type") != "Localhost" or pod.get("localhostProfile") != SECCOMP_PROFILE:
            problem(where, f"seccompProfile is not Localhost {SECCOMP_PROFILE} (RuntimeDefault plus io_uring)")
    elif pod.get("type") not in ("RuntimeDefault", "Localhost"):
        problem(where, "no seccompProfile RuntimeDefault or Localhost (restricted level)")


def check_pod_security(where, doc):
    """Baseline in full, and restricted's non-root, no capabilities, no escalation; plus a read-only root."""
    spec = pod_spec(doc)
    sc = spec.get("securityContext") or {}
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problem(where, f"{key}: not allowed at the baseline level")
    for v in spec.get("volumes") or []:
        if "hostPath" in v:
            problem(where, f"volume {v.get('name')} is a hostPath: not allowed at the baseline level")
    check_seccomp(where, doc, sc)
    for c in containers_of(doc):
        csc = c.get("securityContext") or {}
        name = f"{where} container {c.get('name')}"
        if csc.get("privileged"):
            problem(name, "privileged")
        if any(p.get("hostPort") for p in c.get("ports") or []):
            problem(name, "hostPort: not allowed at the baseline level")
        caps = csc.get("capabilities") or {}
        if [str(x).upper() for x in caps.get("drop") or []] != ["ALL"]:
            problem(name, "capabilities are not dropped (drop: [ALL])")
        for cap in caps.get("add") or []:
            problem(name, f"adds capability {cap}" + ("" if cap in BASELINE_CAPS else
                                                       ": beyond the baseline level"))
        if csc.get("allowPrivilegeEscalation") is not False:
            problem(name, "allowPrivilegeEscalation is not false")
        if csc.get("readOnlyRootFilesystem") is not True:
            problem(name, "the root filesystem is not read-only")
        non_root = csc.get("runAsNonRoot", sc.get("runAsNonRoot"))
        uid = csc.get("runAsUser", sc.get("runAsUser"))
        if non_root is not True or not isinstance(uid, int) or uid == 0:
            problem(name, "does not run as a non-root user (runAsNonRoot: true, runAsUser: UID > 0)")
        check_resources(name, c)


def check_resources(where, c):
    """Requests equal to limits for cpu and memory: Guaranteed QoS, evicted last."""
    res = c.get("resources") or {}
    req, lim = res.get("requests") or {}, res.get("limits") or {}
    for r in ("cpu", "memory"):
        if r not in lim:
            problem(where, f"no {r} limit")
        elif str(req.get(r)) != str(lim.get(r)):
            problem(where, f"{r} request {req.get(r)} differs from its limit {lim.get(r)} (not Guaranteed QoS)")


def user_of(doc):
    sc = pod_spec(doc).get("securityContext") or {}
    c = (pod_spec(doc).get("containers") or [{}])[0]
    return (c.get("securityContext") or {}).get("runAsUser", sc.get("runAsUser"))


def check_common(where, doc):
    for key in ("apiVersion", "kind"):
        if not doc.get(key):
            problem(where, f"no {key}")
    if not doc.get("metadata", {}).get("name"):
        problem(where, "no metadata.name")
    if doc.get("kind") != "Namespace" and doc.get("metadata", {}).get("namespace") != "holdconn":
        problem(where, "not in namespace holdconn")
    spec = pod_spec(doc)
    for s in (spec.get("securityContext") or {}).get("sysctls") or []:
        if s.get("name") not in SAFE_SYSCTLS:
            problem(where, f"sysctl {s.get('name')} is not a safe sysctl: set it on the node instead")
        if not isinstance(s.get("value"), str):
            problem(where, f"sysctl {s.get('name')}: value must be a string")


def the_container(where, doc):
    containers = pod_spec(doc).get("containers") or []
    if len(containers) != 1:
        problem(where, f"{len(containers)} containers, want 1")
        return {}
    c = containers[0]
    if not c.get("image"):
        problem(where, "container has no image")
    return c


def check_metrics_port(where, c, line):
    metrics = option(line, "--metrics")
    if not metrics:
        problem(where, "no --metrics ADDR:PORT")
        return
    p = port_of(metrics)
    if not p or ports_named(c).get("metrics") != p[0]:
        problem(where, f"--metrics {metrics} does not match the containerPort named metrics")


def check_server(where, doc, services):
    c = the_container(where, doc)
    line = command_line(c)
    if not re.search(r"(^|\s)serve(\s|$)", line):
        problem(where, "server does not run serve")
    listen = port_of(option(line, "--listen"))
    if not listen:
        problem(where, "server has no --listen ADDR:PORT[-PORT]")
    elif not listen[0] <= (ports_named(c).get("hold") or 0) <= listen[1]:
        problem(where, "the containerPort named hold is not a listening port")
    check_metrics_port(where, c, line)
    reserve, limit = option(line, "--reserve"), ((c.get("resources") or {}).get("limits") or {}).get("memory")
    if not reserve:
        problem(where, "server has no --reserve set against its memory limit")
    elif not size_bytes(reserve) or not size_bytes(limit) or not 0 < size_bytes(reserve) < size_bytes(limit) / 4:
        problem(where, f"--reserve {reserve} is not a small share of the memory limit {limit}")
    labels = doc["spec"]["template"]["metadata"].get("labels", {})
    svc = [s for s in services if s["spec"].get("selector") and
           all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    if not svc:
        problem(where, "no Service selects the server's pods")
    for s in svc:
        for p in s["spec"].get("ports") or []:
            if p.get("targetPort") not in ports_named(c):
                problem(where, f"Service port {p.get('name')} targets no named container port")
    if doc.get("kind") == "StatefulSet" and svc and doc["spec"].get("serviceName") not in \
            [s["metadata"]["name"] for s in svc]:
        problem(where, "StatefulSet serviceName is not the server's Service")
    return listen


def anti_affinity_to(doc, labels):
    """A required podAntiAffinity term, per node, that selects pods with these labels."""
    terms = (((pod_spec(doc).get("affinity") or {}).get("podAntiAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    for t in terms:
        sel = (t.get("labelSelector") or {}).get("matchLabels") or {}
        if t.get("topologyKey") == "kubernetes.io/hostname" and sel and \
                all(labels.get(k) == v for k, v in sel.items()):
            return True
    return False


def check_generators(where, doc, listen, server=None):
    spec = doc.get("spec", {})
    if spec.get("completionMode") != "Indexed":
        problem(where, "completionMode is not Indexed")
    n = spec.get("completions")
    if not isinstance(n, int) or n < 1 or spec.get("parallelism") != n:
        problem(where, "completions and parallelism must be the same count")
    c = the_container(where, doc)
    line = command_line(c)
    if not re.search(r"(^|\s)connect(\s|$)", line):
        problem(where, "generator does not run connect")
    shard = option(line, "--shard")
    if shard != f"$(JOB_COMPLETION_INDEX)/{n}":
        problem(where, f"--shard is {shard}, want $(JOB_COMPLETION_INDEX)/{n}")
    if not option(line, "--conns"):
        problem(where, "no --conns (per shard)")
    # The address may be a shell substitution with spaces: take the ports after it.
    m = re.search(r"--target\s.*?:(\d+)(?:-(\d+))?(?:\s|$)", line)
    target = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else None
    if listen and target != listen:
        problem(where, f"--target ports {target} are not the server's {listen}")
    check_metrics_port(where, c, line)
    if re.search(r"(^|/)(ba|da)?sh$", str((c.get("command") or [""])[0])) or "getent" in line:
        problem(where, "runs through a shell: pass --target the server's name, holdconn resolves it")
    host = re.search(r"--target\s+\"?([^\s:\"]+):", line)
    if server and (not host or not host.group(1).startswith(
            f"{server['metadata']['name']}-0.{server['spec'].get('serviceName')}")):
        problem(where, f"--target is not the server's stable name "
                       f"{server['metadata']['name']}-0.{server['spec'].get('serviceName')}")
    if not option(line, "--duration"):
        problem(where, "no --duration: connect would hold forever and the Job never complete")
    if server and not anti_affinity_to(doc, server["spec"]["template"]["metadata"].get("labels", {})):
        problem(where, "no required podAntiAffinity (kubernetes.io/hostname) keeping generators "
                       "off the server's node")
    if pod_spec(doc).get("restartPolicy") not in ("Never", "OnFailure"):
        problem(where, "a Job's restartPolicy must be Never or OnFailure")


def check_prometheus(where, doc):
    text = (doc.get("data") or {}).get("prometheus.yml")
    if not text:
        return False
    cfg = yaml.safe_load(text)
    jobs = [j for j in cfg.get("scrape_configs") or [] if j.get("kubernetes_sd_configs")]
    if not jobs:
        problem(where, "prometheus.yml has no kubernetes_sd_configs scrape job")
    for j in jobs:
        keeps = [r.get("regex") for r in j.get("relabel_configs") or [] if r.get("action") == "keep"]
        if "holdconn" not in keeps or "metrics" not in keeps:
            problem(where, f"job {j.get('job_name')} does not keep holdconn pods' metrics ports")
    check_rules(where, doc, cfg)
    return True


def check_rules(where, doc, cfg):
    """The recording rules ride in the same ConfigMap, loaded, and equal to
    docs/prometheus-rules.yml (which promtool checks and unit-tests)."""
    files = [os.path.basename(f) for f in cfg.get("rule_files") or []]
    if not files:
        problem(where, "prometheus.yml loads no rule_files: the ratio rules of docs/prometheus-rules.yml are missing")
    docs_rules = os.path.join(sys.argv[1], "..", "..", "docs", "prometheus-rules.yml")
    for name in files:
        text = (doc.get("data") or {}).get(name)
        if text is None:
            problem(where, f"rule file {name} is not a key of this ConfigMap")
        elif os.path.exists(docs_rules):
            with open(docs_rules) as f:
                if yaml.safe_load(text) != yaml.safe_load(f):
                    problem(where, f"{name} differs from docs/prometheus-rules.yml: copy it again")


def check_podmonitor(docs, pod_labels):
    monitors = [(w, d) for w, d in docs if d.get("kind") == "PodMonitor"]
    if not monitors:
        problem("PodMonitor", "none: the Prometheus Operator would not scrape the pods")
    for w, d in monitors:
        where = f"{w} PodMonitor/{d.get('metadata', {}).get('name')}"
        if not str(d.get("apiVersion", "")).startswith("monitoring.coreos.com/"):
            problem(where, "apiVersion is not monitoring.coreos.com/v1")
        sel = (d.get("spec", {}).get("selector") or {}).get("matchLabels") or {}
        for labels in pod_labels:
            if not sel or not all(labels.get(k) == v for k, v in sel.items()):
                problem(where, f"its selector {sel} misses pods labelled {labels}")
        ports = [e.get("port") for e in d.get("spec", {}).get("podMetricsEndpoints") or []]
        if "metrics" not in ports:
            problem(where, "no podMetricsEndpoints port: metrics")


def check_seccomp_profile(path):
    try:
        with open(path) as f:
            prof = json.load(f)
    except (OSError, ValueError) as e:
        problem(path, f"the seccomp profile does not load: {e}")
        return
    if prof.get("defaultAction") not in ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS"):
        problem(path, "defaultAction does not deny what is not listed")
    allowed = set()
    for rule in prof.get("syscalls") or []:
        if rule.get("action") == "SCMP_ACT_ALLOW" and not rule.get("args"):
            allowed |= set(rule.get("names") or [])
    if not IO_URING_CALLS <= allowed:
        problem(path, f"does not allow {sorted(IO_URING_CALLS - allowed)}")
    for call in ("mount", "unshare", "setns", "ptrace", "bpf", "kexec_load", "init_module"):
        if call in allowed:
            problem(path, f"allows {call}, which the runtimes' default profile denies")


def check_image(directory, users):
    dockerfile = os.path.join(directory, "..", "Dockerfile")
    ignore = os.path.join(directory, "..", "..", ".dockerignore")
    try:
        with open(dockerfile) as f:
            text = f.read()
    except OSError as e:
        problem(dockerfile, f"unreadable: {e}")
        return
    final = text[text.rfind("FROM "):]
    m = re.search(r"^USER\s+(\d+)", final, re.M)
    if not m or int(m.group(1)) == 0:
        problem(dockerfile, "the image's last stage has no numeric non-root USER")
    elif any(u != int(m.group(1)) for u in users if isinstance(u, int)):
        problem(dockerfile, f"USER {m.group(1)} is not the manifests' runAsUser {sorted(set(users))}")
    if not os.path.exists(ignore):
        problem(ignore, "missing: the build context would ship build/, .git and bench results")


def main():
    if len(sys.argv) != 2:
        print("usage: check_k8s.py DIR", file=sys.stderr)
        return 2
    docs = load(sys.argv[1])
    for where, d in docs:
        check_common(f"{where} {d.get('kind')}/{d.get('metadata', {}).get('name')}", d)
    services = [d for _, d in docs if d.get("kind") == "Service"]
    servers = [(w, d) for w, d in docs if d.get("kind") in ("StatefulSet", "Deployment") and component(d) == "server"]
    jobs = [(w, d) for w, d in docs if d.get("kind") == "Job" and component(d) == "generator"]
    if len(servers) != 1:
        problem(sys.argv[1], f"{len(servers)} servers (StatefulSet or Deployment, component server), want 1")
    if len(jobs) != 1:
        problem(sys.argv[1], f"{len(jobs)} generator Jobs, want 1")
    listen = check_server(servers[0][0], servers[0][1], services) if servers else None
    if jobs:
        check_generators(jobs[0][0], jobs[0][1], listen, servers[0][1] if servers else None)
    for w, d in docs:
        if d.get("kind") in WORKLOADS:
            check_pod_security(f"{w} {d.get('kind')}/{d.get('metadata', {}).get('name')}", d)
    ours = [d for _, d in docs if d.get("kind") in WORKLOADS and is_holdconn(d)]
    check_podmonitor(docs, [d["spec"]["template"]["metadata"].get("labels", {}) for d in ours])
    check_seccomp_profile(os.path.join(sys.argv[1], "..", "seccomp", "holdconn.json"))
    check_image(sys.argv[1], [user_of(d) for d in ours])
    if not any(check_prometheus(w, d) for w, d in docs if d.get("kind") == "ConfigMap"):
        problem(sys.argv[1], "no ConfigMap with a prometheus.yml scrape configuration")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"k8s manifests: {len(docs)} documents ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
