"""The real projects in the repository: the MORSE demo (migrations/, seeds/,
verify/ at the root) and every examples/*/ project. Each applies to a fresh
database and verifies; the second run is a no-op."""
import json
import os

from harness import ROOT, check

EXPECTED_EXAMPLES = ("kaiwa", "stt", "metrics")


def _morse_args():
    return ["--migrations", os.path.join(ROOT, "migrations"), "--seeds", os.path.join(ROOT, "seeds"),
            "--verify", os.path.join(ROOT, "verify")]


def test_morse_applies_and_verifies_twice(t):
    check(os.path.isdir(os.path.join(ROOT, "migrations")), "the MORSE migrations exist")
    r = t.pgboot("migrate", "--with-test-data", *_morse_args(), timeout=120).expect(0, "verified", where="err")
    nmig = len([f for f in os.listdir(os.path.join(ROOT, "migrations")) if f.endswith(".sql")])
    nseed = len([f for f in os.listdir(os.path.join(ROOT, "seeds")) if f.endswith(".sql")])
    rows = t.psql("SELECT kind, count(*) FROM pgboot_migrations GROUP BY kind ORDER BY kind")
    check(rows == "migration|%d\nseed|%d" % (nmig, nseed), "every migration and seed recorded", rows, r)
    r2 = t.pgboot("migrate", "--with-test-data", *_morse_args(), timeout=120).expect(0, "up to date", "verified")
    r2.expect_no_text("applied migration", "applied seed", "taking the migration lock")
    check(t.psql("SELECT kind, count(*) FROM pgboot_migrations GROUP BY kind ORDER BY kind") == rows, "unchanged")
    s = t.pgboot("status", "--json", "--migrations", os.path.join(ROOT, "migrations"),
                 "--seeds", os.path.join(ROOT, "seeds")).expect(0)
    states = {i["state"] for i in json.loads(s.out)["items"]}
    check(states == {"applied"}, "status: everything applied", s)
    t.pgboot("verify", "--migrations", os.path.join(ROOT, "migrations"), "--verify",
             os.path.join(ROOT, "verify")).expect(0)


test_morse_applies_and_verifies_twice.timeout = 180


def test_morse_tables_and_test_data(t):
    t.pgboot("migrate", "--with-test-data", *_morse_args(), timeout=120).expect(0)
    tables = set(t.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split())
    want = {"users", "app_users", "audio_files", "transcriptions", "workouts", "exercises", "exercise_library",
            "user_progress", "workout_sessions", "session_audio_files", "session_detection_config",
            "voice_profiles", "speaker_verifications", "user_devices", "device_links", "workout_claims",
            "session_claims", "teams", "team_memberships"}
    check(want <= tables, "the MORSE tables exist; missing: %s" % sorted(want - tables))
    suffixes = set(t.psql("SELECT right(device_uuid, 4) FROM user_devices").split())
    check({"c4b9", "4c5d", "bc12", "9012", "cdef"} <= suffixes, "the test devices", suffixes)


test_morse_tables_and_test_data.timeout = 180


def test_morse_run_execs_app(t):
    marker = t.path("app-started")
    t.pgboot("run", "--with-test-data", *_morse_args(), "--", "touch", marker, timeout=120).expect(0)
    check(os.path.exists(marker), "the app started after MORSE was ready")


test_morse_run_execs_app.timeout = 180


def test_morse_from_its_directory_defaults(t):
    """From the repository root the defaults ./migrations, ./seeds, ./verify are MORSE's."""
    t.pgboot("migrate", "--with-test-data", cwd=ROOT, timeout=120).expect(0, "verified", where="err")


test_morse_from_its_directory_defaults.timeout = 180


