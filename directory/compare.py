"""Side-by-side comparison of 2 to 4 published organizations, chosen by slug in the URL."""

from dataclasses import dataclass, field

from django.core.validators import slug_re
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from directory.models import Opportunity, Organization

MIN_COMPARED = 2
MAX_COMPARED = 4


@dataclass
class Selection:
    slugs: list[str]
    organizations: list[Organization] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    malformed: int = 0

    @property
    def ready(self) -> bool:
        return not self.errors and len(self.organizations) >= MIN_COMPARED


def split_slugs(values: list[str]) -> tuple[list[str], int]:
    """Slugs from `?orgs=a,b` (or `?orgs=a&orgs=b`, as a form of checkboxes sends them),
    and how many values were not slugs at all (never echoed back)."""
    slugs, malformed = [], 0
    for value in values:
        for slug in value.split(","):
            slug = slug.strip().lower()
            if not slug or slug in slugs:
                continue
            if slug_re.fullmatch(slug) and len(slug) <= 200:
                slugs.append(slug)
            else:
                malformed += 1
    return slugs, malformed


def parse_slugs(values: list[str]) -> list[str]:
    return split_slugs(values)[0]


def published_names(slugs: list[str]) -> dict[str, str]:
    """The published organizations among `slugs`, each slug with its name in the visitor's
    language, in the order given: what the list page's compare banner names."""
    found = (
        Organization.objects.published()
        .only("slug", "name", "name_ko")
        .in_bulk(slugs, field_name="slug")
    )
    return {slug: found[slug].localized("name") for slug in slugs if slug in found}


def select(query) -> Selection:
    slugs, malformed = split_slugs(query.getlist("orgs"))
    selection = Selection(slugs, malformed=malformed)
    if malformed:
        selection.errors.append(
            _("Some of the organizations asked for are not valid names in a web address.")
        )
    if len(selection.slugs) > MAX_COMPARED:
        selection.errors.append(
            _(
                "You can compare at most %(most)d organizations at once; "
                "you chose %(chosen)d. Remove some below."
            )
            % {"most": MAX_COMPARED, "chosen": len(selection.slugs)}
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
            _("These are not published organizations in the directory: %(slugs)s.")
            % {"slugs": ", ".join(unknown)}
        )
    selection.organizations = [found[slug] for slug in selection.slugs if slug in found]
    return selection
