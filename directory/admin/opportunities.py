"""Curation of volunteer opportunities, under the same publishing rules as listings."""

from django.contrib import admin

from directory.admin.curation import CurationAdmin
from directory.admin.organizations import StatusRulesForm, limit_status_choices
from directory.catalog import flush
from directory.catalog.admin import CatalogAdminMixin
from directory.models import Opportunity, Skill


class OpportunityForm(StatusRulesForm):
    class Meta:
        model = Opportunity
        fields = "__all__"


@admin.register(Opportunity)
class OpportunityAdmin(CatalogAdminMixin, CurationAdmin):
    form = OpportunityForm
    list_display = ["title", "organization", "mode", "country", "expires", "status"]
    list_filter = [
        "status",
        "mode",
        "issues",
        "skills",
        ("country", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["organization", "country"]
    search_fields = ["title", "description", "organization__name"]
    autocomplete_fields = ["organization", "issues", "skills", "country"]
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "expires"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        limit_status_choices(form, request.user, obj)
        return form

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead; the history keeps every version


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        flush()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        flush()
