"""How much a CSV package may hold, so a small file cannot expand to exhaust memory.

A .zip of a few hundred kilobytes can expand to gigabytes (a "zip bomb"), and every row
read is staged on disk until the import ends (`staging`). A package is refused when one file
or all of them together expand past a size, when a zipped file expands more than a ratio
(real CSV compresses about ten times; bombs a thousand), or when it holds too many rows.
Sizes are checked twice: as the zip's directory declares them, before anything is
unpacked, and by counting the bytes as they are read, because a declared size can lie.

The limits are settings (HSDS_IMPORT_MAX_*), read at each import.
"""

import io
from collections.abc import Iterable, Iterator

from django.conf import settings


class TooLarge(ValueError):
    """A package past one of the limits; the message names the setting."""


class Budget:
    """What one package has read so far, checked against the limits as it grows."""

    def __init__(self):
        self.bytes = 0
        self.rows = 0

    def declared(self, entries: Iterable[tuple[str, int, int | None]]) -> None:
        """Check (name, size, compressed size or None) as the package declares them."""
        total = 0
        for name, size, compressed in entries:
            total += size
            _check(name, size, compressed, total)

    def stream(self, name: str, raw, compressed: int | None = None) -> io.BufferedReader:
        """`raw` (a binary file) counted as it is read; raises TooLarge past a limit."""
        return io.BufferedReader(_Counted(raw, self, name, compressed))

    def counted(self, rows: Iterable) -> Iterator:
        """`rows`, refused as soon as the package holds too many."""
        for row in rows:
            self.add_rows(1)
            yield row

    def add_rows(self, count: int) -> None:
        self.rows += count
        if self.rows > settings.HSDS_IMPORT_MAX_ROWS:
            limit = settings.HSDS_IMPORT_MAX_ROWS
            raise TooLarge(f"The package holds more than {limit:,} rows (HSDS_IMPORT_MAX_ROWS).")


def _check(name: str, size: int, compressed: int | None, total: int) -> None:
    if size > settings.HSDS_IMPORT_MAX_FILE_BYTES:
        limit = settings.HSDS_IMPORT_MAX_FILE_BYTES
        raise TooLarge(f"{name}: larger than {limit:,} bytes (HSDS_IMPORT_MAX_FILE_BYTES).")
    # An empty entry can have a compressed size of 0.
    if compressed is not None and size > settings.HSDS_IMPORT_MAX_RATIO * max(compressed, 1):
        ratio = settings.HSDS_IMPORT_MAX_RATIO
        raise TooLarge(
            f"{name}: expands more than {ratio} times when unzipped (HSDS_IMPORT_MAX_RATIO)."
        )
    if total > settings.HSDS_IMPORT_MAX_BYTES:
        limit = settings.HSDS_IMPORT_MAX_BYTES
        raise TooLarge(
            f"The package is larger than {limit:,} bytes unzipped (HSDS_IMPORT_MAX_BYTES)."
        )


class _Counted(io.RawIOBase):
    """A binary file that counts what it gives against its file's and the package's limits."""

    def __init__(self, raw, budget: Budget, name: str, compressed: int | None):
        self.raw, self.budget, self.name, self.compressed = raw, budget, name, compressed
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.size += len(data)
        self.budget.bytes += len(data)
        _check(self.name, self.size, self.compressed, self.budget.bytes)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()
