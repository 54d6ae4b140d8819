"""pgshift diff on generated schema pairs: a project-like schema (users, products, orders, order items; an enum,
identity and serial keys, foreign keys, checks, indexes, views, comments, defaults) changed by random mutations
from a fixed pool (add, drop or alter a column, an index, a foreign key, a check, a view, an enum value, a comment,
a default; add or drop a table; no renames), and features that each take one of a few shapes or none (FEATURES:
inheritance, range, domain and composite types, partitions, policies, triggers, SQL-body functions, a function
that a generated column and a domain call, replica identity, column storage, compression and statistics targets,
column and default privileges, statistics objects).  For each seed (deterministic), schema A and schema B = A
mutated again are built in two databases; the diff A -> B is applied migration by migration and the models must
then be equal (an empty diff, and the same pg_dump), and B -> A likewise.  PGSHIFT_RANDOM_SEEDS=N runs N seeds."""
import copy
import os
import random

import pytest

from test_diff import apply_each_migration, diff, pg_dump_schema

SEEDS = range(int(os.environ.get("PGSHIFT_RANDOM_SEEDS", "30")))

# a feature: its shapes (one is rendered, or none); each creates what it needs beside the base tables and uses only
# their fixed columns
TWICE = "CREATE FUNCTION twice(x int) RETURNS {t} LANGUAGE sql IMMUTABLE AS 'SELECT {body}';\n"
GEN = ("CREATE TABLE g (a int, b int GENERATED ALWAYS AS (twice(a)) STORED);\nCOMMENT ON COLUMN g.b IS 'twice a';\n"
       "CREATE DOMAIN small AS int DEFAULT twice(1) CONSTRAINT small_ok CHECK (twice(VALUE) < 100);\n"
       "CREATE TABLE ds (id int, v small);\n")
