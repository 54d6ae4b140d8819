"""schema_load_tables on one connection again and again, as new --from-schema reads each step's tables.

Its queries are prepared once per connection and reused; the driver (drivers/load_tables.c, built here against
build/libpgshift.a) checks that every read equals a whole read: twice on one connection (nothing prepared again),
after a failed read, after the table changed, after DEALLOCATE ALL took its statements away, and on a connection
where other statements already have their names."""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import BIN, REPO

SCHEMA = """
CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a text NOT NULL DEFAULT 'x', b int CHECK (b > 0));
CREATE TABLE u (id int PRIMARY KEY, t_id int REFERENCES t (id));
CREATE INDEX t_a ON t (a) WHERE b > 1;
CREATE SEQUENCE s OWNED BY t.b;
COMMENT ON TABLE t IS 'tee';
COMMENT ON COLUMN t.a IS 'ay';
COMMENT ON INDEX t_a IS 'index';
COMMENT ON TABLE u IS 'you';
GRANT SELECT ON t TO PUBLIC;
"""


def _library():
    for d in (pathlib.Path(BIN).resolve().parent, REPO / "build"):
        if (d / "libpgshift.a").exists():
            return d / "libpgshift.a"
    return None


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    # make e2e builds it beside the binary with the library's own flags (the sanitizers under make asan)
    built = pathlib.Path(BIN).resolve().parent / "drivers" / "load_tables"
    lib, cc = _library(), shutil.which("cc")
    if built.exists() and (lib is None or built.stat().st_mtime >= lib.stat().st_mtime):
        return built
    if lib is None or cc is None:
        pytest.skip("needs cc and build/libpgshift.a")
    inc = subprocess.run(["pg_config", "--includedir"], capture_output=True, text=True).stdout.strip()
    out = tmp_path_factory.mktemp("driver") / "load_tables"
    subprocess.run([cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-Wall", "-Werror",
                    f"-I{REPO / 'src'}", f"-I{inc}", "-o", str(out), str(REPO / "tests/e2e/drivers/load_tables.c"),
                    str(lib), "-lpg_query", "-lpq", "-lprotobuf-c", "-lcrypto", "-ljansson", "-ldl", "-pthread"],
                   check=True)
    return out


def test_load_tables_reuses_its_statements_and_recovers(pg, db, driver):
    db.query(SCHEMA)
    r = subprocess.run([str(driver), db.url, "public.t"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-4000:]
    assert r.stdout.strip() == "ok"
