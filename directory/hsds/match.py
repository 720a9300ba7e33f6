"""Ties checked plans to the directory: existing rows by HSDS id, new rows with unique
slugs, and every object through its model's field validators.

Issues and focus areas are curated here: a term the directory already has (by HSDS id,
name or slug) is used as it is, and only a term of a Causeway taxonomy that the directory
lacks becomes a new Issue or FocusArea.
"""

from collections import defaultdict

from directory.hsds import mapping
from directory.hsds.mapping import Reader
from directory.hsds.plan import LINKS, Plan, by_hsds_id, column_pairs, unique_slug
from directory.hsds.taxonomies import FOCUS_AREAS, HELP_FIELDS, ISSUES, taxonomy_of
from directory.models import FocusArea, Issue, Organization, OrganizationIdentifier, Program

TERM_MODELS = {ISSUES: Issue, FOCUS_AREAS: FocusArea}


class Terms:
    """The directory's issues and focus areas by HSDS term id, name and slug, and the new
    ones a file brings."""

    def __init__(self, planner):
        self.planner = planner
        self.by_id: dict = {}
        self.by_name: dict = {Issue: {}, FocusArea: {}}
        self.by_slug: dict = {Issue: {}, FocusArea: {}}
        self.new: list = []  # created since the last `take_new`
        for model in (Issue, FocusArea):
            for obj in model.objects.all():
                self._add(obj.hsds_id, obj)

    def take_new(self) -> list:
        """The terms created since the last call: each batch writes its own, and later
        batches find them written."""
        new, self.new = self.new, []
        return new

    def _add(self, term_id, obj) -> None:
        self.by_id[term_id] = obj
        self.by_name[type(obj)][obj.name] = obj
        self.by_slug[type(obj)][obj.slug] = obj

    def resolve(self, term_id, term: dict, where: str):
        """The Issue or FocusArea a term stands for; None for a term of another taxonomy."""
        if term_id in self.by_id:
            return self.by_id[term_id]
        taxonomy = taxonomy_of(term) if term else None
        model = TERM_MODELS.get(taxonomy)
        if model is None:
            return None
        reader = Reader(term)
        values = mapping.term_fields(reader, taxonomy)
        self.planner.report_all(where, reader.problems)
        obj = self.by_name[model].get(values["name"]) or self.by_slug[model].get(values["slug"])
        if obj is None:
            values["slug"] = unique_slug(values["slug"], set(self.by_slug[model]), "term", 90)
            obj = model(**values)
            self.planner.clean(obj, mapping.TERM_FIELDS, where)
            self.new.append(obj)
        if term_id or values["hsds_id"]:
            self._add(term_id or values["hsds_id"], obj)
        return obj


