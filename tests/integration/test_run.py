"""run -- APP: the exec, the app's environment, stdin, arguments and exit code;
126/127; --skip-migrate / AUTO_MIGRATE=false; verify failures stop the app; the
termination log."""
import os
import subprocess

from harness import check

MIGS = {"0001_a.sql": "CREATE TABLE a (id int);", "0002_b.sql": "INSERT INTO a VALUES (42);"}


def app_script(t, body, name="app.sh"):
    return t.write(name, "#!/bin/sh\n" + body + "\n", mode=0o755)


def test_run_execs_app_after_migrating(t):
    p = t.project(migrations=MIGS)
    marker = t.path("started")
    app = app_script(t, 'echo "$$ $*" > "%s"; psql -X -At -d "$DATABASE_URL" -c "SELECT id FROM a" >> "%s"; exit 0'
                     % (marker, marker))
    proc = t.spawn("run", "--", app, "one", "two words", project=p)
    r = proc.wait(30).expect(0)
    lines = t.read("started").splitlines()
    check(lines[0] == "%d one two words" % proc.pid, "the app replaced pgboot (same pid) and got its args", lines, r)
    check(lines[1] == "42", "the app ran after the migrations", lines)
    r.expect_text("starting", where="err")


def test_app_exit_code_is_pgboots(t):
    p = t.project(migrations=MIGS)
    t.pgboot("run", "--", "sh", "-c", "exit 7", project=p).expect(7)
    t.pgboot("run", "--", "sh", "-c", "exit 0", project=p).expect(0)
    t.pgboot("run", "--", "false", project=p).expect(1)


