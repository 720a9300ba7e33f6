"""Shared pieces of the models: link and year rules the database enforces as constraints."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

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
