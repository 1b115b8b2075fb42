"""One authentication middleware for every HTTP surface: /mcp, /sse and /messages/, /api (Context7's
REST API and the management API) and /ui.

A request's key is read from Context7's headers (`Authorization: Bearer KEY` or the raw value,
`Context7-API-Key`, `X-API-Key`, `X-Context7-API-Key`, `context7_api_key`, `x_api_key`; on /ui also
the `codex7_key` cookie) and resolved by `codex7.services.auth.principal_for_key`; the caller is
put in the ASGI scope (`request.state.principal`). A refused caller gets Context7's JSON body
`{"error", "message"}`: 401 with `WWW-Authenticate: Bearer`, or 429 with `Retry-After` and the
`RateLimit-*` headers. Every refusal is logged and audited with the key's prefix at most: never a
key, a digest or an Authorization header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from codex7.api.inputs import one_line
from codex7.api.ratelimit import RateLimiter, Verdict
from codex7.errors import AuthError, Codex7Error
from codex7.services.audit import record
from codex7.services.auth import Principal, auth_enabled, digest, key_prefix, principal_for_key
from codex7.services.state import StateHolder

HEADERS = (
    "context7-api-key",
    "x-context7-api-key",
    "x-api-key",
    "context7_api_key",
    "x_api_key",
)
UI_COOKIE = "codex7_key"
# Answered without a key (the caller is still identified when it sends a valid one).
OPEN_PATHS = frozenset({"/", "/favicon.ico", "/api/auth/mcp", "/ui/login"})
OPEN_PREFIXES = ("/ui/static/",)
UNCHECKED = frozenset({"/healthz"})  # not even the database is asked: health must answer without it
# Long-lived streams (an SSE session, a job's progress): not counted against the cap on requests
# in flight, which would otherwise be used up by open sessions.
STREAMS = ("/sse",)

log = logging.getLogger("codex7.auth")


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


def _cookie_key(headers: Headers) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return None
    morsel = jar.get(UI_COOKIE)
    return morsel.value.strip() or None if morsel else None


def principal_of(request: Request) -> Principal | None:
    """The caller the middleware put on the request (None on an open path without a valid key)."""
    return getattr(request.state, "principal", None)


def _is_ui(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def _json(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"error": code, "message": one_line(message)}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def too_many(verdict: Verdict, keyed: bool, per_minute: float) -> Response:
    who = "this key" if keyed else "callers without a key, per address"
    return _json(
        429,
        "rate_limit_exceeded",
        f"Rate limited: {who} may make {per_minute:g} requests a minute (bursts of "
        f"{verdict.limit}). Retry after {verdict.headers()['Retry-After']} seconds.",
        verdict.headers(),
    )


def too_busy(limit: int, keyed: bool) -> Response:
    who = "this key" if keyed else "callers without a key, per address,"
    return _json(
        429,
        "rate_limit_exceeded",
        f"Too many requests at once: {who} may have {limit} in flight. Retry when one has "
        "finished.",
        {"Retry-After": "1"},
    )


class AuthMiddleware:
    """Authenticates, rate-limits and caps every HTTP request but /healthz (see the module)."""

    def __init__(self, app: ASGIApp, holder: StateHolder, limiter: RateLimiter):
        self.app, self.holder, self.limiter = app, holder, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCHECKED:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        key = presented_key(headers) or (_cookie_key(headers) if _is_ui(path) else None)
        client = (scope.get("client") or ("-", 0))[0]
        who = "key:" + digest(key) if key else "ip:" + client
        open_path = _is_open(path)
        limiter = self.limiter
        if not open_path:
            # An address that keeps sending wrong keys is slowed down before the database is asked.
            verdict = limiter.check("fail:" + client) if key else None
            verdict = verdict or limiter.take(who)
            if verdict is not None:
                await too_many(verdict, bool(key), limiter.per_minute)(scope, receive, send)
                return
        try:
            principal: Principal | None = await anyio.to_thread.run_sync(
                lambda: principal_for_key(self.holder.get(), key)  # one worker thread, not two
            )
        except AuthError as exc:
            if open_path:
                principal = None
            else:
                limiter.take("fail:" + client)
                await self._refused(scope, exc, key, client)
                await self._refusal(scope, path, exc)(scope, receive, send)
                return
        except Codex7Error as exc:  # the database is down: say so, as the endpoints would
            if open_path:
                principal = None
            else:
                await _json(503, "unavailable", str(exc))(scope, receive, send)
                return
        scope.setdefault("state", {})["principal"] = principal
        counted = not open_path and not path.startswith(STREAMS) and not path.endswith("/events")
        if counted and not limiter.enter(who):
            await too_busy(limiter.max_concurrent, bool(key))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if counted:
                limiter.leave(who)

    def _refusal(self, scope: Scope, path: str, exc: AuthError) -> Response:
        if _is_ui(path) and scope["method"] in ("GET", "HEAD"):
            accept = Headers(scope=scope).get("accept", "")
            if "text/html" in accept:
                return RedirectResponse(f"/ui/login?next={quote(path)}", status_code=303)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return _json(exc.status, exc.code, str(exc), headers)

    async def _refused(self, scope: Scope, exc: AuthError, key: str | None, client: str) -> None:
        """One log line and one audit event, naming the key by its prefix at most."""
        prefix = key_prefix(key)
        named = prefix or ("an unrecognised key" if key else "no key")
        where = f"{scope['method']} {one_line(scope['path'])}"
        log.info("refused %s from %s: %s (%s)", where, client, exc.code, named)
        detail: dict[str, Any] = {"path": one_line(scope["path"])[:200], "client": client}
        if prefix:
            detail["key"] = prefix
        try:
            state = await anyio.to_thread.run_sync(self.holder.get)
            await anyio.to_thread.run_sync(
                lambda: record(state, None, prefix or "anonymous", "auth.failed", where, detail)
            )
        except Codex7Error as err:
            log.warning("could not record a refused request in the audit log: %s", err)


async def auth_mcp(request: Request) -> Response:
    """GET /api/auth/mcp: `{"enabled": true}` when callers need a key (what `ctx7 setup --mcp
    --base-url` asks before writing a client's configuration)."""
    holder: StateHolder = request.app.state.codex7_holder
    try:
        state = await anyio.to_thread.run_sync(holder.get)
        enabled = await anyio.to_thread.run_sync(auth_enabled, state)
    except Codex7Error as exc:
        return _json(503, "unavailable", str(exc))
    return Response(json.dumps({"enabled": enabled}), media_type="application/json")
