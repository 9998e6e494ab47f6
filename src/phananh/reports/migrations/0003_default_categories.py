"""The 15 fields of the Lạng Sơn system (seed 002), present in every new deployment.

They are data: administrators rename, add and retire fields afterwards.
"""

from django.db import migrations

DEFAULT_CATEGORIES = [
    ("an-toan-giao-thong", "An toàn giao thông"),
    ("an-ninh-trat-tu", "An ninh trật tự"),
    ("ha-tang-do-thi", "Hạ tầng đô thị"),
    ("trat-tu-do-thi", "Trật tự đô thị"),
    ("moi-truong", "Môi trường"),
    ("quy-dinh-hanh-chinh", "Quy định hành chính"),
    ("cong-vu-cong-chuc", "Công vụ, công chức"),
    ("doanh-nghiep-vuong-mac", "Doanh nghiệp vướng mắc"),
    ("an-toan-thuc-pham", "An toàn thực phẩm"),
    ("dat-dai-xay-dung", "Đất đai, xây dựng"),
    ("hang-hoa-dich-vu-tieu-dung", "Hàng hóa, dịch vụ, tiêu dùng"),
    ("phan-hoi-thong-tin-bao-neu", "Phản hồi thông tin báo nêu"),
    ("hien-ke-thanh-pho-thong-minh", "Hiến kế xây dựng thành phố thông minh"),
    ("bao-ve-tre-em", "Bảo vệ trẻ em"),
    ("linh-vuc-khac", "Lĩnh vực khác"),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
