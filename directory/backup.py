"""Whole-database backups and restores: every listing, its history and the accounts.

PostgreSQL goes through pg_dump and pg_restore (custom format, one transaction), with the
connection settings passed in the environment so no password shows in a process list.
SQLite goes through its online backup API, which copies a consistent snapshot while the
site keeps serving. Both check a file before restoring it, and a restore moves the content
version past any number seen before, so no page cached before it is served after it.

A backup holds password hashes, sessions and TOTP secrets: the file is created readable by
its owner alone (0600), and BACKUP_DIR, with any folder made for a backup, is 0700,
whatever the umask.
"""

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

from directory.models import ContentVersion


class BackupError(Exception):
    pass


def _vendor(using: str) -> str:
    return connections[using].vendor


def default_path(using: str = "default") -> Path:
    suffix = "dump" if _vendor(using) == "postgresql" else "sqlite3"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BACKUP_DIR) / f"{stamp}.{suffix}"


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else "")
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools are needed).")
    return found


def _pg_environment(using: str) -> dict[str, str]:
    params = connections[using].settings_dict
    environ = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if params.get(key):
            environ[variable] = str(params[key])
    if sslmode := params.get("OPTIONS", {}).get("sslmode"):
        environ["PGSSLMODE"] = sslmode
    return environ


def _run(command: list[str], using: str) -> None:
    result = subprocess.run(  # noqa: S603 (fixed tools, arguments from our own settings)
        command, env=_pg_environment(using), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _private_folder(folder: Path) -> None:
    """Make `folder` and any missing parents 0700; BACKUP_DIR is made 0700 even if it exists
    (an --output elsewhere leaves existing folders alone: they may be /tmp or a home)."""
    created = [each for each in (folder, *folder.parents) if not each.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for each in created:
        each.chmod(0o700)  # not mkdir(mode=...): that mode passes through the umask
    if folder.resolve() == Path(settings.BACKUP_DIR).resolve():
        folder.chmod(0o700)


def _private_file(path: Path) -> None:
    """Create `path` empty and 0600 (or empty an existing one and make it 0600) before any
    byte of the backup is written to it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def backup(path: Path | None = None, using: str = "default") -> Path:
    """Write a backup of the database to `path` (a new file in BACKUP_DIR by default)."""
    path = Path(path or default_path(using))
    _private_folder(path.parent)
    _private_file(path)
    connection = connections[using]
    if _vendor(using) == "postgresql":
        name = connection.settings_dict["NAME"]
        _run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), name],
            using,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    return path


def _check(path: Path, using: str) -> None:
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    if _vendor(using) == "postgresql":
        _run([_pg_tool("pg_restore"), "--list", str(path)], using)
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            source.execute("SELECT count(*) FROM django_migrations").fetchone()
            (status,) = source.execute("PRAGMA quick_check").fetchone()
        source.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a Causeway SQLite backup: {error}") from None
    if status != "ok":
        raise BackupError(f"{path} is damaged: {status}")


def _version(using: str) -> int:
    row = ContentVersion.objects.using(using).filter(pk=1).values_list("version", flat=True)
    return row.first() or 0


def restore(path: Path, using: str = "default") -> None:
    """Replace the database's content with the backup at `path`."""
    path = Path(path)
    _check(path, using)
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    before = _version(using)
    if _vendor(using) == "postgresql":
        connection.close()
        _run(
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ],
            using,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    # Pages cached under version numbers the restored database will count through again
    # must never be served: jump past both timelines.
    after = max(before, _version(using)) + 1
    ContentVersion.objects.using(using).update_or_create(pk=1, defaults={"version": after})
