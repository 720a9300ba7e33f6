"""Edit conflicts: a curator who saves a copy someone else changed in the meantime is
stopped with a clear message, and keeps everything they typed."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format


def version_of(instance) -> str:
    """A token that changes whenever the object is saved: its latest history record."""
    if instance.pk is None:
        return ""
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True)
    return str(latest.first() or "")


VERSION_FIELD = "loaded_version"


class CurationForm(forms.ModelForm):
    """A ModelForm that stores line breaks as the seed, imports and the ORM do: browsers
    send a textarea's lines with CRLF, which would otherwise rewrite every multi-line
    field (and show it as changed in the history) on each save."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


class ConflictCheckForm(CurationForm):
    """A ModelForm that refuses to overwrite changes saved since it was opened. Its admin
    must render the hidden version field (`CurationAdmin` does)."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD].initial = version_of(self.instance)

    def clean(self):
        cleaned = super().clean()
        current = version_of(self.instance)
        if self.instance.pk and self.cleaned_data.get(VERSION_FIELD) != current:
            latest = self.instance.history.order_by("-history_id").first()
            who = latest.history_user or "someone" if latest else "someone"
            when = date_format(timezone.localtime(latest.history_date), "DATETIME_FORMAT")
            # Saving again after reviewing is deliberate: accept the current version then.
            self.data = self.data.copy()
            self.data[self.add_prefix(VERSION_FIELD)] = current
            raise forms.ValidationError(
                f"{who} saved this {self.instance._meta.verbose_name} on {when}, after you "
                "opened it. Your changes are still in the form below and nothing was saved. "
                "Open the current version in another tab (or its History), bring your changes "
                "in line with it, then save again to keep yours.",
                code="edit_conflict",
            )
        return cleaned
