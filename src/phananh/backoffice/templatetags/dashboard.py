"""How the dashboard writes its numbers: shares as percentages, hours, and signed changes.

A figure without a value (nothing resolved, nothing rated) is a dash: 0 % would say something else.
"""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()
NONE = "—"


@register.filter
def percent(share) -> str:
    return NONE if share is None else f"{number_format(share * 100, 1)} %"


@register.filter
def hours(value) -> str:
    return NONE if value is None else number_format(value, 1)


@register.filter
def signed(change, kind: str = "count") -> str:
    """+3, −2, +4,5 điểm %: the change against the previous period."""
    if change is None:
        return NONE
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    digits = 0 if kind == "count" else 1
    text = f"{sign}{number_format(abs(change), digits)}"
    # Percentage points: a rate going from 60 % to 65 % rose by 5 points, not by 5 %.
    return _("%(change)s pp") % {"change": text} if kind == "share" else text


@register.filter
def figure(value, kind: str = "count") -> str:
    if kind == "share":
        return percent(value)
    if kind == "hours":
        return hours(value)
    return NONE if value is None else number_format(value, 0, force_grouping=True)


@register.filter
def sort_value(value) -> str:
    """The number a column sorts by: a dash sorts below every number."""
    return "-1" if value is None else str(value)
