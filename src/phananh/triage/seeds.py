"""What a new deployment, with no decisions yet, learns from (khởi đầu nguội).

The fields' and units' names and descriptions and the routing rules come from the database
(`services.cold_examples`); this table adds the everyday words of the default fields (the 15 of
migration reports.0003), since a field's name alone ("Môi trường") says little: the sub-topics a
province's IOC files under each, as its glossary would list them (what Vietnamese IOCs publish
of their fields' scope). They are knowledge, not decisions, so they keep their weight as the
decisions accumulate (`services.cold_examples`). A field an administrator added learns from its
name and description, then from the IOC's decisions.
"""

from __future__ import annotations

FIELD_WORDS = {
    "an-toan-giao-thong": [
        "tai nạn giao thông, va chạm xe máy ô tô, xe tông người đi bộ",
        "đèn tín hiệu giao thông hỏng, đèn đỏ không sáng ở ngã tư, đèn xanh quá ngắn",
        "xe tải chạy quá tốc độ, đua xe, lạng lách, bốc đầu, xe quá tải",
        "biển báo giao thông bị đổ, thiếu biển báo, biển cấm, biển hạn chế tốc độ",
        "ùn tắc giao thông, cảnh sát giao thông, điểm đen tai nạn",
        "vạch sơn kẻ đường mờ, gờ giảm tốc, gương cầu lồi ở khúc cua",
        "hộ lan tôn sóng gãy, dải phân cách, đèo dốc nguy hiểm, cua khuất tầm nhìn",
        "xe khách dừng đỗ đón trả khách sai quy định, xe dù bến cóc",
        "xe chở vật liệu rơi vãi, xe chở quá khổ quá tải, xe container",
        "người đi xe máy không đội mũ bảo hiểm, vượt đèn đỏ, đi ngược chiều",
        "đường ngang đường sắt không có rào chắn, cây che khuất biển báo",
        "xe đỗ trên cầu, chướng ngại vật trên quốc lộ, cây đổ chắn đường",
    ],
    "an-ninh-trat-tu": [
        "trộm cắp tài sản, mất trộm xe máy, kẻ gian đột nhập nhà, cạy khóa",
        "đánh nhau, gây rối trật tự, tụ tập ồn ào ban đêm, thanh niên hỗn chiến",
        "cướp giật điện thoại, đánh bạc, ma túy, tiêm chích, nghiện hút",
        "karaoke hát to quá khuya làm ồn, loa kéo hát đêm, mở nhạc to",
        "cho vay nặng lãi, tín dụng đen, đòi nợ thuê, khủng bố tinh thần",
        "lừa đảo qua mạng, giả danh công an, chiếm đoạt tiền",
        "cơ sở massage, nhà nghỉ có dấu hiệu mại dâm, hoạt động không lành mạnh",
        "buôn lậu hàng hóa qua biên giới, vận chuyển pháo nổ",
        "săn bắt, buôn bán động vật hoang dã, chim thú rừng",
        "tàng trữ vũ khí, dao kiếm, hung khí, đe dọa hành hung",
        "cờ bạc, lô đề, sới gà, cá độ bóng đá",
        "phòng cháy chữa cháy, cháy nổ, nguy cơ cháy",
    ],
    "ha-tang-do-thi": [
        "đường hỏng, ổ gà, mặt đường sụt lún, bong tróc, nứt vỡ",
        "đèn đường không sáng, đèn chiếu sáng công cộng hỏng, bóng đèn cháy",
        "cống thoát nước tắc, nắp cống vỡ, hố ga mất nắp, ngập úng khi mưa",
        "vỉa hè hư hỏng, gạch lát vỡ, cây xanh đổ gãy, cành cây sắp gãy",
        "mất nước sinh hoạt, vỡ đường ống nước, nước máy đục, nước yếu",
        "dây điện đứt, cột điện nghiêng, mất điện, chập điện, trạm biến áp",
        "cầu hỏng, lan can cầu gãy, sạt lở taluy, rãnh thoát nước",
        "công viên, ghế đá, nhà vệ sinh công cộng hư hỏng",
        "thi công đào đường không hoàn trả, rào chắn công trình để lâu",
        "dây cáp viễn thông chằng chịt, dây cáp rủ xuống thấp",
        "tiền điện, tiền nước tăng bất thường, công tơ điện",
    ],
    "trat-tu-do-thi": [
        "lấn chiếm vỉa hè, lòng đường để buôn bán, bày hàng ra vỉa hè",
        "bán hàng rong, đỗ xe trái phép trên vỉa hè, trông giữ xe trái phép",
        "quảng cáo rao vặt dán trái phép, băng rôn, biển quảng cáo che khuất",
        "dựng lều quán lấn chiếm hành lang, mái che, bạt che kéo ra đường",
        "để vật liệu xây dựng trên vỉa hè, đổ cát đá ra lòng đường",
        "họp chợ tạm, chợ cóc dưới lòng đường, ăn uống trên vỉa hè",
        "rửa xe, sửa xe trên vỉa hè, xả nước ra đường",
        "treo biển hiệu, căng dây phơi đồ, chiếm dụng không gian công cộng",
    ],
    "moi-truong": [
        "rác thải không được thu gom, bãi rác tự phát bốc mùi, đổ trộm rác",
        "xả nước thải ra sông, ô nhiễm nguồn nước, nước suối đen",
        "khói bụi, ô nhiễm không khí, đốt rác, đốt rơm rạ, khói đen nhà máy",
        "tiếng ồn từ nhà máy, xưởng sản xuất, máy móc chạy đêm",
        "xác động vật chết, chuột chết, chó mèo chết bốc mùi hôi thối",
        "mùi hôi từ trại chăn nuôi lợn, gà, lò mổ xả thải",
        "hóa chất rò rỉ, chất thải nguy hại, mùi hóa chất nồng",
        "đổ trộm phế thải xây dựng, đất đá thải ven đường",
        "khai thác cát sỏi trái phép, khai thác khoáng sản, phá rừng",
        "ruồi muỗi, vệ sinh môi trường, phun thuốc diệt muỗi",
    ],
    "quy-dinh-hanh-chinh": [
        "thủ tục hành chính rườm rà, hồ sơ chậm giải quyết, trả hồ sơ nhiều lần",
        "cấp giấy tờ, chứng thực, công chứng, đăng ký khai sinh, kết hôn, hộ tịch",
        "quy định không hợp lý, kiến nghị sửa đổi, chính sách",
        "căn cước công dân, định danh điện tử, VNeID, cư trú, hộ khẩu",
        "dịch vụ công trực tuyến lỗi, bộ phận một cửa, nộp hồ sơ",
        "lệ phí, phí, thu tiền không đúng quy định, bảo hiểm xã hội, chế độ chính sách",
        "trợ cấp, người có công, hộ nghèo, bảo hiểm y tế",
        "giấy phép lái xe, đăng ký xe, sang tên",
    ],
    "cong-vu-cong-chuc": [
        "cán bộ gây phiền hà, nhũng nhiễu, thái độ không đúng mực, quát nạt dân",
        "công chức đi muộn về sớm, không tiếp dân, bỏ vị trí làm việc",
        "cán bộ xã đòi tiền khi làm hồ sơ, vòi vĩnh, tiêu cực, hối lộ",
        "tố cáo chủ tịch xã, cán bộ làm sai quy trình, lạm quyền",
        "khiếu nại quyết định hành chính, cán bộ thiếu trách nhiệm",
        "cán bộ uống rượu trong giờ làm việc, sử dụng xe công sai mục đích",
    ],
    "doanh-nghiep-vuong-mac": [
        "doanh nghiệp vướng mắc thủ tục đầu tư, thuế, hoàn thuế",
        "công ty gặp khó khăn giải phóng mặt bằng dự án, ký quỹ",
        "hộ kinh doanh kiến nghị về giấy phép kinh doanh, thuế môn bài",
        "hợp tác xã, nhà đầu tư, khu công nghiệp, giải ngân vốn hỗ trợ",
        "xuất nhập khẩu, hải quan, thông quan ở cửa khẩu, chứng nhận xuất xứ",
        "phòng cháy chữa cháy thẩm duyệt cho nhà xưởng, giấy phép môi trường của doanh nghiệp",
        "vay vốn ngân hàng, tín dụng ưu đãi cho doanh nghiệp",
    ],
    "an-toan-thuc-pham": [
        "thực phẩm bẩn, ngộ độc thực phẩm, ăn xong đau bụng, nôn mửa, nhập viện",
        "quán ăn mất vệ sinh, thịt không rõ nguồn gốc, thịt bốc mùi",
        "bếp ăn trường học không đảm bảo vệ sinh, bếp ăn công nhân",
        "rau phun thuốc kích thích, hóa chất bảo quản, hàn the",
        "lò mổ không qua kiểm dịch, gia súc chết đem bán",
        "cơ sở sản xuất bánh, giò chả, đồ uống mất vệ sinh, chuột gián",
        "thực phẩm hết hạn sử dụng, không nhãn mác, sữa, đồ ăn vặt",
    ],
    "dat-dai-xay-dung": [
        "xây dựng trái phép, không phép, sai phép, xây lấn chỉ giới",
        "tranh chấp đất đai, lấn chiếm đất công, rào đất, lối đi chung",
        "cấp giấy chứng nhận quyền sử dụng đất, sổ đỏ, đo đạc, chuyển mục đích",
        "công trình xây dựng gây nứt nhà bên cạnh, giàn giáo không an toàn",
        "bồi thường giải phóng mặt bằng, thu hồi đất, tái định cư",
        "phân lô bán nền, san lấp đất nông nghiệp, quy hoạch",
        "xây nhà trên đất rừng, hành lang suối, hành lang giao thông",
    ],
    "hang-hoa-dich-vu-tieu-dung": [
        "hàng giả, hàng kém chất lượng, hàng nhái, hàng lậu",
        "cửa hàng bán giá cao, không niêm yết giá, chặt chém du khách",
        "dịch vụ internet, điện thoại kém, chăm sóc khách hàng, nhà mạng",
        "cháy hàng, hết hàng, khan hiếm hàng hóa",
        "cây xăng bơm thiếu, gian lận đo lường, cân điêu",
        "thuốc lá điện tử, thực phẩm chức năng quảng cáo sai sự thật",
        "mua hàng online bị lừa, không bảo hành, không trả tiền",
        "giá phòng, giá dịch vụ du lịch, homestay, taxi tính giá cao",
    ],
    "phan-hoi-thong-tin-bao-neu": [
        "phản hồi thông tin báo chí đăng tải, bài báo phản ánh",
        "báo nêu vụ việc, đề nghị làm rõ thông tin trên báo, truyền hình đưa tin",
        "thông tin trên mạng xã hội, facebook lan truyền, tin đồn",
        "báo điện tử, vnexpress, bài viết nói, đài truyền hình tỉnh",
    ],
    "hien-ke-thanh-pho-thong-minh": [
        "đề xuất ý tưởng xây dựng thành phố thông minh",
        "hiến kế ứng dụng công nghệ, chuyển đổi số, ứng dụng điện thoại",
        "góp ý cải thiện dịch vụ công trực tuyến",
        "đề xuất lắp camera, wifi công cộng, bản đồ số, thanh toán không tiền mặt",
        "kiến nghị ứng dụng chung, tích hợp, dữ liệu mở, đèn thông minh",
        "nên có, đề nghị xây dựng hệ thống, sáng kiến",
    ],
    "bao-ve-tre-em": [
        "trẻ em bị bạo hành, ngược đãi, xâm hại, đánh đập",
        "trẻ em bỏ học, lao động trẻ em, trẻ lang thang, ăn xin",
        "bắt nạt học sinh ở trường, bạo lực học đường",
        "trẻ bị bỏ rơi, bỏ đói, nhốt trong nhà, cháu nhỏ khóc",
        "quán internet cho trẻ chơi game xuyên đêm, trẻ vị thành niên",
        "đuối nước, trẻ tắm sông suối không có người trông",
    ],
    "linh-vuc-khac": [
        "vấn đề khác, kiến nghị chung",
        "cảm ơn, khen ngợi cán bộ, lời cảm ơn",
        "di tích, lễ hội, văn hóa, tôn giáo, chùa, đền",
        "trường học thu tiền, học phí, giáo dục, y tế, bệnh viện",
    ],
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
