"""pgboot adopt for Flyway, diesel, drizzle, prisma, sqitch and Alembic (issue 14): each
database's history table is written in the tool's own format by the DDL copied from the
tool's source (and its rows as the tool writes them), its schema made by psql applying the
files; adopt records pgboot rows for exactly what the tool applied, then migrate applies
only the newer file. Unclean histories refuse (5) changing nothing; a content hash that
differs is reported; Alembic's head is mapped with --map / --map-file; the tool's advisory
lock key is held (a session holding it makes adopt wait, 75)."""
import hashlib
import json
import zlib

from harness import check

# flyway-core's createMetaDataTable.sql (PostgreSQL)
FLYWAY_DDL = """
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
"""


def flyway_crc(text):
    """Flyway's ChecksumCalculator: CRC-32 of the lines without their breaks, a BOM dropped, signed."""
    data = text.encode()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    v = zlib.crc32(data.replace(b"\r", b"").replace(b"\n", b""))
    return v - 2 ** 32 if v >= 2 ** 31 else v


def java_hash(s):
    h = 0
    u = s.encode("utf-16-be")
    for i in range(0, len(u), 2):
        h = (31 * h + int.from_bytes(u[i:i + 2], "big")) & 0xFFFFFFFF
    return h - 2 ** 32 if h >= 2 ** 31 else h


def apply_files(t, db, files):
    for text in files:
        t.psql(text, db=db)


def adopted(t, db):
    """[(version, applied_by)] of pgboot's migration rows."""
    if t.psql("SELECT to_regclass('public.pgboot_migrations') IS NULL", db=db) == "t":
        return []
    out = t.psql("SELECT version, applied_by FROM pgboot_migrations WHERE kind = 'migration' ORDER BY version",
                 db=db)
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def flyway_row(rank, version, desc, type_, script, checksum, success=True):
    return ("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
            "installed_by, execution_time, success) VALUES (%d, %s, '%s', '%s', '%s', %s, 'flyway', 12, %s);"
            % (rank, "NULL" if version is None else "'%s'" % version, desc, type_, script,
               "NULL" if checksum is None else checksum, "true" if success else "false"))


