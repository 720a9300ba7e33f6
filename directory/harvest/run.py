"""One harvest of one feed: read what changed, then write it all or nothing.

Reading comes first and writes nothing (`client`): the organizations changed since the
feed's last successful harvest (`modified_after`, with an overlap for clocks that
disagree), and the ids of every organization it lists now. Then, in one transaction, each
organization the feed sent is:

- new here: imported (`directory.hsds.importer`), citing the feed as its source, published
  when the feed says so, else in review;
- harvested from this feed before and unchanged here since (the listing still equals its
  baseline): updated;
- the same as the feed sent last time (its digest): left alone;
- edited here since the last harvest, or listed here but not from this feed: not touched;
  a `HarvestConflict` holds both versions for a curator (`resolve`).

A harvested listing the feed no longer lists is archived, or, when it was edited here,
becomes a conflict too. Any failure (the feed, a problem in its data) writes nothing but
the feed's `last_outcome`.
"""

import contextlib
import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from directory import catalog
from directory.harvest.client import Client, FeedError
from directory.hsds import importer, mapping
from directory.models import Feed, HarvestConflict, HarvestedListing, Organization, Program, Source

# Asked for changes since the last successful start minus this: the two machines' clocks
# may disagree, and a listing changed while the last run was reading must not be missed.
OVERLAP = timedelta(minutes=10)


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} updated",
            f"{self.unchanged} unchanged",
            f"{len(self.archived)} archived",
            f"{len(self.conflicts)} sent for review",
        ]
        return ", ".join(parts) + "."


def _identity(iterable, **_kwargs):
    return iterable


def harvest(
    feed: Feed,
    *,
    since: datetime | None = None,
    allow_private: bool = False,
    progress=_identity,
    client: Client | None = None,
) -> Outcome:
    """Harvest `feed` once; raises FeedError or importer.ImportFailed, having written
    nothing but the failure on the feed."""
    started = timezone.now()
    client = client or Client(feed.url, allow_private=allow_private)
    if since is None and feed.last_success:
        since = feed.last_success - OVERLAP
    try:
        documents = list(progress(client.organizations(modified_after=since), unit="org"))
        listed = client.organization_ids()
        outcome = _write(feed, documents, listed, started)
    except (FeedError, importer.ImportFailed) as error:
        _record(feed, started, success=False, text=f"Failed: {error}"[:5000])
        raise
    _record(feed, started, success=True, text=outcome.summary())
    return outcome


def _record(feed: Feed, started, *, success: bool, text: str) -> None:
    feed.last_attempt = started
    feed.last_outcome = text
    fields = ["last_attempt", "last_outcome"]
    if success:
        feed.last_success = started
        fields.append("last_success")
    Feed.objects.filter(pk=feed.pk).update(**{name: getattr(feed, name) for name in fields})


