"""Kênh Zalo: a report written in a chat with the province's Zalo Official Account.

The webhook (`webhook`) checks each event's signature, its age and its id, keeps it and hands it
to a task (`handle_event`), so that it answers Zalo at once whatever the work. The task runs the
conversation: the description, photos (several in a row), the place (a location message or an
address typed), the consent to the current text, a summary to confirm; then the report goes
through the common intake (channel `zalo`, the user's Zalo id kept on it) and the user gets its
tracking code. The steps may come in any order. "hủy" cancels; a draft left longer than
PHANANH_ZALO_DRAFT_HOURS is forgotten and the user told so; "tình trạng PA-26-XXXXXX" answers the
status of one of the user's own reports. Every answer is a message of the delivery log (retried
like the others); a user who unfollowed gets nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import unicodedata
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from phananh.core.errors import ApplicationError
from phananh.core.geo import in_vietnam
from phananh.core.tasks import enqueue_on_commit
from phananh.notify.delivery import forget_recipients, queue_message
from phananh.notify.models import Delivery, ZaloUnfollower
from phananh.reports.codes import normalise_tracking_code
from phananh.reports.consent import CURRENT_CONSENT_VERSION, consent_text
from phananh.reports.files import Upload
from phananh.reports.images import process_photo
from phananh.reports.intake import validate_submission
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.workflow.submission import report_submit

from .models import ZaloConversation, ZaloDraftPhoto, ZaloInbox

logger = logging.getLogger(__name__)

EVENTS = ("user_send_text", "user_send_image", "user_send_location", "follow", "unfollow")
# The largest body the webhook reads: a 2,000-character message is far less; 100 kB is read, to
# tell its sender that it is too long.
MAX_BODY_BYTES = 512 * 1024
# Answers to the question of consent, as typed without accents.
YES, NO = ("dong y", "co", "ok", "yes"), ("khong", "khong dong y", "no")
# The purpose of the OA's answers in the delivery log.
CHAT_PURPOSE = "zalo_chat"
# A report no longer being handled.
FINISHED = (Status.CLOSED, Status.REJECTED, Status.MERGED)


# --- The webhook ---------------------------------------------------------------------------------


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def signature(app_id: str, body: bytes, timestamp: str) -> str:
    """`mac=` + SHA-256 of app id, raw body, timestamp and the OA's secret key, as Zalo signs."""
    data = app_id.encode() + body + timestamp.encode() + settings.PHANANH_ZALO_OA_SECRET_KEY.encode()
    return "mac=" + hashlib.sha256(data).hexdigest()


def _user_of(payload: dict) -> str:
    who = (
        payload.get("follower")
        if payload.get("event_name") in ("follow", "unfollow")
        else payload.get("sender")
    )
    user = who.get("id") if isinstance(who, dict) else None
    return str(user)[:64] if isinstance(user, str | int) else ""


def _take(key: str, seconds: int) -> int:
    """Add one to the counter at `key` and return the new count, atomically (see org.throttle)."""
    for _attempt in range(3):
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:
            continue
        if count == 1:
            cache.touch(key, seconds)
        return count
    raise RuntimeError(f"the cache did not keep the counter {key}")


@csrf_exempt
@require_POST
def webhook(request):
    """Receive one event of the OA; the work is done by `handle_event`, after the answer."""
    if not settings.PHANANH_ZALO_OA_SECRET_KEY:
        return _refuse(404, "zalo_not_configured", "The Zalo webhook is not configured.")
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return _refuse(413, "event_too_large", "The event is too large.")
    body = request.body
    try:
        payload = json.loads(body)
        app_id, timestamp = str(payload["app_id"]), str(payload["timestamp"])
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "invalid_event", "The body is not a Zalo event.")
    given = request.headers.get("X-ZEvent-Signature", "")
    if not hmac.compare_digest(given.encode(), signature(app_id, body, timestamp).encode()):
        return _refuse(401, "invalid_signature", "The event's signature is missing or wrong.")
    if app_id != settings.PHANANH_ZALO_APP_ID:
        return _refuse(403, "unknown_app", "The event is for another app.")
    try:
        age = abs(time.time() - int(timestamp) / 1000)
    except (ValueError, OverflowError):
        age = None
    if age is None or age > settings.PHANANH_ZALO_EVENT_MAX_AGE_SECONDS:
        return _refuse(403, "stale_event", "The event is too old: it may be a replay.")
    name, user = str(payload.get("event_name", ""))[:40], _user_of(payload)
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    event_id = str(message.get("msg_id") or "")[:128] or "sha256:" + hashlib.sha256(body).hexdigest()
    # Other things users send (stickers, files, voice...) are answered with what can be used.
    if not (name in EVENTS or name.startswith("user_send_")) or not user:
        return JsonResponse({"code": "ignored", "message": "This kind of event is not used."})
    count = _take(f"zalo:events:{hashlib.sha256(user.encode()).hexdigest()}", 60)
    if count > settings.PHANANH_ZALO_EVENTS_PER_MINUTE:
        if count == settings.PHANANH_ZALO_EVENTS_PER_MINUTE + 1:
            with translation.override("vi"):
                _reply(
                    user,
                    f"slow:{event_id}",
                    _(
                        "You are sending messages too fast. Wait a minute, "
                        "then send again what was not answered."
                    ),
                )
        return _refuse(429, "too_many_events", "Too many events from this user; try again in a minute.")
    try:
        with transaction.atomic():
            received = ZaloInbox.objects.create(event_id=event_id, name=name, user_id=user, payload=payload)
            enqueue_on_commit(_handle_event_task(), received.pk)
    except IntegrityError:
        return _refuse(409, "replayed_event", "This event was already received.")
    return JsonResponse({"code": "accepted", "message": "Accepted."})


