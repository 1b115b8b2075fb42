"""The web UI at /ui (`/` redirects there): server-rendered pages on codex7.services.

`ui_routes()` gives the routes `codex7 serve` passes to `build_app(extra_routes=...)`. Every page
goes through `UI.page`: the Host/Origin policy of /mcp and /api (and, for a POST, an Origin naming
this server), who the user is (ui/session.py), whether they may change things, and errors as a
page that says what was wrong (never a traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from codex7 import __version__
from codex7.errors import (
    AuthError,
    Codex7Error,
    DatabaseError,
    JobNotFound,
    LibraryNotFound,
    VersionNotFound,
)
from codex7.services.auth import Principal, principal_for_key
from codex7.services.state import AppState, StateHolder
from codex7.ui import session
from codex7.ui.forms import schedule_label

log = logging.getLogger("codex7.ui")

HERE = Path(__file__).parent
T = TypeVar("T")
Handler = Callable[[Request, Principal], Awaitable[Response]]

NAV = (
    ("libraries", "/ui", "Libraries"),
    ("add", "/ui/libraries/new", "Add a library"),
    ("jobs", "/ui/jobs", "Jobs"),
    ("query", "/ui/query", "Try a query"),
    ("analytics", "/ui/analytics", "What agents ask"),
    ("connect", "/ui/connect", "Connect a client"),
)


class Refused(Exception):
    """A page's answer other than success: HTTP status and a sentence for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def status_of(exc: Codex7Error) -> int:
    if isinstance(exc, LibraryNotFound | VersionNotFound | JobNotFound):
        return 404
    if isinstance(exc, AuthError):
        return exc.status
    if isinstance(exc, DatabaseError):
        return 503
    return 400


# Filters for the templates: dates, durations, numbers, milliseconds.


def when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float | timedelta | None) -> str:
    if seconds is None:
        return "—"
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def number(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}"


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"


class UI:
    """What every page shares: the state holder, the policy, the templates."""

    def __init__(self, holder: StateHolder, policy: TransportSecuritySettings):
        self.holder, self.policy = holder, policy
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters.update(
            when=when, duration=duration, number=number, ms=ms, schedule=schedule_label
        )
        env.globals.update(nav=NAV, codex7_version=__version__)

    async def state(self) -> AppState:
        return await anyio.to_thread.run_sync(self.holder.get)

    async def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """FUNC(state, *ARGS, **KWARGS) in a worker thread: the services block on the database."""
        return await anyio.to_thread.run_sync(lambda: func(self.holder.get(), *args, **kwargs))

    def render(
        self,
        request: Request,
        user: Principal | None,
        template: str,
        *,
        http_status: int = 200,
        **context: Any,
    ) -> Response:
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "user": user,
                "can_admin": bool(user and user.can_admin),
                "signed_in": session.presented_key(request) is not None,
                "flash": session.flash(request),
                **context,
            },
            status_code=http_status,
        )
        session.take_flash(request, response)
        return response

    def redirect(self, request: Request, target: str, message: str | None = None) -> Response:
        """303 to TARGET after a POST, with a notice for the next page."""
        response = RedirectResponse(target, status_code=303)
        if message:
            session.set_flash(response, request, message)
        return response

    async def user(self, request: Request) -> Principal:
        """The signed-in user, or whoever no key is; AuthError when neither may read. The app's
        authentication middleware has usually resolved the cookie's key already."""
        known = request.scope.get("state", {}).get("principal")
        if isinstance(known, Principal):
            return known
        key = session.presented_key(request)
        state = await self.state()
        return await anyio.to_thread.run_sync(principal_for_key, state, key)

    def page(self, handler: Handler, *, admin: bool = False) -> Callable[[Request], Any]:
        """HANDLER behind the Host/Origin policy and the sign-in; ADMIN: changes need an admin
        key (reads need what /api needs)."""

        async def endpoint(request: Request) -> Response:
            refused = await session.refusal(request, self.policy)
            if refused:
                return self.render(request, None, "error.html", http_status=403, message=refused)
            try:
                user = await self.user(request)
            except AuthError as exc:
                return self._sign_in_again(request, exc)
            except Codex7Error as exc:
                return self.render(
                    request, None, "error.html", http_status=status_of(exc), message=str(exc)
                )
            if not user.can_read:
                return self._sign_in_again(request, None)
            if admin and not user.can_admin:
                message = (
                    "Changing what is indexed needs an admin key: sign in with one of "
                    "CODEX7_ADMIN_KEYS (or a workspace admin key)."
                )
                return self.render(request, user, "error.html", http_status=403, message=message)
            try:
                return await handler(request, user)
            except Refused as exc:
                return self.render(
                    request, user, "error.html", http_status=exc.status, message=exc.message
                )
            except Codex7Error as exc:
                return self.render(
                    request, user, "error.html", http_status=status_of(exc), message=str(exc)
                )
            except Exception:
                rid = getattr(request.state, "request_id", "-")
                log.exception("%s %s failed (id=%s)", request.method, request.url.path, rid)
                message = f"The server failed on this page (request {rid}); see its log."
                return self.render(request, user, "error.html", http_status=500, message=message)

        return endpoint

    def _sign_in_again(self, request: Request, exc: AuthError | None) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(
                f"/ui/login?next={quote(target, safe='')}", status_code=303
            )
        else:
            message = str(exc) if exc else "Sign in to use this page."
            response = self.render(request, None, "login.html", http_status=401, error=message)
        if session.presented_key(request):  # a key that no longer works is forgotten
            session.clear_key(response)
        return response


def ui_routes(holder: StateHolder, policy: TransportSecuritySettings) -> list[BaseRoute]:
    """The web UI's routes for the process's state HOLDER, behind the Host/Origin POLICY:
    /ui and below, and `/` redirecting to /ui."""
    from codex7.ui import account, insight_pages, job_pages, library_pages

    ui = UI(holder, policy)
    routes: list[BaseRoute] = [
        *library_pages.routes(ui),
        *job_pages.routes(ui),
        *insight_pages.routes(ui),
        *account.routes(ui),
        Mount("/ui/static", app=StaticFiles(directory=str(HERE / "static")), name="ui-static"),
    ]

    async def home(request: Request) -> Response:
        return RedirectResponse("/ui", status_code=307)

    return [*routes, Route("/", home, methods=["GET"])]
