from django_tasks import task

from . import exports, facts, rollup


@task()
def refresh_figures(event_id: int) -> int:
    """Rewrite the figures of the report an event changed (named in PHANANH_EVENT_TASKS)."""
    return facts.refresh_after_event(event_id)


@task()
def catch_up_figures() -> int:
    """Refresh the figures of every report with an event since the last run (periodic)."""
    return facts.catch_up()


@task()
def rebuild_months() -> int:
    """Sum again the months whose figures changed (periodic, after `catch_up_figures`)."""
    return rollup.rebuild_dirty()


@task()
def delete_old_exports() -> int:
    """Delete the exported files past their keeping time (periodic)."""
    return exports.delete_old_files()
