"""Validation shared by models and forms: http(s)-only links, plausible years and names
on one line."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

validate_http_url = URLValidator(schemes=["http", "https"])


def validate_not_future_year(value: int) -> None:
    if value is not None and value > timezone.localdate().year:
        raise ValidationError(_("A year cannot be in the future."), code="future_year")


def validate_single_line(value: str) -> None:
    """Refuse line breaks, tabs and other control characters in a one-line text (a name):
    it ends up in mail subjects and page titles, where a line break is never meant."""
    if any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in value or ""):
        raise ValidationError(
            _("Enter this on one line, without line breaks, tabs or other control characters."),
            code="control_characters",
        )


class HttpUrlField(models.URLField):
    """A URLField that accepts only http and https links (never javascript:, data:, ...)."""

    default_validators = [validate_http_url]

    def formfield(self, **kwargs):
        from django import forms

        kwargs.setdefault("assume_scheme", "https")
        field = super().formfield(**kwargs)
        if isinstance(field, forms.URLField):
            field.default_validators = [validate_http_url]
            field.validators = [v for v in field.validators if not isinstance(v, URLValidator)]
            field.validators.append(validate_http_url)
        return field
