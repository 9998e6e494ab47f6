"""Finding a reporter's name, phone, email and Zalo id in free text, to replace them.

People quote themselves: "tôi là Trần Thị Hoa, gọi 0912 345 678". When their personal data is
erased, what they and the staff wrote about their report keeps its words, with each of these
replaced by `ERASED`. A phone number is found however it was written (0912 345 678,
+84 912.345.678, 091-234-5678); an email and a Zalo id as they are, in any case; a name only
when it has two words or more, whole and in any case: a one-word name ("Hoa", "An") is also an
everyday word in Vietnamese and would eat the text around it.
"""

from __future__ import annotations

import re

ERASED = "[đã xóa]"
# What may stand between the digits of a phone number as people write it.
_PHONE_GAP = r"[\s.\-()]*"


def _phone(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84"):
        digits = digits[2:]
    digits = digits.removeprefix("0")
    if len(digits) < 8:
        return None
    return rf"(?<!\d)\(?(?:\+?84|0){_PHONE_GAP}" + _PHONE_GAP.join(digits) + r"(?!\d)"


def _name(name: str) -> str | None:
    words = name.split()
    if len(words) < 2:
        return None
    return r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"


def identifiers_pattern(*, name: str = "", phone: str = "", email: str = "", zalo_user_id: str = ""):
    """One pattern that finds any of these in a text, or None when there is nothing to find."""
    parts = [
        _name(name) if name else None,
        _phone(phone) if phone else None,
        # Not inside a longer address: hoa@example.vn is not in hoa@example.vn.uk.
        rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.[\w-])" if email else None,
        rf"(?<!\w){re.escape(zalo_user_id)}(?!\w)" if zalo_user_id else None,
    ]
    found = [p for p in parts if p]
    return re.compile("|".join(found), re.IGNORECASE) if found else None


def scrubbed(value, pattern):
    """`value` (text, or the lists and dicts of a JSON field) with every match replaced."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrubbed(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: scrubbed(item, pattern) for key, item in value.items()}
    return value
