"""Text helpers: cleaning what people type, folding Vietnamese for accent-free search."""

from __future__ import annotations

import re
import unicodedata

# Control characters, zero-width and bidi overrides, and lone surrogates (valid in JSON text,
# impossible to store as UTF-8).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Normalise to NFC and drop control and bidi-override characters; keep line breaks.

    Markup is kept as typed: it is escaped wherever it is shown, never stripped, so that
    what the reporter wrote stays on record.
    """
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def fold(value: str) -> str:
    """Lower-case and strip diacritics: "Đường ngập nước" -> "duong ngap nuoc".

    đ/Đ have no decomposition in Unicode, so they are mapped by hand.
    """
    value = value.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", value)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", stripped.lower()).strip()


# A text that is not blank once cleaned: at least one character that is neither white space
# (as str.strip() sees it) nor one `clean_text` drops. A JSON-schema pattern, for the OpenAPI.
NOT_BLANK_PATTERN = (
    "[^\\x00-\\x20\\x7f\\x85\\xa0\\u1680\\u2000-\\u200f\\u2028-\\u202f\\u205f\\u2066-\\u2069\\u3000]"
)
