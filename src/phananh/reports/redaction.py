"""Nhận diện thông tin cá nhân: what looks like personal data in a text about to be published.

People write their own phone number, a neighbour's name or their house into a report; the IOC
publishes thousands a year. Before it does, `find_personal_data` marks the spans of a text that
look like personal data, each with a suggested replacement; the operator accepts or edits each.

Patterns find what has a shape: phone numbers written every Vietnamese way (0912 345 678,
+84 912.345.678, 091-234-5678, 84912345678, landlines such as 0205 3812 345), identity numbers
(9-digit CMND, 12-digit CCCD), emails, vehicle plates (29A-123.45, 12A1 234.56), bank accounts
(8 to 16 digits after "STK", "số tài khoản"...) and house numbers with their street ("số 12 ngõ
34 đường Trần Phú", "12/3 Lê Lợi"). People's names have no shape: they are found by a form of
address before capitalised words ("anh Tuấn", "bà Nguyễn Thị Hoa"), by a full name starting with
a common family name, and by underthesea's named-entity recogniser (a CRF model shipped inside
the package; loaded on the first call, so that a process that never publishes never pays for it).

Kept low on purpose: false alarms. Dates, amounts of money, a street without a house number,
street names that are people's names ("đường Bà Triệu", "phố Lê Lợi"), tracking codes
(PA-26-7K3Q9M) and hotline numbers (1900...) are not flagged.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(" ".join(phrase.split()) for phrase in text.split(","))


PHONE, ID_NUMBER, EMAIL, PLATE = "phone", "id_number", "email", "plate"
BANK_ACCOUNT, ADDRESS, NAME = "bank_account", "address", "name"

# What the operator reads next to a highlight.
KIND_LABELS = {
    PHONE: _("Phone number"),
    ID_NUMBER: _("Identity number"),
    EMAIL: _("Email"),
    PLATE: _("Vehicle plate"),
    BANK_ACCOUNT: _("Bank account"),
    ADDRESS: _("House number and street"),
    NAME: _("Name of a person"),
}
# What replaces a span when the operator accepts the suggestion. Vietnamese whatever the
# operator's language: it becomes part of the published text, which is Vietnamese.
REPLACEMENTS = {
    PHONE: "[số điện thoại]",
    ID_NUMBER: "[số giấy tờ]",
    EMAIL: "[email]",
    PLATE: "[biển số xe]",
    BANK_ACCOUNT: "[số tài khoản]",
    ADDRESS: "[địa chỉ]",
    NAME: "[tên]",
}
# When two findings overlap, the longer wins; of two as long, the more specific (lower) one.
PRIORITY = {EMAIL: 0, BANK_ACCOUNT: 1, ID_NUMBER: 2, PLATE: 3, PHONE: 4, ADDRESS: 5, NAME: 6}


@dataclass(frozen=True)
class Span:
    """One finding: `text[start:end]` looks like personal data of this kind."""

    kind: str
    start: int
    end: int
    text: str
    replacement: str

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def as_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


# --- shapes -------------------------------------------------------------------------------------

# Between the digits of a phone number: nothing, or a space, dot, hyphen or bracket (two at most:
# "(0205) 3812345").
_SEP = r"[ .\-()\u00a0]{0,2}"
_PHONE = re.compile(
    r"(?<![\d+])"
    rf"(?:\+|\(\+?)?(?:84|0){_SEP}"
    # Mobiles: 3, 5, 7, 8, 9 and 9 digits in all; landlines: 2 and 10 (area code included);
    # the old 11-digit mobiles (016x...) that people still write.
    rf"(?:[35789](?:{_SEP}\d){{8}}|2(?:{_SEP}\d){{9}}|1[2689](?:{_SEP}\d){{8}})"
    r"(?!\d)"
)
# CMND (9 digits) and CCCD (12) written in one piece. With separators only after a cue, below:
# "150.000.000" is an amount.
_ID_PLAIN = re.compile(r"(?<![\w.,])(?:\d{12}|\d{9})(?![\w]|[.,]\d)")
_ID_CUE = re.compile(
    r"(?:CMND|CMTND|CCCD|căn cước|can cuoc|chứng minh|chung minh|định danh|dinh danh|hộ chiếu|ho chieu)"
    r"[^\d\n]{0,30}?"
    r"(?P<number>(?<!\d)(?:\d(?:[ .\-]?\d){11}|\d(?:[ .\-]?\d){8}|[A-Z]\d{7})(?!\d))",
    re.IGNORECASE,
)
# A number followed by a unit of money is an amount, whatever its length.
_MONEY_AFTER = re.compile(r"\s?(?:đ|đồng|dong|vnđ|vnd|₫|k|nghìn|ngàn|triệu|trieu|tỷ|ty)\b", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BANK = re.compile(
    r"(?:\bSTK\b|số tài khoản|so tai khoan|tài khoản|tai khoan|\bTK\b|\baccount\b)"
    r"[^\d\n]{0,40}?"
    r"(?P<number>(?<!\d)\d(?:[ .\-]?\d){7,15}(?!\d))",
    re.IGNORECASE,
)
# Province code, series (one or two letters, a digit for motorbikes), then 4 or 5 digits,
# the five often written 123.45. Upper case, or lower case with its hyphen: "29a-123.45".
_PLATE_NUMBER = r"(?:\d{3}\.\d{2}|\d{4,5})"
_PLATE = re.compile(
    r"(?<![\w.\-])[1-9]\d(?:-|\s)?[A-Z]{1,2}\d?[ .\-]{0,2}" + _PLATE_NUMBER + r"(?!\w|[.,]\d)"
    r"|(?<![\w.\-])[1-9]\d-?[a-z]{1,2}\d?-" + _PLATE_NUMBER + r"(?!\w|[.,]\d)"
)
_TRACKING_CODE = re.compile(r"\bPA[\s\-]?\d{2}[\s\-]?[0-9A-Z]{6}\b", re.IGNORECASE)

# A house number: 12, 12A, 12/3, 12/3/5B; Đà Nẵng's "K45/12".
_HOUSE = r"(?:[Kk]\d{1,4}(?:/\d{1,4}[A-Za-z]?)+|\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)*)"
_ALLEY = r"(?:ngõ|ngo|ngách|ngach|hẻm|hem|kiệt|kiet)\s+\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)*"
_ALLEY_WORDS = _words("ngõ ngo ngách ngach hẻm hem kiệt kiet")
_STREET_WORD = r"(?:đường|duong|phố|pho|đại lộ|dai lo|đ\.)"
# "số 12 ngõ 34 đường Trần Phú", "nhà số 5, hẻm 12/3": a number named as a house, then its alley
# or street (checked after the match: at least one of them).
_ADDRESS_NUMBERED = re.compile(
    rf"(?<!\w)(?:số nhà|so nha|nhà số|nha so|số|so)\s+{_HOUSE}(?P<alleys>(?:[,\s]+{_ALLEY})*)"
    rf"(?P<street>[,\s]+(?:{_STREET_WORD}\s+)?)?",
    re.IGNORECASE,
)
# "12/3 Lê Lợi", "12 đường Lê Lợi", "trước nhà 45 Trần Phú", "tại 7 Hùng Vương".
_ADDRESS_SLASHED = re.compile(
    rf"(?<![\w/.,])[Kk]?\d{{1,4}}[A-Za-z]?(?:/\d{{1,4}}[A-Za-z]?)+\s+(?:{_STREET_WORD}\s+)?"
)
_ADDRESS_STREET = re.compile(rf"(?<![\w/.,]){_HOUSE}\s+{_STREET_WORD}\s+", re.IGNORECASE)
_ADDRESS_CUED = re.compile(
    rf"(?<!\w)(?:nhà|nha|tại|tai|ở|địa chỉ|dia chi)[:\s]+(?P<number>{_HOUSE})\s+", re.IGNORECASE
)
_DATE_LIKE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}$")
_DATE_CUE = re.compile(r"(?:ngày|ngay|hôm|hom|từ|tu|đến|den|tháng|thang)\s*$", re.IGNORECASE)

# Forms of address that come before a name ("anh Tuấn", "bà Hoa"), with and without accents.
_NAME_CUE = re.compile(
    r"(?<!\w)(?:tôi là|toi la|tên là|ten la|họ tên|ho ten|họ và tên|gia đình|gia dinh|hộ|"
    r"anh|chị|chi|ông|ong|bà|ba|cô|co|chú|chu|bác|bac|em|cháu|chau|cụ|dì|cậu|cau|mợ|thím|tên|ten)"
    r"[:\s]+(?=\w)",
    re.IGNORECASE,
)
# Words before which capitalised words are a place: "đường Bà Triệu", "phường Lương Văn Tri".
# Lower case, with accents where they tell two words apart ("trường" is a school, "trưởng" a
# head of something, who is a person); the unaccented forms too, for text typed without them.
# Not "bản" (a village, but also "biên bản") nor "giao" ("nút giao", but also "giao cho anh...").
_PLACE_WORDS = _words(
    """đường duong phố pho ngõ ngo ngách ngach hẻm hem kiệt kiet lộ cầu chợ trường truong viện
    vien viên đền chùa tượng lăng phường phuong xã quận quan huyện huyen tỉnh tinh tp thôn thon
    xóm xom khu ấp sông song núi nui bến hồ ngã nga học hoc thpt thcs ptth non cụm
    lô km ql tl đt quốc"""
)
# Forms of address, which streets named after people often begin with.
_ADDRESS_FORMS = _words("bà ông cô chú bác anh chị ba ong co chu bac chi")
# Capitalised words after a house number that name an area, not a street ("số 5 Khối Tân Lập").
_AREA_WORDS = _words("khối khoi tổ to thành thanh tập tap")
# Capitalised words after a form of address that are a position, not a name ("ông Chủ tịch").
# With accents: "Trưởng" is a position, "Trường" a given name.
_TITLES = _phrases(
    """chủ tịch, chu tich, phó, giám đốc, giam doc, trưởng, tổ trưởng, hiệu trưởng, bí thư, bi thu,
    công an, cong an, cán bộ, can bo, bộ đội, bo doi, ubnd, ủy ban, uỷ ban, uy ban, bác sĩ, bac si,
    giáo viên, giao vien, kế toán, thư ký, tổng, linh mục, sư, chủ nhiệm, chủ nhà, chủ quán"""
)
# Common family names, with accents and without: a run of three or more capitalised words
# starting with one is a full name ("Nguyễn Văn An", "Tran Thi Hoa"). With accents where the
# unaccented form is another word too ("Đường" is a street, "Dương" a family name).
_FAMILY_NAMES = _words(
    """nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đào trịnh lâm
    mai hà chu cao lương triệu thái quách lưu tăng kiều đoàn khúc nguyen tran le pham hoang huynh
    vu vo dang bui do ho ngo duong ly dinh dao trinh lam ha luong trieu thai quach luu tang kieu
    doan khuc"""
)
# Capitalised words the recogniser takes for a name at the start of a sentence.
_NOT_NAMES = _words("email gmail hotline zalo facebook sdt dt stk so dien thoai")
# Full names that are places or public figures, not someone to protect.
_NOT_PEOPLE = frozenset({"ho chi minh", "thanh pho ho chi minh"})


def _fold_char(c: str) -> str:
    if c in "đĐ":
        return "d"
    return unicodedata.normalize("NFD", c)[0].lower()


def _fold(text: str) -> str:
    """Lower case without accents, one character for one (offsets stay the same)."""
    return "".join(_fold_char(c) for c in text)


# --- finders ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def _capitalised_run(text: str, pos: int, *, max_words: int = 5) -> int:
    """The end of the capitalised words from `pos` ("Trần Phú"), or `pos` when none starts there."""
    end = pos
    words = 0
    while words < max_words:
        match = _WORD.match(text, pos)
        if match is None or not match.group()[0].isupper():
            break
        end = match.end()
        words += 1
        gap = re.match(r"[ \u00a0]", text[end : end + 1])
        if gap is None:
            break
        pos = end + 1
    return end


def _words_before(text: str, pos: int, n: int = 2) -> list[str]:
    """The `n` words before `pos`, in lower case, nearest last."""
    return _WORD.findall(text[max(0, pos - 40) : pos].lower())[-n:]


def _after_place_word(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3) : pos].rstrip()
    if before.endswith(("-", "–", "/")):
        return True  # "Hùng Vương - Trần Đăng Ninh": a pair of streets
    before = _words_before(text, pos, 3)
    if len(before) >= 2 and before[-2] in ("trưởng", "phó"):
        return False  # "trưởng thôn Lê Văn Hòa": the head of a village is a person
    if len(before) >= 2 and before[-1] in _ADDRESS_FORMS:
        before = before[:-1]  # "đường Bà Triệu", "phố Ông Ích Khiêm": a form of address in a street's name
    return bool(before) and before[-1] in _PLACE_WORDS


def _phones(text: str):
    for match in _PHONE.finditer(text):
        yield Span(PHONE, match.start(), match.end(), match.group(), REPLACEMENTS[PHONE])


def _ids(text: str):
    for match in _ID_PLAIN.finditer(text):
        if not _MONEY_AFTER.match(text, match.end()):
            yield Span(ID_NUMBER, match.start(), match.end(), match.group(), REPLACEMENTS[ID_NUMBER])
    for match in _ID_CUE.finditer(text):
        start, end = match.span("number")
        yield Span(ID_NUMBER, start, end, text[start:end], REPLACEMENTS[ID_NUMBER])


def _emails(text: str):
    for match in _EMAIL.finditer(text):
        yield Span(EMAIL, match.start(), match.end(), match.group(), REPLACEMENTS[EMAIL])


def _banks(text: str):
    for match in _BANK.finditer(text):
        start, end = match.span("number")
        yield Span(BANK_ACCOUNT, start, end, text[start:end], REPLACEMENTS[BANK_ACCOUNT])


def _plates(text: str):
    for match in _PLATE.finditer(text):
        yield Span(PLATE, match.start(), match.end(), match.group(), REPLACEMENTS[PLATE])


def _street_after(text: str, pos: int) -> int:
    """The end of a street name at `pos`, or `pos`: capitalised words that are not an area."""
    end = _capitalised_run(text, pos)
    if end == pos:
        return pos
    first = _WORD.match(text, pos).group()
    if first.lower() in _PLACE_WORDS | _AREA_WORDS:
        return pos  # "số 5 Phường ...": an area, not a street
    return end


def _address(text: str, start: int, end: int) -> Span:
    return Span(ADDRESS, start, end, text[start:end], REPLACEMENTS[ADDRESS])


def _addresses(text: str):
    for match in _ADDRESS_NUMBERED.finditer(text):
        end = match.end("alleys") if match.group("alleys") else None
        if match.group("street") is not None:
            street_end = _street_after(text, match.end("street"))
            if street_end > match.end("street"):
                end = street_end
        if end is not None:
            yield _address(text, match.start(), end)
    for pattern in (_ADDRESS_SLASHED, _ADDRESS_STREET):
        for match in pattern.finditer(text):
            number = match.group().split()[0]
            if _DATE_LIKE.match(number) or _DATE_CUE.search(text[max(0, match.start() - 8) : match.start()]):
                continue
            if (
                _words_before(text, match.start(), 1)
                and _words_before(text, match.start(), 1)[0] in _ALLEY_WORDS
            ):
                continue  # "ngõ 34 phố Huế": the number of an alley, not of a house
            end = _street_after(text, match.end())
            if end > match.end():
                yield _address(text, match.start(), end)
    for match in _ADDRESS_CUED.finditer(text):
        end = _street_after(text, match.end())
        if end > match.end():
            yield _address(text, match.start("number"), end)


def _name_span(text: str, start: int, end: int) -> Span | None:
    name = text[start:end]
    if _fold(name) in _NOT_PEOPLE or any(c.isdigit() for c in name):
        return None
    return Span(NAME, start, end, name, REPLACEMENTS[NAME])


def _is_title(words: str) -> bool:
    run = " ".join(_WORD.findall(words.lower()))
    return any(run == title or run.startswith(f"{title} ") for title in _TITLES)


def _cued_names(text: str):
    """A form of address, then capitalised words: "anh Tuấn", "bà Nguyễn Thị Hoa"."""
    for match in _NAME_CUE.finditer(text):
        if _after_place_word(text, match.start()):
            continue  # "đường Bà Triệu", "quận Ba Đình"
        start = match.end()
        end = _capitalised_run(text, start, max_words=4)
        if end == start:
            continue
        if _is_title(text[start : start + 40]):
            continue  # "ông Chủ tịch", "anh Công an"
        if (span := _name_span(text, start, end)) is not None:
            yield span


def _full_names(text: str):
    """Three or more capitalised words starting with a common family name: "Nguyễn Văn An"."""
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or word.lower() not in _FAMILY_NAMES:
            continue
        end = _capitalised_run(text, match.start(), max_words=4)
        if len(_WORD.findall(text[match.start() : end])) < 3 or _after_place_word(text, match.start()):
            continue
        if (span := _name_span(text, match.start(), end)) is not None:
            yield span


# --- the named-entity recogniser ----------------------------------------------------------------

_ner_lock = threading.Lock()
_ner = None


def _recogniser():
    """underthesea's `ner`, imported on first use: about 0.6 s and 60 MB, paid once per process."""
    global _ner
    if _ner is None:
        with _ner_lock:
            if _ner is None:
                from underthesea import ner

                _ner = ner
    return _ner


