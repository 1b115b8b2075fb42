"""The job queue in PostgreSQL: claiming, leases, cancelling, schedules (fake embedder)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from codex7.errors import JobNotFound, LibraryNotFound
from codex7.services import jobs, worker
from codex7.services.jobs import IndexRequest
from codex7.services.state import AppState
from codex7.store import jobs as job_store
from tests.fakes import FakeEmbedder
from tests.jobs.conftest import Embedders, sql, write_docs
from tests.test_lifecycle import wait_for


def claim_next(state: AppState, owner: str, lease: float = 60.0) -> job_store.Job | None:
    with state.db.pool.connection() as conn:
        return job_store.claim_next(conn, owner, lease)


def gated(embedders: Embedders) -> tuple[threading.Event, threading.Event]:
    """Embedding waits at a gate: (entered, set once a call waits; gate, set it to let calls on)."""
    entered, gate = threading.Event(), threading.Event()

    class Gated(FakeEmbedder):
        def embed_batch(self, texts: list[str]) -> np.ndarray:
            entered.set()
            assert gate.wait(30)
            return super().embed_batch(texts)

    embedders.use(Gated)
    return entered, gate


def test_concurrent_claims_skip_each_others_job(state: AppState, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs")
    a = jobs.enqueue(state, IndexRequest(str(docs), "/acme/a", "1"))
    b = jobs.enqueue(state, IndexRequest(str(docs), "/acme/b", "1"))
    with state.db.pool.connection() as one, state.db.pool.connection() as two:
        first = job_store.claim_next(one, "w1", 60)  # not committed: job a stays locked
        second = job_store.claim_next(two, "w2", 60)  # skips it rather than waiting
        assert first is not None and second is not None
        assert (first.id, second.id) == (a.id, b.id)
        two.commit()
        one.commit()
    assert claim_next(state, "w3") is None
    running = {j.id: j.lease_owner for j in jobs.list_jobs(state, status="running")}
    assert running == {a.id: "w1", b.id: "w2"}


def test_two_workers_never_run_the_same_job(
    state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[tuple[int, str]] = []
    lock = threading.Lock()
    real = worker.run_claimed

    def recording(st: AppState, job: job_store.Job, owner: str, **kw: object):  # type: ignore[no-untyped-def]
        with lock:
            runs.append((job.id, owner))
        return real(st, job, owner, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(worker, "run_claimed", recording)
    queued = [
        jobs.enqueue(
            state,
            IndexRequest(str(write_docs(tmp_path / f"d{i}", salt=f"s{i}")), f"/acme/lib{i}", "1"),
        )
        for i in range(8)
    ]
    one, two = worker.start_background_worker(state), worker.start_background_worker(state)
    try:
        wait_for(
            lambda: all(jobs.get_job(state, j.id).terminal for j in queued), "all jobs to end", 120
        )
    finally:
        assert one.stop(30) and two.stop(30)
    ids = [job_id for job_id, _ in runs]
    assert sorted(ids) == sorted(j.id for j in queued)  # each ran exactly once
    done = [jobs.get_job(state, j.id) for j in queued]
    assert {(j.status, j.attempts) for j in done} == {("succeeded", 1)}
    assert len(sql(state.db.url, "SELECT 1 FROM versions")) == 8


def test_expired_lease_is_retried_then_failed_with_the_reason(
    state: AppState, tmp_path: Path
) -> None:
    job = jobs.enqueue(state, IndexRequest(str(write_docs(tmp_path / "d")), "/acme/a", "1"))
    sql(state.db.url, "UPDATE indexing_jobs SET max_attempts = 2 WHERE id = %s", job.id)

    def lease_over() -> bool:
        return bool(
            sql(
                state.db.url,
                "SELECT lease_expires_at < now() FROM indexing_jobs WHERE id = %s",
                job.id,
            )[0][0]
        )

    with state.db.pool.connection() as conn:
        for attempt in (1, 2):
            claimed = job_store.claim_next(conn, f"ghost{attempt}", 0.2)  # a worker that dies
            conn.commit()
            assert claimed is not None and claimed.attempts == attempt
            wait_for(lease_over, "the lease to expire", 10)
            (expired,) = job_store.expire_leases(conn)
            conn.commit()
            assert expired.id == job.id
            if attempt == 1:
                assert (expired.status, expired.error) == ("queued", None)
    final = jobs.get_job(state, job.id)
    assert final.status == "failed" and final.finished_at is not None
    assert final.error == "worker lost 2 times (its lease expired without a heartbeat)"
    # The ghost cannot write to it any more.
    with state.db.pool.connection() as conn:
        assert job_store.heartbeat(conn, job.id, "ghost2", 60, None) is None
        assert not job_store.finish(conn, job.id, "ghost2", "succeeded")


def test_cancelled_running_job_publishes_nothing(
    state: AppState, embedders: Embedders, tmp_path: Path
) -> None:
    entered, gate = gated(embedders)
    job = jobs.enqueue(state, IndexRequest(str(write_docs(tmp_path / "d")), "/acme/a", "1"))
    background = worker.start_background_worker(state)
    try:
        assert entered.wait(60), "the worker never started embedding"
        asked = jobs.cancel(state, job.id)
        assert (asked.status, asked.cancel_requested) == ("running", True)
        gate.set()
        wait_for(lambda: jobs.get_job(state, job.id).terminal, "the job to stop", 30)
    finally:
        gate.set()
        assert background.stop(30)
    final = jobs.get_job(state, job.id)
    assert (final.status, final.error) == ("cancelled", "cancelled")
    assert sql(state.db.url, "SELECT count(*) FROM libraries")[0][0] == 0
    assert sql(state.db.url, "SELECT count(*) FROM versions")[0][0] == 0
    assert sql(state.db.url, "SELECT count(*) FROM documents")[0][0] == 0
    assert jobs.cancel(state, job.id).status == "cancelled"  # again: returned as it is


def test_cancel_queued_job_and_unknown_job(state: AppState, tmp_path: Path) -> None:
    job = jobs.enqueue(state, IndexRequest(str(write_docs(tmp_path / "d")), "/acme/a", "1"))
    cancelled = jobs.cancel(state, job.id)
    assert (cancelled.status, cancelled.error) == ("cancelled", "cancelled before it started")
    assert claim_next(state, "w") is None
    with pytest.raises(
        JobNotFound, match=f"There is no indexing job 999; the newest is job {job.id}"
    ):
        jobs.get_job(state, 999)


def test_inline_run_is_a_job_and_ctrl_c_cancels_it(
    state: AppState, embedders: Embedders, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "d")
    result = jobs.run_inline(state, IndexRequest(str(docs), "/acme/a", "1"))
    job = jobs.get_job(state, result.job_id)
    assert job.status == "succeeded" and jobs.result_of(job) == result
    assert (job.chunks, job.embedded, job.reused) == (result.chunks, result.embedded, 0)

    class Interrupted(FakeEmbedder):
        def embed_batch(self, texts: list[str]) -> np.ndarray:
            raise KeyboardInterrupt

    embedders.use(Interrupted)
    (docs / "page0.md").write_text("# Changed\n\nNew words here.\n")
    with pytest.raises(KeyboardInterrupt):
        jobs.run_inline(state, IndexRequest(str(docs), "/acme/a", "1"))
    (last, *_) = jobs.list_jobs(state)
    assert (last.status, last.error) == ("cancelled", "interrupted")


def test_enqueue_checks_what_it_can_and_makes_paths_absolute(
    state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_docs(tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    job = jobs.enqueue(state, IndexRequest("docs", "/acme/a", "1"))
    assert job.source == str(tmp_path / "docs") and job.request["source"] == job.source
    with pytest.raises(Exception, match="is a folder, so its version needs a name"):
        jobs.enqueue(state, IndexRequest("docs", "/acme/a"))
    with pytest.raises(Exception, match="is not a folder or a git URL"):
        jobs.enqueue(state, IndexRequest("missing", "/acme/a", "1"))
    assert [j.id for j in jobs.list_jobs(state)] == [job.id]


def test_due_schedule_enqueues_exactly_one_refresh(state: AppState, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "d")
    jobs.run_inline(state, IndexRequest(str(docs), "/acme/a", "1"))
    with pytest.raises(LibraryNotFound):
        jobs.set_schedule(state, "/acme/missing", timedelta(days=1))
    jobs.set_schedule(state, "/acme/a", timedelta(days=1))
    assert jobs.enqueue_due(state) == []  # indexed just now: not due for a day
    sql(
        state.db.url,
        "UPDATE library_schedules SET last_enqueued_at = now() - interval '25 hours'",
    )
    (due,) = jobs.enqueue_due(state)
    assert jobs.enqueue_due(state) == []
    assert (due.library, due.version, due.status) == ("/acme/a", "1", "queued")
    assert jobs.enqueue_refresh(state, "/acme/a") == [due]  # queued already: not twice

    background = worker.start_background_worker(state)
    try:
        wait_for(lambda: jobs.get_job(state, due.id).terminal, "the refresh to run", 60)
    finally:
        assert background.stop(30)
    result = jobs.result_of(jobs.get_job(state, due.id))
    assert result is not None and result.unchanged and result.embedded == 0
    jobs.set_schedule(state, "/acme/a", None)
    assert sql(state.db.url, "SELECT count(*) FROM library_schedules")[0][0] == 0


def test_worker_stop_puts_the_running_job_back(
    state: AppState, embedders: Embedders, tmp_path: Path
) -> None:
    entered, gate = gated(embedders)
    job = jobs.enqueue(state, IndexRequest(str(write_docs(tmp_path / "d")), "/acme/a", "1"))
    background = worker.start_background_worker(state)
    assert entered.wait(60)
    background.stop_event.set()
    gate.set()
    assert background.stop(30)
    back = jobs.get_job(state, job.id)
    assert (back.status, back.attempts, back.lease_owner) == ("queued", 0, None)
    assert jobs.cancel(state, job.id).status == "cancelled"  # queued again: cancelled at once
