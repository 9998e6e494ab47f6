"""Tasks a dead worker left RUNNING on the database backend are put back to run again.

`db_worker` claims a row (READY -> RUNNING, its id appended to `worker_ids`) and only writes
it again when the task ends. A worker killed in between (SIGKILL, a machine that dies, the
out-of-memory killer) leaves the row RUNNING for ever: django-tasks-db has no heartbeat.
So a row RUNNING for longer than PHANANH_TASK_STALE_SECONDS is taken to be a dead worker's:
it is put back READY for any worker to claim, until it has been claimed
PHANANH_TASK_MAX_ATTEMPTS times; then it is marked FAILED, with a log line, for an operator.

The threshold must stay above the slowest task: a live task older than it would be run a
second time beside itself, which every task tolerates (each is safe to run twice) but costs.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# Written on the row of a task given up on, where django-tasks-db keeps a task's exception.
GAVE_UP = "phananh.core.task_recovery.WorkerDied"


def recover_stale_tasks(now: datetime | None = None) -> dict[str, int]:
    """Put back to READY the tasks left RUNNING by dead workers; fail those tried too often.

    Each row changes with a compare-and-swap on (status, started_at), so two runs at once, or a
    worker that finishes the task meanwhile, never see the row moved twice.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.PHANANH_TASK_STALE_SECONDS)
    most = settings.PHANANH_TASK_MAX_ATTEMPTS
    outcome = {"requeued": 0, "failed": 0}
    stale = DBTaskResult.objects.running().filter(started_at__lt=stale_before)
    for row in stale.only("id", "task_path", "started_at", "worker_ids"):
        # One claim, one worker id: how many times this task was started.
        attempts = len(row.worker_ids or [])
        mine = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if attempts < most:
            if mine.update(status=TaskResultStatus.READY):
                outcome["requeued"] += 1
                logger.warning(
                    "task %s (%s) left running since %s by worker %s: put back to run again "
                    "(attempt %d of %d)",
                    row.pk,
                    row.task_path,
                    row.started_at.isoformat(),
                    (row.worker_ids or ["?"])[-1],
                    attempts + 1,
                    most,
                )
            continue
        gave_up = mine.update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=GAVE_UP,
            traceback=(
                f"The worker running this task stopped without finishing it, {attempts} times "
                f"(workers {', '.join(row.worker_ids)}); given up after "
                f"PHANANH_TASK_MAX_ATTEMPTS={most}."
            ),
            return_value=None,
        )
        if gave_up:
            outcome["failed"] += 1
            logger.error(
                "task %s (%s) given up: its worker died %d times (PHANANH_TASK_MAX_ATTEMPTS=%d); "
                "marked failed",
                row.pk,
                row.task_path,
                attempts,
                most,
            )
    return outcome
