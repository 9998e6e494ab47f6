from django_tasks import task

from . import services, sweeper
from .delivery_tasks import deliver_due


@task()
def notify_event(event_id: int) -> int:
    """Tell the staff concerned by one event of a report's timeline."""
    return services.notify_event(event_id)


@task()
def sweep_deadlines() -> int:
    """Remind the staff of steps near their deadline and escalate those past it (periodic)."""
    return len(sweeper.sweep_deadlines())


# What `manage.py run_periodic` enqueues every PHANANH_PERIODIC_SECONDS.
PERIODIC_TASKS = (sweep_deadlines, deliver_due)
