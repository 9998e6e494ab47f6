"""Training the suggestions from the IOC's decisions, storing the model, and suggesting.

- `decisions()`: every accepted report as a labelled example: the field and urgency of its
  acceptance, and the lead unit of the IOC's first dispatch that was not returned to it.
- `model_train()`: fits on those (blended with the cold-start examples while they are few),
  measures the fit on the newer part of them, writes the model through Django's storage and
  makes it the current one. Every node then loads that file (`current_model`).
- `suggestion_refresh(report)`: the stored suggestion of a report, computed off the request.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from phananh.org.access import ioc_root
from phananh.org.models import Unit
from phananh.reports.models import AttachmentKind, Category, Report
from phananh.workflow.models import Event, EventKind, RoutingRule

from . import learning, seeds
from .models import Suggestion, TriageModel

logger = logging.getLogger(__name__)

STORAGE_DIR = "triage"
TRAINING_LOCK = "triage:training"
# Model files kept: the current one's and the one before (a node may still be reading it). A file
# holds the words of the reports it learned from, erased ones included, until it is deleted.
KEPT_FILES = 2
# The fitted model in the shared cache, by version (or the cold start's fingerprint): what a new
# process reads first. Written only by this module, from a model it fitted or read from storage.
SHARED_MODEL = "triage:model"
SHARED_MODEL_MAX_BYTES = 32 * 1024 * 1024
SHARED_MODEL_SECONDS = 24 * 3600


# --- the examples ----------------------------------------------------------------------------------


def _report_text(title: str, description: str) -> str:
    return f"{title}. {description}" if title else description


def decisions(reports=None) -> list[learning.Example]:
    """The deployment's decisions as labelled examples, oldest first (at = the report's reception).

    `reports` narrows them (a queryset of reports), e.g. to the older part for an evaluation.
    """
    ioc = ioc_root()
    ioc_id = ioc.pk if ioc else None
    events = Event.objects.filter(
        kind__in=[EventKind.ACCEPTED, EventKind.DISPATCHED, EventKind.RETURNED]
    ).order_by("report_id", "created_at", "id")
    if reports is not None:
        events = events.filter(report__in=reports)
    labels: dict[int, dict] = {}
    for report_id, kind, data in events.values_list("report_id", "kind", "data").iterator(chunk_size=5000):
        label = labels.setdefault(report_id, {"unit": None, "pending": None})
        if kind == EventKind.ACCEPTED:
            label["field"], label["urgency"] = data.get("category", ""), data.get("urgency", "")
        elif kind == EventKind.DISPATCHED and data.get("from_unit") == ioc_id and label["unit"] is None:
            # Counted once it is known not to come back: at the next dispatch or at the end.
            if label["pending"] is not None:
                label["unit"] = label["pending"]
            label["pending"] = data.get("to_unit")
        elif kind == EventKind.RETURNED and data.get("to_unit") == ioc_id:
            label["pending"] = None
    for label in labels.values():
        if label["unit"] is None:
            label["unit"] = label["pending"]
    accepted = [pk for pk, label in labels.items() if label.get("field")]
    with_photo = set(
        Report.objects.filter(
            pk__in=accepted,
            attachments__kind=AttachmentKind.PHOTO,
            attachments__event__kind=EventKind.SUBMITTED,
        ).values_list("pk", flat=True)
    )
    rows = Report.objects.filter(pk__in=accepted).values_list(
        "pk", "title", "description", "commune_id", "created_at", "latitude", "longitude"
    )
    examples = [
        learning.Example(
            text=_report_text(title, description),
            commune=commune,
            has_photo=pk in with_photo,
            field=labels[pk]["field"],
            unit=labels[pk]["unit"],
            urgency=labels[pk]["urgency"],
            at=created_at,
            latitude=_float(latitude),
            longitude=_float(longitude),
        )
        for pk, title, description, commune, created_at, latitude, longitude in rows.iterator(chunk_size=5000)
    ]
    return sorted(examples, key=lambda e: (e.at, e.text))


def _float(value) -> float | None:
    return None if value is None else float(value)


def _weight(real: int) -> float:
    """The cold-start examples count less as the IOC's decisions accumulate."""
    return max(0.1, 1.0 - real / max(1, settings.PHANANH_TRIAGE_COLD_START_DECISIONS))


