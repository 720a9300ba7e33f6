"""Whole-page caching of the public pages for visitors who are not signed in.

A page is filed under the content version (directory.cache), so the first request after a
curator publishes or edits anything renders afresh, on every app server at once; entries
also expire after PAGE_CACHE_SECONDS and with the day, since "due for review" notes depend
on the date. The key holds the scheme, host, path, query string and active language.

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


def page_key(request) -> str:
    parts = (
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"page:{current_version(request)}:{timezone.localdate().isoformat()}:{digest}"


def cache_page_for_visitors(view):
    """Serve `view`'s anonymous GET responses from the page cache when they can be shared."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if not _eligible(request):
            return view(request, *args, **kwargs)
        store = caches["pages"]
        key = page_key(request)
        entry = store.get(key)
        if entry is not None:
            content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if _storable(request, response):
            store.set(key, (response.content, list(response.items())), settings.PAGE_CACHE_SECONDS)
            response[HEADER] = "miss"
        return response

    return cached_view
