"""Every admin page, tried with each role, including a staff account with no permissions.

The pages are found by walking the admin's own URL patterns, so a view added later (an
import, an export, a custom button) is tried too without anyone remembering to list it.
"""

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver

from directory.models import Correction, Feed, HarvestConflict, Organization, Suggestion
from tests.factories import make_fact, make_issue, make_org, make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    """One object of each curated kind, with a history."""
    org = make_org("PSCORE")
    make_program(org, "Education")
    issue = make_issue("Child Labor")
    make_fact(issue)
    Suggestion.objects.create(name="Helping Hands Korea", summary="Care for children.")
    Correction.objects.create(organization=org, message="The address has changed.")
    feed = Feed.objects.create(name="Open Directory", url="https://open.example/api/hsds/")
    HarvestConflict.objects.create(
        feed=feed, organization=org, kind="edited", incoming={"name": "P"}, local={"name": "Q"}
    )
    return org


def _staff(django_user_model, group: str | None) -> Client:
    user = django_user_model.objects.create_user(
        f"staff-{group or 'none'}", password="pw", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def _model_urls() -> list[tuple[str, str]]:
    """(name, path) for every page each registered ModelAdmin serves, with real ids."""
    urls = []
    for model, model_admin in admin.site._registry.items():
        obj = model._default_manager.order_by("pk").first()
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for pattern in _walk(model_admin.get_urls()):
            route = str(pattern.pattern)
            if route == "^([^/]+)/history/([^/]+)/$":  # simple-history's version page
                route = "<path:object_id>/history/<str:version_id>/"
            if "<" in route and obj is None:
                continue
            path = route.replace("<path:object_id>", str(obj.pk) if obj else "")
            path = path.replace("<int:pk>", str(obj.pk) if obj else "")
            if "<" in path and "version_id" in path:
                record = obj.history.order_by("history_id").first() if obj else None
                if record is None:
                    continue
                path = path.replace("<str:version_id>", str(record.history_id))
                path = path.replace("<int:version_id>", str(record.history_id))
            if "<" in path or path.startswith("^") or "(?P" in path:
                continue
            urls.append((f"{model._meta.model_name}:{pattern.name}", prefix + path))
    return urls


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_the_walk_finds_every_kind_of_page(content):
    names = {name.split(":")[1] or "" for name, _ in _model_urls()}

    for page in ["changelist", "add", "change", "history", "delete"]:
        assert any(name.endswith(page) for name in names), page
    assert any(name.endswith("import") for name in names)
    assert any(name.endswith("export") for name in names)
    assert any(name.endswith("simple_history") for name in names)
    assert any(name.endswith("suggestion_draft") for name in names)
    assert any(name.endswith("harvestconflict_settle") for name in names)


def test_a_staff_account_without_permissions_is_refused_every_model_page(
    content, django_user_model
):
    client = _staff(django_user_model, None)

    for name, path in _model_urls():
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in (302, 403, 404, 405), (name, path, method.__name__)
            if response.status_code == 302:
                # Only to the sign-in page, or from an object's bare address to its change
                # page, which is refused in its own turn.
                location = response["Location"]
                assert "/login/" in location or location == f"{path}change/", name
    assert Organization.objects.get(pk=content.pk).name == "PSCORE"


def test_a_staff_account_without_permissions_cannot_export_or_import(content, django_user_model):
    client = _staff(django_user_model, None)
    for model in ["organization", "program"]:
        export = client.post(f"/admin/directory/{model}/export/", {"format": "0"})
        assert export.status_code == 403
        assert b"PSCORE" not in export.content

        upload = io.BytesIO(b"slug,name,summary\npscore,Rewritten,Rewritten summary\n")
        upload.name = "rewrite.csv"
        response = client.post(
            f"/admin/directory/{model}/import/",
            {"import_file": upload, "format": "0", "resource": "0"},
        )
        assert response.status_code == 403
    assert Organization.objects.get(pk=content.pk).summary != "Rewritten summary"


def test_a_staff_account_without_permissions_gets_no_autocomplete_results(
    content, django_user_model
):
    client = _staff(django_user_model, None)

    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "directory", "model_name": "organization", "field_name": "issues"},
    )

    assert response.status_code == 403


@pytest.mark.parametrize("group", ["Curators", "Editors"])
def test_each_role_opens_every_page_it_may_and_no_page_is_a_server_error(
    content, django_user_model, group
):
    client = _staff(django_user_model, group)

    for name, path in _model_urls():
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404, 405), (name, path, response.status_code)


def test_the_admin_index_shows_a_staff_account_without_permissions_nothing(django_user_model):
    client = _staff(django_user_model, None)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert response.context["app_list"] == []
