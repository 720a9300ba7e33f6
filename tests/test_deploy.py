"""The deploy kit in deploy/, each piece checked as far as this machine can run it.

- nginx: `nginx -t` on the site, alone and inside the distribution's nginx.conf; then the
  real nginx in front of a real gunicorn (this venv, config.wsgi, DEBUG off, a migrated
  SQLite file of its own, collected static files) on loopback ports, spoken to over TLS
  with a throwaway certificate.
- systemd: the units read as text (they agree with each other and with the project), then
  `systemd-analyze verify`, `security` and `calendar` on them.
- Docker: no engine here, so compose.yaml and the Dockerfile are checked statically.

A test that needs a tool this machine lacks skips and names the tool. Nothing here uses
the test database.
"""

import fnmatch
import gzip
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SITE_CONF = DEPLOY / "nginx" / "causeway.conf"
SYSTEMD = DEPLOY / "systemd"
VENV = Path(sys.prefix)  # the project's venv, which runs these tests
HOST = "causeway.example.org"
SECRET = "deploy-kit-test-secret-key-not-for-production-0123456789"
ONE_YEAR = "public, max-age=31536000, immutable"

# The layout the systemd units assume (their own comments describe it).
APP_DIR = "/opt/causeway"
APP_VENV = f"{APP_DIR}/.venv"
ENV_FILE = "/etc/causeway/causeway.env"

# Where each tool comes from, for the skip messages.
PACKAGES = {
    "nginx": "nginx-light",
    "openssl": "openssl",
    "systemd-analyze": "systemd",
    "sh": "dash",
}


def need(tool: str) -> str:
    """The tool's path, or skip the test naming it. /usr/sbin is searched too: nginx lives
    there, and a non-root PATH often lacks it."""
    path = shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if path is None:
        pytest.skip(f"{tool} is not installed here (apt-get install {PACKAGES[tool]})")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# ---- nginx: rendering the site for a test run --------------------------------------------


def make_certificate(openssl: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST and both loopback addresses; it is its own CA."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", f"/CN={HOST}",
            "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1,IP:::1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def render_site(folder: Path, *, http: int, https: int, app: int, ipv6: bool) -> Path:
    """deploy/nginx/causeway.conf with its documented placeholders pointed at this run:
    loopback ports, the temporary certificate, cache and webroot. Each placeholder must
    still be in the file, so the test cannot quietly drift from what operators install."""
    text = SITE_CONF.read_text()
    swaps = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": f"listen [::1]:{http};" if ipv6 else "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": f"listen [::1]:{https} ssl http2;" if ipv6 else "",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app};",
        "/etc/ssl/causeway/fullchain.pem": str(folder / "fullchain.pem"),
        "/etc/ssl/causeway/privkey.pem": str(folder / "privkey.pem"),
        "/var/cache/nginx-causeway": str(folder / "static-cache"),
        "/var/www/letsencrypt": str(folder / "acme"),
    }
    for placeholder, value in swaps.items():
        assert placeholder in text, f"{SITE_CONF.name} no longer contains {placeholder!r}"
        text = text.replace(placeholder, value)
    site = folder / "causeway.conf"
    site.write_text(text)
    return site


def temp_paths(folder: Path) -> str:
    """nginx's scratch folders, which default to /var/lib/nginx (root's)."""
    return "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )


def minimal_main_conf(folder: Path, site: Path) -> Path:
    # Running as root, nginx's workers would switch to `nobody`, who cannot enter pytest's
    # private temporary folders; they stay the user running the tests instead.
    user = "user root root;" if os.geteuid() == 0 else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"""{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder / "access.log"};
{temp_paths(folder)}
    include {site};
}}
"""
    )
    return main


