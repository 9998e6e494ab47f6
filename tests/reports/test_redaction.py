"""What looks like personal data in a text about to be published, as reporters really write it.

Each example is what a citizen or a unit wrote, with and without accents; the detector must find
the phone, identity number, email, plate, bank account, house and names in it, and nothing in
texts that hold none (dates, amounts, streets named after people, tracking codes, hotlines).
"""

from __future__ import annotations

import pytest
from django.utils import translation

from phananh.reports.redaction import (
    ADDRESS,
    BANK_ACCOUNT,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    PLATE,
    find_personal_data,
    redact,
)


def found(text: str) -> list[tuple[str, str]]:
    spans = find_personal_data(text)
    for span in spans:
        assert text[span.start : span.end] == span.text
    return [(span.kind, span.text) for span in spans]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Liên hệ 0912 345 678 để biết thêm.", "0912 345 678"),
        ("SĐT: +84 912.345.678", "+84 912.345.678"),
        ("gọi 091-234-5678 nhé", "091-234-5678"),
        ("Số zalo 84912345678", "84912345678"),
        ("(+84) 912 345 678", "(+84) 912 345 678"),
        ("dt 0912345678", "0912345678"),
        ("SĐT0987654321 (chủ nhà)", "0987654321"),
        ("máy bàn 0205 3812 345", "0205 3812 345"),
        ("ĐT (024) 3825 1234 giờ hành chính", "(024) 3825 1234"),
        ("tổng đài phường 024.3825.1234", "024.3825.1234"),
        ("số cũ 0168 123 4567 vẫn dùng", "0168 123 4567"),
        ("lien he 0398.765.432", "0398.765.432"),
        ("0779 123 456 là số của tôi", "0779 123 456"),
    ],
)
def test_phone_numbers_written_every_vietnamese_way_are_found(text, phone):
    assert found(text) == [(PHONE, phone)]


def test_two_phone_numbers_side_by_side_are_two():
    assert found("gọi 0912345678 0987654321") == [(PHONE, "0912345678"), (PHONE, "0987654321")]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("CCCD 001234567890 cấp ngày 1/1/2021", "001234567890"),
        ("CMND: 123 456 789", "123 456 789"),
        ("số CMND 012345678", "012345678"),
        ("Căn cước công dân số 037.092.001.234", "037.092.001.234"),
        ("can cuoc 079123456789", "079123456789"),
        ("hộ chiếu C1234567", "C1234567"),
        ("mã định danh 001092012345", "001092012345"),
    ],
)
def test_identity_numbers_of_nine_and_twelve_digits_are_found(text, number):
    assert found(text) == [(ID_NUMBER, number)]


@pytest.mark.parametrize(
    "email", ["nguyenvana@gmail.com", "tuan.le+pa@example.vn", "hoa_tran.2024@langson.gov.vn"]
)
def test_emails_are_found(email):
    assert found(f"Email: {email}, cảm ơn.") == [(EMAIL, email)]


@pytest.mark.parametrize(
    "plate",
    ["29A-123.45", "12A1 234.56", "29A12345", "59-X1 123.45", "30E-12345", "29LD-123.45", "29a-123.45"],
)
def test_vehicle_plates_of_cars_and_motorbikes_are_found(plate):
    assert found(f"Xe biển {plate} đỗ trên vỉa hè suốt ngày.") == [(PLATE, plate)]


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("Ủng hộ vào STK 0123456789012 Vietcombank", "0123456789012"),
        ("số tài khoản: 1903 5678 9012 34 Techcombank", "1903 5678 9012 34"),
        ("so tai khoan 19035678901234 ngan hang ACB", "19035678901234"),
        ("TK Agribank 8888 1234 5678", "8888 1234 5678"),
    ],
)
def test_bank_accounts_after_their_cue_are_found(text, account):
    assert found(text) == [(BANK_ACCOUNT, account)]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Nhà tôi ở số 12 ngõ 34 đường Trần Phú, rất ồn.", "số 12 ngõ 34 đường Trần Phú"),
        ("Cống tắc trước 12/3 Lê Lợi", "12/3 Lê Lợi"),
        ("trước nhà 45 Hùng Vương có ổ gà", "45 Hùng Vương"),
        ("Số nhà 7 phố Hàng Bạc", "Số nhà 7 phố Hàng Bạc"),
        ("trú tại 56/12 Nguyễn Trãi, phường 3", "56/12 Nguyễn Trãi"),
        ("nhà số 5, hẻm 123/4 đường Lê Văn Sỹ", "nhà số 5, hẻm 123/4 đường Lê Văn Sỹ"),
        ("o so 12 ngo 34 pho Hang Bac", "so 12 ngo 34 pho Hang Bac"),
        ("địa chỉ: 8 Bà Triệu", "8 Bà Triệu"),
        ("K45/12 Lê Duẩn bị ngập", "K45/12 Lê Duẩn"),
    ],
)
def test_house_numbers_with_their_street_are_found(text, address):
    assert found(text) == [(ADDRESS, address)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("anh Tuấn nhà bên cạnh xả rác ra đường Lê Lợi.", ["Tuấn"]),
        ("Chị Nguyễn Thị Hoa gọi điện báo ông Lê Văn Tám đổ rác.", ["Nguyễn Thị Hoa", "Lê Văn Tám"]),
        ("Gia đình bà Hoàng Thị Mai phản ánh", ["Hoàng Thị Mai"]),
        ("Tôi là Phạm Minh Đức, xin phản ánh", ["Phạm Minh Đức"]),
        ("nha ong Nguyen Van An lan chiem via he", ["Nguyen Van An"]),
        ("chi Hoa ban hang rong", ["Hoa"]),
        ("Gửi cho anh Trần Văn Bình, tổ trưởng Nguyễn Văn Hải.", ["Trần Văn Bình", "Nguyễn Văn Hải"]),
        ("cô Lan và chú Ba hàng xóm", ["Lan", "Ba"]),
        ("Trưởng thôn Lê Văn Hòa không giải quyết", ["Lê Văn Hòa"]),
        ("Ngày 15/3 Lê Văn Hưu đến kiểm tra.", ["Lê Văn Hưu"]),
    ],
)
def test_names_of_people_are_found(text, names):
    assert found(text) == [(NAME, name) for name in names]


