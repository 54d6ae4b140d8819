"""End-to-end harness: a real PostgreSQL server and the real pgshift binary.

One throwaway cluster per test session, run as the postgres system user when
we are root (PostgreSQL refuses root), listening on 127.0.0.1 with
scram-sha-256 and on a private unix socket.  Each test gets a fresh database
(`db`), a fresh project directory (`project`) and a runner (`pgshift`) whose
every invocation is checked for leaked passwords.
"""
import datetime
import os
import pathlib
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import psycopg
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PGSHIFT_BIN", str(REPO / "pgshift"))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def wait_for(predicate, timeout=10.0, interval=0.05):
    """Polls predicate until it is truthy; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


def wait_for_pgshift_query(db, fragment, timeout=20):
    """Waits until a pgshift backend is running a query containing fragment."""
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
                               "AND query LIKE %s", (f"%{fragment}%",)) >= 1, timeout=timeout)


def wait_for_pgshift_gone(db, timeout=20):
    """Waits until the server has no pgshift backend left (after a kill, it notices the lost client)."""
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift'") == 0,
             timeout=timeout)


def _bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if os.path.exists(os.path.join(out, "initdb")):
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    cands = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not cands:
        pytest.exit("no PostgreSQL server binaries (apt-get install postgresql)", 1)
    return str(cands[-1])


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _as_server_user():
    """preexec_fn dropping to postgres when we are root."""
    if os.geteuid() != 0:
        return None
    pw = pwd.getpwnam("postgres")

    def drop():
        os.setgid(pw.pw_gid)
        os.initgroups("postgres", pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


def _base_dir():
    """A temp base every user can traverse (pytest's own tmp dirs are 0700)."""
    base = tempfile.mkdtemp(prefix="pgshift-e2e-", dir="/tmp")
    os.chmod(base, 0o755)
    return pathlib.Path(base)


class Server:
    def __init__(self, base):
        self.bindir = _bindir()
        self.base = base
        self.data = base / "data"
        self.socket_dir = base / "sock"
        self.socket_dir.mkdir()
        self.user = "postgres"
        self.password = secrets.token_hex(12)
        self.host = "127.0.0.1"
        self.port = _free_port()
        pre = _as_server_user()
        if pre:
            pw = pwd.getpwnam("postgres")
            for p in (base, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        pwfile = base / "pw"
        pwfile.write_text(self.password)
        if pre:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        subprocess.run([f"{self.bindir}/initdb", "-D", str(self.data), "-U", "postgres", f"--pwfile={pwfile}",
                        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"],
                       preexec_fn=pre, check=True, capture_output=True, cwd=base)
        pwfile.unlink()
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nlocal replication all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.socket_dir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "max_connections = 200\n")
        subprocess.run([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(base / "server.log"), "-w",
                        "-t", "60", "start"], preexec_fn=pre, check=True, capture_output=True, cwd=base)
        self._pre = pre

    def url(self, dbname, password=True):
        auth = f"{self.user}:{self.password}" if password else self.user
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname="postgres"):
        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user, dbname=dbname,
                               autocommit=True)

    def stop(self):
        subprocess.run([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
                       preexec_fn=self._pre, capture_output=True, cwd=self.base)


class Standby:
    """A streaming replica of the test server (pg_basebackup -R), for replication-lag behaviour.
    set_apply_delay() makes it replay late (recovery_min_apply_delay)."""

    def __init__(self, primary):
        self.primary = primary
        self.base = primary.base
        self.data = self.base / "standby"
        self.port = _free_port()
        self._pre = primary._pre
        subprocess.run([f"{primary.bindir}/pg_basebackup", "-D", str(self.data), "-h", str(primary.socket_dir),
                        "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream", "-c", "fast"],
                       preexec_fn=self._pre, check=True, capture_output=True, cwd=self.base)
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"port = {self.port}\nlisten_addresses = ''\nhot_standby = on\n"
                    "wal_receiver_status_interval = 1s\ninclude_if_exists = 'delay.conf'\n")
        with open(self.data / "postgresql.auto.conf", "a") as f:
            f.write("primary_conninfo = 'host=%s port=%d user=postgres application_name=e2e_standby'\n"
                    % (primary.socket_dir, primary.port))
        subprocess.run([f"{primary.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.base / "standby.log"),
                        "-w", "-t", "60", "start"], preexec_fn=self._pre, check=True, capture_output=True,
                       cwd=self.base)
        self.wait_streaming()

    def connect(self):
        return psycopg.connect(host=str(self.primary.socket_dir), port=self.port, user="postgres",
                               dbname="postgres", autocommit=True)

    def wait_streaming(self):
        with self.primary.connect() as c:
            assert wait_for(lambda: c.execute("SELECT count(*) FROM pg_stat_replication "
                                              "WHERE application_name = 'e2e_standby' AND state = 'streaming'"
                                              ).fetchone()[0] == 1, timeout=30), "the standby did not connect"

    def set_apply_delay(self, delay):
        (self.data / "delay.conf").write_text(f"recovery_min_apply_delay = '{delay}'\n")
        with self.connect() as c:
            c.execute("SELECT pg_reload_conf()")

    def stop(self):
        subprocess.run([f"{self.primary.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
                       preexec_fn=self._pre, capture_output=True, cwd=self.base)
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="module")
def standby(pg):
    s = Standby(pg)
    try:
        yield s
    finally:
        s.stop()


