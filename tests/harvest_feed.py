"""A small HSDS 3.0 API on a loopback port, for harvest tests: pages of organizations with
`full`, `full_service`, `modified_after` and details, plus the faults a real feed has
(errors that pass, slowness, refusing a parameter, oversized answers)."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


def organization(name: str, *, services=(), **fields) -> dict:
    """An HSDS organization as a feed sends it; `services` are names."""
    org_id = str(uuid.uuid4())
    return {
        "id": org_id,
        "name": name,
        "description": f"{name} helps people who left North Korea.",
        "services": [
            {"id": str(uuid.uuid4()), "name": svc, "description": f"{svc}.", "status": "active"}
            for svc in services
        ],
        "_modified": _now(),
        **fields,
    }  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat()


def touch(org: dict, **changes) -> dict:
    """Change an organization at the source, as its curators would (its modified time too)."""
    org.update(changes, _modified=_now())
    return org


class Feed:
    """The feed's content and behaviour; tests change them between harvests."""

    def __init__(self):
        self.organizations: list[dict] = []
        self.faults: list[int] = []  # statuses answered, one per request, before the content
        self.refuse_full_service = False
        self.omit_services = False  # pages without services: details must be followed
        self.delay = 0.0
        self.body: bytes | None = None  # answered instead of the content
        self.requests: list[str] = []

    def answer(self, target: str) -> tuple[int, bytes]:
        self.requests.append(target)
        if self.delay:
            time.sleep(self.delay)
        if self.faults:
            return self.faults.pop(0), b'{"error": "try again"}'
        if self.body is not None:
            return 200, self.body
        parts = urlsplit(target)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        if self.refuse_full_service and "full_service" in query:
            return 400, b'{"error": {"status": 400, "message": "full_service unknown"}}'
        path = parts.path.rstrip("/").split("/")
        if path[-2:-1] == ["organizations"]:
            found = [org for org in self.organizations if org["id"] == path[-1]]
            return (200, json.dumps(found[0]).encode()) if found else (404, b"{}")
        if path[-1] != "organizations":
            return 404, b"{}"
        return 200, json.dumps(self.page(query)).encode()

    def page(self, query: dict) -> dict:
        number, per_page = int(query.get("page", 1)), int(query.get("per_page", 50))
        chosen = self.organizations
        if "modified_after" in query:
            chosen = [org for org in chosen if org.get("_modified", "") >= query["modified_after"]]
        total_pages = max(1, -(-len(chosen) // per_page))
        contents = chosen[(number - 1) * per_page : number * per_page]
        full = query.get("full") == "true" and not self.omit_services
        contents = [
            {k: v for k, v in org.items() if k != "_modified" and (full or k != "services")}
            for org in contents
        ]
        return {
            "contents": contents,
            "page_number": number,
            "total_pages": total_pages,
            "total_items": len(chosen),
            "size": len(contents),
            "first_page": number == 1,
            "last_page": number >= total_pages,
            "empty": not contents,
        }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = self.server.feed.answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server:
    def __init__(self):
        self.feed = Feed()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.feed = self.feed
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/api/hsds/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    """A feed on a loopback port (tests run with `--allow-private`'s rules)."""
    server = Server()
    yield server
    server.close()


@pytest.fixture
def feed(feed_server):
    from directory.models import Feed

    return Feed.objects.create(name="Open Directory", url=feed_server.url)


def harvest(feed, **kwargs):
    """One harvest of `feed` as saved (loopback allowed)."""
    from directory.harvest import run

    feed.refresh_from_db()
    return run.harvest(feed, allow_private=True, **kwargs)
