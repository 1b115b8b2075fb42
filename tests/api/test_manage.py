"""The management API over HTTP: who may read and write, adding a library as a job and following
it to the end over Server-Sent Events, renaming and removing, and the shape of every error."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from codex7.config import Settings
from tests.fakes import fake_settings
from tests.live import live_app

ADMIN = "c7-admin-key-for-tests"
READER = "c7-reader-key-for-tests"
AS_ADMIN = {"Authorization": f"Bearer {ADMIN}"}


pytestmark = pytest.mark.usefixtures("fake_provider")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "widgets-docs"
    (root / "guide").mkdir(parents=True)
    (root / "index.md").write_text("# Widgets\n\nWidgets render reports.\n")
    (root / "guide" / "setup.md").write_text(
        "# Setup\n\n## Install\n\nRun `pip install widgets`.\n\n## Configure\n\n"
        "```python\nwidgets.configure(colour='blue')\n```\n"
    )
    return root


def events(client: httpx.Client, url: str, **kw: Any) -> list[tuple[str, dict]]:
    """Every (event, data) of a Server-Sent Events stream, until the server closes it."""
    found: list[tuple[str, dict]] = []
    with client.stream("GET", url, timeout=60, **kw) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                assert name is not None
                found.append((name, json.loads(line[len("data: ") :])))
                name = None
    return found


def add_widgets(client: httpx.Client, docs: Path, version: str = "1.0") -> dict:
    r = client.post(
        "/api/manage/libraries",
        json={"source": str(docs), "library": "/acme/widgets", "version": version},
        headers=AS_ADMIN,
    )
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert r.headers["location"] == f"/api/manage/jobs/{job['id']}"
    return job


def test_add_follow_rename_remove(settings: Settings, docs: Path) -> None:
    with (
        live_app(fake_settings(settings, admin_keys=SecretStr(ADMIN)), worker=True) as base,
        # A key exists, so anonymous callers are refused (docs/team.md): the admin key reads too.
        httpx.Client(base_url=base, timeout=30, headers=AS_ADMIN) as client,
    ):
        assert client.get("/api/manage/libraries").json() == {"libraries": []}
        job = add_widgets(client, docs)
        assert job["status"] in ("queued", "running") and job["library"] == "/acme/widgets"

        stream = events(client, f"/api/manage/jobs/{job['id']}/events")
        names = [name for name, _ in stream]
        assert names[-1] == "done" and set(names[:-1]) == {"progress"}, names
        done = stream[-1][1]
        assert done["status"] == "succeeded", done
        assert done["chunks"] > 0 and done["embedded"] > 0
        # One event per change: no two progress events in a row say the same.
        views = [json.dumps(data, sort_keys=True) for _, data in stream]
        assert len(views) == len(set(views))
        assert client.get(f"/api/manage/jobs/{job['id']}").json()["status"] == "succeeded"
        assert job["id"] in [j["id"] for j in client.get("/api/manage/jobs").json()["jobs"]]

        (listed,) = client.get("/api/manage/libraries").json()["libraries"]
        assert listed["id"] == "/acme/widgets" and listed["latest"] == "1.0"
        assert listed["version_count"] == 1 and listed["chunks"] == done["chunks"]
        detail = client.get("/api/manage/libraries/acme/widgets").json()
        assert [v["version"] for v in detail["versions"]] == ["1.0"]
        assert detail["versions"][0]["is_latest"] is True

        # The indexed library answers Context7's API at once.
        answer = client.get(
            "/api/v2/context", params={"libraryId": "/acme/widgets", "query": "configure colour"}
        )
        assert answer.status_code == 200 and "widgets.configure" in answer.text

        renamed = client.patch(
            "/api/manage/libraries/acme/widgets", json={"name": "Widgets Pro"}, headers=AS_ADMIN
        )
        assert renamed.status_code == 200 and renamed.json()["name"] == "Widgets Pro"

        second = add_widgets(client, docs, "2.0")
        assert events(client, f"/api/manage/jobs/{second['id']}/events")[-1][1]["status"] == (
            "succeeded"
        )
        gone = client.delete("/api/manage/libraries/acme/widgets/1.0", headers=AS_ADMIN)
        assert gone.status_code == 200 and "1.0" in gone.json()["message"]
        versions = client.get("/api/manage/libraries/acme/widgets").json()["versions"]
        assert [v["version"] for v in versions] == ["2.0"]

        missing = client.delete("/api/manage/libraries/acme/widgets/9.9", headers=AS_ADMIN)
        assert missing.status_code == 404 and missing.json()["error"] == "version_not_found"
        assert "2.0" in missing.json()["message"]  # names what is there

        assert client.delete("/api/manage/libraries/acme/widgets", headers=AS_ADMIN).is_success
        after = client.get("/api/manage/libraries/acme/widgets")
        assert after.status_code == 404 and after.json()["error"] == "library_not_found"


def test_writes_need_a_configured_admin_key(settings: Settings, docs: Path) -> None:
    body = {"source": str(docs), "library": "/acme/widgets", "version": "1.0"}
    with (
        live_app(fake_settings(settings)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        refused = client.post("/api/manage/libraries", json=body, headers=AS_ADMIN)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "admin_disabled"
        assert "CODEX7_ADMIN_KEYS" in refused.json()["message"]
        assert client.delete("/api/manage/libraries/acme/widgets").status_code == 403
        assert client.get("/api/manage/libraries").status_code == 200  # reads stay open

    with (
        live_app(fake_settings(settings, admin_keys=SecretStr(f"other, {ADMIN}"))) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = client.post("/api/manage/libraries", json=body, headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert r.json()["error"] == "unauthorized" and "wrong" not in r.text
            assert r.headers["www-authenticate"] == "Bearer"
        assert client.post("/api/manage/libraries", json=body, headers=AS_ADMIN).status_code == 202
        # One middleware reads a key from any of Context7's headers, for writes too.
        by_header = client.post("/api/manage/libraries", json=body, headers={"X-API-Key": ADMIN})
        assert by_header.status_code == 202


def test_reads_follow_the_api_keys(settings: Settings) -> None:
    keys = {"api_keys": SecretStr(READER), "admin_keys": SecretStr(ADMIN)}
    with (
        live_app(fake_settings(settings, **keys)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        denied = client.get("/api/manage/jobs")
        assert denied.status_code == 401 and denied.json()["error"] == "unauthorized"
        for headers in ({"Authorization": f"Bearer {READER}"}, {"X-API-Key": READER}, AS_ADMIN):
            assert client.get("/api/manage/jobs", headers=headers).status_code == 200, headers
        # A reader's key does not write: 403, the key is known but lacks the admin scope.
        reader = {"Authorization": f"Bearer {READER}"}
        refused = client.post("/api/manage/refresh", headers=reader)
        assert refused.status_code == 403 and refused.json()["error"] == "access_denied"


def test_cancel_a_queued_job_and_its_stream_ends_at_once(settings: Settings, docs: Path) -> None:
    with (
        live_app(fake_settings(settings, admin_keys=SecretStr(ADMIN))) as base,  # no worker
        httpx.Client(base_url=base, timeout=30, headers=AS_ADMIN) as client,
    ):
        job = add_widgets(client, docs)
        assert job["status"] == "queued"
        cancelled = client.post(f"/api/manage/jobs/{job['id']}/cancel", headers=AS_ADMIN)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert events(client, f"/api/manage/jobs/{job['id']}/events") == [
            ("done", client.get(f"/api/manage/jobs/{job['id']}").json())
        ]
        again = client.post(f"/api/manage/jobs/{job['id']}/cancel", headers=AS_ADMIN)
        assert again.status_code == 409 and again.json()["error"] == "job_finished"
        queued = client.get("/api/manage/jobs", params={"status": "queued"}).json()["jobs"]
        assert job["id"] not in [j["id"] for j in queued]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "words"),
    [
        ("POST", "/api/manage/libraries", b"{not json", 400, "invalid_json", "not valid JSON"),
        ("POST", "/api/manage/libraries", b"[]", 400, "invalid_request", "JSON object"),
        (
            "POST",
            "/api/manage/libraries",
            b"{" + b" " * 70_000 + b"}",
            413,
            "too_large",
            "at most 65536 bytes",
        ),
        ("POST", "/api/manage/libraries", {"library": "/a/b"}, 400, "invalid_request", "'source'"),
        (
            "POST",
            "/api/manage/libraries",
            {"source": "/tmp/x", "library": "widgets"},
            400,
            "invalid_request",
            "'library' must be a library ID /org/project",
        ),
        (
            "POST",
            "/api/manage/libraries",
            {"source": "/tmp/x", "library": "/a/b", "folder": ["docs"]},
            400,
            "invalid_request",
            "Unknown field 'folder'; the accepted fields are source, library",
        ),
        (
            "POST",
            "/api/manage/libraries",
            {"source": "/tmp/x", "library": "/a/b", "folders": "docs"},
            400,
            "invalid_request",
            "'folders' must be a list of non-empty strings",
        ),
        (
            "POST",
            "/api/manage/libraries",
            {"source": "/tmp/x", "library": "/a/b", "latest": "yes"},
            400,
            "invalid_request",
            "'latest' must be true, false or null",
        ),
        ("PATCH", "/api/manage/libraries/a/b", {}, 400, "invalid_request", "at least one of"),
        (
            "PATCH",
            "/api/manage/libraries/a/b",
            {"refresh_every": "5s"},
            400,
            "invalid_request",
            "'refresh_every' must be an interval",
        ),
        ("PATCH", "/api/manage/libraries/a/b", {"name": "B"}, 404, "library_not_found", "a/b"),
        ("GET", "/api/manage/libraries/a/b", None, 404, "library_not_found", "not indexed"),
        ("DELETE", "/api/manage/libraries/a/b", None, 404, "library_not_found", "not indexed"),
        ("POST", "/api/manage/libraries/a/b/refresh", None, 404, "library_not_found", "a/b"),
        ("GET", "/api/manage/jobs/987654", None, 404, "job_not_found", "987654"),
        ("POST", "/api/manage/jobs/987654/cancel", None, 404, "job_not_found", "987654"),
        ("GET", "/api/manage/jobs/987654/events", None, 404, "job_not_found", "987654"),
        ("GET", "/api/manage/jobs/abc", None, 400, "invalid_request", "whole number"),
        ("GET", "/api/manage/libraries/a%00/b", None, 400, "invalid_request", "NUL"),
        ("DELETE", "/api/manage/libraries/a/b/%00", None, 400, "invalid_request", "'version'"),
        ("GET", "/api/manage/jobs?status=done", None, 400, "invalid_request", "'status'"),
        ("GET", "/api/manage/jobs?limit=0", None, 400, "invalid_request", "'limit'"),
        ("GET", "/api/manage/nothing", None, 404, "not_found", "GET /api/manage/libraries"),
        ("PUT", "/api/manage/libraries", None, 405, "method_not_allowed", "use GET, HEAD, POST"),
    ],
)
def test_errors_are_json_with_the_right_status(
    settings: Settings,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    content = body if isinstance(body, bytes) else None
    payload = body if not isinstance(body, bytes) else None
    with (
        live_app(fake_settings(settings, admin_keys=SecretStr(ADMIN))) as base,
        httpx.Client(base_url=base, timeout=30, headers=AS_ADMIN) as client,
    ):
        r = client.request(method, path, content=content, json=payload)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    answer = r.json()
    assert set(answer) == {"error", "message"} and answer["error"] == code, answer
    assert words in answer["message"], answer["message"]
    assert "Traceback" not in caplog.text and "SELECT" not in answer["message"]


def test_request_ids_and_the_access_log(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="codex7.access")
    keys = {"api_keys": SecretStr(READER), "admin_keys": SecretStr(ADMIN)}
    with (
        live_app(fake_settings(settings, **keys)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        mine = client.get(
            "/api/manage/jobs?status=queued&secret=hidden",
            headers={"X-Request-ID": "trace-42", "Authorization": f"Bearer {READER}"},
        )
        assert mine.status_code == 200 and mine.headers["x-request-id"] == "trace-42"
        made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        assert made.headers["x-request-id"] != "bad id\twith spaces"
        assert len(made.headers["x-request-id"]) == 32
    lines = [r.getMessage() for r in caplog.records if r.name == "codex7.access"]
    assert any(
        line.startswith("127.0.0.1 GET /api/manage/jobs 200 ") and line.endswith("id=trace-42")
        for line in lines
    ), lines
    assert any("GET /healthz 200" in line for line in lines), lines
    assert "hidden" not in caplog.text and READER not in caplog.text and "secret" not in caplog.text
