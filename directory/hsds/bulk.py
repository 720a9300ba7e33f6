"""Writes a checked plan in bulk: a few statements per thousand rows, history included.

Runs inside the caller's transaction. New organizations, programs, identifiers and terms
are inserted (`_insert`), changed ones go through `bulk_update`; their history rows are
copied from the rows just written by one INSERT ... SELECT per batch, and many-to-many rows
are inserted from tuples, because at a hundred thousand organizations building a model
instance for each of those rows costs more than the import itself. Relations are replaced
only where the plan says the file listed them (a list, not None).

On PostgreSQL new rows go in through COPY, their ids drawn from the table's sequence
first: an INSERT of a thousand rows has every value quoted into its text by the client
(Django binds parameters client-side) and parsed again by the server, which was a third
of the import's writing. Elsewhere `bulk_create` and `executemany`.
"""

from django.db import connection
from django.utils import timezone

from directory.hsds.plan import CHUNK, CLEANED, LINKS, Plan
from directory.models import FocusArea, Issue, Organization, OrganizationIdentifier, Program

BATCH = 1000
REASON = "HSDS import"
UPDATED = {
    Organization: sorted(CLEANED[Organization] | {"status", "headquarters", "updated"}),
    Program: sorted(CLEANED[Program] | {"active", "organization", "slug"}),
    OrganizationIdentifier: sorted(CLEANED[OrganizationIdentifier] | {"organization"}),
}


def batches(items: list, size: int = BATCH):
    """`items` in lists of at most `size` (the importer chunks its ids with it too)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    """COPY `rows` (tuples of Python values, adapted by psycopg) into `table`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    statement = f"COPY {quote(table)} ({names}) FROM STDIN"
    # Errors wrapped as Django's cursor wraps them: a unique violation is an IntegrityError.
    with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _insert(model, objs: list) -> None:
    """Insert new rows as `bulk_create` would (pre_save values, ids set on the objects)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    opts = model._meta
    fields = [field for field in opts.concrete_fields if not field.generated]
    sequence = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sequence, [opts.db_table, opts.pk.column, len(objs)])
        ids = [pk for (pk,) in cursor.fetchall()]
        rows = []
        for obj, pk in zip(objs, ids, strict=True):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            obj.pk = pk
            rows.append(
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
            )
        _copy(cursor, opts.db_table, [field.column for field in fields], rows)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def _record_history(model, pks: list[int], history_type: str) -> None:
    """Copy the rows `pks` into the model's simple-history table, as one change each."""
    history = model.history.model
    tracked = {field.attname for field in history.tracked_fields}
    values = {
        "history_date": timezone.now(),
        "history_change_reason": REASON,
        "history_type": history_type,
        "history_user_id": None,
    }
    fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    params = [
        f.get_db_prep_value(values[f.attname], connection)
        for f in fields
        if f.attname not in tracked
    ]
    quote = connection.ops.quote_name
    copied = ", ".join(quote(f.column) if f.attname in tracked else "%s" for f in fields)
    for batch in batches(pks, CHUNK):
        sql = (
            f"INSERT INTO {quote(history._meta.db_table)}"  # noqa: S608 (names from _meta)
            f" ({', '.join(quote(f.column) for f in fields)})"
            f" SELECT {copied} FROM {quote(model._meta.db_table)}"
            f" WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(batch))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *batch])


def _save(model, objs: list, changed: set[int], progress) -> None:
    """Create the new rows and update the changed ones, recording each in history."""
    new = [obj for obj in objs if obj.pk is None]
    old = [obj for obj in objs if obj.pk is not None and id(obj) in changed]
    now = timezone.now()
    planned = [(True, batch) for batch in batches(new)] + [(False, b) for b in batches(old)]
    label = f"Writing {model._meta.verbose_name_plural}"
    for is_new, batch in progress(planned, desc=label, unit=" batches"):
        if is_new:
            _insert(model, batch)
        else:
            if model is Organization:
                for obj in batch:  # bulk_update leaves auto_now fields alone
                    obj.updated = now
            model.objects.bulk_update(batch, UPDATED[model], batch_size=BATCH)
        _record_history(model, [obj.pk for obj in batch], "+" if is_new else "~")


def _delete(model, pks: list[int]) -> None:
    for batch in batches(sorted(pks), CHUNK):
        model.objects.filter(pk__in=batch).delete()


def _link(model, plans, existing: set[int]) -> None:
    """Replace the many-to-many rows of the plans that list them (that list differs from
    the directory's: `match` drops the lists that do not)."""
    quote = connection.ops.quote_name
    for relation, attribute in LINKS[model]:
        through = relation.through
        owner = through._meta.get_field(relation.field.m2m_field_name()).column
        target = through._meta.get_field(relation.field.m2m_reverse_field_name()).column
        listed = [plan for plan in plans if getattr(plan, attribute) is not None]
        stale = [plan.obj.pk for plan in listed if plan.obj.pk in existing]
        for batch in batches(stale, CHUNK):
            through.objects.filter(**{f"{owner}__in": batch}).delete()
        rows = [
            (plan.obj.pk, getattr(item, "pk", item))
            for plan in listed
            for item in getattr(plan, attribute)
        ]
        table = through._meta.db_table
        sql = (
            f"INSERT INTO {quote(table)}"  # noqa: S608 (names from _meta)
            f" ({quote(owner)}, {quote(target)}) VALUES (%s, %s)"
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _copy(cursor, table, [owner, target], rows)
                continue
            for batch in batches(rows, 20 * BATCH):
                cursor.executemany(sql, batch)


def write(plan: Plan, *, progress) -> tuple[list[int], list[int]]:
    """Store the plan; returns the ids of the organizations whose listing changed (their
    search documents need rebuilding) and of the new issues."""
    changed = plan.changed
    orgs = [p.obj for p in plan.organizations]
    programs = [p.obj for p in plan.programs]
    dirty = {id(obj) for obj in orgs + programs if obj.pk is None or id(obj) in changed}
    existing_orgs = {obj.pk for obj in orgs if obj.pk}
    existing_programs = {obj.pk for obj in programs if obj.pk}
    for model in (Issue, FocusArea):
        _save(model, [term for term in plan.terms if isinstance(term, model)], changed, progress)
    _save(Organization, orgs, changed, progress)
    _delete(OrganizationIdentifier, plan.stale_identifiers)
    _delete(Program, plan.stale_programs)
    _save(OrganizationIdentifier, plan.identifiers, changed, progress)
    _save(Program, programs, changed, progress)
    _link(Organization, plan.organizations, existing_orgs)
    _link(Program, plan.programs, existing_programs)
    org_ids = {obj.pk for obj in orgs if id(obj) in dirty}
    org_ids |= {obj.organization_id for obj in programs if id(obj) in dirty} | plan.touched
    return sorted(org_ids), [term.pk for term in plan.terms if isinstance(term, Issue)]