def _align(folded: str, words: list[str], cursor: int) -> list[tuple[int, int]]:
    """Where each token of the recogniser stands in the text (folded alike), from `cursor`.

    The recogniser normalises some spellings (tone marks placed differently), so tokens are
    matched folded, syllable by syllable; a token that cannot be found keeps (-1, -1).
    """
    places = []
    for word in words:
        start = end = -1
        for syllable in word.split():
            at = folded.find(_fold(syllable), cursor)
            if at < 0 or at - cursor > 20:
                start = -1
                break
            start = at if start < 0 else start
            end = cursor = at + len(syllable)
        places.append((start, end))
    return places


def _recognised_names(text: str):
    """Spans the recogniser tags as people (PER), line by line; lines without a capital are skipped."""
    ner = None
    offset = 0
    for line in text.split("\n"):
        if any(c.isupper() for c in line):
            ner = ner or _recogniser()
            try:
                tagged = ner(line)
            except Exception:  # a sentence the model's tokenizer chokes on: the patterns still ran
                logger.warning("named-entity recognition failed on a line", exc_info=True)
                tagged = []
            words = [row[0] for row in tagged]
            places = _align(_fold(line), words, 0)
            current = None
            for (start, end), row in zip(places, tagged, strict=True):
                tag = row[-1]
                if tag == "B-PER" or (tag == "I-PER" and current is None):
                    current = [start, end] if start >= 0 else None
                elif tag == "I-PER" and current is not None and start >= 0:
                    current[1] = end
                else:
                    if current is not None:
                        yield offset + current[0], offset + current[1]
                    current = None
            if current is not None:
                yield offset + current[0], offset + current[1]
        offset += len(line) + 1


