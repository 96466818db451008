#!/usr/bin/env python3
"""Validate deploy/kubernetes/*.yaml against the Kubernetes API's own types, strictly.

    tests/deploy/check_k8s_schema.py [FILE.yaml ...]     default: deploy/kubernetes/*.y*ml

The types are npm's kubernetes-types (generated from the Kubernetes OpenAPI
specification, v1.30), compiled by TypeScript's tsc: each YAML document becomes
`const doc: Deployment = {...}`, typed by its apiVersion and kind. tsc rejects
what the API server would: an unknown or misspelled field (TypeScript's excess
property check, at every depth, as `kubectl apply --validate=strict` does), a
wrong type (replicas: "3", a string where a list goes), a missing required field
(a container without a name), an apiVersion or kind the API has not. Both come
pinned in build/node (scripts/install-deps.sh test; node and npm from Debian).

It then proves it can fail: copies of the Deployment with a misspelled field, a
wrong type and a missing required field must each be rejected. Prints one
"ok"/"not ok" line per document and per proof, then "N passed, N failed".
"""

import copy
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgboot_cli  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_MODULES = os.path.join(ROOT, "build", "node", "node_modules")
TSC = os.path.join(NODE_MODULES, "typescript", "bin", "tsc")
TYPES = os.path.join(NODE_MODULES, "kubernetes-types")


def rel(path):
    return os.path.relpath(path, ROOT)


def module_of(doc):
    """(module, type) of kubernetes-types for the document's apiVersion and kind, or None."""
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str) or not re.fullmatch(r"[A-Za-z]+", kind):
        return None
    group, _, version = api.rpartition("/")
    # core is "v1"; the others are "apps/v1", "batch/v1", "networking.k8s.io/v1" ...
    group = group.split(".")[0] if group else "core"
    path = os.path.join(TYPES, group, version + ".d.ts")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        if not re.search(r"export interface %s \{" % kind, f.read()):
            return None
    return "kubernetes-types/%s/%s" % (group, version), kind


class Source:
    """One .ts file; each line knows the JSON path it writes, to name it in errors."""

    def __init__(self):
        self.lines, self.paths = [], []

    def add(self, text, path=""):
        self.lines.append(text)
        self.paths.append(path)

    def value(self, v, path, indent, prefix="", suffix=""):
        pad = "  " * indent
        if isinstance(v, dict) and v:
            self.add(pad + prefix + "{", path)
            items = list(v.items())
            for i, (k, x) in enumerate(items):
                self.value(x, "%s.%s" % (path, k) if path else str(k), indent + 1,
                           json.dumps(str(k)) + ": ", "," if i + 1 < len(items) else "")
            self.add(pad + "}" + suffix, path)
        elif isinstance(v, list) and v:
            self.add(pad + prefix + "[", path)
            for i, x in enumerate(v):
                self.value(x, "%s[%d]" % (path, i), indent + 1, "", "," if i + 1 < len(v) else "")
            self.add(pad + "]" + suffix, path)
        else:
            self.add(pad + prefix + json.dumps(v, default=str) + suffix, path)

    def text(self):
        return "\n".join(self.lines) + "\n"


