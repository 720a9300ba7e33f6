"""Load and fault benchmark of the production profile, on loopback only.

Starts gunicorn exactly as `make serve` does (config/gunicorn.py, collectstatic first, DEBUG
off) against a PostgreSQL database of N synthetic organizations and Redis, warms the page
cache, then drives it with wrk (50 connections):

1. a 60 s mixed run over home, list, search, organization pages (and the API if present);
2. one 20 s run per page type, plus a trivial view (bench/urls.py) as the framework's
   ceiling, then alternating 10 s rounds of list, organization and trivial for the ratio;
3. the per-type runs again with the page cache off: the cost of a cold page;
4. PostgreSQL restarted 20 s into a 60 s run; 5. Redis stopped 20 s into a 60 s run and
   started again 20 s later;
6. the HSDS API, endpoint by endpoint (`/healthz`, the organization list's first page and
   page 50, services, an organization, taxonomy terms, openapi.json), each run right after
   a run of `/healthz` for the ratio, in --api-rounds rounds of --api-seconds: warm (the
   responses cached per content version), then with If-None-Match (304s), then one
   connection at a time (latency without queueing), then with the response cache off.

    .venv/bin/python bench/load.py                   # all of it, about 30 minutes
    .venv/bin/python bench/load.py --only load       # 1 and 2
    .venv/bin/python bench/load.py --only faults     # 4 and 5
    .venv/bin/python bench/load.py --only api --orgs 100000    # 6, about 16 minutes
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
    return fetch(url, timeout=timeout)[0]


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """(status, headers, body) of a GET; status 0 when nothing answered."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except OSError as error:
        return 0, {}, str(error).encode()


class Server:
    """gunicorn as `make serve` runs it: collectstatic, then config/gunicorn.py."""

    def __init__(self, environ: dict[str, str], logfile: Path):
        self.environ, self.logfile = environ, logfile
        self.base = f"http://127.0.0.1:{environ['PORT']}"

    def __enter__(self):
        if get(f"{self.base}/healthz", timeout=2) != 0:  # or we would measure that server
            raise SystemExit(f"something already answers on {self.base}: choose another --port")
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
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.logfile}")
            if get(f"{self.base}/healthz", timeout=2) == 200:
                return self
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not come up; see {self.logfile}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.output.close()


def wrk(
    base: str,
    urls: list[str],
    seconds: int,
    connections: int,
    during=None,
    headers: dict[str, str] | None = None,
    ok_status: int = 200,
) -> dict:
    """One wrk run over `urls`, each request with `headers`; answers other than
    `ok_status` count as errors."""  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(urls) + "\n")
    script = ROOT / "bench" / "wrk.lua"
    if ok_status != 200:  # a copy of the script that counts `ok_status` (a 304) as good
        text = script.read_text().replace("status == 200", f"status == {ok_status}")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as copy:
            copy.write(text)
        script = Path(copy.name)
    for url in urls[:20]:  # every worker's connections
        get(base + url)
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "10s", *extra, "-s", str(script), base]  # fmt: skip
    started = time.time()
    process = subprocess.Popen(
        command, env={**os.environ, "URLS": listing.name}, stdout=subprocess.PIPE, text=True
    )
    events = during(started) if during else {}
    output, _ = process.communicate()
    if "_thread" in events:
        events.pop("_thread").join()
    os.unlink(listing.name)
    if script.parent != ROOT / "bench":
        script.unlink()
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


