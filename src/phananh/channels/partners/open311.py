"""The GeoReport v2 client (Open311): how we speak to the national petition system.

Its own API is not public; Open311 GeoReport v2 is the open standard for exactly this exchange
(post a service request, then follow its status), which FixMyStreet and PhanAnh's own server
speak. Requests are form-encoded, answers read as JSON (`.json`); errors are Open311's arrays of
`{"code", "description"}`. A report is POST `requests.json`, its result POST
`servicerequestupdates.json` (FixMyStreet's extension), and both carry an `Idempotency-Key`
header, so that a resend after a lost answer gives back the same id instead of a second copy.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from .base import PartnerError, ReportOut, ResultOut, Sent, Update

# The longest answer kept in the sync log.
ANSWER_CHARS = 2000
# Answers that mean "what you sent, or who you are, will not do": resending the same cannot
# succeed. Anything else (5xx, 408, 409, 429, no answer) is tried again later.
PERMANENT_HTTP = {400, 401, 403, 404, 405, 410, 413, 415, 422}
# Open311's description is text; the standard leaves its length to the server.
DESCRIPTION_CHARS = 4000


class Open311Partner:
    """A partner system spoken to in GeoReport v2, at `base_url` (".../open311/v2/")."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        api_key: str,
        service_code: str,
        jurisdiction: str = "",
        timeout: float = 15,
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) address: {base_url!r}")
        self.name = name
        self.base_url = base_url.rstrip("/") + "/"
        self.api_key = api_key
        self.service_code = service_code
        self.jurisdiction = jurisdiction
        self.timeout = timeout

    # --- the exchanges -------------------------------------------------------------------

    def send_report(self, report: ReportOut, *, idempotency_key: str) -> Sent:
        form = {"service_code": self.service_code, "description": report.description[:DESCRIPTION_CHARS]}
        if report.latitude is not None and report.longitude is not None:
            form["lat"], form["long"] = f"{report.latitude:.6f}", f"{report.longitude:.6f}"
        if report.address:
            form["address_string"] = report.address
        exchange, data = self._post("requests.json", form, idempotency_key)
        exchange.upstream_id = _first_value(data, "service_request_id") or ""
        if not exchange.upstream_id:
            raise PartnerError("the answer holds no service_request_id", exchange)
        return exchange

    def send_result(self, upstream_id: str, result: ResultOut, *, idempotency_key: str) -> Sent:
        form = {
            "service_request_id": upstream_id,
            "update_id": result.update_id,
            "status": "closed",
            "description": result.text[:DESCRIPTION_CHARS],
            "updated_datetime": result.at.isoformat(),
        }
        exchange, data = self._post("servicerequestupdates.json", form, idempotency_key)
        # The partner's id of the update, else ours (the standard's answer may be empty).
        exchange.upstream_id = _first_value(data, "update_id") or result.update_id
        return exchange

    def updates_since(self, upstream_id: str, since: datetime | None) -> list[Update]:
        query = {"service_request_id": upstream_id}
        if since is not None:
            query["start_date"] = since.isoformat()
        _exchange, data = self._get("servicerequestupdates.json", query)
        if not isinstance(data, list):
            raise PartnerError("servicerequestupdates did not answer a list")
        updates = [
            Update(
                update_id=str(item.get("update_id") or ""),
                # The specification says "open"/"closed"; FixMyStreet's extension writes upper case.
                status=str(item.get("status") or "").lower(),
                description=str(item.get("description") or ""),
                updated_at=str(item.get("updated_datetime") or ""),
                media_url=str(item.get("media_url") or ""),
            )
            for item in data
            if isinstance(item, dict) and str(item.get("service_request_id", upstream_id)) == upstream_id
        ]
        return sorted((u for u in updates if u.update_id), key=lambda u: u.updated_at)

    def request_status(self, upstream_id: str) -> tuple[str, str]:
        _exchange, data = self._get(f"requests/{urllib.parse.quote(upstream_id, safe='')}.json", {})
        item = data[0] if isinstance(data, list) and data else data
        if not isinstance(item, dict):
            raise PartnerError("requests/{id} did not answer a request")
        return str(item.get("status") or "").lower(), str(item.get("status_notes") or "")

    # --- HTTP ----------------------------------------------------------------------------

    def _with_key(self, fields: dict) -> dict:
        extra = {"jurisdiction_id": self.jurisdiction} if self.jurisdiction else {}
        return {"api_key": self.api_key, **extra, **fields}

    def _post(self, path: str, form: dict, idempotency_key: str) -> tuple[Sent, object]:
        exchange = Sent(sent={k: v for k, v in self._with_key(form).items() if k != "api_key"})
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.base_url + path,
            data=urllib.parse.urlencode(self._with_key(form)).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Idempotency-Key": idempotency_key,
            },
        )
        return exchange, self._exchange(request, exchange)

    def _get(self, path: str, query: dict) -> tuple[Sent, object]:
        exchange = Sent(sent={"GET": path, **query})
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(self._with_key(query))}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        return exchange, self._exchange(request, exchange)

    def _exchange(self, request: urllib.request.Request, exchange: Sent) -> object:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                exchange.http_status = response.status
                body = response.read()
        except urllib.error.HTTPError as error:
            exchange.http_status = error.code
            exchange.answer = _text(error.read())
            raise PartnerError(
                f"HTTP {error.code}: {_open311_errors(exchange.answer) or error.reason}",
                exchange,
                permanent=error.code in PERMANENT_HTTP,
            ) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise PartnerError(f"no answer: {reason}", exchange) from error
        exchange.answer = _text(body)
        try:
            return json.loads(body)
        except ValueError as error:
            raise PartnerError("the answer is not JSON", exchange) from error


def _text(body: bytes) -> str:
    return body[: ANSWER_CHARS * 4].decode("utf-8", "replace")[:ANSWER_CHARS]


def _open311_errors(answer: str) -> str:
    """Open311's error array as one line: "400 service_code not found; ..."."""
    try:
        data = json.loads(answer)
    except ValueError:
        return ""
    items = [item for item in (data if isinstance(data, list) else [data]) if isinstance(item, dict)]
    lines = (f"{item.get('code', '')} {item.get('description', '')}" for item in items)
    return "; ".join(line.strip() for line in lines)


def _first_value(data: object, key: str) -> str | None:
    """`key` of the first item of an Open311 answer (a list of one), or of the answer itself."""
    item = data[0] if isinstance(data, list) and data else data
    value = item.get(key) if isinstance(item, dict) else None
    return str(value) if value not in (None, "") else None
