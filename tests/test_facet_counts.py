"""Facet counts kept per change (`FacetCount`) against a brute-force count, on random data:
after a rebuild, and after random changes that each went through the index one at a time.

The brute force reads the rule as a visitor would state it: an organization counts under
an issue, focus area or country it names directly or through a current program (or, for
a country, as its headquarters); under a way to help when it has a donation page, or a
volunteer page or an open opportunity."""

import importlib
import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from directory import facets
from directory.catalog.browse import Params, browse
from directory.models import (
    Country,
    FacetCount,
    FacetMember,
    FocusArea,
    Issue,
    Opportunity,
    Organization,
    Program,
    SearchDocument,
)
from directory.search import index
from tests.factories import make_focus_area, make_issue, make_org

pytestmark = pytest.mark.django_db

TYPES = [choice for choice, _label in Organization.OrgType.choices]


def _tokens(org: Organization, today) -> set[str]:
    current = [p for p in org.programs.all() if p.active]
    issues = {i.pk for i in org.issues.all()} | {i.pk for p in current for i in p.issues.all()}
    focus = {f.pk for f in org.focus_areas.all()} | {
        f.pk for p in current for f in p.focus_areas.all()
    }
    countries = {c.pk for c in org.countries.all()} | {
        c.pk for p in current for c in p.countries.all()
    }
    if org.headquarters_id:
        countries.add(org.headquarters_id)
    opportunity_open = any(
        o.status == "published" and (o.expires is None or o.expires >= today)
        for o in org.opportunities.all()
    )
    helping = {"donate"} if org.donate_url else set()
    if org.volunteer_url or opportunity_open:
        helping.add("volunteer")
    return {
        f"type:{org.org_type}",
        *(f"issue:{pk}" for pk in issues),
        *(f"focus:{pk}" for pk in focus),
        *(f"country:{code}" for code in countries),
        *(f"help:{way}" for way in helping),
    }


def _brute_force() -> Counter:
    today = timezone.localdate()
    counts: Counter = Counter()
    published = Organization.objects.published().prefetch_related(
        "issues", "focus_areas", "countries", "opportunities",
        "programs__issues", "programs__focus_areas", "programs__countries",
    )  # fmt: skip
    for org in published:
        values = ["", *_tokens(org, today)]
        counts.update((within, value) for within in values for value in values)
    return counts


def _stored() -> Counter:
    return Counter({(r.within, r.value): r.count for r in FacetCount.objects.all()})


@pytest.fixture
def world():
    rng = random.Random(20261205)
    countries = list(Country.objects.all()[:6])
    issues = [make_issue(f"Issue {n}") for n in range(5)]
    areas = [make_focus_area(f"Area {n}") for n in range(4)]
    orgs = []
    for n in range(30):
        org = make_org(
            f"Org {n}",
            index_it=False,
            issues=rng.sample(issues, rng.randint(0, 2)),
            focus_areas=rng.sample(areas, rng.randint(0, 2)),
            countries=[c.pk for c in rng.sample(countries, rng.randint(0, 2))],
            org_type=rng.choice(TYPES),
            headquarters=rng.choice([None, *countries]),
            donate_url=rng.choice(["", "https://give.example/"]),
            volunteer_url=rng.choice(["", "", "https://help.example/"]),
            status=rng.choice(["published", "published", "published", "draft", "archived"]),
        )
        for m in range(rng.randint(0, 3)):
            program = Program.objects.create(
                organization=org, name=f"Program {n}.{m}", slug=f"program-{m}",
                summary="A program.", active=rng.random() < 0.7,
            )  # fmt: skip
            program.issues.set(rng.sample(issues, rng.randint(0, 2)))
            program.focus_areas.set(rng.sample(areas, rng.randint(0, 1)))
            program.countries.set(rng.sample(countries, rng.randint(0, 2)))
        if rng.random() < 0.3:
            Opportunity.objects.create(
                organization=org, title=f"Opening {n}", slug=f"opening-{n}", description="Help.",
                status="published",
                expires=timezone.localdate() + timedelta(days=rng.choice([-3, 5])),
            )  # fmt: skip
        orgs.append(org)
    index.rebuild()
    return rng, orgs, issues, countries


