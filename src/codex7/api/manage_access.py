"""Workspaces, API keys and the audit log in the management API (docs/team.md).

    GET  /api/manage/workspaces             the caller's workspace; every one for the default's admins
    POST /api/manage/workspaces             {"name", "description"}: the default workspace's admins
    GET  /api/manage/keys                   the caller's workspace's keys (admin scope)
    POST /api/manage/keys                   {"workspace", "scope", "name", "expires"}: the key, once
    POST /api/manage/keys/{prefix}/revoke   refused from the next request on
    GET  /api/manage/audit?limit=&action=   the caller's workspace's events, newest first

No answer ever holds a digest; a key is in the answer to its creation only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from codex7.api.guard import Endpoint
from codex7.api.inputs import MAX_TEXT, shown
from codex7.api.manage_inputs import bad_request, body_text, json_object
from codex7.services import audit, workspaces
from codex7.services.auth import Principal
from codex7.services.workspaces import KeyRow, WorkspaceRow

Call = Callable[..., Awaitable[Any]]
Who = Callable[[Request], Principal | None]
Body = Callable[[Request], Awaitable[Any]]

WORKSPACE_FIELDS = ("name", "description")
KEY_FIELDS = ("workspace", "scope", "name", "expires")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def workspace_json(w: WorkspaceRow) -> dict[str, Any]:
    return {
        "name": w.name,
        "description": w.description,
        "created_at": _when(w.created_at),
        "libraries": w.libraries,
        "keys": w.keys,
    }


def key_json(k: KeyRow) -> dict[str, Any]:
    status = "revoked" if k.revoked_at else "expired" if k.expired else "active"
    return {
        "prefix": k.prefix,
        "workspace": k.workspace or workspaces.DEFAULT,
        "scopes": list(k.scopes),
        "name": k.name,
        "status": status,
        "created_at": _when(k.created_at),
        "expires_at": _when(k.expires_at),
        "revoked_at": _when(k.revoked_at),
        "last_used_at": _when(k.last_used_at),
    }


def event_json(e: audit.AuditRow) -> dict[str, Any]:
    return {
        "at": _when(e.at),
        "workspace": e.workspace or workspaces.DEFAULT,
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "detail": e.detail,
    }


def _text(body: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    return body_text(body, name, limit=MAX_TEXT, required=required)


def _limit(params: Mapping[str, str]) -> int:
    raw = params.get("limit", "50")
    top = audit.MAX_EVENTS
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= top:
        raise bad_request(f"'limit' must be a whole number from 1 to {top} (got {shown(raw)}).")
    return int(raw)


def access_endpoints(call: Call, who: Who, body: Body) -> list[tuple[str, str, Endpoint]]:
    """(path under /api/manage, method, endpoint): run on the services with the caller."""

    async def list_workspaces(request: Request) -> Response:
        found = await call(workspaces.list_workspaces, principal=who(request))
        return JSONResponse({"workspaces": [workspace_json(w) for w in found]})

    async def create_workspace(request: Request) -> Response:
        data = json_object(await body(request), WORKSPACE_FIELDS, '{"name": "platform"}')
        name = _text(data, "name", required=True) or ""
        description = _text(data, "description") or ""
        made = await call(workspaces.create_workspace, name, description, principal=who(request))
        return JSONResponse(workspace_json(made), status_code=201)

    async def list_keys(request: Request) -> Response:
        found = await call(workspaces.list_keys, principal=who(request))
        return JSONResponse({"keys": [key_json(k) for k in found]})

    async def create_key(request: Request) -> Response:
        data = json_object(
            await body(request), KEY_FIELDS, '{"workspace": "platform", "scope": "read"}'
        )
        scope = _text(data, "scope") or "read"
        expires = workspaces.parse_expiry(_text(data, "expires"))
        made = await call(
            workspaces.create_key,
            _text(data, "workspace"),
            scope,
            principal=who(request),
            name=_text(data, "name") or "",
            expires_at=expires,
        )
        answer = {
            "key": made.key,
            **key_json(made.row),
            "message": "Store this key now: it is shown only once (only its digest is kept).",
        }
        return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})

    async def revoke_key(request: Request) -> Response:
        prefix = request.path_params["prefix"][:100]
        row = await call(workspaces.revoke_key, prefix, principal=who(request))
        return JSONResponse(key_json(row))

    async def list_audit(request: Request) -> Response:
        action = request.query_params.get("action") or None
        found = await call(
            audit.list_events,
            who(request),
            action=action,
            limit=_limit(request.query_params),
        )
        return JSONResponse({"events": [event_json(e) for e in found]})

    return [
        ("/workspaces", "GET", list_workspaces),
        ("/workspaces", "POST", create_workspace),
        ("/keys", "GET", list_keys),
        ("/keys", "POST", create_key),
        ("/keys/{prefix}/revoke", "POST", revoke_key),
        ("/audit", "GET", list_audit),
    ]
