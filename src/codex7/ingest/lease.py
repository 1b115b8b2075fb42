"""A running job's lease: a heartbeat thread renews it and writes the counters; the pipeline's
checkpoints ask it whether the job may go on; at the end it records how the run ended."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from types import TracebackType

from codex7.errors import Codex7Error, JobCancelled, LeaseLost, WorkerStopping
from codex7.ingest.progress import Progress
from codex7.store import jobs, workers
from codex7.store.database import Database

log = logging.getLogger("codex7.jobs")

DEFAULT_LEASE = 60.0  # seconds; Settings.job_lease for workers


def new_owner(kind: str) -> str:
    """A lease owner no other process or run shares: kind:host:pid:random."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def counters_of(p: Progress) -> jobs.Counters:
    return jobs.Counters(
        stage=p.stage,
        files_total=p.files_total,
        files_done=p.files_done,
        chunks=p.chunks,
        to_embed=p.to_embed,
        embedded=p.embedded,
        reused=p.reused,
    )


class JobLease:
    """Holds job `job_id` for `owner` while it runs (use as a context manager).

    `stop` is the worker's shutdown signal: at the next checkpoint the job goes back to the
    queue. `worker_id` is renewed with the lease, so a busy worker still counts as alive.
    """

    def __init__(
        self,
        db: Database,
        job_id: int,
        owner: str,
        *,
        seconds: float = DEFAULT_LEASE,
        stop: threading.Event | None = None,
        worker_id: str | None = None,
        requeue_on_interrupt: bool = False,
    ):
        self.db = db
        self.job_id = job_id
        self.owner = owner
        self.seconds = seconds
        self.stop = stop
        self.worker_id = worker_id
        self.requeue_on_interrupt = requeue_on_interrupt
        self.progress: Progress | None = None
        self._cancel = False
        self._lost = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        """Three beats per lease: one late beat does not lose it."""
        return min(self.seconds / 3, 10.0)

    def beat(self) -> None:
        """Renew the lease and write the counters; note a cancel request or a lost lease."""
        counters = counters_of(self.progress) if self.progress else None
        try:
            with self.db.pool.connection() as conn:
                state = jobs.heartbeat(conn, self.job_id, self.owner, self.seconds, counters)
                if self.worker_id:
                    workers.beat(conn, self.worker_id)
        except Codex7Error as exc:  # the database is away for a moment: the next beat retries
            log.warning("job %s: heartbeat failed: %s", self.job_id, exc)
            return
        if state is None:
            self._lost = True
        elif state:
            self._cancel = True

    def checkpoint(self) -> None:
        """Go on, or raise JobCancelled, LeaseLost or WorkerStopping (nothing is published)."""
        self.beat()
        if self._lost:
            raise LeaseLost(
                f"Job {self.job_id} lost its lease (no heartbeat within {self.seconds:g} s); "
                "another worker runs it now."
            )
        if self._cancel:
            raise JobCancelled(f"Job {self.job_id} was cancelled; nothing was published.")
        if self.stop is not None and self.stop.is_set():
            raise WorkerStopping(
                f"Job {self.job_id} went back to the queue: its worker is stopping."
            )

    def refusal(self) -> Exception:
        """Why finishing as succeeded was refused: a cancel request, else a lost lease."""
        with self.db.pool.connection() as conn:
            job = jobs.get(conn, self.job_id)
        if job is not None and job.cancel_requested and job.lease_owner == self.owner:
            return JobCancelled(f"Job {self.job_id} was cancelled; nothing was published.")
        return LeaseLost(f"Job {self.job_id} lost its lease; another worker runs it now.")

    def settle(self, exc: BaseException) -> None:
        """Record on the job row how a run that raised `exc` ended (only while we hold it)."""
        counters = counters_of(self.progress) if self.progress else None
        try:
            with self.db.pool.connection() as conn:
                if isinstance(exc, LeaseLost):
                    return
                if isinstance(exc, WorkerStopping) or (
                    isinstance(exc, KeyboardInterrupt) and self.requeue_on_interrupt
                ):
                    jobs.release(conn, self.job_id, self.owner)
                elif isinstance(exc, JobCancelled | KeyboardInterrupt):
                    reason = "cancelled" if isinstance(exc, JobCancelled) else "interrupted"
                    jobs.finish(
                        conn, self.job_id, self.owner, "cancelled", error=reason, counters=counters
                    )
                else:
                    reason = str(exc) or type(exc).__name__
                    jobs.finish(
                        conn, self.job_id, self.owner, "failed", error=reason, counters=counters
                    )
        except Codex7Error as db_exc:  # the lease then expires and a worker settles it
            log.warning("job %s: could not record its end: %s", self.job_id, db_exc)

    def _run(self) -> None:
        while not self._done.wait(self.interval):
            self.beat()

    def __enter__(self) -> JobLease:
        self._thread = threading.Thread(
            target=self._run, name=f"codex7-lease-{self.job_id}", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
