"""The units tree and the province's communes."""

import pytest
from django.core.management import CommandError, call_command

from phananh.core.errors import ValidationFailed
from phananh.org.communes import load_communes
from phananh.org.models import Unit, UnitKind
from phananh.org.selectors import unit_subtree
from phananh.org.services import unit_create, unit_save

pytestmark = pytest.mark.django_db


def test_a_tree_of_any_depth_keeps_its_subtrees(ioc):
    # Given a department with a division that has its own team, and a district with a commune
    dept = unit_create(code="so-xd", name="Sở Xây dựng", kind=UnitKind.DEPARTMENT, parent=ioc)
    division = unit_create(code="p-ht", name="Phòng Hạ tầng", kind=UnitKind.DIVISION, parent=dept)
    team = unit_create(code="to-1", name="Tổ 1", kind=UnitKind.DIVISION, parent=division)
    district = unit_create(code="huyen", name="Tổ xử lý huyện", kind=UnitKind.DISTRICT, parent=ioc)
    commune = unit_create(code="xa", name="UBND xã", kind=UnitKind.COMMUNE, parent=district)

    # Then each subtree holds exactly its own units, at their depth
    assert set(unit_subtree(dept)) == {dept, division, team}
    assert set(unit_subtree(district)) == {district, commune}
    assert len(unit_subtree(ioc)) == 6
    assert (ioc.depth, dept.depth, division.depth, team.depth) == (0, 1, 2, 3)


def test_moving_a_unit_moves_its_whole_subtree(ioc):
    dept = unit_create(code="so-a", name="Sở A", kind=UnitKind.DEPARTMENT, parent=ioc)
    other = unit_create(code="so-b", name="Sở B", kind=UnitKind.DEPARTMENT, parent=ioc)
    division = unit_create(code="p-a", name="Phòng A", kind=UnitKind.DIVISION, parent=dept)
    team = unit_create(code="to-a", name="Tổ A", kind=UnitKind.DIVISION, parent=division)

    # When the division moves from Sở A to Sở B
    division.parent = other
    unit_save(unit=division)

    # Then its team follows it, and Sở A no longer contains either
    team.refresh_from_db()
    assert set(unit_subtree(other)) == {other, division, team}
    assert set(unit_subtree(dept)) == {dept}
    assert team.depth == 3


def test_a_unit_cannot_be_moved_under_its_own_subtree(ioc):
    dept = unit_create(code="so-a", name="Sở A", kind=UnitKind.DEPARTMENT, parent=ioc)
    division = unit_create(code="p-a", name="Phòng A", kind=UnitKind.DIVISION, parent=dept)

    dept.parent = division
    with pytest.raises(ValidationFailed) as exc:
        unit_save(unit=dept)

    assert exc.value.code == "unit_cycle"
    dept.refresh_from_db()
    assert dept.parent == ioc


def test_lang_son_has_its_65_communes_and_wards(ioc):
    result = load_communes(province_code=20, parent=ioc)

    assert result.created == 65
    local = Unit.objects.filter(parent=ioc, admin_code__isnull=False)
    assert local.count() == 65
    assert local.filter(kind=UnitKind.WARD).count() == 4
    ward = local.get(area_name="Phường Lương Văn Tri")
    assert ward.kind == UnitKind.WARD
    assert ward.short_name == "UBND Phường Lương Văn Tri"
    assert ward.path == f"{ioc.path}{ward.pk}/"


def test_loading_again_updates_names_and_keeps_ids(ioc):
    load_communes(province_code=20, parent=ioc)
    ids_before = dict(Unit.objects.filter(admin_code__isnull=False).values_list("admin_code", "pk"))
    renamed = Unit.objects.get(area_name="Xã Thất Khê")
    Unit.objects.filter(pk=renamed.pk).update(name="Tên cũ", area_name="Xã cũ")

    result = load_communes(province_code=20, parent=ioc)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 64)
    ids_after = dict(Unit.objects.filter(admin_code__isnull=False).values_list("admin_code", "pk"))
    assert ids_after == ids_before
    renamed.refresh_from_db()
    assert renamed.area_name == "Xã Thất Khê"


def test_a_commune_that_left_the_national_list_is_retired_not_deleted(ioc):
    load_communes(province_code=20, parent=ioc)
    gone = unit_create(
        code="xa-cu", name="UBND xã đã sáp nhập", kind=UnitKind.COMMUNE, parent=ioc, admin_code=999999
    )

    result = load_communes(province_code=20, parent=ioc)

    gone.refresh_from_db()
    assert result.retired == 1
    assert gone.is_active is False


def test_the_command_names_an_unknown_province(ioc, capsys):
    with pytest.raises(CommandError, match="99"):
        call_command("load_communes", "99")


def test_the_command_needs_a_parent(db):
    with pytest.raises(CommandError, match="IOC"):
        call_command("load_communes", "20")


def test_the_command_reports_what_it_did(ioc, capsys):
    call_command("load_communes", "20")
    call_command("load_communes", "20")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Lạng Sơn: 65 created, 0 updated, 0 unchanged, 0 retired."
    assert out[1] == "Lạng Sơn: 0 created, 0 updated, 65 unchanged, 0 retired."
