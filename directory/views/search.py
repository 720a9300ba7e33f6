"""One search over organizations, programs and issues, grouped by kind; and the suggestions
that the search boxes offer as a visitor types."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import search as engine
from directory.models import Issue, Organization, Program, SearchDocument
from directory.pagecache import cache_page_for_visitors
from directory.ratelimit import ratelimit

PER_KIND = 10
SUGGESTIONS = 8
# Suggestions share the "search" budget with searches, so no mix of the two runs more
# search work than the budget allows; a visitor's typing asks for several per search, each
# for a few ranked names, so one costs a fifth of a search.
SUGGESTION_COST = 0.2
# Issues are few and broad: a couple among the suggestions, the rest organizations.
SUGGESTED_ISSUES = 2
Kind = SearchDocument.Kind
# Each kind's heading on the results page, and what it says when none match.
GROUP_TEXT = {
    Kind.ORGANIZATION: (gettext_lazy("Organizations"), gettext_lazy("No organizations match.")),
    Kind.PROGRAM: (gettext_lazy("Programs"), gettext_lazy("No programs match.")),
    Kind.ISSUE: (gettext_lazy("Issues"), gettext_lazy("No issues match.")),
}


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
    kinds = [
        (Kind.ORGANIZATION, Organization.objects.published().for_card_text()),
        (Kind.PROGRAM, Program.objects.filter(organization__status=Organization.Status.PUBLISHED)
         .select_related("organization")),
        (Kind.ISSUE, Issue.objects.all()),
    ]  # fmt: skip
    try:
        outcome = engine.find(engine.parse(text), [kind for kind, _ in kinds])
    except engine.InvalidQuery as error:
        ctx["error"] = str(error)
        return render(request, "directory/search.html", ctx, status=400)
    for kind, queryset in kinds:
        ids = outcome.ids[kind]
        ctx["groups"].append(
            {
                "kind": kind,
                "label": Kind(kind).label,
                "heading": GROUP_TEXT[kind][0],
                "empty": GROUP_TEXT[kind][1],
                "total": len(ids),
                "capped": kind in outcome.capped,
                "results": _in_rank_order(queryset, ids[:PER_KIND]),
            }
        )
    ctx["query"] = outcome.query
    ctx["outcome"] = outcome
    ctx["total"] = outcome.total
    return render(request, "directory/search.html", ctx)


@ratelimit("search", "60/m", cost=SUGGESTION_COST)
@cache_page_for_visitors
def suggest(request):
    """`/search/suggest/?q=`: up to 8 organizations and issues to jump to, as JSON."""
    text = request.GET.get("q", "").strip()
    if not text:
        return JsonResponse({"error": _("Type something to search for.")}, status=400)
    try:
        outcome = engine.find(
            engine.parse(text), [Kind.ORGANIZATION, Kind.ISSUE], limit=SUGGESTIONS
        )
    except engine.InvalidQuery as error:
        return JsonResponse({"error": str(error)}, status=400)
    issues = _in_rank_order(Issue.objects.all(), outcome.ids[Kind.ISSUE][:SUGGESTED_ISSUES])
    organizations = _in_rank_order(
        Organization.objects.published(),
        outcome.ids[Kind.ORGANIZATION][: SUGGESTIONS - len(issues)],
    )
    suggestions = [
        {
            "label": obj.localized("name"),
            "url": obj.get_absolute_url(),
            "kind": kind,
            "kind_label": kind.label,
        }
        for kind, objects in ((Kind.ORGANIZATION, organizations), (Kind.ISSUE, issues))
        for obj in objects
    ]
    return JsonResponse({"suggestions": suggestions})
