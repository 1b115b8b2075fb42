"""Move a database to the configured embedding model, all or nothing.

Every version is re-read from its recorded source and re-chunked for the new model (chunk
sizes follow what the model reads), then embedded; vectors the model has made before come from
the embedding cache. The chunks wait in memory until the end, when one transaction swaps every
version, retypes the vector column, rebuilds the per-version HNSW indexes and records the model.
Until that commit, searches see the old model's vectors; if anything fails, nothing changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from codex7.embeddings.base import Embedder
from codex7.errors import Codex7Error
from codex7.store import documents, lexical, vector_index
from codex7.store import versions as version_store
from codex7.store.database import Connection, Database
from codex7.store.embedding_space import get_space, lock_space, rebind_space
from codex7.store.versions import RecordedVersion

if TYPE_CHECKING:
    from codex7.embeddings.cache import EmbeddingCache
    from codex7.services.state import AppState


@dataclass
class Rebuilt:
    target: RecordedVersion
    chunks: list[Any]
    hashes: list[str]
    vectors: np.ndarray
    fingerprint: str
    files: int
    commit: str | None
    kind: str
    embedded: int


def embed_all(
    embedder: Embedder,
    chunks: list[Any],
    hashes: list[str],
    cache: EmbeddingCache | None,
    space: str | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk from the new model (the cache first, in SPACE: the owning
    workspace's, see ingest.pipeline.reuse_space); (vectors, newly embedded)."""
    unique = list(dict.fromkeys(hashes))
    space = space or embedder.vector_space
    known = cache.get_many(space, unique) if cache is not None else {}
    text_of = {h: c.embed_text for h, c in zip(hashes, chunks, strict=True)}
    todo = sorted((h for h in unique if h not in known), key=lambda h: len(text_of[h]))
    if todo:
        fresh = list(zip(todo, embedder.embed_many([text_of[h] for h in todo]), strict=True))
        known.update(fresh)
        if cache is not None:
            cache.put_many(space, fresh)
    vectors = np.zeros((len(chunks), embedder.dimensions), dtype=np.float32)
    for i, h in enumerate(hashes):
        vectors[i] = known[h]
    return vectors, len(todo)


def rebuild(
    target: RecordedVersion,
    embedder: Embedder,
    cache_dir: Any,
    cache: EmbeddingCache | None,
    db: Database | None = None,
) -> Rebuilt:
    """Re-read, re-chunk and embed one version from its recorded source (a website's pages as
    its last crawl stored them: nothing is fetched)."""
    from codex7.ingest.dedupe import content_hash
    from codex7.ingest.pipeline import (
        MAX_CHUNK_TOKENS,
        chunk_files,
        files_fingerprint,
        read_files,
        reuse_space,
        stored_site_files,
    )
    from codex7.ingest.progress import Progress, Reporter
    from codex7.sources import open_source
    from codex7.sources.select import SelectionRules

    spec = target.source.get("spec")
    if not spec:
        raise Codex7Error("no recorded source to re-read it from")
    commit, kind = None, "web"
    if target.source.get("kind") == "web":
        files = stored_site_files(db, target.version_id) if db is not None else []
        if not files:
            raise Codex7Error(
                f"no stored pages of the website {spec}; run `codex7 refresh {target.library}`"
            )
    else:
        source = open_source(spec, ref=target.source.get("ref"), cache_dir=cache_dir)
        rules = SelectionRules.build(
            source.config,
            folders=target.source.get("folders") or [],
            exclude_folders=target.source.get("exclude_folders") or [],
            exclude_files=target.source.get("exclude_files") or [],
        )
        files = read_files(source, rules)
        commit, kind = source.commit, source.kind
    max_tokens = min(embedder.max_tokens, MAX_CHUNK_TOKENS)
    chunks = chunk_files(files, max_tokens, embedder, Reporter(Progress(), None, None))
    hashes = [content_hash(c.embed_text) for c in chunks]
    space = reuse_space(embedder.vector_space, target.workspace_id)
    vectors, embedded = embed_all(embedder, chunks, hashes, cache, space)
    fingerprint = files_fingerprint(files, max_tokens, embedder.model)
    return Rebuilt(
        target,
        chunks,
        hashes,
        vectors,
        fingerprint,
        len(files),
        commit,
        kind,
        embedded,
    )


