"""The link checker against a real HTTP server on 127.0.0.1: statuses, redirects, HEAD
refused, timeouts, the per-host limit, and its refusal to fetch private addresses unless
told to. No request ever leaves the machine: made-up `.test` names resolve through a fake
DNS, and every socket's connect to anything but loopback is refused and recorded."""

import io
import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory import links
from directory.models import LinkCheck
from tests.factories import make_org

pytestmark = pytest.mark.django_db

HOLD_SECONDS = 0.3  # how long /hold keeps a request open, to overlap concurrent ones
DRIP_SECONDS = 0.1  # between the bytes of /drip's answer: each read is quick, the whole is not
HOP_SECONDS = 0.2  # how long each /hop/N waits before redirecting to the next
PUBLIC = "93.184.216.34"  # a public address, never actually connected to (see _only_loopback)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: Counter = Counter()  # (method, path) -> requests
        self.hosts: list[str] = []  # each request's Host header
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = threading.Event()  # set on teardown: /slow stops waiting

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


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
            self.server.hosts.append(self.headers["Host"])
        path, _, query = self.path.partition("?")
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
        elif path == "/redirect":  # /redirect?to=URL
            self._send(302, Location=parse_qs(query)["to"][0])
        elif path == "/loop":
            self._send(302, Location="/loop")
        elif path.startswith("/hop/"):  # /hop/N: a moment's wait, then on to /hop/N+1
            if not self.server.release.wait(HOP_SECONDS):
                self._send(302, Location=f"/hop/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path == "/drip":
            self._drip()
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

    def _drip(self):
        """A 200 answer a byte at a time: every read gets a byte well within any read
        timeout, yet the whole answer takes several seconds."""
        head = b"HTTP/1.1 200 OK\r\nX-Drip: " + b"." * 60 + b"\r\nContent-Length: 0\r\n\r\n"
        for byte in head:
            if self.server.release.wait(DRIP_SECONDS):
                return
            try:
                self.wfile.write(bytes([byte]))
            except OSError:
                return  # the checker gave up, as it should

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
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
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


@pytest.fixture(autouse=True)
def connects(monkeypatch) -> list[tuple[str, int]]:
    """Every address a socket tried to connect to. Only loopback is really connected to:
    anything else is refused here, so a test that lets the checker reach for a public address
    (or a checker that wrongly does) never leaves the machine."""
    tried: list[tuple[str, int]] = []
    real_connect = socket.socket.connect

    def only_loopback(sock, address):
        tried.append(address[:2])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(f"test: no connection to {address[0]}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", only_loopback)
    return tried


class FakeDNS:
    """Answers for made-up `.test` names (other names go to the real resolver); an answer is
    a list of addresses, or a list of such lists, one per lookup in turn (a rebinding name)."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list] = {}
        self.lookups: Counter = Counter()

    def __call__(self, host, port, *args, **kwargs):
        if not str(host).endswith(".test"):
            return self.real(host, port, *args, **kwargs)
        answers = self.answers[host]
        if isinstance(answers[0], list):
            answers = answers[min(self.lookups[host], len(answers) - 1)]
        self.lookups[host] += 1
        return [self._info(address, port) for address in answers]

    @staticmethod
    def _info(address, port):
        if ":" in address:
            return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0))
        return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))


@pytest.fixture
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def loopback_counts_as_public(monkeypatch):
    """The test server (127.0.0.1) passes the address rules as a public site would, while
    every other private address is still refused: narrower than allow_private."""
    real = links.is_public
    monkeypatch.setattr(links, "is_public", lambda address: address == "127.0.0.1" or real(address))


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


def test_a_redirect_to_a_private_address_is_refused(
    server, dns, connects, loopback_counts_as_public
):
    # The first hop is allowed; the redirect's host is looked up, vetted and refused.
    dns.answers = {"site.test": ["127.0.0.1"], "internal.test": ["10.0.0.1"]}
    first_hop = "/redirect?to=" + server.url("/ok", host="internal.test")

    status, error = links.fetch(server.url(first_hop, host="site.test"), timeout=2)

    assert status is None
    assert error == "internal.test resolves to a private address (10.0.0.1)"
    assert server.seen == Counter({("HEAD", first_hop): 1})
    assert connects == [("127.0.0.1", server.port)]


# --- addresses ----------------------------------------------------------------------------------

NOT_PUBLIC = [
    "127.0.0.1",
    "::1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "fd00::1",
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.100.100.200",  # a cloud metadata service in that space
    "169.254.169.254",  # link-local: cloud metadata
    "fe80::1",
    "fec0::1",  # site-local
    "0.0.0.0",  # noqa: S104 (an address refused, not one bound)
    "::",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "224.0.0.1",  # multicast, which is_global passes
    "239.255.255.250",
    "ff0e::1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::808:808",  # NAT64 even of a public address: a translator in the path
    "64:ff9b:1::a00:1",
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:8.8.8.8",
    "::ffff:0:127.0.0.1",  # IPv4-translated
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_a_link_resolving_to_a_non_public_address_is_refused_before_connecting(
    server, dns, connects, address
):
    dns.answers = {"odd.test": [address]}

    status, error = links.fetch(server.url("/ok", host="odd.test"), timeout=1)

    assert (status, error) == (None, f"odd.test resolves to a private address ({address})")
    assert connects == []
    assert server.seen == Counter()


def test_every_address_of_a_host_must_be_public(server, dns, connects):
    dns.answers = {"mixed.test": [PUBLIC, "100.100.100.200"]}

    status, error = links.fetch(server.url("/ok", host="mixed.test"), timeout=1)

    assert (status, error) == (None, "mixed.test resolves to a private address (100.100.100.200)")
    assert connects == []


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC, "2606:4700:4700::1111", "2002:808:808::"])
def test_public_addresses_pass(address):
    assert links.is_public(address)
    assert all(not links.is_public(each) for each in NOT_PUBLIC)


def test_vet_url_returns_the_addresses_to_connect_to(dns):
    dns.answers = {"site.test": [PUBLIC, "2606:4700:4700::1111"]}

    assert links.vet_url("https://site.test/donate") == [PUBLIC, "2606:4700:4700::1111"]
    with pytest.raises(links.Refused, match="not an http"):
        links.vet_url("file:///etc/passwd")


# --- connecting to the vetted address ------------------------------------------------------------


def test_a_made_up_host_is_fetched_at_its_address_under_its_own_name(server, dns, connects):
    dns.answers = {"site.test": ["127.0.0.1"]}

    result = links.fetch(server.url("/ok", host="site.test"), timeout=1, allow_private=True)

    assert result == (200, "")
    assert connects == [("127.0.0.1", server.port)]
    assert server.hosts == [f"site.test:{server.port}"]


def test_without_allow_private_the_same_link_is_refused_before_connecting(server, dns, connects):
    dns.answers = {"site.test": ["127.0.0.1"]}

    status, error = links.fetch(server.url("/ok", host="site.test"), timeout=1)

    assert (status, error) == (None, "site.test resolves to a private address (127.0.0.1)")
    assert connects == []
    assert server.seen == Counter()


def test_a_rebinding_name_is_looked_up_once_and_its_vetted_address_connected_to(
    server, dns, connects
):
    # Public when checked, loopback when looked up again: only the first answer is used.
    dns.answers = {"rebind.test": [[PUBLIC], ["127.0.0.1"]]}

    status, error = links.fetch(server.url("/ok", host="rebind.test"), timeout=1)

    assert status is None
    assert error == f"test: no connection to {PUBLIC}"
    assert dns.lookups == Counter({"rebind.test": 1})
    assert connects == [(PUBLIC, server.port)]
    assert server.seen == Counter()  # the loopback listener was never reached


def test_each_redirect_hop_is_looked_up_once_and_connected_to_by_address(
    server, dns, connects, loopback_counts_as_public
):
    dns.answers = {"site.test": ["127.0.0.1"], "rebind.test": [[PUBLIC], ["127.0.0.1"]]}
    start = server.url("/redirect?to=" + server.url("/ok", host="rebind.test"), host="site.test")

    status, error = links.fetch(start, timeout=1)

    assert (status, error) == (None, f"test: no connection to {PUBLIC}")
    assert dns.lookups == Counter({"site.test": 1, "rebind.test": 1})
    assert connects == [("127.0.0.1", server.port), (PUBLIC, server.port)]
    assert ("HEAD", "/ok") not in server.seen


def test_redirects_are_bounded(server):
    status, error = links.fetch(server.url("/loop"), timeout=2, allow_private=True)

    assert (status, error) == (None, f"more than {links.MAX_REDIRECTS} redirects")
    assert server.seen == Counter({("HEAD", "/loop"): links.MAX_REDIRECTS + 1})


# --- one deadline per link -----------------------------------------------------------------------


def test_a_server_dripping_its_answer_is_cut_off_at_the_timeout(server):
    started = time.monotonic()

    status, error = links.fetch(server.url("/drip"), timeout=0.5, allow_private=True)

    assert (status, error) == (None, "timed out")
    assert time.monotonic() - started < 1.5  # the drip alone takes about 7 s


def test_redirects_share_the_links_timeout(server):
    # Each hop answers well within the timeout; all of them together do not.
    started = time.monotonic()

    status, error = links.fetch(server.url("/hop/1"), timeout=0.5, allow_private=True)

    assert (status, error) == (None, "timed out")
    assert time.monotonic() - started < 1.0
    assert sum(server.seen.values()) <= 3


def test_a_slow_lookup_counts_against_the_timeout(monkeypatch, connects):
    # getaddrinfo takes no timeout; a name server answering slowly must not hold the link.
    answer = threading.Event()
    monkeypatch.setattr(links, "resolve", lambda host, port: answer.wait(5) and [PUBLIC])
    started = time.monotonic()
    try:
        result = links.fetch("http://slow.test/", timeout=0.3)
    finally:
        answer.set()

    assert result == (None, "timed out resolving slow.test")
    assert time.monotonic() - started < 1
    assert connects == []


def test_the_command_bounds_each_link_by_its_timeout(server):
    org = make_org(website=server.url("/drip"), donate_url=server.url("/hop/1"))
    started = time.monotonic()

    _check("--allow-private", "--timeout", "0.5")

    assert time.monotonic() - started < 2
    assert {c.field: c.error for c in _checks(org).values()} == {
        "website": "timed out",
        "donate_url": "timed out",
    }


# --- https ---------------------------------------------------------------------------------------


@contextmanager
def _running_tls(tmp_path, name):
    """The test server behind TLS with a self-signed certificate for `name`; yields it and
    the server names (SNI) its clients asked for."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str] = []
    context.sni_callback = lambda _sock, server_name, _context: names.append(server_name)
    with _running() as server:
        server.socket = context.wrap_socket(server.socket, server_side=True)
        yield server, names, str(cert)


def test_https_verifies_the_certificate_and_sends_sni_for_the_host_name(
    tmp_path, dns, connects, monkeypatch
):
    dns.answers = {"site.test": ["127.0.0.1"]}
    with _running_tls(tmp_path, "site.test") as (server, names, cert):
        monkeypatch.setattr(links, "CA_FILE", cert)

        result = links.fetch(
            server.url("/ok", host="site.test", scheme="https"), timeout=2, allow_private=True
        )

    assert result == (200, "")
    assert connects == [("127.0.0.1", server.port)]  # by address ...
    assert names == ["site.test"]  # ... yet TLS speaks of the host name
    assert server.hosts == [f"site.test:{server.port}"]


def test_https_refuses_a_certificate_for_another_name(tmp_path, dns, monkeypatch):
    dns.answers = {"site.test": ["127.0.0.1"]}
    with _running_tls(tmp_path, "other.test") as (server, _names, cert):
        monkeypatch.setattr(links, "CA_FILE", cert)

        status, error = links.fetch(
            server.url("/ok", host="site.test", scheme="https"), timeout=2, allow_private=True
        )

    assert status is None
    assert "certificate verify failed" in error
    assert server.seen == Counter()


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
