"""What agents ask: each tool or REST call recorded in query_log (CODEX7_QUERY_LOG), and the
figures the web UI's analytics page shows.

`logged()` wraps one call in services.docs: it times it, notes what it found (or the kind of
error it raised) and records a row, unless recording is off. A failure to record is logged and
never reaches the caller: analytics must not take the docs down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from codex7.errors import InvalidLibraryId
from codex7.ids import parse_library_id
from codex7.services.auth import Principal, acting
from codex7.store import query_log
from codex7.store.query_log import Call, Day, Entry, Group, Missing, Totals

if TYPE_CHECKING:
    from codex7.services.state import AppState

__all__ = ["Analytics", "Call", "Day", "Group", "Missing", "Totals", "logged", "summary"]

log = logging.getLogger("codex7.analytics")

MAX_TEXT = 500  # characters of a question or library name kept
PRUNE_EVERY = 3600.0  # seconds between deletions of rows past the retention
_pruned: dict[int, float] = {}  # id(state) → when its database was last pruned
_prune_lock = threading.Lock()


@dataclass
class Outcome:
    """What the wrapped call found: set by the caller inside `logged()`."""

    results: int = 0
    tokens: int | None = None
    version: str | None = None  # the version that answered

    def found(self, results: int, tokens: int | None = None, version: str | None = None) -> None:
        self.results, self.tokens = results, tokens
        if version is not None:
            self.version = version


def _library(text: str | None) -> tuple[str | None, str | None]:
    """(/org/project, version) of a library ID as asked; other text as it came, shortened."""
    if not text or not text.strip():
        return None, None
    try:
        ref = parse_library_id(text)
    except InvalidLibraryId:
        return text.strip()[:MAX_TEXT], None
    return ref.library_id, ref.version


@contextmanager
def logged(
    state: AppState,
    tool: str | None,
    *,
    library: str | None,
    version: str | None = None,
    query: str | None = None,
    library_is_name: bool = False,
    workspace: int | None = None,
) -> Iterator[Outcome]:
    """Time the enclosed call and record it as TOOL's (nothing when TOOL is None, e.g. the web
    UI's own queries and `codex7 eval`). LIBRARY is a library ID (its version is used when
    VERSION is None) or, with LIBRARY_IS_NAME, the name resolve-library-id was asked for;
    WORKSPACE is the caller's (None: the default one), whose analytics show the call."""
    outcome = Outcome()
    started = time.perf_counter()
    error: str | None = None
    try:
        yield outcome
    except Exception as exc:
        error = type(exc).__name__
        raise
    finally:
        if tool is not None and state.settings.query_log != "off":
            if library_is_name:
                name, asked = (library or "").strip()[:MAX_TEXT] or None, None
            else:
                name, asked = _library(library)
            entry = Entry(
                tool=tool,
                library=name,
                version=outcome.version or (version or "").strip() or asked,
                query=_question(state, query),
                results=outcome.results,
                tokens=outcome.tokens,
                latency_ms=(time.perf_counter() - started) * 1000,
                error=error,
                workspace_id=workspace,
            )
            record(state, entry)


def _question(state: AppState, query: str | None) -> str | None:
    if state.settings.query_log != "full" or not query or not query.strip():
        return None
    return query.strip()[:MAX_TEXT]


def record(state: AppState, entry: Entry) -> None:
    """Write one row (and, once an hour, delete the rows past the retention); never raises."""
    try:
        with state.db.pool.connection() as conn:
            query_log.insert(conn, entry)
            days = state.settings.query_log_days
            if days and _prune_due(state):
                query_log.prune(conn, datetime.now(UTC) - timedelta(days=days))
    except Exception as exc:  # recording is best effort: the answer has been computed
        log.warning("could not record a %s call in query_log: %s", entry.tool, exc)


def _prune_due(state: AppState) -> bool:
    now = time.monotonic()
    with _prune_lock:
        last = _pruned.get(id(state))
        if last is not None and now - last < PRUNE_EVERY:
            return False
        _pruned[id(state)] = now
        return True


@dataclass
class Analytics:
    """The analytics page: the last DAYS days of query_log."""

    mode: str  # full | aggregate | off (CODEX7_QUERY_LOG)
    days: int
    since: datetime
    totals: Totals
    per_day: list[Day] = field(default_factory=list)
    top_libraries: list[Group] = field(default_factory=list)
    tools: list[Group] = field(default_factory=list)
    slowest: list[Call] = field(default_factory=list)
    nothing: list[Missing] = field(default_factory=list)


def summary(
    state: AppState, days: int = 30, limit: int = 20, *, principal: Principal | None = None
) -> Analytics:
    """Queries per day, top libraries, tools, the slowest calls and the ones that found nothing,
    with p50/p95 latency, over the last DAYS days (UTC): the calls of the caller's workspace."""
    since = datetime.now(UTC) - timedelta(days=days)
    viewer = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        return Analytics(
            mode=state.settings.query_log,
            days=days,
            since=since,
            totals=query_log.totals(conn, since, viewer),
            per_day=query_log.per_day(conn, since, viewer),
            top_libraries=query_log.top_libraries(conn, since, limit, viewer),
            tools=query_log.by_tool(conn, since, limit, viewer),
            slowest=query_log.slowest(conn, since, limit, viewer),
            nothing=query_log.found_nothing(conn, since, limit, viewer),
        )
