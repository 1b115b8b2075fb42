"""What the web UI shows of the index beyond services.libraries: each library with its token
count, versions and source in one listing, and choosing a library's latest version by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from codex7.errors import VersionNotFound
from codex7.ids import parse_library_id
from codex7.services.audit import record_in
from codex7.services.auth import Principal, acting
from codex7.services.libraries import owned_library, schedules_by_library
from codex7.store import libraries as library_store
from codex7.store import versions as version_store

if TYPE_CHECKING:
    from codex7.services.state import AppState


@dataclass
class LibraryRow:
    id: str  # /org/project
    name: str
    description: str | None
    latest: str | None
    versions: list[str]  # newest first
    chunks: int  # of all versions
    tokens: int  # of the latest version
    source: str | None  # what the latest (else the last indexed) version was read from
    source_kind: str | None  # local | git | github | web
    indexed_at: datetime | None
    refresh_every: timedelta | None
    visibility: str  # public | private (its workspace's keys only)


def library_rows(state: AppState, *, principal: Principal | None = None) -> list[LibraryRow]:
    """Every library the caller sees, by ID, with what the libraries table shows."""
    viewer = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        stats = library_store.library_stats(conn, viewer=viewer)
        every = schedules_by_library(conn)
        recorded = version_store.recorded_versions(conn)
    sources: dict[tuple[str, int | None], dict[str, Any]] = {}
    by_version: dict[tuple[str, int | None, str], dict[str, Any]] = {}
    for v in recorded:
        by_version[(v.library, v.workspace_id, v.version)] = v.source
        sources[(v.library, v.workspace_id)] = v.source  # oldest first: the last one stays
    rows = []
    for s in stats:
        owner = (s.identifier, s.workspace_id)
        source = by_version.get((*owner, s.latest or ""), sources.get(owner, {}))
        rows.append(
            LibraryRow(
                id=s.identifier,
                name=s.name,
                description=s.description or None,
                latest=s.latest,
                versions=list(s.versions),
                chunks=s.chunks,
                tokens=s.tokens,
                source=source.get("spec"),
                source_kind=source.get("kind"),
                indexed_at=s.indexed_at,
                refresh_every=every.get(s.id),
                visibility=s.visibility,
            )
        )
    return rows


def set_latest(
    state: AppState, library_id: str, version: str, *, principal: Principal | None = None
) -> str:
    """Make VERSION the one `latest` answers (until a newer release is indexed); one line says
    what was done. Only the library's own workspace changes it; LibraryNotFound /
    VersionNotFound name what is indexed."""
    identifier = parse_library_id(library_id, allow_version=False).library_id
    who = acting(state, principal)
    with state.db.pool.connection() as conn, conn.transaction():
        lib = owned_library(conn, identifier, who)
        version_store.lock_library_versions(conn, lib.id)  # not while a publish flips it
        row = version_store.get_version(conn, lib.id, version)
        if row is None:
            available = [v.version for v in version_store.list_versions(conn, lib.id)]
            raise VersionNotFound(
                f"Version {version!r} of {identifier} is not indexed. "
                f"Available: {', '.join(available) or 'none'}.",
                library_id=identifier,
                version=version,
                available=available,
            )
        version_store.set_latest(conn, lib.id, row.id)
        record_in(conn, lib.workspace_id, who.actor, "library.latest", f"{identifier}/{version}")
    return f"{identifier}/{version} is now the latest version."


def source_link(source: dict[str, Any], commit: str | None) -> str | None:
    """A web address for what a version was read from (a repository at its commit, a site),
    or None for a local folder; pure."""
    spec = str(source.get("spec") or "")
    if spec.startswith("web:"):
        spec = spec[len("web:") :]
    if not spec.startswith(("http://", "https://")):
        return None
    base = spec.removesuffix(".git").rstrip("/")
    if commit and source.get("kind") == "github":
        return f"{base}/tree/{commit}"
    return spec
