"""index_version(): source → chunks → dedupe → embed what is new → publish atomically."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from codex7.ingest.request import (
    IndexRequest,
    IndexResult,
    crawl_options,
    default_version,
    portable_request,
)
from codex7.records import Chunk, SourceFile
from codex7.sources import OpenedSource, open_source
from codex7.sources.names import DerivedName, derive_name, derive_site_name
from codex7.sources.select import Context7Config, SelectionRules
from codex7.sources.spec import PREFIX as WEB_PREFIX
from codex7.sources.spec import website_url
from codex7.store import (
    audit,
    checkpoints,
    documents,
    jobs,
    libraries,
    versions,
    web_pages,
)
from codex7.store.database import Connection, Database
from codex7.store.embedding_space import check_space

if TYPE_CHECKING:
    from codex7.sources.web import WebOptions, WebSource

log = logging.getLogger("codex7.ingest")

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


@dataclass
class SourceRead:
    """What was read from a folder, a repository or a website, in the shape the rest of the
    run needs."""

    files: list[SourceFile]
    kind: str  # "local" | "git" | "github" | "web"
    location: str  # what a refresh reads again
    named: DerivedName
    commit: str | None = None
    web_base: str | None = None
    config: Context7Config = field(default_factory=Context7Config)
    problems: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    site: WebSource | None = None  # a crawled website: its page states and counts

    def source_info(self, req: IndexRequest) -> dict[str, Any]:
        """The version's recorded source: what `codex7 refresh` and schedules index again."""
        if self.site is not None:
            return {"kind": "web", "spec": self.location, "crawl": req.crawl}
        return {
            "kind": self.kind,
            "spec": self.location,
            "ref": req.ref,
            "folders": req.folders,
            "exclude_folders": req.exclude_folders,
            "exclude_files": req.exclude_files,
        }

    @property
    def crawl(self) -> dict[str, Any] | None:
        """The IndexResult's account of a crawl (None for other sources)."""
        if self.site is None:
            return None
        return {
            "url": self.site.url,
            "discovery": self.site.discovery,
            "pages": len(self.site.files),
            **self.site.stats.as_dict(),
        }

    def store_pages(self, conn: Connection, version_id: int) -> None:
        """Keep a website's page states for the next refresh (in the publish transaction);
        other sources have none."""
        pages = self.site.pages.values() if self.site is not None else ()
        web_pages.replace(conn, version_id, [p.as_dict() for p in pages])


def open_files(req: IndexRequest, org: str, project: str, cache_dir: Path) -> SourceRead:
    """A folder or repository, its selected files read and converted."""
    source = open_source(req.source, ref=req.ref, cache_dir=cache_dir)
    rules = SelectionRules.build(
        source.config,
        folders=req.folders,
        exclude_folders=req.exclude_folders,
        exclude_files=req.exclude_files,
    )
    files = read_files(source, rules)
    return SourceRead(
        files=files,
        kind=source.kind,
        location=source.location,
        named=derive_name(source.root, org, project, source.config),
        commit=source.commit,
        web_base=source.web_base,
        config=source.config,
        problems=source_problems(source),
    )


def crawl_site(
    db: Database,
    url: str,
    req: IndexRequest,
    version: str,
    options: WebOptions,
    reporter: Reporter,
    lease: JobLease,
) -> SourceRead:
    """A website crawled; pages stored for this version by its last run are asked for
    conditionally, so unchanged pages come back as 304s with their stored text."""
    from codex7.sources.web import PageState, open_website

    ref = parse_library_id(req.library, allow_version=False)
    with db.pool.connection() as conn:
        lib = libraries.get_owned_library(conn, ref.library_id, req.workspace_id)
        existing = versions.get_version(conn, lib.id, version) if lib else None
        stored = web_pages.load(conn, existing.id) if existing else []
    previous = {row["url"]: PageState.from_dict(row) for row in stored}
    reporter.update(stage="crawling", force=True)

    def crawled(done: int, known: int) -> None:
        reporter.update(files_done=done, files_total=known)
        lease.checkpoint()  # a cancel stops the crawl

    site = open_website(url, options, previous=previous, progress=crawled)
    # Record the URL the crawl settled on; `web:` keeps a refresh from taking it for a git remote.
    location = site.url if website_url(site.url) == site.url else WEB_PREFIX + site.url
    return SourceRead(
        files=site.files,
        kind="web",
        location=location,
        named=derive_site_name(site.name, site.description, ref.org, ref.project),
        problems={
            "skipped": [{"path": s.url, "reason": s.reason} for s in site.skipped],
            "unresolved_includes": [],
        },
        site=site,
    )


