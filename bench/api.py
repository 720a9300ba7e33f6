"""HSDS API benchmark: p50 and p95 server time of each list endpoint of /api/hsds/.

Fills bench/api-N.sqlite3 with bench/generate.py on first use (later runs reuse it) and
measures in-process through Django's test client, like bench/run.py. Every timed request
is cold: the cache is cleared before it, so no response or count cached by an earlier
request is reused.

    nice -n 5 .venv/bin/python bench/api.py --orgs 10000 --repeat 10
"""

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import row, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Causeway HSDS API benchmark")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    os.environ.setdefault(
        "DATABASE_URL", f"sqlite:///{ROOT / 'bench' / f'api-{args.orgs}.sqlite3'}"
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RATE_LIMIT_API", "1000000/m")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.generate import generate
    from directory.models import Issue, Organization

    call_command("migrate", verbosity=0)
    existing = Organization.objects.count()
    if existing < args.orgs:
        generate(args.orgs - existing)
    published = Organization.objects.published()
    org = published.order_by("pk").first()
    term = Issue.objects.order_by("pk").first().hsds_id
    api = "/api/hsds"
    lists = {
        "`/organizations`": [f"{api}/organizations", f"{api}/organizations?page=40"],
        "`/organizations?per_page=200`": [f"{api}/organizations?per_page=200"],
        "`/organizations?search=`": [f"{api}/organizations?search={quote('human rights')}"],
        "`/organizations?taxonomy_term_id=&modified_after=`": [
            f"{api}/organizations?taxonomy_term_id={term}&modified_after=2000-01-01"
        ],
        "`/services`": [f"{api}/services", f"{api}/services?page=40"],
        "`/services?organization_id=`": [f"{api}/services?organization_id={org.hsds_id}"],
        "`/services?search=`": [f"{api}/services?search=shelter"],
        "`/taxonomies`": [f"{api}/taxonomies"],
        "`/taxonomy_terms`": [f"{api}/taxonomy_terms"],
        "`/service_at_locations`": [f"{api}/service_at_locations"],
    }
    client = Client()
    for urls in lists.values():  # warm caches and connections
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
    print(f"\n{connection.vendor}, {published.count():,} published organizations\n")
    print("| list | requests | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for name, urls in lists.items():
        samples = [
            s for url in urls for s in timed(lambda u=url: client.get(u), args.repeat, cache.clear)
        ]
        print(row(name, samples))


if __name__ == "__main__":
    main()
