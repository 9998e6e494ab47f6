"""The Content-Security-Policy of every answer: django-csp's, with the servers the settings name.

The policy itself is in settings.py (CONTENT_SECURITY_POLICY). The map's tile server and the
object store that photos are redirected to are settings of the deployment, read here for each
answer, so that a policy never lags behind the settings it must allow.
"""

from __future__ import annotations

from functools import lru_cache

from csp.middleware import CSPMiddleware
from django.conf import settings


def csp_source(url: str) -> str | None:
    """The CSP source of the server that a URL (or a Leaflet URL template) names; None for the site.

    "https://{s}.tile.example.org/{z}/{x}/{y}.png" gives "https://*.tile.example.org".
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    labels = rest.split("/", 1)[0].split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{scheme}://{'.'.join(labels)}"


def file_store_sources(bucket: str, endpoint_url: str | None, region: str) -> list[str]:
    """Where the signed URLs of files in object storage point (a bucket's name in the path or in
    the host name, as the store is addressed); none without object storage."""
    if not bucket:
        return []
    if endpoint_url:
        store = csp_source(endpoint_url)
        scheme, _sep, host = store.partition("://")
        return [store, f"{scheme}://{bucket}.{host}"]
    return [
        f"https://{bucket}.s3.amazonaws.com",
        f"https://{bucket}.s3.{region}.amazonaws.com",
        "https://s3.amazonaws.com",
        f"https://s3.{region}.amazonaws.com",
    ]


@lru_cache(maxsize=4)
def _deployment_sources(tile_url: str, bucket: str, endpoint_url: str | None, region: str) -> dict:
    store = file_store_sources(bucket, endpoint_url, region)
    tiles = [source for source in [csp_source(tile_url)] if source]
    # A photo kept by the intake page's service worker may be fetched through a redirect to the
    # store, hence connect-src too.
    return {"img-src": [*tiles, *store], "connect-src": ["'self'", *store] if store else []}


def deployment_sources() -> dict[str, list[str]]:
    """The directives' sources that the deployment's settings add to the policy."""
    found = _deployment_sources(
        settings.PHANANH_TILE_URL,
        settings.PHANANH_S3_BUCKET,
        settings.PHANANH_S3_ENDPOINT_URL,
        settings.PHANANH_S3_REGION,
    )
    return {directive: sources for directive, sources in found.items() if sources}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, adding the tile server and the file store to each answer's policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        update = dict(parts.update or {})
        for directive, sources in deployment_sources().items():
            update[directive] = [*(update.get(directive) or []), *sources]
        parts.update = update
        return parts
