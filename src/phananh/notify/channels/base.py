"""What every channel adapter shares: its error, and a JSON POST with urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


class DeliveryError(Exception):
    """The far end did not accept the message.

    `permanent` means trying again cannot help (a refused address, a 4xx); otherwise the
    delivery is tried again later. The message must never contain the body that was sent.
    """

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def post_json(url: str, payload: dict, *, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """POST `payload` as JSON; the status and body of a 2xx answer.

    4xx answers raise a permanent DeliveryError except 408 and 429, which ask to come back
    later; 5xx answers, timeouts and refused connections raise a retryable one. The error
    names the status only: a gateway's error page may echo the text that was sent.
    """
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("the gateway URL is not configured", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in (408, 429)
        raise DeliveryError(f"HTTP {error.code} {error.reason}", permanent=permanent) from None
    except urllib.error.URLError as error:
        raise DeliveryError(f"cannot reach the gateway: {error.reason}", permanent=False) from None
    except (TimeoutError, OSError) as error:
        raise DeliveryError(f"cannot reach the gateway: {error}", permanent=False) from None
