"""Công khai: the public copy of a report, proposed to the IOC, checked, and written.

When the IOC publishes a report, what the public reads is a copy, apart from what the reporter
and the unit wrote: the title, description and address, the unit's result, the questions the
public timeline shows, and each photo (drawn again with black rectangles where the operator
covered a face, a plate or a paper). The originals stay as they were, for staff.

`publication_proposal` gives the form what to start from, with what looks like personal data
highlighted (`reports.redaction`). `prepare_publication` runs before the transaction: it takes
the texts the operator sent, looks for personal data in them again and refuses (422
`personal_data_remaining`) unless the operator confirmed, and draws the photos' public copies.
`public_fields` and `apply_photos` write the copy, inside the publish action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phananh.core.errors import ValidationFailed
from phananh.reports.files import delete_files
from phananh.reports.models import Attachment, AttachmentKind, Report
from phananh.reports.photo_redaction import read_original, render_public_copy, store_public_copy
from phananh.reports.redaction import Span, find_personal_data
from phananh.reports.search import search_document

from .models import Event, EventKind

QUESTION = "question-"
TEXT_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "address": gettext_lazy("Address"),
    "result": gettext_lazy("Result of the handling"),
}
MAX_LENGTHS = {"title": 200, "address": 300}
BEFORE, AFTER = "before", "after"


@dataclass
class PublicText:
    """One text of the public copy: what was written, and what the form starts with."""

    key: str  # "title", "description", "address", "result" or "question-<event id>"
    label: str
    original: str
    proposed: str  # the copy published before when its original is the same, else the original
    spans: list[Span] = field(default_factory=list)  # found in `proposed`

    @property
    def max_length(self) -> int:
        return MAX_LENGTHS.get(self.key, 5000)


@dataclass
class PublicPhoto:
    """A photo that may be published: the report's own ("before") or the result's ("after")."""

    attachment: Attachment
    stage: str
    public: bool
    rectangles: list[dict]


@dataclass
class Proposal:
    texts: list[PublicText]
    photos: list[PublicPhoto]


def _latest_result(report: Report) -> Event | None:
    return report.events.filter(kind=EventKind.RESULT_SUBMITTED).order_by("-created_at", "-id").first()


def _questions(report: Report) -> list[Event]:
    return list(report.events.filter(kind=EventKind.INFO_REQUESTED).order_by("created_at", "id"))


def _question_text(event: Event) -> str:
    return (event.data or {}).get("public_note") or event.note


def _has_public_copy(report: Report) -> bool:
    return bool(report.public_description)


def _published_result_id(report: Report) -> int | None:
    """The result event whose text the current public copy holds (written on the published event)."""
    published = report.events.filter(kind=EventKind.PUBLISHED).order_by("-created_at", "-id").first()
    return (published.data or {}).get("result_event") if published else None


def candidate_texts(report: Report) -> list[PublicText]:
    """The texts the public may read of the report, each with what the form starts from."""
    copied = _has_public_copy(report)
    texts = []
    for key, original, public in (
        ("title", report.title, report.public_title),
        ("description", report.description, report.public_description),
        ("address", report.address, report.public_address),
    ):
        if key == "description" or original or public:
            texts.append(PublicText(key, str(TEXT_LABELS[key]), original, public if copied else original))
    result = _latest_result(report)
    if result is not None and result.note:
        same = copied and _published_result_id(report) == result.pk
        proposed = report.public_result if same else result.note
        texts.append(PublicText("result", str(TEXT_LABELS["result"]), result.note, proposed))
    for event in _questions(report):
        original = _question_text(event)
        if original:
            label = _("Question to the reporter (%(when)s)") % {"when": f"{event.created_at:%d/%m/%Y}"}
            proposed = report.public_notes.get(str(event.pk), original)
            texts.append(PublicText(f"{QUESTION}{event.pk}", label, original, proposed))
    return texts


def candidate_photos(report: Report) -> list[PublicPhoto]:
    """The photos sent with the report and those of the latest result, with what is proposed.

    A photo with a public copy keeps its choice and rectangles; one without is proposed public
    unless the report was published before without it (the operator kept it private then).
    """
    result = _latest_result(report)
    events = [e for e in (report.events.filter(kind=EventKind.SUBMITTED).first(), result) if e]
    photos = Attachment.objects.filter(
        report=report, kind=AttachmentKind.PHOTO, event__in=[e.pk for e in events]
    ).order_by("id")
    copied = _has_public_copy(report)
    return [
        PublicPhoto(
            attachment=photo,
            stage=AFTER if result is not None and photo.event_id == result.pk else BEFORE,
            public=bool(photo.public_file) or not copied,
            rectangles=list(photo.redactions) if photo.public_file else [],
        )
        for photo in photos
    ]


def publication_proposal(report: Report) -> Proposal:
    """What the publish form starts from, with what looks like personal data in each text."""
    texts = candidate_texts(report)
    for text in texts:
        text.spans = find_personal_data(text.proposed)
    return Proposal(texts, candidate_photos(report))


# --- checking what the operator sent -----------------------------------------------------------


@dataclass
class PreparedPhoto:
    attachment: Attachment
    public: bool
    rectangles: list[dict]
    # The new public copy and thumbnail; None keeps the copy the photo has (or clears it).
    files: tuple[str, str] | None = None


@dataclass
class PreparedPublication:
    texts: dict[str, str]  # key -> the text as published
    photos: list[PreparedPhoto]
    others: list[Attachment]  # photos of the report that may not be published (any more)
    result_event: int | None
    confirmed: int  # passages that still looked like personal data, published on confirmation


def _invalid(name: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, fields={name: [message]})


def _final_texts(report: Report, redacted) -> dict[str, str]:
    """The text of each candidate: what was sent, else what is proposed."""
    candidates = {t.key: t for t in candidate_texts(report)}
    sent: dict[str, str | None] = {}
    if redacted is not None:
        sent = {key: getattr(redacted, key) for key in TEXT_LABELS}
        for event_id, text in redacted.questions.items():
            key = f"{QUESTION}{event_id}"
            if key not in candidates:
                raise _invalid(f"redacted.questions.{event_id}", "unknown_question", _("No such question."))
            sent[key] = text
    texts = {
        key: (sent[key] if sent.get(key) is not None else text.proposed) for key, text in candidates.items()
    }
    for key in ("title", "address"):
        if sent.get(key) is not None:
            texts[key] = sent[key]  # a public title may be given where the reporter wrote none
    if sent.get("result") is not None and "result" not in candidates:
        raise _invalid("redacted.result", "no_result", _("This report has no result to publish."))
    if not texts["description"].strip():
        message = _("Write the description the public will read.")
        raise _invalid("redacted.description", "public_description_required", message)
    return texts


def field_name(key: str) -> str:
    """The name of a text's field in errors: `redacted.description`, `redacted.questions.12`."""
    if key.startswith(QUESTION):
        return f"redacted.questions.{key.removeprefix(QUESTION)}"
    return f"redacted.{key}"


