"""index_version(): source → chunks → dedupe → embed what is new → publish atomically."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from codex7.chunking import chunk_file
from codex7.embeddings.base import Embedder
from codex7.embeddings.cache import EmbeddingCache
from codex7.errors import SourceError
from codex7.ids import parse_library_id
from codex7.ingest.dedupe import content_hash, split_known
from codex7.ingest.lease import DEFAULT_LEASE, JobLease, counters_of, new_owner
from codex7.ingest.progress import Progress, ProgressCallback, Reporter
from codex7.ingest.publish import Publication, publish
from codex7.ingest.request import IndexRequest, IndexResult, default_version, portable_request
from codex7.records import Chunk, SourceFile
from codex7.sources import OpenedSource, open_source
from codex7.sources.names import derive_name
from codex7.sources.select import SelectionRules
from codex7.store import checkpoints, documents, indexing, jobs, libraries, versions
from codex7.store.database import Connection, Database
from codex7.store.embedding_space import check_space

# Retrieval works on sections, not pages: cap chunks even when the model reads more.
MAX_CHUNK_TOKENS = 512
LOOKUP_BATCH = 1000

__all__ = ["IndexRequest", "IndexResult", "default_version", "index_version", "portable_request"]


# Bump when chunking changes, so fingerprints of versions chunked the old way stop matching.
CHUNKER_VERSION = 2


def read_files(source: OpenedSource, rules: SelectionRules) -> list[SourceFile]:
    files = source.files(rules)
    if not files:
        unread = "; ".join(f"{s.path}: {s.reason}" for s in source.skipped[:5])
        raise SourceError(
            f"No documentation files found in {source.spec} (looked for .md, .mdx, .markdown, "
            ".rst, .txt, .pdf, .ipynb, .html outside excluded folders); check the path, --folder "
            "or context7.json" + (f". Could not read: {unread}" if unread else "")
        )
    return files


def source_problems(source: OpenedSource) -> dict[str, list[dict[str, str]]]:
    """What the last `files()` could not read or resolve, as IndexResult fields."""
    return {
        "skipped": [{"path": s.path, "reason": s.reason} for s in source.skipped],
        "unresolved_includes": [
            {"page": u.page, "directive": u.directive, "reason": u.reason}
            for u in source.unresolved
        ],
    }


def files_fingerprint(files: list[SourceFile], max_tokens: int, model: str) -> str:
    """Same files, same chunker, same model: the version's chunks cannot have changed."""
    digest = hashlib.sha256(f"chunker={CHUNKER_VERSION};max={max_tokens};model={model}".encode())
    for f in files:
        digest.update(f"\0{f.path}\0{f.url or ''}\0".encode())
        digest.update(hashlib.sha256(f.text.encode()).digest())
    return digest.hexdigest()


def chunk_files(
    files: list[SourceFile], max_tokens: int, embedder: Embedder, reporter: Reporter
) -> list[Chunk]:
    reporter.update(stage="chunking", files_total=len(files))
    chunks: list[Chunk] = []
    for i, file in enumerate(files, 1):
        fallback = Path(file.path).stem.replace("-", " ").replace("_", " ").strip().capitalize()
        chunks += chunk_file(
            file,
            max_tokens=max_tokens,
            count=embedder.count_tokens,
            fallback_title=fallback or None,
        )
        reporter.update(files_done=i, chunks=len(chunks))
    return chunks


EMBED_SLICE = 256  # texts per embedder call: progress and checkpoints at this grain

Checkpoint = Callable[[], None]


