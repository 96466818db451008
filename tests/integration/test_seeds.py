"""Seeds: applied only with --with-test-data (or PGBOOT_WITH_TEST_DATA=1), after the
migrations; repeatable by checksum: re-applied when changed, not when unchanged."""
from harness import check

MIGS = {"0001_users.sql": "CREATE TABLE users (name text);"}
SEED = "INSERT INTO users VALUES ('alice');"


def _count(t):
    return int(t.psql("SELECT count(*) FROM users"))


def test_seeds_not_applied_without_flag(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED})
    t.pgboot("migrate", project=p).expect(0)
    check(_count(t) == 0, "no seeds by default")
    check(t.history() == [("migration", "0001", "users")], "no seed row", t.history())
    t.pgboot("run", "--", "true", project=p).expect(0)
    check(_count(t) == 0, "run: no seeds by default")


def test_seeds_applied_with_flag(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED, "0002_bob.sql": "INSERT INTO users VALUES ('bob');"})
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(_count(t) == 2, "both seeds ran", r)
    check(("seed", "0001", "alice") in t.history(), "seed history rows", t.history())


def test_seeds_with_environment_variable(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED})
    t.pgboot("run", "--", "true", project=p, env={"PGBOOT_WITH_TEST_DATA": "1"}).expect(0)
    check(_count(t) == 1, "PGBOOT_WITH_TEST_DATA=1")


def test_seeds_not_reapplied_when_unchanged(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED})
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0, "up to date")
    check(_count(t) == 1, "the unchanged seed did not run again", r)


def test_seeds_reapplied_when_changed(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED})
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    p.write("seeds", "0001_alice.sql", "DELETE FROM users; INSERT INTO users VALUES ('alice'), ('carol');")
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(t.psql("SELECT string_agg(name, ',' ORDER BY name) FROM users") == "alice,carol", "re-applied", r)
    check(t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'seed'") == "1", "still one seed row")
    from harness import sha256_hex
    check(t.psql("SELECT checksum FROM pgboot_migrations WHERE kind = 'seed'") ==
          sha256_hex(p.read("seeds", "0001_alice.sql")), "the row holds the new checksum")
    t.pgboot("migrate", "--with-test-data", project=p).expect(0, "up to date")


def test_seeds_after_migrations(t):
    """Seeds run after every migration, whatever their versions."""
    p = t.project(migrations={"0001_users.sql": "CREATE TABLE users (name text);",
                              "0005_more.sql": "ALTER TABLE users ADD COLUMN age int;"},
                  seeds={"0001_alice.sql": "INSERT INTO users (name, age) VALUES ('alice', 30);"})
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    check(t.psql("SELECT age FROM users") == "30", "the seed saw the later migration")


def test_failing_seed_exit_3(t):
    p = t.project(migrations=MIGS, seeds={"0001_ok.sql": SEED, "0002_bad.sql": "INSERT INTO users VALUES (1, 2, 3);"})
    r = t.pgboot("migrate", "--with-test-data", project=p).expect(3, "0002_bad.sql", where="err")
    check(_count(t) == 1, "the first seed stays, the failed one rolled back", r)
    check(("seed", "0002", "bad") not in t.history(), "no row for the failed seed")


def test_deleted_seed_is_not_drift(t):
    p = t.project(migrations=MIGS, seeds={"0001_alice.sql": SEED})
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    p.remove("seeds", "0001_alice.sql")
    t.pgboot("migrate", "--with-test-data", project=p).expect(0)
    t.pgboot("migrate", project=p).expect(0)


def test_seeds_dir_option(t):
    p = t.project(migrations=MIGS)
    p.write("testdata", "0001_alice.sql", SEED)
    t.pgboot("migrate", "--with-test-data", "--seeds", p.path("testdata", ""), project=p).expect(0)
    check(_count(t) == 1, "--seeds DIR")


def test_missing_seeds_dir_with_flag(t):
    """No seeds/ directory at all: nothing to seed (the MORSE layout always has one;
    a project without seeds should still accept --with-test-data)."""
    p = t.project(migrations=MIGS)
    r = t.pgboot("migrate", "--with-test-data", project=p)
    check(r.code in (0, 78), "0 or a clear configuration error", r)
    if r.code == 78:
        r.expect_text("seeds", where="err")