def distribution_main_conf(folder: Path, site: Path, distro: Path) -> Path:
    """The distribution's nginx.conf with the site as its only site, and its pid, logs
    and scratch folders moved into `folder`: this catches a directive the site repeats
    from the distribution's http block (`gzip on`, say), which nginx refuses."""
    text = distro.read_text()
    text = re.sub(r"^\s*pid\s[^;]*;", f"pid {folder / 'nginx.pid'};", text, flags=re.M)
    text = re.sub(r"^\s*error_log\s[^;]*;", f"error_log {folder / 'error.log'};", text, flags=re.M)
    text = re.sub(
        r"^\s*access_log\s[^;]*;", f"access_log {folder / 'access.log'};", text, flags=re.M
    )
    if os.geteuid() != 0:
        text = re.sub(r"^\s*user\s[^;]*;", "", text, flags=re.M)
    text = re.sub(r"^\s*include\s+\S*(conf\.d|sites-enabled)/[^;]*;", "", text, flags=re.M)
    text, found = re.subn(
        r"^http\s*\{", f"http {{\n{temp_paths(folder)}\n    include {site};", text, flags=re.M
    )
    assert found == 1, f"no http block in {distro}"
    main = folder / "distribution-nginx.conf"
    main.write_text(text)
    return main


def nginx_problems(output: str) -> list[str]:
    """Warnings and errors in nginx's output, but for the deprecation newer versions print
    about `listen ... http2` (the conf keeps that form so that nginx 1.22 accepts it)."""
    return [
        line
        for line in output.splitlines()
        if re.search(r"\[(warn|error|crit|alert|emerg)\]", line) and "http2" not in line
    ]


@pytest.mark.parametrize("main", ["minimal", "distribution"])
def test_nginx_accepts_the_site(tmp_path, main):
    nginx, openssl = need("nginx"), need("openssl")
    distro = Path("/etc/nginx/nginx.conf")
    if main == "distribution" and not distro.exists():
        pytest.skip(f"no {distro} on this machine")
    make_certificate(openssl, tmp_path)
    site = render_site(tmp_path, http=8080, https=8443, app=8000, ipv6=has_ipv6_loopback())
    conf = (
        minimal_main_conf(tmp_path, site)
        if main == "minimal"
        else distribution_main_conf(tmp_path, site, distro)
    )
    # The distribution's conf loads modules by paths relative to its own prefix, so only
    # the minimal one is given the temporary folder as prefix.
    prefix = ["-p", str(tmp_path)] if main == "minimal" else []
    result = subprocess.run(
        [nginx, "-t", *prefix, "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "test is successful" in output
    assert nginx_problems(output) == []


def test_the_site_sends_gunicorn_what_the_production_settings_expect(settings):
    """Read without nginx, so it runs everywhere: the headers the settings rely on, the
    buffering gunicorn's sync workers need, and the upload limit."""
    text = SITE_CONF.read_text()
    directives = {" ".join(line.split()) for line in re.findall(r"^\s*([^#\n]+;)", text, re.M)}
    for directive in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "return 301 https://$server_name$request_uri;",
    ):
        assert directive in directives, directive
    types = re.search(r"^\s*gzip_types([^;]+);", text, re.M)[1].split()
    assert {"application/json", "text/css", "application/javascript"} <= set(types)

    # The upstream is where config/gunicorn.py binds by default.
    gunicorn_conf = (ROOT / "config" / "gunicorn.py").read_text()
    host = re.search(r"env_str\(\s*['\"]HOST['\"]\s*,\s*['\"]([^'\"]+)", gunicorn_conf)[1]
    port = re.search(r"env_int\(\s*['\"]PORT['\"]\s*,\s*(\d+)", gunicorn_conf)[1]
    assert f"server {host}:{port};" in directives

    # Room for the largest upload the app takes, plus its multipart framing, and not much
    # more: nginx should refuse what the app would refuse anyway.
    size, unit = re.search(r"^\s*client_max_body_size\s+(\d+)([kKmM]?);", text, re.M).groups()
    limit = int(size) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]
    assert settings.SPREADSHEET_MAX_BYTES < limit <= settings.SPREADSHEET_MAX_BYTES + 2**20


# ---- nginx in front of gunicorn, for real ------------------------------------------------

SETTINGS_SHIM = '''"""config.settings with STATIC_ROOT in the test's temporary folder (the settings
fix it to the checkout's staticfiles/, which a test must not overwrite)."""
import os
from pathlib import Path

from config.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["DEPLOY_TEST_STATIC_ROOT"])
'''


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


