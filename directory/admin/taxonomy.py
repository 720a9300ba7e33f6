"""Curation of what organizations address and how they work: issues and their key facts,
focus areas, sources, and the read-only country list."""

from django.contrib import admin

from directory.admin.conflicts import ConflictCheckForm, CurationForm
from directory.admin.curation import CurationAdmin
from directory.catalog.admin import CatalogAdminMixin
from directory.models import Country, FocusArea, Issue, KeyFact, Source


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
class IssueAdmin(CatalogAdminMixin, CurationAdmin):
    form = IssueForm
    list_display = ["name", "summary"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["related"]
    inlines = [KeyFactInline]


@admin.register(FocusArea)
class FocusAreaAdmin(CatalogAdminMixin, CurationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Source)
class SourceAdmin(CatalogAdminMixin, CurationAdmin):
    list_display = ["title", "publisher", "year"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "slug"]
    prepopulated_fields = {"slug": ("publisher", "title")}


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
