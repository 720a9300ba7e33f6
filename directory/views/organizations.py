"""The organization list (filters and search) and the organization page."""

from django.shortcuts import get_object_or_404, render

from directory import results
from directory.filters import OrganizationFilter
from directory.models import Organization


def organization_list(request):
    filterset = OrganizationFilter(
        request.GET, queryset=Organization.objects.published(), request=request
    )
    ctx = {"filter": filterset}
    if not filterset.is_valid():
        return render(request, "directory/organization_list.html", ctx, status=400)
    filterset.show_counts(filterset.facet_counts())
    page = results.paginate(request, results.ordered(filterset))
    ctx |= {
        "page_obj": page,
        "query": filterset.query,
        "outcome": filterset.outcome,
    }
    return render(request, "directory/organization_list.html", ctx)


def organization_detail(request, slug):
    organization = get_object_or_404(Organization.objects.published().for_detail(), slug=slug)
    ctx = {
        "organization": organization,
        "issues_addressed": organization.issues_addressed(),
        "review_due": organization.is_review_due(),
    }
    return render(request, "directory/organization_detail.html", ctx)
