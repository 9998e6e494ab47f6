from django_tasks import task

from phananh.workflow.closing import auto_close

from . import services, sweeper


@task()
def notify_event(event_id: int) -> int:
    """Tell the staff concerned by one event of a report's timeline."""
    return services.notify_event(event_id)


@task()
def sweep_deadlines() -> int:
    """Remind the staff of steps near their deadline and escalate those past it (periodic)."""
    # The sweeper queues the emails of those who want reminders by email along with each claim.
    return sweeper.sweep_deadlines()


@task()
def close_unrated() -> int:
    """Close the resolved reports whose result was sent and not rated in time (periodic)."""
    return auto_close()
