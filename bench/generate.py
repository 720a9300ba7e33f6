"""Synthetic organizations for benchmarks: realistic names, multi-paragraph descriptions,
1-5 programs each, issues, focus areas, countries and some Korean text.

Writes in bulk (one INSERT per batch, through-tables included) and builds the search
index once at the end.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils.text import slugify

from directory.models import Country, FocusArea, Issue, Organization, Program
from directory.search import index

NAME_HEADS = [
    "Hope", "Bridge", "Freedom", "Harbor", "Open Door", "New Day", "Safe Passage", "Lantern",
    "Common Ground", "River", "Compass", "Northern Light", "Kinship", "Haven", "Wellspring",
    "Mercy", "Horizon", "Crossroads", "Unity", "Second Chance", "Seed", "Shelter", "Beacon",
]  # fmt: skip
NAME_TAILS = [
    "Foundation", "Alliance", "Network", "Project", "Trust", "Initiative", "Fund", "Society",
    "Collective", "Mission", "Partners", "Coalition", "Institute", "Center", "Relief",
]  # fmt: skip
PROGRAM_NAMES = [
    "Emergency Shelter", "Legal Aid Clinic", "Resettlement Support", "Safe Houses",
    "Scholarship Fund", "Trauma Counselling", "Field Research", "Policy Advocacy",
    "Medical Outreach", "Job Training", "Language Classes", "Orphan Care", "Rescue Fund",
    "Awareness Campaign", "Food Parcels", "Mentoring Circle",
]  # fmt: skip
VERBS = [
    "supports", "shelters", "trains", "documents", "advocates for", "resettles", "protects",
    "counsels", "educates", "rescues", "feeds", "equips", "accompanies", "represents",
]  # fmt: skip
GROUPS = [
    "refugees", "survivors of trafficking", "women and girls", "children", "defectors",
    "migrant workers", "families", "former prisoners", "young people", "stateless children",
]  # fmt: skip
PLACES = [
    "border regions", "Seoul", "northern China", "Southeast Asia", "rural provinces",
    "transit countries", "urban centres", "camps", "safe houses", "partner schools",
]  # fmt: skip
DETAILS = [
    "through trusted local partners", "with volunteer mentors", "using verified field reports",
    "alongside legal clinics", "with small monthly grants", "in several languages",
    "by working with community leaders", "through confidential referrals",
]  # fmt: skip
KOREAN = [
    "탈북민 정착 지원", "인신매매 피해자 보호", "북한 인권 기록", "아동 복지 프로그램",
    "여성 인권 옹호", "난민 구출 활동", "해외 노동자 조사", "상담과 치유",
]  # fmt: skip
COUNTRY_CODES = ["KR", "CN", "US", "TH", "LA", "VN", "MN", "RU", "JP", "GB", "DE", "CA"]


def _sentence(rng: random.Random) -> str:
    return (
        f"The team {rng.choice(VERBS)} {rng.choice(GROUPS)} in {rng.choice(PLACES)} "
        f"{rng.choice(DETAILS)}."
    )


def _paragraphs(rng: random.Random, count: int) -> str:
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(count)]
    if rng.random() < 0.15:
        paragraphs.append(f"{rng.choice(KOREAN)}: {rng.choice(KOREAN)}.")
    return "\n\n".join(paragraphs)


def _taxonomy():
    issues = list(Issue.objects.all())
    if not issues:
        names = ["Human trafficking", "Refugees", "Child labor", "Forced labor", "Women's rights"]
        issues = [Issue.objects.create(name=n, slug=slugify(n), summary=n) for n in names]
    focus_areas = list(FocusArea.objects.all())
    if not focus_areas:
        names = ["Rescue", "Resettlement", "Research", "Advocacy", "Humanitarian aid"]
        focus_areas = [FocusArea.objects.create(name=n, slug=slugify(n)) for n in names]
    return issues, focus_areas


@transaction.atomic
def generate(count: int, *, seed: int = 42, batch: int = 2000) -> None:
    rng = random.Random(seed)
    issues, focus_areas = _taxonomy()
    countries = list(Country.objects.filter(pk__in=COUNTRY_CODES))
    start = Organization.objects.count()
    Through = (Organization.issues.through, Organization.focus_areas.through)
    for offset in range(0, count, batch):
        orgs = []
        for n in range(start + offset, start + min(offset + batch, count)):
            name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)} {n}"
            verified = date(2026, 11, 1) - timedelta(days=rng.randint(0, 900))
            orgs.append(
                Organization(
                    name=name,
                    slug=slugify(name),
                    alternate_name=rng.choice(["", "", "".join(w[0] for w in name.split()[:2])]),
                    summary=_sentence(rng),
                    description=_paragraphs(rng, rng.randint(2, 4)),
                    org_type=rng.choice(Organization.OrgType.values),
                    founded=rng.randint(1950, 2024),
                    headquarters=rng.choice(countries),
                    website=f"https://example.org/{slugify(name)}",
                    donate_url=rng.choice(["", f"https://example.org/{slugify(name)}/give"]),
                    volunteer_url=rng.choice(["", "", f"https://example.org/{slugify(name)}/join"]),
                    status=Organization.Status.PUBLISHED
                    if rng.random() < 0.95
                    else Organization.Status.DRAFT,
                    last_verified=verified if rng.random() < 0.9 else None,
                )
            )
        orgs = Organization.objects.bulk_create(orgs)
        programs, org_issues, org_focus, org_countries = [], [], [], []
        for org in orgs:
            for issue in rng.sample(issues, rng.randint(1, min(3, len(issues)))):
                org_issues.append(Through[0](organization_id=org.pk, issue_id=issue.pk))
            for area in rng.sample(focus_areas, rng.randint(1, min(2, len(focus_areas)))):
                org_focus.append(Through[1](organization_id=org.pk, focusarea_id=area.pk))
            for country in rng.sample(countries, rng.randint(1, 3)):
                org_countries.append(
                    Organization.countries.through(organization_id=org.pk, country_id=country.pk)
                )
            for p, pname in enumerate(rng.sample(PROGRAM_NAMES, rng.randint(1, 5))):
                programs.append(
                    Program(
                        organization=org,
                        name=pname,
                        slug=f"{slugify(pname)}-{p}",
                        summary=_sentence(rng),
                        description=_paragraphs(rng, 1),
                    )
                )
        Through[0].objects.bulk_create(org_issues)
        Through[1].objects.bulk_create(org_focus)
        Organization.countries.through.objects.bulk_create(org_countries)
        programs = Program.objects.bulk_create(programs)
        Program.issues.through.objects.bulk_create(
            [
                Program.issues.through(program_id=program.pk, issue_id=rng.choice(issues).pk)
                for program in programs
            ]
        )
    index.rebuild()
