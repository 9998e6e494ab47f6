"""What a new deployment, with no decisions yet, learns from (khởi đầu nguội).

The fields' and units' names and descriptions and the routing rules come from the database
(`services.cold_examples`); this table adds the everyday words of the default fields (the 15 of
migration reports.0003), since a field's name alone ("Môi trường") says little. A field an
administrator added learns from its name and description, then from the IOC's decisions.
"""

from __future__ import annotations

FIELD_WORDS = {
    "an-toan-giao-thong": [
        "tai nạn giao thông, va chạm xe máy ô tô",
        "đèn tín hiệu giao thông hỏng, đèn đỏ không sáng ở ngã tư",
        "xe tải chạy quá tốc độ, đua xe, lạng lách",
        "biển báo giao thông bị đổ, thiếu biển báo",
        "ùn tắc giao thông, cảnh sát giao thông",
    ],
    "an-ninh-trat-tu": [
        "trộm cắp tài sản, mất trộm xe máy",
        "đánh nhau, gây rối trật tự, tụ tập ồn ào ban đêm",
        "cướp giật điện thoại, đánh bạc, ma túy",
        "karaoke hát to quá khuya làm ồn",
    ],
    "ha-tang-do-thi": [
        "đường hỏng, ổ gà, mặt đường sụt lún",
        "đèn đường không sáng, đèn chiếu sáng công cộng hỏng",
        "cống thoát nước tắc, nắp cống vỡ, ngập úng",
        "vỉa hè hư hỏng, cây xanh đổ gãy",
        "mất nước sinh hoạt, vỡ đường ống nước",
        "dây điện đứt, cột điện nghiêng, mất điện",
    ],
    "trat-tu-do-thi": [
        "lấn chiếm vỉa hè, lòng đường để buôn bán",
        "bán hàng rong, đỗ xe trái phép trên vỉa hè",
        "quảng cáo rao vặt dán trái phép",
        "dựng lều quán lấn chiếm hành lang",
    ],
    "moi-truong": [
        "rác thải không được thu gom, bãi rác tự phát bốc mùi",
        "xả nước thải ra sông, ô nhiễm nguồn nước",
        "khói bụi, ô nhiễm không khí, đốt rác",
        "tiếng ồn từ nhà máy, xưởng sản xuất",
    ],
    "quy-dinh-hanh-chinh": [
        "thủ tục hành chính rườm rà, hồ sơ chậm giải quyết",
        "cấp giấy tờ, chứng thực, đăng ký khai sinh",
        "quy định không hợp lý, kiến nghị sửa đổi",
    ],
    "cong-vu-cong-chuc": [
        "cán bộ gây phiền hà, nhũng nhiễu, thái độ không đúng mực",
        "công chức đi muộn về sớm, không tiếp dân",
        "cán bộ xã đòi tiền khi làm hồ sơ",
    ],
    "doanh-nghiep-vuong-mac": [
        "doanh nghiệp vướng mắc thủ tục đầu tư, thuế",
        "công ty gặp khó khăn giải phóng mặt bằng dự án",
        "hộ kinh doanh kiến nghị về giấy phép kinh doanh",
    ],
    "an-toan-thuc-pham": [
        "thực phẩm bẩn, ngộ độc thực phẩm",
        "quán ăn mất vệ sinh, thịt không rõ nguồn gốc",
        "bếp ăn trường học không đảm bảo vệ sinh",
    ],
    "dat-dai-xay-dung": [
        "xây dựng trái phép, không phép, sai phép",
        "tranh chấp đất đai, lấn chiếm đất công",
        "cấp giấy chứng nhận quyền sử dụng đất, sổ đỏ",
        "công trình xây dựng gây nứt nhà bên cạnh",
    ],
    "hang-hoa-dich-vu-tieu-dung": [
        "hàng giả, hàng kém chất lượng, hàng nhái",
        "cửa hàng bán giá cao, không niêm yết giá",
        "dịch vụ internet, điện thoại kém, chăm sóc khách hàng",
        "cháy hàng, hết hàng, khan hiếm hàng hóa",
    ],
    "phan-hoi-thong-tin-bao-neu": [
        "phản hồi thông tin báo chí đăng tải, bài báo phản ánh",
        "báo nêu vụ việc, đề nghị làm rõ thông tin trên báo",
    ],
    "hien-ke-thanh-pho-thong-minh": [
        "đề xuất ý tưởng xây dựng thành phố thông minh",
        "hiến kế ứng dụng công nghệ, chuyển đổi số",
        "góp ý cải thiện dịch vụ công trực tuyến",
    ],
    "bao-ve-tre-em": [
        "trẻ em bị bạo hành, ngược đãi, xâm hại",
        "trẻ em bỏ học, lao động trẻ em, trẻ lang thang",
        "bắt nạt học sinh ở trường",
    ],
    "linh-vuc-khac": ["vấn đề khác, kiến nghị chung"],
}

# Urgency before any decision: the urgent words in context, and look-alikes that are not.
URGENT_PHRASES = [
    "cháy nhà, lửa bốc cao, khói đen",
    "hỏa hoạn ở chợ, cháy lớn",
    "tai nạn giao thông có người bị thương nằm trên đường",
    "dây điện đứt tóe lửa, nguy cơ điện giật",
    "cây đổ đè người, sập nhà",
    "đánh nhau có hung khí, cướp",
    "đuối nước, trẻ em rơi xuống sông",
    "nổ bình ga, rò rỉ khí ga",
]
NOT_URGENT_PHRASES = [
    "cháy hàng, hết hàng, sản phẩm bán cháy",
    "cháy túi, hết tiền",
    "bán hàng giá cao",
    "đèn đường không sáng",
    "đường có ổ gà",
    "rác chưa được thu gom",
    "hồ sơ chậm giải quyết",
    "đề nghị xem xét kiến nghị",
]