def test_stored_counts_equal_a_brute_force_count_after_a_rebuild(world):
    assert _stored() == _brute_force()


def test_stored_counts_stay_equal_through_random_changes_one_at_a_time(world):
    rng, orgs, issues, countries = world
    for _step in range(40):
        org = rng.choice(orgs)
        change = rng.choice(["status", "issue", "program", "type", "country", "donate"])
        if change == "status":
            org.status = rng.choice(["published", "draft", "archived"])
            org.save()
        elif change == "issue":
            org.issues.set(rng.sample(issues, rng.randint(0, 3)))
        elif change == "program":
            program = org.programs.order_by("?").first()
            if program:
                program.active = not program.active
                program.save()
        elif change == "type":
            org.org_type = rng.choice(TYPES)
            org.save()
        elif change == "country":
            org.countries.set(rng.sample(countries, rng.randint(0, 2)))
        else:
            org.donate_url = "" if org.donate_url else "https://give.example/"
            org.save()
        index.refresh_organizations([org.pk])

        assert _stored() == _brute_force(), (_step, change)


def test_a_deleted_program_moves_its_organization_out_of_the_counts(world):
    program = Program.objects.filter(active=True, issues__isnull=False).first()
    org_id = program.organization_id
    program.delete()
    index.refresh_organizations([org_id])

    assert _stored() == _brute_force()


def _brute_members() -> dict[int, set[str]]:
    today = timezone.localdate()
    published = Organization.objects.published().prefetch_related(
        "issues", "focus_areas", "countries", "opportunities",
        "programs__issues", "programs__focus_areas", "programs__countries",
    )  # fmt: skip
    return {org.pk: _tokens(org, today) for org in published}


def _members() -> dict[int, set[str]]:
    held = defaultdict(set)
    for pk, token in FacetMember.objects.values_list("organization_id", "token"):
        held[pk].add(token)
    return dict(held)


def test_the_filters_rows_equal_a_brute_force_after_a_rebuild_and_random_changes(world):
    rng, orgs, issues, _countries = world
    assert _members() == _brute_members()
    for _step in range(15):
        org = rng.choice(orgs)
        org.status = rng.choice(["published", "draft"])
        org.save()
        org.issues.set(rng.sample(issues, rng.randint(0, 3)))
        index.refresh_organizations([org.pk])

        assert _members() == _brute_members(), _step


def _params(tokens: list[str]) -> Params:
    chosen = {}
    for token in tokens:
        facet, _, key = token.partition(":")
        model = {"issue": Issue, "focus": FocusArea, "country": Country}.get(facet)
        chosen[facet] = model.objects.get(pk=key) if model else key
    return Params(**chosen)


