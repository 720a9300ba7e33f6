"""Curation of what organizations address and how they work: issues and their key facts,
focus areas, sources, and the read-only country list."""

from django.contrib import admin

from directory.admin.conflicts import ConflictCheckForm, CurationForm
from directory.admin.curation import CurationAdmin
from directory.cache import bump_version
from directory.models import Country, FocusArea, Issue, KeyFact, Source
from directory.search import index


class IssueForm(ConflictCheckForm):
    class Meta:
        model = Issue
        fields = "__all__"


class KeyFactInline(admin.TabularInline):
    form = CurationForm
    model = KeyFact
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["position", "statement", "statement_ko", "figure", "year", "estimated_by", "source"]


@admin.register(Issue)
class IssueAdmin(CurationAdmin):
    form = IssueForm
    list_display = ["name", "summary"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["related"]
    inlines = [KeyFactInline]

    def published_change(self, obj) -> None:
        index.refresh_issues([obj.pk])

    def save_related(self, request, form, formsets, change):
        # Issues just unlinked still show this issue's name in their documents.
        unlinked = [issue.pk for issue in form.initial.get("related", [])]
        super().save_related(request, form, formsets, change)
        index.refresh_issues(unlinked)

    def delete_model(self, request, obj):
        pk = obj.pk  # Django clears obj.pk on delete
        related = list(obj.related.values_list("pk", flat=True))
        org_ids = index.organizations_addressing([pk])
        super().delete_model(request, obj)
        index.refresh_issues([pk, *related])
        index.refresh_organizations(org_ids)

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        related = Issue.related.through.objects.filter(to_issue_id__in=ids)
        related_ids = list(related.values_list("from_issue_id", flat=True))
        org_ids = index.organizations_addressing(ids)
        super().delete_queryset(request, queryset)
        index.refresh_issues([*ids, *related_ids])
        index.refresh_organizations(org_ids)


@admin.register(FocusArea)
class FocusAreaAdmin(CurationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ("name",)}

    def published_change(self, obj) -> None:
        index.refresh_focus_areas([obj.pk])

    def delete_model(self, request, obj):
        org_ids = index.organizations_with_focus([obj.pk])
        super().delete_model(request, obj)
        index.refresh_organizations(org_ids)

    def delete_queryset(self, request, queryset):
        org_ids = index.organizations_with_focus(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        index.refresh_organizations(org_ids)


@admin.register(Source)
class SourceAdmin(CurationAdmin):
    list_display = ["title", "publisher", "year"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "slug"]
    prepopulated_fields = {"slug": ("publisher", "title")}

    # Sources are cited on public pages, which are cached by content version (not indexed
    # for search, so no index refresh bumps it). Both run in the admin's transaction.
    def published_change(self, obj) -> None:
        bump_version()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_version()


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    """Read-only: the ISO list comes from a migration; admins only search it."""

    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