def stored_site_files(db: Database, version_id: int) -> list[SourceFile]:
    """A crawled version's pages as its last crawl read them, in the same order: what
    re-embedding chunks again without fetching anything. Empty when none are stored."""
    with db.pool.connection() as conn:
        rows = web_pages.load(conn, version_id)
    return [SourceFile(r["path"], r["text"], r["url"]) for r in rows if r["text"] is not None]


def prepare_in_background(embedder: Embedder) -> threading.Thread:
    """`embedder.prepare()` (the model's load) on a thread of its own; a failure is left for
    the first embedding call to raise again, where the run reports it."""

    def run() -> None:
        try:
            embedder.prepare()
        except Exception as exc:
            log.debug("preparing the embedder failed (the first call reports it): %s", exc)

    thread = threading.Thread(target=run, name="codex7-model-load", daemon=True)
    thread.start()
    return thread


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
            # Packing asks for the same pieces' counts again and again: tokenize each piece
            # of a file once (remembered for that file only, so memory stays a file's worth).
            count=lru_cache(maxsize=None)(embedder.count_tokens),
            fallback_title=fallback or None,
        )
        reporter.update(files_done=i, chunks=len(chunks))
    return chunks


EMBED_SLICE = 256  # texts per embedder call: progress and checkpoints at this grain

Checkpoint = Callable[[], None]
Pairs = list[tuple[str, np.ndarray]]


class SliceWriter:
    """Keeps each embedded slice (checkpoint rows, file cache) on a thread of its own while the
    next slice embeds, so the model never waits for the database. One write at a time: `submit`
    waits for the previous one and raises its error; `close` waits for the last one."""

    def __init__(self, write: Callable[[Pairs], None]):
        self._write = write
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _run(self, pairs: Pairs) -> None:
        try:
            self._write(pairs)
        except BaseException as exc:  # raised in the pipeline's thread by wait()
            self._error = exc

    def submit(self, pairs: Pairs) -> None:
        self.wait()
        self._thread = threading.Thread(
            target=self._run, args=(pairs,), name="codex7-checkpoint", daemon=True
        )
        self._thread.start()

    def wait(self) -> None:
        """The write in flight done; its error raised here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        """Wait for the last write whatever happens (a run stopping keeps what it embedded)."""
        try:
            self.wait()
        except Exception as exc:  # the run is already ending with its own error
            log.warning("could not keep the last embedded slice: %s", exc)


def known_vectors(
    db: Database,
    space: str,
    unique: list[str],
    cache: EmbeddingCache | None,
    workspace_id: int | None,
) -> dict[str, np.ndarray]:
    """Vectors already computed for these hashes: published documents, then the checkpoints of
    earlier runs, then the file cache."""
    known: dict[str, np.ndarray] = {}
    with db.pool.connection() as conn:
        for start in range(0, len(unique), LOOKUP_BATCH):
            part = unique[start : start + LOOKUP_BATCH]
            known.update(documents.vectors_for_hashes(conn, part, workspace_id))
        missing = split_known(unique, known)
        for start in range(0, len(missing), LOOKUP_BATCH):
            known.update(checkpoints.get_many(conn, space, missing[start : start + LOOKUP_BATCH]))
    if cache is not None:
        known.update(cache.get_many(space, split_known(unique, known)))
    return known


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
    workspace_id: int | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for every chunk, reusing known ones by hash (published documents, then the
    checkpoints of earlier runs, then the file cache); returns (vectors, newly embedded).

    New vectors are checkpointed slice by slice (in the database for `job_id`, and in the file
    cache) while the next slice embeds, so an interrupted run loses at most the slice being
    embedded and the one being written; a run that stops (cancel, error) waits for the write
    in flight. `checkpoint` runs between slices and may stop the run.
    """
    unique = list(dict.fromkeys(hashes))
    space = reuse_space(embedder.vector_space, workspace_id)
    known = known_vectors(db, space, unique, cache, workspace_id)
    todo = split_known(unique, known)
    reused = sum(1 for h in hashes if h in known)
    reporter.update(stage="embedding", to_embed=len(todo), reused=reused, force=True)
    if todo:
        text_of = {h: c.embed_text for h, c in zip(hashes, chunks, strict=True)}
        # Similar lengths in one batch waste no padding: sort once, embed in slices.
        todo.sort(key=lambda h: len(text_of[h]))

        def keep(pairs: Pairs) -> None:
            if job_id is not None:
                with db.pool.connection() as conn:
                    checkpoints.put_many(conn, space, job_id, pairs)
            if cache is not None:
                cache.put_many(space, pairs)

        writer = SliceWriter(keep)
        try:
            done = 0
            for start in range(0, len(todo), EMBED_SLICE):
                if checkpoint is not None:
                    checkpoint()
                part = todo[start : start + EMBED_SLICE]
                fresh = embedder.embed_many([text_of[h] for h in part])
                pairs = list(zip(part, fresh, strict=True))
                known.update(pairs)
                writer.submit(pairs)
                done += len(part)
                reporter.update(embedded=done)
            writer.wait()
        finally:
            writer.close()
    dims = embedder.dimensions if not known else len(next(iter(known.values())))
    vectors = np.zeros((len(chunks), dims), dtype=np.float32)
    for i, h in enumerate(hashes):
        vectors[i] = known[h]
    return vectors, len(todo)


