"""Whole-page caching of the public pages for visitors who are not signed in.

A page is filed under the content version (directory.cache), so the first request after a
curator publishes or edits anything renders afresh, on every app server within a second
(VERSION_MAX_AGE). Entries also expire after PAGE_CACHE_SECONDS and with the day, since
"due for review" notes depend on the date. The key holds the scheme, host, path, query
string and active language.

Only what is the same for every anonymous visitor is stored: 200 responses to GET from
requests without a session cookie (curators see live pages), and never a response that
sets a cookie, varies on cookies, used a CSRF token (a form) or asked not to be cached.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re

from directory.cache import current_version

HEADER = "X-Page-Cache"
# A hit is served without a database query when this process read the content version
# less than this long ago: other processes and servers see a change within a second, the
# process that made it (and the curator, whose pages are never cached) at once. The query
# would cost as much as the rest of serving a cached page.
VERSION_MAX_AGE = 1.0
_UNCACHEABLE = {"private", "no-store", "no-cache"}


def _eligible(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _storable(request, response) -> bool:
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    control = {
        part.split("=")[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return (
        response.status_code == 200
        and not response.streaming
        and getattr(response, "is_rendered", True)
        and not response.cookies
        and "cookie" not in vary
        and not control & _UNCACHEABLE
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def page_key(request, version: int) -> str:
    parts = (
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"page:{version}:{timezone.localdate().isoformat()}:{digest}"


def _tiers() -> list:
    """Where pages are kept: the shared cache ("pages", Redis in production), behind a small
    per-process one ("pages_local") when configured, which saves the round trip to Redis
    on the pages each worker serves most."""
    names = [name for name in ("pages_local", "pages") if name in settings.CACHES]
    return [caches[name] for name in names]


def _lookup(key: str):
    tiers = _tiers()
    for depth, tier in enumerate(tiers):
        entry = tier.get(key)
        if entry is not None:
            for nearer in tiers[:depth]:
                nearer.set(key, entry, settings.PAGE_CACHE_SECONDS)
            return entry
    return None


def cache_page_for_visitors(view):
    """Serve `view`'s anonymous GET responses from the page cache when they can be shared."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _eligible(request):
            return view(request, *args, **kwargs)
        entry = _lookup(page_key(request, current_version(request, max_age=VERSION_MAX_AGE)))
        if entry is not None:
            content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "hit"
            return response
        # The version read before rendering: a change committed while the page renders then
        # files it under the older version, never the old content under the new one.
        version = current_version(request)
        response = view(request, *args, **kwargs)
        if _storable(request, response):
            key = page_key(request, version)
            entry = (response.content, list(response.items()))
            for tier in _tiers():
                tier.set(key, entry, settings.PAGE_CACHE_SECONDS)
            response[HEADER] = "miss"
        return response

    return cached_view
