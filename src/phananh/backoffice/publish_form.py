"""The publish form's redaction part: the public copy's texts with what looks like personal data
highlighted, and the photos to black out, drawn from `workflow.publishing.publication_proposal`.

Without JavaScript the operator edits each text in its box and sees the highlights above it;
`redaction.js` adds a button per highlight that puts the suggestion in its place, checks the
texts again as they are edited, and a tool to draw black rectangles on each photo. Whatever the
browser does, the server checks the texts again and draws the photos' copies itself.
"""

from __future__ import annotations

import json

from django.urls import reverse

from phananh.reports.redaction import find_personal_data
from phananh.workflow.publishing import QUESTION, Proposal, field_name, publication_proposal

# The names of the inputs the template draws for the redaction (not the schema's own fields).
TEXT_INPUT = "redacted-"
PHOTO_LIST = "photo"
PHOTO_PUBLIC = "photo-{}-public"
PHOTO_RECTANGLES = "photo-{}-rectangles"


def segments(text: str, spans) -> list[dict]:
    """The text cut at the spans, for the template to mark each: [{text, span}]."""
    parts, last = [], 0
    for span in spans:
        if span.start > last:
            parts.append({"text": text[last : span.start], "span": None})
        parts.append({"text": span.text, "span": span.as_dict()})
        last = span.end
    if last < len(text):
        parts.append({"text": text[last:], "span": None})
    return parts


def _errors_of(errors: dict, name: str) -> list[str]:
    return errors.get(name, [])


def publish_context(report, *, values=None, errors=None, proposal: Proposal | None = None) -> dict:
    """What `_publish_form.html` draws; after a refused post, what was posted, checked again."""
    errors = errors or {}
    proposal = proposal or publication_proposal(report)
    texts = []
    for text in proposal.texts:
        name = TEXT_INPUT + text.key
        value = text.proposed
        spans = text.spans
        if values is not None and name in values:
            value = values.get(name, "")
            spans = None
        texts.append(
            {
                "key": text.key,
                "name": name,
                "id": f"publish-{name}",
                "label": text.label,
                "original": text.original,
                "value": value,
                "spans": spans,
                "max_length": text.max_length,
                "errors": _errors_of(errors, field_name(text.key)),
            }
        )
    for text in texts:
        if text["spans"] is None:
            # A text sent back after a refusal: highlighted as it is now.
            text["spans"] = find_personal_data(text["value"])
        text["segments"] = segments(text["value"], text["spans"])
        text["highlights"] = len(text["spans"])
    photos = []
    for photo in proposal.photos:
        attachment = photo.attachment
        public, rectangles = photo.public, photo.rectangles
        if values is not None and str(attachment.pk) in values.getlist(PHOTO_LIST):
            public = PHOTO_PUBLIC.format(attachment.pk) in values
            rectangles = _posted_rectangles(values.get(PHOTO_RECTANGLES.format(attachment.pk), ""))
        photos.append(
            {
                "id": attachment.pk,
                "stage": photo.stage,
                "public": public,
                "rectangles": json.dumps(rectangles),
                "width": attachment.width,
                "height": attachment.height,
                "src": reverse("backoffice:file", args=[attachment.pk]),
            }
        )
    confirmed = values is not None and bool(values.get("confirm_personal_data"))
    return {
        "texts": texts,
        "photos": photos,
        "highlights": sum(t["highlights"] for t in texts),
        "confirmed": confirmed,
        "confirm_errors": _errors_of(errors, "confirm_personal_data"),
        "photo_errors": _errors_of(errors, "public_photos"),
        "check_url": reverse("backoffice:publish_check", args=[report.tracking_code]),
    }


def handled_errors(errors: dict) -> set[str]:
    """The error names the redaction part shows next to its own inputs."""
    return {n for n in errors if n.startswith("redacted.") or n in ("public_photos", "confirm_personal_data")}


def _posted_rectangles(raw: str):
    try:
        rectangles = json.loads(raw or "[]")
    except ValueError:
        return raw  # the schema refuses it, with a message next to the photos
    return rectangles if isinstance(rectangles, list) else raw


def read_publish(post) -> dict:
    """The redaction part of a posted publish form, as the publish action's payload takes it."""
    redacted: dict = {"questions": {}}
    for name in post:
        if not name.startswith(TEXT_INPUT):
            continue
        key = name.removeprefix(TEXT_INPUT)
        if key.startswith(QUESTION):
            redacted["questions"][key.removeprefix(QUESTION)] = post.get(name, "")
        else:
            redacted[key] = post.get(name, "")
    data: dict = {"redacted": redacted}
    photo_ids = post.getlist(PHOTO_LIST)
    if photo_ids:
        data["public_photos"] = [
            {
                "id": photo_id,
                "public": PHOTO_PUBLIC.format(photo_id) in post,
                "rectangles": _posted_rectangles(post.get(PHOTO_RECTANGLES.format(photo_id), "")),
            }
            for photo_id in photo_ids
        ]
    return data
