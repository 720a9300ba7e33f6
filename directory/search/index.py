"""Keeps SearchDocument (and the SearchTerm vocabulary) in step with the directory.

What to refresh, and when, is for the catalog's writer to decide (`directory.catalog`):
it calls `refresh_organizations` and `refresh_issues` with what changed, and `rebuild()`
serves the bulk jobs that replace the whole index. Only public content is written: a
draft, in-review or archived organization has no document at all. Documents are built
from a handful of flat queries per batch of organizations, so a full `rebuild()` of a
million organizations stays a bulk job, with one index build.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain

from django.db import connection, transaction
from django.db.models import Q

from directory import facets
from directory.cache import bump_version, current_version
from directory.models import (
    FacetMember,
    Issue,
    KeyFact,
    Opportunity,
    Organization,
    Program,
    SearchDocument,
    SearchTerm,
)
from directory.search import schema
from directory.search.query import HANGUL_RUN

Kind = SearchDocument.Kind
BATCH_SIZE = 2000
_VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,40}", re.UNICODE)


def hangul_ngrams(text: str) -> str:
    """Each run of Hangul as its bigrams in order, then its syllables.

    Bigrams in order let a phrase of bigrams match any substring of two or more
    syllables; the single syllables serve one-syllable queries. Korean has no spaces
    between a word and its particles, so whole-word tokens alone would miss most queries.
    """
    tokens: list[str] = []
    for run in HANGUL_RUN.findall(text):
        tokens += [run[i : i + 2] for i in range(len(run) - 1)]
        tokens += list(run)
    return " ".join(tokens)


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _names(names: Iterable[str]) -> str:
    return " · ".join(sorted(set(names)))


def _document(kind, object_id, owner_id, name, summary, related, body) -> SearchDocument:
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        owner_id=owner_id,
        name=name,
        summary=summary,
        related=related,
        body=body,
        ngrams=hangul_ngrams(_join(name, summary, related, body)),
    )


def _links(through, owner_field: str, target: str, owner_ids) -> dict[int, list[str]]:
    """The names each owner links to (issues, focus areas), English and Korean where there
    is one."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(**{f"{owner_field}__in": owner_ids}).values_list(
        owner_field, f"{target}__name", f"{target}__name_ko"
    )
    for owner_id, name, korean in rows:
        names[owner_id] += [name, korean] if korean else [name]
    return names


def _organization_documents(org_ids: list[int]) -> list[SearchDocument]:
    """The documents of these organizations (if published) and of their programs."""
    orgs = (
        Organization.objects.published()
        .filter(pk__in=org_ids)
        .values_list(
            "pk", "name", "alternate_name", "name_ko", "summary", "summary_ko", "description",
        )
    )  # fmt: skip
    orgs = list(orgs)
    ids = [row[0] for row in orgs]
    org_issues = _links(Organization.issues.through, "organization_id", "issue", ids)
    org_focus = _links(Organization.focus_areas.through, "organization_id", "focusarea", ids)
    programs: dict[int, list[tuple]] = defaultdict(list)
    for row in Program.objects.filter(organization_id__in=ids).values_list(
        "pk", "organization_id", "name", "name_ko", "summary", "summary_ko", "description",
        "active", named=True,
    ):  # fmt: skip
        programs[row.organization_id].append(row)
    program_ids = [row.pk for rows in programs.values() for row in rows]
    prog_issues = _links(Program.issues.through, "program_id", "issue", program_ids)
    prog_focus = _links(Program.focus_areas.through, "program_id", "focusarea", program_ids)
    tokens = facets.tokens_of(ids)

    # Korean names and summaries sit beside the English ones, so either language finds them.
    documents = []
    for row in orgs:
        org_id, name, alternate_name, name_ko, summary, summary_ko, description = row[:7]
        own = programs.get(org_id, [])
        issues = org_issues[org_id] + [n for p in own for n in prog_issues[p.pk]]
        focus = org_focus[org_id] + [n for p in own for n in prog_focus[p.pk]]
        program_names = [n for p in own for n in (p.name, p.name_ko) if n]
        document = _document(
            Kind.ORGANIZATION,
            org_id,
            org_id,
            _join(name, alternate_name, name_ko),
            _join(summary, summary_ko),
            _join(_names(program_names), _names(issues), _names(focus)),
            _join(description, *(_join(p.summary, p.summary_ko, p.description) for p in own)),
        )
        document.facets = tokens[org_id]  # what the filters and counts read
        documents.append(document)
        for program in own:
            documents.append(
                _document(
                    Kind.PROGRAM,
                    program.pk,
                    org_id,
                    _join(program.name, program.name_ko),
                    _join(program.summary, program.summary_ko),
                    _join(
                        name,
                        name_ko,
                        _names(prog_issues[program.pk]),
                        _names(prog_focus[program.pk]),
                    ),
                    program.description,
                )
            )
    return documents


