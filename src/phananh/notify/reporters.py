"""Tin cho người phản ánh: the reporter hears of each public step of their report.

Received (with the tracking code and the link to follow it), rejected (with the reason),
dispatched by the IOC, information requested (the question), result sent (published or kept
private by the IOC: the reporter may rate it from then on), reopened. The messages that ask
something of the reporter (an answer, a rating) carry their private link, which proves them
on the tracking page without the secret; the others carry the plain tracking link.
One message per step, through one channel: the one the reporter chose if it can be used,
else Zalo for a report sent through Zalo, else email, else SMS. Anonymous reports and
reporters who asked for no messages get nothing. The texts are `MessageTemplate` rows that
administrators edit; a step whose template is missing or switched off sends nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from phananh.reports.codes import private_link_token
from phananh.reports.models import Channel, Follower, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind

from .delivery import queue_message
from .models import Delivery, MessageChannel, MessageTemplate

logger = logging.getLogger(__name__)

# Event kind -> the purpose of the message (and of its template).
PURPOSES = {
    EventKind.SUBMITTED: "report_received",
    EventKind.REJECTED: "report_rejected",
    EventKind.DISPATCHED: "report_dispatched",
    EventKind.INFO_REQUESTED: "info_requested",
    EventKind.PUBLISHED: "result_published",
    # Kept private is an internal step, but the result still goes to the reporter, with the
    # same words: it was handled, see it and rate it.
    EventKind.KEPT_PRIVATE: "result_published",
    EventKind.REOPENED: "report_reopened",
}
# Messages that ask the reporter to act (answer a question, rate the result): their private link.
ASKING_PURPOSES = frozenset({"info_requested", "result_published"})
RESULT_KINDS = (EventKind.PUBLISHED, EventKind.KEPT_PRIVATE)


def _addresses(report: Report) -> dict[str, str]:
    """Each channel the reporter can be reached through, and the address on it."""
    addresses = {}
    if report.channel == Channel.ZALO and report.zalo_user_id:
        addresses[MessageChannel.ZALO] = report.zalo_user_id
    if report.reporter_email:
        addresses[MessageChannel.EMAIL] = report.reporter_email
    if report.reporter_phone:
        addresses[MessageChannel.SMS] = report.reporter_phone
    return addresses


def reporter_channel(report: Report) -> tuple[str, str] | None:
    """(channel, address) to write to the reporter through, or None for nobody."""
    if report.is_anonymous or report.notifications_opt_out:
        return None
    addresses = _addresses(report)
    if report.contact_channel in addresses:
        return report.contact_channel, addresses[report.contact_channel]
    for channel in (MessageChannel.ZALO, MessageChannel.EMAIL, MessageChannel.SMS):
        if channel in addresses:
            return channel, addresses[channel]
    return None


def _first_dispatch_by_ioc(event: Event) -> bool:
    """The IOC's first dispatch: not a unit passing it down, nor a dispatch again after a return."""
    from phananh.org.access import ioc_root

    root = ioc_root()
    if root is None or (event.data or {}).get("from_unit") != root.pk:
        return False
    earlier = Event.objects.filter(
        report_id=event.report_id, kind=EventKind.DISPATCHED, data__from_unit=root.pk, pk__lt=event.pk
    )
    return not earlier.exists()


def _first_result_decision(event: Event) -> bool:
    """The IOC's first decision (publish or keep private) on this result: the one that sends it.
    Changing the decision later tells the reporter nothing new."""
    if event.kind not in RESULT_KINDS:
        return True
    verified = (
        Event.objects.filter(report_id=event.report_id, kind=EventKind.VERIFIED, pk__lt=event.pk)
        .order_by("-pk")
        .first()
    )
    earlier = Event.objects.filter(report_id=event.report_id, kind__in=RESULT_KINDS, pk__lt=event.pk)
    if verified is not None:
        earlier = earlier.filter(pk__gt=verified.pk)
    return not earlier.exists()


