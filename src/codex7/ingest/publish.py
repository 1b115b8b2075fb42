"""The single transaction that makes a version's new content visible."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from codex7.records import Chunk
from codex7.store import documents, lexical, libraries, vector_index, versions
from codex7.store.database import Connection
from codex7.store.embedding_space import bind_space
from codex7.versions import becomes_latest


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
    latest: bool | None  # None: if it is the highest release (codex7.versions.becomes_latest)
    owner: int | None = None  # the owning workspace (None: the default one)
    visibility: str | None = None  # "public" / "private"; None: as it is (public when new)


def publish(
    conn: Connection,
    pub: Publication,
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    vectors: np.ndarray,
    *,
    provider: str,
    model: str,
    dimensions: int,
) -> tuple[int, int]:
    """Swap in the version's chunks and flip is_latest, all or nothing: (library_id, version_id).

    Readers keep seeing the previous content until the commit. Called inside the caller's
    transaction, the caller's last word (finishing the job) decides whether it commits.
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
            owner=pub.owner,
            visibility=pub.visibility,
        )
        # Concurrent publishes of one library wait here rather than race on is_latest.
        versions.lock_library_versions(conn, library_id)
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
        versions.set_document_count(conn, version_id, count)
        vector_index.sync_version_index(conn, version_id, count, dimensions)
        lexical.refresh_postings(conn, version_id)
        make_latest = pub.latest
        if make_latest is None:
            known = versions.list_versions(conn, library_id)
            current = next((v.version for v in known if v.is_latest), None)
            make_latest = becomes_latest(pub.version, [v.version for v in known], current)
        if make_latest:
            versions.set_latest(conn, library_id, version_id)
    return library_id, version_id
