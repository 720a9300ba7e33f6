"""Caching of counts that are costly over a large directory and change only with content.

Keys carry the content version, which the catalog's writer (`directory.catalog`) moves
with every change to public content, so a cached count is never served after the
content it counted has changed. They carry the day too: an opportunity past its date
stops showing ("Takes volunteers" on a card, the ways-to-help counts) without any write.
"""

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from directory.models import ContentVersion

T = TypeVar("T")
TIMEOUT = 60 * 60


# The version this process read last, and when (time.monotonic()); see `max_age`.
_last_read: tuple[float, int] | None = None


def current_version(request=None, *, max_age: float = 0) -> int:
    """The content version; read once per request when the request is given.

    A caller that accepts a version up to `max_age` seconds old (the page cache's lookup,
    where the database round trip would cost more than serving the page) gets the one this
    process read last; a change made by this process is seen at once regardless.
    """
    global _last_read
    memo = getattr(request, "_causeway_content_version", None)
    if memo is not None:
        return memo
    if max_age and _last_read and time.monotonic() - _last_read[0] < max_age:
        return _last_read[1]
    version = ContentVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
    _last_read = (time.monotonic(), version)
    if request is not None:
        request._causeway_content_version = version
    return version


def bump_version() -> None:
    """Mark public content as changed. Called by the search index's refreshes, which the
    catalog's writer runs: everything else calls `directory.catalog.changed()`."""
    global _last_read
    _last_read = None
    updated = ContentVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def _key(name: str, parts, request, versioned: bool = True) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    today = timezone.localdate().isoformat()
    version = current_version(request) if versioned else "-"
    return f"causeway:{name}:{version}:{today}:{digest}"


def cached(name: str, parts, compute: Callable[[], T], request=None, versioned=True) -> T:
    """`compute()`, remembered under `name` and `parts` until the content changes; with
    `versioned` false, until the day ends: `parts` then say what it was computed from."""
    key = _key(name, parts, request, versioned)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def held(name: str, parts_list: list, request=None, versioned=True) -> list:
    """What `cached(name, parts, versioned=versioned)` holds for each entry of `parts_list`
    (None where it holds nothing), read at once."""
    keys = [_key(name, parts, request, versioned) for parts in parts_list]
    values = cache.get_many(keys)
    return [values.get(key) for key in keys]