def compile_docs(docs):
    """docs: [(label, doc)]. Type-checks them all in one tsc run; returns {label: [errors]}
    (None for a label whose apiVersion/kind has no type)."""
    work = tempfile.mkdtemp(prefix="pgboot-k8s-schema.")
    try:
        os.symlink(NODE_MODULES, os.path.join(work, "node_modules"))
        files, result = {}, {}
        for i, (label, doc) in enumerate(docs):
            mod = module_of(doc)
            if mod is None:
                result[label] = None
                continue
            src = Source()
            src.add('import type { %s } from "%s";' % (mod[1], mod[0]))
            src.value(doc, "", 0, "export const doc: %s = " % mod[1], ";")
            name = "doc%d.ts" % i
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                f.write(src.text())
            files[name] = (label, src)
            result[label] = []
        config = {"compilerOptions": {"strict": True, "noEmit": True, "types": [], "target": "es2020",
                                      "module": "commonjs", "moduleResolution": "node",
                                      "skipLibCheck": True},
                  "files": sorted(files)}
        with open(os.path.join(work, "tsconfig.json"), "w", encoding="utf-8") as f:
            json.dump(config, f)
        p = subprocess.run(["node", TSC, "-p", work, "--pretty", "false"], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        current = None
        for line in p.stdout.splitlines():
            m = re.match(r"(doc\d+\.ts)\((\d+),\d+\): error (TS\d+): (.*)", line)
            if m and m.group(1) in files:
                label, src = files[m.group(1)]
                where = src.paths[int(m.group(2)) - 1] if int(m.group(2)) <= len(src.paths) else ""
                current = result[label]
                current.append("%s: %s" % (where or "(document)", m.group(4)))
            elif current is not None and line.startswith("  "):
                current[-1] += " " + line.strip()
            elif line.strip():
                current = None
                result.setdefault("(tsc)", []).append(line)
        if p.returncode != 0 and not any(result.get(label) for label in result):
            result.setdefault("(tsc)", []).append("tsc exited %d without an error per file" % p.returncode)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mutations(docs):
    """Broken copies of the first Deployment: (label, doc, the error that must be found)."""
    base = next((d for _, d in docs if d.get("kind") == "Deployment"), None)
    if base is None:
        return []
    out = []
    m = copy.deepcopy(base)
    pod = m["spec"]["template"]["spec"]
    pod.setdefault("securityContext", {})["seccompProfle"] = pod["securityContext"].pop(
        "seccompProfile", {"type": "RuntimeDefault"})
    out.append(("a misspelled field (securityContext.seccompProfle)", m, "seccompProfle"))
    m = copy.deepcopy(base)
    m["spec"]["template"]["spec"]["containers"][0]["imagePullPolicie"] = "Always"
    out.append(("an unknown field in a container (imagePullPolicie)", m, "imagePullPolicie"))
    m = copy.deepcopy(base)
    m["spec"]["replicas"] = "3"
    out.append(('a wrong type (replicas: "3")', m, "spec.replicas"))
    m = copy.deepcopy(base)
    m["spec"]["template"]["spec"]["containers"][0]["args"] = "/app/demo/app.sh"
    out.append(("a string where a list goes (args)", m, "args"))
    m = copy.deepcopy(base)
    del m["spec"]["template"]["spec"]["containers"][0]["name"]
    out.append(("a container without its required name", m, "name"))
    m = copy.deepcopy(base)
    m["apiVersion"] = "apps/v1beta9"
    out.append(("an apiVersion the API has not (apps/v1beta9)", m, None))
    return out


def main(argv):
    r = pgboot_cli.Report()
    try:
        import yaml
    except ImportError:
        r.check(False, "python3-yaml is installed (scripts/install-deps.sh test)")
        return r.finish()
    ready = os.path.isfile(TSC) and os.path.isdir(TYPES) and shutil.which("node")
    if not r.check(bool(ready), "typescript and kubernetes-types are in build/node, node is installed",
                   "run scripts/install-deps.sh test"):
        return r.finish()
    paths = argv[1:] or sorted(glob.glob(os.path.join(ROOT, "deploy/kubernetes/*.y*ml")))
    docs = []
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                found = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            r.check(False, "%s parses as YAML" % rel(p), str(e).replace("\n", " "))
            continue
        for i, d in enumerate(found):
            name = (d.get("metadata") or {}).get("name") if isinstance(d, dict) else None
            docs.append(("%s: %s %s" % (rel(p), d.get("kind") if isinstance(d, dict) else "?",
                                        name or "#%d" % i), d if isinstance(d, dict) else {}))
    r.check(bool(docs), "there are Kubernetes documents to validate (%d)" % len(docs))
    broken = mutations(docs)
    r.check(bool(broken), "a Deployment is there to break, to prove the validator fails")
    result = compile_docs(docs + [("proof: " + label, d) for label, d, _ in broken])
    for label, _ in docs:
        errors = result.get(label)
        if errors is None:
            r.check(False, "%s has a type in kubernetes-types" % label, "unknown apiVersion/kind")
        else:
            r.check(not errors, "%s matches the Kubernetes API schema, strictly" % label, "; ".join(errors))
    for label, _, needle in broken:
        errors = result.get("proof: " + label)
        if needle is None:
            ok = errors is None
        else:
            ok = bool(errors) and any(needle in e for e in errors)
        r.check(ok, "the schema check rejects %s" % label, "got: %s" % (errors,))
    if result.get("(tsc)"):
        r.check(False, "tsc reported nothing outside the documents", "; ".join(result["(tsc)"])[:2000])
    return r.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
