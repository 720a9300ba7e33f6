"""Typo tolerance: the vocabulary word a misspelt one most likely meant.

Candidates come from the database's trigram index over the vocabulary (pg_trgm, or an
FTS5 trigram table); the closest by edit distance wins, the more common on a tie.
"""

from directory.models import SearchTerm
from directory.search import backends
from directory.search.query import HANGUL_RUN, ParsedQuery, replace_words

MIN_LENGTH = 4


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def _max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def _closest(word: str, limit: int) -> list[str]:
    scored = sorted(
        (edit_distance(word, term), -documents, term)
        for term, documents in backends.similar_terms(word)
        if term != word
    )
    return [term for distance, _, term in scored if distance <= _max_distance(word)][:limit]


def _unknown_words(parsed: ParsedQuery) -> list[str]:
    words = [
        word
        for word in dict.fromkeys(parsed.words)
        if len(word) >= MIN_LENGTH and not word.isdigit() and not HANGUL_RUN.search(word)
    ]
    known = set(SearchTerm.objects.filter(term__in=words).values_list("term", flat=True))
    return [word for word in words if word not in known]


def correct(parsed: ParsedQuery) -> ParsedQuery | None:
    """The query with each unknown word replaced by its closest known word, if any changed."""
    replacements = {}
    for word in _unknown_words(parsed):
        closest = _closest(word, 1)
        if closest:
            replacements[word] = closest[0]
    return replace_words(parsed, replacements) if replacements else None


def suggestions(parsed: ParsedQuery, limit: int = 5) -> list[str]:
    """Nearest known words to the query's unknown ones, for a "did you mean" list."""
    found: list[str] = []
    for word in _unknown_words(parsed):
        found += [term for term in _closest(word, limit) if term not in found]
    return found[:limit]