def digest(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def current(pks) -> dict[int, dict]:
    """These organizations as HSDS, as the export writes them, in their JSON form (as a
    baseline reads back from the database)."""
    programs = Program.objects.prefetch_related("issues", "focus_areas", "countries")
    found = (
        Organization.objects.filter(pk__in=list(pks))
        .select_related("headquarters")
        .prefetch_related(
            "identifiers", "issues", "focus_areas", "countries", Prefetch("programs", programs)
        )
    )
    return {org.pk: json.loads(json.dumps(mapping.organization(org))) for org in found}


@transaction.atomic
def _write(feed: Feed, documents: list[dict], listed: set[str], started) -> Outcome:
    outcome = Outcome()
    incoming = {str(doc["id"]): doc for doc in documents}
    existing = {
        str(org.hsds_id): org
        for org in Organization.objects.filter(hsds_id__in=_uuids(incoming)).select_related(
            "harvest"
        )
    }
    local = current(org.pk for org in existing.values())
    to_apply = []
    for remote_id, doc in incoming.items():
        org = existing.get(remote_id)
        record = getattr(org, "harvest", None) if org else None
        if org is None:
            to_apply.append(remote_id)
        elif record is None or record.feed_id != feed.pk:
            _conflict(feed, org, HarvestConflict.Kind.NOT_HARVESTED, doc, local[org.pk])
            outcome.conflicts.append(org.name)
        elif record.digest == digest(doc):
            outcome.unchanged += 1
        elif local[org.pk] != record.baseline:
            _conflict(feed, org, HarvestConflict.Kind.EDITED, doc, local[org.pk])
            outcome.conflicts.append(org.name)
        else:
            to_apply.append(remote_id)
    if to_apply:
        result = importer.import_documents(
            [incoming[remote_id] for remote_id in to_apply], name=feed.name
        )
        outcome.ignored = result.ignored
        applied = Organization.objects.filter(hsds_id__in=_uuids(to_apply))
        new = [org for org in applied if str(org.hsds_id) not in existing]
        _welcome(feed, new)
        remember(feed, applied, incoming, started)
        outcome.created = sorted(org.name for org in new)
        outcome.updated = sorted(org.name for org in applied if str(org.hsds_id) in existing)
    _removed(feed, listed, outcome)
    catalog.flush()  # search, counts and pages commit with the harvest
    return outcome


def _uuids(ids) -> list[uuid.UUID]:
    """The ids that are UUIDs (the importer reports the others as problems)."""
    found = []
    for value in ids:
        with contextlib.suppress(ValueError):
            found.append(uuid.UUID(str(value)))
    return found


def source_for(feed: Feed) -> Source:
    """The source harvested listings cite: the feed's directory, created on first use."""
    if feed.source_id is None:
        slug, base, number = (base := slugify(f"harvest {feed.name}")[:110] or "harvest"), base, 1
        while Source.objects.filter(slug=slug).exists():
            number += 1
            slug = f"{base}-{number}"
        feed.source = Source.objects.create(
            slug=slug, title=f"{feed.name} (HSDS directory)", publisher=feed.name, url=feed.url
        )
        Feed.objects.filter(pk=feed.pk).update(source=feed.source)
    return feed.source


def _welcome(feed: Feed, organizations: list[Organization]) -> None:
    """New listings cite the feed, and are published when the feed says so."""
    if not organizations:
        return
    source = source_for(feed)
    for org in organizations:
        org.sources.add(source)
        if feed.publish and org.status != Organization.Status.PUBLISHED:
            org.status = Organization.Status.PUBLISHED
            org._change_reason = f"Published by the harvest of {feed.name}"
            org.save(update_fields=["status", "updated"])


def remember(feed: Feed, organizations, incoming: dict[str, dict], when) -> None:
    """Record what the feed sent and what the listing now is: its new baseline."""
    organizations = list(organizations)
    versions = current(org.pk for org in organizations)
    api = Client(feed.url)
    for org in organizations:
        remote_id = str(org.hsds_id)
        HarvestedListing.objects.update_or_create(
            organization=org,
            defaults={
                "feed": feed,
                "record_url": api.url(f"organizations/{remote_id}"),
                "harvested_at": when,
                "digest": digest(incoming[remote_id]),
                "baseline": versions[org.pk],
            },
        )


def _conflict(feed, org, kind, incoming, local) -> None:
    HarvestConflict.objects.update_or_create(
        organization=org,
        outcome=HarvestConflict.Outcome.OPEN,
        defaults={
            "feed": feed,
            "kind": kind,
            "incoming": incoming,
            "local": local,
            "detected_at": timezone.now(),
        },
    )


def _removed(feed: Feed, listed: set[str], outcome: Outcome) -> None:
    gone = (
        HarvestedListing.objects.filter(feed=feed)
        .exclude(organization__status=Organization.Status.ARCHIVED)
        .select_related("organization")
    )
    gone = [record for record in gone if str(record.organization.hsds_id) not in listed]
    local = current(record.organization_id for record in gone)
    archived = []
    for record in gone:
        org = record.organization
        if local[org.pk] != record.baseline:
            _conflict(feed, org, HarvestConflict.Kind.REMOVED, None, local[org.pk])
            outcome.conflicts.append(org.name)
            continue
        archive(org, reason=f"Removed from {feed.name}")
        archived.append(org)
    outcome.archived = sorted(org.name for org in archived)


def archive(org: Organization, *, reason: str) -> None:
    org.status = Organization.Status.ARCHIVED
    org._change_reason = reason
    org.save(update_fields=["status", "updated"])
