"""API and admin keys: Context7's headers, compared by SHA-256 digest, never logged."""

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


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The KEY of `Authorization: Bearer KEY`, or None."""
    auth = headers.get("authorization", "")
    if auth[:7].lower() != "bearer ":
        return None
    return auth[7:].strip() or None


def key_matches(key: str | None, digests: frozenset[str]) -> bool:
    """Whether KEY is one of the keys whose SHA-256 digests are DIGESTS (constant-time compare)."""
    if not key:
        return False
    digest = hashlib.sha256(key.encode()).hexdigest()
    return any(hmac.compare_digest(digest, d) for d in digests)


def allowed(headers: Mapping[str, str], digests: frozenset[str]) -> bool:
    """Whether a request may read /api: no keys configured, or it presents one of them."""
    return not digests or key_matches(presented_key(headers), digests)
