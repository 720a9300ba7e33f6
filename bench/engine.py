"""The search engine alone, query by query: `search.find()` for each of the 50 fixed
queries, without the page around it, slowest first, then p50 and p95.

    DATABASE_URL=... .venv/bin/python bench/engine.py [--repeat 3]

Run it against a database `bench/run.py` has filled (its SQLite file, or the PostgreSQL
database named by DATABASE_URL).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from bench.queries import QUERIES
    from bench.run import percentile
    from directory import search

    samples, slowest = [], []
    for query in QUERIES:
        parsed = search.parse(query)
        search.find(parsed, ["organization"])  # warm: connections, the dictionary's reading
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            outcome = search.find(parsed, ["organization"])
            times.append((time.perf_counter() - started) * 1000)
        samples += times
        slowest.append((min(times), query, outcome.total))
    for best, query, total in sorted(slowest, reverse=True):
        print(f"{best:8.1f} ms  {total:5d} results  {query}")
    print(f"p50 {percentile(samples, 50):.1f} ms, p95 {percentile(samples, 95):.1f} ms")


if __name__ == "__main__":
    main()
