"""The link checker against a real HTTP server on 127.0.0.1: statuses, redirects, HEAD
refused, timeouts, the per-host limit, and its refusal to fetch private addresses unless
told to. No request ever leaves the machine."""

import io
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory import links
from directory.models import LinkCheck
from tests.factories import make_org

pytestmark = pytest.mark.django_db

HOLD_SECONDS = 0.3  # how long /hold keeps a request open, to overlap concurrent ones


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: Counter = Counter()  # (method, path) -> requests
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = threading.Event()  # set on teardown: /slow stops waiting

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args):
        pass  # keep the test output clean

    def do_HEAD(self):
        self._answer("HEAD")

    def do_GET(self):
        self._answer("GET")

    def _answer(self, method):
        with self.server.lock:
            self.server.seen[(method, self.path)] += 1
        if self.path == "/ok":
            self._send(200)
        elif self.path == "/missing":
            self._send(404)
        elif self.path == "/moved":
            self._send(301, Location="/ok")
        elif self.path == "/no-head":
            self._send(405 if method == "HEAD" else 200)
        elif self.path == "/slow":
            self.server.release.wait(5)  # far longer than the checker's timeout
            self._send(200)
        elif self.path.startswith("/hold"):
            self._hold()
        else:
            self._send(500)

    def _hold(self):
        """Stay open a moment, counting how many requests are open at once."""
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
        self.server.release.wait(HOLD_SECONDS)
        with self.server.lock:
            self.server.in_flight -= 1
        self._send(200)

    def _send(self, status, **headers):
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the checker gave up on this request (a timeout): nobody is listening


@contextmanager
def _running():
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def server():
    with _running() as running:
        yield running


def _check(*args) -> str:
    out = io.StringIO()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def _checks(org) -> dict[str, LinkCheck]:
    return {check.field: check for check in LinkCheck.objects.filter(organization=org)}


# --- statuses ------------------------------------------------------------------------------------


def test_each_link_is_recorded_with_its_status_and_date(server):
    healthy = make_org(
        "PSCORE",
        website=server.url("/ok"),
        donate_url=server.url("/moved"),
        volunteer_url=server.url("/no-head"),
    )
    broken = make_org("Crossing Borders", website=server.url("/missing"))
    slow = make_org("Helping Hands", website=server.url("/slow"))
    before = timezone.now()

    output = _check("--allow-private", "--timeout", "0.5")

    checks = _checks(healthy)
    assert {field: (c.status_code, c.ok, c.error) for field, c in checks.items()} == {
        "website": (200, True, ""),
        "donate_url": (200, True, ""),  # 301 followed to /ok
        "volunteer_url": (200, True, ""),  # HEAD refused, GET answered
    }
    assert checks["donate_url"].url == server.url("/moved")
    (missing,) = _checks(broken).values()
    assert (missing.field, missing.status_code, missing.ok) == ("website", 404, False)
    (timed_out,) = _checks(slow).values()
    assert (timed_out.status_code, timed_out.ok) == (None, False)
    assert "timed out" in timed_out.error
    assert LinkCheck.objects.count() == 5
    for check in LinkCheck.objects.all():
        assert before <= check.checked <= timezone.now()
    assert f"BROKEN {server.url('/missing')} (404)" in output
    assert f"BROKEN {server.url('/slow')} (" in output
    assert server.url("/ok") not in output
    assert "Checked 5 links: 2 broken." in output


def test_head_is_tried_first_and_get_only_when_head_is_refused(server):
    make_org(website=server.url("/ok"), volunteer_url=server.url("/no-head"))

    _check("--allow-private", "--timeout", "0.5")

    assert server.seen == Counter(
        {("HEAD", "/ok"): 1, ("HEAD", "/no-head"): 1, ("GET", "/no-head"): 1}
    )


def test_a_new_check_replaces_the_last_one(server):
    org = make_org(website=server.url("/missing"))
    _check("--allow-private", "--timeout", "0.5")
    org.website = server.url("/ok")
    org.save()

    _check("--allow-private", "--timeout", "0.5")

    (check,) = _checks(org).values()
    assert (check.url, check.status_code, check.ok) == (server.url("/ok"), 200, True)


def test_archived_listings_are_not_checked(server):
    make_org(status="archived", website=server.url("/ok"))

    _check("--allow-private", "--timeout", "0.5")

    assert not LinkCheck.objects.exists()
    assert server.seen == Counter()


# --- refusals ------------------------------------------------------------------------------------


