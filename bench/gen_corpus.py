#!/usr/bin/env python3
"""Writes a corpus of migration files for bench/lint.sh: N files of M statements,
a realistic mix (DDL on new and existing tables, indexes, data changes, DO bodies,
comments), the same every time (fixed seed)."""
import os
import random
import sys

out, nfiles, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
os.makedirs(out, exist_ok=True)

def stmt(i, f):
    t = f"t{f}_{i % 7}"
    k = rnd.randrange(20)
    if k == 0:
        return f"CREATE TABLE {t}_{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
    if k == 1:
        return f"ALTER TABLE users ADD COLUMN c{i} varchar(255) DEFAULT '';"
    if k == 2:
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{f}_{i} ON orders (customer_id, created_at DESC) WHERE deleted_at IS NULL;"
    if k == 3:
        return f"UPDATE users SET email = lower(email) WHERE id BETWEEN {i * 1000} AND {i * 1000 + 999};"
    if k == 4:
        return f"INSERT INTO audit_log (kind, payload, at) VALUES ('migrate', '{{\"step\": {i}, \"note\": \"a;b\"}}', now());"
    if k == 5:
        return f"ALTER TABLE orders ADD CONSTRAINT fk_{f}_{i} FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"
    if k == 6:
        return f"ALTER TABLE orders VALIDATE CONSTRAINT fk_{f}_{i};"
    if k == 7:
        return ("DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n"
                "    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n  END IF;\nEND\n$$;")
    if k == 8:
        return f"-- step {i}: keep the app working during the change\nALTER TABLE users ALTER COLUMN c{i} SET NOT NULL;"
    if k == 9:
        return f"CREATE OR REPLACE VIEW v_{f}_{i} AS SELECT u.id, u.name, count(o.id) AS orders FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id, u.name;"
    if k == 10:
        return f"ALTER TABLE users DROP COLUMN IF EXISTS legacy_{i};"
    if k == 11:
        return f"CREATE INDEX idx_plain_{f}_{i} ON users (lower(email));"
    if k == 12:
        return f"COMMENT ON COLUMN users.c{i} IS 'added for feature {i}; see ticket';"
    if k == 13:
        return f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS score numeric(10,2) NOT NULL DEFAULT 0;"
    if k == 14:
        return f"CREATE FUNCTION f_{f}_{i}(a int) RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN a + {i}; END $fn$;"
    if k == 15:
        return f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO app;"
    if k == 16:
        return f"DELETE FROM sessions WHERE expires_at < now() - interval '{i % 90} days';"
    if k == 17:
        return f"ALTER TABLE users RENAME COLUMN n{i} TO name_{i};"
    if k == 18:
        return f"SELECT setval('users_id_seq', (SELECT max(id) FROM users));"
    return f"ALTER TABLE orders ADD COLUMN note_{i} text, ADD COLUMN flag_{i} boolean DEFAULT false;"

for f in range(nfiles):
    d = os.path.join(out, f"20250101{f // 3600:02d}{f // 60 % 60:02d}{f % 60:02d}_m{f}")  # a real UTC time
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "migration.sql"), "w") as fh:
        fh.write(f"-- migration {f}\n")
        for i in range(per):
            fh.write(stmt(i, f) + "\n")