def embed_new(
    db: Database,
    embedder: Embedder,
    chunks: list[Chunk],
    hashes: list[str],
    reporter: Reporter,
    cache: EmbeddingCache | None = None,
    *,
    job_id: int | None = None,
    checkpoint: Checkpoint | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, reusing known ones by hash (published documents, then the
    checkpoints of earlier runs, then the file cache); returns (vectors, newly embedded).

    New vectors are checkpointed slice by slice (in the database for `job_id`, and in the file
    cache), so an interrupted run loses at most one slice; `checkpoint` runs between slices and
    may stop the run.
    """
    unique = list(dict.fromkeys(hashes))
    space = embedder.vector_space
    known: dict[str, np.ndarray] = {}
    with db.pool.connection() as conn:
        for start in range(0, len(unique), LOOKUP_BATCH):
            known.update(documents.vectors_for_hashes(conn, unique[start : start + LOOKUP_BATCH]))
        missing = split_known(unique, known)
        for start in range(0, len(missing), LOOKUP_BATCH):
            known.update(checkpoints.get_many(conn, space, missing[start : start + LOOKUP_BATCH]))
    if cache is not None:
        known.update(cache.get_many(space, split_known(unique, known)))
    todo = split_known(unique, known)
    reused = sum(1 for h in hashes if h in known)
    reporter.update(stage="embedding", to_embed=len(todo), reused=reused, force=True)
    if todo:
        text_of = {h: c.embed_text for h, c in zip(hashes, chunks, strict=True)}
        # Similar lengths in one batch waste no padding: sort once, embed in slices.
        todo.sort(key=lambda h: len(text_of[h]))
        done = 0
        for start in range(0, len(todo), EMBED_SLICE):
            if checkpoint is not None:
                checkpoint()
            part = todo[start : start + EMBED_SLICE]
            fresh = embedder.embed_many([text_of[h] for h in part])
            pairs = list(zip(part, fresh, strict=True))
            known.update(pairs)
            if job_id is not None:
                with db.pool.connection() as conn:
                    checkpoints.put_many(conn, space, job_id, pairs)
            if cache is not None:
                cache.put_many(space, pairs)
            done += len(part)
            reporter.update(embedded=done)
    dims = embedder.dimensions if not known else len(next(iter(known.values())))
    vectors = np.zeros((len(chunks), dims), dtype=np.float32)
    for i, h in enumerate(hashes):
        vectors[i] = known[h]
    return vectors, len(todo)


def _finished(
    lease: JobLease,
    conn: Connection,
    result: IndexResult,
    progress: Progress,
    library_id: int,
    version_id: int,
) -> None:
    """Mark the job succeeded inside the caller's transaction, or raise (rolling it back) when
    the job was cancelled or another worker holds it now."""
    ok = jobs.finish(
        conn,
        lease.job_id,
        lease.owner,
        "succeeded",
        counters=counters_of(progress),
        result=asdict(result),
        library_id=library_id,
        version_id=version_id,
    )
    if not ok:
        raise lease.refusal()


def _unchanged(
    db: Database,
    lease: JobLease,
    req: IndexRequest,
    lib: libraries.LibraryRow,
    existing: versions.VersionRow,
    n_files: int,
    source: OpenedSource,
    reporter: Reporter,
    progress: Progress,
) -> IndexResult:
    """Nothing to do but record the run (and flip latest if asked)."""
    n = existing.document_count
    lease.checkpoint()
    progress.files_total, progress.files_done, progress.chunks = n_files, n_files, n
    progress.embedded, progress.reused = 0, n
    with db.pool.connection() as conn, conn.transaction():
        if req.name or req.description:
            libraries.upsert_library(
                conn,
                org=lib.org,
                project=lib.project,
                name=req.name,
                description=req.description,
                repository_url=None,
                rules=None,
            )
        if req.latest:
            versions.set_latest(conn, lib.id, existing.id)
        indexing.touch_indexed(conn, existing.id)
        row = versions.get_version(conn, lib.id, existing.version)
        result = IndexResult(
            lib.identifier,
            existing.version,
            lease.job_id,
            n_files,
            n,
            0,
            n,
            True,
            source.commit,
            progress.elapsed,
            bool(row and row.is_latest),
            **source_problems(source),
        )
        _finished(lease, conn, result, progress, lib.id, existing.id)
    reporter.update(stage="done", force=True)
    return result


def index_version(
    db: Database,
    embedder: Embedder,
    req: IndexRequest,
    *,
    cache_dir: Path,
    on_progress: ProgressCallback | None = None,
    embedding_cache: EmbeddingCache | None = None,
    lease: JobLease | None = None,
) -> IndexResult:
    """Index one version and publish it in one transaction.

    `lease` holds a queued job that a worker (or `run_inline`) claimed: the run is that job.
    Without one, a job row is created here, running at once in this process.
    """
    ref = parse_library_id(req.library, allow_version=False)
    if lease is not None:
        return _run_job(db, embedder, req, cache_dir, on_progress, embedding_cache, lease)
    version = default_version(req)
    with db.pool.connection() as conn:
        check_space(conn, embedder.provider, embedder.model, None)
        job = jobs.create_running(
            conn,
            library=ref.library_id,
            version=version,
            source=req.source,
            ref=req.ref,
            request=req.as_json(),
            owner=new_owner("inline"),
            lease=DEFAULT_LEASE,
        )
    assert job.lease_owner is not None
    with JobLease(db, job.id, job.lease_owner, seconds=DEFAULT_LEASE) as own:
        return _run_job(db, embedder, req, cache_dir, on_progress, embedding_cache, own)


def _run_job(
    db: Database,
    embedder: Embedder,
    req: IndexRequest,
    cache_dir: Path,
    on_progress: ProgressCallback | None,
    embedding_cache: EmbeddingCache | None,
    lease: JobLease,
) -> IndexResult:
    progress = Progress()
    lease.progress = progress
    reporter = Reporter(progress, on_progress, lambda p: lease.beat())
    try:
        return _index(db, embedder, req, cache_dir, embedding_cache, lease, reporter, progress)
    except BaseException as exc:
        lease.settle(exc)
        raise


def _index(
    db: Database,
    embedder: Embedder,
    req: IndexRequest,
    cache_dir: Path,
    embedding_cache: EmbeddingCache | None,
    lease: JobLease,
    reporter: Reporter,
    progress: Progress,
) -> IndexResult:
    ref = parse_library_id(req.library, allow_version=False)
    with db.pool.connection() as conn:
        check_space(conn, embedder.provider, embedder.model, None)
    version = default_version(req)
    with db.pool.connection() as conn:
        jobs.set_version(conn, lease.job_id, version)
    lease.beat()  # the job row says "reading" (a fetch can take a while); no progress line yet
    source = open_source(req.source, ref=req.ref, cache_dir=cache_dir)
    rules = SelectionRules.build(
        source.config,
        folders=req.folders,
        exclude_folders=req.exclude_folders,
        exclude_files=req.exclude_files,
    )
    files = read_files(source, rules)
    n_files = len(files)
    max_tokens = min(embedder.max_tokens, MAX_CHUNK_TOKENS)
    files_fp = files_fingerprint(files, max_tokens, embedder.model)
    with db.pool.connection() as conn:
        lib = libraries.get_library(conn, ref.library_id)
        existing = versions.get_version(conn, lib.id, version) if lib else None
    if (
        existing is not None
        and lib is not None
        and existing.metadata.get("fingerprint") == files_fp
    ):
        return _unchanged(db, lease, req, lib, existing, n_files, source, reporter, progress)

    chunks = chunk_files(files, max_tokens, embedder, reporter)
    hashes = [content_hash(c.embed_text) for c in chunks]
    fingerprint = [(c.path, c.title, h) for c, h in zip(chunks, hashes, strict=True)]
    if existing is not None and lib is not None:
        with db.pool.connection() as conn:
            same = documents.version_hashes(conn, existing.id) == fingerprint
            if same:
                indexing.record_fingerprint(conn, existing.id, files_fp)
        if same:
            return _unchanged(db, lease, req, lib, existing, n_files, source, reporter, progress)

    lease.checkpoint()
    vectors, embedded = embed_new(
        db,
        embedder,
        chunks,
        hashes,
        reporter,
        embedding_cache,
        job_id=lease.job_id,
        checkpoint=lease.checkpoint,
    )
    lease.checkpoint()
    reporter.update(stage="publishing", force=True)
    source_info: dict[str, Any] = {
        "kind": source.kind,
        "spec": source.location,
        "ref": req.ref,
        "folders": req.folders,
        "exclude_folders": req.exclude_folders,
        "exclude_files": req.exclude_files,
    }
    cfg = source.config
    named = derive_name(source.root, ref.org, ref.project, cfg)
    pub = Publication(
        org=ref.org,
        project=ref.project,
        version=version,
        name=libraries.name_to_publish(lib, req.name, named.name),
        description=libraries.description_to_publish(lib, req.description, named.description),
        repository_url=source.web_base.rsplit("/", 2)[0] if source.web_base else None,
        rules=cfg.rules if (cfg.rules or source.kind != "local") else None,
        git_commit=source.commit,
        source=source_info,
        metadata={
            "previous_versions": cfg.previous_versions,
            "files": n_files,
            "fingerprint": files_fp,
        },
        source_type=source.kind,
        latest=req.latest,
    )
    progress.embedded, progress.reused = embedded, len(chunks) - embedded
    with db.pool.connection() as conn, conn.transaction():
        library_id, version_id = publish(
            conn,
            pub,
            chunks,
            hashes,
            vectors,
            provider=embedder.provider,
            model=embedder.model,
            dimensions=vectors.shape[1],
        )
        lib = libraries.get_library(conn, ref.library_id)
        row = versions.get_version(conn, library_id, version)
        if lib is not None:
            libraries.record_name_sources(
                conn,
                lib,
                explicit_name=req.name,
                explicit_description=req.description,
                derived_name=named.name,
                derived_description=named.description,
            )
        result = IndexResult(
            ref.library_id,
            version,
            lease.job_id,
            n_files,
            len(chunks),
            embedded,
            len(chunks) - embedded,
            False,
            source.commit,
            progress.elapsed,
            bool(row and row.is_latest),
            **source_problems(source),
        )
        checkpoints.delete_published(conn, embedder.vector_space, hashes)
        _finished(lease, conn, result, progress, library_id, version_id)
    reporter.update(stage="done", force=True)
    return result