def hsds_endpoints() -> dict[str, tuple[str, dict[str, str]]]:
    """The API endpoints the API runs measure, by name: (URL, request headers). Needs
    Django set up (prepare_database does it)."""
    from directory.models import Organization

    published = Organization.objects.published().order_by("pk")
    middle = published.values_list("hsds_id", flat=True)[published.count() // 2]
    api = "/api/hsds"
    return {
        "/healthz": ("/healthz", {}),
        "organizations": (f"{api}/organizations", {}),
        "organizations?page=50": (f"{api}/organizations?page=50", {}),
        "services": (f"{api}/services", {}),
        "organizations/<id>": (f"{api}/organizations/{middle}", {}),
        "taxonomy_terms": (f"{api}/taxonomy_terms", {}),
        # as clients ask for it: compressed (3.5 MB as it stands, about 0.3 MB gzipped)
        "openapi.json (gzip)": (f"{api}/openapi.json", {"Accept-Encoding": "gzip"}),
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def api_runs(args, environ: dict[str, str], report: dict, run) -> None:
    """The API endpoints against /healthz: warm, conditional (304), one connection at a
    time, and with the response cache off. Each measured endpoint run follows a run of
    /healthz of the same length and connections; its ratio is to that run, so the
    neighbours' load, which swings from minute to minute, weighs on both alike."""
    endpoints = hsds_endpoints()
    report["api_endpoints"] = {name: url for name, (url, _) in endpoints.items()}
    report["uptime"].append(["api start", uptime()])
    log(f"API endpoints: {json.dumps(report['api_endpoints'])}")
    health = endpoints["/healthz"]
    api = {name: spec for name, spec in endpoints.items() if name != "/healthz"}

    def paired(mode, server, seconds, connections, conditional=False, rounds=args.api_rounds):
        etags = {}
        for name, (url, headers) in api.items():
            status, answered, body = fetch(server.base + url, headers)
            if status != 200:
                raise SystemExit(f"{url} answered {status}: {body[:300]!r}")
            etags[name] = answered.get("ETag")
            if conditional:
                again = {**headers, "If-None-Match": etags[name]}
                status, _, _ = fetch(server.base + url, again)
                if status != 304:
                    raise SystemExit(f"{url} with If-None-Match {etags[name]} answered {status}")
        report.setdefault("api_etags", {}).update(etags)
        for round_number in range(1, rounds + 1):
            for name, (url, headers) in api.items():
                run(f"api {mode} /healthz before {name} (round {round_number})", [health[0]],
                    seconds, server, connections=connections)  # fmt: skip
                if conditional:
                    headers = {**headers, "If-None-Match": etags[name]}
                run(f"api {mode} {name} (round {round_number})", [url], seconds, server,
                    connections=connections, headers=headers,
                    ok_status=304 if conditional else 200)  # fmt: skip
            report["uptime"].append([f"api {mode} round {round_number}", uptime()])
            log(report["uptime"][-1][1])

    with Server(environ, RESULTS / "gunicorn-api.log") as server:
        paired("warm", server, args.api_seconds, args.connections)
        paired("304", server, args.api_seconds, args.connections, conditional=True)
        paired("c1", server, max(3, args.api_seconds // 2), 1, rounds=1)
    cold = {**environ, "PAGE_CACHE_SECONDS": "0"}
    with Server(cold, RESULTS / "gunicorn-api-cold.log") as server:
        paired("cold", server, args.api_seconds, args.connections, rounds=1)
    report["uptime"].append(["api end", uptime()])


def api_table(report: dict) -> list[str]:
    """Per mode and endpoint: medians over the rounds of req/s, p50, p95, p99, and of the
    ratio to the /healthz run before each."""
    runs = report["runs"]
    lines = []
    for mode in ("warm", "304", "c1", "cold"):
        labels = [label.removeprefix(f"api {mode} ") for label in runs]
        names = list(
            dict.fromkeys(
                label.rsplit(" (round ", 1)[0]
                for label, full in zip(labels, runs, strict=True)
                if full.startswith(f"api {mode} ") and not label.startswith("/healthz before ")
            )
        )
        if not names:
            continue
        lines += [
            f"\n{mode}: median of rounds (ratio: to the /healthz run just before each)",
            "| endpoint | rounds | req/s | p50 ms | p95 ms | p99 ms | errors | /healthz req/s"
            " | ratio | ratio per round |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name in names:
            rounds = sorted(
                int(label.rsplit(" (round ", 1)[1].rstrip(")"))
                for label in runs
                if label.startswith(f"api {mode} {name} (round ")
            )
            own = [runs[f"api {mode} {name} (round {n})"] for n in rounds]
            base = [runs[f"api {mode} /healthz before {name} (round {n})"] for n in rounds]
            ratios = [o["rps"] / b["rps"] for o, b in zip(own, base, strict=True)]
            lines.append(
                f"| {name} | {len(rounds)} | {median([r['rps'] for r in own]):,.0f}"
                + "".join(
                    f" | {median([r[key] for r in own]) / 1000:.1f}"
                    for key in ("p50_us", "p95_us", "p99_us")
                )
                + f" | {sum(r['errors'] for r in own)}"
                f" | {median([r['rps'] for r in base]):,.0f} | {median(ratios):.2f}"
                f" | {', '.join(f'{r:.2f}' for r in ratios)} |"
            )
        healthz = [r for label, r in runs.items() if label.startswith(f"api {mode} /healthz")]
        lines.append(
            f"| /healthz (all {len(healthz)} runs) | {len(healthz)}"
            f" | {median([r['rps'] for r in healthz]):,.0f}"
            + "".join(
                f" | {median([r[key] for r in healthz]) / 1000:.1f}"
                for key in ("p50_us", "p95_us", "p99_us")
            )
            + f" | {sum(r['errors'] for r in healthz)} | | 1 | |"
        )
    return lines


def summary(name: str, result: dict) -> str:
    return (
        f"| {name} | {result['requests']:,} | {result['rps']:,.0f} | {result['p50_us'] / 1000:.1f}"
        f" | {result['p95_us'] / 1000:.1f} | {result['p99_us'] / 1000:.1f} | {result['errors']} |"
    )


def load_and_faults(args, parts, pages, environ, report, run) -> None:
    """Runs 1, 2, 4 and 5 of the docstring, on one server with a warm page cache."""
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
    parser.add_argument("--api-rounds", type=int, default=3, help="API runs per endpoint")
    parser.add_argument("--api-seconds", type=int, default=10, help="each API run")
    parser.add_argument("--only", choices=["load", "cold", "faults", "api"], action="append")
    # The fault runs restart these: on a shared machine, point them at a cluster and a
    # Redis of the benchmark's own (see docs/benchmarks.md).
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-cluster", default="main")
    parser.add_argument("--redis-port", type=int, default=6379)
    args = parser.parse_args()
    parts = set(args.only or ["load", "cold", "faults", "api"])

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
        "uptime": [["start", uptime()]],
        "runs": {},
    }
    flush = ["redis-cli", "-p", str(args.redis_port), "-n", "3", "flushdb"]
    subprocess.run(flush, check=False, capture_output=True)

    def run(label, urls, seconds, server, connections=args.connections, **kwargs):
        log(f"{label}: {seconds} s")
        result = wrk(server.base, urls, seconds, connections, **kwargs)
        result["load_average_after"] = os.getloadavg()
        report["runs"][label] = result
        print(summary(label, result), flush=True)

    if "api" in parts:
        api_runs(args, environ, report, run)
    if parts & {"load", "faults"}:
        load_and_faults(args, parts, pages, environ, report, run)
    if "cold" in parts:
        cold = {**environ, "PAGE_CACHE_SECONDS": "0"}
        with Server(cold, RESULTS / "gunicorn-cold.log") as server:
            for kind in ("home", "list", "organization", "search", "trivial"):
                run(f"{kind} (page cache off)", pages[kind], args.page_seconds, server)

    report["uptime"].append(["end", uptime()])
    report["api_table"] = api_table(report)
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
    for line in api_table(report):
        print(line)
    for when, text in report["uptime"]:
        print(f"uptime ({when}): {text}")
    log(f"results in {path}")


if __name__ == "__main__":
    main()
