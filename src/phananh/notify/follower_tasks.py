"""Background work for people who follow a report by email (queued as deliveries)."""

from django_tasks import task

from . import followers


@task()
def email_followers(event_id: int) -> int:
    """Queue the mail to the followers of a report about one public step of its timeline."""
    return followers.email_followers(event_id)


@task()
def send_follow_confirmation(follower_id: int, language: str = "") -> bool:
    """Mail the link that confirms an address asking to follow a report."""
    return followers.send_confirmation(follower_id, language)
