"""The single transaction that makes a version's new content visible."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from codex7.records import Chunk
from codex7.store import documents, jobs, libraries, vector_index, versions
from codex7.store.embedding_space import bind_space


@dataclass
class Publication:
    org: str
    project: str
    version: str
    name: str | None
    description: str | None
    repository_url: str | None
    rules: list[str] | None
    git_commit: str | None
    source: dict[str, Any]
    metadata: dict[str, Any]
    source_type: str
    latest: bool | None  # None: only if the library has no latest version yet


def publish(
    conn: psycopg.Connection,
    pub: Publication,
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    vectors: np.ndarray,
    *,
    provider: str,
    model: str,
    dimensions: int,
    job_id: int,
) -> tuple[int, int]:
    """Swap in the version's chunks, flip is_latest, finish the job: all or nothing.

    Readers keep seeing the previous content until the commit.
    """
    with conn.transaction():
        bind_space(conn, provider, model, dimensions)
        library_id = libraries.upsert_library(
            conn,
            org=pub.org,
            project=pub.project,
            name=pub.name,
            description=pub.description,
            repository_url=pub.repository_url,
            rules=pub.rules,
        )
        version_id = versions.upsert_version(
            conn,
            library_id,
            pub.version,
            git_commit=pub.git_commit,
            source=pub.source,
            metadata=pub.metadata,
        )
        count = documents.replace_documents(
            conn, version_id, chunks, hashes, vectors, pub.source_type
        )
        conn.execute(
            "UPDATE versions SET document_count = %s, indexed_at = now() WHERE id = %s",
            (count, version_id),
        )
        vector_index.sync_version_index(conn, version_id, count, dimensions)
        has_latest = conn.execute(
            "SELECT 1 FROM versions WHERE library_id = %s AND is_latest", (library_id,)
        ).fetchone()
        if pub.latest or (pub.latest is None and not has_latest):
            versions.set_latest(conn, library_id, version_id)
        jobs.finish_job(conn, job_id, "succeeded", library_id=library_id, version_id=version_id)
    return library_id, version_id
