"""Request ids, the access log and the security headers Django does not set itself."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousOperation

from config.logging import pseudonym, request_id
from directory.ratelimit import client_ip

access_log = logging.getLogger("causeway.access")
# An id from the proxy in front is kept when it is plainly an id, so one request can be
# followed across the load balancer and the app; anything else is replaced.
_INCOMING_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,99}")


class RequestIdMiddleware:
    """Gives each request an id for its log lines and the X-Request-ID response header,
    and writes one access-log line: method, path (never the query string), status, time,
    and the client as the keyed pseudonym the sign-in log uses (never the address)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _INCOMING_ID.fullmatch(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        request.request_id = rid
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            if settings.ACCESS_LOG:
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": pseudonym(client_ip(request)),
                    },
                )
            return response
        finally:
            request_id.reset(token)


class SecurityHeadersMiddleware:
    """Cross-Origin-Resource-Policy and Permissions-Policy on every page.

    It sits below WhiteNoise, so static files go without CORP and a CDN on another origin
    can serve them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RejectNulMiddleware:
    """In the admin, a NUL character in a query or form value is answered 400 before any
    view sees it: PostgreSQL refuses NUL in text, so a changelist filter, search,
    autocomplete term or form holding one would otherwise end in a server error. (The
    public pages and the API name the field in their own 400s.)"""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")

    def __call__(self, request):
        if not request.path.startswith(self.admin_prefix):
            return self.get_response(request)
        values = [*request.GET.lists(), *request.POST.lists()]
        if any("\x00" in key or any("\x00" in value for value in items) for key, items in values):
            raise SuspiciousOperation("A NUL character in a request parameter.")
        return self.get_response(request)
