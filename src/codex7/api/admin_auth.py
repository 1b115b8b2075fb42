"""Who may change what is indexed: the management API's write endpoints need an admin key.

Writes are refused outright until keys are configured (`CODEX7_ADMIN_KEYS`); then a request must
send `Authorization: Bearer KEY` with one of them. Keys are compared by SHA-256 digest and never
logged or echoed. Reads need what Context7's API needs (an API key when `CODEX7_API_KEYS` is
set); an admin key also reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from codex7.api.auth import allowed, bearer_token, key_matches


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


NO_ADMIN_KEYS = Refusal(
    403,
    "admin_disabled",
    "Changes through the management API are disabled: no admin key is configured. "
    "Set CODEX7_ADMIN_KEYS to one or more comma-separated keys, restart `codex7 serve`, and "
    "send 'Authorization: Bearer <key>'.",
)
NO_KEY = Refusal(
    401,
    "unauthorized",
    "This endpoint changes what is indexed: send an admin key as "
    "'Authorization: Bearer <key>' (one of CODEX7_ADMIN_KEYS).",
)
WRONG_KEY = Refusal(
    401,
    "unauthorized",
    "The admin key is not valid: send one of the keys in CODEX7_ADMIN_KEYS as "
    "'Authorization: Bearer <key>'.",
)
NO_READ_KEY = Refusal(
    401,
    "unauthorized",
    "Invalid API key. Send an API key (CODEX7_API_KEYS) or an admin key (CODEX7_ADMIN_KEYS) "
    "as 'Authorization: Bearer <key>'.",
)


def write_refusal(headers: Mapping[str, str], admin_digests: frozenset[str]) -> Refusal | None:
    """Why a write is refused (403: no admin keys configured; 401: no or a wrong key), or None."""
    if not admin_digests:
        return NO_ADMIN_KEYS
    key = bearer_token(headers)
    if key is None:
        return NO_KEY
    return None if key_matches(key, admin_digests) else WRONG_KEY


def read_refusal(
    headers: Mapping[str, str], api_digests: frozenset[str], admin_digests: frozenset[str]
) -> Refusal | None:
    """Why a read is refused (401), or None: open without API keys, else an API or admin key."""
    if allowed(headers, api_digests) or key_matches(bearer_token(headers), admin_digests):
        return None
    return NO_READ_KEY
