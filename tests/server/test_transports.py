"""The server as editors and teams run it: a spawned stdio process, and streamable HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from mcp import Client, ClientSession, StdioServerParameters
from mcp.client.sse import sse_client
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from codex7 import __version__
from tests.corpus import INITIALIZE, IndexedCorpus, running_server, server_env

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_stdio_session_lists_and_answers(indexed_corpus: IndexedCorpus) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "codex7", "serve"], env=server_env(indexed_corpus)
    )
    async with Client(params) as client:
        names = sorted(t.name for t in (await client.list_tools()).tools)
        assert names == ["get-library-docs", "query-docs", "resolve-library-id"]
        result = await client.call_tool(
            "query-docs", {"libraryId": "/fastapi/fastapi", "query": "enable CORS"}
        )
        assert not result.is_error
        assert "Source: tutorial/cors.md" in result.content[0].text
        bad = await client.call_tool("query-docs", {"libraryId": "/no/such", "query": "x"})
        assert bad.is_error and 'Library "/no/such" not found' in bad.content[0].text


def test_stdio_stdout_carries_only_mcp_frames(indexed_corpus: IndexedCorpus) -> None:
    frames = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "resolve-library-id", "arguments": {"libraryName": "httpx"}},
        },
    ]
    env = {**server_env(indexed_corpus), "CODEX7_WARM_UP": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "codex7", "serve", "--transport", "stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin and proc.stdout
    replies: dict[int, dict] = {}
    for frame in frames:
        proc.stdin.write(json.dumps(frame) + "\n")
        proc.stdin.flush()
        if "id" in frame:
            line = proc.stdout.readline()
            message = json.loads(line)  # anything but a JSON-RPC frame fails here
            replies[message["id"]] = message
    rest, _ = proc.communicate(timeout=60)
    assert all(json.loads(line) for line in rest.splitlines() if line.strip())
    assert [t["name"] for t in replies[2]["result"]["tools"]][:1] == ["resolve-library-id"]
    assert "/encode/httpx" in replies[3]["result"]["content"][0]["text"]
    assert proc.returncode == 0  # exits when stdin closes: no orphaned servers


async def test_streamable_http_session(http_server: str) -> None:
    async with Client(f"{http_server}/mcp") as client:
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == {"resolve-library-id", "query-docs", "get-library-docs"}
        result = await client.call_tool(
            "get-library-docs",
            {
                "context7CompatibleLibraryID": "/encode/httpx/0.28",
                "topic": "proxies",
                "tokens": 1200,
            },
        )
        assert not result.is_error and "Source: advanced/proxies.md" in result.content[0].text
        missing = await client.call_tool(
            "get-library-docs", {"context7CompatibleLibraryID": "/encode/httpx/2"}
        )
        assert missing.is_error and "Available versions: 0.28.1" in missing.content[0].text


async def test_sse_session(indexed_corpus: IndexedCorpus) -> None:
    with running_server(indexed_corpus, "sse") as base:
        async with (
            sse_client(f"{base}/sse") as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = (await session.list_tools()).tools
            assert {t.name for t in tools} == {
                "resolve-library-id",
                "query-docs",
                "get-library-docs",
            }
            found = await session.call_tool("resolve-library-id", {"libraryName": "fastapi"})
            assert "- Context7-compatible library ID: /fastapi/fastapi" in found.content[0].text


def test_serving_never_loads_the_indexer_or_the_model() -> None:
    code = (
        "import sys, codex7.server.app, codex7.cli.serve; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'llama_index', 'codex7.ingest', 'codex7.chunking') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_one_sse_client_leaving_does_not_break_the_others(
    indexed_corpus: IndexedCorpus,
) -> None:
    with running_server(indexed_corpus, "sse") as base:
        async with (
            sse_client(f"{base}/sse") as (read, write),
            ClientSession(read, write) as staying,
        ):
            await staying.initialize()
            async with (
                sse_client(f"{base}/sse") as (read2, write2),
                ClientSession(read2, write2) as leaving,
            ):
                await leaving.initialize()
                await leaving.call_tool("resolve-library-id", {"libraryName": "httpx"})
            # The other session's end reaches the server soon after; every call must still work.
            for _ in range(20):
                found = await staying.call_tool("resolve-library-id", {"libraryName": "fastapi"})
                assert not found.is_error, found.content[0].text
                assert "/fastapi/fastapi" in found.content[0].text


def _health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _allow_connections(admin_url: str, url: str, allow: bool) -> None:
    """Open or close the database to new connections; closing also ends the existing ones."""
    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("true" if allow else "false")
            )
        )
        if not allow:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


async def test_health_tells_the_truth_and_the_server_recovers(
    pg_admin_url: str, db_url: str, tmp_path: Path
) -> None:
    with running_server(IndexedCorpus(db_url, tmp_path / "data"), "http") as base:
        assert _health(base) == (200, {"status": "ok", "database": "ok", "version": __version__})
        _allow_connections(pg_admin_url, db_url, False)
        try:
            started = time.monotonic()
            status, body = _health(base)
            assert status == 503 and body["status"] == "unavailable", body
            assert "not currently accepting connections" in body["database"]
            async with Client(f"{base}/mcp") as client:
                called = time.monotonic()
                down = await client.call_tool("query-docs", {"libraryId": "/a/b", "query": "x"})
                assert down.is_error and "is unavailable" in down.content[0].text
                assert time.monotonic() - called < 15  # the pool's timeout, not a 30 s hang
            assert time.monotonic() - started < 30
        finally:
            _allow_connections(pg_admin_url, db_url, True)
        deadline = time.monotonic() + 60
        while _health(base)[0] != 200:  # the pool reconnects by itself
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.2)
        async with Client(f"{base}/mcp") as client:
            found = await client.call_tool("resolve-library-id", {"libraryName": "fastapi"})
            assert not found.is_error, found.content[0].text
