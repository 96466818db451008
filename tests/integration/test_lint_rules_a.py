"""The lint rules constraint-not-valid, set-not-null, type-change-rewrite, add-column-volatile-default,
constraint-inline-index and drop-index-not-concurrent (issue 15): each unsafe form found at its line
with its lock and a fix written from the user's statement, the safe forms (across files: a CHECK
validated in an earlier migration lets SET NOT NULL pass) found by none, offline and graded by the
live database; the safe forms then apply with --lint error."""
import json

from harness import check

MINE = {"constraint-not-valid", "set-not-null", "type-change-rewrite", "add-column-volatile-default",
        "constraint-inline-index", "drop-index-not-concurrent"}

SETUP = (
    "CREATE TABLE users (id int PRIMARY KEY);"
    "CREATE TABLE orders (id int, user_id int, note text);"
    "INSERT INTO users SELECT g FROM generate_series(1, 1000) g;"
    "INSERT INTO orders SELECT g, g, 'x' FROM generate_series(1, 1000) g;"
    "CREATE UNIQUE INDEX orders_id_idx ON orders (id); CREATE INDEX orders_note_idx ON orders (note);"
    "CREATE SCHEMA app; CREATE TABLE app.\"Users\" (id int);"
    "ANALYZE users; ANALYZE orders; ANALYZE app.\"Users\";"
    # large cheaply: the planner's estimate says 5 M rows
    "UPDATE pg_class SET reltuples = 5000000, relpages = 50000 WHERE oid = 'orders'::regclass;"
)

BAD = (
    "-- the unsafe forms, one a line\n"
    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n"
    "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;\n"
    "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"
    "ALTER TABLE app.\"Users\" ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"
    "ALTER TABLE orders ADD PRIMARY KEY (id), ADD CHECK (id > 0);\n"
    "DROP INDEX orders_note_idx;\n"
)

GOOD = {
    "0002_not_valid.sql": "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
                          "REFERENCES users (id) NOT VALID;\n"
                          "ALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL) NOT VALID;\n"
                          "ALTER TABLE orders ADD COLUMN created timestamptz NOT NULL DEFAULT now(), "
                          "ADD COLUMN ref int REFERENCES users;\n"
                          "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;\n",
    "0003_validate.sql": "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n"
                         "ALTER TABLE orders VALIDATE CONSTRAINT orders_note_nn;\n",
    "0004_not_null.sql": "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;\n"
                         "ALTER TABLE orders DROP CONSTRAINT orders_note_nn;\n",
    "0005_items.sql": "CREATE TABLE items (id int, name varchar(50));\n"
                      "ALTER TABLE items ALTER name TYPE varchar(100);\n",
    "0006_drop.sql": "-- pgboot:no-transaction\nDROP INDEX CONCURRENTLY orders_note_idx;\n",
}


def _mine(doc):
    return sorted(((f["file"].split("/")[-1], f["line"], f["rule"]), f) for f in doc["findings"]
                  if f["rule"] in MINE)