def _issue_documents(issue_ids=None) -> list[SearchDocument]:
    issues = Issue.objects.all() if issue_ids is None else Issue.objects.filter(pk__in=issue_ids)
    issues = list(issues.values_list("pk", "name", "name_ko", "summary", "summary_ko", "brief"))
    ids = [row[0] for row in issues]
    related = _links(Issue.related.through, "from_issue_id", "to_issue", ids)
    facts: dict[int, list[str]] = defaultdict(list)
    for issue_id, statement in KeyFact.objects.filter(issue_id__in=ids).values_list(
        "issue_id", "statement"
    ):
        facts[issue_id].append(statement)
    return [
        _document(
            Kind.ISSUE,
            pk,
            None,
            _join(name, name_ko),
            _join(summary, summary_ko),
            _names(related[pk]),
            _join(brief, *facts[pk]),
        )
        for pk, name, name_ko, summary, summary_ko, brief in issues
    ]


def vocabulary(documents: Iterable[SearchDocument]) -> Counter:
    """Words of names, summaries and related names, with how many documents hold each."""
    counts: Counter = Counter()
    for doc in documents:
        if doc.kind == Kind.PROGRAM:
            continue  # its words are already in its organization's document
        text = f"{doc.name} {doc.summary} {doc.related}".lower()
        counts.update({w for w in _VOCABULARY_WORD.findall(text) if not HANGUL_RUN.search(w)})
    return counts


def _adjust_vocabulary(removed: Counter, added: Counter) -> None:
    """Apply the change in document counts; a word no public document holds is dropped,
    so "did you mean" never offers a word from a draft or archived listing."""
    delta = Counter(added)
    delta.subtract(removed)
    changed = {term: n for term, n in delta.items() if n}
    if not changed:
        return
    existing = {t.term: t for t in SearchTerm.objects.filter(term__in=list(changed))}
    new, updated, emptied = [], [], []
    for term, n in changed.items():
        row = existing.get(term)
        if row is None:
            if n > 0:
                new.append(SearchTerm(term=term, documents=n))
        elif row.documents + n > 0:
            row.documents += n
            updated.append(row)
        else:
            emptied.append(row.pk)
    SearchTerm.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
    SearchTerm.objects.bulk_update(updated, ["documents"], batch_size=BATCH_SIZE)
    SearchTerm.objects.filter(pk__in=emptied).delete()


def _facets_of(documents) -> dict[int, str]:
    return {doc.object_id: doc.facets for doc in documents if doc.kind == Kind.ORGANIZATION}


def _stamp(documents: list[SearchDocument]) -> None:
    """Mark the documents with the content version they are written under (the caller
    has moved it on): the cards of their organizations are cached under it."""
    version = current_version()
    for document in documents:
        document.version = version


def _replace(stale: Q, documents: list[SearchDocument]) -> None:
    """Drop the documents matching `stale` and write `documents`, vocabulary included."""
    for kind in (Kind.PROGRAM, Kind.ISSUE):
        # A program that moved between organizations has a document under its old owner.
        ids = [doc.object_id for doc in documents if doc.kind == kind]
        stale |= Q(kind=kind, object_id__in=ids)
    fields = ("kind", "object_id", "name", "summary", "related", "facets")
    old = list(SearchDocument.objects.filter(stale).only(*fields))
    removed = vocabulary(old)
    SearchDocument.objects.filter(pk__in=[doc.pk for doc in old]).delete()
    _stamp(documents)
    SearchDocument.objects.bulk_create(documents, batch_size=BATCH_SIZE)
    _adjust_vocabulary(removed, vocabulary(documents))
    old_tokens, new_tokens = _facets_of(old), _facets_of(documents)
    facets.adjust(old_tokens.values(), new_tokens.values())
    facets.write_members(old_tokens, new_tokens)


