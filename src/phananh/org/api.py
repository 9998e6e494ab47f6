"""Staff sign-in for the API: get a bearer token, see who it belongs to, revoke it."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status

from phananh.core.schemas import ErrorOut

from .auth import staff_token, token_issue, token_revoke

router = Router(tags=["auth"])


class TokenIn(Schema):
    # No NUL: PostgreSQL cannot compare a text holding one (the lookup was a 500).
    username: str = Field(..., max_length=150, pattern=r"^[^\x00]*$")
    # Bounded so that nobody makes the server hash megabytes.
    password: str = Field(..., max_length=1024)
    name: str = Field("", max_length=100, description="What the token is for, e.g. the device's name.")
    otp: str = Field(
        "",
        max_length=32,
        description=(
            "The 6-digit code of the account's authenticator app, or one of its recovery codes "
            "(used up). Required for an account with two-step verification: the IOC's roles and "
            "administrators always, others once they turned it on."
        ),
    )


class TokenOut(Schema):
    token: str = Field(..., description="Send it as `Authorization: Bearer <token>`. It is shown only once.")
    token_type: Literal["Bearer"]


class UnitRef(Schema):
    id: int
    name: str


class FieldRef(Schema):
    code: str
    name: str


class MeOut(Schema):
    id: int = Field(..., description="The account's id, as `handler` and `actor.id` name it.")
    username: str
    name: str
    role: str
    role_label: str
    unit: UnitRef
    fields: list[FieldRef] = Field(..., description="The fields the account works on; empty means all.")


def display_name(user) -> str:
    return user.get_full_name() or user.username


@router.post(
    "/token",
    auth=None,
    response={201: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Sign in: get a bearer token",
)
def token_login(request, payload: TokenIn):
    """Đăng nhập: a staff account's username and password give a bearer token for the staff API.

    401 `invalid_credentials` for a wrong username or password, an inactive account or an
    account without role or unit (the same answer for all). For an account with two-step
    verification, once the password is right: 401 `otp_required` without `otp`, 401
    `otp_invalid` for a wrong or already used code, 403 `otp_enrolment_required` when the
    account must use it and has not set up its app yet (done on the staff sign-in page).
    429 `too_many_attempts`, checking nothing, after (by default) 10 failed checks of passwords
    or codes of one account from any address, or 30 from one address for any accounts, within
    15 minutes.
    """
    token = token_issue(
        request=request,
        username=payload.username,
        password=payload.password,
        name=payload.name,
        otp=payload.otp,
    )
    return Status(201, {"token": token, "token_type": "Bearer"})


@router.delete(
    "/token",
    auth=staff_token,
    response={204: None, 401: ErrorOut},
    summary="Sign out: revoke the token of this call",
)
def token_logout(request):
    """Đăng xuất: the bearer token used for this call stops working at once."""
    token_revoke(api_token=request.api_token)
    return Status(204, None)


@router.get(
    "/me", auth=staff_token, response={200: MeOut, 401: ErrorOut}, summary="The signed-in staff member"
)
def me(request):
    """Who the token belongs to: role, unit and fields decide what the API shows and allows."""
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "name": display_name(user),
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit": user.unit,
        "fields": list(user.fields.order_by("sort_order", "name")),
    }
