"""Demo data for Lạng Sơn: the units tree, one account per role, a few reports.

Run by `make run` every time, so everything here is idempotent: it creates what is
missing and leaves what exists alone.
"""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from phananh.open311.keys import client_issue
from phananh.open311.models import Open311Client
from phananh.org.access import Reporter
from phananh.org.communes import load_communes
from phananh.org.models import Role, Unit, UnitKind, User
from phananh.org.second_factor import authenticator, must_use_second_factor
from phananh.org.services import unit_save
from phananh.reports.intake import validate_submission
from phananh.reports.models import Category, Channel, FieldQuestion, QuestionKind, Report
from phananh.workflow.models import RoutingRule
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit

from .calls import seed_calls

DEMO_PASSWORD = "PhanAnh@2026"  # noqa: S105 - printed in the README, for the demo only
# The authenticator key of the demo accounts that must use two-step verification (the IOC's and
# the administrator): the 20 bytes "PhanAnh demo 2FA key", printed in the README in base32 so
# that anyone trying the demo adds it to an app (or runs `manage.py demo_code`). Demo only.
DEMO_TOTP_KEY = b"PhanAnh demo 2FA key"
PROVINCE_CODE = 20

IOC = ("ioc", "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Lạng Sơn", "IOC Lạng Sơn")
DEPARTMENTS = [
    ("van-phong-ubnd", "Văn phòng UBND tỉnh Lạng Sơn", "VP UBND tỉnh"),
    ("so-noi-vu", "Sở Nội vụ", "Sở Nội vụ"),
    ("so-tai-chinh", "Sở Tài chính", "Sở Tài chính"),
    ("so-xay-dung", "Sở Xây dựng", "Sở Xây dựng"),
    ("so-nong-nghiep-moi-truong", "Sở Nông nghiệp và Môi trường", "Sở NN&MT"),
    ("so-cong-thuong", "Sở Công Thương", "Sở Công Thương"),
    ("so-khoa-hoc-cong-nghe", "Sở Khoa học và Công nghệ", "Sở KH&CN"),
    ("so-y-te", "Sở Y tế", "Sở Y tế"),
    ("so-giao-duc-dao-tao", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT"),
    ("so-van-hoa-the-thao-du-lich", "Sở Văn hóa, Thể thao và Du lịch", "Sở VHTT&DL"),
    ("so-tu-phap", "Sở Tư pháp", "Sở Tư pháp"),
    ("so-dan-toc-ton-giao", "Sở Dân tộc và Tôn giáo", "Sở DT&TG"),
    ("thanh-tra-tinh", "Thanh tra tỉnh", "Thanh tra tỉnh"),
    ("cong-an-tinh", "Công an tỉnh Lạng Sơn", "Công an tỉnh"),
]
DIVISIONS = [
    ("so-xay-dung-ha-tang", "so-xay-dung", "Phòng Quản lý hạ tầng kỹ thuật", "P. Hạ tầng kỹ thuật"),
    ("so-xay-dung-giao-thong", "so-xay-dung", "Phòng Quản lý giao thông", "P. Giao thông"),
    ("so-nnmt-moi-truong", "so-nong-nghiep-moi-truong", "Phòng Môi trường", "P. Môi trường"),
]
COMPANIES = [
    ("cap-thoat-nuoc", "Công ty Cổ phần Cấp thoát nước Lạng Sơn", "Cấp thoát nước"),
    ("dien-luc", "Công ty Điện lực Lạng Sơn", "Điện lực"),
    ("moi-truong-do-thi", "Công ty Cổ phần Môi trường đô thị Lạng Sơn", "Môi trường đô thị"),
    ("quan-ly-duong-bo", "Công ty Quản lý và sửa chữa đường bộ Lạng Sơn", "Quản lý đường bộ"),
]
# (username, first name, last name, role, unit code, superuser)
ACCOUNTS = [
    ("dieuphoi", "Hoàng Thị Lan", "Lan", Role.OPERATOR, "ioc", False),
    ("tongdai", "Nông Văn Minh", "Minh", Role.CALL_AGENT, "ioc", False),
    ("daumoi.xaydung", "Lương Văn Hùng", "Hùng", Role.FOCAL_POINT, "so-xay-dung", False),
    ("xuly.xaydung", "Vi Văn Tuấn", "Tuấn", Role.HANDLER, "so-xay-dung-ha-tang", False),
    ("lanhdao.xaydung", "Hoàng Văn Bình", "Bình", Role.LEADER, "so-xay-dung", False),
    ("daumoi.luongvantri", "Lý Thị Mai", "Mai", Role.FOCAL_POINT, "phuong-luong-van-tri", False),
    ("bcd", "Đinh Văn Quang", "Quang", Role.STEERING, "ioc", False),
    ("quantri", "Trần Văn An", "An", Role.ADMIN, "ioc", True),
]
REPORTS = [
    {
        "description": "Ổ gà lớn giữa đường Bà Triệu, gần ngã tư Phai Vệ, xe máy đi qua rất nguy hiểm.",
        "category": "ha-tang-do-thi",
        "latitude": "21.846870",
        "longitude": "106.757560",
        "address": "Đường Bà Triệu, phường Đông Kinh",
        "reporter_name": "Nguyễn Văn Nam",
        "reporter_phone": "0912345678",
    },
    {
        "description": "Rác thải tập kết bên đường Lê Lợi nhiều ngày chưa được thu gom, bốc mùi.",
        "category": "moi-truong",
        "latitude": "21.853700",
        "longitude": "106.761500",
        "address": "Đường Lê Lợi, phường Lương Văn Tri",
        "reporter_email": "dan@example.vn",
    },
    {
        "description": "Đèn tín hiệu giao thông tại nút giao Hùng Vương - Trần Đăng Ninh không hoạt động.",
        "latitude": "21.849100",
        "longitude": "106.764200",
        "anonymous": True,
    },
]


# Reports taken through the whole workflow, so that the public pages have results to show.
HANDLED = [
    (
        {
            "description": "Cống thoát nước đường Trần Đăng Ninh bị tắc, nước tràn lên mặt đường khi mưa.",
            "category": "ha-tang-do-thi",
            "latitude": "21.850300",
            "longitude": "106.762900",
            "address": "Đường Trần Đăng Ninh, phường Lương Văn Tri",
            "reporter_name": "Hoàng Văn Hải",
            "reporter_phone": "0987654321",
        },
        "Đã nạo vét toàn bộ tuyến cống, nước thoát bình thường.",
    ),
    (
        {
            "description": "Cây xanh gãy cành lớn trước cổng trường tiểu học, nguy hiểm cho học sinh.",
            "category": "moi-truong",
            "latitude": "21.844100",
            "longitude": "106.759800",
            "address": "Đường Bà Triệu, phường Đông Kinh",
            "reporter_email": "phuhuynh@example.vn",
        },
        "Đã cắt tỉa cây và dọn cành gãy trong ngày.",
    ),
]


def _handle_to_the_end(report, result: str) -> None:
    """Accept, dispatch, assign, report, approve, verify, publish and close, as the demo staff."""
    staff = {u.username: u for u in User.objects.all()}
    steps = [
        (
            "dieuphoi",
            "accept",
            {"category": report.category.code, "lead_unit": Unit.objects.get(code="so-xay-dung").pk},
        ),
        ("daumoi.xaydung", "assign", {"handler": staff["xuly.xaydung"].pk}),
        ("xuly.xaydung", "submit_result", {"result": result}),
        ("lanhdao.xaydung", "approve_result", {}),
        ("dieuphoi", "verify", {}),
        ("dieuphoi", "publish", {"public": True}),
        ("dieuphoi", "close", {}),
    ]
    for username, action, data in steps:
        transition(report=report, actor=staff[username], action=action, data=data)
    # The reporter rates the result, as they would from their private link.
    transition(report=report, actor=Reporter(report_id=report.pk), action="rate", data={"value": "satisfied"})


# What each unit handles (Unit.duties), as an administrator of the province would write it: the
# suggestions learn from these lines before the IOC has dispatched anything.
DUTIES = {
    "so-xay-dung": (
        "cấp phép xây dựng, công trình xây dựng không phép, sai phép, xây lấn chỉ giới",
        "trật tự đô thị ngoài phường: lấn chiếm vỉa hè, lòng đường, dựng lều quán",
        "quảng cáo, biển hiệu, băng rôn sai quy định",
        "quy hoạch đô thị, nhà ở, chung cư, công trình nguy hiểm, giàn giáo",
        "vật liệu xây dựng để trên đường, xe chở vật liệu làm bẩn đường",
    ),
    "so-xay-dung-ha-tang": (
        "đường phố nội thành hư hỏng, ổ gà, sụt lún mặt đường, bong tróc",
        "vỉa hè hỏng, gạch lát bong, bó vỉa, hố ga trên vỉa hè",
        "đèn chiếu sáng công cộng, đèn đường không sáng, cột đèn, tủ điện chiếu sáng",
        "cây xanh đô thị, công viên, vườn hoa, ghế đá, nhà vệ sinh công cộng",
        "cầu trong thành phố, lan can, đào đường không hoàn trả mặt đường",
    ),
    "so-xay-dung-giao-thong": (
        "biển báo giao thông, đèn tín hiệu giao thông, đèn xanh đèn đỏ, vạch sơn",
        "tổ chức giao thông, phân luồng, ùn tắc, điểm đen tai nạn, gờ giảm tốc, gương cầu",
        "xe buýt, bến xe, bãi đỗ xe, điểm dừng đón trả khách",
    ),
    "quan-ly-duong-bo": (
        "quốc lộ, đường tỉnh, đường huyện hư hỏng, ổ gà ngoài thành phố",
        "QL1A, QL1B, QL4A, QL4B, QL31, QL279, đèo, đường liên huyện",
        "hộ lan tôn sóng, rãnh dọc, cống qua đường, cầu ngoài thành phố, sạt lở taluy",
        "hành lang an toàn đường bộ, cây che khuất tầm nhìn trên quốc lộ, phát quang",
    ),
    "cap-thoat-nuoc": (
        "mất nước sinh hoạt, nước yếu, nước sạch đục, có mùi, vỡ ống nước, đồng hồ nước",
        "cống thoát nước tắc, nắp cống, hố ga mất nắp dưới lòng đường, ngập úng khi mưa",
        "hóa đơn tiền nước, lắp đặt đường ống cấp nước",
    ),
    "dien-luc": (
        "mất điện, cắt điện, điện chập chờn, điện yếu",
        "dây điện đứt, võng thấp, cột điện nghiêng, chập cháy trạm biến áp, công tơ",
        "hóa đơn tiền điện tăng bất thường, lắp đặt điện",
    ),
    "moi-truong-do-thi": (
        "thu gom rác thải sinh hoạt, rác tồn đọng, điểm tập kết rác, thùng rác, xe rác",
        "vệ sinh đường phố, quét dọn, rác trên vỉa hè, bùn đất trên đường",
        "cây xanh đổ, cắt tỉa cây, cành cây gãy",
    ),
    "so-nnmt-moi-truong": (
        "ô nhiễm môi trường, khói bụi, mùi hôi, nước thải nhà máy, xưởng, trang trại",
        "xác động vật chết, dịch bệnh gia súc gia cầm, chăn nuôi gây ô nhiễm",
        "tiếng ồn cơ sở sản xuất, hóa chất, chất thải nguy hại, đốt rác thải",
        "khai thác cát sỏi, khoáng sản trái phép, phá rừng, lâm sản",
    ),
    "so-nong-nghiep-moi-truong": (
        "đất đai, giấy chứng nhận quyền sử dụng đất, sổ đỏ, đo đạc, chuyển mục đích",
        "tranh chấp đất đai, lấn chiếm đất, thu hồi đất, bồi thường, tái định cư",
        "nông nghiệp, thủy lợi, kênh mương, giống cây trồng, phân bón",
    ),
    "cong-an-tinh": (
        "an ninh trật tự, trộm cắp, cướp giật, đánh nhau, cờ bạc, ma túy, lừa đảo",
        "cảnh sát giao thông, đua xe, vi phạm giao thông, xe quá tải, tai nạn giao thông",
        "karaoke, loa kéo, tiếng ồn ban đêm, cháy nổ, phòng cháy chữa cháy",
        "tín dụng đen, cho vay nặng lãi, mại dâm, buôn lậu, động vật hoang dã",
        "cư trú, căn cước công dân, định danh điện tử",
    ),
    "so-y-te": (
        "an toàn thực phẩm, ngộ độc thực phẩm, cơ sở ăn uống mất vệ sinh",
        "bệnh viện, phòng khám, trạm y tế, thuốc, bảo hiểm y tế khám chữa bệnh",
        "bảo vệ trẻ em, bạo hành trẻ em, trẻ bị bỏ rơi, xâm hại",
        "dịch bệnh, sốt xuất huyết, phun thuốc diệt muỗi",
    ),
    "so-cong-thuong": (
        "hàng giả, hàng kém chất lượng, giá cả, quản lý thị trường, niêm yết giá",
        "xăng dầu, cây xăng, chợ, siêu thị, thương mại điện tử, bán hàng online",
        "đo lường, cân điêu, thuốc lá, rượu, hàng lậu",
    ),
    "so-noi-vu": (
        "thái độ cán bộ, công chức, nhũng nhiễu, gây phiền hà, giờ giấc làm việc",
        "cải cách hành chính, tuyển dụng, lao động, việc làm, tiền lương, bảo hiểm xã hội",
    ),
    "van-phong-ubnd": (
        "thủ tục hành chính, một cửa, dịch vụ công trực tuyến",
        "góp ý, hiến kế, đề xuất ý tưởng, phản hồi thông tin báo chí",
        "chính sách, quy định của tỉnh, kiến nghị chung",
    ),
    "so-tai-chinh": (
        "phí, lệ phí, ngân sách, giá dịch vụ công",
        "doanh nghiệp vướng mắc, thuế, hoàn thuế, đầu tư, dự án, ký quỹ, giải ngân",
    ),
    "so-giao-duc-dao-tao": (
        "trường học, học sinh, giáo viên, học phí, các khoản thu đầu năm, bạo lực học đường",
    ),
    "so-van-hoa-the-thao-du-lich": (
        "du lịch, khu du lịch, di tích, đền chùa, lễ hội, văn hóa, thể thao",
        "homestay, nhà nghỉ, hướng dẫn viên, giá dịch vụ du lịch",
    ),
    "so-tu-phap": (
        "hộ tịch, khai sinh, khai tử, kết hôn, công chứng, chứng thực, lý lịch tư pháp",
        "trợ giúp pháp lý, thi hành án dân sự",
    ),
    "so-khoa-hoc-cong-nghe": (
        "thành phố thông minh, chuyển đổi số, công nghệ thông tin, viễn thông, camera",
    ),
    "thanh-tra-tinh": ("khiếu nại, tố cáo cán bộ, quyết định hành chính sai, tham nhũng",),
}
# The IOC's usual lead unit per field (workflow.RoutingRule, with no commune: every commune) and
# one rule for a ward, which handles its own urban order.
ROUTES = {
    "ha-tang-do-thi": "so-xay-dung-ha-tang",
    "an-toan-giao-thong": "so-xay-dung-giao-thong",
    "an-ninh-trat-tu": "cong-an-tinh",
    "trat-tu-do-thi": "so-xay-dung",
    "moi-truong": "moi-truong-do-thi",
    "quy-dinh-hanh-chinh": "van-phong-ubnd",
    "cong-vu-cong-chuc": "so-noi-vu",
    "doanh-nghiep-vuong-mac": "so-tai-chinh",
    "an-toan-thuc-pham": "so-y-te",
    "dat-dai-xay-dung": "so-nong-nghiep-moi-truong",
    "hang-hoa-dich-vu-tieu-dung": "so-cong-thuong",
    "bao-ve-tre-em": "so-y-te",
    "hien-ke-thanh-pho-thong-minh": "so-khoa-hoc-cong-nghe",
    "phan-hoi-thong-tin-bao-neu": "van-phong-ubnd",
    "linh-vuc-khac": "van-phong-ubnd",
}
WARD_ROUTES = [("trat-tu-do-thi", "phuong-luong-van-tri", "phuong-luong-van-tri")]


def _unit(code: str, name: str, short: str, kind: str, parent: Unit | None) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        duties = "\n".join(DUTIES.get(code, ()))
        unit = unit_save(
            unit=Unit(code=code, name=name, short_name=short, kind=kind, parent=parent, duties=duties)
        )
    elif not unit.duties and code in DUTIES:
        Unit.objects.filter(pk=unit.pk).update(duties="\n".join(DUTIES[code]))
    return unit


def seed_routes() -> int:
    """The demo's routing rules (once: an administrator's changes are kept)."""
    if RoutingRule.objects.exists():
        return 0
    fields = {c.code: c for c in Category.objects.filter(code__in=ROUTES)}
    wanted = [*ROUTES.values(), *(unit for _field, _commune, unit in WARD_ROUTES)]
    units = {u.code: u for u in Unit.objects.filter(code__in=wanted)}
    rules = [
        RoutingRule(category=fields[field], unit=units[unit])
        for field, unit in ROUTES.items()
        if field in fields and unit in units
    ]
    for field, commune, unit in WARD_ROUTES:
        if field in fields and commune in units and unit in units:
            rules.append(RoutingRule(category=fields[field], commune=units[commune], unit=units[unit]))
    RoutingRule.objects.bulk_create(rules)
    return len(rules)


# The demo's Open311 API key (README.md), fixed so that a partner's demo can be set up once. Demo only.
DEMO_OPEN311_KEY = "demo-open311-langson-2026"
# Extra questions of two fields: (field, code, label, kind, choices, required).
QUESTIONS = [
    (
        "trat-tu-do-thi",
        "loai-lan-chiem",
        "Loại lấn chiếm",
        QuestionKind.SINGLE,
        "hang-quan | Hàng quán, bàn ghế\nxe | Xe đỗ, xe bán hàng\nvat-lieu | Vật liệu xây dựng\n"
        "bien-quang-cao | Biển quảng cáo\nkhac | Khác",
        True,
    ),
    ("trat-tu-do-thi", "chieu-dai", "Chiều dài vỉa hè bị lấn chiếm (m)", QuestionKind.NUMBER, "", False),
    (
        "ha-tang-do-thi",
        "hang-muc",
        "Hạng mục hư hỏng",
        QuestionKind.MULTIPLE,
        "mat-duong | Mặt đường\nden-chieu-sang | Đèn chiếu sáng\ncong-thoat-nuoc | Cống thoát nước\n"
        "via-he | Vỉa hè\nkhac | Khác",
        False,
    ),
]


def seed_questions_and_open311() -> None:
    """The fields' extra questions and the Open311 key of a demo partner (after the demo's reports,
    which were written before there were questions)."""
    for order, (field, code, label, kind, choices, required) in enumerate(QUESTIONS, start=1):
        category = Category.objects.filter(code=field).first()
        if category is not None:
            FieldQuestion.objects.get_or_create(
                category=category,
                code=code,
                defaults={
                    "label": label,
                    "kind": kind,
                    "choices": choices,
                    "required": required,
                    "sort_order": order,
                },
            )
    if not Open311Client.objects.exists():
        client_issue(
            name="Hệ thống đối tác mẫu (Open311)", contact="doitac@demo.phananh.vn", key=DEMO_OPEN311_KEY
        )


@transaction.atomic
def seed_demo() -> dict:
    ioc = _unit(*IOC, UnitKind.IOC, None)
    departments = {
        code: _unit(code, name, short, UnitKind.DEPARTMENT, ioc) for code, name, short in DEPARTMENTS
    }
    for code, parent, name, short in DIVISIONS:
        _unit(code, name, short, UnitKind.DIVISION, departments[parent])
    for code, name, short in COMPANIES:
        _unit(code, name, short, UnitKind.COMPANY, ioc)
    communes = load_communes(province_code=PROVINCE_CODE, parent=ioc)
    # A stable code for the ward the demo accounts use.
    ward = Unit.objects.filter(area_name="Phường Lương Văn Tri").first()
    if ward and ward.code != "phuong-luong-van-tri":
        Unit.objects.filter(pk=ward.pk).update(code="phuong-luong-van-tri")

    accounts = 0
    for username, full_name, short_name, role, unit_code, superuser in ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(
            username=username,
            full_name=full_name,
            short_name=short_name,
            role=role,
            unit=Unit.objects.get(code=unit_code),
            is_staff=superuser,
            is_superuser=superuser,
            email=f"{username}@demo.phananh.vn",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        accounts += 1
    for user in User.objects.filter(username__in=[account[0] for account in ACCOUNTS]):
        if must_use_second_factor(user) and authenticator(user) is None:
            TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY.hex(), confirmed=True)

    reports = 0
    if not Report.objects.exists():
        for raw in REPORTS:
            submission = validate_submission({**raw, "consent": True}, channel=Channel.WEB)
            report_submit(submission=submission)
            reports += 1
        for raw, result in HANDLED:
            submission = validate_submission({**raw, "consent": True}, channel=Channel.WEB)
            _handle_to_the_end(report_submit(submission=submission).report, result)
            reports += 1
    calls = seed_calls()
    seed_questions_and_open311()
    seed_routes()
    return {
        "units": Unit.objects.count(),
        "communes": communes,
        "accounts": accounts,
        "reports": reports,
        "calls": calls,
    }
