"""The organization list (filters and search) and the organization page."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render

from directory import compare as comparison
from directory import results, trust
from directory.filters import OrganizationFilter
from directory.models import HarvestedListing, Opportunity, Organization
from directory.pagecache import cache_page_for_visitors
from directory.ratelimit import ratelimit
from directory.views.errors import answers_bad_requests
from directory.ways_to_help import ways_to_help


def _is_search(request) -> bool:
    return bool(request.GET.get("q", "").strip())


@answers_bad_requests
@ratelimit("search", "60/m", when=_is_search)
@cache_page_for_visitors
def organization_list(request):
    filterset = OrganizationFilter(
        request.GET, queryset=Organization.objects.published(), request=request
    )
    # Organizations already picked for comparison, carried by the compare form and named in
    # its banner; a slug that is no published organization's is dropped.
    picked = comparison.parse_slugs([request.GET.get("compare_with", "")])
    names = comparison.published_names(picked[: comparison.MAX_COMPARED - 1]) if picked else {}
    ctx = {
        "filter": filterset,
        "compare_with": list(names),
        "compare_names": list(names.values()),
    }
    if not filterset.is_valid():
        return render(request, "directory/organization_list.html", ctx, status=400)
    counts = filterset.facet_counts()
    filterset.show_counts(counts)
    # Every organization has one type, so the type counts add up to the results.
    total = None if filterset.outcome else sum(counts["type"].values())
    page = results.paginate(request, results.ordered(filterset), count=total)
    ctx |= {"page_obj": page, "query": filterset.query, "outcome": filterset.outcome}
    return render(request, "directory/organization_list.html", ctx)


@cache_page_for_visitors
def organization_detail(request, slug):
    organization = get_object_or_404(Organization.objects.published().for_detail(), slug=slug)
    opportunities = list(
        Opportunity.objects.visible()
        .filter(organization=organization)
        .select_related("organization", "country")
    )
    ctx = {
        "organization": organization,
        "issues_addressed": organization.issues_addressed(),
        "verification": organization.verifications.first(),
        "verification_stale": organization.is_verification_stale(),
        "review_due_days": settings.REVIEW_DUE_DAYS,
        "ways_to_help": ways_to_help(organization, opportunities),
        "checklist": trust.checklist(organization),
        "opportunities": opportunities,
        "harvest": HarvestedListing.objects.select_related("feed")
        .filter(organization=organization)
        .first(),
    }
    return render(request, "directory/organization_detail.html", ctx)
