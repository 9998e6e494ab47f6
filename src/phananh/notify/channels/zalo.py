"""Zalo Official Account: a customer-service text message to a Zalo user who wrote to the OA.

The message goes to the consultation message API (`POST .../v3.0/oa/message/cs`, the OA's
access token in an `access_token` header). The access token lives about 25 hours; it is renewed
with the refresh token (`POST https://oauth.zaloapp.com/v4/oa/access_token`, the app's secret
key in a `secret_key` header, form `refresh_token`, `app_id`, `grant_type=refresh_token`), which
answers a new access token *and a new refresh token*: the old one is spent. Both are kept in the
database (`ZaloToken`), so that every node uses the same ones, and the row is locked while they
are renewed. The first refresh token comes from the settings.

Zalo answers HTTP 200 for refusals too, with a non-zero "error" and a "message". Its codes are
listed in its public documentation, "Official Account API > Phụ lục > Bảng mã lỗi"
(https://developers.zalo.me/docs/official-account/phu-luc/ma-loi); the wording quoted below is
Zalo's own, as reproduced by public copies of that table (see docs/decisions.md for what could be
checked). Which codes are worth another attempt:
- the access token: -216 "Access token is invalid", -220 "access_token is expired or removed",
  and -124 "Access token invalid" (the same refusal in the ZNS table): the token is renewed at
  once and the message sent again in the same attempt; should that fail too, a later attempt;
- retry: the rate limit and quotas (-32 "... reached limit call api", -211 "Out of quota"),
  and any code not listed below, so that nothing is given up on a guess;
- give up: what no retry can change for this recipient: -201 "<field> is invalid!", -213
  "User has not followed OA", -217 "User has blocked invitation from OA", -227 "User is banned
  or has been inactive for more than 45 days", -230 "User has not interacted with the OA in
  the past 7 days" and -232 "User has not interacted, or last interaction expired" (the
  customer-service window is closed); -204 "Offical Account is disable" and -205 "Offical
  Account is not exist".
A user who unfollowed the OA (the webhook's `unfollow` event) gets nothing until they follow again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .base import DeliveryError, post_json

if TYPE_CHECKING:
    from ..models import Delivery, ZaloToken

PERMANENT_ERRORS = frozenset({-201, -204, -205, -213, -217, -227, -230, -232})
TOKEN_ERRORS = frozenset({-124, -216, -220})
# Renewed this long before Zalo said the access token ends, so that no message meets its end.
_EARLY = timedelta(minutes=5)


def send(delivery: Delivery) -> None:
    from ..models import ZaloUnfollower

    if ZaloUnfollower.objects.filter(user_id=delivery.to_address).exists():
        raise DeliveryError("the Zalo user no longer follows the OA", permanent=True)
    token = access_token()
    code, message = _post(delivery, token)
    if code in TOKEN_ERRORS:
        code, message = _post(delivery, renew(spent=token))
    if code != 0:
        raise DeliveryError(f"Zalo error {code}: {message}", permanent=code in PERMANENT_ERRORS)


def _post(delivery: Delivery, token: str) -> tuple[int, str]:
    _status, raw = post_json(
        settings.PHANANH_ZALO_API_URL,
        {"recipient": {"user_id": delivery.to_address}, "message": {"text": delivery.body}},
        headers={"access_token": token},
        timeout=settings.PHANANH_DELIVERY_HTTP_TIMEOUT,
    )
    try:
        answer = json.loads(raw)
        code = int(answer.get("error", -1))
    except (ValueError, TypeError, AttributeError):
        raise DeliveryError("Zalo: an answer that is not JSON", permanent=False) from None
    return code, str(answer.get("message", ""))[:200]


def _token_row() -> ZaloToken:
    from ..models import ZaloToken

    row = ZaloToken.objects.order_by("pk").first()
    if row is None:
        row, _created = ZaloToken.objects.get_or_create(
            pk=1,
            defaults={
                "access_token": settings.PHANANH_ZALO_ACCESS_TOKEN,
                "refresh_token": settings.PHANANH_ZALO_REFRESH_TOKEN,
            },
        )
    return row


def access_token() -> str:
    """The OA's access token, renewed first when it has ended (or is about to)."""
    row = _token_row()
    if row.expires_at is not None and row.expires_at - _EARLY <= timezone.now():
        return renew(spent=row.access_token)
    if not row.access_token:
        if row.refresh_token:
            return renew(spent="")
        raise DeliveryError("the Zalo access token is not configured", permanent=True)
    return row.access_token


def renew(*, spent: str) -> str:
    """A new access token for the one that Zalo refused (`spent`), the new refresh token kept.

    Locked, so that only one node renews: the others wait, then find the token already new.
    """
    with transaction.atomic():
        from ..models import ZaloToken

        row = ZaloToken.objects.select_for_update().get(pk=_token_row().pk)
        if row.access_token and row.access_token != spent:
            return row.access_token  # another node renewed it meanwhile
        if not (row.refresh_token and settings.PHANANH_ZALO_APP_ID and settings.PHANANH_ZALO_APP_SECRET):
            raise DeliveryError(
                "the Zalo access token cannot be renewed: no refresh token or app", permanent=False
            )
        answer = _renewal(row.refresh_token)
        try:
            row.access_token = str(answer["access_token"])
            row.refresh_token = str(answer["refresh_token"])
            row.expires_at = timezone.now() + timedelta(seconds=int(answer.get("expires_in", 90000)))
        except (KeyError, TypeError, ValueError):
            code = answer.get("error", "?") if isinstance(answer, dict) else "?"
            raise DeliveryError(
                f"Zalo refused to renew the access token (error {code})", permanent=False
            ) from None
        row.save()
        return row.access_token


def _renewal(refresh_token: str) -> dict:
    url = settings.PHANANH_ZALO_OAUTH_URL
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("the gateway URL is not configured", permanent=True)
    form = {
        "refresh_token": refresh_token,
        "app_id": settings.PHANANH_ZALO_APP_ID,
        "grant_type": "refresh_token",
    }
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "secret_key": settings.PHANANH_ZALO_APP_SECRET,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.PHANANH_DELIVERY_HTTP_TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise DeliveryError(f"cannot renew the Zalo access token: {error}", permanent=False) from None
