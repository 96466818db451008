"""Kaiwa's cut-over from drizzle (examples/kaiwa-drizzle): the database was
built by drizzle's own migrator from npm (drizzle-orm/node-postgres/migrator,
tests/npm-tools/drizzle-migrate.cjs) as the old image ran it, with a journal
that ends before 0023_round_gateway; the new image runs `pgboot run --adopt`
on the whole folder: one adoption from drizzle, 0023 applied by pgboot, the
checks pass, drizzle's table untouched. Then eight replicas of the new image
at once on such a database: one adoption, every replica's app starts."""
import hashlib
import json
import os
import shutil

import npmtools
from harness import ROOT, check

KAIWA = os.path.join(ROOT, "examples", "kaiwa-drizzle")
FOLDER = os.path.join(KAIWA, "drizzle")
VERIFY = os.path.join(KAIWA, "verify")
DRIZZLE_ROWS = "SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id"


def _journal():
    with open(os.path.join(FOLDER, "meta", "_journal.json")) as f:
        return json.load(f)["entries"]


def _old_image(t):
    """The old image's folder: the journal without its newest entry (0023) and without its file."""
    entries = _journal()
    d = t.path("old-image/drizzle")
    shutil.copytree(FOLDER, d)
    os.unlink(os.path.join(d, entries[-1]["tag"] + ".sql"))
    with open(os.path.join(d, "meta", "_journal.json"), "w") as f:
        json.dump({"version": "7", "dialect": "postgresql", "entries": entries[:-1]}, f, indent=2)
    return d, entries


def _drizzle_built(t, db=None):
    """Run drizzle's migrator as the old image did; check the history it wrote
    (peers.md's drizzle facts: hash = SHA-256 hex of the file's text as read,
    created_at = the journal's "when") and return its rows."""
    old, entries = _old_image(t)
    npmtools.expect(npmtools.run(t, "drizzle", old, db=db), 0, "drizzle: migrated")
    rows = [r.split("|") for r in t.psql(DRIZZLE_ROWS, db=db).splitlines()]
    check(len(rows) == len(entries) - 1, "drizzle applied every entry of the old journal", rows)
    for (_, h, created), e in zip(rows, entries):
        with open(os.path.join(FOLDER, e["tag"] + ".sql"), "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        check(h == want and created == str(e["when"]), "drizzle's row for %s: sha256 of the raw file, "
              "created_at = journal when" % e["tag"], (h, created), (want, e["when"]))
    return rows, entries


def _run_args(*extra):
    return ["run", "--adopt", "--migrations", FOLDER, "--verify", VERIFY] + list(extra)


