"""Indexing as jobs: enqueue, refresh, list, follow, cancel, run in this process; schedules.

A queued job waits for a worker (`codex7 worker`, or the one inside `codex7 serve`); see
codex7.services.worker. `run_inline` runs one in the caller's process instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from codex7.errors import Codex7Error, JobNotFound, WorkspaceError
from codex7.ids import parse_library_id
from codex7.ingest.lease import new_owner
from codex7.ingest.progress import ProgressCallback
from codex7.ingest.request import IndexRequest, IndexResult, check_crawl, portable_request
from codex7.services.auth import Principal, acting
from codex7.services.libraries import owned_library, refresh_targets
from codex7.services.runner import run_claimed
from codex7.sources.spec import website_url
from codex7.store import jobs as job_store
from codex7.store import libraries as library_store
from codex7.store import schedules as schedule_store
from codex7.store import versions as version_store
from codex7.store.database import Connection
from codex7.store.jobs import ACTIVE, TERMINAL, Job

if TYPE_CHECKING:
    from codex7.services.state import AppState

__all__ = [
    "IndexRequest",
    "IndexResult",
    "Job",
    "cancel",
    "check_crawl",
    "checked_request",
    "enqueue",
    "enqueue_due",
    "enqueue_refresh",
    "follow",
    "get_job",
    "list_jobs",
    "refresh_request",
    "refresh_requests",
    "result_of",
    "run_inline",
    "set_schedule",
]

STATUSES = (*ACTIVE, *TERMINAL)


def _enqueue(conn: Connection, state: AppState, request: IndexRequest) -> Job:
    return job_store.enqueue(
        conn,
        library=request.library,
        version=request.version,
        source=request.source,
        ref=request.ref,
        request=request.as_json(),
        max_attempts=state.settings.job_max_attempts,
    )


def checked_request(state: AppState, request: IndexRequest) -> IndexRequest:
    """The request checked as far as it can be before it runs (library ID, a missing folder, a
    version name, crawl options) with a local path made absolute. A website's URL goes through
    the fetch guard now, so a refused URL is an error at once rather than a failed job (the
    crawler checks every connection again)."""
    request = portable_request(request)
    url = website_url(request.source, request.ref)
    if url is not None:
        from codex7.sources.web import FetchAllow, check_url

        check_url(url, FetchAllow.parse(state.settings.fetch_allow))
    return request


def on_behalf(state: AppState, request: IndexRequest, principal: Principal | None) -> IndexRequest:
    """REQUEST as the caller's: into its workspace's library, the caller named in the audit log.
    A library that would clash with another workspace's public one is refused now."""
    who = acting(state, principal)
    request = replace(request, workspace_id=who.workspace_id, actor=who.actor)
    identifier = parse_library_id(request.library, allow_version=False).library_id
    if request.private and who.workspace_id is None:
        raise WorkspaceError(
            f"{identifier} cannot be private in the default workspace: private libraries belong "
            "to a workspace (--workspace NAME, or a key of that workspace)."
        )
    with state.db.pool.connection() as conn:
        own = library_store.get_owned_library(conn, identifier, who.workspace_id)
        public = library_store.get_library(conn, identifier, None)
    if own is None and not request.private and public is not None:
        raise library_store.public_taken(identifier)
    return request


def enqueue(state: AppState, request: IndexRequest, *, principal: Principal | None = None) -> Job:
    """Queue an indexing run; a worker picks it up. What can be checked now is (library ID,
    a missing folder, a folder without --version, a website the fetch guard refuses, a clash
    with another workspace's public library); the rest fails the job with the reason."""
    request = on_behalf(state, checked_request(state, request), principal)
    with state.db.pool.connection() as conn:
        return _enqueue(conn, state, request)


def refresh_request(
    library: str,
    version: str,
    source: dict[str, Any],
    workspace_id: int | None = None,
    actor: str | None = None,
) -> IndexRequest | None:
    """Index one version again from the source it was recorded with (None: none recorded), into
    the library of WORKSPACE_ID (None: the default workspace)."""
    if not source.get("spec"):
        return None
    return IndexRequest(
        workspace_id=workspace_id,
        actor=actor,
        source=source["spec"],
        library=library,
        version=version,
        ref=source.get("ref"),
        folders=source.get("folders") or [],
        exclude_folders=source.get("exclude_folders") or [],
        exclude_files=source.get("exclude_files") or [],
        crawl=source.get("crawl"),
    )


def refresh_requests(
    state: AppState, library_id: str | None, *, principal: Principal | None = None
) -> list[IndexRequest]:
    """What a refresh of every version (of one library, or all the caller's workspace owns)
    indexes; LibraryNotFound for a library the caller does not see. Versions without a recorded
    source are left out."""
    who = acting(state, principal)
    targets = refresh_targets(state, library_id, principal=who)
    requests = [
        refresh_request(t.library_id, t.version, t.source, t.workspace_id, who.actor)
        for t in targets
    ]
    return [r for r in requests if r is not None]


def _enqueue_refresh(conn: Connection, state: AppState, request: IndexRequest) -> Job:
    """Queue a refresh unless one of the same version is queued or running already."""
    assert request.version is not None
    active = job_store.active_for(conn, request.library, request.version, request.workspace_id)
    return active if active is not None else _enqueue(conn, state, request)


