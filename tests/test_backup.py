"""`manage.py backup` and `restore`: a round trip brings back every listing and its history,
on SQLite (online backup API) and on PostgreSQL (pg_dump/pg_restore) alike."""

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from directory import backup
from directory.cache import current_version
from directory.models import Organization, Program
from tests.factories import make_org, make_program

pytestmark = pytest.mark.skipif(
    connection.vendor == "postgresql" and not shutil.which("pg_dump"),
    reason="pg_dump and pg_restore are needed to back up PostgreSQL",
)


def listings():
    return list(
        Organization.objects.order_by("slug").values_list("slug", "name", "status", "summary")
    )


def history():
    return list(
        Organization.history.order_by("history_id").values_list(
            "history_id", "id", "history_type", "name", "summary"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_every_listing_and_its_history(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path
    harbor = make_org("Harbor House", summary="Shelter.")
    make_org("Lantern Trust", status=Organization.Status.DRAFT)
    make_program(harbor, "Safe Houses")
    harbor.summary = "Shelter and legal aid."
    harbor.save()
    before = (listings(), history(), list(Program.objects.values_list("name", flat=True)))
    assert len(before[1]) >= 3

    call_command("backup")
    (path,) = tmp_path.iterdir()
    Organization.history.all().delete()
    Program.objects.all().delete()
    Organization.objects.filter(slug=harbor.slug).update(name="Vandalised")
    make_org("Created after the backup")
    version_before_restore = current_version()

    call_command("restore", str(path), interactive=False)

    after = (listings(), history(), list(Program.objects.values_list("name", flat=True)))
    assert after == before
    assert current_version() > version_before_restore  # no page cached since is served


@pytest.mark.django_db(transaction=True)
def test_backups_are_named_for_the_database_and_the_time(tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "nested"
    path = backup.backup()
    suffix = ".dump" if connection.vendor == "postgresql" else ".sqlite3"
    assert path.parent == tmp_path / "nested"
    assert path.name.endswith(suffix)
    assert path.stat().st_size > 0


@pytest.mark.django_db
def test_a_file_that_is_not_a_backup_is_refused_before_anything_changes(tmp_path):
    make_org("Harbor House")
    bogus = tmp_path / "notes.dump"
    bogus.write_text("not a database")
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), interactive=False)
    with pytest.raises(CommandError, match="No backup"):
        call_command("restore", str(tmp_path / "missing.dump"), interactive=False)
    assert Organization.objects.filter(name="Harbor House").exists()
