#!/usr/bin/env python3
"""Check pgboot's deployment examples: docker-compose.yml, deploy/kubernetes/*.yaml,
deploy/render/render.yaml.

    tests/deploy/check_deploy.py [PGBOOT_BINARY]

Every YAML file must parse; every pgboot command line in them must use a real
command and real options (asked of the binary's --help when one is given as
argv[1] or PGBOOT_BIN, else DESIGN.md's tables), every PGBOOT_* variable must be
one pgboot reads; and each target must show what docs/deploy.md promises
(compose: health check, depends_on, secrets through PGBOOT_DATABASE_URL_FILE;
Kubernetes: initContainer `migrate`, app `run --skip-migrate`, termination log,
Secret; Render: preDeployCommand `pgboot migrate`). Needs python3-yaml. Prints one
"ok"/"not ok" line per check and "N passed, N failed"; exits 1 on any failure.
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgboot_cli  # noqa: E402

try:
    import yaml
except ImportError:
    print("not ok - python3-yaml is installed (scripts/install-deps.sh test)")
    print("0 passed, 1 failed")
    sys.exit(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rel(path):
    return os.path.relpath(path, ROOT)


def load_all(r, path):
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        r.check(False, "%s parses as YAML" % rel(path), str(e).replace("\n", " "))
        return []
    r.check(bool(docs), "%s parses as YAML (%d document%s)"
            % (rel(path), len(docs), "" if len(docs) == 1 else "s"))
    return docs


def check_cmd(r, where, argv, help_):
    problems = pgboot_cli.check_argv(argv, help_)
    r.check(not problems, "%s: `%s` is a valid pgboot command line" % (where, " ".join(argv)),
            "; ".join(problems))


def check_env(r, where, env, help_):
    for name, value in env.items():
        if name.startswith("PGBOOT_") or name in pgboot_cli.ENV_VALUE:
            problems = pgboot_cli.check_env(name, value, help_)
            r.check(not problems, "%s: variable %s is one pgboot reads" % (where, name),
                    "; ".join(problems))


def sweep(node, found):
    """Every string or list anywhere that starts with pgboot, as argv (catches
    commands in fields the specific checks below do not know)."""
    if isinstance(node, dict):
        for v in node.values():
            sweep(v, found)
    elif isinstance(node, list):
        if node and isinstance(node[0], str) and pgboot_cli.is_pgboot(node[0]):
            found.append([str(x) for x in node])
        else:
            for v in node:
                sweep(v, found)
    elif isinstance(node, str):
        words = node.split()
        if words and pgboot_cli.is_pgboot(words[0]) and len(words) > 1:
            found.append(pgboot_cli.split_command(node))


def compose_env(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env


def dockerfile_targets():
    targets = set()
    try:
        for line in open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8"):
            words = line.split()
            if len(words) >= 4 and words[0].upper() == "FROM" and words[2].upper() == "AS":
                targets.add(words[3])
    except OSError:
        pass
    return targets


def check_compose(r, path, help_):
    docs = load_all(r, path)
    if not docs:
        return []
    doc = docs[0]
    services = doc.get("services") or {}
    top_secrets = doc.get("secrets") or {}
    lines = []
    db_names = [n for n, s in services.items() if "postgres" in str(s.get("image", ""))]
    r.check(bool(db_names), "compose: a postgres service exists")
    for n in db_names:
        hc = (services[n].get("healthcheck") or {}).get("test")
        r.check(hc is not None and "pg_isready" in " ".join(pgboot_cli.split_command(hc)),
                "compose: service %s has a pg_isready health check" % n)
    boot = []
    for name, svc in services.items():
        argv = pgboot_cli.split_command(svc.get("entrypoint")) + \
            pgboot_cli.split_command(svc.get("command"))
        where = "compose service %s" % name
        env = compose_env(svc)
        check_env(r, where, env, help_)
        if not argv or not pgboot_cli.is_pgboot(argv[0]):
            continue
        if "--skip-migrate" not in argv:
            boot.append(name)
            check_cmd(r, where + " entrypoint+command", argv, help_)
            lines.append(argv)
        deps = svc.get("depends_on") or {}
        svc_secrets = [s if isinstance(s, str) else s.get("source")
                       for s in (svc.get("secrets") or [])]
        if "--skip-migrate" in argv:
            # The app (issue 11): started once the migrating service has exited 0,
            # with its own credential only; the owner's secret is not even mounted.
            migrators = [d for d, c in (deps.items() if isinstance(deps, dict) else [])
                         if (c or {}).get("condition") == "service_completed_successfully"]
            r.check(bool(migrators), "%s: depends_on the migrating service with condition: "
                    "service_completed_successfully" % where)
            owner = {s for m in migrators for s in (services.get(m) or {}).get("secrets") or []
                     if isinstance(s, str)}
            r.check("DATABASE_URL" in env and not any(k.startswith("PGBOOT_DATABASE_URL")
                                                      for k in env)
                    and not owner & set(svc_secrets),
                    "%s: the app gets DATABASE_URL only, not the owner's URL or secret" % where,
                    ", ".join(sorted(owner & set(svc_secrets))))
            boot.append(name)
            check_cmd(r, where + " entrypoint+command", argv, help_)
            lines.append(argv)
            continue
        r.check(isinstance(deps, dict) and any(
            (d or {}).get("condition") == "service_healthy" for d in deps.values()),
            "%s: depends_on a service with condition: service_healthy" % where)
        r.check(any(k in env for k in ("PGBOOT_DATABASE_URL_FILE", "DATABASE_URL_FILE")),
                "%s: the owner's URL comes from a file (PGBOOT_DATABASE_URL_FILE)" % where)
        r.check("PGBOOT_DATABASE_URL" not in env,
                "%s: no owner's URL in plain environment" % where)
        for var in ("PGBOOT_DATABASE_URL_FILE", "DATABASE_URL_FILE"):
            if var in env:
                target = str(env[var])
                r.check(any(target == "/run/secrets/" + s for s in svc_secrets),
                        "%s: %s=%s is one of the service's secrets" % (where, var, target))
        build = svc.get("build") or {}
        if isinstance(build, dict) and build.get("target"):
            r.check(build["target"] in dockerfile_targets(),
                    "%s: build target %s is a Dockerfile stage" % (where, build["target"]))
    r.check(bool(boot), "compose: a service uses pgboot as its entrypoint")
    # Issue 11: the owner's secret was mounted into the app's own container.
    owner_secrets = {str(compose_env(s).get(v, "")).replace("/run/secrets/", "")
                     for s in services.values()
                     for v in ("PGBOOT_DATABASE_URL_FILE", "DATABASE_URL_FILE")} - {""}
    for name, svc in services.items():
        argv = pgboot_cli.split_command(svc.get("entrypoint")) + \
            pgboot_cli.split_command(svc.get("command"))
        if argv and pgboot_cli.is_pgboot(argv[0]) and "run" in argv[1:2]:
            mounted = {s if isinstance(s, str) else s.get("source")
                       for s in svc.get("secrets") or []} & owner_secrets
            r.check(not mounted, "compose service %s execs the app and mounts no owner's "
                    "secret" % name, ", ".join(sorted(mounted)))
    for name, svc in services.items():
        for s in svc.get("secrets") or []:
            s = s if isinstance(s, str) else s.get("source")
            spec = top_secrets.get(s) or {}
            ok = bool(spec.get("file")) and os.path.isfile(
                os.path.join(os.path.dirname(path), spec["file"]))
            r.check(ok, "compose: secret %s of service %s is a file that exists" % (s, name))
    for name, svc in services.items():
        for v in svc.get("volumes") or []:
            src = v.split(":")[0] if isinstance(v, str) else (v.get("source") or "")
            if src.startswith("."):
                r.check(os.path.exists(os.path.join(os.path.dirname(path), src)),
                        "compose: service %s mounts %s, which exists" % (name, src))
    return lines


def containers_of(doc):
    spec = doc.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or spec.get("jobTemplate", {}).get(
        "spec", {}).get("template", {}).get("spec") or (spec if doc.get("kind") == "Pod" else {})
    return pod, pod.get("initContainers") or [], pod.get("containers") or []


def check_kubernetes(r, paths, help_):
    docs = []
    for p in paths:
        docs += [(p, d) for d in load_all(r, p)]
    secrets = {}
    for p, d in docs:
        r.check(isinstance(d, dict) and d.get("apiVersion") and d.get("kind")
                and (d.get("metadata") or {}).get("name"),
                "%s: %s has apiVersion, kind and metadata.name" % (rel(p), d.get("kind")))
        if d.get("kind") == "Secret":
            secrets[d["metadata"]["name"]] = set((d.get("stringData") or {}).keys()) | set(
                (d.get("data") or {}).keys())
    lines = []
    saw_init = saw_app = False
    for p, d in docs:
        if d.get("kind") not in ("Deployment", "StatefulSet", "Job", "Pod", "DaemonSet"):
            continue
        pod, inits, apps = containers_of(d)
        for role, cs in (("initContainer", inits), ("container", apps)):
            for c in cs:
                where = "%s: %s %s" % (rel(p), role, c.get("name"))
                argv = pgboot_cli.split_command(c.get("command")) + \
                    pgboot_cli.split_command(c.get("args"))
                env = {e["name"]: e.get("value") for e in c.get("env") or []}
                check_env(r, where, env, help_)
                for e in c.get("env") or []:
                    ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                    if ref:
                        r.check(ref.get("key") in secrets.get(ref.get("name"), ()),
                                "%s: %s comes from key %s of Secret %s, which exists"
                                % (where, e["name"], ref.get("key"), ref.get("name")))
                if not argv or not pgboot_cli.is_pgboot(argv[0]):
                    continue
                check_cmd(r, where, argv, help_)
                lines.append(argv)
                r.check(c.get("terminationMessagePath", "/dev/termination-log")
                        == "/dev/termination-log"
                        and c.get("terminationMessagePolicy") == "FallbackToLogsOnError",
                        "%s: termination log at /dev/termination-log, FallbackToLogsOnError"
                        % where)
                if role == "initContainer" and argv[1:2] == ["migrate"]:
                    saw_init = True
                    r.check("PGBOOT_DATABASE_URL" in env,
                            "%s: migrates with the owner's PGBOOT_DATABASE_URL" % where)
                if role == "container" and argv[1:2] == ["run"]:
                    saw_app = True
                    r.check("--skip-migrate" in argv,
                            "%s: the app container runs with --skip-migrate" % where)
                    r.check("PGBOOT_DATABASE_URL" not in env and "DATABASE_URL" in env,
                            "%s: the app container gets DATABASE_URL only, not the owner's URL"
                            % where)
        mounts = {v.get("name") for c in inits + apps for v in c.get("volumeMounts") or []}
        vols = {v.get("name") for v in pod.get("volumes") or []}
        r.check(mounts <= vols, "%s: every volumeMount names a volume" % rel(p),
                ", ".join(sorted(mounts - vols)))
    r.check(saw_init, "kubernetes: an initContainer runs `pgboot migrate`")
    r.check(saw_app, "kubernetes: the app container runs `pgboot run --skip-migrate -- ...`")
    r.check(bool(secrets), "kubernetes: a Secret holds the database URLs")
    for name, keys in secrets.items():
        r.check({"PGBOOT_DATABASE_URL", "DATABASE_URL"} <= keys,
                "kubernetes: Secret %s has PGBOOT_DATABASE_URL and DATABASE_URL" % name)
    return lines


def check_render(r, path, help_):
    docs = load_all(r, path)
    if not docs:
        return []
    lines = []
    saw_pre = False
    dbs = {d.get("name") for d in docs[0].get("databases") or []}
    for svc in docs[0].get("services") or []:
        where = "render service %s" % svc.get("name")
        for key in ("preDeployCommand", "dockerCommand", "startCommand"):
            if key in svc:
                argv = pgboot_cli.split_command(svc[key])
                if argv and pgboot_cli.is_pgboot(argv[0]):
                    check_cmd(r, "%s %s" % (where, key), argv, help_)
                    lines.append(argv)
        pre = pgboot_cli.split_command(svc.get("preDeployCommand"))
        if pre:
            saw_pre = True
            r.check(pgboot_cli.is_pgboot(pre[0]) and pre[1:2] == ["migrate"],
                    "%s: preDeployCommand is pgboot migrate" % where, " ".join(pre))
        run = pgboot_cli.split_command(svc.get("dockerCommand") or svc.get("startCommand"))
        if run and pgboot_cli.is_pgboot(run[0]):
            r.check("--skip-migrate" in run,
                    "%s: instances start with --skip-migrate (the pre-deploy step migrated)"
                    % where)
        env = {e.get("key"): e.get("value") for e in svc.get("envVars") or []}
        check_env(r, where, env, help_)
        for e in svc.get("envVars") or []:
            ref = e.get("fromDatabase")
            if ref:
                r.check(ref.get("name") in dbs,
                        "%s: %s comes from database %s, which is declared"
                        % (where, e.get("key"), ref.get("name")))
    r.check(saw_pre, "render: a service has a preDeployCommand")
    return lines


def main(argv):
    binary = pgboot_cli.binary_from(argv)
    help_ = pgboot_cli.Help(binary) if binary else None
    r = pgboot_cli.Report()
    if binary:
        r.check("migrate" in help_.text(), "%s --help lists the commands" % binary)
    compose = os.path.join(ROOT, "docker-compose.yml")
    k8s = sorted(glob.glob(os.path.join(ROOT, "deploy/kubernetes/*.y*ml")))
    render = os.path.join(ROOT, "deploy/render/render.yaml")
    checked = []
    if r.check(os.path.exists(compose), "docker-compose.yml exists"):
        checked += check_compose(r, compose, help_)
    if r.check(bool(k8s), "deploy/kubernetes/ holds YAML files"):
        checked += check_kubernetes(r, k8s, help_)
    if r.check(os.path.exists(render), "deploy/render/render.yaml exists"):
        checked += check_render(r, render, help_)
    # Any other YAML file, and pgboot commands in fields the checks above skip.
    known = {compose, render, *k8s}
    others = sorted(set(glob.glob(os.path.join(ROOT, "deploy/**/*.y*ml"), recursive=True))
                    - known)
    for p in [compose, render, *k8s, *others]:
        if not os.path.exists(p):
            continue
        docs = load_all(r, p) if p in others else yaml.safe_load_all(open(p, encoding="utf-8"))
        found = []
        for d in docs:
            sweep(d, found)
        for argv in found:
            if argv not in checked and argv[1:2] != []:
                # A fragment of a longer command (an entrypoint completed by a
                # command elsewhere) is checked above as a whole.
                if any(c[:len(argv)] == argv for c in checked):
                    continue
                check_cmd(r, rel(p), argv, help_)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
