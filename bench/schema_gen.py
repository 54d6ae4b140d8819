"""The generated schema of bench/dump.sh and bench/diff.sh: TABLES tables in schema app, each with a primary
key, a foreign key to the table before it, a unique and a partial index, a column default that calls a
function, and a comment; 20 functions and 21 views (a view on a view among them).

Usage: schema_gen.py TABLES [--changed]
--changed: the same schema after a realistic change set: 20 tables altered (a column added, a default
changed), 5 tables added (with an index each), the 5 last tables dropped, 50 partial indexes changed."""
import sys

n = int(sys.argv[1])
changed = "--changed" in sys.argv[2:]
dropped = set(range(n - 5, n)) if changed else set()
print("CREATE SCHEMA app;")
for f in range(20):
    print(f"CREATE FUNCTION app.f{f}(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + {f} $$;")
for i in range(n):
    if i in dropped:
        continue
    ref = f", prev integer REFERENCES app.t{i - 1} (id)" if i else ""
    altered = changed and 20 <= i < 40
    extra = ", note text DEFAULT 'none'" if altered else ""
    default = f"app.f{i % 20}(2)" if altered else f"app.f{i % 20}(1)"
    print(f"CREATE TABLE app.t{i} (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL UNIQUE,"
          f" n integer DEFAULT {default}, created timestamptz NOT NULL DEFAULT now(){ref}{extra});")
    cond = "n > 1" if changed and 100 <= i < 150 else "n > 0"
    print(f"CREATE INDEX t{i}_recent ON app.t{i} (created) WHERE {cond};")
    print(f"COMMENT ON TABLE app.t{i} IS 'table {i}';")
for v in range(20):
    print(f"CREATE VIEW app.v{v} AS SELECT id, code FROM app.t{v} WHERE n > 0;")
print("CREATE VIEW app.v_on_v AS SELECT v0.id, v0.code, v1.code AS code1 FROM app.v0 JOIN app.v1 USING (id);")
if changed:
    for k in range(5):
        print(f"CREATE TABLE app.added{k} (id bigint PRIMARY KEY, t0 integer REFERENCES app.t0 (id), v text);")
        print(f"CREATE INDEX added{k}_v ON app.added{k} (v);")
