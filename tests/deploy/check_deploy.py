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

import copy
import glob
import json
import re
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


# The Pod Security Standards' restricted level (Kubernetes 1.30), as the
# PodSecurity admission controller checks a pod template.
PSS_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
               "projected", "secret"}
PSS_SECCOMP = {"RuntimeDefault", "Localhost"}


def restricted_problems(pod):
    """What keeps a pod spec from the restricted Pod Security level ([] when it passes)."""
    out = []
    psc = pod.get("securityContext") or {}
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(k):
            out.append("%s is set" % k)
    for v in pod.get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= PSS_VOLUMES:
            out.append("volume %s is of type %s" % (v.get("name"), ", ".join(sorted(kinds - PSS_VOLUMES))))
    if psc.get("runAsUser") == 0:
        out.append("the pod runs as uid 0")
    if psc.get("sysctls"):
        out.append("the pod sets sysctls")
    containers = [(c, "container " + str(c.get("name"))) for c in pod.get("containers") or []] + \
        [(c, "initContainer " + str(c.get("name"))) for c in pod.get("initContainers") or []] + \
        [(c, "ephemeralContainer " + str(c.get("name"))) for c in pod.get("ephemeralContainers") or []]
    for c, where in containers:
        sc = c.get("securityContext") or {}
        if sc.get("privileged"):
            out.append("%s is privileged" % where)
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append("%s does not set allowPrivilegeEscalation: false" % where)
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append("%s does not drop ALL capabilities" % where)
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            out.append("%s adds capabilities %s" % (where, ", ".join(caps["add"])))
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            out.append("%s: runAsNonRoot is not true (pod or container)" % where)
        if sc.get("runAsUser") == 0:
            out.append("%s runs as uid 0" % where)
        seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
        if seccomp not in PSS_SECCOMP:
            out.append("%s: seccompProfile is %s, not RuntimeDefault or Localhost (pod or container)"
                       % (where, seccomp or "unset"))
        if sc.get("procMount") not in (None, "Default"):
            out.append("%s sets procMount" % where)
        if any(p.get("hostPort") for p in c.get("ports") or []):
            out.append("%s uses a hostPort" % where)
    return out


