"""A Redis cache whose failures are cache misses, so the site keeps serving without it.

Everything Causeway caches can be recomputed from the database, and rate limits fail open,
so an unreachable Redis should cost speed, never pages. After an error the process stops
asking Redis for RETRY_AFTER seconds (one slow timeout per outage, not one per call), logs
the outage once and its end once.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
RETRY_AFTER = 2.0
# Per process and per Redis location: every alias on one server goes down together.
_down_until: dict[str, float] = {}


class _ReusedClients(RedisCacheClient):
    """Django builds a new redis.Redis object for every call, which costs more than the
    round trip itself (redis-py fills a table of response callbacks each time). A client
    is a thin, thread-safe wrapper over its connection pool, so one per pool will do."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if id(pool) not in self._clients:
            self._clients[id(pool)] = self._client(connection_pool=pool)
        return self._clients[id(pool)]


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients

    def _call(self, fallback, method, *args, **kwargs):
        location = repr(self._servers)
        if time.monotonic() < _down_until.get(location, 0.0):
            return fallback()
        try:
            result = method(*args, **kwargs)
        except RedisError as error:
            if location not in _down_until:
                logger.warning("cache unavailable, serving without it: %s", type(error).__name__)
            _down_until[location] = time.monotonic() + RETRY_AFTER
            return fallback()
        if _down_until.pop(location, None) is not None:
            logger.warning("cache available again")
        return result

    def get(self, key, default=None, version=None):
        return self._call(lambda: default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call(dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(lambda: False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(lambda: False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(lambda: False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._call(lambda: None, super().delete_many, keys, version)

    def clear(self):
        return self._call(lambda: None, super().clear)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")

        return self._call(missing, super().incr, key, delta, version)
