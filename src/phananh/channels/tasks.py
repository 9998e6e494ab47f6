from django_tasks import task

from . import zalo


@task()
def handle_event(event_pk: int) -> str:
    """Answer one event of the Zalo OA (a message, a photo, a location, a follow)."""
    return zalo.handle_event(event_pk)
