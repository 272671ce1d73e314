#!/usr/bin/env python3
"""Offline check of deploy/k8s: every manifest parses and carries what the
holder and the generator fleet need. Usage: check_k8s.py DIR. Prints one
line per problem and exits 1, or prints a one-line ok and exits 0."""
import glob
import os
import re
import sys

import yaml

# Kubernetes' safe sysctls: namespaced, allowed by every kubelet without
# --allowed-unsafe-sysctls (pkg/kubelet/sysctl/safe_sysctls.go).
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
}

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


def check_holder(where, doc, services):
    c = the_container(where, doc)
    line = command_line(c)
    if not re.search(r"(^|\s)serve(\s|$)", line):
        problem(where, "holder does not run serve")
    listen = port_of(option(line, "--listen"))
    if not listen:
        problem(where, "holder has no --listen ADDR:PORT[-PORT]")
    elif not listen[0] <= (ports_named(c).get("hold") or 0) <= listen[1]:
        problem(where, "the containerPort named hold is not a listening port")
    check_metrics_port(where, c, line)
    labels = doc["spec"]["template"]["metadata"].get("labels", {})
    svc = [s for s in services if s["spec"].get("selector") and
           all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    if not svc:
        problem(where, "no Service selects the holder's pods")
    for s in svc:
        for p in s["spec"].get("ports") or []:
            if p.get("targetPort") not in ports_named(c):
                problem(where, f"Service port {p.get('name')} targets no named container port")
    if doc.get("kind") == "StatefulSet" and svc and doc["spec"].get("serviceName") not in \
            [s["metadata"]["name"] for s in svc]:
        problem(where, "StatefulSet serviceName is not the holder's Service")
    return listen


def check_generators(where, doc, listen):
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
        problem(where, f"--target ports {target} are not the holder's {listen}")
    check_metrics_port(where, c, line)
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
    return True


def main():
    if len(sys.argv) != 2:
        print("usage: check_k8s.py DIR", file=sys.stderr)
        return 2
    docs = load(sys.argv[1])
    for where, d in docs:
        check_common(f"{where} {d.get('kind')}/{d.get('metadata', {}).get('name')}", d)
    services = [d for _, d in docs if d.get("kind") == "Service"]
    holders = [(w, d) for w, d in docs if d.get("kind") in ("StatefulSet", "Deployment") and component(d) == "holder"]
    jobs = [(w, d) for w, d in docs if d.get("kind") == "Job" and component(d) == "generator"]
    if len(holders) != 1:
        problem(sys.argv[1], f"{len(holders)} holders (StatefulSet or Deployment, component holder), want 1")
    if len(jobs) != 1:
        problem(sys.argv[1], f"{len(jobs)} generator Jobs, want 1")
    listen = check_holder(holders[0][0], holders[0][1], services) if holders else None
    if jobs:
        check_generators(jobs[0][0], jobs[0][1], listen)
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
