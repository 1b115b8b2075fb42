"""SQL for the libraries table.

A library is owned by a workspace (`workspace_id`; None: the default workspace) and is public or
private to its owner. Reads take a VIEWER, the workspace asking (None: the default workspace and
anonymous callers): it sees public libraries and its own, and where one of its own shares an
identifier with a public library, its own (the public one is shadowed for it). Identifiers are
unique per workspace, and public ones across all workspaces (sql/010_workspaces.sql).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from codex7.errors import WorkspaceError
from codex7.store.vector_index import drop_library_indexes

PUBLIC, PRIVATE = "public", "private"


@dataclass
class LibraryRow:
    id: int
    identifier: str
    org: str
    project: str
    name: str
    description: str
    repository_url: str | None
    homepage_url: str | None
    trust_score: int
    rules: list[str]
    metadata: dict[str, Any]
    workspace_id: int | None = None  # the owner; None: the default workspace
    visibility: str = PUBLIC

    @property
    def private(self) -> bool:
        return self.visibility == PRIVATE


_SELECT = """
SELECT id, identifier, org, project, name, description, repository_url, homepage_url,
       trust_score, rules, metadata, workspace_id, visibility
FROM libraries l
"""

# What VIEWER sees: public libraries and its own, its own shadowing a public one of the same ID.
VISIBLE = """
(l.visibility = 'public' OR l.workspace_id = %(viewer)s)
AND NOT (l.workspace_id IS DISTINCT FROM %(viewer)s
         AND EXISTS (SELECT 1 FROM libraries o
                     WHERE o.identifier = l.identifier AND o.workspace_id = %(viewer)s))
