"""query_log as services.analytics writes it: the error kind of a failed call, and old rows
deleted past the retention."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from codex7.config import Settings
from codex7.errors import LibraryNotFound
from codex7.services import analytics
from codex7.services.state import AppState, open_state


@pytest.fixture
def state(settings: Settings) -> Iterator[AppState]:
    opened = open_state(settings.model_copy(update={"query_log_days": 30}))
    yield opened
    opened.close()


def test_a_failed_call_is_recorded_with_its_kind_and_raised(state: AppState, db_url: str) -> None:
    with (
        pytest.raises(LibraryNotFound),
        analytics.logged(state, "query-docs", library="/acme/none/2.0", query="  how?  "),
    ):
        raise LibraryNotFound("Library /acme/none is not indexed.", library_id="/acme/none")
    with analytics.logged(state, None, library="/acme/none", query="not recorded"):
        pass
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT tool, library, version, query, results, error FROM query_log"
        ).fetchall()
    assert rows == [("query-docs", "/acme/none", "2.0", "how?", 0, "LibraryNotFound")]


def test_rows_past_the_retention_are_deleted(state: AppState, db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO query_log (at, tool, latency_ms) VALUES"
            " (now() - interval '31 days', 'old', 1), (now() - interval '29 days', 'kept', 1)"
        )
    with analytics.logged(state, "query-docs", library="/acme/widgets", query="q") as outcome:
        outcome.found(2, 100, "1.0")
    with psycopg.connect(db_url) as conn:
        tools = [r[0] for r in conn.execute("SELECT tool FROM query_log ORDER BY id")]
    assert tools == ["kept", "query-docs"]
