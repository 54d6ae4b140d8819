"""The command line itself: main.c's table gives each command its arity, refused the same way everywhere."""
import pytest

# command, arguments it needs besides the one too many
TOO_MANY = [
    ("status", []), ("health", []), ("deploy", []), ("review", []), ("seed", []), ("reset", ["--yes"]),
    ("rollback", ["--steps", "1"]), ("resolve", ["--applied", "x"]), ("changed", []), ("hook", []),
    ("init", ["--github"]), ("backfill", ["--table", "t", "--set", "a = 1"]),
    ("new", ["name"]), ("dev", ["status"]), ("roles", ["check", "--app", "a"]),
]


@pytest.mark.parametrize("command,args", TOO_MANY, ids=[c for c, _ in TOO_MANY])
def test_one_argument_too_many_is_a_usage_error_before_anything_runs(pgshift, command, args):
    r = pgshift.run(command, *args, "surplus", env={"DATABASE_URL": "postgresql://nobody@db.invalid/x"})
    assert r.returncode == 2, r
    assert 'error: unexpected argument "surplus"' in r.stderr
    assert f"hint: usage: pgshift {command}" in r.stderr
    assert "db.invalid" not in r.stderr  # refused before resolving or connecting


def test_lint_takes_any_number_of_paths(pgshift, project):
    a = project.add("a", "SELECT 1;\n")
    b = project.add("b", "SELECT 2;\n")
    r = pgshift.run("lint", f"migrations/{a}", f"migrations/{b}")
    assert r.returncode == 0, r
