"""The home page and browsing by issue and by focus area."""

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from directory import cards, facets, program_items, results
from directory.models import FocusArea, Issue, KeyFact, Opportunity, Organization, Program
from directory.pagecache import cache_page_for_visitors
from directory.views.errors import answers_bad_requests

RECENTLY_VERIFIED = 6
PROGRAMS_SHOWN = 50
GIVE_TO_SHOWN = 10
OPPORTUNITIES_SHOWN = 10


# Up to this many programs on an issue or in a focus area are read and sorted at once;
# more, and the organizations are walked in name order instead (see `_first_programs`).
SORTED_BELOW = 5000
# The walk reads the organizations in slices of these sizes, then gives up and sorts.
WALK = (200, 2000, 20_000)


def _links_at_most(bound: int, **link) -> bool:
    """Whether at most `bound` programs have this link (`issues=issue`), counted in the
    link table's index and no further than the bound."""
    ((name, target),) = link.items()
    field = getattr(Program, name).field
    rows = field.remote_field.through.objects.filter(**{field.m2m_reverse_field_name(): target})
    return rows.order_by().values("pk")[: bound + 1].count() <= bound


def _sorted_programs(programs):
    return (
        programs.filter(organization__status=Organization.Status.PUBLISHED)
        .select_related("organization")
        .order_by("organization__name", "organization_id", "-active", "name")[:PROGRAMS_SHOWN]
    )


def _first_owners(programs) -> list[int] | None:
    """The first published organizations in name order with one of these programs, found
    by reading the organizations a slice at a time (`WALK`) and asking which of each
    slice have one; None if the slices ran out first (the programs are too spread out)."""
    published = Organization.objects.published().order_by("name", "pk")
    owners: list[int] = []
    after = None
    for size in WALK:
        rows = published
        if after:
            name, pk = after
            rows = rows.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
        slice_ = list(rows.values_list("pk", "name")[:size])
        # The slice's programs, each probed for the link (joining the link's rows to the
        # slice instead read all 600,000 of a broad issue's at 1M: 100 ms).
        holding = set(
            Program.objects.filter(organization_id__in=[pk for pk, _name in slice_])
            .filter(Exists(programs.filter(pk=OuterRef("pk"))))
            .order_by()
            .values_list("organization_id", flat=True)
        )
        owners += [pk for pk, _name in slice_ if pk in holding]
        if len(owners) >= PROGRAMS_SHOWN or len(slice_) < size:
            return owners[:PROGRAMS_SHOWN]
        after = slice_[-1][1], slice_[-1][0]
    return None


def _first_programs(**link):
    """The first programs on an issue (or in a focus area) by organization name.

    When there are many, they belong to the first organizations in name order that have
    one, so those are found by walking the organizations in that order, a slice at a time
    (explicitly: a planner left to choose, without fresh statistics, read all million
    organizations' programs for it), instead of sorting every such program. When there
    are few, or they are spread too thin for the walk, they are sorted instead.
    """
    programs = Program.objects.filter(**link)
    owners = None if _links_at_most(SORTED_BELOW, **link) else _first_owners(programs)
    if owners is None:
        return _sorted_programs(programs)
    # Their programs first, then each one checked: not the other way round.
    return (
        Program.objects.filter(organization__in=owners)
        .filter(Exists(programs.filter(pk=OuterRef("pk"))))
        .select_related("organization")
        .order_by("organization__name", "organization_id", "-active", "name")[:PROGRAMS_SHOWN]
    )


def _with_counts(objects, counts):
    return [(obj, counts.get(obj.pk, 0)) for obj in objects]


def _issue_counts():
    return facets.stored_counts()[1]["issue"]


def _focus_area_counts():
    return facets.stored_counts()[1]["focus"]


@cache_page_for_visitors
def home(request):
    published = Organization.objects.published()
    _total, counts = facets.stored_counts()
    ctx = {
        # One read of the stored counts for both lists.
        "issues": _with_counts(Issue.objects.all(), counts["issue"]),
        "focus_areas": _with_counts(FocusArea.objects.all(), counts["focus"]),
        "recently_verified": cards.for_cards(
            published.filter(last_verified__isnull=False)
        ).order_by("-last_verified", "name")[:RECENTLY_VERIFIED],
    }
    return render(request, "directory/home.html", ctx)


@cache_page_for_visitors
def issue_list(request):
    ctx = {"issues": _with_counts(Issue.objects.all(), _issue_counts())}
    return render(request, "directory/issue_list.html", ctx)


@answers_bad_requests
@cache_page_for_visitors
def issue_detail(request, slug):
    issue = get_object_or_404(
        Issue.objects.prefetch_related(
            Prefetch("facts", KeyFact.objects.select_related("source")), "related"
        ),
        slug=slug,
    )
    published = Organization.objects.published()
    addressing = published.addressing(issue)
    organizations = cards.for_cards(addressing).order_by("name", "pk")
    ctx = {
        "issue": issue,
        "page_obj": results.paginate(
            request, organizations, count=_issue_counts().get(issue.pk, 0)
        ),
        "give_to": addressing.exclude(donate_url="").order_by(
            F("last_verified").desc(nulls_last=True), "name"
        )[:GIVE_TO_SHOWN],
        "opportunities": Opportunity.objects.visible()
        .filter(issues=issue)
        .select_related("organization", "country")
        .order_by(F("expires").asc(nulls_last=True), "title")[:OPPORTUNITIES_SHOWN],
        "programs": program_items.items(_first_programs(issues=issue), request),
    }
    return render(request, "directory/issue_detail.html", ctx)


@cache_page_for_visitors
def focus_area_list(request):
    ctx = {"focus_areas": _with_counts(FocusArea.objects.all(), _focus_area_counts())}
    return render(request, "directory/focus_area_list.html", ctx)


@answers_bad_requests
@cache_page_for_visitors
def focus_area_detail(request, slug):
    focus_area = get_object_or_404(FocusArea, slug=slug)
    published = Organization.objects.published()
    organizations = cards.for_cards(published.with_focus(focus_area)).order_by("name", "pk")
    ctx = {
        "focus_area": focus_area,
        "page_obj": results.paginate(
            request, organizations, count=_focus_area_counts().get(focus_area.pk, 0)
        ),
        "programs": program_items.items(_first_programs(focus_areas=focus_area), request),
    }
    return render(request, "directory/focus_area_detail.html", ctx)