def reuse_space(space: str, workspace_id: int | None) -> str:
    """Where a job of WORKSPACE_ID keeps and finds checkpointed and cached vectors: apart from
    every other workspace's, so that what one workspace indexes never makes another's run
    faster or its counts different (docs/team.md). The default workspace keeps the plain space."""
    return space if workspace_id is None else f"{space}#workspace={workspace_id}"


def visibility_of(req: IndexRequest) -> str | None:
    if req.private is None:
        return None
    return libraries.PRIVATE if req.private else libraries.PUBLIC


def _audit(
    conn: Connection,
    req: IndexRequest,
    before: libraries.LibraryRow | None,
    version: str,
    existed: bool,
    unchanged: bool,
) -> None:
    """The run in the audit log: the version added or refreshed, and a visibility change."""
    ref = parse_library_id(req.library, allow_version=False)
    actor = req.actor or "local"
    action = "library.refreshed" if existed else "library.added"
    detail: dict[str, Any] = {"source": req.source, "unchanged": unchanged}
    audit.record(
        conn,
        workspace_id=req.workspace_id,
        actor=actor,
        action=action,
        target=f"{ref.library_id}/{version}",
        detail=detail,
    )
    wanted = visibility_of(req)
    if before is not None and wanted is not None and before.visibility != wanted:
        audit.record(
            conn,
            workspace_id=req.workspace_id,
            actor=actor,
            action="library.visibility",
            target=ref.library_id,
            detail={"from": before.visibility, "to": wanted},
        )


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
    source: SourceRead,
    reporter: Reporter,
    progress: Progress,
) -> IndexResult:
    """Nothing to do but record the run (and flip latest if asked; a website's new validators)."""
    n = existing.document_count
    lease.checkpoint()
    progress.files_total, progress.files_done, progress.chunks = n_files, n_files, n
    progress.embedded, progress.reused = 0, n
    with db.pool.connection() as conn, conn.transaction():
        if req.name or req.description or visibility_of(req):
            libraries.upsert_library(
                conn,
                org=lib.org,
                project=lib.project,
                name=req.name,
                description=req.description,
                repository_url=None,
                rules=None,
                owner=lib.workspace_id,
                visibility=visibility_of(req),
            )
        _audit(conn, req, lib, existing.version, True, True)
        if req.latest:
            versions.set_latest(conn, lib.id, existing.id)
        versions.touch_indexed(conn, existing.id)
        source.store_pages(conn, existing.id)
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
            **source.problems,
            crawl=source.crawl,
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
    web_options: WebOptions | None = None,
) -> IndexResult:
    """Index one version and publish it in one transaction.

    `lease` holds a queued job that a worker (or `run_inline`) claimed: the run is that job.
    Without one, a job row is created here, running at once in this process.
    `web_options` are the server's crawl settings (CODEX7_FETCH_*: the allow-list, limits);
    the request's own crawl options go on top. Without them a crawl uses the defaults, which
    refuse every non-public address.
    """
    ref = parse_library_id(req.library, allow_version=False)
    run = (cache_dir, on_progress, embedding_cache)
    if lease is not None:
        return _run_job(db, embedder, req, *run, lease, web_options)
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
        return _run_job(db, embedder, req, *run, own, web_options)


