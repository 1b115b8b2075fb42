"""`codex7 serve`: the MCP server."""

from __future__ import annotations

import click


@click.command()
def serve() -> None:
    """Serve documentation over MCP."""
    raise click.ClickException("not implemented yet")
