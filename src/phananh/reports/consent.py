"""Sự đồng ý: the texts of consent to processing personal data, each with its version.

A report keeps the version of the text its reporter was shown (Decree 13/2023 asks that
consent be shown to have been given, and to what). A text is never edited once it was shown:
a new wording is a new version, added at the end, and becomes the current one; the old ones
stay, so that an old report still says what its reporter agreed to, and so that a form or an
app opened before the change can still send the version it showed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CONSENT_TEXTS = {
    # Shown from the first version of the intake form.
    "v1": _("I agree to the processing of my personal data for handling this report (Decree 13/2023/NĐ-CP)."),
    # The same consent, with the reporter's rights and the retention period said.
    "v2": _(
        "I agree to the processing of my personal data for handling this report (Decree 13/2023/NĐ-CP). "
        "With my private link I can download my data or withdraw this consent and have my contact "
        "details erased; they are also erased some time after the report is closed."
    ),
}
CURRENT_CONSENT_VERSION = "v2"
assert list(CONSENT_TEXTS)[-1] == CURRENT_CONSENT_VERSION, "the current text is the newest"


def consent_text(version: str) -> str:
    """The text of a version, in the active language; "" for a version nobody knows."""
    text = CONSENT_TEXTS.get(version)
    return str(text) if text is not None else ""
