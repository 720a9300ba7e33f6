"""Curation of organizations and their programs.

Curators add and edit listings and send them to review; Editors (the
`publish_organization` permission) also publish, archive and restore them. Every save,
revert and status action reaches search, counts and cached pages in its own transaction
(`catalog.flush()`, last). Organizations are archived, never deleted, and every change is
kept in their history.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from directory.admin.conflicts import ConflictCheckForm, CurationForm
from directory.admin.curation import CurationAdmin, restore_links
from directory.admin.spreadsheets import OrganizationResource, ProgramResource
from directory.admin.uploads import (
    BoundedImportForm,
    PrivateConfirmForm,
    PrivateUploadStorage,
)
from directory.catalog import flush
from directory.catalog.admin import CatalogAdminMixin
from directory.models import Correction, Organization, OrganizationIdentifier, Program, Verification
from directory.models.listings import NEEDS_SOURCE
from directory.models.verification import CHECKS

Status = Organization.Status
EDITOR_ONLY = {Status.PUBLISHED, Status.ARCHIVED}


def _locked(queryset):
    """The rows of a changelist selection, locked for update. The changelist's own query
    outer-joins the headquarters, which PostgreSQL cannot lock, so select by id."""
    return Organization.objects.filter(pk__in=queryset.values("pk")).select_for_update()


def can_publish(user) -> bool:
    return user.has_perm("directory.publish_organization")


class SpreadsheetAdmin(ImportExportModelAdmin):
    """Spreadsheets follow the model's permissions: importing needs add and change,
    exporting needs view (django-import-export lets every staff account through unless
    told otherwise)."""

    import_template_name = "admin/directory/import.html"
    tmp_storage_class = PrivateUploadStorage
    import_form_class = BoundedImportForm
    confirm_form_class = PrivateConfirmForm

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


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
    form = CurationForm
    model = Program
    extra = 0
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["issues", "focus_areas", "countries"]
    fields = [
        ("name", "slug"),
        "name_ko",
        "summary",
        "summary_ko",
        "description",
        "description_ko",
        ("issues", "focus_areas"),
        "countries",
        ("active", "url"),
    ]
    show_change_link = True


class IdentifierInline(admin.TabularInline):
    form = CurationForm
    model = OrganizationIdentifier
    extra = 0


class VerificationInline(admin.StackedInline):
    """A curator records each check of a listing: what they checked, and a note. The
    listing's "last verified" date follows the latest one."""

    form = CurationForm

    model = Verification
    extra = 0
    fields = ["verified_on", *CHECKS, "note", "verified_by"]
    readonly_fields = ["verified_by"]
    verbose_name_plural = _("Verifications (record a check of this listing)")


class StatusRulesForm(ConflictCheckForm):
    """Only editors may publish or archive; set `can_publish` on the form class."""

    can_publish = False

    def clean_status(self):
        status = self.cleaned_data["status"]
        # Compare with the saved row, not the instance: reverting to an old version hands
        # the form a historical instance whose status may be the one being restored.
        model = type(self.instance)._meta.concrete_model
        saved = model._default_manager.filter(pk=self.instance.pk).values_list("status", flat=True)
        current = saved.first() if self.instance.pk else None
        if status == current or self.can_publish:
            return status
        if status in EDITOR_ONLY:
            raise forms.ValidationError(
                "Only editors can publish or archive a listing. Save it as draft, or send it "
                "to review for an editor to publish."
            )
        if current in EDITOR_ONLY:
            raise forms.ValidationError(
                "Only editors can take a published or archived listing back to draft or review."
            )
        return status


class OrganizationForm(StatusRulesForm):
    class Meta:
        model = Organization
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Status.PUBLISHED and "sources" in self.fields:
            problem = self.instance.publishing_problem(sources=cleaned.get("sources"))
            if problem:
                self.add_error("sources", problem)
        return cleaned


