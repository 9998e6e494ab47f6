"""A small generated set of labelled reports, for the tests that need a history but not the
evaluation set's realism (the labelled set in data/ is the one the goals are measured on).

Each line as the labelled set's: text (with or without accents, abbreviated at times), field,
unit, urgency, days_ago, has_photo.
"""

from __future__ import annotations

import random

from phananh.core.text import fold

TOPICS = [
    (
        "ha-tang-do-thi",
        "cap-thoat-nuoc",
        "normal",
        [
            "Cống thoát nước trên đường {street} bị tắc, nước bẩn tràn lên mặt đường",
            "Mất nước sinh hoạt ở {place} đã ba ngày, ko ai sửa",
            "Vỡ đường ống nước sạch trước số {n} {street}, nước chảy lênh láng",
        ],
    ),
    (
        "ha-tang-do-thi",
        "so-xay-dung-ha-tang",
        "normal",
        [
            "Đèn đường trên {street} không sáng mấy tối nay, đi lại nguy hiểm",
            "Mặt đường {street} có ổ gà lớn, xe máy ngã liên tục",
            "Vỉa hè {street} bị vỡ, gạch bong tróc",
        ],
    ),
    (
        "ha-tang-do-thi",
        "dien-luc",
        "normal",
        [
            "Mất điện ở {place} từ sáng đến giờ chưa có",
            "Cột điện trước nhà số {n} {street} bị nghiêng",
        ],
    ),
    (
        "ha-tang-do-thi",
        "dien-luc",
        "urgent",
        [
            "Dây điện đứt tóe lửa trước nhà số {n} {street}, rất nguy hiểm",
            "Dây điện rơi xuống đường {street}, có tia lửa, sợ điện giật",
        ],
    ),
    (
        "moi-truong",
        "moi-truong-do-thi",
        "normal",
        [
            "Rác thải ở {place} không được thu gom cả tuần, bốc mùi hôi thối",
            "Bãi rác tự phát cạnh chợ {place}, ruồi nhặng nhiều",
        ],
    ),
    (
        "moi-truong",
        "so-nnmt-moi-truong",
        "normal",
        [
            "Xưởng sản xuất ở {place} xả nước thải đen ra suối",
            "Khói bụi từ nhà máy gạch {place} gây ô nhiễm không khí",
        ],
    ),
    (
        "an-toan-giao-thong",
        "so-xay-dung-giao-thong",
        "normal",
        [
            "Đèn tín hiệu giao thông ở ngã tư {street} bị hỏng",
            "Biển báo giao thông trên {street} bị đổ, cần thay",
        ],
    ),
    (
        "an-toan-giao-thong",
        "cong-an-tinh",
        "urgent",
        [
            "Tai nạn giao thông trên {street}, một người bị thương nằm trên đường",
            "Xe tải đâm xe máy ở ngã tư {street}, cần CSGT đến ngay",
        ],
    ),
    (
        "an-ninh-trat-tu",
        "cong-an-tinh",
        "normal",
        [
            "Nhóm thanh niên tụ tập hát karaoke ồn ào quá khuya ở {place}",
            "Mất trộm xe máy trước cửa nhà số {n} {street}",
        ],
    ),
    (
        "an-ninh-trat-tu",
        "cong-an-tinh",
        "urgent",
        [
            "Đánh nhau có dao ở quán nước {street}, đề nghị công an đến ngay",
            "Cháy nhà số {n} {street}, lửa bốc cao, khói đen nghi ngút",
        ],
    ),
    (
        "trat-tu-do-thi",
        "phuong-luong-van-tri",
        "normal",
        [
            "Hàng quán lấn chiếm vỉa hè {street}, người đi bộ phải xuống lòng đường",
            "Đỗ xe ô tô trái phép trên vỉa hè {street} cả ngày",
        ],
    ),
    (
        "dat-dai-xay-dung",
        "so-xay-dung",
        "normal",
        [
            "Nhà số {n} {street} xây dựng không phép, lấn sang đất công",
            "Công trình xây dựng ở {place} gây nứt tường nhà bên cạnh",
        ],
    ),
    (
        "an-toan-thuc-pham",
        "so-y-te",
        "normal",
        [
            "Quán ăn ở {place} mất vệ sinh, nhiều người bị đau bụng",
            "Bếp ăn trường học {place} dùng thịt không rõ nguồn gốc",
        ],
    ),
    (
        "hang-hoa-dich-vu-tieu-dung",
        "so-cong-thuong",
        "normal",
        [
            "Cửa hàng ở {place} bán hàng giả, hàng kém chất lượng",
            "Siêu thị {place} cháy hàng khẩu trang, bán giá cao gấp đôi",
            "Hàng bán cháy hàng từ sáng mà cửa hàng ở {place} không niêm yết giá",
        ],
    ),
    (
        "quy-dinh-hanh-chinh",
        "so-tu-phap",
        "normal",
        [
            "Hồ sơ chứng thực ở {place} chậm giải quyết quá hạn",
            "Thủ tục đăng ký khai sinh rườm rà, phải đi lại nhiều lần",
        ],
    ),
    (
        "cong-vu-cong-chuc",
        "so-noi-vu",
        "normal",
        [
            "Cán bộ UBND xã {place} gây phiền hà khi làm hồ sơ",
            "Công chức một cửa đi muộn về sớm, ko tiếp dân",
        ],
    ),
    (
        "bao-ve-tre-em",
        "so-y-te",
        "normal",
        [
            "Trẻ em ở {place} bị bạo hành, hàng xóm nghe tiếng khóc mỗi tối",
        ],
    ),
]
STREETS = ["Bà Triệu", "Trần Đăng Ninh", "Lê Lợi", "Hùng Vương", "Bắc Sơn", "Phai Vệ", "Tam Thanh"]
PLACES = ["khối 5", "thôn Nà Chuông", "phường Đông Kinh", "xã Mai Pha", "khu Hoàng Văn Thụ"]
PHONE = {"không": "ko", "được": "dc", "Ủy ban nhân dân": "UBND"}


def _typed(text: str, rng: random.Random) -> str:
    """As people type on a phone: often without accents, at times abbreviated or with a typo."""
    roll = rng.random()
    if roll < 0.45:
        text = fold(text)
    if rng.random() < 0.3:
        for word, short in PHONE.items():
            text = text.replace(word, short)
    if rng.random() < 0.15 and len(text) > 20:
        i = rng.randrange(5, len(text) - 5)
        text = text[:i] + text[i + 1 :]
    return text


def dev_set(size: int = 240, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    items = []
    for i in range(size):
        field, unit, urgency, phrasings = TOPICS[i % len(TOPICS)]
        text = rng.choice(phrasings).format(
            street=rng.choice(STREETS), place=rng.choice(PLACES), n=rng.randint(2, 200)
        )
        items.append(
            {
                "text": _typed(text, rng),
                "field": field,
                "unit": unit,
                "urgency": urgency,
                "days_ago": rng.randint(0, 365),
                "has_photo": rng.random() < 0.3,
                "latitude": None,
                "longitude": None,
            }
        )
    return items
