"""TLS client keys are configuration: a passphrase-protected key without sslpassword, a wrong
sslpassword, a key with group or world access, a key that does not match its certificate are 78 at
once, naming the key, and OpenSSL never asks for a passphrase on the terminal. The module starts
its own server with ssl = on (certificates made here with the openssl CLI)."""
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import time

from harness import ROOT, check, free_port

_SERVER = {}


def _openssl(d, *args):
    subprocess.run(["openssl"] + list(args), cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _make_certs(d):
    _openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=pgboot test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, cn, ext in (("server", "localhost", ["-extfile", "ext.cnf"]), ("client", "postgres", [])):
        _openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                 "-subj", "/CN=" + cn)
        _openssl(d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", name + ".crt", "-days", "2", *ext)
    _openssl(d, "rsa", "-in", "client.key", "-aes256", "-passout", "pass:the-passphrase", "-out", "client-enc.key")
    _openssl(d, "genrsa", "-out", "other.key", "2048")
    shutil.copy(os.path.join(d, "client.key"), os.path.join(d, "client-open.key"))
    for k in ("client.key", "client-enc.key", "other.key"):
        os.chmod(os.path.join(d, k), 0o600)
    os.chmod(os.path.join(d, "client-open.key"), 0o644)  # world-readable: refused even when owned by root


def _server(t):
    """(port, certificate dir) of the module's TLS server, started on first use."""
    if "port" in _SERVER:
        return _SERVER["port"], _SERVER["certs"]
    base = tempfile.mkdtemp(prefix="pgboot-tls-")
    os.chmod(base, 0o755)
    certs = os.path.join(base, "certs")
    os.makedirs(certs)
    os.chmod(certs, 0o755)
    _make_certs(certs)
    pg = os.path.join(base, "pg")
    _SERVER.update(base=base, pg=pg)
    subprocess.run([os.path.join(ROOT, "scripts/pgtmp.sh"), "start", pg, str(free_port())], check=True,
                   stdout=subprocess.DEVNULL)
    data = os.path.join(pg, "data")
    for f in ("server.crt", "server.key"):
        shutil.copy(os.path.join(certs, f), data)
        os.chmod(os.path.join(data, f), 0o600)
        if os.geteuid() == 0:
            shutil.chown(os.path.join(data, f), "postgres", "postgres")
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    subprocess.run([os.path.join(ROOT, "scripts/pgtmp.sh"), "restart", pg], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(pg, "env")) as f:
        env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    _SERVER.update(port=int(env["PGPORT"]), certs=certs)
    return _SERVER["port"], certs


def teardown():
    if "pg" in _SERVER:
        subprocess.run([os.path.join(ROOT, "scripts/pgtmp.sh"), "stop", _SERVER["pg"], "immediate"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if "base" in _SERVER:
        shutil.rmtree(_SERVER["base"], ignore_errors=True)
    _SERVER.clear()


def _url(t, key, extra=""):
    port, certs = _server(t)
    return ("host=127.0.0.1 port=%d user=postgres password=%s dbname=postgres sslmode=require "
            "sslcert=%s/client.crt sslkey=%s/%s %s" % (port, t.password, certs, certs, key, extra)).strip()


def test_good_keys_connect(t):
    t.pgboot("wait", url=_url(t, "client.key")).expect(0)
    t.pgboot("wait", url=_url(t, "client-enc.key", "sslpassword=the-passphrase")).expect(0)


def test_bad_keys_78_at_once(t):
    for key, extra, why in (("client-enc.key", "", "bad decrypt"),
                            ("client-enc.key", "sslpassword=not-the-passphrase", "bad decrypt"),
                            ("client-open.key", "", "group or world access"),
                            ("other.key", "", "key values mismatch")):
        r = t.pgboot("wait", "--wait-timeout", "4s", url=_url(t, key, extra)).expect(78, key, why, "sslkey")
        check(r.elapsed < 3, "not retried until --wait-timeout", r)
        r.expect_no_text("not-the-passphrase", "the-passphrase")


def test_encrypted_key_never_prompts_on_a_terminal(t):
    """With a terminal (docker run -t) OpenSSL's own callback would ask for the passphrase and wait
    forever: pgboot gives it sslpassword or nothing, and ends 78."""
    url = _url(t, "client-enc.key")
    env = t.env_for({"DATABASE_URL": url, "PGBOOT_WAIT_TIMEOUT": "4s"}, url=None)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(t.bin, [t.bin, "wait"], env)
        finally:
            os._exit(127)
    out, start, status = b"", time.time(), None
    while time.time() - start < 15:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            out += data
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode(errors="replace")
    t.note("pty output:\n" + text)
    check(status is not None, "pgboot waited on the terminal", text)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 78, "exit 78", status, text)
    check("pass phrase" not in text.lower() and "client-enc.key" in text, "no prompt; the key named", text)