def _ner_names(text: str):
    for start, end in _recognised_names(text):
        words = _WORD.findall(text[start:end])
        if not words or _after_place_word(text, start) or words[0].lower() in _PLACE_WORDS:
            continue  # "đường Lê Lợi", or "Đường Trần Đăng Ninh" taken whole for a name
        if _is_title(text[start : start + 40]):
            continue  # "ông Chủ tịch": the recogniser took a position for a name
        acronym = any(len(w) > 1 and w.isupper() for w in words)
        one = _fold(words[0]) if len(words) == 1 else ""
        if acronym or one in _NOT_NAMES or one.endswith("bank"):
            continue  # "CMND", "UBND"; "Email:", "Hotline" at the start of a sentence; "Agribank"
        if (span := _name_span(text, start, end)) is not None:
            yield span


# --- the whole --------------------------------------------------------------------------------


def _masked_tracking_codes(text: str) -> str:
    # A tracking code holds digits and capitals: seen as neither a number nor a name.
    return _TRACKING_CODE.sub(lambda m: "#" * len(m.group()), text)


def find_personal_data(text: str, *, names: bool = True) -> list[Span]:
    """What in `text` looks like personal data, in order, without overlaps.

    `names=False` leaves out the named-entity recogniser (the patterns still look for names).
    """
    if not text or not text.strip():
        return []
    scan = _masked_tracking_codes(text)
    found: list[Span] = []
    for finder in (_emails, _banks, _ids, _plates, _phones, _addresses, _cued_names, _full_names):
        found.extend(finder(scan))
    if names:
        found.extend(_ner_names(scan))
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (-(s.end - s.start), PRIORITY[s.kind], s.start)):
        if span.end > span.start and all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    # The text as given, not as scanned (the masks): offsets are the same.
    return [
        Span(s.kind, s.start, s.end, text[s.start : s.end], s.replacement)
        for s in sorted(kept, key=lambda s: s.start)
    ]


def redact(text: str, spans: list[Span]) -> str:
    """`text` with every span replaced by its suggestion."""
    out, last = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        out.append(text[last : span.start])
        out.append(span.replacement)
        last = span.end
    out.append(text[last:])
    return "".join(out)
