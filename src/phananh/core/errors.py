"""One application error type; the API and the pages map it to a 4xx answer."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request that cannot be carried out, with a stable machine code.

    `message` is for people (translated, Vietnamese by default); `fields` maps a field name
    to the messages that concern it, so that a form can show each next to its input.
    """

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        errors: list[dict] | None = None,
        status: int | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        # One entry per problem, each with its own code: {"field", "code", "message"}.
        self.errors = errors or []
        # More facts for programs, e.g. the report's current status on a 409.
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.errors:
            body["errors"] = self.errors
        return {**body, **self.extra}


class ValidationFailed(ApplicationError):
    """Some fields are missing or wrong; `fields` says which."""

    status = 422


class PayloadTooLarge(ApplicationError):
    status = 413


class Forbidden(ApplicationError):
    status = 403


class NotFound(ApplicationError):
    status = 404


class Conflict(ApplicationError):
    status = 409
