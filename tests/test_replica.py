"""The read replica for real: the app, served by gunicorn in a subprocess, against a
PostgreSQL primary on 127.0.0.1:5432 and a hot standby of it on 127.0.0.1:5433
(`.ci/replica.sh` starts one).

The app runs against a database of its own on the primary (`causeway_replica_check`,
migrated here and dropped after), with DATABASE_REPLICA_URLS naming the same database on
the standby, which physical replication copies there. Pausing WAL replay on the standby
(`pg_wal_replay_pause()`) freezes the replica while the primary moves on, so which copy
answered a request shows in what the page says: a visitor's page is the replica's, a signed-in
curator's the primary's (config/routers.py).

Visitor pages are fetched with a query string of their own, so the whole-page cache never
answers for the database (its key holds the query string).
"""

import contextlib
import html
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

requests = pytest.importorskip("requests")
psycopg = pytest.importorskip("psycopg")

BASE_DIR = Path(__file__).resolve().parent.parent
PRIMARY = {"host": "127.0.0.1", "port": 5432}
STANDBY = {"host": "127.0.0.1", "port": 5433}
DB_NAME = "causeway_replica_check"
SLUG = "replica-check"
FIRST_NAME = "Replica check"
CURATOR, PASSWORD = "curator", "a-long-test-password-1"
# How long the standby may take to replay what the primary wrote (it is local: milliseconds).
CATCH_UP_SECONDS = 15


def _primary_settings():
    return settings.DATABASES["default"]


def _skip_reason() -> str | None:
    primary = _primary_settings()
    if primary["ENGINE"] != "django.db.backends.postgresql":
        return "the read replica needs PostgreSQL: DATABASE_URL is not postgres://"
    if (primary.get("HOST") or "localhost", int(primary.get("PORT") or 5432)) not in {
        ("127.0.0.1", 5432),
        ("localhost", 5432),
    }:
        return "the replica test expects the primary on 127.0.0.1:5432 (its standby's source)"
    try:
        with _connect(STANDBY, "postgres", connect_timeout=2) as conn:
            in_recovery, standby_id = conn.execute(
                "SELECT pg_is_in_recovery(), system_identifier FROM pg_control_system()"
            ).fetchone()
    except psycopg.OperationalError:
        return "no PostgreSQL answers on 127.0.0.1:5433: start a standby with .ci/replica.sh"
    if not in_recovery:
        return "127.0.0.1:5433 is not a standby (not in recovery); .ci/replica.sh makes one"
    with _connect(PRIMARY, "postgres") as conn:
        (primary_id,) = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()
    if primary_id != standby_id:
        return "the standby on 127.0.0.1:5433 replicates another cluster than 127.0.0.1:5432"
    return None


def _connect(server, dbname, **kwargs):
    user = _primary_settings().get("USER") or "postgres"
    return psycopg.connect(
        host=server["host"], port=server["port"], dbname=dbname, user=user, autocommit=True,
        **kwargs,
    )  # fmt: skip


def _url(server, dbname=DB_NAME) -> str:
    user = _primary_settings().get("USER") or "postgres"
    return f"postgres://{user}@{server['host']}:{server['port']}/{dbname}"


def _primary_sql(sql, params=(), dbname=DB_NAME):
    with _connect(PRIMARY, dbname) as conn:
        conn.execute(sql, params)


def _standby_one(sql):
    with _connect(STANDBY, "postgres") as conn:
        return conn.execute(sql).fetchone()[0]


def _wait_for_standby_to_catch_up():
    """Until the standby has replayed everything the primary has written so far."""
    with _connect(PRIMARY, "postgres") as conn:
        (lsn,) = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
    deadline = time.monotonic() + CATCH_UP_SECONDS
    with _connect(STANDBY, "postgres") as conn:
        while True:
            (done,) = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]
            ).fetchone()
            if done:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay up to {lsn} in {CATCH_UP_SECONDS} s")
            time.sleep(0.05)


def _resume_replay():
    with _connect(STANDBY, "postgres") as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


