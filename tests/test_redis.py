"""The Redis cache against a live Redis (127.0.0.1:6379, database 15, flushed before and
after each test): config/cache.py's resilient backend as config/settings.py configures it
for REDIS_URL, the rate limiter's counters on it, the page cache's version-keyed entries,
and what an outage costs (config/cache.py's promise: errors are misses, one slow timeout
per outage, logged once, and its end once).

config/cache.py overrides private parts of Django's Redis backend; the first test pins them,
so that a Django upgrade that moves them fails here rather than in production.
"""

import contextlib
import copy
import functools
import inspect
import logging
import os
import runpy
import socket
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

import config.cache
from config.cache import ResilientRedisCache, _ReusedClients
from directory import ratelimit

redis = pytest.importorskip("redis")

HOST, PORT, DB = "127.0.0.1", 6379, 15
LOCATION = f"redis://{HOST}:{PORT}/{DB}"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "config" / "settings.py"
# RedisCache's methods that reach Redis, each overridden by ResilientRedisCache.
GUARDED = (
    "get", "get_many", "has_key", "add", "set", "set_many", "touch", "delete", "delete_many",
    "clear", "incr",
)  # fmt: skip


def _redis_answers() -> bool:
    try:
        return redis.Redis(HOST, PORT, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_answers(), reason="no Redis answers on 127.0.0.1:6379 (these tests need a live one)"
)


def configured_caches(location: str) -> dict:
    """CACHES exactly as config/settings.py builds it when REDIS_URL is `location`."""
    return copy.deepcopy(_configured_caches(location))


@functools.cache
def _configured_caches(location: str) -> dict:
    saved = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = location
    try:
        return runpy.run_path(str(SETTINGS_FILE))["CACHES"]
    finally:
        if saved is None:
            del os.environ["REDIS_URL"]
        else:
            os.environ["REDIS_URL"] = saved


def backend(location: str = LOCATION, alias: str = "default") -> ResilientRedisCache:
    """A cache object of its own, as one gunicorn worker holds (own client, own pool)."""
    params = dict(configured_caches(location)[alias])
    return ResilientRedisCache(params.pop("LOCATION"), params)


@pytest.fixture(autouse=True)
def _no_outage_remembered(monkeypatch):
    """Each test starts with no Redis known to be down (the state is per process)."""
    monkeypatch.setattr(config.cache, "_down_until", {})


@pytest.fixture
def raw():
    """A plain client on database 15, which the test has to itself."""
    client = redis.Redis.from_url(LOCATION)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def live(raw):
    """The site's caches ("default", "pages", "pages_local") on the live Redis."""
    with override_settings(CACHES=configured_caches(LOCATION)):
        yield raw


