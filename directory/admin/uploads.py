"""Spreadsheet uploads between the import preview and its confirmation.

django-import-export keeps an uploaded file in the temp folder and names it in a hidden
field of the confirm form; left as it is, that field could name any file there (read, then
deleted), and files whose import was never confirmed stayed for ever. Here uploads live in
a private folder under names we make, the confirm form accepts only such a name, stale
uploads are swept, and a file too large or too long for one request is refused up front.
"""

import csv
import io
import os
import re
import tempfile
import time
import uuid

from django import forms
from django.conf import settings
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import TempFolderStorage

UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}$")
# An import that was neither confirmed nor abandoned within this time is swept.
STALE_AFTER_SECONDS = 60 * 60


def upload_folder() -> str:
    folder = os.path.join(tempfile.gettempdir(), "causeway-imports")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def sweep_stale_uploads(now: float | None = None) -> int:
    """Delete uploads older than STALE_AFTER_SECONDS; returns how many."""
    now = now or time.time()
    swept = 0
    with os.scandir(upload_folder()) as entries:
        for entry in entries:
            if UPLOAD_NAME.match(entry.name) and now - entry.stat().st_mtime > STALE_AFTER_SECONDS:
                os.remove(entry.path)
                swept += 1
    return swept


class PrivateUploadStorage(TempFolderStorage):
    """The temp-folder storage, confined to its own folder and to names it made."""

    def get_full_path(self):
        if not UPLOAD_NAME.match(self.name or ""):
            raise ValueError("Not an upload name.")
        return os.path.join(upload_folder(), self.name)

    def _open(self, mode="r"):
        if not self.name:  # a new upload, written as the bytes that came in
            sweep_stale_uploads()
            self.name = uuid.uuid4().hex
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            return os.fdopen(os.open(self.get_full_path(), flags, 0o600), "wb")
        return open(self.get_full_path(), mode, encoding=self.encoding)


class BoundedImportForm(ImportForm):
    """Refuses a file larger or longer than one request can import in good time."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.SPREADSHEET_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is {upload.size:,} bytes; the most one import takes is {limit:,}. "
                "Split it into smaller files."
            )
        rows = _count_rows(upload, settings.SPREADSHEET_MAX_ROWS + 1)
        upload.seek(0)
        if rows > settings.SPREADSHEET_MAX_ROWS:
            raise forms.ValidationError(
                f"This file has more than {settings.SPREADSHEET_MAX_ROWS:,} rows, the most one "
                "import takes. Split it into smaller files."
            )
        return upload


def _count_rows(upload, stop: int) -> int:
    """Data rows in a CSV or XLSX upload, counting no further than `stop`."""
    head = upload.read(4)
    upload.seek(0)
    if head == b"PK\x03\x04":  # XLSX is a zip: read its first sheet row by row
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(upload, read_only=True).worksheets[0]
        except Exception as error:
            raise forms.ValidationError(f"This spreadsheet cannot be read ({error}).") from None
        count = -1  # the header
        for _row in sheet.iter_rows(values_only=True):
            count += 1
            if count >= stop:
                break
        return max(count, 0)
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", errors="replace", newline="")
    try:
        count = -1
        for _row in csv.reader(text):
            count += 1
            if count >= stop:
                break
        return max(count, 0)
    finally:
        text.detach()


class PrivateConfirmForm(ConfirmImportForm):
    def clean_import_file_name(self):
        name = self.cleaned_data["import_file_name"]
        if not UPLOAD_NAME.match(name):
            raise forms.ValidationError("This is not an upload of this site.")
        if not os.path.exists(os.path.join(upload_folder(), name)):
            raise forms.ValidationError(
                "This upload has expired or was already imported. Upload the file again."
            )
        return name
