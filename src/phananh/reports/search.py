"""Search that ignores accents and case, the same on SQLite and PostgreSQL.

Each report keeps `search_text`, its words folded (lower case, no diacritics, đ → d), without
punctuation, with a space at each end. A query is folded the same way and split into words: a
report matches when it contains every word; it ranks higher when it contains the whole phrase,
and when the words stand as whole words rather than inside longer ones ("ngap" in "ngap nuoc"
before "ngapx"). A word of one or two letters must stand whole: Vietnamese is written in short
syllables, and "o ga" (ổ gà) must not find every text with an "o" and a "ga" inside longer
words or a tracking code ("PA-26-GATHGF").
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, QuerySet, Value, When

from phananh.core.text import fold

MAX_WORDS = 8
# Shorter words match only whole.
WHOLE_WORD_BELOW = 3
# Punctuation between words; the hyphens of tracking codes stay.
_PUNCTUATION = re.compile(r"[^\w-]+")


def search_words(text: str) -> str:
    """Folded words, separated by single spaces, without punctuation."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def search_document(*, tracking_code: str, title: str, description: str, address: str) -> str:
    words = search_words(" ".join(part for part in (tracking_code, title, description, address) if part))
    return f" {words} "


def _score(condition: dict, points: int):
    return Case(When(**condition, then=Value(points)), default=Value(0), output_field=IntegerField())


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Reports matching every word of `query`, best matches first (then newest)."""
    phrase = search_words(query)[:200]
    words = list(dict.fromkeys(phrase.split()))[:MAX_WORDS]
    if not words:
        return queryset
    for word in words:
        queryset = queryset.filter(
            search_text__contains=word if len(word) >= WHOLE_WORD_BELOW else f" {word} "
        )
    score = _score({"search_text__contains": f" {phrase} "}, 10)
    for word in words:
        score = score + _score({"search_text__contains": f" {word} "}, 1)
    return queryset.annotate(search_score=score).order_by("-search_score", "-created_at", "-id")
