"""Security headers, cookies and `check --deploy` under the production profile.

The headers are also scored the way the MDN HTTP Observatory scores a site (its published
modifiers for each test it runs against a response), so a change that would cost the A+
fails here rather than on the next scan.
"""

import os
import re
import subprocess
import sys
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.test import Client

from directory.models import Organization
from tests.factories import make_org

ROOT = Path(__file__).resolve().parent.parent
ONE_YEAR = 31_536_000
SIX_MONTHS = 15_768_000

# The environment docs/deployment.md gives for production (secrets made up).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k8Jd2-production-like-secret-key-of-sufficient-length-and-variety-Zx91",
    "ALLOWED_HOSTS": "causeway.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
    "EMAIL_HOST": "smtp.example.org",
    "CURATOR_EMAILS": "curators@example.org",
    "DATABASE_URL": "postgres://causeway@db.example.org:5432/causeway",
    "REDIS_URL": "redis://cache.example.org:6379/0",
}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def page(client, db):
    make_org("Harbor House")
    return client.get("/", secure=True)


def test_the_csp_allows_no_inline_script_and_nothing_from_elsewhere(page):
    csp = csp_directives(page)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert "unsafe-eval" not in page["Content-Security-Policy"]


def test_pages_carry_no_inline_script_or_style_that_the_csp_would_block(page, client):
    org = Organization.objects.get()
    for url in ("/organizations/", org.get_absolute_url()):
        html = client.get(url, secure=True).content.decode()
        # Data blocks (JSON-LD) are not scripts; CSP leaves them alone.
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all('type="application/ld+json"' in attributes for attributes in inline)
        assert " style=" not in html and "<style" not in html


def test_hsts_lasts_a_year_with_subdomains(page):
    hsts = page["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts)[1])
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in hsts


def test_the_other_security_headers_are_set(page):
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page["Cross-Origin-Resource-Policy"] == "same-origin"
    assert page["X-Frame-Options"] == "DENY"
    assert "camera=()" in page["Permissions-Policy"]
    assert "geolocation=()" in page["Permissions-Policy"]


def test_error_pages_carry_the_headers_too(client, db):
    response = client.get("/organizations/no-such-listing/", secure=True)
    assert response.status_code == 404
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/organizations/", "/ko/issues/", "/no-such-page/"])
def test_a_request_for_another_host_gets_a_400_not_a_500(db, path):
    # The pages carry their own absolute address, which such a request cannot have.
    client = Client(HTTP_HOST="evil.example", raise_request_exception=False)

    response = client.get(path, secure=True)

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_the_500_page_uses_the_site_stylesheet_without_inline_styles(client, db):
    from directory.views.errors import server_error

    html = server_error(None).content.decode()
    assert "css/site" in html
    assert "style=" not in html and "<style" not in html


def test_csrf_and_session_cookies_are_secure_httponly_and_samesite(client, django_user_model):
    django_user_model.objects.create_superuser("curator", "c@example.org", "a-long-passphrase")
    client.get("/admin/login/", secure=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "curator", "password": "a-long-passphrase"},
        secure=True,
    )
    assert response.status_code == 302
    for name in ("csrftoken", "sessionid"):
        cookie: Morsel = client.cookies[name]
        assert cookie["secure"], name
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name


