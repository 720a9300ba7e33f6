"""Volunteer opportunities: the /volunteer/ filters, what the public may see (never an expired
or unpublished opportunity, nor one of an unpublished organization), where they are shown,
their curation in the admin and the database's own rule for on-site opportunities."""

import re
from datetime import timedelta
from html import unescape
from itertools import count
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from directory.models import Country, Opportunity, Organization, Skill
from tests.factories import make_issue, make_org
from tests.forms import filled_form, rendered_form

pytestmark = pytest.mark.django_db

LIST = "/volunteer/"
ADD = "/admin/directory/opportunity/add/"

_seq = count(1)


def today():
    return timezone.localdate()


def make_skill(name=None, **fields) -> Skill:
    n = next(_seq)
    fields.setdefault("slug", f"skill-{n}")
    return Skill.objects.create(name=name or f"Skill {n}", **fields)


def make_opportunity(org=None, title=None, *, issues=(), skills=(), country=None, **fields):
    """An opportunity, published and open-ended unless told otherwise."""
    n = next(_seq)
    title = title or f"Opportunity {n}"
    fields.setdefault("slug", f"opportunity-{n}")
    fields.setdefault("description", f"Help with {title}.")
    fields.setdefault("apply_url", "https://example.org/apply")
    fields.setdefault("status", Opportunity.Status.PUBLISHED)
    if country:
        fields["country"] = Country.objects.get(pk=country)
    opportunity = Opportunity.objects.create(organization=org or make_org(), title=title, **fields)
    opportunity.issues.set(issues)
    opportunity.skills.set(skills)
    return opportunity


def get_html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, f"{url} answered {response.status_code}"
    return response.content.decode()


def titles(response) -> list[str]:
    return [opportunity.title for opportunity in response.context["page_obj"]]


def block(html, start, end):
    begin = html.index(start)
    return html[begin : html.index(end, begin) + len(end)]


# --- Filters -------------------------------------------------------------------------------


@pytest.fixture
def board():
    """Four opportunities that differ in issue, mode, country and skill."""
    housing = make_issue("Housing", slug="housing")
    trafficking = make_issue("Human trafficking", slug="trafficking")
    legal = make_skill("Legal", slug="legal")
    teaching = make_skill("Teaching", slug="teaching")
    org = make_org("Open Door")
    make_opportunity(org, "Remote tutor", issues=[housing], skills=[teaching], mode="remote")
    make_opportunity(
        org,
        "Seoul legal clinic",
        issues=[trafficking],
        skills=[legal],
        mode="onsite",
        country="KR",
        city="Seoul",
    )
    make_opportunity(
        org,
        "Bangkok teacher",
        issues=[trafficking, housing],
        skills=[teaching],
        mode="hybrid",
        country="TH",
    )
    make_opportunity(
        org,
        "Seoul translator",
        issues=[housing],
        skills=[legal, teaching],
        mode="hybrid",
        country="KR",
    )


ALL = ["Bangkok teacher", "Remote tutor", "Seoul legal clinic", "Seoul translator"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL),
        ({"issue": "housing"}, ["Bangkok teacher", "Remote tutor", "Seoul translator"]),
        ({"issue": "trafficking"}, ["Bangkok teacher", "Seoul legal clinic"]),
        ({"mode": "remote"}, ["Remote tutor"]),
        ({"mode": "onsite"}, ["Seoul legal clinic"]),
        ({"mode": "hybrid"}, ["Bangkok teacher", "Seoul translator"]),
        ({"country": "KR"}, ["Seoul legal clinic", "Seoul translator"]),
        ({"country": "TH"}, ["Bangkok teacher"]),
        ({"skill": "legal"}, ["Seoul legal clinic", "Seoul translator"]),
        ({"skill": "teaching"}, ["Bangkok teacher", "Remote tutor", "Seoul translator"]),
        ({"issue": "housing", "mode": "hybrid"}, ["Bangkok teacher", "Seoul translator"]),
        ({"issue": "housing", "country": "KR"}, ["Seoul translator"]),
        ({"issue": "trafficking", "skill": "teaching"}, ["Bangkok teacher"]),
        ({"mode": "hybrid", "country": "TH", "skill": "teaching"}, ["Bangkok teacher"]),
        (
            {"issue": "housing", "mode": "hybrid", "country": "KR", "skill": "legal"},
            ["Seoul translator"],
        ),
        ({"issue": "trafficking", "mode": "remote"}, []),
    ],
)
def test_the_filters_narrow_the_list_alone_and_combined(client, board, params, expected):
    response = client.get(LIST, params)

    assert response.status_code == 200
    assert titles(response) == expected
    noun = "opportunity" if len(expected) == 1 else "opportunities"
    assert re.search(
        rf'id="results-heading"[^>]*>\s*{len(expected)} {noun}\b', response.content.decode()
    )


