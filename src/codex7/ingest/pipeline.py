"""index_version(): source → chunks → dedupe → embed what is new → publish atomically."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from codex7.chunking import chunk_file
from codex7.embeddings.base import Embedder
from codex7.embeddings.cache import EmbeddingCache
from codex7.errors import Codex7Error, SourceError
from codex7.ids import parse_library_id
from codex7.ingest.dedupe import content_hash, split_known
from codex7.ingest.progress import Progress, ProgressCallback, Reporter
from codex7.ingest.publish import Publication, publish
from codex7.records import Chunk, SourceFile
from codex7.sources import OpenedSource, is_git_spec, local_folder, open_source
from codex7.sources.names import derive_name
from codex7.sources.select import SelectionRules
from codex7.store import documents, jobs, libraries, versions
from codex7.store.database import Database
from codex7.store.embedding_space import check_space

# Retrieval works on sections, not pages: cap chunks even when the model reads more.
MAX_CHUNK_TOKENS = 512
LOOKUP_BATCH = 1000


@dataclass
class IndexRequest:
    source: str
    library: str  # /org/project
    version: str | None = None
    ref: str | None = None
    name: str | None = None
    description: str | None = None
    latest: bool | None = None
    folders: list[str] = field(default_factory=list)
    exclude_folders: list[str] = field(default_factory=list)
    exclude_files: list[str] = field(default_factory=list)


@dataclass
class IndexResult:
    library: str
    version: str
    job_id: int
    files: int
    chunks: int
    embedded: int
    reused: int
    unchanged: bool
    commit: str | None
    seconds: float
    is_latest: bool


def default_version(req: IndexRequest) -> str:
    """--version as given; else named after the git ref (its tag, a tag on its commit, the branch,
    the short commit). A folder has no such name, so it needs --version."""
    if req.version is not None:
        raw = req.version
    elif is_git_spec(req.source, req.ref):
        from codex7.sources.git import version_name

        raw = version_name(req.source, req.ref)
    elif req.ref is not None:
        raw = req.ref  # not a repository: opening the source says so
    else:
        local_folder(req.source)  # a missing folder is the first thing to say
        raise Codex7Error(
            f"{req.source} is a folder, so its version needs a name: add --version (e.g. --version"
            " 2.1), or index a git repository with --ref to name it after the tag or branch"
        )
    version = raw.strip().replace("/", "-")
    if not version:
        raise Codex7Error("--version must not be empty")
    return version


# Bump when chunking changes, so fingerprints of versions chunked the old way stop matching.
CHUNKER_VERSION = 2


def read_files(source: OpenedSource, rules: SelectionRules) -> list[SourceFile]:
    files = source.files(rules)
    if not files:
        raise SourceError(
            f"No documentation files found in {source.spec} (looked for .md, .mdx, .markdown, .rst, .txt"
            " outside excluded folders); check the path, --folder or context7.json"
        )
    return files


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


EMBED_SLICE = 256  # texts per embedder call: progress and cache checkpoints at this grain


def embed_new(
    db: Database,
    embedder: Embedder,
    chunks: list[Chunk],
    hashes: list[str],
    reporter: Reporter,
    cache: EmbeddingCache | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, reusing stored ones by hash (database, then the file cache);
    returns (vectors, newly embedded). New vectors reach the cache slice by slice, so an
    interrupted run loses at most one slice."""
    unique = list(dict.fromkeys(hashes))
    known: dict[str, np.ndarray] = {}
    with db.pool.connection() as conn:
        for start in range(0, len(unique), LOOKUP_BATCH):
            known.update(documents.vectors_for_hashes(conn, unique[start : start + LOOKUP_BATCH]))
    space = embedder.vector_space
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
            part = todo[start : start + EMBED_SLICE]
            fresh = embedder.embed_many([text_of[h] for h in part])
            pairs = list(zip(part, fresh, strict=True))
            known.update(pairs)
            if cache is not None:
                cache.put_many(space, pairs)
            done += len(part)
            reporter.update(embedded=done)
    dims = embedder.dimensions if not known else len(next(iter(known.values())))
    vectors = np.zeros((len(chunks), dims), dtype=np.float32)
    for i, h in enumerate(hashes):
        vectors[i] = known[h]
    return vectors, len(todo)


