"""Optional API keys for /api: Context7's headers, compared by SHA-256 digest, never logged."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

HEADERS = ("context7-api-key", "x-api-key", "context7_api_key", "x_api_key")


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request carries, in Context7's order: Authorization (Bearer or raw), then the rest."""
    auth = headers.get("authorization")
    if auth:
        return auth[7:].strip() if auth.lower().startswith("bearer ") else auth.strip()
    for name in HEADERS:
        if headers.get(name):
            return headers[name].strip()
    return None


def allowed(headers: Mapping[str, str], digests: frozenset[str]) -> bool:
    if not digests:
        return True
    key = presented_key(headers)
    if not key:
        return False
    digest = hashlib.sha256(key.encode()).hexdigest()
    return any(hmac.compare_digest(digest, d) for d in digests)
