from django.utils import timezone
from django_tasks import task

from . import zalo
from .partners import follow, outbox


@task()
def handle_event(event_pk: int) -> str:
    """Answer one event of the Zalo OA (a message, a photo, a location, a follow)."""
    return zalo.handle_event(event_pk)


@task()
def queue_for_partners(event_id: int) -> int:
    """Queue what an event asks to send to partner systems (named in PHANANH_EVENT_TASKS)."""
    return outbox.queue_for_event(event_id)


@task()
def sync_partners() -> dict:
    """Periodic: queue what was missed, send what is due, read the partners' updates."""
    outcome = {}
    for partner in outbox.partners():
        queued = outbox.queue_missing(partner.name, timezone.now())
        sent = outbox.deliver_due(partner)
        outcome[partner.name] = {"queued": queued, **sent, "updates": follow.follow_all(partner)}
    return outcome
