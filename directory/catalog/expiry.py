"""Opportunities that end: public content that changes with the date, without a write.

The day after its `expires` date an opportunity leaves the public pages, and its
organization may stop counting as taking volunteers. Cached pages and counts are filed
under the day as well as the content version (`directory.cache`, `directory.pagecache`), so
they turn over at midnight by themselves; what is stored per organization (its search
document's facets) needs the writer, which `expire_opportunities` calls once a day.
"""

from datetime import timedelta

from django.utils import timezone

from directory.catalog.writer import changed
from directory.models import Opportunity

# Days looked back: a run missed (the timer was down) is caught up by the next one, and
# refreshing an organization twice costs a refresh and changes nothing.
LOOKBACK_DAYS = 7


def expire_opportunities(today=None, *, days: int = LOOKBACK_DAYS) -> set[int]:
    """Tell the writer about the organizations whose published opportunities ended in the
    `days` before `today`; returns their ids."""
    today = today or timezone.localdate()
    ended = Opportunity.objects.filter(
        status=Opportunity.Status.PUBLISHED,
        expires__lt=today,
        expires__gte=today - timedelta(days=days),
    )
    organizations = set(ended.values_list("organization_id", flat=True))
    if organizations:
        changed(organizations=organizations)
    return organizations
