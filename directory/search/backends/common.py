"""What both engines share: the query's words and Hangul runs, LIKE patterns, a fetch."""

from django.db import connection

from directory.search.query import HANGUL_RUN, Item


def hangul_phrases(item: Item) -> list[list[str]]:
    """Each Hangul run of the item as the n-gram tokens that must appear in order."""
    phrases = []
    for run in HANGUL_RUN.findall(item.text):
        phrases.append([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    return phrases


def latin_words(item: Item) -> tuple[str, ...]:
    return tuple(word for word in item.words if not HANGUL_RUN.search(word))


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]
