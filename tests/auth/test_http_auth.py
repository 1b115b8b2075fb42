"""Keys over HTTP: revoked at once, scopes enforced, rate limits that answer 429 and recover,
a cap on requests in flight, and no key, digest or Authorization header in any log line, error
or audit row."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import anyio
import httpx
import httpx2
import psycopg
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from codex7.api.ratelimit import RateLimiter
from codex7.config import Settings
from tests.auth.conftest import Clock, Team, serve, team_settings, write_docs

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_a_revoked_key_is_refused_at_once(served: tuple[str, Team]) -> None:
    base, team = served
    with httpx.Client(base_url=base, timeout=30) as client:
        reader = team.auth("beta-read")
        assert client.get("/api/manage/libraries", headers=reader).status_code == 200
        prefix = team.prefixes["beta-read"]
        revoked = client.post(f"/api/manage/keys/{prefix}/revoke", headers=team.auth("beta-admin"))
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        # The very next request is refused: nothing is cached.
        refused = client.get("/api/manage/libraries", headers=reader)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "unauthorized"
        assert prefix in refused.json()["message"] and "revoked" in refused.json()["message"]
        # One workspace's admin cannot revoke another's keys: as if there were no such key.
        other = team.prefixes["alpha-read"]
        r = client.post(f"/api/manage/keys/{other}/revoke", headers=team.auth("beta-admin"))
        assert r.status_code == 400 and "no key" in r.json()["message"]
        assert client.get("/api/manage/libraries", headers=team.auth("alpha-read")).is_success


def test_a_read_key_cannot_write_and_admins_change_only_their_own(
    served: tuple[str, Team], tmp_path: object
) -> None:
    base, team = served
    folder = write_docs(tmp_path / "new-docs", {"index.md": "# New\n\nNew docs.\n"})  # type: ignore[operator]
    body = {"source": str(folder), "library": "/acme/new", "version": "1.0", "private": True}
    with httpx.Client(base_url=base, timeout=30) as client:
        reader = team.auth("alpha-read")
        for method, path, payload in (
            ("POST", "/api/manage/libraries", body),
            ("PATCH", "/api/manage/libraries/acme/docs", {"name": "Mine"}),
            ("DELETE", "/api/manage/libraries/acme/docs", None),
            ("POST", "/api/manage/refresh", None),
            ("POST", "/api/manage/keys", {"scope": "admin"}),
            ("POST", "/api/manage/workspaces", {"name": "gamma"}),
        ):
            r = client.request(method, path, json=payload, headers=reader)
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["error"] == "access_denied"
        assert client.get("/api/manage/keys", headers=reader).status_code == 403
        assert client.get("/api/manage/audit", headers=reader).status_code == 403

        admin = team.auth("alpha-admin")
        # The public library belongs to the default workspace: alpha sees it, cannot change it.
        r = client.patch("/api/manage/libraries/pub/widgets", json={"name": "X"}, headers=admin)
        assert r.status_code == 403 and "another workspace" in r.json()["message"]
        r = client.delete("/api/manage/libraries/pub/widgets", headers=admin)
        assert r.status_code == 403
        # Nor create keys or workspaces beyond its own.
        r = client.post("/api/manage/keys", json={"workspace": "beta"}, headers=admin)
        assert r.status_code == 403
        r = client.post("/api/manage/keys", json={"workspace": "nosuch"}, headers=admin)
        assert r.status_code == 403  # the same answer: another name is never confirmed
        assert (
            client.post("/api/manage/workspaces", json={"name": "g"}, headers=admin).status_code
            == 403
        )
        # Its own: a private library queued into its workspace, visibility flipped, a key made.
        queued = client.post("/api/manage/libraries", json=body, headers=admin)
        assert queued.status_code == 202, queued.text
        assert queued.json()["job"]["request"]["workspace_id"] == team.alpha
        made = client.post(
            "/api/manage/keys",
            json={"scope": "read", "name": "ci", "expires": "30d"},
            headers=admin,
        )
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        key = made.json()["key"]
        assert made.json()["workspace"] == "alpha" and made.json()["expires_at"]
        listed = client.get("/api/manage/keys", headers=admin).json()["keys"]
        assert made.json()["prefix"] in {k["prefix"] for k in listed}
        assert key not in str(listed) and {k["workspace"] for k in listed} == {"alpha"}
        assert client.get("/api/manage/libraries", headers={"X-API-Key": key}).is_success
        flipped = client.patch(
            "/api/manage/libraries/acme/handbook", json={"private": False}, headers=admin
        )
        assert flipped.status_code == 200 and flipped.json()["visibility"] == "public"
        seen = client.get("/api/manage/libraries", headers=team.auth("beta-read")).json()
        assert "/acme/handbook" in {x["id"] for x in seen["libraries"]}
        events = client.get("/api/manage/audit", headers=admin).json()["events"]
        actions = [e["action"] for e in events]
        assert "library.visibility" in actions and "key.created" in actions
        assert all(e["workspace"] == "alpha" for e in events)
        # The default workspace's admins (here the environment's key) make workspaces and keys.
        operator = team.auth("env-admin")
        r = client.post("/api/manage/workspaces", json={"name": "gamma"}, headers=operator)
        assert r.status_code == 201 and r.json()["name"] == "gamma"
        r = client.post(
            "/api/manage/keys", json={"workspace": "gamma", "scope": "admin"}, headers=operator
        )
        assert r.status_code == 201 and r.json()["workspace"] == "gamma"
        names = client.get("/api/manage/workspaces", headers=operator).json()["workspaces"]
        assert [w["name"] for w in names] == ["alpha", "beta", "gamma"]
        mine = client.get("/api/manage/workspaces", headers=admin).json()["workspaces"]
        assert [w["name"] for w in mine] == ["alpha"]


def test_rate_limits_answer_429_and_recover(team: Team, settings: Settings) -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, max_concurrent=0, clock=clock)
    with (
        serve(team_settings(settings), limiter=limiter) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        alpha, beta = team.auth("alpha-read"), team.auth("beta-read")
        for _ in range(3):
            assert client.get("/api/manage/libraries", headers=alpha).status_code == 200
        limited = client.get("/api/manage/libraries", headers=alpha)
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limit_exceeded"
        assert limited.headers["retry-after"] == "1"
        assert limited.headers["ratelimit-limit"] == "3"
        assert limited.headers["ratelimit-remaining"] == "0"
        # Per key: another key is not limited by alpha's use.
        assert client.get("/api/manage/libraries", headers=beta).status_code == 200
        clock.advance(1.0)  # one token back (60 a minute)
        assert client.get("/api/manage/libraries", headers=alpha).status_code == 200
        assert client.get("/api/manage/libraries", headers=alpha).status_code == 429
        clock.advance(60)
        for _ in range(3):
            assert client.get("/api/manage/libraries", headers=alpha).status_code == 200
        # Wrong keys spend the address's budget: after a burst of them, 429 before any lookup.
        for _ in range(3):
            assert (
                client.get("/api/manage/libraries", headers={"X-API-Key": "nope"}).status_code
                == 401
            )
        assert client.get("/api/manage/libraries", headers={"X-API-Key": "no"}).status_code == 429


async def test_requests_in_flight_are_capped_per_key(team: Team, settings: Settings) -> None:
    limiter = RateLimiter(per_minute=0, burst=1, max_concurrent=1)
    release = anyio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"source": "/nowhere", '
        await release.wait()  # the request stays in flight until the test lets it finish
        yield b'"library": "/acme/x", "version": "1"}'

    with serve(team_settings(settings), limiter=limiter) as base:
        admin, other = team.auth("alpha-admin"), team.auth("beta-read")
        async with (
            httpx.AsyncClient(base_url=base, timeout=30) as client,
            httpx.AsyncClient(base_url=base, timeout=30) as sender,
            anyio.create_task_group() as tg,
        ):
            finished: list[int] = []

            async def slow() -> None:
                r = await sender.post("/api/manage/libraries", content=slow_body(), headers=admin)
                finished.append(r.status_code)

            tg.start_soon(slow)
            with anyio.fail_after(30):
                while limiter.in_flight() == 0:  # until the slow request holds alpha's slot
                    await anyio.sleep(0.02)
            busy = await client.get("/api/manage/libraries", headers=admin)
            assert busy.status_code == 429, busy.text
            assert busy.json()["error"] == "rate_limit_exceeded"
            assert busy.headers["retry-after"] == "1" and "in flight" in busy.json()["message"]
            assert (await client.get("/api/manage/libraries", headers=other)).status_code == 200
            release.set()
        assert finished == [400]  # the slow request itself was answered (a missing folder)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await client.get("/api/manage/libraries", headers=admin)).status_code == 200


async def test_no_key_digest_or_authorization_header_in_logs_errors_or_audit(
    served: tuple[str, Team], caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    import hashlib

    caplog.set_level(logging.DEBUG)
    base, team = served
    wrong = "ctx7sk-abcdefgh-" + "Z" * 40  # shaped like ours: its prefix may be named
    garbage = "sk-not-ours-1234567890"
    bodies: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for headers in (
            team.auth("alpha-read"),
            {"Authorization": f"Bearer {wrong}"},
            {"X-API-Key": garbage},
            {"Context7-API-Key": team.keys["beta-admin"]},
        ):
            for path in ("/api/manage/libraries", "/api/v2/context?libraryId=/acme/docs&query=x"):
                bodies.append(client.get(path, headers=headers).text)
        r = client.post("/api/manage/keys/ctx7sk-nothere0/revoke", headers=team.auth("beta-admin"))
        bodies.append(r.text)
        made = client.post(
            "/api/manage/keys", json={"scope": "read"}, headers=team.auth("alpha-admin")
        )
        fresh = made.json()["key"]
        bodies.append(client.get("/api/manage/libraries", headers={"X-API-Key": fresh}).text)
        audit = client.get("/api/manage/audit?limit=1000", headers=team.auth("env-admin")).text
    # MCP over streamable HTTP with a key, at DEBUG too.
    async with (
        httpx2.AsyncClient(headers=team.auth("alpha-read"), timeout=30) as http,
        streamable_http_client(f"{base}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        answer = await session.call_tool(
            "query-docs", {"libraryId": "/acme/docs", "query": "zorblax"}
        )
        bodies.append(str(answer.content))
    secrets = [*team.keys.values(), wrong, garbage, fresh]
    digests = [hashlib.sha256(k.encode()).hexdigest() for k in secrets]
    with psycopg.connect(settings.database_url) as conn:  # type: ignore[arg-type]
        rows = conn.execute("SELECT actor, action, target, detail::text FROM audit_log").fetchall()
        stored = conn.execute("SELECT prefix, digest FROM api_keys").fetchall()
    audit_rows = "\n".join(" ".join(str(c) for c in row) for row in rows)
    assert "auth.failed" in audit_rows and "ctx7sk-abcdefgh" in audit_rows  # named by prefix
    everything = "\n".join([caplog.text, audit, audit_rows, *bodies])
    for secret in [*secrets, *digests]:
        assert secret not in everything
    assert not re.search(r"(?i)authorization|bearer [a-z0-9]", caplog.text)
    # The keys table holds digests only: no column holds a key.
    assert {d for _, d in stored}.isdisjoint(secrets) and all(len(d) == 64 for _, d in stored)


def test_ui_without_a_key_goes_to_the_login_page(served: tuple[str, Team]) -> None:
    base, team = served
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        page = client.get("/ui/libraries", headers={"Accept": "text/html"})
        assert (
            page.status_code == 303 and page.headers["location"] == "/ui/login?next=/ui/libraries"
        )
        assert client.get("/ui/libraries").status_code == 401  # not a browser: JSON
        cookie = {"Cookie": f"codex7_key={team.keys['alpha-read']}"}
        assert (
            client.get("/ui/libraries", headers=cookie).status_code == 404
        )  # in: no such page here
        # The cookie counts on /ui only.
        assert client.get("/api/manage/libraries", headers=cookie).status_code == 401