def test_app_killed_by_signal(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("run", "--", "sh", "-c", "kill -TERM $$", project=p)
    check(r.code == "killed by signal 15", "the app's own death by SIGTERM is the process's", r)


def test_app_environment_scrubbed(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("run", "--", "env", project=p,
                 env={"PGBOOT_DATABASE_URL": t.url(), "DATABASE_URL": "postgres://app@db/app",
                      "PGBOOT_WAIT_TIMEOUT": "5s", "PGBOOT_WHATEVER": "x", "MY_SETTING": "kept",
                      "PGBOOTSTRAP": "kept too"}).expect(0)
    env = dict(l.split("=", 1) for l in r.out.splitlines() if "=" in l)
    check(not [k for k in env if k.startswith("PGBOOT_")], "no PGBOOT_* variable reaches the app", r)
    check(env.get("DATABASE_URL") == "postgres://app@db/app", "DATABASE_URL is passed unchanged", r)
    check(env.get("MY_SETTING") == "kept", "other variables are kept", r)
    check(env.get("PGBOOTSTRAP") == "kept too", "only the PGBOOT_ prefix is removed", r)
    check(env.get("PATH") and env.get("HOME"), "PATH and HOME kept", r)


def test_app_gets_stdin(t):
    p = t.project(migrations=MIGS)
    out = t.path("stdin-copy")
    data = b"line one\nline two\n" + bytes(range(1, 256))
    t.pgboot("run", "--", "sh", "-c", 'cat > "%s"' % out, project=p, stdin=data).expect(0)
    with open(out, "rb") as f:
        check(f.read() == data, "the app received pgboot's stdin byte for byte")


def test_app_stdout_is_pgboots(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("run", "--", "echo", "hello from the app", project=p).expect(0)
    check(r.out == "hello from the app\n", "the app writes to pgboot's stdout; pgboot writes nothing there", r)


def test_app_not_found_127(t):
    p = t.project(migrations=MIGS)
    r = t.pgboot("run", "--", "no-such-app-xyz", project=p).expect(127, "no-such-app-xyz", where="err")
    check(t.table_exists("a"), "the migrations ran before")
    t.pgboot("run", "--", t.path("missing/app"), project=p).expect(127)


def test_app_not_executable_126(t):
    p = t.project(migrations=MIGS)
    app = t.write("not-exec.sh", "#!/bin/sh\necho hi\n", mode=0o644)
    t.pgboot("run", "--", app, project=p).expect(126, "not-exec.sh", where="err")
    os.makedirs(t.path("adir"))
    t.pgboot("run", "--", t.path("adir"), project=p).expect(126)


def test_app_with_missing_interpreter_named(t):
    """A script that exists but whose "#!" names a missing interpreter is not "not found": 126,
    naming the interpreter; CRLF line endings (the '\\r' the kernel keeps) are said so."""
    p = t.project(migrations=MIGS)
    app = t.write("needs-python9", "#!/usr/bin/python9 -u\nprint(1)\n", mode=0o755)
    r = t.pgboot("run", "--", app, project=p).expect(126, '"/usr/bin/python9"', "interpreter", where="err")
    r.expect_no_text("could not find the app", where="err")
    crlf = t.write("crlf.sh", "#!/bin/sh\r\necho hi\r\n", mode=0o755)
    r = t.pgboot("run", "--", crlf, project=p).expect(126, '"/bin/sh\\r"', "carriage return", "CRLF", where="err")
    # found on PATH too
    bindir = os.path.dirname(app)
    r = t.pgboot("run", "--", "needs-python9", project=p,
                 env={"PATH": bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")})
    r.expect(126, '"/usr/bin/python9"', where="err")
    # a file that is truly missing is still 127
    t.pgboot("run", "--", t.path("no-such-script"), project=p).expect(127, "could not find the app", where="err")


def test_failed_verify_stops_app(t):
    p = t.project(migrations=MIGS, verify={"010_no_42.sql": "SELECT id AS bad_id FROM a WHERE id = 42;"})
    marker = t.path("started")
    r = t.pgboot("run", "--", "touch", marker, project=p).expect(4, "010_no_42", "bad_id=42", where="err")
    check(not os.path.exists(marker), "the app was not started", r)
    check(len(t.history()) == 2, "the migrations stay applied")


def test_no_verify_starts_app_anyway(t):
    p = t.project(migrations=MIGS, verify={"010_no_42.sql": "SELECT id FROM a WHERE id = 42;"})
    marker = t.path("started")
    t.pgboot("run", "--no-verify", "--", "touch", marker, project=p).expect(0)
    check(os.path.exists(marker), "the app started")
    os.unlink(marker)
    t.pgboot("run", "--", "touch", marker, project=p, env={"PGBOOT_NO_VERIFY": "1"}).expect(0)
    check(os.path.exists(marker), "PGBOOT_NO_VERIFY=1 works too")


def test_failed_migration_stops_app(t):
    p = t.project(migrations={"0001_bad.sql": "SELECT * FROM nope;"})
    marker = t.path("started")
    t.pgboot("run", "--", "touch", marker, project=p).expect(3)
    check(not os.path.exists(marker), "the app was not started")


def test_skip_migrate_waits_for_another_pgboot(t):
    p = t.project(migrations=MIGS)
    marker = t.path("started")
    waiter = t.spawn("run", "--skip-migrate", "--wait-timeout", "15s", "--", "touch", marker, project=p)
    waiter.wait_for_text("waiting for another pgboot", timeout=10)
    check(not os.path.exists(marker) and waiter.poll() is None, "the app waits while migrations are pending")
    check(not t.table_exists("a"), "--skip-migrate applied nothing")
    t.pgboot("migrate", project=p).expect(0)
    r = waiter.wait(15).expect(0)
    check(os.path.exists(marker), "the app started once the schema was ready", r)


def test_skip_migrate_times_out_69(t):
    p = t.project(migrations=MIGS)
    marker = t.path("started")
    r = t.pgboot("run", "--skip-migrate", "--wait-timeout", "1500ms", "--", "touch", marker, project=p)
    r.expect(69, "pending", where="err")
    check(1.3 < r.elapsed < 6, "gave up after about --wait-timeout (%.1fs)" % r.elapsed, r)
    check(not os.path.exists(marker) and not t.table_exists("a"), "nothing applied, app not started")


def test_auto_migrate_false(t):
    p = t.project(migrations=MIGS)
    marker = t.path("started")
    t.pgboot("run", "--wait-timeout", "1s", "--", "touch", marker, project=p,
             env={"AUTO_MIGRATE": "false"}).expect(69)
    check(not t.table_exists("a"), "AUTO_MIGRATE=false applied nothing")
    t.pgboot("migrate", project=p).expect(0)
    t.pgboot("run", "--", "touch", marker, project=p, env={"AUTO_MIGRATE": "false"}).expect(0)
    check(os.path.exists(marker), "the app started on an up-to-date schema")
    os.unlink(marker)
    # AUTO_MIGRATE=true migrates as usual
    p2 = t.project(migrations=MIGS)
    db2 = t.new_database()
    t.pgboot("run", "--", "touch", marker, project=p2, url=t.url(db2), env={"AUTO_MIGRATE": "true"}).expect(0)
    check(t.table_exists("a", db=db2), "AUTO_MIGRATE=true migrated")


def test_pgboot_skip_migrate_variable(t):
    p = t.project(migrations=MIGS)
    t.pgboot("run", "--wait-timeout", "1s", "--", "true", project=p, env={"PGBOOT_SKIP_MIGRATE": "1"}).expect(69)
    check(not t.table_exists("a"), "PGBOOT_SKIP_MIGRATE=1 applied nothing")


def test_skip_migrate_still_verifies(t):
    p = t.project(migrations=MIGS, verify={"010_no_42.sql": "SELECT id FROM a WHERE id = 42;"})
    t.pgboot("migrate", "--no-verify", project=p).expect(0)
    marker = t.path("started")
    t.pgboot("run", "--skip-migrate", "--", "touch", marker, project=p).expect(4)
    check(not os.path.exists(marker), "not started")


def test_termination_log_on_success(t):
    p = t.project(migrations=MIGS)
    log = t.write("termination-log", "")
    t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": log}).expect(0)
    text = t.read("termination-log")
    check(text.count("\n") == 1 and "ready" in text, "a one-line summary", repr(text))


def test_termination_log_on_failure(t):
    p = t.project(migrations={"0001_ok.sql": "SELECT 1;", "0002_bad.sql": "SELECT * FROM nope;"})
    log = t.write("termination-log", "")
    t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": log}).expect(3)
    text = t.read("termination-log")
    check(text.count("\n") == 1, "one line", repr(text))
    check("3" in text and "0002_bad.sql" in text, "names the exit code and the file", repr(text))
    check(t.password not in text, "no password", repr(text))


def test_termination_log_not_written_on_exec(t):
    p = t.project(migrations=MIGS)
    log = t.write("termination-log", "")
    t.pgboot("run", "--", "true", project=p, env={"PGBOOT_TERMINATION_LOG": log}).expect(0)
    check(t.read("termination-log") == "", "exec'ing: the app owns the termination log", t.read("termination-log"))


def test_termination_log_missing_file_is_ignored(t):
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": t.path("no/such/dir/log")}).expect(0)


def test_termination_log_fifo_without_reader_does_not_block(t):
    """A FIFO nobody reads: opened without blocking, skipped with a warning, exit at once."""
    p = t.project(migrations=MIGS)
    fifo = t.path("fifo")
    os.mkfifo(fifo)
    r = t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": fifo}, timeout=20)
    r.expect(0, "termination log", fifo, where="err")
    check(r.elapsed < 10, "no wait at exit", r)
    # a FIFO that has a reader is not a file either: skipped, not written
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": fifo}, timeout=20).expect(
            0, "not a regular file", where="err")
        try:
            data = os.read(reader, 4096)
        except BlockingIOError:
            data = b""
        check(data == b"", "nothing written to the FIFO", data)
    finally:
        os.close(reader)
    # a character device is written (Kubernetes may mount one)
    t.pgboot("migrate", project=p, env={"PGBOOT_TERMINATION_LOG": "/dev/null"}).expect(0).expect_no_text(
        "termination log")


def test_termination_log_default_path_is_not_created(t):
    """The default /dev/termination-log is Kubernetes' to mount: on any other host pgboot
    creates nothing in /dev (a path named in PGBOOT_TERMINATION_LOG is created)."""
    if os.path.exists("/dev/termination-log"):
        t.note("skipped: /dev/termination-log exists on this host")
        return
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", "--bogus", project=p, env={"PGBOOT_TERMINATION_LOG": None}).expect(2)
    check(not os.path.exists("/dev/termination-log"), "no /dev/termination-log created", "")


def _termlog_after(t, *args, project=None, env=None, code=None, url="default"):
    """Run pgboot with a termination log that does not exist yet; returns what it holds."""
    log = t.path("tl-%d" % len(t.transcript))
    t.pgboot(*args, project=project, url=url, env={"PGBOOT_TERMINATION_LOG": log, **(env or {})}).expect(code)
    text = t.read(os.path.basename(log))
    check(text is not None and text.count("\n") == 1 and ("exit %d" % code in text or code == 0),
          "a one-line summary in a created termination log (exit %s)" % code, repr(text))
    return text


def test_termination_log_every_exit_that_is_not_an_exec(t):
    """Created when missing, and written for usage and configuration errors, an app that cannot be
    exec'd (126/127), and the commands that only report."""
    p = t.project(migrations=MIGS)
    check("unrecognized" in _termlog_after(t, "migrate", "--bogus", project=p, code=2), "usage error")
    check("command" in _termlog_after(t, project=p, code=2), "no command")
    check("lock-mode" in _termlog_after(t, "migrate", "--lock-mode", "sometimes", project=p, code=78), "bad value")
    check("DATABASE_URL_FILE" in _termlog_after(t, "migrate", project=p, url=None, code=78,
                                                env={"DATABASE_URL_FILE": t.path("no-such-secret")}), "missing file")
    check("no-such-app" in _termlog_after(t, "run", "--", t.path("no-such-app"), project=p, code=127), "127")
    noexec = t.write("not-executable", "#!/bin/sh\n", mode=0o644)
    check("not-executable" in _termlog_after(t, "run", "--", noexec, project=p, code=126), "126")
    _termlog_after(t, "status", project=p, code=0)
    _termlog_after(t, "verify", project=p, code=0)


def test_run_fast_noop_start(t):
    """An up-to-date database: run starts the app quickly (the fast path)."""
    p = t.project(migrations=MIGS)
    t.pgboot("migrate", project=p).expect(0)
    r = t.pgboot("run", "--", "true", project=p).expect(0)
    check(r.elapsed < 2.0, "a no-op run takes well under a second (%.2fs)" % r.elapsed, r)
    t.note("no-op run: %.0f ms" % (r.elapsed * 1000))


# A parent that ignores SIGHUP and the real-time signals the C library keeps
# for itself (glibc refuses sigaction() on 32-33, musl on 32-34), blocks
# SIGUSR1, then execs its arguments: ignored signals and the mask survive exec.
IGNORING_LAUNCHER = r"""
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	unsigned long ksa[8];
	sigset_t set;
	(void)argc;
	memset(ksa, 0, sizeof(ksa));
	ksa[0] = (unsigned long)SIG_IGN;
	for (int sig = 32; sig <= 34; sig++)
		syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)8);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	execvp(argv[1], argv + 1);
	return 127;
}
"""


def ignoring_launcher(t):
    src = t.write("launcher.c", IGNORING_LAUNCHER)
    exe = t.path("launcher")
    subprocess.run(["cc", "-o", exe, src], check=True)
    r = subprocess.run([exe, "grep", "^SigIgn:", "/proc/self/status"], stdout=subprocess.PIPE, text=True)
    check(int(r.stdout.split()[1], 16) & (1 << 31), "the launcher ignores signal 32", r.stdout)
    return exe


def test_app_gets_default_signal_dispositions(t):
    """pgboot handles SIGTERM/SIGINT/SIGQUIT itself; before the exec it restores
    the default dispositions and an empty mask (the app is PID 1's successor),
    even for signals its parent ignored or blocked."""
    p = t.project(migrations=MIGS)
    r = t.pgboot("run", "--", "grep", "-E", "^Sig(Blk|Ign|Cgt):", "/proc/self/status", project=p,
                 via=[ignoring_launcher(t)]).expect(0)
    fields = dict(l.split(":\t") for l in r.out.splitlines())
    check(int(fields["SigBlk"], 16) == 0, "no blocked signals in the app", r)
    check(int(fields["SigIgn"], 16) == 0, "no ignored signals in the app", r)


def test_skip_migrate_with_test_data_says_seeds_are_not_applied(t):
    """run --skip-migrate --with-test-data applies no seeds: it says so instead of ignoring them silently."""
    p = t.project(migrations={"0001_a.sql": "CREATE TABLE a (id int);"}, seeds={"0001_s.sql": "INSERT INTO a VALUES (1);"})
    t.pgboot("migrate", project=p).expect(0)
    r = t.pgboot("run", "--skip-migrate", "--with-test-data", "--", "true", project=p).expect(0)
    r.expect_text("applies no seeds", where="err")
    check(t.psql("SELECT count(*) FROM a") == "0", "no seed applied", r)
