"""Harvesting another directory's HSDS API (`harvest_hsds`), against a real HTTP feed_server on
loopback (tests/harvest_feed.py): first run, incremental runs, local edits kept out of
the way as conflicts, removals, and the faults of a real network."""

# ruff: noqa: F811 (the fixtures imported from tests.harvest_feed are named as parameters)

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from directory.harvest import run
from directory.harvest.client import Client, FeedError
from directory.hsds.importer import ImportFailed
from directory.models import Feed, HarvestConflict, HarvestedListing, Organization
from directory.search import parse, search
from tests.harvest_feed import feed, feed_server, harvest, organization, touch  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _edit_here(org: Organization, **fields) -> None:
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()


def test_a_first_harvest_brings_every_organization_in_review_citing_the_feed(feed_server, feed):
    feed_server.feed.organizations = [
        organization("Haven House", services=["Shelter"]),
        organization("Bridge Fund"),
    ]

    outcome = harvest(feed)

    assert outcome.created == ["Bridge Fund", "Haven House"]
    haven = Organization.objects.get(name="Haven House")
    assert haven.status == Organization.Status.REVIEW
    assert [p.name for p in haven.programs.all()] == ["Shelter"]
    assert [s.publisher for s in haven.sources.all()] == ["Open Directory"]
    record = haven.harvest
    assert record.feed == feed
    assert (
        record.record_url
        == f"{feed_server.url}organizations/{feed_server.feed.organizations[0]['id']}"
    )
    feed.refresh_from_db()
    assert feed.last_success is not None
    assert feed.last_outcome.startswith("2 created")


def test_a_publishing_feed_publishes_and_the_listing_is_found_and_says_where_it_came_from(
    feed_server, feed, client
):
    feed.publish = True
    feed.save()
    feed_server.feed.organizations = [organization("Haven House")]

    harvest(feed)

    haven = Organization.objects.get(name="Haven House")
    assert haven.status == Organization.Status.PUBLISHED
    assert search(parse("haven"), "organization") == [haven.pk]
    page = client.get(haven.get_absolute_url()).content.decode()
    assert "This listing comes from <strong>Open Directory</strong>" in page
    assert f'href="{haven.harvest.record_url}"' in page


def test_the_command_refuses_loopback_unless_allowed_and_writes_nothing(feed_server):
    feed_server.feed.organizations = [organization("Haven House")]

    with pytest.raises(CommandError):
        call_command("harvest_hsds", feed_server.url, stdout=StringIO(), stderr=StringIO())

    assert not Organization.objects.exists()
    assert "private address" in Feed.objects.get().last_outcome
    assert feed_server.feed.requests == []  # refused before connecting


def test_the_command_reports_what_it_did(feed_server):
    feed_server.feed.organizations = [organization("Haven House")]
    out = StringIO()

    call_command(
        "harvest_hsds",
        feed_server.url,
        "--allow-private",
        "--publish",
        "--name",
        "Open",
        stdout=out,
    )

    assert "1 created" in out.getvalue()
    assert "Created: Haven House" in out.getvalue()
    assert Organization.objects.get().status == Organization.Status.PUBLISHED
    assert Feed.objects.get().publish is False  # --publish is for that run only


def test_a_second_harvest_asks_for_what_changed_since_and_updates_it(feed_server, feed):
    haven, bridge = organization("Haven House"), organization("Bridge Fund")
    feed_server.feed.organizations = [haven, bridge]
    harvest(feed)
    feed_server.feed.requests.clear()
    touch(haven, description="Haven House runs two shelters now.")

    outcome = harvest(feed)

    assert outcome.updated == ["Haven House"]
    assert outcome.unchanged == 1
    assert "modified_after=" in feed_server.feed.requests[0]
    assert Organization.objects.get(name="Haven House").summary == (
        "Haven House runs two shelters now."
    )


def test_since_overrides_the_last_harvest(feed_server, feed):
    feed_server.feed.organizations = [organization("Haven House")]
    since = timezone.now() - timedelta(days=3)

    harvest(feed, since=since)

    assert since.isoformat().replace("+", "%2B").replace(":", "%3A") in feed_server.feed.requests[0]


def test_a_listing_edited_here_is_not_overwritten_and_waits_as_a_conflict(feed_server, feed):
    haven = organization("Haven House")
    feed_server.feed.organizations = [haven]
    harvest(feed)
    _edit_here(Organization.objects.get(), summary="Edited by a curator here.")
    touch(haven, description="Changed at the source.")

    outcome = harvest(feed)

    assert outcome.conflicts == ["Haven House"]
    org = Organization.objects.get()
    assert org.summary == "Edited by a curator here."
    assert org.description != "Changed at the source."
    conflict = HarvestConflict.objects.get()
    assert conflict.kind == HarvestConflict.Kind.EDITED
    assert conflict.incoming["description"] == "Changed at the source."
    assert "Edited by a curator here." in json.dumps(conflict.local)


def test_a_second_change_updates_the_open_conflict_rather_than_adding_one(feed_server, feed):
    haven = organization("Haven House")
    feed_server.feed.organizations = [haven]
    harvest(feed)
    _edit_here(Organization.objects.get(), summary="Edited here.")
    for text in ("First change.", "Second change."):
        touch(haven, description=text)
        harvest(feed)

    assert HarvestConflict.objects.get().incoming["description"] == "Second change."


def test_an_organization_listed_here_but_not_from_the_feed_is_a_conflict(feed_server, feed):
    haven = organization("Haven House")
    feed_server.feed.organizations = [haven]
    harvest(feed)
    HarvestedListing.objects.update(feed=Feed.objects.create(name="Other", url="https://o.org/"))
    touch(haven, description="Changed at the source.")

    outcome = harvest(feed)

    assert outcome.conflicts == ["Haven House"]
    assert HarvestConflict.objects.get().kind == HarvestConflict.Kind.NOT_HARVESTED


