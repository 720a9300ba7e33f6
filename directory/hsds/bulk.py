"""Writes a checked plan in bulk: a few statements per thousand rows, history included.

Run inside the caller's transaction. Relations are replaced only where the plan says the
file listed them (a list, not None).
"""

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from directory.hsds.plan import CLEANED, Plan
from directory.models import FocusArea, Issue, Organization, OrganizationIdentifier, Program

BATCH = 1000
REASON = "HSDS import"
UPDATED = {
    Organization: sorted(CLEANED[Organization] | {"status", "headquarters", "updated"}),
    Program: sorted(CLEANED[Program] | {"active", "organization", "slug"}),
    OrganizationIdentifier: sorted(CLEANED[OrganizationIdentifier] | {"organization"}),
}
# (relation, the plan attribute listing its targets)
LINKS = {
    Organization: [
        (Organization.issues, "issues"),
        (Organization.focus_areas, "focus_areas"),
        (Organization.countries, "countries"),
    ],
    Program: [
        (Program.issues, "issues"),
        (Program.focus_areas, "focus_areas"),
        (Program.countries, "countries"),
    ],
}


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _save(model, objs: list, progress) -> None:
    new = [obj for obj in objs if obj.pk is None]
    old = [obj for obj in objs if obj.pk is not None]
    label = f"Writing {model._meta.verbose_name_plural}"
    total = -(-len(objs) // BATCH)
    batches = [(True, batch) for batch in _batches(new)] + [(False, b) for b in _batches(old)]
    for is_new, batch in progress(batches, desc=label, unit=" batches", total=total):
        if is_new:
            bulk_create_with_history(batch, model, batch_size=BATCH, default_change_reason=REASON)
        else:
            if model is Organization:
                for obj in batch:  # bulk_update does not touch auto_now fields
                    obj.updated = timezone.now()
            bulk_update_with_history(
                batch, model, UPDATED[model], batch_size=BATCH, default_change_reason=REASON
            )


def _delete(model, pks: list[int]) -> None:
    for batch in _batches(sorted(pks)):
        model.objects.filter(pk__in=batch).delete()


def _link(model, plans, existing: set[int]) -> None:
    """Replace the many-to-many rows of the plans that list them."""
    for relation, attribute in LINKS[model]:
        through = relation.through
        owner = relation.field.m2m_field_name() + "_id"
        target = relation.field.m2m_reverse_field_name() + "_id"
        listed = [plan for plan in plans if getattr(plan, attribute) is not None]
        stale = [plan.obj.pk for plan in listed if plan.obj.pk in existing]
        for batch in _batches(stale):
            through.objects.filter(**{f"{owner}__in": batch}).delete()
        rows = [
            through(**{owner: plan.obj.pk, target: getattr(item, "pk", item)})
            for plan in listed
            for item in getattr(plan, attribute)
        ]
        through.objects.bulk_create(rows, batch_size=5 * BATCH)


def write(plan: Plan, *, progress) -> tuple[list[int], list[int]]:
    """Store the plan; returns the ids of the organizations and new issues it touched."""
    for model in (Issue, FocusArea):
        terms = [term for term in plan.terms if isinstance(term, model)]
        bulk_create_with_history(terms, model, batch_size=BATCH, default_change_reason=REASON)
    existing_orgs = {p.obj.pk for p in plan.organizations if p.obj.pk}
    existing_programs = {p.obj.pk for p in plan.programs if p.obj.pk}
    _save(Organization, [p.obj for p in plan.organizations], progress)
    _delete(OrganizationIdentifier, plan.stale_identifiers)
    _delete(Program, plan.stale_programs)
    _save(OrganizationIdentifier, plan.identifiers, progress)
    _save(Program, [p.obj for p in plan.programs], progress)
    _link(Organization, plan.organizations, existing_orgs)
    _link(Program, plan.programs, existing_programs)
    org_ids = {p.obj.pk for p in plan.organizations}
    org_ids |= {p.obj.organization_id for p in plan.programs} | plan.touched
    return sorted(org_ids), [term.pk for term in plan.terms if isinstance(term, Issue)]
