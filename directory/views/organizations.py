"""The organization list (filters and search) and the organization page."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render

from directory import compare as comparison
from directory import results, search, trust
from directory.catalog.browse import browse
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
    try:
        result = browse(filterset.params(page=results.page_number(request)), request)
    except search.InvalidQuery as error:  # e.g. one the database gave up on: a 400 saying so
        filterset.form.add_error("q", str(error))
        return render(request, "directory/organization_list.html", ctx, status=400)
    filterset.offer_sorts()
    if result.counts is not None:
        filterset.show_counts(result.counts)
    ctx |= {
        "page_obj": result.page,
        "query": result.query,
        "outcome": result.outcome,
        "options_counted": result.counts is not None,
    }
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