def test_no_match_says_so_and_links_to_every_opportunity(client, board):
    html = get_html(client, f"{LIST}?issue=trafficking&mode=remote")

    assert "No open opportunity matches these filters." in html
    assert f'<a href="{LIST}">See every opportunity</a>' in html


def test_the_list_links_each_opportunity_to_its_page(client):
    opportunity = make_opportunity(make_org("Open Door", slug="open-door"), "Night shift")

    html = get_html(client, LIST)

    assert f'<a href="{opportunity.get_absolute_url()}">Night shift</a>' in html
    assert (
        opportunity.get_absolute_url()
        == f"/organizations/open-door/opportunities/{opportunity.slug}/"
    )


def test_the_list_puts_the_nearest_deadline_first(client):
    org = make_org()
    make_opportunity(org, "Later", expires=today() + timedelta(days=30))
    make_opportunity(org, "Sooner", expires=today() + timedelta(days=2))
    make_opportunity(org, "Today", expires=today())

    assert titles(client.get(LIST)) == ["Today", "Sooner", "Later"]


def test_open_ended_opportunities_come_after_those_with_a_deadline(client):
    org = make_org()
    make_opportunity(org, "Any time")
    make_opportunity(org, "Closing soon", expires=today() + timedelta(days=3))

    assert titles(client.get(LIST)) == ["Closing soon", "Any time"]


def test_the_country_filter_offers_the_countries_opportunities_name(client, board):
    html = get_html(client, LIST)
    country_select = block(html, 'name="country"', "</select>")

    assert 'value="KR"' in country_select
    assert 'value="TH"' in country_select
    assert 'value="FR"' not in country_select


def test_the_country_filter_offers_no_country_only_hidden_opportunities_name(client):
    make_opportunity(make_org(), "Visible", mode="onsite", country="KR")
    make_opportunity(make_org(), "Draft", status="draft", mode="onsite", country="KP")
    make_opportunity(make_org(), "Expired", expires=today() - timedelta(days=1), country="CN")
    draft_org = make_org(status=Organization.Status.DRAFT)
    make_opportunity(draft_org, "Of a draft organization", mode="onsite", country="MN")

    html = get_html(client, LIST)
    country_select = block(html, 'name="country"', "</select>")

    assert 'value="KR"' in country_select
    for code in ("KP", "CN", "MN"):
        assert f'value="{code}"' not in country_select, code
        # A real country with no open opportunity: nothing found, not an error.
        assert titles(client.get(LIST, {"country": code})) == [], code


