"""Every sign-in to the admin and every failed one, logged without naming anyone.

Usernames and addresses appear only as keyed pseudonyms (config.logging.pseudonym): the
lines of one attacker or one account can be followed, but the log names no one, and the
password (which Django already masks in the signal) is never written.
"""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed

from config.logging import pseudonym
from directory.ratelimit import client_ip

logger = logging.getLogger("causeway.auth")


def _client(request) -> str:
    return pseudonym(client_ip(request)) if request is not None else "-"


def log_login(sender, request, user, **kwargs) -> None:
    logger.info(
        "login",
        extra={
            "event": "login",
            "user": pseudonym(user.get_username()),
            "client": _client(request),
        },
    )


def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))
    logger.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "user": pseudonym(username) if username else "-",
            "client": _client(request),
        },
    )


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its own log lines: pseudonyms only."""
    path = path_info[0] if isinstance(path_info, list | tuple) else path_info
    user = pseudonym(username) if username else "-"
    return f"user={user} client={pseudonym(ip_address or '')} path={path}"


def connect() -> None:
    user_logged_in.connect(log_login, dispatch_uid="causeway.auth_log.login")
    user_login_failed.connect(log_login_failed, dispatch_uid="causeway.auth_log.login_failed")
