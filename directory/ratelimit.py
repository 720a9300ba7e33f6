"""Per-client rate limits on the Django cache, for search, the API and the public forms.

`@ratelimit("search", "60/m")` counts a view's requests per client in fixed windows: the
first request of a window creates a counter that expires with it, the others increment it.
A fixed window may admit up to twice the rate across a window boundary; that is fine for
limits meant to stop scraping and form spam, and it costs one add and one incr per request.
Deployments tune a scope with its setting (RATE_LIMIT_SEARCH=120/m), which wins over the
rate written in the code.

Clients are told apart by IP: REMOTE_ADDR, or X-Forwarded-For when TRUSTED_PROXY_COUNT says
how many proxies in front of the app append to it; entries beyond those are whatever the
client claimed and are ignored. IPv6 clients count per /64, the block one subscriber gets
(`client_block`, which the admin's login lockout counts by too).

Requests of unequal weight can share a budget: `cost=0.2` counts a request as a fifth of
one (the search suggestions share the "search" budget with searches that way).

With Redis (REDIS_URL) every app server shares the counters; with the local-memory cache
each process counts on its own. When the cache is unreachable requests go through: losing
the limits for a while is better than losing the site.
"""

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.env import parse_rate
from config.logging import pseudonym

logger = logging.getLogger(__name__)
KEY_PREFIX = "causeway:ratelimit"


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                pass  # a proxy that writes garbage is not a client address
    return remote


def client_block(request: HttpRequest) -> str | None:
    """The address a client is counted under: its IPv4 address, or the first address of its
    IPv6 /64 (one subscriber gets a whole /64, so counting single addresses would give one
    client 2**64 allowances). None when the address is missing or not an address."""
    try:
        ip = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _client_key(request: HttpRequest) -> str:
    return client_block(request) or client_ip(request) or "unknown"


# Counters count hundredths of a request, so that a cheaper request can cost a fraction.
_UNITS = 100


def hit(
    scope: str, rate: str, request: HttpRequest, now: float | None = None, cost: float = 1
) -> int | None:
    """Count this request (as `cost` requests) against `scope`; seconds to wait when over
    the limit, else None."""
    limit, window = parse_rate(rate)
    now = time.time() if now is None else now
    start = int(now // window) * window
    remaining = max(1, math.ceil(start + window - now))
    key = f"{KEY_PREFIX}:{scope}:{_client_key(request)}:{start}"
    try:
        cache.add(key, 0, timeout=remaining)
        count = cache.incr(key, max(1, round(cost * _UNITS)))
    except ValueError:
        return None  # the counter vanished (expired, or the cache is down): let it through
    except Exception:  # a cache backend without our error handling: fail open, say so
        logger.warning("rate limit skipped: the cache is unavailable", exc_info=True)
        return None
    return remaining if count > limit * _UNITS else None


def effective_rate(scope: str, rate: str | None) -> str:
    """The deployment's rate for `scope` (settings.RATE_LIMITS), else the one in the code."""
    configured = settings.RATE_LIMITS.get(scope) or rate
    if not configured:
        raise ImproperlyConfigured(f"No rate for {scope!r}: pass one or set RATE_LIMITS.")
    return configured


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 with Retry-After: JSON to the API and to scripts asking for JSON (the search
    suggestions), the site's error page everywhere else."""
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        body = {"error": "Too many requests.", "retry_after": retry_after}
        response = JsonResponse(body, status=429)
    else:
        ctx = {"retry_after": retry_after}
        response = render(request, "errors/429.html", ctx, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(
    scope: str,
    rate: str | None = None,
    *,
    method: str | Iterable[str] | None = None,
    when: Callable[[HttpRequest], bool] | None = None,
    cost: float = 1,
):
    """Limit a view to `rate` requests per client, for the given methods (all by default)
    and, with `when`, only for the requests it accepts (e.g. searches, not plain lists);
    each counted request uses `cost` of the allowance."""
    if rate is not None:
        parse_rate(rate)  # a typo fails at import, not on the first request
    methods = {method} if isinstance(method, str) else set(method) if method else None

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            counted = (methods is None or request.method in methods) and (
                when is None or when(request)
            )
            if counted:
                wait = hit(scope, effective_rate(scope, rate), request, cost=cost)
                if wait is not None:
                    logger.info(
                        "rate limited",
                        extra={"scope": scope, "client": pseudonym(_client_key(request))},
                    )
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator
