"""Keeps SearchDocument in step with the directory.

Callers name what changed (`refresh_organizations`, `refresh_issues`) inside their own
transaction, so the index is current the moment their change commits. Only public content
is written: a draft, in-review or archived organization has no document at all.
"""

from collections.abc import Iterable

from django.db import transaction

from directory.models import Issue, Organization, Program, SearchDocument

Kind = SearchDocument.Kind
BATCH_SIZE = 500


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _names(objects) -> str:
    return " · ".join(sorted({obj.name for obj in objects}))


def organization_document(org: Organization) -> SearchDocument:
    programs = list(org.programs.all())
    issues = [*org.issues.all(), *(i for p in programs for i in p.issues.all())]
    focus_areas = [*org.focus_areas.all(), *(f for p in programs for f in p.focus_areas.all())]
    return SearchDocument(
        kind=Kind.ORGANIZATION,
        object_id=org.pk,
        owner_id=org.pk,
        name=_join(org.name, org.alternate_name),
        summary=org.summary,
        related=_join(_names(programs), _names(issues), _names(focus_areas)),
        body=_join(org.description, *(_join(p.summary, p.description) for p in programs)),
    )


def program_document(program: Program, org: Organization) -> SearchDocument:
    return SearchDocument(
        kind=Kind.PROGRAM,
        object_id=program.pk,
        owner_id=org.pk,
        name=program.name,
        summary=program.summary,
        related=_join(org.name, _names(program.issues.all()), _names(program.focus_areas.all())),
        body=program.description,
    )


def issue_document(issue: Issue) -> SearchDocument:
    return SearchDocument(
        kind=Kind.ISSUE,
        object_id=issue.pk,
        name=issue.name,
        summary=issue.summary,
        related=_names(issue.related.all()),
        body=_join(issue.brief, *(fact.statement for fact in issue.facts.all())),
    )


def _organizations_for_index(ids=None):
    queryset = Organization.objects.published().prefetch_related(
        "issues",
        "focus_areas",
        "programs__issues",
        "programs__focus_areas",
    )
    return queryset if ids is None else queryset.filter(pk__in=ids)


def _documents_for(orgs) -> list[SearchDocument]:
    documents = []
    for org in orgs:
        documents.append(organization_document(org))
        documents += [program_document(program, org) for program in org.programs.all()]
    return documents


@transaction.atomic
def refresh_organizations(ids: Iterable[int]) -> None:
    """Rewrite the documents of these organizations and their programs (or drop them)."""
    ids = list(ids)
    if not ids:
        return
    SearchDocument.objects.filter(owner_id__in=ids).delete()
    SearchDocument.objects.bulk_create(
        _documents_for(_organizations_for_index(ids)), batch_size=BATCH_SIZE
    )


@transaction.atomic
def refresh_issues(ids: Iterable[int]) -> None:
    """Rewrite the documents of these issues, and of the organizations that name them."""
    ids = list(ids)
    if not ids:
        return
    SearchDocument.objects.filter(kind=Kind.ISSUE, object_id__in=ids).delete()
    issues = Issue.objects.filter(pk__in=ids).prefetch_related("related", "facts")
    SearchDocument.objects.bulk_create([issue_document(issue) for issue in issues])
    org_ids = Organization.objects.filter(issues__in=ids).values_list("pk", flat=True)
    program_org_ids = Program.objects.filter(issues__in=ids).values_list(
        "organization_id", flat=True
    )
    refresh_organizations({*org_ids, *program_org_ids})


@transaction.atomic
def refresh_focus_areas(ids: Iterable[int]) -> None:
    """Rewrite the documents of the organizations working in these focus areas."""
    ids = list(ids)
    org_ids = Organization.objects.filter(focus_areas__in=ids).values_list("pk", flat=True)
    program_org_ids = Program.objects.filter(focus_areas__in=ids).values_list(
        "organization_id", flat=True
    )
    refresh_organizations({*org_ids, *program_org_ids})


@transaction.atomic
def rebuild() -> int:
    """Rebuild every document from scratch; returns how many were written."""
    SearchDocument.objects.all().delete()
    count = 0
    issues = Issue.objects.prefetch_related("related", "facts")
    count += len(SearchDocument.objects.bulk_create([issue_document(i) for i in issues]))
    batch: list[Organization] = []
    for org in _organizations_for_index().iterator(chunk_size=BATCH_SIZE):
        batch.append(org)
        if len(batch) == BATCH_SIZE:
            count += len(SearchDocument.objects.bulk_create(_documents_for(batch)))
            batch = []
    count += len(SearchDocument.objects.bulk_create(_documents_for(batch)))
    return count