def limit_status_choices(form, user, obj) -> None:
    """Offer curators only the statuses they may set, and the one the object shows. A
    revert shows the version's status, so that a status they may not set is refused with
    a message (by `StatusRulesForm`) rather than silently swapped for another."""
    form.can_publish = can_publish(user)
    if not form.can_publish and "status" in form.base_fields:
        saved = type(obj)._default_manager.filter(pk=obj.pk) if obj and obj.pk else None
        current = saved.values_list("status", flat=True).first() if saved else Status.DRAFT
        shown = obj.status if obj else current
        allowed = {current} if current in EDITOR_ONLY else {Status.DRAFT, Status.REVIEW}
        allowed.add(shown)
        form.base_fields["status"].choices = [
            choice for choice in Status.choices if choice[0] in allowed
        ]


class BrokenLinksFilter(admin.SimpleListFilter):
    title = _("links")
    parameter_name = "links"

    def lookups(self, request, model_admin):
        return [("broken", _("Has a broken link"))]

    def queryset(self, request, queryset):
        if self.value() == "broken":
            return queryset.filter(link_checks__ok=False).distinct()
        return queryset


@admin.register(Organization)
class OrganizationAdmin(CatalogAdminMixin, SpreadsheetAdmin, CurationAdmin):
    form = OrganizationForm
    resource_classes = [OrganizationResource]
    list_display = [
        "name", "status", "org_type", "headquarters", "last_verified", "is_due", "links",
    ]  # fmt: skip
    list_filter = [
        "status",
        "org_type",
        ReviewDueFilter,
        BrokenLinksFilter,
        "issues",
        "focus_areas",
        ("countries", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["headquarters"]
    search_fields = ["name", "alternate_name", "slug", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ["headquarters", "countries", "issues", "focus_areas", "sources"]
    readonly_fields = ["created", "updated", "hsds_id", "link_report", "last_verified"]
    inlines = [ProgramInline, IdentifierInline, VerificationInline]
    actions = ["publish", "send_to_review", "archive", "restore"]
    date_hierarchy = "updated"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "slug"),
                    "name_ko",
                    "alternate_name",
                    "summary",
                    "summary_ko",
                    "description",
                    "description_ko",
                ]
            },
        ),
        (_("Classification"), {"fields": ["org_type", "founded", "issues", "focus_areas"]}),
        (_("Where"), {"fields": ["headquarters", "countries"]}),
        (
            _("Ways to help and links"),
            {
                "fields": [
                    ("website", "email"),
                    ("donate_url", "volunteer_url"),
                    ("advocacy_url", "fundraising_url"),
                    "link_report",
                ]
            },
        ),
        (
            _("Trust"),
            {"fields": ["status", "sources", "last_verified", ("created", "updated"), "hsds_id"]},
        ),
    ]

    change_form_template = "admin/directory/organization/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("link_checks")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Opened from a correction: show its text beside the form.
        correction_id = request.GET.get("correction", "")
        if correction_id.isdigit() and str(object_id).isdigit():
            correction = Correction.objects.filter(pk=correction_id, organization_id=object_id)
            extra_context = {**(extra_context or {}), "correction": correction.first()}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        limit_status_choices(form, request.user, obj)
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("review"), ordering="last_verified")
    def is_due(self, obj):
        # The warning is the thing to see: "Due" stands out, an up-to-date listing is quiet.
        if obj.last_verified is None:
            return format_html("<strong>{}</strong>", _("Due: never verified"))
        if obj.is_verification_stale():
            return format_html("<strong>{}</strong>", _("Due"))
        return _("Up to date")

    @admin.display(description=_("links"))
    def links(self, obj):
        broken = [check for check in obj.link_checks.all() if not check.ok]
        if broken:
            return format_html("<strong>{} broken</strong>", len(broken))
        return "ok" if obj.link_checks.all() else "–"

    @admin.display(description=_("last link check"))
    def link_report(self, obj):
        checks = list(obj.link_checks.all()) if obj and obj.pk else []
        if not checks:
            return "Not checked yet (python manage.py check_links)."
        items = format_html_join(
            "",
            "<li>{}: {} — {} ({})</li>",
            (
                (
                    check.field,
                    check.url,
                    "ok" if check.ok else f"BROKEN {check.status_code or check.error}",
                    check.checked.date(),
                )
                for check in checks
            ),
        )
        return format_html("<ul>{}</ul>", items)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a listing with the "archive" action instead

    def save_formset(self, request, form, formset, change):
        if formset.model is Verification:
            for verification in formset.save(commit=False):
                verification.verified_by = verification.verified_by or request.user
                verification.save()
            for gone in formset.deleted_objects:
                gone.delete()
            return
        super().save_formset(request, form, formset, change)

    def published_change(self, obj) -> None:
        obj.refresh_last_verified()
        super().published_change(obj)

    def after_revert(self, obj, record) -> None:
        # Programs are edited on the organization's page, so reverting it brings back their
        # links (issues, focus areas, countries) as they were then. Programs added since
        # stay: a revert never deletes what a curator wrote.
        when = record.history_date
        for program in obj.programs.all():
            then = program.history.filter(history_date__lte=when)
            version = then.order_by("-history_date", "-history_id").first()
            if version is not None:
                reason = f"Reverted with {obj} to the version of {when:%Y-%m-%d %H:%M}"
                restore_links(program, version, reason)

    def _set_status(self, request, queryset, status, verb):
        # Saved one by one (not with update()) so that each change lands in the history.
        with transaction.atomic():
            organizations = list(_locked(queryset))
            for organization in organizations:
                organization.status = status
                organization._change_reason = f"Status set to {status} by an admin action"
                organization.save(update_fields=["status", "updated"])
            flush()
        count = len(organizations)
        self.message_user(
            request,
            ngettext("%(count)d organization %(verb)s.", "%(count)d organizations %(verb)s.", count)
            % {"count": count, "verb": verb},
            messages.SUCCESS,
        )

    def has_publish_permission(self, request):
        return can_publish(request.user)

    @admin.action(description=_("Publish selected organizations"), permissions=["publish"])
    def publish(self, request, queryset):
        sourceless = list(queryset.without_sources().values_list("name", flat=True))
        if sourceless:
            self.message_user(
                request,
                f"Not published: {', '.join(sourceless)}. {NEEDS_SOURCE}",
                messages.ERROR,
            )
        self._set_status(
            request,
            queryset.exclude(sources__isnull=True).distinct(),
            Status.PUBLISHED,
            _("published"),
        )

    @admin.action(description=_("Send selected organizations to review"))
    def send_to_review(self, request, queryset):
        if not can_publish(request.user) and queryset.filter(status__in=EDITOR_ONLY).exists():
            self.message_user(
                request,
                "Only editors can take a published or archived listing back to review.",
                messages.ERROR,
            )
            return
        self._set_status(request, queryset, Status.REVIEW, _("sent to review"))

    @admin.action(description=_("Archive selected organizations"), permissions=["publish"])
    def archive(self, request, queryset):
        self._set_status(request, queryset, Status.ARCHIVED, _("archived"))

    @admin.action(
        description=_("Restore selected archived organizations to review"),
        permissions=["publish"],
    )
    def restore(self, request, queryset):
        self._set_status(
            request, queryset.filter(status=Status.ARCHIVED), Status.REVIEW, _("restored")
        )


class ProgramForm(ConflictCheckForm):
    class Meta:
        model = Program
        fields = "__all__"


@admin.register(Program)
class ProgramAdmin(CatalogAdminMixin, SpreadsheetAdmin, CurationAdmin):
    form = ProgramForm
    resource_classes = [ProgramResource]
    list_display = ["name", "organization", "active"]
    list_filter = ["active", "issues", "focus_areas"]
    list_select_related = ["organization"]
    search_fields = ["name", "summary", "organization__name"]
    autocomplete_fields = ["organization", "issues", "focus_areas", "countries"]
    prepopulated_fields = {"slug": ("name",)}