def duration_seconds(text):
    """pgboot's duration ("120s", "2m", "500ms", "1h", plain seconds) in seconds, or None."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*", str(text))
    if not m:
        return None
    return float(m.group(1)) * {"ms": 0.001, None: 1, "s": 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]


def check_restricted(r, where, pod):
    problems = restricted_problems(pod)
    r.check(not problems, "%s: the pod passes the restricted Pod Security level" % where,
            "; ".join(problems))


def prove_restricted_check(r, pod):
    """The restricted check must fail on a pod that lacks each requirement."""
    cases = [("no seccompProfile", lambda p: [p.get("securityContext", {}).pop("seccompProfile", None)] +
              [c.get("securityContext", {}).pop("seccompProfile", None) for c in p["containers"]]),
             ("an initContainer allowing privilege escalation", lambda p: (p.get("initContainers") or
              p["containers"])[0]["securityContext"].pop("allowPrivilegeEscalation")),
             ("a container keeping its capabilities", lambda p: p["containers"][0]["securityContext"].pop(
                 "capabilities")),
             ("runAsNonRoot unset", lambda p: [p.get("securityContext", {}).pop("runAsNonRoot", None)] +
              [c.get("securityContext", {}).pop("runAsNonRoot", None) for c in p["containers"]]),
             ("a hostPath volume", lambda p: p.setdefault("volumes", []).append(
                 {"name": "h", "hostPath": {"path": "/"}}))]
    for what, breaks in cases:
        bad = copy.deepcopy(pod)
        breaks(bad)
        r.check(bool(restricted_problems(bad)), "the restricted check rejects a pod with %s" % what)


def check_probes(r, where, c, env):
    """The app container's probes: startup allows pgboot's wait, then liveness and readiness."""
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        r.check(bool(c.get(probe)), "%s has a %s" % (where, probe))
    sp = c.get("startupProbe") or {}
    budget = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3) + sp.get("initialDelaySeconds", 0)
    wait = duration_seconds(env.get("PGBOOT_WAIT_TIMEOUT") or "60s")
    r.check(wait is not None and budget >= wait,
            "%s: the startupProbe allows %ds, at least pgboot's wait timeout (%s)"
            % (where, budget, env.get("PGBOOT_WAIT_TIMEOUT") or "60s default"))


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
    config_maps = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "ConfigMap"}
    comments = "".join(open(p, encoding="utf-8").read() for p in paths)
    config_maps |= set(re.findall(r"kubectl create configmap ([a-z0-9.-]+)", comments))
    proved = False
    for p, d in docs:
        if d.get("kind") not in ("Deployment", "StatefulSet", "Job", "Pod", "DaemonSet"):
            continue
        pod, inits, apps = containers_of(d)
        check_restricted(r, "%s: %s %s" % (rel(p), d.get("kind"), d["metadata"].get("name")), pod)
        if not proved:
            prove_restricted_check(r, pod)
            proved = True
        for v in pod.get("volumes") or []:
            if "configMap" in v:
                name = v["configMap"].get("name")
                r.check(name in config_maps, "%s: ConfigMap %s of volume %s is shipped, or made by a "
                        "`kubectl create configmap` the files show" % (rel(p), name, v.get("name")))
        history = {}
        for role, cs in (("initContainer", inits), ("container", apps)):
            for c in cs:
                where = "%s: %s %s" % (rel(p), role, c.get("name"))
                argv = pgboot_cli.split_command(c.get("command")) + \
                    pgboot_cli.split_command(c.get("args"))
                env = {e["name"]: e.get("value") for e in c.get("env") or []}
                check_env(r, where, env, help_)
                for e in c.get("envFrom") or []:
                    ref = e.get("secretRef")
                    if ref:
                        r.check(ref.get("name") in secrets,
                                "%s: envFrom Secret %s exists" % (where, ref.get("name")))
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
                history[c.get("name")] = env.get("PGBOOT_HISTORY_TABLE", "pgboot_migrations")
                if role == "container" and argv[1:2] == ["run"]:
                    saw_app = True
                    check_probes(r, where, c, env)
                    r.check("--skip-migrate" in argv,
                            "%s: the app container runs with --skip-migrate" % where)
                    r.check("PGBOOT_DATABASE_URL" not in env and "DATABASE_URL" in env,
                            "%s: the app container gets DATABASE_URL only, not the owner's URL"
                            % where)
        if len(history) > 1:
            r.check(len(set(history.values())) == 1,
                    "%s: every pgboot container names the same history table (%s)"
                    % (rel(p), ", ".join("%s: %s" % kv for kv in sorted(history.items()))))
        mounts = {v.get("name") for c in inits + apps for v in c.get("volumeMounts") or []}
        vols = {v.get("name") for v in pod.get("volumes") or []}
        r.check(mounts <= vols, "%s: every volumeMount names a volume" % rel(p),
                ", ".join(sorted(mounts - vols)))
    r.check(saw_init, "kubernetes: an initContainer runs `pgboot migrate`")
    r.check(saw_app, "kubernetes: the app container runs `pgboot run --skip-migrate -- ...`")
    r.check(bool(secrets), "kubernetes: a Secret holds the database URLs")
    for name, keys in secrets.items():
        if not keys & {"PGBOOT_DATABASE_URL", "DATABASE_URL"}:
            continue  # another Secret (the role setup's)
        r.check({"PGBOOT_DATABASE_URL", "DATABASE_URL"} <= keys,
                "kubernetes: Secret %s has PGBOOT_DATABASE_URL and DATABASE_URL" % name)
    return lines


def dockerfile_stages(path):
    """[{name, base, entrypoint, cmd, workdir, copies}] of a Dockerfile, in order. ENTRYPOINT and
    CMD as argv (None when the stage does not set them); copies: [(sources, dest)] of its COPYs
    from the context, dest absolute."""
    stages = []
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        op = words[0].upper()
        if op == "FROM":
            prev = {st["name"]: st for st in stages if st["name"]}
            base = prev.get(words[1])
            st = {"name": words[3] if len(words) >= 4 and words[2].upper() == "AS" else None,
                  "base": words[1], "entrypoint": base["entrypoint"] if base else None,
                  "cmd": base["cmd"] if base else None, "workdir": base["workdir"] if base else "/",
                  "copies": list(base["copies"]) if base else []}
            stages.append(st)
        elif not stages:
            continue
        elif op in ("ENTRYPOINT", "CMD"):
            rest = line.split(None, 1)[1].strip()
            try:
                argv = json.loads(rest)
            except ValueError:
                argv = ["/bin/sh", "-c", rest]
            stages[-1]["entrypoint" if op == "ENTRYPOINT" else "cmd"] = argv or None
            if op == "ENTRYPOINT":
                stages[-1]["cmd"] = None  # a new ENTRYPOINT resets an inherited CMD
        elif op == "WORKDIR":
            stages[-1]["workdir"] = os.path.join(stages[-1]["workdir"], words[1])
        elif op == "COPY" and not any(w.startswith("--from") for w in words[1:]):
            args = [w for w in words[1:] if not w.startswith("--")]
            dest = os.path.join(stages[-1]["workdir"], args[-1])
            if args[-1].endswith("/") and not dest.endswith("/"):
                dest += "/"
            stages[-1]["copies"].append((args[:-1], dest))
    return stages


def render_effective(entrypoint, command):
    """The argv Render starts: the image's ENTRYPOINT, then the command in place of its CMD."""
    return list(entrypoint or []) + list(command or [])


