"""The tasks that send queued messages (kept apart from tasks.py, which the runner owns)."""

from collections import Counter

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


@task()
def deliver_batch(delivery_ids: list[int]) -> dict:
    """Send a batch of queued messages: one task for the emails a sweep queued together.

    Safe to run twice and beside `deliver_due`: each message is claimed before it is sent.
    """
    outcome = Counter()
    for delivery_id in delivery_ids:
        status = delivery.deliver_one(delivery_id)
        if status is not None:
            outcome[status] += 1
    return dict(outcome)
