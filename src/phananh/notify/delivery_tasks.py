"""The task that sends one queued message (kept apart from tasks.py, which the runner owns)."""

from django_tasks import task

from . import delivery


@task()
def deliver(delivery_id: int) -> str | None:
    """Send one queued email, SMS or Zalo message, if it is still due."""
    return delivery.deliver_one(delivery_id)


@task()
def deliver_due() -> dict:
    """Send what is due again: failed messages whose wait is over, and those a dead worker left."""
    return dict(delivery.deliver_due())