"""


def get_library(
    conn: psycopg.Connection, identifier: str, viewer: int | None = None
) -> LibraryRow | None:
    """The library VIEWER means by IDENTIFIER (its own first, else the public one), or None."""
    with conn.cursor(row_factory=class_row(LibraryRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE identifier = %(identifier)s AND " + VISIBLE,
            {"identifier": identifier, "viewer": viewer},
        ).fetchone()


def get_owned_library(
    conn: psycopg.Connection, identifier: str, owner: int | None
) -> LibraryRow | None:
    """The library OWNER's workspace holds under IDENTIFIER (private or public), or None."""
    with conn.cursor(row_factory=class_row(LibraryRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE identifier = %s AND workspace_id IS NOT DISTINCT FROM %s",
            (identifier, owner),
        ).fetchone()


def list_libraries(conn: psycopg.Connection, viewer: int | None = None) -> list[LibraryRow]:
    """Every library VIEWER sees, by identifier."""
    with conn.cursor(row_factory=class_row(LibraryRow)) as cur:
        return cur.execute(
            _SELECT + "WHERE " + VISIBLE + "ORDER BY identifier", {"viewer": viewer}
        ).fetchall()


def upsert_library(
    conn: psycopg.Connection,
    *,
    org: str,
    project: str,
    name: str | None,
    description: str | None,
    repository_url: str | None,
    rules: list[str] | None,
    trust_score: int | None = None,
    owner: int | None = None,
    visibility: str | None = None,
) -> int:
    """Create OWNER's library or update the fields given (None leaves a field as it is; a new
    library is public unless VISIBILITY says otherwise). WorkspaceError when it would be public
    and another workspace's public library has its identifier, or private without a workspace.
    """
    identifier = f"/{org}/{project}"
    if visibility == PRIVATE and owner is None:
        raise WorkspaceError(
            f"{identifier} cannot be private in the default workspace: index it with "
            "--workspace NAME --private (a workspace made with `codex7 workspaces create`)."
        )
    with _public_unique(conn, identifier):
        row = conn.execute(
            """
            INSERT INTO libraries (identifier, org, project, name, description, repository_url,
                                   rules, trust_score, workspace_id, visibility)
            VALUES (%(identifier)s, %(org)s, %(project)s, coalesce(%(name)s::text, %(project)s),
                    coalesce(%(description)s::text, ''), %(repository_url)s,
                    coalesce(%(rules)s::text[], '{}'), coalesce(%(trust_score)s::int, 5),
                    %(owner)s, coalesce(%(visibility)s::text, 'public'))
            ON CONFLICT ((coalesce(workspace_id, 0)), identifier) DO UPDATE SET
                name = coalesce(%(name)s::text, libraries.name),
                description = coalesce(%(description)s::text, libraries.description),
                repository_url = coalesce(%(repository_url)s::text, libraries.repository_url),
                rules = coalesce(%(rules)s::text[], libraries.rules),
                trust_score = coalesce(%(trust_score)s::int, libraries.trust_score),
                visibility = coalesce(%(visibility)s::text, libraries.visibility),
                updated_at = now()
            RETURNING id
            """,
            {
                "identifier": identifier,
                "org": org,
                "project": project,
                "name": name,
                "description": description,
                "repository_url": repository_url,
                "rules": rules,
                "trust_score": trust_score,
                "owner": owner,
                "visibility": visibility,
            },
        ).fetchone()
    assert row is not None
    return int(row[0])


def public_taken(identifier: str) -> WorkspaceError:
    return WorkspaceError(
        f"A public library {identifier} already exists (another workspace's, or the default "
        "workspace's): public library IDs are unique. Keep yours private (--private, or "
        '"private": true) or choose another library ID.'
    )


@contextmanager
def _public_unique(conn: psycopg.Connection, identifier: str) -> Iterator[None]:
    """A savepoint for a write that may make IDENTIFIER public: public_taken if another public
    library already has it."""
    try:
        with conn.transaction():
            yield
    except psycopg.errors.UniqueViolation:
        raise public_taken(identifier) from None


def set_visibility(conn: psycopg.Connection, library_id: int, visibility: str) -> str:
    """Make a library public or private; returns the visibility it had. WorkspaceError as for
    upsert_library."""
    row = conn.execute(
        "SELECT identifier, visibility, workspace_id FROM libraries WHERE id = %s FOR UPDATE",
        (library_id,),
    ).fetchone()
    assert row is not None
    identifier, before, owner = row
    if visibility == PRIVATE and owner is None:
        raise WorkspaceError(
            f"{identifier} belongs to the default workspace, which has no private libraries: "
            "index it into a workspace (--workspace NAME --private) instead."
        )
    with _public_unique(conn, identifier):
        conn.execute(
            "UPDATE libraries SET visibility = %s, updated_at = now() WHERE id = %s",
            (visibility, library_id),
        )
    return str(before)


def set_metadata(conn: psycopg.Connection, library_id: int, metadata: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE libraries SET metadata = metadata || %s WHERE id = %s",
        (Jsonb(metadata), library_id),
    )


def _to_publish(
    lib: LibraryRow | None, field: str, explicit: str | None, derived: str
) -> str | None:
    if explicit:
        return explicit
    if lib is None:
        return derived
    if lib.metadata.get(f"{field}_source") == "user":
        return None
    # Replace only what indexing put there itself: the old default or an earlier derivation.
    automatic = {lib.project if field == "name" else "", lib.metadata.get(f"derived_{field}")}
    return derived if getattr(lib, field) in automatic else None


def name_to_publish(lib: LibraryRow | None, explicit: str | None, derived: str) -> str | None:
    """--name always wins; else the derived name, unless the stored one came from the user
    (None: upsert_library keeps it)."""
    return _to_publish(lib, "name", explicit, derived)


def description_to_publish(
    lib: LibraryRow | None, explicit: str | None, derived: str | None
) -> str | None:
    return _to_publish(lib, "description", explicit, derived or "")


def record_name_sources(
    conn: psycopg.Connection,
    lib: LibraryRow,
    *,
    explicit_name: str | None,
    explicit_description: str | None,
    derived_name: str,
    derived_description: str | None,
) -> None:
    """Remember what the user named and what derivation gave, for the next run's choice."""
    meta: dict[str, Any] = {
        "derived_name": derived_name,
        "derived_description": derived_description or "",
    }
    for field, explicit, derived in (
        ("name", explicit_name, derived_name),
        ("description", explicit_description, derived_description or ""),
    ):
        if explicit:
            meta[f"{field}_source"] = "user"
        elif lib.metadata.get(f"{field}_source") != "user" and getattr(lib, field) == derived:
            meta[f"{field}_source"] = "derived"
    set_metadata(conn, lib.id, meta)


def delete_library(conn: psycopg.Connection, identifier: str, owner: int | None = None) -> bool:
    """Delete OWNER's library, its versions, their chunks and vector indexes."""

    row = conn.execute(
        "SELECT id FROM libraries WHERE identifier = %s AND workspace_id IS NOT DISTINCT FROM %s",
        (identifier, owner),
    ).fetchone()
    if row is None:
        return False
    drop_library_indexes(conn, row[0])
    conn.execute("DELETE FROM libraries WHERE id = %s", (row[0],))
    return True


@dataclass
class LibraryStats:
    """A library with what its versions hold: what listings and resolve-library-id show."""

    id: int
    identifier: str
    org: str
    project: str
    name: str
    description: str
    trust_score: int
    latest: str | None
    versions: list[str]  # newest first
    snippets: int  # chunks of the latest version
    chunks: int  # chunks of all versions
    tokens: int  # tokens of the latest version
    indexed_at: datetime | None  # the most recent indexing of any version
    workspace_id: int | None = None  # the owner; None: the default workspace
    visibility: str = PUBLIC


_STATS_SQL = """
SELECT l.id, l.identifier, l.org, l.project, l.name, l.description, l.trust_score,
       max(v.version) FILTER (WHERE v.is_latest) AS latest,
       coalesce(array_agg(v.version ORDER BY v.version_normalized DESC)
                FILTER (WHERE v.id IS NOT NULL), '{}') AS versions,
       coalesce(max(v.document_count) FILTER (WHERE v.is_latest), 0) AS snippets,
       coalesce(sum(v.document_count), 0) AS chunks,
       coalesce((SELECT sum(d.token_count) FROM documents d
                 JOIN versions lv ON lv.id = d.version_id
                 WHERE lv.library_id = l.id AND lv.is_latest), 0) AS tokens,
       max(v.indexed_at) AS indexed_at, l.workspace_id, l.visibility
FROM libraries l LEFT JOIN versions v ON v.library_id = l.id
WHERE (%(identifier)s::text IS NULL OR l.identifier = %(identifier)s)
  AND (%(library)s::bigint IS NULL OR l.id = %(library)s)
  AND
"""
_STATS_SQL += VISIBLE + "GROUP BY l.id ORDER BY l.identifier"


def library_stats(
    conn: psycopg.Connection,
    identifier: str | None = None,
    *,
    viewer: int | None = None,
    library_id: int | None = None,
) -> list[LibraryStats]:
    """Every library VIEWER sees (or the one named, by identifier or row ID) with its versions'
    counts, by identifier."""
    with conn.cursor(row_factory=class_row(LibraryStats)) as cur:
        return cur.execute(
            _STATS_SQL, {"identifier": identifier, "viewer": viewer, "library": library_id}
        ).fetchall()


def rename_library(conn: psycopg.Connection, library_id: int, name: str) -> bool:
    """Give a library the name the user chose; indexing keeps it from then on (name_source)."""
    row = conn.execute(
        """
        UPDATE libraries
        SET name = %s, metadata = metadata || '{"name_source": "user"}', updated_at = now()
        WHERE id = %s
        RETURNING id
        """,
        (name, library_id),
    ).fetchone()
    return row is not None
