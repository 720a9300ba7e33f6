"""Two Causeway instances on localhost, one harvesting the other through its HSDS API.

The source is a second Causeway (its own SQLite database, seeded, served by `runserver` in
a subprocess); the harvester is this test's database, SQLite or PostgreSQL as the suite
runs. Between harvests the source changes as its curators would change it: an edit, then
an organization archived (it leaves the source's API).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from directory.harvest.client import Client
from directory.models import Feed, HarvestConflict, Organization

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Source:
    def __init__(self, folder: Path):
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'source.sqlite3'}",
            "DEBUG": "true",
            "REDIS_URL": "",  # its own cache, in its own process
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("SECRET_KEY", None)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/hsds/"
        self.log = (folder / "server.log").open("w")
        self.manage("migrate", "--verbosity", "0")
        self.manage("seed")
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def change(self, code: str) -> None:
        """Run `code` in the source's shell (`Organization` imported), as a curator's
        edit; waits out the second a server may serve its last content version for."""
        prelude = "from directory.models import Organization\nfrom directory.search import index\n"
        self.manage("shell", "--no-imports", "-c", prelude + code)
        time.sleep(1.2)

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:  # noqa: S310 (http, loopback)
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the source did not start: {self.server.poll()}")

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    source = Source(tmp_path_factory.mktemp("source"))
    yield source
    source.close()


def _harvest(source) -> str:
    out = StringIO()
    call_command(
        "harvest_hsds", source.url, "--allow-private", "--name", "Source", "--publish", stdout=out
    )
    return out.getvalue()


@pytest.fixture
def asked(monkeypatch):
    """Every URL the harvester asks for."""
    urls = []
    original = Client.get

    def get(self, url):
        urls.append(url)
        return original(self, url)

    monkeypatch.setattr(Client, "get", get)
    return urls


def test_one_causeway_harvests_another(source, client, asked):
    published = source.manage(
        "shell", "--no-imports", "-c", "from directory.models import Organization as O; "
        "print(O.objects.published().count())"
    )  # fmt: skip

    # First run: every published organization, with its programs, published here.
    first = _harvest(source)
    assert not any("modified_after" in url for url in asked)
    assert f"{int(published)} created" in first
    lnk = Organization.objects.get(name="Liberty in North Korea")
    assert lnk.status == Organization.Status.PUBLISHED
    assert lnk.programs.exists()
    assert client.get(lnk.get_absolute_url()).status_code == 200

    # A curator edits here; the source edits another listing and the same one.
    lnk.summary = "Edited by a curator of the harvesting directory."
    lnk.save()
    source.change(
        "for name in ['C4ADS', 'Liberty in North Korea']:\n"
        "    org = Organization.objects.get(name=name)\n"
        "    org.summary = 'Changed at the source.'\n"
        "    org.save()\n"
        "    index.refresh_organizations([org.pk])\n"
    )

    asked.clear()
    # Second run, incremental: the edit at the source arrives; ours is kept, as a conflict.
    second = _harvest(source)
    assert "Updated: C4ADS" in second
    assert "modified_after=" in asked[0]  # only what changed since the first run
    assert Organization.objects.get(name="C4ADS").summary == "Changed at the source."
    assert Organization.objects.get(pk=lnk.pk).summary.startswith("Edited by a curator")
    conflict = HarvestConflict.objects.get(organization=lnk)
    assert conflict.incoming["description"].startswith("Changed at the source.")
    feed = Feed.objects.get()
    assert feed.last_success is not None

    # The source retires one listing and deletes another: here both are archived, never
    # deleted.
    source.change(
        "org = Organization.objects.get(name='C4ADS')\n"
        "org.status = 'archived'\n"
        "org.save()\n"
        "gone = Organization.objects.get(name='Ministry of Unification')\n"
        "gone_pk = gone.pk\n"
        "gone.delete()\n"
        "index.refresh_organizations([org.pk, gone_pk])\n"
    )
    third = _harvest(source)
    assert "Archived: C4ADS, Ministry of Unification" in third
    for name in ["C4ADS", "Ministry of Unification"]:
        assert Organization.objects.get(name=name).status == Organization.Status.ARCHIVED
