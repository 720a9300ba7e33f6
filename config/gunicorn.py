"""gunicorn's settings for `make serve`: `gunicorn -c config/gunicorn.py config.wsgi`.

Sync workers, 2 x CPUs + 1 of them unless WEB_CONCURRENCY says otherwise; behind a load
balancer or reverse proxy that buffers slow clients (a sync worker is busy for as long as
its client is). Access lines come from the app itself (config.middleware, with the request
id and without query strings), so gunicorn writes only its own events, as JSON.
"""

import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.env import env_int, env_str


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container may use
    except AttributeError:
        return os.cpu_count() or 1


bind = f"{env_str('HOST', '127.0.0.1')}:{env_int('PORT', 8000, minimum=1)}"
workers = env_int("WEB_CONCURRENCY", 2 * _cpus() + 1, minimum=1)
worker_class = "sync"
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage; rarely, since a new
# worker starts with an empty in-process page cache.
max_requests = 100_000
max_requests_jitter = 10_000
# Load the app once in the master: workers fork ready (fast recycling, shared memory).
# Nothing connects at import, so no connection is shared across the fork.
preload_app = True


def pre_fork(server, worker):
    """Move what the loaded app holds out of the collector's sight before each fork: the
    workers never free it, and a full collection would otherwise walk all of it (about
    50 ms, now and then, inside some request) and copy the pages it touches."""
    gc.freeze()


accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": [], "level": "WARNING"},
}
