"""What an organization addresses: the issues and focus areas it names itself, and those of
its current programs.

An ended program (`Program.active` false) stays on its organization's page, marked as
ended, but no longer counts: the organization is not listed under an issue or a focus area
only because a program it has ended named it, and no issue is said to be addressed
"through" an ended program. The filters, the facet counts (`directory.facets`), the search
documents' facet values (`directory.search.index`), the cards and the pages all use this
rule.
"""

from directory.models import Program

# The rule is kept by the models (`OrganizationQuerySet.addressing`, `.with_focus`,
# `Organization.issues_addressed`); these names are what the views and filters call.


def addressing(organizations, issue):
    """The organizations addressing the issue directly or through a current program."""
    return organizations.addressing(issue)


def with_focus(organizations, focus_area):
    """The organizations working in the focus area directly or through a current program."""
    return organizations.with_focus(focus_area)


def current_programs(organization) -> list[Program]:
    """Its programs that have not ended, from the prefetched `programs`."""
    return [program for program in organization.programs.all() if program.active]


def issues_addressed(organization) -> list[tuple]:
    """Each issue it addresses, with whether directly and through which current programs."""
    return organization.issues_addressed()