def test_flyway_history_adopted(t):
    """Flyway: a baseline at 1 stands for every file up to it, an undone version and a
    repeatable are left out, a checksum that differs is reported; migrate then runs only
    V3; a success = false row refuses (5); the Flyway lock key is held."""
    files = {
        "V1__init.sql": "CREATE TABLE fw_a (id int);\n",
        "V1.1__users.sql": "CREATE TABLE fw_users (id int);\r\nCREATE INDEX ON fw_users (id);\r\n",
        "V2__orders.sql": "CREATE TABLE fw_orders (id int);\n",
        "V3__new.sql": "CREATE TABLE fw_new (id int);\n",
    }
    p = t.project()
    for name, text in files.items():
        p.write("migrations", name, text)
    db = t.db
    apply_files(t, db, [files["V1__init.sql"], files["V1.1__users.sql"], files["V2__orders.sql"]])
    t.psql(FLYWAY_DDL + "".join([
        flyway_row(1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", None),
        flyway_row(2, "1.1", "users", "SQL", "V1.1__users.sql", flyway_crc(files["V1.1__users.sql"])),
        flyway_row(3, "2", "orders", "SQL", "V2__orders.sql", flyway_crc("CREATE TABLE fw_orders (id bigint);\n")),
        flyway_row(4, "2.5", "gone", "SQL", "V2.5__gone.sql", 17),
        flyway_row(5, "2.5", "gone", "UNDO_SQL", "U2.5__gone.sql", 18),
        flyway_row(6, None, "views", "SQL", "R__views.sql", 99),
    ]), db=db)
    r = t.pgboot("adopt", "--confirm", project=p)
    r.expect(0, "adopted 3 migrations applied by flyway", "V2__orders.sql", "is not what flyway applied")
    r.expect_no_text("V1.1__users.sql\" is not")
    check([v for v, _ in adopted(t, db)] == ["1", "1.1", "2"], "adopted rows", adopted(t, db))
    check(all("adopted from flyway" in by for _, by in adopted(t, db)), "applied_by", adopted(t, db))
    r = t.pgboot("adopt", "--confirm", project=p)
    r.expect(0, "nothing to adopt")
    r = t.pgboot("migrate", project=p)
    r.expect(0)
    check([v for v, _ in adopted(t, db)] == ["1", "1.1", "2", "3"], "migrate ran only V3", adopted(t, db))
    check(t.table_exists("fw_new", db=db), "V3 applied")

    # a failed migration: refused, nothing written; the lock key: waited for (75)
    db2 = t.new_database()
    t.psql(FLYWAY_DDL + flyway_row(1, "1", "init", "SQL", "V1__init.sql", flyway_crc(files["V1__init.sql"]))
           + flyway_row(2, "1.1", "users", "SQL", "V1.1__users.sql", 5, success=False), db=db2)
    r = t.pgboot("adopt", "--confirm", project=p, env={"DATABASE_URL": t.url(db2)})
    r.expect(5, "not clean", "1.1 (success = false", "nothing was adopted")
    check(adopted(t, db2) == [], "nothing recorded", adopted(t, db2))
    t.psql("DELETE FROM flyway_schema_history WHERE installed_rank = 2", db=db2)
    key = 0x466C79776179 + java_hash('"public"."flyway_schema_history"')
    t.hold("SELECT pg_advisory_lock(%d)" % key, db=db2)
    r = t.pgboot("adopt", "--confirm", "--lock-timeout", "300ms", project=p, env={"DATABASE_URL": t.url(db2)})
    r.expect(75, "flyway's advisory lock %d" % key)
    check(adopted(t, db2) == [], "nothing recorded while flyway holds its lock", adopted(t, db2))


def test_diesel_and_prisma_histories_adopted(t):
    """diesel: versions without dashes, no hash; prisma: rows by directory name, a
    rolled-back row ignored, a checksum that differs reported, a failed row refused (5)."""
    # diesel_migrations' migration_harness DDL
    diesel = t.project()
    diesel.write("migrations/2022-10-23-135826_create_a", "up.sql", "CREATE TABLE dz_a (id int);\n")
    diesel.write("migrations/2022-10-23-135826_create_a", "down.sql", "DROP TABLE dz_a;\n")
    diesel.write("migrations/2022-11-01-000000_create_b", "up.sql", "CREATE TABLE dz_b (id int);\n")
    diesel.write("migrations/2022-11-01-000000_create_b", "down.sql", "DROP TABLE dz_b;\n")
    db = t.db
    t.psql("CREATE TABLE dz_a (id int);"
           "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, "
           "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);"
           "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES ('20221023135826', '2023-01-02 03:04:05')",
           db=db)
    r = t.pgboot("adopt", "--from", "diesel", "--confirm", project=diesel)
    r.expect(0, "adopted 1 migration applied by diesel")
    check(adopted(t, db)[0][0] == "20221023135826", "diesel row", adopted(t, db))
    check(t.psql("SELECT applied_at = '2023-01-02 03:04:05'::timestamp::timestamptz FROM pgboot_migrations",
                 db=db) == "t", "applied_at from run_on")
    t.pgboot("migrate", project=diesel).expect(0)
    check(len(adopted(t, db)) == 2 and t.table_exists("dz_b", db=db), "migrate ran only the newer one")

    # prisma-engines' postgres create_migrations_table
    prisma_ddl = """CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);"""
    pm = {"20240101000000_init": "CREATE TABLE pr_a (id int);\n",
          "20240201000000_more": "CREATE TABLE pr_b (id int);\n",
          "20240301000000_new": "CREATE TABLE pr_c (id int);\n"}
    prisma = t.project()
    for d, text in pm.items():
        prisma.write("migrations/" + d, "migration.sql", text)
    prisma.write("migrations", "migration_lock.toml", 'provider = "postgresql"\n')

    def ins(name, checksum, finished=True, rolled_back=False):
        return ("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, "
                "applied_steps_count) VALUES (gen_random_uuid()::text, '%s', %s, '%s', %s, %d);"
                % (checksum, "now()" if finished else "NULL", name, "now()" if rolled_back else "NULL",
                   1 if finished else 0))
    sha = lambda s: hashlib.sha256(s.encode()).hexdigest()
    db2 = t.new_database()
    t.psql(pm["20240101000000_init"] + pm["20240201000000_more"] + prisma_ddl
           + ins("20240101000000_init", sha(pm["20240101000000_init"]))
           + ins("20240201000000_more", sha("CREATE TABLE pr_b (id int, x int);\n"), finished=False, rolled_back=True)
           + ins("20240201000000_more", sha("CREATE TABLE pr_b (id int, x int);\n")), db=db2)
    env2 = {"DATABASE_URL": t.url(db2)}
    r = t.pgboot("adopt", "--confirm", project=prisma, env=env2)
    r.expect(0, "adopted 2 migrations applied by prisma", "migration.sql\" is not what prisma applied")
    check([v for v, _ in adopted(t, db2)] == ["20240101000000", "20240201000000"], "prisma rows", adopted(t, db2))
    t.pgboot("migrate", project=prisma, env=env2).expect(0)
    check(len(adopted(t, db2)) == 3 and t.table_exists("pr_c", db=db2), "migrate ran only the newer one")

    db3 = t.new_database()
    t.psql(prisma_ddl + ins("20240101000000_init", sha(pm["20240101000000_init"]), finished=False), db=db3)
    r = t.pgboot("adopt", "--confirm", project=prisma, env={"DATABASE_URL": t.url(db3)})
    r.expect(5, "20240101000000_init (finished_at and rolled_back_at are null")
    check(adopted(t, db3) == [], "nothing recorded", adopted(t, db3))
    t.psql("UPDATE _prisma_migrations SET finished_at = now()", db=db3)
    t.hold("SELECT pg_advisory_lock(72707369)", db=db3)
    r = t.pgboot("adopt", "--confirm", "--lock-timeout", "300ms", project=prisma, env={"DATABASE_URL": t.url(db3)})
    r.expect(75, "prisma's advisory lock 72707369")


def test_drizzle_history_adopted(t):
    """drizzle: rows matched by the journal's when, the hash compared (raw text); a file
    edited since is reported; migrate runs only the newer entry."""
    files = {"0000_first": 'CREATE TABLE "dr_a" ("id" serial PRIMARY KEY);\n',
             "0001_second": 'ALTER TABLE "dr_a" ADD COLUMN "x" int;\r\n--> statement-breakpoint\r\n'
                            'CREATE INDEX "dr_a_x" ON "dr_a" ("x");\r\n',
             "0002_third": 'CREATE TABLE "dr_b" ("id" int);\n'}
    whens = [1700000000000, 1700000100000, 1700000200000]
    p = t.project(migrations={tag + ".sql": text for tag, text in files.items()})
    p.write("migrations/meta", "_journal.json", json.dumps({"version": "7", "dialect": "postgresql", "entries": [
        {"idx": i, "version": "7", "when": whens[i], "tag": tag, "breakpoints": True}
        for i, tag in enumerate(files)]}))
    db = t.db
    # drizzle-orm's pg-core dialect.js migrate(): the schema, the table, one row per entry
    t.psql(files["0000_first"] + files["0001_second"].replace("--> statement-breakpoint", "")
           + 'CREATE SCHEMA IF NOT EXISTS "drizzle"; CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" '
           '(id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);'
           + "".join('INSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES (\'%s\', %d);'
                     % (hashlib.sha256(text.encode()).hexdigest(), whens[i])
                     for i, text in enumerate([files["0000_first"], files["0001_second"]])), db=db)
    p.write("migrations", "0000_first.sql", 'CREATE TABLE "dr_a" ("id" serial PRIMARY KEY); -- edited\n')
    r = t.pgboot("adopt", "--confirm", project=p)
    r.expect(0, "adopted 2 migrations applied by drizzle", "0000_first.sql\" is not what drizzle applied")
    r.expect_no_text("0001_second.sql\" is not")
    t.pgboot("migrate", project=p).expect(0)
    check(len(adopted(t, db)) == 3 and t.table_exists("dr_b", db=db), "migrate ran only 0002", adopted(t, db))
    check(t.psql('SELECT count(*) FROM drizzle.__drizzle_migrations', db=db) == "2", "their table untouched")


SQITCH_DDL = """
CREATE SCHEMA sqitch;
CREATE TABLE sqitch.projects (
    project         TEXT        PRIMARY KEY,
    uri             TEXT            NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    creator_name    TEXT        NOT NULL,
    creator_email   TEXT        NOT NULL
);
CREATE TABLE sqitch.changes (
    change_id       TEXT        PRIMARY KEY,
    script_hash     TEXT            NULL,
    change          TEXT        NOT NULL,
    project         TEXT        NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE,
    note            TEXT        NOT NULL DEFAULT '',
    committed_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    committer_name  TEXT        NOT NULL,
    committer_email TEXT        NOT NULL,
    planned_at      TIMESTAMPTZ NOT NULL,
    planner_name    TEXT        NOT NULL,
    planner_email   TEXT        NOT NULL,
    UNIQUE(project, script_hash)
);
CREATE TABLE sqitch.events (
    event           TEXT        NOT NULL CONSTRAINT events_event_check CHECK (
        event IN ('deploy', 'revert', 'fail', 'merge')
    ),
    change_id       TEXT        NOT NULL,
    change          TEXT        NOT NULL,
    project         TEXT        NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE,
    note            TEXT        NOT NULL DEFAULT '',
    requires        TEXT[]      NOT NULL DEFAULT '{}',
    conflicts       TEXT[]      NOT NULL DEFAULT '{}',
    tags            TEXT[]      NOT NULL DEFAULT '{}',
    committed_at    TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    committer_name  TEXT        NOT NULL,
    committer_email TEXT        NOT NULL,
    planned_at      TIMESTAMPTZ NOT NULL,
    planner_name    TEXT        NOT NULL,
    planner_email   TEXT        NOT NULL,
    PRIMARY KEY (change_id, committed_at)
);
INSERT INTO sqitch.projects (project, creator_name, creator_email) VALUES ('app', 'Ann', 'ann@example.com');
"""


def sqitch_deploy(change, script, event="deploy", changes_row=True):
    cid = hashlib.sha1(("change:" + change).encode()).hexdigest()
    sql = ("INSERT INTO sqitch.events (event, change_id, change, project, committer_name, committer_email, "
           "planned_at, planner_name, planner_email) VALUES ('%s', '%s', '%s', 'app', 'Ann', 'ann@example.com', "
           "now(), 'Ann', 'ann@example.com');" % (event, cid, change))
    if changes_row:
        sql += ("INSERT INTO sqitch.changes (change_id, script_hash, change, project, committer_name, "
                "committer_email, planned_at, planner_name, planner_email) VALUES ('%s', '%s', '%s', 'app', 'Ann', "
                "'ann@example.com', now(), 'Ann', 'ann@example.com');"
                % (cid, hashlib.sha1(script.encode()).hexdigest(), change))
    return sql


def test_sqitch_and_alembic_histories_adopted(t):
    """sqitch: changes matched to files by name, script_hash (SHA-1) compared, a newest
    'fail' event refused (5), its lock key held; Alembic: the head mapped with --map or
    --map-file adopts every file up to it, an unmapped head or a map to no file is 78,
    two heads are 5."""
    files = {"0001_users.sql": "BEGIN;\nCREATE TABLE sq_users (id int);\nCOMMIT;\n",
             "0002_widgets.sql": "BEGIN;\nCREATE TABLE sq_widgets (id int);\nCOMMIT;\n",
             "0003_gadgets.sql": "CREATE TABLE sq_gadgets (id int);\n"}
    p = t.project(migrations=files)
    db = t.db
    t.psql(files["0001_users.sql"] + files["0002_widgets.sql"] + SQITCH_DDL
           + sqitch_deploy("users", files["0001_users.sql"])
           + sqitch_deploy("widgets", "BEGIN;\nCREATE TABLE sq_widgets (id bigint);\nCOMMIT;\n"), db=db)
    r = t.pgboot("adopt", "--confirm", project=p)
    r.expect(0, "adopted 2 migrations applied by sqitch", "0002_widgets.sql\" is not what sqitch applied")
    r.expect_no_text("0001_users.sql\" is not")
    t.pgboot("migrate", project=p).expect(0)
    check([v for v, _ in adopted(t, db)] == ["0001", "0002", "0003"], "migrate ran only 0003", adopted(t, db))

    db2 = t.new_database()
    t.psql(SQITCH_DDL + sqitch_deploy("users", files["0001_users.sql"])
           + sqitch_deploy("widgets", files["0002_widgets.sql"], event="fail", changes_row=False), db=db2)
    env2 = {"DATABASE_URL": t.url(db2)}
    r = t.pgboot("adopt", "--confirm", project=p, env=env2)
    r.expect(5, "widgets (the newest sqitch event is a failed deploy")
    check(adopted(t, db2) == [], "nothing recorded", adopted(t, db2))
    t.psql(sqitch_deploy("widgets", files["0002_widgets.sql"]), db=db2)
    t.hold("SELECT pg_advisory_lock(75474063)", db=db2)
    r = t.pgboot("adopt", "--confirm", "--lock-timeout", "300ms", project=p, env=env2)
    r.expect(75, "sqitch's advisory lock 75474063")

    # Alembic: its own DDL (alembic's offline --sql output)
    db3 = t.new_database()
    env3 = {"DATABASE_URL": t.url(db3)}
    t.psql(files["0001_users.sql"] + files["0002_widgets.sql"]
           + "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
           "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
           "INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf');", db=db3)
    r = t.pgboot("adopt", "--confirm", project=p, env=env3)
    r.expect(78, 'at revision "ae1027a6acf"', "--map ae1027a6acf=VERSION")
    r = t.pgboot("adopt", "--confirm", "--map", "ae1027a6acf=0009", project=p, env=env3)
    r.expect(78, '"ae1027a6acf" is mapped to version 0009, and no local migration has that version')
    check(adopted(t, db3) == [], "nothing recorded", adopted(t, db3))
    mapfile = t.write("alembic.map", "# alembic revision = pgboot version\n1975ea83b712=0001\n"
                      "ae1027a6acf=0002   # head\n27c6a30d7c24=0003\n")
    r = t.pgboot("adopt", "--confirm", "--map-file", mapfile, project=p, env=env3)
    r.expect(0, "adopted 2 migrations applied by alembic")
    check([v for v, by in adopted(t, db3) if "alembic" in by] == ["0001", "0002"], "alembic rows", adopted(t, db3))
    t.pgboot("migrate", project=p, env=env3).expect(0)
    check(len(adopted(t, db3)) == 3 and t.table_exists("sq_gadgets", db=db3), "migrate ran only 0003")

    db4 = t.new_database()
    t.psql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
           "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
           "INSERT INTO alembic_version VALUES ('ae1027a6acf'), ('b2c3');", db=db4)
    r = t.pgboot("adopt", "--confirm", "--map", "ae1027a6acf=0002,b2c3=0001", project=p,
                 env={"DATABASE_URL": t.url(db4), "PGBOOT_ADOPT_MAP": "x=1"})
    r.expect(5, "one of several heads")
    check(adopted(t, db4) == [], "nothing recorded", adopted(t, db4))
    r = t.pgboot("adopt", "--confirm", project=p, env={"DATABASE_URL": t.url(db4), "PGBOOT_ADOPT_MAP": "bad"})
    r.expect(78, "PGBOOT_ADOPT_MAP: invalid map entry \"bad\"")
