import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from tqdm import tqdm

from directory.harvest import run
from directory.harvest.client import FeedError
from directory.hsds.importer import ImportFailed
from directory.models import Feed
from directory.validators import validate_http_url

SHOWN = 20


def _progress(iterable, *, unit=""):
    return tqdm(iterable, desc="Harvesting", unit=unit, file=sys.stderr, leave=False)


def _since(value: str):
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--since: “{value}” is not an ISO 8601 date and time.")
    return make_aware(parsed) if is_naive(parsed) else parsed


class Command(BaseCommand):
    help = (
        "Harvest another directory's HSDS 3.0 API: its organizations with their services, "
        "those changed since the feed's last successful harvest (or --since). New listings "
        "arrive in review, or published with --publish (or when the feed is set to publish); "
        "a listing edited here since its last harvest is not overwritten: the conflict waits "
        "in the admin's harvest conflicts. A listing the feed no longer lists is archived. A "
        "run writes all or nothing. Private and loopback addresses are refused unless "
        "--allow-private. With --due, every active feed whose schedule has come round."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="The API's base, as https://host/api/hsds/.")
        parser.add_argument("--due", action="store_true", help="Run every feed that is due.")
        parser.add_argument("--name", help="The directory's name, for a feed not yet known.")
        parser.add_argument("--publish", action="store_true", help="Publish new listings.")
        parser.add_argument("--since", type=_since, help="Ask for what changed since then.")
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="Allow private and loopback addresses (a test, an internal network).",
        )

    def handle(self, *args, url, due, name, publish, since, allow_private, **options):
        if bool(url) == due:
            raise CommandError("Give either a feed's URL or --due.")
        feeds = [self._feed(url, name)] if url else [f for f in Feed.objects.all() if f.is_due()]
        failed = []
        for feed in feeds:
            if publish:
                feed.publish = True  # for this run only
            try:
                outcome = run.harvest(
                    feed, since=since, allow_private=allow_private, progress=_progress
                )
            except (FeedError, ImportFailed) as error:
                failed.append(feed.name)
                self.stderr.write(f"{feed.name}: nothing harvested. {error}")
                continue
            self._report(feed, outcome)
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)}.")

    def _feed(self, url: str, name: str | None) -> Feed:
        try:
            validate_http_url(url)
        except ValidationError as error:
            raise CommandError(f"{url}: {' '.join(error.messages)}") from None
        url = url.rstrip("/") + "/"
        feed = Feed.objects.filter(url=url).first()
        if feed is None:
            feed = Feed.objects.create(
                url=url, name=name or url, schedule=Feed.Schedule.MANUAL, publish=False
            )
        return feed

    def _report(self, feed: Feed, outcome: run.Outcome) -> None:
        self.stdout.write(f"{feed.name}: {outcome.summary()}")
        for label, names in (
            ("Created", outcome.created),
            ("Updated", outcome.updated),
            ("Archived", outcome.archived),
            ("Sent for review", outcome.conflicts),
        ):
            if names:
                more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
                self.stdout.write(f"  {label}: {', '.join(names[:SHOWN])}{more}")
        if any(outcome.ignored.values()):
            ignored = ", ".join(f"{n} {what}" for what, n in sorted(outcome.ignored.items()) if n)
            self.stdout.write(f"  Ignored: {ignored}")
