"""Codex7's own web app, routing only (in-process): what is mounted where, the lifespan that runs
the MCP session manager, request IDs, and errors outside and inside /api."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from codex7 import __version__
from codex7.config import Settings
from codex7.server.app import build_app, build_server
from tests.corpus import INITIALIZE

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


async def ui(_: Request) -> PlainTextResponse:
    return PlainTextResponse("the web UI")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    server = build_server(settings.model_copy(update={"warm_up": False}))
    app = build_app(server, port=8000, extra_routes=[Route("/ui", ui)])
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:  # runs the lifespan
        yield client
    server.holder.close()


def test_mcp_answers_at_mcp_inside_the_apps_lifespan(client: TestClient) -> None:
    r = client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    assert r.status_code == 200, r.text
    info = r.json()["result"]["serverInfo"]
    assert (info["name"], info["version"]) == ("Codex7", __version__)


def test_one_host_policy_for_mcp_sse_and_messages(client: TestClient) -> None:
    evil = {"Host": "evil.example:8000"}
    assert client.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **evil}).status_code == 421
    assert client.get("/sse", headers=evil).status_code == 421
    message = client.post("/messages/?session_id=0", json={}, headers=evil)
    assert message.status_code == 421
    unknown_session = client.post("/messages/", json={})
    assert unknown_session.status_code == 400  # mounted: it asks for its session_id


def test_health_ui_and_request_ids(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.json() == {"status": "ok", "database": "ok", "version": __version__}
    assert len(health.headers["x-request-id"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == (
        "abc-1"
    )
    assert client.get("/ui").text == "the web UI"  # extra routes are served after ours


def test_errors_outside_api_are_plain_and_inside_are_json(client: TestClient) -> None:
    outside = client.get("/nothing")
    assert outside.status_code == 404 and outside.text == "Not Found"
    posted = client.post("/api/v2/context")
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    assert posted.json() == {
        "error": "method_not_allowed",
        "message": "POST is not allowed on /api/v2/context; use GET, HEAD.",
    }
    nowhere = client.get("/api/v9/nothing")
    assert nowhere.status_code == 404 and nowhere.json()["error"] == "not_found"
