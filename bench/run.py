"""Page-type benchmark: fills a database with N synthetic organizations and reports
p50 and p95 server time per page type, measured in-process through Django's test client.

    .venv/bin/python bench/run.py --orgs 10000            # SQLite file bench/bench-10000.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/causeway_bench .venv/bin/python bench/run.py

The database is created (migrated and filled) on the first run and reused afterwards.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "refugees", "trafficking", "children", "legal aid", "\"safe houses\"", "resettlement",
    "women", "shelter or counselling", "research -policy", "탈북민", "Hope Foundation", "mentors",
]  # fmt: skip


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def measure(client, urls: list[str], repeat: int) -> tuple[float, float]:
    for url in urls[:3]:
        client.get(url)  # warm caches
    samples = []
    for _ in range(repeat):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault(
        "DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'bench-{args.orgs}.sqlite3'}"
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench.generate import generate
    from directory.models import Issue, Organization

    call_command("migrate", verbosity=0)
    existing = Organization.objects.count()
    if existing < args.orgs:
        started = time.perf_counter()
        generate(args.orgs - existing)
        print(
            f"loaded {args.orgs - existing} organizations in {time.perf_counter() - started:.1f}s"
        )

    published = Organization.objects.published()
    slugs = list(published.order_by("?").values_list("slug", flat=True)[:20])
    issue = Issue.objects.first()
    pages = {
        "home": ["/"],
        "list": ["/organizations/", "/organizations/?page=3", "/organizations/?sort=verified"],
        "list, filtered": [f"/organizations/?issue={issue.slug}&type=nonprofit&help=donate"],
        "search (list)": [f"/organizations/?q={q}" for q in QUERIES],
        "search (all kinds)": [f"/search/?q={q}" for q in QUERIES],
        "organization": [f"/organizations/{slug}/" for slug in slugs],
        "issue": [f"/issues/{issue.slug}/"],
    }
    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={"staticfiles": storage, "default": storage}):
        client = Client()
        print(f"{connection.vendor}, {published.count()} published organizations")
        print("| page | p50 ms | p95 ms |\n|---|---:|---:|")
        for name, urls in pages.items():
            p50, p95 = measure(client, urls, args.repeat)
            print(f"| {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
