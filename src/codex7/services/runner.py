"""Run one claimed job in this process: its lease held by a heartbeat, the pipeline on its request."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from codex7.ingest.lease import JobLease
from codex7.ingest.progress import ProgressCallback
from codex7.ingest.request import IndexRequest, IndexResult
from codex7.store.jobs import Job

if TYPE_CHECKING:
    from codex7.services.state import AppState


def run_claimed(
    state: AppState,
    job: Job,
    owner: str,
    *,
    stop: threading.Event | None = None,
    worker_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    requeue_on_interrupt: bool = False,
) -> IndexResult:
    """Index `job` (claimed by `owner`) and publish it; the job row says how it ended.

    Raises what stopped it: JobCancelled, LeaseLost, WorkerStopping (the job is queued again),
    or the error that failed it.
    """
    settings = state.settings
    lease = JobLease(
        state.db,
        job.id,
        owner,
        seconds=settings.job_lease,
        stop=stop,
        worker_id=worker_id,
        requeue_on_interrupt=requeue_on_interrupt,
    )
    with lease:
        try:
            # The indexer (LlamaIndex, the model) loads with the first job, not with the server.
            from codex7.embeddings import get_embedder
            from codex7.embeddings.cache import EmbeddingCache
            from codex7.ingest.pipeline import index_version
            from codex7.sources.web import WebOptions

            request = IndexRequest.from_json(job.request)
            embedder = get_embedder(settings)  # loading a model can take a while: lease held
            cache = EmbeddingCache(settings.cache_file) if settings.embedding_cache else None
        except BaseException as exc:
            lease.settle(exc)
            raise
        try:
            return index_version(
                state.db,
                embedder,
                request,
                cache_dir=settings.data_dir / "git",
                on_progress=on_progress,
                embedding_cache=cache,
                lease=lease,
                web_options=WebOptions.from_settings(settings),  # the operator's CODEX7_FETCH_*
            )
        finally:
            if cache is not None:
                cache.close()
