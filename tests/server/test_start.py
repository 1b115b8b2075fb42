"""How `codex7 serve` starts over stdio: light imports, the handshake before the database and the
model are ready, a first question right after, and short sessions that end quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.corpus import INITIALIZE, IndexedCorpus, server_env
from tests.paths import REPO

pytestmark = pytest.mark.anyio

# What `serve` says on stderr when all is well; anything else (a warning, a traceback, the
# interpreter's "can't register atexit after shutdown") is noise.
BANNER = tuple(
    f"codex7: {start}"
    for start in ("serving MCP", "database: ", "embedding model: ", "worker: ", "ready in ")
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def noise(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(BANNER)]


def short_session(command: list[str], env: dict[str, str]) -> tuple[list[dict], str, int]:
    """initialize, notifications/initialized, tools/list, then stdin closes: (replies, stderr,
    exit status). The process must end by itself (no kill) within the deadline."""
    frames = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
        text=True,
    )
    assert proc.stdin and proc.stdout
    replies = []
    for frame in frames:
        proc.stdin.write(json.dumps(frame) + "\n")
        proc.stdin.flush()
        if "id" in frame:
            replies.append(json.loads(proc.stdout.readline()))
    try:
        _, stderr = proc.communicate(timeout=60)  # stdin closes here
    finally:
        if proc.poll() is None:
            proc.kill()
    return replies, stderr, proc.returncode


def test_short_sessions_with_the_model_warming_up_end_quietly(
    indexed_corpus: IndexedCorpus,
) -> None:
    """The warm-up thread starts with the server (the default) and is still loading when most
    short sessions end: nothing but the banner on stderr, exit status 0."""
    env = server_env(indexed_corpus)
    for _ in range(3):  # the race it had was in most short sessions, not all
        replies, stderr, code = short_session([sys.executable, "-m", "codex7", "serve"], env)
        assert [r["id"] for r in replies] == [1, 2]
        assert len(replies[1]["result"]["tools"]) == 3
        assert code == 0, stderr
        assert noise(stderr) == [], stderr


def test_tools_list_answers_while_the_model_is_still_loading(db_url: str, tmp_path: Path) -> None:
    """A model that never finishes loading neither delays the handshake nor the exit."""
    gate = tmp_path / "gate"  # never created: the model stays "loading"
    env = server_env(
        IndexedCorpus(db_url, tmp_path / "data"),
        CODEX7_EMBEDDING_PROVIDER="gated",
        CODEX7_TEST_GATE=str(gate),
    )
    command = [sys.executable, "-m", "tests.server.gated_cli", "serve"]
    replies, stderr, code = short_session(command, env)
    assert replies[0]["result"]["serverInfo"]["name"] == "Codex7"
    assert {t["name"] for t in replies[1]["result"]["tools"]} == {
        "resolve-library-id",
        "query-docs",
        "get-library-docs",
    }
    assert code == 0, stderr  # ended by itself, the model still "loading"
    assert noise(stderr) == [], stderr


async def test_first_question_right_after_tools_list(indexed_corpus: IndexedCorpus) -> None:
    """Asked the moment tools/list answers (the database and the model may still be opening):
    the tool waits for them and answers in full."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "codex7", "serve"], env=server_env(indexed_corpus)
    )
    with tempfile.TemporaryFile(mode="w+") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            assert len((await session.list_tools()).tools) == 3
            result = await session.call_tool(
                "query-docs", {"libraryId": "/encode/httpx", "query": "set a request timeout"}
            )
            assert not result.is_error
            assert "Source: advanced/timeouts.md" in result.content[0].text
        errlog.seek(0)
        assert noise(errlog.read()) == []


def test_the_stdio_path_imports_no_database_search_or_model_code() -> None:
    """What `codex7 serve` imports before it can answer initialize: the SDK and Codex7's light
    modules; psycopg, numpy, the search and the web app's modules load when needed."""
    code = (
        "import sys, codex7.cli, codex7.cli.serve, codex7.server.app, codex7.services.state; "
        "from codex7.config import Settings; from codex7.server.app import build_server; "
        "build_server(Settings()); "
        "heavy = ('numpy', 'psycopg', 'psycopg_pool', 'pgvector', 'tiktoken', 'torch', "
        "'sentence_transformers', 'jinja2', 'httpx', 'rich', 'codex7.search', 'codex7.store', "
        "'codex7.api.routes', 'codex7.api.auth', 'codex7.ui', 'codex7.cli.index'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX7_")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


def test_an_unknown_workspace_still_fails_in_one_line(indexed_corpus: IndexedCorpus) -> None:
    """The checks that run while the handshake goes on still end the server with one line."""
    out = subprocess.run(
        [sys.executable, "-m", "codex7", "serve", "--workspace", "nobody-here"],
        env=server_env(indexed_corpus, CODEX7_WARM_UP="false"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 1, out.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    assert "nobody-here" in lines[0] and "Traceback" not in out.stderr
