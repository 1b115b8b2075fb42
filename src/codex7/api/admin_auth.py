"""Who may change what is indexed: the management API's writes need a key with the admin scope.

The authentication middleware (api/auth.py) has already refused callers without a valid key (or
without one where anonymous access is off); here a caller it let through is checked for the
scope an endpoint needs. Writes answer 403 `admin_disabled` while no admin key exists at all, and
403 `access_denied` for a caller whose key has the read scope only (or no key).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from codex7.api.auth import principal_of
from codex7.services.auth import Principal
from codex7.services.state import AppState


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


NO_ADMIN_KEYS = Refusal(
    403,
    "admin_disabled",
    "Changes through the management API are disabled: no admin key is configured. "
    "Set CODEX7_ADMIN_KEYS to one or more comma-separated keys (or create one with "
    "`codex7 keys create --workspace default --scope admin`), restart `codex7 serve`, and "
    "send 'Authorization: Bearer <key>'.",
)
NOT_ADMIN = Refusal(
    403,
    "access_denied",
    "This endpoint changes what is indexed and needs a key with the admin scope; this request's "
    "key has the read scope only, or it sent none. Send an admin key as "
    "'Authorization: Bearer <key>'.",
)
UNKNOWN = Refusal(
    401,
    "unauthorized",
    "An API key is required. Send it as 'Authorization: Bearer <key>'.",
)


def read_refusal(request: Request) -> Refusal | None:
    """Why a read is refused (the middleware let the caller through: nothing, unless it did not
    run)."""
    principal = principal_of(request)
    return None if principal is not None and principal.can_read else UNKNOWN


def write_refusal(request: Request, state: AppState) -> Refusal | None:
    """Why a write is refused (403: no admin key exists, or the caller is not an admin), or None."""
    principal: Principal | None = principal_of(request)
    if principal is None:
        return UNKNOWN
    if principal.can_admin:
        return None
    from codex7.services.auth import admin_keys_exist

    return NOT_ADMIN if admin_keys_exist(state) else NO_ADMIN_KEYS
