"""What the Content-Security-Policy must say, and what a page may not contain under it.

Shared by the page crawl (tests/core/test_content_security_policy.py) and the browser tests.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

HEADER = "Content-Security-Policy"
# Scripts of these types are data that the browser never runs (json_script, Swagger's settings).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Attributes that carry a URL the browser may run as script: `javascript:` there is inline code.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def directives(policy: str) -> dict[str, list[str]]:
    """The policy as {directive: [sources]}."""
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def policy_problems(policy: str | None) -> list[str]:
    """What is missing or too loose in a Content-Security-Policy header."""
    if not policy:
        return ["no Content-Security-Policy header"]
    found = directives(policy)
    problems = []
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'"):
        if unsafe in policy:
            problems.append(f"the policy allows {unsafe}")
    for directive in ("script-src", "style-src"):
        sources = found.get(directive)
        if sources is None:
            problems.append(f"no {directive}")
        elif any(source in ("*", "data:", "blob:", "https:", "http:") for source in sources):
            problems.append(f"{directive} allows anything of a scheme: {sources}")
    expected = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for directive, sources in expected.items():
        if found.get(directive) != sources:
            problems.append(f"{directive} is {found.get(directive)}, not {sources}")
    return problems


def nonce_of(policy: str | None) -> str | None:
    """The nonce this answer's policy allows, if any."""
    match = re.search(r"'nonce-([^']+)'", policy or "")
    return match.group(1) if match else None


class _InlineCode(HTMLParser):
    """Collects, for one page, every piece of inline code or style the policy would block."""

    def __init__(self, nonce: str | None):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self._open_script: dict | None = None

    def _nonced(self, attrs: dict) -> bool:
        return self.nonce is not None and attrs.get("nonce") == self.nonce

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag}{' id=' + attributes['id'] if attributes.get('id') else ''}>"
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'{where} has a style="{value}" attribute')
            elif name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"{where} has an inline handler {name}")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{where} has a javascript: URL in {name}")
        if tag == "style" and not self._nonced(attributes):
            self.problems.append("a <style> block without the answer's nonce")
        if tag == "script":
            self._open_script = attributes

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        script = self._open_script
        if script is None or "src" in script or not data.strip():
            return
        kind = (script.get("type") or "").strip().lower()
        if kind not in DATA_SCRIPT_TYPES and not self._nonced(script):
            self.problems.append(f"an inline <script> without the answer's nonce: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._open_script = None


def inline_code(html: str, nonce: str | None) -> list[str]:
    """Everything in the page that the policy blocks: inline scripts, styles and handlers."""
    parser = _InlineCode(nonce)
    parser.feed(html)
    parser.close()
    return parser.problems
