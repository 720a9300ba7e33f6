"""Settling a harvest conflict: a curator takes the feed's version or keeps ours.

Taking the feed's version imports it as a harvest would have (the listing keeps its
status) and makes it the listing's new baseline; for a listing the feed removed, it
archives the listing. Keeping ours records the feed's version as seen, so the same version
does not come back as a conflict; the next change from the feed will, because the listing
still differs from what the harvest left. A listing removed from the feed and kept here is
no longer harvested: it is ours.
"""

from django.db import transaction
from django.utils import timezone

from directory import catalog
from directory.harvest import run
from directory.hsds import importer
from directory.models import HarvestConflict, HarvestedListing

Kind = HarvestConflict.Kind
Outcome = HarvestConflict.Outcome


class AlreadyHandled(Exception):
    pass


@transaction.atomic
def take_feed(conflict: HarvestConflict, user) -> None:
    """Raises AlreadyHandled, or importer.ImportFailed (nothing written) when the feed's
    version no longer imports."""
    conflict = _lock(conflict)
    org, feed = conflict.organization, conflict.feed
    if conflict.kind == Kind.REMOVED:
        run.archive(org, reason=f"Removed from {feed.name} (a curator took the feed's version)")
    else:
        importer.import_documents([conflict.incoming], name=feed.name)
        incoming = {str(org.hsds_id): conflict.incoming}
        run.remember(feed, [org], incoming, timezone.now())
    _close(conflict, Outcome.TOOK_FEED, user)
    catalog.flush()


@transaction.atomic
def keep_local(conflict: HarvestConflict, user) -> None:
    conflict = _lock(conflict)
    record = HarvestedListing.objects.filter(organization=conflict.organization).first()
    if conflict.kind == Kind.REMOVED and record:
        record.delete()  # the link to the feed only: the listing and its history stay
    elif conflict.kind == Kind.EDITED and record:
        record.digest = run.digest(conflict.incoming)
        record.save(update_fields=["digest"])
    _close(conflict, Outcome.KEPT_LOCAL, user)


def _lock(conflict: HarvestConflict) -> HarvestConflict:
    locked = (
        HarvestConflict.objects.select_for_update(of=("self",))
        .select_related("organization", "feed")
        .get(pk=conflict.pk)
    )
    if locked.outcome != Outcome.OPEN:
        raise AlreadyHandled(locked.get_outcome_display())
    return locked


def _close(conflict: HarvestConflict, outcome: str, user) -> None:
    conflict.outcome = outcome
    conflict.handled_by = user
    conflict.handled_at = timezone.now()
    conflict.save(update_fields=["outcome", "handled_by", "handled_at"])
