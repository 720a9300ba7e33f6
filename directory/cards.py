"""Organization cards, shared by every list and search.

A card's HTML around its name and summary is rendered once per organization and language
and cached until that organization changes; the name and summary go in per request, marked
with the search's words. So a page of cards loads what a card shows beyond its name (the
issues addressed, through programs too) only for the cards not cached yet.

"Until that organization changes": a card is cached under its organization's search
document's `version`, the content version the writer wrote it under. Everything a card
shows (its type, headquarters, issues and their names, ways to help, verification)
reaches the writer, which rewrites that organization's document, so a change re-renders
the cards of what it changed and no others. An organization without a document (not
published, or not indexed yet) has its card cached until any content changes.
"""

from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from directory.cache import cached, current_version, held
from directory.models import Issue, Opportunity, Organization, Program, SearchDocument

# Where a cached card takes its name and summary: plain, or marked for a search.
NAME_SLOT, SUMMARY_SLOT = "\x00name\x00", "\x00summary\x00"
CACHE_NAME = "card"


def card_relations() -> list[Prefetch]:
    """What a card shows beyond its own fields: the issues it addresses directly and through
    its current programs (an ended one no longer counts: `OrganizationQuerySet.addressing`), and
    whether it has a volunteer opportunity open ("Takes volunteers")."""
    issues = Issue.objects.only("pk", "slug", "name", "name_ko")
    programs = (
        Program.objects.filter(active=True)
        .only("pk", "organization_id", "active")
        .prefetch_related(Prefetch("issues", issues))
    )
    opportunities = Opportunity.objects.visible().only("pk", "organization_id")
    return [
        Prefetch("issues", issues),
        Prefetch("programs", programs),
        Prefetch("opportunities", opportunities, to_attr="open_opportunities"),
    ]


def _stamped(organizations):
    """With each one's `card_stamp`: its document's version (see above)."""
    documents = SearchDocument.objects.filter(
        kind=SearchDocument.Kind.ORGANIZATION, object_id=OuterRef("pk")
    )
    return organizations.annotate(card_stamp=Subquery(documents.values("version")[:1]))


def for_cards(organizations):
    """Organizations ready to show as cards, with the relations a card reads."""
    return _stamped(organizations.for_card_text()).prefetch_related(*card_relations())


def _cache_parts(org, request) -> tuple:
    """What a card is cached under: its stamp, or, without one, the content version."""
    stamp = getattr(org, "card_stamp", None)
    return (org.pk, get_language(), stamp or ("content", current_version(request)))


def card_parts(org, request) -> list[str]:
    """The card's HTML before its name, between name and summary, and after."""
    if getattr(org, "_card_parts", None):  # read from the cache by `load`
        return org._card_parts

    def render() -> list[str]:
        slots = {"name_html": mark_safe(NAME_SLOT), "summary_html": mark_safe(SUMMARY_SLOT)}  # noqa: S308
        html = get_template("includes/organization_card.html").render({"org": org, **slots})
        before, rest = html.split(NAME_SLOT, 1)
        between, after = rest.split(SUMMARY_SLOT, 1)
        return [before, between, after]

    return cached(CACHE_NAME, _cache_parts(org, request), render, request, versioned=False)


def load(ids: list[int], request=None) -> list[Organization]:
    """The organizations of `ids` in that order, ready to show as cards."""
    objects = _stamped(Organization.objects.for_card_text()).in_bulk(ids)
    shown = [objects[pk] for pk in ids if pk in objects]
    keys = [_cache_parts(org, request) for org in shown]
    parts = held(CACHE_NAME, keys, request, versioned=False)
    for org, html in zip(shown, parts, strict=True):
        org._card_parts = html
    uncached = [org for org in shown if not org._card_parts]
    if uncached:
        prefetch_related_objects(uncached, *card_relations())
    return shown
