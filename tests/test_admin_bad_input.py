"""Staff-only pages answer bad input with a 4xx, never a 500: a NUL byte in a filter, a
search or an autocomplete term (PostgreSQL refuses NUL in text), an id that is not one."""

import pytest
from django.contrib import admin

from tests.factories import make_org

pytestmark = pytest.mark.django_db


def _directory_admins():
    return [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
        if model._meta.app_label == "directory"
    ]


@pytest.mark.parametrize("query", ["q=%00", "status__exact=%00", "q=a%00b", "o=%00", "p=%00"])
def test_a_nul_byte_in_a_changelist_parameter_is_a_400(admin_client, query):
    make_org()
    for url in _directory_admins():
        response = admin_client.get(f"{url}?{query}")
        assert response.status_code in (200, 302, 400, 403), (url, response.status_code)


def test_a_nul_byte_in_an_autocomplete_term_is_a_400(admin_client):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "directory",
            "model_name": "organization",
            "field_name": "issues",
            "term": "traf\x00",
        },
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "suffix",
    ["abc/change/", "abc/history/", "abc/history/abc/", "1/history/abc/", "99999/history/1/"],
)
def test_an_id_that_is_not_one_is_not_a_server_error(admin_client, suffix):
    make_org()
    for url in _directory_admins():
        response = admin_client.get(url + suffix)
        assert response.status_code in (302, 403, 404), (url + suffix, response.status_code)


def test_a_nul_byte_in_a_posted_form_is_a_400(admin_client):
    org = make_org()

    response = admin_client.post(
        f"/admin/directory/organization/{org.pk}/change/", {"name": "Evil\x00Name"}
    )

    assert response.status_code == 400
