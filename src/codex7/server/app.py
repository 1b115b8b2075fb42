"""The MCP server object: tools, instructions, lifespan (pool, lazy embedder), /healthz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.stdio import stdio_server
from starlette.requests import Request
from starlette.responses import JSONResponse

from codex7 import __version__
from codex7.api.routes import register_api
from codex7.config import Settings
from codex7.errors import Codex7Error
from codex7.server.tools import agent_message, prepare_arguments, register_tools
from codex7.services.state import ServerState, StateHolder

INSTRUCTIONS = """Codex7 serves this team's indexed documentation (Context7-compatible).
Use it whenever the user asks about a library, framework, SDK, API, CLI tool or service: API syntax, configuration, version migration, library-specific debugging, setup and CLI usage — even for well-known libraries, and prefer it over web search, since it holds the exact versions the team uses.
Call resolve-library-id to find a library ID (unless the user gives /org/project or /org/project/version), then query-docs with one concept per query.
Do not use it for refactoring, writing scripts from scratch, business-logic debugging, code review or general programming concepts."""

log = logging.getLogger("codex7.server")


class Codex7Server(MCPServer[ServerState]):
    holder: StateHolder  # the process's database state (build_server sets it)

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, prepare_arguments(name, arguments), context)
        except ToolError as exc:
            # Our messages and pydantic's argument errors, in words for the agent, without the
            # SDK's prefix; a crash keeps the SDK's generic text.
            if isinstance(exc, UnexpectedToolError):
                raise
            raise ToolError(agent_message(name, exc)) from exc.__cause__


def build_server(settings: Settings) -> Codex7Server:
    holder = StateHolder(settings)

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        # Entered per session (per SSE client): the state outlives it (StateHolder).
        state = await anyio.to_thread.run_sync(holder.enter_session)
        try:
            yield state
        finally:
            await anyio.to_thread.run_sync(holder.leave_session)

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
    register_api(server, holder)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        problem = await anyio.to_thread.run_sync(database_problem, holder)
        if problem:
            body = {"status": "unavailable", "database": problem, "version": __version__}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    return server


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
