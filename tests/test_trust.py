"""What a donor can check: the transparency checklist, verifications on the public page,
dated and sourced figures, the site's own pages, and the privacy page's promise kept."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from directory.management.commands.erase_contact_details import erase_contact_details
from directory.models import Correction, Organization, Source, Suggestion, Verification
from tests.factories import make_fact, make_issue, make_org, make_source

pytestmark = pytest.mark.django_db

PAGES = ["/methodology/", "/about/", "/contact/", "/privacy/"]


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the checklist and the verification on a listing ------------------------------------------


def test_the_checklist_names_what_a_listing_has_and_lacks(client):
    org = make_org("Haven", donate_url="https://haven.example/give")
    org.identifiers.create(identifier_scheme="US-EIN", identifier="12-3456789")

    html = _html(client, org.get_absolute_url())

    assert "Transparency checklist" in html
    assert "US-EIN 12-3456789" in html
    assert "1 named below" in html
    assert "Not yet verified" in html
    assert "Linked on this page" in html
    assert html.count('class="met"') == 4  # registered, sources, ways to give, last changed
    assert html.count('class="unmet"') == 1  # not verified


def test_a_us_ein_links_to_the_irs_register(client):
    org = make_org()
    org.identifiers.create(identifier_scheme="US-EIN", identifier="12-3456789")

    html = _html(client, org.get_absolute_url())

    assert 'href="https://apps.irs.gov/app/eos/"' in html
    assert "Look it up in the IRS Tax Exempt Organization Search" in html


def test_a_scheme_without_a_known_register_shows_the_number_unlinked(client):
    org = make_org()
    org.identifiers.create(identifier_scheme="KR-NTS", identifier="123-45-67890")

    html = _html(client, org.get_absolute_url())

    assert "KR-NTS: 123-45-67890" in html
    assert "Look it up" not in html


def test_a_scheme_must_be_an_org_id_code():
    org = make_org()
    identifier = org.identifiers.model(organization=org, identifier_scheme="ein", identifier="1")

    with pytest.raises(ValidationError, match=r"org-id\.guide"):
        identifier.full_clean()


def test_the_trust_panel_shows_what_the_latest_verification_checked(client):
    org = make_org(last_verified=None)
    Verification.objects.create(
        organization=org,
        website_answers=True,
        registration_confirmed=True,
        note="Charity register entry matches.",
    )
    org.refresh_last_verified()

    html = _html(client, org.get_absolute_url())

    assert "Last verified on" in html
    assert "✓</span> The website answers and is the organization&#x27;s own" in html
    assert "Not checked: The donation page answers" in html
    assert "Charity register entry matches." in html
    assert "Not yet verified" not in html


def test_last_verified_is_the_latest_verifications_date():
    org = make_org(last_verified=None)
    today = timezone.localdate()
    Verification.objects.create(organization=org, verified_on=today, sources_reread=True)
    Verification.objects.create(
        organization=org, verified_on=today - timedelta(days=40), website_answers=True
    )

    org.refresh_last_verified()

    assert Organization.objects.get(pk=org.pk).last_verified == today


def test_a_verification_must_check_something():
    org = make_org()

    with pytest.raises(ValidationError, match="Tick at least one"):
        Verification(organization=org).full_clean()


# --- figures and sources ------------------------------------------------------------------------


def test_a_source_needs_a_url_or_a_document_number():
    with pytest.raises(ValidationError, match="URL or its document number"):
        Source(slug="s", title="A report", publisher="UN").full_clean()
    Source(slug="s", title="A report", publisher="UN", document_number="A/HRC/25/63").full_clean()
    Source(slug="t", title="A report", publisher="UN", url="https://example.org/r").full_clean()


def test_the_admin_refuses_a_source_without_a_url_or_number(admin_client):
    response = admin_client.post(
        "/admin/directory/source/add/",
        {"slug": "x", "title": "Report", "publisher": "UN", "url": "", "document_number": ""},
    )

    assert response.status_code == 200
    assert "URL or its document number" in response.content.decode()
    assert not Source.objects.exists()


def test_a_figure_shows_its_year_who_estimated_it_and_whether_it_is_old(client):
    issue = make_issue("Overseas labor", slug="overseas-labor")
    make_fact(
        issue,
        statement="About 100,000 North Koreans work abroad.",
        figure="100,000",
        year=timezone.localdate().year - 7,
        estimated_by="UN Panel of Experts",
        source=make_source(title="Final report", document_number="S/2024/215", url=""),
    )
    make_org(issues=[issue])

    html = _html(client, "/issues/overseas-labor/")

    assert f"Estimated by UN Panel of Experts, as of {timezone.localdate().year - 7}" in html
    assert "7 years old: it may have changed since" in html
    assert "(S/2024/215)" in html


def test_a_recent_count_is_not_called_old_or_an_estimate(client):
    issue = make_issue("Refugees", slug="refugees")
    make_fact(issue, statement="236 arrivals.", year=timezone.localdate().year - 2)
    make_org(issues=[issue])

    html = _html(client, "/issues/refugees/")

    assert f"As of {timezone.localdate().year - 2}" in html
    assert "Estimated by" not in html
    assert "may have changed since" not in html


def test_korean_pages_show_the_korean_description_brief_and_statement(client):
    issue = make_issue("Refugees", slug="refugees", brief="English brief.", brief_ko="한국어 개요.")
    make_fact(issue, statement="English fact.", statement_ko="한국어 사실.")
    org = make_org(
        "Haven",
        issues=[issue],
        description="English description.",
        description_ko="한국어 설명.",
    )

    english = org.get_absolute_url()

    assert "한국어 설명." in _html(client, "/ko" + english)
    korean_issue = _html(client, "/ko/issues/refugees/")
    assert "한국어 개요." in korean_issue and "한국어 사실." in korean_issue
    assert "English description." in _html(client, english)


# --- the site's own pages -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_each_site_page_is_linked_from_every_pages_footer_in_both_languages(client, path):
    assert f'href="{path}"' in _html(client, "/")
    assert f'href="/ko{path}"' in _html(client, "/ko/")
    assert "<h1>" in _html(client, path)
    korean = _html(client, "/ko" + path)
    assert 'lang="ko"' in korean


def test_the_methodology_page_explains_every_checklist_item_and_check(client):
    html = _html(client, "/methodology/")

    for item in ["Registered", "Sources", "Verified within 365 days", "Ways to give"]:
        assert item in html
    assert "Each source was re-read and still supports the listing" in html


def test_the_privacy_page_states_the_retention_setting(client, settings):
    settings.CONTACT_RETENTION_DAYS = 45

    assert "erased 45 days after" in _html(client, "/privacy/")
    assert "45일이 지나면" in _html(client, "/ko/privacy/")


def test_the_contact_page_shows_an_address_only_when_configured(client, settings):
    settings.CONTACT_EMAIL = ""
    assert "mailto:" not in _html(client, "/contact/")
    settings.CONTACT_EMAIL = "curators@causeway.example"
    assert 'href="mailto:curators@causeway.example"' in _html(client, "/contact/")


# --- retention ----------------------------------------------------------------------------------


def test_contact_addresses_past_the_retention_period_are_erased(settings):
    settings.CONTACT_RETENTION_DAYS = 30
    old = Suggestion.objects.create(name="Old", summary="s", contact_email="a@example.org")
    new = Suggestion.objects.create(name="New", summary="s", contact_email="b@example.org")
    report = Correction.objects.create(
        organization=make_org(), message="m", contact_email="c@example.org"
    )
    long_ago = timezone.now() - timedelta(days=31)
    Suggestion.objects.filter(pk=old.pk).update(created=long_ago)
    Correction.objects.filter(pk=report.pk).update(created=long_ago)

    assert erase_contact_details() == 2

    old.refresh_from_db()
    new.refresh_from_db()
    report.refresh_from_db()
    assert (old.contact_email, report.contact_email) == ("", "")
    assert new.contact_email == "b@example.org"
    assert old.name == "Old" and report.message == "m"  # the rest stays


def test_the_command_reports_how_many_it_erased(capsys):
    call_command("erase_contact_details")

    assert "Erased 0 contact address(es) older than" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["Two\nlines", "Tab\there", "Bell\x07", "Line\u2028break"])
def test_names_are_one_line_everywhere(name):
    with pytest.raises(ValidationError, match="one line"):
        Organization(name=name, slug="x", summary="s").full_clean()
    with pytest.raises(ValidationError, match="one line"):
        Source(slug="s", title=name, publisher="UN", url="https://example.org/").full_clean()


def test_the_admin_refuses_a_name_over_two_lines(admin_client):
    org = make_org("Haven")
    url = f"/admin/directory/organization/{org.pk}/change/"
    from tests.forms import rendered_form

    response = admin_client.post(url, {**rendered_form(admin_client.get(url)), "name": "Ha\nven"})

    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).name == "Haven"
