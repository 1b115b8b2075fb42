"""What is indexed: libraries with their sizes and dates, their versions, removing and renaming
them, and the recorded sources a refresh re-reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from codex7.errors import Codex7Error, LibraryNotFound, VersionNotFound
from codex7.ids import parse_library_id
from codex7.store import libraries as library_store
from codex7.store import schedules as schedule_store
from codex7.store import versions as version_store
from codex7.store.database import Connection
from codex7.store.libraries import LibraryRow, LibraryStats

if TYPE_CHECKING:
    from codex7.services.state import AppState

MAX_NAME = 200  # characters in a display name


@dataclass
class LibrarySummary:
    id: str  # /org/project
    name: str
    description: str | None
    latest: str | None
    versions: int
    chunks: int  # of all versions
    indexed_at: datetime | None  # the most recent indexing of any version
    refresh_every: timedelta | None  # scheduled refresh; None: refreshed by hand only


@dataclass
class VersionSummary:
    version: str
    is_latest: bool
    chunks: int
    commit: str | None
    indexed_at: datetime | None
    source: dict[str, Any]  # what it was indexed from: spec, ref, folders, exclusions


@dataclass
class LibraryDetail:
    summary: LibrarySummary
    versions: list[VersionSummary]  # newest first
    rules: list[str]


@dataclass
class RefreshTarget:
    library_id: str
    version: str
    source: dict[str, Any]  # as recorded when it was indexed


def find_library(conn: Connection, library_id: str) -> LibraryRow:
    """The library, else LibraryNotFound listing what is indexed."""
    lib = library_store.get_library(conn, library_id)
    if lib is None:
        known = [x.identifier for x in library_store.list_libraries(conn)]
        hint = (
            f" Indexed libraries: {', '.join(known)}."
            if known
            else " No libraries are indexed yet."
        )
        raise LibraryNotFound(
            f"Library {library_id} is not indexed.{hint}", library_id=library_id, suggestions=known
        )
    return lib


def _schedules(conn: Connection) -> dict[str, timedelta]:
    """Refresh intervals by library ID (set with `codex7 schedule`)."""
    return {s.identifier: s.every for s in schedule_store.list_schedules(conn)}


def _summary(stats: LibraryStats, schedules: dict[str, timedelta]) -> LibrarySummary:
    return LibrarySummary(
        id=stats.identifier,
        name=stats.name,
        description=stats.description or None,
        latest=stats.latest,
        versions=len(stats.versions),
        chunks=stats.chunks,
        indexed_at=stats.indexed_at,
        refresh_every=schedules.get(stats.identifier),
    )


def _library_id(library_id: str) -> str:
    return parse_library_id(library_id, allow_version=False).library_id


def list_libraries(state: AppState) -> list[LibrarySummary]:
    """Every indexed library, by ID."""
    with state.db.pool.connection() as conn:
        schedules = _schedules(conn)
        return [_summary(s, schedules) for s in library_store.library_stats(conn)]


def describe_library(state: AppState, library_id: str) -> LibraryDetail:
    """One library with its versions, newest first."""
    identifier = _library_id(library_id)
    with state.db.pool.connection() as conn:
        lib = find_library(conn, identifier)
        (stats,) = library_store.library_stats(conn, identifier)
        summary = _summary(stats, _schedules(conn))
        versions = [
            VersionSummary(
                version=v.version,
                is_latest=v.is_latest,
                chunks=v.document_count,
                commit=v.git_commit,
                indexed_at=v.indexed_at,
                source=v.source,
            )
            for v in version_store.list_versions(conn, lib.id)
        ]
    return LibraryDetail(summary=summary, versions=versions, rules=list(lib.rules))


def remove(state: AppState, target: str) -> str:
    """Remove a library (/org/project) with all its versions, or one version
    (/org/project/version; the newest release left becomes latest if it was). Returns what was
    done, in one line."""
    ref = parse_library_id(target)
    with state.db.pool.connection() as conn, conn.transaction():
        lib = find_library(conn, ref.library_id)
        if ref.version is None:
            library_store.delete_library(conn, ref.library_id)
            return f"Removed {ref.library_id} and all its versions."
        row = version_store.get_version(conn, lib.id, ref.version)
        if row is None:
            available = [v.version for v in version_store.list_versions(conn, lib.id)]
            raise VersionNotFound(
                f"Version {ref.version!r} of {ref.library_id} is not indexed. "
                f"Available: {', '.join(available) or 'none'}.",
                library_id=ref.library_id,
                version=ref.version,
                available=available,
            )
        version_store.delete_version(conn, row.id)
        if row.is_latest:
            version_store.set_latest(conn, lib.id, None)
    return f"Removed {ref.library_id}/{ref.version}."


def rename(state: AppState, library_id: str, name: str) -> LibrarySummary:
    """Give a library another display name; re-indexing keeps it (like `index --name`)."""
    identifier = _library_id(library_id)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise Codex7Error(
            f"A library name must be 1 to {MAX_NAME} characters of text, e.g. 'Next.js'."
        )
    with state.db.pool.connection() as conn, conn.transaction():
        find_library(conn, identifier)
        library_store.rename_library(conn, identifier, name)
        (stats,) = library_store.library_stats(conn, identifier)
        return _summary(stats, _schedules(conn))


def refresh_targets(state: AppState, library_id: str | None) -> list[RefreshTarget]:
    """Every version (of one library, or all) with the source it was indexed from."""
    with state.db.pool.connection() as conn:
        lib = find_library(conn, _library_id(library_id)) if library_id else None
        rows = version_store.recorded_versions(conn, lib.id if lib else None)
    return [RefreshTarget(r.library, r.version, r.source) for r in rows]
