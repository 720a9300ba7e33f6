"""Causeway's settings: one module, every knob read from the environment.

A fresh clone runs on SQLite with no configuration. With DEBUG off the process refuses
to start without SECRET_KEY and ALLOWED_HOSTS. See README.md for each variable.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

from config.env import env_bool, env_choice, env_int, env_list, env_rate, env_str
from config.errors import init_sentry, parse_admins

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

INSTALLED_APPS = [
    "config.apps.CausewayAdminConfig",  # django.contrib.admin, with optional TOTP for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_filters",
    "django_countries",
    "simple_history",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "directory",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language from the URL's /ko/ prefix
    "config.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form widgets are rendered with the templates above, so that templates/django/forms/
# can replace one of Django's (the select, whose options it writes out in one template).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Persistent connections in production (checked before reuse, so a restarted PostgreSQL
# costs one reconnect); none under runserver, which opens a thread per request.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 0 if DEBUG else 60, minimum=0)
CONN_HEALTH_CHECKS = env_bool("CONN_HEALTH_CHECKS", default=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=CONN_HEALTH_CHECKS,
    )
}
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# English pages at the root, Korean ones under /ko/ (config/urls.py); translations in locale/.
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# A CDN's URL (https://cdn.example.org/static/) in production, pulling from this app.
STATIC_URL = env_str("STATIC_URL", "/static/")
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve static files straight from the finders, with no collectstatic.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = DEBUG

# JSON lines with a request id in production; readable text under `make run`.
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", {"json", "text"})
# One line per request (method, path without its query string, status, duration, and the
# client as a keyed pseudonym).
ACCESS_LOG = env_bool("ACCESS_LOG", default=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        # Query strings, IP addresses and email addresses out of every line, whoever wrote it.
        "redact": {"()": "config.logging.RedactFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": LOG_FORMAT,
        },
        # A mail to ADMINS for each server error, outside debug (config/admin_mail.py).
        "mail_admins": {
            "class": "config.admin_mail.PrivateAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "loggers": {
        # runserver's request lines (with their query strings) through the same filter,
        # not Django's own handler for them.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "INFO",
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# How long since a listing was last verified before it is shown as due for review.
REVIEW_DUE_DAYS = env_int("REVIEW_DUE_DAYS", 365, minimum=1)
# Days a visitor's contact address on a suggestion or correction is kept; the daily
# `erase_contact_details` command blanks older ones (the privacy page states this number).
CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 90, minimum=1)
# The largest spreadsheet one admin import takes, in bytes and in rows.
SPREADSHEET_MAX_BYTES = env_int("SPREADSHEET_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 10000, minimum=1)
# The most an HSDS CSV package (`import_hsds`, a folder or .zip) may hold: bytes in one file
# and in all (unzipped), how many times a zipped file may expand, and rows in all. A package
# of 100,000 organizations is about 360 MB in 1.5 million rows, compressed about ten times.
HSDS_IMPORT_MAX_FILE_BYTES = env_int("HSDS_IMPORT_MAX_FILE_BYTES", 256 * 1024 * 1024, minimum=1)
HSDS_IMPORT_MAX_BYTES = env_int("HSDS_IMPORT_MAX_BYTES", 512 * 1024 * 1024, minimum=1)
HSDS_IMPORT_MAX_RATIO = env_int("HSDS_IMPORT_MAX_RATIO", 100, minimum=1)
HSDS_IMPORT_MAX_ROWS = env_int("HSDS_IMPORT_MAX_ROWS", 2_000_000, minimum=1)

# Harvesting other directories' HSDS APIs (directory.harvest): each request's deadline in
# seconds, retries of what may pass (timeouts, 429, 5xx) after BACKOFF, 2 x BACKOFF, ...
# seconds, and the most bytes one response may hold.
HARVEST_TIMEOUT = env_int("HARVEST_TIMEOUT", 30, minimum=1)
HARVEST_RETRIES = env_int("HARVEST_RETRIES", 3, minimum=0)
HARVEST_BACKOFF = env_int("HARVEST_BACKOFF", 2, minimum=0)
HARVEST_MAX_BYTES = env_int("HARVEST_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# Results per page on public lists.
PAGE_SIZE = env_int("PAGE_SIZE", 20, minimum=1)
# The most results one search returns, ranks and counts.
SEARCH_MAX_RESULTS = env_int("SEARCH_MAX_RESULTS", 1000, minimum=10)
# How many matches a query ranks (plus up to SEARCH_MAX_RESULTS matches in names).
SEARCH_CANDIDATES = env_int("SEARCH_CANDIDATES", 2000, minimum=100)
if SEARCH_CANDIDATES <= SEARCH_MAX_RESULTS:
    # Fewer candidates than results would hide that a common word matched more.
    raise ImproperlyConfigured("SEARCH_CANDIDATES must be larger than SEARCH_MAX_RESULTS.")
# On PostgreSQL, a search query running longer than this is cancelled and the visitor
# asked for more specific words (a phrase of common words that occurs nowhere reads every
# document holding them all).
SEARCH_TIMEOUT_MS = env_int("SEARCH_TIMEOUT_MS", 3000, minimum=10)
# Lists count at most this many results ("more than 10,000") and page no further.
COUNT_CAP = env_int("COUNT_CAP", 10_000, minimum=100)
# A list narrowed by two filters or more counts its options ("Refugees (12)") only when it
# holds at most this many organizations: counting means grouping every member's values.
FACET_COUNT_CAP = env_int("FACET_COUNT_CAP", 5_000, minimum=10)

# ---------------------------------------------------------------------------------------
# Cache, whole-page cache and rate limits (see docs/deployment.md)
# ---------------------------------------------------------------------------------------
# Redis, when set, is shared by every app server: counts, pages and rate limits. Its errors
# count as cache misses (config.cache), so the site keeps serving while Redis is down.
REDIS_URL = env_str("REDIS_URL")
# Seconds an anonymous page stays cached; a content change replaces it at once. 0: off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600, minimum=0)
if REDIS_URL:
    _redis = {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        # Fail fast: a cache that answers slowly is worse than none.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    CACHES = {
        "default": {**_redis, "KEY_PREFIX": "causeway"},
        "pages": {**_redis, "KEY_PREFIX": "causeway-pages"},
        # Each process keeps the pages it served last, in front of Redis.
        "pages_local": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages-local",
            "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_LOCAL_ENTRIES", 1000, minimum=10)},
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000, minimum=100)},
        },
        # Pages are large: a per-process cache of them is kept small.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_MAX_ENTRIES", 1000, minimum=10)},
        },
    }

# How many proxies in front of the app append to X-Forwarded-For; 0 trusts none of it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Requests per client IP, by scope (directory.ratelimit); answered 429 with Retry-After.
RATE_LIMITS = {
    # One budget for all search work: /search/, /organizations/?q=, the API's search=, and
    # the suggestions the search boxes ask for as a visitor types (a fifth of a search each).
    "search": env_rate("RATE_LIMIT_SEARCH", "60/m"),
    "api": env_rate("RATE_LIMIT_API", "120/m"),
    "forms": env_rate("RATE_LIMIT_FORMS", "20/h"),
}

# ---------------------------------------------------------------------------------------
# Security headers and cookies (production profile: DEBUG off; `check --deploy` is clean
# with the environment shown in docs/deployment.md)
# ---------------------------------------------------------------------------------------
# Off unless set: `make run` and the tests speak plain http. Behind a TLS-terminating proxy
# set TRUST_X_FORWARDED_PROTO too, or every request looks like http and redirects forever.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Set on pages (not static files, which a CDN on another origin may serve) by
# config.middleware.SecurityHeadersMiddleware.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

# Secure cookies whenever DEBUG is off; SECURE_COOKIES=false only for a plain-http trial.
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it; forms carry the token
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Should a language switcher ever set Django's language cookie, the same rules hold.
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# django-csp 4: no inline script or style anywhere, nothing from other origins except a
# CDN for static files when STATIC_URL names one.
_static_origin = re.match(r"^(https?://[^/]+)/", STATIC_URL)
_static = [_static_origin[1]] if _static_origin else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, *_static],
        "style-src": [SELF, *_static],
        "img-src": [SELF, "data:", *_static],
        "font-src": [SELF, *_static],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
        "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
    }
}

# ---------------------------------------------------------------------------------------
# Admin: configurable path, lockout after failed logins, optional TOTP for staff
# ---------------------------------------------------------------------------------------
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not re.fullmatch(r"([A-Za-z0-9_-]+/)+", ADMIN_URL):
    raise ImproperlyConfigured(f"ADMIN_URL must look like 'curation/', not {ADMIN_URL!r}")
# On, staff sign in with a TOTP code too (enrol devices first: docs/deployment.md).
ADMIN_OTP_REQUIRED = env_bool("ADMIN_OTP_REQUIRED", default=False)
OTP_TOTP_ISSUER = "Causeway"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, as django-axes asks
    "django.contrib.auth.backends.ModelBackend",
]
# Failed attempts live in the database, shared by every app server and process.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Separate entries, so either locks: an address (an IPv6 client's whole /64, as the rate
# limits count) that keeps failing, and a username that keeps failing from many addresses.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "directory.ratelimit.client_block"
AXES_CLIENT_STR_CALLABLE = "directory.auth_log.axes_client_str"  # no names or IPs in logs

# ---------------------------------------------------------------------------------------
# Email: the console in development, SMTP when EMAIL_HOST is set
# ---------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Causeway <noreply@localhost>")
# A public address for the contact page; without one, the page offers the site's forms.
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who gets a mail for every server error (500), e.g. "Ops <ops@example.org>, b@example.org".
# The mail names what failed and where, never the visitor's request (config/errors.py).
ADMINS = parse_admins(env_str("ADMINS"))
# Optional Sentry, without personal data (config/errors.py); needs the network to reach it.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT, env_str("SENTRY_RELEASE"))
# Who hears about suggestions and corrections from the public.
CURATOR_EMAILS = env_list("CURATOR_EMAILS")
for _address in CURATOR_EMAILS:
    try:
        validate_email(_address)
    except ValidationError:
        raise ImproperlyConfigured(f"CURATOR_EMAILS: {_address!r} is not an address") from None
# The site's public address, for links in those emails (they carry the path alone without it).
SITE_URL = env_str("SITE_URL").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, not {SITE_URL!r}")

# ---------------------------------------------------------------------------------------
# Database: connection timeout, read replicas, backups
# ---------------------------------------------------------------------------------------
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1))
    # A search ranks the first matches it reads (directory.search); when the planner reads
    # the table in order for them, it must start at the table's first row, not wherever the
    # last large scan stopped: otherwise the same search finds other matches from one
    # request to the next.
    _options["options"] = f"{_options.get('options', '')} -c synchronize_seqscans=off".strip()
# Reads go to a replica and writes to the primary (config.routers) when replicas are named.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=CONN_MAX_AGE, conn_health_checks=CONN_HEALTH_CHECKS
    )
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must use the primary's database.")
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(1, "config.routers.ReplicaPinningMiddleware")

# Where `make backup` (manage.py backup) writes.
BACKUP_DIR = Path(env_str("BACKUP_DIR") or BASE_DIR / "backups")
