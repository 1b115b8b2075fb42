"""What `codex7 db status` reports: server, extension, migrations, counts, embedding model."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from codex7.store.embedding_space import get_space
from codex7.store.migrate import applied_migrations, pending_migrations


@dataclass
class Status:
    location: str
    postgres_version: str
    pgvector_version: str | None
    applied_migrations: list[str]
    pending_migrations: list[str]
    libraries: int
    versions: int
    documents: int
    embedding_model: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_status(conn: psycopg.Connection, location: str) -> Status:
    pg = conn.execute("SHOW server_version").fetchone()
    vec = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    applied = applied_migrations(conn)
    counts = (0, 0, 0)
    space = None
    if "006" in applied:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM libraries), (SELECT count(*) FROM versions),"
            " (SELECT count(*) FROM documents)"
        ).fetchone()
        counts = (row[0], row[1], row[2]) if row else counts
        space = get_space(conn)
    return Status(
        location=location,
        postgres_version=str(pg[0]).split()[0] if pg else "?",
        pgvector_version=vec[0] if vec else None,
        applied_migrations=[f"{v}_{n}" for v, (n, _) in sorted(applied.items())],
        pending_migrations=pending_migrations(conn),
        libraries=counts[0],
        versions=counts[1],
        documents=counts[2],
        embedding_model=str(space) if space else None,
    )
