"""The public organization list's filters: what `/organizations/` accepts in its URL.

Every parameter is validated by the filter form; an invalid one makes the form invalid and
the view answers 400 with the form's message instead of guessing.
"""

import django_filters
from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from directory import facets, search
from directory.cache import cached
from directory.models import Country, FocusArea, Issue, Opportunity, Organization, Skill

FILTER_PARAMETERS = ("q", "issue", "focus", "country", "type", "help")


def countries_in_use(request=None) -> list[str]:
    """Codes of the countries any published listing names: the country filter's options."""

    def codes() -> list[str]:  # a query costly to build as well as to run
        return list(Country.objects.in_use().values_list("pk", flat=True))

    return cached("countries-in-use", (), codes, request)


class SearchField(forms.CharField):
    """Free text, parsed by the search module so that a bad query gets its message."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", search.query.MAX_QUERY_LENGTH)
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                search.parse(value)
            except search.InvalidQuery as error:
                raise forms.ValidationError(str(error), code="invalid_query") from None


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class LocalizedChoiceField(django_filters.fields.ModelChoiceField):
    """Options named in the visitor's language (issues' and focus areas' Korean names)."""

    def label_from_instance(self, obj) -> str:
        return obj.localized("name")


class LocalizedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = LocalizedChoiceField


class OrganizationFilter(django_filters.FilterSet):
    SORT_CHOICES = [
        ("relevance", pgettext_lazy("sort", "Best match")),
        ("name", pgettext_lazy("sort", "Name")),
        ("verified", pgettext_lazy("sort", "Recently verified")),
    ]
    HELP_CHOICES = [("donate", _("Accepts donations")), ("volunteer", _("Takes volunteers"))]

    q = SearchFilter(label=_("Search"), method="filter_search")
    issue = LocalizedChoiceFilter(
        label=_("Issue"),
        queryset=Issue.objects.all(),
        to_field_name="slug",
        method="filter_issue",
        empty_label=_("All issues"),
    )
    focus = LocalizedChoiceFilter(
        label=_("Focus area"),
        queryset=FocusArea.objects.all(),
        to_field_name="slug",
        method="filter_focus",
        empty_label=_("All focus areas"),
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        queryset=lambda request: Country.objects.filter(pk__in=countries_in_use(request)),
        to_field_name="code",
        method="filter_country",
        empty_label=_("All countries"),
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"),
        field_name="org_type",
        choices=Organization.OrgType.choices,
        empty_label=_("All types"),
    )
    help = django_filters.ChoiceFilter(
        label=_("Ways to help"),
        choices=HELP_CHOICES,
        method="filter_help",
        empty_label=_("Any"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Organization
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.outcome: search.Outcome | None = None

    @property
    def ranked_ids(self) -> list[int] | None:
        """The search's ids, best first; None when the visitor did not search."""
        return self.outcome.ids["organization"] if self.outcome else None

    def is_valid(self) -> bool:
        """The filters are valid and, when searching, the engine answered the query: one it
        gave up on (`SEARCH_TIMEOUT_MS`) is an error of the search field, like a bad one."""
        if not super().is_valid():
            return False
        text = self.form.cleaned_data.get("q")
        if text and self.outcome is None:
            try:
                self._search(text)
            except search.InvalidQuery as error:
                self.form.add_error("q", str(error))
                return False
        return True

    def _search(self, text: str) -> None:
        self.outcome = search.find(search.parse(text), ["organization"])

    def filter_search(self, queryset, name, value):
        if self.outcome is None:
            self._search(value)
        return queryset.filter(pk__in=self.ranked_ids)

    def filter_issue(self, queryset, name, value):
        return queryset.addressing(value)

    def filter_focus(self, queryset, name, value):
        return queryset.with_focus(value)

    def filter_country(self, queryset, name, value):
        return queryset.working_in(value)

    def filter_help(self, queryset, name, value):
        return queryset.offering_help(value)

    def filter_sort(self, queryset, name, value):
        return queryset  # applied in `sort_key`, once every filter has run

    @cached_property
    def matching_ids(self) -> set[int]:
        """The ids of a search's results that pass the other filters (a bounded set)."""
        queryset = self.qs  # runs the search
        narrowed = any(
            self.form.cleaned_data.get(name) for name in FILTER_PARAMETERS if name != "q"
        )
        if not narrowed:  # the search only ever returns published organizations
            return set(self.ranked_ids)
        return set(queryset.values_list("pk", flat=True))

    def facet_counts(self) -> dict[str, dict]:
        """Counts of the current results by facet: a search's from its documents, a whole
        filtered list's with grouped queries cached until the content changes."""
        queryset = self.qs  # runs the search, if any
        if self.outcome is not None:
            return facets.counts_of(self.matching_ids, self.outcome.facets)
        parts = sorted((name, self.data.get(name, "")) for name in FILTER_PARAMETERS)
        return cached("facets", parts, lambda: facets.all_counts(queryset), self.request)

    def show_counts(self, counts: dict[str, dict]) -> None:
        """Label each option with how many of the current results it would keep."""
        form = self.form
        for name in ("issue", "focus", "country"):
            field, facet = form.fields[name], counts[name]
            field.label_from_instance = lambda obj, facet=facet, label=field.label_from_instance: (
                f"{label(obj)} ({facet.get(obj.pk, 0)})"
            )
        # The field adds its own "All types" choice back when its choices are set.
        form.fields["type"].choices = [
            (value, f"{label} ({counts['type'].get(value, 0)})")
            for value, label in form.fields["type"].choices
            if value
        ]

    @property
    def sort_key(self) -> str:
        """The order to show: best match by default when searching, else by name."""
        searching = bool(self.form.cleaned_data.get("q"))
        chosen = self.form.cleaned_data.get("sort")
        if not chosen or (chosen == "relevance" and not searching):
            return "relevance" if searching else "name"
        return chosen

    @property
    def query(self):
        """The query the results answer (perhaps corrected), for highlighting; or None."""
        return self.outcome.query if self.outcome else None


class OpportunityFilter(django_filters.FilterSet):
    """What `/volunteer/` accepts in its URL: issue, mode, country and skill."""

    issue = LocalizedChoiceFilter(
        label=_("Issue"),
        queryset=Issue.objects.all(),
        to_field_name="slug",
        field_name="issues",
        empty_label=_("All issues"),
    )
    mode = django_filters.ChoiceFilter(
        label=_("Where"), choices=Opportunity.Mode.choices, empty_label=_("Anywhere")
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        queryset=lambda request: Country.objects.filter(
            pk__in=Opportunity.objects.visible().values("country")
        ),
        to_field_name="code",
        empty_label=_("All countries"),
    )
    skill = django_filters.ModelChoiceFilter(
        label=_("Skill"),
        queryset=Skill.objects.all(),
        to_field_name="slug",
        field_name="skills",
        empty_label=_("Any skill"),
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []
