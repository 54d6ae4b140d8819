"""The command line itself: main.c's table gives each command its arity, refused the same way everywhere."""
import pytest

# command, arguments it needs besides the one too many
TOO_MANY = [
    ("status", []), ("health", []), ("deploy", []), ("review", []), ("seed", []), ("reset", ["--yes"]),
    ("rollback", ["--steps", "1"]), ("resolve", ["--applied", "x"]), ("changed", []), ("hook", []),
    ("init", ["--github"]), ("backfill", ["--table", "t", "--set", "a = 1"]),
    ("new", ["name"]), ("dev", ["status"]), ("roles", ["check", "--app", "a"]), ("dump", []),
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


ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
OPTION = __import__("re").compile(r"(?:^|\s)--([a-z][a-z0-9-]*)")


def commands(pgshift):
    r = pgshift.run("--help")
    assert r.returncode == 0, r
    listed = r.stdout.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listed.splitlines()]


def man_sections():
    """What the manual says of each command (its SYNOPSIS line and COMMANDS entry), and its OPTIONS section
    (options several commands share)."""
    text = (ROOT / "man" / "pgshift.1").read_text().replace("\\-", "-")
    synopsis = text.split(".SH SYNOPSIS\n", 1)[1].split(".SH ", 1)[0]
    cmds = text.split(".SH COMMANDS\n", 1)[1].split(".SH OPTIONS\n", 1)[0]
    options = text.split(".SH OPTIONS\n", 1)[1].split("\n.SH ", 1)[0]
    entries = {}
    for line in synopsis.split(".br\n")[1:]:
        if line.startswith(".B pgshift "):
            entries[line.split()[2]] = line
    for entry in cmds.split(".TP\n.B ")[1:]:
        entries.setdefault(entry.split()[0], "")
        entries[entry.split()[0]] += entry
    return entries, options


def test_every_command_has_help_and_the_manual_documents_each_of_its_options(pgshift):
    entries, shared = man_sections()
    names = commands(pgshift)
    assert len(names) >= 16
    missing = []
    for name in names:
        r = pgshift.run(name, "--help")
        assert r.returncode == 0, r
        assert r.stdout.startswith(f"usage: pgshift {name}"), r
        options = {o for o in OPTION.findall(r.stdout) if o != "help"}
        assert options or name in ("new",), f"{name} --help lists no options"
        assert name in entries, f"the manual has no entry for {name}"
        for o in sorted(options):
            if f"--{o}" not in entries[name] and f"--{o}" not in shared:
                missing.append(f"{name} --{o}")
    assert not missing, f"options in --help that the manual does not document: {missing}"
    # help through "pgshift help COMMAND" is the same text
    assert pgshift.run("help", "status").stdout == pgshift.run("status", "--help").stdout
