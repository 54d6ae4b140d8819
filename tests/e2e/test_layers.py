"""tests/layers.sh, which make test runs: the layering rules of docs/ARCHITECTURE.md hold for the sources,
and each rule catches a breach planted in a copy of them."""
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_layers(root):
    return subprocess.run(["sh", str(root / "tests" / "layers.sh")], capture_output=True, text=True, timeout=60)


def test_the_sources_keep_the_layers():
    p = run_layers(ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == ""


@pytest.mark.parametrize("path, line, says", [
    ("src/cmd/status.c", "#include <libpq-fe.h>", "cmd/ must not include libpq-fe.h"),
    ("src/cmd/status.c", "static void f(PGconn *c) { PQfinish(c); }", "cmd/ must not call libpq"),
    ("src/db/history.h", "#include <libpq-fe.h>", "headers must not include libpq-fe.h"),
    ("src/cmd/rollback.c", '#include "db/apply.h"', "cmd/ must not include db/apply.h"),
    ("src/cmd/changed.c", '#include "util/proc.h"', "cmd/ must not include util/proc.h"),
    ("src/cmd/hook.c", '#include "util/http.h"', "cmd/ must not include util/http.h"),
    ("src/run/deploy.c", '#include "util/output.h"', "run/ must not print (util/output.h)"),
    ("src/run/session.c", "#include <jansson.h>", "run/ must not use jansson"),
    ("src/run/gate.c", '#include "cmd/common.h"', "run/ is under cmd/"),
    ("src/db/history.c", 'static void f(void) { fprintf(stderr, "x"); }', "db/ must not print"),
    ("src/schema/diff.c", 'static void f(void) { puts("x"); }', "schema/ must not print"),
    ("src/core/plan.c", 'static void f(void) { printf("x"); }', "core/ must not print"),
])
def test_a_breach_is_named(tmp_path, path, line, says):
    shutil.copytree(ROOT / "src", tmp_path / "src")
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "layers.sh", tmp_path / "tests" / "layers.sh")
    target = tmp_path / path
    target.write_text(target.read_text() + "\n" + line + "\n")
    p = run_layers(tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"{path}:" in p.stdout and says in p.stdout, p.stdout
    assert p.stdout.count("<-") == 1, p.stdout


def test_comments_and_lookalikes_are_not_breaches(tmp_path):
    shutil.copytree(ROOT / "src", tmp_path / "src")
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "layers.sh", tmp_path / "tests" / "layers.sh")
    target = tmp_path / "src" / "db" / "history.c"
    target.write_text(target.read_text() + "\n/* printf(\"x\") in a comment\n * PQfinish(c) */\n"
                      "static void g(char *b) { snprintf(b, 2, \"x\"); }\n")
    cmd = tmp_path / "src" / "cmd" / "status.c"
    cmd.write_text(cmd.read_text() + "\n// PQfinish(conn) was here\n")
    p = run_layers(tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
