"""HSDS import benchmark.

Writes an HSDS JSON Page of N synthetic organizations shaped like bench/generate.py's
(website, multi-paragraph description with some Korean, 1-3 issues, 1-2 focus areas, 1-3
countries and a headquarters, donate and volunteer links on some; 1-5 services each with
a description and one issue, a quarter of them with a service area; an identifier on a
quarter of the organizations), then times `import_hsds --publish` into an empty SQLite
database and prints rows per second and the peak memory. The file is kept and reused; the
database is recreated on every run. The file goes to bench/results/, which git ignores.
`--database-url` imports into another database instead, which must be empty and is
migrated first (`createdb bench_stream`, then drop it). `--csv` imports the same
organizations as a tabular package instead (a folder of CSV files written from the JSON
file once, kept beside it).

    .venv/bin/python bench/import_hsds.py --orgs 100000 2>/dev/null  # stderr: progress
    .venv/bin/python bench/import_hsds.py --orgs 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_stream 2>/dev/null
    .venv/bin/python bench/import_hsds.py --orgs 100000 --csv 2>/dev/null
"""

import argparse
import io
import json
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = {
    "KR": "South Korea", "CN": "China", "US": "United States of America", "TH": "Thailand",
    "LA": "Laos", "VN": "Vietnam", "MN": "Mongolia", "JP": "Japan", "GB": "United Kingdom",
    "DE": "Germany", "CA": "Canada",
}  # fmt: skip
ISSUES = ["Human trafficking", "Refugees", "Child labor", "Forced labor", "Women's rights"]
FOCUS_AREAS = ["Rescue", "Resettlement", "Research", "Advocacy", "Humanitarian aid"]
LEGAL_STATUSES = ["Nonprofit", "Faith-based nonprofit", "Research institute", "Other"]


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _terms(rng, taxonomies) -> tuple[list[dict], list[dict]]:
    def term(taxonomy, name):
        slug = name.lower().replace("'", "").replace(" ", "-")
        return taxonomies.make_term(taxonomy, _id(rng), slug, name, f"About {name.lower()}.")

    return (
        [term(taxonomies.ISSUES, name) for name in ISSUES],
        [term(taxonomies.FOCUS_AREAS, name) for name in FOCUS_AREAS],
    )


def _attributes(rng, link_id, entity, terms_by_taxonomy, links=()) -> list[dict]:
    attributes = []
    for taxonomy, terms, most in terms_by_taxonomy:
        for term in rng.sample(terms, rng.randint(1, most)):
            attributes.append(
                {
                    "id": _id(rng),
                    "link_id": link_id,
                    "link_entity": entity,
                    "link_type": taxonomy.link_type,
                    "taxonomy_term_id": term["id"],
                    "taxonomy_term": term,
                }
            )
    for term, url in links:
        attributes.append(
            {
                "id": _id(rng),
                "link_id": link_id,
                "link_entity": entity,
                "link_type": "url",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
                "value": url,
            }
        )
    return attributes


def organization(rng, n, issues, focus_areas, generate, taxonomies) -> dict:
    head, tail = rng.choice(generate.NAME_HEADS), rng.choice(generate.NAME_TAILS)
    name = f"{head} {tail} {n}"
    slug = name.lower().replace(" ", "-")
    org_id = _id(rng)
    help_terms = taxonomies.help_terms()
    links = [(help_terms["donate_url"], f"https://example.org/{slug}/give")] * (n % 2)
    links += [(help_terms["volunteer_url"], f"https://example.org/{slug}/join")] * (n % 3 == 0)
    codes = rng.sample(sorted(COUNTRIES), rng.randint(1, 3))
    locations = [
        {
            "id": _id(rng),
            "location_type": "physical",
            "name": "Headquarters" if i == 0 else COUNTRIES[code],
            "external_identifier": code,
            "external_identifier_type": "ISO 3166-1 alpha-2",
        }
        for i, code in enumerate(codes)
    ]
    services = []
    for p, program in enumerate(rng.sample(generate.PROGRAM_NAMES, rng.randint(1, 5))):
        service_id = _id(rng)
        areas = [
            {"id": _id(rng), "name": COUNTRIES[c], "extent": c, "extent_type": "text"}
            for c in codes[: rng.random() < 0.25]
        ]
        services.append(
            {
                "id": service_id,
                "name": program,
                "status": "active" if p % 7 else "inactive",
                "description": f"{generate._sentence(rng)}\n\n{generate._paragraphs(rng, 1)}",
                "service_areas": areas,
                "attributes": _attributes(
                    rng, service_id, "service", [(taxonomies.ISSUES, issues, 1)]
                ),
            }
        )
    doc = {
        "id": org_id,
        "name": name,
        "description": f"{generate._sentence(rng)}\n\n"
        f"{generate._paragraphs(rng, rng.randint(2, 4))}",
        "legal_status": rng.choice(LEGAL_STATUSES),
        "year_incorporated": rng.randint(1950, 2024),
        "website": f"https://example.org/{slug}",
        "locations": locations,
        "attributes": _attributes(
            rng,
            org_id,
            "organization",
            [(taxonomies.ISSUES, issues, 3), (taxonomies.FOCUS_AREAS, focus_areas, 2)],
            links,
        ),
        "services": services,
    }
    if n % 4 == 0:
        doc["organization_identifiers"] = [
            {"id": _id(rng), "identifier_scheme": "KR-NPO", "identifier": f"NPO-{n:07d}"}
        ]
    return doc