class Tls:
    """TLS switched on in the test server: a CA of our own signs a certificate for db.example.test (and
    127.0.0.1); a second CA signs nothing the server shows.  Made with the openssl command, switched on with
    ALTER SYSTEM and a reload (ssl can change on SIGHUP), switched off again by stop()."""

    NAME = "db.example.test"

    def __init__(self, server):
        self.server = server
        self.dir = server.base / "tls"
        self.dir.mkdir()
        self.ca = self.dir / "ca.crt"
        self.other_ca = self.dir / "other-ca.crt"
        for ca in ("ca", "other-ca"):
            self._openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=e2e {ca}",
                          "-keyout", f"{ca}.key", "-out", f"{ca}.crt")
        self._openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={self.NAME}",
                      "-keyout", "server.key", "-out", "server.csr")
        (self.dir / "san.ext").write_text(f"subjectAltName = DNS:{self.NAME}, IP:127.0.0.1\n")
        self._openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                      "-days", "2", "-extfile", "san.ext", "-out", "server.crt")
        os.chmod(self.dir, 0o755)
        for f in self.dir.iterdir():
            os.chmod(f, 0o644)
        key = self.dir / "server.key"
        os.chmod(key, 0o600)
        if server._pre:
            pw = pwd.getpwnam("postgres")
            os.chown(key, pw.pw_uid, pw.pw_gid)
        self._set(f"ALTER SYSTEM SET ssl_cert_file = '{self.dir / 'server.crt'}'",
                  f"ALTER SYSTEM SET ssl_key_file = '{key}'", "ALTER SYSTEM SET ssl = on")
        assert self._wait("on"), "the server did not switch TLS on (see server.log)"

    def _openssl(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True)

    def _set(self, *statements):
        with self.server.connect() as c:
            for s in statements:
                c.execute(s)
            c.execute("SELECT pg_reload_conf()")

    def _wait(self, want):
        def now():
            with self.server.connect() as c:
                return c.execute("SHOW ssl").fetchone()[0]
        return wait_for(lambda: now() == want, timeout=20)

    def url(self, dbname, host=NAME, **params):
        """A URL that names HOST (not a local name) but reaches the test server through hostaddr."""
        query = "&".join(f"{k}={v}" for k, v in {"hostaddr": "127.0.0.1", **params}.items())
        return (f"postgresql://{self.server.user}:{self.server.password}@{host}:{self.server.port}/{dbname}"
                f"?{query}")

    def stop(self):
        self._set("ALTER SYSTEM RESET ssl", "ALTER SYSTEM RESET ssl_cert_file", "ALTER SYSTEM RESET ssl_key_file")
        assert self._wait("off"), "the server did not switch TLS off"


@pytest.fixture(scope="module")
def tls(pg):
    t = Tls(pg)
    try:
        yield t
    finally:
        t.stop()


@pytest.fixture(scope="session")
def pg():
    base = _base_dir()
    server = Server(base)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


class Database:
    def __init__(self, server, name):
        self.server = server
        self.name = name
        self.url = server.url(name)

    def conn(self):
        return self.server.connect(self.name)

    def query(self, sql, params=None):
        with self.conn() as c:
            cur = c.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def scalar(self, sql, params=None):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def table_exists(self, name):
        return self.scalar("SELECT to_regclass(%s) IS NOT NULL", (name,))


@pytest.fixture
def db(pg):
    name = "test_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield Database(pg, name)
    with pg.connect() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Project:
    def __init__(self, path):
        self.path = path
        self.migrations = path / "migrations"
        self.migrations.mkdir()
        self._next = datetime.datetime(2025, 1, 1, 0, 0, 1)

    def add(self, name, sql, down=None, version=None):
        if version is None:
            version = self._next.strftime("%Y%m%d%H%M%S")  # a real UTC time, as pgshift requires
            self._next += datetime.timedelta(seconds=1)
        dirname = f"{version}_{name}"
        d = self.migrations / dirname
        d.mkdir()
        (d / "migration.sql").write_bytes(sql if isinstance(sql, bytes) else sql.encode())
        if down is not None:
            (d / "down.sql").write_bytes(down if isinstance(down, bytes) else down.encode())
        return dirname