@transaction.atomic
def refresh_organizations(ids: Iterable[int]) -> None:
    """Rewrite the documents of these organizations and their programs (or drop them)."""
    ids = sorted(set(ids))
    bump_version()
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        _replace(Q(owner_id__in=batch), _organization_documents(batch))


def organizations_addressing(issue_ids) -> set[int]:
    """Ids of organizations naming these issues directly or through a program."""
    direct = Organization.issues.through.objects.filter(issue_id__in=issue_ids)
    via_programs = Program.objects.filter(issues__in=issue_ids)
    return set(direct.values_list("organization_id", flat=True)) | set(
        via_programs.values_list("organization_id", flat=True)
    )


@transaction.atomic
def refresh_issues(ids: Iterable[int]) -> set[int]:
    """Rewrite the documents of these issues (and of issues related to them, which show
    their names), and of the organizations that name them, whose ids it returns. Deleted
    issues are dropped."""
    ids = set(ids)
    ids |= set(
        Issue.related.through.objects.filter(to_issue_id__in=ids).values_list(
            "from_issue_id", flat=True
        )
    )
    bump_version()
    _replace(Q(kind=Kind.ISSUE, object_id__in=ids), _issue_documents(ids))
    organizations = organizations_addressing(ids)
    refresh_organizations(organizations)
    return organizations


def organizations_with_focus(focus_area_ids) -> set[int]:
    """Ids of organizations naming these focus areas directly or through a program."""
    direct = Organization.focus_areas.through.objects.filter(focusarea_id__in=focus_area_ids)
    via_programs = Program.objects.filter(focus_areas__in=focus_area_ids)
    return set(direct.values_list("organization_id", flat=True)) | set(
        via_programs.values_list("organization_id", flat=True)
    )


@transaction.atomic
def refresh_focus_areas(ids: Iterable[int]) -> None:
    """Rewrite the documents of the organizations working in these focus areas."""
    refresh_organizations(organizations_with_focus(list(ids)))


def _published_id_batches() -> Iterator[list[int]]:
    ids = list(Organization.objects.published().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _analyze_sources() -> None:
    """PostgreSQL: fresh planner statistics for the tables the documents are built from.
    After a bulk load (an import of a million organizations) they have none, and each
    batch's lookups by organization id were planned as scans of millions of rows: a 1M
    rebuild went from 12,000 to 43,000 organizations a minute once they had them."""
    if connection.vendor != "postgresql":
        return
    models = [Organization, Program, Issue, KeyFact, Opportunity]
    tables = [model._meta.db_table for model in models] + [
        field.remote_field.through._meta.db_table
        for model in (Organization, Program)
        for field in model._meta.many_to_many
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(sorted(set(tables)))}")


@transaction.atomic
def rebuild(offline: bool = False) -> int:
    """Rebuild every document and the vocabulary from scratch; returns the document count.
    `offline` builds PostgreSQL's full-text indexes once at the end instead of row by row,
    making searches wait until it ends (`schema.lifted`)."""
    count = 0
    terms: Counter = Counter()
    bump_version()
    _analyze_sources()
    with schema.lifted(connection, offline):
        SearchDocument.objects.all().delete()
        SearchTerm.objects.all().delete()
        FacetMember.objects.all().delete()
        batches = chain(
            [_issue_documents()],
            (_organization_documents(ids) for ids in _published_id_batches()),
        )
        for documents in batches:
            _stamp(documents)
            SearchDocument.objects.bulk_create(documents, batch_size=BATCH_SIZE)
            terms.update(vocabulary(documents))
            facets.write_members((), _facets_of(documents))
            count += len(documents)
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=t, documents=n) for t, n in terms.items()], batch_size=BATCH_SIZE
        )
    facets.recount()
    schema.analyze(connection)
    return count
