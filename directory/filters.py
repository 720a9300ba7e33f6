"""The public organization list's filters: what `/organizations/` accepts in its URL.

Every parameter is validated by the filter form; an invalid one makes the form invalid and
the view answers 400 with the form's message instead of guessing.
"""

import django_filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from directory import facets, search, ways_to_help
from directory.cache import cached
from directory.models import Country, FocusArea, Issue, Opportunity, Organization, Skill

FILTER_PARAMETERS = ("q", "issue", "focus", "country", "type", "help")


def countries_in_use() -> list[str]:
    """Codes of the countries any published listing counts under: the country filter's
    options, read from the counts kept per change."""
    return sorted(facets.stored_counts()[1]["country"])


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


class InUseChoiceField(django_filters.fields.ModelChoiceField):
    """Offers the values in use (its queryset) but accepts any of `accepted`: a valid value
    that no listing names yet (a real country) finds nothing instead of being refused, and
    is added to the options so that the select keeps it."""

    def __init__(self, *args, accepted, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted = accepted

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        try:
            found = self.accepted.get(**{self.to_field_name or "pk": value})
        except (ValueError, TypeError, ObjectDoesNotExist):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None
        self.queryset = self.queryset | self.accepted.filter(pk=found.pk)
        return found


class InUseChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = InUseChoiceField


def _without(data, name: str) -> str:
    """The query string of `data` without the parameter `name` (and from the first page)."""
    params = data.copy()
    for key in (name, "page"):
        params.pop(key, None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


class DescribedFilters:
    """What a filter set's active filters are, for the results heading ("0 organizations
    in France") and for links that drop one of them when nothing matches."""

    # Each filter: how the heading says it, "%(value)s" standing for the chosen option.
    PHRASES: dict = {}

    def _shown_value(self, name: str, value) -> str:
        if hasattr(value, "localized"):  # issues and focus areas: in the visitor's language
            return value.localized("name")
        if isinstance(value, str):  # a choice: its label (the form's may carry a count)
            return str(dict(self.filters[name].extra.get("choices", ())).get(value, value))
        return str(value)

    def active_filters(self) -> list[dict]:
        if not self.form.is_bound or self.form.errors:
            return []
        active = []
        for name, phrase in self.PHRASES.items():
            value = self.form.cleaned_data.get(name)
            if not value:
                continue
            if isinstance(phrase, dict):  # one phrase per option
                phrase = phrase[value]
            shown = self._shown_value(name, value)
            active.append(
                {
                    "name": name,
                    "value": shown,
                    "phrase": phrase % {"value": shown},
                    "without_url": _without(self.data, name),
                }
            )
        return active

    def filters_described(self) -> str:
        """The active filters as the heading names them after the count: "in France, taking
        volunteers" (in Korean, "· 국가: 프랑스 · 자원봉사자 모집")."""
        phrases = [f["phrase"] for f in self.active_filters()]
        if not phrases:
            return ""
        joined = pgettext("list separator", ", ").join(phrases)
        return pgettext("results heading, after the count", "%(filters)s") % {"filters": joined}


class OrganizationFilter(DescribedFilters, django_filters.FilterSet):
    PHRASES = {
        "issue": _("addressing %(value)s"),
        "focus": _("focused on %(value)s"),
        "country": _("in %(value)s"),
        "type": _("of the type %(value)s"),
        "help": {"donate": _("accepting donations"), "volunteer": _("taking volunteers")},
    }
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
    country = InUseChoiceFilter(
        label=_("Country"),
        queryset=lambda request: Country.objects.filter(pk__in=countries_in_use()),
        accepted=Country.objects.all(),  # any ISO 3166 code
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
        return ways_to_help.offering_help(queryset, value)

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

    def facet_token(self) -> str | None:
        """The one facet value the list is narrowed to, as the counts store it ("" for the
        whole directory), or None when a search or two filters narrow it."""
        chosen = {
            name: value for name in FILTER_PARAMETERS if (value := self.form.cleaned_data.get(name))
        }
        if not chosen:
            return ""
        if len(chosen) > 1 or "q" in chosen:
            return None
        ((name, value),) = chosen.items()  # each filter is named as its facet
        return f"{name}:{getattr(value, 'pk', value)}"

    def facet_counts(self) -> dict[str, dict]:
        """Counts of the current results by facet: a search's from its documents, the
        whole directory's or a list narrowed to one value from the counts kept per change,
        a list narrowed further with grouped queries cached until the content changes."""
        queryset = self.qs  # runs the search, if any
        if self.outcome is not None:
            return facets.counts_of(self.matching_ids, self.outcome.facets)
        token = self.facet_token()
        if token is not None:
            return facets.stored_counts(token)[1]
        parts = sorted((name, self.data.get(name, "")) for name in FILTER_PARAMETERS)
        # The day too: an opportunity that expires stops counting as a way to volunteer.
        parts.append(("day", timezone.localdate().isoformat()))
        return cached("facets", parts, lambda: facets.all_counts(queryset), self.request)

    def show_counts(self, counts: dict[str, dict]) -> None:
        """Label each option with how many of the current results it would keep."""
        form = self.form
        for name in ("issue", "focus", "country"):
            field, facet = form.fields[name], counts[name]
            field.label_from_instance = lambda obj, facet=facet, label=field.label_from_instance: (
                f"{label(obj)} ({facet.get(obj.pk, 0)})"
            )
        # The fields add their own "All types" and "Any" choices back when choices are set.
        for name in ("type", "help"):
            form.fields[name].choices = [
                (value, f"{label} ({counts[name].get(value, 0)})")
                for value, label in form.fields[name].choices
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


class OpportunityFilter(DescribedFilters, django_filters.FilterSet):
    """What `/volunteer/` accepts in its URL: issue, mode, country and skill."""

    PHRASES = {
        "issue": _("on %(value)s"),
        "mode": {
            Opportunity.Mode.REMOTE: _("done remotely"),
            Opportunity.Mode.ONSITE: _("done on site"),
            Opportunity.Mode.HYBRID: _("partly remote, partly on site"),
        },
        "country": _("in %(value)s"),
        "skill": _("needing %(value)s"),
    }

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
    country = InUseChoiceFilter(
        label=_("Country"),
        queryset=lambda request: Country.objects.filter(
            pk__in=Opportunity.objects.visible().values("country")
        ),
        accepted=Country.objects.all(),  # any ISO 3166 code
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
