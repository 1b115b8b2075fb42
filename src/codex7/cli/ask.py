"""`codex7 resolve|query`: ask the MCP tools from the shell, through a real MCP session: with the
running server's (`CODEX7_URL`, or one answering on the default local port), whose model is
already loaded, else with an in-process server."""

from __future__ import annotations

import json
import re
from typing import Any

import click

from codex7.cli.context import load_settings

DEFAULT_URL = "http://127.0.0.1:8000"


def running_server(url: str | None) -> str | None:
    """The base URL of a Codex7 server to ask: `url` when given (it must answer), else the
    default local port if a Codex7 server answers there within a moment."""
    import httpx

    base = (url or DEFAULT_URL).rstrip("/").removesuffix("/mcp")
    try:
        health = httpx.get(f"{base}/healthz", timeout=2.0 if url else 0.3)
        if health.status_code == 200 and "version" in health.json():
            return base
    except (httpx.HTTPError, ValueError):
        pass
    if url:
        raise click.ClickException(
            f"No Codex7 server answers at {base} (CODEX7_URL); start one with "
            "`codex7 serve --transport http`, or unset CODEX7_URL to answer in-process"
        )
    return None


def call_tool(tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    import anyio
    from mcp import Client

    settings = load_settings()
    target: Any = running_server(settings.url)
    if target is None:
        from codex7.server.app import build_server

        target = build_server(settings.model_copy(update={"warm_up": False}))
    else:
        target = f"{target}/mcp"

    async def run() -> tuple[bool, str]:
        async with Client(target, mode="legacy") as client:
            result = await client.call_tool(tool, arguments)
            text = "\n".join(c.text for c in result.content if c.type == "text")
            return bool(result.is_error), text

    return anyio.run(run)


_LIBRARY_ID_LINE = re.compile(r"^- Context7-compatible library ID: (\S+)$", re.MULTILINE)


def library_ids(text: str) -> list[str]:
    """The library IDs listed in resolve-library-id's answer, in its order."""
    return _LIBRARY_ID_LINE.findall(text)


def _emit(is_error: bool, text: str, as_json: bool = False, **extra: Any) -> None:
    """The tool's text, or a JSON object holding it; an error is one line on stderr, exit 1."""
    if is_error:
        raise click.ClickException(text)
    if as_json:
        click.echo(json.dumps({"isError": False, "text": text, **extra}, ensure_ascii=False))
    else:
        click.echo(text)


_JSON = click.option("--json", "as_json", is_flag=True, help="Print a JSON object for scripts.")


@click.command()
@click.argument("name")
@click.option("--query", "-q", help="What you want to look up; helps rank the libraries.")
@_JSON
def resolve(name: str, query: str | None, as_json: bool) -> None:
    """Find library IDs for NAME (the resolve-library-id tool)."""
    args = {"libraryName": name} | ({"query": query} if query else {})
    is_error, text = call_tool("resolve-library-id", args)
    _emit(is_error, text, as_json, libraries=library_ids(text))


@click.command()
@click.argument("library_id")
@click.argument("question", required=False)
@click.option("--tokens", type=int, help="Token budget (default 5000; clamped to 1000–100000).")
@_JSON
def query(library_id: str, question: str | None, tokens: int | None, as_json: bool) -> None:
    """Answer QUESTION from LIBRARY_ID's docs (/org/project[/version]); no QUESTION gives the overview."""
    args: dict[str, Any]
    if question and tokens is None:
        tool, args = "query-docs", {"libraryId": library_id, "query": question}
    else:
        tool, args = "get-library-docs", {"context7CompatibleLibraryID": library_id}
        if question:
            args["topic"] = question
        if tokens is not None:
            args["tokens"] = tokens
    _emit(*call_tool(tool, args), as_json, libraryId=library_id)
