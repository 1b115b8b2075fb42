"""What is indexed: libraries with their sizes and dates, their versions, removing and renaming
them, and the recorded sources a refresh re-reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from codex7.errors import AuthError, Codex7Error, LibraryNotFound, VersionNotFound
from codex7.ids import parse_library_id
from codex7.services.audit import record_in
from codex7.services.auth import Principal, acting
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
    visibility: str = "public"  # or "private": its workspace's keys only


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
    workspace_id: int | None = None  # the library's owner
    private: bool = False


def find_library(conn: Connection, library_id: str, viewer: int | None = None) -> LibraryRow:
    """The library VIEWER (a workspace; None: the default one) means, else LibraryNotFound
    listing what it sees."""
    lib = library_store.get_library(conn, library_id, viewer)
    if lib is None:
        known = [x.identifier for x in library_store.list_libraries(conn, viewer)]
        hint = (
            f" Indexed libraries: {', '.join(known)}."
            if known
            else " No libraries are indexed yet."
        )
        raise LibraryNotFound(
            f"Library {library_id} is not indexed.{hint}", library_id=library_id, suggestions=known
        )
    return lib


def schedules_by_library(conn: Connection) -> dict[int, timedelta]:
    """Refresh intervals by library row (set with `codex7 schedule`)."""
    return {s.library_id: s.every for s in schedule_store.list_schedules(conn)}


def owned_library(conn: Connection, library_id: str, principal: Principal) -> LibraryRow:
    """The library PRINCIPAL sees under LIBRARY_ID and may change: its workspace's own.
    LibraryNotFound when it sees none; AuthError 403 for another workspace's public library."""
    lib = find_library(conn, library_id, principal.workspace_id)
    if lib.workspace_id != principal.workspace_id:
        raise AuthError(
            f"{lib.identifier} is a public library of another workspace: only that workspace's "
            "admins can change it.",
            status=403,
            code="access_denied",
        )
    return lib


def _summary(stats: LibraryStats, schedules: dict[int, timedelta]) -> LibrarySummary:
    return LibrarySummary(
        id=stats.identifier,
        name=stats.name,
        description=stats.description or None,
        latest=stats.latest,
        versions=len(stats.versions),
        chunks=stats.chunks,
        indexed_at=stats.indexed_at,
        refresh_every=schedules.get(stats.id),
        visibility=stats.visibility,
    )


def _summary_of(conn: Connection, lib: LibraryRow, viewer: int | None) -> LibrarySummary:
    """One library's summary as VIEWER sees it."""
    (stats,) = library_store.library_stats(conn, viewer=viewer, library_id=lib.id)
    return _summary(stats, schedules_by_library(conn))


def _library_id(library_id: str) -> str:
    return parse_library_id(library_id, allow_version=False).library_id


def list_libraries(state: AppState, *, principal: Principal | None = None) -> list[LibrarySummary]:
    """Every library the caller sees (public ones and its workspace's), by ID."""
    viewer = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        schedules = schedules_by_library(conn)
        stats = library_store.library_stats(conn, viewer=viewer)
        return [_summary(s, schedules) for s in stats]


def describe_library(
    state: AppState, library_id: str, *, principal: Principal | None = None
) -> LibraryDetail:
    """One library with its versions, newest first."""
    identifier = _library_id(library_id)
    viewer = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        lib = find_library(conn, identifier, viewer)
        summary = _summary_of(conn, lib, viewer)
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


def remove(state: AppState, target: str, *, principal: Principal | None = None) -> str:
    """Remove a library (/org/project) with all its versions, or one version
    (/org/project/version; the newest release left becomes latest if it was). Returns what was
    done, in one line. Only the library's own workspace removes it."""
    ref = parse_library_id(target)
    who = acting(state, principal)
    with state.db.pool.connection() as conn, conn.transaction():
        lib = owned_library(conn, ref.library_id, who)
        if ref.version is None:
            library_store.delete_library(conn, ref.library_id, lib.workspace_id)
            record_in(conn, lib.workspace_id, who.actor, "library.removed", ref.library_id)
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
        record_in(
            conn, lib.workspace_id, who.actor, "library.removed", f"{ref.library_id}/{ref.version}"
        )
    return f"Removed {ref.library_id}/{ref.version}."


def set_visibility(
    state: AppState, library_id: str, private: bool, *, principal: Principal | None = None
) -> LibrarySummary:
    """Make the caller's library private to its workspace or public to every caller."""
    identifier = _library_id(library_id)
    who = acting(state, principal)
    wanted = library_store.PRIVATE if private else library_store.PUBLIC
    with state.db.pool.connection() as conn, conn.transaction():
        lib = owned_library(conn, identifier, who)
        before = library_store.set_visibility(conn, lib.id, wanted)
        if before != wanted:
            record_in(
                conn,
                lib.workspace_id,
                who.actor,
                "library.visibility",
                identifier,
                {"from": before, "to": wanted},
            )
        return _summary_of(conn, lib, who.workspace_id)


def rename(
    state: AppState, library_id: str, name: str, *, principal: Principal | None = None
) -> LibrarySummary:
    """Give a library another display name; re-indexing keeps it (like `index --name`)."""
    identifier = _library_id(library_id)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise Codex7Error(
            f"A library name must be 1 to {MAX_NAME} characters of text, e.g. 'Next.js'."
        )
    who = acting(state, principal)
    with state.db.pool.connection() as conn, conn.transaction():
        lib = owned_library(conn, identifier, who)
        library_store.rename_library(conn, lib.id, name)
        return _summary_of(conn, lib, who.workspace_id)


def refresh_targets(
    state: AppState, library_id: str | None, *, principal: Principal | None = None
) -> list[RefreshTarget]:
    """Every version (of one library, or all the caller's workspace owns) with the source it
    was indexed from."""
    who = acting(state, principal)
    with state.db.pool.connection() as conn:
        if library_id:
            libs = [owned_library(conn, _library_id(library_id), who)]
        else:
            visible = library_store.list_libraries(conn, who.workspace_id)
            libs = [lib for lib in visible if lib.workspace_id == who.workspace_id]
        return [
            RefreshTarget(r.library, r.version, r.source, lib.workspace_id, lib.private)
            for lib in libs
            for r in version_store.recorded_versions(conn, lib.id)
        ]
