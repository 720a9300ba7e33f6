"""The public's forms: suggesting an organization and reporting a correction.

Each carries a honeypot field that people never see (it is hidden and labelled for
screen readers as one to leave empty); a form that fills it is treated as spam.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Correction, Suggestion
from directory.validators import validate_single_line

HONEYPOT = "website_url"


class HoneypotMixin(forms.Form):
    website_url = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix(HONEYPOT)))


class SuggestionForm(HoneypotMixin, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(validate_single_line)

    class Meta:
        model = Suggestion
        fields = ["name", "website", "summary", "why", "contact_email"]
        labels = {
            "name": _("Organization's name"),
            "website": _("Website"),
            "summary": _("What does it do?"),
            "why": _("Why should it be listed? (optional)"),
            "contact_email": _("Your email (optional)"),
        }
        help_texts = {
            "website": _("Its official site, starting with https://"),
            "summary": _("What the organization does."),
            "contact_email": _("Only used if a curator has a question. Never shown or shared."),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "why": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        }


class CorrectionForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["message", "source_url", "contact_email"]
        labels = {
            "message": _("What is wrong or out of date?"),
            "source_url": _("Where can a curator confirm it? (optional)"),
            "contact_email": _("Your email (optional)"),
        }
        help_texts = {
            "contact_email": _("Only used if a curator has a question. Never shown or shared."),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 6, "maxlength": 4000})}
