from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    IOC = "ioc", _("Operations centre (IOC)")
    DEPARTMENT = "department", _("Department (Sở, ban, ngành)")
    DISTRICT = "district", _("District-level unit")
    COMMUNE = "commune", _("Commune People's Committee")
    WARD = "ward", _("Ward People's Committee")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    COMPANY = "company", _("Public-service company")
    DIVISION = "division", _("Division inside a unit")


# Kinds whose area is a commune-level administrative unit: a report's place can name one.
LOCAL_KINDS = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)


class Unit(models.Model):
    """A unit that receives or handles reports (đơn vị): a node of a tree of any depth.

    The IOC is the root; departments, commune and ward People's Committees and
    public-service companies hang below it, and each may have its own divisions.
    `path` is the chain of ids from the root ("/1/7/42/"), so that a subtree is one
    `startswith` query; the services in `org.services` keep it right.
    """

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=500, editable=False, db_index=True, default="")
    # Code of the commune or ward in the national list (vietnam-provinces), when it is one.
    admin_code = models.PositiveIntegerField(_("administrative code"), null=True, blank=True, unique=True)
    area_name = models.CharField(
        _("area name"),
        max_length=120,
        blank=True,
        help_text=_("For a commune or ward: its own name, e.g. Phường Lương Văn Tri."),
    )
    jurisdiction = models.JSONField(
        _("jurisdiction area"), null=True, blank=True, help_text=_("A GeoJSON Polygon or MultiPolygon.")
    )
    # Where a commune's people meet its offices: without an area, the nearest centre tells which
    # commune a place is in.
    latitude = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # What the unit handles, in the words reports use: what the suggestions learn from before the
    # IOC has dispatched anything (triage's cold start).
    duties = models.TextField(
        _("what it handles"),
        blank=True,
        help_text=_("What reports this unit handles, one topic a line, e.g. street lights, drains."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0


class Role(models.TextChoices):
    OPERATOR = "operator", _("IOC operator")
    CALL_AGENT = "call_agent", _("Call-centre agent")
    FOCAL_POINT = "focal_point", _("Unit focal point")
    HANDLER = "handler", _("Handler")
    LEADER = "leader", _("Unit leader")
    STEERING = "steering", _("Steering committee")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A staff account: one person, bound to one unit, with one role and optional fields.

    Reporters need no account: the tracking code and its secret let them act.
    """

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    # Vietnamese names are written family name first ("Hoàng Thị Lan") and do not split into a
    # first and a last name the way Django's own two fields assume: one field, as written.
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, help_text=_("Family name first, e.g. Hoàng Thị Lan.")
    )
    short_name = models.CharField(
        _("short name"), max_length=60, blank=True, help_text=_("What colleagues call them, e.g. Lan.")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    fields = models.ManyToManyField(
        "reports.Category",
        verbose_name=_("fields"),
        blank=True,
        related_name="staff",
        help_text=_("Leave empty for all fields of the unit."),
    )

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def get_full_name(self) -> str:
        """The name as Vietnamese officials write it, family name first; the user name if none."""
        return self.full_name.strip() or self.username

    def get_short_name(self) -> str:
        return self.short_name.strip() or self.get_full_name()


class ContactReveal(models.Model):
    """The IOC lets a handling unit see a reporter's contact details for one report (logged)."""

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="contact_reveals")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact reveal")
        verbose_name_plural = _("contact reveals")

    def __str__(self):
        return f"{self.report_id} → {self.unit_id}"


class PersonalDataAccess(models.Model):
    """A staff member saw a reporter's personal data: one row each time (Decree 13/2023)."""

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    via = models.CharField(max_length=20)  # "page" or "api"

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self):
        return f"{self.user_id} read {self.report_id} via {self.via}"


class ApiToken(models.Model):
    """A bearer token for the staff API; only its hash is stored, and it can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} {self.name}"
