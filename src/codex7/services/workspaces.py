"""Workspaces and their API keys: create, list, revoke; who may do which.

The default workspace (no row, None) is the server's own: its admins (CODEX7_ADMIN_KEYS, admin
keys made with `--workspace default`, the local user) create workspaces and may make the first
keys of any workspace. A workspace's admin keys manage that workspace's keys only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from codex7.errors import AuthError, WorkspaceError
from codex7.services.audit import record_in
from codex7.services.auth import ADMIN, READ, Principal, new_key
from codex7.store import keys as key_store
from codex7.store import workspaces as workspace_store
from codex7.store.keys import KeyRow
from codex7.store.workspaces import WorkspaceRow

if TYPE_CHECKING:
    from codex7.services.state import AppState

__all__ = [
    "DEFAULT",
    "KeyRow",
    "NewKey",
    "WorkspaceRow",
    "create_key",
    "create_workspace",
    "list_keys",
    "list_workspaces",
    "parse_expiry",
    "revoke_key",
    "workspace_id",
    "workspace_name",
]

DEFAULT = "default"  # the name of the workspace without a row
NAME_RULE = "1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_DURATION = re.compile(r"(\d+)\s*([hdw])")
_UNITS = {"h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class NewKey:
    key: str  # shown once; never stored
    row: KeyRow


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name) or name == DEFAULT:
        raise WorkspaceError(
            f"A workspace name is {NAME_RULE}, and not 'default' (got {name[:80]!r}); "
            "e.g. 'platform-team'."
        )
    return name


def workspace_id(state: AppState, name: str | None) -> int | None:
    """The workspace NAME (None or 'default': the default workspace, None); WorkspaceError for
    an unknown name, listing the known ones."""
    if name is None or name.strip() in ("", DEFAULT):
        return None
    with state.db.pool.connection() as conn:
        row = workspace_store.by_name(conn, name.strip())
        if row is None:
            known = [w.name for w in workspace_store.list_all(conn)]
    if row is None:
        listed = ", ".join(known) if known else "none yet (codex7 workspaces create NAME)"
        raise WorkspaceError(f"There is no workspace {name[:80]!r}. Workspaces: {listed}.")
    return row.id


def workspace_name(state: AppState, ident: int | None) -> str:
    if ident is None:
        return DEFAULT
    with state.db.pool.connection() as conn:
        row = workspace_store.by_id(conn, ident)
    return row.name if row else str(ident)


def _operator(principal: Principal, doing: str) -> None:
    if not (principal.can_admin and principal.workspace_id is None):
        raise AuthError(
            f"Only admins of the default workspace (CODEX7_ADMIN_KEYS, or the server's own "
            f"`codex7` command) can {doing}.",
            status=403,
            code="access_denied",
        )


def _admin_of(principal: Principal, target: int | None, doing: str) -> None:
    if not principal.can_admin:
        raise AuthError(
            f"This key has the read scope only; {doing} needs a key with the admin scope.",
            status=403,
            code="access_denied",
        )
    if principal.workspace_id is not None and principal.workspace_id != target:
        raise AuthError(
            f"A workspace's admin keys can {doing} for their own workspace only.",
            status=403,
            code="access_denied",
        )


def create_workspace(
    state: AppState, name: str, description: str = "", *, principal: Principal
) -> WorkspaceRow:
    _operator(principal, "create workspaces")
    name = check_name(name)
    with state.db.pool.connection() as conn, conn.transaction():
        row = workspace_store.create(conn, name, " ".join(description.split())[:500])
        record_in(conn, row.id, principal.actor, "workspace.created", name)
    return row


def list_workspaces(state: AppState, *, principal: Principal) -> list[WorkspaceRow]:
    """Every workspace for the default workspace's admins; a workspace's own row for its keys."""
    with state.db.pool.connection() as conn:
        if principal.workspace_id is None:
            _operator(principal, "list workspaces")
            return workspace_store.list_all(conn)
        row = workspace_store.by_id(conn, principal.workspace_id)
        return [row] if row else []


def parse_expiry(text: str | None, now: datetime | None = None) -> datetime | None:
    """When a key expires: None/'never', a duration ('90d', '12h', '2w') or a date (2027-01-31)."""
    if text is None or text.strip().lower() in ("", "never"):
        return None
    now = now or datetime.now(UTC)
    raw = text.strip().lower()
    if m := _DURATION.fullmatch(raw):
        if int(m[1]) > 0:
            return now + timedelta(seconds=int(m[1]) * _UNITS[m[2]])
    else:
        try:
            when = datetime.fromisoformat(raw.upper() if "t" in raw else raw)
        except ValueError:
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            if when > now:
                return when
    raise WorkspaceError(
        f"An expiry is a duration such as 90d, 12h or 2w, a future date such as 2027-01-31, or "
        f"'never' (got {text[:80]!r})."
    )


def create_key(
    state: AppState,
    workspace: str | None,
    scope: str,
    *,
    principal: Principal,
    name: str = "",
    expires_at: datetime | None = None,
) -> NewKey:
    """A new key for WORKSPACE (None / 'default': the default workspace) with SCOPE 'read' or
    'admin' (admin keys also read). The key is in the result, and nowhere else, ever."""
    if scope not in (READ, ADMIN):
        raise WorkspaceError(f"A key's scope is 'read' or 'admin', not {scope[:40]!r}.")
    _admin_of(principal, principal.workspace_id, "create keys")
    if principal.workspace_id is None:
        target = workspace_id(state, workspace)  # the default workspace's admins: any workspace
    else:
        # Compared before any lookup: another workspace's name is never confirmed.
        own = workspace_name(state, principal.workspace_id)
        if workspace not in (None, "", own):
            _admin_of(principal, -1, "create keys")
        target = principal.workspace_id
    scopes = [READ, ADMIN] if scope == ADMIN else [READ]
    key, prefix, digest = new_key()
    label = " ".join(name.split())[:200]
    with state.db.pool.connection() as conn, conn.transaction():
        row = key_store.insert(
            conn,
            workspace_id=target,
            prefix=prefix,
            digest=digest,
            scopes=scopes,
            name=label,
            expires_at=expires_at,
        )
        detail = {"scopes": scopes, "name": label}
        if expires_at is not None:
            detail["expires_at"] = expires_at.isoformat()
        record_in(conn, target, principal.actor, "key.created", prefix, detail)
    state.keys_seen = True  # from now on anonymous callers are refused (unless allowed)
    return NewKey(key, row)


def list_keys(
    state: AppState, *, principal: Principal, every_workspace: bool = False
) -> list[KeyRow]:
    """The keys of PRINCIPAL's workspace (the local user: with EVERY_WORKSPACE, all of them)."""
    _admin_of(principal, principal.workspace_id, "list keys")
    if every_workspace:
        _operator(principal, "list every workspace's keys")
    with state.db.pool.connection() as conn:
        return key_store.list_keys(conn, principal.workspace_id, every_workspace=every_workspace)


def revoke_key(state: AppState, prefix: str, *, principal: Principal) -> KeyRow:
    """Revoke a key by its prefix; it is refused from the next request on. The default
    workspace's admins revoke any key, a workspace's admins their workspace's."""
    _admin_of(principal, principal.workspace_id, "revoke keys")
    prefix = prefix.strip()
    with state.db.pool.connection() as conn, conn.transaction():
        row = key_store.by_prefix(conn, prefix)
        mine = row is not None and (
            principal.workspace_id is None or row.workspace_id == principal.workspace_id
        )
        if row is None or not mine:
            raise WorkspaceError(
                f"There is no key {prefix[:40]!r} in this workspace; `codex7 keys list` shows "
                "the prefixes."
            )
        if key_store.revoke(conn, row.id):
            record_in(conn, row.workspace_id, principal.actor, "key.revoked", row.prefix)
        found = key_store.by_id(conn, row.id)
    assert found is not None
    return found
