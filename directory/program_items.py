"""The program items of the issue and focus-area pages, each rendered once per language and
cached until its program or its organization changes.

"Until it changes": an item is cached under its program's search document's `version`,
the content version the writer wrote that document under. An item shows its program's
name, summary, link and whether it ended, and its organization's name and link; a change
to the program or to its organization reaches the writer, which rewrites the documents of
that organization and of all its programs (`search.index.refresh_organizations`), so the
item gets a new version and no other item does. Only programs of published organizations
are listed, and those have documents; one without (not indexed yet) is cached until any
content changes, as a card is (`cards.py`).

So the first visit after a change renders only the items of what changed, and reads the
programs' rows only for those.
"""

from functools import partial

from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from directory.cache import cached, current_version, held
from directory.models import Program, SearchDocument

CACHE_NAME = "program-item"
TEMPLATE = "includes/program_item.html"


def _versions(pks: list[int]) -> dict[int, int]:
    documents = SearchDocument.objects.filter(kind=SearchDocument.Kind.PROGRAM, object_id__in=pks)
    return dict(documents.values_list("object_id", "version"))


def items(programs, request) -> list[SafeString]:
    """The HTML of the items of `programs` (a queryset), in its order."""
    pks = list(programs.values_list("pk", flat=True))
    versions = _versions(pks)
    language = get_language()
    keys = [(pk, language, versions.get(pk) or ("content", current_version(request))) for pk in pks]
    html = held(CACHE_NAME, keys, request, versioned=False)
    missing = [pk for pk, item in zip(pks, html, strict=True) if item is None]
    if missing:
        shown = Program.objects.select_related("organization").in_bulk(missing)
        template = get_template(TEMPLATE)
        for position, (pk, key) in enumerate(zip(pks, keys, strict=True)):
            if html[position] is None and pk in shown:  # else deleted in between
                render = partial(template.render, {"program": shown[pk]})
                html[position] = cached(CACHE_NAME, key, render, request, versioned=False)
    return [mark_safe(item) for item in html if item is not None]  # noqa: S308 (a template's)
