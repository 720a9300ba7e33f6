"""Model signals that report every ORM write of public content to the writer.

Every model whose rows a public page, a count or a search shows is here, each with the
search documents its change touches: an organization's own (its programs, registration
numbers, verifications and opportunities are shown with it), an issue's (and through it
the organizations naming it), a focus area's organizations; a source or a skill is shown
but not searched, so it moves only the content version. Suggestions, corrections and link
checks are for curators and are not here.

Bulk writes (`bulk_create`, `bulk_update`, `QuerySet.update`) send no signals: whoever
makes one calls `changed()` itself, as the HSDS importer does.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from directory.catalog.writer import changed
from directory.models import (
    FocusArea,
    Issue,
    KeyFact,
    Opportunity,
    Organization,
    OrganizationIdentifier,
    Program,
    Skill,
    Source,
    Verification,
)
from directory.search import index


def _itself(obj) -> dict:
    return {"organizations": [obj.pk]}


def _its_organization(obj) -> dict:
    return {"organizations": [obj.organization_id]}


def _issue(obj) -> dict:
    return {"issues": [obj.pk]}


def _its_issue(obj) -> dict:
    return {"issues": [obj.issue_id]}


def _focus_area(obj) -> dict:
    return {"focus_areas": [obj.pk]}


def _not_searched(obj) -> dict:
    return {}


# What saving or deleting a row of each model changed, as `changed()` takes it.
ROWS = {
    Organization: _itself,
    Program: _its_organization,
    OrganizationIdentifier: _its_organization,
    Verification: _its_organization,
    Opportunity: _its_organization,
    Issue: _issue,
    KeyFact: _its_issue,
    FocusArea: _focus_area,
    Source: _not_searched,
    Skill: _not_searched,
}

# The links (many-to-many fields) public content is made of. A change names the rows of
# the model holding the field; `Issue.related` both sides, each showing the other's name.
LINKS = [
    Organization.issues,
    Organization.focus_areas,
    Organization.countries,
    Organization.sources,
    Program.issues,
    Program.focus_areas,
    Program.countries,
    Opportunity.issues,
    Opportunity.skills,
    Issue.related,
]


def _row_written(sender, instance, **kwargs) -> None:
    changed(**ROWS[sender](instance))


def _program_moving(sender, instance, update_fields=None, **kwargs) -> None:
    """A program moved to another organization leaves its old one changed too: that
    organization's document still lists the program and counts its issues."""
    kept = update_fields is not None and "organization" not in update_fields
    if instance._state.adding or kept:
        return
    before = Program.objects.filter(pk=instance.pk).values_list("organization_id", flat=True)
    previous = before.first()
    if previous is not None and previous != instance.organization_id:
        changed(organizations=[previous])


def _issue_deleting(sender, instance, **kwargs) -> None:
    """The links go with the issue: name what they reach while they are still there."""
    related = Issue.related.through.objects.filter(to_issue_id=instance.pk)
    changed(
        issues=[instance.pk, *related.values_list("from_issue_id", flat=True)],
        organizations=index.organizations_addressing([instance.pk]),
    )


def _focus_area_deleting(sender, instance, **kwargs) -> None:
    changed(organizations=index.organizations_with_focus([instance.pk]))


_FIELDS = {descriptor.through: descriptor.field for descriptor in LINKS}


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear") or pk_set == set():
        return
    field = _FIELDS[sender]
    symmetrical = field.remote_field.model is field.model
    if not reverse and not symmetrical:
        changed(**ROWS[field.model](instance))
        return
    if pk_set is None:  # a clear, before it: the links about to go
        pk_set = set(_linked(field, instance, reverse))
        if not pk_set:
            return
    holders = (pk_set | {instance.pk}) if symmetrical else pk_set
    changed(**_rows(field.model, holders))


def _linked(field, instance, reverse: bool):
    """The ids on the other side of `instance`'s links through `field`."""
    mine, theirs = field.m2m_column_name(), field.m2m_reverse_name()
    if reverse:
        mine, theirs = theirs, mine
    links = field.remote_field.through.objects.filter(**{mine: instance.pk})
    return links.values_list(theirs, flat=True)


def _rows(model, ids) -> dict:
    """`changed()`'s arguments for these rows of `model`, read by id."""
    if model is Organization:
        return {"organizations": ids}
    if model is Issue:
        return {"issues": ids}
    owners = model.objects.filter(pk__in=ids).values_list("organization_id", flat=True)
    return {"organizations": set(owners)}


def connect() -> None:
    for model in ROWS:
        label = model._meta.label_lower
        post_save.connect(_row_written, sender=model, dispatch_uid=f"catalog-save-{label}")
        post_delete.connect(_row_written, sender=model, dispatch_uid=f"catalog-delete-{label}")
    pre_save.connect(_program_moving, sender=Program, dispatch_uid="catalog-program-moving")
    pre_delete.connect(_issue_deleting, sender=Issue, dispatch_uid="catalog-issue-deleting")
    pre_delete.connect(
        _focus_area_deleting, sender=FocusArea, dispatch_uid="catalog-focus-area-deleting"
    )
    for through in _FIELDS:
        label = through._meta.label_lower
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"catalog-links-{label}")
