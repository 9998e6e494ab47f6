from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .statuses import Status, Urgency


class Category(models.Model):
    """A field (lĩnh vực) a report is classified into, e.g. "Hạ tầng đô thị".

    Categories are data: administrators add, rename and retire them. One that is in use is
    retired (is_active=False), never deleted, so that old reports keep their field.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("kind of answer", "Number")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")


class FieldQuestion(models.Model):
    """Câu hỏi bổ sung: an extra question a field asks of every report filed under it.

    Administrators manage them with the field. The answers are validated at intake, the same way
    on every channel (`reports.questions`), and kept on the report under the question's code.
    A question that is no longer asked is retired (inactive), so old answers keep their label.
    """

    category = models.ForeignKey(
        Category, verbose_name=_("field"), on_delete=models.CASCADE, related_name="questions"
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(
        _("kind of answer"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT
    )
    # One choice a line, "key | label" or just the label (then it is its own key).
    choices = models.TextField(
        _("choices"), blank=True, help_text=_("One choice a line, as “key | label” or just the label.")
    )
    required = models.BooleanField(_("required"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_once_per_field")
        ]

    def __str__(self):
        return self.label

    def options(self) -> list[tuple[str, str]]:
        """The choices as (key, label) pairs, in order."""
        pairs = []
        for line in self.choices.splitlines():
            key, _bar, label = (part.strip() for part in line.partition("|"))
            if key:
                pairs.append((key, label or key))
        return pairs


class ReportKind(models.TextChoices):
    FIELD = "field", _("Field report")
    REGULATION = "regulation", _("Report about an administrative regulation")


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    APP = "app", _("Mobile app")
    ZALO = "zalo", _("Zalo")
    HOTLINE = "hotline", _("Hotline")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class Report(models.Model):
    """A citizen's report or petition (phản ánh, kiến nghị), from any channel.

    The reporter's contact details are personal data: they never reach a public page, a
    public API answer or a log line. The reporter acts later with the tracking code and a
    secret of which only a hash is kept; with it they download their data or have it erased,
    and the retention policy erases it some time after the report ended (`privacy`).
    """

    tracking_code = models.CharField(_("tracking code"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=ReportKind.choices, default=ReportKind.FIELD)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category,
        verbose_name=_("field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    location_source = models.CharField(max_length=10, blank=True)  # "reporter" or "photo"
    address = models.CharField(_("address"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "org.Unit",
        verbose_name=_("commune or ward"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_located",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("reporter's email"), blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    consent_at = models.DateTimeField(_("consent to personal data processing given at"))
    # Which text the reporter agreed to (reports.consent.CONSENT_TEXTS).
    consent_version = models.CharField(_("consent text version"), max_length=20)
    # The reporter withdrew their consent and had their personal data erased (privacy.erasure).
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    # The reporter's name, phone, email and Zalo id were erased: at their request, or by the
    # retention policy some time after the report ended. The report itself goes on without them.
    personal_data_erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    wants_public = models.BooleanField(_("reporter agrees to publication"), default=True)
    # How the reporter wants to hear of the report: "email", "sms", "zalo", or "" for the first
    # way they gave; and whether they want no messages at all.
    contact_channel = models.CharField(_("preferred channel"), max_length=10, blank=True)
    notifications_opt_out = models.BooleanField(_("no messages"), default=False)
    # The reporter's Zalo user id, when the report came through the Zalo Official Account.
    zalo_user_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    # Everything below is set by the transition service in `workflow`, and only there.
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    # Words of an emergency in the text (fire, accident...): the IOC on duty was alerted at intake.
    urgent_suspected = models.BooleanField(_("possibly urgent"), default=False)
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_led",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_assigned",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # The status to go back to when the reporter answers a request for information.
    paused_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    # The IOC's decision at publication: None until it is taken.
    is_public = models.BooleanField(_("published"), null=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The reporter was not satisfied with the result: the IOC has to decide on reopening it.
    review_requested_at = models.DateTimeField(_("review requested at"), null=True, blank=True)
    # The public copy (bản công khai), written when the IOC publishes: the texts as the public
    # reads them, with what looked like personal data replaced or edited out by the operator.
    # The fields above stay as the reporter and the unit wrote them, for staff only. Every
    # public page and answer reads these, never the originals (`workflow.publishing`).
    public_title = models.CharField(_("public title"), max_length=200, blank=True)
    public_description = models.TextField(_("public description"), blank=True)
    public_address = models.CharField(_("public address"), max_length=300, blank=True)
    # The handling unit's result as published.
    public_result = models.TextField(_("public result"), blank=True)
    # The questions asked of the reporter as the public timeline shows them: {event id: text}.
    public_notes = models.JSONField(default=dict, blank=True)
    # Title, description, address and code folded (lower case, no diacritics) for search:
    # "duong ngap" finds "Đường ngập" on SQLite and PostgreSQL alike. Once the report has a
    # public copy, the public copy's words: a search must not find a published report by a
    # phone number or a name the public cannot read in it.
    search_text = models.TextField(editable=False, default="")
    # The answers to the field's extra questions, by question code (`FieldQuestion`).
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Bumped by every transition: the compare-and-swap guard against concurrent updates.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        # The public map's bounding-box scan; the public list's orders, newest published and
        # newest received (a search's tiers), read backwards from a cursor. Those two hold only
        # published reports: intake does not write them. On PostgreSQL, migration 0010 adds a
        # trigram index on the published reports' `search_text` for the search's LIKE '%word%'.
        indexes = [
            models.Index(fields=["is_public", "latitude", "longitude"], name="report_public_map"),
            models.Index(
                fields=["published_at", "id"], condition=models.Q(is_public=True), name="report_public_newest"
            ),
            models.Index(
                fields=["created_at", "id"], condition=models.Q(is_public=True), name="report_public_received"
            ),
            # The retention policy's question, "which ended reports still hold personal data", among
            # millions: reports leave this index once anonymised.
            models.Index(
                fields=["status", "created_at"],
                condition=models.Q(personal_data_erased_at=None),
                name="report_personal_data_kept",
            ),
        ]

    def __str__(self):
        return self.tracking_code

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


class Attachment(models.Model):
    """A photo or document of a report. Photos are stored re-encoded, without metadata.

    A photo the IOC published has a public copy besides: drawn from the original with the
    rectangles the operator blacked out (faces, plates, papers), and its own thumbnail. The
    public is only ever served the copy; the original stays for staff.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        "workflow.Event", null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="reports/%Y/%m/")
    thumbnail = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty while the photo is not published (or was chosen to stay private).
    public_file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    public_thumbnail = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    # The blacked-out rectangles of the public copy, as fractions of the photo's width and
    # height: [{"x": 0.1, "y": 0.2, "width": 0.3, "height": 0.1}, ...].
    redactions = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return f"{self.report_id}/{self.kind}/{self.pk}"


class IdempotencyRecord(models.Model):
    """The first answer to a submission sent with an Idempotency-Key, replayed on a resend."""

    key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self):
        return self.key


class Follower(models.Model):
    """Someone told of a report's progress besides its reporter.

    The reporter of a duplicate merged into this report follows it through `via_report`
    (their contact stays on their own report); others follow by email (public side).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    via_report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="following"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["report", "via_report"], name="follow_once_via_report"),
            # One follower per address and report, whatever its case: two requests sent at once
            # make one row.
            models.UniqueConstraint(
                Lower("email"),
                "report",
                condition=models.Q(via_report__isnull=True),
                name="follow_once_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.report_id} ← {self.via_report_id or 'email'}"


class RatingValue(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    ACCEPTABLE = "acceptable", _("Acceptable")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Rating(models.Model):
    """Đánh giá: the reporter's rating of the result, once for each time the report was closed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="ratings")
    # 1 for the first closure, 2 after a reopening and a second closure...
    closure = models.PositiveSmallIntegerField()
    value = models.CharField(_("rating"), max_length=20, choices=RatingValue.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "closure"], name="one_rating_per_closure")]

    def __str__(self):
        return f"{self.report_id}#{self.closure}: {self.value}"
