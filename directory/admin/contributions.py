"""The moderation queue: organizations the public suggested and corrections they reported.
Nothing here is published on its own. A suggestion becomes a draft listing with one click;
a correction opens its listing with the correction's text beside the form. Each records
who handled it, when and how."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext_lazy as _

from directory.models import Correction, LinkCheck, Organization, ReviewStatus, Suggestion


def mark_handled(contribution, user, status: str, outcome: str) -> None:
    contribution.status = status
    contribution.handled_by = user
    contribution.handled_at = timezone.now()
    contribution.outcome = outcome
    contribution.save(update_fields=["status", "handled_by", "handled_at", "outcome"])


def _free_slug(name: str) -> str:
    base = slugify(name)[:190] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def draft_from(suggestion: Suggestion) -> Organization:
    """A draft listing prefilled from what the visitor wrote; a curator completes it."""
    notes = [suggestion.summary]
    if suggestion.why:
        notes.append(f"Why the visitor suggested it: {suggestion.why}")
    organization = Organization(
        name=suggestion.name,
        slug=_free_slug(suggestion.name),
        website=suggestion.website,
        summary=Truncator(" ".join(suggestion.summary.split())).chars(300),
        description="\n\n".join(notes),
        status=Organization.Status.DRAFT,
    )
    organization._change_reason = f"Drafted from suggestion #{suggestion.pk}"
    organization.full_clean()
    organization.save()
    return organization


class ModerationAdmin(admin.ModelAdmin):
    # The queue: what still waits for a curator first, newest first within each part.
    ordering = [Case(When(status=ReviewStatus.NEW, then=Value(0)), default=Value(1)), "-created"]
    list_filter = ["status", "created"]
    readonly_fields = ["created", "contact_email", "handled_by", "handled_at"]
    actions = ["accept", "reject"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False  # contributions come from the public forms

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data and obj.status != ReviewStatus.NEW:
            obj.handled_by, obj.handled_at = request.user, timezone.now()
            obj.outcome = obj.outcome or f"Marked {obj.get_status_display().lower()}"
        super().save_model(request, obj, form, change)

    def _mark(self, request, queryset, status, outcome):
        with transaction.atomic():
            # The changelist's query outer-joins its related columns, which PostgreSQL
            # cannot lock: lock the selected rows by id.
            selected = queryset.model._default_manager.filter(pk__in=queryset.values("pk"))
            items = list(selected.select_for_update())
            for item in items:
                mark_handled(item, request.user, status, item.outcome or outcome)
        self.message_user(request, f"{len(items)} marked {status}.", messages.SUCCESS)

    @admin.action(description=_("Mark as accepted (after acting on it)"))
    def accept(self, request, queryset):
        self._mark(request, queryset, ReviewStatus.ACCEPTED, "Accepted")

    @admin.action(description=_("Mark as rejected"))
    def reject(self, request, queryset):
        self._mark(request, queryset, ReviewStatus.REJECTED, "Rejected")


@admin.register(Suggestion)
class SuggestionAdmin(ModerationAdmin):
    list_display = ["name", "website", "status", "handled_by", "listing_link", "created"]
    list_select_related = ["handled_by", "listing"]
    search_fields = ["name", "website", "summary"]
    fields = [
        "status", "make_draft", "name", "website", "summary", "why", "contact_email",
        "curator_notes", "outcome", "listing", "handled_by", "handled_at",
    ]  # fmt: skip
    readonly_fields = [*ModerationAdmin.readonly_fields, "make_draft", "listing"]

    def get_urls(self):
        draft = path(
            "<int:pk>/draft/",
            self.admin_site.admin_view(self.draft_view),
            name="directory_suggestion_draft",
        )
        return [draft, *super().get_urls()]

    @admin.display(description=_("listing"))
    def listing_link(self, obj):
        if obj.listing_id is None:
            return "–"
        url = reverse("admin:directory_organization_change", args=[obj.listing_id])
        return format_html('<a href="{}">{}</a>', url, obj.listing)

    @admin.display(description=_("draft listing"))
    def make_draft(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        if obj.listing_id:
            return self.listing_link(obj)
        url = reverse("admin:directory_suggestion_draft", args=[obj.pk])
        # A button of its own form would nest forms; this one posts the page's form (and
        # its CSRF token) to the draft view, which reads only the saved suggestion.
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">{}</button>',
            url,
            _("Create a draft listing from this suggestion"),
        )

    def draft_view(self, request, pk):
        can_add = request.user.has_perm("directory.add_organization")
        if not (can_add and self.has_change_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:directory_suggestion_change", args=[pk]))
        with transaction.atomic():
            suggestion = get_object_or_404(Suggestion.objects.select_for_update(), pk=pk)
            if suggestion.listing_id is None:
                suggestion.listing = draft_from(suggestion)
                suggestion.save(update_fields=["listing"])
                mark_handled(
                    suggestion, request.user, ReviewStatus.ACCEPTED, "Draft listing created"
                )
        self.message_user(
            request,
            f"Draft listing “{suggestion.listing}” created from the suggestion. Complete it, "
            "add a source, and send it to review.",
            messages.SUCCESS,
        )
        url = reverse("admin:directory_organization_change", args=[suggestion.listing_id])
        return HttpResponseRedirect(url)


@admin.register(Correction)
class CorrectionAdmin(ModerationAdmin):
    list_display = ["organization", "status", "handled_by", "created"]
    list_select_related = ["organization", "handled_by"]
    search_fields = ["organization__name", "message"]
    autocomplete_fields = ["organization"]
    fields = [
        "status", "organization", "open_listing", "message", "source_url", "contact_email",
        "curator_notes", "outcome", "handled_by", "handled_at",
    ]  # fmt: skip
    readonly_fields = [*ModerationAdmin.readonly_fields, "open_listing"]

    @admin.display(description=_("listing"))
    def open_listing(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse("admin:directory_organization_change", args=[obj.organization_id])
        return format_html(
            '<a class="button" href="{}?correction={}">{}</a>',
            url,
            obj.pk,
            _("Open the listing beside this correction"),
        )


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
