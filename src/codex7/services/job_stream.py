"""A job's live progress as Server-Sent Events, for the management API and the web UI alike.

The job row is polled from here rather than through `jobs.follow`: a blocking iterator in a
worker thread could not be stopped when the client goes away.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import anyio

from codex7.errors import Codex7Error

if TYPE_CHECKING:
    from codex7.store.jobs import Job

POLL_SECONDS = 0.5  # how often a progress stream looks at its job
KEEPALIVE_SECONDS = 15.0  # a comment line this often keeps proxies from closing a quiet stream
# What a progress stream compares: a heartbeat alone is not progress.
_NOT_PROGRESS = frozenset({"heartbeat_at", "lease_owner", "lease_expires_at"})


def sse_event(event: str, data: dict[str, Any]) -> str:
    """One Server-Sent Event: its name and one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


async def job_events(
    job: Job,
    fetch: Callable[[], Job],
    view: Callable[[Job], dict[str, Any]],
    failed: Callable[[Codex7Error], dict[str, Any]],
) -> AsyncIterator[str]:
    """`progress` events (VIEW of the job) while JOB changes, then `done` with its final state;
    the stream ends. FETCH reads the job again (in a worker thread); if it fails, an `error`
    event with FAILED of the error ends the stream."""
    last: dict[str, Any] | None = None
    quiet = 0.0
    while True:
        if job.terminal:
            yield sse_event("done", view(job))
            return
        seen = {k: v for k, v in job.as_dict().items() if k not in _NOT_PROGRESS}
        if seen != last:
            yield sse_event("progress", view(job))
            last, quiet = seen, 0.0
        elif quiet >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet = 0.0
        await anyio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
        try:
            job = await anyio.to_thread.run_sync(fetch)
        except Codex7Error as exc:
            yield sse_event("error", failed(exc))
            return