def _run_job(
    db: Database,
    embedder: Embedder,
    req: IndexRequest,
    cache_dir: Path,
    on_progress: ProgressCallback | None,
    embedding_cache: EmbeddingCache | None,
    lease: JobLease,
    web_options: WebOptions | None = None,
) -> IndexResult:
    progress = Progress()
    lease.progress = progress
    reporter = Reporter(progress, on_progress, lambda p: lease.beat())
    try:
        return _index(
            db, embedder, req, cache_dir, embedding_cache, lease, reporter, progress, web_options
        )
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
    web_options: WebOptions | None = None,
) -> IndexResult:
    ref = parse_library_id(req.library, allow_version=False)
    with db.pool.connection() as conn:
        check_space(conn, embedder.provider, embedder.model, None)
    version = default_version(req)
    with db.pool.connection() as conn:
        jobs.set_version(conn, lease.job_id, version)
    lease.beat()  # the job row says "reading" (a fetch can take a while); no progress line yet
    url = website_url(req.source, req.ref)
    if url is not None:
        if web_options is None:
            from codex7.sources.web import WebOptions

            web_options = WebOptions()
        options = crawl_options(web_options, req.crawl)
        source = crawl_site(db, url, req, version, options, reporter, lease)
    else:
        source = open_files(req, ref.org, ref.project, cache_dir)
    files = source.files
    n_files = len(files)
    max_tokens = min(embedder.max_tokens, MAX_CHUNK_TOKENS)
    files_fp = files_fingerprint(files, max_tokens, embedder.model)
    with db.pool.connection() as conn:
        lib = libraries.get_owned_library(conn, ref.library_id, req.workspace_id)
        existing = versions.get_version(conn, lib.id, version) if lib else None
    # Rows written in an older format are rewritten (their vectors reused) even if nothing changed.
    current_rows = (
        existing is not None and existing.metadata.get("row_format") == documents.ROW_FORMAT
    )
    if (
        existing is not None
        and lib is not None
        and current_rows
        and existing.metadata.get("fingerprint") == files_fp
    ):
        return _unchanged(db, lease, req, lib, existing, n_files, source, reporter, progress)

    loading = prepare_in_background(embedder)  # the model loads while the files are chunked
    try:
        chunks = chunk_files(files, max_tokens, embedder, reporter)
        hashes = [content_hash(c.embed_text) for c in chunks]
        fingerprint = [(c.path, c.title, h) for c, h in zip(chunks, hashes, strict=True)]
        if existing is not None and lib is not None:
            with db.pool.connection() as conn:
                same = current_rows and documents.version_hashes(conn, existing.id) == fingerprint
                if same:
                    versions.record_fingerprint(conn, existing.id, files_fp)
            if same:
                return _unchanged(
                    db, lease, req, lib, existing, n_files, source, reporter, progress
                )

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
            workspace_id=req.workspace_id,
        )
    finally:
        loading.join()  # never leave a model half loaded behind (the process may be exiting)
    lease.checkpoint()
    reporter.update(stage="publishing", force=True)
    source_info = source.source_info(req)
    cfg = source.config
    named = source.named
    metadata: dict[str, Any] = {
        "previous_versions": cfg.previous_versions,
        "files": n_files,
        "fingerprint": files_fp,
        "row_format": documents.ROW_FORMAT,
    }
    if source.site is not None:
        metadata["site"] = {"url": source.site.url, "discovery": source.site.discovery}
    pub = Publication(
        org=ref.org,
        project=ref.project,
        version=version,
        name=libraries.name_to_publish(lib, req.name, named.name),
        description=libraries.description_to_publish(lib, req.description, named.description),
        repository_url=source.web_base.rsplit("/", 2)[0] if source.web_base else None,
        rules=cfg.rules if (cfg.rules or source.kind not in ("local", "web")) else None,
        git_commit=source.commit,
        source=source_info,
        metadata=metadata,
        source_type=source.kind,
        latest=req.latest,
        owner=req.workspace_id,
        visibility=visibility_of(req),
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
        source.store_pages(conn, version_id)
        _audit(conn, req, lib, version, existing is not None, False)
        lib = libraries.get_owned_library(conn, ref.library_id, req.workspace_id)
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
            **source.problems,
            crawl=source.crawl,
        )
        space = reuse_space(embedder.vector_space, req.workspace_id)
        checkpoints.delete_published(conn, space, hashes)
        _finished(lease, conn, result, progress, library_id, version_id)
    reporter.update(stage="done", force=True)
    return result