@contextlib.contextmanager
def replay_paused():
    """The standby frozen where the primary is now; replaying again (and caught up) after."""
    _wait_for_standby_to_catch_up()
    with _connect(STANDBY, "postgres") as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 5
        while conn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
            if time.monotonic() > deadline:
                pytest.fail("the standby did not pause WAL replay")
            time.sleep(0.02)
    try:
        yield
    finally:
        _resume_replay()
    _wait_for_standby_to_catch_up()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # The app's configuration comes from here alone, not from whoever runs the tests.
        if not key.startswith(("DATABASE_", "REDIS_", "PAGE_CACHE", "RATE_LIMIT", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_url(PRIMARY),
        # DEBUG serves static files from the finders (no collectstatic) over plain http;
        # routing does not depend on it.
        DEBUG="true",
        SECRET_KEY="replica-test-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1",
        ACCESS_LOG="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


SETUP = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from directory.models import FocusArea

call_command("migrate", interactive=False, verbosity=0)
get_user_model().objects.create_superuser({CURATOR!r}, "curator@example.org", {PASSWORD!r})
FocusArea.objects.create(name={FIRST_NAME!r}, slug={SLUG!r}, description="Replicated.")
"""


@pytest.fixture(scope="module")
def site():
    """The app on a loopback port, reading from the standby; the base URL."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    _resume_replay()  # in case an earlier run stopped half-way
    _primary_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', dbname="postgres")
    _primary_sql(f'CREATE DATABASE "{DB_NAME}"', dbname="postgres")
    log = tempfile.NamedTemporaryFile("w+", prefix="causeway-replica-", suffix=".log")  # noqa: SIM115
    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SETUP],
            cwd=BASE_DIR, env=_app_env(), check=True, timeout=120, stdout=log, stderr=log,
        )  # fmt: skip
        _wait_for_standby_to_catch_up()
        port = _free_port()
        env = _app_env(
            DATABASE_REPLICA_URLS=_url(STANDBY), HOST="127.0.0.1", PORT=str(port),
            WEB_CONCURRENCY="2",
        )  # fmt: skip
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
             "config.wsgi"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"gunicorn did not start:\n{log.read()[-3000:]}")
            time.sleep(0.1)
        yield base
    except subprocess.CalledProcessError:
        log.seek(0)
        pytest.fail(f"setting up {DB_NAME} failed:\n{log.read()[-3000:]}")
    finally:
        with contextlib.suppress(psycopg.Error):  # the standby may be what failed
            _resume_replay()
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        _primary_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', dbname="postgres")
        log.close()


@pytest.fixture
def name(site):
    """The focus area's name as the test leaves it: put back on the primary, and replicated."""
    yield
    _primary_sql("UPDATE directory_focusarea SET name = %s WHERE slug = %s", [FIRST_NAME, SLUG])
    _wait_for_standby_to_catch_up()


def _heading(response) -> str:
    assert response.status_code == 200, response.status_code
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    assert match, "no <h1> on the focus area page"
    return html.unescape(match.group(1)).strip()


def visitor_sees(base, visitor=None) -> str:
    """The focus area's name on its public page, as a visitor without a session sees it
    (a new one unless given)."""
    with contextlib.ExitStack() as stack:
        if visitor is None:
            visitor = stack.enter_context(requests.Session())
        assert settings.SESSION_COOKIE_NAME not in visitor.cookies, "this visitor has a session"
        # A query string of its own: rendered from the database, never the page cache.
        url = f"{base}/focus-areas/{SLUG}/?fresh={uuid.uuid4().hex}"
        return _heading(visitor.get(url, timeout=10, allow_redirects=False))


def curator_sees(base, curator) -> str:
    return _heading(curator.get(f"{base}/focus-areas/{SLUG}/", timeout=10))


