"""Small factory functions for tests: each makes one valid object, overridable by keyword."""

from itertools import count

from django.contrib.auth import get_user_model

from directory.models import (
    Country,
    FocusArea,
    Issue,
    KeyFact,
    Organization,
    Program,
    Source,
)
from directory.search import index

_seq = count(1)


def make_issue(name=None, **fields) -> Issue:
    n = next(_seq)
    name = name or f"Issue {n}"
    fields.setdefault("slug", f"issue-{n}")
    fields.setdefault("summary", f"A summary of {name}.")
    return Issue.objects.create(name=name, **fields)


def make_focus_area(name=None, **fields) -> FocusArea:
    n = next(_seq)
    name = name or f"Focus {n}"
    fields.setdefault("slug", f"focus-{n}")
    return FocusArea.objects.create(name=name, **fields)


def make_source(**fields) -> Source:
    n = next(_seq)
    fields.setdefault("slug", f"source-{n}")
    fields.setdefault("title", f"Report {n}")
    fields.setdefault("publisher", "U.S. Department of State")
    fields.setdefault("year", 2022)
    if not fields.get("document_number"):
        fields.setdefault("url", f"https://example.org/report-{n}")
    return Source.objects.create(**fields)


def make_fact(issue, **fields) -> KeyFact:
    fields.setdefault("statement", "A fact about the issue.")
    fields.setdefault("year", 2022)
    fields.setdefault("source", fields.get("source") or make_source())
    return KeyFact.objects.create(issue=issue, **fields)


def _one_creation_record(obj) -> None:
    """Setting links writes a history record each; keep only the last, which holds them
    all, as the one creation record an admin "add" leaves."""
    latest = obj.history.first()
    obj.history.exclude(pk=latest.pk).delete()
    if latest.history_type != "+":
        latest.history_type = "+"
        latest.save(update_fields=["history_type"])


def make_org(
    name=None, *, issues=(), focus_areas=(), countries=(), sources=None, index_it=True, **fields
):
    """An organization, published unless told otherwise, and indexed for search. It cites
    a source unless given its own `sources`, as publishing requires."""
    n = next(_seq)
    name = name or f"Organization {n}"
    fields.setdefault("slug", f"organization-{n}")
    fields.setdefault("summary", f"{name} helps people.")
    fields.setdefault("status", Organization.Status.PUBLISHED)
    org = Organization.objects.create(name=name, **fields)
    org.issues.set(issues)
    org.focus_areas.set(focus_areas)
    org.countries.set([Country.objects.get(pk=code) for code in countries])
    if sources is None:
        sources = [make_source()]
    org.sources.set(sources or [])
    _one_creation_record(org)
    if org.last_verified:
        # The date stands for a verification, as it does in the admin.
        org.verifications.create(verified_on=org.last_verified, sources_reread=True)
    if index_it:
        index.refresh_organizations([org.pk])
    return org


def make_program(org, name=None, *, issues=(), focus_areas=(), countries=(), **fields):
    n = next(_seq)
    name = name or f"Program {n}"
    fields.setdefault("slug", f"program-{n}")
    program = Program.objects.create(organization=org, name=name, **fields)
    program.issues.set(issues)
    program.focus_areas.set(focus_areas)
    program.countries.set([Country.objects.get(pk=code) for code in countries])
    index.refresh_organizations([org.pk])
    return program


def make_superuser(username="admin"):
    return get_user_model().objects.create_superuser(username, f"{username}@example.org", "pw")


def admin_change_url(obj) -> str:
    return f"/admin/directory/{obj._meta.model_name}/{obj.pk}/change/"
