"""Feeds (other directories Causeway harvests) and the queue of harvest conflicts.

A conflict page shows our listing and the feed's version side by side, field by field,
with the two ways to settle it (`directory.harvest.resolve`). Settling one changes a
listing, so it takes the right to change organizations as well as conflicts.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from directory.admin.curation import CurationAdmin
from directory.harvest import resolve
from directory.hsds.importer import ImportFailed
from directory.models import Feed, HarvestConflict

CHANGE_ORGANIZATION = "directory.change_organization"


@admin.register(Feed)
class FeedAdmin(CurationAdmin):
    list_display = ["name", "url", "schedule", "publish", "active", "last_success", "outcome"]
    list_filter = ["active", "schedule", "publish"]
    search_fields = ["name", "url"]
    readonly_fields = ["last_attempt", "last_success", "last_outcome", "source"]
    fieldsets = [
        (None, {"fields": ["name", "url", "schedule", "publish", "active"]}),
        ("Last harvest", {"fields": ["last_attempt", "last_success", "last_outcome", "source"]}),
    ]

    @admin.display(description="last outcome")
    def outcome(self, feed):
        return feed.last_outcome[:120]

    def has_delete_permission(self, request, obj=None):
        return False  # a feed's listings point at it: pause it (active) instead


def _flatten(value, prefix="") -> dict[str, str]:
    """An HSDS document as field -> value lines; list items are named by their `name`
    (or id), so a service reads as `services[Safe houses].description`."""
    if isinstance(value, dict):
        lines = {}
        for key in sorted(value):
            if key == "id" and prefix:
                continue
            lines |= _flatten(value[key], f"{prefix}.{key}" if prefix else key)
        return lines
    if isinstance(value, list):
        lines = {}
        for number, item in enumerate(value):
            label = (item.get("name") or item.get("id")) if isinstance(item, dict) else None
            lines |= _flatten(item, f"{prefix}[{label or number}]")
        return lines
    return {prefix: "" if value is None else str(value)}


def differences(ours: dict | None, theirs: dict | None) -> list[tuple[str, str, str]]:
    """(field, our value, the feed's value) for every field where they differ."""
    ours, theirs = _flatten(ours or {}), _flatten(theirs or {})
    fields = sorted(ours.keys() | theirs.keys())
    return [
        (name, ours.get(name, ""), theirs.get(name, ""))
        for name in fields
        if ours.get(name, "") != theirs.get(name, "")
    ]


@admin.register(HarvestConflict)
class HarvestConflictAdmin(admin.ModelAdmin):
    list_display = ["organization", "feed", "kind", "detected_at", "outcome"]
    list_filter = ["outcome", "kind", "feed"]
    list_select_related = ["organization", "feed"]
    search_fields = ["organization__name"]
    # Open conflicts first, newest first within each part.
    ordering = [Case(When(outcome="open", then=Value(0)), default=Value(1)), "-detected_at"]

    def has_add_permission(self, request):
        return False  # harvests find them

    def has_delete_permission(self, request, obj=None):
        return False  # a settled conflict is the record of who chose what

    def may_settle(self, request, conflict=None) -> bool:
        return self.has_change_permission(request, conflict) and request.user.has_perm(
            CHANGE_ORGANIZATION
        )

    def get_urls(self):
        settle = self.admin_site.admin_view(self.settle_view)
        urls = [path("<int:pk>/settle/", settle, name="directory_harvestconflict_settle")]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        conflict = get_object_or_404(
            HarvestConflict.objects.select_related("organization", "feed", "handled_by"),
            pk=object_id if str(object_id).isdigit() else None,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Harvest conflict: {conflict.organization}",
            "conflict": conflict,
            "rows": differences(conflict.local, conflict.incoming),
            "can_settle": conflict.outcome == HarvestConflict.Outcome.OPEN
            and self.may_settle(request, conflict),
        }
        return TemplateResponse(request, "admin/directory/harvestconflict/detail.html", context)

    def settle_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        conflict = get_object_or_404(HarvestConflict, pk=pk)
        if not self.may_settle(request, conflict):
            raise PermissionDenied
        choice = request.POST.get("choice")
        actions = {"feed": resolve.take_feed, "ours": resolve.keep_local}
        if choice not in actions:
            self.message_user(request, "Choose the feed's version or ours.", messages.ERROR)
        else:
            try:
                actions[choice](conflict, request.user)
            except resolve.AlreadyHandled as done:
                self.message_user(request, f"Already settled: {done}.", messages.WARNING)
            except ImportFailed as error:
                problems = "; ".join(str(problem) for problem in error.problems[:5])
                self.message_user(
                    request, f"The feed's version cannot be imported: {problems}", messages.ERROR
                )
            else:
                self.message_user(request, "Settled.", messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:directory_harvestconflict_change", args=[conflict.pk])
        )