def _eventually_visitor_sees(base, expected: str) -> None:
    """Replay has resumed: the visitor's page catches up."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while (seen := visitor_sees(base)) != expected:
        assert time.monotonic() < deadline, f"the visitor still sees {seen!r}"
        time.sleep(0.1)


@pytest.fixture
def curator(site):
    """A staff member signed in through the admin's login form."""
    session = requests.Session()
    login = f"{site}/{settings.ADMIN_URL}login/"
    page = session.get(login, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        login,
        data={
            "csrfmiddlewaretoken": token,
            "username": CURATOR,
            "password": PASSWORD,
            "next": f"/{settings.ADMIN_URL}",
        },
        headers={"Referer": login},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"sign-in failed ({response.status_code})"
    assert settings.SESSION_COOKIE_NAME in session.cookies
    yield session
    session.close()


class _FormFields(HTMLParser):
    """What a browser would submit from the form with the given id: its fields' names and
    values (checked boxes only, selected options, textareas' text)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            # Browsers drop one newline right after <textarea>.
            self.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def save_in_admin(base, curator, new_name: str):
    """Change the focus area's name through its admin form, as a curator's browser would."""
    with _connect(PRIMARY, DB_NAME) as conn:
        (pk,) = conn.execute(
            "SELECT id FROM directory_focusarea WHERE slug = %s", [SLUG]
        ).fetchone()
    url = f"{base}/{settings.ADMIN_URL}directory/focusarea/{pk}/change/"
    page = curator.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    parser = _FormFields("focusarea_form")
    parser.feed(page.text)
    fields = [(key, value) for key, value in parser.fields if key != "name"]
    assert any(key == "csrfmiddlewaretoken" for key, _ in fields), "no form on the change page"
    fields += [("name", new_name), ("_save", "Save")]
    response = curator.post(
        url, data=fields, headers={"Referer": url}, timeout=10, allow_redirects=False
    )
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
    assert response.status_code == 302, f"the admin did not save: {errors or response.status_code}"
    return url


def test_a_visitors_page_is_read_from_the_replica(site, curator, name):
    """(a) With replay paused, a change written straight to the primary reaches the
    curator (primary) and not the visitor (replica) until the standby replays it."""
    assert visitor_sees(site) == curator_sees(site, curator) == FIRST_NAME
    changed = f"Changed on the primary {uuid.uuid4().hex[:8]}"
    with replay_paused():
        _primary_sql("UPDATE directory_focusarea SET name = %s WHERE slug = %s", [changed, SLUG])
        assert curator_sees(site, curator) == changed
        # Every visitor request, whichever gunicorn worker serves it, reads the replica.
        assert {visitor_sees(site) for _ in range(6)} == {FIRST_NAME}
    _eventually_visitor_sees(site, changed)


def test_a_curator_sees_their_own_admin_save_at_once(site, curator, name):
    """(b) Read-your-writes: a curator's save in the admin shows on their next pages at
    once, public and admin, while the replica has not replayed it."""
    saved = f"Saved by a curator {uuid.uuid4().hex[:8]}"
    with replay_paused():
        change_url = save_in_admin(site, curator, saved)
        assert curator_sees(site, curator) == saved
        form = curator.get(change_url, timeout=10).text
        assert f'value="{html.escape(saved)}"' in form
        # The changelist the admin redirected to lists the new name.
        changelist = curator.get(f"{site}/{settings.ADMIN_URL}directory/focusarea/", timeout=10)
        assert html.escape(saved) in changelist.text
        with _connect(STANDBY, DB_NAME) as conn:
            (on_replica,) = conn.execute(
                "SELECT name FROM directory_focusarea WHERE slug = %s", [SLUG]
            ).fetchone()
        assert on_replica == FIRST_NAME, "replay was not paused: this proves nothing"
    _eventually_visitor_sees(site, saved)


def test_a_visitor_without_a_session_may_read_the_stale_replica(site, curator, name):
    """(c) A visitor with no session cookie (even one holding a CSRF cookie from a form)
    reads the replica: a curator's save waits for replay before visitors see it."""
    visitor = requests.Session()
    form = visitor.get(f"{site}/suggest/", timeout=10)  # a public form: a CSRF cookie
    assert form.status_code == 200
    assert settings.CSRF_COOKIE_NAME in visitor.cookies
    assert settings.SESSION_COOKIE_NAME not in visitor.cookies
    saved = f"Saved while a visitor reads {uuid.uuid4().hex[:8]}"
    with replay_paused():
        save_in_admin(site, curator, saved)
        assert curator_sees(site, curator) == saved
        assert visitor_sees(site, visitor) == FIRST_NAME
        assert visitor_sees(site) == FIRST_NAME
    _eventually_visitor_sees(site, saved)
    assert visitor_sees(site, visitor) == saved
    visitor.close()
