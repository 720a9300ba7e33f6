"""Checks organizations' external links (website, donation, volunteer) concurrently.

Each host gets at most a few requests at a time, so one site is never hammered, and each link
one deadline for all of its fetch (lookups, connecting, every read, every redirect), so a slow
or dripping site cannot stall the run.

A listing's URL comes from outside (suggestions, imports), so it must not make the server
connect anywhere it chooses. `vet_url` resolves a host once and refuses it unless every
address is public; the connection then goes to those vetted addresses, never to the name
again (a second lookup may answer differently: DNS rebinding), and each redirect is vetted the
same way. `safe_request` does all of that for any caller (harvesting reuses it).
"""

import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.db import transaction
from django.utils import timezone

from directory.models import LinkCheck, Organization

FIELDS = ("website", "donate_url", "volunteer_url", "advocacy_url", "fundraising_url")
USER_AGENT = "CausewayLinkChecker/1.0 (+https://github.com/causeway)"
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
CA_FILE = None  # None: the system's trust store (tests point it at their own certificate)


class Refused(ValueError):
    """A link that may not be fetched: not http(s), a non-public address, too many redirects."""


# --- which addresses may be fetched --------------------------------------------------------------

# IPv6 forms that carry an IPv4 address and may reach it (or a translator in front of it):
# IPv4-compatible, IPv4-mapped, IPv4-translated, and NAT64 (well-known and local-use). Python's
# is_global passes several of them; a public site never needs them, so all are refused.
_EMBEDDED_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


def is_public(address: str) -> bool:
    """Whether `address` is one the server may connect to on a listing's behalf."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scope (fe80::1%eth0) is no help
    if ip.is_multicast or not ip.is_global:  # is_global passes multicast such as 224.0.0.1
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return True
    if ip.is_site_local or any(ip in net for net in _EMBEDDED_IPV4):
        return False
    # 6to4 and Teredo addresses carry IPv4 addresses too: those must be public as well.
    embedded = [ip.sixtofour, *(ip.teredo or ())]
    return all(is_public(str(v4)) for v4 in embedded if v4 is not None)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _resolve_within(host: str, port: int, seconds: float) -> list[str]:
    """`resolve`, given up after `seconds`: getaddrinfo takes no timeout, so it runs in a
    thread of its own, left to finish by itself if the deadline comes first."""
    answer: Future = Future()

    def lookup():
        try:
            answer.set_result(resolve(host, port))
        except BaseException as error:
            answer.set_exception(error)

    threading.Thread(target=lookup, daemon=True).start()
    try:
        return answer.result(timeout=seconds)
    except TimeoutError:
        raise TimeoutError(f"timed out resolving {host}") from None


def vet_url(url: str, *, allow_private: bool = False, timeout: float | None = None) -> list[str]:
    """The addresses to connect to for `url`, from one lookup; raises Refused unless `url` is
    http(s) and every address its host resolves to is public. Connect to these addresses,
    never to the name again."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise Refused("not an http(s) link")
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    if timeout is None:
        addresses = resolve(parts.hostname, port)
    else:
        addresses = _resolve_within(parts.hostname, port, timeout)
    if not addresses:
        raise Refused(f"{parts.hostname} has no address")
    if not allow_private:
        for address in addresses:  # every one: the connection may go to any of them
            if not is_public(address):
                raise Refused(f"{parts.hostname} resolves to a private address ({address})")
    return addresses


# --- fetching within one deadline ----------------------------------------------------------------


