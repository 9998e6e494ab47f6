"""Search that ignores accents and case, the same on SQLite and PostgreSQL.

Each report keeps `search_text`, its words folded (lower case, no diacritics, đ → d), without
punctuation, with a space at each end. A query is folded the same way and split into words: a
report matches when it contains every word; it ranks higher when it contains the whole phrase,
and when the words stand as whole words rather than inside longer ones ("ngap" in "ngap nuoc"
before "ngapx"). A word of one or two letters must stand whole: Vietnamese is written in short
syllables, and "o ga" (ổ gà) must not find every text with an "o" and a "ga" inside longer
words or a tracking code ("PA-26-GATHGF").

On PostgreSQL a trigram index (pg_trgm, GIN) on the published reports' `search_text` answers the
`LIKE '%word%'` conditions; SQLite reads the rows. `score_tiers` gives the same order as `search`
a score at a time, so that a page of a common word ("duong") is read newest first along an index
and stops after a page, instead of scoring every match before sorting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

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


def _phrase_and_words(query: str) -> tuple[str, list[str]]:
    phrase = search_words(query)[:200]
    return phrase, list(dict.fromkeys(phrase.split()))[:MAX_WORDS]


def has_words(query: str) -> bool:
    """Whether `query` holds a word to search for (punctuation alone does not)."""
    return bool(_phrase_and_words(query)[1])


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """The reports that contain every word of `query` (in no particular order)."""
    for word in _phrase_and_words(query)[1]:
        queryset = queryset.filter(
            search_text__contains=word if len(word) >= WHOLE_WORD_BELOW else f" {word} "
        )
    return queryset


def search(queryset: QuerySet, query: str) -> QuerySet:
    """Reports matching every word of `query`, best matches first (then newest)."""
    phrase, words = _phrase_and_words(query)
    if not words:
        return queryset
    score = _score({"search_text__contains": f" {phrase} "}, 10)
    for word in words:
        score = score + _score({"search_text__contains": f" {word} "}, 1)
    return (
        matching(queryset, query).annotate(search_score=score).order_by("-search_score", "-created_at", "-id")
    )


@dataclass(frozen=True)
class Tier:
    """The matches that have one score, newest first: `search` lists the tiers one after another."""

    score: int
    reports: QuerySet


def score_tiers(queryset: QuerySet, query: str) -> list[Tier]:
    """`search(queryset, query)` cut by score, best first; empty without words.

    The score is 10 for the whole phrase plus 1 for each word that stands whole. The phrase
    standing whole implies every word does, so the scores are 10 + n (the phrase), then n, n − 1,
    ..., 0 whole words without the phrase: at most ten tiers, each an indexable condition.
    """
    phrase, words = _phrase_and_words(query)
    if not words:
        return []
    matches = matching(queryset, query)
    has_phrase = Q(search_text__contains=f" {phrase} ")
    whole = [_score({"search_text__contains": f" {word} "}, 1) for word in words]
    whole_count = sum(whole[1:], whole[0])
    newest = ("-created_at", "-id")
    tiers = [Tier(10 + len(words), matches.filter(has_phrase).order_by(*newest))]
    for count in range(len(words), -1, -1):
        if count == len(words) and words == [phrase]:
            continue  # one word: standing whole is the phrase itself, the tier above
        reports = matches.exclude(has_phrase).alias(whole_words=whole_count).filter(whole_words=count)
        tiers.append(Tier(count, reports.order_by(*newest)))
    return tiers