@pytest.mark.parametrize(
    "text",
    [
        # Streets, places and units named after people
        "Ổ gà lớn trên đường Bà Triệu, xe máy đi qua rất nguy hiểm.",
        "Đèn tín hiệu giao thông tại nút giao Hùng Vương - Trần Đăng Ninh không hoạt động.",
        "Cống thoát nước đường Trần Đăng Ninh bị tắc, nước tràn lên mặt đường khi mưa.",
        "Đường Trần Đăng Ninh, phường Lương Văn Tri",
        "UBND Phường Lương Văn Tri đã xử lý, trường THPT Nguyễn Huệ, TP Hồ Chí Minh.",
        "Rác thải tập kết bên phố Lê Lợi nhiều ngày chưa được thu gom, bốc mùi.",
        "quận Ba Đình, đại lộ Lê Duẩn, cầu Kỳ Lừa, chợ Đông Kinh",
        # Dates, times, amounts, measures
        "Ngày 12/05/2024 lúc 8h30 xe tải chạy qua, từ 3/4 đến 15/4.",
        "Phạt 1.500.000 đồng, thu 150.000.000 đồng, giá 2.000.000.000 VNĐ.",
        "Năm 2024 có 123456 lượt, diện tích 1200 m2, dài 30 m, cao 2,5 m.",
        # Numbers that belong to places or to the service, not to people
        "Hotline 1900 1234, tổng đài 1022, quốc lộ 1A km 12, tổ 5 khối 3.",
        "Rác tại ngõ 34 phố Huế chưa được thu gom từ 3 ngày nay.",
        "Đề nghị xem phản ánh PA-26-7K3Q9M và PA 26 2345AB đã gửi.",
        # Positions, not names
        "Đề nghị ông Chủ tịch UBND phường và anh Công an khu vực xem xét.",
        "Đã vá ổ gà bằng bê tông nhựa. Đề nghị Sở Xây dựng kiểm tra. Cảm ơn!",
        "",
    ],
)
def test_texts_without_personal_data_are_left_alone(text):
    assert found(text) == []


def test_a_whole_report_is_redacted_with_the_suggestions():
    text = (
        "Tôi là Nguyễn Văn An, SĐT 0912 345 678, email an.nguyen@gmail.com, CCCD 001092012345. "
        "Xe 29A-123.45 đỗ trước số 12 ngõ 34 đường Trần Phú, chủ xe là anh Tuấn."
    )

    spans = find_personal_data(text)

    assert [s.kind for s in spans] == [NAME, PHONE, EMAIL, ID_NUMBER, PLATE, ADDRESS, NAME]
    assert redact(text, spans) == (
        "Tôi là [tên], SĐT [số điện thoại], email [email], CCCD [số giấy tờ]. "
        "Xe [biển số xe] đỗ trước [địa chỉ], chủ xe là anh [tên]."
    )
    assert find_personal_data(redact(text, spans)) == []


def test_each_span_says_what_it_is_and_what_replaces_it():
    with translation.override("vi"):
        [span] = find_personal_data("gọi 0912345678")
        described = span.as_dict()

    assert described == {
        "kind": "phone",
        "start": 4,
        "end": 14,
        "text": "0912345678",
        "replacement": "[số điện thoại]",
        "label": "Số điện thoại",
    }


def test_the_recogniser_can_be_left_out_and_the_patterns_still_find_names():
    text = "Hàng xóm là bà Nguyễn Thị Hoa, SĐT 0912345678."

    assert found(text) == [(NAME, "Nguyễn Thị Hoa"), (PHONE, "0912345678")]
    assert [(s.kind, s.text) for s in find_personal_data(text, names=False)] == [
        (NAME, "Nguyễn Thị Hoa"),
        (PHONE, "0912345678"),
    ]


def test_the_recogniser_finds_names_the_patterns_do_not():
    # No form of address, no common family name: only the model knows these are people.
    text = "Vợ chồng Tuấn và Hạnh lấn chiếm vỉa hè."

    assert found(text) == [(NAME, "Tuấn"), (NAME, "Hạnh")]
    assert find_personal_data(text, names=False) == []
