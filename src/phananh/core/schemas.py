"""API schemas every app shares."""

from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx answer: a stable code for programs, a message for people, and per-field messages."""

    code: str
    message: str
    fields: dict[str, list[str]]
