"""What a change costs: a curator's save, then the first pages visitors open after it.

On a database of N synthetic organizations (bench/run.py makes it), each round changes one
published organization as a curator does (its summary and issues, inside a transaction
that ends with the writer's flush, as the admin's does), timing the save with its index
and counts, then times the first request of each page type after it: the organization
list, one filtered on an issue, the issue and focus-area pages, `/search/` and
`/volunteer/`. Nothing is cached across a change: every cached count and page is filed
under the content version, which the save moves on.

    .venv/bin/python bench/change.py --orgs 100000                       # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/causeway_bench_1m \\
        .venv/bin/python bench/change.py --orgs 1000000
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import percentile, setup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
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
    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={"staticfiles": storage, "default": storage}):
        client = Client()
        for url in pages.values():
            assert client.get(url).status_code == 200, url
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
                started = time.perf_counter()
                response = client.get(url)
                samples[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, url
    print(f"\n{connection.vendor}, {count:,} published organizations, {args.rounds} changes\n")
    print("| after each change | p50 ms | p95 ms |\n|---|---:|---:|")
    for name, times in samples.items():
        print(f"| {name} | {statistics.median(times):.1f} | {percentile(times, 95):.1f} |")


if __name__ == "__main__":
    main()
