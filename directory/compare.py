"""Side-by-side comparison of 2 to 4 published organizations, chosen by slug in the URL."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from directory.models import Opportunity, Organization

MIN_COMPARED = 2
MAX_COMPARED = 4


@dataclass
class Selection:
    slugs: list[str]
    organizations: list[Organization] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.errors and len(self.organizations) >= MIN_COMPARED


def parse_slugs(values: list[str]) -> list[str]:
    """Slugs from `?orgs=a,b` (or `?orgs=a&orgs=b`, as a form of checkboxes sends them)."""
    slugs = []
    for value in values:
        for slug in value.split(","):
            slug = slug.strip().lower()
            if slug and slug not in slugs:
                slugs.append(slug)
    return slugs


def select(query) -> Selection:
    selection = Selection(parse_slugs(query.getlist("orgs")))
    if len(selection.slugs) > MAX_COMPARED:
        selection.errors.append(
            f"You can compare at most {MAX_COMPARED} organizations at once; "
            f"you chose {len(selection.slugs)}. Remove some below."
        )
        selection.slugs = selection.slugs[:MAX_COMPARED]
    found = (
        Organization.objects.published()
        .for_detail()
        .prefetch_related(Prefetch("opportunities", Opportunity.objects.visible()))
        .in_bulk(selection.slugs, field_name="slug")
    )
    unknown = [slug for slug in selection.slugs if slug not in found]
    if unknown:
        selection.errors.append(
            "These are not published organizations in the directory: " + ", ".join(unknown) + "."
        )
    selection.organizations = [found[slug] for slug in selection.slugs if slug in found]
    return selection