def start_problems(argv):
    """What is wrong with a service's effective start command ([] for one `pgboot run
    --skip-migrate -- APP`)."""
    n = sum(1 for w in argv if pgboot_cli.is_pgboot(w))
    if n != 1:
        return ["it starts pgboot %d times: %s" % (n, " ".join(argv))]
    if not (pgboot_cli.is_pgboot(argv[0]) and argv[1:2] == ["run"] and "--skip-migrate" in argv
            and "--" in argv and argv.index("--") + 1 < len(argv)):
        return ["it is not `pgboot run --skip-migrate -- APP`: %s" % " ".join(argv)]
    return []


BLUEPRINT_SERVICE_FIELDS = {
    "type", "name", "runtime", "plan", "region", "repo", "branch", "rootDir", "dockerfilePath",
    "dockerContext", "dockerCommand", "preDeployCommand", "buildCommand", "startCommand",
    "registryCredential", "image", "envVars", "numInstances", "scaling", "healthCheckPath",
    "autoDeploy", "disk", "domains", "buildFilter", "maxShutdownDelaySeconds", "schedule",
    "previews", "ipAllowList", "staticPublishPath", "headers", "routes"}


def check_render_image(r, where, svc, root):
    """The Dockerfile Render builds: its last stage, what it starts, whether the app is in it."""
    dockerfile = os.path.normpath(os.path.join(root, svc.get("dockerfilePath") or "./Dockerfile"))
    if not r.check(os.path.isfile(dockerfile), "%s: dockerfilePath %s exists" % (where, rel(dockerfile))):
        return
    last = dockerfile_stages(dockerfile)[-1]
    entry = last["entrypoint"]
    r.check(not entry, "%s: %s's last stage (the one Render builds) has no ENTRYPOINT, so "
            "dockerCommand and preDeployCommand run as written" % (where, rel(dockerfile)),
            "ENTRYPOINT %s" % entry)
    start = pgboot_cli.split_command(svc.get("dockerCommand")) or last["cmd"] or []
    problems = start_problems(render_effective(entry, start))
    r.check(not problems, "%s: the service starts `pgboot run --skip-migrate -- APP`, once" % where,
            "; ".join(problems))
    pre = render_effective(entry, pgboot_cli.split_command(svc.get("preDeployCommand")))
    r.check(pre[:2] == ["pgboot", "migrate"] and sum(pgboot_cli.is_pgboot(w) for w in pre) == 1,
            "%s: the pre-deploy step is `pgboot migrate`, alone, even under an ENTRYPOINT" % where,
            " ".join(pre))
    if "--" in start and start.index("--") + 1 < len(start):
        app = start[start.index("--") + 1]
        if app.startswith("/"):
            r.check(any(app.startswith(dest) and dest.endswith("/") or app == dest
                        for _, dest in last["copies"]),
                    "%s: the app %s is copied into %s's last stage" % (where, app, rel(dockerfile)))
            if app.endswith("/demo/app.sh"):
                # demo/app.sh binds no port: on Render a web service must bind $PORT to go live
                r.check(svc.get("type") == "worker",
                        "%s: the demo app, which binds no port, runs as a worker (a web service "
                        "must listen on $PORT)" % where, "type: %s" % svc.get("type"))


def prove_render_checks(r):
    """The start check must find the nesting of the old render.yaml: the demo image's ENTRYPOINT
    (pgboot run --) under a dockerCommand that starts pgboot again."""
    old = render_effective(["pgboot", "run", "--"],
                           pgboot_cli.split_command("pgboot run --skip-migrate -- /app/demo/app.sh"))
    r.check(bool(start_problems(old)), "the Render start check finds `pgboot run -- pgboot run "
            "--skip-migrate -- APP` (the image's ENTRYPOINT under dockerCommand)")
    r.check(bool(start_problems(["pgboot", "run", "--", "/app/demo/app.sh"])),
            "the Render start check finds a start without --skip-migrate")


def check_render(r, path, help_):
    docs = load_all(r, path)
    if not docs:
        return []
    lines = []
    saw_pre = False
    dbs = {d.get("name") for d in docs[0].get("databases") or []}
    for svc in docs[0].get("services") or []:
        where = "render service %s" % svc.get("name")
        unknown = set(svc) - BLUEPRINT_SERVICE_FIELDS
        r.check(not unknown, "%s: every field is one of Render's Blueprint service fields" % where,
                ", ".join(sorted(unknown)))
        r.check(svc.get("type") in ("web", "worker", "pserv", "cron"),
                "%s: type %s is a Render service type" % (where, svc.get("type")))
        if svc.get("runtime") == "docker":
            check_render_image(r, where, svc, ROOT)
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
    prove_render_checks(r)
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
