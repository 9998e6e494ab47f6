from django_tasks import task

from . import late_risk


@task()
def relearn_late_risk() -> int:
    """Learn the late-risk model again once the shared one is an hour old (periodic); the number
    of moments it was fitted on."""
    return late_risk.relearn().samples