def _combinations(rng, every: list[str], n: int) -> list[list[str]]:
    """`n` random pairs and `n` // 2 random triples of values of different facets."""
    by_facet = defaultdict(list)
    for token in every:
        by_facet[token.partition(":")[0]].append(token)
    chosen = []
    for size in [2] * n + [3] * (n // 2):
        names = rng.sample(sorted(by_facet), size)
        chosen.append([rng.choice(by_facet[name]) for name in names])
    return chosen


def test_a_list_too_long_to_count_lists_everything_and_counts_no_option(world, settings):
    """Past FACET_COUNT_CAP a list narrowed by two or three values still lists and numbers
    exactly what a brute force finds, but counts no option: grouping every member's values
    is what made two broad filters take seconds at a million organizations."""
    rng, *_rest = world
    settings.FACET_COUNT_CAP = 3
    held = _brute_members()
    every = sorted({token for tokens in held.values() for token in tokens})
    uncounted = 0
    for tokens in _combinations(rng, every, 60):
        expected = {pk for pk, own in held.items() if set(tokens) <= own}

        result = browse(_params(tokens))

        assert {org.pk for org in result.page.paginator.object_list} == expected, tokens
        assert result.page.paginator.count == len(expected), tokens
        assert (result.counts is None) == (len(expected) > 3), tokens
        uncounted += result.counts is None
    assert uncounted, "no combination held more than the cap: the test checked nothing"


def test_the_list_says_when_its_options_are_not_counted(world, client, settings):
    held = _brute_members()
    tally = Counter(t for tokens in held.values() for t in tokens if t.startswith("issue:"))
    issue = Issue.objects.get(pk=tally.most_common(1)[0][0].partition(":")[2])
    url = f"/organizations/?issue={issue.slug}&help=donate"
    settings.FACET_COUNT_CAP = 10

    counted = client.get(url).content.decode()
    settings.FACET_COUNT_CAP = 0
    uncounted = client.get(url + "&sort=name").content.decode()  # not the page cached

    hint = "too long to count the results of each option"
    assert hint not in counted and f"{issue.name} (" in counted
    assert hint in uncounted and f"{issue.name} (" not in uncounted


def test_the_reader_lists_and_counts_what_a_brute_force_finds(world):
    """`browse()` for every single value and samples of pairs and triples: the organizations listed,
    their number and each option's count equal a brute force over the published ones."""
    rng, *_rest = world
    held = _brute_members()
    every = sorted({token for tokens in held.values() for token in tokens})
    for tokens in [[]] + [[t] for t in every] + _combinations(rng, every, 40):
        params = _params(tokens)
        expected = {pk for pk, own in held.items() if set(tokens) <= own}

        result = browse(params)

        listed = {org.pk for org in result.page.paginator.object_list}
        assert listed == expected, tokens
        assert result.page.paginator.count == len(expected), tokens
        tally = Counter(token for pk in expected for token in held[pk])
        for facet in ("issue", "focus", "country", "type", "help"):
            shown = {k: v for k, v in result.counts[facet].items() if v}
            wanted = {
                key: n for token, n in tally.items()
                if (key := token.partition(":")[2]) and token.startswith(f"{facet}:")
            }  # fmt: skip
            assert {str(k): v for k, v in shown.items()} == wanted, (tokens, facet)


def test_the_migration_fills_the_counts_and_gives_old_documents_their_ways_to_help(world):
    """Migration 0029 on documents written before it (no `help:` tokens): the documents
    gain them and the counts match a brute force, so later changes start from the truth."""
    from django.apps import apps

    fill = importlib.import_module("directory.migrations.0029_facet_counts").fill
    for document in SearchDocument.objects.filter(kind="organization"):
        document.facets = " ".join(t for t in document.facets.split() if "help:" not in t)
        document.save(update_fields=["facets"])
    FacetCount.objects.all().delete()

    fill(apps, None)

    assert _stored() == _brute_force()
    assert SearchDocument.objects.filter(facets__contains="help:donate").exists()


def test_counts_that_drifted_never_make_a_save_fail(world):
    """A write that bypassed the writer can leave the counts behind; the next change must
    still save (the check keeps counts at zero or more), and a rebuild puts them right."""
    _rng, orgs, _issues, _countries = world
    org = next(o for o in orgs if o.status == "published")
    FacetCount.objects.filter(value=f"type:{org.org_type}").update(count=0)

    org.status = Organization.Status.ARCHIVED
    org.save()
    index.refresh_organizations([org.pk])  # takes it out of counts that are already 0

    assert not FacetCount.objects.filter(count__lt=0).exists()
    index.rebuild()
    assert _stored() == _brute_force()


def test_the_migration_fills_the_filters_rows_from_the_documents(world):
    from django.apps import apps

    fill = importlib.import_module("directory.migrations.0030_facet_members").fill
    FacetMember.objects.all().delete()

    fill(apps, None)

    assert _members() == _brute_members()


def test_counting_the_holders_of_several_values_stops_at_its_limit(world):
    rng, *_rest = world
    held = _brute_members()
    every = sorted({token for tokens in held.values() for token in tokens})
    for tokens in _combinations(rng, every, 30):
        expected = sum(1 for own in held.values() if set(tokens) <= own)

        assert facets.count_holding(tokens, 1000) == expected, tokens
        assert facets.count_holding(tokens, 2) == min(expected, 2), tokens
