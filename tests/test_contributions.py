"""The public's contributions: suggesting an organization and reporting a correction, the
spam and rate limits in front of them, and the moderation queue behind them."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from directory.models import Correction, Organization, Suggestion
from tests.factories import make_org

pytestmark = pytest.mark.django_db

SUGGEST = "/suggest/"
CURATOR = "c@example.org"


@pytest.fixture(autouse=True)
def _curators_to_email(settings):
    settings.CURATOR_EMAILS = [CURATOR]


@pytest.fixture
def curator(django_user_model):
    user = django_user_model.objects.create_user("carol", password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    client = Client()
    client.force_login(user)
    return client


def _suggestion(**overrides) -> dict:
    data = {
        "name": "Crossing Borders",
        "website": "https://crossingbordersnk.org/",
        "summary": "Care for North Korean refugee women and children in China.",
        "why": "It runs homes for stateless children.",
        "contact_email": "reader@example.org",
        "website_url": "",
    }
    return data | overrides


def _correction(**overrides) -> dict:
    data = {
        "message": "The founding year is 2003, not 2004.",
        "source_url": "https://example.org/annual-report",
        "contact_email": "",
        "website_url": "",
    }
    return data | overrides


def _correction_url(org) -> str:
    return f"/organizations/{org.slug}/correction/"


def _errors(response) -> dict:
    return response.context["form"].errors


# --- the suggestion form -------------------------------------------------------------------------


def test_the_suggestion_form_has_labelled_fields_and_a_csrf_token(client):
    response = client.get(SUGGEST)

    html = response.content.decode()
    assert response.status_code == 200
    for field in ["name", "website", "summary", "why", "contact_email"]:
        assert f'<label for="id_{field}">' in html, field
        assert f'id="id_{field}"' in html, field
    assert "Organization&#x27;s name" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_honeypot_is_hidden_and_labelled_to_be_left_empty(client):
    html = client.get(SUGGEST).content.decode()

    hidden = re.search(r"<div hidden>(.*?)</div>", html, re.S)
    assert hidden and 'name="website_url"' in hidden[1]
    assert "Leave this field empty" in hidden[1]
    assert 'tabindex="-1"' in hidden[1]


def test_a_suggestion_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)

    response = client.post(SUGGEST, _suggestion())

    assert response.status_code == 403
    assert not Suggestion.objects.exists()


def test_a_suggestion_with_the_csrf_token_is_accepted():
    client = Client(enforce_csrf_checks=True)
    page = client.get(SUGGEST)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]

    response = client.post(SUGGEST, {**_suggestion(), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Suggestion.objects.count() == 1


def test_a_suggestion_waits_in_the_queue_and_publishes_nothing(client):
    response = client.post(SUGGEST, _suggestion())

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    suggestion = Suggestion.objects.get()
    assert (suggestion.name, suggestion.status) == ("Crossing Borders", "new")
    assert suggestion.contact_email == "reader@example.org"
    assert not Organization.objects.exists()
    assert client.get("/suggest/thanks/").status_code == 200


def test_a_suggestion_emails_the_curators(client):
    client.post(SUGGEST, _suggestion())

    (message,) = mail.outbox
    assert message.to == [CURATOR]
    assert message.subject == "[Causeway] New suggestion: Crossing Borders"
    assert "reader@example.org" not in message.body  # the contact stays in the admin


def test_the_email_links_to_the_suggestion_in_the_admin(client, settings):
    settings.SITE_URL = "https://causeway.example/"

    client.post(SUGGEST, _suggestion())

    (message,) = mail.outbox
    pk = Suggestion.objects.get().pk
    assert f"https://causeway.example/admin/directory/suggestion/{pk}/change/" in message.body


def test_without_a_site_url_the_email_carries_the_admin_path(client, settings):
    settings.SITE_URL = ""

    client.post(SUGGEST, _suggestion())

    (message,) = mail.outbox
    pk = Suggestion.objects.get().pk
    assert f"\n/admin/directory/suggestion/{pk}/change/" in message.body


def test_a_mail_outage_loses_no_suggestion(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1

    response = client.post(SUGGEST, _suggestion())

    assert response.status_code == 302
    assert Suggestion.objects.count() == 1


def test_no_email_goes_out_when_no_curator_is_configured(client, settings):
    settings.CURATOR_EMAILS = []

    response = client.post(SUGGEST, _suggestion())

    assert response.status_code == 302
    assert Suggestion.objects.count() == 1
    assert mail.outbox == []


def test_a_filled_honeypot_looks_accepted_but_saves_and_sends_nothing(client):
    response = client.post(SUGGEST, _suggestion(website_url="https://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


def test_a_suggestion_needs_a_name_and_a_summary(client):
    response = client.post(SUGGEST, _suggestion(name="", summary=""))

    assert response.status_code == 400
    assert _errors(response) == {
        "name": ["This field is required."],
        "summary": ["This field is required."],
    }
    html = response.content.decode()
    assert "Please correct the highlighted fields." in html
    assert "This field is required." in html
    assert 'value="https://crossingbordersnk.org/"' in html  # what was typed is kept
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


def test_a_suggestion_refuses_a_javascript_link(client):
    response = client.post(SUGGEST, _suggestion(website="javascript:alert(1)"))

    assert response.status_code == 400
    assert _errors(response) == {"website": ["Enter a valid URL."]}
    assert "Enter a valid URL." in response.content.decode()
    assert "Crossing Borders" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_suggestion_refuses_an_over_long_summary(client):
    summary = "x" * 2001

    response = client.post(SUGGEST, _suggestion(summary=summary))

    assert response.status_code == 400
    message = "Ensure this value has at most 2000 characters (it has 2001)."
    assert _errors(response) == {"summary": [message]}
    assert message in response.content.decode()
    assert summary in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_summary_of_exactly_2000_characters_is_accepted(client):
    assert client.post(SUGGEST, _suggestion(summary="x" * 2000)).status_code == 302
    assert len(Suggestion.objects.get().summary) == 2000


# --- rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def _two_posts_an_hour(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "forms": "2/h"}


@pytest.mark.usefixtures("_two_posts_an_hour")
def test_the_third_suggestion_within_the_hour_is_refused(client):
    assert client.post(SUGGEST, _suggestion(name="First")).status_code == 302
    assert client.post(SUGGEST, _suggestion(name="Second")).status_code == 302

    response = client.post(SUGGEST, _suggestion(name="Third"))

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many requests" in response.content.decode()
    assert set(Suggestion.objects.values_list("name", flat=True)) == {"First", "Second"}


@pytest.mark.usefixtures("_two_posts_an_hour")
def test_showing_the_forms_is_not_limited(client):
    org = make_org()
    for _ in range(5):
        assert client.get(SUGGEST).status_code == 200
        assert client.get(_correction_url(org)).status_code == 200

    assert client.post(SUGGEST, _suggestion()).status_code == 302


@pytest.mark.usefixtures("_two_posts_an_hour")
def test_suggestions_and_corrections_share_one_limit(client):
    org = make_org()
    client.post(SUGGEST, _suggestion())
    client.post(_correction_url(org), _correction())

    assert client.post(_correction_url(org), _correction()).status_code == 429
    assert Correction.objects.count() == 1


@pytest.mark.usefixtures("_two_posts_an_hour")
def test_the_limit_is_per_client(client):
    client.post(SUGGEST, _suggestion(), REMOTE_ADDR="203.0.113.1")
    client.post(SUGGEST, _suggestion(), REMOTE_ADDR="203.0.113.1")

    other = client.post(SUGGEST, _suggestion(), REMOTE_ADDR="203.0.113.2")

    assert other.status_code == 302


# --- the correction form -------------------------------------------------------------------------


def test_a_published_organization_links_to_report_a_correction(client):
    org = make_org("PSCORE")

    html = client.get(org.get_absolute_url()).content.decode()

    assert f'<a href="{_correction_url(org)}">Report a correction</a>' in html


def test_the_correction_form_has_labelled_fields_and_a_csrf_token(client):
    org = make_org("PSCORE")

    response = client.get(_correction_url(org))

    html = response.content.decode()
    assert response.status_code == 200
    assert "PSCORE" in html
    for field in ["message", "source_url", "contact_email"]:
        assert f'<label for="id_{field}">' in html, field
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_correction_without_the_csrf_token_is_refused():
    org = make_org()

    response = Client(enforce_csrf_checks=True).post(_correction_url(org), _correction())

    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_a_correction_waits_in_the_queue_and_emails_the_curators(client):
    org = make_org("PSCORE")

    response = client.post(_correction_url(org), _correction())

    assert response.status_code == 302
    assert response["Location"] == f"{_correction_url(org)}thanks/"
    correction = Correction.objects.get()
    assert (correction.organization, correction.status) == (org, "new")
    assert correction.message == "The founding year is 2003, not 2004."
    (message,) = mail.outbox
    assert message.to == [CURATOR]
    assert message.subject == "[Causeway] Correction reported for PSCORE"
    assert "PSCORE" in client.get(response["Location"]).content.decode()


def test_a_correction_with_a_filled_honeypot_saves_and_sends_nothing(client):
    org = make_org()

    response = client.post(_correction_url(org), _correction(website_url="spam"))

    assert response.status_code == 302
    assert not Correction.objects.exists()
    assert mail.outbox == []


def test_a_correction_needs_a_message_and_an_http_source(client):
    org = make_org()

    response = client.post(
        _correction_url(org), _correction(message="", source_url="javascript:alert(1)")
    )

    assert response.status_code == 400
    assert _errors(response) == {
        "message": ["This field is required."],
        "source_url": ["Enter a valid URL."],
    }
    assert not Correction.objects.exists()


def test_a_correction_refuses_an_over_long_message(client):
    org = make_org()

    response = client.post(_correction_url(org), _correction(message="x" * 4001))

    assert response.status_code == 400
    assert "message" in _errors(response)
    assert not Correction.objects.exists()


@pytest.mark.parametrize("status", ["draft", "review", "archived"])
def test_no_correction_can_be_reported_on_an_unpublished_organization(client, status):
    org = make_org(status=status)

    assert client.get(_correction_url(org)).status_code == 404
    assert client.post(_correction_url(org), _correction()).status_code == 404
    assert client.get(f"{_correction_url(org)}thanks/").status_code == 404
    assert not Correction.objects.exists()
    assert mail.outbox == []


# --- the moderation queue ------------------------------------------------------------------------


def test_curators_see_suggestions_and_corrections_in_the_queue(curator, client):
    org = make_org("PSCORE")
    client.post(SUGGEST, _suggestion())
    client.post(_correction_url(org), _correction())

    suggestions = curator.get("/admin/directory/suggestion/")
    corrections = curator.get("/admin/directory/correction/")

    assert suggestions.status_code == corrections.status_code == 200
    assert "Crossing Borders" in suggestions.content.decode()
    assert "PSCORE" in corrections.content.decode()
    change = curator.get(f"/admin/directory/suggestion/{Suggestion.objects.get().pk}/change/")
    assert "reader@example.org" in change.content.decode()


@pytest.mark.parametrize(("action", "status"), [("accept", "accepted"), ("reject", "rejected")])
def test_curators_accept_or_reject_suggestions(curator, action, status):
    chosen = Suggestion.objects.create(name="Chosen", summary="Yes.")
    other = Suggestion.objects.create(name="Other", summary="Later.")

    response = curator.post(
        "/admin/directory/suggestion/",
        {"action": action, "_selected_action": [chosen.pk]},
        follow=True,
    )

    assert f"1 marked {status}." in response.content.decode()
    assert Suggestion.objects.get(pk=chosen.pk).status == status
    assert Suggestion.objects.get(pk=other.pk).status == "new"
    assert not Organization.objects.exists()  # accepting publishes nothing by itself


@pytest.mark.parametrize(("action", "status"), [("accept", "accepted"), ("reject", "rejected")])
def test_curators_accept_or_reject_corrections(curator, action, status):
    correction = Correction.objects.create(organization=make_org(), message="Wrong year.")

    curator.post(
        "/admin/directory/correction/", {"action": action, "_selected_action": [correction.pk]}
    )

    assert Correction.objects.get(pk=correction.pk).status == status


@pytest.mark.parametrize("model", ["suggestion", "correction"])
def test_contributions_cannot_be_added_in_the_admin(admin_client, curator, model):
    assert admin_client.get(f"/admin/directory/{model}/add/").status_code == 403
    assert curator.get(f"/admin/directory/{model}/add/").status_code == 403
    changelist = admin_client.get(f"/admin/directory/{model}/").content.decode()
    assert f"/admin/directory/{model}/add/" not in changelist


def test_curators_cannot_delete_contributions(curator):
    suggestion = Suggestion.objects.create(name="Chosen", summary="Yes.")

    response = curator.post(f"/admin/directory/suggestion/{suggestion.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Suggestion.objects.filter(pk=suggestion.pk).exists()


def test_the_admin_escapes_what_the_public_wrote(client, curator):
    hostile = "<script>alert('x')</script>"
    client.post(SUGGEST, _suggestion(name=hostile, summary=hostile, why=hostile))
    suggestion = Suggestion.objects.get()

    for url in [
        "/admin/directory/suggestion/",
        f"/admin/directory/suggestion/{suggestion.pk}/change/",
    ]:
        html = curator.get(url).content.decode()
        assert "<script>alert(" not in html, url
        assert "&lt;script&gt;alert(" in html, url