def test_examples_present(t):
    d = os.path.join(ROOT, "examples")
    have = sorted(n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n))) if os.path.isdir(d) else []
    check(set(EXPECTED_EXAMPLES) <= set(have), "examples/ holds %s; has %s" % (EXPECTED_EXAMPLES, have))
    for n in have:
        check(os.path.isdir(os.path.join(d, n, "migrations")) or os.path.isdir(os.path.join(d, n, "drizzle")),
              "examples/%s has migrations/ (or drizzle's drizzle/)" % n)


def _example_test(name):
    def test(t):
        d = os.path.join(ROOT, "examples", name)
        args = ["--migrations", os.path.join(d, "migrations"), "--verify", os.path.join(d, "verify")] \
            if os.path.isdir(os.path.join(d, "verify")) else ["--migrations", os.path.join(d, "migrations")]
        if os.path.isdir(os.path.join(d, "seeds")):
            args += ["--with-test-data", "--seeds", os.path.join(d, "seeds")]
        r = t.pgboot("migrate", *args, cwd=d, timeout=120).expect(0)
        n = len([f for f in os.listdir(os.path.join(d, "migrations")) if f.endswith(".sql")])
        check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'migration'") == str(n),
              "every migration of examples/%s recorded" % name, r)
        t.pgboot("migrate", *args, cwd=d, timeout=120).expect(0, "up to date")
        # from the example's own directory, with the defaults
        db2 = t.new_database()
        extra = ["--with-test-data"] if os.path.isdir(os.path.join(d, "seeds")) else []
        t.pgboot("migrate", *extra, cwd=d, url=t.url(db2), timeout=120).expect(0)
    test.__name__ = "test_example_" + name
    test.timeout = 180
    return test


_ex = os.path.join(ROOT, "examples")
for _name in sorted(os.listdir(_ex)) if os.path.isdir(_ex) else []:
    if os.path.isdir(os.path.join(_ex, _name, "migrations")):
        _fn = _example_test(_name)
        _fn.__module__ = __name__
        globals()[_fn.__name__] = _fn


def test_metrics_with_test_data_warns_and_goes_on(t):
    """examples/README.md: metrics/ has no seeds/; --with-test-data warns and exits 0."""
    d = os.path.join(ROOT, "examples", "metrics")
    check(not os.path.exists(os.path.join(d, "seeds")), "metrics has no seeds")
    t.pgboot("migrate", "--with-test-data", cwd=d).expect(0, 'no seed files in "seeds"', where="err")
    with open(os.path.join(ROOT, "examples", "README.md")) as f:
        text = f.read()
    said = text[text.index("(`metrics/` has no `seeds/`"):]
    said = said[:said.index(")\n")]
    check("exit 0" in said and "78" not in said, "examples/README.md says so: %r" % said)


def _prefix_verify_test(name, d):
    """Each project verifies at every version of its history, not only at its
    newest: a check on what a later migration creates says
    "-- pgboot:requires VERSION" and is skipped until that migration is applied
    (an older release's database, or one rolled back)."""
    def test(t):
        migs = sorted(f for f in os.listdir(os.path.join(d, "migrations")) if f.endswith(".sql"))
        p = t.project()
        for i, f in enumerate(migs):
            with open(os.path.join(d, "migrations", f)) as src:
                p.write("migrations", f, src.read())
            r = t.pgboot("migrate", "--migrations", p.migrations, "--verify", os.path.join(d, "verify"),
                         timeout=120).expect(0, "verified", where="err")
            if i == 0:
                r.expect_text("skipped check", where="err")
            elif i + 1 == len(migs):
                r.expect_no_text("skipped check")
    test.__name__ = "test_verify_at_every_version_" + name
    test.timeout = 180
    return test


for _name, _d in [("morse", ROOT)] + [(n, os.path.join(_ex, n)) for n in sorted(os.listdir(_ex))]:
    if os.path.isdir(os.path.join(_d, "migrations")) and os.path.isdir(os.path.join(_d, "verify")):
        _fn = _prefix_verify_test(_name, _d)
        _fn.__module__ = __name__
        globals()[_fn.__name__] = _fn