@pytest.mark.parametrize(
    "query",
    [
        "issue=no-such-issue",
        "mode=space",
        "mode=ONSITE",
        "country=ZZ",
        "country=kr",
        "skill=no-such-skill",
        "issue=%00",
        "skill=a%00b",
        "country=%00%00",
        "mode=%00",
        "issue=" + "x" * 10_000,
        "skill=%27%20OR%201%3D1%20--",
        "issue=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "page=abc",
        "page=0",
        "page=%00",
    ],
)
def test_bad_filter_values_are_a_bad_request_not_an_error(client, board, query):
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def heading(html) -> str:
    match = re.search(r'id="results-heading"[^>]*>(.*?)</h2>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def test_a_real_country_no_opportunity_names_is_no_results_named(client, board):
    response = client.get(LIST, {"country": "FR"})

    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert heading(html) == "0 opportunities in France"
    assert '<option value="FR" selected>France</option>' in block(
        html, 'name="country"', "</select>"
    )
    assert "No open opportunity matches these filters." in html


def test_a_country_only_hidden_opportunities_name_keeps_the_select(client):
    make_opportunity(make_org(), "Seoul shift", status="draft", mode="onsite", country="KR")
    make_opportunity(make_org(), "Anywhere")

    response = client.get(LIST, {"country": "KR"})

    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert heading(html) == "0 opportunities in South Korea"
    assert '<option value="KR" selected>' in block(html, 'name="country"', "</select>")
    assert '<a class="chip" href="?">Without “South Korea”</a>' in html


def test_a_skill_no_open_opportunity_asks_for_is_no_results_named(client):
    teaching = make_skill("Teaching", slug="teaching")
    make_opportunity(make_org(), "Draft tutor", status="draft", skills=[teaching])
    make_opportunity(
        make_org(), "Expired tutor", skills=[teaching], expires=today() - timedelta(days=1)
    )
    make_opportunity(make_org(), "Cook")

    response = client.get(LIST, {"skill": "teaching"})

    assert response.status_code == 200
    assert titles(response) == []
    html = response.content.decode()
    assert heading(html) == "0 opportunities needing Teaching"
    assert '<option value="teaching" selected>Teaching</option>' in html
    assert '<a class="chip" href="?">Without “Teaching”</a>' in html
    assert f'<a href="{LIST}">See every opportunity</a>' in html


def test_no_opportunity_on_an_issue_points_to_the_organizations_on_that_issue(client, board):
    html = unescape(get_html(client, LIST + "?issue=trafficking&mode=remote"))

    assert heading(html) == "0 opportunities on Human trafficking, done remotely"
    assert '<a class="chip" href="?mode=remote">Without “Human trafficking”</a>' in html
    assert '<a class="chip" href="?issue=trafficking">Without “Remote”</a>' in html
    assert (
        '<a href="/organizations/?issue=trafficking&help=volunteer">'
        "organizations addressing Human trafficking that take volunteers</a>"
    ) in html


def test_the_heading_names_the_filters_when_there_are_results(client, board):
    html = get_html(client, LIST + "?mode=hybrid&country=KR")

    assert heading(html) == "1 opportunity partly remote, partly on site, in South Korea"


@pytest.mark.parametrize("query", ["country=ZZ", "country=kr", "skill=cooking"])
def test_a_value_that_is_no_country_or_known_skill_is_still_a_400(client, board, query):
    html = get_html(client, f"{LIST}?{query}", status=400)

    assert "Select a valid choice" in html


def test_a_bad_filter_value_names_the_problem(client, board):
    html = get_html(client, f"{LIST}?skill=no-such-skill", status=400)

    assert "Please check the filters" in html
    assert "Select a valid choice" in html


def test_a_page_past_the_last_is_not_found(client, board):
    assert client.get(LIST, {"page": "99"}).status_code == 404


# --- What the public may see ---------------------------------------------------------------


HIDDEN_KINDS = ["expired", "draft", "review", "archived"]
HIDDEN_ORG_KINDS = ["organization-draft", "organization-review", "organization-archived"]


def _hidden_opportunity(kind, issue):
    """An opportunity the public must not see, for the reason `kind` names."""
    if kind.startswith("organization-"):
        org = make_org("Secret Harbor", slug="secret-harbor")
        opportunity = make_opportunity(org, "Secret shift", slug="secret-shift", issues=[issue])
        # Published first, then moved out of public view, as curators do.
        Organization.objects.filter(pk=org.pk).update(status=kind.removeprefix("organization-"))
        return opportunity
    org = make_org("Open Harbor", slug="open-harbor")
    fields = {"expires": today() - timedelta(days=1)} if kind == "expired" else {"status": kind}
    return make_opportunity(org, "Secret shift", slug="secret-shift", issues=[issue], **fields)


@pytest.fixture(params=HIDDEN_KINDS + HIDDEN_ORG_KINDS)
def hidden(request):
    issue = make_issue("Forced labour", slug="forced-labour")
    visible = make_opportunity(make_org("Open Door"), "Open shift", issues=[issue])
    secret = _hidden_opportunity(request.param, issue)
    return SimpleNamespace(issue=issue, visible=visible, secret=secret)


def test_hidden_opportunities_are_not_listed(client, hidden):
    response = client.get(LIST)

    assert titles(response) == ["Open shift"]
    assert "Secret shift" not in response.content.decode()


def test_hidden_opportunities_are_not_listed_under_any_filter(client, hidden):
    response = client.get(LIST, {"issue": "forced-labour"})

    assert titles(response) == ["Open shift"]


def test_hidden_opportunity_pages_are_not_found(client, hidden):
    html = get_html(client, hidden.secret.get_absolute_url(), status=404)

    assert "Secret shift" not in html


def test_hidden_opportunities_are_not_on_the_issue_page(client, hidden):
    html = get_html(client, hidden.issue.get_absolute_url())

    assert "Open shift" in html
    assert "Secret shift" not in html
    assert hidden.secret.get_absolute_url() not in html


def test_hidden_opportunities_are_not_in_the_sitemap(client, hidden):
    xml = get_html(client, "/sitemap-opportunities.xml")

    assert f"http://testserver{hidden.visible.get_absolute_url()}" in xml
    assert hidden.secret.get_absolute_url() not in xml


@pytest.mark.parametrize("kind", HIDDEN_KINDS)
def test_hidden_opportunities_are_not_on_their_organization_page(client, kind):
    secret = _hidden_opportunity(kind, make_issue())
    make_opportunity(secret.organization, "Open shift")

    html = get_html(client, secret.organization.get_absolute_url())

    assert "Open shift" in html
    assert "Secret shift" not in html


@pytest.mark.parametrize(
    ("expires_in_days", "shown"), [(-1, False), (0, True), (1, True), (None, True)]
)
def test_an_opportunity_is_shown_up_to_and_including_its_expiry_date(
    client, expires_in_days, shown
):
    expires = None if expires_in_days is None else today() + timedelta(days=expires_in_days)
    opportunity = make_opportunity(make_org(), "Night shift", expires=expires)

    assert (titles(client.get(LIST)) == ["Night shift"]) is shown
    assert client.get(opportunity.get_absolute_url()).status_code == (200 if shown else 404)


def test_visible_takes_the_day_to_judge_expiry_by():
    opportunity = make_opportunity(make_org(), expires=today() + timedelta(days=5))
    visible_on = Opportunity.objects.visible

    assert opportunity in visible_on(today=today() + timedelta(days=5))
    assert opportunity not in visible_on(today=today() + timedelta(days=6))


def test_an_opportunity_page_is_found_only_under_its_own_organization(client):
    opportunity = make_opportunity(make_org(), slug="night-shift")
    other = make_org(slug="someone-else")

    assert client.get(opportunity.get_absolute_url()).status_code == 200
    assert client.get(f"/organizations/{other.slug}/opportunities/night-shift/").status_code == 404


# --- The opportunity page ------------------------------------------------------------------


def test_the_opportunity_page_shows_what_a_volunteer_needs_to_decide(client):
    issue = make_issue("Human trafficking")
    org = make_org("Open Door")
    deadline = today() + timedelta(days=10)
    opportunity = make_opportunity(
        org,
        "Legal clinic volunteer",
        description="Help **survivors** with paperwork.",
        mode="onsite",
        country="KR",
        city="Seoul",
        time_commitment="2 hours a week",
        expires=deadline,
        issues=[issue],
        skills=[make_skill("Legal"), make_skill("Korean")],
        apply_url="https://example.org/volunteer/apply",
    )

    html = get_html(client, opportunity.get_absolute_url())

    assert "<h1>Legal clinic volunteer</h1>" in html
    assert f'With <a href="{org.get_absolute_url()}">Open Door</a>' in html
    assert "<dd>On site, Seoul, South Korea</dd>" in html
    assert "<dd>2 hours a week</dd>" in html
    assert "<dd>Korean, Legal</dd>" in html
    assert f'<a href="{issue.get_absolute_url()}">Human trafficking</a>' in html
    assert f'<time datetime="{deadline.isoformat()}">' in html
    assert "<strong>survivors</strong>" in html
    apply = re.search(r'<a href="https://example.org/volunteer/apply"[^>]*>', html).group(0)
    assert 'rel="noopener noreferrer"' in apply


# --- Shown on organization and issue pages ------------------------------------------------------


def test_the_organization_page_lists_its_open_opportunities(client):
    org = make_org("Open Door")
    opportunity = make_opportunity(
        org, "Night shift", mode="onsite", country="KR", city="Busan", time_commitment="Weekends"
    )
    make_opportunity(make_org("Someone Else"), "Their shift")

    html = get_html(client, org.get_absolute_url())
    section = block(html, '<h2 id="opportunities-heading">', "</section>")

    assert f'<a href="{opportunity.get_absolute_url()}">Night shift</a>' in section
    assert "On site · Busan, South Korea · Weekends" in section
    assert "Their shift" not in html


def test_the_organization_page_has_no_opportunities_section_without_open_ones(client):
    org = make_org("Open Door")
    make_opportunity(org, "Old shift", expires=today() - timedelta(days=1))

    html = get_html(client, org.get_absolute_url())

    assert "opportunities-heading" not in html
    assert "Old shift" not in html


def test_the_issue_page_lists_open_opportunities_on_that_issue(client):
    issue = make_issue("Forced labour", slug="forced-labour")
    opportunity = make_opportunity(make_org("Open Door"), "Night shift", issues=[issue])
    make_opportunity(make_org(), "Off-topic shift", issues=[make_issue()])

    html = get_html(client, issue.get_absolute_url())
    section = block(html, '<h2 id="join-heading">', "</section>")

    assert f'<a href="{opportunity.get_absolute_url()}">Night shift</a>' in section
    assert "Off-topic shift" not in html
    assert f'<a href="{LIST}?issue=forced-labour">All volunteer opportunities' in section


def test_the_issue_page_shows_at_most_ten_opportunities(client):
    issue = make_issue()
    org = make_org()
    for n in range(11):
        make_opportunity(org, f"Shift {n:02}", issues=[issue])

    html = get_html(client, issue.get_absolute_url())

    assert len(re.findall(r'<li class="opportunity-item">', html)) == 10


def test_the_issue_page_without_opportunities_points_to_organizations_taking_volunteers(client):
    issue = make_issue(slug="forced-labour")

    html = get_html(client, issue.get_absolute_url())

    assert "No open volunteer opportunity on this issue right now." in html
    assert 'href="/organizations/?issue=forced-labour&amp;help=volunteer"' in html


# --- The database's rule -------------------------------------------------------------------


def test_the_database_refuses_an_on_site_opportunity_without_a_country():
    org = make_org()

    refused = pytest.raises(IntegrityError, match="directory_opportunity_onsite_has_country")
    with refused, transaction.atomic():
        make_opportunity(org, mode="onsite", country=None)

    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("mode", ["remote", "hybrid"])
def test_remote_and_hybrid_opportunities_need_no_country(mode):
    make_opportunity(make_org(), mode=mode, country=None)

    assert Opportunity.objects.filter(mode=mode, country=None).count() == 1


def test_validation_names_the_on_site_rule_before_the_database_does():
    opportunity = Opportunity(
        organization=make_org(),
        title="Night shift",
        slug="night-shift",
        description="Help.",
        mode="onsite",
        apply_url="https://example.org/apply",
    )

    with pytest.raises(ValidationError) as error:
        opportunity.full_clean()

    assert "directory_opportunity_onsite_has_country" in str(error.value)


# --- Curation in the admin -----------------------------------------------------------------


def _signed_in(django_user_model, group: str) -> Client:
    user = django_user_model.objects.create_user(group.lower(), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def curator(django_user_model):
    return _signed_in(django_user_model, "Curators")


@pytest.fixture
def editor(django_user_model):
    return _signed_in(django_user_model, "Editors")


def _change_url(opportunity) -> str:
    return f"/admin/directory/opportunity/{opportunity.pk}/change/"


def _add_form(client, org, **overrides) -> dict:
    values = {
        "organization": str(org.pk),
        "title": "Legal clinic volunteer",
        "slug": "legal-clinic-volunteer",
        "description": "Help survivors with paperwork.",
        "mode": "remote",
        "apply_url": "https://example.org/apply",
        "status": "draft",
    }
    return filled_form(client, ADD, **(values | overrides))


def _edit(client, opportunity, **changes):
    """Post the change form back as the page renders it, with `changes` made."""
    return client.post(
        _change_url(opportunity), filled_form(client, _change_url(opportunity), **changes)
    )


def _status(opportunity) -> str:
    return Opportunity.objects.get(pk=opportunity.pk).status


def test_curators_are_offered_only_draft_and_review_for_a_new_opportunity(curator):
    make_org()

    form = curator.get(ADD).context["adminform"].form

    assert [value for value, _ in form.fields["status"].choices] == ["draft", "review"]


@pytest.mark.parametrize("status", ["draft", "review"])
def test_curators_can_add_an_opportunity_for_review(curator, status):
    response = curator.post(ADD, _add_form(curator, make_org(), status=status))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Opportunity.objects.get().status == status


def test_curators_cannot_add_a_published_opportunity(curator):
    response = curator.post(ADD, _add_form(curator, make_org(), status="published"))

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Opportunity.objects.exists()


def test_curators_cannot_publish_an_opportunity_in_review(curator):
    opportunity = make_opportunity(make_org(), status="review")

    response = _edit(curator, opportunity, status="published")

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert _status(opportunity) == "review"


def test_curators_can_edit_a_published_opportunity_and_keep_it_published(curator):
    opportunity = make_opportunity(make_org())

    response = _edit(curator, opportunity, time_commitment="Weekends")

    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.time_commitment) == ("published", "Weekends")


def test_editors_can_add_a_published_opportunity(editor):
    response = editor.post(ADD, _add_form(editor, make_org(), status="published"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Opportunity.objects.get().status == "published"


def test_editors_can_publish_an_opportunity_in_review(editor):
    opportunity = make_opportunity(make_org(), status="review")

    response = _edit(editor, opportunity, status="published")

    assert response.status_code == 302
    assert _status(opportunity) == "published"


def test_the_admin_form_refuses_an_on_site_opportunity_without_a_country(editor):
    response = editor.post(ADD, _add_form(editor, make_org(), mode="onsite"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Opportunity.objects.exists()


def test_nobody_may_delete_an_opportunity(editor):
    opportunity = make_opportunity(make_org())

    response = editor.post(
        f"/admin/directory/opportunity/{opportunity.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_publishing_an_opportunity_in_the_admin_shows_it_on_cached_pages_at_once(client, editor):
    issue = make_issue()
    opportunity = make_opportunity(make_org(), "Night shift", status="review", issues=[issue])
    pages = [opportunity.organization.get_absolute_url(), issue.get_absolute_url()]
    for url in pages:
        assert "Night shift" not in get_html(client, url)  # now in the page cache

    assert _edit(editor, opportunity, status="published").status_code == 302

    for url in pages:
        assert "Night shift" in get_html(client, url), url


def test_unpublishing_an_opportunity_by_revert_takes_it_off_cached_pages_at_once(editor):
    org = make_org("Haven")
    opportunity = make_opportunity(org, "Tutor", status=Opportunity.Status.DRAFT)
    draft = opportunity.history.first()
    assert _edit(editor, opportunity, status="published").status_code == 302
    visitor = Client()
    assert "Tutor" in visitor.get(org.get_absolute_url()).content.decode()  # now cached

    url = f"/admin/directory/opportunity/{opportunity.pk}/history/{draft.history_id}/"
    assert editor.post(url, rendered_form(editor.get(url))).status_code == 302

    assert Opportunity.objects.get(pk=opportunity.pk).status == "draft"
    assert "Tutor" not in visitor.get(org.get_absolute_url()).content.decode()
    assert "Tutor" not in visitor.get("/volunteer/").content.decode()
