"""Error reports for operators: mail to ADMINS for every 500 (`config.admin_mail`), and
Sentry when SENTRY_DSN is set. Neither carries personal data: no request headers, cookies,
query strings, form bodies, client addresses or user names, only what failed and where."""

from email.utils import getaddresses


def parse_admins(value: str) -> list[tuple[str, str]]:
    """`ADMINS` from "Name <a@example.org>, b@example.org" as (name, address) pairs."""
    return [(name or address, address) for name, address in getaddresses([value]) if address]


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's `before_send`: keep the exception and where it happened, drop the rest."""
    from config.logging import redact  # settings import this module before logging is set up

    request = event.get("request")
    if request:
        path = request.get("url", "").split("?", 1)[0]  # no query; redact() for the rest
        event["request"] = {"method": request.get("method"), "url": redact(path)}
    for key in ("user", "server_name", "breadcrumbs", "extra"):
        event.pop(key, None)
    return event


def init_sentry(dsn: str, environment: str, release: str) -> bool:
    """Start Sentry when a DSN is set and the SDK is installed; True if it started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_breadcrumbs=0,
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )
    return True
