from django_tasks import task

from . import services


@task()
def suggest_after_event(event_id: int) -> bool:
    """A new report's suggestions, and again after the reporter adds information (PHANANH_EVENT_TASKS)."""
    return services.suggestion_after_event(event_id)


@task()
def train_nightly() -> str:
    """Retrain the suggestions once a day, from PHANANH_TRIAGE_TRAIN_HOUR (periodic)."""
    model = services.train_if_due()
    return model.version if model else ""