class _Messages(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def outage_log():
    """What config.cache logs, whatever the logging configuration does with it."""
    logger = logging.getLogger("config.cache")
    handler, level = _Messages(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    yield lambda: handler.messages
    logger.removeHandler(handler)
    logger.setLevel(level)


# ---- Django's private internals -------------------------------------------------------


def _params(function) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_django_internals_config_cache_relies_on_are_still_there():
    """_ReusedClients replaces RedisCacheClient.get_client and reads _get_connection_pool
    and _client; ResilientRedisCache sets RedisCache._class, which RedisCache._cache builds
    from _servers and _options, and calls each public method through super()."""
    from django.core.cache.backends.redis import RedisCache, RedisCacheClient

    P = inspect.Parameter
    assert _params(RedisCacheClient.__init__) == [
        ("self", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("servers", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("serializer", P.POSITIONAL_OR_KEYWORD, None),
        ("pool_class", P.POSITIONAL_OR_KEYWORD, None),
        ("parser_class", P.POSITIONAL_OR_KEYWORD, None),
        ("options", P.VAR_KEYWORD, P.empty),
    ]
    assert _params(RedisCacheClient.get_client) == [
        ("self", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("key", P.POSITIONAL_OR_KEYWORD, None),
        ("write", P.KEYWORD_ONLY, False),
    ]
    assert _params(RedisCacheClient._get_connection_pool) == [
        ("self", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("write", P.POSITIONAL_OR_KEYWORD, P.empty),
    ]
    client = RedisCacheClient([LOCATION])
    assert client._client is redis.Redis  # what _ReusedClients instantiates, once per pool
    assert client._pools == {}
    pool = client._get_connection_pool(True)
    assert isinstance(pool, redis.ConnectionPool)
    assert client._get_connection_pool(False) is pool  # one server: reads share the pool
    assert client._pools == {0: pool}

    # RedisCache builds its client from these, lazily: setting _class after
    # super().__init__ takes effect.
    assert _params(RedisCache.__init__)[1:] == [
        ("server", P.POSITIONAL_OR_KEYWORD, P.empty),
        ("params", P.POSITIONAL_OR_KEYWORD, P.empty),
    ]
    plain = RedisCache(LOCATION, {"OPTIONS": {"socket_timeout": 1}})
    assert plain._class is RedisCacheClient
    assert plain._servers == [LOCATION]
    assert plain._options == {"socket_timeout": 1}
    assert "_cache" in vars(RedisCache)  # a cached_property
    assert "_cache" not in vars(plain)  # not built yet

    # The signatures ResilientRedisCache's overrides call with super().
    for name in GUARDED:
        assert _params(getattr(ResilientRedisCache, name)) == _params(getattr(RedisCache, name)), (
            f"RedisCache.{name} changed its signature"
        )


def test_every_method_that_talks_to_redis_is_guarded():
    """Each method Django's RedisCache defines that reaches Redis has an override that
    turns errors into misses; a method a Django upgrade adds would bypass the guard."""
    from django.core.cache.backends.redis import RedisCache

    own = {
        name
        for name, value in vars(RedisCache).items()
        if callable(value) and not name.startswith("_")
    }
    assert own - set(GUARDED) == {"get_backend_timeout"}  # no I/O
    for name in GUARDED:
        assert name in vars(ResilientRedisCache), name
    # What BaseCache adds on top (decr, get_or_set, incr_version, the async versions...)
    # reaches Redis only through these.
    assert "decr" not in vars(RedisCache)


def test_one_redis_client_per_connection_pool(live):
    cache = caches["default"]
    assert isinstance(cache, ResilientRedisCache)
    client = cache._cache
    assert isinstance(client, _ReusedClients)
    first = client.get_client("a", write=True)
    assert client.get_client("b") is first
    assert first.connection_pool is client._pools[0]
    assert first.ping()


# ---- the cache on a live Redis --------------------------------------------------------


def test_values_and_timeouts_round_trip_through_redis(live):
    cache, raw = caches["default"], live
    value = {"count": 3, "names": ["a", "b"], "bytes": b"\x00\xff"}
    cache.set("obj", value, 30)
    assert cache.get("obj") == value
    assert 0 < raw.ttl(cache.make_key("obj")) <= 30
    cache.set("forever", 1, None)
    assert raw.ttl(cache.make_key("forever")) == -1  # no expiry
    cache.set("gone", 1, 0)
    assert cache.get("gone", "missing") == "missing"
    assert cache.touch("obj", 5) is True
    assert 0 < raw.ttl(cache.make_key("obj")) <= 5
    assert cache.set_many({"a": 1, "b": [2]}, 20) == []
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": [2]}
    assert 0 < raw.ttl(cache.make_key("b")) <= 20
    assert cache.has_key("a") and not cache.has_key("c")
    assert cache.delete("a") is True and cache.delete("a") is False
    cache.delete_many(["b", "obj"])
    assert cache.get_many(["b", "obj"]) == {}
    # The site's aliases share one database under their own prefixes.
    caches["pages"].set("obj", "a page", 30)
    assert cache.get("forever") == 1 and caches["pages"].get("obj") == "a page"
    assert raw.get("causeway-pages:1:obj") is not None and raw.get("causeway:1:forever") == b"1"


def test_a_value_expires_in_redis_and_incr_does_not_bring_it_back(live):
    cache, raw = caches["default"], live
    assert cache.add("counter", 0, timeout=1) is True
    assert cache.incr("counter", 5) == 5
    time.sleep(1.2)
    assert cache.get("counter") is None
    with pytest.raises(ValueError):  # the rate limiter lets the request through
        cache.incr("counter")
    assert raw.exists(cache.make_key("counter")) == 0  # not recreated without an expiry


def test_add_and_incr_are_atomic_across_workers(live):
    """The rate limiter's two calls, from four threads of two workers at once: one add wins,
    no increment is lost, the counter stays an integer in Redis and keeps its expiry."""
    raw = live
    workers = [backend(), backend()]
    assert workers[0]._cache is not workers[1]._cache
    added: list[bool] = []
    barrier = threading.Barrier(4)

    def count(worker):
        barrier.wait()
        added.append(worker.add("hits", 0, timeout=60))
        for _ in range(100):
            worker.incr("hits", 3)

    threads = [threading.Thread(target=count, args=(workers[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(added) == [False, False, False, True]
    key = workers[0].make_key("hits")
    assert raw.get(key) == b"1200"  # a plain integer: INCRBY works on it
    assert 0 < raw.ttl(key) <= 60  # INCRBY kept the expiry add set
    assert workers[1].get("hits") == 1200


def _request(ip="198.51.100.7"):
    return RequestFactory().get("/search/", REMOTE_ADDR=ip, HTTP_ACCEPT="application/json")


def test_the_rate_limit_counts_across_two_workers(live, monkeypatch):
    """Two gunicorn workers, each with its own cache client, share one budget per client."""
    workers = [backend(), backend()]
    window_start = int(time.time() // 60) * 60
    now = window_start + 1  # early in a window: its counter outlives the test
    results = []
    for n in range(7):
        monkeypatch.setattr(ratelimit, "cache", workers[n % 2])
        results.append(ratelimit.hit("redis-test", "5/m", _request(), now=now))
    assert results[:5] == [None] * 5
    assert results[5] == results[6] == 59  # seconds to the window's end
    # Another client has its own budget; a cheaper request costs a fraction.
    monkeypatch.setattr(ratelimit, "cache", workers[0])
    assert ratelimit.hit("redis-test", "5/m", _request("198.51.100.8"), now=now) is None
    for _ in range(5):
        assert ratelimit.hit("redis-test", "1/m", _request("198.51.100.9"), now, 0.2) is None
    assert ratelimit.hit("redis-test", "1/m", _request("198.51.100.9"), now, 0.2) == 59
    key = f"{ratelimit.KEY_PREFIX}:redis-test:198.51.100.7:{window_start}"
    assert workers[1].get(key) == 700  # hundredths of a request
    assert 0 < live.ttl(workers[1].make_key(key)) <= 59


def test_a_limited_view_answers_429_from_the_shared_counter(live):
    """The decorator end to end, its counter in Redis, in two threads (the cache handler
    gives each thread its own client, as separate workers have)."""
    view = ratelimit.ratelimit("redis-view", "3/m")(lambda request: HttpResponse("ok"))
    statuses: list[int] = []

    def visit(times):
        for _ in range(times):
            statuses.append(view(_request()).status_code)

    for times in (2, 1):
        thread = threading.Thread(target=visit, args=(times,))
        thread.start()
        thread.join()
    response = view(_request())
    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_the_page_cache_on_redis_follows_the_content_version(live, settings):
    """A page is filed in Redis (behind this process's local tier) under the content
    version; another server finds it there; a content change makes the next request
    render afresh."""
    from directory.cache import bump_version
    from directory.pagecache import HEADER, cache_page_for_visitors

    settings.PAGE_CACHE_SECONDS = 60
    rendered = []

    @cache_page_for_visitors
    def page(request):
        rendered.append(1)
        return HttpResponse(f"render {len(rendered)}")

    def get():
        return page(RequestFactory().get("/a-page/", HTTP_HOST="testserver"))

    first = get()
    assert first[HEADER] == "miss" and first.content == b"render 1"
    assert get()[HEADER] == "hit"
    caches["pages_local"].clear()  # another app server: nothing local, Redis has it
    again = get()
    assert again[HEADER] == "hit" and again.content == b"render 1"
    assert len(live.keys("causeway-pages:*")) == 1
    bump_version()
    fresh = get()
    assert fresh[HEADER] == "miss" and fresh.content == b"render 2"
    assert len(rendered) == 2


@pytest.mark.django_db
def test_a_change_committed_while_a_page_renders_is_not_filed_under_the_new_version(
    live, settings, monkeypatch
):
    from django.db.models import F

    from directory import pagecache
    from directory.cache import bump_version
    from directory.models import ContentVersion

    settings.PAGE_CACHE_SECONDS = 60
    monkeypatch.setattr(pagecache, "VERSION_MAX_AGE", 0.5)  # the lag it allows, shortened
    content = {"text": "old"}

    def another_process_saves():
        """A curator's save on another app server: content and version in one commit,
        leaving this process's last-read version alone."""
        content["text"] = "new"
        ContentVersion.objects.filter(pk=1).update(version=F("version") + 1)

    @pagecache.cache_page_for_visitors
    def page(request):
        text = content["text"]  # the page's content, read from the database
        if request.path == "/racing/":
            another_process_saves()  # commits while this page renders
        return HttpResponse(text)

    def get(path):
        return page(RequestFactory().get(path, HTTP_HOST="testserver")).content

    bump_version()  # version 1, and this process reads it afresh next
    assert get("/warm/") == b"old"  # reads the version: this process's last read
    assert get("/racing/") == b"old"  # looked up under that; rendered before the change
    time.sleep(0.6)  # past VERSION_MAX_AGE: every process reads the new version
    assert get("/racing/") == b"new"  # the old page must not be filed under the new version


# ---- outages --------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _silent_server():
    """A port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


class _Proxy:
    """A TCP forwarder to the live Redis that can be cut and restored on the same port."""

    def __init__(self):
        self.port = _closed_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._track(listener)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self):
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _track(self, sock):
        with self._lock:
            self._sockets.append(sock)

    def _accept(self, listener):
        while True:
            try:
                downstream, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((HOST, PORT))
            self._track(downstream)
            self._track(upstream)
            for source, target in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


def test_an_unreachable_redis_is_a_cache_miss_and_requests_go_through(outage_log, monkeypatch):
    with override_settings(CACHES=configured_caches(f"redis://127.0.0.1:{_closed_port()}/15")):
        cache = caches["default"]
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("k") is False
        assert cache.add("k", 1) is False
        assert cache.set("k", 1) is None
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys not stored
        assert cache.touch("k") is False
        assert cache.delete("k") is False
        assert cache.delete_many(["a"]) is None
        assert cache.clear() is None
        with pytest.raises(ValueError):
            cache.incr("k")
        assert cache.get_or_set("k", lambda: "computed") == "computed"
        assert caches["pages"].get("page") is None  # the same server: known down already
        view = ratelimit.ratelimit("redis-down", "1/m")(lambda request: HttpResponse("ok"))
        assert [view(_request()).status_code for _ in range(5)] == [200] * 5
    assert outage_log() == ["cache unavailable, serving without it: ConnectionError"]


def test_a_hung_redis_costs_one_timeout_per_outage_not_one_per_call(outage_log, monkeypatch):
    monkeypatch.setattr(config.cache, "RETRY_AFTER", 0.5)
    with _silent_server() as port:
        cache = backend(f"redis://127.0.0.1:{port}/15")
        assert cache._options["socket_timeout"] <= 1  # settings: fail fast

        def timed(call):
            start = time.monotonic()
            call()
            return time.monotonic() - start

        first = timed(lambda: cache.get("k"))
        assert 0.3 < first < 2, f"the first call waited {first:.2f} s"
        rest = timed(
            lambda: [
                (cache.get("k"), cache.add("k", 0, 60), cache.set("k", 1), cache.get_many(["k"]))
                for _ in range(50)
            ]
        )
        assert rest < 0.1, f"calls during the outage took {rest:.2f} s: Redis was asked again"
        time.sleep(0.6)  # RETRY_AFTER later, one call tries Redis again
        assert 0.3 < timed(lambda: cache.get("k")) < 2
        assert timed(lambda: cache.get("k")) < 0.05
    assert outage_log() == ["cache unavailable, serving without it: TimeoutError"]


def test_the_cache_comes_back_after_an_outage(raw, outage_log, monkeypatch):
    monkeypatch.setattr(config.cache, "RETRY_AFTER", 0.3)
    proxy = _Proxy()
    proxy.start()
    try:
        cache = backend(f"redis://127.0.0.1:{proxy.port}/{DB}")
        cache.set("kept", "value", 60)
        assert cache.get("kept") == "value"
        proxy.stop()
        assert cache.get("kept", "miss") == "miss"
        assert cache.add("other", 1) is False
        proxy.start()
        assert cache.get("kept", "miss") == "miss"  # not asked again before RETRY_AFTER
        time.sleep(0.4)
        assert cache.get("kept") == "value"  # Redis kept it through the outage
        assert cache.add("other", 1) is True
    finally:
        proxy.stop()
    assert outage_log() == [
        "cache unavailable, serving without it: ConnectionError",
        "cache available again",
    ]
