"""Load and fault benchmark of the production profile, on loopback only.

Starts gunicorn exactly as `make serve` does (config/gunicorn.py, collectstatic first, DEBUG
off) against a PostgreSQL database of N synthetic organizations and Redis, warms the page
cache, then drives it with wrk (50 connections):

1. a 60 s mixed run over home, list, search, organization pages (and the API if present);
2. one 20 s run per page type, plus a trivial view (bench/urls.py) as the framework's
   ceiling, then alternating 10 s rounds of list, organization and trivial for the ratio;
3. the per-type runs again with the page cache off: the cost of a cold page;
4. PostgreSQL restarted 20 s into a 60 s run; 5. Redis stopped 20 s into a 60 s run and
   started again 20 s later.

    .venv/bin/python bench/load.py                   # all of it, about 12 minutes
    .venv/bin/python bench/load.py --only load       # 1 and 2
    .venv/bin/python bench/load.py --only faults     # 4 and 5
    # on a shared machine, restart a cluster and a Redis of the benchmark's own:
    .venv/bin/python bench/load.py --pg-port 5433 --pg-cluster bench --redis-port 6380

Rate limits are raised for the run: every request comes from 127.0.0.1, which production
would (rightly) answer with 429s. Results go to bench/results/load-<time>.json.
"""
# ruff: noqa: S603, S607  (a benchmark driving local tools: psql, gunicorn, wrk, pg_ctlcluster)

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "results"


def redis_start(port: int) -> list[str]:
    return [
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", str(port),
        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
        "--logfile", "/var/log/redis/ci.log" if port == 6379 else f"/var/log/redis/{port}.log",
    ]  # fmt: skip


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def server_environment(args, port: int, **extra) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "load-benchmark-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{args.pg_port}/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:{args.redis_port}/3",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "RATE_LIMIT_SEARCH": "1000000/m",
        "RATE_LIMIT_API": "1000000/m",
        "EMAIL_HOST": "smtp.invalid",
        **extra,
    }


def prepare_database(args) -> dict[str, list[str]]:
    """Create and fill the database once; return the URLs of each page type."""
    database, orgs = args.database, args.orgs
    where = ["-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres"]
    exists = subprocess.run(
        ["psql", *where, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run(["createdb", *where, database], check=True)
    os.environ.update(server_environment(args, 0))
    import django

    django.setup()
    from django.core.management import call_command

    from bench.generate import generate
    from bench.queries import QUERIES
    from directory.models import Issue, Organization

    call_command("migrate", verbosity=0)
    missing = orgs - Organization.objects.count()
    if missing > 0:
        log(f"generating {missing} organizations")
        generate(missing)
    published = Organization.objects.published().order_by("pk")
    slugs = list(published.values_list("slug", flat=True)[:: max(1, orgs // args.org_pages)])
    issue = Issue.objects.order_by("pk").first()
    return {
        "home": ["/"],
        "list": [f"/organizations/?page={n}" for n in range(1, 6)]
        + ["/organizations/?sort=verified", f"/organizations/?issue={issue.slug}",
           "/organizations/?type=nonprofit&help=donate"],
        "search": [f"/search/?q={quote(q)}" for q in QUERIES]
        + [f"/organizations/?q={quote(q)}" for q in QUERIES],
        "organization": [f"/organizations/{slug}/" for slug in slugs],
        "api": ["/api/hsds/organizations", "/api/hsds/organizations?page=2"],
        "trivial": ["/bench/trivial"],
    }  # fmt: skip


def get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Server:
    """gunicorn as `make serve` runs it: collectstatic, then config/gunicorn.py."""

    def __init__(self, environ: dict[str, str], logfile: Path):
        self.environ, self.logfile = environ, logfile
        self.base = f"http://127.0.0.1:{environ['PORT']}"

    def __enter__(self):
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=self.environ, check=True,
        )  # fmt: skip
        self.output = self.logfile.open("w")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.py",
             "config.wsgi"],
            cwd=ROOT, env=self.environ, stdout=self.output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(100):
            if get(f"{self.base}/healthz", timeout=2) == 200:
                return self
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not come up; see {self.logfile}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.output.close()


def wrk(base: str, urls: list[str], seconds: int, connections: int, during=None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(urls) + "\n")
    for url in urls[:20]:  # every worker's connections
        get(base + url)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "wrk.lua"), base]  # fmt: skip
    started = time.time()
    process = subprocess.Popen(
        command, env={**os.environ, "URLS": listing.name}, stdout=subprocess.PIPE, text=True
    )
    events = during(started) if during else {}
    output, _ = process.communicate()
    if "_thread" in events:
        events.pop("_thread").join()
    os.unlink(listing.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    timeline = {int(s): v for s, v in result.pop("timeline").items()}
    result["timeline"] = [[s - int(started), *timeline[s]] for s in sorted(timeline)]
    result["errors"] = sum(bad for _, _, bad in result["timeline"]) + sum(
        result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    result["events"] = events
    return result


def warm(base: str, urls: list[str]) -> float:
    """Request every URL once, so the measured runs see the site as it usually is: with
    its pages in the cache (the runs with the page cache off show the cold cost)."""
    started = time.time()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda url: get(base + url, timeout=60), urls))
    bad = [url for url, status in zip(urls, statuses, strict=True) if status != 200]
    if bad:
        raise SystemExit(f"{len(bad)} URLs did not answer 200, e.g. {bad[:3]}")
    return time.time() - started


def after(seconds_from_start: float, started: float) -> None:
    time.sleep(max(0.0, started + seconds_from_start - time.time()))


def restart_postgres(started: float, cluster: str) -> dict:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    after(20, started)
    began = time.time() - started
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"], check=True
    )
    return {"restart_began_s": round(began, 1), "restart_done_s": round(time.time() - started, 1)}