def test_a_listing_the_feed_removed_is_archived_never_deleted(feed_server, feed):
    haven, bridge = organization("Haven House"), organization("Bridge Fund")
    feed_server.feed.organizations = [haven, bridge]
    harvest(feed)
    feed_server.feed.organizations = [bridge]

    outcome = harvest(feed)

    assert outcome.archived == ["Haven House"]
    org = Organization.objects.get(name="Haven House")
    assert org.status == Organization.Status.ARCHIVED
    assert org.history.first().history_change_reason == "Removed from Open Directory"


def test_a_listing_the_feed_removed_but_edited_here_waits_as_a_conflict(feed_server, feed):
    haven = organization("Haven House")
    feed_server.feed.organizations = [haven]
    harvest(feed)
    _edit_here(Organization.objects.get(), summary="Edited here.")
    feed_server.feed.organizations = []

    outcome = harvest(feed)

    assert outcome.conflicts == ["Haven House"]
    assert Organization.objects.get().status == Organization.Status.REVIEW
    assert HarvestConflict.objects.get().kind == HarvestConflict.Kind.REMOVED


def test_a_problem_in_the_feeds_data_writes_nothing(feed_server, feed):
    feed_server.feed.organizations = [
        organization("Haven House"),
        organization("Broken\nName"),  # a line break in a name is refused
    ]

    with pytest.raises(ImportFailed):
        harvest(feed)

    assert not Organization.objects.exists()
    feed.refresh_from_db()
    assert feed.last_success is None
    assert feed.last_outcome.startswith("Failed:")


def test_errors_that_pass_are_retried_with_backoff(feed_server, feed, settings):
    settings.HARVEST_BACKOFF = 1
    feed_server.feed.organizations = [organization("Haven House")]
    feed_server.feed.faults = [503, 429]
    slept = []

    client = Client(feed.url, allow_private=True, sleep=slept.append)
    run.harvest(feed, client=client)

    assert slept == [1, 2]
    assert Organization.objects.count() == 1


def test_a_feed_that_keeps_failing_stops_after_its_retries(feed_server, feed):
    feed_server.feed.faults = [503] * 10
    client = Client(feed.url, allow_private=True, retries=2, sleep=lambda _s: None)

    with pytest.raises(FeedError, match="HTTP 503 \\(tried 3 times\\)"):
        run.harvest(feed, client=client)

    assert len(feed_server.feed.requests) == 3


def test_a_slow_feed_times_out(feed_server, feed):
    feed_server.feed.delay = 1.5
    client = Client(feed.url, allow_private=True, timeout=0.5, retries=0)

    with pytest.raises(FeedError, match="timed out"):
        run.harvest(feed, client=client)


def test_an_answer_larger_than_the_limit_is_refused(feed_server, feed):
    feed_server.feed.organizations = [organization("Haven House")]
    client = Client(feed.url, allow_private=True, max_bytes=100)

    with pytest.raises(FeedError, match="larger than 100 bytes"):
        run.harvest(feed, client=client)

    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>not json</html>", "not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (json.dumps({"items": []}).encode(), "no 'contents' list"),
    ],
)
def test_an_answer_that_is_not_an_hsds_page_is_named(feed_server, feed, body, message):
    feed_server.feed.body = body

    with pytest.raises(FeedError, match=message):
        harvest(feed)


def test_a_feed_refusing_full_service_is_asked_without_it(feed_server, feed):
    feed_server.feed.organizations = [organization("Haven House", services=["Shelter"])]
    feed_server.feed.refuse_full_service = True

    harvest(feed)

    assert Organization.objects.get().programs.get().name == "Shelter"


def test_details_are_followed_when_a_page_leaves_services_out(feed_server, feed):
    haven = organization("Haven House", services=["Shelter"])
    feed_server.feed.organizations = [haven]
    feed_server.feed.omit_services = True

    harvest(feed)

    assert any(f"organizations/{haven['id']}" in r for r in feed_server.feed.requests)
    assert Organization.objects.get().programs.get().name == "Shelter"


def test_pages_are_followed_to_the_last(feed_server, feed, monkeypatch):
    monkeypatch.setattr("directory.harvest.client.PER_PAGE", 2)
    feed_server.feed.organizations = [organization(f"Group {n}") for n in range(5)]

    outcome = harvest(feed)

    assert len(outcome.created) == 5


def test_due_runs_only_the_feeds_whose_schedule_has_come(feed_server, feed):
    feed_server.feed.organizations = [organization("Haven House")]
    feed.last_attempt = timezone.now() - timedelta(hours=2)
    feed.schedule = Feed.Schedule.HOURLY
    feed.save()
    Feed.objects.create(name="Manual", url="https://manual.example/", schedule="manual")
    Feed.objects.create(name="Paused", url="https://paused.example/", active=False)

    call_command("harvest_hsds", "--due", "--allow-private", stdout=StringIO())

    assert Organization.objects.get().name == "Haven House"
    assert [f.name for f in Feed.objects.filter(last_attempt__isnull=True)] == [
        "Manual",
        "Paused",
    ]


@pytest.mark.parametrize(
    "args",
    [[], ["https://a.example/", "--due"], ["javascript:alert(1)"], ["--since", "yesterday"]],
)
def test_bad_arguments_are_explained(args):
    with pytest.raises(CommandError):
        call_command("harvest_hsds", *args, stdout=StringIO())
