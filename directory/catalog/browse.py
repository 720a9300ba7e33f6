"""The one reader: what `/organizations/` shows for a set of filters, as one result.

`browse(params)` searches, filters, counts, orders and pages, and returns a frozen
`Result` that the view renders. It knows the facets only by their tokens (`issue:3`):
what an organization holds is decided by `directory.facets`, once, and read here from the
index's `FacetMember` rows (a filtered list) or from the tokens a search returns with its
ids (a search's results, filtered without a query). The search engine returns ranked ids
and knows nothing of pages or caches.

Where a slow search becomes a message: on PostgreSQL every search query runs under
`SEARCH_TIMEOUT_MS`; the backend turns a cancelled one into `QueryTooSlow`
(`search/backends/postgres.py`), an `InvalidQuery` whose message ("This search took too
long...") is written in `search/query.py`. `browse` lets it through, like the
`InvalidQuery` of a malformed query, and the view (`directory.views.organizations`) puts
the message on the search field and answers 400.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F

from directory import cards, facets, results, search
from directory.cache import cached
from directory.models import Country, FocusArea, Issue, Organization

# The filters, in the order a heading names them; each is a facet of the same name.
FACETS = ("issue", "focus", "country", "type", "help")


@dataclass(frozen=True)
class Params:
    """What the visitor asked for, validated (the filter form's cleaned data)."""

    q: str = ""
    issue: Issue | None = None
    focus: FocusArea | None = None
    country: Country | None = None
    type: str = ""
    help: str = ""
    sort: str = ""
    page: int | None = 1  # None: a number past the end of any list

    @classmethod
    def from_form(cls, cleaned: dict, page: int | None = 1) -> "Params":
        given = {name: cleaned.get(name) for name in ("q", *FACETS, "sort")}
        return cls(**{name: value for name, value in given.items() if value}, page=page)

    @property
    def tokens(self) -> list[str]:
        """The facet tokens every result must hold."""
        return [facets.token(name, value) for name in FACETS if (value := getattr(self, name))]

    @property
    def order(self) -> str:
        """Best match by default when searching, else by name; "best match" without a
        search is by name."""
        if not self.sort or (self.sort == "relevance" and not self.q):
            return "relevance" if self.q else "name"
        return self.sort


@dataclass(frozen=True)
class Result:
    page: object  # a `django.core.paginator.Page` of organizations, ready for cards
    # facet -> value -> results holding it; None when the list is too long to count them
    counts: dict[str, dict] | None = field(repr=False)
    outcome: search.Outcome | None = None  # the search's, when searching
    order: str = "name"

    @property
    def query(self):
        """The query the results answer (perhaps corrected), for highlighting; or None."""
        return self.outcome.query if self.outcome else None


class RankedResults:
    """Search results in rank order, sliced by the paginator, loaded one page at a time."""

    def __init__(self, ids: list[int], capped: bool, request=None):
        self._ids = ids
        self.capped = capped  # the engine stopped at its limit: more results exist
        self._request = request

    def count(self) -> int:
        return len(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index):
        return cards.load(self._ids[index], self._request)


def _filtered(params: Params):
    organizations = Organization.objects.published()
    for token in params.tokens:
        organizations = organizations.filter(facets.holds(token))
    return organizations


def _searched(params: Params) -> tuple[search.Outcome, list[int], dict]:
    """The search's ranked ids that hold every chosen token, and their counts: both from
    the tokens the search returned with its ids."""
    outcome = search.find(search.parse(params.q), ["organization"])
    held = facets.tokens_known(outcome.ids["organization"], outcome.facets)
    wanted = set(params.tokens)
    ids = [pk for pk in outcome.ids["organization"] if wanted <= held[pk]]
    return outcome, ids, facets.tally(held[pk] for pk in ids)


def _counts(params: Params, organizations, request) -> tuple[int, dict | None]:
    """How many organizations the list holds (counted up to `COUNT_CAP` + 1, past which
    the list says "more than") and their counts by facet (None: too many to group, see
    `FACET_COUNT_CAP`).

    The whole directory's and a list narrowed to one value's come from the counts kept per
    change, as does the number a list narrowed to two values holds (a stored pair); a list
    narrowed further is counted in the facet members (`facets.count_holding`). Its options
    are counted by grouping its members' tokens, cached until the content changes, and
    only when it holds at most `FACET_COUNT_CAP` organizations: no request groups the
    members of half a million organizations."""
    tokens = params.tokens
    if len(tokens) <= 1:
        counts = facets.stored_counts(tokens[0] if tokens else "")[1]
        # Every organization has one type, so the type counts add up to the results.
        return sum(counts["type"].values()), counts
    if len(tokens) == 2:
        total = facets.stored_pair(*tokens)
    else:
        total = facets.count_holding(tokens, settings.COUNT_CAP + 1)
    if total > settings.FACET_COUNT_CAP:
        return total, None
    counts = cached("facets", sorted(tokens), lambda: facets.counts_in(organizations), request)
    return total, counts


def browse(params: Params, request=None) -> Result:
    """Search, filter, count, order and page: the organization list as `params` asks.

    Raises `search.InvalidQuery` for a query the engine refused or gave up on, and
    `Http404` for a page past the end."""
    organizations = _filtered(params)
    order = params.order
    if params.q:
        outcome, ids, counts = _searched(params)
        total = len(ids)
        if order == "relevance":
            capped = "organization" in outcome.capped
            listed = RankedResults(ids, capped, request)
        else:  # the ids hold every chosen token already
            organizations = Organization.objects.published().filter(pk__in=ids)
    else:
        outcome = None
        total, counts = _counts(params, organizations, request)
    if order == "verified":
        listed = cards.for_cards(organizations).order_by(
            F("last_verified").desc(nulls_last=True), "name"
        )
    elif order == "name":
        listed = cards.for_cards(organizations).order_by("name", "pk")
    page = results.page_of(params.page, listed, count=total)
    return Result(page=page, counts=counts, outcome=outcome, order=order)
