"""`codex7 resolve|query`: ask the MCP tools from the shell, through a real in-process MCP session."""

from __future__ import annotations

from typing import Any

import click

from codex7.cli.context import load_settings


def call_tool(tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    import anyio
    from mcp import Client

    from codex7.server.app import build_server

    settings = load_settings().model_copy(update={"warm_up": False})
    server = build_server(settings)

    async def run() -> tuple[bool, str]:
        async with Client(server, mode="legacy") as client:
            result = await client.call_tool(tool, arguments)
            text = "\n".join(c.text for c in result.content if c.type == "text")
            return bool(result.is_error), text

    return anyio.run(run)


def _emit(is_error: bool, text: str) -> None:
    if is_error:
        raise click.ClickException(text)
    click.echo(text)


@click.command()
@click.argument("name")
@click.option("--query", "-q", help="What you want to look up; helps rank the libraries.")
def resolve(name: str, query: str | None) -> None:
    """Find library IDs for NAME (the resolve-library-id tool)."""
    args = {"libraryName": name} | ({"query": query} if query else {})
    _emit(*call_tool("resolve-library-id", args))


@click.command()
@click.argument("library_id")
@click.argument("question", required=False)
@click.option("--tokens", type=int, help="Token budget (default 5000; clamped to 1000–100000).")
def query(library_id: str, question: str | None, tokens: int | None) -> None:
    """Answer QUESTION from LIBRARY_ID's docs (/org/project[/version]); no QUESTION gives the overview."""
    if question and tokens is None:
        _emit(*call_tool("query-docs", {"libraryId": library_id, "query": question}))
    else:
        args: dict[str, Any] = {"context7CompatibleLibraryID": library_id}
        if question:
            args["topic"] = question
        if tokens is not None:
            args["tokens"] = tokens
        _emit(*call_tool("get-library-docs", args))
