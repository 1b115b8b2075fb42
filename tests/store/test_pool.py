"""The query path's pool: a statement timeout, and clear errors instead of long waits."""

from __future__ import annotations

import time

import pytest

from codex7.config import Settings
from codex7.errors import DatabaseError
from codex7.services.state import StateHolder
from codex7.store.database import open_database


def test_query_path_connections_cap_each_statement(settings: Settings) -> None:
    holder = StateHolder(settings.model_copy(update={"warm_up": False, "statement_timeout": 0.5}))
    state = holder.get()
    try:
        with state.db.pool.connection() as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("500ms",)
        with pytest.raises(DatabaseError, match="statement timeout") as caught:
            with state.db.pool.connection() as conn:
                conn.execute("SELECT pg_sleep(5)")
        assert "\n" not in str(caught.value) and "CODEX7_STATEMENT_TIMEOUT" in str(caught.value)
        with state.db.pool.connection() as conn:  # the connection went back to work
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        holder.close()


def test_statement_timeout_defaults_to_five_seconds_on_the_query_path_only(
    settings: Settings,
) -> None:
    assert Settings().statement_timeout == 5.0
    holder = StateHolder(settings.model_copy(update={"warm_up": False}))
    try:
        with holder.get().db.pool.connection() as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
    finally:
        holder.close()
    with open_database(settings) as db, db.pool.connection() as conn:  # indexing: no cap
        assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)


def test_a_busy_pool_fails_fast_and_says_why(settings: Settings) -> None:
    busy = settings.model_copy(update={"pool_timeout": 0.5, "pool_min_size": 1, "pool_max_size": 1})
    with open_database(busy) as db, db.pool.connection():
        started = time.monotonic()
        with pytest.raises(DatabaseError, match=r"all 1 connections stayed busy") as caught:
            with db.pool.connection():
                pass
        assert time.monotonic() - started < 5
        assert str(caught.value).startswith(f"The database at {db.location} is unavailable")
