"""Finding a reporter's identifiers in free text, however people wrote them."""

from __future__ import annotations

import pytest

from phananh.privacy.scrub import ERASED, identifiers_pattern, scrubbed

HOA = identifiers_pattern(
    name="Trần Thị Hoa", phone="0912345678", email="hoa.tran@example.vn", zalo_user_id="8837261904"
)


@pytest.mark.parametrize(
    "written",
    ["0912345678", "0912 345 678", "+84 912.345.678", "84912345678", "091-234-5678", "(091) 234 5678"],
)
def test_her_phone_is_found_however_it_was_written(written):
    assert scrubbed(f"Gọi {written} nhé.", HOA) == f"Gọi {ERASED} nhé."


def test_her_name_and_email_in_any_case_and_her_zalo_id():
    text = "TRẦN THỊ HOA (Hoa.Tran@Example.vn, Zalo 8837261904) báo tin."
    assert scrubbed(text, HOA) == f"{ERASED} ({ERASED}, Zalo {ERASED}) báo tin."


def test_what_only_looks_like_them_stays():
    text = "Số 109123456789, hoa.tran@example.vn.uk, chị Hoa, Trần Thị Hoàng, khoa.tran@example.vn"
    assert scrubbed(text, HOA) == text


def test_a_one_word_name_is_not_looked_for_in_text():
    # "An" is also a Vietnamese word (an toàn, bình an): replacing it would eat the text.
    pattern = identifiers_pattern(name="An", phone="0987654321")
    text = "Đường không an toàn, gọi 0987 654 321."
    assert scrubbed(text, pattern) == f"Đường không an toàn, gọi {ERASED}."
    assert identifiers_pattern(name="An") is None


def test_json_values_are_scrubbed_inside_lists_and_dicts():
    data = {"public_note": "Chị Trần Thị Hoa ơi", "units": [3, "0912345678"], "closure": 1}
    assert scrubbed(data, HOA) == {"public_note": f"Chị {ERASED} ơi", "units": [3, ERASED], "closure": 1}
