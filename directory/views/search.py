"""One search over organizations, programs and issues, grouped by kind."""

from django.shortcuts import render

from directory import search as engine
from directory.models import Issue, Organization, Program, SearchDocument
from directory.pagecache import cache_page_for_visitors
from directory.ratelimit import ratelimit

PER_KIND = 10
Kind = SearchDocument.Kind


def _in_rank_order(queryset, ids):
    objects = queryset.in_bulk(ids)
    return [objects[pk] for pk in ids if pk in objects]


@ratelimit("search", "60/m")
@cache_page_for_visitors
def search(request):
    text = request.GET.get("q", "").strip()
    ctx = {"q": text, "groups": [], "query": None}
    if not text:
        return render(request, "directory/search.html", ctx)
    try:
        query = engine.parse(text)
    except engine.InvalidQuery as error:
        ctx["error"] = str(error)
        return render(request, "directory/search.html", ctx, status=400)
    kinds = [
        (Kind.ORGANIZATION, Organization.objects.published().for_cards()),
        (Kind.PROGRAM, Program.objects.filter(organization__in=Organization.objects.published())
         .select_related("organization")),
        (Kind.ISSUE, Issue.objects.all()),
    ]  # fmt: skip
    outcome = engine.find(query, [kind for kind, _ in kinds])
    for kind, queryset in kinds:
        ids = outcome.ids[kind]
        ctx["groups"].append(
            {
                "kind": kind,
                "label": Kind(kind).label,
                "total": len(ids),
                "capped": kind in outcome.capped,
                "results": _in_rank_order(queryset, ids[:PER_KIND]),
            }
        )
    ctx["query"] = outcome.query
    ctx["outcome"] = outcome
    ctx["total"] = outcome.total
    return render(request, "directory/search.html", ctx)
