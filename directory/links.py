"""Checks organizations' external links (website, donation, volunteer) concurrently.

Each host gets at most a few requests at a time and every request a timeout, so one slow
site neither stalls the run nor gets hammered. Links that resolve to private or loopback
addresses are not fetched unless allowed (tests do), so curated URLs cannot be used to
probe the server's own network.
"""

import ipaddress
import socket
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from directory.models import LinkCheck, Organization

FIELDS = ("website", "donate_url", "volunteer_url", "advocacy_url", "fundraising_url")
USER_AGENT = "CausewayLinkChecker/1.0 (+https://github.com/causeway)"


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


class _NoRedirectToPrivate(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not self.allow_private:
            _refuse_private(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _refuse_private(url: str) -> None:
    host = urlsplit(url).hostname or ""
    for info in socket.getaddrinfo(host, None):
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local:
            raise ValueError(f"{host} resolves to a private address")


def fetch(url: str, timeout: float, allow_private: bool = False) -> tuple[int | None, str]:
    """The HTTP status of `url` (HEAD, or GET when HEAD is refused), or an error text."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None, "not an http(s) link"
    try:
        if not allow_private:
            _refuse_private(url)
        opener = urllib.request.build_opener(_NoRedirectToPrivate(allow_private))
        status = None
        for method in ("HEAD", "GET"):
            # The scheme was checked above: only http(s) is ever opened.
            headers = {"User-Agent": USER_AGENT}
            request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
            try:
                with opener.open(request, timeout=timeout) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status not in (405, 501):
                break
        return status, ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))[:300]


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
