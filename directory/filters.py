"""The public organization list's filters: what `/organizations/` accepts in its URL.

Every parameter is validated by the filter form; an invalid one makes the form invalid and
the view answers 400 with the form's message instead of guessing.
"""

import django_filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from directory import facets, search
from directory.catalog import browse
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

    q = SearchFilter(label=_("Search"))
    issue = LocalizedChoiceFilter(
        label=_("Issue"),
        queryset=Issue.objects.all(),
        to_field_name="slug",
        empty_label=_("All issues"),
    )
    focus = LocalizedChoiceFilter(
        label=_("Focus area"),
        queryset=FocusArea.objects.all(),
        to_field_name="slug",
        empty_label=_("All focus areas"),
    )
    country = InUseChoiceFilter(
        label=_("Country"),
        queryset=lambda request: Country.objects.filter(pk__in=countries_in_use()),
        accepted=Country.objects.all(),  # any ISO 3166 code
        to_field_name="code",
        empty_label=_("All countries"),
    )
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=Organization.OrgType.choices, empty_label=_("All types")
    )
    help = django_filters.ChoiceFilter(
        label=_("Ways to help"), choices=HELP_CHOICES, empty_label=_("Any")
    )
    sort = django_filters.ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, empty_label=None)

    class Meta:
        model = Organization
        fields: list[str] = []

    def params(self, page: int | None = 1) -> browse.Params:
        """The validated filters, for the catalog's reader."""
        return browse.Params.from_form(self.form.cleaned_data, page=page)

    def filter_queryset(self, queryset):
        """Filtering and searching are the catalog's reader's (`catalog.browse`): the form
        is this filter set's part."""
        raise NotImplementedError("call directory.catalog.browse.browse(filterset.params())")

    def offer_sorts(self) -> None:
        """Without a search nothing is ranked: the default order is by name, so the first
        option says "Name" (its value still asks for the best match, which a search then
        gives) rather than offering a best match it cannot give."""
        if self.form.cleaned_data.get("q"):
            return
        field = self.form.fields["sort"]
        unsearched = [(value, label) for value, label in self.SORT_CHOICES if value != "relevance"]
        if self.form.cleaned_data.get("sort") != "name":
            unsearched = [("relevance" if v == "name" else v, label) for v, label in unsearched]
        field.choices = unsearched

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
