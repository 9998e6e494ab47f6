from django_tasks import task

from .retention import anonymise_past_retention


@task()
def anonymise_old_reports() -> int:
    """Erase the personal data of reports that ended longer ago than the retention period (periodic)."""
    return anonymise_past_retention()
