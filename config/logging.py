"""Structured logs: one JSON object per line, each carrying the id of its request.

Log shippers read JSON lines without parsing rules of their own, and the request id ties
every line of one request (and the X-Request-ID the visitor's browser saw) together.
Nothing here logs request bodies, query strings, cookies or headers; `pseudonym()` turns a
username or an IP address into a stable token that correlates lines without naming anyone.
`RedactFilter` holds other loggers to the same rules: Django's own warnings, runserver's
request lines and a library's exception may carry a URL's query, an address or an email.
"""

import ipaddress
import json
import logging
import re
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


# A URL's query: what follows "?" in a token that has a path ("/search/?q=...").
_QUERY = re.compile(r"""(/[^\s?#"'<>]*)\?[^\s#"'<>]+""")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Candidates only; each is checked with ipaddress, so times (18:30:40.33) and versions stay.
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])"
)


def _pseudonymise_ip(match: re.Match) -> str:
    try:
        address = ipaddress.ip_address(match[0])
    except ValueError:
        return match[0]
    return f"[ip {pseudonym(str(address))}]"


def redact(text: str) -> str:
    """`text` without query strings or email addresses, IP addresses as pseudonyms."""
    text = _QUERY.sub(r"\1?[redacted]", text)
    text = _EMAIL.sub("[email]", text)
    text = _IPV6.sub(_pseudonymise_ip, text)
    return _IPV4.sub(_pseudonymise_ip, text)


class RedactFilter(logging.Filter):
    """Redacts each record's message, string extras and traceback before any formatter
    sees them (see `redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when formatting
            return True
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


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
        if record.exc_text:  # already written out, and redacted, by RedactFilter
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False)
