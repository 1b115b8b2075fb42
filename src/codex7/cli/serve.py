"""`codex7 serve`: the MCP server over stdio (default), SSE or streamable HTTP."""

from __future__ import annotations

import logging
import sys

import click

from codex7.cli.context import load_settings


@click.command()
@click.option(
    "--transport",
    type=click.Choice(["stdio", "sse", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for editors that spawn the server; http (streamable HTTP at /mcp) or sse (/sse) to serve a team.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface for http/sse.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port for http/sse.")
def serve(transport: str, host: str, port: int) -> None:
    """Serve the indexed documentation over MCP (resolve-library-id, query-docs, get-library-docs)."""
    # stdout belongs to MCP frames in stdio mode: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="codex7: %(message)s")
    from codex7.server.app import build_server

    server = build_server(load_settings())
    if transport == "stdio":
        server.run("stdio")
    elif transport == "sse":
        server.run("sse", host=host, port=port)
    else:
        server.run("streamable-http", host=host, port=port, stateless_http=True, json_response=True)
