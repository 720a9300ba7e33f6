"""Structured logs: one JSON object per line, each carrying the id of its request.

Log shippers read JSON lines without parsing rules of their own, and the request id ties
every line of one request (and the X-Request-ID the visitor's browser saw) together.
Nothing here logs request bodies, query strings, cookies or headers; `pseudonym()` turns a
username or an IP address into a stable token that correlates lines without naming anyone.
"""

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils.crypto import salted_hmac

request_id: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
# `extra=` keys that must never reach a log line, whoever passed them.
_NEVER = {"request", "password", "cookie", "cookies", "authorization", "email", "headers"}


def pseudonym(value: str) -> str:
    """A keyed hash of a username or IP: the same input gives the same token in this
    deployment, and without SECRET_KEY the token cannot be turned back into the input."""
    return salted_hmac("causeway.logging.pseudonym", value).hexdigest()[:16]


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request's id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs after the middleware has finished, with the request attached.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, then plain-valued extras and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.lower() in _NEVER or key.startswith("_"):
                continue
            if isinstance(value, str | int | float | bool) or value is None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False)
