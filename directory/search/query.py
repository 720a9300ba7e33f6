"""Turns what a visitor typed into a structured, safe search query.

The grammar is the web-search one people already know (and PostgreSQL's
websearch_to_tsquery reads): words are ANDed, "quoted phrases" match in order,
`or` between two items accepts either, and a leading `-` excludes a word or phrase.
Anything else (punctuation, SQL, markup, NUL bytes) is not syntax, only separators.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters and digits; "_" is punctuation, as it is to both databases' parsers.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Hangul syllables and jamo: Korean text, which the index splits into n-grams.
HANGUL_RUN = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")


# English words too common to search for (PostgreSQL's "english" list). A query word that
# is one of them is left out on both databases, so both answer alike; inside a quoted
# phrase they stay.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own s same she should so some such t than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with you your yours yourself
    yourselves""".split()
)


class InvalidQuery(ValueError):
    """A query that cannot be searched; the message is shown to the visitor."""


class QueryTooSlow(InvalidQuery):
    """A query the database gave up on (`SEARCH_TIMEOUT_MS`)."""

    def __init__(self):
        super().__init__(
            _("This search took too long. Try more specific words, or fewer quoted phrases.")
        )


@dataclass(frozen=True)
class Item:
    """A word, or a phrase of several words that must appear in order."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def has_hangul(self) -> bool:
        return any(HANGUL_RUN.search(word) for word in self.words)


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    # Each group is a list of alternatives; every group must match (AND of ORs).
    groups: tuple[tuple[Item, ...], ...] = ()
    excluded: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group]

    @property
    def words(self) -> list[str]:
        return [word for item in self.items for word in item.words]

    @property
    def has_hangul(self) -> bool:
        return any(item.has_hangul for item in self.items)

    def websearch_text(self) -> str:
        """The same query, normalised, in the syntax of PostgreSQL's websearch_to_tsquery."""
        parts = [" or ".join(_websearch_item(item) for item in group) for group in self.groups]
        parts += ["-" + _websearch_item(item) for item in self.excluded]
        return " ".join(parts)


def _websearch_item(item: Item) -> str:
    return f'"{item.text}"' if item.is_phrase else item.text


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _WORD.findall(text))


def parse(raw: str) -> ParsedQuery:
    """Parse a visitor's query; raise InvalidQuery with a readable message if it is unusable."""
    if "\x00" in raw:
        raise InvalidQuery(_("The search contains a null character. Please retype it."))
    if len(raw) > MAX_QUERY_LENGTH:
        raise InvalidQuery(
            _("Searches are limited to %(limit)d characters; yours has %(length)d.")
            % {"limit": MAX_QUERY_LENGTH, "length": len(raw)}
        )
    text = unicodedata.normalize("NFKC", raw)
    groups: list[list[Item]] = []
    excluded: list[Item] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            pending_or = bool(groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = _words(phrase if phrase is not None else bare)
        if phrase is None or all(word in STOP_WORDS for word in words):
            words = tuple(word for word in words if word not in STOP_WORDS)
        if not words:
            pending_or = pending_or and bool(groups)
            continue
        # A bare token such as "north-korea" holds several words: they match as a phrase.
        item = Item(words)
        if negated:
            excluded.append(item)
        elif pending_or:
            groups[-1].append(item)
        else:
            groups.append([item])
        pending_or = False
    if not groups:
        if excluded:
            raise InvalidQuery(_("Add at least one word to search for, not only words to exclude."))
        if _words(text):
            raise InvalidQuery(
                _("Those words are too common to search for. Add a more specific one.")
            )
        raise InvalidQuery(_("Type a word or a name to search for."))
    if sum(len(group) for group in groups) + len(excluded) > MAX_TERMS:
        raise InvalidQuery(
            _("Searches are limited to %(limit)d words or phrases.") % {"limit": MAX_TERMS}
        )
    return ParsedQuery(
        raw=raw, groups=tuple(tuple(group) for group in groups), excluded=tuple(excluded)
    )


def replace_words(parsed: ParsedQuery, replacements: dict[str, str]) -> ParsedQuery:
    """The same query with some words swapped, e.g. a typo for the word it most likely meant."""

    def swap(item: Item) -> Item:
        return Item(tuple(replacements.get(word, word) for word in item.words))

    groups = tuple(tuple(swap(item) for item in group) for group in parsed.groups)
    excluded = tuple(swap(item) for item in parsed.excluded)
    corrected = ParsedQuery(raw=parsed.raw, groups=groups, excluded=excluded)
    return ParsedQuery(raw=corrected.websearch_text(), groups=groups, excluded=excluded)
