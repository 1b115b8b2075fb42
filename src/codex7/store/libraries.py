"""SQL for the libraries table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from codex7.store.vector_index import drop_library_indexes


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


_SELECT = """
SELECT id, identifier, org, project, name, description, repository_url, homepage_url,
       trust_score, rules, metadata
FROM libraries
"""


def get_library(conn: psycopg.Connection, identifier: str) -> LibraryRow | None:
    with conn.cursor(row_factory=class_row(LibraryRow)) as cur:
        return cur.execute(_SELECT + "WHERE identifier = %s", (identifier,)).fetchone()


def list_libraries(conn: psycopg.Connection) -> list[LibraryRow]:
    with conn.cursor(row_factory=class_row(LibraryRow)) as cur:
        return cur.execute(_SELECT + "ORDER BY identifier").fetchall()


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
) -> int:
    """Create the library or update the fields given (None leaves a field as it is)."""
    row = conn.execute(
        """
        INSERT INTO libraries (identifier, org, project, name, description, repository_url, rules, trust_score)
        VALUES (%(identifier)s, %(org)s, %(project)s, coalesce(%(name)s::text, %(project)s),
                coalesce(%(description)s::text, ''), %(repository_url)s,
                coalesce(%(rules)s::text[], '{}'), coalesce(%(trust_score)s::int, 5))
        ON CONFLICT (identifier) DO UPDATE SET
            name = coalesce(%(name)s::text, libraries.name),
            description = coalesce(%(description)s::text, libraries.description),
            repository_url = coalesce(%(repository_url)s::text, libraries.repository_url),
            rules = coalesce(%(rules)s::text[], libraries.rules),
            trust_score = coalesce(%(trust_score)s::int, libraries.trust_score),
            updated_at = now()
        RETURNING id
        """,
        {
            "identifier": f"/{org}/{project}",
            "org": org,
            "project": project,
            "name": name,
            "description": description,
            "repository_url": repository_url,
            "rules": rules,
            "trust_score": trust_score,
        },
    ).fetchone()
    assert row is not None
    return int(row[0])


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


def delete_library(conn: psycopg.Connection, identifier: str) -> bool:
    """Delete a library, its versions, their chunks and vector indexes."""

    row = conn.execute("SELECT id FROM libraries WHERE identifier = %s", (identifier,)).fetchone()
    if row is None:
        return False
    drop_library_indexes(conn, row[0])
    conn.execute("DELETE FROM libraries WHERE id = %s", (row[0],))
    return True


@dataclass
class LibraryStats:
    """A library with what its versions hold: what listings and resolve-library-id show."""

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


_STATS_SQL = """
SELECT l.identifier, l.org, l.project, l.name, l.description, l.trust_score,
       max(v.version) FILTER (WHERE v.is_latest) AS latest,
       coalesce(array_agg(v.version ORDER BY v.version_normalized DESC)
                FILTER (WHERE v.id IS NOT NULL), '{}') AS versions,
       coalesce(max(v.document_count) FILTER (WHERE v.is_latest), 0) AS snippets,
       coalesce(sum(v.document_count), 0) AS chunks,
       coalesce((SELECT sum(d.token_count) FROM documents d
                 JOIN versions lv ON lv.id = d.version_id
                 WHERE lv.library_id = l.id AND lv.is_latest), 0) AS tokens,
       max(v.indexed_at) AS indexed_at
FROM libraries l LEFT JOIN versions v ON v.library_id = l.id
WHERE %(identifier)s::text IS NULL OR l.identifier = %(identifier)s
GROUP BY l.id
ORDER BY l.identifier
"""


def library_stats(conn: psycopg.Connection, identifier: str | None = None) -> list[LibraryStats]:
    """Every library (or the one named) with its versions' counts, by identifier."""
    with conn.cursor(row_factory=class_row(LibraryStats)) as cur:
        return cur.execute(_STATS_SQL, {"identifier": identifier}).fetchall()


def rename_library(conn: psycopg.Connection, identifier: str, name: str) -> bool:
    """Give a library the name the user chose; indexing keeps it from then on (name_source)."""
    row = conn.execute(
        """
        UPDATE libraries
        SET name = %s, metadata = metadata || '{"name_source": "user"}', updated_at = now()
        WHERE identifier = %s
        RETURNING id
        """,
        (name, identifier),
    ).fetchone()
    return row is not None
