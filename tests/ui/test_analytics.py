"""What agents ask: real MCP and REST calls land in query_log, the analytics page shows the
figures those rows give, and nothing (or no question) is recorded when the setting says so."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from mcp import Client
from playwright.sync_api import expect
from psycopg.rows import dict_row

from codex7.config import Settings
from codex7.services.jobs import IndexRequest, run_inline
from codex7.services.state import open_state
from codex7.tokens import tiktoken_counter
from tests.ui.conftest import Gate, live_ui, snap, ui_settings
from tests.ui.test_pages import write_docs

MISSING = ("LibraryNotFound", "VersionNotFound")


@pytest.fixture(scope="module")
def indexed(module_db: str, gate: Gate, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """/acme/widgets 1.0 indexed; no keys, so anyone reads (the default setup)."""
    docs = write_docs(tmp_path_factory.mktemp("docs") / "widgets-docs", "Widgets")
    settings = ui_settings(module_db, tmp_path_factory.mktemp("data"))
    state = open_state(settings)
    try:
        run_inline(state, IndexRequest(source=str(docs), library="/acme/widgets", version="1.0"))
    finally:
        state.close()
    return settings


@pytest.fixture(scope="module")
def base(indexed: Settings) -> Iterator[str]:
    with live_ui(indexed) as url:
        yield url


def rows(db_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM query_log ORDER BY id").fetchall()


async def _agent_calls(base: str) -> dict[str, str]:
    """What an agent does over MCP; the texts it got, by name."""
    texts: dict[str, str] = {}
    async with Client(f"{base}/mcp") as client:
        calls = {
            "resolve": ("resolve-library-id", {"libraryName": "widgets", "query": "colour"}),
            "configure": (
                "query-docs",
                {"libraryId": "/acme/widgets", "query": "configure the colour"},
            ),
            "schedule": (
                "query-docs",
                {"libraryId": "/acme/widgets/1.0", "query": "send a report every day"},
            ),
            "legacy": (
                "get-library-docs",
                {"context7CompatibleLibraryID": "/acme/widgets", "topic": "install"},
            ),
            "missing": ("query-docs", {"libraryId": "/acme/gizmos", "query": "install gizmos"}),
            "unknown": ("resolve-library-id", {"libraryName": "gizmos", "query": "install"}),
        }
        for name, (tool, arguments) in calls.items():
            result = await client.call_tool(tool, arguments)
            texts[name] = result.content[0].text
    return texts


def agent_calls(base: str) -> dict[str, str]:
    # In a thread of its own: Playwright's sync API owns this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, _agent_calls, base).result()


def percentile(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def test_calls_are_recorded_and_the_page_shows_their_figures(
    page: Any, base: str, module_db: str
) -> None:
    before = len(rows(module_db))
    texts = agent_calls(base)
    with httpx.Client(base_url=base, timeout=30) as client:
        ok = client.get(
            "/api/v2/context", params={"libraryId": "/acme/widgets", "query": "reports"}
        )
        assert ok.status_code == 200
        none = client.get("/api/v2/libs/search", params={"libraryName": "nothing-like-it"})
        assert none.status_code == 404
        # The UI's own "try a query" is not an agent: not recorded.
        tried = client.get("/ui/query", params={"library": "/acme/widgets", "q": "colour"})
        assert tried.status_code == 200 and "widgets.configure" in tried.text
    recorded = rows(module_db)[before:]
    assert [r["tool"] for r in recorded] == [
        "resolve-library-id",
        "query-docs",
        "query-docs",
        "get-library-docs",
        "query-docs",
        "resolve-library-id",
        "GET /api/v2/context",
        "GET /api/v2/libs/search",
    ]
    resolve, configure, schedule, legacy, missing, unknown, rest, search = recorded
    assert (resolve["library"], resolve["query"], resolve["results"]) == ("widgets", "colour", 1)
    assert configure["library"] == "/acme/widgets" and configure["version"] == "1.0"
    assert configure["query"] == "configure the colour" and configure["results"] > 0
    assert configure["tokens"] == tiktoken_counter()(texts["configure"])
    assert configure["error"] is None and configure["latency_ms"] > 0
    assert schedule["library"] == "/acme/widgets" and schedule["version"] == "1.0"
    assert legacy["query"] == "install" and legacy["results"] > 0
    assert (missing["library"], missing["error"], missing["results"]) == (
        "/acme/gizmos",
        "LibraryNotFound",
        0,
    )
    assert (unknown["library"], unknown["results"], unknown["error"]) == ("gizmos", 0, None)
    assert rest["query"] == "reports" and rest["results"] > 0
    assert search["library"] == "nothing-like-it" and search["results"] == 0
    assert {r["workspace_id"] for r in recorded} == {None}

    # The page's figures are those of every row in the window.
    every = rows(module_db)
    latencies = [r["latency_ms"] for r in every]
    nothing = [r for r in every if r["results"] == 0 and (r["error"] in (None, *MISSING))]
    page.goto(base + "/ui/analytics?days=7")
    expect(page.locator("#stat-calls")).to_have_text(str(len(every)))
    expect(page.locator("#stat-nothing")).to_have_text(str(len(nothing)))
    expect(page.locator("#stat-errors")).to_have_text(str(sum(1 for r in every if r["error"])))
    expect(page.locator("#stat-p50")).to_have_text(ms(percentile(latencies, 0.5)))
    expect(page.locator("#stat-p95")).to_have_text(ms(percentile(latencies, 0.95)))
    today = datetime.now(UTC).date().isoformat()
    day = page.locator("#days-table tbody tr", has_text=today)
    expect(day.locator("td").nth(1)).to_have_text(str(len(every)))
    shown = page.locator("#libraries-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText, r.cells[1].innerText])"
    )
    counts = Counter(r["library"] for r in every)
    assert dict(shown) == {library: str(calls) for library, calls in counts.items()}
    expect(page.locator("#nothing-table")).to_contain_text("install gizmos")
    expect(page.locator("#nothing-table")).to_contain_text("nothing-like-it")
    slowest = max(every, key=lambda r: r["latency_ms"])
    first = page.locator("#slowest-table tbody tr").first
    expect(first.locator("td").first).to_have_text(ms(slowest["latency_ms"]))
    snap(page, "analytics")


@pytest.mark.parametrize("mode", ["off", "aggregate"])
def test_recording_follows_the_setting(
    mode: str, base: str, indexed: Settings, module_db: str, tmp_path: Path
) -> None:
    settings = indexed.model_copy(update={"query_log": mode, "data_dir": tmp_path / "data"})
    before = len(rows(module_db))
    with live_ui(settings) as url:
        texts = agent_calls(url)
        assert "widgets.configure" in texts["configure"]
        with httpx.Client(base_url=url) as client:
            got = client.get("/api/v2/context", params={"libraryId": "/acme/widgets", "query": "x"})
            assert got.status_code == 200
        page_text = httpx.get(f"{url}/ui/analytics").text
    recorded = rows(module_db)[before:]
    if mode == "off":
        assert recorded == []
        assert "Recording is off" in page_text
    else:
        assert len(recorded) == 7
        assert all(r["query"] is None for r in recorded)  # the figures, never the question
        assert {r["library"] for r in recorded} >= {"/acme/widgets", "widgets", "/acme/gizmos"}
        assert "questions are not kept" in page_text


def test_try_a_query_says_when_the_library_is_not_indexed(page: Any, base: str) -> None:
    page.goto(base + "/ui/query?library=/acme/gizmos&q=install")
    expect(page.get_by_role("alert")).to_contain_text("/acme/gizmos")
    expect(page.get_by_label("Question")).to_have_value("install")
