"""What an organization addresses: the issues and focus areas it names itself, and those of
its current programs.

An ended program (`Program.active` false) stays on its organization's page, marked as
ended, but no longer counts: the organization is not listed under an issue or a focus area
only because a program it has ended named it, and no issue is said to be addressed
"through" an ended program. The filters, the facet counts (`directory.facets`), the search
documents' facet values (`directory.search.index`), the cards and the pages all use this
rule.
"""

from django.db.models import Exists, OuterRef

from directory.models import Organization, Program


def _linked(organizations, value_field: str, value, through_org, through_program):
    direct = through_org.objects.filter(organization_id=OuterRef("pk"), **{value_field: value})
    via_programs = through_program.objects.filter(
        program__organization_id=OuterRef("pk"), program__active=True, **{value_field: value}
    )
    return organizations.filter(Exists(direct) | Exists(via_programs))


def addressing(organizations, issue):
    """The organizations addressing the issue directly or through a current program."""
    return _linked(
        organizations, "issue", issue, Organization.issues.through, Program.issues.through
    )


def with_focus(organizations, focus_area):
    """The organizations working in the focus area directly or through a current program."""
    return _linked(
        organizations,
        "focusarea",
        focus_area,
        Organization.focus_areas.through,
        Program.focus_areas.through,
    )


def current_programs(organization) -> list[Program]:
    """Its programs that have not ended, from the prefetched `programs`."""
    return [program for program in organization.programs.all() if program.active]


def issues_addressed(organization) -> list[tuple]:
    """Each issue it addresses, with whether directly and through which current programs,
    by name: `Organization.issues_addressed` without its ended programs. Reads the
    prefetched `issues` and `programs__issues`."""
    direct = {issue.pk: issue for issue in organization.issues.all()}
    by_program: dict[int, list[Program]] = {}
    issues = dict(direct)
    for program in current_programs(organization):
        for issue in program.issues.all():
            issues.setdefault(issue.pk, issue)
            by_program.setdefault(issue.pk, []).append(program)
    return [
        (issue, pk in direct, by_program.get(pk, []))
        for pk, issue in sorted(issues.items(), key=lambda item: item[1].name)
    ]
