"""Who a caller is: a presented key (or none) → a Principal with a workspace and scopes.

Keys come from the environment (CODEX7_API_KEYS: read, CODEX7_ADMIN_KEYS: read and admin; both in
the default workspace, `workspace_id` None) or from the database (`codex7 keys create`, stored as
a SHA-256 digest with a non-secret prefix). Without a key a caller is anonymous: it reads public
libraries when anonymous access is on (CODEX7_ANONYMOUS; by default only while no key exists at
all). A refused caller gets an AuthError with the HTTP status to answer. Keys and digests are
never logged, returned or put in a message.
"""

from __future__ import annotations

import hmac
import re
import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codex7.config import key_digest as digest
from codex7.errors import AuthError, DatabaseError
from codex7.store import keys as key_store

if TYPE_CHECKING:
    from codex7.services.state import AppState

__all__ = [
    "ANONYMOUS",
    "AuthError",
    "Principal",
    "anonymous_allowed",
    "auth_enabled",
    "Access",
    "access",
    "acting",
    "admin_keys_exist",
    "key_prefix",
    "local_principal",
    "principal_for_key",
]

READ = "read"
ADMIN = "admin"
SCOPES = (READ, ADMIN)

KEY_START = "ctx7sk-"  # Context7's key prefix: clients that check it accept ours
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY = re.compile(r"(ctx7sk-[a-z0-9]{8})-[A-Za-z0-9]{40}")

KEY_CHECK_TIMEOUT = 2.0  # seconds to wait for a connection to ask whether any key exists
HOW_TO_SEND = "'Authorization: Bearer <key>', 'Context7-API-Key: <key>' or 'X-API-Key: <key>'"


@dataclass(frozen=True)
class Principal:
    workspace_id: int | None  # None: anonymous / the environment's bootstrap keys
    key_prefix: str | None  # the non-secret prefix, for logs and audit
    scopes: frozenset[str]  # {"read"} or {"read", "admin"}; empty for a refused caller

    @property
    def can_read(self) -> bool:
        return READ in self.scopes

    @property
    def can_admin(self) -> bool:
        return ADMIN in self.scopes

    @property
    def actor(self) -> str:
        """How the audit log names this caller: its key's prefix, `env`, `local` or `anonymous`."""
        return self.key_prefix or "anonymous"


ANONYMOUS = Principal(workspace_id=None, key_prefix=None, scopes=frozenset({READ}))
ENV_READER = Principal(workspace_id=None, key_prefix="env", scopes=frozenset({READ}))
ENV_ADMIN = Principal(workspace_id=None, key_prefix="env-admin", scopes=frozenset(SCOPES))


def new_key() -> tuple[str, str, str]:
    """A fresh key: (key, its prefix, its digest). Only the key's holder ever sees the key."""
    prefix = KEY_START + "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    key = prefix + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(40))
    return key, prefix, digest(key)


def key_prefix(key: str | None) -> str | None:
    """The non-secret prefix of a key shaped like Codex7's (`ctx7sk-1a2b3c4d`), else None."""
    m = _KEY.fullmatch(key or "")
    return m[1] if m else None


def _matches(value: str, digests: frozenset[str]) -> bool:
    found = False
    for d in digests:  # every one compared, each in constant time
        found |= hmac.compare_digest(value, d)
    return found


def _any_key(state: AppState) -> bool:
    """Whether any key exists: in the environment, or in the database (even revoked or expired
    ones, so that revoking the last key never opens the server). Once seen, a key is remembered
    (keys are never deleted). While the database cannot be asked, the last answer stands: a
    server that never had a key lets the caller through as anonymous, and its request meets the
    same unavailable database."""
    settings = state.settings
    if settings.api_key_digests or settings.admin_key_digests or state.keys_seen:
        return True
    try:
        with state.db.pool.connection(timeout=KEY_CHECK_TIMEOUT) as conn:
            found = key_store.any_key(conn)
    except DatabaseError:
        return False
    if found:
        state.keys_seen = True
    return found


def anonymous_allowed(state: AppState) -> bool:
    """CODEX7_ANONYMOUS when set; else while no key exists."""
    if state.settings.anonymous is not None:
        return state.settings.anonymous
    return not _any_key(state)


def admin_keys_exist(state: AppState) -> bool:
    """Whether any usable admin key exists (else the management API's writes are disabled)."""
    if state.settings.admin_key_digests:
        return True
    with state.db.pool.connection() as conn:
        return key_store.any_admin(conn)


@dataclass(frozen=True)
class Access:
    """What `codex7 serve` says about who may call it."""

    anonymous: bool  # callers without a key read public libraries
    keys: int  # usable keys: the environment's and the database's
    admins: bool  # some key may change what is indexed


def access(state: AppState) -> Access:
    settings = state.settings
    with state.db.pool.connection() as conn:
        stored = key_store.count_usable(conn)
    env = len(settings.api_key_digests) + len(settings.admin_key_digests)
    return Access(anonymous_allowed(state), env + stored, admin_keys_exist(state))


def auth_enabled(state: AppState) -> bool:
    """Whether callers need a key (`GET /api/auth/mcp` answers it for `ctx7 setup`)."""
    return not anonymous_allowed(state)


def principal_for_key(state: AppState, key: str | None) -> Principal:
    """Who a presented key (or no key) is. Raises AuthError(status 401) for a wrong/revoked/expired
    key or a missing key when anonymous access is off; never returns for a refused caller.

    While no key exists at all, a presented key is not checked (there is nothing to check it
    against) and the caller is anonymous.
    """
    settings = state.settings
    if key:
        value = digest(key)
        if _matches(value, settings.admin_key_digests):
            return ENV_ADMIN
        if _matches(value, settings.api_key_digests):
            return ENV_READER
        with state.db.pool.connection() as conn:
            row = key_store.by_digest(conn, value)
            if row is not None and row.revoked_at is None and not row.expired:
                if row.touch_due:  # not a write (nor a round trip) on every request
                    key_store.touch(conn, row.id)
                return Principal(row.workspace_id, row.prefix, frozenset(row.scopes))
        if row is not None and row.revoked_at is not None:
            raise AuthError(
                f"The API key {row.prefix} was revoked. Ask an admin of its workspace for a new "
                "one (codex7 keys create)."
            )
        if row is not None:
            raise AuthError(
                f"The API key {row.prefix} expired. Ask an admin of its workspace for a new one "
                "(codex7 keys create)."
            )
        if not _any_key(state) and settings.anonymous is not False:
            return ANONYMOUS
        raise AuthError(f"Invalid API key. Please check your API key; send it as {HOW_TO_SEND}.")
    if anonymous_allowed(state):
        return ANONYMOUS
    raise AuthError(f"An API key is required on this server. Send it as {HOW_TO_SEND}.")


def local_principal(state: AppState) -> Principal:
    """The local user (the CLI, a stdio server): the workspace CODEX7_WORKSPACE / --workspace
    names (None: the default one), with both scopes."""
    from codex7.services.workspaces import workspace_id

    return Principal(workspace_id(state, state.settings.workspace), "local", frozenset(SCOPES))


def acting(state: AppState, principal: Principal | None) -> Principal:
    """PRINCIPAL, or the local user when a command or stdio server calls without one. A server
    answering remote callers always names them: a call without one fails rather than seeing
    what the local user sees."""
    if principal is not None:
        return principal
    if getattr(state, "remote", False):
        raise AuthError("The caller is unknown: this server answers authenticated callers only.")
    return local_principal(state)
