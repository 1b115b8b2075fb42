"""A private library of one workspace is invisible to every other caller on every surface: the
REST API (v2 and v1), the management API, MCP over streamable HTTP and over SSE; in answers, in
"did you mean" hints, in error messages and in counts. Two workspaces each hold their own
/acme/docs; anonymous callers (when allowed) and the default workspace see public libraries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from codex7.config import Settings
from tests.auth.conftest import Team, serve, team_settings

pytestmark = pytest.mark.anyio

SECRETS = {"alpha": ("ALPHASECRET", "HANDBOOKSECRET"), "beta": ("BETASECRET",)}
ALL_SECRETS = ("ALPHASECRET", "BETASECRET", "HANDBOOKSECRET")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def open_server(team: Team, settings: Settings) -> Iterator[tuple[str, Team]]:
    """The team server with anonymous access on (CODEX7_ANONYMOUS=true)."""
    with serve(team_settings(settings, anonymous=True)) as base:
        yield base, team


def foreign(who: str) -> tuple[str, ...]:
    """The secret words WHO must never see."""
    mine = SECRETS.get(who.split("-")[0], ())
    return tuple(s for s in ALL_SECRETS if s not in mine)


def headers_for(team: Team, who: str) -> dict[str, str]:
    return {} if who == "anonymous" else team.auth(who)


CALLERS = ("alpha-read", "beta-read", "env-admin", "anonymous")
VISIBLE = {
    "alpha-read": {"/acme/docs", "/acme/handbook", "/pub/widgets"},
    "beta-read": {"/acme/docs", "/pub/widgets"},
    "env-admin": {"/pub/widgets"},
    "anonymous": {"/pub/widgets"},
}


def test_rest_and_management_api_show_each_caller_its_own(
    open_server: tuple[str, Team],
) -> None:
    base, team = open_server
    with httpx.Client(base_url=base, timeout=30) as client:
        for who in CALLERS:
            h = headers_for(team, who)
            seen: list[str] = []

            def get(
                path: str, h: dict[str, str] = h, seen: list[str] = seen, **params: Any
            ) -> httpx.Response:
                r = client.get(path, params=params, headers=h)
                seen.append(r.text)
                return r

            listed = get("/api/manage/libraries").json()["libraries"]
            assert {x["id"] for x in listed} == VISIBLE[who], who
            found = get("/api/v2/libs/search", libraryName="acme", query="turbines")
            ids = {r["id"] for r in found.json().get("results", [])}
            assert ids == VISIBLE[who] - {"/pub/widgets"}, (who, found.text)
            docs = get("/api/v2/context", libraryId="/acme/docs", query="zorblax setting")
            legacy = get("/api/v1/acme/docs", topic="zorblax", type="txt")
            handbook = get("/api/v2/context", libraryId="/acme/handbook", query="onboarding")
            described = get("/api/manage/libraries/acme/handbook")
            v1 = get("/api/v1/search", query="handbook")
            jobs = get("/api/manage/jobs").json()["jobs"]
            if who.startswith("alpha"):
                assert "ALPHASECRET" in docs.text and "ALPHASECRET" in legacy.text
                assert handbook.status_code == 200 and described.status_code == 200
                assert v1.json()["results"][0]["id"] == "/acme/handbook"
                assert {j["library"] for j in jobs} == {"/acme/docs", "/acme/handbook"}
            elif who.startswith("beta"):
                assert "BETASECRET" in docs.text and "BETASECRET" in legacy.text
                assert {j["library"] for j in jobs} == {"/acme/docs"}
            else:
                assert docs.status_code == 404 and docs.json()["error"] == "library_not_found"
                assert legacy.status_code == 404
                assert {j["library"] for j in jobs} == {"/pub/widgets"}
            if not who.startswith("alpha"):
                # The same answers as for a library that never existed.
                assert handbook.status_code == 404, handbook.text
                assert handbook.json() == {
                    "error": "library_not_found",
                    "message": 'Library "/acme/handbook" not found. Please check the library ID '
                    "or your access permissions.",
                }
                assert described.status_code == 404
                # Its "did you mean" list names only what this caller sees.
                assert "/acme/handbook" not in described.json()["message"].replace(
                    "Library /acme/handbook is not indexed", ""
                )
                assert v1.status_code == 404 and v1.json()["error"] == "no_libraries_found"
            # Counts are the caller's own: the chunk counts of its /acme/docs, nobody else's.
            for x in listed:
                detail = get(f"/api/manage/libraries{x['id']}").json()
                assert detail["chunks"] == sum(v["chunks"] for v in detail["versions"])
                assert x["visibility"] == ("public" if x["id"] == "/pub/widgets" else "private")
            text = "\n".join(seen)
            for word in foreign(who):
                assert word not in text, (who, word)


def test_anonymous_callers_are_refused_once_keys_exist(served: tuple[str, Team]) -> None:
    base, team = served
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in (
            "/api/v2/libs/search?libraryName=widgets",
            "/api/v1/search?query=widgets",
            "/api/manage/libraries",
            "/sse",
            "/ui",
            "/api/anything",
        ):
            r = client.get(path)
            assert r.status_code == 401, (path, r.text)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["error"] == "unauthorized"
        assert client.post("/mcp", json={}).status_code == 401
        assert client.post("/messages/?session_id=0", json={}).status_code == 401
        assert client.get("/api/auth/mcp").json() == {"enabled": True}
        assert client.get("/healthz").json()["status"] == "ok"  # health needs no key
        key = team.keys["beta-read"]
        for header in ("Authorization", "Context7-API-Key", "X-Context7-API-Key", "X-API-Key"):
            value = f"Bearer {key}" if header == "Authorization" else key
            r = client.get("/api/v2/libs/search?libraryName=acme", headers={header: value})
            assert r.status_code == 200, (header, r.text)
        raw = client.get("/api/v2/libs/search?libraryName=acme", headers={"Authorization": key})
        assert raw.status_code == 200  # Context7 takes the raw key in Authorization too


def test_open_server_says_so(open_server: tuple[str, Team]) -> None:
    base, _ = open_server
    assert httpx.get(base + "/api/auth/mcp").json() == {"enabled": False}


def _tool_text(result: Any) -> str:
    return "\n".join(c.text for c in result.content if hasattr(c, "text"))


async def _mcp_calls(session: ClientSession) -> dict[str, Any]:
    await session.initialize()
    found = await session.call_tool(
        "resolve-library-id", {"libraryName": "acme", "query": "turbines"}
    )
    docs = await session.call_tool(
        "query-docs", {"libraryId": "/acme/docs", "query": "zorblax setting"}
    )
    typo = await session.call_tool(
        "query-docs", {"libraryId": "/acme/handbok", "query": "onboarding"}
    )
    legacy = await session.call_tool(
        "get-library-docs", {"context7CompatibleLibraryID": "/acme/handbook", "topic": "steps"}
    )
    return {"resolve": found, "docs": docs, "typo": typo, "legacy": legacy}


def _check_mcp(who: str, calls: dict[str, Any]) -> None:
    text = {name: _tool_text(r) for name, r in calls.items()}
    everything = "\n".join(text.values())
    for word in foreign(who):
        assert word not in everything, (who, word)
    if who.startswith("alpha"):
        assert "/acme/handbook" in text["resolve"] and "ALPHASECRET" in text["docs"]
        assert "Did you mean: /acme/handbook" in text["typo"], text["typo"]
        assert not calls["legacy"].is_error
    else:
        # Neither the resolve list, nor the hint, nor an error names alpha's handbook.
        assert "handbook" not in text["resolve"].lower()
        assert calls["typo"].is_error and "/acme/handbook" not in text["typo"]
        assert calls["legacy"].is_error
        assert text["legacy"].startswith('Library "/acme/handbook" not found.')
        assert (
            "Did you mean" not in text["legacy"]
            or "handbook" not in text["legacy"].split("Did you mean")[1]
        )
    if who.startswith("beta"):
        assert "BETASECRET" in text["docs"]
    if who == "env-admin":
        assert calls["docs"].is_error  # no /acme/docs is public


async def test_mcp_over_streamable_http_sees_only_what_the_key_may(
    served: tuple[str, Team],
) -> None:
    base, team = served
    for who in ("alpha-read", "beta-read", "env-admin"):
        async with (
            httpx2.AsyncClient(headers=team.auth(who), timeout=30) as http,
            streamable_http_client(f"{base}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            _check_mcp(who, await _mcp_calls(session))


async def test_mcp_over_sse_sees_only_what_the_key_may(served: tuple[str, Team]) -> None:
    base, team = served
    for who in ("alpha-read", "beta-read"):
        async with (
            sse_client(f"{base}/sse", headers=team.auth(who)) as (read, write),
            ClientSession(read, write) as session,
        ):
            _check_mcp(who, await _mcp_calls(session))


async def test_mcp_without_a_key_is_refused(served: tuple[str, Team]) -> None:
    base, _ = served
    async with httpx2.AsyncClient(timeout=30) as http:
        r = await http.post(
            f"{base}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert json.loads(r.text)["error"] == "unauthorized"


async def test_a_local_session_acts_in_the_configured_workspace(
    team: Team, settings: Settings
) -> None:
    """stdio (here in process, the same path: no HTTP request) runs as the local user: public
    libraries, plus the private ones of CODEX7_WORKSPACE / `serve --workspace`."""
    from mcp import Client

    from codex7.server.app import build_server

    for workspace, expected in ((None, False), ("alpha", True), ("beta", False)):
        server = build_server(team_settings(settings, workspace=workspace))
        try:
            async with Client(server, mode="legacy") as client:
                found = await client.call_tool(
                    "resolve-library-id", {"libraryName": "handbook", "query": "steps"}
                )
                assert ("/acme/handbook" in _tool_text(found)) is expected, workspace
                docs = await client.call_tool(
                    "query-docs", {"libraryId": "/acme/docs", "query": "zorblax"}
                )
                text = _tool_text(docs)
                if workspace is None:
                    assert docs.is_error and "not found" in text
                else:
                    assert SECRETS[workspace][0] in text
                    assert all(w not in text for w in foreign(f"{workspace}-read"))
        finally:
            server.holder.close()