def cold_examples(real: int = 0) -> list[learning.Example]:
    """What the deployment knows before any decision: names, descriptions, routing rules, words."""
    weight = _weight(real)
    examples = []
    hints = {}
    for category in Category.objects.filter(is_active=True):
        said = [t for t in (category.name, category.description) if t]
        glossary = seeds.FIELD_WORDS.get(category.code, [])
        hints[category.pk] = [*said, *glossary]
        examples += [learning.Example(t, field=category.code, urgency="normal", weight=weight) for t in said]
        # A default field's sub-topics are knowledge, not decisions: they do not fade. They say
        # nothing of urgency (a fallen tree may or may not block a road now).
        examples += [learning.Example(t, field=category.code) for t in glossary]
    for rule in RoutingRule.objects.filter(category__is_active=True, unit__is_active=True).select_related(
        "category"
    ):
        for text in hints.get(rule.category_id, []):
            examples.append(
                learning.Example(
                    text, commune=rule.commune_id, field=rule.category.code, unit=rule.unit_id, weight=weight
                )
            )
    for unit in Unit.objects.filter(is_active=True, parent__isnull=False):
        # Its name, and each line of what it handles (Unit.duties) as the words of a report.
        duties = [line.strip() for line in unit.duties.splitlines() if line.strip()]
        for text in {unit.name, unit.short_name, *duties} - {""}:
            examples.append(learning.Example(text, unit=unit.pk, weight=weight))
    examples += [learning.Example(t, urgency="urgent", weight=weight) for t in seeds.URGENT_PHRASES]
    examples += [learning.Example(t, urgency="normal", weight=weight) for t in seeds.NOT_URGENT_PHRASES]
    return examples


# --- training ----------------------------------------------------------------------------------------


def train_on(real: list[learning.Example], *, hold_out: bool = True) -> tuple[learning.Triage, dict]:
    """Fit on the decisions `real` plus the cold-start examples; measure on the newer part first."""
    evaluation: dict = {}
    if hold_out and len(real) >= 10:
        older, newer = learning.time_split(real)
        evaluation = learning.evaluate(learning.train(older + cold_examples(len(older))), newer)
        evaluation["trained_on"] = len(older)
    return learning.train(real + cold_examples(len(real))), evaluation


def model_train(*, now: datetime | None = None) -> TriageModel:
    """Huấn luyện: fit a new model on every decision so far and make it the current one."""
    now = now or timezone.now()
    real = decisions()
    fitted, evaluation = train_on(real)
    version = f"{now:%Y%m%d%H%M%S}-{len(real)}"
    path = default_storage.save(f"{STORAGE_DIR}/{version}.joblib", ContentFile(fitted.dumps()))
    with transaction.atomic():
        TriageModel.objects.filter(is_current=True).update(is_current=False)
        model = TriageModel.objects.create(
            version=version,
            trained_at=now,
            examples=fitted.examples,
            decisions=len(real),
            evaluation=evaluation,
            path=path,
            is_current=True,
        )
    logger.info("triage model %s trained on %d decisions", version, len(real))
    forget_old_files()
    return model


def forget_old_files() -> int:
    """Delete the files of the models before the last `KEPT_FILES`; their rows stay, with their
    evaluation, as the history of the training. How many files were deleted."""
    deleted = 0
    for old in TriageModel.objects.exclude(path="").order_by("-trained_at", "-id")[KEPT_FILES:]:
        try:
            default_storage.delete(old.path)
        except Exception:
            # Kept for the next training to try again; the new model is current all the same.
            logger.exception("triage model file %s could not be deleted", old.path)
            continue
        TriageModel.objects.filter(pk=old.pk).update(path="")
        deleted += 1
    return deleted


