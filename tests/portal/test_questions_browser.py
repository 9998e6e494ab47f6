"""The intake page asks the chosen field's extra questions, and says in place what is missing.

Anh Lê Văn Hùng reports a sidewalk taken over by a café. Once he picks "Lấn chiếm vỉa hè", the
page asks what is on the sidewalk (required); he forgets to answer, the server refuses, the page
puts him on that question with its message under it, and his second try goes through.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIRMATION = re.compile(r"/gui-phan-anh/da-gui/PA-\d\d-[0-9A-Z]{6}/$")


def test_the_chosen_fields_questions_are_asked_and_a_missing_answer_is_told_in_place(
    phone, sidewalk, script_errors
):
    # Given the intake page: no field chosen, no question shown
    phone.goto("/gui-phan-anh/")
    question = phone.get_by_label("Loại lấn chiếm")
    expect(question).to_be_hidden()

    # When Hùng picks the field, its questions appear
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Lấn chiếm vỉa hè")
    expect(question).to_be_visible()
    expect(phone.get_by_text("Câu hỏi của lĩnh vực")).to_be_hidden()
    phone.get_by_label("Buổi tối").check()
    phone.get_by_label("Mô tả").fill("Quán cà phê bày bàn ghế kín vỉa hè trước số 3 Lê Lợi.")
    phone.get_by_label("Số điện thoại").fill("0912 345 678")
    phone.get_by_label("Tôi đồng ý cho xử lý dữ liệu cá nhân").check()

    # And sends without answering the required question
    with phone.expect_response(lambda r: r.request.method == "POST") as refusal:
        phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    assert refusal.value.status == 422

    # Then the top names it, he is on it, its message is under it, his other answer is kept
    expect(phone.locator("#form-error").get_by_role("link")).to_have_text(["Loại lấn chiếm"])
    expect(question).to_be_focused()
    expect(phone.locator("[id='answers.lan-chiem-via-he.loai-errors']")).to_have_text(
        "Câu hỏi này cần được trả lời."
    )
    expect(phone.get_by_label("Buổi tối")).to_be_checked()
    assert Report.objects.count() == 0

    # When he answers and sends again, the report goes through with his answers
    question.select_option(label="Hàng quán")
    phone.get_by_role("button", name="Gửi phản ánh", exact=True).tap()
    expect(phone).to_have_url(CONFIRMATION)
    assert Report.objects.get().answers == {"loai": "hang-quan", "thoi-gian": ["toi"]}
    assert script_errors == []
