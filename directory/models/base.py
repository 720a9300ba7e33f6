"""Shared pieces of the models: link and year rules the database enforces as constraints,
and Korean text shown in place of English on Korean pages."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation

MIN_YEAR = 1800
MAX_YEAR = 2100


def _http_url_check(field: str) -> models.CheckConstraint:
    """Blank, or an http(s) URL: the same rule HttpUrlField enforces, kept by the database."""
    return models.CheckConstraint(
        condition=Q(**{field: ""})
        | Q(**{f"{field}__startswith": "http://"})
        | Q(**{f"{field}__startswith": "https://"}),
        name=f"%(app_label)s_%(class)s_{field}_http",
    )


def _year_check(field: str, *, nullable: bool = True) -> models.CheckConstraint:
    in_range = Q(**{f"{field}__gte": MIN_YEAR, f"{field}__lte": MAX_YEAR})
    return models.CheckConstraint(
        condition=(Q(**{f"{field}__isnull": True}) | in_range) if nullable else in_range,
        name=f"%(app_label)s_%(class)s_{field}_range",
    )


year_validators = [MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]


KOREAN_HELP = "Korean; shown on /ko/ pages, English when empty."


def korean_field(verbose_name: str, max_length: int) -> models.CharField:
    return models.CharField(verbose_name, max_length=max_length, blank=True, help_text=KOREAN_HELP)


def korean_text(verbose_name: str) -> models.TextField:
    return models.TextField(verbose_name, blank=True, help_text=KOREAN_HELP + " Markdown.")


class Localized:
    """A model with Korean versions of some of its text (`name_ko` for `name`, ...)."""

    # Each English field with a Korean version, and the field holding it.
    KOREAN_FIELDS = {"name": "name_ko", "summary": "summary_ko"}

    def localized(self, field: str) -> str:
        """The field in the active language: its Korean version on Korean pages when a
        curator has written one, else the English text."""
        if translation.get_language() == "ko" and field in self.KOREAN_FIELDS:
            korean = getattr(self, self.KOREAN_FIELDS[field])
            if korean:
                return korean
        return getattr(self, field)
