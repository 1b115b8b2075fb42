"""Indexing jobs: the list, one job's page with live progress (Server-Sent Events), cancel."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from codex7.services.auth import Principal
from codex7.services.job_stream import job_events
from codex7.services.state import AppState
from codex7.ui.library_pages import jobs, library_url
from codex7.ui.routes import UI, Refused

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
LIST_LIMIT = 100


def job_id(request: Request) -> int:
    text = request.path_params["id"]
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Refused(404, f"A job is numbered, e.g. /ui/jobs/12 (got {text[:40]!r}).")
    return int(text)


def seconds(job: Any) -> float | None:
    """How long JOB ran (so far, while it runs)."""
    if job.started_at is None:
        return None
    end = job.finished_at or datetime.now(UTC)
    return max(0.0, (end - job.started_at).total_seconds())


def view(job: Any) -> dict[str, Any]:
    """What the job page's script updates: the job's fields and its running time."""
    return {**job.as_dict(), "seconds": seconds(job)}


async def progress(state: AppState, job: Any, user: Principal) -> AsyncIterator[str]:
    """`progress` while the job changes, then `done` with its final state; the stream ends."""
    get = functools.partial(jobs().get_job, state, job.id, principal=user)
    async for event in job_events(job, get, view, lambda exc: {"message": str(exc)}):
        yield event


def routes(ui: UI) -> list[BaseRoute]:
    async def listing(request: Request, user: Principal) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in STATUSES:
            raise Refused(400, f"Choose a status among {', '.join(STATUSES)}.")
        found = await ui.call(jobs().list_jobs, LIST_LIMIT, status, principal=user)
        return ui.render(
            request,
            user,
            "jobs.html",
            nav_active="jobs",
            jobs=found,
            status=status,
            statuses=STATUSES,
            seconds=seconds,
        )

    async def detail(request: Request, user: Principal) -> Response:
        job = await ui.call(jobs().get_job, job_id(request), principal=user)
        return ui.render(
            request,
            user,
            "job.html",
            nav_active="jobs",
            job=job,
            seconds=seconds(job),
            library_url=library_url(job.library),
        )

    async def events(request: Request, user: Principal) -> Response:
        first = await ui.call(jobs().get_job, job_id(request), principal=user)
        return StreamingResponse(
            progress(await ui.state(), first, user),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def cancel(request: Request, user: Principal) -> Response:
        ident = job_id(request)
        job = await ui.call(jobs().cancel, ident, principal=user)
        message = (
            f"Job {ident} had already ended ({job.status})."
            if job.terminal and job.status != "cancelled"
            else f"Job {ident} is cancelled."
            if job.status == "cancelled"
            else f"Job {ident} stops at its next checkpoint."
        )
        return ui.redirect(request, f"/ui/jobs/{ident}", message)

    return [
        Route("/ui/jobs", ui.page(listing), methods=["GET"]),
        Route("/ui/jobs/{id}", ui.page(detail), methods=["GET"]),
        Route("/ui/jobs/{id}/events", ui.page(events), methods=["GET"]),
        Route("/ui/jobs/{id}/cancel", ui.page(cancel, admin=True), methods=["POST"]),
    ]