def _personal_data_remaining(remaining: dict[str, list[Span]]) -> ValidationFailed:
    count = sum(len(spans) for spans in remaining.values())
    kinds = ", ".join(dict.fromkeys(s.label.lower() for spans in remaining.values() for s in spans))
    message = _(
        "The public text still holds %(count)d passages that look like personal data (%(kinds)s). "
        "Replace or edit them, or tick the confirmation if they are not personal data."
    ) % {"count": count, "kinds": kinds}
    fields = {
        field_name(key): [
            _("Still looks like personal data: %(found)s")
            % {"found": ", ".join(f"“{s.text}”" for s in spans)}
        ]
        for key, spans in remaining.items()
    }
    fields["confirm_personal_data"] = [_("Tick this to publish what is still highlighted.")]
    return ValidationFailed(
        "personal_data_remaining",
        message,
        fields=fields,
        extra={"personal_data": {key: [s.as_dict() for s in spans] for key, spans in remaining.items()}},
    )


def _rectangles(choice) -> list[dict]:
    return [
        {"x": round(r.x, 4), "y": round(r.y, 4), "width": round(r.width, 4), "height": round(r.height, 4)}
        for r in choice.rectangles
    ]


def _prepared_photos(report: Report, chosen, written: list[str]) -> tuple[list[PreparedPhoto], list]:
    candidates = candidate_photos(report)
    by_id = {p.attachment.pk: p for p in candidates}
    choices = {}
    for choice in chosen or []:
        if choice.id not in by_id:
            message = _("This photo is not one the public may see (%(id)d).") % {"id": choice.id}
            raise _invalid("public_photos", "unknown_photo", message)
        choices[choice.id] = choice
    prepared = []
    for candidate in candidates:
        photo = candidate.attachment
        choice = choices.get(photo.pk)
        public = choice.public if choice else candidate.public
        rectangles = _rectangles(choice) if choice else candidate.rectangles
        item = PreparedPhoto(photo, public, rectangles if public else [])
        if public and not (photo.public_file and rectangles == list(photo.redactions)):
            try:
                original = read_original(photo)
            except OSError as exc:
                message = _("A photo of this report cannot be read: keep it private or ask an administrator.")
                raise _invalid("public_photos", "photo_unreadable", message) from exc
            item.files = store_public_copy(render_public_copy(original, rectangles), written)
        prepared.append(item)
    others = list(
        Attachment.objects.filter(report=report, kind=AttachmentKind.PHOTO)
        .exclude(pk__in=list(by_id))
        .exclude(public_file="")
    )
    return prepared, others