class Resolver:
    """Gives each plan its model instance, existing or new, and validates it."""

    def __init__(self, planner):
        self.planner = planner
        self.touched: set[int] = set()
        self.changed: set[int] = set()

    def resolve(self, org_plans, programs) -> Plan:
        orgs = self.organizations(org_plans, [p.org_id for p in programs])
        identifiers, stale_identifiers = self.identifiers(org_plans)
        stale_programs = self.programs(programs, orgs, org_plans)
        self.drop_unchanged_links(Organization, org_plans)
        self.drop_unchanged_links(Program, programs)
        return Plan(
            org_plans,
            programs,
            identifiers,
            self.planner.terms.take_new(),
            stale_programs,
            stale_identifiers,
            self.touched,
            self.changed,
        )

    def assign(self, obj, fields: dict) -> None:
        """Set `fields` on an existing row, noting whether that changes it."""
        if any(getattr(obj, name) != value for name, value in fields.items()):
            self.changed.add(id(obj))
        for name, value in fields.items():
            setattr(obj, name, value)

    def drop_unchanged_links(self, model, plans) -> None:
        """Forget the relation lists of existing rows that match what the directory has,
        so a second import of the same file writes nothing."""
        for relation, attribute in LINKS[model]:
            through = relation.through
            owner = through._meta.get_field(relation.field.m2m_field_name()).attname
            target = through._meta.get_field(relation.field.m2m_reverse_field_name()).attname
            listed = {p.obj.pk: p for p in plans if p.obj.pk and getattr(p, attribute) is not None}
            current = defaultdict(set)
            for owner_pk, target_pk in column_pairs(through, owner, listed, target):
                current[owner_pk].add(target_pk)
            for pk, plan in listed.items():
                wanted = {getattr(item, "pk", item) for item in getattr(plan, attribute)}
                if wanted == current[pk]:
                    setattr(plan, attribute, None)
                else:
                    self.changed.add(id(plan.obj))

    def organizations(self, org_plans, other_ids) -> dict:
        """Set each plan's Organization, existing or new; returns them all by HSDS id,
        with the existing organizations that standalone services name."""
        orgs = by_hsds_id(Organization, [p.values["hsds_id"] for p in org_plans] + other_ids)
        creating = any(p.values["hsds_id"] not in orgs for p in org_plans)
        taken = self.planner.taken_slugs() if creating else set()
        Status = Organization.Status
        status = Status.PUBLISHED if self.planner.publish else Status.REVIEW
        for plan in org_plans:
            hsds_id = plan.values["hsds_id"]
            fields, overrides = dict(plan.values), {}
            if plan.links is not None:
                for name in HELP_FIELDS:
                    fields[name], where = plan.links.get(name, ("", plan.where))
                    overrides[name] = (where, "value")
            if plan.countries is not None:
                fields["headquarters_id"] = plan.headquarters
            obj = orgs.get(hsds_id)
            if obj is None:
                fallback = f"organization-{hsds_id.hex[:8]}" if hsds_id else "organization"
                slug = unique_slug(plan.values["name"], taken, fallback)
                obj = Organization(status=status, slug=slug, **fields)
            else:
                if self.planner.publish:
                    fields["status"] = Status.PUBLISHED
                self.assign(obj, fields)
            plan.obj = obj
            self.planner.clean(obj, mapping.ORGANIZATION_FIELDS, plan.where, overrides)
            if hsds_id:
                orgs[hsds_id] = obj
        return orgs

    def identifiers(self, org_plans) -> tuple[list, list[int]]:
        wanted = [(plan, v, where) for plan in org_plans for v, where in plan.identifiers or []]
        existing = by_hsds_id(OrganizationIdentifier, [v["hsds_id"] for _p, v, _w in wanted])
        identifiers = []
        for plan, values, where in wanted:
            obj = existing.get(values["hsds_id"]) or OrganizationIdentifier()
            if obj.pk and obj.organization_id != plan.obj.pk:
                self.touched.add(obj.organization_id)
                self.changed.add(id(obj))
            self.assign(obj, values)
            obj.organization = plan.obj
            self.planner.clean(obj, mapping.IDENTIFIER_FIELDS, where)
            identifiers.append(obj)
        listed = {values["hsds_id"] for _p, values, _w in wanted}
        owners = [p.obj.pk for p in org_plans if p.identifiers is not None and p.obj.pk]
        rows = column_pairs(OrganizationIdentifier, "organization_id", owners, "pk", "hsds_id")
        stale = [(org, pk) for org, pk, hsds_id in rows if hsds_id not in listed]
        self.touched |= {org for org, _pk in stale}
        return identifiers, [pk for _org, pk in stale]

    def programs(self, programs, orgs: dict, org_plans) -> list[int]:
        """Set each plan's Program; returns the pks of programs the file no longer lists."""
        existing = by_hsds_id(Program, [p.values["hsds_id"] for p in programs])
        by_pk = {org.pk: org for org in orgs.values() if org.pk}
        slugs: dict[int, set] = defaultdict(set)  # by id() of the organization
        for org_pk, slug in column_pairs(Program, "organization_id", by_pk, "slug"):
            slugs[id(by_pk[org_pk])].add(slug)
        for plan in programs:
            org = orgs.get(plan.org_id)
            if org is None:
                # One in an earlier batch with a problem was checked but not written.
                if plan.org_id and not self.planner.seen_organization(plan.org_id):
                    message = f"No organization with id “{plan.org_id}” in the file or directory."
                    self.planner.report(plan.where, "organization_id", message)
                org = Organization()
            obj = existing.get(plan.values["hsds_id"])
            if obj is None:
                slug = unique_slug(plan.values["name"], slugs[id(org)], "program")
                obj = Program(organization=org, slug=slug, **plan.values)
            else:
                if org.pk is None or obj.organization_id != org.pk:  # moved to another
                    self.touched.add(obj.organization_id)
                    self.changed.add(id(obj))
                    obj.slug = unique_slug(plan.values["name"], slugs[id(org)], "program")
                self.assign(obj, plan.values)
                obj.organization = org
            plan.obj = obj
            self.planner.clean(obj, mapping.SERVICE_FIELDS, plan.where)
        listed = {plan.values["hsds_id"] for plan in programs}
        owners = [p.obj.pk for p in org_plans if p.complete_programs and p.obj.pk]
        rows = column_pairs(Program, "organization_id", owners, "pk", "hsds_id")
        stale = [(org, pk) for org, pk, hsds_id in rows if hsds_id not in listed]
        self.touched |= {org for org, _pk in stale}
        return [pk for _org, pk in stale]
