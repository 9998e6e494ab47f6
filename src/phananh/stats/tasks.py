from django_tasks import task

from . import facts


@task()
def refresh_figures(event_id: int) -> int:
    """Rewrite the figures of the report an event changed (named in PHANANH_EVENT_TASKS)."""
    return facts.refresh_after_event(event_id)


@task()
def catch_up_figures() -> int:
    """Refresh the figures of every report with an event since the last run (periodic)."""
    return facts.catch_up()
