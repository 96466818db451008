"""The down parts of the real projects (the MORSE demo at the root and every
examples/*/ project) exactly undo their up parts.

Without the rollback command: each project's migrations are applied by pgboot
one at a time (a project growing by one file per run), the schema dumped after
each; then the down parts are run by hand, newest first, each in one
transaction together with the deletion of its history row. After each down the
schema must equal the one recorded after the previous up (pg_dump
--schema-only, pgboot's history excluded); after the last, the schema of the
fresh empty database. Finally every up is applied again, which fails if a down
left something behind that an up creates."""
import json
import os
import re
import shutil

from harness import ROOT, check
from test_pg_dump import schema_of

DOWN_MARKER = re.compile(r"^--[ \t]*pgboot:down[ \t]*$", re.M)


def _projects():
    out = [("morse", os.path.join(ROOT, "migrations"))]
    ex = os.path.join(ROOT, "examples")
    for name in sorted(os.listdir(ex)) if os.path.isdir(ex) else []:
        d = os.path.join(ex, name, "migrations")
        if os.path.isdir(d):
            out.append((name, d))
    return out


def _files(migrations):
    return sorted(f for f in os.listdir(migrations) if f.endswith(".sql"))


def down_part(path):
    """The text after the `-- pgboot:down` line (None when the file has none)."""
    with open(path) as f:
        text = f.read()
    m = DOWN_MARKER.search(text)
    return text[m.end():] if m else None


def _diff(a, b):
    sa, sb = set(a), set(b)
    return "only before: %s\nonly after: %s" % ([x for x in a if x not in sb][:20], [x for x in b if x not in sa][:20])


def _run_down(t, name, down):
    """The down part in one transaction with the deletion of its history row."""
    stem = name[:-4]
    row = "kind = 'migration' AND version || '_' || name = '%s'" % stem
    t.psql("BEGIN;\n%s\n;DELETE FROM pgboot_migrations WHERE %s;\nCOMMIT;" % (down, row))
    left = t.psql("SELECT count(*) FROM pgboot_migrations WHERE %s" % row)
    check(left == "0", "the history row of %s deleted" % name, left)


def check_downs(t, migrations, complete=True):
    """complete: every file has a down part, all are run down to the empty
    schema; otherwise only the newest files that have one are run down."""
    files = _files(migrations)
    check(files, "%s has migrations" % migrations)
    having = [down_part(os.path.join(migrations, f)) is not None for f in files]
    if complete:
        check(all(having), "every migration has a down part; none: %s"
              % [f for f, h in zip(files, having) if not h])
    first = len(files)
    while first > 0 and having[first - 1]:
        first -= 1
    check(first < len(files), "the newest migration of %s has a down part" % migrations)
    proj = t.project()
    schemas = [schema_of(t, t.db)]  # schemas[i]: after the first i migrations
    for f in files:
        shutil.copy(os.path.join(migrations, f), proj.path("migrations", f))
        t.pgboot("migrate", "--no-verify", "--migrations", proj.migrations).expect(0)
        schemas.append(schema_of(t, t.db))
    applied = t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'migration'")
    check(applied == str(len(files)), "every migration applied", applied)
    for i in range(len(files), first, -1):
        f = files[i - 1]
        _run_down(t, f, down_part(os.path.join(migrations, f)))
        now = schema_of(t, t.db)
        check(now == schemas[i - 1], "after the down part of %s the schema is the one before its up" % f,
              _diff(schemas[i - 1], now))
    left = t.psql("SELECT count(*) FROM pgboot_migrations")
    check(left == str(first), "only the migrations without a down part are left", t.history())
    if first == 0:
        # the history table aside, the database is as fresh as a new one
        check(schema_of(t, t.new_database()) == schemas[0], "the schema equals a fresh database's")
    t.pgboot("migrate", "--no-verify", "--migrations", migrations).expect(0)
    check(schema_of(t, t.db) == schemas[-1], "every up applies again, to the same schema",
          _diff(schemas[-1], schema_of(t, t.db)))


# examples/README.md: kaiwa's older files have no down part, as in most
# projects that grew by hand-written files; only 0023 has one.
PARTIAL = ("kaiwa",)


def _per_project(prefix, check_fn):
    """One test per real project: prefix + its name, running check_fn(t, migrations, complete)."""
    for name, migrations in _projects():
        def test(t, migrations=migrations, complete=name not in PARTIAL):
            check_fn(t, migrations, complete)
        test.__name__ = prefix + name
        test.__module__ = __name__
        test.timeout = 300
        globals()[test.__name__] = test


_per_project("test_downs_", check_downs)


def test_downs_edited_down_part_keeps_checksum(t):
    """Databases migrated with files whose down parts were missing or different
    stay valid: the checksum covers the up part only."""
    old = t.project()
    migrations = os.path.join(ROOT, "migrations")
    for f in _files(migrations):
        with open(os.path.join(migrations, f)) as src:
            text = src.read()
        m = DOWN_MARKER.search(text)
        old.write("migrations", f, text[:m.start()] if m else text)
    t.pgboot("migrate", "--no-verify", "--migrations", old.migrations, timeout=120).expect(0)
    r = t.pgboot("status", "--json", "--migrations", migrations).expect(0)
    states = {i["state"] for i in json.loads(r.out)["items"]}
    check(states == {"applied"}, "status: every migration still applied", r)
    t.pgboot("migrate", "--no-verify", "--migrations", migrations).expect(0, "up to date")


def check_rollback_command(t, migrations, complete):
    """pgboot rollback itself, with the down parts the history stored:
    rollback --steps 1 then migrate, and (every file with a down part)
    rollback --all, which leaves the fresh database's schema, then migrate:
    each time the same schema as before."""
    t.pgboot("migrate", "--no-verify", "--migrations", migrations, timeout=120).expect(0)
    full = schema_of(t, t.db)
    n = len(_files(migrations))
    t.pgboot("rollback", "--steps", "1", "--confirm", "--no-verify", "--migrations", migrations).expect(0)
    left = t.psql("SELECT count(*) FROM pgboot_migrations WHERE kind = 'migration'")
    check(left == str(n - 1), "rollback --steps 1 removed one history row", t.history())
    t.pgboot("migrate", "--no-verify", "--migrations", migrations).expect(0)
    check(schema_of(t, t.db) == full, "migrate after rollback --steps 1 gives the same schema",
          _diff(full, schema_of(t, t.db)))
    if not complete:
        return
    t.pgboot("rollback", "--all", "--confirm", "--no-verify", "--migrations", migrations, timeout=120).expect(0)
    check(schema_of(t, t.db) == schema_of(t, t.new_database()), "rollback --all leaves a fresh database's schema")
    t.pgboot("migrate", "--no-verify", "--migrations", migrations, timeout=120).expect(0)
    check(schema_of(t, t.db) == full, "migrate after rollback --all gives the same schema",
          _diff(full, schema_of(t, t.db)))


_per_project("test_rollback_command_", check_rollback_command)
