"""Signing in and out of the web UI: a key typed once, kept in an HttpOnly cookie (ui/session.py)."""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from codex7.errors import AuthError
from codex7.services.auth import principal_for_key
from codex7.ui import session
from codex7.ui.routes import UI


def routes(ui: UI) -> list[BaseRoute]:
    async def login_form(request: Request) -> Response:
        refused = await session.refusal(request, ui.policy)
        if refused:
            return ui.render(request, None, "error.html", http_status=403, message=refused)
        target = session.safe_next(request.query_params.get("next"))
        return ui.render(request, None, "login.html", next=target, nav_active="login")

    async def login(request: Request) -> Response:
        refused = await session.refusal(request, ui.policy)
        if refused:
            return ui.render(request, None, "error.html", http_status=403, message=refused)
        form = await request.form()
        key = str(form.get("key") or "").strip()
        target = session.safe_next(str(form.get("next") or ""))
        problem = None
        if not key or len(key) > session.MAX_KEY:
            problem = (
                "Type an API key or an admin key (what CODEX7_API_KEYS or CODEX7_ADMIN_KEYS hold)."
            )
        else:
            state = await ui.state()
            try:
                await anyio.to_thread.run_sync(principal_for_key, state, key)
            except AuthError as exc:
                problem = str(exc)
        if problem:
            return ui.render(
                request, None, "login.html", http_status=401, error=problem, next=target
            )
        response = ui.redirect(request, target, "Signed in.")
        session.set_key(response, request, key)
        return response

    async def logout(request: Request) -> Response:
        refused = await session.refusal(request, ui.policy)
        if refused:
            return ui.render(request, None, "error.html", http_status=403, message=refused)
        response = ui.redirect(request, "/ui", "Signed out.")
        session.clear_key(response)
        return response

    return [
        Route("/ui/login", login_form, methods=["GET"]),
        Route("/ui/login", login, methods=["POST"]),
        Route("/ui/logout", logout, methods=["POST"]),
    ]