def write_file(path: Path, count: int) -> None:
    from bench import generate
    from directory.hsds import taxonomies

    rng = random.Random(42)
    issues, focus_areas = _terms(rng, taxonomies)
    with path.open("w", encoding="utf-8") as file:
        file.write('{"contents": [\n')
        for n in range(count):
            doc = organization(rng, n, issues, focus_areas, generate, taxonomies)
            file.write((",\n" if n else "") + json.dumps(doc, ensure_ascii=False))
        file.write(f'\n], "total_items": {count}, "size": {count}}}\n')


def _package(path: Path) -> Path:
    """The tabular package of the JSON file at `path`, written beside it once."""
    from directory.hsds import csv_package, jsonstream

    folder = path.with_name(path.stem + "-csv")
    if not (folder / "datapackage.json").exists():
        with path.open("rb") as file:
            csv_package.write(map(_with_parent_ids, jsonstream.open_json(file).items), folder)
    return folder


def _with_parent_ids(org: dict) -> dict:
    """The organization with each nested object naming what it belongs to, as a package's
    rows must (the JSON nests them instead)."""
    for key in ("organization_identifiers", "locations", "services"):
        for item in org.get(key, []):
            item["organization_id"] = org["id"]
    for owner, entity in [(org, "organization"), *((s, "service") for s in org["services"])]:
        for attribute in owner.get("attributes", []):
            attribute |= {"link_id": owner["id"], "link_entity": entity}
    for service in org["services"]:
        for area in service.get("service_areas", []):
            area["service_id"] = service["id"]
    return org


def _timed(owner, name: str) -> tuple[list, list]:
    """Wrap owner.name to record its wall and CPU seconds."""
    original, wall, cpu = getattr(owner, name), [], []

    def timed(*args, **kwargs):
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)

    setattr(owner, name, timed)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description="Causeway HSDS import benchmark")
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--csv", action="store_true", help="import it as a CSV package")
    args = parser.parse_args()

    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        database = ROOT / "bench" / f"import-{args.orgs}.sqlite3"
        database.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from directory.hsds import bulk
    from directory.hsds.checks import Planner
    from directory.models import Organization, OrganizationIdentifier, Program
    from directory.search import index

    call_command("migrate", verbosity=0)
    path = ROOT / "bench" / "results" / f"hsds-{args.orgs}.json"  # git ignores results/
    path.parent.mkdir(exist_ok=True)
    if not path.exists():
        started = time.perf_counter()
        write_file(path, args.orgs)
        print(f"Wrote {path.name} in {time.perf_counter() - started:.1f} s")
    size = path.stat().st_size / 1e6
    if args.csv:
        path = _package(path)

    # The file is read as it is checked and written: reading is what the phases leave.
    phases = {
        "check and match": (Planner, "plan"),
        "write rows and history": (bulk, "write"),
        "rebuild the search index": (index, "rebuild"),
    }
    spent = {label: _timed(owner, name) for label, (owner, name) in phases.items()}
    started, cpu = time.perf_counter(), time.process_time()
    output = io.StringIO()
    call_command("import_hsds", str(path), "--publish", stdout=output)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for line in output.getvalue().splitlines():  # one names every organization held back
        print(line if len(line) < 200 else f"{line[:200]}...")

    orgs, programs = Organization.objects.count(), Program.objects.count()
    links = sum(
        relation.through.objects.count()
        for relation in (
            Organization.issues, Organization.focus_areas, Organization.countries,
            Program.issues, Program.countries,
        )
    )  # fmt: skip
    identifiers = OrganizationIdentifier.objects.count()
    rows = orgs + programs + identifiers + links
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    print(f"\n{vendor}, {args.orgs:,} organizations, {size:.0f} MB of HSDS JSON")
    print(f"import_hsds: {elapsed:.1f} s")
    for label, (wall, cpu_time) in spent.items():
        print(f"  {label}: {sum(wall):.1f} s ({sum(cpu_time):.1f} s CPU)")
    rest = elapsed - sum(sum(wall) for wall, _cpu in spent.values())
    print(f"  read and sort the file, the rest: {rest:.1f} s")
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB -> MB
    print(f"CPU time {cpu:.1f} s on {os.cpu_count()} CPUs; load average after: {load}")
    print(f"Peak memory {peak:,.0f} MB")
    print(f"{orgs:,} organizations, {programs:,} programs, {identifiers:,} identifiers, ", end="")
    print(f"{links:,} relation rows = {rows:,} rows")
    print(f"{orgs / elapsed:,.0f} organizations/s, {rows / elapsed:,.0f} rows/s", end="")
    print(f" ({orgs / cpu:,.0f} and {rows / cpu:,.0f} per CPU second)")


if __name__ == "__main__":
    main()
