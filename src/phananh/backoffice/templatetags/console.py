from django import template

from phananh.notify.models import UNDELIVERED_STATUSES, Delivery

from ..views.deliveries import MAY_RETRY

register = template.Library()


@register.simple_tag
def undelivered_messages(user) -> int | None:
    """The number beside "Messages not delivered", apart from the bell; None for who cannot open it."""
    if not getattr(user, "is_authenticated", False) or user.role not in MAY_RETRY:
        return None
    return Delivery.objects.filter(status__in=UNDELIVERED_STATUSES).count()
