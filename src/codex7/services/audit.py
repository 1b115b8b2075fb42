"""The audit log: keys created and revoked, workspaces created, libraries added, refreshed and
removed, visibility changed, refused authentication. An event belongs to a workspace (None: the
default one) and names its actor by key prefix (`ctx7sk-1a2b3c4d`), `env`, `local` or
`anonymous`; never by a key, a digest or an Authorization header."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codex7.errors import AuthError, Codex7Error
from codex7.store import audit as audit_store
from codex7.store.audit import AuditRow
from codex7.store.database import Connection

if TYPE_CHECKING:
    from codex7.services.auth import Principal
    from codex7.services.state import AppState

__all__ = ["ACTIONS", "AuditRow", "list_events", "record", "record_in"]

ACTIONS = (
    "auth.failed",
    "workspace.created",
    "key.created",
    "key.revoked",
    "library.added",
    "library.refreshed",
    "library.removed",
    "library.latest",
    "library.visibility",
)
MAX_EVENTS = 1000


def record_in(
    conn: Connection,
    workspace_id: int | None,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Record an event inside the caller's transaction."""
    audit_store.record(
        conn, workspace_id=workspace_id, actor=actor, action=action, target=target, detail=detail
    )


def record(
    state: AppState,
    workspace_id: int | None,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    with state.db.pool.connection() as conn:
        record_in(conn, workspace_id, actor, action, target, detail)


def list_events(
    state: AppState,
    principal: Principal,
    *,
    every_workspace: bool = False,
    action: str | None = None,
    limit: int = 50,
) -> list[AuditRow]:
    """The newest events of PRINCIPAL's workspace (with EVERY_WORKSPACE, the local user's: all).
    ACTION filters by an action or its family (`key`, `library.removed`)."""
    if not 1 <= limit <= MAX_EVENTS:
        raise Codex7Error(f"The number of events must be from 1 to {MAX_EVENTS}, not {limit}.")
    families = sorted({a.split(".")[0] for a in ACTIONS})
    if action is not None and action not in ACTIONS and action not in families:
        raise Codex7Error(
            f"Unknown audit action {action!r}; choose one of {', '.join(ACTIONS)} or a family "
            f"({', '.join(families)})."
        )
    if not principal.can_admin:
        raise AuthError(
            "The audit log is for admins: send a key with the admin scope.",
            status=403,
            code="access_denied",
        )
    if every_workspace and principal.key_prefix != "local":
        raise Codex7Error("Only the local user (`codex7 audit --all`) lists every workspace.")
    with state.db.pool.connection() as conn:
        return audit_store.list_events(
            conn,
            workspace_id=principal.workspace_id,
            every_workspace=every_workspace,
            action=action,
            limit=limit,
        )
