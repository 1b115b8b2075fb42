"""The MCP server object (tools, instructions, lifespan) and the one web application around it.

`build_app` is Codex7's own Starlette app: MCP streamable HTTP at /mcp, legacy SSE at /sse and
/messages/, Context7's REST API and the management API under /api, /healthz; request IDs and the
access log as middleware. One Host/Origin policy (DNS rebinding) covers every route but /healthz.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from codex7 import __version__
from codex7.config import Settings
from codex7.errors import Codex7Error
from codex7.server.tools import agent_message, prepare_arguments, register_tools
from codex7.services.state import StateHolder

if TYPE_CHECKING:  # the web app's modules load in build_app: stdio never needs them
    from mcp.server.sse import SseServerTransport
    from starlette.applications import Starlette
    from starlette.routing import BaseRoute
    from starlette.types import Receive, Scope, Send

    from codex7.api.ratelimit import RateLimiter

INSTRUCTIONS = """Codex7 serves this team's indexed documentation (Context7-compatible).
Use it whenever the user asks about a library, framework, SDK, API, CLI tool or service: API syntax, configuration, version migration, library-specific debugging, setup and CLI usage — even for well-known libraries, and prefer it over web search, since it holds the exact versions the team uses.
Call resolve-library-id to find a library ID (unless the user gives /org/project or /org/project/version), then query-docs with one concept per query.
Do not use it for refactoring, writing scripts from scratch, business-logic debugging, code review or general programming concepts."""

log = logging.getLogger("codex7.server")


class Codex7Server(MCPServer[StateHolder]):
    holder: StateHolder  # the process's database state (build_server sets it)

    async def list_tools(self) -> Any:
        tools = await super().list_tools()
        self.holder.listed.set()  # the model's warm-up may start now (services.state.WarmUp)
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, prepare_arguments(name, arguments), context)
        except ToolError as exc:
            # Our messages and pydantic's argument errors, in words for the agent, without the
            # SDK's prefix; a crash keeps the SDK's generic text.
            if isinstance(exc, UnexpectedToolError):
                raise
            raise ToolError(agent_message(name, exc)) from exc.__cause__


@contextmanager
def plain_sdk_logging() -> Iterator[None]:
    """While MCPServer() runs: its logging set-up without rich. The SDK installs rich's handler
    on the root logger (importing rich takes 0.2 s of a start) unless logging is configured
    already, which `codex7 serve` does first; a plain stderr handler at the same level else."""
    from mcp.server.mcpserver import server as sdk

    configure = sdk.configure_logging

    def plain(level: Any = "INFO") -> None:
        logging.basicConfig(level=level, format="%(message)s")

    sdk.configure_logging = plain
    try:
        yield
    finally:
        sdk.configure_logging = configure


def build_server(settings: Settings, holder: StateHolder | None = None) -> Codex7Server:
    """The MCP server (tools and instructions) for stdio, in-process clients and `build_app`."""
    holder = holder or StateHolder(settings)

    @asynccontextmanager
    async def lifespan(_: MCPServer[StateHolder]) -> AsyncIterator[StateHolder]:
        # Entered per SSE session and once by the streamable HTTP session manager: the state
        # outlives them all (StateHolder). A held state (`codex7 serve`) may still be opening
        # while the client says hello: the tools wait for it (StateHolder.get), not the session.
        if holder.held:
            yield holder
            return
        await anyio.to_thread.run_sync(holder.enter_session)
        try:
            yield holder
        finally:
            await anyio.to_thread.run_sync(holder.leave_session)

    with plain_sdk_logging():
        server = Codex7Server(
            name="Codex7",
            version=__version__,
            instructions=INSTRUCTIONS,
            website_url="https://github.com/codex7/codex7",
            lifespan=lifespan,
            log_level="WARNING",
        )
    server.holder = holder
    register_tools(server)
    return server


def build_app(
    server: Codex7Server,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    security: TransportSecuritySettings | None = None,
    extra_routes: list[BaseRoute] | None = None,
    limiter: RateLimiter | None = None,
) -> Starlette:
    """The web application `codex7 serve --transport http|sse` runs on HOST:PORT.

    `security` defaults to the Host/Origin policy for HOST:PORT (`api.security`); `extra_routes`
    (a web UI, say) are matched after Codex7's own. Every request but /healthz passes the
    authentication middleware (api/auth.py) with `limiter`'s limits (default: the settings').
    """
    from mcp.server.sse import SseServerTransport
    from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route

    from codex7.api.auth import AuthMiddleware
    from codex7.api.ratelimit import RateLimiter
    from codex7.api.routes import api_routes
    from codex7.api.security import transport_security
    from codex7.server.access import RequestContext

    holder = server.holder
    settings = holder.settings
    policy = security or transport_security(host, port, settings.public_hosts)
    holder.serve_remote()  # from now on every service call names its caller
    limiter = limiter or RateLimiter(
        settings.rate_limit, settings.rate_burst, settings.max_concurrent
    )
    # The SDK's own factory creates the session manager we mount at /mcp; its Starlette app is
    # not used (its routes and lifespan are replaced by ours).
    server.streamable_http_app(stateless_http=True, json_response=True, transport_security=policy)
    manager = server.session_manager
    sse = SseServerTransport("/messages/", security_settings=policy)

    async def healthz(_: Request) -> JSONResponse:
        problem = await anyio.to_thread.run_sync(database_problem, holder)
        if problem:
            body = {"status": "unavailable", "database": problem, "version": __version__}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.run():  # the streamable HTTP sessions' task group, our MCP lifespan
            yield

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/mcp", StreamableHTTPASGIApp(manager)),
        Route("/sse", SseSession(server, sse, policy), methods=["GET"]),
        Mount("/messages/", app=sse.handle_post_message),
        *api_routes(holder, policy),
        *(extra_routes or []),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestContext),
            Middleware(AuthMiddleware, holder=holder, limiter=limiter),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.codex7_holder = holder
    app.state.rate_limiter = limiter
    return app


class SseSession:
    """GET /sse: one legacy SSE session, as the SDK's `sse_app` runs it.

    A plain ASGI endpoint: when the stream ends nothing else is sent (a Starlette endpoint
    would start a second response, which uvicorn reports with a traceback).
    """

    def __init__(
        self, server: Codex7Server, sse: SseServerTransport, policy: TransportSecuritySettings
    ):
        self.server, self.sse = server, sse
        self.security = TransportSecurityMiddleware(policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self.security.validate_request(Request(scope, receive), is_post=False)
        if refused is not None:  # answered here: connect_sse would answer, then raise
            await refused(scope, receive, send)
            return
        lowlevel = self.server._lowlevel_server
        async with self.sse.connect_sse(scope, receive, send) as (read, write):
            await lowlevel.run(read, write, lowlevel.create_initialization_options())


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 from routing: Codex7's JSON error body under /api, plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if "Allow" in headers:  # Starlette lists a route's methods in set order
        headers["Allow"] = ", ".join(sorted(headers["Allow"].split(", ")))
    if not request.url.path.startswith("/api"):
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=headers)
    from codex7.api.payloads import error_body

    path = request.url.path  # error_body writes control characters as escapes
    if exc.status_code == 405:
        code = "method_not_allowed"
        message = f"{request.method} is not allowed on {path}; use {headers.get('Allow')}."
    else:
        code, message = "not_found", f"No endpoint at {path}."
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)


def database_problem(holder: StateHolder) -> str | None:
    """None when the database answers `SELECT 1` quickly, else what is wrong, in one line."""
    try:
        holder.get().ping()
    except Codex7Error as exc:
        return str(exc)
    return None


async def run_stdio(server: Codex7Server, stdin: Any) -> None:
    """Serve one MCP session over stdio, reading requests from `stdin` (async lines of text)."""
    lowlevel = server._lowlevel_server
    async with stdio_server(stdin=stdin) as (read_stream, write_stream):
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
