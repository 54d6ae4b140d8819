"""dev up run as root: what the postgres user plants under the names pgshift uses never reaches a root file.

The postgres account owns the cluster's directory, so it can put a symlink (to a root-only file) under any name
there.  These tests plant one, as the postgres user, at every name pgshift writes or reads, before the first
`dev up`, between `dev down` and `dev up`, and in a cluster of the old layout, and check that pgshift either
works or refuses with a clear error, and that no file outside the cluster changed owner, mode or content.
"""
import json
import os
import pathlib
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile

import psycopg
import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs dev up as root against the postgres user")


def _pg():
    return pwd.getpwnam("postgres")


def as_postgres(fn):
    """Runs fn in a child that has become the postgres user; True when it succeeded."""
    pw = _pg()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgid(pw.pw_gid)
            os.initgroups("postgres", pw.pw_gid)
            os.setuid(pw.pw_uid)
            fn()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def plant(link, target):
    """The postgres user replaces link (a file or symlink, or nothing) with a symlink to target."""
    def do():
        if os.path.lexists(link) and not os.path.isdir(link):
            os.unlink(link)
        os.symlink(target, link)
    return as_postgres(do)


def unplant(link):
    return as_postgres(lambda: os.unlink(link))


class RootFiles:
    """Root-only files in a root 0700 directory, the targets of the planted symlinks."""

    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="pgshift-rootonly-"))
        self.files = {}

    def make(self, name, text=None):
        p = self.dir / name
        p.write_text(text if text is not None else f"root only {name} {os.urandom(6).hex()}\n")
        os.chmod(p, 0o600)
        self.files[p] = self._state(p)
        return p

    def missing(self, name):
        """A name in the directory that must stay absent (a dangling symlink's target)."""
        return self.dir / name

    @staticmethod
    def _state(p):
        st = os.lstat(p)
        return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), p.read_bytes()

    def check(self, *outputs):
        for p, want in self.files.items():
            assert self._state(p) == want, f"{p} changed"
        assert sorted(self.dir.iterdir()) == sorted(self.files), "a file appeared among the root-only files"
        for out in outputs:
            for p, want in self.files.items():
                assert want[3].decode().strip() not in out, f"the content of {p} was printed"

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def rootfiles():
    r = RootFiles()
    yield r
    r.remove()


@pytest.fixture
def dev(project, pgshift):
    yield project
    pgshift.run("dev", "down", timeout=120)


def owner_mode(p):
    st = os.lstat(p)
    return pwd.getpwuid(st.st_uid).pw_name, stat.S_IMODE(st.st_mode)


def ok(r):
    assert r.returncode == 0, r
    return r


def test_root_layout_and_symlinks_planted_between_down_and_up(dev, pgshift, rootfiles):
    base = dev.path / ".pgshift" / "dev"
    cluster = base / "cluster"
    data = cluster / "data"
    ok(pgshift.run("dev", "up", timeout=180))

    # pgshift's own files are root's, in a directory postgres may only pass through; the rest is postgres's.
    assert owner_mode(base) == ("root", 0o710) and os.lstat(base).st_gid == _pg().pw_gid
    for name in ("pgpass", "port", "pgctl.log"):
        assert owner_mode(base / name) == ("root", 0o600), name
    assert owner_mode(cluster) == ("postgres", 0o700)
    assert owner_mode(data) == ("postgres", 0o700)
    for name in ("pgshift.conf", "postgresql.conf", "postmaster.pid"):
        assert owner_mode(data / name) == ("postgres", 0o600), name
    assert owner_mode(cluster / "server.log") == ("postgres", 0o600)
    pid = json.loads(pgshift.run("dev", "status", "--json").stdout)["pid"]
    assert pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name == "postgres"
    with psycopg.connect(pgshift.run("dev", "url").stdout.strip()) as c:
        c.execute("CREATE TABLE kept (id int)")
        c.commit()

    # postgres cannot put anything under pgshift's own names.
    for name in ("pgpass", "port", "pgctl.log", "initdb.pw", "server.log"):
        assert not plant(base / name, rootfiles.make(f"base-{name}")), name
    ok(pgshift.run("dev", "down", timeout=120))

    # Between down and up, postgres plants a symlink at every name in its directory.
    pidfile = rootfiles.make("pidfile", f"{os.getpid()}\n/x\n1700000000\n5999\n")
    for link in (cluster / "pgpass", cluster / "port", cluster / "pgctl.log", cluster / "initdb.pw",
                 data / "pgshift.conf", cluster / "server.log"):
        assert plant(link, rootfiles.make(link.name)), link
    assert plant(data / "postmaster.pid", pidfile)
    assert plant(cluster / "dangling", rootfiles.missing("created"))

    # A planted postmaster.pid is not read: not running, no pid or port from the root file.
    st = pgshift.run("dev", "status", "--json")
    info = json.loads(st.stdout)
    assert st.returncode == 1 and info["running"] is False and info["port"] != 5999
    assert pgshift.run("dev", "url").returncode == 1
    rootfiles.check(st.stdout, st.stderr)

    # pgshift.conf is written as postgres and never through a symlink: a clear refusal.
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and "pgshift.conf" in r.stderr and "symbolic links" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)

    # The server log is opened by pg_ctl as postgres: it cannot open a root file, so the start fails.
    assert unplant(data / "pgshift.conf") and unplant(data / "postmaster.pid")
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and "did not start" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)

    # The rest are names pgshift no longer uses: it starts, and the data survived.
    assert unplant(cluster / "server.log")
    r = ok(pgshift.run("dev", "up", timeout=180))
    rootfiles.check(r.stdout, r.stderr)
    with psycopg.connect(pgshift.run("dev", "url").stdout.strip()) as c:
        assert c.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone()[0]
    with psycopg.connect(pgshift.run("dev", "url", "--tcp").stdout.strip()) as c:
        assert c.execute("SELECT current_user").fetchone()[0] == "postgres"
    r = ok(pgshift.run("dev", "down", timeout=120))
    rootfiles.check(r.stdout, r.stderr)