def test_lint_rules_a_offline_online_and_the_safe_forms_apply(t):
    t.psql(SETUP)
    files = dict(GOOD)
    files["0001_bad.sql"] = BAD
    files["0007_created.sql"] = "CREATE TABLE fresh (id int);\nALTER TABLE fresh ALTER id TYPE bigint;\n"
    p = t.project(migrations=files)

    r = t.pgboot("lint", "--offline", "--json", project=p, url=None).expect(6)
    found = _mine(json.loads(r.out))
    where = [k for k, _ in found]
    check(where == [("0001_bad.sql", 2, "constraint-not-valid"), ("0001_bad.sql", 3, "set-not-null"),
                    ("0001_bad.sql", 4, "type-change-rewrite"), ("0001_bad.sql", 5, "add-column-volatile-default"),
                    ("0001_bad.sql", 6, "constraint-inline-index"), ("0001_bad.sql", 6, "constraint-not-valid"),
                    ("0001_bad.sql", 7, "drop-index-not-concurrent"),
                    ("0007_created.sql", 2, "type-change-rewrite")],
          "each unsafe form once, the safe ones (across files) never: %s" % where, r)
    f = dict(found)
    fk = f[("0001_bad.sql", 2, "constraint-not-valid")]
    check(fk["lock"] == "SHARE ROW EXCLUSIVE" and fk["table"] == "orders" and fk["column"] == 24
          and fk["grade"] == "warning", "the foreign key: lock, table, place, offline grade", r)
    check(fk["fix"].startswith("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) "
                               "REFERENCES users (id) NOT VALID;")
          and "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;" in fk["fix"], fk["fix"], r)
    ck = f[("0001_bad.sql", 6, "constraint-not-valid")]
    check(ck["lock"] == "ACCESS EXCLUSIVE" and "ADD CONSTRAINT orders_id_check CHECK (id > 0) NOT VALID;"
          in ck["fix"], "the CHECK gets the name PostgreSQL gives it: %s" % ck["fix"], r)
    nn = f[("0001_bad.sql", 3, "set-not-null")]
    check(nn["lock"] == "ACCESS EXCLUSIVE" and "CHECK (note IS NOT NULL) NOT VALID" in nn["fix"]
          and "ALTER TABLE orders ALTER COLUMN note SET NOT NULL;" in nn["fix"], nn["fix"], r)
    ty = f[("0001_bad.sql", 4, "type-change-rewrite")]
    check("the old type is not known from the text" in ty["fix"] and "ADD COLUMN id_new bigint" in ty["fix"],
          ty["fix"], r)
    vd = f[("0001_bad.sql", 5, "add-column-volatile-default")]
    check(vd["table"] == 'app."Users"' and vd["lock"] == "ACCESS EXCLUSIVE"
          and vd["fix"].startswith('ALTER TABLE app."Users" ADD COLUMN token uuid; ALTER TABLE app."Users" '
                                   'ALTER COLUMN token SET DEFAULT gen_random_uuid();'), vd["fix"], r)
    pk = f[("0001_bad.sql", 6, "constraint-inline-index")]
    check(pk["fix"].startswith("CREATE UNIQUE INDEX CONCURRENTLY orders_pkey ON orders (id);")
          and "ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey" in pk["fix"], pk["fix"], r)
    di = f[("0001_bad.sql", 7, "drop-index-not-concurrent")]
    check(di["table"] is None and di["lock"] == "ACCESS EXCLUSIVE" and di["grade"] == "warning"
          and di["fix"].startswith("DROP INDEX CONCURRENTLY orders_note_idx;"), "the index's table is not named", r)
    check(f[("0007_created.sql", 2, "type-change-rewrite")]["grade"] == "info", "a table created here: info", r)

    # online: graded by the tables' sizes (orders large, app."Users" small and sized by its spelling)
    r = t.pgboot("lint", "--json", "migrations/0001_bad.sql", project=p).expect(6)
    f = dict(_mine(json.loads(r.out)))
    grades = {k[1:]: v["grade"] for k, v in f.items()}
    check(grades == {(2, "constraint-not-valid"): "error", (3, "set-not-null"): "error",
                     (4, "type-change-rewrite"): "error", (5, "add-column-volatile-default"): "info",
                     (6, "constraint-inline-index"): "error", (6, "constraint-not-valid"): "error",
                     (7, "drop-index-not-concurrent"): "warning"}, "online grades: %s" % grades, r)
    check(f[("0001_bad.sql", 5, "add-column-volatile-default")]["rows"] == 0, "app.\"Users\" sized", r)

    # the safe forms run, refused by nothing at --lint error, and did what they say
    good = t.project(migrations=GOOD)
    r = t.pgboot("migrate", "--lint", "error", project=good).expect(0)
    check(t.psql("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note'")
          == "t", "note is NOT NULL", r)
    check(t.psql("SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY conname) FROM pg_constraint "
                 "WHERE conrelid = 'orders'::regclass") == "orders_pkey:true,orders_ref_fkey:true,"
          "orders_user_fk:true", "the constraints, validated", r)
