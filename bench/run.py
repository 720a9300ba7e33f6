"""Page and search benchmark.

Fills a database with N synthetic organizations (once; later runs reuse it) and reports
p50 and p95 server time per page type, measured in-process through Django's test client,
then the 50 fixed queries through our search engine and through a naive ORM search
(`icontains` over the same fields, with a count) side by side.

    .venv/bin/python bench/run.py --orgs 10000                 # SQLite: bench/bench-10000.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/causeway_bench_1m \\
        .venv/bin/python bench/run.py --orgs 1000000 --skip-naive
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def setup(orgs: int) -> None:
    """Django on the benchmark database of `orgs` organizations (bench/bench-N.sqlite3
    unless DATABASE_URL names another), timing the server's own work: no whole-page cache,
    no rate limit, no access log."""
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'bench-{orgs}.sqlite3'}")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
    os.environ.setdefault("RATE_LIMIT_SEARCH", "1000000/s")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def timed(call, repeat: int, before=None) -> list[float]:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(name: str, samples: list[float]) -> str:
    p50, p95 = statistics.median(samples), percentile(samples, 95)
    return f"| {name} | {len(samples)} | {p50:.1f} | {p95:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description="Causeway page and search benchmark")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive ORM search")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="time only the searches and organization pages (at a million organizations the "
        "list's first, uncached facet counts take minutes)",
    )
    parser.add_argument(
        "--skip-fresh",
        action="store_true",
        help="skip the searches timed with the cache emptied first (each refills it with "
        "the plain list, whose counts over a million organizations take seconds)",
    )
    args = parser.parse_args()

    setup(args.orgs)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench import naive
    from bench.generate import generate
    from bench.queries import QUERIES
    from directory import search
    from directory.models import Issue, Organization

    call_command("migrate", verbosity=0)
    existing = Organization.objects.count()
    if existing < args.orgs:
        started = time.perf_counter()
        generate(args.orgs - existing)
        elapsed = time.perf_counter() - started
        loaded = args.orgs - existing
        print(f"Loaded {loaded} organizations in {elapsed:.1f} s ({loaded / elapsed:.0f}/s)")

    published = Organization.objects.published()
    slugs = list(
        published.order_by("pk").values_list("slug", flat=True)[:: max(1, args.orgs // 50)]
    )
    issue = Issue.objects.order_by("pk").first()
    pages = {
        "home `/`": ["/"],
        "list `/organizations/`": ["/organizations/", "/organizations/?page=3"],
        "list, sorted by verified": ["/organizations/?sort=verified"],
        "list, filtered": [f"/organizations/?issue={issue.slug}&type=nonprofit&help=donate"],
        "search `/organizations/?q=` (50 queries)": [
            f"/organizations/?q={quote(q)}" for q in QUERIES
        ],
        "search `/search/?q=` (50 queries)": [f"/search/?q={quote(q)}" for q in QUERIES],
        "organization page": [f"/organizations/{slug}/" for slug in slugs],
        "issue page": [f"/issues/{issue.slug}/"],
    }
    if args.search_only:
        pages = {name: urls for name, urls in pages.items() if "search" in name or "page" in name}
        pages.pop("issue page")
    storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={"staticfiles": storage, "default": storage}):
        client = Client()
        for urls in pages.values():  # warm caches and connections
            for url in urls:
                response = client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
        gc.freeze()  # as gunicorn's master does before it forks workers (config/gunicorn.py)
        print(f"\n{connection.vendor}, {published.count():,} published organizations\n")
        print("| page | requests | p50 ms | p95 ms |\n|---|---:|---:|---:|")
        for name, urls in pages.items():
            samples = [s for url in urls for s in timed(lambda u=url: client.get(u), args.repeat)]
            print(row(name, samples))
            if "?q=" in urls[0] and not args.skip_fresh:
                # The same queries with the cache emptied before each one (then refilled by
                # the plain list): no card of the results has been rendered before.
                def fresh():
                    cache.clear()
                    client.get("/organizations/")

                samples = [
                    s
                    for url in urls
                    for s in timed(lambda u=url: client.get(u), args.repeat, fresh)
                ]
                print(row(f"{name}, cache emptied first", samples))

    if args.skip_naive:
        return
    print("\n| search, 50 queries | p50 ms | p95 ms |\n|---|---:|---:|")
    engine = [
        s for q in QUERIES for s in timed(lambda q=q: naive.engine_search(search, q), args.repeat)
    ]
    orm = [s for q in QUERIES for s in timed(lambda q=q: naive.naive_search(q), args.repeat)]
    for name, samples in (("our engine (ids, count, first page)", engine), ("naive ORM", orm)):
        print(f"| {name} | {statistics.median(samples):.1f} | {percentile(samples, 95):.1f} |")
    ratio = statistics.median(orm) / statistics.median(engine)
    print(f"\nSpeed-up at p50: {ratio:.1f}x")


if __name__ == "__main__":
    main()
