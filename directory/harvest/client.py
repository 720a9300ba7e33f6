"""Reads another directory's HSDS 3.0 API: pages of organizations, with their services.

Every request goes through `directory.links.safe_request`, so a feed gets the link
checker's address rules (no private, loopback or link-local target unless `allow_private`,
each redirect vetted, the connection pinned to the vetted address), one deadline per
request, and a cap on the bytes read. A failure that may pass (a timeout, a refused
connection, a 429 or a 5xx) is retried with exponential backoff; anything else, or the last
retry, raises `FeedError` with a message a curator can act on.
"""

import http.client
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urljoin

from django.conf import settings

from directory.links import Deadline, Refused, safe_request

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
PER_PAGE = 100


class FeedError(Exception):
    """The feed could not be read; nothing from this run is written."""


class BadRequest(FeedError):
    """The feed answered 400: it does not know a parameter we sent."""


@dataclass
class Client:
    base_url: str
    allow_private: bool = False
    timeout: float = field(default_factory=lambda: settings.HARVEST_TIMEOUT)
    retries: int = field(default_factory=lambda: settings.HARVEST_RETRIES)
    backoff: float = field(default_factory=lambda: settings.HARVEST_BACKOFF)
    max_bytes: int = field(default_factory=lambda: settings.HARVEST_MAX_BYTES)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self):
        self.base_url = self.base_url.rstrip("/") + "/"

    def url(self, path: str, **query) -> str:
        query = {name: value for name, value in query.items() if value is not None}
        return urljoin(self.base_url, path) + (f"?{urlencode(query)}" if query else "")

    def get(self, url: str) -> dict:
        """The JSON object at `url`, retrying what may pass."""
        for attempt in range(self.retries + 1):
            try:
                return self._get_once(url)
            except _Transient as error:
                if attempt == self.retries:
                    raise FeedError(f"{url}: {error} (tried {attempt + 1} times)") from None
                self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def _get_once(self, url: str) -> dict:
        deadline = Deadline(self.timeout)
        try:
            with safe_request(url, "GET", deadline, allow_private=self.allow_private) as response:
                status = response.status
                body = response.read(self.max_bytes + 1)
        except Refused as error:
            raise FeedError(f"{url}: refused ({error}).") from None
        except (OSError, http.client.HTTPException) as error:
            raise _Transient(str(error) or type(error).__name__) from None
        if status in RETRIED_STATUSES:
            raise _Transient(f"HTTP {status}")
        if status == 400:
            raise BadRequest(f"{url}: HTTP 400.")
        if status != 200:
            raise FeedError(f"{url}: HTTP {status}.")
        if len(body) > self.max_bytes:
            raise FeedError(f"{url}: the response is larger than {self.max_bytes:,} bytes.")
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise FeedError(f"{url}: not JSON ({error}).") from None
        if not isinstance(data, dict):
            raise FeedError(f"{url}: expected a JSON object.")
        return data

    def organizations(self, *, modified_after: datetime | None = None) -> Iterator[dict]:
        """Every organization (changed since `modified_after`), in full with its services:
        `full=true` pages, and each organization's detail where a page leaves them out.

        Services come in full (`full_service=true`: their attributes, hence their issues)
        where the feed knows the parameter; one that refuses it is asked without."""
        query = {"full": "true", "full_service": "true"}
        if modified_after:
            query["modified_after"] = modified_after.isoformat()
        try:
            first = self.page("organizations", 1, **query)
        except BadRequest:
            query.pop("full_service")
            first = self.page("organizations", 1, **query)
        detail = {"full_service": "true"} if "full_service" in query else {}
        for contents in self.pages("organizations", first=first, **query):
            for item in contents:
                if not isinstance(item, dict) or not item.get("id"):
                    raise FeedError("The feed lists an organization without an id.")
                if "services" not in item:
                    item = self.get(self.url(f"organizations/{item['id']}", **detail))
                yield item

    def organization_ids(self) -> set[str]:
        """The ids of every organization the feed lists now (to notice removals)."""
        return {
            str(item.get("id"))
            for contents in self.pages("organizations")
            for item in contents
            if isinstance(item, dict)
        }

    def page(self, path: str, number: int, **query) -> dict:
        data = self.get(self.url(path, page=number, per_page=PER_PAGE, **query))
        if not isinstance(data.get("contents"), list):
            raise FeedError(f"{path} page {number}: no 'contents' list; is it an HSDS API?")
        _whole(data.get("total_pages"), path)
        return data

    def pages(self, path: str, *, first: dict | None = None, **query) -> Iterator[list]:
        """The `contents` of each page in turn, from page 1 (`first`, when already read)."""
        data, number = first or self.page(path, 1, **query), 1
        while True:
            yield data["contents"]
            if not data["contents"] or data.get("last_page") is True:
                return
            if number >= data["total_pages"]:
                return
            number += 1
            data = self.page(path, number, **query)


class _Transient(Exception):
    pass


def _whole(value, path) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise FeedError(f"{path}: 'total_pages' is not a whole number.")