def _unchanged(
    db: Database,
    job_id: int,
    req: IndexRequest,
    library_id: int,
    existing: versions.VersionRow,
    n_files: int,
    source: OpenedSource,
    reporter: Reporter,
    progress: Progress,
) -> IndexResult:
    """Nothing to do but record the run (and flip latest if asked)."""
    n = existing.document_count
    with db.pool.connection() as conn:
        if req.name or req.description:
            conn.execute(
                "UPDATE libraries SET name = coalesce(%s, name), description = coalesce(%s, description)"
                " WHERE id = %s",
                (req.name, req.description, library_id),
            )
        if req.latest:
            versions.set_latest(conn, library_id, existing.id)
        conn.execute("UPDATE versions SET indexed_at = now() WHERE id = %s", (existing.id,))
        jobs.update_counters(
            conn, job_id, files_total=n_files, files_done=n_files, chunks=n, embedded=0, reused=n
        )
        jobs.finish_job(conn, job_id, "succeeded", library_id=library_id, version_id=existing.id)
        row = conn.execute(
            "SELECT is_latest FROM versions WHERE id = %s", (existing.id,)
        ).fetchone()
    reporter.update(
        stage="done", files_total=n_files, files_done=n_files, chunks=n, reused=n, force=True
    )
    return IndexResult(
        parse_library_id(req.library).library_id,
        existing.version,
        job_id,
        n_files,
        n,
        0,
        n,
        True,
        source.commit,
        progress.elapsed,
        bool(row and row[0]),
    )


def index_version(
    db: Database,
    embedder: Embedder,
    req: IndexRequest,
    *,
    cache_dir: Path,
    on_progress: ProgressCallback | None = None,
    embedding_cache: EmbeddingCache | None = None,
) -> IndexResult:
    ref = parse_library_id(req.library, allow_version=False)
    version = default_version(req)
    with db.pool.connection() as conn:
        conn.autocommit = True
        check_space(conn, embedder.provider, embedder.model, None)
        job_id = jobs.create_job(conn, ref.library_id, version, req.source, req.ref)

    progress = Progress()

    def persist(p: Progress) -> None:
        with db.pool.connection() as c:
            jobs.update_counters(
                c,
                job_id,
                files_total=p.files_total,
                files_done=p.files_done,
                chunks=p.chunks,
                embedded=p.embedded,
                reused=p.reused,
            )

    reporter = Reporter(progress, on_progress, persist)
    try:
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
            return _unchanged(
                db, job_id, req, lib.id, existing, n_files, source, reporter, progress
            )

        chunks = chunk_files(files, max_tokens, embedder, reporter)
        hashes = [content_hash(c.embed_text) for c in chunks]
        fingerprint = [(c.path, c.title, h) for c, h in zip(chunks, hashes, strict=True)]
        if existing is not None and lib is not None:
            with db.pool.connection() as conn:
                if documents.version_hashes(conn, existing.id) == fingerprint:
                    conn.execute(
                        "UPDATE versions SET metadata = metadata || jsonb_build_object('fingerprint', %s::text)"
                        " WHERE id = %s",
                        (files_fp, existing.id),
                    )
                    return _unchanged(
                        db, job_id, req, lib.id, existing, n_files, source, reporter, progress
                    )

        vectors, embedded = embed_new(db, embedder, chunks, hashes, reporter, embedding_cache)
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
        with db.pool.connection() as conn:
            publish(
                conn,
                pub,
                chunks,
                hashes,
                vectors,
                provider=embedder.provider,
                model=embedder.model,
                dimensions=vectors.shape[1],
                job_id=job_id,
            )
            lib = libraries.get_library(conn, ref.library_id)
            row = versions.get_version(conn, lib.id, version) if lib else None
            if lib is not None:
                libraries.record_name_sources(
                    conn,
                    lib,
                    explicit_name=req.name,
                    explicit_description=req.description,
                    derived_name=named.name,
                    derived_description=named.description,
                )
        reporter.update(stage="done", embedded=embedded, force=True)
        return IndexResult(
            ref.library_id,
            version,
            job_id,
            n_files,
            len(chunks),
            embedded,
            len(chunks) - embedded,
            False,
            source.commit,
            progress.elapsed,
            bool(row and row.is_latest),
        )
    except BaseException as exc:
        reason = (
            "interrupted"
            if isinstance(exc, KeyboardInterrupt)
            else (str(exc) or type(exc).__name__)
        )
        with db.pool.connection() as conn:
            jobs.finish_job(conn, job_id, "failed", error=reason)
        raise
