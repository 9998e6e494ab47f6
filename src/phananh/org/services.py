"""Writes on the units tree. The tree's `path` is kept here and nowhere else."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from phananh.core.errors import ValidationFailed

from .models import Unit


def _path_for(unit: Unit) -> str:
    return f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/"


@transaction.atomic
def unit_save(*, unit: Unit) -> Unit:
    """Create or update a unit; moving it under another parent moves its whole subtree."""
    if unit.parent_id and unit.pk:
        parent = Unit.objects.get(pk=unit.parent_id)
        if unit.path and parent.path.startswith(unit.path):
            raise ValidationFailed(
                "unit_cycle",
                _("A unit cannot be placed under itself or one of its own units."),
                fields={"parent": [_("Choose a unit outside this one's subtree.")]},
            )
    old_path = unit.path
    unit.save()
    new_path = _path_for(unit)
    if new_path != old_path:
        Unit.objects.filter(pk=unit.pk).update(path=new_path)
        unit.path = new_path
        if old_path:
            # Rewrite the prefix of every descendant in one statement.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
            )
    return unit


def unit_create(**attrs) -> Unit:
    return unit_save(unit=Unit(**attrs))