def test_root_refuses_parents_planted_before_first_up(dev, pgshift, rootfiles):
    """In a project directory postgres may write, it can plant .pgshift or .pgshift/dev before the first up."""
    pw = _pg()
    os.chown(dev.path, pw.pw_uid, pw.pw_gid)
    pgdir = dev.path / ".pgshift"

    # .pgshift a symlink to a root-only directory.
    assert plant(pgdir, rootfiles.dir)
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and ".pgshift" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)

    # .pgshift postgres's own directory, dev, .gitignore and the files below symlinks to root's.
    assert unplant(pgdir)
    assert as_postgres(lambda: os.mkdir(pgdir, 0o755))
    assert plant(pgdir / ".gitignore", rootfiles.make("gitignore"))
    assert plant(pgdir / "dev", rootfiles.dir)
    rootfiles.make("pgpass")
    rootfiles.make("port")
    rootfiles.make("pgctl.log")
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and "belongs to another user" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)

    # .pgshift/dev postgres's own directory.
    assert unplant(pgdir / "dev")
    assert as_postgres(lambda: os.mkdir(pgdir / "dev", 0o700))
    os.chown(pgdir, 0, 0)
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and "belongs to another user" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)


def test_root_moves_a_cluster_of_the_old_layout(dev, pgshift, rootfiles):
    """Before cluster/, .pgshift/dev itself was postgres's, with root's pgpass, port and pgctl.log in it."""
    top = dev.path / ".pgshift"
    base = top / "dev"
    ok(pgshift.run("dev", "up", timeout=180))
    with psycopg.connect(pgshift.run("dev", "url").stdout.strip()) as c:
        c.execute("CREATE TABLE kept (id int)")
        c.commit()
    ok(pgshift.run("dev", "down", timeout=120))

    # Make the old layout: the cluster directory is .pgshift/dev, pgshift's files inside it.
    os.rename(base / "cluster", top / "old")
    os.rename(base / "pgpass", top / "old" / "pgpass")
    shutil.rmtree(base)
    os.rename(top / "old", base)
    # postgres plants symlinks where the old pgshift wrote as root.
    for name in ("port", "pgctl.log", "initdb.pw"):
        assert plant(base / name, rootfiles.make(name))

    # Running: pgshift says to stop it first, and dev down stops it.
    bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    conf = f"listen_addresses = '127.0.0.1'\nport = {free}\nunix_socket_directories = '{base}'\n"
    assert as_postgres(lambda: (base / "data" / "pgshift.conf").write_text(conf))
    assert as_postgres(lambda: subprocess.run([f"{bindir}/pg_ctl", "-D", str(base / "data"), "-l",
                                               str(base / "server.log"), "-w", "start"], check=True,
                                              capture_output=True, cwd=str(base)))
    r = pgshift.run("dev", "up", timeout=180)
    assert r.returncode == 1 and "older pgshift" in r.stderr and "pgshift dev down" in r.stderr, r
    rootfiles.check(r.stdout, r.stderr)
    r = ok(pgshift.run("dev", "down", timeout=120))
    assert "stopped" in r.stdout
    rootfiles.check(r.stdout, r.stderr)

    # Stopped: dev up moves it into cluster/ and starts it; data and the loopback password are kept.
    r = ok(pgshift.run("dev", "up", timeout=180))
    rootfiles.check(r.stdout, r.stderr)
    assert owner_mode(base) == ("root", 0o710)
    assert owner_mode(base / "cluster") == ("postgres", 0o700)
    assert owner_mode(base / "pgpass") == ("root", 0o600)
    assert sorted(p.name for p in base.iterdir()) == ["cluster", "pgctl.log", "pgpass", "port"]
    assert not any(os.path.lexists(base / "cluster" / n) for n in ("pgpass", "port", "pgctl.log", "initdb.pw"))
    with psycopg.connect(pgshift.run("dev", "url").stdout.strip()) as c:
        assert c.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone()[0]
    with psycopg.connect(pgshift.run("dev", "url", "--tcp").stdout.strip()) as c:
        assert c.execute("SELECT 1").fetchone()[0] == 1
    assert not (top / "dev.new").exists()
