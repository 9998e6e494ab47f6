from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from phananh.core.net import from_trusted_proxy


class UntrustedProxyHeadersMiddleware:
    """Believe a request about HTTPS only when it comes from a trusted proxy.

    Django reads the scheme from X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) whoever sent it;
    a client that reached the node's port directly could then pass plain HTTP off as HTTPS.
    First in the chain, before SecurityMiddleware reads it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than any valid submission.

    Django bounds form fields but not uploaded files; this stops a huge upload before it is
    spooled to disk, with an answer the client can read (JSON for the API, a page otherwise).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PHANANH_MAX_REQUEST_BYTES:
            message = _("The request is too large. Send fewer or smaller files.")
            if request.path.startswith("/api/"):
                body = {"code": "request_too_large", "message": message, "fields": {}}
                return JsonResponse(body, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class VietnameseFirstMiddleware:
    """Pages speak Vietnamese unless the user chose English with the language switch.

    Many officials' browsers announce English; the browser's Accept-Language is therefore
    only honoured by the API, where a client asks for a language on purpose.
    Placed before LocaleMiddleware, which then sees the cookie or nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