def test_a_loopback_link_is_refused_without_allow_private(server):
    org = make_org(website=server.url("/ok"))

    output = _check("--timeout", "0.5")

    (check,) = _checks(org).values()
    assert (check.status_code, check.ok) == (None, False)
    assert "private address" in check.error
    assert f"BROKEN {server.url('/ok')}" in output
    assert server.seen == Counter()  # never fetched


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
def test_a_link_that_is_not_http_is_refused_without_fetching(url):
    assert links.fetch(url, timeout=0.5, allow_private=True) == (None, "not an http(s) link")


def test_a_redirect_to_a_private_address_is_refused(monkeypatch, server):
    # The first hop passes the address check as if it were public; the redirect is
    # checked again and refused.
    checked = []

    def refuse_after_first(url):
        checked.append(url)
        if len(checked) > 1:
            raise ValueError("127.0.0.1 resolves to a private address")

    monkeypatch.setattr(links, "_refuse_private", refuse_after_first)

    status, error = links.fetch(server.url("/moved"), timeout=0.5)

    assert status is None
    assert "private address" in error
    assert checked == [server.url("/moved"), server.url("/ok")]
    assert server.seen == Counter({("HEAD", "/moved"): 1})


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.parametrize("per_host", [1, 3])
def test_no_host_gets_more_than_per_host_requests_at_once(server, per_host):
    for n in range(2):
        make_org(
            website=server.url(f"/hold/{n}/website"),
            donate_url=server.url(f"/hold/{n}/donate"),
            volunteer_url=server.url(f"/hold/{n}/volunteer"),
        )

    output = _check(
        "--allow-private", "--timeout", "2", "--workers", "6", "--per-host", str(per_host)
    )

    assert "Checked 6 links: 0 broken." in output
    # Six workers would all be in flight at once; the limit holds them to per_host.
    assert server.most_in_flight == per_host


def test_the_limit_is_per_host_not_global(server):
    port = server.server_address[1]
    make_org(
        website=f"http://127.0.0.1:{port}/hold/a",
        donate_url=f"http://localhost:{port}/hold/b",
    )

    _check("--allow-private", "--timeout", "2", "--per-host", "1")

    assert server.most_in_flight == 2


# --- what curators see ---------------------------------------------------------------------------


def test_the_broken_link_filter_lists_only_organizations_with_a_broken_link(admin_client, server):
    broken = make_org("Crossing Borders", website=server.url("/ok"), donate_url=server.url("/x"))
    healthy = make_org("PSCORE", website=server.url("/ok"))
    unchecked = make_org("Helping Hands", status="archived", website=server.url("/missing"))
    _check("--allow-private", "--timeout", "0.5")

    response = admin_client.get("/admin/directory/organization/", {"links": "broken"})

    assert set(response.context["cl"].queryset) == {broken}
    everyone = admin_client.get("/admin/directory/organization/")
    assert set(everyone.context["cl"].queryset) == {broken, healthy, unchecked}
    html = everyone.content.decode()
    assert "Has a broken link" in html
    assert "<strong>1 broken</strong>" in html


def test_the_change_page_shows_the_link_report(admin_client, server):
    org = make_org(website=server.url("/ok"), donate_url=server.url("/missing"))
    _check("--allow-private", "--timeout", "0.5")
    checked = LinkCheck.objects.filter(organization=org).first().checked.date()

    html = admin_client.get(f"/admin/directory/organization/{org.pk}/change/").content.decode()

    assert f"website: {server.url('/ok')} — ok ({checked})" in html
    assert f"donate_url: {server.url('/missing')} — BROKEN 404 ({checked})" in html


def test_the_link_report_shows_a_url_with_braces(admin_client, server):
    org = make_org(website=server.url("/missing?q={term}"))
    _check("--allow-private", "--timeout", "0.5")

    response = admin_client.get(f"/admin/directory/organization/{org.pk}/change/")

    assert response.status_code == 200
    assert "/missing?q={term} — BROKEN" in response.content.decode()


def test_an_unchecked_organization_says_how_to_check_it(admin_client):
    org = make_org()

    html = admin_client.get(f"/admin/directory/organization/{org.pk}/change/").content.decode()

    assert "Not checked yet (python manage.py check_links)." in html


def test_the_link_check_admin_is_read_only(admin_client):
    org = make_org()
    check = LinkCheck.objects.create(
        organization=org,
        field="website",
        url="https://example.org/",
        status_code=404,
        checked=timezone.now() - timedelta(days=1),
    )

    assert admin_client.get("/admin/directory/linkcheck/").status_code == 200
    assert admin_client.get("/admin/directory/linkcheck/add/").status_code == 403
    response = admin_client.post(
        f"/admin/directory/linkcheck/{check.pk}/change/",
        {"organization": org.pk, "field": "website", "url": "https://example.org/", "ok": "on"},
    )
    assert response.status_code == 403
    assert LinkCheck.objects.get(pk=check.pk).ok is False