@pytest.fixture
def project():
    base = _base_dir()
    try:
        yield Project(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def check_no_leak(secrets_, stdout, stderr, what="pgshift"):
    """Fails when any secret appears in the output of a pgshift run: anywhere for one of 8 characters or more;
    a shorter one is a piece of ordinary words ("fail" in "failed"), so in the fields that carry it."""
    for s in secrets_:
        forms = [s] if len(s or "") >= 8 else [f":{s}@", f"password={s}", f"PASSWORD={s}"] if s else []
        if any(f in stdout or f in stderr for f in forms):
            raise AssertionError(f"{what}: a password leaked into its output")


def _url_passwords(values):
    out = set()
    for v in values:
        if isinstance(v, str) and "://" in v and "@" in v:
            auth = v.split("://", 1)[1].split("@", 1)[0]
            if ":" in auth:
                pw = auth.split(":", 1)[1]
                out |= {pw, urllib.parse.unquote(pw)}
    return out


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    def __repr__(self):
        return f"Result(rc={self.returncode}, stdout={self.stdout!r}, stderr={self.stderr!r})"


class Running:
    def __init__(self, proc, secrets_):
        self.proc = proc
        self.pid = proc.pid
        self._secrets = secrets_

    def wait(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        check_no_leak(self._secrets, out, err)
        return Result(self.proc.returncode, out, err)

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=30)


class Runner:
    def __init__(self, server, database, proj):
        self.server, self.db, self.project = server, database, proj

    def _env(self, extra):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
               "LANG": "C.UTF-8", "TZ": "UTC"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(extra or {})
        return env

    def _secrets(self, args, env):
        s = {self.server.password} | _url_passwords(args) | _url_passwords((env or {}).values())
        if env and env.get("PGPASSWORD"):
            s.add(env["PGPASSWORD"])
        return s

    def run(self, *args, env=None, cwd=None, timeout=60, input=None):
        p = subprocess.run([BIN, *args], env=self._env(env), cwd=cwd or self.project.path, capture_output=True,
                           text=True, timeout=timeout, input=input, errors="replace")
        check_no_leak(self._secrets(args, env), p.stdout, p.stderr)
        return Result(p.returncode, p.stdout, p.stderr)

    def run_db(self, *args, **kw):
        return self.run(*args, "--url", self.db.url, **kw)

    def spawn(self, *args, env=None, cwd=None):
        proc = subprocess.Popen([BIN, *args], env=self._env(env), cwd=cwd or self.project.path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                start_new_session=True)
        return Running(proc, self._secrets(args, env))


@pytest.fixture
def pgshift(request, pg, project):
    database = request.getfixturevalue("db") if "db" in request.fixturenames else None
    return Runner(pg, database, project)


class Bouncer:
    """A real PgBouncer in front of the test database: alias tx (transaction mode) and sess (session mode)."""

    def __init__(self, server, database):
        self.base = _base_dir()
        self.port = _free_port()
        pre = _as_server_user()
        sock = server.socket_dir
        (self.base / "users.txt").write_text('"postgres" ""\n')
        (self.base / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"tx = host={sock} port={server.port} dbname={database.name} pool_mode=transaction\n"
            f"sess = host={sock} port={server.port} dbname={database.name} pool_mode=session\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.base}/users.txt\n"
            "default_pool_size = 5\nignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.base}/pgbouncer.log\npidfile = {self.base}/pgbouncer.pid\n")
        if pre:
            pw = pwd.getpwnam("postgres")
            for p in [self.base, *self.base.iterdir()]:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        subprocess.run(["pgbouncer", "-d", str(self.base / "pgbouncer.ini")], preexec_fn=pre, check=True,
                       capture_output=True, cwd=self.base)
        wait_for(lambda: _port_open(self.port), timeout=10)

    def url(self, alias):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{alias}"

    def stop(self):
        pidfile = self.base / "pgbouncer.pid"
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        shutil.rmtree(self.base, ignore_errors=True)


def _port_open(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


@pytest.fixture
def pgbouncer(pg, db):
    b = Bouncer(pg, db)
    yield b
    b.stop()


@pytest.fixture
def dbs(pg):
    """Makes more databases on the test server (dbs(sql) returns the new one's name, with sql run in it);
    all of them are dropped at the end of the test."""
    made = []

    def make(sql=""):
        name = "test_" + secrets.token_hex(4)
        with pg.connect() as c:
            c.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        if sql.strip():
            with pg.connect(name) as c:
                c.execute(sql)
        return name
    yield make
    with pg.connect() as c:
        for name in made:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
