"""The harness itself: it must be able to fail."""
import psycopg
import pytest

from conftest import check_no_leak


def test_server_requires_password_over_tcp(pg, db):
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(f"postgresql://postgres:wrong@127.0.0.1:{pg.port}/{db.name}")
    with psycopg.connect(db.url) as c:
        assert c.execute("SELECT current_database()").fetchone()[0] == db.name


def test_databases_are_fresh(db):
    assert db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0


def test_leak_guard_trips():
    with pytest.raises(AssertionError):
        check_no_leak({"s3cret"}, "", "error: could not connect to postgresql://u:s3cret@h/db")
    check_no_leak({"s3cret"}, "postgresql://u:********@h/db", "")