def train_if_due(*, now: datetime | None = None) -> TriageModel | None:
    """The nightly training (periodic): once a day from PHANANH_TRIAGE_TRAIN_HOUR, on one node.

    `run_periodic` enqueues this every minute on every node: the cache's atomic `add` lets
    one of them train, and the day's model, once there, makes the others return at once.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < settings.PHANANH_TRIAGE_TRAIN_HOUR:
        return None
    latest = TriageModel.objects.order_by("-trained_at").first()
    if latest and timezone.localtime(latest.trained_at).date() >= local.date():
        return None
    return train_now(now=now)


def train_now(*, now: datetime | None = None) -> TriageModel | None:
    """Train unless another node or request is training (None then)."""
    now = now or timezone.now()
    if not cache.add(TRAINING_LOCK, now.isoformat(), timeout=settings.PHANANH_TRIAGE_TRAIN_LOCK_SECONDS):
        return None
    try:
        return model_train(now=now)
    finally:
        cache.delete(TRAINING_LOCK)


# --- the current model -----------------------------------------------------------------------------

_loaded: dict = {}
_lock = threading.Lock()


def _cold_fingerprint() -> str:
    parts = [
        list(Category.objects.filter(is_active=True).values_list("code", "name", "description")),
        list(Unit.objects.filter(is_active=True).values_list("pk", "name", "short_name")),
        list(RoutingRule.objects.values_list("category_id", "commune_id", "unit_id")),
        settings.PHANANH_URGENT_WORDS,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def current_model() -> tuple[learning.Triage, dict]:
    """The model to suggest with and what it is ({"version", "trained_at", "examples"}).

    The current stored model, loaded once per process and version (a newer version is noticed
    at the next call); without one yet, the cold-start model, fitted in memory.
    """
    row = (
        TriageModel.objects.filter(is_current=True)
        .values("version", "trained_at", "examples", "path")
        .first()
    )
    if row is None:
        key = f"cold-{_cold_fingerprint()}"
        meta = {"version": key, "trained_at": None, "examples": 0}
    else:
        key = row["version"]
        meta = {"version": key, "trained_at": row["trained_at"], "examples": row["examples"]}
    with _lock:
        if key in _loaded:
            return _loaded[key], meta
    # A task worker that forks a process per job (RQ) starts each job with nothing loaded: the
    # fitted model is shared through the cache, read in milliseconds instead of being fitted (cold
    # start) or fetched from the object store again by every job.
    shared = cache.get(f"{SHARED_MODEL}:{key}")
    if shared is not None:
        fitted = learning.Triage.loads(shared)
        with _lock:
            _loaded.clear()
            _loaded[key] = fitted
        return fitted, meta
    fitted = None
    if row is not None:
        try:
            # Only a file this app wrote (model_train), named by the row: never one from elsewhere.
            with default_storage.open(row["path"], "rb") as stored:
                fitted = learning.Triage.loads(stored.read())
        except OSError:
            # The file is gone (storage emptied, restored without it): suggest as a new
            # deployment would, until the next training writes one again.
            logger.exception("triage model %s cannot be read; the cold-start model stands in", key)
            key = f"cold-{_cold_fingerprint()}"
            meta = {"version": key, "trained_at": None, "examples": 0}
    if fitted is None:
        fitted = learning.train(cold_examples(0))
    dumped = fitted.dumps()
    if len(dumped) <= SHARED_MODEL_MAX_BYTES:
        cache.set(f"{SHARED_MODEL}:{key}", dumped, timeout=SHARED_MODEL_SECONDS)
    with _lock:
        _loaded.clear()
        _loaded[key] = fitted
    return fitted, meta


def forget_loaded_models() -> None:
    with _lock:
        _loaded.clear()


# --- suggestions -----------------------------------------------------------------------------------


def _has_photo(report: Report) -> bool:
    return report.attachments.filter(kind=AttachmentKind.PHOTO).exists()


def _report_example(report: Report) -> learning.Example:
    text = _report_text(report.title, report.description)
    answers = report.events.filter(kind=EventKind.INFO_PROVIDED).values_list("note", flat=True)
    text = " ".join([text, *answers])
    return learning.Example(
        text,
        commune=report.commune_id,
        has_photo=_has_photo(report),
        latitude=_float(report.latitude),
        longitude=_float(report.longitude),
    )


def suggest(report: Report) -> dict:
    """The suggestions for one report, in the staff API's shape, with active fields and units only.

    Once the report has a field (the reporter's choice, or the IOC's at acceptance), the units
    are suggested for that field (`for_field`); before, for each of the three likeliest.
    """
    fitted, meta = current_model()
    fields = dict(Category.objects.filter(is_active=True).values_list("code", "pk"))
    chosen = next((code for code, pk in fields.items() if pk == report.category_id), "")
    got = fitted.suggest(_report_example(report), field_code=chosen)
    field_list = [{"code": c, "score": round(s, 4)} for c, s in got["field"] if c in fields][: learning.TOP]
    unit_ids = [u for u, _s in got["unit"]]
    codes = dict(Unit.objects.filter(pk__in=unit_ids, is_active=True).values_list("pk", "code"))
    unit_list = [{"id": u, "code": codes[u], "score": round(s, 4)} for u, s in got["unit"] if u in codes]
    return {
        "field": field_list,
        "unit": unit_list[: learning.TOP],
        "urgency": [{"value": v, "score": round(s, 4)} for v, s in got["urgency"][: learning.TOP]],
        "for_field": chosen or None,
        "model": meta,
    }


def suggestion_refresh(report: Report) -> Suggestion:
    """Compute the report's suggestion again and store it (after submission, after new info)."""
    payload = suggest(report)
    stored, _created = Suggestion.objects.update_or_create(
        report=report,
        defaults={
            "payload": _json_ready(payload),
            "model_version": payload["model"]["version"],
            "computed_at": timezone.now(),
        },
    )
    return stored


def _json_ready(payload: dict) -> dict:
    trained_at = payload["model"]["trained_at"]
    return {**payload, "model": {**payload["model"], "trained_at": trained_at and trained_at.isoformat()}}


def suggestion_after_event(event_id: int) -> bool:
    """For PHANANH_EVENT_TASKS: a new report, or the reporter's answer, gets its suggestion."""
    event = Event.objects.filter(pk=event_id).select_related("report").first()
    if event is None or event.kind not in (EventKind.SUBMITTED, EventKind.INFO_PROVIDED):
        return False
    started = time.monotonic()
    suggestion_refresh(event.report)
    logger.debug("suggestion for report %s in %.1f ms", event.report_id, (time.monotonic() - started) * 1000)
    return True