def test_kaiwa_cutover_from_drizzle(t):
    npmtools.need("drizzle")
    before, entries = _drizzle_built(t)
    snapshot = t.psql(DRIZZLE_ROWS)
    # the old schema in use: a message with 0022's analysis and a text duration
    t.psql("INSERT INTO users (handle, display_name) VALUES ('aiko', 'Aiko');"
           "INSERT INTO conversations (title, created_by) SELECT 'first', id FROM users;"
           "INSERT INTO messages (conversation_id, sender_id, duration, transcription, pronunciation_score) "
           "SELECT c.id, c.created_by, '12', 'konnichiwa', 87.5 FROM conversations c;"
           "INSERT INTO messages (conversation_id, duration) SELECT id, '12s' FROM conversations")
    marker = t.path("app-started")
    r = t.pgboot(*_run_args("--", "touch", marker), timeout=120)
    r.expect(0, "adopted %d migrations applied by drizzle" % len(before), "verified", where="err")
    check(os.path.exists(marker), "the app started", r)
    # drizzle keeps no applied time (created_at is the journal's "when", the file's creation):
    # the adopted rows carry the adoption's time, before 0023's
    hist = t.psql("SELECT version, applied_by LIKE 'adopted from drizzle%' "
                  "FROM pgboot_migrations WHERE kind = 'migration' ORDER BY applied_at, version").splitlines()
    check(len(hist) == len(entries), "every journal entry is in pgboot's history", hist, r)
    for line, e in zip(hist, entries):
        v, adopted = line.split("|")
        check(v == e["tag"].split("_")[0], "history in journal order", hist)
        if e is entries[-1]:
            check(adopted == "f", "0023 applied by pgboot, not adopted", line)
        else:
            check(adopted == "t", "%s adopted from drizzle" % v, line)
    check(t.psql(DRIZZLE_ROWS) == snapshot, "drizzle's table untouched", snapshot, t.psql(DRIZZLE_ROWS))
    # 0023 did its work on the old rows
    got = t.psql("SELECT a.transcription, a.pronunciation_score, m.duration FROM message_audio_analysis a "
                 "JOIN messages m ON m.id = a.message_id")
    check(got == "konnichiwa|87.50|12", "0023 moved the analysis and converted the duration", got)
    check(t.psql("SELECT count(*) FROM messages WHERE duration IS NULL") == "1", "'12s' became NULL")
    # the next start of the new image: nothing to adopt, nothing to apply
    t.pgboot(*_run_args("--", "true")).expect(0, "up to date", where="err").expect_no_text("adopted")
    # an old replica restarting during the cut-over still starts: its migrator finds nothing to do
    old = t.path("old-image/drizzle")
    npmtools.expect(npmtools.run(t, "drizzle", old), 0)
    check(t.psql(DRIZZLE_ROWS) == snapshot, "the old image's drizzle added nothing")
    t.pgboot("verify", "--migrations", FOLDER, "--verify", VERIFY).expect(0)


test_kaiwa_cutover_from_drizzle.timeout = 180


def test_kaiwa_eight_replicas_adopt_once(t):
    npmtools.need("drizzle")
    before, entries = _drizzle_built(t)
    snapshot = t.psql(DRIZZLE_ROWS)
    procs = [t.spawn(*_run_args("--", "sh", "-c", "echo replica-started")) for _ in range(8)]
    results = [p.wait(120) for p in procs]
    for r in results:
        r.expect(0, "replica-started", where="out")
    adoptions = sum(r.err.count("adopted %d migrations applied by drizzle" % len(before)) for r in results)
    check(adoptions == 1, "exactly one replica adopted (%d did)" % adoptions, *results)
    rows = t.psql("SELECT count(*), count(*) FILTER (WHERE applied_by LIKE 'adopted from drizzle%') "
                  "FROM pgboot_migrations WHERE kind = 'migration'")
    check(rows == "%d|%d" % (len(entries), len(before)), "one row per migration, 6 adopted", rows)
    check(t.psql(DRIZZLE_ROWS) == snapshot, "drizzle's table untouched")
    t.pgboot("verify", "--migrations", FOLDER, "--verify", VERIFY).expect(0)


test_kaiwa_eight_replicas_adopt_once.timeout = 240


def test_kaiwa_cutover_script(t):
    """examples/kaiwa-drizzle/cutover.sh, the commands examples/README.md shows, does what it says."""
    npmtools.need("drizzle")
    import subprocess
    p = subprocess.run(["bash", os.path.join(KAIWA, "cutover.sh"), t.bin], env=t.env_for(), cwd=t.tmp,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120)
    out = p.stdout.replace(t.password, "***")
    t.note(out)
    check(p.returncode == 0, "cutover.sh exits 0", out)
    check(out.count("kaiwa-app: started") == 2, "the new image's app started twice", out)
    check(out.count("adopted 6 migrations applied by drizzle") == 1, "one adoption", out)
    check("applied migration 0023_round_gateway" in out, "0023 applied by pgboot", out)
    check(t.psql("SELECT count(*) FROM drizzle.__drizzle_migrations") == "6", "drizzle's table as the old image left it")


test_kaiwa_cutover_script.timeout = 120
