"""Vietnamese text as the triage models read it: as people type it on phones.

Two views of one report's text (see docs/decisions.md, "Triage", for what was measured):
- `folded`: lower case, accents folded away and the usual abbreviations written out
  ("ko dc" → "khong duoc", "UBND" → "uy ban nhan dan"). Its character n-grams are robust to
  missing accents and to typos; this is the view the models use.
- `segmented`: words as `underthesea` segments them ("xe_máy"), on the text with its accents,
  restored by `pyvi` when it was typed without any. Measured, and kept for comparison only: it
  was not better, and it is several times slower (docs/decisions.md).

Both packages ship their models inside the package; nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.conf import settings

from phananh.core.text import clean_text, fold

# Abbreviations as typed on phones, written out (on folded text: "đc" and "dc" alike).
ABBREVIATIONS = {
    "ko": "khong",
    "k": "khong",
    "kg": "khong",
    "kh": "khong",
    "khg": "khong",
    "hok": "khong",
    "hk": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "csgt": "canh sat giao thong",
    "cstt": "canh sat trat tu",
    "pccc": "phong chay chua chay",
    "atgt": "an toan giao thong",
    "attp": "an toan thuc pham",
    "tp": "thanh pho",
    "tx": "thi xa",
    "ng": "nguoi",
    "nc": "nuoc",
    "mn": "moi nguoi",
    "vs": "voi",
    "j": "gi",
    "r": "roi",
    "ntn": "nhu the nao",
    "bv": "benh vien",
    "xd": "xay dung",
    "gt": "giao thong",
    "bhyt": "bao hiem y te",
    "cccd": "can cuoc cong dan",
    "cmnd": "chung minh nhan dan",
    "hs": "hoc sinh",
    "oto": "o to",
    "xm": "xe may",
    "sdt": "so dien thoai",
    "qd": "quyet dinh",
    "cty": "cong ty",
    "bql": "ban quan ly",
}
_TOKEN = re.compile(r"\w+")
# Vietnamese letters that carry a diacritic (tone or vowel mark, or đ).
_ACCENTED = re.compile(r"[^\x00-\x7f]")


def normalised(text: str) -> str:
    """NFC, without control characters, lower case, spaces collapsed."""
    text = unicodedata.normalize("NFC", clean_text(text or ""))
    return re.sub(r"\s+", " ", text.lower()).strip()


def folded(text: str) -> str:
    """Accents folded away and abbreviations written out: what the character view reads."""
    words = _TOKEN.findall(fold(normalised(text)))
    return " ".join(ABBREVIATIONS.get(w, w) for w in words)


def has_diacritics(text: str) -> bool:
    return bool(_ACCENTED.search(text))


@lru_cache(maxsize=1)
def _pyvi():
    from pyvi import ViUtils

    return ViUtils


@lru_cache(maxsize=1)
def _underthesea():
    from underthesea import word_tokenize

    return word_tokenize


def restored(text: str) -> str:
    """The text with its accents: as typed when it has any, else as `pyvi` restores them."""
    text = normalised(text)
    if has_diacritics(text):
        return text
    expanded = " ".join(ABBREVIATIONS.get(w, w) for w in _TOKEN.findall(text))
    return normalised(_pyvi().add_accents(expanded))


def segmented(text: str) -> str:
    """Words as `underthesea` segments the accented text: "xe_máy bị ngập"."""
    return normalised(_underthesea()(restored(text), format="text"))


@lru_cache(maxsize=8)
def _urgent_patterns(words: tuple[str, ...]) -> list[tuple[str, re.Pattern]]:
    found = []
    for word in words:
        key = folded(word)
        if key:
            found.append((key, re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")))
    return found


def urgent_hits(folded_text: str) -> list[str]:
    """The urgent words (PHANANH_URGENT_WORDS) in a folded text, folded: one signal among others.

    "chay" is found in "chay hang" (sold out) as in "chay nha": the urgency model weighs it
    with the words around it, which is why it is a feature and not a rule.
    """
    patterns = _urgent_patterns(tuple(settings.PHANANH_URGENT_WORDS))
    return [key for key, pattern in patterns if pattern.search(folded_text)]
