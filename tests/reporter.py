"""The reporter's actions, as the tracking page and the API take them: through the transition
service, as the actor that the report's secret proves."""

from __future__ import annotations

from phananh.org.access import Reporter
from phananh.workflow.selectors import current_rating
from phananh.workflow.services import transition


def reporter_of(report) -> Reporter:
    return Reporter(report_id=report.pk)


def answer(*, report, text: str, photos=(), documents=()):
    """Bổ sung: the reporter answers the question asked."""
    return transition(
        report=report,
        actor=reporter_of(report),
        action="provide_info",
        data={"text": text},
        photos=photos,
        documents=documents,
    )


def rate(*, report, value: str, comment: str = ""):
    """Đánh giá: the reporter rates the result; the rating given."""
    transition(
        report=report, actor=reporter_of(report), action="rate", data={"value": value, "comment": comment}
    )
    return current_rating(report)


def dismiss_review(*, report, actor, note: str):
    """The IOC keeps the report closed after an unsatisfied rating."""
    return transition(report=report, actor=actor, action="dismiss_review", data={"note": note})
