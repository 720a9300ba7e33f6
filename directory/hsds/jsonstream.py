"""Reads a JSON document's list of items one at a time, so a file of any size takes the
memory of one item.

An HSDS file is almost always one long list: a JSON array, or a Page whose `contents` is
one. `open_json` reads the document's outer array (or the Page's `contents`) item by item
with the standard library's decoder (`JSONDecoder.raw_decode`, in C) over a buffer refilled
from the file, and reads any other document whole. Errors carry the line and column in the
whole file, in the words `json.loads` uses, so a broken file is reported as before.
"""

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

CHUNK = 1 << 20  # characters read at a time
# An error this far before the end of the buffer cannot be the buffer's end cutting an item
# short (a literal or number cut short fails within a few characters of the cut).
SETTLED = 64
WHITESPACE = re.compile(r"[ \t\n\r]*")


class InvalidJSON(ValueError):
    """Text that is not JSON; the message is `json.JSONDecodeError`'s, for the whole file."""


class InvalidText(ValueError):
    """Bytes that are not UTF-8; the message names the byte and its offset in the file."""


@dataclass
class Document:
    """A JSON document: `items` streams the outer list when there is one (`label` is its
    JSON path, "$" or "$.contents"); otherwise `value` is the whole document."""

    label: str | None
    items: Iterator[Any] | None = None
    value: Any = None


class _Reader:
    """A text buffer over a binary file, with positions counted from the file's start."""

    def __init__(self, file: BinaryIO):
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder()
        self.buf, self.pos = "", 0
        self.eof = False
        self.bytes_read = 0
        self.dropped = 0  # characters dropped from the front of the buffer
        self.dropped_lines = 0
        self.last_newline = -1  # offset in the file of the last newline dropped

    # The buffer

    def fill(self, size: int = 0) -> bool:
        """Append at least `size` (CHUNK) more characters unless the file ends; False at
        its end."""
        if self.eof:
            return False
        size = size or CHUNK
        self._compact()
        wanted = len(self.buf) + size
        while len(self.buf) < wanted and not self.eof:
            data = self.file.read(size)
            self.eof = not data
            try:
                self.buf += self.decoder.decode(data, final=self.eof)
            except UnicodeDecodeError as error:
                at = self.bytes_read + error.start
                bad = error.object[error.start]
                message = f"'utf-8' codec can't decode byte 0x{bad:02x} in position {at}"
                raise InvalidText(f"{message}: {error.reason}") from None
            self.bytes_read += len(data)
        return True

    def _compact(self) -> None:
        """Drop what has been read, keeping count of its lines for error positions."""
        done = self.buf[: self.pos]
        newline = done.rfind("\n")
        if newline >= 0:
            self.dropped_lines += done.count("\n")
            self.last_newline = self.dropped + newline
        self.dropped += self.pos
        self.buf, self.pos = self.buf[self.pos :], 0

    def error(self, message: str, pos: int) -> InvalidJSON:
        """`json.JSONDecodeError`'s message for the buffer position `pos`, in file terms."""
        at = self.dropped + pos
        newline = self.buf.rfind("\n", 0, pos)
        lineno = self.dropped_lines + self.buf.count("\n", 0, pos) + 1
        colno = pos - newline if newline >= 0 else at - self.last_newline
        return InvalidJSON(f"{message}: line {lineno} column {colno} (char {at})")

    # Tokens

    def peek(self) -> str:
        """The next character that is not whitespace, "" at the end of the file."""
        while True:
            self.pos = WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self.fill():
                return self.buf[self.pos : self.pos + 1]

    def expect(self, allowed: str, message: str) -> str:
        char = self.peek()
        if not char or char not in allowed:
            raise self.error(message, self.pos)
        self.pos += 1
        return char

    def value(self) -> Any:
        """The JSON value at the current position, reading more of the file until it is
        whole: an item cut by the buffer's end fails to decode, and is decoded again with
        the buffer doubled, so each item costs at most twice its decoding."""
        self.peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                pending = len(self.buf) - self.pos  # the item so far
                if self._settled(error) or not self.fill(max(CHUNK, pending)):
                    raise self.error(error.msg, error.pos) from None
                continue
            if end < len(self.buf) or not self.fill():  # a number may go on in the next chunk
                self.pos = end
                return value

    def _settled(self, error: json.JSONDecodeError) -> bool:
        """Whether the error is in the text itself rather than at the buffer's end."""
        unterminated = error.msg.startswith("Unterminated string")
        return not unterminated and error.pos + SETTLED < len(self.buf)

    def end(self) -> None:
        if self.peek():
            raise self.error("Extra data", self.pos)


def open_json(file: BinaryIO) -> Document:
    """The document in `file`; its outer list, if any, is read as `items` is iterated.

    Raises InvalidJSON or InvalidText, now or while `items` is iterated (only reading to
    the end shows a file is whole), and RecursionError for nesting too deep to decode.
    """
    reader = _Reader(file)
    first = reader.peek()
    if first == "[":
        return Document("$", _array(reader, last=True))
    if first != "{":
        value = reader.value()
        reader.end()
        return Document(None, value=value)
    reader.pos += 1
    fields: dict = {}
    while (key := _next_key(reader, fields)) is not None:
        if key == "contents" and reader.peek() == "[":
            return Document("$.contents", _page_items(reader, fields))
        fields[key] = reader.value()
    reader.end()
    return Document(None, value=fields)


def _next_key(reader: _Reader, fields: dict) -> str | None:
    """The next key of the outer object, read up to its colon; None after its last."""
    if reader.peek() == "}":
        reader.pos += 1
        return None
    if fields:
        reader.expect(",", "Expecting ',' delimiter")
    if reader.peek() != '"':
        raise reader.error("Expecting property name enclosed in double quotes", reader.pos)
    key = reader.value()
    reader.expect(":", "Expecting ':' delimiter")
    return key


def _array(reader: _Reader, *, last: bool) -> Iterator[Any]:
    """The items of the array at the reader's position; with `last`, the document must
    end after it."""
    reader.expect("[", "Expecting value")
    if reader.peek() == "]":
        reader.pos += 1
    else:
        while True:
            yield reader.value()
            if reader.expect(",]", "Expecting ',' delimiter") == "]":
                break
    if last:
        reader.end()


def _page_items(reader: _Reader, fields: dict) -> Iterator[Any]:
    """A Page's `contents`, then the rest of the Page read (and checked) to its end."""
    yield from _array(reader, last=False)
    fields["contents"] = []
    while _next_key(reader, fields) is not None:
        reader.value()
    reader.end()
