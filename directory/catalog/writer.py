"""The one writer: how a change to public content reaches what visitors read.

Whatever writes public content names what it changed with `changed(organizations=...,
issues=..., focus_areas=...)`: the model signals (`signals.py`) do it for every ORM write,
so a listing saved from a shell or a script reaches search, counts and pages like one
saved in the admin; bulk writes that send no signals (the HSDS importer's `bulk_create`)
call it themselves. The writer refreshes the search documents of those organizations
and issues (their facet values, which the counts read, included) and moves the content
version, which every cached count and page is filed under (`directory.cache`).

When a change is applied
------------------------
Outside a transaction, at once. Inside one, the ids are collected and applied once:

- by `flush()`, inside the transaction. Every path that owns its transaction ends with
  it: an admin save, revert, action or delete, a spreadsheet import, the seed. Their
  index, counts and content version commit with the content or not at all, so a visitor
  never sees one without the other and a rollback undoes both.
- otherwise when the transaction commits (`transaction.on_commit`), in a transaction of
  its own: an ORM write in someone's `atomic()` block. A search in the same process after
  the commit finds it; for the time of one refresh after the commit it may not, and if
  the process dies in that moment the index stays behind until `rebuild_search_index`.

Why not refresh inside the write's transaction on every signal: a signal arrives in the
middle of a write (an organization's `post_save` comes before its issues are set), and a
spreadsheet row, an admin form with inlines or an import sends dozens, so the same
organization would be indexed half-written and then again, once per signal. Collecting
per transaction costs a set insertion per signal and one refresh per organization.
Why not always wait for the commit: the paths that own their transaction can do better
than "shortly after", for free, by calling `flush()` last.

A data migration works on historical models, whose signals the writer does not hear (its
queries use today's models, which a migration half-way through the history may not
match): run `rebuild_search_index` after one that changes content.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from weakref import WeakKeyDictionary

from django.db import transaction

from directory.cache import bump_version
from directory.search import index


@dataclass
class Change:
    """What a transaction changed so far, by id; `touched` alone (no ids) means content the
    search index does not hold (a source, a skill): only the content version moves."""

    organizations: set[int] = field(default_factory=set)
    issues: set[int] = field(default_factory=set)
    focus_areas: set[int] = field(default_factory=set)
    touched: bool = False

    def add(self, organizations: Iterable[int], issues: Iterable[int], focus_areas: Iterable[int]):
        self.organizations.update(organizations)
        self.issues.update(issues)
        self.focus_areas.update(focus_areas)
        self.touched = True

    def take(self) -> "Change":
        """This change, leaving this one empty, so that it is applied only once."""
        taken = Change(self.organizations, self.issues, self.focus_areas, self.touched)
        self.organizations, self.issues, self.focus_areas = set(), set(), set()
        self.touched = False
        return taken


# Each connection's collected change, with the outermost atomic block it belongs to, so that
# a transaction starts from nothing rather than from what a rolled-back one collected. What
# a rolled-back savepoint named stays collected (as does what a rolled-back transaction
# left, when a `@transaction.atomic` function opens the next one with the same block): it
# is refreshed once more, which costs a refresh and changes nothing.
_collected: WeakKeyDictionary = WeakKeyDictionary()


def _collecting(connection) -> Change:
    block = connection.atomic_blocks[0]
    held = _collected.get(connection)
    if held is None or held[0] is not block:
        held = _collected[connection] = (block, Change())
    return held[1]


def changed(
    organizations: Iterable[int] = (), issues: Iterable[int] = (), focus_areas: Iterable[int] = ()
) -> None:
    """Public content changed: these organizations (their programs included), these issues
    (and the organizations addressing them), the organizations working in these focus
    areas; with no ids, content the index does not hold. Applied now outside a transaction,
    else by `flush()` or when the transaction commits."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        change = Change()
        change.add(organizations, issues, focus_areas)
        _apply(change)
        return
    change = _collecting(connection)
    change.add(organizations, issues, focus_areas)
    # One callback per call, not per transaction: a savepoint rolled back drops the
    # callbacks registered in it, and this change may have been first named in one. The
    # first callback to run applies everything; the others find nothing left.
    transaction.on_commit(partial(_apply_collected, change))


def flush() -> None:
    """Apply what the current transaction has changed so far, now and inside it."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        _apply_collected(_collecting(connection))


def _apply_collected(change: Change) -> None:
    taken = change.take()
    if taken.touched:
        _apply(taken)


@transaction.atomic
def _apply(change: Change) -> None:
    organizations = set(change.organizations)
    if change.focus_areas:
        organizations |= index.organizations_with_focus(list(change.focus_areas))
    if change.issues:
        organizations -= index.refresh_issues(change.issues)
    if organizations:
        index.refresh_organizations(organizations)
    if not (change.issues or organizations):
        bump_version()
