"""The search the engine replaces, for comparison: `icontains` over the same fields, with
a COUNT and the first page, as a plain ORM implementation would do it."""

from functools import reduce
from operator import and_

from django.db.models import Q

from directory.models import Organization

FIELDS = [
    "name", "alternate_name", "summary", "description", "programs__name",
    "programs__description", "issues__name",
]  # fmt: skip
PAGE = 20


def naive_search(text: str):
    words = [w.strip('"-') for w in text.split() if w.strip('"-') and w.lower() != "or"]
    conditions = [reduce(lambda a, f: a | Q(**{f"{f}__icontains": w}), FIELDS, Q()) for w in words]
    matches = Organization.objects.published().filter(reduce(and_, conditions)).distinct()
    return matches.count(), list(matches.order_by("name")[:PAGE])


def engine_search(search, text: str):
    outcome = search.find(search.parse(text), ["organization"])
    ids = outcome.ids["organization"]
    page = Organization.objects.in_bulk(ids[:PAGE])
    return len(ids), [page[pk] for pk in ids[:PAGE] if pk in page]