def test_plain_http_redirects_to_https_on_the_same_host_when_configured(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/organizations/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/organizations/?page=2"


def test_the_health_probe_is_exempt_from_the_https_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200


def observatory_score(response, redirect) -> tuple[int, list[str]]:
    """The MDN HTTP Observatory's modifiers for the tests a single response can answer."""
    penalties, bonuses = [], []
    csp = csp_directives(response) if "Content-Security-Policy" in response else None
    if csp is None:
        penalties.append(("csp-not-implemented", -25))
    else:
        scripts = csp.get("script-src", csp.get("default-src", []))
        unsafe = any(v in ("'unsafe-inline'", "'unsafe-eval'") for v in scripts)
        insecure = any(v.startswith("http:") for vs in csp.values() for v in vs)
        if unsafe:
            penalties.append(("csp-implemented-with-unsafe-inline", -20))
        elif insecure:
            penalties.append(("csp-implemented-with-insecure-scheme", -20))
        elif csp.get("default-src") == ["'none'"]:
            bonuses.append(("csp-implemented-with-no-unsafe-default-src-none", 10))
        else:
            bonuses.append(("csp-implemented-with-no-unsafe", 5))
    cookies = list(response.cookies.values())
    if cookies:
        if not all(c["secure"] for c in cookies):
            penalties.append(("cookies-without-secure-flag", -20))
        elif any("session" in c.key and not c["httponly"] for c in cookies):
            penalties.append(("cookies-session-without-httponly-flag", -30))
        elif all(c["samesite"] for c in cookies):
            bonuses.append(("cookies-secure-with-httponly-sessions-and-samesite", 5))
    hsts = re.search(r"max-age=(\d+)", response.get("Strict-Transport-Security", ""))
    if not hsts:
        penalties.append(("hsts-not-implemented", -20))
    elif int(hsts[1]) < SIX_MONTHS:
        penalties.append(("hsts-implemented-max-age-less-than-six-months", -10))
    if not (
        redirect.status_code in (301, 302, 307, 308)
        and redirect["Location"].startswith("https://testserver/")
    ):
        penalties.append(("redirection-missing", -20))
    private = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    if response.get("Referrer-Policy") in private:
        bonuses.append(("referrer-policy-private", 5))
    if response.get("X-Content-Type-Options") != "nosniff":
        penalties.append(("x-content-type-options-not-implemented", -5))
    if csp and csp.get("frame-ancestors") in (["'none'"], ["'self'"]):
        bonuses.append(("x-frame-options-implemented-via-csp", 5))
    elif response.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN"):
        penalties.append(("x-frame-options-not-implemented", -20))
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", response.content.decode())
    if any(src.startswith(("http:", "https:", "//")) for src in scripts):
        penalties.append(("sri-not-implemented-but-external-scripts-loaded-securely", -5))
    score = 100 + sum(points for _, points in penalties)
    if score >= 90:  # bonuses count only for a site that already scores an A
        score += sum(points for _, points in bonuses)
    return score, [name for name, _ in penalties]


def test_the_headers_score_an_a_plus_by_the_observatory(client, db, settings):
    make_org("Harbor House")
    settings.SECURE_SSL_REDIRECT = True
    redirect = client.get("/")
    client.get("/admin/login/", secure=True)  # a visit that sets the CSRF cookie
    response = client.get("/admin/login/", secure=True)
    home = client.get("/", secure=True)

    for each in (response, home):
        score, penalties = observatory_score(each, redirect)
        assert penalties == []
        assert score >= 100  # A+


def test_static_files_are_hashed_compressed_and_cached_for_a_year(tmp_path):
    """What `make serve` serves: collectstatic's manifest files through WhiteNoise."""
    script = (
        "import django, sys; from django.conf import settings;"
        "from django.core.management import call_command; django.setup();"
        "call_command('collectstatic', interactive=False, verbosity=0);"
        "from django.templatetags.static import static; from django.test import Client;"
        "url = static('css/site.css');"
        "r = Client().get(url, secure=True, HTTP_ACCEPT_ENCODING='gzip');"
        "print(url, r.status_code, r.get('Content-Encoding'), r['Cache-Control'])"
    )
    environ = {
        **{k: v for k, v in PRODUCTION_ENV.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "PATH": os.environ.get("PATH", ""),
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    script = script.replace(
        "django.setup();", "django.setup(); settings.STATIC_ROOT = sys.argv[1];"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, env=environ,
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    url, status, encoding, cache_control = result.stdout.split(maxsplit=3)
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)
    assert (status, encoding) == ("200", "gzip")
    assert "max-age=315360000" in cache_control and "immutable" in cache_control


def run_check_deploy(**overrides) -> subprocess.CompletedProcess:
    environ = {"PATH": os.environ.get("PATH", ""), **PRODUCTION_ENV, **overrides}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_under_the_documented_production_environment():
    result = run_check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_production_would_print_curator_emails_to_the_logs():
    result = run_check_deploy(EMAIL_HOST="")
    assert result.returncode != 0
    assert "causeway.W001" in result.stdout + result.stderr
