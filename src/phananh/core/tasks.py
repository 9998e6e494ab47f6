from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from . import task_recovery


@task()
def recover_stale_tasks() -> dict:
    """Run again the database backend's tasks a dead worker left RUNNING (periodic)."""
    return task_recovery.recover_stale_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Enqueue `task` so that a worker runs it only once the current transaction has committed.

    With the database backend the task's row is written inside the transaction itself: it
    commits together with the rows it names, or not at all, and needs no commit of its own.
    Another backend (RQ) gets the task after the commit, once a worker can see those rows.
    """
    if transaction.get_connection().in_atomic_block and isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
