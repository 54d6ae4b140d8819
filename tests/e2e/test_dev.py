"""dev: the embedded cluster, and commands using it when no URL is configured."""
import json

import psycopg
import pytest


@pytest.fixture
def dev(project, pgshift):
    yield project
    pgshift.run("dev", "down", timeout=120)


def test_dev_up_status_url_down(dev, pgshift):
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 0, r.stderr
    assert ".pgshift/dev" in r.stdout
    assert (dev.path / ".pgshift" / ".gitignore").read_text() == "*\n"

    st = pgshift.run("dev", "status", "--json")
    assert st.returncode == 0
    info = json.loads(st.stdout)
    assert info["running"] is True and info["port"] > 0

    url = pgshift.run("dev", "url").stdout.strip()
    assert url.startswith("postgresql:///postgres?host=")
    with psycopg.connect(url) as c:
        assert c.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
    tcp = pgshift.run("dev", "url", "--tcp").stdout.strip()
    assert tcp.startswith("postgresql://postgres@127.0.0.1:") and "passfile=" in tcp
    with psycopg.connect(tcp) as c:
        assert c.execute("SELECT 1").fetchone()[0] == 1

    again = pgshift.run("dev", "up")
    assert again.returncode == 0 and str(info["port"]) in again.stdout

    # No URL configured: commands use the dev cluster.
    dev.add("a", "CREATE TABLE via_dev (id int);\n")
    d = pgshift.run("deploy")
    assert d.returncode == 0, d.stderr
    with psycopg.connect(url) as c:
        assert c.execute("SELECT to_regclass('via_dev') IS NOT NULL").fetchone()[0]
    assert pgshift.run("status").returncode == 0

    down = pgshift.run("dev", "down", timeout=120)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert pgshift.run("dev", "status").returncode == 1
    r = pgshift.run("dev", "url")
    assert r.returncode == 1 and "pgshift dev up" in r.stderr
    r = pgshift.run("status")
    assert r.returncode == 1 and "pgshift dev up" in r.stderr

    # Data survives a restart.
    assert pgshift.run("dev", "up", timeout=180).returncode == 0
    assert pgshift.run("status").returncode == 0


def test_dev_unknown_subcommand(dev, pgshift):
    r = pgshift.run("dev", "sideways")
    assert r.returncode == 2 and "unknown dev subcommand" in r.stderr
