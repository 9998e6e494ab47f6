from django import template

from phananh.notify.models import Notification

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """The number on the bell: this person's notifications not yet read."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
