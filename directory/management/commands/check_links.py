from django.core.management.base import BaseCommand

from directory import links


class Command(BaseCommand):
    help = (
        "Check every website, donation and volunteer link concurrently (with timeouts and a "
        "per-host limit) and record each link's status and date for curators."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            help="Seconds per link, all told: lookups, connecting, reading and redirects.",
        )
        parser.add_argument("--workers", type=int, default=16, help="Requests in flight.")
        parser.add_argument("--per-host", type=int, default=2, help="Requests per host at once.")
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Also fetch links that resolve to non-public (private, loopback, link-local, "
            "shared, multicast...) addresses. For local testing only.",
        )

    def handle(self, *args, timeout, workers, per_host, allow_private, **options):
        results = links.check(
            links.listings_to_check(),
            timeout=timeout,
            workers=workers,
            per_host=per_host,
            allow_private=allow_private,
        )
        links.record(results)
        broken = [result for result in results if not result.ok]
        for result in broken:
            reason = result.status_code or result.error
            self.stdout.write(f"BROKEN {result.url} ({reason})")
        self.stdout.write(
            self.style.SUCCESS(f"Checked {len(results)} links: {len(broken)} broken.")
        )
