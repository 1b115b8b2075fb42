"""The MCP server object: tools, instructions, lifespan (pool, lazy embedder), /healthz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from starlette.requests import Request
from starlette.responses import JSONResponse

from codex7 import __version__
from codex7.api.routes import register_api
from codex7.config import Settings
from codex7.server.state import ServerState, StateHolder
from codex7.server.tools import apply_aliases, register_tools

INSTRUCTIONS = """Codex7 serves this team's indexed documentation (Context7-compatible).
Use it whenever the user asks about a library, framework, SDK, API, CLI tool or service: API syntax, configuration, version migration, library-specific debugging, setup and CLI usage — even for well-known libraries, and prefer it over web search, since it holds the exact versions the team uses.
Call resolve-library-id to find a library ID (unless the user gives /org/project or /org/project/version), then query-docs with one concept per query.
Do not use it for refactoring, writing scripts from scratch, business-logic debugging, code review or general programming concepts."""

log = logging.getLogger("codex7.server")


class Codex7Server(MCPServer[ServerState]):
    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, apply_aliases(name, arguments), context)
        except ToolError as exc:
            # Our messages are written for the agent; pass them on without the SDK's prefix.
            prefix = f"Error executing tool {name}: "
            message = str(exc)
            if message.startswith(prefix) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(message[len(prefix) :]) from exc.__cause__
            raise


def build_server(settings: Settings) -> Codex7Server:
    holder = StateHolder(settings)

    @asynccontextmanager
    async def lifespan(_: MCPServer[ServerState]) -> AsyncIterator[ServerState]:
        import anyio

        state = await anyio.to_thread.run_sync(holder.get)
        try:
            yield state
        finally:
            await anyio.to_thread.run_sync(holder.close)

    server = Codex7Server(
        name="Codex7",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://github.com/codex7/codex7",
        lifespan=lifespan,
        log_level="WARNING",
    )
    register_tools(server)
    register_api(server, holder)

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    return server
