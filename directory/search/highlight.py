"""Marks the words a visitor searched for, only in the text of the results on screen."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from directory.search.query import ParsedQuery

_SUFFIXES = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    """A light stem so that "refugees" also marks "refugee" (the index itself stems properly)."""
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _pattern(parsed: ParsedQuery) -> re.Pattern | None:
    alternatives = []
    for item in parsed.items:
        if item.has_hangul:
            alternatives.append(re.escape(item.text))
        elif item.is_phrase:
            alternatives.append(r"\b" + r"\W+".join(re.escape(w) for w in item.words) + r"\w*")
        else:
            alternatives.append(r"\b" + re.escape(_stem(item.words[0])) + r"\w*")
    if not alternatives:
        return None
    # Longest first, so a phrase wins over one of its words.
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE | re.UNICODE)


def highlight(text: str, parsed: ParsedQuery | None, length: int = 240) -> SafeString:
    """Escape `text`, cut it to about `length` characters around the first match, mark matches."""
    text = " ".join((text or "").split())
    pattern = _pattern(parsed) if parsed else None
    first = pattern.search(text) if pattern else None
    start = 0
    if first and first.start() > length // 2:
        start = text.rfind(" ", 0, first.start() - length // 3) + 1
    end = start + length
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    snippet = text[start:end]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    if not pattern:
        return mark_safe(escape(prefix + snippet + suffix))  # noqa: S308 - escaped above
    pieces, cursor = [], 0
    for match in pattern.finditer(snippet):
        pieces.append(escape(snippet[cursor : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        cursor = match.end()
    pieces.append(escape(snippet[cursor:]))
    return mark_safe(escape(prefix) + "".join(pieces) + escape(suffix))  # noqa: S308
