"""What every curated model's admin shares: history with reasons, reverts that bring back
links as well as text, and the edit-conflict check rendered on every form.

A revert is an ordinary save of an older version: it goes through the same form, rules and
conflict check as an edit, lands in the history itself (so it can be undone by reverting
to the version before it) and refreshes what the public sees.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_m2m_reverse_field_name

from directory.admin.conflicts import VERSION_FIELD, CurationForm


def _flat(fields) -> list[str]:
    names = []
    for field in fields:
        names.extend(field if isinstance(field, list | tuple) else [field])
    return names


def version_links(record) -> dict[str, list[int]]:
    """The many-to-many links (issues, countries, ...) as they were in a history record."""
    links = {}
    for field in getattr(record, "_history_m2m_fields", []):
        column = f"{get_m2m_reverse_field_name(field)}_id"
        links[field.name] = sorted(getattr(record, field.name).values_list(column, flat=True))
    return links


def restore_links(obj, record, reason: str) -> bool:
    """Set `obj`'s many-to-many links to those of a history record; True if any changed.
    Each change lands in `obj`'s history with `reason`."""
    changed = False
    for name, pks in version_links(record).items():
        manager = getattr(obj, name)
        if sorted(manager.values_list("pk", flat=True)) != pks:
            obj._change_reason = reason
            manager.set(pks)
            changed = True
    return changed


class CurationAdmin(SimpleHistoryAdmin):
    """A history-keeping admin whose saves and reverts always reach the public site."""

    form = CurationForm

    def published_change(self, obj) -> None:
        """Bring the public site in line with `obj` after a save or revert (override)."""

    def after_revert(self, obj, record) -> None:
        """Bring back what belongs to `obj` but lives outside its form (override)."""

    def get_fieldsets(self, request, obj=None):
        # The conflict check needs its hidden field on the page, whatever the fieldsets say;
        # a browser cannot send a field the page does not render.
        fieldsets = super().get_fieldsets(request, obj)
        named = {name for _, options in fieldsets for name in _flat(options["fields"])}
        if VERSION_FIELD not in self.form.declared_fields or VERSION_FIELD in named:
            return fieldsets
        (title, options), *rest = fieldsets
        return [(title, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *rest]

    def save_model(self, request, obj, form, change):
        if not getattr(obj, "_change_reason", None):
            obj._change_reason = "Edited in the admin" if change else "Added in the admin"
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.published_change(form.instance)

    def history_view(self, request, object_id, extra_context=None):
        try:  # simple-history looks the id up as given: "abc" would be a server error
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404("No such object.") from None
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        lookup = {self.model._meta.pk.attname: object_id, "history_id": version_id}
        try:
            request.reverting = self.model.history.get(**lookup)
        except (ValueError, ValidationError, ObjectDoesNotExist):
            raise Http404("No such version.") from None
        with transaction.atomic():
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if request.method == "POST" and response.status_code == 302:
                obj = self.model._default_manager.get(pk=object_id)
                self.after_revert(obj, request.reverting)
                self.published_change(obj)
        return response

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        record = getattr(request, "reverting", None)
        if record is None or obj is None:
            return form
        # The revert form starts from the version's links, not today's.
        links = version_links(record)
        when = date_format(timezone.localtime(record.history_date), "DATETIME_FORMAT")
        obj._change_reason = f"Reverted to the version of {when}"

        class RevertForm(form):
            def __init__(self, *args, **kwargs):
                initial = kwargs.setdefault("initial", {})
                initial.update(
                    {name: pks for name, pks in links.items() if name in self.base_fields}
                )
                super().__init__(*args, **kwargs)

        RevertForm.__name__ = form.__name__
        return RevertForm