FEATURES = {
    "inherit": ["CREATE TABLE ih_p (a int, n text);\nCREATE TABLE ih_q (b int);\n"
                "CREATE TABLE ih_c (a int, n text, b int, x int){inh};\nINSERT INTO ih_c (a, n, b, x) VALUES (1, 'one', 2, 3);\n"
                .format(inh=inh) for inh in ("", " INHERITS (ih_p)", " INHERITS (ih_p, ih_q)", " INHERITS (ih_q)")]
    + ["CREATE TABLE ih_q (b int);\nCREATE TABLE ih_c (a int, n text, b int, x int) INHERITS (ih_q);\n"],
    "range": ["CREATE TYPE fr AS RANGE (subtype = float8);\n", "CREATE TYPE fr AS RANGE (subtype = numeric);\n",
              "CREATE TYPE fr AS RANGE (subtype = float8);\nCREATE TABLE rt (id int, span fr);\n"],
    "replica": ["ALTER TABLE users REPLICA IDENTITY FULL;\n", "ALTER TABLE users REPLICA IDENTITY NOTHING;\n",
                "CREATE UNIQUE INDEX users_ri ON users (id);\nALTER TABLE users REPLICA IDENTITY USING INDEX users_ri;\n",
                "CREATE UNIQUE INDEX users_ri ON users (id DESC);\n"],
    "colset": ["CREATE TABLE cs (id int, doc text, n int);\n" + x for x in (
        "", "ALTER TABLE cs ALTER COLUMN doc SET STORAGE EXTERNAL;\n",
        "ALTER TABLE cs ALTER COLUMN doc SET COMPRESSION pglz;\nALTER TABLE cs ALTER COLUMN n SET STATISTICS 100;\n",
        "ALTER TABLE cs ALTER COLUMN doc SET STORAGE MAIN;\nALTER TABLE cs ALTER COLUMN doc SET STATISTICS 0;\n")]
    + ["CREATE TABLE cs (id int, doc varchar(100), n bigint);\nALTER TABLE cs ALTER COLUMN doc SET STORAGE EXTERNAL;\n"],
    "genfn": [TWICE.format(t="int", body="x * 2") + GEN, TWICE.format(t="bigint", body="x * 2") + GEN,
              TWICE.format(t="int", body="x + x") + GEN],
    "partition": ["CREATE TABLE pt (id int, k int{note}) PARTITION BY RANGE (k);\n{parts}".format(note=n, parts=p)
                  for n, p in (("", "CREATE TABLE pt_a PARTITION OF pt FOR VALUES FROM (0) TO (10);\n"
                                    "CREATE TABLE pt_b PARTITION OF pt FOR VALUES FROM (10) TO (20);\n"),
                               ("", "CREATE TABLE pt_a PARTITION OF pt FOR VALUES FROM (0) TO (15);\n"
                                    "CREATE TABLE pt_b PARTITION OF pt FOR VALUES FROM (15) TO (20);\n"),
                               (", note text", "CREATE TABLE pt_a PARTITION OF pt FOR VALUES FROM (0) TO (10);\n"
                                               "CREATE TABLE pt_d PARTITION OF pt DEFAULT;\n"))],
    "domain": ["CREATE DOMAIN posint AS {b}{x};\nCREATE TABLE dt (id int, n posint);\n".format(b=b, x=x) for b, x in (
        ("integer", " CHECK (VALUE > 0)"), ("integer", " NOT NULL CHECK (VALUE >= 0) CHECK (VALUE < 1000)"),
        ("bigint", " CHECK (VALUE > 0)"))],
    "composite": ["CREATE TYPE pair AS ({a});\nCREATE TABLE ct (id int, p pair);\n".format(a=a) for a in (
        "a int, b text", "a int, b text, c date", "a bigint, b text")],
    "policy": ["ALTER TABLE users ENABLE ROW LEVEL SECURITY;\nCREATE POLICY pol ON users " + x for x in (
        "FOR SELECT USING (id > 0);\n", "FOR SELECT USING (id > 10);\n",
        "AS RESTRICTIVE FOR ALL TO PUBLIC USING (id > 0) WITH CHECK (id > 1);\n")],
    "trigger": ["CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
                "CREATE TRIGGER orders_touch " + x + " ON orders FOR EACH ROW EXECUTE FUNCTION touch();\n" for x in (
                    "BEFORE UPDATE", "BEFORE INSERT OR UPDATE", "BEFORE UPDATE OF id")],
    "sqlfn": ["CREATE FUNCTION user_count() RETURNS {t} LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*){c} FROM "
              "public.users WHERE id > {n}; END;\n".format(t=t, c=c, n=n)
              for t, c, n in (("bigint", "", 0), ("bigint", "", 5), ("integer", "::integer", 0))],
    "colpriv": ["GRANT SELECT (id) ON users TO PUBLIC;\n", "GRANT SELECT (id), UPDATE (id) ON users TO PUBLIC;\n",
                "GRANT INSERT (id) ON orders TO PUBLIC;\n"],
    "defpriv": ["CREATE SCHEMA aux;\nALTER DEFAULT PRIVILEGES IN SCHEMA aux GRANT " + x + ";\n" for x in (
        "SELECT ON TABLES TO PUBLIC", "SELECT, INSERT ON TABLES TO PUBLIC", "USAGE ON SEQUENCES TO PUBLIC")],
    "stats": ["CREATE TABLE stt (a int, b int, c int);\nCREATE STATISTICS st1 " + x + ";\n" for x in (
        "(dependencies) ON a, b FROM stt", "(ndistinct) ON a, c FROM stt",
        "(dependencies) ON a, b FROM stt;\nALTER STATISTICS st1 SET STATISTICS 200")],
}

TYPES = ["integer", "bigint", "text", "varchar(20)", "numeric(10,2)", "boolean", "date", "status"]
DEFAULTS = {"integer": "7", "bigint": "0", "text": "'x'", "varchar(20)": "'y'", "numeric(10,2)": "1.5",
            "boolean": "false", "date": "'2024-01-01'", "status": "'new'"}
# a type change and its way back: the pairs pgshift writes as ALTER COLUMN TYPE (no data: narrowing is fine)
RETYPE = {"integer": "bigint", "bigint": "integer", "text": "varchar(20)", "varchar(20)": "text",
          "numeric(10,2)": "numeric(12,2)", "numeric(12,2)": "numeric(10,2)"}
CHECKS = {"integer": "{c} >= 0", "bigint": "{c} > -1", "text": "length({c}) < 100", "varchar(20)": "{c} <> ''",
          "numeric(10,2)": "{c} >= 0", "numeric(12,2)": "{c} >= 0", "boolean": "{c} IS NOT NULL",
          "date": "{c} > '2000-01-01'", "status": "{c} <> 'paid'"}


def col(type_, default=None, not_null=False, fixed=None):
    return {"type": type_, "default": default, "not_null": not_null, "fixed": fixed}


