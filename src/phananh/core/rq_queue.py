"""The RQ queue the project's tasks go through when REDIS_URL is set: every job with retries.

RQ already finds a job whose worker died: the worker refreshes the job's entry in the queue's
StartedJobRegistry with each heartbeat, and a worker's periodic maintenance takes the entries
whose heartbeat stopped as abandoned jobs. Such a job is enqueued again only if it has retries
left, and `django_tasks_rq` creates its jobs without any (it has no option for it), so this
queue gives each job PHANANH_TASK_MAX_ATTEMPTS - 1 retries when it is created. Named as the
QUEUE_CLASS of every queue in the RQ settings, it is the class both the backend (to create
jobs) and `manage.py rqworker` (to clean the registries) use.

RQ's retries also cover a task that raised: it runs again at once, up to the same number of
times, which the tasks allow (each is safe to run twice).
"""

from __future__ import annotations

from django.conf import settings
from django_rq.queues import DjangoRQ
from rq import Retry


class RetryingQueue(DjangoRQ):
    def create_job(self, *args, retry: Retry | None = None, **kwargs):
        retries = settings.PHANANH_TASK_MAX_ATTEMPTS - 1
        if retry is None and retries > 0:
            retry = Retry(max=retries)
        return super().create_job(*args, retry=retry, **kwargs)
