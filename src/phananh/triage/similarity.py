"""How alike two reports' texts are (độ giống nhau của nội dung), whatever the accents and shorthand.

People write the same problem in different words: "Đèn đường không sáng" and "den duong ko sang
ca tuan nay". Each text is folded (lower case, no diacritics, đ → d, as the search does),
shorthand is expanded ("ko" → "khong", "dc" → "duoc"), then cut into features: its syllables,
its pairs of syllables (a Vietnamese word is often two: "den duong", "o ga") and the letter
trigrams of each syllable (which survive a missing letter or a typo). Two texts are compared by
the cosine of their feature counts, from 0 (nothing shared) to 1 (the same words).

The candidates of one question are a few dozen reports close by, so a dictionary of counts per
text is enough and needs no fitted vocabulary to store or refresh.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from phananh.core.text import fold

# Shorthand of messages and social networks, folded; each maps to the folded full word(s).
_SHORTHAND = {
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "khg": "khong",
    "hok": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "đc": "duoc",
    "j": "gi",
    "ng": "nguoi",
    "nc": "nuoc",
    "bt": "binh thuong",
    "tp": "thanh pho",
    "qa": "qua",
    "wa": "qua",
    "r": "roi",
    "vs": "voi",
    "mn": "moi nguoi",
    "mk": "minh",
    "ntn": "nhu the nao",
    "cx": "cung",
    "lq": "lien quan",
    "dt": "dien thoai",
    "đt": "dien thoai",
    "sdt": "so dien thoai",
    "hs": "ho so",
    "ubnd": "uy ban nhan dan",
    "csgt": "canh sat giao thong",
}
# Words that say nothing of the problem, folded: they would make any two reports look alike.
# Only words whose folded form is not also a word of a problem ("den" is đến and đèn, "toi" is
# tôi and tối, "cho" is cho and chợ): those stay.
_FILLER = frozenset(
    {
        "bi", "dang", "se", "va", "thi", "ma", "cua", "voi", "nay", "kia", "tren", "duoi", "trong",
        "ngoai", "rat", "qua", "nhieu", "cac", "nhung", "mot", "rang", "xin", "vui", "long", "giup",
        "anh", "chi", "em", "chung", "minh", "oi", "a", "nhe", "roi", "luc", "khi", "ve",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> list[str]:
    """The words of `text`, folded, with shorthand written out and filler words left out."""
    words: list[str] = []
    for word in _WORD.findall(fold(text or "").replace("đ", "d")):
        words.extend(_SHORTHAND.get(word, word).split())
    return [w for w in words if w not in _FILLER]


def features(text: str) -> Counter[str]:
    """The counts of a text's syllables, syllable pairs and letter trigrams."""
    words = normalise(text)
    counts: Counter[str] = Counter(words)
    counts.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    for word in words:
        padded = f"<{word}>"
        # Trigrams weigh less than whole words: they only help when the words differ a little.
        counts.update({f"#{padded[i : i + 3]}": 0.5 for i in range(len(padded) - 2)})
    return counts


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """The cosine of two feature counts: 0 when nothing is shared, 1 for the same text."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(value * b[key] for key, value in a.items() if key in b)
    if not dot:
        return 0.0
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def similarity(a: str, b: str) -> float:
    """How alike two texts are, from 0 to 1."""
    return cosine(features(a), features(b))