@dataclass
class Stack:
    folder: Path
    http_port: int
    https_port: int
    tls: ssl.SSLContext
    ipv6: bool
    static_root: Path
    app_log: Path

    def fetch(self, path, *, scheme="https", ipv6=False, method="GET", headers=None, body=None):
        address = "::1" if ipv6 else "127.0.0.1"
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                address, self.https_port, context=self.tls, timeout=15
            )
        else:
            connection = http.client.HTTPConnection(address, self.http_port, timeout=15)
        try:
            # An explicit Host (and Accept-Encoding) replaces http.client's own.
            connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def app_log_lines(self) -> list[dict]:
        lines = []
        for line in self.app_log.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines


def app_environment(folder: Path, port: int) -> dict[str, str]:
    """The production profile (docs/deployment.md) behind one proxy, built from nothing
    rather than inherited: CI's DATABASE_URL and the like must not reach this app."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(folder),
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "deploy_test_settings",
        "DEPLOY_TEST_STATIC_ROOT": str(folder / "staticfiles"),
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "SECURE_SSL_REDIRECT": "true",
        "TRUST_X_FORWARDED_PROTO": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "ACCESS_LOG": "true",
        "BACKUP_DIR": str(folder / "backups"),
    }


def manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [str(VENV / "bin" / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"


def stop(process: subprocess.Popen, first_signal: int) -> None:
    if process.poll() is None:
        process.send_signal(first_signal)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for(ready, process: subprocess.Popen, log: Path, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} was not ready within {seconds} s:\n{log.read_text()[-4000:]}")


def healthz(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": HOST})
        return connection.getresponse().status == 200
    finally:
        connection.close()


def accepts_connections(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory, request):
    nginx, openssl = need("nginx"), need("openssl")
    gunicorn = VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        pytest.skip(f"gunicorn is not installed in {VENV} (make install)")
    folder = tmp_path_factory.mktemp("deploy-stack")
    ipv6 = has_ipv6_loopback()
    app_port, http_port, https_port = free_port(), free_port(), free_port()

    # A release, as docs/deployment.md orders it: migrate, collectstatic, then gunicorn.
    (folder / "deploy_test_settings.py").write_text(SETTINGS_SHIM)
    env = app_environment(folder, app_port)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")

    app_log = folder / "gunicorn.log"
    with app_log.open("wb") as out:
        app = subprocess.Popen(
            [str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # INT: gunicorn's quick shutdown (TERM would wait up to graceful_timeout for workers).
    request.addfinalizer(lambda: stop(app, signal.SIGINT))
    wait_for(lambda: healthz(app_port), app, app_log, "gunicorn")

    make_certificate(openssl, folder)
    site = render_site(folder, http=http_port, https=https_port, app=app_port, ipv6=ipv6)
    conf = minimal_main_conf(folder, site)
    nginx_log = folder / "nginx.log"
    with nginx_log.open("wb") as out:
        proxy = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # TERM: nginx's fast shutdown.
    request.addfinalizer(lambda: stop(proxy, signal.SIGTERM))
    wait_for(lambda: accepts_connections(https_port), proxy, nginx_log, "nginx")

    tls = ssl.create_default_context(cafile=str(folder / "fullchain.pem"))
    return Stack(folder, http_port, https_port, tls, ipv6, folder / "staticfiles", app_log)


def test_plain_http_is_redirected_to_https(stack):
    reply = stack.fetch("/organizations/?page=2", scheme="http")
    assert reply.status == 301
    assert reply.headers["Location"] == f"https://{HOST}/organizations/?page=2"

    # The redirect goes to the site's own name whatever Host the client made up.
    forged = stack.fetch("/", scheme="http", headers={"Host": "attacker.example"})
    assert forged.headers["Location"] == f"https://{HOST}/"


def test_pages_over_https_are_gzipped_and_keep_the_apps_headers(stack):
    reply = stack.fetch("/", headers={"Accept-Encoding": "gzip"})
    # SECURE_SSL_REDIRECT is on: a 200 (not a 301 to https) means the app believed
    # nginx's X-Forwarded-Proto.
    assert reply.status == 200, dict(reply.headers)
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in reply.headers["Vary"]
    assert b"<html" in gzip.decompress(reply.body)

    assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
    assert "max-age=31536000" in reply.headers["Strict-Transport-Security"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    # Sent once each, by the app: nginx adds none of them.
    assert len(reply.headers.get_all("Content-Security-Policy")) == 1
    assert len(reply.headers.get_all("Strict-Transport-Security")) == 1
    assert reply.headers["Server"] == "nginx"  # server_tokens off: no version
    # nginx's request id ($request_id, 32 hex digits) reached the app, which kept it.
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["X-Request-ID"])

    plain = stack.fetch("/")
    assert plain.status == 200
    assert "Content-Encoding" not in plain.headers


def test_json_is_gzipped(stack):
    reply = stack.fetch("/api/hsds/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "openapi" in json.loads(gzip.decompress(reply.body))


def test_hashed_static_files_are_cached_for_a_year(stack):
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    assert hashed != "css/site.css"

    first = stack.fetch(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert first.status == 200
    assert first.headers["Cache-Control"] == ONE_YEAR
    assert first.headers["Content-Type"].startswith("text/css")
    assert first.headers["Content-Encoding"] == "gzip"  # WhiteNoise's .gz, passed through
    assert first.headers["X-Content-Type-Options"] == "nosniff"

    # The second copy comes from nginx's cache, still marked for a year.
    again = stack.fetch(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert again.headers["X-Cache-Status"] == "HIT"
    assert again.headers["Cache-Control"] == ONE_YEAR
    assert again.body == first.body

    # The same file under its unhashed name may change with the next release.
    unhashed = stack.fetch("/static/css/site.css")
    assert unhashed.status == 200
    assert "immutable" not in unhashed.headers["Cache-Control"]


def test_the_app_builds_https_urls_for_the_public_host(stack):
    reply = stack.fetch("/robots.txt")
    assert reply.status == 200
    assert re.search(rf"^Sitemap: https://{re.escape(HOST)}/\S+$", reply.body.decode(), re.M)


def test_the_app_sees_the_client_nginx_saw_not_a_forged_address(stack, settings):
    """The client comes in over ::1 while nginx reaches gunicorn over 127.0.0.1, so the
    app can only know ::1 from X-Forwarded-For; the address the client claims in its own
    X-Forwarded-For is ignored (TRUSTED_PROXY_COUNT=1 reads the entry nginx appended)."""
    if not stack.ipv6:
        pytest.skip("no IPv6 loopback (::1): the client and nginx would share 127.0.0.1")
    from config.logging import pseudonym

    reply = stack.fetch("/robots.txt", ipv6=True, headers={"X-Forwarded-For": "203.0.113.9"})
    assert reply.status == 200
    request_id = reply.headers["X-Request-ID"]

    # The access log names the client by a keyed pseudonym, never the address.
    deadline = time.monotonic() + 5
    while True:
        lines = [
            line
            for line in stack.app_log_lines()
            if line.get("logger") == "causeway.access" and line.get("request_id") == request_id
        ]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(lines) == 1, f"no access log line for {request_id}"
    settings.SECRET_KEY = SECRET  # the app's key, which the pseudonyms are keyed with
    assert lines[0]["client"] == pseudonym("::1")
    assert lines[0]["client"] not in {pseudonym("127.0.0.1"), pseudonym("203.0.113.9")}


def test_request_bodies_over_the_upload_limit_stop_at_nginx(stack):
    too_big = stack.fetch(
        "/suggest/",
        method="POST",
        body=b"x" * (7 * 2**20),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert too_big.status == 413
    assert "X-Request-ID" not in too_big.headers  # the app never saw it

    # A body within the limit reaches the app, which refuses it for its missing CSRF token
    # (logging the refusal). It refuses before reading the body: when nginx is still
    # sending it then (a busy machine), the closed connection makes nginx answer 502.
    within = stack.fetch(
        "/suggest/",
        method="POST",
        body=b"x" * (3 * 2**20),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert within.status in (403, 502)
    if within.status == 403:
        assert "X-Request-ID" in within.headers
    deadline = time.monotonic() + 5
    while not any(
        line.get("logger") == "causeway.access" and line.get("path") == "/suggest/"
        and line.get("status") == 403
        for line in stack.app_log_lines()
    ):  # fmt: skip
        assert time.monotonic() < deadline, "the app never saw the request"
        time.sleep(0.1)


# ---- systemd -------------------------------------------------------------------------------


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values, in order]}}: keys such as ExecStart or
    ReadWritePaths may repeat, which configparser does not allow."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def units(suffix: str) -> dict[str, dict]:
    return {path.stem: read_unit(path) for path in sorted(SYSTEMD.glob(f"*.{suffix}"))}


def commands(service: dict) -> list[list[str]]:
    run = service["Service"]
    return [
        shlex.split(value.lstrip("-@:+!"))
        for key in ("ExecStartPre", "ExecStart", "ExecStartPost")
        for value in run.get(key, [])
    ]


# What must run, and how often (in days), for each timer.
SCHEDULE = {
    "causeway-backup": ("backup", 1),
    "causeway-erase-contact-details": ("erase_contact_details", 1),
    "causeway-check-links": ("check_links", 7),
    "causeway-harvest": ("harvest_hsds", 1 / 24),
    "causeway-expire-opportunities": ("expire_opportunities", 1),
    "causeway-optimize-search-index": ("optimize_search_index", 1),
}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
}


def test_systemd_units_agree_with_each_other_and_with_the_project(settings):
    from django.core.management import get_commands

    services, timers = units("service"), units("timer")
    assert "causeway" in services
    assert set(SCHEDULE) == set(timers)
    known_commands = set(get_commands())

    for name, timer in timers.items():
        assert name in services, f"{name}.timer has no {name}.service to start"
        service = services[name]
        assert service["Service"]["Type"] == ["oneshot"], name
        assert "Install" not in service, f"{name}.service is started by its timer only"
        assert timer["Timer"]["Persistent"] == ["true"], name
        assert timer["Timer"]["OnCalendar"], name
        assert timer["Install"]["WantedBy"] == ["timers.target"], name
        command, _days = SCHEDULE[name]
        expected = [APP_VENV + "/bin/python", "manage.py", command]
        assert any(argv[:3] == expected for argv in commands(service)), name

    hardening = {key: services["causeway"]["Service"].get(key) for key in HARDENING}
    assert hardening == {key: [value] for key, value in HARDENING.items()}
    for name, service in services.items():
        run = service["Service"]
        # One user, one checkout, one environment file, for every unit.
        assert run["User"] == ["causeway"] and run["Group"] == ["causeway"], name
        assert run["WorkingDirectory"] == [APP_DIR], name
        assert run["EnvironmentFile"] == [ENV_FILE], name
        assert {key: run.get(key) for key in HARDENING} == hardening, name
        # Every program comes from the app's venv; manage.py runs commands that exist.
        for argv in commands(service):
            assert argv[0].startswith(APP_VENV + "/bin/"), (name, argv)
            if argv[1:2] == ["manage.py"]:
                assert argv[2] in known_commands, (name, argv)
        # BACKUP_DIR (a default for `manage.py backup`) lies in the state folder, the one
        # place outside STATIC_ROOT that ProtectSystem=strict leaves writable.
        state = f"/var/lib/{run['StateDirectory'][0]}/"
        for assignment in run.get("Environment", []):
            key, _, value = assignment.partition("=")
            if key == "BACKUP_DIR":
                assert value.startswith(state), name

    app = services["causeway"]["Service"]
    assert commands(services["causeway"])[-1] == [
        APP_VENV + "/bin/gunicorn", "--config", "config/gunicorn.py", "config.wsgi"
    ]  # fmt: skip
    assert (ROOT / "config" / "gunicorn.py").exists()
    # collectstatic at start writes STATIC_ROOT, which must be the writable path.
    static_root = Path(settings.STATIC_ROOT).relative_to(ROOT)
    assert app["ReadWritePaths"] == [f"{APP_DIR}/{static_root}"]


def rendered_units(folder: Path) -> list[Path]:
    """The units with the install layout pointed at this checkout and venv: verify checks
    that each program exists and is executable."""
    paths = []
    for unit in sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")]):
        text = unit.read_text().replace(APP_VENV, str(VENV)).replace(APP_DIR, str(ROOT))
        (folder / unit.name).write_text(text)
        paths.append(folder / unit.name)
    return paths


def test_systemd_analyze_verifies_the_units(tmp_path):
    tool = need("systemd-analyze")
    paths = rendered_units(tmp_path)
    result = subprocess.run(
        [tool, "verify", "--man=no", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = (result.stdout + result.stderr).strip()
    about_ours = [
        line
        for line in output.splitlines()
        if str(tmp_path) in line or any(path.name in line for path in paths)
    ]
    if result.returncode != 0 and not about_ours:
        # A failure that names none of the units is the machine's, not theirs.
        pytest.skip(f"systemd-analyze verify cannot run here: {output[:300]}")
    # Unknown keys and unparsable values are warnings only (exit status 0): fail on them.
    assert about_ours == [], output
    assert result.returncode == 0, output


def test_systemd_services_are_hardened(tmp_path):
    tool = need("systemd-analyze")
    for path in rendered_units(tmp_path):
        if path.suffix != ".service":
            continue
        # --threshold is on a 0 to 100 scale: 25 is an overall exposure of 2.5 ("OK").
        result = subprocess.run(
            [tool, "security", "--offline=yes", "--threshold=25", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if "--offline" in result.stderr and "unrecognized" in result.stderr:
            pytest.skip("this systemd-analyze has no offline security review (systemd < 250)")
        level = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
        assert result.returncode == 0, f"{path.name}: exposure {level and level[1]}"


def test_timers_fire_daily_and_weekly():
    tool = need("systemd-analyze")
    for name, timer in units("timer").items():
        _command, days = SCHEDULE[name]
        (spec,) = timer["Timer"]["OnCalendar"]
        result = subprocess.run(
            [tool, "calendar", "--iterations=3", spec],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "TZ": "UTC"},
        )
        assert result.returncode == 0, result.stderr
        stamps = [
            datetime.strptime(match, "%Y-%m-%d %H:%M:%S")
            for match in re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+)", result.stdout)
        ]
        assert len(stamps) == 3, result.stdout
        gaps = {later - earlier for earlier, later in pairwise(stamps)}
        assert gaps == {timedelta(days=days)}, (name, spec)


# ---- Docker: Dockerfile and compose.yaml, checked without an engine -----------------------


def settings_variables() -> set[str]:
    """Every environment variable config/ reads, through config.env's helpers or os.environ."""
    names = set()
    for path in (ROOT / "config").glob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"\benv_\w+\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", text))
        names |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\s*[\"']([A-Z][A-Z0-9_]*)", text))
    return names


def compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed in this venv")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.partition("=")[0].strip())
    return names


def without_interpolation(value: str) -> str:
    """A compose value with its ${...} replaced by a stand-in, as Compose would fill it."""
    return re.sub(r"\$\{[^}]*\}", "filled-in", value)


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | dict) else [value]


def test_compose_references_only_what_exists():
    spec = compose()
    services = spec["services"]
    volumes = set(spec.get("volumes") or {})
    for name, service in services.items():
        for other in as_list(service.get("depends_on")):
            assert other in services, (name, other)
        for other in as_list(service.get("volumes_from")):
            assert other.split(":")[0] in services, (name, other)
        network = service.get("network_mode", "")
        if network.startswith("service:"):
            assert network.removeprefix("service:") in services, (name, network)
        for mount in as_list(service.get("volumes")):
            source = mount.split(":")[0] if isinstance(mount, str) else mount["source"]
            if source.startswith("$"):
                continue  # the operator's (TLS_DIR), not the repository's
            if source.startswith((".", "/")):
                assert (DEPLOY / source).exists(), (name, source)
            else:
                assert source in volumes, (name, source)
        for env_file in as_list(service.get("env_file")):
            # The operator copies the example that ships next to compose.yaml.
            assert (DEPLOY / f"{env_file}.example").exists(), (name, env_file)
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            assert context == ROOT, name
            assert (context / build["dockerfile"]) == DEPLOY / "Dockerfile", name

    nginx = [name for name, service in services.items() if "nginx" in service.get("image", "")]
    assert len(nginx) == 1
    assert any(
        str(mount).startswith("./nginx/causeway.conf:") for mount in services[nginx[0]]["volumes"]
    )


