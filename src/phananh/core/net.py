"""The client's address, as the rate limits must see it behind a reverse proxy.

Behind nginx every request comes from nginx's own address, so a limit per REMOTE_ADDR would
count the whole province as one client. The proxy appends the address it saw to
X-Forwarded-For; only a request that arrives from a proxy named in PHANANH_TRUSTED_PROXIES is
believed, and its header is read from the right, skipping the trusted proxies: what stands
left of the first untrusted address was written by the client and may be forged.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in proxies)


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def from_trusted_proxy(request) -> bool:
    """Whether the request arrived from one of PHANANH_TRUSTED_PROXIES."""
    networks = _networks(tuple(settings.PHANANH_TRUSTED_PROXIES))
    return bool(networks) and _trusted(request.META.get("REMOTE_ADDR", ""), networks)


def client_address(request) -> str:
    """The address of the client that sent this request (REMOTE_ADDR when no proxy is trusted)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not from_trusted_proxy(request):
        return remote
    networks = _networks(tuple(settings.PHANANH_TRUSTED_PROXIES))
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        if not _trusted(address, networks):
            return address
    # Only proxies in the chain (a health check from the proxy itself): the nearest one.
    return remote
