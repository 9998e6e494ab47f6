from django_tasks import task

from . import services


@task()
def notify_event(event_id: int) -> int:
    """Tell the staff concerned by one event of a report's timeline."""
    return services.notify_event(event_id)