def enqueue_refresh(
    state: AppState, library_id: str | None, *, principal: Principal | None = None
) -> list[Job]:
    """Queue a refresh of every version (of one library, or all) from the source and ref it
    was indexed from; branches move to their newest commit. A version whose source did not
    change finishes as unchanged without embedding anything. A version with a refresh queued or
    running already gets that job back rather than a second one."""
    requests = refresh_requests(state, library_id, principal=principal)
    with state.db.pool.connection() as conn:
        return [_enqueue_refresh(conn, state, r) for r in requests]


def list_jobs(
    state: AppState,
    limit: int = 20,
    status: str | None = None,
    *,
    principal: Principal | None = None,
) -> list[Job]:
    """The most recent jobs of the caller's workspace first."""
    if status is not None and status not in STATUSES:
        raise Codex7Error(f"Unknown job status {status!r}; choose one of: {', '.join(STATUSES)}.")
    if limit < 1:
        raise Codex7Error(f"The number of jobs to list must be at least 1, not {limit}.")
    workspace = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        return job_store.list_jobs(conn, limit, status, scoped=True, workspace_id=workspace)


def _not_found(conn: Connection, job_id: int, workspace: int | None) -> JobNotFound:
    newest = job_store.list_jobs(conn, 1, scoped=True, workspace_id=workspace)
    hint = f"the newest is job {newest[0].id}" if newest else "no job has been queued yet"
    return JobNotFound(f"There is no indexing job {job_id}; {hint}.", job_id=job_id)


def get_job(state: AppState, job_id: int, *, principal: Principal | None = None) -> Job:
    """A job of the caller's workspace (another workspace's is not there for it)."""
    workspace = acting(state, principal).workspace_id
    with state.db.pool.connection() as conn:
        job = job_store.get(conn, job_id)
        if job is None or job_store.workspace_of(job) != workspace:
            raise _not_found(conn, job_id, workspace)
        return job


def cancel(state: AppState, job_id: int, *, principal: Principal | None = None) -> Job:
    """A queued job is cancelled at once; a running one stops at its worker's next checkpoint
    (between embedding slices, before publishing) and publishes nothing. A finished job is
    returned as it is."""
    get_job(state, job_id, principal=principal)  # JobNotFound for another workspace's
    with state.db.pool.connection() as conn:
        job = job_store.request_cancel(conn, job_id) or job_store.get(conn, job_id)
        if job is None:
            raise _not_found(conn, job_id, acting(state, principal).workspace_id)
        return job


def _progress_key(job: Job) -> tuple[Any, ...]:
    return (
        job.status,
        job.stage,
        job.files_total,
        job.files_done,
        job.chunks,
        job.to_embed,
        job.embedded,
        job.reused,
        job.attempts,
        job.cancel_requested,
    )


def follow(state: AppState, job_id: int, *, interval: float = 0.5) -> Iterator[Job]:
    """The job now, then each time its status or counters change; ends after a final status."""
    last: tuple[Any, ...] | None = None
    while True:
        job = get_job(state, job_id)
        key = _progress_key(job)
        if key != last:
            last = key
            yield job
        if job.terminal:
            return
        time.sleep(interval)


def result_of(job: Job) -> IndexResult | None:
    """What a succeeded job indexed; None for any other job."""
    if job.status != "succeeded" or not job.result:
        return None
    return IndexResult(**job.result)


def run_inline(
    state: AppState,
    request: IndexRequest,
    on_progress: ProgressCallback | None = None,
    *,
    principal: Principal | None = None,
) -> IndexResult:
    """Index in this process, as a job that is running from the start (no worker can take it
    first). Ctrl-C cancels it; if the process dies, a worker resumes it after its lease."""
    request = checked_request(state, request)
    if request.actor is None:  # a refresh request says already whose it is
        request = on_behalf(state, request, principal)
    owner = new_owner("inline")
    with state.db.pool.connection() as conn:
        job = job_store.create_running(
            conn,
            library=request.library,
            version=request.version,
            source=request.source,
            ref=request.ref,
            request=request.as_json(),
            owner=owner,
            lease=state.settings.job_lease,
            max_attempts=state.settings.job_max_attempts,
        )
    return run_claimed(state, job, owner, on_progress=on_progress)


def set_schedule(
    state: AppState,
    library_id: str,
    every: timedelta | None,
    *,
    principal: Principal | None = None,
) -> None:
    """Refresh the library every `every` (counted from its last indexing); None: never."""
    identifier = parse_library_id(library_id, allow_version=False).library_id
    if every is not None and every <= timedelta(0):
        raise Codex7Error(f"A refresh interval must be positive, not {every}.")
    who = acting(state, principal)
    with state.db.pool.connection() as conn, conn.transaction():
        lib = owned_library(conn, identifier, who)
        if every is None:
            schedule_store.clear(conn, lib.id)
        else:
            schedule_store.set_every(conn, lib.id, every)


def enqueue_due(state: AppState) -> list[Job]:
    """Queue a refresh of every library whose interval has passed, once: the schedule is
    locked and moved on in the same transaction, so concurrent workers never double it."""
    queued: list[Job] = []
    with state.db.pool.connection() as conn, conn.transaction():
        for schedule in schedule_store.lock_due(conn):
            for v in version_store.recorded_versions(conn, schedule.library_id):
                request = refresh_request(
                    v.library, v.version, v.source, v.workspace_id, "schedule"
                )
                if request is not None:
                    queued.append(_enqueue_refresh(conn, state, request))
            schedule_store.mark_enqueued(conn, schedule.library_id)
    return queued
