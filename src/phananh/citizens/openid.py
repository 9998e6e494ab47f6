"""Đăng nhập qua OpenID Connect: the province's single sign-on or the national identity service,
when the settings name one (PHANANH_OIDC_*); Authlib does the protocol (state, nonce, the code's
exchange, the ID token's signature from the provider's published keys).

An account is found by the provider's subject; the first time, by the phone number or email
address the provider says it verified, so that a person who signed in by SMS before keeps their
reports; otherwise a new account. Only verified contact details are taken.
"""

from __future__ import annotations

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from phananh.reports.intake import normalise_phone

from .models import Citizen

NAME = "citizen"


def enabled() -> bool:
    return bool(settings.PHANANH_OIDC_DISCOVERY_URL and settings.PHANANH_OIDC_CLIENT_ID)


def provider():
    """The provider's client, read from the settings each time (they name one provider)."""
    oauth = OAuth()
    oauth.register(
        NAME,
        client_id=settings.PHANANH_OIDC_CLIENT_ID,
        client_secret=settings.PHANANH_OIDC_CLIENT_SECRET,
        server_metadata_url=settings.PHANANH_OIDC_DISCOVERY_URL,
        client_kwargs={"scope": settings.PHANANH_OIDC_SCOPES, "timeout": 10},
    )
    return oauth.create_client(NAME)


def _verified(claims: dict) -> tuple[str | None, str | None]:
    phone = email = None
    if claims.get("phone_number_verified") is True and isinstance(claims.get("phone_number"), str):
        # "+84912345678" or "0912345678": kept as the SMS sign-in keeps it.
        phone = normalise_phone(claims["phone_number"].replace("+84", "0", 1))
    if claims.get("email_verified") is True and isinstance(claims.get("email"), str):
        email = claims["email"].strip().lower()[:254] or None
    return phone, email


def account_for(claims: dict) -> Citizen:
    """The account of the person the provider's ID token (its `claims`) names."""
    subject = f"{claims['iss']} {claims['sub']}"[:400]
    phone, email = _verified(claims)
    citizen = Citizen.objects.filter(oidc_subject=subject).first()
    if citizen is None and phone:
        citizen = Citizen.objects.filter(phone=phone, oidc_subject=None).first()
    if citizen is None and email:
        citizen = Citizen.objects.filter(email=email, oidc_subject=None).first()
    if citizen is None:
        citizen = Citizen(oidc_subject=subject)
    citizen.oidc_subject = subject
    if not citizen.name and isinstance(claims.get("name"), str):
        citizen.name = claims["name"][:120]
    # A verified number or address that no other account holds.
    if phone and not citizen.phone and not Citizen.objects.filter(phone=phone).exists():
        citizen.phone = phone
    if email and not citizen.email and not Citizen.objects.filter(email=email).exists():
        citizen.email = email
    citizen.last_sign_in_at = timezone.now()
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError:
        # The same person signing in twice at once (the subject is unique): the other one won.
        citizen = Citizen.objects.get(oidc_subject=subject)
    return citizen
