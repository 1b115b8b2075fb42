"""The worker: queue due refreshes, requeue jobs whose worker died, claim one job, run it.

Workers share nothing but the database: run as many as you like (`codex7 worker` on any
machine with the same DATABASE_URL, or the one inside `codex7 serve`). A claimed job is held by
a lease renewed every third of CODEX7_JOB_LEASE; when a worker dies, another takes the job over
once the lease has expired (CODEX7_JOB_MAX_ATTEMPTS runs in all), reusing the embeddings the
dead one had checkpointed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codex7.errors import Codex7Error, JobStopped
from codex7.ingest.lease import new_owner
from codex7.services.jobs import enqueue_due
from codex7.services.runner import run_claimed
from codex7.store import checkpoints, workers
from codex7.store import jobs as job_store
from codex7.store.jobs import Job

if TYPE_CHECKING:
    from codex7.services.state import AppState

log = logging.getLogger("codex7.worker")


def workers_alive(state: AppState) -> int:
    """Workers heard from within one lease (CODEX7_JOB_LEASE): whoever will run a queued job."""
    with state.db.pool.connection() as conn:
        return workers.live_count(
            conn, max(state.settings.job_lease, 3 * state.settings.worker_poll)
        )


def _describe(job: Job) -> str:
    return f"job {job.id} {job.library}/{job.version or '?'}"


def _housekeeping(state: AppState, worker_id: str) -> None:
    """Beat, settle jobs whose worker died, queue due refreshes."""
    with state.db.pool.connection() as conn:
        workers.beat(conn, worker_id)
        for job in job_store.expire_leases(conn):
            if job.status == "queued":
                log.warning("%s: its worker was lost; queued again", _describe(job))
            else:
                log.warning("%s: %s", _describe(job), job.error)
    for job in enqueue_due(state):
        log.info("%s: scheduled refresh queued", _describe(job))


def _run_next(state: AppState, stop: threading.Event, worker_id: str) -> bool:
    """Claim and run one job; False when the queue was empty."""
    owner = f"{worker_id}/{uuid.uuid4().hex[:6]}"  # one lease per claim
    with state.db.pool.connection() as conn:
        job = job_store.claim_next(conn, owner, state.settings.job_lease)
    if job is None:
        return False
    log.info("%s: started (attempt %d of %d)", _describe(job), job.attempts, job.max_attempts)
    try:
        r = run_claimed(
            state, job, owner, stop=stop, worker_id=worker_id, requeue_on_interrupt=True
        )
    except JobStopped as exc:
        log.info("%s: %s", _describe(job), exc)
    except Exception as exc:  # the job row holds the reason; the worker goes on
        log.warning("%s: failed: %s", _describe(job), exc)
    else:
        what = "unchanged" if r.unchanged else "indexed"
        log.info(
            "%s: %s, %d chunks (%d embedded, %d reused) in %.1fs",
            _describe(job),
            what,
            r.chunks,
            r.embedded,
            r.reused,
            r.seconds,
        )
    with state.db.pool.connection() as conn:
        checkpoints.purge_older_than(conn)
    return True


def run_worker(
    state: AppState,
    *,
    stop: threading.Event,
    worker_id: str | None = None,
    poll: float = 1.0,
) -> None:
    """Run jobs until `stop` is set. A job running then goes back to the queue at its next
    checkpoint (another worker, or this one restarted, carries on from its checkpoints)."""
    worker_id = worker_id or new_owner("worker")
    with state.db.pool.connection() as conn:
        workers.register(conn, worker_id, socket.gethostname(), os.getpid())
        checkpoints.purge_older_than(conn)
    log.info("%s: waiting for jobs", worker_id)
    try:
        while not stop.is_set():
            try:
                _housekeeping(state, worker_id)
                ran = not stop.is_set() and _run_next(state, stop, worker_id)
            except Codex7Error as exc:  # e.g. the database is away: try again after a poll
                log.warning("%s: %s", worker_id, exc)
                ran = False
            except Exception:  # a bug must not end the worker of a server
                log.exception("%s: unexpected error", worker_id)
                ran = False
            if not ran:
                stop.wait(poll)
    finally:
        try:
            with state.db.pool.connection() as conn:
                workers.unregister(conn, worker_id)
        except Codex7Error:
            pass  # its row ages out
        log.info("%s: stopped", worker_id)


@dataclass
class BackgroundWorker:
    """A worker on a thread of this process (`codex7 serve`)."""

    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the worker to stop and wait up to `timeout` seconds; True once it has. A job
        still running after that is taken over by another worker when its lease expires."""
        self.stop_event.set()
        self.thread.join(timeout)
        return not self.thread.is_alive()


def start_background_worker(state: AppState) -> BackgroundWorker:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(state,),
        kwargs={"stop": stop, "poll": state.settings.worker_poll},
        name="codex7-worker",
        daemon=True,
    )
    thread.start()
    return BackgroundWorker(thread, stop)