def stop_and_start_redis(started: float, port: int) -> dict:
    after(20, started)
    stop = ["redis-cli", "-p", str(port), "shutdown", "nosave"]
    subprocess.run(stop, check=False, capture_output=True)
    stopped = time.time() - started
    after(40, started)
    subprocess.run(redis_start(port), check=True)
    started_again = time.time() - started
    return {"redis_stopped_s": round(stopped, 1), "redis_started_s": round(started_again, 1)}


def in_background(action, *args):
    """Run a fault on a timer beside wrk; its timestamps are filled in when it is done."""

    def start(started):
        events: dict = {}
        thread = threading.Thread(target=lambda: events.update(action(started, *args)), daemon=True)
        thread.start()
        events["_thread"] = thread
        return events

    return start


def summary(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['requests']:,} | {result['rps']:,.0f} | {result['p50_us'] / 1000:.1f}"
        f" | {result['p95_us'] / 1000:.1f} | {result['p99_us'] / 1000:.1f} | {result['errors']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--database", default="causeway_bench_load")
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--org-pages", type=int, default=1000, help="organization pages used")
    parser.add_argument("--rounds", type=int, default=3, help="alternating comparison rounds")
    parser.add_argument("--seconds", type=int, default=60, help="mixed and fault runs")
    parser.add_argument("--page-seconds", type=int, default=20, help="each per-page run")
    parser.add_argument("--only", choices=["load", "cold", "faults"], action="append")
    # The fault runs restart these: on a shared machine, point them at a cluster and a
    # Redis of the benchmark's own (see docs/benchmarks.md).
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-cluster", default="main")
    parser.add_argument("--redis-port", type=int, default=6379)
    args = parser.parse_args()
    parts = set(args.only or ["load", "cold", "faults"])

    RESULTS.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["redis-cli", "-p", str(args.redis_port), "ping"],
                      capture_output=True).returncode != 0:  # fmt: skip
        subprocess.run(redis_start(args.redis_port), check=True)
    pages = prepare_database(args)
    environ = server_environment(args, args.port)
    report: dict = {
        "orgs": args.orgs,
        "connections": args.connections,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "runs": {},
    }
    flush = ["redis-cli", "-p", str(args.redis_port), "-n", "3", "flushdb"]
    subprocess.run(flush, check=False, capture_output=True)

    def run(label, urls, seconds, server, **kwargs):
        log(f"{label}: {seconds} s")
        result = wrk(server.base, urls, seconds, args.connections, **kwargs)
        result["load_average_after"] = os.getloadavg()
        report["runs"][label] = result
        print(summary(label, result), flush=True)

    with Server(environ, RESULTS / "gunicorn-load.log") as server:
        if get(server.base + pages["api"][0]) != 200:
            log("no API at /api/hsds/organizations: skipped")
            pages.pop("api")
        public = [u for kind, urls in pages.items() if kind != "trivial" for u in urls]
        log(f"warming the page cache with {len(public)} pages")
        report["warm_up_s"] = round(warm(server.base, public), 1)
        if "load" in parts:
            run("mixed", public, args.seconds, server)
            for kind, urls in pages.items():
                run(kind, urls, args.page_seconds, server)
            # Neighbours on a shared machine make any single run noisy: the target (list
            # and organization pages at half the trivial view's rate or more) is judged on
            # alternating short runs, round by round.
            for round_number in range(1, args.rounds + 1):
                for kind in ("list", "organization", "trivial"):
                    run(f"{kind} (round {round_number})", pages[kind], 10, server)
        if "faults" in parts:
            run("postgres-restart", public, args.seconds, server,
                during=in_background(restart_postgres, args.pg_cluster))  # fmt: skip
            run("redis-stop", public, args.seconds, server,
                during=in_background(stop_and_start_redis, args.redis_port))  # fmt: skip
    if "cold" in parts:
        cold = {**environ, "PAGE_CACHE_SECONDS": "0"}
        with Server(cold, RESULTS / "gunicorn-cold.log") as server:
            for kind in ("home", "list", "organization", "search", "trivial"):
                run(f"{kind} (page cache off)", pages[kind], args.page_seconds, server)

    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"load-{stamp}.json"
    path.write_text(json.dumps(report, indent=1))
    print("\n| run | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, result in report["runs"].items():
        print(summary(label, result))
    rounds = [
        {
            kind: report["runs"][f"{kind} (round {n})"]["rps"]
            for kind in ("list", "organization", "trivial")
        }
        for n in range(1, args.rounds + 1)
        if f"trivial (round {n})" in report["runs"]
    ]
    for n, measured in enumerate(rounds, start=1):
        list_ratio = measured["list"] / measured["trivial"]
        org_ratio = measured["organization"] / measured["trivial"]
        print(f"round {n}: list {list_ratio:.0%}, organization {org_ratio:.0%} of trivial")
    log(f"results in {path}")


if __name__ == "__main__":
    main()
