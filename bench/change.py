"""What a change costs: a curator's save, then the first pages visitors open after it.

On a database of N synthetic organizations (bench/run.py makes it), each round changes one
published organization as a curator does (its summary and issues, inside a transaction
that ends with the writer's flush, as the admin's does), timing the save with its index
and counts, then times the first request of each page type after it: the organization
list, one filtered on an issue, the issue and focus-area pages, `/search/` and
`/volunteer/`. Nothing is cached across a change: every cached count and page is filed
under the content version, which the save moves on.

`--breakdown` also prints, for each page's two slowest rounds, where the time went: the
SQL (how many statements, how long, the slowest), Python's garbage collector, and the rest
(the view's Python and the templates).

    .venv/bin/python bench/change.py --orgs 100000                       # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/causeway_bench_1m \\
        .venv/bin/python bench/change.py --orgs 1000000
"""

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import percentile, setup  # noqa: E402


class Spent:
    """Where one request's time went: each SQL statement timed (a connection's execute
    wrapper), and the garbage collector's pauses (its callbacks)."""

    def __init__(self):
        self.statements: list[tuple[float, str]] = []
        self.collecting = 0.0
        self._collection_started = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - started) * 1000, sql))

    def on_collection(self, phase, _info):
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            self.collecting += (time.perf_counter() - self._collection_started) * 1000

    def line(self, total: float) -> str:
        sql = sum(ms for ms, _ in self.statements)
        slowest_ms, slowest = max(self.statements, default=(0.0, ""))
        rest = total - sql - self.collecting
        return (
            f"{total:.1f} ms: SQL {sql:.1f} in {len(self.statements)} statements (slowest "
            f"{slowest_ms:.1f}: {' '.join(slowest.split())[:90]}), GC {self.collecting:.1f}, "
            f"rest {rest:.1f}"
        )


def timed_get(client, url: str, connection) -> tuple[float, Spent, int]:
    spent = Spent()
    gc.callbacks.append(spent.on_collection)
    try:
        with connection.execute_wrapper(spent):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
    finally:
        gc.callbacks.remove(spent.on_collection)
    return elapsed, spent, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--breakdown", action="store_true", help="where the slow rounds went")
    args = parser.parse_args()
    setup(args.orgs)
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    from directory.catalog import flush
    from directory.models import FocusArea, Issue, Organization

    published = Organization.objects.published()
    count = published.count()
    if count < args.orgs * 0.9:
        raise SystemExit(f"{count} published organizations: run bench/run.py --orgs first")
    rng = random.Random(7)
    ids = list(published.values_list("pk", flat=True))
    issues = list(Issue.objects.all())
    issue, area = issues[0], FocusArea.objects.order_by("pk").first()
    pages = {
        "list `/organizations/`": "/organizations/",
        "list filtered on an issue": f"/organizations/?issue={issue.slug}",
        "list filtered on an issue and a country": f"/organizations/?issue={issue.slug}&country=KR",
        "list filtered on three values": (
            f"/organizations/?issue={issue.slug}&country=KR&help=donate"
        ),
        "issue page": f"/issues/{issue.slug}/",
        "focus-area page": f"/focus-areas/{area.slug}/",
        "`/search/?q=refugees`": "/search/?q=refugees",
        "`/volunteer/`": "/volunteer/",
    }
    samples: dict[str, list[float]] = {"curator's save": [], **{name: [] for name in pages}}
    spent: dict[str, list[tuple[float, Spent]]] = {name: [] for name in pages}
    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={"staticfiles": storage, "default": storage}):
        client = Client()
        for url in pages.values():
            assert client.get(url).status_code == 200, url
        gc.freeze()  # as gunicorn's master does before it forks workers (config/gunicorn.py)
        for n in range(args.rounds):
            org = Organization.objects.get(pk=rng.choice(ids))
            started = time.perf_counter()
            with transaction.atomic():
                org.summary = f"Changed in round {n} of the change benchmark."
                org.save()
                org.issues.set(rng.sample(issues, 2))
                flush()
            samples["curator's save"].append((time.perf_counter() - started) * 1000)
            for name, url in pages.items():
                elapsed, where, status = timed_get(client, url, connection)
                samples[name].append(elapsed)
                spent[name].append((elapsed, where))
                assert status == 200, url
    print(f"\n{connection.vendor}, {count:,} published organizations, {args.rounds} changes\n")
    print("| after each change | p50 ms | p95 ms |\n|---|---:|---:|")
    for name, times in samples.items():
        print(f"| {name} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} |")
    if args.breakdown:
        print("\nThe two slowest rounds of each page:")
        for name, rounds in spent.items():
            print(f"\n{name}")
            for elapsed, where in sorted(rounds, key=lambda each: -each[0])[:2]:
                print(f"  {where.line(elapsed)}")


if __name__ == "__main__":
    main()