def base():
    return {
        "enum": ["new", "paid", "shipped"],
        "tables": {
            "users": {"id": col(None, fixed="bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
                      "email": col("text", not_null=True), "name": col("text"), "age": col("integer", "0")},
            "products": {"id": col(None, fixed="serial PRIMARY KEY"), "sku": col("varchar(20)", not_null=True),
                         "price": col("numeric(10,2)", "0"), "active": col("boolean", "true")},
            "orders": {"id": col(None, fixed="bigint PRIMARY KEY"), "user_id": col(None, fixed="bigint"),
                       "status": col("status", "'new'"), "total": col("numeric(10,2)"), "note": col("text")},
            "order_items": {"order_id": col(None, fixed="bigint"), "product_id": col(None, fixed="integer"),
                            "qty": col("integer", "1", True)},
        },
        "indexes": {"users_email": ("users", ["email"], True), "orders_user": ("orders", ["user_id"], False)},
        "checks": {"products_price_ok": ("products", "price", "{c} >= 0")},
        "fks": {"orders_user_fk": ("orders", "user_id", "users"),
                "order_items_order_fk": ("order_items", "order_id", "orders")},
        "views": {"active_products": ("products", ["id", "sku"])},
        "comments": {("users", None): "people", ("orders", "note"): "free text"},
        "serial": 0,
        "features": {},
    }


def columns(s, table, mutable=True):
    return sorted(c for c, d in s["tables"][table].items() if not (mutable and d["fixed"]))


def drop_column_deps(s, table, name):
    s["indexes"] = {k: v for k, v in s["indexes"].items() if not (v[0] == table and name in v[1])}
    s["checks"] = {k: v for k, v in s["checks"].items() if not (v[0] == table and v[1] == name)}
    s["views"] = {k: v for k, v in s["views"].items() if not (v[0] == table and name in v[1])}
    s["comments"].pop((table, name), None)


def mutate(s, rng):
    """Applies one random mutation of the pool to s (in place)."""
    tables = sorted(s["tables"])
    t = rng.choice(tables)
    cols = columns(s, t)
    s["serial"] += 1
    n = s["serial"]
    if rng.random() < 0.5:
        f = rng.choice(sorted(FEATURES))
        shapes = [None] + list(range(len(FEATURES[f])))
        shapes.remove(s["features"].get(f))
        s["features"][f] = rng.choice(shapes)
        return
    kind = rng.choice(["add_column", "drop_column", "retype", "not_null", "default", "index", "drop_index", "check",
                       "drop_check", "fk", "drop_fk", "view", "drop_view", "enum_add", "enum_remove", "comment",
                       "add_table", "drop_table"])
    if kind == "add_column":
        ty = rng.choice(TYPES)
        s["tables"][t][f"c{n}"] = col(ty, DEFAULTS[ty] if rng.random() < 0.5 else None, rng.random() < 0.2)
    elif kind == "drop_column" and cols:
        c = rng.choice(cols)
        del s["tables"][t][c]
        drop_column_deps(s, t, c)
    elif kind == "retype":
        cands = [c for c in cols if s["tables"][t][c]["type"] in RETYPE]
        if cands:
            c = rng.choice(cands)
            d = s["tables"][t][c]
            d["type"] = RETYPE[d["type"]]
            if d["default"] is not None:
                d["default"] = DEFAULTS.get(d["type"], d["default"])
            s["checks"] = {k: v for k, v in s["checks"].items() if not (v[0] == t and v[1] == c)}
    elif kind == "not_null" and cols:
        d = s["tables"][t][rng.choice(cols)]
        d["not_null"] = not d["not_null"]
    elif kind == "default" and cols:
        d = s["tables"][t][rng.choice(cols)]
        d["default"] = None if d["default"] is not None else DEFAULTS.get(d["type"])
    elif kind == "index":
        some = rng.sample(columns(s, t, False), min(2, len(columns(s, t, False))))
        if some:
            s["indexes"][f"{t}_ix{n}"] = (t, some, False)
    elif kind == "drop_index" and s["indexes"]:
        del s["indexes"][rng.choice(sorted(s["indexes"]))]
    elif kind == "check":
        cands = [c for c in cols if s["tables"][t][c]["type"] in CHECKS]
        if cands:
            c = rng.choice(cands)
            s["checks"][f"{t}_ck{n}"] = (t, c, CHECKS[s["tables"][t][c]["type"]])
    elif kind == "drop_check" and s["checks"]:
        del s["checks"][rng.choice(sorted(s["checks"]))]
    elif kind == "fk":
        pairs = [("order_items", "product_id", "products"), ("order_items", "order_id", "orders"),
                 ("orders", "user_id", "users")]
        src, c, ref = rng.choice(pairs)
        if src in s["tables"] and ref in s["tables"] and not any(v[:2] == (src, c) for v in s["fks"].values()):
            s["fks"][f"{src}_fk{n}"] = (src, c, ref)
    elif kind == "drop_fk" and s["fks"]:
        del s["fks"][rng.choice(sorted(s["fks"]))]
    elif kind == "view":
        some = rng.sample(columns(s, t, False), min(2, len(columns(s, t, False))))
        if some:
            s["views"][f"{t}_v{n}"] = (t, some)
    elif kind == "drop_view" and s["views"]:
        del s["views"][rng.choice(sorted(s["views"]))]
    elif kind == "enum_add":
        s["enum"].insert(rng.randrange(len(s["enum"]) + 1), f"v{n}")
    elif kind == "enum_remove":
        cands = [v for v in s["enum"] if v not in ("new", "paid")]  # defaults and checks use these
        if cands:
            s["enum"].remove(rng.choice(cands))
    elif kind == "comment":
        key = (t, rng.choice(cols) if cols and rng.random() < 0.6 else None)
        if key in s["comments"] and rng.random() < 0.5:
            del s["comments"][key]
        else:
            s["comments"][key] = f"note {n}"
    elif kind == "add_table":
        s["tables"][f"t{n}"] = {"id": col(None, fixed=rng.choice(["serial PRIMARY KEY", "integer PRIMARY KEY"])),
                                "v": col("text")}
    elif kind == "drop_table" and t not in ("users", "orders", "products"):
        del s["tables"][t]
        for name in list(s["indexes"]):
            if s["indexes"][name][0] == t:
                del s["indexes"][name]
        s["checks"] = {k: v for k, v in s["checks"].items() if v[0] != t}
        s["fks"] = {k: v for k, v in s["fks"].items() if t not in (v[0], v[2])}
        s["views"] = {k: v for k, v in s["views"].items() if v[0] != t}
        s["comments"] = {k: v for k, v in s["comments"].items() if k[0] != t}


def render(s):
    out = ["CREATE TYPE status AS ENUM (%s);" % ", ".join(f"'{v}'" for v in s["enum"])]
    for t in sorted(s["tables"]):
        defs = []
        for c, d in s["tables"][t].items():
            if d["fixed"]:
                defs.append(f"{c} {d['fixed']}")
            else:
                defs.append(f"{c} {d['type']}" + (f" DEFAULT {d['default']}" if d["default"] is not None else "")
                            + (" NOT NULL" if d["not_null"] else ""))
        out.append(f"CREATE TABLE {t} ({', '.join(defs)});")
    for name, (t, cols, unique) in sorted(s["indexes"].items()):
        out.append(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {t} ({', '.join(cols)});")
    for name, (t, c, expr) in sorted(s["checks"].items()):
        out.append(f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({expr.format(c=c)});")
    for name, (t, c, ref) in sorted(s["fks"].items()):
        out.append(f"ALTER TABLE {t} ADD CONSTRAINT {name} FOREIGN KEY ({c}) REFERENCES {ref} (id);")
    for name, (t, cols) in sorted(s["views"].items()):
        out.append(f"CREATE VIEW {name} AS SELECT {', '.join(cols)} FROM {t};")
    for (t, c), text in sorted(s["comments"].items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        out.append(f"COMMENT ON {'COLUMN' if c else 'TABLE'} {t}{'.' + c if c else ''} IS '{text}';")
    for f, shape in sorted(s["features"].items()):
        if shape is not None:
            out.append(FEATURES[f][shape])
    return "\n".join(out) + "\n"


def pair(seed):
    """Schemas A and B for a seed: A is the base with some features, mutated 4 times; B is A mutated 5 more times."""
    rng = random.Random(seed)
    a = base()
    for f in sorted(FEATURES):
        if rng.random() < 0.6:
            a["features"][f] = rng.randrange(len(FEATURES[f]))
    for _ in range(4):
        mutate(a, rng)
    b = copy.deepcopy(a)
    for _ in range(5):
        mutate(b, rng)
    return render(a), render(b)


def test_pairs_are_deterministic_and_differ():
    assert [pair(s) for s in SEEDS] == [pair(s) for s in SEEDS]
    assert sum(a != b for a, b in (pair(s) for s in SEEDS)) >= len(SEEDS) - 2


@pytest.mark.parametrize("seed", SEEDS)
def test_random_schema_pairs_round_trip(pg, dbs, pgshift, tmp_path, seed):
    old, new = pair(seed)
    a, b, a2 = dbs(old), dbs(new), dbs(old)
    for to, want in ((b, new), (a2, old)):
        plan = diff(pgshift, pg, a, to)
        apply_each_migration(pg, a, plan, tmp_path)
        assert diff(pgshift, pg, a, to) == "", f"{plan}\n-- wanted:\n{want}"
        assert pg_dump_schema(pg, a) == pg_dump_schema(pg, to), f"{plan}\n-- wanted:\n{want}"
