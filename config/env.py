"""Strict readers for settings that come from the environment.

Each helper fails loudly with ImproperlyConfigured instead of guessing, so a typo in
a deployment's environment stops the process at start-up rather than misbehaving later.
"""

import os
import re
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"60/m"` as (60 requests, 60 seconds); `"5/10m"` as (5, 600). ValueError otherwise."""
    match = _RATE.match(rate.replace(" ", ""))
    if not match or int(match[1]) < 1 or match[2] == "0":
        raise ValueError(f"{rate!r} is not a rate like 60/m (requests per s, m, h or d)")
    return int(match[1]), int(match[2] or 1) * _RATE_UNITS[match[3]]


def env_rate(name: str, default: str) -> str:
    """A request rate such as `60/m`, checked at start-up rather than on the first request."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        parse_rate(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None
    return value


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip().lower()
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ImproperlyConfigured(f"{name} must be one of {allowed}, not {raw!r}")
    return value
