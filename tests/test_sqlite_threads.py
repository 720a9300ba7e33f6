"""The SQLite test database is a file, so the live server's threads never share the test's
connection (see `django_db_modify_db_settings` in `tests/conftest.py`)."""

import subprocess
import sys
import textwrap

import pytest
from django.db import connection
from django.test import LiveServerTestCase

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL gives each thread its own connection"
)

# Two threads on one database: one calls a Python function inside its query, the other
# reads rows. With one shared in-memory connection this froze Python 3.11 within seconds
# here; with a connection per thread it must finish.
THREADS = textwrap.dedent(
    """
    import sqlite3, sys, threading

    path = sys.argv[1]
    setup = sqlite3.connect(path)
    setup.execute("create table t(x)")
    setup.executemany("insert into t values (?)", [(i,) for i in range(20000)])
    setup.commit()

    def connect():
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.create_function("double", 1, lambda x: x * 2)
        return conn

    def calls_python(conn):
        for _ in range(40):
            conn.execute("select sum(double(x)) from t").fetchall()

    def reads_rows(conn):
        for _ in range(40):
            for row in conn.execute("select x, x + 1 from t limit 2000"):
                pass

    threads = [threading.Thread(target=calls_python, args=(connect(),)),
               threading.Thread(target=reads_rows, args=(connect(),))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("finished")
    """
)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_the_live_server_shares_no_connection_with_the_test():
    assert not connection.is_in_memory_db()
    assert LiveServerTestCase._make_connections_override() == {}


@sqlite_only
def test_a_connection_per_thread_does_not_deadlock(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", THREADS, str(tmp_path / "threads.sqlite3")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "finished", done.stderr
