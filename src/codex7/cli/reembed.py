"""`codex7 reembed`: move a database to the configured embedding model, all or nothing.

Every version is re-read from its recorded source and re-chunked for the new model (chunk
sizes follow what the model reads), then embedded; vectors the model has made before come from
the embedding cache. The chunks wait in memory until the end, when one transaction swaps every
version, retypes the vector column, rebuilds the per-version HNSW indexes and records the model.
Until that commit, searches see the old model's vectors; if anything fails, nothing changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
import numpy as np

from codex7.cli.context import load_settings, open_db
from codex7.errors import Codex7Error


@dataclass(frozen=True)
class Target:
    version_id: int
    label: str  # /org/project/version
    source: dict[str, Any]
    indexed_at: datetime | None


@dataclass
class Rebuilt:
    target: Target
    chunks: list[Any]
    hashes: list[str]
    vectors: np.ndarray
    fingerprint: str
    files: int
    commit: str | None
    kind: str
    embedded: int


def list_targets(conn: Any) -> list[Target]:
    rows = conn.execute(
        "SELECT v.id, l.identifier || '/' || v.version, v.source, v.indexed_at FROM versions v"
        " JOIN libraries l ON l.id = v.library_id ORDER BY l.identifier, v.version_normalized"
    ).fetchall()
    return [Target(*row) for row in rows]


def embed_all(embedder: Any, chunks: list[Any], hashes: list[str], cache: Any) -> tuple[Any, int]:
    """Vectors for every chunk from the new model (the cache first); (vectors, newly embedded)."""
    unique = list(dict.fromkeys(hashes))
    space = embedder.vector_space
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


def rebuild(target: Target, embedder: Any, settings: Any, cache: Any) -> Rebuilt:
    """Re-read, re-chunk and embed one version from its recorded source."""
    from codex7.ingest.dedupe import content_hash
    from codex7.ingest.pipeline import MAX_CHUNK_TOKENS, chunk_files, files_fingerprint, read_files
    from codex7.ingest.progress import Progress, Reporter
    from codex7.sources import open_source
    from codex7.sources.select import SelectionRules

    spec = target.source.get("spec")
    if not spec:
        raise Codex7Error("no recorded source to re-read it from")
    source = open_source(spec, ref=target.source.get("ref"), cache_dir=settings.data_dir / "git")
    rules = SelectionRules.build(
        source.config,
        folders=target.source.get("folders") or [],
        exclude_folders=target.source.get("exclude_folders") or [],
        exclude_files=target.source.get("exclude_files") or [],
    )
    files = read_files(source, rules)
    max_tokens = min(embedder.max_tokens, MAX_CHUNK_TOKENS)
    chunks = chunk_files(files, max_tokens, embedder, Reporter(Progress(), None, None))
    hashes = [content_hash(c.embed_text) for c in chunks]
    vectors, embedded = embed_all(embedder, chunks, hashes, cache)
    fingerprint = files_fingerprint(files, max_tokens, embedder.model)
    return Rebuilt(
        target,
        chunks,
        hashes,
        vectors,
        fingerprint,
        len(files),
        source.commit,
        source.kind,
        embedded,
    )


def swap(conn: Any, embedder: Any, rebuilt: list[Rebuilt], expected: list[Target]) -> None:
    """The one transaction: every version's new chunks, the column's type, the model."""
    from psycopg.types.json import Jsonb

    from codex7.store import documents, lexical, vector_index
    from codex7.store.embedding_space import rebind_space

    dims = int(embedder.dimensions)
    with conn.transaction():
        # Publishes bind the model under this lock: none can slip in until the commit.
        conn.execute("LOCK TABLE embedding_space IN EXCLUSIVE MODE")
        if list_targets(conn) != expected:
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
            conn.execute(
                "UPDATE versions SET document_count = %s, indexed_at = now(),"
                " git_commit = coalesce(%s, git_commit), metadata = metadata || %s WHERE id = %s",
                (count, r.commit, Jsonb({"fingerprint": r.fingerprint, "files": r.files}), vid),
            )
            vector_index.sync_version_index(conn, vid, count, dims)
            lexical.refresh_term_stats(conn, vid)


def _cache(settings: Any) -> Any:
    if not settings.embedding_cache:
        return None
    from codex7.embeddings.cache import EmbeddingCache

    cache = EmbeddingCache(settings.cache_file)
    click.get_current_context().call_on_close(cache.close)
    return cache


@click.command()
def reembed() -> None:
    """Re-embed every indexed version with the configured model (CODEX7_EMBEDDING_*).

    Each version is re-read from the source it was indexed from; all of them and the database's
    model are swapped in one transaction at the end, so nothing changes if one fails.
    """
    from codex7.embeddings import get_embedder
    from codex7.store.embedding_space import get_space

    started = time.monotonic()
    settings = load_settings()
    db = open_db(settings)
    embedder = get_embedder(settings)
    with db.pool.connection() as conn:
        stored = get_space(conn)
        targets = list_targets(conn)
    wanted = f"{embedder.provider} {embedder.model} ({embedder.dimensions} dims)"
    if stored is None:
        click.echo(f"Nothing to re-embed: no embeddings stored yet ({wanted} will be used).")
        return
    if (stored.provider, stored.model, stored.dimensions) == (
        embedder.provider,
        embedder.model,
        embedder.dimensions,
    ):
        click.echo(f"Nothing to re-embed: the database already holds embeddings from {wanted}.")
        return
    click.echo(f"Re-embedding {len(targets)} version(s): {stored} → {wanted}", err=True)
    cache = _cache(settings)
    rebuilt = []
    for target in targets:
        try:
            r = rebuild(target, embedder, settings, cache)
        except Codex7Error as exc:
            raise Codex7Error(
                f"Cannot re-embed {target.label}: {str(exc).rstrip('.')}. Nothing was changed "
                f"(remove that version with `codex7 remove {target.label}`, or fix its source, "
                "and run `codex7 reembed` again)."
            ) from None
        click.echo(f"{target.label}: {len(r.chunks)} chunks ({r.embedded} embedded)", err=True)
        rebuilt.append(r)
    with db.pool.connection() as conn:
        swap(conn, embedder, rebuilt, targets)
    chunks = sum(len(r.chunks) for r in rebuilt)
    click.echo(
        f"Re-embedded {len(rebuilt)} version(s), {chunks} chunks, with {wanted} "
        f"in {time.monotonic() - started:.1f}s (was {stored})."
    )
