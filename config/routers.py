"""Reads from a PostgreSQL replica, writes to the primary, when DATABASE_REPLICA_URLS is set.

One replica serves a whole request, so the content version a cached page is filed under
and the content on it come from the same copy of the database. A request that writes, or
reads inside a transaction, or comes from a signed-in curator (anyone with a session
cookie), or runs after a write, reads from the primary: curators see their own changes
at once, whatever the replication lag. Sessions, accounts, lockouts and OTP devices are
always read from the primary, since a lagging replica could sign a curator out.
"""

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PRIMARY = "default"
PRIMARY_ONLY_APPS = frozenset(
    {"auth", "sessions", "admin", "axes", "otp_totp", "otp_static", "django_otp"}
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
_replica: ContextVar[str | None] = ContextVar("replica", default=None)


def pin_to_primary() -> None:
    """Read from the primary for the rest of this request (or thread, outside requests)."""
    _pinned.set(True)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = settings.DATABASE_REPLICAS
        if (
            not replicas
            or _pinned.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        replica = _replica.get()
        if replica not in replicas:
            replica = random.choice(replicas)
            _replica.set(replica)
        return replica

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas are copies of the primary: objects from any of them may be related.
        same_data = {PRIMARY, *settings.DATABASE_REPLICAS}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaPinningMiddleware:
    """Starts each request unpinned, with no replica chosen, unless it may write or comes
    from a signed-in curator; and clears that state after, since a worker thread lives on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        primary = (
            request.method not in SAFE_METHODS or settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        pinned = _pinned.set(primary)
        replica = _replica.set(None)
        try:
            return self.get_response(request)
        finally:
            _pinned.reset(pinned)
            _replica.reset(replica)
