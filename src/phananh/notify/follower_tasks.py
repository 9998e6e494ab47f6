"""Background work for people who follow a report by email (queued as deliveries)."""

from django_tasks import TaskContext, task

from . import followers


@task()
def email_followers(event_id: int) -> int:
    """Queue the mail to the followers of a report about one public step of its timeline."""
    return followers.email_followers(event_id)


@task(takes_context=True)
def send_follow_confirmation(context: TaskContext, follower_id: int, language: str = "") -> bool:
    """Mail the link that confirms an address asking to follow a report."""
    # The run's id is the same when a dead worker's task runs again: one mail per request.
    return followers.send_confirmation(follower_id, language, request=context.task_result.id)
