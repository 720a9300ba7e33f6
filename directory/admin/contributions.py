"""The moderation queue: organizations the public suggested and corrections they reported.
Nothing here is published on its own; a curator acts on each and marks it done."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from directory.models import Correction, LinkCheck, ReviewStatus, Suggestion


class ModerationAdmin(admin.ModelAdmin):
    list_filter = ["status", "created"]
    readonly_fields = ["created", "contact_email"]
    actions = ["accept", "reject"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False  # contributions come from the public forms

    def _mark(self, request, queryset, status):
        count = queryset.update(status=status)
        self.message_user(request, f"{count} marked {status}.", messages.SUCCESS)

    @admin.action(description=_("Mark as accepted (after acting on it)"))
    def accept(self, request, queryset):
        self._mark(request, queryset, ReviewStatus.ACCEPTED)

    @admin.action(description=_("Mark as rejected"))
    def reject(self, request, queryset):
        self._mark(request, queryset, ReviewStatus.REJECTED)


@admin.register(Suggestion)
class SuggestionAdmin(ModerationAdmin):
    list_display = ["name", "website", "status", "created"]
    search_fields = ["name", "website", "summary"]
    fields = ["status", "name", "website", "summary", "why", "contact_email", "curator_notes"]


@admin.register(Correction)
class CorrectionAdmin(ModerationAdmin):
    list_display = ["organization", "status", "created"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "message"]
    autocomplete_fields = ["organization"]
    fields = ["status", "organization", "message", "source_url", "contact_email", "curator_notes"]


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    """Results of `manage.py check_links`; read-only."""

    list_display = ["organization", "field", "url", "ok", "status_code", "error", "checked"]
    list_filter = ["ok", "field"]
    list_select_related = ["organization"]
    search_fields = ["organization__name", "url"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