def _handle_event_task():
    from .tasks import handle_event

    return handle_event


# --- The conversation ----------------------------------------------------------------------------


def _reply(user: str, key: str, text: str) -> None:
    queue_message(
        channel="zalo", to=user, subject="", body=text, purpose=CHAT_PURPOSE, dedupe_key=f"zalo_chat:{key}"
    )


def _words(text: str) -> str:
    """What was typed, lower case and without accents: "Hủy" and "huy" are one word."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.lower().replace(".", " ").replace("!", " ").split())


def handle_event(event_pk: int) -> str:
    """Run the conversation for one event; each event is handled once."""
    with transaction.atomic():
        event = ZaloInbox.objects.select_for_update().filter(pk=event_pk, handled_at=None).first()
        if event is None:
            return "done already"
        with translation.override("vi"):
            outcome = _handle(event)
        event.payload, event.handled_at = {}, timezone.now()
        event.save(update_fields=["payload", "handled_at"])
    ZaloInbox.objects.filter(received_at__lt=timezone.now() - timedelta(days=2)).delete()
    return outcome


def _handle(event: ZaloInbox) -> str:
    user, payload = event.user_id, event.payload
    if event.name == "unfollow":
        ZaloUnfollower.objects.get_or_create(user_id=user)
        ZaloConversation.objects.filter(user_id=user).delete()
        return "unfollowed"
    ZaloUnfollower.objects.filter(user_id=user).delete()
    conversation, _created = ZaloConversation.objects.select_for_update().get_or_create(user_id=user)
    reply = Reply(user, event.event_id)
    if event.name == "follow":
        reply.say(
            _(
                "Welcome. To report a problem in the province, describe it "
                "here; you can add photos and the place."
            )
        )
        return reply.send()
    if _expired(conversation):
        _clear(conversation)
        reply.say(
            _(
                "The report you were writing was left more than %(hours)d hours "
                "and has been deleted. Start again if you wish."
            )
            % {"hours": settings.PHANANH_ZALO_DRAFT_HOURS}
        )
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    if event.name == "user_send_text":
        _text(conversation, str(message.get("text") or ""), reply)
    elif event.name not in EVENTS:
        reply.say(_("Only text, photos and locations can be used for a report."))
    else:
        for attachment in message.get("attachments") or []:
            if isinstance(attachment, dict):
                _attachment(conversation, attachment, reply)
    return reply.send()


class Reply:
    """The answer to one event, said in parts and sent as one message."""

    def __init__(self, user: str, key: str):
        self.user, self.key, self.parts = user, key, []

    def say(self, text: str) -> None:
        self.parts.append(text)

    def send(self) -> str:
        if self.parts:
            _reply(self.user, self.key, "\n".join(self.parts))
        return "answered" if self.parts else "silent"


def _expired(conversation: ZaloConversation) -> bool:
    started = conversation.draft_updated_at
    return started is not None and started < timezone.now() - timedelta(
        hours=settings.PHANANH_ZALO_DRAFT_HOURS
    )


def _clear(conversation: ZaloConversation) -> None:
    conversation.photos.all().delete()
    conversation.description = conversation.address = conversation.step = conversation.consent_version = ""
    conversation.latitude = conversation.longitude = None
    conversation.draft_updated_at = None
    conversation.save()


def _touch(conversation: ZaloConversation, reply: Reply) -> None:
    if conversation.draft_updated_at is None:
        open_reports = Report.objects.filter(zalo_user_id=conversation.user_id).exclude(status__in=FINISHED)
        codes = list(open_reports.order_by("-pk").values_list("tracking_code", flat=True)[:3])
        if codes:
            reply.say(
                _("This is a new report; your report %(codes)s is still being handled.")
                % {"codes": ", ".join(codes)}
            )
    conversation.draft_updated_at = timezone.now()


def _text(conversation: ZaloConversation, text: str, reply: Reply) -> None:
    text = text.strip()
    if len(text) > settings.PHANANH_ZALO_MAX_TEXT_CHARS:
        reply.say(
            _(
                "Your message is too long (%(count)d characters; at most %(limit)d). Send "
                "a shorter description, in several messages if needed."
            )
            % {"count": len(text), "limit": settings.PHANANH_ZALO_MAX_TEXT_CHARS}
        )
        return
    words = _words(text)
    if words.startswith("tinh trang"):
        _status(conversation.user_id, text[len("tình trạng") :], reply)
        return
    if words in ("huy", "huy bo"):
        if conversation.draft_updated_at is None:
            reply.say(_("You have no report being written."))
        else:
            _clear(conversation)
            reply.say(_("Your report was cancelled and nothing was sent."))
        return
    if conversation.step in ("consent", "confirm") and words in YES:
        conversation.consent_version = CURRENT_CONSENT_VERSION
        _next(conversation, reply)
        return
    if conversation.step == "consent" and words in NO:
        reply.say(
            _("Without your consent the report cannot be sent. Reply ĐỒNG Ý to agree, or HỦY to cancel.")
        )
        return
    if conversation.step == "confirm" and words in ("gui", "xac nhan", "gui di"):
        _submit(conversation, reply)
        return
    if not text:
        _next(conversation, reply)
        return
    _touch(conversation, reply)
    if not conversation.description:
        conversation.description = text
    elif conversation.latitude is None and not conversation.address:
        conversation.address = text[:300]
        reply.say(_("Place noted: %(address)s") % {"address": conversation.address})
    else:
        conversation.description = f"{conversation.description}\n{text}"
    _next(conversation, reply)


def _attachment(conversation: ZaloConversation, attachment: dict, reply: Reply) -> None:
    kind, content = attachment.get("type"), attachment.get("payload")
    content = content if isinstance(content, dict) else {}
    if kind == "location":
        _location(conversation, content.get("coordinates"), reply)
    elif kind == "image":
        _photo(conversation, str(content.get("url") or ""), reply)
    else:
        reply.say(_("Only text, photos and locations can be used for a report."))


def _location(conversation: ZaloConversation, coordinates, reply: Reply) -> None:
    try:
        latitude = Decimal(str(coordinates["latitude"])).quantize(Decimal("0.000001"))
        longitude = Decimal(str(coordinates["longitude"])).quantize(Decimal("0.000001"))
    except (KeyError, TypeError, InvalidOperation):
        reply.say(_("This location could not be read. Share your location again, or type the address."))
        return
    if not in_vietnam(float(latitude), float(longitude)):
        reply.say(
            _("This location is outside Vietnam. Share the place where the problem is, or type its address.")
        )
        return
    _touch(conversation, reply)
    conversation.latitude, conversation.longitude = latitude, longitude
    reply.say(_("Location received."))
    _next(conversation, reply)


def _download(url: str) -> bytes | None:
    if not url.startswith(("https://", "http://")):
        return None
    limit = settings.PHANANH_MAX_PHOTO_BYTES
    try:
        with urllib.request.urlopen(url, timeout=settings.PHANANH_DELIVERY_HTTP_TIMEOUT) as response:  # noqa: S310
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                return b""
            data = response.read(limit + 1)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return None
    return b"" if len(data) > limit else data


def _photo(conversation: ZaloConversation, url: str, reply: Reply) -> None:
    if conversation.photos.count() >= settings.PHANANH_MAX_PHOTOS:
        reply.say(
            _("At most %(n)d photos per report: this one was not added.") % {"n": settings.PHANANH_MAX_PHOTOS}
        )
        return
    data = _download(url)
    if data is None:
        reply.say(_("This photo could not be downloaded from Zalo. Send it again."))
        return
    try:
        process_photo(data)
    except ApplicationError:
        reply.say(
            _(
                "What you sent is not a photo we can use (JPEG, PNG, WebP or HEIC, "
                "at most %(mb)d MB). Take a photo and send it again."
            )
            % {"mb": settings.PHANANH_MAX_PHOTO_BYTES // (1024 * 1024)}
        )
        return
    _touch(conversation, reply)
    conversation.save()
    ZaloDraftPhoto.objects.create(conversation=conversation, data=data)
    reply.say(_("Photo received (%(n)d in all).") % {"n": conversation.photos.count()})
    _next(conversation, reply)


def _next(conversation: ZaloConversation, reply: Reply) -> None:
    """Ask for what is missing, the consent, or the confirmation."""
    has_place = conversation.latitude is not None or conversation.address
    if not conversation.description:
        conversation.step = ""
        reply.say(_("Describe the problem in a message: what is happening?"))
    elif not has_place:
        conversation.step = ""
        reply.say(
            _(
                "Where is it? Share your location (the + button, then Location), "
                "or type the address. You can also send photos."
            )
        )
    elif conversation.consent_version != CURRENT_CONSENT_VERSION:
        conversation.step = "consent"
        reply.say(consent_text(CURRENT_CONSENT_VERSION))
        reply.say(_("Reply ĐỒNG Ý to agree, or HỦY to cancel."))
    else:
        conversation.step = "confirm"
        place = conversation.address or f"{conversation.latitude}, {conversation.longitude}"
        reply.say(
            _(
                "Your report:\n%(description)s\nPlace: %(place)s\nPhotos: "
                "%(photos)d\nReply GỬI to send it, HỦY to cancel, or add more."
            )
            % {"description": conversation.description, "place": place, "photos": conversation.photos.count()}
        )
    conversation.save()


def _submit(conversation: ZaloConversation, reply: Reply) -> None:
    raw = {
        "description": conversation.description,
        "address": conversation.address,
        # Degrees as text, as a form sends them (the intake reads the Vietnamese comma too).
        "latitude": str(conversation.latitude) if conversation.latitude is not None else None,
        "longitude": str(conversation.longitude) if conversation.longitude is not None else None,
        "contact_channel": "zalo",
        "consent": True,
        "consent_version": conversation.consent_version,
    }
    photos = [
        Upload(name=f"zalo-{i}", data=bytes(p.data))
        for i, p in enumerate(conversation.photos.order_by("pk"), 1)
    ]
    try:
        submission = validate_submission(raw, channel="zalo", zalo_user_id=conversation.user_id)
        submitted = report_submit(submission=submission, photos=photos)
    except ApplicationError as error:
        problems = [m for messages in (error.fields or {}).values() for m in messages] or [error.message]
        reply.say(
            _(
                "The report could not be sent: %(problems)s Correct it by "
                "sending a new message, or HỦY to cancel."
            )
            % {"problems": " ".join(problems)}
        )
        return
    _clear(conversation)
    code = submitted.report.tracking_code
    reply.say(
        _(
            "Your report was sent. Its tracking code is %(code)s. To see "
            "where it stands, send: tình trạng %(code)s"
        )
        % {"code": code}
    )


def _status(user: str, typed: str, reply: Reply) -> None:
    code = normalise_tracking_code(typed)
    report = Report.objects.filter(tracking_code=code, zalo_user_id=user).first() if code else None
    if report is None:
        reply.say(
            _(
                "No report with this code was sent from your Zalo account. "
                "Check the code, e.g. tình trạng PA-26-ABCDEF."
            )
        )
        return
    reply.say(
        _("Report %(code)s: %(status)s.")
        % {"code": report.tracking_code, "status": report.get_status_display()}
    )


# --- Erasure -------------------------------------------------------------------------------------


def forget_users(*, zalo_user_ids: list[str], **_others) -> int:
    """Erase what is kept of these users' conversations: drafts, photos, events, the OA's answers
    (privacy's hook)."""
    ids = [i for i in zalo_user_ids if i]
    if not ids:
        return 0
    chat = Delivery.objects.filter(channel="zalo", purpose=CHAT_PURPOSE, to_address__in=ids)
    forget_recipients(chat.values_list("pk", flat=True))
    ZaloInbox.objects.filter(user_id__in=ids).update(payload={}, user_id="")
    ZaloUnfollower.objects.filter(user_id__in=ids).delete()
    deleted, _counts = ZaloConversation.objects.filter(user_id__in=ids).delete()
    return deleted
