"""The official Context7 MCP server (npm @upstash/context7-mcp 4.1.1) running on Codex7's API.

scripts/test.sh installs it into .cache/context7-mcp; without it this test fails, it never skips.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.paths import REPO

pytestmark = pytest.mark.anyio

CLIENT = Path(os.environ.get("CODEX7_CONTEXT7_MCP_DIR", REPO / ".cache/context7-mcp")) / (
    "node_modules/@upstash/context7-mcp/dist/index.js"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_official_client_resolves_and_queries_through_codex7(http_server: str) -> None:
    assert CLIENT.is_file(), f"{CLIENT} is missing: run scripts/test.sh, which installs it with npm"
    node = shutil.which("node")
    assert node, "node is required for the official Context7 client"
    params = StdioServerParameters(
        command=node,
        args=[str(CLIENT)],
        env={
            "PATH": os.environ.get("PATH", ""),
            "CONTEXT7_API_URL": f"{http_server}/api",
            "OTEL_SDK_DISABLED": "true",
        },
    )
    async with Client(params) as client:
        assert {t.name for t in (await client.list_tools()).tools} == {
            "resolve-library-id",
            "query-docs",
        }

        found = await client.call_tool(
            "resolve-library-id", {"libraryName": "Next.js", "query": "router"}
        )
        text = found.content[0].text
        assert text.startswith(
            "Available Libraries:\n\n- Title: Next.js\n- Context7-compatible library ID: /vercel/next.js\n"
        )

        docs = await client.call_tool(
            "query-docs",
            {"libraryId": "/fastapi/fastapi", "query": "CORSMiddleware allowed origins"},
        )
        sources = re.findall(r"^Source: (.+)$", docs.content[0].text, flags=re.M)
        assert sources[0] == "tutorial/cors.md"

        pinned = await client.call_tool(
            "query-docs", {"libraryId": "/pydantic/pydantic/1.10.26", "query": "orm_mode config"}
        )
        assert all(
            s.startswith("usage/")
            for s in re.findall(r"^Source: (.+)$", pinned.content[0].text, flags=re.M)
        )

        missing = await client.call_tool("query-docs", {"libraryId": "/acme/nothing", "query": "x"})
        assert missing.content[0].text == (
            'Library "/acme/nothing" not found. Please check the library ID or your access permissions.'
        )
        none = await client.call_tool(
            "resolve-library-id", {"libraryName": "kubernetes", "query": "pods"}
        )
        assert (
            none.content[0].text
            == 'No libraries found for "kubernetes". Try a different search term.'
        )