class Deadline:
    """The moment a whole fetch must be over, however many connections and reads it takes."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left


class _Bounded:
    """A socket whose every read (and send) waits only for what is left of the deadline: a
    per-read timeout alone lets a server dripping a byte at a time hold a fetch for ever."""

    deadline: Deadline

    def recv_into(self, *args, **kwargs):
        self.settimeout(self.deadline.remaining())
        return super().recv_into(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self.settimeout(self.deadline.remaining())
        return super().sendall(*args, **kwargs)


class _BoundedSocket(_Bounded, socket.socket):
    pass


class _BoundedSSLSocket(_Bounded, ssl.SSLSocket):
    pass


@functools.cache
def _tls_context(cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=cafile)  # verifies certificate and host name
    context.sslsocket_class = _BoundedSSLSocket
    return context


def _connect(addresses: list[str], port: int, deadline: Deadline) -> socket.socket:
    """A socket connected to the first of the vetted `addresses` that answers."""
    error: OSError = OSError("no address")
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = _BoundedSocket(family, socket.SOCK_STREAM)
        sock.deadline = deadline
        try:
            sock.settimeout(deadline.remaining())
            sock.connect((address, port))
            return sock
        except OSError as failure:
            sock.close()
            error = failure
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to vetted addresses; the Host header still names the link's host."""

    def __init__(self, host, port, addresses, deadline):
        super().__init__(host, port)
        self.addresses, self.deadline = addresses, deadline

    def connect(self):
        self.sock = _connect(self.addresses, self.port, self.deadline)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to vetted addresses; SNI and the certificate check use the link's host name."""

    def __init__(self, host, port, addresses, deadline):
        super().__init__(host, port, context=_tls_context(CA_FILE))
        self.addresses, self.deadline = addresses, deadline

    def connect(self):
        sock = _connect(self.addresses, self.port, self.deadline)
        try:
            sock.settimeout(self.deadline.remaining())  # the handshake, too, within the deadline
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock.deadline = self.deadline


def _request_once(url, method, deadline, allow_private) -> http.client.HTTPResponse:
    addresses = vet_url(url, allow_private=allow_private, timeout=deadline.remaining())
    parts = urlsplit(url)
    pinned = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    # The port is always given: http.client would misread one from a bare IPv6 host ("::1").
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    connection = pinned(parts.hostname, port, addresses, deadline)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, headers={"User-Agent": USER_AGENT})
        response = connection.getresponse()
    except BaseException:
        connection.close()
        raise
    # The connection is never reused: the response keeps the socket until it is closed.
    if connection.sock is not None:
        connection.sock.close()
        connection.sock = None
    return response


def safe_request(
    url: str, method: str, deadline: Deadline, *, allow_private: bool = False
) -> http.client.HTTPResponse:
    """The response to `method url` once redirects are followed (at most MAX_REDIRECTS), each
    hop vetted and connected by address; reading its body stays within `deadline`. Close it.
    Raises Refused, OSError (TimeoutError past the deadline) or http.client.HTTPException."""
    for _hop in range(MAX_REDIRECTS + 1):
        response = _request_once(url, method, deadline, allow_private)
        response.url = url
        location = response.getheader("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        response.close()
        url = urljoin(url, location)
    raise Refused(f"more than {MAX_REDIRECTS} redirects")


# --- checking listings ---------------------------------------------------------------------------


@dataclass
class Result:
    organization_id: int
    field: str
    url: str
    status_code: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 400


def fetch(url: str, timeout: float, allow_private: bool = False) -> tuple[int | None, str]:
    """The HTTP status of `url` (HEAD, or GET when HEAD is refused), or an error text; all of
    it within `timeout` seconds."""
    deadline = Deadline(timeout)
    try:
        for method in ("HEAD", "GET"):
            with safe_request(url, method, deadline, allow_private=allow_private) as response:
                status = response.status
            if status not in (405, 501):
                break
        return status, ""
    except (OSError, ValueError, http.client.HTTPException) as error:
        return None, (str(error) or type(error).__name__)[:300]


def check(
    organizations, *, timeout=10.0, workers=16, per_host=2, allow_private=False
) -> list[Result]:
    """Check every link of these organizations; at most `per_host` requests per host at once."""
    jobs = [
        Result(org.pk, field, getattr(org, field))
        for org in organizations
        for field in FIELDS
        if getattr(org, field)
    ]
    limits: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(per_host))
    lock = threading.Lock()

    def run(job: Result) -> Result:
        host = urlsplit(job.url).hostname or ""
        with lock:
            limit = limits[host]
        with limit:
            job.status_code, job.error = fetch(job.url, timeout, allow_private)
        return job

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, jobs))


@transaction.atomic
def record(results: list[Result]) -> None:
    now = timezone.now()
    for result in results:
        LinkCheck.objects.update_or_create(
            organization_id=result.organization_id,
            field=result.field,
            defaults={
                "url": result.url,
                "status_code": result.status_code,
                "ok": result.ok,
                "error": result.error,
                "checked": now,
            },
        )


def listings_to_check():
    return Organization.objects.exclude(status=Organization.Status.ARCHIVED).only("pk", *FIELDS)
