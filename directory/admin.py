"""Curation: where admins add, review, publish, correct and retire listings.

Every save and every status action refreshes the search index in the same transaction,
so the public site never shows a stale result. Organizations are archived, never deleted.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from directory.models import (
    Country,
    FocusArea,
    Issue,
    KeyFact,
    Organization,
    OrganizationIdentifier,
    Program,
    Source,
)
from directory.search import index

admin.site.site_header = "Causeway curation"
admin.site.site_title = "Causeway curation"
admin.site.index_title = "Listings"


class ReviewDueFilter(admin.SimpleListFilter):
    title = _("review due")
    parameter_name = "review_due"

    def lookups(self, request, model_admin):
        return [("yes", _("Due (never verified, or over 12 months ago)")), ("no", _("Up to date"))]

    def queryset(self, request, queryset):
        due = Organization.objects.review_due().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=due)
        if self.value() == "no":
            return queryset.exclude(pk__in=due)
        return queryset


class ProgramInline(admin.StackedInline):
    model = Program
    extra = 0
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["issues", "focus_areas", "countries"]
    fields = [
        ("name", "slug"),
        "summary",
        "description",
        ("issues", "focus_areas"),
        "countries",
        ("active", "url"),
    ]
    show_change_link = True


class IdentifierInline(admin.TabularInline):
    model = OrganizationIdentifier
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "org_type", "headquarters", "last_verified", "is_due"]
    list_filter = [
        "status",
        "org_type",
        ReviewDueFilter,
        "issues",
        "focus_areas",
        ("countries", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["headquarters"]
    search_fields = ["name", "alternate_name", "slug", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["headquarters", "countries", "issues", "focus_areas", "sources"]
    readonly_fields = ["created", "updated"]
    inlines = [ProgramInline, IdentifierInline]
    actions = ["publish", "send_to_review", "archive", "mark_verified_today"]
    date_hierarchy = "updated"
    fieldsets = [
        (None, {"fields": [("name", "slug"), "alternate_name", "summary", "description"]}),
        (_("Classification"), {"fields": ["org_type", "founded", "issues", "focus_areas"]}),
        (_("Where"), {"fields": ["headquarters", "countries"]}),
        (_("Links"), {"fields": ["website", "donate_url", "volunteer_url", "email"]}),
        (_("Trust"), {"fields": ["status", "last_verified", "sources", ("created", "updated")]}),
    ]

    @admin.display(boolean=True, description=_("review due"))
    def is_due(self, obj):
        return obj.is_review_due()

    def has_delete_permission(self, request, obj=None):
        return False  # retire a listing with the "archive" action instead

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index.refresh_organizations([form.instance.pk])

    def _set_status(self, request, queryset, status, verb):
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True))
            Organization.objects.filter(pk__in=ids).update(status=status, updated=timezone.now())
            index.refresh_organizations(ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d organization %(verb)s.", "%(count)d organizations %(verb)s.", len(ids)
            )
            % {"count": len(ids), "verb": verb},
            messages.SUCCESS,
        )

    @admin.action(description=_("Publish selected organizations"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.PUBLISHED, _("published"))

    @admin.action(description=_("Send selected organizations to review"))
    def send_to_review(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.REVIEW, _("sent to review"))

    @admin.action(description=_("Archive selected organizations"))
    def archive(self, request, queryset):
        self._set_status(request, queryset, Organization.Status.ARCHIVED, _("archived"))

    @admin.action(description=_("Mark selected as verified today"))
    def mark_verified_today(self, request, queryset):
        count = queryset.update(last_verified=timezone.localdate(), updated=timezone.now())
        self.message_user(request, f"{count} marked as verified today.", messages.SUCCESS)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "active"]
    list_filter = ["active", "issues", "focus_areas"]
    list_select_related = ["organization"]
    search_fields = ["name", "summary", "organization__name"]
    autocomplete_fields = ["organization", "issues", "focus_areas", "countries"]
    prepopulated_fields = {"slug": ("name",)}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A program moved to another organization leaves its old one changed too.
        previous = form.initial.get("organization")
        index.refresh_organizations({form.instance.organization_id, previous} - {None})

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        index.refresh_organizations([obj.organization_id])

    def delete_queryset(self, request, queryset):
        org_ids = set(queryset.values_list("organization_id", flat=True))
        super().delete_queryset(request, queryset)
        index.refresh_organizations(org_ids)


class KeyFactInline(admin.TabularInline):
    model = KeyFact
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["position", "statement", "figure", "year", "source"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["name", "summary"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["related"]
    inlines = [KeyFactInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index.refresh_issues([form.instance.pk])

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
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        index.refresh_focus_areas([obj.pk])


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
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