def swap(
    conn: Connection, embedder: Embedder, rebuilt: list[Rebuilt], expected: list[RecordedVersion]
) -> None:
    """The one transaction: every version's new chunks, the column's type, the model."""
    dims = int(embedder.dimensions)
    with conn.transaction():
        # Publishes bind the model under this lock: none can slip in until the commit.
        lock_space(conn)
        if version_store.recorded_versions(conn) != expected:
            raise Codex7Error(
                "Versions were indexed or removed while re-embedding; nothing was changed. "
                "Run `codex7 reembed` again."
            )
        for target in expected:
            vector_index.drop_version_index(conn, target.version_id)
        rebind_space(conn, embedder.provider, embedder.model, dims)
        for r in rebuilt:
            vid = r.target.version_id
            count = documents.replace_documents(conn, vid, r.chunks, r.hashes, r.vectors, r.kind)
            metadata = {
                "fingerprint": r.fingerprint,
                "files": r.files,
                "row_format": documents.ROW_FORMAT,
            }
            version_store.record_rebuilt(conn, vid, count, r.commit, metadata)
            vector_index.sync_version_index(conn, vid, count, dims)
            lexical.refresh_postings(conn, vid)


def _open_cache(state: AppState) -> EmbeddingCache | None:
    if not state.settings.embedding_cache:
        return None
    from codex7.embeddings.cache import EmbeddingCache

    return EmbeddingCache(state.settings.cache_file)


def reembed(state: AppState, report: Callable[[str], None] = lambda _: None) -> str:
    """Re-embed every indexed version with the configured model (CODEX7_EMBEDDING_*); `report`
    hears one line per step. Returns what was done, in one line.

    Raises Codex7Error naming the version that could not be rebuilt; nothing changes then.
    """
    from codex7.embeddings import get_embedder

    started = time.monotonic()
    embedder = get_embedder(state.settings)
    with state.db.pool.connection() as conn:
        stored = get_space(conn)
        targets = version_store.recorded_versions(conn)
    wanted = f"{embedder.provider} {embedder.model} ({embedder.dimensions} dims)"
    if stored is None:
        return f"Nothing to re-embed: no embeddings stored yet ({wanted} will be used)."
    if (stored.provider, stored.model, stored.dimensions) == (
        embedder.provider,
        embedder.model,
        embedder.dimensions,
    ):
        return f"Nothing to re-embed: the database already holds embeddings from {wanted}."
    report(f"Re-embedding {len(targets)} version(s): {stored} → {wanted}")
    cache = _open_cache(state)
    try:
        rebuilt = []
        for target in targets:
            try:
                r = rebuild(target, embedder, state.settings.data_dir / "git", cache, state.db)
            except Codex7Error as exc:
                raise Codex7Error(
                    f"Cannot re-embed {target.label}: {str(exc).rstrip('.')}. Nothing was changed "
                    f"(remove that version with `codex7 remove {target.label}`, or fix its source, "
                    "and run `codex7 reembed` again)."
                ) from None
            report(f"{target.label}: {len(r.chunks)} chunks ({r.embedded} embedded)")
            rebuilt.append(r)
    finally:
        if cache is not None:
            cache.close()
    with state.db.pool.connection() as conn:
        swap(conn, embedder, rebuilt, targets)
    chunks = sum(len(r.chunks) for r in rebuilt)
    return (
        f"Re-embedded {len(rebuilt)} version(s), {chunks} chunks, with {wanted} "
        f"in {time.monotonic() - started:.1f}s (was {stored})."
    )
