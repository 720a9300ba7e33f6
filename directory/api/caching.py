"""Conditional requests and caching of the API's lists and details.

A response is filed under the content version (directory.cache), exactly as the pages are
(directory.pagecache): the first request after any change to public content answers
afresh. Its ETag names the version and the URL, its Last-Modified is when the version
changed, so a client revalidating after no change gets a 304 without a query for rows.
"""

import functools
import hashlib
from datetime import datetime

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from directory import cache as content_cache
from directory.cache import current_version
from directory.models import ContentVersion
from directory.pagecache import VERSION_MAX_AGE

CACHE_CONTROL = "public, no-cache"  # shareable, revalidated (cheaply: a 304) each time
_COPIED = ("Content-Type",)


def _changed(version: int) -> float | None:
    """When the content version last changed (a timestamp), remembered per version."""

    def read() -> float:
        changed = ContentVersion.objects.filter(pk=1).values_list("changed", flat=True).first()
        return changed.timestamp() if isinstance(changed, datetime) else 0.0

    key = f"causeway:hsds-api-changed:{version}"
    stamp = cache.get(key)
    if stamp is None:
        stamp = read()
        cache.set(key, stamp, content_cache.TIMEOUT)
    return int(stamp) or None


def _digest(request) -> str:
    parts = (request.scheme, request.get_host(), request.get_full_path())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _tiers() -> list:
    names = [name for name in ("pages_local", "pages") if name in settings.CACHES]
    return [caches[name] for name in names or ["default"]]


def _eligible(request) -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and request.method in ("GET", "HEAD")


def _headers(response: HttpResponse, etag: str, last_modified: int | None) -> HttpResponse:
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = CACHE_CONTROL
    return response


def versioned(view):
    """Give `view`'s 200s an ETag and Last-Modified from the content version, answer a
    matching If-None-Match (or, without one, If-Modified-Since) with 304, and serve
    repeated requests from the cache until the content changes."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        version = current_version(request, max_age=VERSION_MAX_AGE)
        digest = _digest(request)
        etag = f'"hsds-{version}-{digest[:16]}"'
        last_modified = _changed(version)
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return _headers(not_modified, etag, last_modified)
        key = f"hsds-api:{version}:{digest}"
        tiers = _tiers() if _eligible(request) else []
        for tier in tiers:
            entry = tier.get(key)
            if entry is not None:
                content, headers = entry
                response = HttpResponse(content)
                for name, value in headers:
                    response[name] = value
                return _headers(response, etag, last_modified)
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        for tier in tiers:
            entry = (response.content, [(h, response[h]) for h in _COPIED if h in response])
            tier.set(key, entry, settings.PAGE_CACHE_SECONDS)
        return _headers(response, etag, last_modified)

    return wrapped
