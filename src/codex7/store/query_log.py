"""SQL for query_log: one row per tool or REST call, and the figures of the analytics page (each
workspace's own calls: VIEWER, None for the default workspace).

"Found nothing" means no snippet or library came back, either from a successful call or from one
refused because the library or version is not indexed (the kinds in MISSING); a call that failed
for another reason (the database was down) is an error, not missing documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

MISSING = ("LibraryNotFound", "VersionNotFound")


@dataclass
class Entry:
    """One recorded call (what services.analytics writes)."""

    tool: str
    library: str | None
    version: str | None
    query: str | None
    results: int
    tokens: int | None
    latency_ms: float
    error: str | None
    workspace_id: int | None = None  # the caller's (None: the default workspace)


def insert(conn: psycopg.Connection, entry: Entry) -> None:
    conn.execute(
        """
        INSERT INTO query_log
            (tool, library, version, query, results, tokens, latency_ms, error, workspace_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            entry.tool,
            entry.library,
            entry.version,
            entry.query,
            entry.results,
            entry.tokens,
            entry.latency_ms,
            entry.error,
            entry.workspace_id,
        ),
    )


def prune(conn: psycopg.Connection, before: datetime) -> int:
    """Delete the rows recorded before BEFORE; how many went."""
    return conn.execute("DELETE FROM query_log WHERE at < %s", (before,)).rowcount


def _params(since: datetime, viewer: int | None, **more: Any) -> dict[str, Any]:
    return {"since": since, "viewer": viewer, "missing": list(MISSING), **more}


@dataclass
class Totals:
    calls: int
    errors: int
    nothing: int  # calls that found nothing
    p50_ms: float | None
    p95_ms: float | None
    first_at: datetime | None
    last_at: datetime | None


def totals(conn: psycopg.Connection, since: datetime, viewer: int | None) -> Totals:
    query = """
        SELECT count(*) AS calls,
               count(*) FILTER (WHERE error IS NOT NULL) AS errors,
               count(*) FILTER (WHERE results = 0 AND (error IS NULL OR error = ANY(%(missing)s))) AS nothing,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_ms,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms,
               min(at) AS first_at, max(at) AS last_at
        FROM query_log WHERE at >= %(since)s
          AND workspace_id IS NOT DISTINCT FROM %(viewer)s::bigint
    """
    with conn.cursor(row_factory=class_row(Totals)) as cur:
        row = cur.execute(query, _params(since, viewer)).fetchone()
    assert row is not None
    return row


@dataclass
class Day:
    day: date  # UTC
    calls: int
    nothing: int
    errors: int
    p95_ms: float


def per_day(conn: psycopg.Connection, since: datetime, viewer: int | None) -> list[Day]:
    """Calls per UTC day, oldest first (days without calls are left out)."""
    query = """
        SELECT (at AT TIME ZONE 'UTC')::date AS day, count(*) AS calls,
               count(*) FILTER (WHERE results = 0 AND (error IS NULL OR error = ANY(%(missing)s))) AS nothing,
               count(*) FILTER (WHERE error IS NOT NULL) AS errors,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms
        FROM query_log WHERE at >= %(since)s
          AND workspace_id IS NOT DISTINCT FROM %(viewer)s::bigint
        GROUP BY 1 ORDER BY 1
    """
    with conn.cursor(row_factory=class_row(Day)) as cur:
        return cur.execute(query, _params(since, viewer)).fetchall()


@dataclass
class Group:
    name: str
    calls: int
    nothing: int
    p50_ms: float
    p95_ms: float


_GROUPED = """
    SELECT {column} AS name, count(*) AS calls,
           count(*) FILTER (WHERE results = 0 AND (error IS NULL OR error = ANY(%(missing)s))) AS nothing,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms
    FROM query_log WHERE at >= %(since)s
          AND workspace_id IS NOT DISTINCT FROM %(viewer)s::bigint AND {column} IS NOT NULL
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %(limit)s
"""


def _grouped(
    conn: psycopg.Connection, column: str, since: datetime, limit: int, viewer: int | None
) -> list[Group]:
    statement = sql.SQL(_GROUPED).format(column=sql.Identifier(column))
    with conn.cursor(row_factory=class_row(Group)) as cur:
        return cur.execute(statement, _params(since, viewer, limit=limit)).fetchall()


def top_libraries(
    conn: psycopg.Connection, since: datetime, limit: int, viewer: int | None
) -> list[Group]:
    """Libraries by calls, most asked first (resolve-library-id counts the name asked)."""
    return _grouped(conn, "library", since, limit, viewer)


def by_tool(
    conn: psycopg.Connection, since: datetime, limit: int, viewer: int | None
) -> list[Group]:
    return _grouped(conn, "tool", since, limit, viewer)


@dataclass
class Call:
    at: datetime
    tool: str
    library: str | None
    version: str | None
    query: str | None
    results: int
    tokens: int | None
    latency_ms: float
    error: str | None


def slowest(
    conn: psycopg.Connection, since: datetime, limit: int, viewer: int | None
) -> list[Call]:
    query = """
        SELECT at, tool, library, version, query, results, tokens, latency_ms, error
        FROM query_log WHERE at >= %(since)s
          AND workspace_id IS NOT DISTINCT FROM %(viewer)s::bigint
        ORDER BY latency_ms DESC, at DESC LIMIT %(limit)s
    """
    with conn.cursor(row_factory=class_row(Call)) as cur:
        return cur.execute(query, _params(since, viewer, limit=limit)).fetchall()


@dataclass
class Missing:
    """A question (or library name) that found nothing, with how often it was asked."""

    tool: str
    library: str | None
    query: str | None
    error: str | None
    calls: int
    last_at: datetime


def found_nothing(
    conn: psycopg.Connection, since: datetime, limit: int, viewer: int | None
) -> list[Missing]:
    """The calls that found nothing, grouped by what was asked, most frequent first."""
    query = """
        SELECT tool, library, query, error, count(*) AS calls, max(at) AS last_at
        FROM query_log WHERE at >= %(since)s
          AND workspace_id IS NOT DISTINCT FROM %(viewer)s::bigint
          AND results = 0 AND (error IS NULL OR error = ANY(%(missing)s))
        GROUP BY tool, library, query, error
        ORDER BY calls DESC, last_at DESC LIMIT %(limit)s
    """
    with conn.cursor(row_factory=class_row(Missing)) as cur:
        return cur.execute(query, _params(since, viewer, limit=limit)).fetchall()
