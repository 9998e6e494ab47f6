from collections.abc import Iterable, Sequence

from django.db import router, transaction
from django.db.models.signals import pre_save
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult

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


def enqueue_all_on_commit(calls: Iterable[tuple[object, Sequence]]) -> None:
    """`enqueue_on_commit` for several (task, args) at once: one INSERT for all of their rows.

    The database backend enqueues a task with an INSERT of its own; a transition that hands its
    event to two tasks would make two. Here the rows the backend would write are written together
    (the same columns as `DatabaseBackend.enqueue`, which has no bulk form), and the backend's
    signal is sent for each, as it would be. Tasks of any other backend go one by one after the
    commit, as with `enqueue_on_commit`.
    """
    in_transaction = transaction.get_connection().in_atomic_block
    bulk = []
    for each, args in calls:
        if in_transaction and isinstance(each.get_backend(), DatabaseBackend):
            bulk.append((each, args))
        else:
            enqueue_on_commit(each, *args)
    if not bulk:
        return
    rows = []
    for each, args in bulk:
        backend = each.get_backend()
        backend.validate_task(each)
        rows.append(
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
                priority=each.priority,
                task_path=each.module_path,
                queue_name=each.queue_name,
                run_after=each.run_after,
                backend_name=backend.alias,
            )
        )
    for row in rows:
        # What the backend's save() would do besides the INSERT (its own handler fills run_after).
        pre_save.send(
            sender=DBTaskResult,
            instance=row,
            raw=False,
            using=router.db_for_write(DBTaskResult),
            update_fields=None,
        )
    for (each, _args), row in zip(bulk, DBTaskResult.objects.bulk_create(rows), strict=True):
        task_enqueued.send(type(each.get_backend()), task_result=row.task_result)
