"""The official Context7 MCP server (npm @upstash/context7-mcp) against a team server: its
CONTEXT7_API_KEY decides what it sees; without a key it shows the server's 401 message.

scripts/test.sh installs the client into .cache/context7-mcp; without it this test fails."""

from __future__ import annotations

import os
import shutil

import pytest
from mcp import Client, StdioServerParameters

from tests.api.test_official_client import CLIENT
from tests.auth.conftest import Team

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def official(base: str, key: str | None) -> StdioServerParameters:
    node = shutil.which("node")
    assert node, "node is required for the official Context7 client"
    assert CLIENT.is_file(), f"{CLIENT} is missing: run scripts/test.sh"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CONTEXT7_API_URL": f"{base}/api",
        "OTEL_SDK_DISABLED": "true",
    }
    if key:
        env["CONTEXT7_API_KEY"] = key
    return StdioServerParameters(command=node, args=[str(CLIENT)], env=env)


async def test_the_official_client_sees_what_its_key_may(served: tuple[str, Team]) -> None:
    base, team = served
    for who, mine, theirs in (
        ("alpha-read", "ALPHASECRET", "BETASECRET"),
        ("beta-read", "BETASECRET", "ALPHASECRET"),
    ):
        async with Client(official(base, team.keys[who])) as client:
            docs = await client.call_tool(
                "query-docs", {"libraryId": "/acme/docs", "query": "zorblax setting"}
            )
            text = docs.content[0].text
            assert mine in text and theirs not in text
            found = await client.call_tool(
                "resolve-library-id", {"libraryName": "handbook", "query": "onboarding"}
            )
            listed = found.content[0].text
            if who == "alpha-read":
                assert "/acme/handbook" in listed
            else:
                assert listed == 'No libraries found for "handbook". Try a different search term.'
                missing = await client.call_tool(
                    "query-docs", {"libraryId": "/acme/handbook", "query": "steps"}
                )
                assert missing.content[0].text == (
                    'Library "/acme/handbook" not found. Please check the library ID or your '
                    "access permissions."
                )
    async with Client(official(base, None)) as client:
        refused = await client.call_tool(
            "query-docs", {"libraryId": "/pub/widgets", "query": "turbines"}
        )
        assert refused.content[0].text.startswith("An API key is required on this server.")
