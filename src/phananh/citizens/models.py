"""Tài khoản người dân: optional accounts of reporters, apart from the staff's users.

A citizen is not a Django user: staff pages, the admin site and the staff session rules
never see one (see docs/decisions.md). An account is a proved phone number or email address;
there is no registration and no password: proving one the first time makes the account.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Citizen(models.Model):
    # Normalised (0xxxxxxxxx; email in lower case); NULL when the account has none.
    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    # Who the OpenID Connect provider says this is: "issuer subject"; NULL without one.
    oidc_subject = models.CharField(max_length=400, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen's account")
        verbose_name_plural = _("citizens' accounts")

    def __str__(self):
        return self.phone or self.email or f"#{self.pk}"


class LinkHow(models.TextChoices):
    SUBMITTED = "submitted", _("Sent while signed in")
    CLAIMED = "claimed", _("Claimed with its secret")


class CitizenReport(models.Model):
    """A report of the account: sent while signed in, or claimed with its secret. A report
    belongs to one account at most."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="links")
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="citizen_link")
    how = models.CharField(max_length=10, choices=LinkHow.choices)
    linked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.citizen_id} → {self.report_id}"


class CodeKind(models.TextChoices):
    SMS = "sms", _("SMS code")
    EMAIL = "email", _("Email link")


class SignInCode(models.Model):
    """A one-time code sent to a phone (six digits) or a link sent to an address (a token).

    Only a keyed hash is kept. Valid until `expires_at`, once (`used_at`), for a few guesses.
    """

    kind = models.CharField(max_length=5, choices=CodeKind.choices)
    address = models.CharField(max_length=254, db_index=True)
    code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    guesses = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