def test_compose_wires_the_app_to_a_primary_a_replica_and_redis():
    services = compose()["services"]
    postgres = {name for name, s in services.items() if s.get("image", "").startswith("postgres:")}
    redis = {name for name, s in services.items() if s.get("image", "").startswith("redis:")}
    assert {services[name]["image"] for name in postgres} == {"postgres:15"}
    assert len(postgres) == 2 and len(redis) == 1

    env = services["app"]["environment"]
    primary = urlsplit(without_interpolation(env["DATABASE_URL"])).hostname
    replicas = {
        urlsplit(url).hostname
        for url in without_interpolation(env["DATABASE_REPLICA_URLS"]).split(",")
    }
    assert primary in postgres
    assert replicas == postgres - {primary}
    assert urlsplit(env["REDIS_URL"]).hostname in redis
    assert env["TRUSTED_PROXY_COUNT"] == "1" and env["TRUST_X_FORWARDED_PROTO"] == "true"
    # The replica streams from the primary the app writes to.
    (replica,) = replicas
    assert services[replica]["environment"]["PRIMARY_HOST"] == primary


def test_the_app_is_given_only_variables_the_settings_read():
    """A misspelt name would be ignored in silence, leaving a default in production."""
    known = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URLS", "HOST", "PORT"} <= known
    services = compose()["services"]
    for name in ("app", "migrate"):
        assert set(services[name]["environment"]) <= known, name
    assert env_file_names(DEPLOY / "causeway.env.example") <= known
    for unit in units("service").values():
        for assignment in unit["Service"].get("Environment", []):
            assert assignment.partition("=")[0] in known


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_the_dockerfile_builds_from_what_the_repository_has(settings):
    steps = dockerfile_instructions()
    (base,) = [rest for keyword, rest in steps if keyword == "FROM"]
    assert base.startswith("python:3.11-slim")

    ignored = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = set()
    for keyword, rest in steps:
        if keyword != "COPY":
            continue
        args = [arg for arg in shlex.split(rest) if not arg.startswith("--")]
        for source in args[:-1]:
            # The context is the repository root (compose.yaml's build.context).
            assert (ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
            copied.add(Path(source).parts[0])

    # Every folder the app reads at run time is in the image.
    needed = [
        *settings.STATICFILES_DIRS,
        *settings.TEMPLATES[0]["DIRS"],
        *settings.LOCALE_PATHS,
        ROOT / "fixtures",  # manage.py seed
        ROOT / "config",
        ROOT / "directory",
    ]
    assert {Path(folder).relative_to(ROOT).parts[0] for folder in needed} <= copied

    runs = [rest for keyword, rest in steps if keyword == "RUN"]
    assert any("--require-hashes" in run and "-r requirements.lock" in run for run in runs)
    assert any("manage.py collectstatic" in run for run in runs)

    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}

    (command,) = [json.loads(rest) for keyword, rest in steps if keyword == "CMD"]
    assert command == ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]

    # pg_dump and pg_restore of the primary's major version (docs/deployment.md).
    client = re.search(r"postgresql-client-(\d+)", " ".join(runs))[1]
    assert client == "15"


def test_the_postgres_scripts_are_valid_shell():
    sh = need("sh")
    for script in sorted((DEPLOY / "postgres").glob("*.sh")):
        result = subprocess.run([sh, "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, (script.name, result.stderr)
