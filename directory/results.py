"""Paging of lists: the page a visitor asks for, and counts that stop at a cap."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

# More digits than this is a page past the end of any list (and no number to convert).
MAX_PAGE_DIGITS = 9


class PageNumberError(BadRequest):
    """A `page` that is not a page number: the visitor gets a 400 page saying so."""


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows, so no request counts millions.

    Past the cap the total shows as "more than" the cap and only the pages up to it can
    be opened: deep pages of a huge list are better reached by narrowing it.
    """

    def __init__(self, object_list, per_page, cap: int, count: int | None = None):
        super().__init__(object_list, per_page)
        self.cap = cap
        self._known = count

    @cached_property
    def _counted(self) -> int:
        if self._known is not None:  # counted already, e.g. by the cached facet counts
            return self._known
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.cap + 1].count()
        return self.object_list.count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more results than the count shows."""
        return self._counted > self.cap or getattr(self.object_list, "capped", False)


def page_number(request) -> int | None:
    """The `page` asked for: 1 when there is none, None when it is so large that it is past
    the end of any list; a value that is not a whole number of 1 or more is a 400."""
    raw = request.GET.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise PageNumberError(_("The page number must be a whole number, 1 or more."))
    digits = raw.lstrip("0")
    return int(digits) if len(digits) <= MAX_PAGE_DIGITS else None


def paginate(request, results, per_page: int | None = None, count: int | None = None):
    """The requested page; 400 for a malformed number, 404 past the last page. `count`,
    when the caller knows it, saves counting the results."""
    return page_of(page_number(request), results, per_page, count)


def page_of(number: int | None, results, per_page: int | None = None, count: int | None = None):
    """Page `number` of the results (None: past the end of any list); 404 past the last."""
    if number is None:
        raise Http404(_("There is no such page of results."))
    paginator = CappedPaginator(
        results, per_page or settings.PAGE_SIZE, settings.COUNT_CAP, count=count
    )
    try:
        return paginator.page(number)
    except EmptyPage:
        raise Http404(_("There is no such page of results.")) from None
