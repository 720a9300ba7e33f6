"""Volunteer opportunities: browse and filter them, and read one."""

from django.db.models import F
from django.shortcuts import get_object_or_404, render

from directory import results
from directory.filters import OpportunityFilter
from directory.models import Opportunity
from directory.views.errors import answers_bad_requests


def _visible():
    return (
        Opportunity.objects.visible()
        .select_related("organization", "country")
        .prefetch_related("issues", "skills")
    )


@answers_bad_requests
def opportunity_list(request):
    filterset = OpportunityFilter(request.GET, queryset=_visible())
    ctx = {"filter": filterset}
    if not filterset.is_valid():
        return render(request, "directory/opportunity_list.html", ctx, status=400)
    ordered = filterset.qs.order_by(F("expires").asc(nulls_last=True), "title", "pk").distinct()
    ctx["page_obj"] = results.paginate(request, ordered)
    return render(request, "directory/opportunity_list.html", ctx)


def opportunity_detail(request, org_slug, slug):
    opportunity = get_object_or_404(_visible(), organization__slug=org_slug, slug=slug)
    return render(request, "directory/opportunity_detail.html", {"opportunity": opportunity})