def prepare_publication(*, report: Report, payload, written: list[str]) -> PreparedPublication:
    """Check the public copy the operator sent and draw its photos; before the transaction.

    Refuses (422 `personal_data_remaining`, with each passage in `personal_data`) when the
    texts still hold what looks like personal data and `confirm_personal_data` is not given.
    """
    texts = _final_texts(report, payload.redacted)
    remaining = {key: spans for key, text in texts.items() if (spans := find_personal_data(text))}
    if remaining and not payload.confirm_personal_data:
        raise _personal_data_remaining(remaining)
    photos, others = _prepared_photos(report, payload.public_photos, written)
    result = _latest_result(report)
    return PreparedPublication(
        texts=texts,
        photos=photos,
        others=others,
        result_event=result.pk if result is not None and "result" in texts else None,
        confirmed=sum(len(spans) for spans in remaining.values()),
    )


# --- writing it, inside the publish action ----------------------------------------------------


def public_fields(report: Report, prepared: PreparedPublication) -> dict:
    """The report's public copy, and the search words taken from it (never from the originals)."""
    texts = prepared.texts
    title, description, address = texts.get("title", ""), texts["description"], texts.get("address", "")
    return {
        "public_title": title,
        "public_description": description,
        "public_address": address,
        "public_result": texts.get("result", ""),
        "public_notes": {
            key.removeprefix(QUESTION): text for key, text in texts.items() if key.startswith(QUESTION)
        },
        "search_text": search_document(
            tracking_code=report.tracking_code, title=title, description=description, address=address
        ),
    }


def _replaced(photo: Attachment) -> list[str]:
    # Copies made before redaction existed are the original files themselves: never deleted here.
    kept = {photo.file.name, photo.thumbnail.name}
    return [f.name for f in (photo.public_file, photo.public_thumbnail) if f and f.name not in kept]


def apply_photos(prepared: PreparedPublication) -> dict:
    """Point each photo at its public copy (or at none); old copies are deleted after the commit.

    Returns what the published event records: which photos went public, with how many rectangles.
    """
    old: list[str] = []
    public = []
    for item in prepared.photos:
        photo = item.attachment
        if item.public and item.files is None:
            public.append({"id": photo.pk, "rectangles": len(item.rectangles)})
            continue
        old += _replaced(photo)
        new_file, new_thumb = item.files or ("", "")
        Attachment.objects.filter(pk=photo.pk).update(
            public_file=new_file, public_thumbnail=new_thumb, redactions=item.rectangles
        )
        if item.public:
            public.append({"id": photo.pk, "rectangles": len(item.rectangles)})
    for photo in prepared.others:
        old += _replaced(photo)
        Attachment.objects.filter(pk=photo.pk).update(public_file="", public_thumbnail="", redactions=[])
    if old:
        transaction.on_commit(lambda: delete_files(old))
    data = {
        "public_photos": public,
        "private_photos": [i.attachment.pk for i in prepared.photos if not i.public],
        "result_event": prepared.result_event,
    }
    if prepared.confirmed:
        data["personal_data_confirmed"] = prepared.confirmed
    return data
