"""What an undelivered message was, to whom, and why it failed, in the reader's language.

The delivery log stores stable keys (`purpose`) and the adapters' own error text (English, as
the gateway or the mail server answered); the page of undelivered messages shows them in words.
The raw error stays beside the translation for whoever fixes the channel.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .reporters import PURPOSES
from .staff_email import STAFF_EMAIL_KINDS

# Each purpose of a message to a reporter (see reporters.PURPOSES), in words.
REPORTER_PURPOSES = {
    "report_received": gettext_lazy("Report received"),
    "report_rejected": gettext_lazy("Report rejected"),
    "report_dispatched": gettext_lazy("Report sent to a handling unit"),
    "info_requested": gettext_lazy("More information asked for"),
    "result_published": gettext_lazy("Result published"),
    "report_reopened": gettext_lazy("Report reopened"),
    # The OA's answers in a Zalo conversation (channels.zalo), before or after a report.
    "zalo_chat": gettext_lazy("Answer in a Zalo conversation"),
}
FOLLOWER_PURPOSE_PREFIX = "follower_"
STAFF_PURPOSE_PREFIX = "staff_"
_STAFF_KINDS = dict(STAFF_EMAIL_KINDS)

# Adapter errors (notify/channels) by their shape, most specific first; the groups fill the
# translated sentence.
_ERRORS = (
    (r"the gateway URL is not configured", gettext_lazy("The gateway address is not configured.")),
    (r"the Zalo access token is not configured", gettext_lazy("The Zalo access token is not configured.")),
    (r"no adapter for channel", gettext_lazy("This channel cannot send messages.")),
    (r"HTTP (?P<code>\d{3})\b", gettext_lazy("The gateway refused the message (HTTP error %(code)s).")),
    (r"cannot reach the gateway", gettext_lazy("The gateway could not be reached.")),
    (
        r"recipient refused \((?P<code>[\d, ]+)\)",
        gettext_lazy("The mail server refused the address (%(code)s)."),
    ),
    (r"SMTP (?P<code>\d{3})\b", gettext_lazy("The mail server refused the message (error %(code)s).")),
    (r"SMTP: ", gettext_lazy("The mail server could not be reached.")),
    (r"the Zalo user no longer follows the OA", gettext_lazy("The Zalo user no longer follows the OA.")),
    (
        r"the Zalo access token cannot be renewed",
        gettext_lazy("The Zalo access token cannot be renewed: check the refresh token and the app's keys."),
    ),
    (
        r"Zalo refused to renew|cannot renew the Zalo access token",
        gettext_lazy("Zalo did not renew the access token."),
    ),
    (r"Zalo: an answer that is not JSON", gettext_lazy("Zalo gave an answer that could not be read.")),
    (r"Zalo error (?P<code>-?\d+)", gettext_lazy("Zalo refused the message (error %(code)s).")),
)


def purpose_label(purpose: str) -> str:
    """What the message was about: "Report received", "Deadline passed"..."""
    if purpose in REPORTER_PURPOSES:
        return str(REPORTER_PURPOSES[purpose])
    if purpose.startswith(FOLLOWER_PURPOSE_PREFIX):
        return _("News of a followed report")
    kind = purpose.removeprefix(STAFF_PURPOSE_PREFIX)
    if purpose.startswith(STAFF_PURPOSE_PREFIX) and kind in _STAFF_KINDS:
        return str(_STAFF_KINDS[kind])
    return purpose


def recipient_label(purpose: str) -> str:
    """Who the message was for, in words: the reporter, a follower, a staff member."""
    if purpose in REPORTER_PURPOSES or purpose in PURPOSES.values():
        return _("The reporter")
    if purpose.startswith(FOLLOWER_PURPOSE_PREFIX):
        return _("A follower of the report")
    if purpose.startswith(STAFF_PURPOSE_PREFIX):
        return _("A staff member")
    return ""


def error_label(error: str) -> str:
    """The adapter's error as a sentence in the reader's language; the text itself if unknown."""
    for pattern, sentence in _ERRORS:
        match = re.search(pattern, error)
        if match:
            return str(sentence) % match.groupdict() if match.groupdict() else str(sentence)
    return error