def tracking_link(report: Report) -> str:
    return settings.SITE_ROOT.rstrip("/") + reverse("portal:track", args=[report.tracking_code])


def private_link(report: Report) -> str:
    """The tracking link that also proves the reporter (a signed token, not the secret)."""
    return f"{tracking_link(report)}?token={private_link_token(report)}"


def render(template: MessageTemplate, context: dict) -> tuple[str, str]:
    """The subject (on one line) and the body of a template with this context."""
    subject = Template(template.subject).render(Context(context, autoescape=False))
    body = Template(template.body).render(Context(context, autoescape=False))
    return " ".join(subject.split()), body.strip()


def queue_reporter_messages(event: Event) -> list[Delivery]:
    """Queue the message telling the reporter of this event, if it is one they hear of."""
    purpose = PURPOSES.get(event.kind)
    if purpose is None or not (event.is_public or event.kind == EventKind.KEPT_PRIVATE):
        return []
    if event.kind == EventKind.DISPATCHED and not _first_dispatch_by_ioc(event):
        return []
    if not _first_result_decision(event):
        return []
    report = event.report
    target = reporter_channel(report)
    if target is None:
        return []
    channel, address = target
    template = MessageTemplate.objects.filter(purpose=purpose, channel=channel, is_active=True).first()
    if template is None:
        logger.warning("no active template for %s (%s): report %s not told", purpose, channel, report.pk)
        return []
    status = event.status_after or report.status
    with translation.override(settings.LANGUAGE_CODE):
        status_label = str(Status(status).label) if status in Status.values else status
    context = {
        "code": report.tracking_code,
        "status": status_label,
        "link": private_link(report) if purpose in ASKING_PURPOSES else tracking_link(report),
        "public_link": tracking_link(report),
        "note": (event.data or {}).get("public_note", ""),
        "title": report.title,
    }
    try:
        subject, body = render(template, context)
    except TemplateSyntaxError:
        logger.warning("message template %s (%s) is not a valid template", purpose, channel)
        return []
    delivery = queue_message(
        channel=channel,
        to=address,
        subject=subject,
        body=body,
        purpose=purpose,
        report=report,
        event=event,
        dedupe_key=f"reporter:{purpose}:{event.pk}:{channel}",
    )
    return [delivery]


def deliveries_to_reporters(reports) -> dict[int, list[int]]:
    """The messages sent to the reporter of each of `reports`: {report id: [delivery ids]}.

    `reports` are Report rows whose contact is still there. A reporter's messages are those of
    their report written for them (this module's, `reporter:` keys), those of their report sent
    to one of their addresses (they followed it by email too), and the news of the report that
    theirs was merged into, sent to their email as a follower through it. Never the messages of
    other people who follow the same report.
    """
    by_id = {report.pk: report for report in reports}
    addresses = {
        pk: {a.lower() for a in (r.reporter_email, r.reporter_phone, r.zalo_user_id) if a}
        for pk, r in by_id.items()
    }
    # The reports these ones were merged into, each with the duplicates that follow it.
    following: dict[int, list[int]] = {}
    for original, duplicate in Follower.objects.filter(via_report__in=list(by_id)).values_list(
        "report_id", "via_report_id"
    ):
        following.setdefault(original, []).append(duplicate)
    mine: dict[int, list[int]] = {pk: [] for pk in by_id}
    rows = Delivery.objects.filter(report_id__in=set(by_id) | set(following)).values_list(
        "pk", "report_id", "to_address", "dedupe_key"
    )
    for pk, report_id, to_address, key in rows.order_by("pk"):
        address = to_address.lower()
        if report_id in by_id and (key.startswith("reporter:") or address in addresses[report_id]):
            mine[report_id].append(pk)
        for duplicate in following.get(report_id, ()):
            email = by_id[duplicate].reporter_email.lower()
            if email and address == email and pk not in mine[duplicate]:
                mine[duplicate].append(pk)
    return mine
