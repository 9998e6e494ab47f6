import json
import logging
import re

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger(__name__)


def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# A violation report is a few hundred bytes; anything far larger is not one.
_CSP_REPORT_MAX_BYTES = 16 * 1024
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def _without_query(url) -> str:
    """A URL as the log may keep it: no query string or fragment (a reporter's link has ?secret=)."""
    text = _UNPRINTABLE.sub("", str(url or ""))[:300]
    return text.split("?", 1)[0].split("#", 1)[0]


def _violations(payload) -> list[dict]:
    """The violations of a report-uri body ({"csp-report": {...}}) or of a Reporting API one."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        return [
            {
                "directive": report.get("effective-directive") or report.get("violated-directive"),
                "blocked": report.get("blocked-uri"),
                "page": report.get("document-uri"),
                "source": report.get("source-file"),
                "line": report.get("line-number"),
                "disposition": report.get("disposition"),
            }
        ]
    if isinstance(payload, list):
        return [
            {
                "directive": body.get("effectiveDirective"),
                "blocked": body.get("blockedURL"),
                "page": body.get("documentURL"),
                "source": body.get("sourceFile"),
                "line": body.get("lineNumber"),
                "disposition": body.get("disposition"),
            }
            for item in payload
            if isinstance(item, dict) and isinstance(body := item.get("body"), dict)
        ]
    return []


@csrf_exempt
@require_POST
def csp_report(request):
    """Where browsers report what the Content-Security-Policy blocked (PHANANH_CSP_REPORT_URI).

    Each violation is one line of the log, at WARNING, without query strings; the answer is
    always empty. A page that loses a script or a style after a change shows here first.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        return HttpResponse(status=400)
    for violation in _violations(payload)[:10]:
        logger.warning(
            "content security policy violation (%s): %s blocked %s on %s (%s:%s)",
            _UNPRINTABLE.sub("", str(violation["disposition"] or "enforce"))[:20],
            _UNPRINTABLE.sub("", str(violation["directive"] or "?"))[:40],
            _without_query(violation["blocked"]) or "?",
            _without_query(violation["page"]) or "?",
            _without_query(violation["source"]) or "-",
            _UNPRINTABLE.sub("", str(violation["line"] or "-"))[:10],
        )
    return HttpResponse(status=204)
