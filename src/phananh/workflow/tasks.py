from django_tasks import task

from .submission import idempotency_records_prune


@task()
def prune_idempotency_records() -> int:
    """Forget the Idempotency-Keys older than the replay window (periodic)."""
    return idempotency_records_prune()
