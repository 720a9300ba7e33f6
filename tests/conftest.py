"""Shared fixtures for the whole suite."""

import pytest

# How each SQLite connection of the tests starts: nothing on the test database needs to
# survive a crash, and write-ahead logging lets a page read while the test thread writes.
SQLITE_TEST_PRAGMAS = "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test on a database file instead of in memory.

    An in-memory database is one connection, which Django's live server shares between its
    request threads and the test's own thread. Python's sqlite3 can deadlock such a shared
    connection for good: one thread inside a query waits for the GIL to call one of
    Django's Python functions (its date and regex helpers), while the thread holding the
    GIL waits for the connection's lock to read a row. It froze a CI run in the browser
    tests for 90 minutes. On a file each thread opens its own connection:
    `tests/test_sqlite_threads.py` checks that the live server shares none, and that the
    deadlocking workload runs through with a connection per thread."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    folder = tmp_path_factory.mktemp("database")
    database["TEST"] = {**database.get("TEST", {}), "NAME": str(folder / "test.sqlite3")}
    options = database.setdefault("OPTIONS", {})
    options["init_command"] = SQLITE_TEST_PRAGMAS
    options.setdefault("timeout", 20)  # seconds a write waits for another thread's


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Serve static files unhashed: the manifest needs collectstatic, tested on its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Test users have passwords; hashing them slowly tests nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached counts and pages are keyed on the content version, which restarts with each test."""
    from django.core.cache import caches

    for each in caches.all(initialized_only=False):
        each.clear()
    yield
    for each in caches.all(initialized_only=True):
        each.clear()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request to a /ko/ page leaves Korean active in the thread that served it (Django
    activates a language per request and never resets it), so each test ends in English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    return client
