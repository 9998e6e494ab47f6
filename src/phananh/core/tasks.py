from django_tasks import task

from . import task_recovery


@task()
def recover_stale_tasks() -> dict:
    """Run again the database backend's tasks a dead worker left RUNNING (periodic)."""
    return task_recovery.recover_stale_tasks()
