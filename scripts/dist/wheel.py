#!/usr/bin/env python3
"""Build a platform wheel holding one executable, with the standard library only.

    wheel.py --name pgboot --version V --tag TAG --binary FILE --summary TEXT
             [--description FILE] [--epoch SECONDS] OUTDIR

The binary goes in NAME-V.data/scripts/NAME, so pip puts it in the environment's
bin directory (a venv's PATH), executable, as ruff's wheels do; no Python
package is installed. The .dist-info holds METADATA (2.1), WHEEL (Root-Is-Purelib:
false, the tag) and RECORD (sha256 of every file, urlsafe base64 without
padding, and its size; RECORD itself unhashed), per the binary distribution
format (PEP 427/491). Every entry gets the same timestamp (--epoch, default
1980-01-01), so one input gives the same bytes. Prints the wheel's path.
"""
import argparse
import base64
import hashlib
import os
import sys
import time
import zipfile


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--tag", required=True, help="py3-none-PLATFORM[.PLATFORM...]")
    p.add_argument("--binary", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--description", help="a Markdown file for the long description")
    p.add_argument("--home-page")
    p.add_argument("--epoch", type=int, default=315532800)
    p.add_argument("outdir")
    a = p.parse_args()

    dist = a.name.replace("-", "_")
    info = f"{dist}-{a.version}.dist-info"
    data = f"{dist}-{a.version}.data"
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {a.name}",
        f"Version: {a.version}",
        f"Summary: {a.summary}",
    ]
    if a.home_page:
        meta.append(f"Home-page: {a.home_page}")
    meta += [
        "Classifier: Environment :: Console",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Topic :: Database",
    ]
    body = ""
    if a.description:
        meta.append("Description-Content-Type: text/markdown")
        with open(a.description, encoding="utf-8") as f:
            body = "\n" + f.read()
    wheel = [
        "Wheel-Version: 1.0",
        "Generator: pgboot scripts/dist/wheel.py",
        "Root-Is-Purelib: false",
    ]
    # WHEEL lists each tag of the compressed set separately
    py, abi, plats = a.tag.split("-")
    wheel += [f"Tag: {py}-{abi}-{plat}" for plat in plats.split(".")]

    with open(a.binary, "rb") as f:
        binary = f.read()
    entries = [  # (name, bytes, mode)
        (f"{data}/scripts/{a.name}", binary, 0o755),
        (f"{info}/METADATA", ("\n".join(meta) + "\n" + body).encode("utf-8"), 0o644),
        (f"{info}/WHEEL", ("\n".join(wheel) + "\n").encode("utf-8"), 0o644),
    ]
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d, _ in entries)
    record += f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode("utf-8"), 0o644))

    path = os.path.join(a.outdir, f"{dist}-{a.version}-{a.tag}.whl")
    stamp = time.gmtime(max(a.epoch, 315532800))[:6]
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, content, mode in entries:
            zi = zipfile.ZipInfo(name, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (0o100000 | mode) << 16  # a regular file and its permissions
            zi.create_system = 3  # Unix, so the permissions are read
            z.writestr(zi, content)
    os.replace(tmp, path)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
